#!/usr/bin/env bash
# `make bench`: every benchmark, one after the other (figures are printed,
# never asserted; see bench/README.md). Usage: bench/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
"$here/run_state_parse.sh" "$build"
"$here/run_daemon.sh" "$build"
