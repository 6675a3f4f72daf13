package java

import (
	"path"
	"regexp"
	"strings"
)

// coordinates are what a Java archive is, in Maven's terms.
type coordinates struct {
	Group, Artifact, Version string
	// GroupFrom says where the group came from: "known" (groupids.txt),
	// "javax-api", a manifest attribute's name, "file name", or "artifact"
	// when nothing named a group and the artifact id stands in for it.
	GroupFrom string
	// ManifestVersion: the manifest gives Version, whether or not the file
	// name does too.
	ManifestVersion bool
}

// identifyName names a Java archive that carries no pom.properties of its own,
// from its file name and its manifest.
//
// The artifact id and version come from the file name, ARTIFACT-VERSION.jar,
// which is how Maven, Gradle and Ivy name the jars they put together; the
// manifest steps in where the name cannot be right:
//   - a version that ends with the manifest's version after a dash is split
//     there (log4j-1.2-api-2.17.1.jar is log4j-1.2-api 2.17.1);
//   - a version that is a placeholder ("3.x") or none at all gives way to
//     Implementation-Version, then Bundle-Version, then
//     Specification-Version;
//   - a file name that is the manifest's artifact id with an API version put
//     in (commons-collections3-3.2.2.jar of Extension-Name:
//     commons-collections) gives way to that id.
//
// The group, first found wins: the table of known group ids
// (groupids.txt), for the artifacts whose manifests mislead; the javax.* and
// jakarta.* API jars' rule (javax.servlet-api is javax.servlet's);
// a Group-Id attribute; an Implementation-Title of the form
// GROUP#ARTIFACT;VERSION; the Bundle-SymbolicName that Maven's bundle plugin
// makes of GROUP.ARTIFACT (see strictGroup); the Implementation-Vendor-Id
// that Maven's archiver sets to the group; the Automatic-Module-Name read
// the same way as the Bundle-SymbolicName; a dotted artifact id's prefix
// (org.apache.felix.framework is org.apache.felix's); else the artifact id
// itself, as the oldest Maven artifacts (junit:junit, log4j:log4j) and the
// advisories about them name them.
//
// Manifest attributes that name a Java package rather than a group
// (Bundle-SymbolicName as is, Package, Main-Class) are not taken as groups:
// on real jars they are wrong more often than the artifact id.
func identifyName(fileName string, mf manifest) coordinates {
	stem := strings.TrimSuffix(fileName, path.Ext(fileName))
	name, version := splitFileName(stem)
	mv := manifestVersion(mf)
	if version != "" && mv != "" && version != mv && strings.HasSuffix(version, "-"+mv) {
		name, version = name+"-"+strings.TrimSuffix(version, "-"+mv), mv
	}
	for _, cl := range shadeClassifiers {
		// orders-1.0-all.jar: the classifier of a jar that shades its
		// libraries is not part of the version
		if v, ok := strings.CutSuffix(version, cl); ok && v != "" {
			version = v
			break
		}
	}
	if placeholderVersion.MatchString(version) || !validVersion(version) {
		version = "" // 3.x, or "1.0 (1)" of a copy a browser saved
	}
	if version == "" {
		version = mv
	}
	artifact := name
	if a := manifestArtifact(mf, name); a != "" {
		artifact = a
	}
	c := coordinates{Artifact: artifact, Version: version, ManifestVersion: version != "" && version == mv}
	c.Group, c.GroupFrom = groupOf(artifact, version, mf)
	if !validArtifact(artifact) || c.Group == "" {
		return coordinates{}
	}
	return c
}

// shadeClassifiers are the classifiers the shade, shadow and assembly
// plugins give the jars they build by default.
var shadeClassifiers = []string{"-all", "-shaded", "-jar-with-dependencies", "-uber", "-fat"}

// placeholderVersion matches the versions Debian's Java packages name
// their jars with in place of one ("3.x").
var placeholderVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*\.x$`)

// splitFileName splits a file name without its extension into a name and a
// version at the first dash that a version follows (guava-31.1-jre:
// guava, 31.1-jre), else at the first underscore (the Eclipse form
// org.eclipse.osgi_3.7.0); the version is "" when there is none.
func splitFileName(stem string) (name, version string) {
	for _, sep := range []byte{'-', '_'} {
		for i := 1; i < len(stem)-1; i++ {
			if stem[i] == sep && versionStart(stem[i+1:]) {
				return stem[:i], stem[i+1:]
			}
		}
	}
	return stem, ""
}

// versionStart says whether s starts like a version: with a digit, or with
// r, rc or build and a digit (guava-r09, jetpack-build235).
var versionStartRE = regexp.MustCompile(`^([0-9]|rc?[0-9]+([^A-Za-z]|$)|build[0-9])`)

func versionStart(s string) bool { return versionStartRE.MatchString(s) }

// manifestVersion returns the first usable of Implementation-Version,
// Bundle-Version and Specification-Version, up to its first space
// ("5.13.0 (b0)" is 5.13.0).
func manifestVersion(mf manifest) string {
	for _, k := range []string{"Implementation-Version", "Bundle-Version", "Specification-Version"} {
		if v := cleanVersion(mf.get(k)); v != "" {
			return v
		}
	}
	return ""
}

func cleanVersion(v string) string {
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	v = f[0]
	if !validVersion(v) {
		return ""
	}
	return v
}

// manifestArtifact returns the artifact id that an attribute of the
// manifest gives (Extension-Name, Implementation-Title,
// Specification-Title, Bundle-Name) where the file name is that id with
// digits put in (commons-collections3 for commons-collections, spring3-core
// for spring-core), else "".
func manifestArtifact(mf manifest, name string) string {
	for _, k := range []string{"Extension-Name", "Implementation-Title", "Specification-Title", "Bundle-Name"} {
		a := mf.get(k)
		if a == "" || a == name || len(a) >= len(name) || strings.Contains(a, ".") || !validArtifact(a) {
			continue
		}
		if withoutDigits(a) == withoutDigits(name) {
			return a
		}
	}
	return ""
}

func withoutDigits(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '.' {
			return -1
		}
		return r
	}, s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return strings.Trim(s, "-")
}

// groupOf finds the group of artifact (see identifyName) and says where it
// came from.
func groupOf(artifact, version string, mf manifest) (group, from string) {
	if g := knownGroup(artifact, version); g != "" {
		return g, "known"
	}
	if m := javaxAPI.FindStringSubmatch(artifact); m != nil {
		return m[1], "javax-api"
	}
	if g := mf.get("Group-Id"); validGroup(g) {
		return g, "Group-Id"
	}
	if m := titleCoordinates.FindStringSubmatch(mf.get("Implementation-Title")); m != nil && m[2] == artifact {
		return m[1], "Implementation-Title"
	}
	if g := strictGroup(mf.get("Bundle-SymbolicName"), artifact); g != "" {
		return g, "Bundle-SymbolicName"
	}
	if g := mf.get("Implementation-Vendor-Id"); validGroup(g) {
		return g, "Implementation-Vendor-Id"
	}
	if g := strictGroup(mf.get("Automatic-Module-Name"), artifact); g != "" {
		return g, "Automatic-Module-Name"
	}
	if i := strings.LastIndexByte(artifact, '.'); i > 0 && validGroup(artifact[:i]) && strings.Contains(artifact[:i], ".") {
		return artifact[:i], "file name"
	}
	if validGroup(artifact) {
		return artifact, "artifact"
	}
	return "", ""
}

// javaxAPI matches the Java EE and Jakarta EE API jars, whose group is the
// artifact id less "-api" (javax.servlet:javax.servlet-api,
// jakarta.xml.bind:jakarta.xml.bind-api, javax.inject:javax.inject).
var javaxAPI = regexp.MustCompile(`^((?:javax|jakarta)\.[a-z]+(?:\.[a-z]+)*)(?:-api)?$`)

// titleCoordinates matches an Implementation-Title of the form
// GROUP#ARTIFACT;VERSION (Elasticsearch's, Ivy's).
var titleCoordinates = regexp.MustCompile(`^([A-Za-z0-9_][A-Za-z0-9_.-]*)#([A-Za-z0-9_][A-Za-z0-9_.-]*)(?:;.*)?$`)

// strictGroup reads a group out of a Bundle-SymbolicName (or an
// Automatic-Module-Name) where the name is the one Maven's bundle plugin
// makes of GROUP and artifact: GROUP.ARTIFACT (com.jcraft.jsch), with the
// artifact id's first part left out when it repeats the group's last
// (org.mongodb.driver-core for org.mongodb:mongodb-driver-core,
// org.apache.commons.lang3 for org.apache.commons:commons-lang3), or GROUP
// alone when the group ends with the artifact id (org.hamcrest for
// org.hamcrest:hamcrest). The group has at least two parts: org.hamcrest is
// hamcrest's group, not org's. OSGi directives (";singleton:=true") are
// dropped. Any other name gives "".
func strictGroup(name, artifact string) string {
	name, _, _ = strings.Cut(name, ";")
	name = strings.TrimSpace(name)
	if !validGroup(name) {
		return ""
	}
	parts := strings.Split(name, ".")
	for i := len(parts) - 1; i >= 2; i-- {
		group, tail := strings.Join(parts[:i], "."), strings.Join(parts[i:], ".")
		if tail == artifact {
			return group
		}
		last := parts[i-1]
		if rest, ok := strings.CutPrefix(artifact, last); ok && len(rest) > 1 && strings.ContainsRune("-._", rune(rest[0])) && tail == rest[1:] {
			return group
		}
	}
	if len(parts) >= 2 && parts[len(parts)-1] == artifact {
		return name
	}
	return ""
}

var (
	artifactRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	versionRE  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+~-]*$`)
)

// validArtifact and validVersion: an artifact id or version as Maven
// allows them, and not an unexpanded build variable (${project.version},
// @VERSION@).
func validArtifact(s string) bool { return artifactRE.MatchString(s) }
func validVersion(s string) bool  { return versionRE.MatchString(s) }

var groupRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)*$`)

func validGroup(s string) bool { return groupRE.MatchString(s) }
