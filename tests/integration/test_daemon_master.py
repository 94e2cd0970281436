"""The whole daemon against the test Mesos master (tests/tools/fake_master.py):
every fault a master can show keeps the last good zone in DNS, is counted in
/metrics, and a recovered master's new state is served within seconds
(compat spec §3: "On any failure keep serving the last good zone, forever")."""

import json
import os
import sys
import time

from harness import DEMO_STATE, MDNS_SRC, dig, metric, start_daemon

sys.path.insert(0, os.path.join(MDNS_SRC, "tests", "tools"))
from fake_master import FakeMaster  # noqa: E402

LOCAL = "127.0.0.1"
FAULTS = ["http500", "invalid_json", "truncated", "empty_leader", "unauthorized", "no_leader",
          "hang"]


def web_answers(d):
    r = dig(LOCAL, d.dns_port, "web.marathon.mesos", "A")
    assert r.status == "NOERROR", r
    return r.rdatas("A")


def wait_for(cond, seconds, what):
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_last_good_zone_survives_every_master_fault(tmp_path):
    with open(DEMO_STATE) as f:
        state = json.load(f)
    with FakeMaster(state=json.dumps(state).encode()) as fm:
        d = start_daemon(tmp_path, state_file=None, masters=[f"127.0.0.1:{fm.port}"],
                         refreshSeconds=1, stateTimeoutSeconds=2)
        try:
            good = web_answers(d)
            assert len(good) == 3
            serial = dig(LOCAL, d.dns_port, "mesos", "SOA").answer[0].rdata.split()[2]
            for mode in FAULTS:
                failures = metric(d, "mesosdnsd_discovery_failures_total")
                fm.set_mode(mode)
                wait_for(lambda: metric(d, "mesosdnsd_discovery_failures_total") > failures,
                         10, f"{mode}: no failure counted")
                assert web_answers(d) == good, mode
                now = dig(LOCAL, d.dns_port, "mesos", "SOA").answer[0].rdata.split()[2]
                assert now == serial, f"{mode}: the zone changed"
            assert d.proc.poll() is None

            # the master recovers with a new task: served at the next refresh
            fw = next(f for f in state["frameworks"] if f["name"] == "marathon")
            task = dict(fw["tasks"][0], id="fresh.0000", name="fresh")
            fw["tasks"].append(task)
            fm.set_state(json.dumps(state).encode())
            fm.set_mode("ok")
            wait_for(lambda: dig(LOCAL, d.dns_port, "fresh.marathon.mesos", "A").answer, 10,
                     "the recovered master's state was not served")
            now = dig(LOCAL, d.dns_port, "mesos", "SOA").answer[0].rdata.split()[2]
            assert int(now) > int(serial)
            assert "recovered" in d.log()
        finally:
            d.stop()


def test_readyz_follows_the_master(tmp_path):
    with open(DEMO_STATE) as f:
        doc = f.read().encode()
    with FakeMaster(state=doc) as fm:
        d = start_daemon(tmp_path, state_file=None, masters=[f"127.0.0.1:{fm.port}"],
                         refreshSeconds=1, readyMaxAgeSeconds=2)
        try:
            assert d.get("/readyz")[0] == 200
            fm.set_mode("http500")
            wait_for(lambda: d.get("/readyz")[0] == 503, 10, "/readyz stayed 200")
            status, _, body = d.get("/readyz")
            assert "500" in body, body  # the reason names the failure
            assert web_answers(d)  # still serving the last zone
            fm.set_mode("ok")
            wait_for(lambda: d.get("/readyz")[0] == 200, 10, "/readyz did not recover")
        finally:
            d.stop()
