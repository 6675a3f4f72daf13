package python

import (
	"context"
	"fmt"
	"io"
	"path"

	"github.com/BurntSushi/toml"
	"github.com/package-url/packageurl-go"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
)

// Project finds the function's own Python project: a pyproject.toml of the
// deployment (not one shipped inside an installed package) is an
// application component, with the dependencies it names.
type Project struct{}

func (Project) Name() string { return "python/pyproject" }

func (Project) Match(f *packaging.File) bool {
	return f.Readable() && f.Size < 1<<20 && path.Base(f.Path) == "pyproject.toml" && sbom.AtTop(f)
}

func (p Project) Extract(_ context.Context, f *packaging.File) ([]*sbom.Package, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Project struct {
			Name         string   `toml:"name"`
			Version      string   `toml:"version"`
			Dependencies []string `toml:"dependencies"`
			License      any      `toml:"license"`
		} `toml:"project"`
		Tool struct {
			Poetry struct {
				Name         string         `toml:"name"`
				Version      string         `toml:"version"`
				Dependencies map[string]any `toml:"dependencies"`
				License      string         `toml:"license"`
			} `toml:"poetry"`
		} `toml:"tool"`
	}
	if _, err := toml.Decode(string(b), &doc); err != nil {
		return nil, fmt.Errorf("%w: pyproject.toml: %v", archive.ErrUnparsable, err)
	}
	name, version := doc.Project.Name, doc.Project.Version
	var deps []string
	for _, d := range doc.Project.Dependencies {
		deps = append(deps, requirementName(d))
	}
	var licenses []string
	switch l := doc.Project.License.(type) {
	case string:
		licenses = append(licenses, sbom.NormalizeLicense(l))
	case map[string]any:
		if t, ok := l["text"].(string); ok && len(t) < 100 {
			licenses = append(licenses, sbom.NormalizeLicense(t))
		}
	}
	if name == "" {
		po := doc.Tool.Poetry
		name, version = po.Name, po.Version
		for d := range po.Dependencies {
			if d != "python" {
				deps = append(deps, d)
			}
		}
		if po.License != "" {
			licenses = append(licenses, sbom.NormalizeLicense(po.License))
		}
	}
	if name == "" {
		return nil, nil
	}
	pkg := &sbom.Package{
		Ecosystem: "PyPI", Name: name, Version: version, Type: sbom.Application, Licenses: licenses,
		PURL:    packageurl.NewPackageURL(packageurl.TypePyPi, "", NormalizeName(name), version, nil, "").ToString(),
		FoundBy: []string{p.Name()},
	}
	pkg.WithDeps(deps...)
	return []*sbom.Package{pkg}, nil
}

// NormalizeName is a PyPI name as purls write it: PEP 503, lower case.
func NormalizeName(name string) string { return sbom.NormalizeName("PyPI", name) }
