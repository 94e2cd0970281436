"""`make run`'s promise: every dig line printed by packaging/demo/run-demo.sh
(packaging/demo/dig-examples.txt, also shown in README.md) answers with
records when the daemon serves the bundled demo cluster."""

import os
import shlex
import subprocess
import time

from harness import DEMO_STATE, MDNS_SRC as SRC, dig, free_port, start_daemon

EXAMPLES = os.path.join(SRC, "packaging", "demo", "dig-examples.txt")


def example_lines():
    with open(EXAMPLES) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def test_readme_shows_the_same_lines():
    with open(os.path.join(SRC, "README.md")) as f:
        readme = f.read()
    for line in example_lines():
        assert line in readme, f"README.md lacks the demo line {line!r}"


def test_every_demo_line_answers(tmp_path):
    d = start_daemon(tmp_path, state_file=DEMO_STATE)
    try:
        for line in example_lines():
            argv = shlex.split(line)
            assert argv[:4] == ["dig", "@127.0.0.1", "-p", "8053"], line
            name = argv[4]
            rtype = argv[5] if len(argv) > 5 else "A"
            r = dig("127.0.0.1", d.dns_port, name, rtype)
            assert r.status == "NOERROR", r
            assert "aa" in r.flags, r
            assert [rr for rr in r.answer if rr.type == rtype], r
    finally:
        d.stop()


def test_run_demo_script_starts_and_prints_the_lines(tmp_path):
    """run-demo.sh itself (what `make run` execs) on free ports."""
    dns, http = free_port(), free_port()
    bin_ = os.environ["MDNSD_BIN"]
    p = subprocess.Popen(["bash", os.path.join(SRC, "packaging", "demo", "run-demo.sh"), bin_,
                          str(dns), str(http)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for _ in range(40):
            line = p.stdout.readline()
            lines.append(line)
            if "Ctrl-C" in line:
                break
        out = "".join(lines)
        for line in example_lines():
            assert line.replace("-p 8053", f"-p {dns}") in out, out
        # the daemon it started answers the first example
        first = shlex.split(example_lines()[0])
        deadline = time.time() + 10
        while True:
            r = dig("127.0.0.1", dns, first[4], "A")
            if r.status == "NOERROR" or time.time() > deadline:
                break
            time.sleep(0.2)
        assert r.status == "NOERROR" and r.answer, r
    finally:
        p.terminate()
        p.wait(timeout=10)
