#!/usr/bin/env bash
# The archive at scale: N deployments (default 10,000) of about 150
# packages each, archived with `archive add`, then `archive query` and
# `archive rescan` timed, on SQLite and on PostgreSQL.
#
#   testdata/bench/archive-scale.sh [WORKDIR]
#
# The SBOMs are real: shipcheck's SBOMs of three npm installs (express,
# request, mongoose...; koa, sequelize, pg...: 126 to 168 packages) and of
# every corpus artifact (../shared/corpus: PyPI, Maven, Go, RubyGems, Debian);
# deployment i is a copy of one of them under its own name (nine in ten the
# npm ones), made by a symbolic link whose file name names it (the SBOMs'
# metadata.component is removed, so the file name is the deployment's
# name). Advisories: ../shared/osv, imported with `db import`. PostgreSQL:
# a throwaway cluster (.ci/postgres.sh). Needs go, npm, python3.
# Environment: N (deployments), BACKENDS ("sqlite postgres").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-10000}
BACKENDS=${BACKENDS:-sqlite postgres}
SHARED=${SHIPCHECK_SHARED:-$ROOT/../shared}
WORK=${1:-$(mktemp -d /tmp/shipcheck-archive-bench.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
BIN=$WORK/shipcheck
T() { /usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB peak" "$@"; }

(cd "$ROOT" && go build -o "$BIN" ./cmd/shipcheck)

# 1. The real SBOMs.
mkdir -p "$WORK/base" "$WORK/npm"
i=0
for pkgs in "express@4.17.1 request@2.88.0 mongoose@5.9.0 lodash@4.17.15 moment@2.29.1 axios@0.21.1" \
	"express@4.18.2 request@2.88.2 mongoose@6.0.0 lodash@4.17.21 moment@2.29.4 axios@1.6.0" \
	"koa@2.13.0 koa-router@10.0.0 sequelize@6.3.5 pg@8.5.1 jsonwebtoken@8.5.1 minimist@1.2.5 node-fetch@2.6.0 winston@3.3.3 yargs@15.4.1 ajv@6.12.2"; do
	i=$((i + 1))
	d=$WORK/npm/fn$i
	if [ ! -d "$d/node_modules" ]; then
		mkdir -p "$d"
		echo "{\"name\":\"fn$i\",\"version\":\"1.0.0\"}" >"$d/package.json"
		# shellcheck disable=SC2086
		(cd "$d" && npm install --no-audit --no-fund --ignore-scripts --omit=dev --package-lock=false --loglevel=error $pkgs >/dev/null)
	fi
	"$BIN" sbom "$d" --as function -o "cyclonedx-json=$WORK/base/npm-$i.json"
done
for a in "$SHARED"/corpus/*.zip "$SHARED"/corpus/*.tar; do
	"$BIN" sbom "$a" -o "cyclonedx-json=$WORK/base/corpus-$(basename "$a").json" 2>/dev/null || true
done
python3 - "$WORK" "$N" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
base = os.path.join(work, "base")
names = sorted(os.listdir(base))
for b in names:
    p = os.path.join(base, b)
    d = json.load(open(p))
    d["metadata"].pop("component", None)
    json.dump(d, open(p, "w"))
npm = [b for b in names if b.startswith("npm-")]
corpus = [b for b in names if b.startswith("corpus-")]
deps = os.path.join(work, "deps")
os.makedirs(deps, exist_ok=True)
total = 0
for i in range(n):
    b = corpus[(i // 10) % len(corpus)] if i % 10 == 9 else npm[i % len(npm)]
    link = os.path.join(deps, "fn-%05d.json" % i)
    if not os.path.lexists(link):
        os.symlink(os.path.join(base, b), link)
    total += len(json.load(open(os.path.join(base, b))).get("components", []))
print("%d deployments, %.0f components each on average, from %d SBOMs" % (n, total / n, len(names)))
PY

# 2. The advisories.
[ -f "$WORK/osv/osv.db" ] || "$BIN" db import "$SHARED/osv" --db "$WORK/osv" >/dev/null

# 3. Each backend.
run() {
	local name=$1 arch=$2
	echo "== $name"
	echo "archive add, $N SBOMs (2,500 a process):"
	T sh -c "ls '$WORK'/deps/*.json | xargs -n 2500 '$BIN' archive add --archive '$arch' >/dev/null"
	for q in "npm/lodash@<4.17.21" "pkg:npm/express@4.18.2" "npm/minimist@<1.2.6" "PyPI/requests@>=2.20,<2.31" "Debian/libexpat1"; do
		echo "archive query $q ($("$BIN" archive query "$q" --archive "$arch" -o json | grep -c '"deployment"') hits):"
		T "$BIN" archive query "$q" --archive "$arch" -o json >/dev/null
	done
	echo "archive rescan, first (every finding new):"
	T "$BIN" archive rescan --archive "$arch" --db "$WORK/osv" --offline --fail-on never -o "json=$WORK/rescan-$name-1.json" -o table="$WORK/rescan-$name-1.txt"
	tail -n 1 "$WORK/rescan-$name-1.txt"
	echo "archive rescan, again (nothing new):"
	T "$BIN" archive rescan --archive "$arch" --db "$WORK/osv" --offline --fail-on never -o table="$WORK/rescan-$name-2.txt"
	tail -n 1 "$WORK/rescan-$name-2.txt"
	echo "archive rescan --shard 1/2 and 2/2 at once (--dry-run):"
	T sh -c "'$BIN' archive rescan --archive '$arch' --db '$WORK/osv' --offline --fail-on never --dry-run --shard 1/2 -o json=/dev/null &
		'$BIN' archive rescan --archive '$arch' --db '$WORK/osv' --offline --fail-on never --dry-run --shard 2/2 -o json=/dev/null; wait"
}
for b in $BACKENDS; do
	case $b in
	sqlite)
		rm -f "$WORK"/archive.db*
		run sqlite "$WORK/archive.db"
		ls -l "$WORK/archive.db" | awk '{print "SQLite file: " $5 " bytes"}'
		;;
	postgres)
		# shellcheck source=/dev/null
		. "$ROOT/.ci/postgres.sh"
		start_postgres
		run postgres "$SHIPCHECK_TEST_POSTGRES"
		;;
	esac
done
