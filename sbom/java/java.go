// Package java finds Maven packages in Java archives (jar, war, ear and the
// like) that the walk has opened: one package per
// META-INF/maven/GROUP/ARTIFACT/pom.properties of the archive, located at
// that file (a fat jar's shaded libraries each have theirs); for an archive
// that is none of those (it has no pom.properties, or only those of the
// libraries it shades), osv-scalibr's java/archive extractor reads
// MANIFEST.MF and the file name.
//
// pom.properties is read here rather than by osv-scalibr's extractor for
// every jar because that extractor opens the archives nested in a jar
// itself (by file name), which would read every nested jar a second time:
// the walk already hands each nested archive out, once.
package java

import (
	"archive/zip"
	"bufio"
	"bytes"
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
	manifest, err := readManifest(fsys)
	if err != nil {
		errs = append(errs, err)
	}
	own, missing := ownPackage(f.Info().Name(), manifestVersions(manifest), out)
	if missing {
		// The archive is none of the packages its pom.properties name (it
		// has none, or only those of libraries it shades, as a jar built
		// without Maven does): MANIFEST.MF and the file name say what it is.
		found, err := e.manifestPackages(ctx, f, manifest)
		switch {
		case err != nil && len(out) == 0:
			return nil, fmt.Errorf("%w: %v", archive.ErrUnparsable, err)
		case err != nil:
			errs = append(errs, err)
		case len(found) == 1:
			own = found[0]
		}
		if p := sameArtifact(out, found); p != nil {
			// The manifest names an artifact a pom.properties has: that one
			// is the archive's, its version spelled otherwise.
			own, found = p, nil
		}
		out = append(out, found...)
	}
	if own != nil {
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

// manifestPackages names the archive itself from its MANIFEST.MF (nil if
// it has none) and its file name, as osv-scalibr's java/archive extractor
// reads them. The extractor is handed a view of the archive that holds the
// manifest alone: it would otherwise take pom.properties first, and open
// nested archives that the walk hands out itself.
func (e *Extractor) manifestPackages(ctx context.Context, f *packaging.File, manifest []byte) ([]*sbom.Package, error) {
	view, err := manifestView(manifest)
	if err != nil {
		return nil, err
	}
	found, err := e.fallback.ExtractView(ctx, f, view)
	if err != nil {
		return nil, err
	}
	var out []*sbom.Package
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
	return out, nil
}

// manifestView returns a zip that holds manifest as META-INF/MANIFEST.MF,
// or only the META-INF folder (osv-scalibr passes over a zip as small as an
// empty one).
func manifestView(manifest []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if _, err := zw.Create("META-INF/"); err != nil {
		return nil, err
	}
	if manifest != nil {
		w, err := zw.Create("META-INF/MANIFEST.MF")
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(manifest); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxManifest bounds the MANIFEST.MF read (a signed jar's lists a digest
// per entry).
const maxManifest = 16 << 20

// readManifest reads META-INF/MANIFEST.MF; nil if there is none.
func readManifest(fsys fs.FS) ([]byte, error) {
	f, err := fsys.Open("META-INF/MANIFEST.MF")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("META-INF/MANIFEST.MF: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("META-INF/MANIFEST.MF: %w", err)
	}
	if len(b) > maxManifest {
		return nil, fmt.Errorf("META-INF/MANIFEST.MF: more than %d bytes", maxManifest)
	}
	return b, nil
}

// manifestVersions returns the versions the manifest's main section gives
// the archive (Implementation-Version, Bundle-Version; the first word of
// each).
func manifestVersions(manifest []byte) []string {
	var out []string
	for k, v := range mainSection(manifest) {
		if !strings.EqualFold(k, "Implementation-Version") && !strings.EqualFold(k, "Bundle-Version") {
			continue
		}
		// "1.4 1855 April 22 2006": the version is the first word
		if f := strings.Fields(v); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	sort.Strings(out)
	return out
}

// mainSection returns the attributes of a manifest's main section: the
// lines up to the first empty one after an attribute, a line that starts
// with a space continuing the one before.
func mainSection(manifest []byte) map[string]string {
	attrs := map[string]string{}
	var key string
	text := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(manifest))
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			if len(attrs) > 0 {
				break
			}
			continue // empty lines before the first attribute
		}
		if strings.HasPrefix(line, " ") {
			if key != "" {
				attrs[key] += line[1:]
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			key = ""
			continue
		}
		key = strings.TrimSpace(k)
		attrs[key] = strings.TrimSpace(v)
	}
	return attrs
}

// ownPackage picks, of the packages read from an archive's pom.properties,
// the one that is the archive itself (to carry its hashes), the others
// being libraries it shades. It is the one whose artifact the file is named
// after (orders-1.8.0-all.jar: com.acme:orders); else the one whose version
// is the archive's (in its file name, or its manifest's
// Implementation-Version or Bundle-Version); else the only one, if the
// archive gives no version. missing says that the archive is none of them:
// there are none, or it gives a version none of them has.
func ownPackage(base string, manifestVersions []string, pkgs []*sbom.Package) (own *sbom.Package, missing bool) {
	stem := strings.ToLower(strings.TrimSuffix(base, path.Ext(base)))
	for _, p := range pkgs {
		_, a, _ := strings.Cut(p.Name, ":")
		a = strings.ToLower(a)
		if rest, ok := strings.CutPrefix(stem, a); ok && (rest == "" || len(rest) > 1 && rest[0] == '-' && isDigit(rest[1])) {
			return p, false
		}
	}
	versions := manifestVersions
	if fn := javaarchive.ParseFilename(base); fn != nil && fn.Version != "" {
		versions = append(versions[:len(versions):len(versions)], fn.Version)
	}
	for _, p := range pkgs {
		for _, v := range versions {
			if sameVersion(p.Version, v) {
				return p, false
			}
		}
	}
	switch {
	case len(pkgs) == 0 || len(versions) > 0:
		return nil, true
	case len(pkgs) == 1:
		return pkgs[0], false
	}
	return nil, false
}

// sameArtifact returns the package of pkgs whose artifact one of named
// has, or nil.
func sameArtifact(pkgs, named []*sbom.Package) *sbom.Package {
	for _, n := range named {
		_, a, _ := strings.Cut(n.Name, ":")
		for _, p := range pkgs {
			if _, b, _ := strings.Cut(p.Name, ":"); strings.EqualFold(a, b) {
				return p
			}
		}
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// sameVersion says whether two spellings name one version: a Maven version
// and its OSGi form (1.15 and 1.15.0, 31.1-jre and 31.1.0.jre) compare
// equal.
func sameVersion(a, b string) bool {
	return a == b || versionKey(a) == versionKey(b)
}

// versionKey lowers a version, splits it at dots, dashes and underscores,
// and drops the zeros that end its leading run of numbers.
func versionKey(v string) string {
	parts := strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	n := 0
	for n < len(parts) && parts[n] != "" && strings.Trim(parts[n], "0123456789") == "" {
		n++
	}
	end := n
	for end > 1 && strings.Trim(parts[end-1], "0") == "" {
		end--
	}
	return strings.Join(append(parts[:end:end], parts[n:]...), ".")
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
