"""A real BIND forwarding the cluster domain to mesos-dnsd, configured with
/v1/bind/forward-zone verbatim (dcos-and-bind spec §2)."""

import http_expect as ex
from harness import DEMO_STATE, dig, start_daemon, start_named

LOCAL = "127.0.0.1"


def test_forward_zone_through_named(tmp_path):
    d = start_daemon(tmp_path)
    try:
        state = ex.load(DEMO_STATE)
        web_a = ex.a_records(state, "web")
        web_srv = ex.srv_records(state, "web")
        assert web_a and web_srv  # the demo has running web tasks
        status, headers, conf = d.get("/v1/bind/forward-zone")
        assert status == 200
        assert headers["content-type"].startswith("text/plain")
        assert f"forwarders {{ 127.0.0.1 port {d.dns_port}; }};" in conf
        n = start_named(tmp_path, conf)
        try:
            r = dig(LOCAL, n.port, "web.marathon.mesos", "A")
            assert r.status == "NOERROR", r
            assert r.rdatas("A") == web_a, r
            r = dig(LOCAL, n.port, "_web._tcp.marathon.mesos", "SRV")
            assert r.status == "NOERROR", r
            assert r.rdatas("SRV") == web_srv, r
            r = dig(LOCAL, n.port, "leader.mesos", "A")
            assert r.rdatas("A") == {state["leader"].split("@")[1].split(":")[0]}, r
            # a name that does not exist: NXDOMAIN passes through BIND
            r = dig(LOCAL, n.port, "nope.marathon.mesos", "A")
            assert r.status == "NXDOMAIN", r
            assert not r.answer
        finally:
            n.stop()
        # externalon false: mesos-dnsd answers nothing outside its domain
        for name in ("example.com", "mesos.example.com", "."):
            r = dig(LOCAL, d.dns_port, name, "A")
            assert r.status == "REFUSED", r
            assert not r.answer
    finally:
        d.stop()


def test_forward_zone_servers_parameter(tmp_path):
    d = start_daemon(tmp_path)
    try:
        status, _, conf = d.get(
            "/v1/bind/forward-zone?servers=10.0.0.1,10.0.0.2:5353,%5Bfd00::1%5D:53")
        assert status == 200
        assert (f"forwarders {{ 10.0.0.1 port {d.dns_port}; 10.0.0.2 port 5353; "
                f"fd00::1; }};") in conf
        assert d.get("/v1/bind/forward-zone?servers=ns.example.com")[0] == 400
    finally:
        d.stop()
