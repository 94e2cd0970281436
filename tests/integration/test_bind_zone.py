"""/v1/zone is a master file BIND accepts (named-checkzone) and serves: a
named loading it as a primary answers exactly like mesos-dnsd for every
name and type in it (dcos-and-bind spec §3)."""

import os
import subprocess

from harness import canonical_zone, dig, start_daemon, start_named, zone_records

LOCAL = "127.0.0.1"


def answer_set(r):
    return {(rr.name, rr.ttl, rr.cls, rr.type, rr.rdata) for rr in r.answer}


def test_zone_file_loads_and_answers_the_same(tmp_path):
    d = start_daemon(tmp_path)
    try:
        status, headers, text = d.get("/v1/zone")
        assert status == 200
        assert headers["content-type"].startswith("text/plain")
        path = os.path.join(str(tmp_path), "db.mesos")
        with open(path, "w") as f:
            f.write(text)
        chk = subprocess.run(["named-checkzone", "mesos", path], capture_output=True,
                             text=True, timeout=60)
        assert chk.returncode == 0, chk.stdout + chk.stderr
        pairs = zone_records(canonical_zone("mesos", path))
        assert ("mesos.", "SOA") in pairs and ("web.marathon.mesos.", "A") in pairs
        n = start_named(tmp_path, 'zone "mesos" { type primary; file "db.mesos"; };\n',
                        files={"db.mesos": text})
        try:
            for owner, rtype in sorted(pairs):
                want = dig(LOCAL, n.port, owner, rtype, extra=["+norecurse"])
                got = dig(LOCAL, d.dns_port, owner, rtype)
                assert want.status == "NOERROR", want
                assert got.status == want.status, (owner, rtype, got, want)
                assert answer_set(got) == answer_set(want), (owner, rtype, got, want)
                assert "aa" in got.flags
        finally:
            n.stop()
    finally:
        d.stop()


def test_zone_off_with_enumeration(tmp_path):
    d = start_daemon(tmp_path, EnumerationOn=False)
    try:
        for path in ("/v1/zone", "/v1/axfr", "/v1/enumerate"):
            status, _, body = d.get(path)
            assert status == 404 and body == "404: Page Not Found", (path, status, body)
    finally:
        d.stop()
