"""The DC/OS cluster-ID names through a real BIND: /v1/bind/dcos gives the
forward zone for <label>.dcos.directory and, for ?zone=contoso.com, the
DNAME line that aliases the cluster from a company zone (dcos-and-bind
spec §1-§2)."""

import http_expect as ex
from harness import DCOS_LABEL, DEMO_STATE, dig, start_daemon, start_named

LOCAL = "127.0.0.1"
CRYPTO = f"mesos.{DCOS_LABEL}.dcos.directory."


def split_snippet(body):
    """(named.conf part, DNAME lines) of a /v1/bind/dcos answer."""
    conf, _, zone = body.partition("\n;")
    dnames = [line for line in zone.splitlines()
              if line and not line.startswith(";") and " IN DNAME " in line]
    return conf + "\n", dnames


def test_dname_through_named(tmp_path):
    d = start_daemon(tmp_path, dcosClusterId=DCOS_LABEL)
    try:
        state = ex.load(DEMO_STATE)
        web_a = ex.a_records(state, "web")
        status, headers, body = d.get("/v1/bind/dcos?zone=contoso.com")
        assert status == 200, body
        assert headers["content-type"].startswith("text/plain")
        conf, dnames = split_snippet(body)
        assert f'zone "{DCOS_LABEL}.dcos.directory" {{' in conf
        assert dnames == [f"contoso.com. 60 IN DNAME {CRYPTO}"]
        zone = ("$TTL 60\n"
                "@ IN SOA localhost. hostmaster.contoso.com. 1 3600 600 86400 60\n"
                "@ IN NS localhost.\n" + "\n".join(dnames) + "\n")
        n = start_named(tmp_path, conf + 'zone "contoso.com" { type primary; '
                        'file "db.contoso.com"; };\n', files={"db.contoso.com": zone})
        try:
            # the crypto names themselves, forwarded to mesos-dnsd
            r = dig(LOCAL, n.port, f"web.marathon.{CRYPTO}", "A")
            assert r.status == "NOERROR", r
            assert r.rdatas("A") == web_a, r
            # and through the company zone's DNAME
            r = dig(LOCAL, n.port, "web.marathon.contoso.com", "A")
            assert r.status == "NOERROR", r
            assert r.rdatas("A") == web_a, r
            assert r.rdatas("DNAME") == {CRYPTO}, r
            assert r.rdatas("CNAME") == {f"web.marathon.{CRYPTO}"}, r
            r = dig(LOCAL, n.port, "_web._tcp.marathon.contoso.com", "SRV")
            assert r.status == "NOERROR", r
            want = {s.replace(".mesos.", "." + CRYPTO) for s in ex.srv_records(state, "web")}
            assert r.rdatas("SRV") == want, r
            r = dig(LOCAL, n.port, "nope.marathon.contoso.com", "A")
            assert r.status == "NXDOMAIN", r
        finally:
            n.stop()
    finally:
        d.stop()


def test_dcos_without_cluster_id(tmp_path):
    d = start_daemon(tmp_path)
    try:
        status, _, body = d.get("/v1/bind/dcos?zone=contoso.com")
        assert status == 404, body
    finally:
        d.stop()
