// Package java finds Maven packages in Java archives (jar, war, ear and the
// like) that the walk has opened: one package per
// META-INF/maven/GROUP/ARTIFACT/pom.properties of the archive, located at
// that file (a fat jar's shaded libraries each have theirs). An archive
// with none of its own is named by its file name and META-INF/MANIFEST.MF,
// with a table of known group ids (groupids.txt) for the artifacts whose
// manifests mislead: see identifyName.
//
// All of it is read here rather than by osv-scalibr's java/archive
// extractor: that extractor opens the archives nested in a jar itself (by
// file name), which would read every nested jar a second time while the
// walk already hands each nested archive out, once; and it names a jar
// without pom.properties by the Java package its manifest names
// (org.apache.commons.collections:commons-collections), which no advisory
// uses.
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

	"github.com/package-url/packageurl-go"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
)

// Extractor reads Java archives.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

func (*Extractor) Name() string { return "java/archive" }

// archiveExts are the Java archives' file name extensions.
var archiveExts = map[string]bool{
	".jar": true, ".war": true, ".ear": true, ".jmod": true, ".par": true, ".sar": true,
	".jpi": true, ".hpi": true, ".lpkg": true, ".nar": true,
}

// Match takes archives the walk opened that are Java archives: by name, or
// by a META-INF folder.
func (*Extractor) Match(f *packaging.File) bool {
	if !f.Archive {
		return false
	}
	if archiveExts[strings.ToLower(path.Ext(f.Info().Name()))] {
		return true
	}
	fsys := f.ArchiveFS()
	if fsys == nil {
		return false
	}
	_, err := fs.Stat(fsys, "META-INF/MANIFEST.MF")
	return err == nil
}

func (e *Extractor) Extract(_ context.Context, f *packaging.File) ([]*sbom.Package, error) {
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
		if dir := path.Base(path.Dir(path.Dir(p))); g == "" && validGroup(dir) {
			// Some builds leave the group out (Debian's of jnr-x86asm and
			// ST4): the folder META-INF/maven/GROUP/ARTIFACT names it.
			g = dir
		}
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
	// The archive's own package: one of those pom.properties (see
	// ownPackage), else, when it is none of them (it has none, or only its
	// shaded libraries'), named by its file name and manifest (see
	// identifyName).
	mf, err := readManifest(fsys)
	if err != nil {
		errs = append(errs, err)
	}
	own, missing := ownPackage(f.Info().Name(), manifestVersions(mf), out)
	if p := namedInManifest(out, mf); missing && p != nil {
		// The manifest names the artifact of one of them, its version
		// spelled otherwise (Debian's el-api.jar: javax.el-api,
		// 3.0.0-debian-1): that one is the archive.
		own, missing = p, false
	}
	if missing {
		c := identifyName(f.Info().Name(), mf)
		if c.Artifact != "" && c.Version != "" && (len(poms) == 0 || shadedOnly(out, c)) {
			own = &sbom.Package{
				Ecosystem: "Maven",
				Name:      c.Group + ":" + c.Artifact,
				Version:   c.Version,
				PURL:      PURL(c.Group, c.Artifact, c.Version),
				Type:      sbom.Library,
				FoundBy:   []string{e.Name()},
				// No Locations: the archive itself.
			}
			out = append(out, own)
		}
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

// readManifest reads the archive's META-INF/MANIFEST.MF; an archive
// without one has an empty manifest. On an error it returns what it read.
func readManifest(fsys fs.FS) (manifest, error) {
	r, err := fsys.Open("META-INF/MANIFEST.MF")
	if errors.Is(err, fs.ErrNotExist) {
		return manifest{}, nil
	}
	if err != nil {
		return manifest{}, fmt.Errorf("META-INF/MANIFEST.MF: %w", err)
	}
	defer r.Close()
	mf, err := parseManifest(r)
	if err != nil {
		return mf, fmt.Errorf("META-INF/MANIFEST.MF: %w", err) // what was read, and why no more
	}
	return mf, nil
}

// shadedOnly says whether an archive whose pom.properties named pkgs, none
// of them with the archive's version (see ownPackage), and whose name and
// manifest give c, carries only other artifacts' (libraries shaded into
// it) and not its own: no package has c's artifact id but for punctuation.
// Debian's el-api.jar is javax.el:javax.el-api, its manifest's version
// 3.0.0-debian-1; Debian's xalan2.jar holds bcel's pom.properties only, and
// a Gradle shadow jar its libraries'.
func shadedOnly(pkgs []*sbom.Package, c coordinates) bool {
	for _, p := range pkgs {
		_, a, _ := strings.Cut(p.Name, ":")
		if alnum(a) == alnum(c.Artifact) {
			return false
		}
	}
	return true
}

// namedInManifest returns the package whose artifact id (but for
// punctuation) a manifest attribute that names the archive's artifact
// gives, or nil.
func namedInManifest(pkgs []*sbom.Package, mf manifest) *sbom.Package {
	for _, k := range []string{"Implementation-Title", "Bundle-SymbolicName", "Automatic-Module-Name", "Extension-Name"} {
		v := alnum(mf.main[strings.ToLower(k)])
		if v == "" {
			continue
		}
		for _, p := range pkgs {
			if _, a, _ := strings.Cut(p.Name, ":"); alnum(a) == v {
				return p
			}
		}
	}
	return nil
}

// alnum keeps the letters and digits of an artifact id: Debian's
// jakarta-annotation-api.jar is jakarta.annotation-api.
func alnum(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ownPackage picks, of the packages read from an archive's pom.properties,
// the one that is the archive itself (to carry its hashes), the others
// being libraries it shades. It is the one whose artifact the file is named
// after (orders-1.8.0-all.jar: com.acme:orders; Debian's
// geronimo-interceptor-3.0-spec.jar: geronimo-interceptor_3.0_spec); else the one whose version
// is the archive's (in its file name, or its manifest's
// Implementation-Version or Bundle-Version); else the only one, if the
// archive gives no version. missing says that the archive is none of them:
// there are none, or it gives a version none of them has.
func ownPackage(base string, manifestVersions []string, pkgs []*sbom.Package) (own *sbom.Package, missing bool) {
	stem := strings.ToLower(strings.TrimSuffix(base, path.Ext(base)))
	for _, p := range pkgs {
		_, a, _ := strings.Cut(p.Name, ":")
		a = strings.ToLower(a)
		if rest, ok := strings.CutPrefix(stem, a); ok && (rest == "" || len(rest) > 1 && rest[0] == '-' && isDigit(rest[1])) || alnum(stem) == alnum(a) {
			return p, false
		}
	}
	versions := manifestVersions
	if _, v := splitFileName(strings.TrimSuffix(base, path.Ext(base))); v != "" {
		versions = append(versions[:len(versions):len(versions)], v)
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

// manifestVersions returns the versions the manifest's main section gives
// the archive (Implementation-Version, Bundle-Version; the first word of
// each): per-entry sections describe the packages in the jar.
func manifestVersions(mf manifest) []string {
	var out []string
	for _, k := range []string{"implementation-version", "bundle-version"} {
		if f := strings.Fields(mf.main[k]); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	sort.Strings(out)
	return out
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
