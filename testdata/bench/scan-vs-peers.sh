#!/usr/bin/env bash
# scan-vs-peers.sh [BIG_DIR] : `shipcheck scan` against the peers doing the
# same three jobs (SBOM, vulnerabilities, secrets) on the same input, as a
# user would run them, side by side in one run.
#
#   ../shared/tools/make-big.py /work/big            # big-function.zip, big-image.tar
#   ../shared/tools/setup-peers.sh osv-scanner gitleaks syft
#   testdata/bench/scan-vs-peers.sh /work/big
#
# For the zip: unzip, then osv-scanner (offline, with its artifact plugins),
# gitleaks dir and syft on the unpacked folder. For the image: osv-scanner
# scan image --archive, gitleaks dir with archive depth, and syft on the
# tarball. shipcheck reads each artifact itself and writes its three answers
# (JSON and CycloneDX) in one run. Every tool is offline: osv-scanner and
# shipcheck use the same OSV exports (../shared/osv), each in its own local
# form, built before the timing starts. Prints wall seconds and peak RSS per
# step (/usr/bin/time), the peers' sum and largest, and the ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHIPCHECK_SHARED:-$root/../shared}
big=${1:-/work/big}
bin=${PEERS:-$HOME/peers}/bin
osv=${OSV_DIR:-$shared/osv}
for t in osv-scanner gitleaks syft; do
	[ -x "$bin/$t" ] || { echo "$t not in $bin: run $shared/tools/setup-peers.sh osv-scanner gitleaks syft" >&2; exit 2; }
done
for a in big-function.zip big-image.tar; do
	[ -f "$big/$a" ] || { echo "$big/$a missing: run $shared/tools/make-big.py $big" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/shipcheck" ./cmd/shipcheck)

# Advisories, prepared before any timing: shipcheck's database, and the
# folder osv-scanner's --local-db-path reads (<dir>/osv-scalibr/<Eco>/all.zip;
# ecosystems without an export get an empty one, or it stops matching).
"$tmp/shipcheck" db import "$osv" --db "$tmp/scdb" >/dev/null
python3 - "$osv" "$tmp/osvdb" <<'EOF'
import os, sys, zipfile
src, d = sys.argv[1:]
eco = os.path.join(d, "osv-scalibr")
os.makedirs(eco)
have = {e for e in os.listdir(src) if os.path.isfile(os.path.join(src, e, "all.zip"))}
for e in sorted(have | {"Go", "npm", "PyPI", "Maven", "NuGet", "crates.io", "RubyGems", "Packagist", "Debian", "Ubuntu", "Alpine", "Red Hat", "Wolfi", "Chainguard"}):
    if e in have:
        os.symlink(os.path.join(src, e), os.path.join(eco, e))
    else:
        os.makedirs(os.path.join(eco, e))
        zipfile.ZipFile(os.path.join(eco, e, "all.zip"), "w").close()
EOF
export SYFT_CHECK_FOR_APP_UPDATE=false GOTOOLCHAIN=local DO_NOT_TRACK=1

results="$tmp/results"
: >"$results"
# step GROUP LABEL COMMAND...: run once, record wall seconds and peak RSS.
step() {
	local group=$1 label=$2
	shift 2
	local rc=0
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	# exit 1 means findings (shipcheck, osv-scanner): the work was done
	if [ $rc -gt 1 ]; then
		echo "$label failed (exit $rc):" >&2
		tail -5 "$tmp/err" >&2
		exit 2
	fi
	echo "$group|$label|$(tail -n 1 "$tmp/time")" >>"$results"
}

cat "$big/big-function.zip" "$big/big-image.tar" >/dev/null # page cache warm for everyone

# The zip.
u="$tmp/unzipped"
step zip "unzip" unzip -q "$big/big-function.zip" -d "$u"
step zip "osv-scanner scan source" "$bin/osv-scanner" scan source -r "$u" --allow-no-lockfiles --offline-vulnerabilities --no-resolve \
	--local-db-path "$tmp/osvdb" --experimental-plugins lockfile,sbom,directory,artifact,javascript/packagejson \
	--format json --output-file "$tmp/osv-zip.json"
step zip "gitleaks dir" "$bin/gitleaks" dir "$u" --no-banner --exit-code 0 -f json -r "$tmp/gl-zip.json" --log-level error
step zip "syft" "$bin/syft" scan "dir:$u" -q -o "cyclonedx-json=$tmp/syft-zip.json"
rm -rf "$u"
step zip "shipcheck scan" "$tmp/shipcheck" scan "$big/big-function.zip" --db "$tmp/scdb" --offline \
	--output "json=$tmp/sc-zip.json" --output "cyclonedx-json=$tmp/sc-zip.cdx.json"

# The image.
step image "osv-scanner scan image" "$bin/osv-scanner" scan image --archive "$big/big-image.tar" --experimental-disable-plugins baseimage \
	--offline-vulnerabilities --no-resolve --local-db-path "$tmp/osvdb" --format json --output-file "$tmp/osv-img.json"
step image "gitleaks dir" "$bin/gitleaks" dir "$big/big-image.tar" --max-archive-depth 8 --no-banner --exit-code 0 -f json \
	-r "$tmp/gl-img.json" --log-level error
step image "syft" "$bin/syft" scan "docker-archive:$big/big-image.tar" -q -o "cyclonedx-json=$tmp/syft-img.json"
step image "shipcheck scan" "$tmp/shipcheck" scan "$big/big-image.tar" --db "$tmp/scdb" --offline \
	--output "json=$tmp/sc-img.json" --output "cyclonedx-json=$tmp/sc-img.cdx.json"

python3 - "$results" <<'EOF'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
for group in ("zip", "image"):
    print(f"\n{group}: {'big-function.zip' if group == 'zip' else 'big-image.tar'}")
    print(f"  {'step':<28}{'wall s':>9}{'peak RSS MB':>13}")
    peers_s, peers_mb, sc = 0.0, 0.0, None
    for g, label, t in rows:
        if g != group:
            continue
        s, kb = t.split()
        s, mb = float(s), int(kb) / 1024
        print(f"  {label:<28}{s:>9.2f}{mb:>13.0f}")
        if label == "shipcheck scan":
            sc = (s, mb)
        else:
            peers_s += s
            peers_mb = max(peers_mb, mb)
    print(f"  {'peers: sum / largest':<28}{peers_s:>9.2f}{peers_mb:>13.0f}")
    print(f"  shipcheck is {peers_s / sc[0]:.1f}x faster than the peers' sum; peak memory {sc[1]:.0f} MB against the largest peer's {peers_mb:.0f} MB ({sc[1] / peers_mb:.2f}x)")
EOF
