package permissions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// FuzzParse reads arbitrary bytes with both parsers, called without
// Parse's recover so that a panic fails: no template with an error, every
// position in the file parsed and within its lines. Seeded with testdata,
// each file under its own parser and the other. The seeds are whole
// templates of a few kilobytes: with the default minimize time, minimizing
// each new input takes up to a minute of the run, hence the shorter one.
//
//	go test ./permissions -run '^$' -fuzz FuzzParse -fuzztime 2m -fuzzminimizetime 5s
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		f.Add(false, b)
		f.Add(true, b)
	}
	f.Fuzz(func(t *testing.T, serverless bool, b []byte) {
		const path = "fuzz.yml"
		parse, format := parseCloudFormation, envconfig.CloudFormation
		if serverless {
			parse, format = parseServerless, envconfig.Serverless
		}
		tm, err := parse(path, b)
		if err != nil {
			if tm != nil {
				t.Fatalf("%s: a template with error %v", format, err)
			}
			return
		}
		if tm.Path != path || tm.Format != format {
			t.Fatalf("template %s %s", tm.Path, tm.Format)
		}
		lines := strings.Count(string(b), "\n") + 1
		check := func(fn string, p Position) {
			if p.File != path || p.Line < 1 || p.Line > lines {
				t.Fatalf("%s: %s: position %+v outside %s's %d lines", format, fn, p, path, lines)
			}
		}
		for _, fn := range tm.Functions {
			check(fn.Name, fn.Position)
			for _, s := range fn.Statements {
				check(fn.Name, s.Position)
			}
			for _, m := range fn.Managed {
				check(fn.Name, m.Position)
			}
			for _, p := range fn.Invokers {
				check(fn.Name, p.Position)
			}
			if fn.URL != nil {
				check(fn.Name, fn.URL.Position)
			}
		}
	})
}
