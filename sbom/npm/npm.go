// Package npm finds Node.js packages by their package.json: installed ones
// under node_modules, and the function's own package (a package.json outside
// node_modules) as an application.
//
// Ours rather than osv-scalibr's javascript/packagejson, which leaves
// licenses empty and cannot tell the function's own package.json from an
// installed package's. Lockfiles (package-lock.json, yarn.lock,
// pnpm-lock.yaml) go to osv-scalibr's extractors.
package npm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
)

// Extractor reads package.json files.
type Extractor struct{}

func (Extractor) Name() string { return "npm/package.json" }

// maxSize bounds the package.json files read; real ones are kilobytes.
const maxSize = 8 << 20

// Match takes package.json files of the artifact itself: one inside a jar
// (a webjar) is the jar's business.
func (Extractor) Match(f *packaging.File) bool {
	return f.Readable() && f.Depth == 0 && f.Size <= maxSize && path.Base(f.Path) == "package.json"
}

type manifest struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	License              json.RawMessage   `json:"license"`
	Licenses             json.RawMessage   `json:"licenses"`
	Dependencies         map[string]any    `json:"dependencies"`
	OptionalDependencies map[string]any    `json:"optionalDependencies"`
	Engines              json.RawMessage   `json:"engines"`
	Publisher            string            `json:"publisher"` // VS Code extensions
	Unity                string            `json:"unity"`
	Private              bool              `json:"private"`
	Bin                  json.RawMessage   `json:"bin"`
	Contributes          json.RawMessage   `json:"contributes"`
	Scripts              map[string]string `json:"scripts"`
}

func (Extractor) Extract(_ context.Context, f *packaging.File) ([]*sbom.Package, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSize))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: package.json: %v", archive.ErrUnparsable, err)
	}
	app := !inNodeModules(f.Path)
	if !app && !installed(f.Path) {
		// A package.json inside an installed package (its examples, tests,
		// a dist folder's module marker): not a package that ships.
		return nil, nil
	}
	if m.Name == "" || m.Version == "" && !app || m.Unity != "" || m.Publisher != "" && m.Contributes != nil {
		// Not an npm package: a fragment, a Unity package, a VS Code extension.
		return nil, nil
	}
	p := &sbom.Package{
		Ecosystem: "npm",
		Name:      m.Name,
		Version:   m.Version,
		PURL:      PURL(m.Name, m.Version),
		Type:      sbom.Library,
		Licenses:  licenses(m.License, m.Licenses),
		FoundBy:   []string{"npm/package.json"},
	}
	if app {
		// The function's own package (or a workspace's): not a dependency.
		p.Type = sbom.Application
	}
	var deps []string
	for d := range m.Dependencies {
		deps = append(deps, d)
	}
	for d := range m.OptionalDependencies {
		deps = append(deps, d)
	}
	sort.Strings(deps)
	p.WithDeps(deps...)
	return []*sbom.Package{p}, nil
}

func inNodeModules(p string) bool {
	return strings.Contains(p, "/node_modules/")
}

// installed reports whether a package.json under node_modules is an
// installed package's own: node_modules/<name>/package.json or
// node_modules/@scope/<name>/package.json, at any depth of nesting.
func installed(p string) bool {
	i := strings.LastIndex(p, "/node_modules/")
	rest := strings.Split(p[i+len("/node_modules/"):], "/")
	switch {
	case len(rest) == 2:
		return !strings.HasPrefix(rest[0], "@")
	case len(rest) == 3:
		return strings.HasPrefix(rest[0], "@")
	}
	return false
}

// PURL returns the purl of an npm package: a scope is the namespace.
func PURL(name, version string) string {
	ns, n := "", name
	if strings.HasPrefix(name, "@") {
		if i := strings.IndexByte(name, '/'); i > 0 {
			ns, n = name[:i], name[i+1:]
		}
	}
	return packageurl.NewPackageURL(packageurl.TypeNPM, ns, n, version, nil, "").ToString()
}

// licenses reads "license": "MIT", "license": {"type": "MIT"} and the older
// "licenses": [{"type": "MIT"}, ...].
func licenses(license, list json.RawMessage) []string {
	var out []string
	add := func(raw json.RawMessage) {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if l := sbom.NormalizeLicense(s); l != "" {
				out = append(out, l)
			}
			return
		}
		var o struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(raw, &o) == nil && o.Type != "" {
			out = append(out, sbom.NormalizeLicense(o.Type))
		}
	}
	if len(license) > 0 {
		add(license)
	}
	var arr []json.RawMessage
	if len(list) > 0 && json.Unmarshal(list, &arr) == nil {
		for _, r := range arr {
			add(r)
		}
	}
	return out
}
