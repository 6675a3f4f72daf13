#!/usr/bin/env bash
# Reads every file of big-function.zip and big-image.tar through the artifact
# view, and through a plain single-threaded archive/zip or archive/tar read of
# the same file, each in its own process, and prints wall time, the ratio to
# the plain read, and peak memory (maximum resident set size).
#
#   testdata/bench/view.sh [BIG_DIR]     (default: /tmp/shipcheck-big)
#
# The artifacts are built by ../shared/tools/make-big.py when missing.
# "top" rows read the artifact's own entries; "nested" rows also open every
# archive nested inside (jars), as the view does by default, against a plain
# read that opens them too (in memory, with archive/zip).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
big=${1:-/tmp/shipcheck-big}
shared=${SHIPCHECK_SHARED:-$here/../shared}
if [ ! -f "$big/big-function.zip" ] || [ ! -f "$big/big-image.tar" ]; then
  python3 "$shared/tools/make-big.py" "$big"
fi
bin=$(mktemp -d)/packaging.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$here" && go test -c -o "$bin" ./packaging)
runs=${RUNS:-3}

run() { # benchmark name -> "seconds maxrss_kb"
  local out
  out=$( { /usr/bin/time -f 'RSS %M' env SHIPCHECK_BIG="$big" "$bin" -test.run '^$' -test.bench "^$1\$" -test.benchtime "${runs}x"; } 2>&1 )
  local ns rss
  ns=$(echo "$out" | awk '/^Benchmark/ {print $3}')
  rss=$(echo "$out" | awk '/^RSS/ {print $2}')
  echo "$ns $rss"
}

printf '%-34s %10s %10s %8s %12s\n' case view_s plain_s ratio view_peak_MB
for c in "big-function.zip top:ReadAllZipTopView:ReadAllZipBaseline" \
         "big-function.zip nested:ReadAllZipView:ReadAllZipNestedBaseline" \
         "big-image.tar top:ReadAllImageTopView:ReadAllImageBaseline" \
         "big-image.tar nested:ReadAllImageView:ReadAllImageNestedBaseline"; do
  name=${c%%:*}; rest=${c#*:}; view=${rest%%:*}; plain=${rest#*:}
  read -r vns vrss < <(run "Benchmark$view")
  read -r pns prss < <(run "Benchmark$plain")
  awk -v n="$name" -v v="$vns" -v p="$pns" -v r="$vrss" 'BEGIN { printf "%-34s %10.3f %10.3f %8.2f %12.0f\n", n, v/1e9, p/1e9, v/p, r/1024 }'
done
