package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/internal/testshared"
)

// TestTableFitsColumns: with COLUMNS=80, no line of scan's table is wider
// than 80, on the examples and on every corpus artifact.
func TestTableFitsColumns(t *testing.T) {
	arts, _ := filepath.Glob(filepath.Join(examples, "*"))
	if shared, ok := testshared.Optional(t); ok {
		more, _ := filepath.Glob(filepath.Join(shared, "corpus", "*.*"))
		for _, m := range more {
			if strings.HasSuffix(m, ".zip") || strings.HasSuffix(m, ".tar") {
				arts = append(arts, m)
			}
		}
	}
	osv := abs(t, filepath.Join(testdata, "osv"))
	for i, a := range arts {
		arts[i] = abs(t, a)
	}
	t.Setenv("COLUMNS", "80")
	for _, a := range arts {
		code, stdout, stderr := run(t, nil, "scan", a, "--advisories", osv, "--allow-partial", "--no-cache")
		if code == 2 {
			t.Errorf("%s: exit 2: %s", a, stderr)
			continue
		}
		for i, l := range strings.Split(stdout, "\n") {
			if n := len([]rune(l)); n > 80 {
				t.Errorf("%s: line %d is %d wide: %q", filepath.Base(a), i+1, n, l)
			}
		}
	}
}

// TestBaselineFromScanJSON: scan's own JSON report is a baseline for scan
// and secrets; a file that is not a report is an error, never ignored.
func TestBaselineFromScanJSON(t *testing.T) {
	fn := abs(t, filepath.Join(testdata, "secrets", "fn"))
	osv := abs(t, filepath.Join(testdata, "osv"))
	base := filepath.Join(t.TempDir(), "base.json")
	if code, _, stderr := run(t, nil, "scan", fn, "--advisories", osv, "--output", "json="+base); code != 1 {
		t.Fatalf("first scan: exit %d, want 1 (first-party secrets): %s", code, stderr)
	}
	code, stdout, stderr := run(t, nil, "scan", fn, "--advisories", osv, "--baseline", base)
	if code != 0 || !strings.Contains(stdout, "already in the baseline") {
		t.Errorf("scan --baseline scan.json: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, nil, "secrets", fn, "--baseline", base)
	if code != 0 || !strings.Contains(stdout, "already in the baseline") {
		t.Errorf("secrets --baseline scan.json: exit %d\n%s%s", code, stdout, stderr)
	}
	junk := filepath.Join(t.TempDir(), "junk.json")
	os.WriteFile(junk, []byte(`{"foo":1}`), 0o644)
	for _, cmd := range []string{"scan", "secrets"} {
		args := []string{cmd, fn, "--baseline", junk}
		if cmd == "scan" {
			args = append(args, "--advisories", osv)
		}
		code, _, stderr := run(t, nil, args...)
		if code != 2 || !strings.Contains(stderr, junk) || !strings.Contains(stderr, "not a shipcheck JSON report") {
			t.Errorf("%s --baseline junk: exit %d: %s", cmd, code, stderr)
		}
	}
}

// TestReportOnly: --fail-on never lists the findings and exits 0.
func TestReportOnly(t *testing.T) {
	fn := abs(t, filepath.Join(testdata, "secrets", "fn"))
	orders := abs(t, filepath.Join(examples, "orders-api.zip"))
	osv := abs(t, filepath.Join(testdata, "osv"))
	for _, args := range [][]string{
		{"scan", fn, orders, "--advisories", osv},
		{"vuln", orders, "--advisories", osv, "--fail-on", "none"},
		{"secrets", fn},
	} {
		if code, _, _ := run(t, nil, args...); code != 1 {
			t.Fatalf("%v: exit %d, want 1 before --fail-on never", args, code)
		}
		args = append(args, "--fail-on", "never")
		code, stdout, stderr := run(t, nil, args...)
		if code != 0 || !strings.Contains(stdout, "sc1:") && !strings.Contains(stdout, "NSWG-ECO-516") {
			t.Errorf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
	}
}

// TestOutputFlags: format names in any case; --format and -f say what to
// write instead; an output that cannot be written fails before the scan,
// naming the path as given.
func TestOutputFlags(t *testing.T) {
	orders := abs(t, filepath.Join(examples, "orders-api.zip"))
	osv := abs(t, filepath.Join(testdata, "osv"))
	if code, stdout, stderr := run(t, nil, "vuln", orders, "--advisories", osv, "--output", "JSON"); code != 0 || !strings.Contains(stdout, `"kind": "vuln"`) {
		t.Errorf("--output JSON: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "json"}, "write --output json"},
		{[]string{"-f", "sarif", "-o", "r.sarif"}, "write --output sarif=r.sarif"},
		{[]string{"--output", "yaml"}, `unknown format "yaml"`},
		{[]string{"--output", "spdx"}, "spdx-json?"},
		{[]string{"--output", "json=/no/such/folder/r.json"}, "cannot write /no/such/folder/r.json"},
	} {
		args := append([]string{"vuln", "missing.zip", "--advisories", osv}, c.args...)
		code, _, stderr := run(t, nil, args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "missing.zip") {
			t.Errorf("%v: exit %d, want 2 with %q before the artifact is opened: %s", c.args, code, c.want, stderr)
		}
	}
	// Two deployments and one SBOM on standard output: refused before any
	// artifact is read.
	if code, _, stderr := run(t, nil, "scan", "missing-a.zip", "missing-b.zip", "--advisories", osv, "--output", "cyclonedx-json"); code != 2 ||
		!strings.Contains(stderr, "give a file") || strings.Contains(stderr, "missing-a.zip") {
		t.Errorf("two deployments, cyclonedx-json to stdout: exit %d: %s", code, stderr)
	}
	// sbom has no sarif: the error says which formats it has.
	if code, _, stderr := run(t, nil, "sbom", orders, "--output", "sarif"); code != 2 || !strings.Contains(stderr, "not an output of sbom") {
		t.Errorf("sbom --output sarif: exit %d: %s", code, stderr)
	}
}

// TestCompletion: shells complete the values of --output, --fail-on and
// --as; help on an unknown topic is bad usage.
func TestCompletion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "scan", "--output", ""}, []string{"sarif=", "cyclonedx-json", "markdown"}},
		{[]string{"__complete", "sbom", "--output", ""}, []string{"spdx-json", "cyclonedx-xml"}},
		{[]string{"__complete", "vuln", "--fail-on", ""}, []string{"critical", "never"}},
		{[]string{"__complete", "secrets", "--as", ""}, []string{"function", "layer", "azure", "gcf"}},
	} {
		code, stdout, _ := run(t, nil, c.args...)
		for _, w := range c.want {
			if code != 0 || !strings.Contains(stdout, "\n"+w+"\n") && !strings.HasPrefix(stdout, w+"\n") {
				t.Errorf("%v: exit %d, no %q in\n%s", c.args, code, w, stdout)
			}
		}
	}
	if code, _, _ := run(t, nil, "__complete", "sbom", "--output", ""); code != 0 {
		t.Errorf("completion exit %d", code)
	} else if _, stdout, _ := run(t, nil, "__complete", "sbom", "--output", ""); strings.Contains(stdout, "sarif") {
		t.Errorf("sbom offers sarif:\n%s", stdout)
	}
	if code, _, stderr := run(t, nil, "help", "bogus"); code != 2 || !strings.Contains(stderr, `unknown help topic "bogus"`) {
		t.Errorf("help bogus: exit %d: %s", code, stderr)
	}
}
