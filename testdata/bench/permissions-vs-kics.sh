#!/usr/bin/env bash
# permissions-vs-kics.sh [WORKDIR] : the least-privilege findings of
# `shipcheck permissions` beside those of KICS (Checkmarx) on the same
# templates: permissions/testdata (SAM, CloudFormation JSON, serverless.yml
# and .json, Terraform HCL and JSON, a Terraform module) and, when it is
# there, ../shared/corpus/iac.
#
# KICS v2.2.0 is built from the Go module proxy into WORKDIR (about 18 min
# on 2 cores the first time); its queries and libraries come from the same
# module. Only KICS's IAM and Lambda-permission queries are printed (their
# names mention IAM, policy, privilege, role, permission, principal,
# function URL or exfiltration); every other result (tags, encryption,
# dead-letter queues, tracing) is counted.
# SHIPCHECK=path uses a built binary instead of building ./cmd/shipcheck.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
ver=v2.2.0
sc=${SHIPCHECK:-}
if [ -z "$sc" ]; then
	sc=$work/shipcheck
	(cd "$root" && go build -o "$sc" ./cmd/shipcheck)
fi
mod=$(cd "$work" && go mod download -json "github.com/Checkmarx/kics/v2@$ver" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
if [ ! -x "$work/bin/console" ]; then
	echo "building KICS $ver (once)..." >&2
	GOBIN=$work/bin go install "github.com/Checkmarx/kics/v2/cmd/console@$ver"
fi
targets=("$root/permissions/testdata")
[ -d "$root/../shared/corpus/iac" ] && targets+=("$root/../shared/corpus/iac")
for dir in "${targets[@]}"; do
	echo "== $dir"
	out=$work/out/$(basename "$(dirname "$dir")")-$(basename "$dir")
	mkdir -p "$out"
	TMPDIR=$work "$work/bin/console" scan -p "$dir" -o "$out" --report-formats json --output-name results \
		--queries-path "$mod/assets/queries" --libraries-path "$mod/assets/libraries" \
		--disable-secrets --ci --no-progress --log-path "$out/kics.log" >"$out/stdout.txt" 2>&1 || true
	echo "-- KICS $ver (IAM and Lambda queries)"
	python3 - "$out/results.json" "$dir" <<'PY'
import json, re, sys
res = json.load(open(sys.argv[1]))
iam = re.compile(r'IAM|polic|privilege|role|permission|principal|function url|exfiltration', re.I)
hygiene = re.compile(r'access analyzer|dead letter|x-ray|hardcoded|s3 bucket', re.I)
rows, other = [], 0
for q in res.get('queries', []):
    for f in q['files']:
        if iam.search(q['query_name']) and not hygiene.search(q['query_name']):
            rows.append((f['file_name'].split(sys.argv[2].rstrip('/') + '/')[-1], f['line'], q['severity'], q['query_name']))
        else:
            other += 1
for r in sorted(rows):
    print(f'{r[0]}:{r[1]}\t{r[2]}\t{r[3]}')
print(f'({len(rows)} IAM/Lambda results, {other} others)')
PY
	echo "-- shipcheck permissions"
	("$sc" permissions "$dir" --fail-on-permissions never --output json 2>/dev/null || true) | python3 -c '
import json, sys
r = json.load(sys.stdin)
rows = [(f["file"].lstrip("/").removeprefix("var/task/"), f["line"], f["severity"], f["rule"], f["function"]) for d in r["deployments"] for f in (d.get("permissions") or {}).get("findings", [])]
for x in sorted(rows):
    print(f"{x[0]}:{x[1]}\t{x[2]}\t{x[3]}\t{x[4]}")
print(f"({len(rows)} findings)")'
done
