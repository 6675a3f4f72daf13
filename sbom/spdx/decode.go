package spdx

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
)

// Decode reads an SPDX 2.3 (or 2.2) JSON document, with the SPDX
// project's library, into an inventory whose packages are its packages
// with a purl (an external reference of category PACKAGE-MANAGER, type
// purl), so that an archived SPDX SBOM is matched as a CycloneDX one is.
func Decode(r io.Reader) (*sbom.Inventory, error) {
	b, err := io.ReadAll(io.LimitReader(r, 512<<20))
	if err != nil {
		return nil, err
	}
	doc, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("not an SPDX JSON document: %v", err)
	}
	inv := &sbom.Inventory{}
	seen := map[string]bool{}
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		for _, ref := range p.PackageExternalReferences {
			if ref == nil || strings.ReplaceAll(strings.ToUpper(ref.Category), "_", "-") != "PACKAGE-MANAGER" || ref.RefType != "purl" || seen[ref.Locator] {
				continue
			}
			pkg := cyclonedx.FromPURL(ref.Locator, p.PackageName, p.PackageVersion)
			if pkg == nil {
				continue
			}
			seen[ref.Locator] = true
			pkg.ID = ref.Locator
			// What Encode writes of a declared pin that does not ship.
			pkg.DeclaredOnly = strings.HasPrefix(p.PackageComment, declaredComment)
			pkg.Excluded = pkg.DeclaredOnly && strings.HasSuffix(p.PackageComment, excludedComment)
			inv.Packages = append(inv.Packages, pkg)
		}
	}
	return inv, nil
}
