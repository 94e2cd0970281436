"""The whole daemon with a real ZooKeeper (Debian's zookeeper jars, started
here on loopback): the leader is found from json.info_<seq> nodes even when
the first member of the connection string is down, a leader change makes
the daemon read the new leader at once (long before refreshSeconds), and
the DC/OS cluster ID comes from /navstar_key (compat spec §3,
dcos-and-bind spec §1)."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from kazoo.client import KazooClient

from harness import DCOS_LABEL, DEMO_STATE, MDNS_SRC, dig, free_port, start_daemon

sys.path.insert(0, os.path.join(MDNS_SRC, "tests", "tools"))
from fake_master import FakeMaster  # noqa: E402

LOCAL = "127.0.0.1"
JARS = ["zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-nop.jar",
        "netty-handler.jar", "netty-common.jar", "netty-buffer.jar", "netty-transport.jar",
        "netty-codec.jar", "netty-resolver.jar", "netty-transport-native-epoll.jar",
        "netty-transport-native-unix-common.jar", "metrics-core.jar", "snappy-java.jar"]
# dcos-and-bind spec §1 test vector: this public key is DCOS_LABEL.
NAVSTAR_PUBLIC = bytes.fromhex("56278909522fbf8ad8866898870bad26966bee074e4e117fc2a41cef1fb2db39")


@pytest.fixture
def zookeeper(tmp_path):
    if not os.path.exists("/usr/share/java/zookeeper.jar") or not shutil.which("java"):
        pytest.fail("ZooKeeper (Debian zookeeper) or java missing: run packaging/deps.sh")
    port = free_port()
    cp = ":".join(f"/usr/share/java/{j}" for j in JARS)
    log = open(tmp_path / "zk.log", "w")
    p = subprocess.Popen(["java", "-Xmx64m", "-XX:+UseSerialGC",
                          "-Dzookeeper.admin.enableServer=false", "-cp", cp,
                          "org.apache.zookeeper.server.ZooKeeperServerMain", str(port),
                          str(tmp_path / "zkdata"), "500"], stdout=log, stderr=subprocess.STDOUT)
    zk = KazooClient(hosts=f"127.0.0.1:{port}", timeout=5)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                zk.start(timeout=5)
                zk.ensure_path("/")
                break
            except Exception:
                zk.stop()
                assert time.monotonic() < deadline and p.poll() is None, "ZooKeeper did not start"
                time.sleep(0.5)
        yield port, zk
    finally:
        zk.stop()
        zk.close()
        p.terminate()
        p.wait(timeout=20)
        log.close()


def master_info(port):
    return json.dumps({"address": {"ip": "127.0.0.1", "port": port, "hostname": "localhost"},
                       "hostname": "localhost", "id": f"master-{port}", "ip": 16777343,
                       "pid": f"master@127.0.0.1:{port}", "port": port,
                       "version": "1.11.0"}).encode()


def wait_for(cond, seconds, what):
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_leader_from_zookeeper_change_and_navstar_key(tmp_path, zookeeper):
    zk_port, zk = zookeeper
    with open(DEMO_STATE) as f:
        state = json.load(f)
    state_b = json.loads(json.dumps(state))
    fw = next(f for f in state_b["frameworks"] if f["name"] == "marathon")
    fw["tasks"].append(dict(fw["tasks"][0], id="onb.0000", name="onb"))
    key = json.dumps({"public": NAVSTAR_PUBLIC.decode("latin-1"),
                      "secret": bytes(64).decode("latin-1")})
    zk.create("/navstar_key", key.encode())
    with FakeMaster(state=json.dumps(state).encode()) as a, \
            FakeMaster(state=json.dumps(state_b).encode()) as b:
        zk.create("/mesos/json.info_0000000001", master_info(a.port), makepath=True)
        dead = free_port()  # the first ZooKeeper member is down
        d = start_daemon(tmp_path, state_file=None,
                         zk=f"zk://127.0.0.1:{dead},127.0.0.1:{zk_port}/mesos",
                         refreshSeconds=300, dcosClusterIdFromZk=True)
        try:
            assert dig(LOCAL, d.dns_port, "web.marathon.mesos").answer
            assert not dig(LOCAL, d.dns_port, "onb.marathon.mesos").answer
            sfx = f"web.marathon.mesos.{DCOS_LABEL}.dcos.directory"
            wait_for(lambda: dig(LOCAL, d.dns_port, sfx).answer, 10,
                     "the cluster ID from /navstar_key is not served")
            assert "secret" not in d.log() and NAVSTAR_PUBLIC.hex() not in d.log()

            # B becomes the leader: the daemon follows within seconds
            zk.create("/mesos/json.info_0000000002", master_info(b.port))
            zk.delete("/mesos/json.info_0000000001")
            wait_for(lambda: dig(LOCAL, d.dns_port, "onb.marathon.mesos").answer, 10,
                     "the new leader's state was not read")
            r = dig(LOCAL, d.dns_port, "leader.mesos")
            assert r.rdatas("A") == {"127.0.0.1"}
            srv = dig(LOCAL, d.dns_port, "_leader._tcp.mesos", "SRV")
            assert any(rr.rdata.split()[2] == str(b.port) for rr in srv.answer), srv
        finally:
            d.stop()
