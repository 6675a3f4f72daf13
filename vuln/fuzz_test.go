package vuln

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRecord parses arbitrary bytes as an OSV record and evaluates it
// against a few packages: no panic, whatever the events say.
//
//	go test ./vuln -run '^$' -fuzz FuzzRecord -fuzztime 5m
func FuzzRecord(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/advisories/*/*.json")
	more, _ := filepath.Glob("../testdata/osv/*/*.json")
	for _, p := range append(seeds, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(record("X", "Debian:12", "openssl", "introduced:0 fixed:1:3.0.11-1~deb12u2 limit:* last_affected:"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRecord(b)
		if err != nil {
			return
		}
		for _, q := range []Query{{"npm", "lodash", "4.17.15"}, {"PyPI", "idna", "3.3"}, {"Debian:12", "openssl", "3.0.11-1"}, {"Maven", "a:b", "1.0-SNAPSHOT"}, {"Go", "stdlib", "1.26.8"}} {
			Affects(r, q)
			for i := range r.Affected {
				Rate(r, &r.Affected[i])
			}
		}
	})
}

// FuzzVEX reads arbitrary bytes as a VEX document.
func FuzzVEX(f *testing.F) {
	f.Add([]byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "X", "aliases": ["Y"]}, "products": [{"@id": "pkg:npm/a@1", "subcomponents": [{"@id": "pkg:npm/b"}]}], "status": "not_affected"}]}`))
	f.Add([]byte(`{"bomFormat": "CycloneDX", "components": [{"bom-ref": "r", "purl": "pkg:npm/a@1"}], "vulnerabilities": [{"id": "X", "analysis": {"state": "not_affected"}, "affects": [{"ref": "r"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ReadVEX(bytes.NewReader(b), "vex.json")
		if err != nil {
			return
		}
		fs := []Finding{{ID: "X", Package: "r", PURL: "pkg:npm/a@1"}}
		Suppress(fs, nil, st, timeZero)
	})
}

var timeZero = time.Time{}
