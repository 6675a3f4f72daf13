package java

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/sbom"
)

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
	if diff := cmp.Diff([]string{"4.1.48", "4.1.48.Final"}, manifestVersions([]byte(mf))); diff != "" {
		t.Errorf("CRLF (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2.0"}, manifestVersions([]byte("Manifest-Version: 1.0\rImplementation-Version: 2.0\r"))); diff != "" {
		t.Errorf("CR (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1.4"}, manifestVersions([]byte("\nImplementation-Version: 1.4 1855 April 22 2006\n"))); diff != "" {
		t.Errorf("a version with a build date, after an empty line (-want +got):\n%s", diff)
	}
	if got := manifestVersions([]byte("Manifest-Version: 1.0\n\nName: a\nImplementation-Version: 2.7.2\n")); got != nil {
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
