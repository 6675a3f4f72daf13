// Package sbom is the inventory of an artifact: the packages found in it,
// each with every place it was found, whether it ships or is only declared,
// and which copy the runtime loads; and the Extractor interface that every
// ecosystem (sbom/npm, sbom/java, sbom/golang, ... and the adapter over
// osv-scalibr's extractors, sbom/scalibr) implements.
//
// Extractors see one file at a time, handed out by the artifact view's walk;
// Assemble turns what they found into the inventory.
package sbom

import (
	"context"
	"path"
	"strings"

	"github.com/shipcheck/shipcheck/packaging"
)

// Inventory is what an artifact holds.
type Inventory struct {
	// Sources are the artifact and its layers as the view opened them.
	Sources []packaging.Source
	// Files are the artifact files themselves, with their digests, in the
	// order of Sources.
	Files    []ArtifactFile
	Packages []*Package
	Problems []packaging.Problem
	// Partial is true when some content could not be read.
	Partial bool
}

// ArtifactFile is an artifact or layer file as given.
type ArtifactFile struct {
	Name   string `json:"name"` // base name
	Path   string `json:"path"` // as given
	Dir    bool   `json:"dir,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"` // of the file's bytes; "" for a folder
}

// Type is a component's CycloneDX type.
type Type string

const (
	Library     Type = "library"
	Application Type = "application"
)

// Package is one component of the inventory.
type Package struct {
	// ID is the component's stable reference (the CycloneDX bom-ref): its
	// purl, made unique.
	ID string `json:"id"`
	// Ecosystem is the OSV ecosystem: npm, PyPI, Maven, Go, NuGet,
	// RubyGems, Packagist, crates.io, and for OS packages with their
	// release, Debian:12, Alpine:v3.19, Red Hat...
	Ecosystem string `json:"ecosystem"`
	// Name as the ecosystem writes it (Maven: group:artifact; npm:
	// @scope/name; Go: the module path).
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl,omitempty"`
	Type    Type   `json:"type"`
	// Licenses are SPDX identifiers or expressions where the metadata gives
	// one, else the text it gives.
	Licenses []string `json:"licenses,omitempty"`
	Hashes   []Hash   `json:"hashes,omitempty"`
	// Locations are every place the package was found, in path order.
	Locations []Location `json:"locations,omitempty"`
	// DeclaredOnly: the package is named by a manifest or lockfile, and no
	// installed copy was found.
	DeclaredOnly bool `json:"declared_only,omitempty"`
	// Excluded: declared only, while its ecosystem has installed packages
	// in the artifact, so it does not ship (CycloneDX scope excluded).
	// Declared pins of an ecosystem with nothing installed (a source zip
	// the platform installs at deploy time) are what will ship, and are not
	// excluded.
	Excluded bool `json:"excluded,omitempty"`
	// Direct is true for a dependency the application names itself, false
	// for a transitive one, nil where unknown.
	Direct *bool `json:"direct,omitempty"`
	// ShadowedBy is set when the runtime loads another copy of this name
	// first (a function's own copy before a layer's): the path of that copy.
	ShadowedBy string `json:"shadowed_by,omitempty"`
	// DependsOn lists the IDs of the packages this one depends on.
	DependsOn []string `json:"depends_on,omitempty"`
	// SourceName and SourceVersion are an OS package's source package,
	// where they differ: OS advisories name source packages.
	SourceName    string `json:"source_name,omitempty"`
	SourceVersion string `json:"source_version,omitempty"`
	// FoundBy names the extractors that found it.
	FoundBy []string `json:"found_by,omitempty"`

	// deps are dependency names to resolve into DependsOn (see Assemble).
	deps []string
}

// Location is one place a package was found.
type Location struct {
	// Path is the runtime path of the file that names the package.
	Path   string           `json:"path"`
	Origin packaging.Origin `json:"origin"`
	// Declared: a manifest or lockfile entry, not an installed copy.
	Declared bool `json:"declared,omitempty"`
	// Line is the line of the entry in the file, where known.
	Line int `json:"line,omitempty"`
	// Shadowed: the runtime loads another copy of this package first.
	Shadowed bool `json:"shadowed,omitempty"`
}

// Hash is a digest of the package's file (a jar, a binary).
type Hash struct {
	Alg   string `json:"alg"`   // CycloneDX algorithm name: SHA-1, SHA-256
	Value string `json:"value"` // lowercase hex
}

// Extractor finds packages in files of the view. Match must be cheap: it is
// asked about every file. Extract reads the file (File.Open, File.ReaderAt,
// File.FS, File.ArchiveFS) and returns what it names; a package with no
// Locations gets the file's. An error is recorded as a problem with the
// file and the walk goes on.
type Extractor interface {
	Name() string
	Match(f *packaging.File) bool
	Extract(ctx context.Context, f *packaging.File) ([]*Package, error)
}

// Declarer is implemented by extractors of manifests and lockfiles: what they
// find is declared, not installed.
type Declarer interface {
	Declares() bool
}

// IsExecutable reports whether head, a file's first bytes, starts an ELF,
// Mach-O or PE executable.
func IsExecutable(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	switch string(head[:4]) {
	case "\x7fELF", "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe":
		return true
	}
	return head[0] == 'M' && head[1] == 'Z'
}

// AtTop reports whether f sits at the top of the deployment: at the top of
// the artifact itself (a zip's or folder's own top level, wherever it is
// mounted), or in an image at a function platform's task root.
func AtTop(f *packaging.File) bool {
	if f.Depth > 0 {
		return false
	}
	if c := f.Origin.Chain; len(c) == 1 && !strings.Contains(c[0], "/") {
		return true
	}
	switch path.Dir(f.Path) {
	case "/var/task", "/workspace", "/home/site/wwwroot":
		return true
	}
	return false
}

// WithDeps records dependency names for Assemble to resolve.
func (p *Package) WithDeps(names ...string) *Package {
	p.deps = append(p.deps, names...)
	return p
}
