package cyclonedx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode reads arbitrary bytes as a CycloneDX SBOM (vuln --sbom reads
// SBOMs from anywhere): no panic.
//
//	go test ./sbom/cyclonedx -run '^$' -fuzz FuzzDecode -fuzztime 5m
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	Encode(&buf, sample(), Options{Findings: sampleFindings()})
	f.Add(buf.Bytes())
	buf.Reset()
	Encode(&buf, sample(), Options{XML: true})
	f.Add(buf.Bytes())
	if ps, _ := filepath.Glob("../../../shared/corpus/sboms/*.cdx.json"); len(ps) > 0 {
		if b, err := os.ReadFile(ps[0]); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"x","purl":"pkg:deb/debian/x@1?distro=bookworm&upstream=y%401"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		Decode(bytes.NewReader(b))
	})
}
