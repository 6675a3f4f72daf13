package shipcheck

import (
	"strings"
	"testing"
)

// FuzzExtractors puts arbitrary bytes where every extractor looks (a
// package.json, a lockfile, METADATA, pom.properties in a jar, a dpkg
// status, ...) and takes the inventory: no extractor may panic (the
// pipeline would turn a panic into a problem; here it fails the test).
//
//	go test . -run '^$' -fuzz FuzzExtractors -fuzztime 10m
func FuzzExtractors(f *testing.F) {
	for _, seed := range []string{
		`{"name": "a", "version": "1.0.0", "license": {"type": "MIT"}, "dependencies": {"b": "1"}}`,
		lockV3,
		"Name: six\nVersion: 1.16.0\nRequires-Dist: idna (<4)\nClassifier: License :: OSI Approved :: MIT License\n\n",
		"groupId=a\nartifactId=b\nversion=1\n",
		"Package: libc6\nStatus: install ok installed\nVersion: 2.36\nDepends: a (>= 1) | b, c:any\n\n",
		"GEM\n  specs:\n    rack (2.2.3)\n      x\n",
		`{"packages": [{"name": "a/b", "version": "1", "license": "MIT", "require": {"c/d": "1"}}]}`,
		"Gem::Specification.new do |s|\n s.licenses = [\"MIT\"]\n s.add_runtime_dependency(%q<rack>.freeze)\nend\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := string(b)
		jar := string(zipOf(t, files{"META-INF/maven/g/a/pom.properties": s, "META-INF/maven/g/a/pom.xml": s, "META-INF/MANIFEST.MF": s}))
		inv := inventoryOf(t, files{
			"package.json":                   s,
			"node_modules/x/package.json":    s,
			"package-lock.json":              s,
			"yarn.lock":                      s,
			"requirements.txt":               s,
			"x-1.0.dist-info/METADATA":       s,
			"lib/x-1.0.jar":                  jar,
			"vendor/composer/installed.json": s,
			"composer.lock":                  s,
			"Gemfile.lock":                   s,
			"specifications/x-1.0.gemspec":   s,
			"var/lib/dpkg/status":            s,
			"Cargo.lock":                     s,
			"x.deps.json":                    s,
			"poetry.lock":                    s,
			"Pipfile.lock":                   s,
		})
		for _, p := range inv.Problems {
			if strings.Contains(p.Err.Error(), "panicked") {
				t.Fatalf("%s", p)
			}
		}
	})
}
