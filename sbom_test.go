package shipcheck

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
)

const lockV3 = `{
  "name": "orders", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "orders", "version": "1.0.0", "dependencies": {"a": "^1.0.0"}},
    "node_modules/a": {"version": "1.0.0", "dependencies": {"b": "^2.0.0"}},
    "node_modules/a/node_modules/b": {"version": "2.0.0"},
    "node_modules/b": {"version": "1.0.0"},
    "node_modules/fsevents": {"version": "2.3.2", "optional": true, "os": ["darwin"]}
  }
}`

// TestNpm: installed packages (a nested copy at another version kept
// apart), the function's own package as the application, licenses in
// their several forms, a lockfile entry not installed as declared-only and
// excluded, and the graph as Node resolves it.
func TestNpm(t *testing.T) {
	inv := inventoryOf(t, files{
		"package.json":                               `{"name": "orders", "version": "1.0.0", "dependencies": {"a": "^1.0.0"}}`,
		"package-lock.json":                          lockV3,
		"node_modules/a/package.json":                `{"name": "a", "version": "1.0.0", "license": "MIT", "dependencies": {"b": "^2.0.0"}}`,
		"node_modules/a/node_modules/b/package.json": `{"name": "b", "version": "2.0.0", "license": {"type": "ISC"}}`,
		"node_modules/b/package.json":                `{"name": "b", "version": "1.0.0", "licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}]}`,
		"node_modules/b/lib/package.json":            `{"type": "module"}`,
	})
	pkgs := byPURL(inv)
	want := []string{"pkg:npm/a@1.0.0", "pkg:npm/b@1.0.0", "pkg:npm/b@2.0.0", "pkg:npm/fsevents@2.3.2", "pkg:npm/orders@1.0.0"}
	if diff := cmp.Diff(want, purls(inv)); diff != "" {
		t.Fatalf("purls (-want +got):\n%s", diff)
	}
	if app := pkgs["pkg:npm/orders@1.0.0"]; app.Type != sbom.Application {
		t.Errorf("the function's package.json is %s", app.Type)
	}
	a := pkgs["pkg:npm/a@1.0.0"]
	if a.DeclaredOnly || len(a.Locations) != 2 || a.Locations[0].Path != "/var/task/node_modules/a/package.json" || !a.Locations[1].Declared {
		t.Errorf("a: installed, and named by the lockfile: %+v", a.Locations)
	}
	if a.Direct == nil || !*a.Direct || pkgs["pkg:npm/b@2.0.0"].Direct == nil || *pkgs["pkg:npm/b@2.0.0"].Direct {
		t.Errorf("a is direct, the nested b transitive: %v %v", a.Direct, pkgs["pkg:npm/b@2.0.0"].Direct)
	}
	if !slices.Equal(a.DependsOn, []string{"pkg:npm/b@2.0.0"}) {
		t.Errorf("a depends on %v, want its own nested b@2.0.0", a.DependsOn)
	}
	if got := pkgs["pkg:npm/b@1.0.0"].Licenses; !slices.Equal(got, []string{"MIT", "Apache-2.0"}) {
		t.Errorf("b@1 licenses %v", got)
	}
	if got := pkgs["pkg:npm/b@2.0.0"].Licenses; !slices.Equal(got, []string{"ISC"}) {
		t.Errorf("b@2 licenses %v", got)
	}
	fse := pkgs["pkg:npm/fsevents@2.3.2"]
	if !fse.DeclaredOnly || !fse.Excluded || fse.Locations[0].Path != "/var/task/package-lock.json" {
		t.Errorf("fsevents: %+v", fse)
	}
}

// TestDeclaredShips: a source zip the platform installs at deploy time has
// nothing installed; its pins are what will ship, not excluded.
func TestDeclaredShips(t *testing.T) {
	inv := inventoryOf(t, files{
		"main.py":          "import yaml\n",
		"requirements.txt": "PyYAML==5.3.1\nJinja2==2.11.2  # templates\nrequests>=2.0\n",
	})
	pkgs := byPURL(inv)
	for _, p := range []string{"pkg:pypi/pyyaml@5.3.1", "pkg:pypi/jinja2@2.11.2"} {
		if pkgs[p] == nil || !pkgs[p].DeclaredOnly || pkgs[p].Excluded {
			t.Errorf("%s: %+v", p, pkgs[p])
		}
	}
	for _, p := range inv.Packages {
		if strings.Contains(p.PURL, "requests") {
			t.Errorf("an unpinned requirement became a component: %s", p.PURL)
		}
	}
	// With something of the ecosystem installed, the pins do not ship.
	inv = inventoryOf(t, files{
		"requirements.txt":              "PyYAML==5.3.1\n",
		"six-1.16.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n\nbody\n",
	})
	if p := byPURL(inv)["pkg:pypi/pyyaml@5.3.1"]; p == nil || !p.Excluded {
		t.Errorf("a pin with Python packages installed beside it: %+v", p)
	}
	if p := byPURL(inv)["pkg:pypi/six@1.16.0"]; p == nil || !slices.Equal(p.Licenses, []string{"MIT"}) {
		t.Errorf("six: %+v", p)
	}
}

// TestShadowed: a function and its layer carry the same package; the
// runtime loads the function's copy, and the layer's is marked.
func TestShadowed(t *testing.T) {
	inv := inventoryOf(t,
		files{
			"node_modules/lodash/package.json": `{"name": "lodash", "version": "4.17.21"}`,
			"node_modules/ms/package.json":     `{"name": "ms", "version": "2.0.0"}`,
			"six-1.16.0.dist-info/METADATA":    "Name: six\nVersion: 1.16.0\n",
		},
		files{
			"nodejs/node_modules/lodash/package.json":                           `{"name": "lodash", "version": "4.17.15"}`,
			"nodejs/node_modules/ms/package.json":                               `{"name": "ms", "version": "2.0.0"}`,
			"nodejs/node_modules/debug/package.json":                            `{"name": "debug", "version": "2.6.8"}`,
			"python/lib/python3.12/site-packages/six-1.15.0.dist-info/METADATA": "Name: six\nVersion: 1.15.0\n",
		},
	)
	pkgs := byPURL(inv)
	if got := pkgs["pkg:npm/lodash@4.17.15"].ShadowedBy; got != "/var/task/node_modules/lodash/package.json" {
		t.Errorf("the layer's lodash 4.17.15 is shadowed by %q", got)
	}
	if got := pkgs["pkg:npm/lodash@4.17.21"].ShadowedBy; got != "" {
		t.Errorf("the function's lodash is shadowed by %q", got)
	}
	ms := pkgs["pkg:npm/ms@2.0.0"]
	if len(ms.Locations) != 2 || ms.Locations[0].Shadowed || !ms.Locations[1].Shadowed || ms.ShadowedBy != "" {
		t.Errorf("ms, the same version in both: %+v", ms.Locations)
	}
	if pkgs["pkg:npm/debug@2.6.8"].ShadowedBy != "" {
		t.Error("debug, only in the layer, is shadowed")
	}
	if got := pkgs["pkg:pypi/six@1.15.0"].ShadowedBy; got != "/var/task/six-1.16.0.dist-info/METADATA" {
		t.Errorf("the layer's six is shadowed by %q", got)
	}
}

func jar(t testing.TB, fs files) string { return string(zipOf(t, fs)) }

// TestJava: packages by pom.properties (each of a fat jar's), located at
// that file, the jar's hashes on its own package, licenses from pom.xml; a
// jar without pom.properties by MANIFEST.MF; a jar in a jar.
func TestJava(t *testing.T) {
	codec := jar(t, files{"META-INF/maven/commons-codec/commons-codec/pom.properties": "groupId=commons-codec\nartifactId=commons-codec\nversion=1.15\n"})
	fat := jar(t, files{
		"META-INF/MANIFEST.MF":                                                         "Manifest-Version: 1.0\n",
		"META-INF/maven/com.acme/orders/pom.properties":                                "#Generated\ngroupId=com.acme\nartifactId=orders\nversion=1.8.0\n",
		"META-INF/maven/com.fasterxml.jackson.core/jackson-annotations/pom.properties": "groupId=com.fasterxml.jackson.core\nartifactId=jackson-annotations\nversion=2.14.0\n",
		"META-INF/maven/com.fasterxml.jackson.core/jackson-annotations/pom.xml":        "<project><licenses><license><name>The Apache Software License, Version 2.0</name></license></licenses></project>",
		"BOOT-INF/lib/commons-codec-1.15.jar":                                          codec,
	})
	manifestOnly := jar(t, files{"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\nImplementation-Title: guava\nImplementation-Version: 31.1-jre\nBundle-SymbolicName: com.google.guava\n"})
	inv := inventoryOf(t, files{"lib/orders-1.8.0-all.jar": fat, "lib/guava-31.1-jre.jar": manifestOnly})
	pkgs := byPURL(inv)
	want := []string{
		"pkg:maven/com.acme/orders@1.8.0",
		"pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.14.0",
		"pkg:maven/com.google.guava/guava@31.1-jre",
		"pkg:maven/commons-codec/commons-codec@1.15",
	}
	if diff := cmp.Diff(want, purls(inv)); diff != "" {
		t.Fatalf("purls (-want +got):\n%s", diff)
	}
	if got := pkgs["pkg:maven/commons-codec/commons-codec@1.15"].Locations[0].Path; got != "/var/task/lib/orders-1.8.0-all.jar!BOOT-INF/lib/commons-codec-1.15.jar!META-INF/maven/commons-codec/commons-codec/pom.properties" {
		t.Errorf("nested jar's package at %s", got)
	}
	orders, ann := pkgs["pkg:maven/com.acme/orders@1.8.0"], pkgs["pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.14.0"]
	if len(orders.Hashes) != 2 || len(ann.Hashes) != 0 {
		t.Errorf("the fat jar's hashes belong to its own package only: orders %v, shaded %v", orders.Hashes, ann.Hashes)
	}
	if !slices.Equal(ann.Licenses, []string{"Apache-2.0"}) {
		t.Errorf("licenses from pom.xml: %v", ann.Licenses)
	}
	if got := pkgs["pkg:maven/com.google.guava/guava@31.1-jre"].Locations[0].Path; got != "/var/task/lib/guava-31.1-jre.jar" {
		t.Errorf("a jar known by its manifest is located at %s", got)
	}
}

// TestJavaOwnPackage: which of a jar's packages is the jar itself (it
// carries the jar's hashes), and a jar that is none of the packages its
// pom.properties name (built without Maven, shading libraries that were)
// listed as well, from its MANIFEST.MF and file name, located at the jar.
// Shapes from real jars: Debian's xalan2 (bcel's pom.properties only),
// jetty9-*.jar and guava.jar (renamed, an OSGi Bundle-Version),
// httpclient-osgi.jar (its own pom.properties among those it embeds), a
// Gradle shadow jar, a Spring Boot jar built by Gradle (nested jars, no
// pom.properties of its own).
func TestJavaOwnPackage(t *testing.T) {
	pom := func(g, a, v string) (string, string) {
		return "META-INF/maven/" + g + "/" + a + "/pom.properties", "groupId=" + g + "\nartifactId=" + a + "\nversion=" + v + "\n"
	}
	jarOf := func(mf string, poms ...[2]string) files {
		fs := files{}
		if mf != "" {
			fs["META-INF/MANIFEST.MF"] = "Manifest-Version: 1.0\n" + mf
		}
		for _, p := range poms {
			fs[p[0]] = p[1]
		}
		return fs
	}
	p := func(g, a, v string) [2]string { n, c := pom(g, a, v); return [2]string{n, c} }
	codec := jar(t, jarOf("", p("commons-codec", "commons-codec", "1.15")))
	// The jar's own package, when it comes from MANIFEST.MF and the file
	// name, is self below (located at the jar itself, its version starting
	// with selfVer): its coordinates are osv-scalibr's reading.
	const self = "jar"
	for _, tc := range []struct {
		name string
		file string
		jar  files
		// want: purls (or self) -> whether the package carries the jar's hashes.
		want    map[string]bool
		selfVer string // the version self must start with
	}{{
		name: "shaded pom.properties only, version in the file name",
		file: "xalan2-2.7.2.jar",
		jar: jarOf("Created-By: 1.8\n\nName: org/apache/xalan/\nImplementation-Version: 2.7.2\n",
			p("org.apache.bcel", "bcel", "6.4.1")),
		want:    map[string]bool{"pkg:maven/org.apache.bcel/bcel@6.4.1": false, self: true},
		selfVer: "2.7.2",
	}, {
		name: "Gradle shadow jar",
		file: "billing-3.1-all.jar",
		jar: jarOf("Implementation-Title: billing\nImplementation-Version: 3.1\n",
			p("commons-codec", "commons-codec", "1.15"), p("com.fasterxml.jackson.core", "jackson-annotations", "2.14.0")),
		want: map[string]bool{
			"pkg:maven/commons-codec/commons-codec@1.15":                      false,
			"pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.14.0": false,
			self: true,
		},
		selfVer: "3.1",
	}, {
		name: "renamed jar is its pom.properties (Bundle-Version)",
		file: "jetty9-http.jar",
		jar: jarOf("Bundle-SymbolicName: org.eclipse.jetty.http\nBundle-Version: 9.4.57.v20241219\n",
			p("org.eclipse.jetty", "jetty-http", "9.4.57.v20241219")),
		want: map[string]bool{"pkg:maven/org.eclipse.jetty/jetty-http@9.4.57.v20241219": true},
	}, {
		name: "OSGi spelling of the version",
		file: "guava.jar",
		jar:  jarOf("Bundle-SymbolicName: com.google.guava\nBundle-Version: 31.1.0.jre\n", p("com.google.guava", "guava", "31.1-jre")),
		want: map[string]bool{"pkg:maven/com.google.guava/guava@31.1-jre": true},
	}, {
		name: "a long manifest line continues",
		file: "netty-common.jar",
		jar: jarOf("Bundle-Name: Netty/Common\nImplementation-Version: 4.1.48.F\n inal\n",
			p("io.netty", "netty-common", "4.1.48.Final"), p("org.jctools", "jctools-core", "2.1-SNAPSHOT")),
		want: map[string]bool{"pkg:maven/io.netty/netty-common@4.1.48.Final": true, "pkg:maven/org.jctools/jctools-core@2.1-SNAPSHOT": false},
	}, {
		name: "a bundle that embeds others, named after its own artifact",
		file: "httpclient-osgi.jar",
		jar: jarOf("Bundle-Version: 4.5.14\n",
			p("org.apache.httpcomponents", "httpclient", "4.5.14"), p("org.apache.httpcomponents", "httpclient-osgi", "4.5.14"), p("commons-codec", "commons-codec", "1.15")),
		want: map[string]bool{
			"pkg:maven/org.apache.httpcomponents/httpclient-osgi@4.5.14": true,
			"pkg:maven/org.apache.httpcomponents/httpclient@4.5.14":      false,
			"pkg:maven/commons-codec/commons-codec@1.15":                 false,
		},
	}, {
		name: "the manifest names the pom.properties' artifact, its version spelled otherwise",
		file: "el-api.jar",
		jar: jarOf("Implementation-Title: javax.el-api\nImplementation-Vendor-Id: javax.el\nImplementation-Version: 3.0.0-debian-1\n",
			p("javax.el", "javax.el-api", "3.0.0")),
		want: map[string]bool{"pkg:maven/javax.el/javax.el-api@3.0.0": true},
	}, {
		name: "no version anywhere: the only pom.properties is the jar's",
		file: "pdfbox2.jar",
		jar:  jarOf("Automatic-Module-Name: org.apache.pdfbox\n", p("org.apache.pdfbox", "pdfbox", "2.0.27")),
		want: map[string]bool{"pkg:maven/org.apache.pdfbox/pdfbox@2.0.27": true},
	}, {
		name: "Spring Boot jar without pom.properties, a jar nested in it",
		file: "orders-2.0.1.jar",
		jar: files{
			"META-INF/MANIFEST.MF":                "Manifest-Version: 1.0\nImplementation-Title: orders\nImplementation-Version: 2.0.1\n",
			"BOOT-INF/lib/commons-codec-1.15.jar": codec,
		},
		want:    map[string]bool{self: true, "pkg:maven/commons-codec/commons-codec@1.15": false},
		selfVer: "2.0.1",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := jar(t, tc.jar)
			sum := sha256.Sum256([]byte(b))
			at := "/var/task/lib/" + tc.file
			inv := inventoryOf(t, files{"lib/" + tc.file: b})
			got := map[string]bool{}
			for _, pkg := range inv.Packages {
				key := pkg.PURL
				if tc.selfVer != "" && len(pkg.Locations) == 1 && pkg.Locations[0].Path == at {
					key = self
					if !strings.HasPrefix(pkg.Version, tc.selfVer) {
						t.Errorf("%s: version %q, want %s...", pkg.PURL, pkg.Version, tc.selfVer)
					}
				}
				got[key] = slices.Contains(pkg.Hashes, sbom.Hash{Alg: "SHA-256", Value: hex.EncodeToString(sum[:])})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("packages, true if it carries the jar's hashes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGoBinary builds a small Go program whose dependency is replaced by a
// local folder, and reads it back: the main module as the application, the
// dependency, and the toolchain as stdlib.
func TestGoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go binary")
	}
	dir, _ := filepath.Abs(filepath.Join("testdata", "sbom", "gobin"))
	bin := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = filepath.Join(dir, "hello")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// In a zip made on Windows, without the executable bit: found by content.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	w.Write(b)
	zw.Close()
	inv, err := SBOM(context.Background(), write(t, "fn.zip", buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	want := []string{"pkg:golang/example.com/dep@%28devel%29", "pkg:golang/example.com/hello@%28devel%29", "pkg:golang/stdlib@" + goVersion}
	if diff := cmp.Diff(want, purls(inv)); diff != "" {
		t.Fatalf("purls (-want +got):\n%s", diff)
	}
	pkgs := byPURL(inv)
	main := pkgs["pkg:golang/example.com/hello@%28devel%29"]
	if main.Type != sbom.Application || len(main.Hashes) != 1 || main.Locations[0].Path != "/var/task/bootstrap" {
		t.Errorf("main module: %+v", main)
	}
	if !slices.Contains(main.DependsOn, "pkg:golang/stdlib@"+goVersion) {
		t.Errorf("main depends on %v", main.DependsOn)
	}
}

// TestRegisteredExtractors runs the lockfile and OS extractors osv-scalibr
// provides on small files of each kind: each is wired in, with the right
// purl and declared or installed.
func TestRegisteredExtractors(t *testing.T) {
	rpmdb, err := os.ReadFile(filepath.Join("testdata", "sbom", "rpm-Packages"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		fs       files
		as       packaging.Role
		purl     string
		declared bool
	}{
		{"yarn.lock", files{"yarn.lock": "# yarn lockfile v1\n\n\nleft-pad@^1.3.0:\n  version \"1.3.0\"\n  resolved \"https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz\"\n"}, "", "pkg:npm/left-pad@1.3.0", true},
		{"pnpm-lock.yaml", files{"pnpm-lock.yaml": "lockfileVersion: '6.0'\n\npackages:\n\n  /left-pad@1.3.0:\n    resolution: {integrity: sha512-x}\n    dev: false\n"}, "", "pkg:npm/left-pad@1.3.0", true},
		{"Pipfile.lock", files{"Pipfile.lock": `{"_meta": {}, "default": {"six": {"version": "==1.16.0"}}, "develop": {}}`}, "", "pkg:pypi/six@1.16.0", true},
		{"poetry.lock", files{"poetry.lock": "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\ndescription = \"\"\noptional = false\npython-versions = \"*\"\n"}, "", "pkg:pypi/six@1.16.0", true},
		{"uv.lock", files{"uv.lock": "version = 1\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n"}, "", "pkg:pypi/six@1.16.0", true},
		{"Gemfile.lock", files{"Gemfile.lock": "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rack\n"}, "", "pkg:gem/rack@2.2.3", true},
		{"gemspec", files{"vendor/bundle/ruby/3.2.0/specifications/rack-2.2.3.gemspec": "Gem::Specification.new do |s|\n  s.name = \"rack\".freeze\n  s.version = \"2.2.3\"\n  s.licenses = [\"MIT\".freeze]\nend\n"}, "", "pkg:gem/rack@2.2.3", false},
		{"composer.lock", files{"composer.lock": `{"packages": [{"name": "monolog/monolog", "version": "2.9.1"}], "packages-dev": []}`}, "", "pkg:composer/monolog/monolog@2.9.1", true},
		{"installed.json", files{"vendor/composer/installed.json": `{"packages": [{"name": "monolog/monolog", "version": "2.9.1", "license": ["MIT"]}]}`}, "", "pkg:composer/monolog/monolog@2.9.1", false},
		{"installed.json v1", files{"vendor/composer/installed.json": `[{"name": "psr/log", "version": "1.1.4"}]`}, "", "pkg:composer/psr/log@1.1.4", false},
		{"Cargo.lock", files{"Cargo.lock": "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.190\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"}, "", "pkg:cargo/serde@1.0.190", true},
		{"deps.json", files{"app.deps.json": `{"runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"}, "targets": {".NETCoreApp,Version=v8.0": {}}, "libraries": {"App/1.0.0": {"type": "project"}, "Newtonsoft.Json/13.0.1": {"type": "package"}}}`}, "", "pkg:nuget/Newtonsoft.Json@13.0.1", false},
		{"apk", files{
			"etc/os-release":       "ID=alpine\nVERSION_ID=3.19.1\n",
			"lib/apk/db/installed": "P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\n\n",
		}, packaging.Archive, "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1", false},
		{"dpkg status.d (distroless)", files{
			"etc/os-release":                "ID=debian\nVERSION_ID=\"12\"\n",
			"var/lib/dpkg/status.d/libssl3": "Package: libssl3\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n",
		}, packaging.Archive, "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12", false},
		{"rpm", files{"etc/os-release": "ID=centos\nVERSION_ID=7\n", "var/lib/rpm/Packages": string(rpmdb)}, packaging.Archive, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv, err := SBOM(context.Background(), write(t, "a.zip", zipOf(t, c.fs)), Options{Options: packaging.Options{As: c.as}})
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Packages) == 0 {
				t.Fatalf("nothing found; problems %v", inv.Problems)
			}
			if c.purl == "" { // the rpm database: anything found, installed
				if inv.Packages[0].DeclaredOnly || !strings.HasPrefix(inv.Packages[0].PURL, "pkg:rpm/") {
					t.Errorf("rpm: %+v", inv.Packages[0])
				}
				return
			}
			p := byPURL(inv)[c.purl]
			if p == nil {
				t.Fatalf("no %s in %v", c.purl, purls(inv))
			}
			if p.DeclaredOnly != c.declared {
				t.Errorf("declared only %v, want %v", p.DeclaredOnly, c.declared)
			}
		})
	}
}

// TestUnparsable: a metadata file that does not parse is a problem naming
// the file, the rest is found, and the results are not partial.
func TestUnparsable(t *testing.T) {
	inv := inventoryOf(t, files{
		"node_modules/a/package.json": `{"name": "a", "version": `,
		"node_modules/b/package.json": `{"name": "b", "version": "1.0.0"}`,
	})
	if _, ok := byPURL(inv)["pkg:npm/b@1.0.0"]; !ok || inv.Partial || len(inv.Problems) != 1 {
		t.Fatalf("packages %v, partial %v, problems %v", purls(inv), inv.Partial, inv.Problems)
	}
	p := inv.Problems[0]
	if !errors.Is(p.Err, archive.ErrUnparsable) || p.Origin.String() != "fn.zip!node_modules/a/package.json" {
		t.Errorf("problem: %s", p)
	}
}

// TestDependencyGraph: the graph comes from whatever records it: a lockfile
// alone (a source zip), Requires-Dist, Gemfile.lock, a dpkg status file.
func TestDependencyGraph(t *testing.T) {
	deps := func(inv *sbom.Inventory, purl string) []string {
		if p := byPURL(inv)[purl]; p != nil {
			return p.DependsOn
		}
		t.Errorf("no %s in %v", purl, purls(inv))
		return nil
	}
	npmSrc := inventoryOf(t, files{"package.json": `{"name": "orders", "version": "1.0.0"}`, "package-lock.json": strings.Replace(lockV3, `"node_modules/a/node_modules/b": {"version": "2.0.0"},`, "", 1)})
	if got := deps(npmSrc, "pkg:npm/a@1.0.0"); !slices.Equal(got, []string{"pkg:npm/b@1.0.0"}) {
		t.Errorf("lockfile only: a depends on %v", got)
	}
	py := inventoryOf(t, files{
		"requests-2.28.1.dist-info/METADATA": "Name: requests\nVersion: 2.28.1\nRequires-Dist: idna (<4,>=2.5)\nRequires-Dist: urllib3<1.27,>=1.21.1\nRequires-Dist: PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'\n\n",
		"idna-3.3.dist-info/METADATA":        "Name: idna\nVersion: 3.3\n\n",
		"urllib3-1.26.12.dist-info/METADATA": "Name: urllib3\nVersion: 1.26.12\n\n",
	})
	if got := deps(py, "pkg:pypi/requests@2.28.1"); !slices.Equal(got, []string{"pkg:pypi/idna@3.3", "pkg:pypi/urllib3@1.26.12"}) {
		t.Errorf("Requires-Dist: %v", got)
	}
	rb := inventoryOf(t, files{"Gemfile.lock": "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n    rack-protection (3.0.5)\n      rack\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rack-protection\n"})
	if got := deps(rb, "pkg:gem/rack-protection@3.0.5"); !slices.Equal(got, []string{"pkg:gem/rack@2.2.3"}) {
		t.Errorf("Gemfile.lock: %v", got)
	}
	deb, err := SBOM(context.Background(), write(t, "root.zip", zipOf(t, files{
		"etc/os-release":      "ID=debian\nVERSION_ID=\"12\"\n",
		"var/lib/dpkg/status": "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\n\nPackage: libexpat1\nStatus: install ok installed\nVersion: 2.5.0-1\nArchitecture: amd64\nDepends: libc6 (>= 2.25) | libc6-udeb\n\n",
	})), Options{Options: packaging.Options{As: packaging.Archive}})
	if err != nil {
		t.Fatal(err)
	}
	if got := deps(deb, "pkg:deb/debian/libexpat1@2.5.0-1?arch=amd64&distro=debian-12"); len(got) != 1 || !strings.HasPrefix(got[0], "pkg:deb/debian/libc6@2.36-9") {
		t.Errorf("dpkg Depends: %v (purls %v)", got, purls(deb))
	}
}

// TestProjects: the deployment's own pyproject.toml and pom.xml are
// application components; the ones inside packages are not.
func TestProjects(t *testing.T) {
	inv := inventoryOf(t, files{
		"pyproject.toml":                           "[project]\nname = \"Orders_API\"\nversion = \"2.1.0\"\ndependencies = [\"requests>=2\"]\nlicense = {text = \"MIT\"}\n",
		"pom.xml":                                  "<project><parent><groupId>com.acme</groupId><version>1.8.0</version></parent><artifactId>orders</artifactId></project>",
		"requests-2.28.1.dist-info/METADATA":       "Name: requests\nVersion: 2.28.1\n\n",
		"requests-2.28.1.dist-info/pyproject.toml": "[project]\nname = \"not-me\"\n",
	})
	pkgs := byPURL(inv)
	py := pkgs["pkg:pypi/orders-api@2.1.0"]
	if py == nil || py.Type != sbom.Application || !slices.Equal(py.Licenses, []string{"MIT"}) || !slices.Equal(py.DependsOn, []string{"pkg:pypi/requests@2.28.1"}) {
		t.Errorf("pyproject.toml: %+v", py)
	}
	if r := pkgs["pkg:pypi/requests@2.28.1"]; r.Direct == nil || !*r.Direct {
		t.Errorf("requests, named by the project: direct %v", r.Direct)
	}
	if mvn := pkgs["pkg:maven/com.acme/orders@1.8.0"]; mvn == nil || mvn.Type != sbom.Application {
		t.Errorf("pom.xml: %v", purls(inv))
	}
	if _, ok := pkgs["pkg:pypi/not-me"]; ok {
		t.Error("a pyproject.toml inside an installed package became the application")
	}
}

// TestNPMInstalledOnly: a package.json inside an installed package (its
// examples, its tests) is not a package; installed ones at any depth, and
// scoped ones, are.
func TestNPMInstalledOnly(t *testing.T) {
	inv := inventoryOf(t, files{
		"package.json": `{"name":"fn","version":"1.0.0"}`,
		"node_modules/serverless-http/package.json":                        `{"name":"serverless-http","version":"3.2.0"}`,
		"node_modules/serverless-http/examples/hapi/package.json":          `{"name":"hapi-example","version":"1.0.0"}`,
		"node_modules/require_optional/test/nestedTest/package.json":       `{"name":"nested-test","version":"0.0.1"}`,
		"node_modules/@sentry/node/package.json":                           `{"name":"@sentry/node","version":"7.0.0"}`,
		"node_modules/a/node_modules/b/package.json":                       `{"name":"b","version":"2.0.0"}`,
		"node_modules/@sentry/node/node_modules/@sentry/core/package.json": `{"name":"@sentry/core","version":"7.0.0"}`,
	})
	var got []string
	for _, p := range inv.Packages {
		got = append(got, p.PURL)
	}
	want := []string{"pkg:npm/%40sentry/core@7.0.0", "pkg:npm/%40sentry/node@7.0.0", "pkg:npm/b@2.0.0", "pkg:npm/fn@1.0.0", "pkg:npm/serverless-http@3.2.0"}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("packages:\n got %v\nwant %v", got, want)
	}
}

// TestDebianUpstream: a binNMU (bash 5.2.15-2+b13 from source 5.2.15-2)
// and a binary whose source is another package (libssl3 from openssl)
// carry their source in the purl's upstream qualifier, as syft writes it,
// and an SBOM read back keeps the source name and version advisories are
// filed by.
func TestDebianUpstream(t *testing.T) {
	inv, err := SBOM(context.Background(), write(t, "root.zip", zipOf(t, files{
		"etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n",
		"var/lib/dpkg/status": "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b13\nSource: bash (5.2.15-2)\nArchitecture: amd64\n\n" +
			"Package: libssl3\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\nSource: openssl\nArchitecture: amd64\n\n" +
			"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n",
	})), Options{Options: packaging.Options{As: packaging.Archive}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range byPURL(inv) {
		got[p.Name] = p.PURL
	}
	for name, want := range map[string]string{
		"bash":    "upstream=bash%405.2.15-2",
		"libssl3": "upstream=openssl",
	} {
		if !strings.Contains(got[name], want) {
			t.Errorf("%s: purl %q has no %q", name, got[name], want)
		}
	}
	if strings.Contains(got["zlib1g"], "upstream") {
		t.Errorf("zlib1g is its own source: %q", got["zlib1g"])
	}
	var b bytes.Buffer
	if err := cyclonedx.Encode(&b, inv, cyclonedx.Options{}); err != nil {
		t.Fatal(err)
	}
	back, err := cyclonedx.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range back.Packages {
		if p.Name == "bash" && (p.SourceVersion != "5.2.15-2" || p.SourceName != "") || p.Name == "libssl3" && p.SourceName != "openssl" {
			t.Errorf("read back: %s source %q %q", p.Name, p.SourceName, p.SourceVersion)
		}
	}
}
