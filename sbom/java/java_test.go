package java

import (
	"archive/zip"
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
)

// commonsCollections is the manifest of commons-collections 3.2.2 as Ant
// builds it (Debian's jar; Apache's own has the same headers): every header
// that names something names the Java package, the Apache domain or a
// title, and none the Maven group commons-collections.
const commonsCollections = `Manifest-Version: 1.0
Ant-Version: Apache Ant 1.10.5
Package: org.apache.commons.collections
Extension-Name: commons-collections
Specification-Version: 3.2.2
Specification-Vendor: Apache Software Foundation
Specification-Title: Commons Collections
Implementation-Version: 3.2.2
Implementation-Vendor: Apache Software Foundation
Implementation-Title: Commons Collections
Implementation-Vendor-Id: org.apache
Export-Package: org.apache.commons.collections.map;version="3.2.2",org
 .apache.commons.collections.buffer;version="3.2.2"
Bundle-Version: 3.2.2
Bundle-Name: Commons Collections
Bundle-SymbolicName: org.apache.commons.collections
`

// TestIdentify names jars that carry no pom.properties by their file name
// and manifest: the group from the table of known ones, from the headers
// that Maven's tools write, or the artifact id; the version from the file
// name, else the manifest.
func TestIdentify(t *testing.T) {
	for _, tc := range []struct {
		name, file, manifest string
		want                 coordinates
	}{
		{"known group over the manifest's package", "commons-collections-3.2.1.jar", strings.ReplaceAll(commonsCollections, "3.2.2", "3.2.1"),
			coordinates{"commons-collections", "commons-collections", "3.2.1", "known", true}},
		{"an API version in the file name", "commons-collections3-3.2.2.jar", commonsCollections,
			coordinates{"commons-collections", "commons-collections", "3.2.2", "known", true}},
		{"no manifest", "commons-lang-2.6.jar", "",
			coordinates{"commons-lang", "commons-lang", "2.6", "known", false}},
		{"longest prefix", "spring-boot-autoconfigure-3.1.0.jar", "",
			coordinates{"org.springframework.boot", "spring-boot-autoconfigure", "3.1.0", "known", false}},
		{"shorter prefix", "spring-core-6.0.9.jar", "",
			coordinates{"org.springframework", "spring-core", "6.0.9", "known", false}},
		{"exact over prefix", "log4j-over-slf4j-2.0.7.jar", "",
			coordinates{"org.slf4j", "log4j-over-slf4j", "2.0.7", "known", false}},
		{"log4j 1", "log4j-1.2.17.jar", "Bundle-SymbolicName: org.apache.log4j\n",
			coordinates{"log4j", "log4j", "1.2.17", "known", false}},
		{"log4j 2", "log4j-core-2.14.1.jar", "",
			coordinates{"org.apache.logging.log4j", "log4j-core", "2.14.1", "known", false}},
		{"moved group, before", "asm-3.3.1.jar", "", coordinates{"asm", "asm", "3.3.1", "known", false}},
		{"moved group, after", "asm-tree-9.4.jar", "Bundle-SymbolicName: org.objectweb.asm.tree\nImplementation-Version: 9.4-SNAPSHOT\n",
			coordinates{"org.ow2.asm", "asm-tree", "9.4", "known", false}},
		{"moved group, minor version", "ant-1.6.5.jar", "", coordinates{"ant", "ant", "1.6.5", "known", false}},
		{"moved group, no version", "dom4j.jar", "", coordinates{"org.dom4j", "dom4j", "", "known", false}},
		{"javax API", "javax.servlet-api-4.0.1.jar", "", coordinates{"javax.servlet", "javax.servlet-api", "4.0.1", "javax-api", false}},
		{"jakarta API", "jakarta.xml.bind-api-4.0.0.jar", "", coordinates{"jakarta.xml.bind", "jakarta.xml.bind-api", "4.0.0", "javax-api", false}},
		{"javax.inject", "javax.inject-1.jar", "", coordinates{"javax.inject", "javax.inject", "1", "known", false}},
		{"Group-Id", "ldap-plugin-2.1.jar", "Group-Id: org.jenkins-ci.plugins\nBundle-SymbolicName: org.example.internal\n",
			coordinates{"org.jenkins-ci.plugins", "ldap-plugin", "2.1", "Group-Id", false}},
		{"GROUP#ARTIFACT;VERSION title", "server-8.14.3.jar", "Implementation-Title: org.elasticsearch#server;8.14.3\nImplementation-Version: 8.14.3\n",
			coordinates{"org.elasticsearch", "server", "8.14.3", "Implementation-Title", true}},
		{"bundle name GROUP.ARTIFACT", "widget-1.0.jar", "Bundle-SymbolicName: com.example.widget;singleton:=true\nImplementation-Vendor-Id: com.elsewhere\n",
			coordinates{"com.example", "widget", "1.0", "Bundle-SymbolicName", false}},
		{"bundle name, artifact's first part left out", "widget-driver-core-2.0.jar", "Bundle-SymbolicName: org.widget.driver-core\n",
			coordinates{"org.widget", "widget-driver-core", "2.0", "Bundle-SymbolicName", false}},
		{"bundle name that is the group", "widget-2.0.jar", "Bundle-SymbolicName: org.widget\n",
			coordinates{"org.widget", "widget", "2.0", "Bundle-SymbolicName", false}},
		{"bundle name of a package, then the vendor id", "widget-1.0.jar", "Bundle-SymbolicName: com.example.internal.impl\nImplementation-Vendor-Id: com.example.tools\n",
			coordinates{"com.example.tools", "widget", "1.0", "Implementation-Vendor-Id", false}},
		{"vendor id with a space", "widget-1.0.jar", "Implementation-Vendor-Id: Example Inc\nAutomatic-Module-Name: io.example.widget\n",
			coordinates{"io.example", "widget", "1.0", "Automatic-Module-Name", false}},
		{"module name, artifact's first part left out", "widget-core-1.0.jar", "Automatic-Module-Name: io.widget.core\n",
			coordinates{"io.widget", "widget-core", "1.0", "Automatic-Module-Name", false}},
		{"a package is no group", "widget-1.0.jar", "Bundle-SymbolicName: com.example.internal\nPackage: com.example\nMain-Class: com.example.Main\nAutomatic-Module-Name: example\n",
			coordinates{"widget", "widget", "1.0", "artifact", false}},
		{"dotted artifact", "org.apache.felix.framework-7.0.5.jar", "",
			coordinates{"org.apache.felix", "org.apache.felix.framework", "7.0.5", "file name", false}},
		{"Eclipse file name", "org.eclipse.osgi_3.7.0.v20110613.jar", "",
			coordinates{"org.eclipse", "org.eclipse.osgi", "3.7.0.v20110613", "file name", false}},
		{"nothing known", "mystery-lib-0.3.jar", "Manifest-Version: 1.0\nCreated-By: 17 (Debian)\n",
			coordinates{"mystery-lib", "mystery-lib", "0.3", "artifact", false}},
		{"a dash in the artifact and a version", "log4j-1.2-api-2.17.1.jar", "Implementation-Version: 2.17.1\n",
			coordinates{"org.apache.logging.log4j", "log4j-1.2-api", "2.17.1", "known", true}},
		{"placeholder version", "spring3-core-3.x.jar", "Implementation-Title: spring-core\nImplementation-Version: 4.3.30.RELEASE\n",
			coordinates{"org.springframework", "spring-core", "4.3.30.RELEASE", "known", true}},
		{"no version in the name", "guice.jar", "Bundle-SymbolicName: com.google.inject\nBundle-Version: 4.2.3\n",
			coordinates{"com.google.inject", "guice", "4.2.3", "known", true}},
		{"version with a note", "jna.jar", "Implementation-Version: 5.13.0 (b0)\nBundle-Version: 5.13.0\n",
			coordinates{"net.java.dev.jna", "jna", "5.13.0", "known", true}},
		{"unexpanded version", "widget.jar", "Implementation-Version: ${project.version}\nBundle-Version: 1.4.0\nSpecification-Version: 1\n",
			coordinates{"widget", "widget", "1.4.0", "artifact", true}},
		{"file name's version first", "xercesImpl-2.12.0.jar", "Bundle-Version: 2.11.0\n",
			coordinates{"xerces", "xercesImpl", "2.12.0", "known", false}},
		{"guava's r versions", "guava-r09.jar", "", coordinates{"com.google.guava", "guava", "r09", "known", false}},
		{"no version at all", "app.jar", "Main-Class: Main\n", coordinates{"app", "app", "", "artifact", false}},
		{"version in a per-entry section", "widget.jar", "Manifest-Version: 1.0\r\n\r\nName: org/widget/\r\nImplementation-Version: 2.5\r\n",
			coordinates{"widget", "widget", "2.5", "artifact", true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mf, err := parseManifest(strings.NewReader(tc.manifest))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, identifyName(tc.file, mf)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.file, diff)
			}
		})
	}
}

func TestParseManifest(t *testing.T) {
	mf, err := parseManifest(strings.NewReader("Manifest-Version: 1.0\r\n" +
		"Bundle-SymbolicName: org.example.a-very-long-name-that-the-jar-tool-wra\r\n" +
		" ps;singleton:=true\r\n" +
		"implementation-version:1.0 \r\n" +
		"no colon here\r\n" +
		"\r\n" +
		"Name: org/example/\r\n" +
		"Implementation-Version: 9.9\r\n" +
		"Implementation-Title: example\r\n" +
		"\r\n\r\n" +
		"Name: org/other/\r\n" +
		"Implementation-Title: other\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := manifest{
		main: map[string]string{
			"manifest-version":       "1.0",
			"bundle-symbolicname":    "org.example.a-very-long-name-that-the-jar-tool-wraps;singleton:=true",
			"implementation-version": "1.0",
		},
		sections: []map[string]string{
			{"name": "org/example/", "implementation-version": "9.9", "implementation-title": "example"},
			{"name": "org/other/", "implementation-title": "other"},
		},
	}
	if diff := cmp.Diff(want, mf, cmp.AllowUnexported(manifest{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := mf.get("Implementation-Version"); got != "1.0" {
		t.Errorf("the main section first: %q", got)
	}
	if got := mf.get("IMPLEMENTATION-TITLE"); got != "example" {
		t.Errorf("then the first section that has it, names in any case: %q", got)
	}
}

// TestGroupIDs: every line of groupids.txt is well formed and no artifact
// is listed twice; a repeated or malformed line is refused.
func TestGroupIDs(t *testing.T) {
	table, err := groupIDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(table.exact) < 100 || len(table.prefixes) < 20 {
		t.Errorf("%d exact lines and %d prefixes: groupids.txt read in part?", len(table.exact), len(table.prefixes))
	}
	for i := 1; i < len(table.prefixes); i++ {
		if len(table.prefixes[i].artifact) > len(table.prefixes[i-1].artifact) {
			t.Fatalf("prefixes not longest first: %q before %q", table.prefixes[i-1].artifact, table.prefixes[i].artifact)
		}
	}
	for _, bad := range []string{
		"guava com.google.guava\nguava com.google.guava\n",
		"guava\n",
		"guava com.google.guava 2\n",
		"asm org.ow2.asm x asm\n",
		"guava com..google\n",
	} {
		if _, err := parseGroupIDs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, c := range []struct{ a, b string }{{"1.6.5", "1.7"}, {"1.7", "1.7.0.1"}, {"3.3.1", "4"}, {"9", "10"}} {
		if compareVersions(c.a, c.b) >= 0 || compareVersions(c.b, c.a) <= 0 {
			t.Errorf("%s < %s not seen", c.a, c.b)
		}
	}
	if compareVersions("1.7", "1.7.0") != 0 {
		t.Error("1.7 and 1.7.0 differ")
	}
}

func jarOf(t *testing.T, files map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// extract walks a layer zip of files and returns what the extractor finds,
// by purl (a purl found in several jars: the last), every purl found once
// per place, sorted, and the problems recorded.
func extract(t *testing.T, files map[string]string) (map[string]*sbom.Package, []string, []packaging.Problem) {
	t.Helper()
	z := jarOf(t, files)
	ctx := context.Background()
	v, err := packaging.OpenReader(ctx, "layer.zip", strings.NewReader(z), int64(len(z)), packaging.Options{As: packaging.Layer})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	e := New()
	var mu sync.Mutex
	got := map[string]*sbom.Package{}
	var purls []string
	err = v.Walk(ctx, packaging.WalkOptions{}, func(ctx context.Context, f *packaging.File) error {
		if !e.Match(f) {
			return nil
		}
		pkgs, err := e.Extract(ctx, f)
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range pkgs {
			purls = append(purls, p.PURL)
			if len(p.Locations) == 0 {
				p.Locations = []sbom.Location{{Path: f.Path}}
			}
			got[p.PURL] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(purls)
	return got, purls, v.Problems()
}

// TestExtract: jars without pom.properties of their own, in a layer, as the
// walk hands them out.
func TestExtract(t *testing.T) {
	cglib := "groupId=cglib\nartifactId=cglib\nversion=3.2.12\n"
	got, purls, problems := extract(t, map[string]string{
		// The jar of the issue: an Ant build's manifest, no pom.properties.
		"java/lib/commons-collections-3.2.1.jar": jarOf(t, map[string]string{
			"META-INF/MANIFEST.MF":                     strings.ReplaceAll(commonsCollections, "3.2.2", "3.2.1"),
			"org/apache/commons/collections/Bag.class": "\xca\xfe\xba\xbe",
		}),
		// Only a shaded library's pom.properties: the jar is guice itself.
		"java/lib/guice-4.2.3.jar": jarOf(t, map[string]string{
			"META-INF/MANIFEST.MF":                      "Manifest-Version: 1.0\nBundle-SymbolicName: com.google.inject\nBundle-Version: 4.2.3\n",
			"META-INF/maven/cglib/cglib/pom.properties": cglib,
		}),
		// Its own pom.properties under a name without the version: nothing
		// more (the file name alone would read as log4j 1.2-api).
		"java/lib/log4j-1.2-api.jar": jarOf(t, map[string]string{
			"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\nImplementation-Version: 2.19.0\n",
			"META-INF/maven/org.apache.logging.log4j/log4j-1.2-api/pom.properties": "groupId=org.apache.logging.log4j\nartifactId=log4j-1.2-api\nversion=2.19.0\n",
		}),
		// Its own pom.properties under another name: nothing more.
		"java/lib/el-api.jar": jarOf(t, map[string]string{
			"META-INF/MANIFEST.MF":                                "Manifest-Version: 1.0\nBundle-SymbolicName: javax.el-api\nBundle-Version: 3.0.0\n",
			"META-INF/maven/javax.el/javax.el-api/pom.properties": "groupId=javax.el\nartifactId=javax.el-api\nversion=3.0.0\n",
		}),
		// Its own pom.properties, a name with other punctuation, and a
		// manifest left from an older version: nothing more.
		"java/lib/jakarta-annotation-api.jar": jarOf(t, map[string]string{
			"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\nBundle-SymbolicName: jakarta.annotation-api\nImplementation-Vendor-Id: org.glassfish\nImplementation-Version: 2.0.0\n",
			"META-INF/maven/jakarta.annotation/jakarta.annotation-api/pom.properties": "groupId=jakarta.annotation\nartifactId=jakarta.annotation-api\nversion=2.1.1\n",
		}),
		// A shaded library's pom.properties, and a version in the file name
		// that is not the library's: the jar is a package of its own, named
		// by its file name without the shade classifier.
		"java/lib/orders-1.0-all.jar": jarOf(t, map[string]string{
			"META-INF/MANIFEST.MF":                      "Manifest-Version: 1.0\nMain-Class: com.acme.Main\n",
			"META-INF/maven/cglib/cglib/pom.properties": cglib,
		}),
		// pom.properties without the group: its folder names it.
		"java/lib/widget-1.0.jar": jarOf(t, map[string]string{
			"META-INF/MANIFEST.MF":                             "Manifest-Version: 1.0\nImplementation-Vendor-Id: org.elsewhere\n",
			"META-INF/maven/com.example/widget/pom.properties": "artifactId=widget\nversion=1.0\n",
		}),
		// No version anywhere.
		"java/lib/app.jar": jarOf(t, map[string]string{"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n"}),
	})
	if len(problems) > 0 {
		t.Errorf("problems: %v", problems)
	}
	want := []string{
		"pkg:maven/cglib/cglib@3.2.12",
		"pkg:maven/cglib/cglib@3.2.12",
		"pkg:maven/com.example/widget@1.0",
		"pkg:maven/com.google.inject/guice@4.2.3",
		"pkg:maven/commons-collections/commons-collections@3.2.1",
		"pkg:maven/jakarta.annotation/jakarta.annotation-api@2.1.1",
		"pkg:maven/javax.el/javax.el-api@3.0.0",
		"pkg:maven/orders/orders@1.0",
		"pkg:maven/org.apache.logging.log4j/log4j-1.2-api@2.19.0",
	}
	if diff := cmp.Diff(want, purls); diff != "" {
		t.Fatalf("purls (-want +got):\n%s", diff)
	}
	cc := got["pkg:maven/commons-collections/commons-collections@3.2.1"]
	if cc.Name != "commons-collections:commons-collections" || cc.Ecosystem != "Maven" || cc.Type != sbom.Library {
		t.Errorf("commons-collections: %+v", cc)
	}
	if cc.Locations[0].Path != "/opt/java/lib/commons-collections-3.2.1.jar" {
		t.Errorf("a jar named by its manifest is located at the jar: %v", cc.Locations)
	}
	if len(cc.Hashes) != 2 {
		t.Errorf("the jar's hashes: %v", cc.Hashes)
	}
	if g := got["pkg:maven/com.google.inject/guice@4.2.3"]; len(g.Hashes) != 2 || g.Locations[0].Path != "/opt/java/lib/guice-4.2.3.jar" {
		t.Errorf("guice, the jar itself, carries its hashes: %+v", g)
	}
	if o := got["pkg:maven/orders/orders@1.0"]; len(o.Hashes) != 2 {
		t.Errorf("a shadow jar, itself a package, carries its hashes: %+v", o)
	}
	if c := got["pkg:maven/cglib/cglib@3.2.12"]; len(c.Hashes) != 0 {
		t.Errorf("a shaded library carries its jar's hashes: %+v", c)
	}
	if w := got["pkg:maven/com.example/widget@1.0"]; len(w.Hashes) != 2 || w.Locations[0].Path != "/opt/java/lib/widget-1.0.jar!META-INF/maven/com.example/widget/pom.properties" {
		t.Errorf("a pom.properties without the group: %+v", w)
	}
}

// FuzzIdentify: any manifest and file name are read without a panic, and
// what comes out is a Maven name or nothing.
func FuzzIdentify(f *testing.F) {
	f.Add("commons-collections3-3.2.2.jar", commonsCollections)
	f.Add("widget-driver-core-2.0.jar", "Bundle-SymbolicName: org.widget.driver-core;singleton:=true\r\n\r\nName: a\r\n Implementation-Version: 1\n")
	f.Add("server-8.14.3.jar", "Implementation-Title: org.elasticsearch#server;8.14.3\nImplementation-Version: 8.14.3 (b0)\n")
	f.Add("log4j-1.2-api-2.17.1.jar", "Implementation-Version: 2.17.1\n\n\n")
	f.Fuzz(func(t *testing.T, file, text string) {
		mf, err := parseManifest(strings.NewReader(text))
		if err != nil {
			return
		}
		c := identifyName(file, mf)
		if c.Artifact != "" && (!validArtifact(c.Artifact) || !validGroup(c.Group)) {
			t.Errorf("%q: %+v", file, c)
		}
		if c.Version != "" && !validVersion(c.Version) {
			t.Errorf("%q: version %q", file, c.Version)
		}
	})
}

// TestSameVersion: a Maven version and the spellings of it that manifests
// use (OSGi's three numbers and a qualifier) are one version; others not.
func TestSameVersion(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"1.15", "1.15.0", true},
		{"31.1-jre", "31.1.0.jre", true},
		{"4.1.48.Final", "4.1.48.Final", true},
		{"5.3.6.Final", "5.3.6.final", true},
		{"2.0", "2", true},
		{"1.0", "1.0.1", false},
		{"6.4.1", "2.7.2", false},
		{"2.3.0", "2.3.1", false},
		{"1.10", "1.1", false},
		{"2.1-SNAPSHOT", "2.1", false},
		{"3.1", "3.1-all", false},
	} {
		if got := sameVersion(tc.a, tc.b); got != tc.want {
			t.Errorf("sameVersion(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestMainSection: the main section ends at the first empty line (the
// per-entry sections after it describe packages of the jar, not the jar);
// continuation lines join; CR, LF and CRLF all end lines.
func TestMainSection(t *testing.T) {
	mf := "Manifest-Version: 1.0\r\nImplementation-Version: 4.1.48.F\r\n inal\r\nBundle-Version: 4.1.48\r\n\r\nName: org/x/\r\nImplementation-Version: 9\r\n"
	if diff := cmp.Diff([]string{"4.1.48", "4.1.48.Final"}, manifestVersions(mustManifest(t, mf))); diff != "" {
		t.Errorf("CRLF (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2.0"}, manifestVersions(mustManifest(t, "Manifest-Version: 1.0\rImplementation-Version: 2.0\r"))); diff != "" {
		t.Errorf("CR (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1.4"}, manifestVersions(mustManifest(t, "\nImplementation-Version: 1.4 1855 April 22 2006\n"))); diff != "" {
		t.Errorf("a version with a build date, after an empty line (-want +got):\n%s", diff)
	}
	if got := manifestVersions(mustManifest(t, "Manifest-Version: 1.0\n\nName: a\nImplementation-Version: 2.7.2\n")); got != nil {
		t.Errorf("versions of per-entry sections taken: %v", got)
	}
}

// TestOwnPackage: which package read from pom.properties is the archive
// itself, or that none is.
func TestOwnPackage(t *testing.T) {
	pkg := func(name, version string) *sbom.Package { return &sbom.Package{Name: name, Version: version} }
	for _, tc := range []struct {
		name     string
		file     string
		versions []string
		pkgs     []*sbom.Package
		want     string // the own package's name, or ""
		missing  bool
	}{
		{"named after its artifact", "orders-1.8.0-all.jar", nil,
			[]*sbom.Package{pkg("com.fasterxml:jackson", "2.14.0"), pkg("com.acme:orders", "1.8.0")}, "com.acme:orders", false},
		{"named after its artifact, no version", "httpclient-osgi.jar", []string{"4.5.14"},
			[]*sbom.Package{pkg("org.apache.httpcomponents:httpclient", "4.5.14"), pkg("org.apache.httpcomponents:httpclient-osgi", "4.5.14")},
			"org.apache.httpcomponents:httpclient-osgi", false},
		{"named after its artifact but for punctuation", "geronimo-interceptor-3.0-spec.jar", nil,
			[]*sbom.Package{pkg("org.apache.geronimo.specs:geronimo-interceptor_3.0_spec", "1.0.1")}, "org.apache.geronimo.specs:geronimo-interceptor_3.0_spec", false},
		{"a longer artifact is not a prefix match", "netty-common.jar", nil,
			[]*sbom.Package{pkg("io.netty:netty", "4.1.48.Final"), pkg("io.netty:netty-all", "4.1.48.Final")}, "", false},
		{"renamed, the manifest's version", "jetty9-http.jar", []string{"9.4.57.v20241219"},
			[]*sbom.Package{pkg("org.eclipse.jetty:jetty-http", "9.4.57.v20241219")}, "org.eclipse.jetty:jetty-http", false},
		{"renamed, the file name's version", "log4j-1.2-api-2.19.0.jar", nil,
			[]*sbom.Package{pkg("org.apache.logging.log4j:log4j-1.2-api", "2.19.0")}, "org.apache.logging.log4j:log4j-1.2-api", false},
		{"shaded only: the file name's version is none of theirs", "xalan2-2.7.2.jar", nil,
			[]*sbom.Package{pkg("org.apache.bcel:bcel", "6.4.1")}, "", true},
		{"shaded only: the manifest's version is none of theirs", "app.jar", []string{"3.0"},
			[]*sbom.Package{pkg("commons-codec:commons-codec", "1.15")}, "", true},
		{"no version given: the only one", "pdfbox2.jar", nil,
			[]*sbom.Package{pkg("org.apache.pdfbox:pdfbox", "2.0.27")}, "org.apache.pdfbox:pdfbox", false},
		{"no version given, several: cannot tell", "bundle.jar", nil,
			[]*sbom.Package{pkg("a:a", "1"), pkg("b:b", "2")}, "", false},
		{"none", "guava-31.1-jre.jar", nil, nil, "", true},
		{"none, no version", "xercesSamples.jar", nil, nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			own, missing := ownPackage(tc.file, tc.versions, tc.pkgs)
			got := ""
			if own != nil {
				got = own.Name
			}
			if got != tc.want || missing != tc.missing {
				t.Errorf("ownPackage = %q, missing %v; want %q, missing %v", got, missing, tc.want, tc.missing)
			}
		})
	}
}

func mustManifest(t *testing.T, s string) manifest {
	t.Helper()
	mf, err := parseManifest(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return mf
}
