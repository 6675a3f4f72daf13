// Package scalibr adapts the filesystem extractors of osv-scalibr (the
// library osv-scanner is built on) to sbom.Extractor, so that they run on
// the files of shipcheck's one walk: Match asks the extractor's FileRequired
// about the file, Extract hands it the file's bytes (read once, shared) and
// the filesystem it is in, and converts what it finds.
package scalibr

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	apkmeta "github.com/google/osv-scalibr/extractor/filesystem/os/apk/metadata"
	dpkgmeta "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg/metadata"
	scalibrfs "github.com/google/osv-scalibr/fs"
	scalibrlog "github.com/google/osv-scalibr/log"
	"github.com/package-url/packageurl-go"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
)

// Extractor runs one osv-scalibr extractor.
type Extractor struct {
	ex       filesystem.Extractor
	declares bool
	// enrich adds what the extractor leaves out (licenses, dependencies)
	// from the same bytes, to all the packages found in one file.
	enrich func(pkgs []*sbom.Package, content []byte)
	// realPath: the extractor reads the file by name.
	realPath bool
	// executables: match by content (ELF, PE, Mach-O) rather than by the
	// executable bit, which zips made on Windows lose.
	executables bool
	// keep, if set, drops what it returns false for.
	keep func(*extractor.Package) bool
}

// Installed wraps an extractor of installed packages' metadata.
func Installed(ex filesystem.Extractor, err error) *Extractor {
	return wrap(ex, err, false)
}

// Declared wraps an extractor of manifests and lockfiles.
func Declared(ex filesystem.Extractor, err error) *Extractor {
	return wrap(ex, err, true)
}

func wrap(ex filesystem.Extractor, err error, declares bool) *Extractor {
	if err != nil {
		// New fails only on a bad configuration, which is ours: a bug.
		panic(fmt.Sprintf("osv-scalibr extractor: %v", err))
	}
	quiet()
	return &Extractor{ex: ex, declares: declares}
}

// NeedsRealPath says the extractor reads the file by name (osv-scalibr's
// rpm extractor opens the database with a library that takes a path): the
// file is copied to the view's private temporary folder first, and removed
// after.
func (e *Extractor) NeedsRealPath() *Extractor {
	e.realPath = true
	return e
}

// MatchExecutables makes Match take executables by their content.
func (e *Extractor) MatchExecutables() *Extractor {
	e.executables = true
	return e
}

// Keep sets a filter over what the extractor finds.
func (e *Extractor) Keep(f func(*extractor.Package) bool) *Extractor {
	e.keep = f
	return e
}

// Enrich sets a function that reads, from the file's bytes, what the
// extractor leaves out of the packages it found there (licenses,
// dependencies).
func (e *Extractor) Enrich(f func(pkgs []*sbom.Package, content []byte)) *Extractor {
	e.enrich = f
	return e
}

var quietOnce sync.Once

// quiet replaces osv-scalibr's global logger, which prints to stderr, with
// one that prints nothing: what matters reaches shipcheck as errors.
func quiet() { quietOnce.Do(func() { scalibrlog.SetLogger(nopLogger{}) }) }

func (e *Extractor) Name() string   { return e.ex.Name() }
func (e *Extractor) Declares() bool { return e.declares }

// Match asks the extractor about regular files. Archive files are not
// handed over: the walk opens them and hands out their entries itself.
func (e *Extractor) Match(f *packaging.File) bool {
	if !f.Readable() || f.Archive {
		return false
	}
	if e.executables {
		return f.Size >= 4<<10 && sbom.IsExecutable(f.Head())
	}
	_, p := f.FS()
	return e.ex.FileRequired(fileAPI{p, f})
}

// Extract runs the extractor on the file.
func (e *Extractor) Extract(ctx context.Context, f *packaging.File) ([]*sbom.Package, error) {
	fsys, p := f.FS()
	sfs, ok := fsys.(scalibrfs.FS)
	if !ok {
		return nil, fmt.Errorf("%s: the view is not a scalibr filesystem", e.Name())
	}
	ra, err := f.ReaderAt()
	if err != nil {
		return nil, err
	}
	r := io.NewSectionReader(ra, 0, f.Size)
	// Root stays empty: osv-scalibr reads a path under a non-empty Root
	// from the host's own filesystem.
	in := &filesystem.ScanInput{FS: sfs, Path: p, Info: f.Info(), Reader: r}
	if e.realPath {
		real, remove, err := f.RealPath()
		if err != nil {
			return nil, err
		}
		defer remove()
		in.Root, in.Path = filepath.Dir(real), filepath.Base(real)
	}
	inv, err := e.ex.Extract(ctx, in)
	if err != nil {
		return nil, err
	}
	var content []byte
	if e.enrich != nil && f.Size <= 64<<20 {
		content, _ = io.ReadAll(io.NewSectionReader(ra, 0, f.Size))
	}
	var out []*sbom.Package
	for _, sp := range inv.Packages {
		if e.keep != nil && !e.keep(sp) {
			continue
		}
		pkg := convert(sp, e.declares)
		pkg.FoundBy = []string{e.Name()}
		out = append(out, pkg)
	}
	if content != nil && len(out) > 0 {
		e.enrich(out, content)
	}
	return out, nil
}

func convert(sp *extractor.Package, declared bool) *sbom.Package {
	p := &sbom.Package{
		Ecosystem: sp.Ecosystem().String(),
		Name:      sp.Name,
		Version:   sp.Version,
		Type:      sbom.Library,
	}
	if u := sp.PURL(); u != nil {
		p.PURL = withDistro(cleanPURL(u.Type, u.String()), p.Ecosystem)
	}
	for _, l := range sp.Licenses {
		p.Licenses = append(p.Licenses, sbom.NormalizeLicense(l))
	}
	loc := sbom.Location{Declared: declared}
	if d := sp.Location.Descriptor; d != nil && d.File != nil {
		loc.Line = d.File.LineNumber
	}
	p.Locations = []sbom.Location{loc}
	switch m := sp.Metadata.(type) {
	case *dpkgmeta.Metadata:
		if m.SourceName != "" && m.SourceName != m.PackageName {
			p.SourceName = m.SourceName
		}
		if m.SourceVersion != "" && m.SourceVersion != sp.Version {
			p.SourceVersion = m.SourceVersion
		}
	case *apkmeta.Metadata:
		if m.OriginName != "" && m.OriginName != m.PackageName {
			p.SourceName = m.OriginName
		}
	}
	if p.SourceName != "" || p.SourceVersion != "" {
		p.PURL = withUpstream(p.PURL, p.Name, p.SourceName, p.SourceVersion)
	}
	return p
}

// withUpstream adds the source package to an OS package's purl, as syft
// writes it (upstream=openssl, or upstream=bash@5.2.15-2 for a binNMU whose
// source version differs): OS advisories are filed by source package and
// version, and tools that match an archived SBOM read it there.
func withUpstream(purl, name, srcName, srcVersion string) string {
	u, err := packageurl.FromString(purl)
	if err != nil || u.Type != packageurl.TypeDebian && u.Type != packageurl.TypeApk && u.Type != packageurl.TypeRPM {
		return purl
	}
	up := srcName
	if up == "" {
		up = name
	}
	if srcVersion != "" {
		up += "@" + srcVersion
	}
	u.Qualifiers = append(u.Qualifiers, packageurl.Qualifier{Key: "upstream", Value: up})
	sort.Slice(u.Qualifiers, func(i, j int) bool { return u.Qualifiers[i].Key < u.Qualifiers[j].Key })
	return u.ToString()
}

// withDistro writes an OS package's distro qualifier as syft does, from
// the release: a codename (osv-scalibr's distro=bookworm) becomes the
// release its ecosystem names (Debian:12 -> debian-12), a bare release
// (3.19.1) gets the distribution's name (alpine-3.19.1). grype takes
// "bookworm" for a distribution of that name and then matches nothing,
// silently. Without a release, the purl is left as it is.
func withDistro(purl, ecosystem string) string {
	name, release, ok := strings.Cut(ecosystem, ":")
	if !ok || release == "" {
		return purl
	}
	u, err := packageurl.FromString(purl)
	if err != nil || u.Type != packageurl.TypeDebian && u.Type != packageurl.TypeApk {
		return purl
	}
	prefix := strings.ToLower(name) + "-"
	distro := prefix + strings.TrimPrefix(release, "v")
	found := false
	for i, q := range u.Qualifiers {
		if q.Key != "distro" {
			continue
		}
		found = true
		switch v := q.Value; {
		case strings.HasPrefix(v, prefix):
		case v != "" && v[0] >= '0' && v[0] <= '9':
			// a release as os-release's VERSION_ID gives it (3.19.1):
			// kept whole
			u.Qualifiers[i].Value = prefix + v
		default:
			u.Qualifiers[i].Value = distro // a codename
		}
	}
	if !found {
		u.Qualifiers = append(u.Qualifiers, packageurl.Qualifier{Key: "distro", Value: distro})
		sort.Slice(u.Qualifiers, func(i, j int) bool { return u.Qualifiers[i].Key < u.Qualifiers[j].Key })
	}
	return u.ToString()
}

// osQualifiers are the purl qualifiers kept, on OS packages only: osv-scalibr
// adds others of its own (source=OTHER on npm lockfile entries) that no purl
// consumer knows.
var osQualifiers = map[string]bool{"arch": true, "distro": true, "epoch": true}

func cleanPURL(typ, s string) string {
	u, err := packageurl.FromString(s)
	if err != nil {
		return s
	}
	var keep packageurl.Qualifiers
	if typ == packageurl.TypeDebian || typ == packageurl.TypeApk || typ == packageurl.TypeRPM {
		for _, q := range u.Qualifiers {
			if osQualifiers[q.Key] {
				keep = append(keep, q)
			}
		}
	}
	u.Qualifiers = keep
	return u.ToString()
}

// fileAPI is what FileRequired asks about a file.
type fileAPI struct {
	path string
	f    *packaging.File
}

func (a fileAPI) Path() string               { return a.path }
func (a fileAPI) Stat() (fs.FileInfo, error) { return a.f.Info(), nil }

type nopLogger struct{}

func (nopLogger) Errorf(string, ...any) {}
func (nopLogger) Error(...any)          {}
func (nopLogger) Warnf(string, ...any)  {}
func (nopLogger) Warn(...any)           {}
func (nopLogger) Infof(string, ...any)  {}
func (nopLogger) Info(...any)           {}
func (nopLogger) Debugf(string, ...any) {}
func (nopLogger) Debug(...any)          {}
