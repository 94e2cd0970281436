#!/usr/bin/env bash
# The whole daemon at scale (issue "Zone" goal: 100k tasks → zone live fast,
# peak ≤ 300 MB while two snapshots coexist). For each size: start
# mesos-dnsd on a generated /master/state (--state-file), read from its log
# how long the parse and the first build took, then swap to a second state
# (different seed: every record changes) with SIGHUP a few times so that a
# new snapshot is built while the old one is live, and report peak RSS
# (VmHWM) and RSS afterwards. Figures are printed, never asserted.
# Usage: bench/run_daemon.sh [BUILD_DIR] [TASKS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
bin="$build/mesos-dnsd"
out="$here/out"
mkdir -p "$out"

gen() { # tasks seed file
    [ -s "$3" ] || /usr/bin/python3 "$src/tests/tools/gen_state.py" --tasks "$1" --seed "$2" -o "$3"
}

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Milliseconds between two log timestamps "2026-12-01T12:04:40.384Z".
ms_between() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, datetime
f = lambda s: datetime.datetime.strptime(s.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")
print(int((f(sys.argv[2]) - f(sys.argv[1])).total_seconds() * 1000))
PY
}

wait_log() { # file pattern count
    for _ in $(seq 600); do
        [ "$(grep -a -c -- "$2" "$1" || true)" -ge "$3" ] && return 0
        sleep 0.1
    done
    echo "timeout waiting for '$2' in $1" >&2
    return 1
}

echo "| tasks | state MiB | records | parse s | first build s | start → serving s | swap build s (median) | peak RSS MiB | RSS after MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
    a="$out/state-$n-s1.json" b="$out/state-$n-s2.json"
    gen "$n" 1 "$a"
    gen "$n" 2 "$b"
    cur="$out/daemon-state-$n.json"
    cp "$a" "$cur"
    cfg="$out/daemon-$n.json" log="$out/daemon-$n.log"
    printf '{"masters":["127.0.0.1:5050"],"port":%s,"httpport":%s,"listener":"127.0.0.1","httplistener":"127.0.0.1","externalon":false}\n' "$(port)" "$(port)" > "$cfg"
    "$bin" -config "$cfg" --state-file "$cur" > "$log" 2>&1 &
    pid=$!
    wait_log "$log" "published" 1
    builds=()
    for i in 1 2 3 4; do
        if [ $((i % 2)) -eq 1 ]; then cp "$b" "$cur"; else cp "$a" "$cur"; fi
        kill -HUP "$pid"
        wait_log "$log" "published" $((i + 1))
    done
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    kill "$pid"
    wait "$pid" || true
    t0=$(grep -a -m1 "mesos-dnsd 0" "$log" | cut -d' ' -f1)
    t1=$(grep -a -m1 "state file" "$log" | cut -d' ' -f1)
    t2=$(grep -a -m1 "published" "$log" | cut -d' ' -f1)
    records=$(grep -a -m1 "published" "$log" | sed 's/.*published: \([0-9]*\) records.*/\1/')
    first=$(grep -a -m1 "published" "$log" | sed 's/.*built in \([0-9.]*\) s.*/\1/')
    swaps=$(grep -a "published" "$log" | tail -n +2 | sed 's/.*built in \([0-9.]*\) s.*/\1/' | sort -n)
    median=$(echo "$swaps" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    mib=$(du -m "$a" | cut -f1)
    parse_ms=$(ms_between "$t0" "$t1") serve_ms=$(ms_between "$t0" "$t2")
    printf '| %s | %s | %s | %d.%03d | %s | %d.%03d | %s | %d | %d |\n' "$n" "$mib" "$records" \
        $((parse_ms / 1000)) $((parse_ms % 1000)) "$first" $((serve_ms / 1000)) \
        $((serve_ms % 1000)) "$median" $((hwm / 1024)) $((rss / 1024))
done
