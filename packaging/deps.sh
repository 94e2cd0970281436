#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking
# mesos-dnsd needs. Idempotent: does nothing when all are present.
set -euo pipefail

PKGS=(
  # build
  build-essential cmake pkg-config clang clang-14 libclang-rt-14-dev clang-format
  # libraries
  libevent-dev libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libyajl-dev
  liburcu-dev libzookeeper-mt-dev libcmocka-dev libssl-dev zlib1g-dev
  # test peers and tools
  bind9 bind9-dnsutils bind9-utils knot-dnsutils dnsperf zookeeperd
  python3 python3-dnspython python3-pytest python3-kazoo curl procps iproute2
  # tests/tools/fake_iam.py verifies RS256 login JWTs; the https tests make certificates
  python3-cryptography openssl
  # the HTML page, rendered headless by the tests
  chromium chromium-driver
  # benchmarks: reference servers serving the same zone
  nsd knot
  # benchmarks: instruction counts per query (bench/bench_answer.c under callgrind)
  valgrind
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Debian starts daemons it installs (named, nsd, knot, zookeeper); tests run
# their own instances on loopback ports, so the system ones must not start.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
