#!/usr/bin/python3
"""Reference model of a /master/state document, written independently of the
C parser from compat spec §3 and §6, for differential tests.

Prints the model in the text form tests/unit/test_state_parse.c prints
(`dump_model`), one line per leader/agent/framework/task:

  leader <pid> host=<h> port=<p>
  agent <id> hostname=<h> pid=<host>:<port>
  framework <id> name=<n> hostname=<h> pid=<host>:<port>|-
  task <id> name=<n> framework=<i> agent=<i> disc=<0|1> disc_name=<n|->
       ports=<b-e,...> dports=<num/proto/name,...> netinfo=<ip,...>
       mesos=<ip,...> docker=<ip,...>          (all on one line)

Only documents whose entries are well-formed are in scope (the generator's
output): malformed-entry handling is covered by the unit tests.

Usage: state_oracle.py STATE.json > EXPECTED.txt
"""

import ipaddress
import json
import re
import sys

DOCKER = "Docker.NetworkSettings.IPAddress"
MESOS = "MesosContainerizer.NetworkSettings.IPAddress"


def parse_pid(pid):
    """(host, port) of name@host:port, or None."""
    pid = pid.strip(" ")
    if pid.count("@") != 1:
        return None
    hp = pid.split("@", 1)[1]
    m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:([0-9]{1,5})", hp) or \
        re.fullmatch(r"([^\s:@\[\]/]+):([0-9]{1,5})", hp)
    if not m or not 0 < int(m.group(2)) < 65536:
        return None
    return m.group(1), int(m.group(2))


def ip_text(s):
    """Canonical text of a valid IP literal (Go net.ParseIP rules), or None."""
    if not isinstance(s, str) or "%" in s or s.strip() != s:
        return None
    try:
        ip = ipaddress.ip_address(s)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)


def status_ips(task):
    """IPs by source of the latest TASK_RUNNING status (first on ties)."""
    best = None
    for st in task.get("statuses") or []:
        if st.get("state") != "TASK_RUNNING":
            continue
        ts = st.get("timestamp", 0)
        if best is None or ts > best.get("timestamp", 0):
            best = st
    out = {"netinfo": [], "mesos": [], "docker": []}
    if best is None:
        return out
    for lab in best.get("labels") or []:
        src = {DOCKER: "docker", MESOS: "mesos"}.get(lab.get("key"))
        if src and "value" in lab and ip_text(lab["value"]):
            out[src].append(ip_text(lab["value"]))
    for ni in (best.get("container_status") or {}).get("network_infos") or []:
        addrs = ni.get("ip_addresses") or []
        if addrs:
            for a in addrs:
                if ip_text(a.get("ip_address")):
                    out["netinfo"].append(ip_text(a["ip_address"]))
        elif ip_text(ni.get("ip_address")):
            out["netinfo"].append(ip_text(ni["ip_address"]))
    return out


def ports_text(task):
    s = ((task.get("resources") or {}).get("ports") or "").strip()
    if s in ("", "[]"):
        return ""
    out = []
    for part in s.strip("[]").split(","):
        b, _, e = part.strip().partition("-")
        out.append("%d-%d" % (int(b), int(e or b)))
    return ",".join(out)


def dump(doc):
    lines = []
    host, port = parse_pid(doc["leader"])
    lines.append("leader %s host=%s port=%d" % (doc["leader"], host, port))
    agent_index = {}
    n_agents = 0
    for a in doc.get("slaves") or []:
        hp = parse_pid(a.get("pid") or "")
        if not a.get("id") or hp is None:
            continue
        agent_index.setdefault(a["id"], n_agents)
        n_agents += 1
        lines.append("agent %s hostname=%s pid=%s:%d" % (a["id"], a.get("hostname") or "", *hp))
    tasks = []
    fi = 0
    for f in doc.get("frameworks") or []:
        hp = parse_pid(f["pid"]) if f.get("pid") is not None else None
        if not f.get("id") or f.get("name") is None or (f.get("pid") is not None and not hp):
            continue
        lines.append("framework %s name=%s hostname=%s pid=%s" % (
            f["id"], f["name"], f.get("hostname") or "", "%s:%d" % hp if hp else "-"))
        for t in f.get("tasks") or []:
            if t.get("state") != "TASK_RUNNING" or t.get("slave_id") not in agent_index:
                continue
            disc = t.get("discovery")
            dports = []
            if isinstance(disc, dict):
                for dp in (disc.get("ports") or {}).get("ports") or []:
                    dports.append("%d/%s/%s" % (dp["number"], dp.get("protocol") or "",
                                                dp.get("name") or ""))
            ips = status_ips(t)
            tasks.append("task %s name=%s framework=%d agent=%d disc=%d disc_name=%s ports=%s "
                         "dports=%s netinfo=%s mesos=%s docker=%s" % (
                             t["id"], t["name"], fi, agent_index[t["slave_id"]],
                             1 if isinstance(disc, dict) else 0,
                             disc.get("name", "-") if isinstance(disc, dict) else "-",
                             ports_text(t), ",".join(dports), ",".join(ips["netinfo"]),
                             ",".join(ips["mesos"]), ",".join(ips["docker"])))
        fi += 1
    return lines + tasks


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    sys.stdout.write("".join(line + "\n" for line in dump(doc)))


if __name__ == "__main__":
    main()
