#!/usr/bin/env bash
# secrets-throughput.sh [ZIP...] : secret-scanning throughput of shipcheck against
# `gitleaks dir`, measured side by side in one run.
#
# Input: the zips given, or by default every zip of ../shared/corpus (build a
# big one with ../shared/tools/make-big.py OUT and pass OUT/big-function.zip).
# gitleaks cannot read zips, so it gets them unpacked (as a user would run it:
# unzip, then `gitleaks dir`); shipcheck reads each zip itself (`shipcheck
# secrets ZIP`), unpacking included in its time. Text bytes are the unpacked
# files without a NUL in their first 8 KiB (what both tools treat as text).
# Wall seconds and peak RSS come from /usr/bin/time; MB/s is text MB over wall
# seconds; the ratio is shipcheck's MB/s over gitleaks'.
#
# gitleaks' default config skips paths under node_modules/, vendor/,
# site-packages and lockfiles without reading them; shipcheck reads them
# (third-party findings are reported, marked). So two ratios: wall time on
# the same input (gitleaks' skipping counts in its favour), and MB/s of the
# text each tool scanned (gitleaks' own "scanned ~N bytes"; shipcheck's: all
# text but images, fonts and lockfiles).
#
# shipcheck is built twice: as `go build` gives it (Go's regexp), and with
# -tags gore2regex (gitleaks' rules on RE2 through github.com/wasilibs/go-re2,
# the engine gitleaks' own release uses and setup-peers.sh builds it with:
# 0.6 s slower to start; compare the two rows).
#
#   GITLEAKS=~/peers/bin/gitleaks testdata/bench/secrets-throughput.sh /work/big/big-function.zip
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHIPCHECK_SHARED:-$root/../shared}
gitleaks=${GITLEAKS:-$HOME/peers/bin/gitleaks}
[ -x "$gitleaks" ] || { echo "gitleaks not found at $gitleaks: run $shared/tools/setup-peers.sh gitleaks" >&2; exit 2; }
if [ $# -eq 0 ]; then set -- "$shared"/corpus/*.zip; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/shipcheck" ./cmd/shipcheck &&
	go build -tags gore2regex -o "$tmp/shipcheck-re2" ./cmd/shipcheck)

n=0
for z in "$@"; do
	n=$((n + 1))
	mkdir -p "$tmp/u/$n"
	unzip -q -o "$z" -d "$tmp/u/$n"
done
text=$(python3 - "$tmp/u" <<'EOF'
import os, sys
total = 0
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        p = os.path.join(d, f)
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        with open(p, "rb") as fh:
            if b"\0" in fh.read(8192):
                continue
        total += os.path.getsize(p)
print(total)
EOF
)

measure() { # label, command...: prints "seconds rss_kb"
	local label=$1 out="$tmp/time.$1"
	shift
	/usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$tmp/err.$label" || {
		rc=$?
		# exit 1 means findings: fine for both tools
		[ $rc -eq 1 ] || { cat "$tmp/err.$label" >&2; exit 2; }
	}
	tail -n 1 "$out"
}

# Warm the page cache for both, so neither pays for the first read.
cat "$@" >/dev/null
find "$tmp/u" -type f -exec cat {} + >/dev/null

read -r gl_s gl_kb < <(measure gitleaks "$gitleaks" dir "$tmp/u" --no-banner --no-color --log-level info \
	--report-format json --report-path "$tmp/gitleaks.json")
gl_text=$(sed -n 's/.*scanned ~\([0-9]*\) bytes.*/\1/p' "$tmp/err.gitleaks" | tail -n 1)
rows=""
for b in shipcheck shipcheck-re2; do
	t=0 k=0
	for z in "$@"; do
		read -r s kb < <(measure "$b" "$tmp/$b" secrets "$z" --output json)
		t=$(python3 -c "print($t + $s)")
		[ "$kb" -gt "$k" ] && k=$kb
	done
	rows="$rows $t $k"
done

python3 - "$text" "${gl_text:-0}" "$gl_s" "$gl_kb" $rows "$#" <<'EOF'
import sys
text, gl_text, gl_s, gl_kb, std_s, std_kb, re2_s, re2_kb, n = sys.argv[1:]
mb, gl_mb = int(text) / 1e6, int(gl_text) / 1e6
gl_s, std_s, re2_s = float(gl_s), float(std_s), float(re2_s)
print(f"input: {n} zip(s), {mb:.1f} MB of text unpacked; gitleaks scanned {gl_mb:.1f} MB of it")
print(f"{'tool':<40}{'wall s':>8}{'text MB':>9}{'MB/s':>8}{'peak RSS MB':>13}")
print(f"{'gitleaks dir (unpacked, re2)':<40}{gl_s:>8.2f}{gl_mb:>9.1f}{gl_mb / gl_s:>8.1f}{int(gl_kb) / 1024:>13.0f}")
for name, s, kb in (("shipcheck secrets ZIP (Go regexp)", std_s, std_kb), ("shipcheck secrets ZIP (-tags gore2regex)", re2_s, re2_kb)):
    print(f"{name:<40}{s:>8.2f}{mb:>9.1f}{mb / s:>8.1f}{int(kb) / 1024:>13.0f}")
for name, s in (("Go regexp", std_s), ("gore2regex", re2_s)):
    print(f"shipcheck ({name}) / gitleaks: wall time on the same input {gl_s / s:.2f}x, MB/s of text scanned {(mb / s) / (gl_mb / gl_s):.2f}x")
EOF
