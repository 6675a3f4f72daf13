package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/report"
)

// TestArchive: the archive commands end to end on a SQLite archive: add
// SBOMs and an artifact, list, query, show, remove; rescan with its gate
// (new findings only), outputs, --dry-run and the recorded state.
func TestArchive(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	sboms, _ := filepath.Glob(abs(t, filepath.Join(testdata, "archive"))) // the folder
	files, _ := filepath.Glob(filepath.Join(sboms[0], "*.*json"))
	xml, _ := filepath.Glob(filepath.Join(sboms[0], "*.xml"))
	adv := abs(t, filepath.Join(testdata, "osv"))
	artifact := abs(t, filepath.Join(examples, "orders-api.zip"))
	schema := scanSchema(t)

	code, out, stderr := run(t, nil, append(append([]string{"archive", "add", "--archive", db}, files...), xml...)...)
	if code != 0 || strings.Count(out, "\n") != 5 || !strings.Contains(out, "orders at 2026-11-01 10:00:00 UTC, 3 package(s) (current)") {
		t.Fatalf("add: exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}
	code, out, stderr = run(t, nil, "archive", "add", "--archive", db, artifact, "--name", "orders-api", "--time", "2026-12-01")
	if code != 0 || !strings.Contains(out, "orders-api at 2026-12-01 00:00:00 UTC, 2 package(s) (current)") {
		t.Errorf("add an artifact: exit %d, stderr %q:\n%s", code, stderr, out)
	}
	code, out, _ = run(t, nil, "archive", "list", "--archive", db)
	if code != 0 || !strings.Contains(out, "5 deployment(s) in "+db) {
		t.Errorf("list: exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, nil, "archive", "query", "npm/lodash@>=4.17.15 <4.17.19", "--archive", db)
	for _, want := range []string{"orders-api", "orders-api.zip!node_modules/lodash/package.json", "search ", "3 deployment(s) ship npm/lodash at >=4.17.15 <4.17.19"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("query: exit %d, want %q in:\n%s", code, want, out)
		}
	}
	code, out, _ = run(t, nil, "archive", "show", "billing", "--sbom", "--archive", db)
	if b, _ := os.ReadFile(filepath.Join(sboms[0], "billing.cdx.xml")); code != 0 || out != string(b) {
		t.Errorf("show --sbom: exit %d, not the SBOM given:\n%.300s", code, out)
	}

	// Rescan: PYSEC-2024-60 (high) is new in billing: exit 1; the table and
	// the JSON say the same; then nothing is new: exit 0.
	jsonOut := filepath.Join(dir, "rescan.json")
	code, out, stderr = run(t, nil, "archive", "rescan", "--archive", db, "--advisories", adv, "--dry-run", "--output", "table", "--output", "json="+jsonOut)
	if code != 1 || !strings.Contains(out, "+ ") && !strings.Contains(out, "PYSEC-2024-60") || !strings.Contains(out, "not recorded (dry run)") {
		t.Errorf("rescan --dry-run: exit %d, stderr %q:\n%s", code, stderr, out)
	}
	b, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	validJSON(t, schema, b, "rescan --output json")
	r, err := report.Decode(bytes.NewReader(b))
	if err != nil || r.Kind != report.KindRescan || r.Rescan.Deployments != 5 || r.Rescan.Changed != 4 || r.Failing != 1 || !r.Rescan.DryRun {
		t.Fatalf("the JSON report read back: %v %+v", err, r)
	}
	code, _, _ = run(t, nil, "archive", "rescan", "--archive", db, "--advisories", adv, "--output", "markdown")
	if code != 1 {
		t.Errorf("rescan after a dry run: exit %d, want 1 (the dry run recorded nothing)", code)
	}
	code, out, _ = run(t, nil, "archive", "rescan", "--archive", db, "--advisories", adv)
	if code != 0 || !strings.Contains(out, "PASS: 0 deployment(s) changed, 0 new finding(s)") {
		t.Errorf("rescan again: exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, nil, "archive", "rescan", "--archive", db, "--advisories", adv, "--shard", "1/2", "--all", "--fail-on", "none", "--output", "json")
	if r, err := report.Decode(strings.NewReader(out)); code != 0 || err != nil || r.Rescan.Shard != "1/2" || len(r.Deployments) != r.Rescan.Deployments {
		t.Errorf("rescan --shard 1/2 --all: exit %d, %v", code, err)
	}

	code, out, _ = run(t, nil, "archive", "remove", "search", "orders", "--archive", db)
	if code != 0 || out != "removed search\nremoved orders\n" {
		t.Errorf("remove: exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, nil, "archive", "query", "pkg:npm/lodash@4.17.15", "--archive", db, "-o", "json")
	if code != 0 || strings.Count(out, `"deployment"`) != 1 {
		t.Errorf("query after remove: exit %d:\n%s", code, out)
	}
}

// TestArchiveUsage: what is bad usage (exit 2, one line saying what to
// write), and the default location in the user's data folder.
func TestArchiveUsage(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	sbom := abs(t, filepath.Join(testdata, "archive", "orders.cdx.json"))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"archive", "add"}, "give at least one SBOM or artifact"},
		{[]string{"archive", "add", sbom, sbom, "--name", "x"}, "--name, --time and --layer apply to one FILE"},
		{[]string{"archive", "add", sbom, "--time", "yesterday"}, `--time "yesterday"`},
		{[]string{"archive", "add", sbom, "--key", "cosign.pub"}, "--key: open cosign.pub: no such file"},
		{[]string{"archive", "query", "lodash"}, "write ECOSYSTEM/NAME[@RANGE]"},
		{[]string{"archive", "query", "npm/lodash@>="}, `">=": no version`},
		{[]string{"archive", "rescan", "--shard", "5/4"}, "--shard \"5/4\": write I/N"},
		{[]string{"archive", "show", "nobody"}, "no deployment of that name"},
		{[]string{"archive", "remove", "nobody"}, "no deployment of that name"},
		{[]string{"archive", "lst"}, `unknown command "lst" for "shipcheck archive"; did you mean "list"?`},
	} {
		code, _, stderr := run(t, nil, c.args...)
		if code != exitIncomplete || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if code, _, stderr := run(t, nil, "archive", "add", sbom); code != 0 {
		t.Fatalf("add to the default archive: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "shipcheck", "archive.db")); err != nil {
		t.Errorf("the default archive: %v", err)
	}
	// SHIPCHECK_ARCHIVE names another, as for every flag.
	other := filepath.Join(t.TempDir(), "other.db")
	t.Setenv("SHIPCHECK_ARCHIVE", other)
	if code, out, stderr := run(t, nil, "archive", "list"); code != 0 || !strings.Contains(out, "0 deployment(s) in "+other) {
		t.Errorf("SHIPCHECK_ARCHIVE: exit %d, %s%s", code, out, stderr)
	}
}

// TestArchiveAttestation: archive add takes an attestation: with --key, only
// one that key signed (another key: exit 1, nothing archived; a bare SBOM:
// exit 2); without, archived with a warning that its signature was not
// checked. archive show says which, and gives the envelope back, which
// still verifies against the artifacts.
func TestArchiveAttestation(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "orders-api.zip"))
	layer := abs(t, filepath.Join(examples, "hello-layer.zip"))
	priv, pub := keyFiles(t, "ecdsa")
	_, otherPub := keyFiles(t, "ed25519")
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	att := filepath.Join(dir, "orders.att.json")
	if code, _, stderr := run(t, nil, "attest", fn, "--layer", layer, "--key", priv, "--output", att); code != 0 {
		t.Fatalf("attest: exit %d: %s", code, stderr)
	}

	code, out, stderr := run(t, nil, "archive", "add", "--archive", db, att, "--key", otherPub)
	if code != 1 || !strings.Contains(stderr, "does not verify") || !strings.Contains(stderr, "not archived") {
		t.Errorf("another key: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, out, _ := run(t, nil, "archive", "list", "--archive", db); !strings.Contains(out, "0 deployment(s)") {
		t.Errorf("an attestation that did not verify was archived:\n%s", out)
	}
	sbomFile := filepath.Join(dir, "bom.json")
	if code, _, stderr := run(t, nil, "sbom", fn, "-o", "cyclonedx-json="+sbomFile); code != 0 {
		t.Fatalf("sbom: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, nil, "archive", "add", "--archive", db, sbomFile, "--key", pub); code != 2 || !strings.Contains(stderr, "is not an attestation") {
		t.Errorf("a bare SBOM with --key: exit %d, stderr %q", code, stderr)
	}

	code, out, stderr = run(t, nil, "archive", "add", "--archive", db, att, "--name", "unchecked")
	if code != 0 || !strings.Contains(out, "signature NOT verified") || !strings.Contains(stderr, "without checking its signature") {
		t.Errorf("no key: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, stderr = run(t, nil, "archive", "add", "--archive", db, att, "--key", pub, "--name", "orders")
	if code != 0 || !strings.Contains(out, "signature verified with") || !strings.Contains(out, "2 subject(s): orders-api.zip sha256:") || stderr != "" {
		t.Errorf("verified: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, _ = run(t, nil, "archive", "show", "orders", "--archive", db)
	if code != 0 || !strings.Contains(out, "signature verified with") || !strings.Contains(out, "hello-layer.zip sha256:") {
		t.Errorf("show: exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, nil, "archive", "show", "unchecked", "--archive", db)
	if code != 0 || !strings.Contains(out, "signature not verified") {
		t.Errorf("show an unverified one: exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, nil, "archive", "show", "orders", "--attestation", "--archive", db)
	if b := read(t, att); code != 0 || out != string(b) {
		t.Fatalf("show --attestation: exit %d, not the envelope given", code)
	}
	back := filepath.Join(dir, "back.att.json")
	write(t, back, []byte(out))
	if code, out, stderr := run(t, nil, "verify", back, "--key", pub, "--artifact", fn, "--artifact", layer); code != 0 {
		t.Errorf("the archived envelope, verified: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
