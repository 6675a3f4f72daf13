package sbomarchive

import (
	"context"
	"path/filepath"
	"testing"
)

// TestConstraint: each ecosystem's range syntax, with versions on both
// sides of each bound; the bounds are those of real advisories (lodash
// before 4.17.21, Django 4.0 to 4.2.8, log4j-core 2.0-beta9 to 2.17.1,
// jackson-databind's two ranges, idna before 3.7, rack ~> 2.2).
func TestConstraint(t *testing.T) {
	for _, c := range []struct {
		eco, rng string
		in, out  []string
	}{
		{"npm", "<4.17.21", []string{"4.17.20", "4.17.15", "3.10.1", "4.17.21-rc.1"}, []string{"4.17.21", "4.18.0", "5.0.0"}},
		{"npm", ">=4.17.15 <4.17.19", []string{"4.17.15", "4.17.18"}, []string{"4.17.14", "4.17.19"}},
		{"npm", ">= 4.17.15, < 4.17.19", []string{"4.17.15"}, []string{"4.17.19"}},
		{"npm", "^4.17.20", []string{"4.17.20", "4.99.0"}, []string{"4.17.19", "5.0.0", "5.0.0-beta.1"}},
		{"npm", "^0.2.3", []string{"0.2.3", "0.2.9"}, []string{"0.3.0", "0.2.2"}},
		{"npm", "^0.0.3", []string{"0.0.3"}, []string{"0.0.4"}},
		{"npm", "~1.2.3", []string{"1.2.3", "1.2.9"}, []string{"1.3.0", "1.2.2"}},
		{"npm", "~1", []string{"1.0.0", "1.9.9"}, []string{"2.0.0"}},
		{"npm", "1.2.x", []string{"1.2.0", "1.2.7"}, []string{"1.3.0", "1.1.9"}},
		{"npm", "1.x || >=3.1.0 <3.2.0", []string{"1.0.0", "1.5.2", "3.1.4"}, []string{"2.0.0", "3.2.0", "0.9.0"}},
		{"npm", "1.2.0 - 1.4.0", []string{"1.2.0", "1.4.0", "1.3.5"}, []string{"1.4.1", "1.1.9"}},
		{"npm", "4.17.15", []string{"4.17.15"}, []string{"4.17.16"}},
		{"npm", "=4.17.15", []string{"4.17.15"}, []string{"4.17.14"}},
		{"npm", "*", []string{"0.0.1", "99.0.0"}, nil},
		{"PyPI", ">=4,<4.2.8", []string{"4.0", "4.1.0", "4.2.7", "4.2.8rc1"}, []string{"3.2.23", "4.2.8", "5.0"}},
		{"PyPI", "==4.2.*", []string{"4.2", "4.2.8"}, []string{"4.3", "4.20.1"}},
		{"PyPI", "~=4.1", []string{"4.1", "4.9.2"}, []string{"5.0", "4.0.9"}},
		{"PyPI", "~=4.1.2", []string{"4.1.2", "4.1.9"}, []string{"4.2.0"}},
		{"PyPI", "!=3.6, <3.7", []string{"3.5", "2.10"}, []string{"3.6", "3.7"}},
		{"PyPI", "<3.7", []string{"3.6", "2.10", "0!3.6"}, []string{"3.7", "3.10", "1!0.1"}},
		{"PyPI", "==2.28.1", []string{"2.28.1", "2.28.1.0"}, []string{"2.28.2"}},
		{"Maven", "[2.0,2.17.1)", []string{"2.0", "2.14.1", "2.17.0"}, []string{"2.17.1", "1.2.17", "2.20.0", "2.0-beta9"}},
		{"Maven", "(,2.12.6.1),[2.13.0,2.13.2.1)", []string{"2.12.6", "2.13.1", "2.13.2"}, []string{"2.12.6.1", "2.12.7", "2.13.2.1", "2.14.0"}},
		{"Maven", "[1.5]", []string{"1.5", "1.5.0"}, []string{"1.5.1"}},
		{"Maven", "(1.0,2.0]", []string{"1.0.1", "2.0"}, []string{"1.0", "2.0.1"}},
		{"Maven", "[4.1.86.Final,)", []string{"4.1.86.Final", "4.1.100.Final"}, []string{"4.1.85.Final"}},
		{"Maven", "<2.17.1", []string{"2.17.0"}, []string{"2.17.1"}},
		{"NuGet", "[13.0.1,13.0.3)", []string{"13.0.1", "13.0.2"}, []string{"13.0.3", "12.0.3"}},
		{"RubyGems", "~> 2.2", []string{"2.2", "2.2.8", "2.9"}, []string{"3.0", "2.1.4"}},
		{"RubyGems", ">= 2.2.0, < 2.2.8.1", []string{"2.2.0", "2.2.8"}, []string{"2.2.8.1", "3.0.0"}},
		{"crates.io", "1.2.3", []string{"1.2.3", "1.9.0"}, []string{"2.0.0", "1.2.2"}},
		{"crates.io", "~1.2", []string{"1.2.0", "1.2.9"}, []string{"1.3.0"}},
		{"Packagist", "~1.2", []string{"1.2", "1.9.9"}, []string{"2.0", "1.1"}},
		{"Packagist", "^5.4 || ^6.0", []string{"5.4.1", "6.3.0"}, []string{"5.3.0", "7.0.0"}},
		{"Go", "<v0.3.8", []string{"v0.3.5", "0.3.7"}, []string{"v0.3.8", "v0.4.0"}},
		{"Debian", "<< 2.5.0-1+deb12u1", []string{"2.5.0-1"}, []string{"2.5.0-1+deb12u1", "2.5.0-1+deb12u5"}},
		{"Debian", ">= 1:1.2", []string{"1:1.2", "1:1.3"}, []string{"1.9", "1:1.1"}},
	} {
		con, err := ParseConstraint(c.eco, c.rng)
		if err != nil {
			t.Errorf("%s %q: %v", c.eco, c.rng, err)
			continue
		}
		for _, v := range c.in {
			if !con.Allows(v) {
				t.Errorf("%s %q does not allow %s", c.eco, c.rng, v)
			}
		}
		for _, v := range c.out {
			if con.Allows(v) {
				t.Errorf("%s %q allows %s", c.eco, c.rng, v)
			}
		}
	}
	for _, c := range []struct{ eco, rng string }{
		{"Maven", "[1.0,2.0"}, {"Maven", "[1.0,2.0],x"}, {"Maven", "(1.0)"}, {"PyPI", "4.2"}, {"PyPI", ">=4.*"},
		{"npm", ">="}, {"npm", "1.0 ||"}, {"npm", ">1.x"}, {"RubyGems", "~> 2"}, {"npm", "^x"},
	} {
		if _, err := ParseConstraint(c.eco, c.rng); err == nil {
			t.Errorf("%s %q: read without an error", c.eco, c.rng)
		}
	}
}

// TestParseSpec: purls and ECOSYSTEM/NAME@RANGE, scoped npm names, Maven
// coordinates, Go module paths; what is not one is an error that says
// what to write.
func TestParseSpec(t *testing.T) {
	for _, c := range []struct{ in, eco, name, rng string }{
		{"pkg:npm/lodash@4.17.15", "npm", "lodash", "=4.17.15"},
		{"pkg:npm/%40babel/core", "npm", "@babel/core", ""},
		{"pkg:pypi/django@4.1.0", "PyPI", "django", "=4.1.0"},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "Maven", "org.apache.logging.log4j:log4j-core", "=2.14.1"},
		{"pkg:deb/debian/libexpat1@2.5.0-1?distro=debian-12", "Debian", "libexpat1", "=2.5.0-1"},
		{"npm/lodash@<4.17.21", "npm", "lodash", "<4.17.21"},
		{"npm/@babel/core@^7", "npm", "@babel/core", "^7"},
		{"npm/@babel/core", "npm", "@babel/core", ""},
		{"pypi/Django@>=4,<4.2.8", "PyPI", "Django", ">=4,<4.2.8"},
		{"Maven/org.apache.logging.log4j:log4j-core@[2.0,2.17.1)", "Maven", "org.apache.logging.log4j:log4j-core", "[2.0,2.17.1)"},
		{"Go/golang.org/x/text@<0.3.8", "Go", "golang.org/x/text", "<0.3.8"},
		{"golang/golang.org/x/text", "Go", "golang.org/x/text", ""},
		{"gem/rack@~> 2.2", "RubyGems", "rack", "~> 2.2"},
	} {
		sp, err := ParseSpec(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if sp.Ecosystem != c.eco || sp.Name != c.name || sp.Versions.String() != c.rng {
			t.Errorf("%s: %q %q %q, want %q %q %q", c.in, sp.Ecosystem, sp.Name, sp.Versions, c.eco, c.name, c.rng)
		}
	}
	for _, bad := range []string{"lodash", "npm/", "cobol/x", "pkg:bogus/x@1", "npm/x@>=", "Maven/a:b@[1,"} {
		if _, err := ParseSpec(bad); err == nil {
			t.Errorf("%q: read without an error", bad)
		}
	}
}

// TestCorpus: every corpus deployment's SBOM (syft's, as shared/corpus
// keeps them) archived under the name its metadata gives; a query of a
// package the corpus ships in several deployments names exactly those the
// corpus truth says install it, each with where.
func TestCorpus(t *testing.T) {
	dir, ok := sharedCorpus(t)
	if !ok {
		return
	}
	ctx := context.Background()
	files, _ := filepath.Glob(filepath.Join(dir, "sboms", "*.syft.cdx.json"))
	if len(files) < 10 {
		t.Fatalf("%d corpus SBOMs", len(files))
	}
	truth := corpusTruth(t, dir)
	eachBackend(t, func(t *testing.T, loc string) {
		a := open(t, loc)
		for _, f := range files {
			e, err := Read(ctx, f, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Add(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		for spec, key := range map[string]string{
			"pkg:pypi/requests@2.28.1":         "PyPI/requests@2.28.1",
			"PyPI/idna@==3.3":                  "PyPI/idna@3.3",
			"pkg:pypi/certifi@2022.9.24":       "PyPI/certifi@2022.9.24",
			"Debian/libexpat1@2.5.0-1+deb12u5": "Debian/libexpat1@2.5.0-1+deb12u5",
		} {
			sp, err := ParseSpec(spec)
			if err != nil {
				t.Fatal(err)
			}
			hs, err := a.Query(ctx, sp, QueryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, h := range hs {
				got = append(got, h.Deployment)
				if len(h.Locations) == 0 {
					t.Errorf("%s in %s: no location recorded", spec, h.Deployment)
				}
			}
			want := truth[key]
			if len(want) < 2 || !equal(got, want) {
				t.Errorf("query %s: %q, the truth installs it in %q", spec, got, want)
			}
		}
	})
}
