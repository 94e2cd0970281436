"""A real BIND secondary configured with /v1/bind/secondary verbatim pulls
the zone from mesos-dnsd by zone transfer and then answers like it
(dcos-and-bind spec §2, "HA BIND cluster")."""

import time

from harness import canonical_zone, dig, start_daemon, start_named, zone_records

LOCAL = "127.0.0.1"


def test_secondary_transfers_the_zone(tmp_path):
    d = start_daemon(tmp_path, allowTransfer=["127.0.0.0/8"])
    try:
        status, _, conf = d.get("/v1/bind/secondary")
        assert status == 200
        assert "type secondary;" in conf
        assert f"primaries {{ 127.0.0.1 port {d.dns_port}; }};" in conf
        n = start_named(tmp_path, conf)
        try:
            deadline = time.monotonic() + 20
            while "Transfer status:" not in n.log() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "Transfer status: success" in n.log(), n.log()[-3000:]
            # named writes its copy (raw format) a moment after the transfer
            path, pairs = f"{n.workdir}/db.mesos", None
            deadline = time.monotonic() + 20
            while pairs is None:
                try:
                    pairs = zone_records(canonical_zone("mesos", path, fmt="raw"))
                except AssertionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            assert ("web.marathon.mesos.", "A") in pairs
            for owner, rtype in sorted(pairs):
                want = dig(LOCAL, d.dns_port, owner, rtype)
                got = dig(LOCAL, n.port, owner, rtype, extra=["+norecurse"])
                assert got.status == want.status == "NOERROR", (owner, rtype, got, want)
                assert {(r.name, r.type, r.rdata) for r in got.answer} == \
                    {(r.name, r.type, r.rdata) for r in want.answer}, (owner, rtype)
        finally:
            n.stop()
    finally:
        d.stop()
