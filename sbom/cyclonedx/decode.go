package cyclonedx

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"

	"github.com/shipcheck/shipcheck/sbom"
)

// Decode reads a CycloneDX SBOM (JSON or XML; ours, or another tool's such
// as syft's or trivy's) into an inventory whose packages are its components
// with a purl, so that an archived SBOM can be matched again without the
// artifact.
func Decode(r io.Reader) (*sbom.Inventory, error) {
	b, err := io.ReadAll(io.LimitReader(r, 512<<20))
	if err != nil {
		return nil, err
	}
	format := cdx.BOMFileFormatJSON
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '<' {
		format = cdx.BOMFileFormatXML
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(b), format).Decode(&bom); err != nil {
		return nil, fmt.Errorf("not a CycloneDX SBOM: %v", err)
	}
	inv := &sbom.Inventory{}
	// Some tools list one package once per place they found it (syft: the
	// installed gem and its Gemfile.lock entry): one package per purl.
	seen := map[string]*sbom.Package{}
	var walk func([]cdx.Component)
	walk = func(cs []cdx.Component) {
		for _, c := range cs {
			if p := fromComponent(c); p != nil {
				if prev := seen[p.PURL]; prev != nil {
					prev.Locations = append(prev.Locations, p.Locations...)
					prev.Excluded = prev.Excluded && p.Excluded
				} else {
					seen[p.PURL] = p
					inv.Packages = append(inv.Packages, p)
				}
			}
			if c.Components != nil {
				walk(*c.Components)
			}
		}
	}
	if bom.Components != nil {
		walk(*bom.Components)
	}
	if bom.Dependencies != nil {
		byRef := map[string]*sbom.Package{}
		for _, p := range inv.Packages {
			byRef[p.ID] = p
		}
		for _, d := range *bom.Dependencies {
			if p := byRef[d.Ref]; p != nil && d.Dependencies != nil {
				p.DependsOn = append(p.DependsOn, *d.Dependencies...)
			}
		}
	}
	return inv, nil
}

// purlEcosystems maps purl types to OSV ecosystems.
var purlEcosystems = map[string]string{
	"npm": "npm", "pypi": "PyPI", "maven": "Maven", "golang": "Go", "gem": "RubyGems",
	"cargo": "crates.io", "nuget": "NuGet", "composer": "Packagist", "deb": "Debian",
	"apk": "Alpine", "rpm": "Red Hat", "pub": "Pub", "hex": "Hex", "swift": "SwiftURL",
}

// debianReleases maps Debian codenames to releases, as OSV names them.
var debianReleases = map[string]string{
	"stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
}

var releaseDigits = regexp.MustCompile(`^(\d+)(\.(\d+))?`)

func fromComponent(c cdx.Component) *sbom.Package {
	u, err := packageurl.FromString(c.PackageURL)
	if err != nil || u.Name == "" {
		return nil
	}
	eco, ok := purlEcosystems[u.Type]
	if !ok {
		return nil
	}
	p := &sbom.Package{ID: c.BOMRef, Ecosystem: eco, Version: u.Version, PURL: c.PackageURL, Type: sbom.Library, Name: u.Name}
	if p.ID == "" {
		p.ID = c.PackageURL
	}
	if p.Version == "" {
		p.Version = c.Version
	}
	switch u.Type {
	case "maven":
		if u.Namespace != "" {
			p.Name = u.Namespace + ":" + u.Name
		}
	case "npm", "golang", "composer":
		if u.Namespace != "" {
			p.Name = u.Namespace + "/" + u.Name
		}
		if u.Type == "golang" && p.Name == "stdlib" {
			// syft writes the toolchain as "go1.26.8".
			p.Version = strings.TrimPrefix(p.Version, "go")
		}
	case "pypi", "gem", "nuget", "cargo":
		// The component's own spelling (Jinja2), where the purl lowers it.
		if c.Name != "" && sbom.NormalizeName(eco, c.Name) == sbom.NormalizeName(eco, u.Name) {
			p.Name = c.Name
		}
	case "deb", "apk", "rpm":
		p.Ecosystem = osEcosystem(u)
		if src := u.Qualifiers.Map()["upstream"]; src != "" {
			p.SourceName, p.SourceVersion, _ = strings.Cut(src, "@")
			if p.SourceName == p.Name {
				p.SourceName = ""
			}
		}
	}
	if c.Type == cdx.ComponentTypeApplication {
		p.Type = sbom.Application
	}
	if c.Scope == cdx.ScopeExcluded {
		p.Excluded = true
	}
	if c.Properties != nil {
		for _, pr := range *c.Properties {
			switch pr.Name {
			case "shipcheck:ecosystem":
				p.Ecosystem = pr.Value
			case "shipcheck:declared-only":
				p.DeclaredOnly = pr.Value == "true"
			case "shipcheck:source-package":
				p.SourceName = pr.Value
			}
		}
	}
	if c.Evidence != nil && c.Evidence.Occurrences != nil {
		for _, o := range *c.Evidence.Occurrences {
			p.Locations = append(p.Locations, sbom.Location{Path: o.Location, Declared: strings.Contains(o.AdditionalContext, "declared")})
		}
	}
	if len(p.Locations) == 0 && c.Properties != nil {
		// Where other tools record the files that name the package:
		// syft's syft:location:N:path, Trivy's aquasecurity:trivy:FilePath.
		for _, pr := range *c.Properties {
			if pr.Value != "" && (strings.HasPrefix(pr.Name, "syft:location:") && strings.HasSuffix(pr.Name, ":path") || pr.Name == "aquasecurity:trivy:FilePath") {
				p.Locations = append(p.Locations, sbom.Location{Path: pr.Value})
			}
		}
	}
	return p
}

// osEcosystem reads an OS package's release from its purl's distro
// qualifier: deb "debian-12.15" or "bookworm" -> Debian:12; apk
// "alpine-3.19.1" or "3.19.1" -> Alpine:v3.19.
func osEcosystem(u packageurl.PackageURL) string {
	distro := u.Qualifiers.Map()["distro"]
	switch u.Type {
	case "deb":
		name := "Debian"
		if strings.EqualFold(u.Namespace, "ubuntu") {
			name = "Ubuntu"
		}
		d := strings.TrimPrefix(strings.ToLower(distro), strings.ToLower(u.Namespace)+"-")
		if r, ok := debianReleases[d]; ok {
			return name + ":" + r
		}
		if m := releaseDigits.FindStringSubmatch(d); m != nil {
			if name == "Ubuntu" {
				return name + ":" + m[0]
			}
			return name + ":" + m[1]
		}
		return name
	case "apk":
		d := strings.TrimPrefix(strings.ToLower(distro), "alpine-")
		if m := releaseDigits.FindStringSubmatch(d); m != nil && m[3] != "" {
			return "Alpine:v" + m[1] + "." + m[3]
		}
		return "Alpine"
	}
	return "Red Hat"
}

// FromPURL is the package a purl names, as Decode reads a component: the
// ecosystem from the purl's type (an OS package's release from its distro
// qualifier), the name as the ecosystem writes it; name and version are
// the document's own spelling, used where the purl lowers or lacks them.
// It returns nil for a purl of no ecosystem advisories cover.
func FromPURL(purl, name, version string) *sbom.Package {
	return fromComponent(cdx.Component{PackageURL: purl, Name: name, Version: version})
}
