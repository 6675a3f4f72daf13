package spdx

import (
	"bytes"
	"strings"
	"testing"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
)

func sample() *sbom.Inventory {
	return &sbom.Inventory{
		Sources: []packaging.Source{{Path: "fn.zip", Name: "fn.zip", Kind: "zip", Role: packaging.Function, Mount: "/var/task"}},
		Files:   []sbom.ArtifactFile{{Name: "fn.zip", SHA256: strings.Repeat("a", 64)}},
		Packages: sbom.Assemble([]*sbom.Package{
			(&sbom.Package{Ecosystem: "npm", Name: "a", Version: "1.0.0", PURL: "pkg:npm/a@1.0.0", Type: sbom.Library, Licenses: []string{"(MIT OR Apache-2.0) AND BSD-3-Clause"},
				Locations: []sbom.Location{{Path: "/var/task/node_modules/a/package.json"}}}).WithDeps("b"),
			{Ecosystem: "npm", Name: "b", Version: "2.0.0", PURL: "pkg:npm/b@2.0.0", Type: sbom.Library, Licenses: []string{"Some Custom License"},
				Locations: []sbom.Location{{Path: "/var/task/node_modules/b/package.json"}}},
			{Ecosystem: "npm", Name: "c", Version: "3.0.0", PURL: "pkg:npm/c@3.0.0", Type: sbom.Library,
				Locations: []sbom.Location{{Path: "/var/task/package-lock.json", Declared: true}}},
		}),
	}
}

// TestRoundTrip writes SPDX 2.3 JSON and reads it back with the SPDX
// library: packages, purls, licenses and relationships survive.
func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sample(), Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || len(doc.Packages) != 4 {
		t.Fatalf("version %s, %d packages", doc.SPDXVersion, len(doc.Packages))
	}
	lic := map[string]string{}
	purl := map[string]string{}
	for _, p := range doc.Packages {
		lic[p.PackageName] = p.PackageLicenseDeclared
		if len(p.PackageExternalReferences) > 0 {
			purl[p.PackageName] = p.PackageExternalReferences[0].Locator
		}
	}
	if lic["a"] != "(MIT OR Apache-2.0) AND BSD-3-Clause" || lic["b"] != "NOASSERTION" || purl["b"] != "pkg:npm/b@2.0.0" {
		t.Errorf("licenses %v, purls %v", lic, purl)
	}
	rels := map[string]int{}
	for _, r := range doc.Relationships {
		rels[r.Relationship]++
	}
	if rels["DESCRIBES"] != 1 || rels["DEPENDS_ON"] != 1 || rels["CONTAINS"] != 2 {
		t.Errorf("relationships %v (the declared-only c does not ship: no CONTAINS)", rels)
	}
}

func TestDeterministic(t *testing.T) {
	enc := func() string {
		var buf bytes.Buffer
		if err := Encode(&buf, sample(), Options{Deterministic: true, Time: time.Unix(0, 0), ToolVersion: "test"}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if enc() != enc() {
		t.Error("two deterministic encodings differ")
	}
}
