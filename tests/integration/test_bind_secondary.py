"""A real BIND secondary configured with /v1/bind/secondary verbatim pulls
the zone from mesos-dnsd by zone transfer and then answers like it
(dcos-and-bind spec §2, "HA BIND cluster")."""

import json
import signal
import time

from harness import (DEMO_STATE, canonical_zone, dig, free_port, start_daemon, start_named,
                     zone_records)

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


def _add_task(state, name):
    """A copy of the first running marathon task under a new id and name."""
    fw = next(f for f in state["frameworks"] if f["name"] == "marathon")
    task = next(t for t in fw["tasks"] if t["state"] == "TASK_RUNNING")
    new = json.loads(json.dumps(task))
    new["id"] = f"{name}.{task['id']}"
    new["name"] = name
    new.pop("discovery", None)
    fw["tasks"].append(new)


def test_notify_makes_the_secondary_transfer_at_once(tmp_path):
    """alsoNotify: a new serial reaches the secondary within seconds, long
    before SOARefresh (1 hour here) would have it ask."""
    state_path = tmp_path / "state.json"
    with open(DEMO_STATE) as f:
        state = json.load(f)
    state_path.write_text(json.dumps(state))
    named_port = free_port()
    d = start_daemon(tmp_path, state_file=str(state_path), allowTransfer=["127.0.0.0/8"],
                     alsoNotify=[f"127.0.0.1:{named_port}"], SOARefresh=3600, SOARetry=3600)
    try:
        _, _, conf = d.get("/v1/bind/secondary")
        n = start_named(tmp_path, conf, port=named_port)
        try:
            deadline = time.monotonic() + 20
            while "Transfer status: success" not in n.log() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "Transfer status: success" in n.log(), n.log()[-3000:]
            first = dig(LOCAL, n.port, "mesos", "SOA", extra=["+norecurse"])
            assert dig(LOCAL, n.port, "notified.marathon.mesos", "A").status == "NXDOMAIN"

            _add_task(state, "notified")
            state_path.write_text(json.dumps(state))
            d.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                r = dig(LOCAL, n.port, "notified.marathon.mesos", "A", extra=["+norecurse"])
                if r.status == "NOERROR" and r.answer:
                    break
                time.sleep(0.2)
            assert r.status == "NOERROR" and r.answer, (r, n.log()[-3000:])
            assert "received notify for zone 'mesos'" in n.log(), n.log()[-3000:]
            now = dig(LOCAL, n.port, "mesos", "SOA", extra=["+norecurse"])
            mine = dig(LOCAL, d.dns_port, "mesos", "SOA")
            serial = lambda r: int(r.answer[0].rdata.split()[2])
            assert serial(now) == serial(mine) > serial(first)
        finally:
            n.stop()
    finally:
        d.stop()
