package secrets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzScan scans arbitrary bytes under arbitrary names: no panic, lines
// within the file, and no finding whose printed form holds its secret.
// Seeded with the fixture function's files.
//
//	go test ./secrets -run '^$' -fuzz FuzzScan -fuzztime 10m
func FuzzScan(f *testing.F) {
	sc, err := NewScanner()
	if err != nil {
		f.Fatal(err)
	}
	filepath.WalkDir("../testdata/secrets/fn", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
				f.Add(filepath.Base(p), b)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		fs, _ := sc.Scan(context.Background(), "/var/task/"+name, b, AllRules)
		lines := strings.Count(string(b), "\n") + 1
		for _, x := range fs {
			if x.Line < 0 || x.Line > lines {
				t.Fatalf("%s at line %d of %d", x.RuleID, x.Line, lines)
			}
			if s := x.Secret(); len(s) >= 8 && strings.Contains(x.String()+x.Redacted, s) {
				t.Fatalf("%s printed in clear", x.RuleID)
			}
		}
	})
}
