#!/usr/bin/env bash
# memory.sh [REV...] : peak RSS of `shipcheck secrets` on an artifact of many
# large files, with 1, 2, 8 and 16 workers, for each git revision given (default:
# the working tree only). Shows whether the memory held for files in flight
# grows with the number of workers (issue 14: it should be bounded by bytes,
# WalkOptions.Memory, 256 MiB by default).
#
# The artifact (OUT_DIR, default /work/bench/memory; rebuilt only if missing
# or FORCE=1) is built from real files:
#   npm/               `npm ci --omit=dev --ignore-scripts` of the pinned
#                      testdata/bench/real/npm (aws-sdk v2, googleapis,
#                      typescript, @aws-sdk v3 clients, mongoose, express...).
#   bundles-N.zip      a serverless repository's deployment: functions/fnNN/
#                      index.js for NN = 00..BUNDLES-1 (default 12), each an
#                      esbuild-style bundle: the .js files of npm/node_modules,
#                      each after a "// path" comment, in an order of its own
#                      (seeded by NN), cut at 20, 30, 44 or 60 MiB in turn
#                      (462 MiB of text for 12), deflated (zlib level 6) as
#                      Lambda zips are. Every bundle differs, so no cache helps
#                      (and the run passes --no-cache). Files of 20 and 30 MiB
#                      are held in memory once decompressed (under
#                      archive.MemLimit), those of 44 and 60 MiB are spilled to
#                      the temporary folder; all are then read whole by the
#                      secret scan (under its 64 MiB limit).
#
# Each revision is built with `go build` from `git archive REV` (the working
# tree for "."); each run is timed by /usr/bin/time -v ("Maximum resident set
# size"), workers set by GOMAXPROCS (the walk's default), the report sent to
# /dev/null. The page cache is warmed first.
#
#   testdata/bench/memory.sh 0820b8c .      # before and after
#   WORKERS="1 8" BUNDLES=8 FORCE=1 testdata/bench/memory.sh .
#
# Needs: node + npm (the npm registry), python3, Go, /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT_DIR:-/work/bench/memory}
bundles=${BUNDLES:-12}
workers=${WORKERS:-1 2 8 16}
if [ $# -eq 0 ]; then set -- .; fi
mkdir -p "$out"

if [ ! -d "$out/npm/node_modules" ] || [ "${FORCE:-}" = 1 ]; then
	echo "== npm ci (testdata/bench/real/npm)" >&2
	rm -rf "$out/npm"
	mkdir -p "$out/npm"
	cp "$here/real/npm/package.json" "$here/real/npm/package-lock.json" "$out/npm/"
	(cd "$out/npm" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >&2)
fi
if [ ! -f "$out/bundles-$bundles.zip" ] || [ "${FORCE:-}" = 1 ]; then
	echo "== building $out/bundles-$bundles.zip" >&2
	python3 - "$out/npm/node_modules" "$out/bundles-$bundles.zip" "$bundles" <<'EOF'
import os, random, sys, zipfile
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
mods = []
for d, dirs, fs in os.walk(src):
    dirs.sort()
    for f in sorted(fs):
        p = os.path.join(d, f)
        if f.endswith(".js") and os.path.isfile(p) and not os.path.islink(p):
            mods.append(os.path.relpath(p, src))
sizes = [20, 30, 44, 60]
tmp = dst + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
    z.writestr("package.json", '{"name": "orders-service", "version": "1.0.0", "private": true}\n')
    for i in range(n):
        order = mods[:]
        random.Random(i).shuffle(order)
        want, parts, have = sizes[i % len(sizes)] << 20, [], 0
        for m in order:
            if have >= want:
                break
            with open(os.path.join(src, m), "rb") as fh:
                b = b"// node_modules/" + m.encode() + b"\n" + fh.read() + b"\n"
            parts.append(b)
            have += len(b)
        body = b"".join(parts)[:want]
        z.writestr("functions/fn%02d/index.js" % i, body)
        print("functions/fn%02d/index.js %d MiB" % (i, len(body) >> 20), file=sys.stderr)
os.rename(tmp, dst)
EOF
fi
art="$out/bundles-$bundles.zip"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for rev in "$@"; do
	label=$rev
	if [ "$rev" = . ]; then
		label=worktree
		(cd "$root" && go build -o "$tmp/shipcheck-$label" ./cmd/shipcheck)
	else
		mkdir -p "$tmp/src-$label"
		git -C "$root" archive "$rev" | tar -x -C "$tmp/src-$label"
		(cd "$tmp/src-$label" && go build -o "$tmp/shipcheck-$label" ./cmd/shipcheck)
	fi
done

cat "$art" >/dev/null
text=$(python3 -c 'import sys, zipfile; print(sum(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()))' "$art")
printf '%s: %s bytes, %s bytes of files\n\n' "$art" "$(stat -c %s "$art")" "$text"
printf '%-10s %7s %9s %14s\n' revision workers seconds "peak RSS MiB"
for rev in "$@"; do
	label=$rev
	[ "$rev" = . ] && label=worktree
	for w in $workers; do
		rc=0
		GOMAXPROCS=$w TMPDIR=$tmp /usr/bin/time -v -o "$tmp/time" "$tmp/shipcheck-$label" secrets "$art" \
			--no-cache --output json >/dev/null 2>"$tmp/err" || rc=$?
		# exit 1 means findings: a fine run
		if [ $rc -gt 1 ]; then cat "$tmp/err" >&2; exit 2; fi
		s=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time")
		kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
		printf '%-10s %7s %9s %14s\n' "$label" "$w" "$s" "$((kb / 1024))"
	done
done
