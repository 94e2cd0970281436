"""Black-box DNS tests: the real mesos-dnsd binary on loopback, asked with
dnspython (an independent DNS implementation), raw sockets and the real dig,
with a real BIND named as the upstream for forwarding (compat spec §7,
dcos-and-bind spec §1). The golden tests check answers byte by byte
in-process; these check what a client on the network sees."""

import copy
import json
import os
import signal
import socket
import struct
import subprocess
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from harness import (DCOS_LABEL, DEMO_STATE, MDNSD_BIN, dig, free_port, metric, start_daemon,
                     start_named)

LOCAL = "127.0.0.1"
BIG = 80  # instances of the task "big": 80 A records never fit 512 or 1232 bytes


def big_state():
    """The demo cluster plus BIG running instances of a task "big"."""
    with open(DEMO_STATE) as f:
        state = json.load(f)
    fw = next(f for f in state["frameworks"] if f["name"] == "marathon")
    proto = next(t for t in fw["tasks"] if t["name"] == "web" and t["state"] == "TASK_RUNNING")
    for i in range(BIG):
        t = copy.deepcopy(proto)
        t["id"] = f"big.{i:08d}-0000-0000-0000-000000000000"
        t["name"] = "big"
        t["slave_id"] = state["slaves"][i % len(state["slaves"])]["id"]
        ipinfo = t["statuses"][-1]["container_status"]["network_infos"][0]["ip_addresses"][0]
        ipinfo["ip_address"] = f"10.9.{i // 200}.{i % 200 + 1}"
        fw["tasks"].append(t)
    return state


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("blackbox")
    path = tmp / "state.json"
    path.write_text(json.dumps(big_state()))
    d = start_daemon(tmp, state_file=str(path), identity="dns-a.example",
                     dcosClusterId=DCOS_LABEL, listeners=["::1"])
    yield d
    d.stop()


def ask(d, name, rdtype="A", tcp=False, edns=-1, payload=1232, server=LOCAL, source=None,
        want_dnssec=False, **kw):
    q = dns.message.make_query(name, rdtype, want_dnssec=want_dnssec)
    # use_edns() directly: make_query(use_edns=1) treats 1 as True (version 0)
    q.use_edns(edns=edns, payload=payload)
    q.flags |= kw.pop("flags", 0)
    if tcp:
        return dns.query.tcp(q, server, timeout=3, port=d.dns_port, source=source)
    return dns.query.udp(q, server, timeout=3, port=d.dns_port, source=source,
                         ignore_trailing=False)


def rrs(msg, section, rdtype):
    return [rr for rrset in section if rrset.rdtype == dns.rdatatype.from_text(rdtype)
            for rr in rrset]


# --- answers ----------------------------------------------------------------


def test_a_answer_is_authoritative_and_keeps_the_question_case(daemon):
    r = ask(daemon, "WeB.MaRaThOn.MeSoS")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA and r.flags & dns.flags.RA
    assert {rr.address for rr in rrs(r, r.answer, "A")} == {"10.0.1.11", "10.0.1.12",
                                                            "10.0.1.13"}
    assert r.answer[0].name.to_text() == "WeB.MaRaThOn.MeSoS."  # 0x20 works
    assert r.answer[0].ttl == 60


def test_srv_answer_carries_target_addresses(daemon):
    r = ask(daemon, "_web._tcp.marathon.mesos", "SRV")
    srv = rrs(r, r.answer, "SRV")
    assert len(srv) == 3 and all(rr.priority == 0 and rr.weight == 1 for rr in srv)
    targets = {rr.target for rr in srv}
    assert {rrset.name for rrset in r.additional if rrset.rdtype == dns.rdatatype.A} == targets


def test_answer_order_is_shuffled(daemon):
    orders = {tuple(rr.address for rr in rrs(r, r.answer, "A"))
              for r in (ask(daemon, "big.marathon.mesos", tcp=True) for _ in range(10))}
    assert len(orders) > 1


def test_negative_answers_carry_the_soa(daemon):
    nx = ask(daemon, "nope.marathon.mesos")
    assert nx.rcode() == dns.rcode.NXDOMAIN and not nx.answer
    nodata = ask(daemon, "web.marathon.mesos", "AAAA")
    ent = ask(daemon, "_tcp.marathon.mesos", "SRV")  # empty non-terminal
    srv_nodata = ask(daemon, "web.marathon.mesos", "SRV")
    for r in (nx, nodata, ent, srv_nodata):
        assert r.flags & dns.flags.AA
        soa = rrs(r, r.authority, "SOA")
        assert len(soa) == 1 and r.authority[0].name == dns.name.from_text("mesos.")
    for r in (nodata, ent, srv_nodata):
        assert r.rcode() == dns.rcode.NOERROR and not r.answer


def test_apex_soa_and_ns_in_answer_with_glue(daemon):
    soa = ask(daemon, "mesos", "SOA")
    assert rrs(soa, soa.answer, "SOA")[0].mname == dns.name.from_text("ns1.mesos.")
    ns = ask(daemon, "mesos", "NS")
    assert [rr.target.to_text() for rr in rrs(ns, ns.answer, "NS")] == ["ns1.mesos."]
    # ns1.mesos has the listener's address, 127.0.0.1, as glue
    assert {rr.address for rr in rrs(ns, ns.additional, "A")} == {"127.0.0.1"}


def test_star_labels_are_removed(daemon):
    r = ask(daemon, "web.*.marathon.mesos")
    assert len(rrs(r, r.answer, "A")) == 3


def test_dcos_cluster_id_view(daemon):
    sfx = f".{DCOS_LABEL}.dcos.directory"
    r = ask(daemon, "web.marathon.mesos" + sfx)
    assert len(rrs(r, r.answer, "A")) == 3 and r.flags & dns.flags.AA
    srv = ask(daemon, "_web._tcp.marathon.mesos" + sfx, "SRV")
    assert all(rr.target.to_text().endswith("mesos" + sfx + ".") for rr in rrs(srv, srv.answer, "SRV"))
    soa = ask(daemon, "mesos" + sfx, "SOA")
    assert soa.answer[0].name.to_text() == "mesos" + sfx + "."
    other = ask(daemon, "web.marathon.mesos.someotherlabel.dcos.directory")
    assert other.rcode() == dns.rcode.REFUSED  # not ours, and forwarding is off


def test_chaos_identity_and_class_checks(daemon):
    r = ask(daemon, "id.server", "TXT")  # class IN: not ours
    assert r.rcode() == dns.rcode.REFUSED
    q = dns.message.make_query("id.server", "TXT", rdclass="CH")
    r = dns.query.udp(q, LOCAL, port=daemon.dns_port, timeout=3)
    assert r.answer[0][0].strings == (b"dns-a.example",)
    q = dns.message.make_query("version.bind", "TXT", rdclass="CH")
    r = dns.query.udp(q, LOCAL, port=daemon.dns_port, timeout=3)
    assert r.answer[0][0].strings[0].startswith(b"mesos-dnsd ")


def test_ipv6_listener_answers_too(daemon):
    r = ask(daemon, "web.marathon.mesos", server="::1")
    assert len(rrs(r, r.answer, "A")) == 3


def test_outside_names_refused_when_externalon_false(daemon):
    r = ask(daemon, "example.com")
    assert r.rcode() == dns.rcode.REFUSED and not r.flags & dns.flags.AA


# --- sizes, EDNS, TCP ------------------------------------------------------


def test_truncation_without_edns_at_512(daemon):
    r = ask(daemon, "big.marathon.mesos", edns=-1)
    assert r.flags & dns.flags.TC
    assert len(r.to_wire()) <= 512
    assert 0 < len(rrs(r, r.answer, "A")) < BIG  # cut at a record boundary, parses


def test_edns_size_is_capped_by_edns_max_payload(daemon):
    r = ask(daemon, "big.marathon.mesos", edns=0, payload=4096)
    assert r.edns == 0 and r.payload == 1232  # OPT echoed with our size
    assert r.flags & dns.flags.TC and len(r.to_wire()) <= 1232
    r512 = ask(daemon, "big.marathon.mesos")
    assert len(rrs(r, r.answer, "A")) > len(rrs(r512, r512.answer, "A"))
    small = ask(daemon, "big.marathon.mesos", edns=0, payload=600)
    assert len(small.to_wire()) <= 600


def test_tcp_gets_everything_and_dig_falls_back_to_tcp(daemon):
    r = ask(daemon, "big.marathon.mesos", tcp=True)
    assert not r.flags & dns.flags.TC and len(rrs(r, r.answer, "A")) == BIG
    # dig without +tcp sees TC over UDP and retries over TCP by itself
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(daemon.dns_port), "big.marathon.mesos",
                          "+noedns", "+tries=1", "+time=3"], capture_output=True, text=True,
                         timeout=20).stdout
    assert "Truncated, retrying in TCP mode" in out
    assert sum(1 for line in out.splitlines() if "\tA\t10.9." in line) == BIG


def test_badvers_for_edns_version_1(daemon):
    r = ask(daemon, "web.marathon.mesos", edns=1)
    assert r.rcode() == dns.rcode.BADVERS and r.edns == 0


def test_tcp_pipelining_answers_every_query(daemon):
    names = ["web.marathon.mesos", "nope.marathon.mesos", "leader.mesos"]
    wires = []
    for i, n in enumerate(names):
        q = dns.message.make_query(n, "A")
        q.id = 1000 + i
        w = q.to_wire()
        wires.append(struct.pack("!H", len(w)) + w)
    with socket.create_connection((LOCAL, daemon.dns_port), timeout=3) as s:
        s.sendall(b"".join(wires))  # all at once: pipelined
        got = {}
        buf = b""
        while len(got) < len(names):
            chunk = s.recv(65535)
            assert chunk, "connection closed early"
            buf += chunk
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                m = dns.message.from_wire(buf[2:2 + n])
                got[m.id] = m
                buf = buf[2 + n:]
    assert got[1000].rcode() == dns.rcode.NOERROR and got[1001].rcode() == dns.rcode.NXDOMAIN


# --- malformed input ---------------------------------------------------------

HDR = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
Q = b"\x03web\x08marathon\x05mesos\x00" + struct.pack("!HH", 1, 1)

MALFORMED = {
    # name: (packet, expected rcode or None for silence)
    "empty": (b"", None),
    "short-header": (HDR[:7], None),
    "response-bit": (struct.pack("!HHHHHH", 1, 0x8000, 1, 0, 0, 0) + Q, None),
    "qdcount-0": (struct.pack("!HHHHHH", 2, 0, 0, 0, 0, 0), dns.rcode.FORMERR),
    "qdcount-2": (struct.pack("!HHHHHH", 3, 0, 2, 0, 0, 0) + Q + Q, dns.rcode.FORMERR),
    "label-64": (HDR + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01", dns.rcode.FORMERR),
    "label-past-end": (HDR + b"\x3fabc", dns.rcode.FORMERR),
    "compression-loop": (HDR + b"\xc0\x0c\x00\x01\x00\x01", dns.rcode.FORMERR),
    "pointer-forward": (HDR + b"\xc0\x20\x00\x01\x00\x01" + b"\x00" * 20, dns.rcode.FORMERR),
    "no-qtype": (HDR + b"\x03web\x00", dns.rcode.FORMERR),
    "huge-counts": (struct.pack("!HHHHHH", 4, 0, 1, 65535, 65535, 65535) + Q,
                    dns.rcode.FORMERR),
    "opt-truncated": (struct.pack("!HHHHHH", 5, 0, 1, 0, 0, 1) + Q + b"\x00\x00\x29\x04",
                      dns.rcode.FORMERR),
    "name-too-long": (HDR + (b"\x3f" + b"a" * 63) * 4 + b"\x00\x00\x01\x00\x01",
                      dns.rcode.FORMERR),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_packets_get_formerr_or_silence(daemon, case):
    pkt, want = MALFORMED[case]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        s.sendto(pkt, (LOCAL, daemon.dns_port))
        try:
            resp = s.recv(65535)
        except socket.timeout:
            resp = None
    if want is None:
        assert resp is None, resp
    else:
        assert resp is not None and len(resp) >= 12
        assert resp[:2] == pkt[:2] and resp[2] & 0x80  # our id, QR set
        assert resp[3] & 0x0F == want
    # and the daemon is still there, answering
    assert daemon.proc.poll() is None
    assert ask(daemon, "web.marathon.mesos").rcode() == dns.rcode.NOERROR


def test_garbage_burst_never_crashes(daemon):
    """A bounded burst of random datagrams and TCP streams."""
    rnd = __import__("random").Random(7)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _ in range(3000):
            n = rnd.randrange(0, 600)
            base = HDR + Q if rnd.random() < 0.5 else b""
            pkt = bytearray(base + bytes(rnd.randrange(256) for _ in range(n)))
            for _ in range(rnd.randrange(4)):
                if pkt:
                    pkt[rnd.randrange(len(pkt))] = rnd.randrange(256)
            s.sendto(bytes(pkt), (LOCAL, daemon.dns_port))
    for _ in range(50):
        with socket.create_connection((LOCAL, daemon.dns_port), timeout=3) as c:
            c.sendall(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300))))
    time.sleep(0.3)
    assert daemon.proc.poll() is None
    assert ask(daemon, "web.marathon.mesos", tcp=True).rcode() == dns.rcode.NOERROR


# --- forwarding ---------------------------------------------------------------

UPSTREAM_ZONE = """$TTL 300
@ IN SOA ns.example. admin.example. 1 3600 600 86400 300
@ IN NS ns.example.
ns IN A 127.0.0.1
www IN A 192.0.2.80
"""


def test_forwarding_to_a_real_named_with_failover(tmp_path):
    n = start_named(tmp_path, 'zone "example" { type primary; file "db.example"; };',
                    files={"db.example": UPSTREAM_ZONE})
    dead = free_port()  # nothing listens here: the first upstream is dead
    d = start_daemon(tmp_path, externalon=True, resolvers=[f"127.0.0.1:{dead}",
                                                            f"127.0.0.1:{n.port}"],
                     allowRecursion=["127.0.0.1/32"], timeout=2)
    try:
        r = ask(d, "www.example")
        assert r.rcode() == dns.rcode.NOERROR, r
        assert [rr.address for rr in rrs(r, r.answer, "A")] == ["192.0.2.80"]
        assert r.answer[0].ttl == 300  # the upstream's own answer, passed through
        # the dead upstream was asked first and refused at once (ICMP), not
        # waited for: one retry on the live one, no time-out
        assert metric(d, "mesosdnsd_upstream_retries_total") == 1
        assert metric(d, "mesosdnsd_upstream_timeouts_total") == 0
        # now it is skipped: the next query goes straight to the live one
        assert ask(d, "www.example", tcp=True).rcode() == dns.rcode.NOERROR  # TCP forwarded
        assert metric(d, "mesosdnsd_upstream_retries_total") == 1
        assert ask(d, "nope.example").rcode() == dns.rcode.NXDOMAIN
        # a client outside allowRecursion (127.0.0.2) is refused, not forwarded
        r = ask(d, "www.example", source="127.0.0.2")
        assert r.rcode() == dns.rcode.REFUSED
        # in-zone names still answered for everybody
        assert ask(d, "web.marathon.mesos", source="127.0.0.2").rcode() == dns.rcode.NOERROR
    finally:
        d.stop()
        n.stop()


def test_every_upstream_dead_gives_servfail(tmp_path):
    d = start_daemon(tmp_path, externalon=True, resolvers=[f"127.0.0.1:{free_port()}"],
                     timeout=1)
    try:
        r = ask(d, "www.example")
        assert r.rcode() == dns.rcode.SERVFAIL
    finally:
        d.stop()


def test_set_truncate_bit_false_cuts_without_tc(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps(big_state()))
    d = start_daemon(tmp_path, state_file=str(path), SetTruncateBit=False)
    try:
        r = ask(d, "big.marathon.mesos")
        assert not r.flags & dns.flags.TC
        assert 0 < len(rrs(r, r.answer, "A")) < BIG and len(r.to_wire()) <= 512
    finally:
        d.stop()


def test_no_zone_yet_means_servfail_never_nxdomain(tmp_path):
    """A master that is not there: the daemon serves, but without a zone
    every in-zone name is SERVFAIL, and /readyz says not ready."""
    dns_port, http_port = free_port(), free_port()
    cfg = {"masters": [f"127.0.0.1:{free_port()}"], "port": dns_port, "listener": LOCAL,
           "httpport": http_port, "httplistener": LOCAL, "externalon": False,
           "refreshSeconds": 60}
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg))
    p = subprocess.Popen([MDNSD_BIN, "-config", str(path)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        q = dns.message.make_query("web.marathon.mesos", "A")
        deadline = time.monotonic() + 10
        while True:
            try:
                r = dns.query.udp(q, LOCAL, port=dns_port, timeout=0.5)
                break
            except dns.exception.Timeout:
                assert time.monotonic() < deadline and p.poll() is None
        assert r.rcode() == dns.rcode.SERVFAIL
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                              f"http://{LOCAL}:{http_port}/readyz"], capture_output=True,
                             text=True, timeout=10).stdout
        assert out == "503"
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
