#!/usr/bin/env python3
"""compare-secrets.py [SHIPCHECK] : shipcheck's secret findings against gitleaks' and trufflehog's, per corpus artifact.

Scores `shipcheck secrets ARTIFACT --output json` and the peers (gitleaks,
trufflehog, through ../shared/tools/peers-run.py, offline, as a user would run
them) against ../shared/corpus/TRUTH.json, for every artifact of the corpus.
shipcheck gets the artifact plus its `pairs_with` layers (--layer L, as Lambda
would mount them); the peers get the artifact alone, since peers-run.py gives
them one artifact. Findings shipcheck reports from a paired layer (their
"layer" field names it) are scored against that layer's truth on a line of
their own and left out of the artifact's row and of the totals: the layer's
own row already counts them. Build the peers first:
../shared/tools/setup-peers.sh gitleaks trufflehog.

Per tool and artifact:
  found   truth secrets matched by at least one finding
  missed  truth secrets no finding matches
  decoys  truth decoys matched by a finding that matches no secret
  other   findings that match neither a secret nor a decoy (duplicates of one
          finding, same path, line, rule and prefix, count once)

Matching. Paths are normalized (leading "/" stripped) and compared by suffix
on a "/" or "!" boundary, either way round: "var/task/.env" matches ".env",
"/opt/nodejs/x" matches "nodejs/x", "/var/task/lib/a.jar!B/c.properties"
matches "lib/a.jar!B/c.properties". A finding matches a secret or a decoy
when the paths match and the lines are equal (the truth line is the 1-based
line where the secret starts). Where the tool gives no path (trufflehog
inside archives reports ""), it matches on the line and the first 4 chars of
the truth value (the tool's secret_prefix, the first 4 chars of what it
found); for a base64-encoded truth secret the tool may report the encoded
form, so the line alone is enough. Where the tool gives a path but no line
(trufflehog's docker source), it matches on the path and the 4 chars. When a
finding matches several entries (two decoys on one line), the ones whose 4
chars agree are kept if there are any. A decoy on the same path and line as a
secret is dropped (a finding there is the secret). A finding that matches a
secret is never counted as a decoy hit.

Lists printed after the tables: misses and decoy hits per tool, the "other"
reports of every tool (shipcheck's with whether the finding is marked
third_party, i.e. inside an installed package), "near misses" (an other report
whose 4 chars, or whose path, are those of a secret the tool missed in the same
artifact: usually the right secret on another line), and duplicate reports of
one secret. Values are never printed beyond their first 4 chars.

  testdata/bench/compare-secrets.py [SHIPCHECK]     (default: shipcheck on $PATH)
  SHIPCHECK_SHARED=/path/to/shared                  (default: ../shared beside the repo)
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("SHIPCHECK_SHARED", os.path.join(ROOT, "..", "shared"))
CORPUS = os.path.join(SHARED, "corpus")
PEERS = ["gitleaks", "trufflehog"]
TOOLS = ["shipcheck"] + PEERS


def norm(p):
    return (p or "").replace("\\", "/").lstrip("/")


def path_match(a, b):
    a, b = norm(a), norm(b)
    if not a or not b:
        return False
    if a == b:
        return True
    long, short = (a, b) if len(a) > len(b) else (b, a)
    return long.endswith("/" + short) or long.endswith("!" + short)


def matches(f, e):
    """Does finding f ({path, line, prefix}) match truth entry e ({path, line, value, encoding})?"""
    pre_ok = f["prefix"] != "" and f["prefix"] == e["value"][:4]
    b64 = e.get("encoding") == "base64"
    if norm(f["path"]):
        if not path_match(f["path"], e["path"]):
            return False
        if f["line"] is None:  # path, no line (trufflehog docker source)
            return pre_ok or b64
        return f["line"] == e["line"]
    if f["line"] is None:
        return False
    return f["line"] == e["line"] and (pre_ok or b64)


def match_all(f, entries):
    c = [e for e in entries if matches(f, e)]
    if len(c) > 1:
        narrowed = [e for e in c if f["prefix"] and f["prefix"] == e["value"][:4]]
        c = narrowed or c
    return c


def truth_of(art_truth):
    secrets = [dict(s) for s in art_truth.get("secrets", [])]
    keys = {(norm(s["path"]), s["line"]) for s in secrets}
    decoys = [dict(d) for d in art_truth.get("decoys", []) if (norm(d["path"]), d["line"]) not in keys]
    return secrets, decoys


def score(findings, secrets, decoys):
    """-> dict(found=set(idx), decoys=set(idx), other=[f], dup=[(f, secret)], hits={idx: [f]})"""
    found, dhit, other, dup, seen = {}, {}, [], [], set()
    for f in findings:
        ms = match_all(f, secrets)
        if ms:
            for s in ms:
                i = secrets.index(s)
                if i in found:
                    dup.append((f, s))
                found.setdefault(i, []).append(f)
            continue
        md = match_all(f, decoys)
        if md:
            for d in md:
                dhit.setdefault(decoys.index(d), []).append(f)
            continue
        k = (norm(f["path"]), f["line"], f["rule"], f["prefix"])
        if k not in seen:
            seen.add(k)
            other.append(f)
    return {"found": found, "decoys": dhit, "other": other, "dup": dup}


# ------------------------------------------------------------------ runners
def run_shipcheck(bin_, art, layers):
    cmd = [bin_, "secrets", os.path.join(CORPUS, art)]
    for l in layers:
        cmd += ["--layer", os.path.join(CORPUS, l)]
    cmd += ["--output", "json"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.monotonic() - t0
    rec = {"seconds": round(secs, 2), "rc": p.returncode, "findings": [], "error": None, "mounts": {}}
    if p.returncode not in (0, 1):
        rec["error"] = f"exit {p.returncode}: " + (p.stderr.strip().splitlines() or ["?"])[-1][:300]
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        rec["error"] = rec["error"] or "no JSON on stdout: " + p.stderr.strip()[-300:]
        return rec
    # The JSON report, schema version 2: one deployment.
    dep = (doc.get("deployments") or [{}])[0]
    rec["mounts"] = {a.get("name"): a.get("mount") for a in dep.get("artifacts") or []}
    for f in (dep.get("secrets") or {}).get("findings") or []:
        red = f.get("redacted") or ""
        rec["findings"].append({
            "path": f.get("path"), "line": f.get("line"), "rule": f.get("rule"),
            "prefix": red.rstrip("…")[:4], "confidence": f.get("confidence"),
            "third_party": f.get("third_party"), "layer": (f.get("origin") or {}).get("layer"), "status": f.get("status"),
            "variable": f.get("variable")})
    return rec


def run_peers(art):
    p = subprocess.run([sys.executable, os.path.join(SHARED, "tools", "peers-run.py"), os.path.join(CORPUS, art),
                        "secrets", "--tools", ",".join(PEERS)], capture_output=True, text=True)
    out = {}
    for line in p.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        o = json.loads(line)
        fs = [{"path": f.get("path") or "", "line": f.get("line"), "rule": f.get("rule"),
               "prefix": f.get("secret_prefix") or "", "layer": f.get("layer")} for f in o.get("findings") or []]
        notes = [f"{k}: {o[k]}" for k in ("skipped", "error", "prep", "note") if o.get(k)]
        out[o["tool"]] = {"seconds": o.get("seconds"), "rss_mb": o.get("rss_mb"), "rc": o.get("rc"),
                          "findings": fs, "notes": notes, "error": o.get("skipped") or o.get("error")}
    for t in PEERS:
        out.setdefault(t, {"seconds": None, "rss_mb": None, "rc": None, "findings": [],
                           "notes": ["no output from peers-run.py: " + p.stderr.strip()[-300:]], "error": "no output"})
    return out


# ------------------------------------------------------------------ output
def loc(e):
    return f"{e['path']}:{e['line']}"


def floc(f):
    p = f["path"] if norm(f["path"]) else "(no path)"
    return f"{p}:{f['line'] if f['line'] is not None else '?'}"


def main():
    bin_ = sys.argv[1] if len(sys.argv) > 1 else "shipcheck"
    truth = json.load(open(os.path.join(CORPUS, "TRUTH.json")))["artifacts"]
    res = {}   # art -> tool -> {score, run}
    layer_res = {}  # art -> (score, secrets, decoys, layers) for shipcheck's paired layers
    print("shipcheck scans each artifact with its pairs_with layers (--layer); gitleaks and trufflehog get the")
    print("artifact alone, as peers-run.py runs them (findings from a paired layer are scored in that layer's row).")
    print("Columns per tool: found/missed/decoys/other.  (s) = wall seconds.\n")
    hdr = f"{'artifact':20} {'sec':>3} {'dec':>3}  " + "  ".join(f"{t:>19}" for t in TOOLS)
    print(hdr)
    print("-" * len(hdr))
    for art in sorted(truth):
        at = truth[art]
        secrets, decoys = truth_of(at)
        layers = at.get("pairs_with") or []
        sc = run_shipcheck(bin_, art, layers)
        peers = run_peers(art)
        runs = {"shipcheck": sc, **peers}
        res[art] = {}
        for t in TOOLS:
            fs = runs[t]["findings"]
            if t == "shipcheck" and layers:
                own = [f for f in fs if f.get("layer") not in layers]
                lf = [f for f in fs if f.get("layer") in layers]
                ls, ld = [], []
                for l in layers:
                    s_, d_ = truth_of(truth.get(l, {}))
                    ls += s_
                    ld += d_
                layer_res[art] = (score(lf, ls, ld), ls, ld, layers)
                fs = own
            res[art][t] = {"score": score(fs, secrets, decoys), "run": runs[t], "secrets": secrets, "decoys": decoys}
        cells = []
        for t in TOOLS:
            r = res[art][t]
            s = r["score"]
            mark = "!" if r["run"].get("error") else ""
            secs = r["run"].get("seconds")
            cells.append(f"{mark}{len(s['found'])}/{len(secrets) - len(s['found'])}/{len(s['decoys'])}/{len(s['other'])}"
                         f" ({secs if secs is not None else '-':>5})")
        print(f"{art:20} {len(secrets):3} {len(decoys):3}  " + "  ".join(f"{c:>19}" for c in cells), flush=True)
        if art in layer_res:
            s, ls, ld, lys = layer_res[art]
            print(f"{'':20}          shipcheck via --layer {','.join(lys)}: {len(s['found'])}/{len(ls) - len(s['found'])}"
                  f"/{len(s['decoys'])}/{len(s['other'])} against that layer's truth (counted in its own row)")
        for t in TOOLS:
            r = res[art][t]["run"]
            for n in ([r["error"]] if t == "shipcheck" and r.get("error") else r.get("notes", [])):
                print(f"{'':20}          {t}: {n}")

    # totals
    print("\nTotals (each artifact on its own; shipcheck's paired-layer findings counted once, in the layer's row)\n")
    print(f"{'tool':12} {'secrets':>7} {'found':>5} {'missed':>6} {'decoys':>6} {'other':>5} {'seconds':>8}")
    for t in TOOLS:
        ns = nf = nd = no = 0
        secs = 0.0
        for art in res:
            r = res[art][t]
            ns += len(r["secrets"])
            nf += len(r["score"]["found"])
            nd += len(r["score"]["decoys"])
            no += len(r["score"]["other"])
            secs += r["run"].get("seconds") or 0
        print(f"{t:12} {ns:7} {nf:5} {ns - nf:6} {nd:6} {no:5} {secs:8.1f}")

    for t in TOOLS:
        print(f"\n== {t}")
        print("  misses:")
        n = 0
        for art, rr in res.items():
            r = rr[t]
            for i, s in enumerate(r["secrets"]):
                if i not in r["score"]["found"]:
                    n += 1
                    extra = " (deleted by a later layer)" if s.get("deleted_layer") else ""
                    enc = f" ({s['encoding']})" if s.get("encoding") not in (None, "plain") else ""
                    print(f"    {art}: {loc(s)}  {s['kind']}{enc} {s['value'][:4]}…{extra}")
        if not n:
            print("    -")
        print("  decoy hits:")
        n = 0
        for art, rr in res.items():
            r = rr[t]
            for i, fs in r["score"]["decoys"].items():
                d = r["decoys"][i]
                n += 1
                rules = ", ".join(sorted({f["rule"] or "?" for f in fs}))
                print(f"    {art}: {loc(d)}  {d['why']!r} '{d['value'][:4]}'  <- {rules}")
        if not n:
            print("    -")
        print("  other reports:")
        n = 0
        for art, rr in res.items():
            r = rr[t]
            for f in r["score"]["other"]:
                n += 1
                tp = ""
                if t == "shipcheck":
                    tpd = f.get("third_party")
                    tp = (f"  third_party={tpd.get('name')}@{tpd.get('version')}" if tpd else "  third_party=no") + \
                         f"  confidence={f.get('confidence')}"
                lay = f"  layer={f['layer'][:19]}" if f.get("layer") else ""
                print(f"    {art}: {floc(f)}  {f['rule']} '{f['prefix']}'{tp}{lay}")
        if t == "shipcheck":
            for art, (s, ls, ld, lys) in layer_res.items():
                for f in s["other"]:
                    n += 1
                    tpd = f.get("third_party")
                    tp = f"third_party={tpd.get('name')}@{tpd.get('version')}" if tpd else "third_party=no"
                    print(f"    {art} (via --layer, also in the layer's row): {floc(f)}  {f['rule']} '{f['prefix']}'  {tp}")
        if not n:
            print("    -")
        near = []
        for art, rr in res.items():
            r = rr[t]
            missed = [s for i, s in enumerate(r["secrets"]) if i not in r["score"]["found"]]
            for f in r["score"]["other"]:
                for s in missed:
                    if (f["prefix"] and f["prefix"] == s["value"][:4]) or (norm(f["path"]) and path_match(f["path"], s["path"])):
                        near.append(f"    {art}: {floc(f)} {f['rule']} '{f['prefix']}'  ~ missed {loc(s)} {s['kind']}")
        if near:
            print("  near misses (an other report that looks like a missed secret):")
            print("\n".join(near))
        dups = [(art, f, s) for art, rr in res.items() for f, s in rr[t]["score"]["dup"]]
        if dups:
            print("  duplicate reports of one secret:")
            for art, f, s in dups:
                print(f"    {art}: {loc(s)} {s['kind']}  also by {f['rule']} at {floc(f)}")


if __name__ == "__main__":
    main()
