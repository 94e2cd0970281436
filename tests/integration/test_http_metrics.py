"""/metrics of the whole daemon, every layer's section wired as main.c does
(zone updater, DNS and forwarding, discovery from the test master): a valid
Prometheus text exposition 0.0.4 where each family appears once, as one group
(HELP and TYPE at most once and before its samples; every sample after its
family's TYPE). Several layers write mesosdnsd_zone_* names: the live zone's
gauges come from http/, the build counters from the updater."""

import json
import os
import re
import sys
import time

from harness import DEMO_STATE, MDNS_SRC, dig, free_port, start_daemon

sys.path.insert(0, os.path.join(MDNS_SRC, "tests", "tools"))
from fake_master import FakeMaster  # noqa: E402

LOCAL = "127.0.0.1"
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def families(text):
    """{family: {"type", "samples": {name+labels: value}}}, or AssertionError
    naming the first line that breaks the rules above."""
    fams, cur = {}, None
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, *rest = line[2:].split(" ", 2)
            f = fams.get(name)
            if f is None:
                f = fams[name] = {"help": False, "type": None, "samples": {}}
            else:
                assert not (kind == "TYPE" and f["type"]), f"TYPE {name} twice"
                assert not (kind == "HELP" and f["help"]), f"HELP {name} twice"
                assert cur == name and not f["samples"], f"{name}: {kind} apart from its group"
            if kind == "TYPE":
                assert rest and rest[0] in TYPES, line
                f["type"] = rest[0]
            else:
                f["help"] = True
            cur = name
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"bad line: {line!r}"
        name, value = m.group(1), float(m.group(3))
        fam = name if name in fams else None
        for sfx in ("_bucket", "_sum", "_count"):
            base = name[: -len(sfx)]
            if fam is None and name.endswith(sfx) and base in fams and \
                    fams[base]["type"] in ("histogram", "summary") and \
                    not (sfx == "_bucket" and fams[base]["type"] == "summary"):
                fam = base
        assert fam is not None and fams[fam]["type"], f"sample before its TYPE: {line}"
        assert fam == cur, f"sample apart from its family's group: {line}"
        fams[fam]["samples"][name + (m.group(2) or "")] = value
    for name, f in fams.items():
        assert f["help"] and f["type"], f"{name} lacks HELP or TYPE"
    return fams


def test_checker_rejects_repeated_families():
    bad = ["# HELP a A.\n# TYPE a gauge\na 1\n# HELP a A.\n# TYPE a gauge\na 2\n",
           "a 1\n# HELP a A.\n# TYPE a gauge\n",
           "# HELP a A.\n# TYPE a gauge\n# HELP b B.\n# TYPE b gauge\nb 1\na 1\n",
           "# HELP a A.\n# TYPE a gauge\na_bucket{le=\"1\"} 1\n"]
    for text in bad:
        try:
            families(text)
        except AssertionError:
            continue
        raise AssertionError(f"accepted:\n{text}")


def test_every_family_once(tmp_path):
    with open(DEMO_STATE) as f:
        state = json.load(f)
    with FakeMaster(state=json.dumps(state).encode()) as fm:
        # forwarding on (to a port nobody answers: only its counters matter)
        d = start_daemon(tmp_path, state_file=None, masters=[f"{LOCAL}:{fm.port}"],
                         externalon=True, resolvers=[f"{LOCAL}:{free_port()}"])
        try:
            r = dig(LOCAL, d.dns_port, "web.marathon.mesos", "A")
            assert r.status == "NOERROR"
            serial = int(dig(LOCAL, d.dns_port, "mesos", "SOA").answer[0].rdata.split()[2])
            deadline = time.monotonic() + 10
            while True:  # the DNS workers' counters are read at scrape time
                status, headers, body = d.get("/metrics")
                assert status == 200
                assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
                fams = families(body)
                udp = fams["mesosdnsd_dns_queries_total"]["samples"]
                if udp.get('mesosdnsd_dns_queries_total{transport="udp"}', 0) >= 2:
                    break
                assert time.monotonic() < deadline, "DNS queries not counted"
                time.sleep(0.1)
        finally:
            d.stop()

    def value(name):
        return fams[name]["samples"][name]

    # one family per layer at least: each section is in
    for name in ["mesosdnsd_build_info", "mesosdnsd_zone_published", "mesosdnsd_zone_serial",
                 "mesosdnsd_zone_records", "mesosdnsd_zone_builds_total",
                 "mesosdnsd_zone_last_build_duration_seconds",
                 "mesosdnsd_dns_answer_duration_seconds", "mesosdnsd_upstream_queries_total",
                 "mesosdnsd_discovery_fetches_total", "mesosdnsd_http_requests_total",
                 "process_open_fds"]:
        assert name in fams, name
    # the live zone's gauges describe what DNS serves
    assert value("mesosdnsd_zone_published") == 1
    assert value("mesosdnsd_zone_serial") == serial
    assert value("mesosdnsd_zone_records") > 0
    assert value("mesosdnsd_zone_publishes_total") >= 1
    assert value("mesosdnsd_zone_builds_total") >= value("mesosdnsd_zone_publishes_total")
    assert fams["mesosdnsd_dns_answer_duration_seconds"]["type"] == "histogram"
