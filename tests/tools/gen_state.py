#!/usr/bin/python3
"""Generate a realistic Mesos master `/master/state` document.

The shape follows what a Mesos 1.x master writes (src/master/readonly_handler.cpp
and src/common/http.cpp in Apache Mesos): compact JSON, fields in the master's
order, agents with resources/attributes/capabilities, frameworks with tasks,
unreachable_tasks, completed_tasks, offers and executors, and the legacy empty
orphan_tasks / unregistered_frameworks arrays.

Tasks mix the shapes seen in real clusters: Mesos-containerizer tasks on the
host network, Docker bridge tasks (with the Docker.NetworkSettings.IPAddress
status label), CNI overlay tasks with several network_infos and IPv6, tasks
with the MesosContainerizer.NetworkSettings.IPAddress label, DiscoveryInfo with
named ports, non-RUNNING tasks, and statuses with out-of-order timestamps.

Deterministic for a given seed. ~1,150 bytes per task: 100,000 tasks ≈ 115 MB.

Usage:  gen_state.py --tasks 100000 [--agents N] [--frameworks M] [--seed S]
                     [--leader master@10.0.0.1:5050] [-o FILE]
As a module:  for chunk in iter_state(...): ...   /   generate(...) -> bytes
"""

import argparse
import json
import random
import sys
import uuid

MESOS_VERSION = "1.11.0"
GIT_SHA = "d5fc7a0ab1f8e2bb2e1f2b1cc0e3b7f0c9e3a0a1"

AGENT_CAPS = ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT",
              "RESOURCE_PROVIDER", "RESIZE_VOLUME", "AGENT_OPERATION_FEEDBACK",
              "AGENT_DRAINING", "TASK_RESOURCE_LIMITS"]
FW_CAPS = [{"type": "PARTITION_AWARE"}, {"type": "TASK_KILLING_STATE"},
           {"type": "GPU_RESOURCES"}, {"type": "REGION_AWARE"}]
APP_WORDS = ["web", "api", "cache", "search", "auth", "billing", "queue",
             "worker", "frontend", "backend", "ingest", "report", "metrics",
             "gateway", "store", "cart", "mailer", "thumbs", "index", "feed"]
NONRUN_STATES = ["TASK_STAGING", "TASK_STARTING", "TASK_KILLING"]

J = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _fid_prefix(rng):
    # Mesos master ids look like "<uuid>"; framework/agent ids "<uuid>-0000",
    # "<uuid>-S12".
    return _uuid(rng)


def _agent_ip(i):
    return "10.%d.%d.%d" % (i // 60000 % 256, i // 250 % 240 + 1, i % 250 + 2)


def _agent(i, master_prefix, rng, start):
    ip = _agent_ip(i)
    aid = "%s-S%d" % (master_prefix, i)
    total = {"disk": 240000.0, "mem": 62000.0, "gpus": 0.0, "cpus": 16.0,
             "ports": "[1025-2180, 2182-3887, 3889-5049, 5052-8079, 8082-8180, 8182-32000]"}
    used = {"disk": float(rng.randrange(0, 20000)), "mem": float(rng.randrange(512, 30000)),
            "gpus": 0.0, "cpus": round(rng.uniform(0.5, 12.0), 2),
            "ports": "[%d-%d]" % (rng.randrange(1025, 2000), rng.randrange(2000, 9000))}
    return {
        "id": aid,
        "hostname": "ip-%s.ec2.internal" % ip.replace(".", "-"),
        "port": 5051,
        "attributes": {"rack": "rack-%d" % (i % 16), "zone": "us-east-1%s" % "abc"[i % 3],
                       "public_ip": "false"},
        "pid": "slave(1)@%s:5051" % ip,
        "registered_time": start + rng.uniform(0, 1000),
        "reregistered_time": start + rng.uniform(1000, 2000),
        "resources": total,
        "used_resources": used,
        "offered_resources": {"disk": 0.0, "mem": 0.0, "gpus": 0.0, "cpus": 0.0},
        "reserved_resources": {},
        "unreserved_resources": total,
        "active": True,
        "version": MESOS_VERSION,
        "capabilities": AGENT_CAPS,
    }


def _port_string(ports):
    # Mesos prints Value::Ranges as "[a-b, c-d]", collapsing adjacent ports.
    ranges = []
    for p in sorted(ports):
        if ranges and ranges[-1][1] + 1 == p:
            ranges[-1][1] = p
        else:
            ranges.append([p, p])
    return "[" + ", ".join("%d-%d" % (a, b) for a, b in ranges) + "]"


class _TaskMaker:
    """Builds one task dict; `kind` picks the networking flavour."""

    def __init__(self, rng, agents, now):
        self.rng = rng
        self.agents = agents
        self.now = now

    def make(self, fw_id, app, index, state, kind):
        rng = self.rng
        agent_i = rng.randrange(len(self.agents))
        agent = self.agents[agent_i]
        agent_ip = agent["pid"].split("@")[1].split(":")[0]
        tid = "%s.%s" % (app.replace("/", "_").strip("_"), _uuid(rng))
        nports = rng.choice([0, 1, 1, 1, 2, 2, 3])
        base = rng.randrange(31000, 31900)
        ports = sorted({base + rng.randrange(0, 60) for _ in range(nports)})
        name = app
        container_id = _uuid(rng)
        t0 = self.now - rng.uniform(60, 86400 * 20)

        netinfos, labels = self._network(kind, agent_ip, agent_i, index)
        statuses = []
        if state == "TASK_RUNNING":
            # The executor's TASK_STARTING comes before the network is up.
            statuses.append(self._status("TASK_STARTING", t0, container_id, None, None))
            statuses.append(self._status("TASK_RUNNING", t0 + rng.uniform(0.5, 30),
                                         container_id, netinfos, labels))
            if rng.random() < 0.08:
                # A later health update re-sends RUNNING; Mesos does not
                # promise status order, so sometimes it comes first.
                extra = self._status("TASK_RUNNING", t0 + rng.uniform(40, 900),
                                     container_id, netinfos, labels, healthy=True)
                if rng.random() < 0.5:
                    statuses.insert(0, extra)
                else:
                    statuses.append(extra)
        elif state == "TASK_STARTING" or state == "TASK_KILLING":
            statuses.append(self._status("TASK_STARTING", t0, container_id, netinfos, labels))
        task = {
            "id": tid,
            "name": name,
            "framework_id": fw_id,
            "executor_id": "" if kind != "docker" else tid,
            "slave_id": agent["id"],
            "state": state,
            "resources": {"disk": 0.0, "mem": float(rng.choice([64, 128, 256, 512, 1024])),
                          "gpus": 0.0, "cpus": rng.choice([0.1, 0.25, 0.5, 1.0])},
            "role": "*",
            "statuses": statuses,
        }
        if ports:
            task["resources"]["ports"] = _port_string(ports)
        task["labels"] = [{"key": "HAPROXY_GROUP", "value": "external"},
                          {"key": "team", "value": rng.choice(["core", "data", "web", "ops"])}]
        if rng.random() < 0.55:
            dports = []
            for j, p in enumerate(ports):
                dp = {"number": p, "name": ["http", "admin", "metrics"][j % 3],
                      "protocol": "tcp"}
                if kind == "overlay":
                    dp["labels"] = {"labels": [{"key": "network-scope", "value": "container"}]}
                dports.append(dp)
            if rng.random() < 0.1:
                dports.append({"number": 53, "name": "dns", "protocol": "udp"})
            task["discovery"] = {"visibility": "FRAMEWORK", "name": name.split("/")[-1],
                                 "ports": {"ports": dports}}
        if kind == "docker":
            task["container"] = {
                "type": "DOCKER",
                "docker": {"image": "registry.example.com/%s:1.%d.%d" % (
                    name.split("/")[-1], index % 7, index % 13),
                    "network": "BRIDGE",
                    "port_mappings": [{"host_port": p, "container_port": 8080 + k,
                                       "protocol": "tcp"} for k, p in enumerate(ports)],
                    "privileged": False, "force_pull_image": False},
            }
        else:
            task["container"] = {"type": "MESOS", "mesos": {"image": {
                "type": "DOCKER", "docker": {"name": "library/%s:latest" % name.split("/")[-1]},
                "cached": True}}}
        return task

    def _network(self, kind, agent_ip, agent_i, index):
        rng = self.rng
        labels = None
        if kind == "host":
            nis = [{"ip_addresses": [{"protocol": "IPv4", "ip_address": agent_ip}]}]
        elif kind == "docker":
            cip = "172.17.%d.%d" % (rng.randrange(0, 255), rng.randrange(2, 254))
            nis = [{"ip_addresses": [{"protocol": "IPv4", "ip_address": cip}]}]
            labels = [{"key": "Docker.NetworkSettings.IPAddress", "value": cip}]
        elif kind == "overlay":
            o4 = "9.0.%d.%d" % (agent_i % 256, rng.randrange(2, 254))
            o6 = "fd01:b::%x:%x" % (agent_i, rng.randrange(2, 0xfffe))
            nis = [{"labels": {"labels": [{"key": "overlay", "value": "dcos"}]},
                    "ip_addresses": [{"protocol": "IPv4", "ip_address": o4},
                                     {"protocol": "IPv6", "ip_address": o6}],
                    "name": "dcos",
                    "port_mappings": [{"host_port": 31000 + index % 900, "container_port": 80,
                                       "protocol": "tcp"}]},
                   {"ip_addresses": [{"protocol": "IPv4", "ip_address": agent_ip}]}]
        else:  # "mesoslabel": old Mesos containerizer network isolator label
            mip = "192.168.%d.%d" % (rng.randrange(0, 255), rng.randrange(2, 254))
            nis = [{"ip_address": mip}]
            labels = [{"key": "MesosContainerizer.NetworkSettings.IPAddress", "value": mip}]
        return nis, labels

    def _status(self, state, ts, container_id, netinfos, labels, healthy=None):
        st = {"state": state, "timestamp": round(ts, 5)}
        if labels:
            st["labels"] = labels
        st["container_status"] = {"container_id": {"value": container_id}}
        if netinfos:
            st["container_status"]["network_infos"] = netinfos
        if healthy is not None:
            st["healthy"] = healthy
        return st


def _framework(fw_id, name, i, rng, start, host_ip):
    fw = {
        "id": fw_id,
        "name": name,
        "pid": "scheduler-%s@%s:%d" % (_uuid(rng), host_ip, 15101 + i),
        "used_resources": {"disk": 0.0, "mem": 0.0, "gpus": 0.0, "cpus": 0.0},
        "offered_resources": {"disk": 0.0, "mem": 0.0, "gpus": 0.0, "cpus": 0.0},
        "capabilities": FW_CAPS,
        "hostname": "master%d.example.com" % (i % 3 + 1),
        "webui_url": "http://%s:8080" % host_ip,
        "active": True,
        "connected": True,
        "recovered": False,
        "user": "root",
        "failover_timeout": 604800.0,
        "checkpoint": True,
        "registered_time": start + 5.25,
        "unregistered_time": 0.0,
        "principal": name,
        "resources": {"disk": 0.0, "mem": 0.0, "gpus": 0.0, "cpus": 0.0},
        "role": "*",
    }
    if i % 5 == 4:
        del fw["pid"]  # an HTTP-API framework: Mesos omits its pid
    return fw


def iter_state(tasks=1000, agents=None, frameworks=None, seed=1,
               leader="master@10.0.0.1:5050", completed_per_fw=20, nonrunning=0.03):
    """Yield the document as str chunks (one agent/task at a time)."""
    rng = random.Random(seed)
    if agents is None:
        agents = max(3, tasks // 50)
    if frameworks is None:
        frameworks = max(2, min(40, tasks // 2000 + 2))
    now = 1700000000.0
    start = now - 86400 * 30
    prefix = _fid_prefix(rng)
    lhost, lport = leader.split("@", 1)[1].rsplit(":", 1)
    lport = int(lport)

    head = {
        "version": MESOS_VERSION, "git_sha": GIT_SHA, "git_tag": MESOS_VERSION,
        "build_date": "2023-05-04 12:00:00", "build_time": 1683201600.0,
        "build_user": "root", "start_time": start, "elected_time": start + 2.5,
        "id": prefix, "pid": leader, "hostname": "master1.example.com",
        "capabilities": [{"type": "AGENT_UPDATE"}, {"type": "AGENT_DRAINING"},
                         {"type": "QUOTA_V2"}],
        "activated_slaves": agents, "deactivated_slaves": 0, "unreachable_slaves": 0,
        "leader": leader,
        "leader_info": {"id": prefix, "ip": 16777226, "port": lport,
                        "pid": leader, "hostname": "master1.example.com",
                        "version": MESOS_VERSION,
                        "address": {"hostname": "master1.example.com", "ip": lhost,
                                    "port": lport},
                        "capabilities": [{"type": "AGENT_UPDATE"}]},
        "cluster": "prod-east",
        "log_dir": "/var/log/mesos",
        "flags": {"agent_ping_timeout": "15secs", "allocation_interval": "1secs",
                  "authenticate_agents": "false", "authenticate_frameworks": "false",
                  "authenticate_http_frameworks": "false",
                  "authenticate_http_readonly": "false",
                  "authenticate_http_readwrite": "false", "cluster": "prod-east",
                  "hostname_lookup": "true", "http_authenticators": "basic",
                  "log_dir": "/var/log/mesos", "logging_level": "INFO",
                  "max_completed_frameworks": "50",
                  "max_completed_tasks_per_framework": "1000", "port": str(lport),
                  "quorum": "2", "registry": "replicated_log",
                  "work_dir": "/var/lib/mesos/master",
                  "zk": "zk://10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181/mesos",
                  "zk_session_timeout": "10secs"},
    }
    s = J.encode(head)
    yield s[:-1] + ',"slaves":['
    agent_list = []
    for i in range(agents):
        a = _agent(i, prefix, rng, start)
        agent_list.append(a)
        yield ("," if i else "") + J.encode(a)
    yield '],"recovered_slaves":[],"frameworks":['

    maker = _TaskMaker(rng, agent_list, now)
    fw_names = ["marathon", "chronos", "metronome", "jenkins", "spark", "kafka",
                "cassandra", "elastic", "hdfs", "flink"]
    kinds = ["host"] * 30 + ["docker"] * 40 + ["overlay"] * 20 + ["mesoslabel"] * 10
    per_fw = [tasks // frameworks + (1 if k < tasks % frameworks else 0)
              for k in range(frameworks)]
    for k in range(frameworks):
        name = fw_names[k % len(fw_names)]
        if k >= len(fw_names):
            name += "-%d" % (k // len(fw_names))
        fw_id = "%s-%04d" % (prefix, k)
        fw = _framework(fw_id, name, k, rng, start, "10.0.0.%d" % (k % 3 + 1))
        yield ("," if k else "") + J.encode(fw)[:-1] + ',"tasks":['
        napps = max(1, per_fw[k] // 40)
        apps = []
        for a in range(napps):
            w = APP_WORDS[a % len(APP_WORDS)]
            apps.append(w if a < len(APP_WORDS) else "%s-%d" % (w, a // len(APP_WORDS)))
            if a % 7 == 3:
                apps[-1] = "%s/%s" % (APP_WORDS[(a + 3) % len(APP_WORDS)], apps[-1])
        for t in range(per_fw[k]):
            state = "TASK_RUNNING"
            if rng.random() < nonrunning:
                state = rng.choice(NONRUN_STATES)
            task = maker.make(fw_id, apps[t % napps], t, state, rng.choice(kinds))
            yield ("," if t else "") + J.encode(task)
        yield '],"unreachable_tasks":[],"completed_tasks":['
        for t in range(completed_per_fw):
            task = maker.make(fw_id, apps[t % napps], t, "TASK_RUNNING", rng.choice(kinds))
            task["state"] = rng.choice(["TASK_FINISHED", "TASK_KILLED", "TASK_FAILED"])
            task["statuses"].append({"state": task["state"],
                                     "timestamp": task["statuses"][-1]["timestamp"] + 60})
            yield ("," if t else "") + J.encode(task)
        yield '],"offers":[],"executors":[]}'
    yield '],"completed_frameworks":['
    for k in range(2):
        fw_id = "%s-%04d" % (prefix, frameworks + k)
        fw = _framework(fw_id, "old-%s" % fw_names[k], k, rng, start, "10.0.0.9")
        fw["active"] = False
        fw["connected"] = False
        fw["unregistered_time"] = start + 500.0
        task = maker.make(fw_id, "old", 0, "TASK_RUNNING", "host")
        task["state"] = "TASK_KILLED"
        yield ("," if k else "") + J.encode(fw)[:-1] + ',"tasks":[],"unreachable_tasks":[],' \
            + '"completed_tasks":[' + J.encode(task) + '],"offers":[],"executors":[]}'
    yield '],"orphan_tasks":[],"unregistered_frameworks":[]}'


def generate(**kw):
    """The whole document as bytes."""
    return "".join(iter_state(**kw)).encode("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--agents", type=int)
    ap.add_argument("--frameworks", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--leader", default="master@10.0.0.1:5050")
    ap.add_argument("--completed-per-framework", type=int, default=20)
    ap.add_argument("-o", "--output", help="file (default stdout)")
    args = ap.parse_args()
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    buf = []
    size = 0
    for chunk in iter_state(tasks=args.tasks, agents=args.agents, frameworks=args.frameworks,
                            seed=args.seed, leader=args.leader,
                            completed_per_fw=args.completed_per_framework):
        buf.append(chunk)
        size += len(chunk)
        if size > 1 << 20:
            out.write("".join(buf))
            buf, size = [], 0
    out.write("".join(buf))
    if args.output:
        out.close()


if __name__ == "__main__":
    main()
