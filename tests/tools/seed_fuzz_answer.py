#!/usr/bin/python3
"""Write the seed corpus of tests/fuzz/fuzz_answer.c: real DNS queries made
with dnspython, each behind the harness's control byte (bit 0 TCP, 1 no zone,
2 externalon off, 3 SetTruncateBit off, 4 ednsMaxPayload 4096, 5 512-byte
buffer). Usage: seed_fuzz_answer.py OUTDIR"""
import hashlib
import os
import sys

import dns.edns
import dns.message
import dns.opcode
import dns.rdataclass
import dns.rdatatype

LABEL = "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho"


def q(name, rdtype, rdclass="IN", **kw):
    m = dns.message.make_query(name, rdtype, rdclass, **kw)
    m.id = 0x1234
    return m.to_wire()


def queries():
    yield 0, q("web.marathon.mesos.", "A")
    yield 1, q("WeB.MaRaThOn.MeSoS.", "AAAA", use_edns=0, payload=4096)
    yield 0, q("_web._tcp.marathon.mesos.", "SRV", use_edns=0, payload=1232)
    yield 8, q("_web._tcp.marathon.mesos.", "SRV")
    yield 16, q("big.marathon.mesos.", "A", use_edns=0, payload=4096)
    yield 32, q("big.marathon.mesos.", "ANY")
    yield 0, q("mesos.", "SOA")
    yield 0, q("mesos.", "NS", use_edns=0, want_dnssec=True)
    yield 0, q("nothere.marathon.mesos.", "A")
    yield 0, q("store.marathon.mesos.", "TXT")
    yield 0, q("info.marathon.mesos.", "TXT")
    yield 0, q("chronos.*.marathon.mesos.", "A")
    yield 2, q("web.marathon.mesos.", "A")
    yield 4, q("www.example.com.", "A")
    yield 0, q("www.example.com.", "A")
    yield 0, q("id.server.", "TXT", "CH")
    yield 0, q("version.bind.", "TXT", "CH")
    yield 0, q("web.marathon.mesos.", "A", "HS")
    yield 1, q("mesos.", "AXFR")
    yield 0, q("mesos.", "IXFR")
    yield 0, q("web.marathon.mesos." + LABEL + ".dcos.directory.", "A")
    yield 0, q("_web._tcp.marathon.mesos." + LABEL + ".dcos.directory.", "SRV",
               use_edns=0, payload=1232)
    yield 0, q("_long._tcp.marathon.mesos." + LABEL + ".dcos.directory.", "SRV")
    yield 0, q("mesos." + LABEL + ".dcos.directory.", "SOA")
    yield 0, q("web.marathon.mesos.", "A", use_edns=1)
    cookie = dns.edns.GenericOption(10, b"\x01\x02\x03\x04\x05\x06\x07\x08")
    yield 0, q("web.marathon.mesos.", "A", use_edns=0, options=[cookie])
    m = dns.message.make_query("mesos.", "SOA")
    m.set_opcode(dns.opcode.NOTIFY)
    yield 0, m.to_wire()
    # Malformed ones: a compression pointer as the question, two questions.
    yield 0, bytes.fromhex("12340000000100000000000" "0c00c00010001")
    yield 0, bytes.fromhex("123400000002000000000000") + b"\x05mesos\x00\x00\x01\x00\x01" * 2


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for ctl, wire in queries():
        data = bytes([ctl]) + wire
        name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
