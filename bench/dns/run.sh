#!/usr/bin/env bash
# DNS serving benchmark (bench/README.md, "DNS serving"): dnsperf against
# mesos-dnsd, NSD, Knot and a do-nothing UDP echo serving the same zone on
# loopback, in one run, side by side; then answers and latency while the
# zone is swapped every second. Figures are printed, never asserted.
#
# Usage: bench/dns/run.sh [BUILD_DIR]
# Environment (defaults in brackets):
#   TASKS [10000]        tasks in the generated Mesos state (gen_state.py --seed 1)
#   DURATION [10]        seconds per dnsperf run (dnsperf -l)
#   ROUNDS [3]           rounds; each round runs every server on every mix
#   SERVERS ["mesos-dnsd nsd knot echo echo-epoll"]   servers measured
#   MIXES ["a srv nx mix"]   query files (bench/dns/dnsbench.py queries)
#   CLIENTS [8] QOUT [500]   dnsperf -c (sockets) and -q (queries in flight)
#   EDNS [0]             1: dnsperf -e (EDNS0, answers up to 1232 bytes)
#   RATE [unset]         dnsperf -Q RATE: a fixed offered load instead of as
#                        fast as dnsperf goes (steadier on a shared machine)
#   SWAP [1]             run the zone-swap test
#   SWAP_DRY [0]         1: the swap loop replaces the file but sends no
#                        SIGHUP (a control: what the loop itself costs the
#                        client core, where it runs)
#   SWAP_EVERY [1]       seconds between two zone swaps (a 100k-task state
#                        takes over a second of the server core to rebuild)
#   LAT_RATE [20000]     queries/s of the swap latency runs (dnsperf -Q, -v)
#   SERVER_CPU [1] CLIENT_CPU [0]   cores for the servers and for dnsperf
#   BASELINE [unset]     another mesos-dnsd binary: adds server "baseline"
#                        (list it in SERVERS) for before/after comparisons
# Raw outputs go to bench/out/dns/<date>/ (printed at the end).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
py=/usr/bin/python3
helper="$py $here/dnsbench.py"

TASKS=${TASKS:-10000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
SERVERS=${SERVERS:-"mesos-dnsd nsd knot echo echo-epoll"}
MIXES=${MIXES:-"a srv nx mix"}
CLIENTS=${CLIENTS:-8}
QOUT=${QOUT:-500}
EDNS=${EDNS:-0}
SWAP=${SWAP:-1}
SWAP_DRY=${SWAP_DRY:-0}
SWAP_EVERY=${SWAP_EVERY:-1}
LAT_RATE=${LAT_RATE:-20000}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
HZ=$(getconf CLK_TCK)

for bin in "$build/mesos-dnsd" "$build/bench/bench_udp_echo"; do
    [ -x "$bin" ] || { echo "dns bench: $bin missing (build first)" >&2; exit 1; }
done
for tool in dnsperf nsd knotd dig curl taskset; do
    command -v "$tool" >/dev/null || { echo "dns bench: $tool missing (packaging/deps.sh)" >&2; exit 1; }
done

out="$src/bench/out/dns/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
work=$(mktemp -d /tmp/mdns-dnsbench.XXXXXX)
declare -A PID PORT
cleanup() {
    for s in "${!PID[@]}"; do
        kill "${PID[$s]}" 2>/dev/null || true
    done
    for s in "${!PID[@]}"; do # bounded wait for each to go
        for _ in $(seq 50); do kill -0 "${PID[$s]}" 2>/dev/null || break; sleep 0.1; done
        kill -9 "${PID[$s]}" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

note() { echo "# $*" | tee -a "$out/log.txt" >&2; }

free_port() {
    $py -c 'import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]; t = socket.socket()
    try:
        t.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass'
}

# Answering on PORT[$1] within 60 s (a 100k-task zone takes a few seconds).
wait_dns() {
    for _ in $(seq 120); do
        if dig +time=1 +tries=1 -p "${PORT[$1]}" @127.0.0.1 mesos SOA 2>/dev/null |
            grep -q 'status: NOERROR'; then
            return 0
        fi
        kill -0 "${PID[$1]}" 2>/dev/null || { echo "dns bench: $1 exited" >&2; return 1; }
        sleep 0.5
    done
    echo "dns bench: $1 not answering on port ${PORT[$1]}" >&2
    return 1
}

# --- inputs ---------------------------------------------------------------

gen="$src/bench/out/dns/state-$TASKS.json"
if [ ! -s "$gen" ] || [ "$gen" -ot "$src/tests/tools/gen_state.py" ]; then
    note "generating a $TASKS-task state"
    $py "$src/tests/tools/gen_state.py" --tasks "$TASKS" --seed 1 -o "$gen.tmp"
    mv "$gen.tmp" "$gen"
fi
mkdir -p "$work/mdnsd" "$work/nsd" "$work/knot/db"
cp "$gen" "$work/state-a.json"
$helper swapstate "$work/state-a.json" "$work/state-b.json"
ln -s "$work/state-a.json" "$work/mdnsd/state.json"

# --- servers --------------------------------------------------------------

# $1: mesos-dnsd (this build) or baseline ($BASELINE, another binary, for
# before/after comparisons in the same run); each in its own directory.
start_mesos_dnsd() {
    local s=$1 bin=$build/mesos-dnsd d=$work/mdnsd
    if [ "$s" = baseline ]; then
        bin=$BASELINE
        d=$work/baseline
        mkdir -p "$d"
        cp "$work/state-a.json" "$d/state.json"
    fi
    PORT[$s]=$(free_port)
    local http
    http=$(free_port)
    [ "$s" = mesos-dnsd ] && HTTP_PORT=$http
    cat >"$d/cfg.json" <<EOF
{"port": ${PORT[$s]}, "httpport": $http, "listener": "127.0.0.1",
 "httplistener": "127.0.0.1", "externalon": false, "dnsWorkers": 1}
EOF
    taskset -c "$SERVER_CPU" "$bin" -config "$d/cfg.json" --state-file "$d/state.json" \
        >"$out/$s.log" 2>&1 &
    PID[$s]=$!
    wait_dns "$s"
}

start_nsd() {
    local d=$work/nsd
    PORT[nsd]=$(free_port)
    cat >"$d/nsd.conf" <<EOF
server:
    server-count: 1
    ip-address: 127.0.0.1@${PORT[nsd]}
    port: ${PORT[nsd]}
    username: ""
    chroot: ""
    zonesdir: "$d"
    database: ""
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    xfrdir: "$d"
    pidfile: "$d/nsd.pid"
    logfile: "$out/nsd.log"
    verbosity: 1
    # No response rate limiting: one client at 100k QPS is not an attack here.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "mesos"
    zonefile: "$work/mesos.zone"
EOF
    nsd-checkconf "$d/nsd.conf"
    taskset -c "$SERVER_CPU" nsd -d -c "$d/nsd.conf" >>"$out/nsd.log" 2>&1 &
    PID[nsd]=$!
    wait_dns nsd
}

start_knot() {
    local d=$work/knot
    PORT[knot]=$(free_port)
    cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d"
    user: root:root
    pidfile: "$d/knot.pid"
    listen: 127.0.0.1@${PORT[knot]}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "$d/knot.sock"
database:
    storage: "$d/db"
log:
  - target: "$out/knot.log"
    any: info
template:
  - id: default
    storage: "$d"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
  - domain: mesos
    file: "$work/mesos.zone"
EOF
    knotc -c "$d/knot.conf" conf-check >/dev/null
    taskset -c "$SERVER_CPU" knotd -c "$d/knot.conf" >>"$out/knot.log" 2>&1 &
    PID[knot]=$!
    wait_dns knot
    # knotd pins UDP worker i to CPU i by itself: move every thread back to
    # the server core, or Knot would answer from dnsperf's core.
    taskset -a -p -c "$SERVER_CPU" "${PID[knot]}" >/dev/null
}

start_echo() { # $1: echo (recvmmsg blocking) or echo-epoll
    local mode=block
    [ "$1" = echo-epoll ] && mode=epoll
    PORT[$1]=$(free_port)
    taskset -c "$SERVER_CPU" "$build/bench/bench_udp_echo" -m "$mode" 127.0.0.1 "${PORT[$1]}" \
        >"$out/$1.log" 2>&1 &
    PID[$1]=$!
    for _ in $(seq 50); do # bounded: the echo answers dig with its own query
        dig +time=1 +tries=1 -p "${PORT[$1]}" @127.0.0.1 mesos SOA >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "dns bench: $1 not answering" >&2
    return 1
}

# CPU ticks (utime + stime, every thread) of a process and its descendants.
tree_pids() {
    local p=$1
    echo "$p"
    for c in $(pgrep -P "$p" 2>/dev/null); do tree_pids "$c"; done
}
cpu_ticks() {
    local t=0 p
    for p in $(tree_pids "$1"); do
        # Fields after the ")" closing comm: utime and stime are the 12th, 13th.
        t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
    done
    echo "$t"
}
# Every thread of every server process may run on the server core only.
check_affinity() {
    local s p t aff
    for s in $SERVERS; do
        for p in $(tree_pids "${PID[$s]}"); do
            for t in /proc/"$p"/task/*; do
                aff=$(taskset -p -c "${t##*/}" | sed 's/.*: //')
                if [ "$aff" != "$SERVER_CPU" ]; then
                    echo "dns bench: $s thread ${t##*/} may run on CPUs $aff" >&2
                    return 1
                fi
            done
        done
    done
}
core_busy() { # busy ticks of one core, from /proc/stat
    awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

# --- measuring ------------------------------------------------------------

perf_flags=()
[ "$EDNS" = 1 ] && perf_flags=(-e)

# dnsperf from the client core; extra arguments after the query file.
# Leaves the output in $1 and the client's CPU seconds in $1.cpu.
run_dnsperf() {
    local outfile=$1 server=$2 qfile=$3
    shift 3
    local TIMEFORMAT='%U %S'
    { time timeout $((DURATION + 30)) taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 \
        -p "${PORT[$server]}" -d "$qfile" -l "$DURATION" -c "$CLIENTS" -q "$QOUT" -t 2 \
        "${perf_flags[@]}" "$@" >"$outfile" 2>&1; } 2>"$outfile.cpu"
}

# One measured run: appends a line to $out/results.tsv.
measure() {
    local round=$1 server=$2 mix=$3
    local f="$out/dnsperf-$server-$mix-r$round.txt"
    local c0 c1 b0 b1 w0 w1
    c0=$(cpu_ticks "${PID[$server]}")
    b0=$(core_busy "$SERVER_CPU")
    w0=$(date +%s.%N)
    run_dnsperf "$f" "$server" "$work/q/$mix.txt" ${RATE:+-Q "$RATE"}
    w1=$(date +%s.%N)
    c1=$(cpu_ticks "${PID[$server]}")
    b1=$(core_busy "$SERVER_CPU")
    local fields
    fields=$($helper dnsperf "$f")
    local completed runtime client
    completed=$(tr '\t' '\n' <<<"$fields" | sed -n 's/^completed=//p')
    runtime=$(tr '\t' '\n' <<<"$fields" | sed -n 's/^runtime=//p')
    client=$(awk '{print $1 + $2}' "$f.cpu")
    awk -v r="$round" -v s="$server" -v m="$mix" -v f="$fields" -v c="$((c1 - c0))" \
        -v b="$((b1 - b0))" -v hz="$HZ" -v n="$completed" -v t="$runtime" -v cl="$client" \
        -v wall="$(awk -v a="$w0" -v b="$w1" 'BEGIN {print b - a}')" \
        'BEGIN {
            cpu = c / hz; if (cpu <= 0) cpu = 1 / hz
            printf "round=%s\tserver=%s\tmix=%s\t%s\tcpu_s=%.2f\tcpu_pct=%.1f\tqpcs=%.0f\t" \
                   "client_pct=%.1f\tcore_pct=%.1f\n", r, s, m, f, cpu, 100 * cpu / t, n / cpu,
                   100 * cl / t, 100 * b / hz / wall
        }' >>"$out/results.tsv"
    tail -n 1 "$out/results.tsv" | tr '\t' ' ' | tee -a "$out/log.txt" >&2
}

# The same answers from every server: rcode and sorted answer RRs (over TCP,
# so that no answer is truncated) of a few names of each kind.
cross_check() {
    local s name type ref got
    while read -r name type; do
        ref=""
        for s in mesos-dnsd baseline nsd knot; do
            [ -n "${PID[$s]:-}" ] || continue
            got=$(dig +tcp +norec +time=2 +tries=1 -p "${PORT[$s]}" @127.0.0.1 "$name" "$type" \
                +noall +comments +answer | sed -n -e 's/.*status: \([A-Z]*\),.*/\1/p' \
                -e '/^[^;]/p' | tr 'A-Z' 'a-z' | sort)
            if [ -z "$ref" ]; then
                ref=$got
            elif [ "$got" != "$ref" ]; then
                echo "dns bench: $s answers $name $type differently:" >&2
                diff <(echo "$ref") <(echo "$got") >&2 || true
                return 1
            fi
        done
    done <"$work/q/check.txt"
    note "cross-check: mesos-dnsd, NSD and Knot give the same answers ($(wc -l <"$work/q/check.txt") names)"
}

note "uptime before: $(uptime)"
note "kernel $(uname -r), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
note "$(dnsperf -h 2>&1 | grep -m1 Version | sed 's/^/dnsperf /'), $(nsd -v 2>&1 | head -1), $(knotd -V)"
start_mesos_dnsd mesos-dnsd
HTTP=http://127.0.0.1:$HTTP_PORT
curl -sf "$HTTP/v1/zone" >"$work/mesos.zone"
curl -sf "$HTTP/v1/axfr" >"$work/axfr.json"
mkdir -p "$work/q"
$helper queries "$work/axfr.json" "$work/q"
note "zone: $(head -1 "$work/mesos.zone"); query files: $(cd "$work/q" && wc -l a.txt srv.txt nx.txt mix.txt | tr '\n' ' ')"
[ -z "${BASELINE:-}" ] || [ -x "$BASELINE" ] || { echo "dns bench: $BASELINE missing" >&2; exit 1; }
for s in $SERVERS; do
    case $s in
    mesos-dnsd) ;;
    baseline) start_mesos_dnsd baseline ;;
    nsd) start_nsd ;;
    knot) start_knot ;;
    echo | echo-epoll) start_echo "$s" ;;
    *) echo "dns bench: unknown server $s" >&2; exit 2 ;;
    esac
done
cross_check
check_affinity
cmdline="dnsperf -s 127.0.0.1 -p PORT -d QFILE -l $DURATION -c $CLIENTS -q $QOUT -t 2 ${perf_flags[*]} ${RATE:+-Q $RATE}"
note "client: taskset -c $CLIENT_CPU $cmdline; servers: taskset -c $SERVER_CPU, one thread/process answering"

# Warm-up: page in the zone, fill caches, let the servers settle.
for s in $SERVERS; do
    DURATION=2 run_dnsperf "$out/warmup-$s.txt" "$s" "$work/q/mix.txt"
done

: >"$out/results.tsv"
for round in $(seq "$ROUNDS"); do
    for mix in $MIXES; do
        for s in $SERVERS; do
            # The echo does the same for every query: measure it once a round.
            case $s in echo*) [ "$mix" = "$(echo $MIXES | awk '{print $NF}')" ] || continue ;; esac
            measure "$round" "$s" "$mix"
        done
    done
done

# --- zone swaps -----------------------------------------------------------

# Every second, replace the state file by the other one (one task more or
# less) and send SIGHUP: mesos-dnsd re-reads it and publishes a new serial.
# The state file is a symbolic link, replaced atomically (rename), so the
# loop costs no copying; it runs on the client core, not the server's.
swap_loop() {
    local i=0 next
    while [ $(((i + 1) * SWAP_EVERY)) -lt "$DURATION" ]; do
        sleep "$SWAP_EVERY"
        next=a
        [ $((i % 2)) -eq 0 ] && next=b
        ln -sfn "$work/state-$next.json" "$work/mdnsd/state.tmp"
        mv -T "$work/mdnsd/state.tmp" "$work/mdnsd/state.json"
        [ "$SWAP_DRY" = 1 ] || kill -HUP "${PID[mesos-dnsd]}"
        i=$((i + 1))
    done
}
serial() {
    dig +short -p "${PORT[mesos-dnsd]}" @127.0.0.1 mesos SOA | awk '{print $3}'
}
published() { grep -c 'published' "$out/mesos-dnsd.log" || true; }

swap_run() { # $1: noswap or swap; $2: sat (saturating) or lat (fixed rate, -v)
    local f="$out/swap-$1-$2.txt" p0 p1 c0 c1 sp=""
    p0=$(published)
    curl -sf "$HTTP/metrics" >"$f.metrics0"
    c0=$(cpu_ticks "${PID[mesos-dnsd]}")
    if [ "$1" = swap ]; then
        swap_loop &
        sp=$!
        taskset -p -c "$CLIENT_CPU" "$sp" >/dev/null
    fi
    if [ "$2" = sat ]; then
        run_dnsperf "$f" mesos-dnsd "$work/q/mix.txt" -S 1
    else
        run_dnsperf "$f" mesos-dnsd "$work/q/mix.txt" -Q "$LAT_RATE" -v
    fi
    [ -z "$sp" ] || wait "$sp"
    # The loop's last swap comes before dnsperf ends: let its rebuild finish
    # (bounded) so that it is not counted in the next run.
    local swaps=0
    [ -z "$sp" ] || swaps=$(((DURATION - 1) / SWAP_EVERY))
    for _ in $(seq 100); do
        [ "$(published)" -ge $((p0 + swaps)) ] && break
        sleep 0.1
    done
    c1=$(cpu_ticks "${PID[mesos-dnsd]}")
    curl -sf "$HTTP/metrics" >"$f.metrics1"
    p1=$(published)
    {
        echo "### $([ "$1" = swap ] && echo "zone swap every $SWAP_EVERY s" || echo "no swap"), $([ "$2" = sat ] && echo "saturating (dnsperf -S 1)" || echo "dnsperf -Q $LAT_RATE -v")"
        echo
        echo "zones published during the run: $((p1 - p0)); server CPU $(awk -v c=$((c1 - c0)) -v hz="$HZ" 'BEGIN{printf "%.2f", c / hz}') s"
        echo
        $helper dnsperf "$f" | tr '\t' '\n' | grep -E '^(completed|lost|qps|lat_avg|lat_max|rcodes)=' |
            tr '\n' ' '
        echo
        echo
        if [ "$2" = sat ]; then $helper persec "$f"; else $helper latency "$f" "$LAT_RATE"; fi
        echo
        $helper histdiff "$f.metrics0" "$f.metrics1"
        echo
    } >>"$out/swap.md"
}

if [ "$SWAP" = 1 ] && [ -n "${PID[mesos-dnsd]:-}" ]; then
    : >"$out/swap.md"
    s0=$(serial)
    for mode in sat lat; do
        swap_run noswap "$mode"
        swap_run swap "$mode"
    done
    note "swap test: serial $s0 at the start, $(serial) at the end"
fi

note "uptime after: $(uptime)"
echo
echo "## DNS serving: $TASKS tasks, $DURATION s per run, $ROUNDS round(s) ($out)"
echo
$helper summary "$out/results.tsv"
if [ -s "$out/swap.md" ]; then
    echo
    echo "## Zone swaps (mesos-dnsd, mix)"
    echo
    cat "$out/swap.md"
fi
