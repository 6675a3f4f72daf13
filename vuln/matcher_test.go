package vuln

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/sbom"
)

// countingSource serves records from memory and counts the queries asked.
type countingSource struct {
	recs    []*Record
	queries int
}

func (s *countingSource) Candidates(_ context.Context, qs []Query) ([][]*Record, error) {
	s.queries += len(qs)
	out := make([][]*Record, len(qs))
	for i, q := range qs {
		for _, r := range s.recs {
			for _, a := range r.Affected {
				if Key(a.Package.Ecosystem, a.Package.Name) == Key(q.Ecosystem, q.Name) {
					out[i] = append(out[i], r)
					break
				}
			}
		}
	}
	return out, nil
}

func (s *countingSource) About() SourceInfo { return SourceInfo{Kind: "test"} }

// TestMatcher: a Matcher gives each package the findings Match gives it
// alone (its own id, purl and locations), while each distinct query is
// looked up once, however many packages and calls share it.
func TestMatcher(t *testing.T) {
	src := &countingSource{recs: []*Record{
		rangeOf("GHSA-35jh-r3h4-6jhm", "npm", "lodash", "SEMVER", "introduced:0 fixed:4.17.21"),
		rangeOf("PYSEC-2024-60", "PyPI", "idna", "ECOSYSTEM", "introduced:0.1 fixed:3.7"),
	}}
	src.recs[1].Aliases = []string{"CVE-2024-3651"}
	deployment := func(where string) []*sbom.Package {
		return []*sbom.Package{
			{ID: "pkg:npm/lodash@4.17.15", Ecosystem: "npm", Name: "lodash", Version: "4.17.15", PURL: "pkg:npm/lodash@4.17.15", Type: sbom.Library,
				Locations: []sbom.Location{{Path: where + "/node_modules/lodash/package.json"}}},
			{ID: "pkg:pypi/idna@3.4", Ecosystem: "PyPI", Name: "idna", Version: "3.4", PURL: "pkg:pypi/idna@3.4", Type: sbom.Library},
			{ID: "pkg:pypi/idna@3.7", Ecosystem: "PyPI", Name: "idna", Version: "3.7", PURL: "pkg:pypi/idna@3.7", Type: sbom.Library},
		}
	}
	ctx := context.Background()
	m := NewMatcher(src)
	for i, where := range []string{"/var/task", "/opt/nodejs", "/var/task"} {
		pkgs := deployment(where)
		got, err := Match(ctx, pkgs, m)
		if err != nil {
			t.Fatal(err)
		}
		alone, err := Match(ctx, pkgs, &countingSource{recs: src.recs})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(alone.Findings, got.Findings); diff != "" || len(got.Findings) != 2 {
			t.Errorf("deployment %d: %d findings; through the Matcher (+) against alone (-):\n%s", i, len(got.Findings), diff)
		}
		if got.Findings[0].Locations[0].Path != where+"/node_modules/lodash/package.json" && got.Findings[1].Locations[0].Path != where+"/node_modules/lodash/package.json" {
			t.Errorf("deployment %d: the findings carry another deployment's locations: %+v", i, got.Findings)
		}
	}
	if src.queries != 3 || m.Distinct() != 3 {
		t.Errorf("3 distinct packages in 3 deployments: %d queries, %d distinct", src.queries, m.Distinct())
	}
}
