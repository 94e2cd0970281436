"""mesos-dnsd command line and --check-config, run as a real process.

Environment: MDNSD_BIN (the daemon), MDNS_SRC (source tree). Expected
values come from compat spec sections 1, 2 and 8 (Mesos-DNS's flags, config
keys and /v1/config key names)."""
import json
import os
import re
import subprocess

import pytest

BIN = os.environ.get("MDNSD_BIN", "mesos-dnsd")
SRC = os.environ.get("MDNS_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(SRC, "tests", "data", "config")

# Mesos-DNS's records.Config fields in struct order (compat spec section 8).
MESOS_DNS_KEYS = [
    "RefreshSeconds", "Port", "Timeout", "StateTimeoutSeconds", "ZkDetectionTimeout",
    "HttpPort", "TTL", "SRVRecordDefaultWeight", "SOASerial", "SOARefresh", "SOARetry",
    "SOAExpire", "SOAMinttl", "SOAMname", "SOARname", "Masters", "ZoneResolvers",
    "Resolvers", "IPSources", "Zk", "Domain", "File", "Listener", "HTTPListener",
    "RecurseOn", "DnsOn", "HttpOn", "ExternalOn", "EnforceRFC952", "SetTruncateBit",
    "EnumerationOn", "MesosHTTPSOn", "CACertFile", "CertFile", "KeyFile",
    "MesosCredentials", "IAMConfigFile", "MesosAuthentication",
]


def run(*args, cwd=None, env=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30,
                          cwd=cwd, env=env)


def data(name):
    return os.path.join(DATA, name)


def error_lines(stderr):
    return [line for line in stderr.splitlines() if " ERROR " in line]


def test_sample_config_accepted():
    r = run("-config", data("mesos-dns-sample.json"), "--check-config")
    assert r.returncode == 0, r.stderr
    cfg = json.loads(r.stdout)
    assert cfg["Port"] == 8053
    assert cfg["HttpPort"] == 8123
    assert cfg["Masters"] == ["127.0.0.1:5050"]
    assert cfg["Zk"] == "zk://127.0.0.1:2181/mesos"
    assert cfg["Resolvers"] == ["8.8.8.8"]
    assert cfg["File"] == os.path.abspath(data("mesos-dns-sample.json"))
    assert cfg["SOAMname"] == "ns1.mesos."
    # "email" is not a Mesos-DNS key: named in a warning, not fatal.
    assert re.search(r'WARN .*unknown key "email"', r.stderr)


def test_output_is_v1_config_form():
    r = run("-config", data("mesos-dns-docs-example.json"), "-check-config")
    assert r.returncode == 0, r.stderr
    pairs = json.loads(r.stdout, object_pairs_hook=lambda kv: kv)
    keys = [k for k, _ in pairs]
    assert keys[:len(MESOS_DNS_KEYS)] == MESOS_DNS_KEYS
    # json.MarshalIndent(v, "", " "): one space per level.
    lines = r.stdout.splitlines()
    assert lines[0] == "{"
    assert lines[1] == ' "RefreshSeconds": 60,'
    assert '  "Principal": "my-mesos-dns-principal",' in lines
    # The secret is never printed.
    assert "super-secret" not in r.stdout
    assert '  "Secret": "******"' in lines


@pytest.mark.parametrize("name,needles", [
    ("bad-port-type.json", ['"port"', "expected an integer, got string"]),
    ("bad-resolver-hostname.json", ['"resolvers"', "dns.google", "not an IP address"]),
    ("bad-ambiguous-zones.json", ['"zoneResolvers"', "ambiguous", "site.dc.mesos"]),
    ("bad-syntax.json", ["line 4"]),
    ("no-masters.json", ['"masters"', '"zk"']),
])
def test_broken_config_names_the_problem(name, needles):
    r = run("-config", data(name), "--check-config")
    assert r.returncode == 1
    assert r.stdout == ""
    errors = error_lines(r.stderr)
    assert len(errors) == 1, r.stderr  # one clear line
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_unreadable_files_are_named():
    r = run("-config", "/nonexistent/mesos-dns.json", "--check-config")
    assert r.returncode == 1
    assert "/nonexistent/mesos-dns.json" in r.stderr
    # every-key.json points at client certificates that do not exist here.
    r = run("-config", data("every-key.json"), "--check-config")
    assert r.returncode == 1
    assert re.search(r'"(CertFile|KeyFile|IAMConfigFile)": cannot read', r.stderr), r.stderr


def test_state_file_replaces_masters(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("{}")
    r = run("-config", data("no-masters.json"), "--check-config", "--state-file", str(state))
    assert r.returncode == 0, r.stderr
    r = run("-config", data("no-masters.json"), "--check-config",
            "--state-file=" + str(tmp_path / "missing.json"))
    assert r.returncode == 1
    assert "missing.json" in r.stderr


def test_default_path_and_home(tmp_path):
    (tmp_path / "config.json").write_text('{"masters": ["10.0.0.1:5050"], "Port": 5353}')
    r = run("--check-config", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    cfg = json.loads(r.stdout)
    assert cfg["Port"] == 5353
    assert cfg["File"] == str(tmp_path / "config.json")
    env = dict(os.environ, HOME=str(tmp_path))
    r = run("-config=~/config.json", "--check-config", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["File"] == str(tmp_path / "config.json")


def test_case_insensitive_keys_and_last_wins(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"MASTERS": ["m1:5050"], "dnson": false, "DnsOn": true, "TTL": 7}')
    r = run("-config", str(path), "--check-config")
    assert r.returncode == 0, r.stderr
    cfg = json.loads(r.stdout)
    assert cfg["DnsOn"] is True
    assert cfg["TTL"] == 7
    assert cfg["Masters"] == ["m1:5050"]
    assert "unknown" not in r.stderr


@pytest.mark.parametrize("args", [["-version"], ["--version"], ["-version=true"]])
def test_version(args):
    r = run(*args)
    assert r.returncode == 0
    assert re.fullmatch(r"mesos-dnsd \d+\.\d+\.\d+\S*\n", r.stdout), r.stdout


def test_version_wins_over_a_bad_config():
    r = run("-config", "/nonexistent.json", "-version")
    assert r.returncode == 0
    assert r.stdout.startswith("mesos-dnsd ")


@pytest.mark.parametrize("args,message", [
    (["-nope"], "flag provided but not defined: -nope"),
    (["--nope=1"], "flag provided but not defined: -nope"),
    (["-v"], "flag needs an argument: -v"),
    (["-v", "high"], 'invalid value "high" for flag -v'),
    (["-config"], "flag needs an argument: -config"),
    (["extra"], 'unexpected argument "extra"'),
])
def test_bad_command_line_exits_2(args, message):
    r = run(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert message in r.stderr
    assert "Usage of" in r.stderr


def test_help():
    r = run("-h")
    assert r.returncode == 0
    assert "-config PATH" in r.stderr and "-check-config" in r.stderr


def test_mesos_dns_flag_forms(tmp_path):
    """Flags as Mesos-DNS unit files write them, glog's included."""
    (tmp_path / "c.json").write_text('{"masters": ["10.0.0.1:5050"]}')
    for args in (["-config=c.json", "-v=2"], ["-config", "c.json", "-v", "1"],
                 ["--config=c.json", "-logtostderr=true", "-v=0"]):
        r = run(*args, "--check-config", cwd=tmp_path)
        assert r.returncode == 0, (args, r.stderr)


def documented_keys():
    """First-column keys of the two key tables of docs/config.md."""
    keys, in_table = [], False
    with open(os.path.join(SRC, "docs", "config.md")) as f:
        for line in f:
            if line.startswith("## "):
                in_table = line.strip() in ("## Mesos-DNS keys", "## mesos-dnsd keys")
            elif in_table and line.startswith("| `"):
                first = line.split("|")[1]
                keys += re.findall(r"`([^`]+)`", first)
    return keys


def test_docs_cover_every_key(tmp_path):
    keys = documented_keys()
    assert len(keys) > 50
    # Every documented key is known: none is warned as unknown.
    path = tmp_path / "all.json"
    path.write_text(json.dumps({k: None for k in keys}))
    r = run("-config", str(path), "--check-config")
    assert "unknown key" not in r.stderr, r.stderr
    # Every key the program prints is documented (names differ only in case).
    r = run("-config", data("mesos-dns-sample.json"), "--check-config")
    printed = json.loads(r.stdout).keys()
    documented = {k.lower() for k in keys}
    missing = [k for k in printed if k.lower() not in documented]
    assert missing == []
