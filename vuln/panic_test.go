package vuln

import (
	"context"
	"strings"
	"testing"
)

// TestAnalyzePanic: a panic analysing a Go binary (govulncheck, the
// pclntab reader) is an error of that binary: its findings stay at module
// level, marked not analysed with the reason, so they count for the gate.
func TestAnalyzePanic(t *testing.T) {
	analyzeHook = func(string) { panic("injected") }
	defer func() { analyzeHook = nil }()
	per, err := analyzeSafely(context.Background(), "/nonexistent/bootstrap", t.TempDir(), nil)
	if per != nil || err == nil || !strings.Contains(err.Error(), "panicked (injected)") {
		t.Fatalf("per %v, err %v", per, err)
	}
}
