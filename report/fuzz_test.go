package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/shipcheck/shipcheck/report"
)

// FuzzDecode: any bytes given as a report (--baseline takes files from
// anywhere) are refused with an error or read into a report that renders
// in every format of its view and reads back to the same JSON.
func FuzzDecode(f *testing.F) {
	golden, _ := filepath.Glob(filepath.Join(testdata, "golden", "report", "*.json"))
	for _, g := range golden {
		if b, err := os.ReadFile(g); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"version":2,"kind":"scan","deployments":[{"name":"x","packages":[{}],"vulnerabilities":{"findings":[{}]},"secrets":{"findings":[{}]}}]}`))
	f.Add([]byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := report.Decode(bytes.NewReader(b))
		if err != nil {
			return
		}
		var first bytes.Buffer
		for _, ff := range report.FormatsFor(r.Kind) {
			var out bytes.Buffer
			if ff.PerDeployment && len(r.Deployments) != 1 {
				continue
			}
			err := ff.Encode(&out, r, report.Options{Width: 80})
			if ff.Name == "json" {
				if err != nil {
					t.Fatalf("json: %v", err)
				}
				first = out
			}
		}
		again, err := report.Decode(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("the JSON of a report read back does not read: %v\n%s", err, first.Bytes())
		}
		var second bytes.Buffer
		if err := report.Encode(&second, again, "json", report.Options{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("JSON changes on a second round trip:\n%s\n---\n%s", first.Bytes(), second.Bytes())
		}
	})
}
