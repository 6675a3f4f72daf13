package shipcheck

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/internal/testshared"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/vuln"
)

// TestSBOMFormatsMatchAlike: the SPDX and the CycloneDX shipcheck writes
// for an artifact, read back with vuln --sbom's reader, give the same
// findings, on the examples and on every corpus artifact; an SBOM that
// lists nothing, or a file that is not one, is an error.
func TestSBOMFormatsMatchAlike(t *testing.T) {
	arts, _ := filepath.Glob(filepath.Join("testdata", "examples", "*"))
	source := vuln.SourceOptions{Advisories: filepath.Join("testdata", "osv"), Offline: true}
	if shared, ok := testshared.Optional(t); ok {
		more, _ := filepath.Glob(filepath.Join(shared, "corpus", "*.*"))
		for _, m := range more {
			if strings.HasSuffix(m, ".zip") || strings.HasSuffix(m, ".tar") {
				arts = append(arts, m)
			}
		}
		sharedDB(t)
		source = vuln.SourceOptions{DBDir: sharedDBDir, Offline: true}
	}
	dir := t.TempDir()
	for _, a := range arts {
		t.Run(filepath.Base(a), func(t *testing.T) {
			r, err := Run(context.Background(), []Target{{Artifact: a}}, ScanOptions{Kind: report.KindSBOM, Gate: report.Gate{Never: true}})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Deployments[0].Packages) == 0 {
				t.Skip("no packages")
			}
			found := map[string][]string{}
			for _, format := range []string{"cyclonedx-json", "spdx-json"} {
				var b bytes.Buffer
				if err := report.Encode(&b, r, format, report.Options{}); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(dir, filepath.Base(a)+"."+format)
				os.WriteFile(p, b.Bytes(), 0o644)
				v, err := Run(context.Background(), []Target{{Artifact: p, SBOM: true}}, ScanOptions{Kind: report.KindVuln, Source: source, Gate: report.DefaultGate})
				if err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				var keys []string
				for _, f := range v.Deployments[0].Vulns.Findings {
					keys = append(keys, f.ID+" "+f.PURL)
				}
				sort.Strings(keys)
				found[format] = keys
			}
			if d := cmp.Diff(found["cyclonedx-json"], found["spdx-json"]); d != "" {
				t.Errorf("findings from CycloneDX (-) and SPDX (+):\n%s", d)
			}
		})
	}
	for name, doc := range map[string]string{
		"empty.json": `{}`,
		"bom.json":   `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}`,
		"spdx.json":  `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://x","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: x"]}}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(doc), 0o644)
		_, err := Run(context.Background(), []Target{{Artifact: p, SBOM: true}}, ScanOptions{Kind: report.KindVuln, Source: vuln.SourceOptions{Advisories: filepath.Join("testdata", "osv"), Offline: true}})
		if err == nil {
			t.Errorf("%s: read as an SBOM with something to match", name)
		}
	}
}
