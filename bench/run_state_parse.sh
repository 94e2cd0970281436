#!/usr/bin/env bash
# State parse benchmark: generate realistic /master/state documents of 1k,
# 10k and 100k tasks (tests/tools/gen_state.py, cached in bench/out/), stream
# each through bench_state_parse 5 times (one process per run) and print a
# table: median and best wall time to a finished model, median CPU time
# (user + system; steadier than wall time on a shared machine), throughput
# per CPU second, model size (arena bytes), peak RSS, and what parsing holds
# beyond the model.
# The last row is yajl alone on the 100k document (the tokenizer floor).
# Usage: bench/run_state_parse.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-$src/build}
runs=${2:-5}
bin=$build/bench/bench_state_parse
out=$here/out
[ -x "$bin" ] || { echo "no $bin: build first (make build)" >&2; exit 1; }
mkdir -p "$out"

gen() { # tasks -> file, regenerated when the generator changed
    local f=$out/state-$1.json
    if [ ! -s "$f" ] || [ "$src/tests/tools/gen_state.py" -nt "$f" ]; then
        /usr/bin/python3 "$src/tests/tools/gen_state.py" --tasks "$1" --seed 1 -o "$f.tmp"
        mv "$f.tmp" "$f"
    fi
    echo "$f"
}

field() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p"; }

row() { # label file [--yajl-only]
    local label=$1 file=$2; shift 2
    local times=() cpus=() line
    for _ in $(seq "$runs"); do
        line=$("$bin" "$@" "$file")
        times+=("$(echo "$line" | field seconds)")
        cpus+=("$(echo "$line" | field cpu_seconds)")
    done
    local median best cpu
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    best=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    local bytes tasks model peak base
    bytes=$(echo "$line" | field bytes)
    tasks=$(echo "$line" | field tasks)
    model=$(echo "$line" | field model_MiB)
    peak=$(echo "$line" | field peak_rss_MiB)
    base=$(echo "$line" | field base_rss_MiB)
    awk -v l="$label" -v b="$bytes" -v t="$tasks" -v md="$median" -v be="$best" -v c="$cpu" \
        -v mo="$model" -v pk="$peak" -v ba="$base" 'BEGIN {
        printf "| %-16s | %6.1f | %6d | %6.3f | %6.3f | %6.3f | %6.0f | %6.1f | %6.1f | %6.1f |\n",
            l, b / 1048576, t, md, be, c, b / 1048576 / c, mo, pk, pk - mo - ba }'
}

echo "state parse: $runs runs each, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| document         | MiB    | tasks  | wall s (median) | wall s (best) | CPU s (median) | MiB per CPU s | model MiB | peak RSS MiB | beyond model MiB |"
echo "|------------------|--------|--------|--------|--------|--------|--------|--------|--------|--------|"
for n in 1000 10000 100000; do
    f=$(gen $n)
    row "${n} tasks" "$f"
done
row "yajl only, 100k" "$(gen 100000)" --yajl-only
