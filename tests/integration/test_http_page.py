"""The HTML page at / in a real browser (headless Chromium): it lists the
demo cluster's frameworks, tasks and names, and its search box filters them
(?q= presets the box). A screenshot lands in the build tree. (The unit test
of http/ checks the page's bytes; this is its only browser test.)"""

import json
import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import http_expect as ex
import pytest
from harness import DEMO_STATE, MDNS_BUILD, start_daemon

CHROMIUM = "/usr/bin/chromium"


def chromium(url, *args):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail("chromium is not installed (packaging/deps.sh installs it)")
    udd = tempfile.mkdtemp(prefix="mdns-chromium-")
    try:
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", f"--user-data-dir={udd}",
               "--window-size=1200,800", "--virtual-time-budget=5000", *args, url]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout
    finally:
        shutil.rmtree(udd, ignore_errors=True)


class Rows(HTMLParser):
    """The table rows of the page: (hidden, cell texts)."""

    def __init__(self):
        super().__init__()
        self.rows, self.cur, self.cell, self.body_attrs = [], None, None, {}
        self.summary, self.in_summary = "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body_attrs = a
        elif a.get("id") == "summary":
            self.in_summary = True
        elif tag == "tr":
            self.cur = ("hidden" in a, [])
        elif tag == "td" and self.cur is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "p":
            self.in_summary = False
        if tag == "td" and self.cell is not None:
            self.cur[1].append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.cur is not None:
            if self.cur[1]:
                self.rows.append(self.cur)
            self.cur = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.in_summary:
            self.summary += data


def parse(dom):
    p = Rows()
    p.feed(dom)
    return p


def test_page_lists_and_filters_the_demo(tmp_path):
    d = start_daemon(tmp_path)
    try:
        state = ex.load(DEMO_STATE)
        running = {(t["name"], t["id"]) for fw in state["frameworks"] for t in fw["tasks"]
                   if t["state"] == "TASK_RUNNING"}
        frameworks = {fw["name"] for fw in state["frameworks"]
                      if any(t["state"] == "TASK_RUNNING" for t in fw["tasks"])}
        # the page shows /v1/enumerate: one row per record of a running task
        status, _, body = d.get("/v1/enumerate")
        assert status == 200
        records = {t["id"]: len(t["records"]) for fw in json.loads(body)["frameworks"]
                   for t in fw["tasks"]}
        assert set(records) == {task_id for _, task_id in running}
        assert all(records.values())
        page = parse(chromium(d.url("/"), "--dump-dom"))
        assert page.body_attrs.get("data-loaded") == "true"
        assert len(page.rows) == sum(records.values())
        assert page.summary == (f"{len(frameworks)} frameworks, {len(running)} tasks, "
                                f"{sum(records.values())} names"), page.summary
        # the Task column holds the name, then the id (a <small> below it)
        task_cells = {c[1] for _, c in page.rows if len(c) == 5 and c[1]}
        for name, task_id in running:
            assert name + task_id in task_cells, (name, task_id)
        assert any(c[2] == "web.marathon.mesos." for _, c in page.rows)
        assert not any(hidden for hidden, _ in page.rows)
        # the filter, preset from ?q=: only redis's rows stay visible
        page = parse(chromium(d.url("/?q=redis"), "--dump-dom"))
        shown = [c for hidden, c in page.rows if not hidden]
        redis = [task_id for name, task_id in running if "redis" in (name + task_id).lower()]
        assert len(redis) == 1  # the demo has one redis task
        assert len(shown) == records[redis[0]] < len(page.rows)
        assert all("redis" in " ".join(c).lower() for c in shown)
        assert page.summary.endswith(f"; {len(shown)} rows (1 tasks) match \"redis\""), \
            page.summary
        shot = os.path.join(MDNS_BUILD, "http_page_demo.png")
        chromium(d.url("/"), f"--screenshot={shot}")
        assert os.path.getsize(shot) > 1000
    finally:
        d.stop()
