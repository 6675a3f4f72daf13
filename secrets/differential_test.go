package secrets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zricethezav/gitleaks/v8/detect"
)

// FuzzDifferential runs the scanner's engine (rules run on their planned
// windows, decoding by region) and gitleaks' own detector (every rule
// over the whole text, decoding it whole) over the same text with the
// same rules, and fails on any finding (rule, line, secret) only one of
// them reports. Seeded with the fixture function's files and the own
// rules' examples; `go test` runs the seeds.
//
//	go test ./secrets -run '^$' -fuzz FuzzDifferential -fuzztime 10m
func FuzzDifferential(f *testing.F) {
	rs, err := LoadRules()
	if err != nil {
		f.Fatal(err)
	}
	sc, err := NewScanner()
	if err != nil {
		f.Fatal(err)
	}
	gl := detect.NewDetector(rs.All)
	gl.MaxDecodeDepth = MaxDecodeDepth
	filepath.WalkDir("../testdata/secrets/fn", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<14 {
				f.Add(string(b))
			}
		}
		return nil
	})
	for _, r := range rs.Own {
		for _, ex := range r.Examples {
			f.Add(ex)
			f.Add("x=1;" + ex + ";y=2")
		}
	}
	for _, s := range []string{
		"const k = {apiKey: \"AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v\"};",
		"token: ghp_0123456789abcdefABCDEF0123456789abcd\n",
		"\"xToken\" => \"cafebabe0123456789deadbeef\"",
		"curl -X POST -H \"Authorization: Bearer dGhpc2lzYXRlc3R0b2tlbjEyMzQ1\" https://api.example.com",
		"secret = \"YXBpX2tleT1zdXBlcnNlY3JldHZhbHVlMTIzNDU2Nzg=\"",
		"api_\u212aey = \"0123456789abcdefXYZ0123\"\nmy_ſecret: 'Zx8vLm2KqT4nRw7pAb9c'\n",
		"FACEBOOK İ 123456789012345|abcdefghijklmnopqrstuvwxyz012 ;",
		"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----",
	} {
		f.Add(s)
	}
	const rel = "var/task/app.js"
	all := func(*erule) bool { return true }
	f.Fuzz(func(t *testing.T, text string) {
		key := func(rule string, line int, secret string) string { return fmt.Sprintf("%s:%d:%q", rule, line, secret) }
		var ours, theirs []string
		for _, x := range sc.eng.scan(context.Background(), rel, text, 1, all, true) {
			ours = append(ours, key(x.rule.id, x.line, x.secret))
		}
		for _, x := range gl.Detect(detect.Fragment{Raw: text, FilePath: rel, StartLine: 1}) {
			line := x.StartLine
			if x.Match == "file detected: "+rel {
				line = 0
			}
			theirs = append(theirs, key(x.RuleID, line, x.Secret))
		}
		slices.Sort(ours)
		slices.Sort(theirs)
		ours, theirs = slices.Compact(ours), slices.Compact(theirs)
		if !slices.Equal(ours, theirs) {
			t.Fatalf("engine %v\ngitleaks %v", ours, theirs)
		}
	})
}
