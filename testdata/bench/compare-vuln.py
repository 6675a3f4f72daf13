#!/usr/bin/env python3
"""compare-vuln.py [SHIPCHECK] : shipcheck's advisories against osv-scanner's, per corpus artifact.

Imports ../shared/osv into a temporary database, runs `shipcheck vuln ARTIFACT
--offline` and osv-scanner (through ../shared/tools/peers-run.py, offline
against the same exports) on every artifact of ../shared/corpus on its own,
and prints per artifact the findings of each, as (id, package, version), and
those only one of them reports. Build the peer first:
../shared/tools/setup-peers.sh osv-scanner.
"""
import json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("SHIPCHECK_SHARED", os.path.join(ROOT, "..", "shared"))
CORPUS = os.path.join(SHARED, "corpus")


def norm(name, version):
    return (name.lower().replace("_", "-"), version.removeprefix("v"))


def main():
    bin_ = sys.argv[1] if len(sys.argv) > 1 else "shipcheck"
    db = tempfile.mkdtemp()
    subprocess.run([bin_, "db", "import", os.path.join(SHARED, "osv"), "--db", db], check=True, capture_output=True)
    truth = json.load(open(os.path.join(CORPUS, "TRUTH.json")))["artifacts"]
    print(f"{'artifact':22} {'shipcheck':>9} {'osv-scanner':>11}  only shipcheck / only osv-scanner")
    for art in sorted(truth):
        out = subprocess.run([bin_, "vuln", os.path.join(CORPUS, art), "--db", db, "--offline", "--output", "json", "--allow-partial"],
                             capture_output=True, text=True)
        ours = {(f["id"],) + norm(f["name"].split(" ")[0], f["version"]) for f in (json.loads(out.stdout)["deployments"][0].get("vulnerabilities") or {}).get("findings") or []}
        peer = subprocess.run([sys.executable, os.path.join(SHARED, "tools", "peers-run.py"), os.path.join(CORPUS, art), "vuln",
                               "--tools", "osv-scanner"], capture_output=True, text=True)
        line = json.loads(peer.stdout.strip().splitlines()[-1])
        theirs = {(f["id"],) + norm(f["package"], f["version"]) for f in line.get("findings", [])}
        only_ours = sorted(ours - theirs)
        only_theirs = sorted(theirs - ours)

        def fmt(s):
            pk = {}
            for i, n, v in s:
                pk.setdefault(f"{n}@{v}", []).append(i)
            return ", ".join(f"{k} ({len(v)})" for k, v in sorted(pk.items())) or "-"
        print(f"{art:22} {len(ours):9} {len(theirs):11}  {fmt(only_ours)}  /  {fmt(only_theirs)}")


if __name__ == "__main__":
    main()
