"""The test Mesos master (tests/tools/fake_master.py) behaves as documented,
so that the discovery tests can trust it: every fault mode, gzip, redirects,
basic authentication, the control endpoint and the command-line form.

Network: 127.0.0.1 only, ports picked by the OS, every wait bounded."""

import base64
import gzip
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import zlib

import pytest

SRC = os.environ.get("MDNS_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import fake_master  # noqa: E402
import gen_state  # noqa: E402

TIMEOUT = 10


def get(port, path="/master/state", headers=None, timeout=TIMEOUT):
    """(status, headers dict, body bytes) of one GET."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


@pytest.fixture
def doc():
    return gen_state.generate(tasks=30, agents=3, frameworks=2, seed=5)


@pytest.fixture
def fm(doc):
    with fake_master.FakeMaster(state=doc) as m:
        yield m


def test_serves_state_naming_itself_leader(fm, doc):
    status, hdr, body = get(fm.port)
    assert status == 200
    assert hdr["content-type"] == "application/json"
    state = json.loads(body)
    assert state["leader"] == "master@127.0.0.1:%d" % fm.port
    orig = json.loads(doc)
    assert len(state["frameworks"]) == len(orig["frameworks"]) == 2
    assert len(state["slaves"]) == 3
    assert fm.state_requests == 1


def test_gzip_when_asked(fm):
    _, _, plain = get(fm.port)
    status, hdr, body = get(fm.port, headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200
    assert hdr["content-encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    assert len(body) < len(plain)
    _, hdr, _ = get(fm.port)
    assert "content-encoding" not in hdr


def test_old_json_alias_is_gone(fm):
    assert get(fm.port, "/master/state.json")[0] == 404
    assert get(fm.port, "/nothing")[0] == 404


def test_master_redirect_endpoint(fm):
    status, hdr, _ = get(fm.port, "/master/redirect")
    assert status == 307
    assert hdr["location"] == "//127.0.0.1:%d" % fm.port


@pytest.mark.parametrize("mode,code", [("http500", 500), ("no_leader", 503)])
def test_error_statuses(fm, mode, code):
    fm.set_mode(mode)
    assert get(fm.port)[0] == code
    fm.set_mode("ok")
    assert get(fm.port)[0] == 200


def test_unauthorized_mode(fm):
    fm.set_mode("unauthorized")
    status, hdr, _ = get(fm.port)
    assert status == 401
    assert hdr["www-authenticate"] == 'Basic realm="mesos"'


def test_basic_auth(doc):
    with fake_master.FakeMaster(state=doc, auth=("dns", "s3cret")) as m:
        assert get(m.port)[0] == 401
        bad = "Basic " + base64.b64encode(b"dns:wrong").decode()
        assert get(m.port, headers={"Authorization": bad})[0] == 401
        good = "Basic " + base64.b64encode(b"dns:s3cret").decode()
        status, _, body = get(m.port, headers={"Authorization": good})
        assert status == 200
        json.loads(body)
        assert m.last_headers["Authorization"] == good


def test_invalid_json(fm):
    fm.set_mode("invalid_json")
    status, _, body = get(fm.port)
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(body)


def test_truncated_body(fm):
    _, _, full = get(fm.port)
    fm.set_mode("truncated", fraction=0.25)
    c = http.client.HTTPConnection("127.0.0.1", fm.port, timeout=TIMEOUT)
    c.request("GET", "/master/state")
    r = c.getresponse()
    assert r.status == 200
    assert int(r.getheader("Content-Length")) == len(full)
    with pytest.raises(http.client.IncompleteRead) as e:
        r.read()
    assert len(e.value.partial) == int(len(full) * 0.25)
    c.close()


def test_hang_never_answers(fm):
    fm.set_mode("hang", max_seconds=30)
    t0 = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError)):
        get(fm.port, timeout=1.0)
    assert 0.9 < time.monotonic() - t0 < 5


def test_slow_drip(fm):
    _, _, full = get(fm.port)
    fm.set_mode("slow", bytes=max(1, len(full) // 10), interval=0.1)
    t0 = time.monotonic()
    status, _, body = get(fm.port)
    elapsed = time.monotonic() - t0
    assert status == 200
    assert body == full
    assert elapsed >= 0.8  # ~10 pieces, 0.1 s apart
    # It is a trickle, not a stall: the first bytes come at once.
    t1 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", fm.port, timeout=TIMEOUT)
    c.request("GET", "/master/state")
    r = c.getresponse()
    assert len(r.read(100)) == 100
    assert time.monotonic() - t1 < 0.5
    c.close()


def test_redirect_to_leader(doc):
    with fake_master.FakeMaster(state=doc) as leader, \
            fake_master.FakeMaster(state=doc) as follower:
        follower.set_mode("redirect", to="127.0.0.1:%d" % leader.port)
        status, hdr, _ = get(follower.port)
        assert status == 307
        assert hdr["location"] == "//127.0.0.1:%d/master/state" % leader.port
        status, hdr, _ = get(follower.port, "/master/redirect")
        assert hdr["location"] == "//127.0.0.1:%d" % leader.port
        # The IAM login is redirected too, to the same path.
        c = http.client.HTTPConnection("127.0.0.1", follower.port, timeout=TIMEOUT)
        c.request("POST", fake_master.IAM_LOGIN_PATH, body=b"{}")
        r = c.getresponse()
        assert r.status == 307
        assert r.getheader("Location") == "//127.0.0.1:%d%s" % (leader.port,
                                                                fake_master.IAM_LOGIN_PATH)
        c.close()
        # Following the scheme-relative Location reaches the leader.
        host, port = hdr["location"][2:].split(":")
        status, _, body = get(int(port))
        assert status == 200
        assert json.loads(body)["leader"] == leader.pid


def test_redirect_any_location(fm):
    fm.set_mode("redirect", location="http://127.0.0.1:9/login?next=x")
    status, hdr, _ = get(fm.port)
    assert status == 307
    assert hdr["location"] == "http://127.0.0.1:9/login?next=x"


def read_chunks(resp, limit, deadline_s):
    """Bytes of a chunked body read until `limit` or the deadline."""
    got, end = b"", time.monotonic() + deadline_s
    while len(got) < limit and time.monotonic() < end:
        piece = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
        if not piece:
            break
        got += piece
    return got


@pytest.mark.parametrize("gz", [False, True])
def test_endless_string(fm, gz):
    fm.set_mode("endless_string", max_seconds=20)
    c = http.client.HTTPConnection("127.0.0.1", fm.port, timeout=TIMEOUT)
    c.request("GET", "/master/state", headers={"Accept-Encoding": "gzip"} if gz else {})
    r = c.getresponse()
    assert r.status == 200
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert r.getheader("Content-Length") is None
    wire = read_chunks(r, 4 << 20 if not gz else 20000, 10)
    c.close()
    if gz:
        assert r.getheader("Content-Encoding") == "gzip"
        body = zlib.decompressobj(31).decompress(wire)
        assert len(body) > 20 * len(wire)  # a long run of "a" compresses well
    else:
        body = wire
    assert body.startswith(b'{"leader":"aaaa')
    assert set(body[len(b'{"leader":"'):]) == {ord("a")}
    assert len(body) > (1 << 20)
    # It stops once the client has gone (bounded, not 20 s).
    end = time.monotonic() + 5
    last = -1
    while time.monotonic() < end:
        n = json.loads(get(fm.port, "/__fake__/stats")[2])["streamed"]
        if n == last:
            break
        last = n
        time.sleep(0.3)
    assert n == last


@pytest.mark.parametrize("gz,content_length", [(False, False), (True, False), (False, True)])
def test_huge(fm, doc, gz, content_length):
    fm.set_mode("huge", bytes=3 << 20, content_length=content_length)
    status, hdr, body = get(fm.port, headers={"Accept-Encoding": "gzip"} if gz else {})
    assert status == 200
    assert ("content-length" in hdr) == content_length
    if gz:
        assert hdr["content-encoding"] == "gzip"
        body = gzip.decompress(body)
    assert len(body) >= 3 << 20
    state = json.loads(body)
    assert state["leader"] == fm.pid
    assert len(state["padding"]) >= 3000 and len(state["padding"][0]) == 1000
    assert state["frameworks"] == json.loads(doc)["frameworks"]


def test_other_and_empty_leader(fm):
    fm.set_mode("other_leader", leader="master@127.0.0.1:1")
    assert json.loads(get(fm.port)[2])["leader"] == "master@127.0.0.1:1"
    fm.set_mode("empty_leader")
    assert json.loads(get(fm.port)[2])["leader"] == ""
    with pytest.raises(ValueError):
        fm.set_mode("other_leader")  # needs leader=
    with pytest.raises(ValueError):
        fm.set_mode("no_such_mode")


def test_control_endpoint_and_stats(fm):
    c = http.client.HTTPConnection("127.0.0.1", fm.port, timeout=TIMEOUT)
    c.request("POST", "/__fake__/mode", body=json.dumps({"mode": "http500"}),
              headers={"Content-Type": "application/json"})
    assert c.getresponse().status == 200
    c.close()
    assert get(fm.port)[0] == 500
    stats = json.loads(get(fm.port, "/__fake__/stats")[2])
    assert stats["mode"] == "http500"
    assert stats["state_requests"] == 1
    c = http.client.HTTPConnection("127.0.0.1", fm.port, timeout=TIMEOUT)
    c.request("POST", "/__fake__/mode", body=json.dumps({"mode": "bogus"}))
    assert c.getresponse().status == 400
    c.close()


def test_state_file_and_replace(tmp_path, doc):
    f = tmp_path / "state.json"
    f.write_bytes(doc)
    with fake_master.FakeMaster(state_file=str(f)) as m:
        assert json.loads(get(m.port)[2])["slaves"] == json.loads(doc)["slaves"]
        m.set_state(b'{"leader":"x","slaves":[]}')
        got = json.loads(get(m.port)[2])
        assert got == {"leader": m.pid, "slaves": []}


def test_command_line(tmp_path):
    tool = os.path.join(SRC, "tests", "tools", "fake_master.py")
    p = subprocess.Popen([sys.executable, tool, "--tasks", "5", "--port", "0",
                          "--mode", "redirect", "--param", "to=127.0.0.1:9"],
                         stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()  # the port, once it listens
        port = int(line)
        status, hdr, _ = get(port)
        assert status == 307
        assert hdr["location"] == "//127.0.0.1:9/master/state"
    finally:
        p.terminate()
        assert p.wait(timeout=TIMEOUT) == 0


def test_generated_document_shape():
    """gen_state writes what a Mesos master writes (the fields the parser and
    Mesos-DNS read, and the sections they must skip)."""
    d = json.loads(gen_state.generate(tasks=200, agents=5, frameworks=5, seed=2))
    for k in ("version", "git_sha", "build_date", "start_time", "id", "pid", "hostname",
              "activated_slaves", "leader", "leader_info", "flags", "slaves", "frameworks",
              "completed_frameworks", "orphan_tasks", "unregistered_frameworks"):
        assert k in d, k
    a = d["slaves"][0]
    assert a["pid"].startswith("slave(1)@10.") and a["id"].endswith("-S0")
    for k in ("resources", "used_resources", "attributes", "hostname", "port", "version",
              "capabilities"):
        assert k in a
    tasks = [t for f in d["frameworks"] for t in f["tasks"]]
    assert len(tasks) == 200
    assert any("pid" not in f for f in d["frameworks"])  # an HTTP-API framework
    assert any(f["completed_tasks"] for f in d["frameworks"])
    states = {t["state"] for t in tasks}
    assert "TASK_RUNNING" in states and len(states) > 1
    running = [t for t in tasks if t["state"] == "TASK_RUNNING"]
    assert any(t.get("discovery", {}).get("ports", {}).get("ports") for t in running)
    labels = {lab["key"] for t in running for s in t["statuses"] for lab in s.get("labels", [])}
    assert {"Docker.NetworkSettings.IPAddress",
            "MesosContainerizer.NetworkSettings.IPAddress"} <= labels
    nis = [ni for t in running for s in t["statuses"]
           for ni in s.get("container_status", {}).get("network_infos", [])]
    assert any(len(ni.get("ip_addresses", [])) > 1 for ni in nis)
    assert any(":" in ip["ip_address"] for ni in nis for ip in ni.get("ip_addresses", []))
    assert any("ip_addresses" not in ni and "ip_address" in ni for ni in nis)
    assert any(re.fullmatch(r"\[\d+-\d+(, \d+-\d+)+\]", t["resources"].get("ports", ""))
               for t in running)
    # Deterministic by seed.
    assert gen_state.generate(tasks=50, seed=9) == gen_state.generate(tasks=50, seed=9)
    assert gen_state.generate(tasks=50, seed=9) != gen_state.generate(tasks=50, seed=8)

