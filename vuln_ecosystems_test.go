package shipcheck

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/vuln"
)

// TestRealAdvisoriesEndToEnd opens small artifacts holding the packages of
// the real advisories in testdata/advisories (ecosystems ../shared/osv lacks:
// Alpine, Ubuntu, Packagist, Maven; their sources are in SOURCES.md) and
// checks what a user reads: which installed packages are found affected,
// under which advisory, with which fix, on both sides of each fixed version.
func TestRealAdvisoriesEndToEnd(t *testing.T) {
	jar := func(group, artifact, version string) string {
		return string(zipOf(t, files{
			"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n",
			"META-INF/maven/" + group + "/" + artifact + "/pom.properties": "groupId=" + group + "\nartifactId=" + artifact + "\nversion=" + version + "\n",
		}))
	}
	manifestJar := func(manifest string) string {
		return string(zipOf(t, files{"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n" + manifest}))
	}
	for _, c := range []struct {
		name string
		fs   files
		as   packaging.Role
		want []string // "name@version ID fixed", sorted
	}{
		{"Alpine 3.18: binary packages matched by their origin", files{
			"etc/os-release": "ID=alpine\nVERSION_ID=3.18.4\n",
			"lib/apk/db/installed": "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\n" +
				"P:musl-utils\nV:1.2.4-r2\nA:x86_64\no:musl\n\n" +
				"P:zlib\nV:1.2.13-r1\nA:x86_64\no:zlib\n\n",
		}, packaging.Archive, []string{
			"musl-utils (source musl)@1.2.4-r2 ALPINE-CVE-2025-26519 1.2.4-r3",
			"musl@1.2.4-r2 ALPINE-CVE-2025-26519 1.2.4-r3",
		}},
		{"Alpine 3.18 at the fix", files{
			"etc/os-release":       "ID=alpine\nVERSION_ID=3.18.4\n",
			"lib/apk/db/installed": "P:musl\nV:1.2.4-r3\nA:x86_64\no:musl\n\n",
		}, packaging.Archive, nil},
		{"Alpine 3.19: the same version, another release's fix", files{
			"etc/os-release":       "ID=alpine\nVERSION_ID=3.19.1\n",
			"lib/apk/db/installed": "P:musl\nV:1.2.4-r3\nA:x86_64\no:musl\n\n",
		}, packaging.Archive, []string{"musl@1.2.4-r3 ALPINE-CVE-2025-26519 1.2.4_git20230717-r5"}},
		{"Ubuntu 22.04: libssl3 from source openssl", files{
			"etc/os-release": "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n",
			"var/lib/dpkg/status": "Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.2-0ubuntu1.9\nArchitecture: amd64\n\n" +
				"Package: openssl\nStatus: install ok installed\nVersion: 3.0.2-0ubuntu1.10\nArchitecture: amd64\n\n",
		}, packaging.Archive, []string{"libssl3 (source openssl)@3.0.2-0ubuntu1.9 USN-6119-1 3.0.2-0ubuntu1.10"}},
		{"Ubuntu 20.04, os-release without LTS: another release's ranges", files{
			"etc/os-release":      "ID=ubuntu\nVERSION_ID=\"20.04\"\n",
			"var/lib/dpkg/status": "Package: libssl1.1\nStatus: install ok installed\nSource: openssl\nVersion: 1.1.1f-1ubuntu2.18\nArchitecture: amd64\n\n",
		}, packaging.Archive, []string{"libssl1.1 (source openssl)@1.1.1f-1ubuntu2.18 USN-6119-1 1.1.1f-1ubuntu2.19"}},
		{"Packagist: composer's installed.json, v-prefixed versions", files{
			"vendor/composer/installed.json": `{"packages": [
				{"name": "symfony/http-kernel", "version": "v5.4.19", "version_normalized": "5.4.19.0"},
				{"name": "guzzlehttp/guzzle", "version": "7.4.4", "version_normalized": "7.4.4.0"},
				{"name": "guzzlehttp/psr7", "version": "2.4.0"}]}`,
		}, "", []string{"symfony/http-kernel@v5.4.19 GHSA-h7vf-5wrv-9fhv 5.4.20"}},
		{"Packagist: the older branch", files{
			"vendor/composer/installed.json": `{"packages": [{"name": "guzzlehttp/guzzle", "version": "6.5.6"}]}`,
		}, "", []string{"guzzlehttp/guzzle@6.5.6 GHSA-f2wf-25xc-69c9 6.5.7"}},
		{"Maven: a jar in a jar, .Final qualifiers", files{
			"app.jar": string(zipOf(t, files{
				"BOOT-INF/lib/netty-codec-haproxy-4.1.85.Final.jar": jar("io.netty", "netty-codec-haproxy", "4.1.85.Final"),
				"BOOT-INF/lib/netty-common-4.1.86.Final.jar":        jar("io.netty", "netty-common", "4.1.86.Final"),
			})),
			"lib/netty-codec-haproxy-4.1.86.Final.jar": jar("io.netty", "netty-codec-haproxy", "4.1.86.Final"),
		}, "", []string{"io.netty:netty-codec-haproxy@4.1.85.Final GHSA-fx2c-96vj-985v 4.1.86.Final"}},
		{"Maven: jars without pom.properties, named as Maven Central names them", files{
			// Apache's Ant-built jar: its manifest names the Java package
			// org.apache.commons.collections and the vendor org.apache.
			"java/lib/commons-collections-3.2.1.jar": manifestJar("Package: org.apache.commons.collections\nExtension-Name: commons-collections\n" +
				"Implementation-Version: 3.2.1\nImplementation-Vendor-Id: org.apache\nBundle-SymbolicName: org.apache.commons.collections\n"),
			"java/lib/commons-collections4-4.0.jar": manifestJar("Bundle-SymbolicName: org.apache.commons.collections4\nBundle-Version: 4.0\n"),
		}, packaging.Layer, []string{
			"commons-collections:commons-collections@3.2.1 GHSA-fjq5-5j5f-mvxh 3.2.2",
			"org.apache.commons:commons-collections4@4.0 GHSA-fjq5-5j5f-mvxh 4.1",
		}},
		{"Maven: the fixed one", files{
			"java/lib/commons-collections-3.2.2.jar": manifestJar("Implementation-Version: 3.2.2\nImplementation-Vendor-Id: org.apache\n"),
		}, packaging.Layer, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Vulns(context.Background(), write(t, "a.zip", zipOf(t, c.fs)), VulnOptions{
				Options: Options{Options: packaging.Options{As: c.as}},
				Source:  vuln.SourceOptions{Advisories: "testdata/advisories", TempDir: t.TempDir()},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Inventory.Packages) == 0 {
				t.Fatalf("no packages found; problems %v", rep.Inventory.Problems)
			}
			var got []string
			for _, f := range rep.Result.Findings {
				got = append(got, f.Name+"@"+f.Version+" "+f.ID+" "+f.Fixed)
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
