package packaging

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNestedOpenPanic: a panic in a format's reader, opening a nested
// archive, is a problem of that entry (content left unread), and the walk
// lists the rest.
func TestNestedOpenPanic(t *testing.T) {
	openHook = func(path string) {
		if strings.HasSuffix(path, "inner.zip") {
			panic("injected")
		}
	}
	defer func() { openHook = nil }()
	inner := buildZip(zf{name: "a.txt", data: []byte("inside")})
	p := filepath.Join(t.TempDir(), "fn.zip")
	os.WriteFile(p, buildZip(zf{name: "inner.zip", data: inner}, zf{name: "index.js", data: []byte("exports.x = 1\n")}), 0o644)
	l, err := List(context.Background(), p, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found, listed := false, false
	for _, pr := range l.Problems {
		found = found || strings.HasSuffix(pr.Path, "inner.zip") && pr.Partial() && strings.Contains(pr.Err.Error(), "reader panicked (injected)")
	}
	for _, f := range l.Files {
		listed = listed || strings.HasSuffix(f.Path, "/index.js")
	}
	if !found || !listed {
		t.Errorf("problems %v; index.js listed: %v", l.Problems, listed)
	}
}
