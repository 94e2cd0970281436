#!/usr/bin/env bash
# `make run`: start mesos-dnsd in the foreground on the bundled demo cluster
# (packaging/demo/state.json, read with --state-file) and print dig lines
# that work against it. The lines come from dig-examples.txt, which the test
# suite runs too (tests/integration/test_demo.py), so they cannot rot.
set -euo pipefail
bin=${1:?usage: run-demo.sh BINARY [DNSPORT] [HTTPPORT]}
dnsport=${2:-8053}
httpport=${3:-8123}
here=$(cd "$(dirname "$0")" && pwd)

cfg=$(mktemp /tmp/mesos-dnsd-demo.XXXXXX.json)
trap 'rm -f "$cfg"' EXIT
sed -e "s/\"port\": *[0-9]*/\"port\": $dnsport/" \
    -e "s/\"httpport\": *[0-9]*/\"httpport\": $httpport/" \
    "$here/config.json" > "$cfg"

echo "mesos-dnsd demo: DNS on 127.0.0.1:$dnsport, HTTP on 127.0.0.1:$httpport"
echo "Try, from another terminal:"
sed -e "s/-p 8053/-p $dnsport/" "$here/dig-examples.txt" | sed 's/^/  /'
echo "  curl -s http://127.0.0.1:$httpport/v1/hosts/web.marathon.mesos"
echo "Ctrl-C stops it."
echo
exec "$bin" -config "$cfg" --state-file "$here/state.json" -v 1
