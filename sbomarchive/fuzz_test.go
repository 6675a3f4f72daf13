package sbomarchive

import (
	"testing"
)

// FuzzParseSpec: any text as archive query's PACKAGE is read or refused,
// never a panic; a range read allows or refuses any version without one.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"pkg:npm/lodash@4.17.15", "npm/lodash@<4.17.21", "PyPI/django@>=4,<4.2.8", "pypi/x@==4.2.*",
		"Maven/org.apache.logging.log4j:log4j-core@[2.0,2.17.1)", "Maven/a:b@(,1.0],[1.2,)", "npm/@babel/core@^7 || ~6.1.x",
		"RubyGems/rack@~> 2.2", "Debian/openssl@<< 3.0.11-1~deb12u1", "crates.io/serde@1.0", "Packagist/a/b@~1.2", "npm/x@1.2 - 1.4",
	} {
		f.Add(s, "4.17.20")
	}
	f.Fuzz(func(t *testing.T, spec, version string) {
		sp, err := ParseSpec(spec)
		if err != nil {
			return
		}
		if sp.Versions == nil || sp.Ecosystem == "" || sp.Name == "" {
			t.Fatalf("%q: read as %+v", spec, sp)
		}
		sp.Versions.Allows(version)
	})
}
