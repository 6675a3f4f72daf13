package cyclonedx

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/vuln"
)

// schemaDir holds the CycloneDX schemas and the ones they reference, copied
// from ../shared/schemas (the module's own copies point at cyclonedx.org).
const schemaDir = "../../testdata/schemas"

// validator compiles the CycloneDX JSON schema of a spec version offline.
func validator(t *testing.T, version string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, f := range []string{"bom-" + version + ".schema.json", "jsf-0.82.schema.json", "spdx.schema.json", "cryptography-defs.schema.json"} {
		b, err := os.ReadFile(filepath.Join(schemaDir, f))
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
	s, err := c.Compile("http://cyclonedx.org/schema/bom-" + version + ".schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sample() *sbom.Inventory {
	yes := true
	return &sbom.Inventory{
		Sources: []packaging.Source{
			{Path: "fn.zip", Name: "fn.zip", Kind: "zip", Role: packaging.Function, Mount: "/var/task", Guessed: true, Why: "no layer or Azure layout"},
			{Path: "layer.zip", Name: "layer.zip", Kind: "zip", Role: packaging.Layer, Mount: "/opt", Why: "--layer"},
		},
		Files: []sbom.ArtifactFile{{Name: "fn.zip", Path: "fn.zip", Size: 10, SHA256: strings.Repeat("a", 64)}, {Name: "layer.zip", Path: "layer.zip", Size: 5, SHA256: strings.Repeat("b", 64)}},
		Packages: sbom.Assemble([]*sbom.Package{
			{Ecosystem: "npm", Name: "orders", Version: "1.0.0", PURL: "pkg:npm/orders@1.0.0", Type: sbom.Application,
				Locations: []sbom.Location{{Path: "/var/task/package.json", Origin: packaging.Origin{Artifact: "fn.zip", Chain: []string{"package.json"}}}}},
			(&sbom.Package{Ecosystem: "npm", Name: "@acme/x", Version: "2.0.0", PURL: "pkg:npm/%40acme/x@2.0.0", Type: sbom.Library, Licenses: []string{"MIT OR Apache-2.0"}, Direct: &yes,
				Locations: []sbom.Location{{Path: "/var/task/node_modules/@acme/x/package.json", Origin: packaging.Origin{Artifact: "fn.zip", Chain: []string{"node_modules/@acme/x/package.json"}}}}}).WithDeps("ms"),
			{Ecosystem: "npm", Name: "ms", Version: "2.0.0", PURL: "pkg:npm/ms@2.0.0", Type: sbom.Library, Licenses: []string{"MIT"},
				Locations: []sbom.Location{{Path: "/opt/nodejs/node_modules/ms/package.json", Origin: packaging.Origin{Artifact: "layer.zip", Layer: "layer.zip", Chain: []string{"nodejs/node_modules/ms/package.json"}}}}},
			{Ecosystem: "npm", Name: "fsevents", Version: "2.3.2", PURL: "pkg:npm/fsevents@2.3.2", Type: sbom.Library,
				Locations: []sbom.Location{{Path: "/var/task/package-lock.json", Declared: true, Line: 12, Origin: packaging.Origin{Artifact: "fn.zip", Chain: []string{"package-lock.json"}}}}},
			{Ecosystem: "Maven", Name: "com.acme:util", Version: "1.2", PURL: "pkg:maven/com.acme/util@1.2", Type: sbom.Library, Licenses: []string{"The Acme License"},
				Hashes:    []sbom.Hash{{Alg: "SHA-1", Value: strings.Repeat("c", 40)}},
				Locations: []sbom.Location{{Path: "/var/task/lib/util.jar!META-INF/maven/com.acme/util/pom.properties", Origin: packaging.Origin{Artifact: "fn.zip", Chain: []string{"lib/util.jar", "META-INF/maven/com.acme/util/pom.properties"}}}}},
		}),
	}
}

// TestSchema validates the JSON output of every spec version against its
// schema, offline.
func TestSchema(t *testing.T) {
	for _, v := range []string{"1.5", "1.6", "1.7"} {
		t.Run(v, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, sample(), Options{SpecVersion: v, ToolVersion: "test", Findings: sampleFindings(), Advisories: &vuln.SourceInfo{Kind: "local database", Location: "/db/osv.db"}}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(buf.Bytes(), []byte(`"vulnerabilities"`)) {
				t.Fatal("no vulnerabilities section")
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := validator(t, v).Validate(doc); err != nil {
				t.Fatalf("not valid CycloneDX %s: %v", v, err)
			}
		})
	}
}

// TestContent checks what a compliance archive reads: purls, scopes,
// licenses, hashes, evidence, the artifact and the graph.
func TestContent(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sample(), Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
		t.Fatal(err)
	}
	byRef := map[string]cdx.Component{}
	for _, c := range *bom.Components {
		byRef[c.BOMRef] = c
	}
	x := byRef["pkg:npm/%40acme/x@2.0.0"]
	// The scope in the name, no group: as syft writes it, and as
	// osv-scanner and grype read a scoped package (with "@acme" as group
	// they read "x").
	if x.Group != "" || x.Name != "@acme/x" || x.Scope != cdx.ScopeRequired || (*x.Licenses)[0].Expression != "MIT OR Apache-2.0" {
		t.Errorf("scoped npm package: %+v", x)
	}
	if occ := (*x.Evidence.Occurrences)[0]; occ.Location != "/var/task/node_modules/@acme/x/package.json" || !strings.Contains(occ.AdditionalContext, "origin fn.zip!node_modules/@acme/x/package.json") {
		t.Errorf("evidence: %+v", occ)
	}
	fse := byRef["pkg:npm/fsevents@2.3.2"]
	if fse.Scope != cdx.ScopeExcluded || !hasProp(fse, "shipcheck:declared-only", "true") || *(*fse.Evidence.Occurrences)[0].Line != 12 {
		t.Errorf("declared-only lockfile entry: %+v", fse)
	}
	util := byRef["pkg:maven/com.acme/util@1.2"]
	if util.Group != "com.acme" || (*util.Licenses)[0].License.Name != "The Acme License" || (*util.Hashes)[0].Algorithm != cdx.HashAlgoSHA1 {
		t.Errorf("maven: %+v", util)
	}
	if app := byRef["pkg:npm/orders@1.0.0"]; app.Type != cdx.ComponentTypeApplication {
		t.Errorf("application: %+v", app)
	}
	mc := bom.Metadata.Component
	if mc.Name != "fn.zip" || (*mc.Hashes)[0].Value != strings.Repeat("a", 64) || len(*mc.Components) != 1 || (*mc.Components)[0].Name != "layer.zip" {
		t.Errorf("metadata.component: %+v", mc)
	}
	deps := map[string][]string{}
	for _, d := range *bom.Dependencies {
		if d.Dependencies != nil {
			deps[d.Ref] = *d.Dependencies
		}
	}
	if got := deps["pkg:npm/%40acme/x@2.0.0"]; len(got) != 1 || got[0] != "pkg:npm/ms@2.0.0" {
		t.Errorf("@acme/x depends on %v", got)
	}
	if got := deps["artifact:fn.zip"]; !contains(got, "pkg:npm/orders@1.0.0") || contains(got, "pkg:npm/fsevents@2.3.2") || contains(got, "pkg:npm/ms@2.0.0") {
		t.Errorf("the artifact depends on %v", got)
	}
}

func sampleFindings() []vuln.Finding {
	return []vuln.Finding{
		{ID: "NSWG-ECO-516", Aliases: []string{"CVE-2020-8203", "GHSA-p6mc-m468-83gw"}, Summary: "Prototype pollution", Package: "pkg:npm/ms@2.0.0",
			Name: "ms", Version: "2.0.0", Ecosystem: "npm", Fixed: "4.17.19", Fixes: []string{"4.17.19"}, Records: []string{"NSWG-ECO-516"},
			Rating: vuln.Rating{Level: vuln.Medium, Score: 6.3, Method: "CVSSv3", Vector: "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L"}, References: []string{"https://example.com/a"}},
		{ID: "GO-2021-0113", Package: "pkg:maven/com.acme/util@1.2", Name: "com.acme:util", Version: "1.2", Ecosystem: "Maven", Records: []string{"GO-2021-0113"},
			Rating: vuln.Rating{Level: vuln.Unknown, Score: -1}, Suppressed: &vuln.Suppression{By: "vex", Reason: "VEX x.json", Justification: "vulnerable_code_not_in_execute_path"}},
		{ID: "PYSEC-1", Package: "pkg:npm/ms@2.0.0", Name: "ms", Version: "2.0.0", Ecosystem: "npm", Records: []string{"PYSEC-1"},
			Rating: vuln.Rating{Level: vuln.High, Score: -1, Method: "other"}, Suppressed: &vuln.Suppression{By: "ignore", Reason: "ours", Expires: "2030-01-01"}},
	}
}

func hasProp(c cdx.Component, name, value string) bool {
	for _, p := range *c.Properties {
		if p.Name == name && p.Value == value {
			return true
		}
	}
	return false
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestDeterministic encodes twice: the same bytes; and a serial number that
// changes with the content.
func TestDeterministic(t *testing.T) {
	opt := Options{Deterministic: true, Time: time.Unix(1700000000, 0), ToolVersion: "test"}
	enc := func(inv *sbom.Inventory, xml bool) []byte {
		var buf bytes.Buffer
		o := opt
		o.XML = xml
		if err := Encode(&buf, inv, o); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for _, xml := range []bool{false, true} {
		a, b := enc(sample(), xml), enc(sample(), xml)
		if !bytes.Equal(a, b) {
			t.Errorf("xml=%v: two encodings differ", xml)
		}
	}
	other := sample()
	other.Files[0].SHA256 = strings.Repeat("d", 64)
	if BOM(sample(), opt).SerialNumber == BOM(other, opt).SerialNumber {
		t.Error("the serial number does not change with the artifact")
	}
	if s := BOM(sample(), opt).SerialNumber; !strings.HasPrefix(s, "urn:uuid:") {
		t.Errorf("serial %q", s)
	}
	if BOM(sample(), Options{}).SerialNumber == BOM(sample(), Options{}).SerialNumber {
		t.Error("without --deterministic, two BOMs share a serial number")
	}
}

// TestXMLRoundTrip writes XML and reads it back with cyclonedx-go.
func TestXMLRoundTrip(t *testing.T) {
	for _, v := range []string{"1.5", "1.6", "1.7"} {
		var buf bytes.Buffer
		if err := Encode(&buf, sample(), Options{SpecVersion: v, XML: true, ToolVersion: "test"}); err != nil {
			t.Fatal(err)
		}
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cdx.BOMFileFormatXML).Decode(&bom); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if len(*bom.Components) != 5 || bom.Metadata.Component.Name != "fn.zip" {
			t.Errorf("%s: read back %d components", v, len(*bom.Components))
		}
		found := false
		for _, c := range *bom.Components {
			if c.PackageURL == "pkg:maven/com.acme/util@1.2" && hasProp(c, "shipcheck:location", "/var/task/lib/util.jar!META-INF/maven/com.acme/util/pom.properties (origin fn.zip!lib/util.jar!META-INF/maven/com.acme/util/pom.properties; installed)") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the XML lost where the jar was found", v)
		}
	}
}
