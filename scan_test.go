package shipcheck

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/shipcheck/shipcheck/internal/testshared"

	"github.com/shipcheck/shipcheck/vuln"
)

// TestScanReadsEachEntryOnce: one scan hands each file to the extractors,
// the secret scanner and the Go binary copy, and decompresses each entry at
// most once (the view counts reads from the archive).
func TestScanReadsEachEntryOnce(t *testing.T) {
	cases := []struct{ artifact, advisories string }{
		{"testdata/examples/orders-api.zip", "testdata/osv"},
		{"testdata/examples/go-function.zip", "testdata/goreach/advisories"},
		{"testdata/examples/image.tar", "testdata/osv"},
	}
	if shared, ok := testshared.Optional(t); ok {
		for _, a := range []string{"node-api.zip", "java-fn.zip", "nested.zip", "go-bootstrap.zip", "image-docker.tar"} {
			cases = append(cases, struct{ artifact, advisories string }{filepath.Join(shared, "corpus", a), "testdata/osv"})
		}
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.artifact), func(t *testing.T) {
			rep, err := Scan(context.Background(), c.artifact, ScanOptions{Source: vuln.SourceOptions{Advisories: c.advisories, Offline: true}})
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Reads
			if r.Files == 0 {
				t.Fatalf("nothing read: %+v", r)
			}
			if len(r.Again) > 0 || r.Decompressed > r.Files {
				t.Errorf("%d decompressions for %d files; read more than once: %v", r.Decompressed, r.Files, r.Again)
			}
			if len(rep.Inventory.Packages) == 0 {
				t.Errorf("no packages")
			}
		})
	}
}
