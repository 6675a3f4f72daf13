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

	"github.com/shipcheck/shipcheck/internal/testshared"

	"github.com/package-url/packageurl-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
)

// sharedDir returns ../shared (see internal/testshared).
func sharedDir(t testing.TB) string { return testshared.Dir(t) }

type truthPackage struct {
	DeclaredOnly bool   `json:"declared_only"`
	Ecosystem    string `json:"ecosystem"`
	Name         string `json:"name"`
	Path         string `json:"path"`
	PURL         string `json:"purl"`
	Version      string `json:"version"`
}

type truthArtifact struct {
	Kind      string         `json:"kind"`
	Mount     string         `json:"mount"`
	PairsWith []string       `json:"pairs_with"`
	Packages  []truthPackage `json:"packages"`
}

func loadTruth(t testing.TB) (string, map[string]truthArtifact) {
	dir := filepath.Join(sharedDir(t), "corpus")
	b, err := os.ReadFile(filepath.Join(dir, "TRUTH.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Artifacts map[string]truthArtifact `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	return dir, truth.Artifacts
}

// purlKey compares purls parsed: type, namespace, name and version, so that
// qualifiers (distro=, arch=) do not count.
func purlKey(t testing.TB, s string) string {
	p, err := packageurl.FromString(s)
	if err != nil {
		t.Errorf("bad purl %q: %v", s, err)
		return s
	}
	return p.Type + "/" + p.Namespace + "/" + p.Name + "@" + p.Version
}

// TestCorpusSBOM takes the inventory of every corpus artifact (with the
// layers its truth pairs it with) and compares it with the truth's packages:
// none missed, none invented (applications are not counted), each declared
// only where the truth says, each with its evidence path.
func TestCorpusSBOM(t *testing.T) {
	dir, truth := loadTruth(t)
	for name, a := range truth {
		t.Run(name, func(t *testing.T) {
			var layers []string
			want := map[string]truthPackage{}
			add := func(pkgs []truthPackage) {
				for _, p := range pkgs {
					want[purlKey(t, p.PURL)+" "+strings.TrimPrefix(p.Path, "/")] = p
				}
			}
			add(a.Packages)
			for _, l := range a.PairsWith {
				layers = append(layers, filepath.Join(dir, l))
				add(truth[l].Packages)
			}
			inv, err := SBOM(context.Background(), filepath.Join(dir, name), Options{Options: packagingOptions(layers)})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*sbom.Package{}
			for _, p := range inv.Packages {
				if p.Type == sbom.Application {
					continue
				}
				// Each package once, at its first (installed, if any) location.
				loc := p.Locations[0].Path
				if a.Mount == "" {
					loc = relativeToMount(inv, loc)
				}
				got[purlKey(t, p.PURL)+" "+strings.TrimPrefix(loc, "/")] = p
			}
			var missing, extra []string
			for k := range want {
				if got[k] == nil {
					missing = append(missing, k)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					extra = append(extra, k)
				}
			}
			sort.Strings(missing)
			sort.Strings(extra)
			if len(missing)+len(extra) > 0 {
				t.Errorf("packages differ from the truth:\nmissing: %s\nextra:   %s", strings.Join(missing, "\n         "), strings.Join(extra, "\n         "))
			}
			for k, w := range want {
				if g := got[k]; g != nil && g.DeclaredOnly != w.DeclaredOnly {
					t.Errorf("%s: declared only %v, truth says %v", k, g.DeclaredOnly, w.DeclaredOnly)
				}
			}
			for _, p := range inv.Problems {
				if p.Partial() {
					t.Errorf("problem: %s", p)
				}
			}
			// The SBOM a compliance archive keeps validates.
			var buf bytes.Buffer
			if err := cyclonedx.Encode(&buf, inv, cyclonedx.Options{}); err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if err := cdxSchema(t).Validate(doc); err != nil {
				t.Errorf("CycloneDX 1.6 schema: %v", err)
			}
		})
	}
}

// cdxSchema compiles the CycloneDX 1.6 JSON schema from testdata/schemas,
// offline.
func cdxSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, f := range []string{"bom-1.6.schema.json", "jsf-0.82.schema.json", "spdx.schema.json", "cryptography-defs.schema.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "schemas", f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func relativeToMount(inv *sbom.Inventory, p string) string {
	for _, s := range inv.Sources {
		if s.Mount != "/" && strings.HasPrefix(p, s.Mount+"/") {
			return p[len(s.Mount)+1:]
		}
	}
	return strings.TrimPrefix(p, "/")
}
