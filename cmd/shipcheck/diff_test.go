package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/report"
)

func runDiff(t *testing.T, want int, args ...string) *report.Diff {
	t.Helper()
	code, stdout, stderr := run(t, nil, append([]string{"diff", "--output", "json"}, args...)...)
	if code != want {
		t.Fatalf("%v: exit %d, want %d; stderr:\n%s", args, code, want, stderr)
	}
	r, err := report.Decode(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	return r.Diff
}

// TestDiff: packages added and removed, new advisories and secrets, from
// two artifacts, and from an archived SBOM against an artifact.
func TestDiff(t *testing.T) {
	hello := abs(t, filepath.Join(examples, "hello-function.zip"))
	orders := abs(t, filepath.Join(examples, "orders-api.zip"))
	fn := abs(t, filepath.Join(testdata, "secrets", "fn"))
	osv := abs(t, filepath.Join(testdata, "osv"))

	r := runDiff(t, 1, hello, orders, "--advisories", osv, "--fail-on", "medium")
	if len(r.Packages.Added) != 2 || len(r.Packages.Removed) != 1 || len(r.NewVulns) != 1 || r.NewVulns[0].ID != "NSWG-ECO-516" || !r.SecretsCompared {
		t.Errorf("hello -> orders: %+v", r)
	}
	// The other way round, the advisory is fixed, not new.
	if r := runDiff(t, 0, orders, hello, "--advisories", osv, "--fail-on", "medium"); len(r.NewVulns) != 0 || len(r.Packages.Removed) != 2 {
		t.Errorf("orders -> hello: %+v", r)
	}
	if r := runDiff(t, 0, orders, orders, "--advisories", osv, "--fail-on", "medium"); len(r.Packages.Added)+len(r.Packages.Removed)+len(r.Packages.Changed)+len(r.NewVulns) != 0 {
		t.Errorf("orders -> orders: %+v", r)
	}
	if r := runDiff(t, 1, hello, fn, "--advisories", osv); len(r.NewSecrets) == 0 || r.Failing == 0 {
		t.Errorf("hello -> fn: no new secrets: %+v", r)
	}

	// An archived SBOM of the same release: nothing changed, secrets not compared.
	bom := filepath.Join(t.TempDir(), "bom.json")
	if code, _, stderr := run(t, nil, "sbom", orders, "--output", "cyclonedx-json="+bom); code != 0 {
		t.Fatalf("sbom: %d %s", code, stderr)
	}
	r = runDiff(t, 0, bom, orders, "--advisories", osv, "--fail-on", "medium")
	if len(r.Packages.Added)+len(r.Packages.Removed)+len(r.Packages.Changed)+len(r.NewVulns) != 0 || r.SecretsCompared {
		t.Errorf("bom -> orders: %+v", r)
	}
	// From an older SBOM to the release: the new advisory shows.
	old := filepath.Join(t.TempDir(), "old.json")
	run(t, nil, "sbom", hello, "--output", "cyclonedx-json="+old)
	if r := runDiff(t, 1, old, orders, "--advisories", osv, "--fail-on", "medium"); len(r.NewVulns) != 1 {
		t.Errorf("old bom -> orders: %+v", r)
	}
	if _, err := os.Stat(bom); err != nil {
		t.Fatal(err)
	}
}
