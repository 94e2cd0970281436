"""Shared helpers for the integration tests (run by /usr/bin/python3).

Real programs only: the mesos-dnsd binary ($MDNSD_BIN), BIND's named, dig,
named-checkzone. Everything listens on 127.0.0.1, on ports picked free, and
every wait is bounded.

    d = start_daemon(tmp_path, state_file=DEMO_STATE, dcosClusterId=LABEL)
    status, headers, body = d.get("/v1/bind/forward-zone")
    n = start_named(tmp_path, conf_body, files={"db.x": "..."})
    r = dig("127.0.0.1", n.port, "web.marathon.mesos", "A")
    r.status, r.answer  # "NOERROR", [RR(name, ttl, cls, type, rdata), ...]
    d.stop(); n.stop()

start_daemon() retries with new ports when one was taken between picking
and binding (parallel tests); any other early exit fails the test.
"""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import namedtuple

import pytest

MDNSD_BIN = os.environ.get("MDNSD_BIN", "")
MDNS_SRC = os.environ.get("MDNS_SRC", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
MDNS_BUILD = os.environ.get("MDNS_BUILD", os.path.join(MDNS_SRC, "build"))
DEMO_STATE = os.path.join(MDNS_SRC, "packaging", "demo", "state.json")
NAMED = shutil.which("named") or "/usr/sbin/named"
START_TIMEOUT = 20.0  # seconds for a daemon or named to start answering

# The DC/OS cluster-ID label of dcos-and-bind spec §1 (test vector).
DCOS_LABEL = "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho"


def free_port():
    """A port free on 127.0.0.1 for both TCP and UDP (DNS needs both)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def http_get(url, timeout=10.0, headers=None):
    """(status, headers dict with lower-case keys, body text) of a GET."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, \
                r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, \
            e.read().decode("utf-8", "replace")


def _wait(cond, timeout, what, proc=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            if cond():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    text = ""
    if log and os.path.exists(log):
        with open(log, errors="replace") as f:
            text = f.read()[-3000:]
    raise AssertionError(f"{what} not ready within {timeout} s\n{text}")


class Daemon:
    """A running mesos-dnsd (see start_daemon)."""

    def __init__(self, proc, dns_port, http_port, config_path, log_path, config):
        self.proc, self.dns_port, self.http_port = proc, dns_port, http_port
        self.config_path, self.log_path, self.config = config_path, log_path, config

    def url(self, path):
        return f"http://127.0.0.1:{self.http_port}{path}"

    def get(self, path, **kw):
        return http_get(self.url(path), **kw)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _launch(tmp_path, state_file, config):
    """One start attempt: the Daemon, or None when a port was taken meanwhile
    (another test may grab a port between free_port() and the bind)."""
    dns_port, http_port = free_port(), free_port()
    cfg = {"domain": "mesos", "port": dns_port, "listener": "127.0.0.1",
           "httpport": http_port, "httplistener": "127.0.0.1", "externalon": False,
           "refreshSeconds": 60}
    cfg.update(config)
    cfg_path = os.path.join(str(tmp_path), f"mesos-dnsd-{dns_port}.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f, indent=1)
    log_path = cfg_path[:-5] + ".log"
    log = open(log_path, "w")
    argv = [MDNSD_BIN, "-config", cfg_path, "-v", "1"]
    if state_file:  # None: read the cluster from `masters` / `zk` in config
        argv += ["--state-file", state_file]
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    d = Daemon(proc, dns_port, http_port, cfg_path, log_path, cfg)

    def ready():
        return http_get(d.url("/readyz"), timeout=2)[0] == 200

    try:
        ok = _wait(ready, START_TIMEOUT, "mesos-dnsd", proc, log_path)
    except AssertionError:
        d.stop()
        raise
    if ok:
        return d
    rc = proc.wait(timeout=5)
    out = d.log().strip()
    if "Address already in use" in out and "port" not in config and "httpport" not in config:
        return None
    pytest.fail(f"mesos-dnsd exited with status {rc} before serving:\n{out[-3000:]}")


def start_daemon(tmp_path, state_file=DEMO_STATE, **config):
    """Start `$MDNSD_BIN -config CFG --state-file STATE` on free loopback
    ports (DNS and HTTP), externalon false unless overridden, and wait until
    /readyz says 200. Extra keyword arguments are config.json keys."""
    for _ in range(5):
        d = _launch(tmp_path, state_file, config)
        if d:
            return d
    pytest.fail("mesos-dnsd: no free ports after 5 attempts")


RR = namedtuple("RR", "name ttl cls type rdata")


class DigResult:
    """A dig answer: status ("NOERROR", "NXDOMAIN", ...), header flags and
    the sections as lists of RR (names lower-cased, rdata as dig prints it)."""

    def __init__(self, text):
        self.text, self.status, self.flags = text, None, set()
        self.answer, self.authority, self.additional = [], [], []
        section = None
        for line in text.splitlines():
            if line.startswith(";; ->>HEADER<<-"):
                self.status = line.split("status: ")[1].split(",")[0]
            elif line.startswith(";; flags:"):
                self.flags = set(line.split(";; flags:")[1].split(";")[0].split())
            elif line.startswith(";; ANSWER SECTION"):
                section = self.answer
            elif line.startswith(";; AUTHORITY SECTION"):
                section = self.authority
            elif line.startswith(";; ADDITIONAL SECTION"):
                section = self.additional
            elif not line.strip() or line.startswith(";"):
                if not line.strip():
                    section = None
            elif section is not None:
                f = line.split(None, 4)
                if len(f) == 5:
                    section.append(RR(f[0].lower(), int(f[1]), f[2], f[3], f[4].strip()))

    def rdatas(self, rtype=None):
        """The set of rdata strings in ANSWER (of `rtype` when given)."""
        return {rr.rdata for rr in self.answer if rtype is None or rr.type == rtype}

    def __repr__(self):
        return self.text


def metric(d, name):
    """The value of an unlabelled sample `name` in the daemon's /metrics."""
    status, _, body = d.get("/metrics")
    assert status == 200
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def dig(server, port, name, rtype="A", tcp=False, extra=(), timeout=3):
    """Run the real dig (no retries, bounded) and parse its answer."""
    cmd = ["dig", f"@{server}", "-p", str(port), name, rtype, "+tries=1",
           f"+time={timeout}", "+nocookie", "+noedns"] + list(extra)
    if tcp:
        cmd.append("+tcp")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 10)
    return DigResult(out.stdout)


class Named:
    """A running named (see start_named)."""

    def __init__(self, proc, port, workdir, log_path):
        self.proc, self.port, self.workdir, self.log_path = proc, port, workdir, log_path

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def named_conf(workdir, port, body, options=""):
    """A complete named.conf: a private working directory, no control
    channel, loopback only, no DNSSEC validation (dcos-and-bind spec §2:
    forwarded answers below a signed TLD would SERVFAIL), then `body`."""
    return f"""options {{
  directory "{workdir}";
  pid-file "{workdir}/named.pid";
  session-keyfile "{workdir}/session.key";
  managed-keys-directory "{workdir}";
  listen-on port {port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion yes;
  allow-recursion {{ 127.0.0.0/8; }};
  allow-query {{ 127.0.0.0/8; }};
  dnssec-validation no;
  notify no;
  {options}
}};
controls {{ }};
{body}
"""


def start_named(tmp_path, body, files=None, options="", name="named", port=None):
    """Start a real named in the foreground (-g) on `port` (default: a free
    one) with named_conf(...body...) and `files` (name -> text) in its own
    directory; wait until it answers. Returns a Named. Without a given
    port, a port some other process took between free_port() and named's
    bind is retried with another (named exits: "unable to listen")."""
    for attempt in range(3):
        try:
            return _start_named_once(tmp_path, body, files, options, name, port)
        except AssertionError as e:
            if port is not None or "unable to listen" not in str(e) or attempt == 2:
                raise


def _start_named_once(tmp_path, body, files, options, name, port):
    workdir = os.path.join(str(tmp_path), f"{name}-{free_port()}")
    os.makedirs(workdir)
    for fname, text in (files or {}).items():
        with open(os.path.join(workdir, fname), "w") as f:
            f.write(text)
    port = port or free_port()
    conf = os.path.join(workdir, "named.conf")
    with open(conf, "w") as f:
        f.write(named_conf(workdir, port, body, options))
    chk = subprocess.run(["named-checkconf", conf], capture_output=True, text=True, timeout=30)
    assert chk.returncode == 0, f"named-checkconf:\n{chk.stdout}{chk.stderr}\n" + open(conf).read()
    log_path = os.path.join(workdir, "named.log")
    log = open(log_path, "w")
    cmd = [NAMED, "-g", "-c", conf, "-n", "1"]
    if os.geteuid() == 0:
        cmd += ["-u", "root"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    n = Named(proc, port, workdir, log_path)

    def up():
        return "running" in n.log()

    try:
        ok = _wait(up, START_TIMEOUT, "named", proc, log_path)
    except AssertionError:
        n.stop()
        raise
    if not ok:
        raise AssertionError("named exited:\n" + n.log()[-3000:])
    return n


def zone_records(text):
    """(owner, type) pairs of an RFC 1035 master file as named-compilezone
    canonicalises it (one record per line, absolute names)."""
    pairs = set()
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 5 and not line.startswith(";") and f[2] == "IN":
            pairs.add((f[0].lower(), f[3]))
    return pairs


def canonical_zone(origin, path, fmt="text"):
    """The zone file `path` (format "text" or "raw", as a BIND secondary
    writes it) canonicalised by named-compilezone, the real BIND parser:
    every record on one line with absolute owner and TTL."""
    out = subprocess.run(["named-compilezone", "-q", "-f", fmt, "-s", "full", "-o", "-",
                          origin, path], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout
