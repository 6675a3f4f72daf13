package shipcheck

import (
	"context"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/report"
)

// TestSecretScanPanic: a panic in the secret scanner on one file is a
// problem naming that file (content left unscanned, so the read is
// partial), and the scan goes on: the other files' secrets are found.
func TestSecretScanPanic(t *testing.T) {
	scanHook = func(path string) {
		if strings.HasSuffix(path, "/index.js") {
			panic("injected")
		}
	}
	defer func() { scanHook = nil }()
	r, err := Run(context.Background(), []Target{{Artifact: "testdata/secrets/fn"}}, ScanOptions{Kind: report.KindSecrets, Gate: report.DefaultGate})
	if err != nil {
		t.Fatal(err)
	}
	d := r.Deployments[0]
	found := false
	for _, p := range d.Problems {
		found = found || strings.HasSuffix(p.Path, "/index.js") && p.Partial && strings.Contains(p.Note, "the secret scan panicked (injected)")
	}
	if !found || !d.Partial {
		t.Errorf("no partial problem for the file the scanner panicked on: %+v", d.Problems)
	}
	rules := map[string]bool{}
	for _, f := range d.Secrets.Findings {
		if strings.HasSuffix(f.Path, "/index.js") {
			t.Errorf("a finding in the file whose scan panicked: %s", f.RuleID)
		}
		rules[f.RuleID] = true
	}
	if !rules["aws-access-token"] {
		t.Errorf("the other files were not scanned: %v", rules)
	}
}
