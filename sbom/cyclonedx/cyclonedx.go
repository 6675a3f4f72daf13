// Package cyclonedx writes an inventory as a CycloneDX SBOM (JSON or XML,
// spec 1.5, 1.6 or 1.7) with github.com/CycloneDX/cyclonedx-go: every
// component with its purl, bom-ref, licenses, hashes and the places it was
// found (evidence.occurrences), the artifact itself with its SHA-256 as
// metadata.component, and the dependency graph. In deterministic mode the
// same artifact gives the same bytes: components sorted, the timestamp
// fixed, the serial number derived from the content.
package cyclonedx

import (
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/vuln"
)

// Options tune the encoding.
type Options struct {
	// SpecVersion is "1.5", "1.6" (the default) or "1.7".
	SpecVersion string
	// XML writes XML rather than JSON.
	XML bool
	// Time is the timestamp written; zero means now. Deterministic output
	// sets it (from SOURCE_DATE_EPOCH, or the Unix epoch).
	Time time.Time
	// Deterministic derives the serial number from the content rather than
	// drawing it at random.
	Deterministic bool
	// Serial, when set, is the serial number's UUID (a report re-rendered
	// keeps the one it was made with); it takes precedence over
	// Deterministic.
	Serial string
	// ToolVersion is shipcheck's version, recorded as the tool.
	ToolVersion string
	// Findings, if any, go in the vulnerabilities section, each affecting
	// its component; suppressed ones carry their analysis.
	Findings []vuln.Finding
	// Advisories says where the findings' advisories came from.
	Advisories *vuln.SourceInfo
}

// SpecVersions are the versions Encode writes.
var SpecVersions = map[string]cdx.SpecVersion{"1.5": cdx.SpecVersion1_5, "1.6": cdx.SpecVersion1_6, "1.7": cdx.SpecVersion1_7}

// Encode writes inv as a CycloneDX document.
func Encode(w io.Writer, inv *sbom.Inventory, opt Options) error {
	sv := opt.SpecVersion
	if sv == "" {
		sv = "1.6"
	}
	spec, ok := SpecVersions[sv]
	if !ok {
		return fmt.Errorf("CycloneDX spec version %q: shipcheck writes 1.5, 1.6 or 1.7", sv)
	}
	bom := BOM(inv, opt)
	format := cdx.BOMFileFormatJSON
	if opt.XML {
		format = cdx.BOMFileFormatXML
	}
	enc := cdx.NewBOMEncoder(w, format)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	return enc.EncodeVersion(bom, spec)
}

// BOM builds the document.
func BOM(inv *sbom.Inventory, opt Options) *cdx.BOM {
	bom := cdx.NewBOM()
	ts := opt.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	meta := &cdx.Metadata{
		Timestamp: ts.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "shipcheck", Version: opt.ToolVersion,
			ExternalReferences: &[]cdx.ExternalReference{{Type: cdx.ERTypeWebsite, URL: "https://github.com/shipcheck/shipcheck"}},
		}}},
		Component: artifactComponent(inv),
	}
	bom.Metadata = meta
	var comps []cdx.Component
	var deps []cdx.Dependency
	for _, p := range inv.Packages {
		comps = append(comps, component(p, opt.XML))
		d := cdx.Dependency{Ref: p.ID}
		if len(p.DependsOn) > 0 {
			on := append([]string(nil), p.DependsOn...)
			d.Dependencies = &on
		}
		deps = append(deps, d)
	}
	sort.Slice(comps, func(i, j int) bool { return comps[i].BOMRef < comps[j].BOMRef })
	sort.Slice(deps, func(i, j int) bool { return deps[i].Ref < deps[j].Ref })
	// The artifact depends on what it ships: its applications, or every
	// package nothing else depends on.
	if meta.Component != nil {
		deps = append([]cdx.Dependency{{Ref: meta.Component.BOMRef, Dependencies: roots(inv.Packages)}}, deps...)
	}
	bom.Components = &comps
	bom.Dependencies = &deps
	if len(opt.Findings) > 0 {
		vs := vulnerabilities(opt.Findings, opt.Advisories)
		bom.Vulnerabilities = &vs
	}
	if a := opt.Advisories; a != nil {
		// Which advisories the vulnerabilities come from, and how old.
		props := []cdx.Property{{Name: "shipcheck:advisories", Value: a.Kind + " " + a.Location}}
		if !a.Built.IsZero() {
			props = append(props, cdx.Property{Name: "shipcheck:advisories-built", Value: a.Built.UTC().Format(time.RFC3339)})
		}
		if !a.Newest.IsZero() {
			props = append(props, cdx.Property{Name: "shipcheck:advisories-newest", Value: a.Newest.UTC().Format(time.RFC3339)})
		}
		meta.Properties = &props
	}
	switch {
	case opt.Serial != "":
		bom.SerialNumber = "urn:uuid:" + opt.Serial
	case opt.Deterministic:
		bom.SerialNumber = contentSerial(inv, opt)
	default:
		bom.SerialNumber = uuid.New().URN()
	}
	return bom
}

func roots(pkgs []*sbom.Package) *[]string {
	dependedOn := map[string]bool{}
	for _, p := range pkgs {
		for _, d := range p.DependsOn {
			dependedOn[d] = true
		}
	}
	var apps, free []string
	for _, p := range pkgs {
		switch {
		case p.Type == sbom.Application:
			apps = append(apps, p.ID)
		case !dependedOn[p.ID] && !p.Excluded:
			free = append(free, p.ID)
		}
	}
	out := append(apps, free...)
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return &out
}

// contentSerial derives a version-5-style UUID from what the document says:
// the artifact files' digests and the components, so that the same artifact
// gives the same serial number.
func contentSerial(inv *sbom.Inventory, opt Options) string {
	h := sha256.New()
	fmt.Fprintf(h, "shipcheck %s %s\n", opt.ToolVersion, opt.SpecVersion)
	for _, f := range inv.Files {
		fmt.Fprintf(h, "%s %s %d\n", f.Name, f.SHA256, f.Size)
	}
	for _, p := range inv.Packages {
		fmt.Fprintf(h, "%s %v\n", p.ID, p.Locations)
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, h.Sum(nil)).URN()
}

func artifactComponent(inv *sbom.Inventory) *cdx.Component {
	if len(inv.Sources) == 0 {
		return nil
	}
	src := inv.Sources[0]
	c := &cdx.Component{
		BOMRef:     "artifact:" + src.Name,
		Type:       cdx.ComponentTypeApplication,
		Name:       src.Name,
		Properties: sourceProperties(src),
	}
	if src.Image != nil {
		c.Type = cdx.ComponentTypeContainer
		if src.Image.Name != "" {
			c.Description = "image " + src.Image.Name
		}
	}
	if len(inv.Files) > 0 {
		c.Hashes = fileHashes(inv.Files[0])
	}
	var layers []cdx.Component
	for i, s := range inv.Sources[1:] {
		l := cdx.Component{
			BOMRef: "artifact:" + s.Name, Type: cdx.ComponentTypeFile, Name: s.Name,
			Description: "Lambda layer " + fmt.Sprint(i+1), Properties: sourceProperties(s),
		}
		if i+1 < len(inv.Files) {
			l.Hashes = fileHashes(inv.Files[i+1])
		}
		layers = append(layers, l)
	}
	if len(layers) > 0 {
		c.Components = &layers
	}
	return c
}

func sourceProperties(s packaging.Source) *[]cdx.Property {
	kind := s.Kind
	if s.Compression != "" {
		kind += "+" + s.Compression
	}
	props := []cdx.Property{
		{Name: "shipcheck:kind", Value: kind},
		{Name: "shipcheck:as", Value: string(s.Role)},
		{Name: "shipcheck:mount", Value: s.Mount},
	}
	if s.Guessed {
		props = append(props, cdx.Property{Name: "shipcheck:guessed", Value: s.Why})
	}
	if s.Image != nil {
		for _, l := range s.Image.Layers {
			props = append(props, cdx.Property{Name: "shipcheck:image-layer", Value: l.Digest})
		}
	}
	return &props
}

func fileHashes(f sbom.ArtifactFile) *[]cdx.Hash {
	if f.SHA256 == "" {
		return nil
	}
	return &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: f.SHA256}}
}

func component(p *sbom.Package, xml bool) cdx.Component {
	c := cdx.Component{
		BOMRef:     p.ID,
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.Version,
		PackageURL: p.PURL,
	}
	if p.Type == sbom.Application {
		c.Type = cdx.ComponentTypeApplication
	}
	switch {
	case strings.HasPrefix(p.Ecosystem, "Maven"):
		if g, a, ok := strings.Cut(p.Name, ":"); ok {
			c.Group, c.Name = g, a
		}
	}
	// An npm scope stays in the name ("@sentry/node", as syft writes it):
	// osv-scanner and grype read a scoped package by its name, and with
	// the scope in group they read "node".
	if p.Excluded {
		c.Scope = cdx.ScopeExcluded
	} else if p.Type != sbom.Application {
		c.Scope = cdx.ScopeRequired
	}
	if lic := licenses(p.Licenses); lic != nil {
		c.Licenses = lic
	}
	if len(p.Hashes) > 0 {
		hs := make([]cdx.Hash, len(p.Hashes))
		for i, h := range p.Hashes {
			hs[i] = cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Alg), Value: h.Value}
		}
		c.Hashes = &hs
	}
	var props []cdx.Property
	if p.DeclaredOnly {
		props = append(props, cdx.Property{Name: "shipcheck:declared-only", Value: "true"})
	}
	if p.ShadowedBy != "" {
		props = append(props, cdx.Property{Name: "shipcheck:shadowed-by", Value: p.ShadowedBy})
	}
	if p.Direct != nil {
		props = append(props, cdx.Property{Name: "shipcheck:direct", Value: fmt.Sprint(*p.Direct)})
	}
	if p.SourceName != "" {
		props = append(props, cdx.Property{Name: "shipcheck:source-package", Value: p.SourceName})
	}
	props = append(props, cdx.Property{Name: "shipcheck:ecosystem", Value: p.Ecosystem})
	for _, by := range p.FoundBy {
		props = append(props, cdx.Property{Name: "shipcheck:found-by", Value: by})
	}
	var occ []cdx.EvidenceOccurrence
	for _, l := range p.Locations {
		o := cdx.EvidenceOccurrence{Location: l.Path, AdditionalContext: context(l)}
		if l.Line > 0 {
			line := l.Line
			o.Line = &line
		}
		occ = append(occ, o)
		if xml {
			// cyclonedx-go writes no evidence in XML: keep the places.
			props = append(props, cdx.Property{Name: "shipcheck:location", Value: l.Path + " (" + context(l) + ")"})
		}
	}
	c.Properties = &props
	if len(occ) > 0 {
		c.Evidence = &cdx.Evidence{Occurrences: &occ}
	}
	return c
}

// context says where a location comes from: its origin chain, its layer,
// whether it is an installed copy or a declaration, and whether the runtime
// loads it.
func context(l sbom.Location) string {
	parts := []string{"origin " + l.Origin.String()}
	if l.Origin.Layer != "" {
		parts = append(parts, "layer "+l.Origin.Layer)
	}
	if l.Declared {
		parts = append(parts, "declared")
	} else {
		parts = append(parts, "installed")
	}
	if l.Shadowed {
		parts = append(parts, "shadowed: the runtime loads another copy first")
	}
	return strings.Join(parts, "; ")
}

// licenses writes SPDX identifiers as ids, SPDX expressions as expressions,
// and anything else as a name.
func licenses(ls []string) *cdx.Licenses {
	if len(ls) == 0 {
		return nil
	}
	var out cdx.Licenses
	for _, l := range ls {
		if len(ls) == 1 && sbom.IsLicenseExpression(l) {
			return &cdx.Licenses{{Expression: l}}
		}
		lic := &cdx.License{Name: l}
		if sbom.IsLicenseID(l) {
			lic = &cdx.License{ID: l}
		} else if sbom.IsLicenseExpression(l) {
			// CycloneDX allows one expression, or a list of licenses: an
			// expression among several is kept as a name.
			lic = &cdx.License{Name: l}
		}
		out = append(out, cdx.LicenseChoice{License: lic})
	}
	return &out
}
