// Package golang finds the modules built into Go binaries (ELF, Mach-O, PE)
// from their embedded build information: the main module (an application),
// every dependency with its version (a replacement's where one applies), and
// the Go toolchain as the "stdlib" module, as OSV's Go advisories name it.
//
// Ours rather than osv-scalibr's go/binary, which names the toolchain "go"
// instead of "stdlib", drops the "v" of module versions that Go purls and
// OSV records keep, and needs an executable bit or a known extension (zips
// made on Windows lose the bit): here binaries are recognised by content.
package golang

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"io"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
)

// Extractor reads Go binaries.
type Extractor struct{}

func (Extractor) Name() string { return "go/binary" }

// minBinary is below the size of any Go binary.
const minBinary = 64 << 10

// Match takes executables: ELF, Mach-O or PE by their magic.
func (Extractor) Match(f *packaging.File) bool {
	return f.Readable() && f.Size >= minBinary && sbom.IsExecutable(f.Head())
}

func (e Extractor) Extract(_ context.Context, f *packaging.File) ([]*sbom.Package, error) {
	ra, err := f.ReaderAt()
	if err != nil {
		return nil, err
	}
	bi, err := buildinfo.Read(ra)
	if err != nil {
		// An executable, but not built by Go (or stripped of its build
		// information): nothing to say.
		return nil, nil
	}
	var deps []string
	var out []*sbom.Package
	add := func(p *sbom.Package) {
		p.Ecosystem, p.FoundBy = "Go", []string{e.Name()}
		out = append(out, p)
	}
	if v := toolchainVersion(bi.GoVersion); v != "" {
		add(&sbom.Package{Name: "stdlib", Version: v, PURL: PURL("stdlib", v), Type: sbom.Library})
		deps = append(deps, "stdlib")
	}
	for _, d := range bi.Deps {
		path, version := d.Path, d.Version
		if r := d.Replace; r != nil {
			if r.Version != "" && r.Version != "(devel)" {
				// Replaced by another module (or version): that is the code.
				path, version = r.Path, r.Version
			} else {
				// Replaced by a local folder: the code is whatever it held.
				version = "(devel)"
			}
		}
		if path == "" {
			continue
		}
		add(&sbom.Package{Name: path, Version: version, PURL: PURL(path, version), Type: sbom.Library})
		deps = append(deps, path)
	}
	if bi.Main.Path != "" {
		v := bi.Main.Version
		if v == "" {
			v = "(devel)"
		}
		main := &sbom.Package{Name: bi.Main.Path, Version: v, PURL: PURL(bi.Main.Path, v), Type: sbom.Application}
		main.WithDeps(deps...)
		if h, err := hash(ra, f.Size); err == nil {
			main.Hashes = []sbom.Hash{{Alg: "SHA-256", Value: h}}
		}
		add(main)
	}
	return out, nil
}

// toolchainVersion turns "go1.26.8" into "1.26.8", as OSV's stdlib records
// write versions; "" for a development toolchain.
func toolchainVersion(v string) string {
	v = strings.TrimPrefix(v, "go")
	if v == "" || strings.HasPrefix(v, "devel") {
		return ""
	}
	// "1.22.1 X:boringcrypto" and the like.
	v, _, _ = strings.Cut(v, " ")
	return v
}

// PURL returns a Go module's purl: the path's last element is the name.
func PURL(path, version string) string {
	ns, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		ns, name = path[:i], path[i+1:]
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}

func hash(ra io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(ra, 0, size)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
