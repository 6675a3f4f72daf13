#!/usr/bin/env python3
"""compare-sbom.py [SHIPCHECK [ARTIFACT...]] : shipcheck's inventory against syft's, per artifact.

Runs `shipcheck sbom ARTIFACT` and syft (through ../shared/tools/peers-run.py,
as a user would run it) on every artifact of ../shared/corpus, or on the
ARTIFACT paths given (the zips of real-artifacts.sh, say), each on its own
(no layers paired: syft takes one artifact), and prints, per artifact, the
packages each finds and the ones only one of them finds, as
(ecosystem, name, version). shipcheck's application components (the
function's own package, a Go main module) and declared-only components are
counted apart, since syft reports the former as packages too and has no
notion of the latter. syft's file components (it lists the files its
packages own, every jar) are no packages: peers-run keeps only components
with a purl, each (ecosystem, name, version) once. Build the peers first: ../shared/tools/setup-peers.sh syft.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("SHIPCHECK_SHARED", os.path.join(ROOT, "..", "shared"))
CORPUS = os.path.join(SHARED, "corpus")
PURL_ECO = {"npm": "npm", "pypi": "PyPI", "maven": "Maven", "golang": "Go", "gem": "RubyGems",
            "cargo": "crates.io", "nuget": "NuGet", "composer": "Packagist", "deb": "Debian",
            "apk": "Alpine", "rpm": "RPM"}


def norm(eco, name, version):
    if eco == "PyPI":
        name = name.lower().replace("_", "-").replace(".", "-")
    if eco == "Debian":
        name = name.removeprefix("debian/")  # peers-run keeps the purl namespace
    if eco == "Go":
        version = version.removeprefix("v")  # peers-run writes Go versions without it
    return (eco, name, version)


def shipcheck(bin_, art):
    out = subprocess.run([bin_, "sbom", art, "--output", "cyclonedx-json", "--allow-partial"],
                         capture_output=True, text=True)
    bom = json.loads(out.stdout)
    pkgs, apps, declared = set(), set(), set()
    for c in bom.get("components", []):
        purl = c.get("purl", "")
        eco = PURL_ECO.get(purl[4:].split("/")[0], "?")
        name = c["name"] if not c.get("group") or eco not in ("Maven", "npm") else (c["group"] + (":" if eco == "Maven" else "/") + c["name"])
        key = norm(eco, name, c.get("version", ""))
        props = {p["name"]: p["value"] for p in c.get("properties", [])}
        if c["type"] == "application":
            apps.add(key)
        elif props.get("shipcheck:declared-only") == "true":
            declared.add(key)
        else:
            pkgs.add(key)
    return pkgs, apps, declared


def syft(art):
    out = subprocess.run([sys.executable, os.path.join(SHARED, "tools", "peers-run.py"), art, "sbom",
                          "--tools", "syft"], capture_output=True, text=True)
    line = json.loads(out.stdout.strip().splitlines()[-1])
    return {norm(f["ecosystem"], f["name"], f["version"]) for f in line.get("findings", [])}, line


def main():
    bin_ = sys.argv[1] if len(sys.argv) > 1 else "shipcheck"
    arts = sys.argv[2:]
    if not arts:
        truth = json.load(open(os.path.join(CORPUS, "TRUTH.json")))["artifacts"]
        arts = [os.path.join(CORPUS, a) for a in sorted(truth)]
    print(f"{'artifact':22} {'shipcheck':>9} {'+decl':>5} {'+app':>4} {'syft':>5}  only shipcheck / only syft")
    for path in arts:
        art = os.path.basename(path)
        ours, apps, declared = shipcheck(bin_, path)
        theirs, line = syft(path)
        only_ours = sorted((ours | declared) - theirs)
        only_theirs = sorted(theirs - ours - declared - apps)
        print(f"{art:22} {len(ours):9} {len(declared):5} {len(apps):4} {len(theirs):5}  "
              f"{', '.join('%s %s@%s' % k for k in only_ours) or '-'}  /  {', '.join('%s %s@%s' % k for k in only_theirs) or '-'}")


if __name__ == "__main__":
    main()
