#!/usr/bin/env bash
# real-artifacts.sh [OUT_DIR] [npm|npm2|python|java ...]
#
# Builds real deployment artifacts from pinned inputs, then runs `shipcheck
# scan` and its peers (osv-scanner, gitleaks, syft) on each of them side by
# side in one run, printing every step and a table per artifact. Unlike
# make-big.py's repeated corpus, nothing here is repeated: these are real
# installs, so caches keyed on identical files get no free ride.
#
#   testdata/bench/real-artifacts.sh                      # all four, into /work/bench/real
#   testdata/bench/real-artifacts.sh /work/bench/real npm java
#   FORCE=1 testdata/bench/real-artifacts.sh              # rebuild the artifacts too
#   SHIPCHECK=/path/to/shipcheck testdata/bench/real-artifacts.sh   # a prebuilt binary
#   BUILD_ONLY=1 testdata/bench/real-artifacts.sh         # build, do not run
#
# Needs: node + npm (the npm registry), apt-get/dpkg-deb (Debian 12 archive;
# `apt-get update` is run if the index lacks a pinned version), javac, zip,
# unzip, python3, /usr/bin/time, Go (to build shipcheck, and to fetch
# gitleaks' default config if the module cache lacks it), the peers in
# ${PEERS:-$HOME/peers}/bin (../shared/tools/setup-peers.sh osv-scanner
# gitleaks syft) and the OSV exports in ../shared/osv (OSV_DIR overrides).
#
# The artifacts (OUT_DIR, default /work/bench/real; one is rebuilt only if
# missing or FORCE=1). Pins live under testdata/bench/real/:
#   npm-lambda.zip     npm/: package.json + package-lock.json (aws-sdk v2,
#                      googleapis, @aws-sdk/client-s3 and -dynamodb v3,
#                      typescript, mongoose, express, lodash, moment) and
#                      index.js. `npm ci --omit=dev --ignore-scripts`; the zip
#                      holds index.js, package.json and node_modules.
#   npm-lambda-2.zip   npm2/: the same build with a different set
#                      ("@acme/billing-api": firebase-admin, @google-cloud/*,
#                      @azure/*, stripe, twilio, sequelize, pg, openai,
#                      @sentry/node, exceljs, mathjs, graphql, ...).
#   python-lambda.zip  python/packages.txt: Debian 12 python3-* packages
#                      (name=version; boto3/botocore, numpy, pandas,
#                      cryptography, ...), `apt-get download`ed at exactly
#                      those versions, extracted with dpkg-deb -x; the
#                      contents of usr/lib/python3/dist-packages go to the
#                      zip's root (packages beside their .dist-info /
#                      .egg-info, as in a Lambda zip), with lambda_function.py.
#   java-lambda.zip    java/packages.txt: Debian 12 lib*-java packages; the
#                      real jar files of /usr/share/java (no symlinks, no
#                      duplicate content) go to lib/, with
#                      com/acme/orders/Handler.class compiled from
#                      java/Handler.java (javac --release 11).
# The lockfiles (package-lock.json, and npm's hidden
# node_modules/.package-lock.json) are left out of the npm zips, so every
# tool has to read the installed packages themselves. Symlinks are resolved
# (zip stores what they point to, as a plain `zip -r` would; npm's
# node_modules/.bin links become files); a Debian symlink pointing outside the
# extracted packages (werkzeug's jquery.js -> /usr/share/javascript) is
# dropped. Entries are sorted, timestamps fixed (2024-01-01) and extra fields
# left out (zip -X), so the same pins give the same zip bytes: real/SHA256SUMS
# holds them (Info-ZIP zip 3.0, javac 17, npm 11, 2026-12-03; python and java
# 2026-12-04, pins moved), and a build says whether it matched.
# Reproducibility caveat: the Debian mirror serves only the current version
# of a package in each suite; when a point release or security update
# supersedes a pinned version, `apt-get download` fails and the pin must be
# moved (the script says which one).
#
# The run, per artifact (page cache warmed first by cat-ing the zip):
#   unzip -p (floor)         unzip -p ZIP >/dev/null: reading and inflating
#                            every entry, nothing written; the least any tool
#                            reading the whole zip can take.
#   unzip                    unzip -q into a temp folder: the peers read
#                            folders, so a user unpacks first.
#   osv-scanner scan source  offline, --local-db-path built from ../shared/osv
#                            (as scan-vs-peers.sh), with its artifact plugins.
#   gitleaks dir             default config: it skips node_modules/,
#                            python*/ and *.dist-info/ paths without reading.
#   gitleaks dir, third-party included
#                            the default config minus those path allowlist
#                            entries (node_modules, site-packages, dist-info,
#                            python, vendor, virtualenv): reads the third-party
#                            code too, as shipcheck does. Not in the peers' sum.
#   syft                     syft scan dir:FOLDER, CycloneDX JSON.
#   shipcheck scan           the zip itself, offline, its own database
#                            (shipcheck db import ../shared/osv, before
#                            timing); exit 1 (findings) is a success.
#   shipcheck scan (second run)  the same command again, right after.
#   shipcheck scan, full third-party scan   --third-party-scan full.
#   shipcheck scan, no secret scan          --no-secrets.
# A flag this shipcheck binary does not know is reported "skipped: flag
# unknown". Columns: wall seconds and peak RSS (/usr/bin/time -f "%e %M"),
# and for the secret scanners the number of findings (gitleaks: entries of
# its JSON report; shipcheck: deployments[0].secrets.findings of its JSON report).
# "peers' sum" = unzip + osv-scanner + gitleaks dir (default config) + syft
# (a peer that failed is left out, and said so); the ratio is that sum over
# the first `shipcheck scan`. A failing step is shown with the end of its
# stderr; the script exits 1 at the end if a shipcheck step failed (a peer's
# failure is a result, not an error). Below each table, to see what
# work the tools did: packages (syft's CycloneDX components with a purl, its
# file components apart; shipcheck's packages) and advisory matches,
# distinct (package, version, advisory id) (osv-scanner lists a package once
# per place it read it from).
#
# Reading the numbers (peers as configured above, seen 2026-12-03):
#  - syft's directory scan reads npm lockfiles only (its package.json
#    cataloger is for images): with no lockfile it finds no npm packages.
#  - osv-scanner's javascript/packagejson plugin stops the whole scan (exit
#    127) on a package.json whose "author" is an array (toposort-class, under
#    sequelize, in npm-lambda-2.zip); without that plugin it finds no package
#    in a lockfile-less node_modules, so there is no fair fallback.
#  - gitleaks dir does not open archives (no --max-archive-depth, as
#    scan-vs-peers.sh runs it on folders): in java-lambda.zip it reads no jar.
#  - A Lambda zip puts Python packages at the top level, so gitleaks' default
#    python*/lib path allowlist does not apply: both gitleaks lines read them
#    (only *.dist-info folders differ).
#  - ../shared/osv has no Maven and only old npm advisories (NSWG): expect
#    no vulnerabilities in the Java and npm artifacts.
#  - syft's packages are counted per place found, shipcheck's once with
#    every location: cryptography (.dist-info and .egg-info) is two of syft's
#    in python-lambda.zip; in java-lambda.zip the four libraries that
#    httpclient-osgi.jar embeds are listed again, and a jar whose file name
#    is not its artifact's (jetty9-*.jar, pdfbox2*.jar: 24 jars) twice, by
#    its pom.properties and by its manifest. testdata/bench/compare-sbom.py
#    SHIPCHECK ZIP... compares the packages themselves.
# Every tool runs with XDG_CACHE_HOME in the temp folder, so no cache from an
# earlier run of this script is used; the second shipcheck run sees whatever
# the first one left there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pins=$here/real
shared=${SHIPCHECK_SHARED:-$root/../shared}
osv=${OSV_DIR:-$shared/osv}
bin=${PEERS:-$HOME/peers}/bin
all_kinds=(npm npm2 python java)

# Arguments: an optional OUT_DIR first, then artifact kinds.
out=/work/bench/real
if [ $# -gt 0 ] && [[ ! " ${all_kinds[*]} " =~ " $1 " ]]; then
	out=$1
	shift
fi
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=("${all_kinds[@]}")
for k in "${kinds[@]}"; do
	[[ " ${all_kinds[*]} " =~ " $k " ]] || { echo "unknown artifact '$k': choose from ${all_kinds[*]}" >&2; exit 2; }
done
zip_of() {
	case $1 in
	npm) echo npm-lambda.zip ;;
	npm2) echo npm-lambda-2.zip ;;
	python) echo python-lambda.zip ;;
	java) echo java-lambda.zip ;;
	esac
}

for t in osv-scanner gitleaks syft; do
	[ -x "$bin/$t" ] || { echo "$t not in $bin: run $shared/tools/setup-peers.sh osv-scanner gitleaks syft" >&2; exit 2; }
done
for t in npm apt-get dpkg-deb javac zip unzip python3 go /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "$t not found" >&2; exit 2; }
done
[ -d "$osv" ] || { echo "no OSV exports at $osv (set OSV_DIR)" >&2; exit 2; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC LC_ALL=C

# ---------------------------------------------------------------- building

# zipdir DIR ZIP: zip DIR's contents (sorted, fixed times, no extra fields).
zipdir() {
	local dir=$1 zip=$2
	rm -f "$zip.part"
	(
		cd "$dir"
		chmod -R u+rwX,go+rX,go-w .
		find . -mindepth 1 -exec touch -h -d '2024-01-01 00:00:00' {} +
		find . -mindepth 1 | sed 's|^\./||' | sort | zip -X -q "$zip.part" -@
	)
	mv "$zip.part" "$zip"
}

# read_pins FILE: the name=version lines of a pin list (comments dropped).
read_pins() {
	sed -e 's/#.*//' -e 's/[[:space:]]//g' "$1" | grep -v '^$'
}

# fetch_debs PINS DIR: apt-get download exactly the pinned versions into DIR.
fetch_debs() {
	local list=$1 dir=$2 p missing=()
	local -a want
	mapfile -t want < <(read_pins "$list")
	# served NAME=VERSION: the index offers exactly that version
	# (`apt-cache show NAME=VERSION` exits 0 even when it does not).
	served() {
		apt-cache madison "${1%%=*}" 2>/dev/null | awk -F'|' -v v="${1#*=}" '{ gsub(/ /, "", $2) } $2 == v { f = 1 } END { exit !f }'
	}
	for p in "${want[@]}"; do
		served "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "    apt index lacks ${missing[*]}: apt-get update"
		apt-get update -qq
		missing=()
		for p in "${want[@]}"; do
			served "$p" || missing+=("$p")
		done
		if [ ${#missing[@]} -gt 0 ]; then
			echo "the Debian archive no longer serves: ${missing[*]}" >&2
			echo "(superseded by a point release or security update: move the pin in $list)" >&2
			exit 2
		fi
	fi
	mkdir -p "$dir"
	echo "    apt-get download ${#want[@]} packages (pinned in ${list#"$root"/})"
	(cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "${want[@]}")
	[ "$(find "$dir" -name '*.deb' | wc -l)" -eq ${#want[@]} ] || { echo "expected ${#want[@]} .deb files in $dir" >&2; exit 2; }
}

# build_npm PINDIR ZIP: npm ci from the pinned lockfile, zip the install.
build_npm() {
	local src=$1 zip=$2 b
	b=$(mktemp -d "$tmp/build.XXXX")
	cp "$src/package.json" "$src/package-lock.json" "$src/index.js" "$b/"
	echo "    npm ci --omit=dev --ignore-scripts (lockfile ${src#"$root"/}/package-lock.json)"
	(cd "$b" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
	rm -f "$b/package-lock.json" "$b/node_modules/.package-lock.json"
	echo "    zip index.js package.json node_modules"
	zipdir "$b" "$zip"
	rm -rf "$b"
}

# build_python ZIP: Debian dist-packages at the zip root, plus the handler.
build_python() {
	local zip=$1 b d l t
	b=$(mktemp -d "$tmp/build.XXXX")
	fetch_debs "$pins/python/packages.txt" "$b/debs"
	echo "    dpkg-deb -x each into one root"
	for d in "$b"/debs/*.deb; do dpkg-deb -x "$d" "$b/root"; done
	mkdir "$b/zip"
	cp -a "$b/root/usr/lib/python3/dist-packages/." "$b/zip/"
	# Symlinks: point them into the extracted root, copy what they reach,
	# drop those that reach nothing there.
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		case $t in
		/*) t=$b/root$t ;;
		*) t=$b/root/usr/lib/python3/dist-packages/$(dirname "${l#"$b"/zip/}")/$t ;;
		esac
		rm "$l"
		if [ -f "$t" ]; then
			cp "$t" "$l"
		else
			echo "    dropped ${l#"$b"/zip/} (a link to $(basename "$t"), not in these packages)"
		fi
	done < <(find "$b/zip" -type l -print0)
	cp "$pins/python/lambda_function.py" "$b/zip/"
	echo "    zip dist-packages contents + lambda_function.py"
	zipdir "$b/zip" "$zip"
	rm -rf "$b"
}

# build_java ZIP: the real jars of /usr/share/java in lib/, plus the handler.
build_java() {
	local zip=$1 b j h
	b=$(mktemp -d "$tmp/build.XXXX")
	fetch_debs "$pins/java/packages.txt" "$b/debs"
	echo "    dpkg-deb -x each into one root"
	for d in "$b"/debs/*.deb; do dpkg-deb -x "$d" "$b/root"; done
	mkdir -p "$b/zip/lib"
	declare -A seen=()
	while IFS= read -r j; do
		h=$(sha256sum "$j" | cut -d' ' -f1)
		[ -z "${seen[$h]:-}" ] || { echo "    skipped $(basename "$j"): same bytes as ${seen[$h]}"; continue; }
		seen[$h]=$(basename "$j")
		cp "$j" "$b/zip/lib/"
	done < <(find "$b/root/usr/share/java" -maxdepth 1 -name '*.jar' -type f | sort)
	echo "    $(find "$b/zip/lib" -type f | wc -l) jars to lib/; javac --release 11 Handler.java"
	javac --release 11 -d "$b/zip" "$pins/java/Handler.java"
	zipdir "$b/zip" "$zip"
	rm -rf "$b"
}

echo "== artifacts in $out"
for k in "${kinds[@]}"; do
	z=$out/$(zip_of "$k")
	if [ -f "$z" ] && [ "${FORCE:-0}" != 1 ]; then
		echo "-- $(basename "$z"): exists, not rebuilt (FORCE=1 rebuilds)"
		continue
	fi
	echo "-- building $(basename "$z")"
	t0=$SECONDS
	case $k in
	npm) build_npm "$pins/npm" "$z" ;;
	npm2) build_npm "$pins/npm2" "$z" ;;
	python) build_python "$z" ;;
	java) build_java "$z" ;;
	esac
	sum=$(sha256sum "$z" | cut -d' ' -f1)
	echo "    built in $((SECONDS - t0)) s: $(du -h "$z" | cut -f1) zipped, sha256 ${sum:0:16}"
	if grep -q "^$sum  $(basename "$z")\$" "$pins/SHA256SUMS"; then
		echo "    same bytes as real/SHA256SUMS"
	else
		echo "    NOTE: not the bytes of real/SHA256SUMS (another zip/javac/npm version, or a moved pin?)"
	fi
done

[ "${BUILD_ONLY:-0}" != 1 ] || exit 0

# ---------------------------------------------------------------- the tools

echo "== preparing the tools (untimed)"
if [ -n "${SHIPCHECK:-}" ]; then
	cp "$SHIPCHECK" "$tmp/shipcheck"
	echo "-- shipcheck: $SHIPCHECK"
else
	echo "-- go build -o \$tmp/shipcheck ./cmd/shipcheck"
	(cd "$root" && go build -o "$tmp/shipcheck" ./cmd/shipcheck)
fi
sc=$tmp/shipcheck
echo "-- shipcheck db import ${osv#"$root"/}"
"$sc" db import "$osv" --db "$tmp/scdb" >/dev/null
# Flags of this build (the other flags are as old as `scan` itself).
sc_help=$("$sc" scan --help 2>&1)
has_flag() { grep -q -- "$1" <<<"$sc_help"; }

# osv-scanner's --local-db-path: <dir>/osv-scalibr/<Eco>/all.zip, every
# ecosystem it may ask for present (an empty all.zip where there is no
# export), or it stops matching. As in scan-vs-peers.sh.
echo "-- osv-scanner local db from ${osv#"$root"/}"
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

# gitleaks' default config without the path allowlist entries that skip
# third-party code. The default TOML ships in the gitleaks module (the binary
# cannot print it); the version follows the installed binary.
gl_ver=v$("$bin/gitleaks" version)
gl_toml=$(go env GOMODCACHE)/github.com/zricethezav/gitleaks/v8@$gl_ver/config/gitleaks.toml
if [ ! -f "$gl_toml" ]; then
	echo "-- go mod download github.com/zricethezav/gitleaks/v8@$gl_ver (for its default config)"
	(cd "$tmp" && GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download github.com/zricethezav/gitleaks/v8@"$gl_ver")
fi
echo "-- gitleaks config, third-party included: default minus its node_modules/python/dist-info/vendor path allowlist"
# Only inside the global [allowlist] paths = [ ... ]: rule keywords and
# descriptions that mention python stay.
awk '
	/^\[allowlist\]/ { g = 1 }
	/^\[\[/ { g = 0 }
	g && /^paths = \[/ { p = 1; print; next }
	p && /^\]/ { p = 0 }
	p && tolower($0) ~ /node_modules|site-packages|dist-info|python|vendor|virtualenv/ { dropped++; next }
	{ print }
	END { printf "    dropped %d allowlist paths\n", dropped > "/dev/stderr" }
' "$gl_toml" >"$tmp/gitleaks-thirdparty.toml"

export SYFT_CHECK_FOR_APP_UPDATE=false GOTOOLCHAIN=local DO_NOT_TRACK=1
export XDG_CACHE_HOME=$tmp/cache
mkdir -p "$XDG_CACHE_HOME"

# ---------------------------------------------------------------- the run

results=$tmp/results
: >"$results"
failed=0
# step ART LABEL COUNTER COMMAND...: run once under /usr/bin/time; record
# ART|LABEL|seconds|KB|secrets|note. COUNTER (gitleaks, shipcheck or -) names
# how to count secret findings in the report the command wrote ($report).
report=
step() {
	local art=$1 label=$2 counter=$3
	shift 3
	local rc=0 n=-
	printf '   %-40s' "$label"
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	# exit 1 means findings (shipcheck, osv-scanner): the work was done
	if [ $rc -gt 1 ]; then
		echo "FAILED (exit $rc)"
		tail -5 "$tmp/err" | sed 's/^/      /'
		echo "$art|$label|||-|failed (exit $rc)" >>"$results"
		# a peer failing is a result; shipcheck failing fails the run
		[[ $label != shipcheck* ]] || failed=1
		return 0
	fi
	case $counter in
	gitleaks) n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])) or []))' "$report") ;;
	shipcheck) n=$(python3 -c 'import json,sys; print(len((json.load(open(sys.argv[1]))["deployments"][0].get("secrets") or {}).get("findings") or []))' "$report") ;;
	esac
	read -r s kb < <(tail -n 1 "$tmp/time")
	printf '%8.2f s %7.0f MB%s\n' "$s" "$(awk -v kb="$kb" 'BEGIN { print kb / 1024 }')" "$([ "$n" = - ] || echo "   $n secrets")"
	echo "$art|$label|$s|$kb|$n|" >>"$results"
}
skip() {
	printf '   %-40s%s\n' "$2" "skipped: flag unknown ($3)"
	echo "$1|$2|||-|skipped: flag unknown ($3)" >>"$results"
}

for k in "${kinds[@]}"; do
	name=$(zip_of "$k")
	z=$out/$name
	echo "== $name"
	# unpacked size and file count, from the zip's directory
	python3 - "$z" "$k" >>"$tmp/sizes" <<'EOF'
import sys, zipfile
z, k = sys.argv[1:]
files = [i for i in zipfile.ZipFile(z).infolist() if not i.is_dir()]
print(f"{k}|{len(files)}|{sum(i.file_size for i in files)}")
EOF
	tail -n 1 "$tmp/sizes" | awk -F'|' '{printf "   %d files, %.0f MB unpacked (%.0f MiB)\n", $2, $3 / 1e6, $3 / 1048576}'
	cat "$z" >/dev/null # page cache warm for everyone

	step "$k" "unzip -p (floor)" - sh -c 'unzip -p "$1" >/dev/null' sh "$z"

	u=$tmp/unzipped
	rm -rf "$u"
	step "$k" "unzip" - unzip -q "$z" -d "$u"
	report=$tmp/osv-$k.json
	step "$k" "osv-scanner scan source" - "$bin/osv-scanner" scan source -r "$u" --allow-no-lockfiles --offline-vulnerabilities --no-resolve \
		--local-db-path "$tmp/osvdb" --experimental-plugins lockfile,sbom,directory,artifact,javascript/packagejson \
		--format json --output-file "$report"
	report=$tmp/gl-$k.json
	step "$k" "gitleaks dir" gitleaks "$bin/gitleaks" dir "$u" --no-banner --exit-code 0 -f json -r "$report" --log-level error
	report=$tmp/gl3-$k.json
	step "$k" "gitleaks dir, third-party included" gitleaks "$bin/gitleaks" dir "$u" -c "$tmp/gitleaks-thirdparty.toml" \
		--no-banner --exit-code 0 -f json -r "$report" --log-level error
	report=$tmp/syft-$k.json
	step "$k" "syft" - "$bin/syft" scan "dir:$u" -q -o "cyclonedx-json=$report"
	rm -rf "$u"

	report=$tmp/sc-$k.json
	step "$k" "shipcheck scan" shipcheck "$sc" scan "$z" --db "$tmp/scdb" --offline -o "json=$report"
	report=$tmp/sc2-$k.json
	step "$k" "shipcheck scan (second run)" shipcheck "$sc" scan "$z" --db "$tmp/scdb" --offline -o "json=$report"
	report=$tmp/scfull-$k.json
	if has_flag --third-party-scan; then
		step "$k" "shipcheck scan, full third-party scan" shipcheck "$sc" scan "$z" --db "$tmp/scdb" --offline \
			--third-party-scan full -o "json=$report"
	else
		skip "$k" "shipcheck scan, full third-party scan" --third-party-scan
	fi
	report=$tmp/scnosec-$k.json
	if has_flag --no-secrets; then
		step "$k" "shipcheck scan, no secret scan" - "$sc" scan "$z" --db "$tmp/scdb" --offline --no-secrets -o "json=$report"
	else
		skip "$k" "shipcheck scan, no secret scan" --no-secrets
	fi

	# The table for this artifact.
	python3 - "$results" "$tmp/sizes" "$k" "$name" "$tmp" <<'EOF'
import json, os, sys
results, sizes, k, name, tmp = sys.argv[1:]
rows = [l.rstrip("\n").split("|") for l in open(results) if l.startswith(k + "|")]
size = [l.rstrip("\n").split("|") for l in open(sizes) if l.startswith(k + "|")][-1]
print(f"\n{name}: {int(size[1])} files, {int(size[2]) / 1e6:.0f} MB unpacked ({int(size[2]) / 1048576:.0f} MiB)")
print(f"  {'step':<40}{'wall s':>9}{'peak RSS MB':>13}{'secrets':>9}")
t = {}
for _, label, s, kb, n, note in rows:
    if note:
        print(f"  {label:<40} {note}")
        continue
    t[label] = float(s)
    print(f"  {label:<40}{float(s):>9.2f}{int(kb) / 1024:>13.0f}{'' if n == '-' else n:>9}")
peers = ["unzip", "osv-scanner scan source", "gitleaks dir", "syft"]
ran = [p for p in peers if p in t]
if ran:
    total = sum(t[p] for p in ran)
    missing = [p.split()[0] for p in peers if p not in t]
    label = "peers: unzip+osv-scanner+gitleaks+syft" if not missing else f"peers' sum without {'+'.join(missing)}"
    print(f"  {label:<40}{total:>9.2f}")
    if t.get("shipcheck scan"):
        print(f"  peers' sum / shipcheck scan = {total / t['shipcheck scan']:.1f}x" + (f" ({', '.join(missing)} failed: not counted)" if missing else ""))
def load(p):
    try:
        return json.load(open(os.path.join(tmp, p)))
    except (OSError, ValueError):
        return None
syft, osvr, sc = load(f"syft-{k}.json"), load(f"osv-{k}.json"), load(f"sc-{k}.json")
pk = lambda d: "-" if d is None else d
# syft's components: packages (with a purl; one per place found, so a
# package in two places counts twice) and the files they own (type "file":
# every jar, every RECORD entry), which are no packages.
syft_n = syft_files = None
if syft is not None:
    comps = syft.get("components") or []
    syft_files = sum(c.get("type") == "file" for c in comps)
    syft_n = sum(bool(c.get("purl")) for c in comps)
# osv-scanner lists only packages with advisories (no --all-packages), once
# per source it read them from (cryptography: its .dist-info and .egg-info):
# distinct (package, version, advisory) triples, as shipcheck reports them.
osv_n = None
if osvr is not None:
    osv_n = len({(p["package"]["name"].lower(), p["package"]["version"], v["id"])
                 for r in osvr.get("results") or [] for p in r.get("packages") or [] for v in p.get("vulnerabilities") or []})
sc_pk = sc_v = None
if sc is not None:
    dep = sc["deployments"][0]
    sc_pk = len(dep.get("packages") or [])
    sc_v = len({(v["name"].lower(), v["version"], v["id"]) for v in (dep.get("vulnerabilities") or {}).get("findings") or []})
print(f"  packages: syft {pk(syft_n)} (+{pk(syft_files)} file components), shipcheck {pk(sc_pk)}; advisory matches (package, version, id): osv-scanner {pk(osv_n)}, shipcheck {pk(sc_v)}\n")
EOF
done

# One line per artifact, the run at a glance.
python3 - "$results" "$tmp/sizes" <<'EOF'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
sizes = {l.split("|")[0]: l.rstrip("\n").split("|") for l in open(sys.argv[2])}
print("== summary")
stars = ""
print(f"  {'artifact':<10}{'files':>8}{'MB':>6}{'floor s':>9}{'peers s':>9}{'shipcheck s':>13}{'2nd run s':>11}{'ratio':>7}")
for k, sz in sizes.items():
    t = {label: float(s) for a, label, s, kb, n, note in rows if a == k and not note}
    peers = [t.get(p) for p in ("unzip", "osv-scanner scan source", "gitleaks dir", "syft")]
    total = sum(p for p in peers if p is not None) or None
    star = "*" if None in peers else ""
    scs, sc2, floor = t.get("shipcheck scan"), t.get("shipcheck scan (second run)"), t.get("unzip -p (floor)")
    f = lambda v: "-" if v is None else f"{v:.2f}"
    ratio = f"{total / scs:.1f}x" if total and scs else "-"
    print(f"  {k:<10}{sz[1]:>8}{int(sz[2]) / 1e6:>6.0f}{f(floor):>9}{f(total) + star:>9}{f(scs):>13}{f(sc2):>11}{ratio + star:>7}")
    stars = stars or star
if stars:
    print("  * a peer failed: the sum leaves it out")
EOF
exit "$failed"
