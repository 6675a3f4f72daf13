// Package php finds the PHP packages Composer installed, from
// vendor/composer/installed.json (osv-scalibr reads composer.lock, the
// declared side, but not this file).
package php

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
)

// Extractor reads vendor/composer/installed.json.
type Extractor struct{}

func (Extractor) Name() string { return "php/installed.json" }

func (Extractor) Match(f *packaging.File) bool {
	return f.Readable() && f.Size < 64<<20 && strings.HasSuffix(f.Path, "/vendor/composer/installed.json")
}

type installed struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	License json.RawMessage `json:"license"`
	Require map[string]any  `json:"require"`
}

func (e Extractor) Extract(_ context.Context, f *packaging.File) ([]*sbom.Package, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	// Composer 2 writes {"packages": [...]}, Composer 1 a bare list.
	var v2 struct {
		Packages []installed `json:"packages"`
	}
	var list []installed
	if err := json.Unmarshal(b, &v2); err == nil && v2.Packages != nil {
		list = v2.Packages
	} else if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("%w: installed.json: %v", archive.ErrUnparsable, err)
	}
	var out []*sbom.Package
	for _, p := range list {
		if p.Name == "" || p.Version == "" {
			continue
		}
		pkg := &sbom.Package{
			Ecosystem: "Packagist", Name: p.Name, Version: p.Version, PURL: PURL(p.Name, p.Version),
			Type: sbom.Library, FoundBy: []string{e.Name()},
		}
		var lic []string
		if json.Unmarshal(p.License, &lic) != nil {
			var one string
			if json.Unmarshal(p.License, &one) == nil {
				lic = []string{one}
			}
		}
		for _, l := range lic {
			pkg.Licenses = append(pkg.Licenses, sbom.NormalizeLicense(l))
		}
		var deps []string
		for d := range p.Require {
			if strings.Contains(d, "/") { // not php itself or ext-*
				deps = append(deps, d)
			}
		}
		sort.Strings(deps)
		pkg.WithDeps(deps...)
		out = append(out, pkg)
	}
	return out, nil
}

// PURL returns a Composer package's purl: the vendor is the namespace.
func PURL(name, version string) string {
	ns, n, _ := strings.Cut(name, "/")
	return packageurl.NewPackageURL(packageurl.TypeComposer, ns, n, version, nil, "").ToString()
}
