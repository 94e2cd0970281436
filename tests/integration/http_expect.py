"""Expected names of a Mesos state document, derived from the naming rules
of compat spec §4-§6 (for the tasks these tests look at: no DiscoveryInfo,
default IPSources), independently of mesos-dnsd's implementation."""

import hashlib
import json

ZBASE32 = "ybndrfg8ejkmcpqxot1uwisza345h769"  # standard alphabet (spec §4)


def task_hash(task_id):
    """First 5 characters of z-base-32 of SHA-1(task id)."""
    d = hashlib.sha1(task_id.encode()).digest()
    bits = int.from_bytes(d[:4], "big")
    return "".join(ZBASE32[(bits >> (27 - 5 * i)) & 31] for i in range(5))


assert task_hash("test") == "iffe9"  # the spec's test vector


def load(path):
    with open(path) as f:
        return json.load(f)


def running_tasks(state, name, framework="marathon"):
    """Running tasks called `name` of `framework` on a known agent."""
    agents = {s["id"] for s in state["slaves"]}
    out = []
    for fw in state["frameworks"]:
        if fw["name"] != framework:
            continue
        for t in fw["tasks"]:
            if t["name"] == name and t["state"] == "TASK_RUNNING" and t["slave_id"] in agents:
                out.append(t)
    return out


def task_ips(task):
    """netinfo IPs of the latest TASK_RUNNING status (spec §6)."""
    running = [s for s in task.get("statuses", []) if s.get("state") == "TASK_RUNNING"]
    if not running:
        return set()
    latest = max(running, key=lambda s: s.get("timestamp", 0))
    ips = set()
    for ni in latest.get("container_status", {}).get("network_infos", []):
        for a in ni.get("ip_addresses", []):
            if a.get("ip_address"):
                ips.add(a["ip_address"])
    return ips


def ports(task):
    """Ports of resources.ports "[a-b, c-d]"."""
    text = task.get("resources", {}).get("ports", "")
    out = []
    for part in text.strip("[]").split(","):
        if part.strip():
            a, _, b = part.strip().partition("-")
            out.extend(range(int(a), int(b or a) + 1))
    return out


def canonical(task, framework="marathon", domain="mesos"):
    """`T-H-S.F.slave.D.` of a task without DiscoveryInfo."""
    s = task["slave_id"].rsplit("-", 1)[1].lower()
    return f"{task['name']}-{task_hash(task['id'])}-{s}.{framework}.slave.{domain}."


def a_records(state, name, framework="marathon"):
    """IPv4 addresses of `name.framework.mesos.` (spec §4.5)."""
    ips = set()
    for t in running_tasks(state, name, framework):
        ips |= {ip for ip in task_ips(t) if ":" not in ip}
    return ips


def srv_records(state, name, framework="marathon", weight=1):
    """dig-style rdata of `_name._tcp.framework.mesos.` SRV (no DiscoveryInfo)."""
    return {f"0 {weight} {p} {canonical(t, framework)}"
            for t in running_tasks(state, name, framework) for p in ports(t)}
