// Package java finds Maven packages in Java archives (jar, war, ear and the
// like) that the walk has opened: one package per
// META-INF/maven/GROUP/ARTIFACT/pom.properties of the archive, located at
// that file (a fat jar's shaded libraries each have theirs); for an archive
// with none, osv-scalibr's java/archive extractor reads MANIFEST.MF and the
// file name.
//
// pom.properties is read here rather than by osv-scalibr's extractor for
// every jar because that extractor opens the archives nested in a jar
// itself (by file name), which would read every nested jar a second time:
// the walk already hands each nested archive out, once.
package java

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/google/osv-scalibr/binary/proto/config_go_proto"
	javaarchive "github.com/google/osv-scalibr/extractor/filesystem/language/java/archive"
	"github.com/package-url/packageurl-go"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/scalibr"
)

// Extractor reads Java archives.
type Extractor struct {
	fallback *scalibr.Extractor
}

// New returns the extractor.
func New() *Extractor {
	depth, no := int32(1), false
	ex, err := javaarchive.New(&config_go_proto.PluginConfig{PluginSpecific: []*config_go_proto.PluginSpecificConfig{{
		Config: &config_go_proto.PluginSpecificConfig_JavaArchive{JavaArchive: &config_go_proto.JavaArchiveConfig{
			MaxZipDepth: depth, HashJars: &no,
		}},
	}}})
	return &Extractor{fallback: scalibr.Installed(ex, err)}
}

func (*Extractor) Name() string { return "java/archive" }

// Match takes archives the walk opened that are Java archives: by name, or
// by a META-INF folder.
func (*Extractor) Match(f *packaging.File) bool {
	if !f.Archive {
		return false
	}
	if javaarchive.IsArchive(strings.ToLower(f.Info().Name())) {
		return true
	}
	fsys := f.ArchiveFS()
	if fsys == nil {
		return false
	}
	_, err := fs.Stat(fsys, "META-INF/MANIFEST.MF")
	return err == nil
}

func (e *Extractor) Extract(ctx context.Context, f *packaging.File) ([]*sbom.Package, error) {
	fsys := f.ArchiveFS()
	if fsys == nil {
		return nil, nil
	}
	poms, _ := fs.Glob(fsys, "META-INF/maven/*/*/pom.properties")
	sort.Strings(poms)
	var out []*sbom.Package
	var errs []error
	for _, p := range poms {
		props, err := readProperties(fsys, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		g, a, v := props["groupId"], props["artifactId"], props["version"]
		if g == "" || a == "" || v == "" {
			continue
		}
		pkg := &sbom.Package{
			Ecosystem: "Maven",
			Name:      g + ":" + a,
			Version:   v,
			PURL:      PURL(g, a, v),
			Type:      sbom.Library,
			Licenses:  pomLicenses(fsys, path.Join(path.Dir(p), "pom.xml")),
			FoundBy:   []string{e.Name()},
			Locations: []sbom.Location{{Path: f.Path + "!" + p, Origin: f.Origin.Child(p)}},
		}
		out = append(out, pkg)
	}
	if len(out) == 0 && len(poms) == 0 {
		// No pom.properties: MANIFEST.MF and the file name, as osv-scalibr
		// reads them.
		found, err := e.fallback.Extract(ctx, f)
		if err != nil && len(found) == 0 && !isDepthError(err) {
			return nil, fmt.Errorf("%w: %v", archive.ErrUnparsable, err)
		}
		for _, p := range found {
			if p.Name == "" || p.Version == "" {
				continue
			}
			g, a, _ := strings.Cut(p.Name, ":")
			p.PURL = PURL(g, a, p.Version)
			p.Ecosystem = "Maven"
			p.FoundBy = []string{e.Name()}
			p.Locations = nil // the archive itself
			out = append(out, p)
		}
	}
	if own := ownPackage(f, out); own != nil {
		if h, err := hashes(f); err == nil {
			own.Hashes = h
		} else {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		f.Report(fmt.Errorf("%w: %v", archive.ErrUnparsable, errors.Join(errs...)))
	}
	return out, nil
}

// isDepthError: osv-scalibr's extractor, kept to one level, reports the
// nested archives it did not open; the walk reads them.
func isDepthError(err error) bool { return strings.Contains(err.Error(), "max zip depth") }

// ownPackage picks the package that is the archive itself, to carry the
// archive's hashes: the only one, or the one whose artifact the file is
// named after (a fat jar also holds its shaded libraries' pom.properties).
func ownPackage(f *packaging.File, pkgs []*sbom.Package) *sbom.Package {
	if len(pkgs) == 1 {
		return pkgs[0]
	}
	base := f.Info().Name()
	for _, p := range pkgs {
		_, a, _ := strings.Cut(p.Name, ":")
		if strings.HasPrefix(base, a+"-"+p.Version) {
			return p
		}
	}
	return nil
}

func hashes(f *packaging.File) ([]sbom.Hash, error) {
	ra, err := f.ReaderAt()
	if err != nil {
		return nil, err
	}
	h1, h256 := sha1.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(h1, h256), io.NewSectionReader(ra, 0, f.Size)); err != nil {
		return nil, err
	}
	return []sbom.Hash{
		{Alg: "SHA-1", Value: hex.EncodeToString(h1.Sum(nil))},
		{Alg: "SHA-256", Value: hex.EncodeToString(h256.Sum(nil))},
	}, nil
}

// PURL returns a Maven package's purl: the group is the namespace.
func PURL(group, artifact, version string) string {
	return packageurl.NewPackageURL(packageurl.TypeMaven, group, artifact, version, nil, "").ToString()
}

// readProperties reads a Java .properties file's key=value lines.
func readProperties(fsys fs.FS, name string) (map[string]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if ok {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return props, sc.Err()
}

// pomLicenses reads the license names of the pom.xml beside pom.properties.
func pomLicenses(fsys fs.FS, name string) []string {
	f, err := fsys.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	var pom struct {
		Licenses []struct {
			Name string `xml:"name"`
		} `xml:"licenses>license"`
	}
	if xml.NewDecoder(io.LimitReader(f, 4<<20)).Decode(&pom) != nil {
		return nil
	}
	var out []string
	for _, l := range pom.Licenses {
		if s := sbom.NormalizeLicense(l.Name); s != "" {
			out = append(out, s)
		}
	}
	return out
}
