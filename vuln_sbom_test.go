package shipcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/vuln"
)

// TestCorpusSBOMVulns re-checks syft's SBOMs of the corpus artifacts
// (../shared/corpus/sboms) and compares with EXPECTED.json: osv-scanner's
// verdict on the same purls, for the components each SBOM lists.
func TestCorpusSBOMVulns(t *testing.T) {
	db := sharedDB(t)
	dir := filepath.Join(sharedDir(t), "corpus", "sboms")
	b, err := os.ReadFile(filepath.Join(dir, "EXPECTED.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		SBOMs map[string][]expectedVuln `json:"sboms"`
	}
	if err := json.Unmarshal(b, &expected); err != nil {
		t.Fatal(err)
	}
	for name, exp := range expected.SBOMs {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			inv, err := cyclonedx.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]bool{}
			for _, p := range inv.Packages {
				listed[p.Ecosystem+" "+vuln.NormalizeName(p.Ecosystem, p.Name)+"@"+p.Version] = true
			}
			res, err := vuln.Match(context.Background(), inv.Packages, vuln.DBSource{DB: db})
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, f := range res.Findings {
				got = append(got, vulnKey(f.ID, f.Ecosystem, f.Name, f.Version))
			}
			for _, e := range exp {
				// EXPECTED.json lists, for java-fn and nested, PyPI advisories
				// of packages those SBOMs do not hold: only the listed count.
				if !listed[e.Package.Ecosystem+" "+vuln.NormalizeName(e.Package.Ecosystem, e.Package.Name)+"@"+e.Package.Version] {
					continue
				}
				want = append(want, vulnKey(e.ID, e.Package.Ecosystem, e.Package.Name, e.Package.Version))
			}
			sort.Strings(got)
			sort.Strings(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("advisories (-expected +found):\n%s", diff)
			}
		})
	}
}

// TestOwnSBOMRoundTrip: matching shipcheck's own SBOM of an artifact finds
// what matching the artifact finds.
func TestOwnSBOMRoundTrip(t *testing.T) {
	db := sharedDB(t)
	dir, truth := loadTruth(t)
	for name, a := range truth {
		t.Run(name, func(t *testing.T) {
			var layers []string
			for _, l := range a.PairsWith {
				layers = append(layers, filepath.Join(dir, l))
			}
			inv, err := SBOM(context.Background(), filepath.Join(dir, name), Options{Options: packagingOptions(layers)})
			if err != nil {
				t.Fatal(err)
			}
			direct, err := vuln.Match(context.Background(), inv.Packages, vuln.DBSource{DB: db})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := cyclonedx.Encode(&buf, inv, cyclonedx.Options{}); err != nil {
				t.Fatal(err)
			}
			back, err := cyclonedx.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			again, err := vuln.Match(context.Background(), back.Packages, vuln.DBSource{DB: db})
			if err != nil {
				t.Fatal(err)
			}
			key := func(r *vuln.Result) []string {
				var out []string
				for _, f := range r.Findings {
					out = append(out, f.ID+" "+strings.SplitN(f.Name, " ", 2)[0]+"@"+f.Version+" "+f.Package)
				}
				sort.Strings(out)
				return out
			}
			if diff := cmp.Diff(key(direct), key(again)); diff != "" {
				t.Errorf("from the SBOM (-direct +sbom):\n%s", diff)
			}
		})
	}
}
