#!/usr/bin/env bash
# maven-coords.sh [WORKDIR] : Maven coordinates of real jars against the truth
# that Debian's own Maven repository gives for them.
#
#   apt-get install -y --no-install-recommends $(cat testdata/bench/maven-coords.packages)
#   testdata/bench/maven-coords.sh /tmp/maven-coords
#
# (maven-coords.packages: the 177 of Debian 12's lib*-java packages the
# figures in the README were taken with; any others do as well.)
#
# Every jar of /usr/share/java (symlinks resolved, each file once) that
# /usr/share/maven-repo links to goes into a Lambda-like layer zip as
# java/lib/NAME.jar, twice: once under Debian's own file name
# (commons-collections3-3.2.2.jar: a jar copied out of a Debian image) and
# once under the name Maven gives it (commons-collections-3.2.2.jar). The
# truth for a jar is every groupId:artifactId:version of the maven-repo .pom
# files beside the links to it (groupId and version from <parent> where the
# pom has none; the placeholder versions "debian" and "N.x" left out). The
# zips are scanned by shipcheck (`shipcheck sbom`, CycloneDX) and, when
# $PEERS/bin/syft exists, by syft (syft-json); a jar counts as right when one
# of the packages found at it (the jar itself, or a pom.properties inside it)
# has the coordinates of one of its truths. Prints, per tool and naming, the
# count right, the counts for the group:artifact and for the version alone,
# the same over the jars with no META-INF/maven/**/pom.properties, the jars
# right that also get a wrong package for the jar itself (not one found
# inside it), and each jar not right with what was found.
#
# SHIPCHECK=path uses a built binary instead of building ./cmd/shipcheck.
# Without WORKDIR, a temporary folder is used and removed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -ge 1 ]; then
	work=$1
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
syft=${PEERS:-$HOME/peers}/bin/syft
[ -d /usr/share/maven-repo ] || { echo "no /usr/share/maven-repo: install some of Debian's lib*-java packages" >&2; exit 2; }
mkdir -p "$work"

shipcheck=${SHIPCHECK:-}
if [ -z "$shipcheck" ]; then
	shipcheck=$work/shipcheck
	(cd "$root" && go build -o "$shipcheck" ./cmd/shipcheck)
fi

# truth.json and the two zips.
python3 - "$work" <<'EOF'
import json, os, re, sys, zipfile
import xml.etree.ElementTree as ET

work = sys.argv[1]
REPO = "/usr/share/maven-repo"

def local(tag):
    return tag.rsplit("}", 1)[-1]

def child(el, name):
    for c in el:
        if local(c.tag) == name:
            return c
    return None

def text(el, name):
    c = child(el, name) if el is not None else None
    return (c.text or "").strip() if c is not None else ""

def placeholder(v):
    return v in ("", "debian") or re.fullmatch(r"[0-9]+(\.[0-9]+)*\.x", v) is not None

truth = {}  # real jar path -> {"coords": [[g, a, v]], "maven_name": "a-v.jar"}
for dirpath, _, files in os.walk(REPO):
    for f in files:
        if not f.endswith(".pom"):
            continue
        jar = os.path.join(dirpath, f[:-4] + ".jar")
        if not os.path.exists(jar):
            continue
        try:
            pom = ET.parse(os.path.join(dirpath, f)).getroot()
        except ET.ParseError:
            continue
        parent = child(pom, "parent")
        g = text(pom, "groupId") or text(parent, "groupId")
        a = text(pom, "artifactId")
        v = text(pom, "version") or text(parent, "version")
        if not g or not a or placeholder(v):
            continue
        real = os.path.realpath(jar)
        t = truth.setdefault(real, {"coords": [], "maven_name": ""})
        if [g, a, v] not in t["coords"]:
            t["coords"].append([g, a, v])
        if not t["maven_name"]:
            t["maven_name"] = "%s-%s.jar" % (a, v)

jars, no_truth = [], []
for name in sorted(os.listdir("/usr/share/java")):
    p = os.path.join("/usr/share/java", name)
    if not name.endswith(".jar") or not os.path.isfile(p):
        continue
    real = os.path.realpath(p)
    if real in (j["real"] for j in jars) or real in no_truth:
        continue
    if real not in truth:
        no_truth.append(real)
        continue
    try:
        with zipfile.ZipFile(real) as z:
            has_pom = any(re.fullmatch(r"META-INF/maven/[^/]+/[^/]+/pom\.properties", n) for n in z.namelist())
    except zipfile.BadZipFile:
        no_truth.append(real)
        continue
    jars.append({"real": real, "debian_name": os.path.basename(real), "maven_name": truth[real]["maven_name"],
                 "coords": truth[real]["coords"], "pom_properties": has_pom})

for mode in ("debian", "maven"):
    used = set()
    with zipfile.ZipFile(os.path.join(work, mode + ".zip"), "w", zipfile.ZIP_STORED) as z:
        for j in jars:
            n = j[mode + "_name"]
            while n in used:  # two files with one name: keep both
                n = "x-" + n
            used.add(n)
            j[mode + "_zip_name"] = n
            z.write(j["real"], "java/lib/" + n)
json.dump({"jars": jars, "no_truth": no_truth}, open(os.path.join(work, "truth.json"), "w"), indent=1)
print("%d jars with maven-repo coordinates (%d without pom.properties); %d jars of /usr/share/java without"
      % (len(jars), sum(not j["pom_properties"] for j in jars), len(no_truth)))
EOF

for mode in debian maven; do
	"$shipcheck" sbom "$work/$mode.zip" --as layer --allow-partial -q --output "cyclonedx-json=$work/shipcheck-$mode.json" || [ $? -eq 1 ]
	if [ -x "$syft" ]; then
		"$syft" scan "$work/$mode.zip" -q -o "syft-json=$work/syft-$mode.json" || echo "syft failed on $mode.zip" >&2
	fi
done

python3 - "$work" <<'EOF'
import json, os, sys
from urllib.parse import unquote

work = sys.argv[1]
truth = json.load(open(os.path.join(work, "truth.json")))
jars = truth["jars"]

def parse_purl(p):
    # pkg:maven/GROUP/ARTIFACT@VERSION?...
    if not p.startswith("pkg:maven/"):
        return None
    p = p[len("pkg:maven/"):].split("?")[0].split("#")[0]
    ga, _, v = p.partition("@")
    g, _, a = ga.rpartition("/")
    return (unquote(g), unquote(a), unquote(v))

def jar_of(path):
    # the java/lib/NAME.jar a location is in, and whether it is inside it
    i = path.find("java/lib/")
    if i < 0:
        return None, False
    rest = path[i + len("java/lib/"):]
    inside = "!" in rest or ":" in rest
    for sep in ("!", ":"):
        rest = rest.split(sep)[0]
    return rest.split("/")[0], inside

def shipcheck(mode):
    bom = json.load(open(os.path.join(work, "shipcheck-%s.json" % mode)))
    found = {}
    for c in bom.get("components", []):
        pu = parse_purl(c.get("purl", ""))
        if not pu:
            continue
        for o in c.get("evidence", {}).get("occurrences", []):
            j, inside = jar_of(o.get("location", ""))
            if j:
                found.setdefault(j, []).append((pu, inside))
    return found

def syft(mode):
    p = os.path.join(work, "syft-%s.json" % mode)
    if not os.path.exists(p):
        return None
    doc = json.load(open(p))
    found = {}
    for a in doc.get("artifacts", []):
        pu = parse_purl(a.get("purl", ""))
        if not pu:
            continue
        paths = [a.get("metadata", {}).get("virtualPath", "")] + [l.get("path", "") for l in a.get("locations", [])]
        for path in paths:
            j, inside = jar_of(path or "")
            if j:
                found.setdefault(j, []).append((pu, inside))
                break
    return found

def score(tool, mode, found):
    rows = {"all": [0, 0, 0, 0], "no pom.properties": [0, 0, 0, 0]}  # right, g:a right, version right, total
    wrong, extra = [], []
    for j in jars:
        got = sorted(set(pu for pu, _ in found.get(j[mode + "_zip_name"], [])))
        want = [tuple(c) for c in j["coords"]]
        if any(pu not in want for pu, inside in found.get(j[mode + "_zip_name"], []) if not inside) and \
                any(pu in want for pu in got):
            extra.append(j[mode + "_zip_name"])
        ok = any(g in want for g in got)
        ga = any(g[:2] == w[:2] for g in got for w in want)
        ver = any(g[2] == w[2] for g in got for w in want)
        for k in ("all",) + (() if j["pom_properties"] else ("no pom.properties",)):
            r = rows[k]
            r[0] += ok; r[1] += ga; r[2] += ver; r[3] += 1
        if not ok:
            wrong.append((j[mode + "_zip_name"], want, got, j["pom_properties"]))
    print("%-9s %-6s names: %s; %d right with a wrong one beside (%s)" % (tool, mode, "; ".join(
        "%s %d/%d right (group:artifact %d, version %d)" % (k, r[0], r[3], r[1], r[2]) for k, r in rows.items()),
        len(extra), " ".join(extra)))
    return wrong

report = []
for mode in ("debian", "maven"):
    report.append(("shipcheck", mode, score("shipcheck", mode, shipcheck(mode))))
    s = syft(mode)
    if s is not None:
        report.append(("syft", mode, score("syft", mode, s)))
for tool, mode, wrong in report:
    print("\n%s, %s names: %d not right" % (tool, mode, len(wrong)))
    for name, want, got, pomprops in wrong:
        fmt = lambda cs: ", ".join("%s:%s@%s" % c for c in cs) or "nothing"
        print("  %s%s\n    want %s\n    got  %s" % (name, " (pom.properties)" if pomprops else "", fmt(want), fmt(got)))
EOF
