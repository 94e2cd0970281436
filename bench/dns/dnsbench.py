#!/usr/bin/python3
"""Helpers of bench/dns/run.sh (the DNS serving benchmark, bench/README.md).

    dnsbench.py queries AXFR_JSON OUTDIR [--seed S]
        query files for dnsperf from mesos-dnsd's /v1/axfr: a.txt (every A
        name), srv.txt (every SRV name), nx.txt (names under the zone that do
        not exist), mix.txt (70 % A, 15 % SRV, 15 % NXDOMAIN, shuffled), and
        check.txt (a few of each, for the cross-server answer check).
    dnsbench.py swapstate STATE OUT
        STATE without its first running task: the second zone of the swap test.
    dnsbench.py dnsperf FILE
        one dnsperf summary as tab-separated key=value pairs.
    dnsbench.py summary RESULTS_TSV
        Markdown tables (every run, then medians) from run.sh's results file.
    dnsbench.py latency FILE RATE
        percentiles of a `dnsperf -v -Q RATE` run, overall and per second.
    dnsbench.py persec FILE
        the `dnsperf -S 1` per-second QPS lines, min and median.
    dnsbench.py histdiff METRICS_BEFORE METRICS_AFTER
        mesos-dnsd's answer-time histogram (/metrics) over a run.

Figures are printed, never asserted.
"""

import json
import random
import re
import statistics
import sys


def cmd_queries(axfr_path, outdir, seed=1):
    recs = json.load(open(axfr_path))["Records"]
    rnd = random.Random(seed)
    a = sorted(recs.get("As", {}))
    srv = sorted(recs.get("SRVs", {}))
    if not a or not srv:
        sys.exit("dnsbench: the zone has no A or no SRV names")
    # NXDOMAIN: names one label below real parents (frameworks, apps), as a
    # client with a stale or mistyped name asks them.
    parents = sorted({n.split(".", 1)[1] for n in a if n.count(".") >= 3})
    nx = ["nx-%08x.%s" % (rnd.getrandbits(32), rnd.choice(parents)) for _ in range(20000)]
    lines = {
        "a": ["%s A" % n for n in rnd.sample(a, len(a))],
        "srv": ["%s SRV" % n for n in rnd.sample(srv, len(srv))],
        "nx": ["%s A" % n for n in nx],
    }
    mix = []
    for _ in range(50000):
        r = rnd.random()
        kind = "a" if r < 0.70 else "srv" if r < 0.85 else "nx"
        mix.append(rnd.choice(lines[kind]))
    lines["mix"] = mix
    lines["check"] = lines["a"][:8] + lines["srv"][:8] + lines["nx"][:4]
    for name, ls in lines.items():
        with open("%s/%s.txt" % (outdir, name), "w") as f:
            f.write("\n".join(ls) + "\n")


def cmd_swapstate(src, dst):
    doc = json.load(open(src))
    for fw in doc.get("frameworks", []):
        for i, t in enumerate(fw.get("tasks", [])):
            if t.get("state") == "TASK_RUNNING":
                del fw["tasks"][i]
                with open(dst, "w") as f:
                    json.dump(doc, f, separators=(",", ":"))
                return
    sys.exit("dnsbench: no running task in %s" % src)


DNSPERF_KEYS = [
    ("sent", r"Queries sent:\s+(\d+)"),
    ("completed", r"Queries completed:\s+(\d+)"),
    ("lost", r"Queries lost:\s+(\d+)"),
    ("runtime", r"Run time \(s\):\s+([\d.]+)"),
    ("qps", r"Queries per second:\s+([\d.]+)"),
    ("resp_bytes", r"response (\d+)"),
    ("lat_avg", r"Average Latency \(s\):\s+([\d.]+)"),
    ("lat_max", r"Average Latency \(s\):.*max ([\d.]+)"),
    ("rcodes", r"Response codes:\s+(.*)"),
]


def parse_dnsperf(path):
    text = open(path).read()
    out = {}
    for key, rx in DNSPERF_KEYS:
        m = re.search(rx, text)
        out[key] = m.group(1).strip() if m else "?"
    out["rcodes"] = re.sub(r"\s+", "", out["rcodes"]).replace(",", " ")
    return out


def cmd_dnsperf(path):
    print("\t".join("%s=%s" % kv for kv in parse_dnsperf(path).items()))


def read_results(path):
    rows = []
    for line in open(path):
        line = line.rstrip("\n")
        if line:
            rows.append(dict(kv.split("=", 1) for kv in line.split("\t")))
    return rows


def fnum(x, digits=0):
    try:
        return "{:,.{d}f}".format(float(x), d=digits)
    except ValueError:
        return x


def cmd_summary(path):
    rows = read_results(path)
    print("| round | server | mix | QPS | lost | resp B | rcodes | server CPU % "
          "| queries per server CPU-s | dnsperf CPU % | server core busy % |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["round"], r["server"], r["mix"], fnum(r["qps"]), r["lost"], r["resp_bytes"],
            r["rcodes"], fnum(r["cpu_pct"], 1), fnum(r["qpcs"]), fnum(r["client_pct"], 0),
            fnum(r["core_pct"], 0)))
    print()
    order = []
    for r in rows:
        if (r["server"], r["mix"]) not in order:
            order.append((r["server"], r["mix"]))
    print("| server | mix | runs | QPS (median) | lost (sum) | server CPU % (median) "
          "| queries per server CPU-s (median) | (min – max) |")
    print("|---|---|---|---|---|---|---|---|")
    for srv, mix in order:
        rs = [r for r in rows if r["server"] == srv and r["mix"] == mix]
        q = [float(r["qpcs"]) for r in rs]
        print("| %s | %s | %d | %s | %d | %s | %s | %s – %s |" % (
            srv, mix, len(rs), fnum(statistics.median(float(r["qps"]) for r in rs)),
            sum(int(r["lost"]) for r in rs),
            fnum(statistics.median(float(r["cpu_pct"]) for r in rs), 1),
            fnum(statistics.median(q)), fnum(min(q)), fnum(max(q))))


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, int(p / 100.0 * len(sorted_vals)))
    return sorted_vals[i]


def cmd_latency(path, rate):
    # `dnsperf -v` prints "> RCODE name type latency" per completed query, in
    # completion order; at a fixed rate the i-th line completes near i / rate s.
    lats = []
    for line in open(path):
        if line.startswith(">"):
            try:
                lats.append(float(line.split()[-1]) * 1e6)
            except ValueError:
                pass
    rate = float(rate)
    us = lambda v: "%.0f" % v
    print("| window | answers | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |")
    print("|---|---|---|---|---|---|---|")
    per = int(rate)
    for s in range(0, len(lats), per):
        w = sorted(lats[s:s + per])
        print("| second %d | %d | %s | %s | %s | %s | %s |" % (
            s // per + 1, len(w), us(pct(w, 50)), us(pct(w, 90)), us(pct(w, 99)),
            us(pct(w, 99.9)), us(w[-1])))
    w = sorted(lats)
    if w:
        print("| **all** | %d | %s | %s | %s | %s | %s |" % (
            len(w), us(pct(w, 50)), us(pct(w, 90)), us(pct(w, 99)), us(pct(w, 99.9)),
            us(w[-1])))


def cmd_persec(path):
    v = []
    for line in open(path):
        m = re.match(r"^\d+\.\d+: ([\d.]+)$", line.strip())
        if m:
            v.append(float(m.group(1)))
    # dnsperf 2.10 sometimes reports ~0 for its first interval although
    # answers flow (the summary counts them): leave the first line out.
    v = v[1:]
    if not v:
        print("per-second QPS: none")
        return
    print("per-second QPS, seconds 2..%d: %s (min %s, median %s)" % (
        len(v) + 1, ", ".join(fnum(x) for x in v), fnum(min(v)), fnum(statistics.median(v))))


HIST = "mesosdnsd_dns_answer_duration_seconds_bucket"


def read_hist(path):
    out = {}
    for line in open(path):
        m = re.match(HIST + r'\{le="([^"]+)"\} (\d+)', line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def cmd_histdiff(before, after):
    # mesos-dnsd's own histogram: per batch, from recvmmsg's return to the
    # end of sendmmsg (no socket queueing), one count per answer.
    b, a = read_hist(before), read_hist(after)
    prev, cells = 0, []
    for le in a:
        cum = a[le] - b.get(le, 0)
        if cum - prev:
            label = "> %s" % last if le == "+Inf" else "<= %g µs" % (float(le) * 1e6)
            cells.append("%s: %d" % (label, cum - prev))
        prev, last = cum, le
    print("server-side answer time (mesos-dnsd's histogram, per batch): " + ", ".join(cells))


def main(argv):
    cmds = {"queries": cmd_queries, "swapstate": cmd_swapstate, "dnsperf": cmd_dnsperf,
            "summary": cmd_summary, "latency": cmd_latency, "persec": cmd_persec,
            "histdiff": cmd_histdiff}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__)
    args = argv[2:]
    if argv[1] == "queries" and "--seed" in args:
        i = args.index("--seed")
        cmds["queries"](args[0], args[1], int(args[i + 1]))
        return
    cmds[argv[1]](*args)


if __name__ == "__main__":
    main(sys.argv)
