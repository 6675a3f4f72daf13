package vuln

import (
	"strings"
	"testing"
)

// rangeOf builds a record with one affected entry and one range from
// "introduced:X fixed:Y last_affected:Z limit:W" events.
func rangeOf(id, eco, name, typ, events string, versions ...string) *Record {
	var evs []Event
	for _, f := range strings.Fields(events) {
		k, v, _ := strings.Cut(f, ":")
		switch k {
		case "introduced":
			evs = append(evs, Event{Introduced: v})
		case "fixed":
			evs = append(evs, Event{Fixed: v})
		case "last_affected":
			evs = append(evs, Event{LastAffected: v})
		case "limit":
			evs = append(evs, Event{Limit: v})
		}
	}
	a := Affected{Package: Package{Ecosystem: eco, Name: name}, Versions: versions}
	if len(evs) > 0 {
		a.Ranges = []Range{{Type: typ, Events: evs}}
	}
	return &Record{ID: id, Affected: []Affected{a}}
}

// TestBoundaries evaluates versions at the edges of real advisories' ranges,
// per ecosystem: the events below are copied from the advisories named.
func TestBoundaries(t *testing.T) {
	idna := rangeOf("PYSEC-2024-60", "PyPI", "idna", "ECOSYSTEM", "introduced:0.1 fixed:3.7")
	lodash := rangeOf("NSWG-ECO-516", "npm", "lodash", "SEMVER", "introduced:4.17.15 fixed:4.17.19")
	lastAff := rangeOf("NSWG-ECO-1", "npm", "bassmaster", "SEMVER", "introduced:0 last_affected:1.5.1")
	databind := &Record{ID: "GHSA-57j2-w4cx-62h2", Affected: []Affected{
		{Package: Package{Ecosystem: "Maven", Name: "com.fasterxml.jackson.core:jackson-databind"}, Ranges: []Range{{Type: "ECOSYSTEM", Events: []Event{{Introduced: "2.13.0"}, {Fixed: "2.13.2.1"}}}}},
		{Package: Package{Ecosystem: "Maven", Name: "com.fasterxml.jackson.core:jackson-databind"}, Ranges: []Range{{Type: "ECOSYSTEM", Events: []Event{{Introduced: "0"}, {Fixed: "2.12.6.1"}}}}},
	}}
	xtext := rangeOf("GO-2021-0113", "Go", "golang.org/x/text", "SEMVER", "introduced:0 fixed:0.3.7")
	rack := rangeOf("RUBYSEC-rack-CVE-2011-5036", "RubyGems", "rack", "ECOSYSTEM", "introduced:0 fixed:1.1.3 introduced:1.2 fixed:1.2.5 introduced:1.3 fixed:1.3.6")
	newtonsoft := rangeOf("GHSA-5crp-9r3c-p9vr", "NuGet", "Newtonsoft.Json", "ECOSYSTEM", "introduced:0 fixed:13.0.1")
	for _, c := range []struct {
		r       *Record
		eco     string
		name    string
		version string
		want    bool
	}{
		// PEP 440: pre-, post- and dev-releases.
		{idna, "PyPI", "idna", "3.6", true},
		{idna, "PyPI", "idna", "3.7", false},
		{idna, "PyPI", "idna", "3.7rc1", true},
		{idna, "PyPI", "idna", "3.7.dev0", true},
		{idna, "PyPI", "idna", "3.6.post1", true},
		{idna, "PyPI", "idna", "3.7.post1", false},
		{idna, "PyPI", "idna", "0.1", true},
		{idna, "PyPI", "idna", "0.0.9", false},
		{idna, "PyPI", "IDNA", "3.3", true}, // PEP 503 names
		// SemVer: inclusive introduced, exclusive fixed, pre-releases before.
		{lodash, "npm", "lodash", "4.17.15", true},
		{lodash, "npm", "lodash", "4.17.14", false},
		{lodash, "npm", "lodash", "4.17.19", false},
		{lodash, "npm", "lodash", "4.17.19-beta.1", true},
		{lodash, "npm", "Lodash", "4.17.15", false}, // npm names are case-sensitive
		{lastAff, "npm", "bassmaster", "1.5.1", true},
		{lastAff, "npm", "bassmaster", "1.5.2", false},
		// Maven: four-part versions, qualifiers sort before the release.
		{databind, "Maven", "com.fasterxml.jackson.core:jackson-databind", "2.13.2", true},
		{databind, "Maven", "com.fasterxml.jackson.core:jackson-databind", "2.13.2.1", false},
		{databind, "Maven", "com.fasterxml.jackson.core:jackson-databind", "2.12.6", true},
		{databind, "Maven", "com.fasterxml.jackson.core:jackson-databind", "2.12.6.1", false},
		{databind, "Maven", "com.fasterxml.jackson.core:jackson-databind", "2.12.7", false},
		{databind, "Maven", "com.fasterxml.jackson.core:jackson-databind", "2.13.0-rc1", false},
		{databind, "Maven", "com.fasterxml.jackson.core:jackson-databind", "2.13.0", true},
		// Go: "v"-prefixed module versions against OSV's bare ones.
		{xtext, "Go", "golang.org/x/text", "v0.3.5", true},
		{xtext, "Go", "golang.org/x/text", "v0.3.7", false},
		{xtext, "Go", "golang.org/x/text", "v0.3.7-0.20210101000000-abcdef123456", true},
		// RubyGems: several intervals; 1.1.5 falls between them.
		{rack, "RubyGems", "rack", "1.2.4", true},
		{rack, "RubyGems", "rack", "1.2.5", false},
		{rack, "RubyGems", "rack", "1.1.5", false},
		{rack, "RubyGems", "rack", "1.3.5", true},
		{rack, "RubyGems", "rack", "1.3.6.beta1", true},
		// NuGet: case-insensitive names, pre-releases before the release.
		{newtonsoft, "NuGet", "newtonsoft.json", "12.0.3", true},
		{newtonsoft, "NuGet", "Newtonsoft.Json", "13.0.1-beta1", true},
		{newtonsoft, "NuGet", "Newtonsoft.Json", "13.0.1", false},
	} {
		_, got := Affects(c.r, Query{Ecosystem: c.eco, Name: c.name, Version: c.version})
		if got != c.want {
			t.Errorf("%s: %s %s@%s affected = %v, want %v", c.r.ID, c.eco, c.name, c.version, got, c.want)
		}
	}
}

// TestOSVSemantics: versions lists, limit events, withdrawn records,
// GIT-only ranges, and the release of an OS ecosystem.
func TestOSVSemantics(t *testing.T) {
	listed := rangeOf("L", "PyPI", "p", "", "", "1.0", "1.1")
	if _, ok := Affects(listed, Query{"PyPI", "p", "1.1"}); !ok {
		t.Error("a listed version is not affected")
	}
	if _, ok := Affects(listed, Query{"PyPI", "p", "1.2"}); ok {
		t.Error("an unlisted version is affected")
	}
	limited := rangeOf("M", "Go", "m", "SEMVER", "introduced:0 limit:2.0.0")
	if _, ok := Affects(limited, Query{"Go", "m", "2.1.0"}); ok {
		t.Error("a version past the limit is affected")
	}
	if _, ok := Affects(limited, Query{"Go", "m", "1.9.0"}); !ok {
		t.Error("a version below the limit is not affected")
	}
	withdrawn := rangeOf("W", "npm", "w", "SEMVER", "introduced:0")
	withdrawn.Withdrawn = "2024-01-01T00:00:00Z"
	if _, ok := Affects(withdrawn, Query{"npm", "w", "1.0.0"}); ok {
		t.Error("a withdrawn advisory affects a package")
	}
	git := rangeOf("G", "PyPI", "g", "GIT", "introduced:0 fixed:abcdef")
	if _, ok := Affects(git, Query{"PyPI", "g", "1.0"}); ok {
		t.Error("a GIT range matched a version")
	}
	deb := rangeOf("D", "Debian:12", "openssl", "ECOSYSTEM", "introduced:0 fixed:3.0.11-1~deb12u2")
	for _, c := range []struct {
		eco, version string
		want         bool
	}{
		{"Debian:12", "3.0.11-1~deb12u1", true},
		{"Debian:12", "3.0.11-1~deb12u2", false},
		{"Debian:12", "3.0.11-1", false},  // ~ sorts before the release
		{"Debian:12", "1:3.0.0-1", false}, // an epoch outranks everything
		{"Debian:11", "3.0.11-1~deb12u1", false},
	} {
		if _, got := Affects(deb, Query{c.eco, "openssl", c.version}); got != c.want {
			t.Errorf("%s openssl %s affected = %v, want %v", c.eco, c.version, got, c.want)
		}
	}
}

// TestFixed: the nearest fixed version above the installed one.
func TestFixed(t *testing.T) {
	rack := rangeOf("RUBYSEC-rack-CVE-2011-5036", "RubyGems", "rack", "ECOSYSTEM", "introduced:0 fixed:1.1.3 introduced:1.2 fixed:1.2.5 introduced:1.3 fixed:1.3.6")
	h, ok := Affects(rack, Query{"RubyGems", "rack", "1.2.1"})
	if !ok || len(h.Fixed) != 2 || h.Fixed[0] != "1.2.5" || h.Fixed[1] != "1.3.6" {
		t.Errorf("fixed above 1.2.1: %v", h.Fixed)
	}
	h, _ = Affects(rangeOf("N", "npm", "n", "SEMVER", "introduced:0 last_affected:9.9.9"), Query{"npm", "n", "1.0.0"})
	if len(h.Fixed) != 0 {
		t.Errorf("no fix known, got %v", h.Fixed)
	}
}

// TestRate: severities from CVSS vectors (v2, v3.0, v3.1, v4, the highest
// wins) and from database_specific ratings and scores.
func TestRate(t *testing.T) {
	for _, c := range []struct {
		name  string
		r     Record
		level Level
		score float64
	}{
		{"v3.1", Record{Severity: []Severity{{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}}, High, 7.5},
		{"v3.0 critical", Record{Severity: []Severity{{"CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}}, Critical, 9.8},
		{"v2", Record{Severity: []Severity{{"CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}}, High, 7.5},
		{"v4", Record{Severity: []Severity{{"CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}}, Critical, 9.3},
		{"highest of two", Record{Severity: []Severity{{"CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"}, {"CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}}, Critical, 9.3},
		{"GHSA rating", Record{DatabaseSpecific: map[string]any{"severity": "MODERATE"}}, Medium, -1},
		{"rubysec score", Record{DatabaseSpecific: map[string]any{"cvss_v3": 5.3}}, Medium, 5.3},
		{"Node WG score", Record{DatabaseSpecific: map[string]any{"cvss_score": 9.8}}, Critical, 9.8},
		{"none", Record{}, Unknown, -1},
		{"malformed vector", Record{Severity: []Severity{{"CVSS_V3", "CVSS:3.0/AV:N/I:U/A:U"}}}, Unknown, -1},
	} {
		got := Rate(&c.r, nil)
		if got.Level != c.level || got.Score != c.score {
			t.Errorf("%s: %+v, want %s %.1f", c.name, got, c.level, c.score)
		}
	}
}

func TestLevels(t *testing.T) {
	if Unknown.Rank(High) != High.Rank(High) || Unknown.Rank(Low) != Low.Rank(Low) {
		t.Error("unknown does not rank as asked")
	}
	if !(Critical.Rank(High) > High.Rank(High) && High.Rank(High) > Medium.Rank(High) && Low.Rank(High) > None.Rank(High)) {
		t.Error("levels out of order")
	}
}

// TestSameEcosystem: which OS releases an advisory's ecosystem covers.
func TestSameEcosystem(t *testing.T) {
	for _, c := range []struct {
		advisory, query string
		want            bool
	}{
		{"Debian:12", "Debian:12", true},
		{"Debian:12", "Debian:11", false},
		{"Debian", "Debian:12", true},
		{"Debian:12", "Debian", true}, // release unknown: any
		{"Alpine:v3.18", "Alpine:v3.18", true},
		{"Alpine:v3.18", "Alpine:3.18", true},
		{"Alpine:v3.18", "Alpine:v3.19", false},
		{"Ubuntu:22.04:LTS", "Ubuntu:22.04:LTS", true},
		{"Ubuntu:22.04:LTS", "Ubuntu:22.04", true},
		{"Ubuntu:22.04:LTS", "Ubuntu:20.04:LTS", false},
		{"Ubuntu:Pro:18.04:LTS", "Ubuntu:18.04:LTS", false},
		{"Ubuntu:22.04:LTS", "Debian:12", false},
		{"PyPI", "PyPI", true},
	} {
		if got := sameEcosystem(c.advisory, c.query); got != c.want {
			t.Errorf("sameEcosystem(%q, %q) = %v, want %v", c.advisory, c.query, got, c.want)
		}
	}
}
