package java

import (
	"archive/zip"
	"encoding/xml"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// debianRepo is where Debian's Java library packages (lib*-java) put a
// Maven repository of their jars: GROUP/PATH/ARTIFACT/VERSION/ARTIFACT-VERSION.pom,
// with the .jar beside it a link to the jar in /usr/share/java.
const debianRepo = "/usr/share/maven-repo"

// TestDebianMavenRepo names every jar of Debian's Maven repository that has
// no pom.properties of its own by its file name and manifest, and compares
// the result with the coordinates of the .pom files beside the links to
// it: under the name Maven gives the jar (ARTIFACT-VERSION.jar), and under
// Debian's own (commons-collections3-3.2.2.jar). Debian's packages are not
// on CI: the test skips without them (apt-get install
// libcommons-collections3-java libguava-java ..., see
// testdata/bench/maven-coords.sh), and TestIdentify holds the rules.
//
// Some of Debian's coordinates are its own (freemarker 17, jsr305
// 0.1-SNAPSHOT, xml-apis-1.4) and some jars say nothing of theirs: the test
// asks for a share right, and logs every miss.
func TestDebianMavenRepo(t *testing.T) {
	if _, err := os.Stat(debianRepo); err != nil {
		t.Skipf("no %s: Debian's Java library packages are not installed", debianRepo)
	}
	truth := debianTruth(t)
	reals := make([]string, 0, len(truth))
	for r := range truth {
		reals = append(reals, r)
	}
	slices.Sort(reals)
	right := map[string]int{}
	total := 0
	for _, real := range reals {
		mf, own, err := readJar(real)
		if err != nil {
			t.Logf("%s: %v", real, err)
			continue
		}
		if own {
			continue
		}
		total++
		coords := truth[real]
		names := map[string]string{"maven": coords[0].Artifact + "-" + coords[0].Version + ".jar", "debian": filepath.Base(real)}
		for _, naming := range []string{"maven", "debian"} {
			got := identifyName(names[naming], mf)
			got.GroupFrom, got.ManifestVersion = "", false
			if slices.Contains(coords, got) {
				right[naming]++
			} else {
				t.Logf("%s names: %s is %s:%s:%s, want %v", naming, names[naming], got.Group, got.Artifact, got.Version, coords)
			}
		}
	}
	t.Logf("jars without pom.properties: %d; right under Maven's names %d, under Debian's %d", total, right["maven"], right["debian"])
	if total < 20 {
		return // too few to judge by a share
	}
	for naming, floor := range map[string]float64{"maven": 0.85, "debian": 0.7} {
		if share := float64(right[naming]) / float64(total); share < floor {
			t.Errorf("under %s names %d of %d right (%.0f%%), want at least %.0f%%", naming, right[naming], total, 100*share, 100*floor)
		}
	}
}

// debianTruth maps each real jar that the repository links to, to the
// coordinates of the .pom files beside the links (placeholder versions
// "debian" and "3.x" left out).
func debianTruth(t *testing.T) map[string][]coordinates {
	t.Helper()
	placeholder := regexp.MustCompile(`^(debian|[0-9]+(\.[0-9]+)*\.x)$`)
	truth := map[string][]coordinates{}
	err := filepath.WalkDir(debianRepo, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".pom") {
			return err
		}
		jar := strings.TrimSuffix(p, ".pom") + ".jar"
		real, err := filepath.EvalSymlinks(jar)
		if err != nil {
			return nil // a pom with no jar (a parent, a BOM)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var pom struct {
			GroupID    string `xml:"groupId"`
			ArtifactID string `xml:"artifactId"`
			Version    string `xml:"version"`
			Parent     struct {
				GroupID string `xml:"groupId"`
				Version string `xml:"version"`
			} `xml:"parent"`
		}
		if xml.Unmarshal(data, &pom) != nil {
			return nil
		}
		c := coordinates{Group: pom.GroupID, Artifact: pom.ArtifactID, Version: pom.Version}
		if c.Group == "" {
			c.Group = pom.Parent.GroupID
		}
		if c.Version == "" {
			c.Version = pom.Parent.Version
		}
		if c.Group == "" || c.Artifact == "" || placeholder.MatchString(c.Version) || slices.Contains(truth[real], c) {
			return nil
		}
		truth[real] = append(truth[real], c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return truth
}

// readJar reads a jar's manifest, and whether it has a pom.properties.
func readJar(name string) (mf manifest, pomProperties bool, err error) {
	z, err := zip.OpenReader(name)
	if err != nil {
		return mf, false, err
	}
	defer z.Close()
	for _, f := range z.File {
		if ok, _ := path.Match("META-INF/maven/*/*/pom.properties", f.Name); ok {
			pomProperties = true
		}
	}
	r, err := z.Open("META-INF/MANIFEST.MF")
	if err != nil {
		return mf, pomProperties, nil
	}
	defer r.Close()
	mf, err = parseManifest(r)
	return mf, pomProperties, err
}
