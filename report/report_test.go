package report_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/sbomarchive"
	"github.com/shipcheck/shipcheck/vuln"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden/report")

const testdata = "../testdata"

// reportCase is a run whose report every format is tested on.
type reportCase struct {
	name       string
	kind       report.Kind
	targets    []shipcheck.Target
	advisories string
	gate       report.Gate
	diff       bool
	// rescan: the targets are SBOMs archived, then rescanned.
	rescan bool
}

func cases() []reportCase {
	ex := filepath.Join(testdata, "examples")
	osv := filepath.Join(testdata, "osv")
	fn := filepath.Join(testdata, "secrets", "fn")
	return []reportCase{
		{name: "scan", kind: report.KindScan, advisories: osv, gate: report.Gate{FailOn: vuln.Medium, UnknownAs: vuln.High, Secrets: true},
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "orders-api.zip")}, {Artifact: fn}}},
		{name: "scan-never", kind: report.KindScan, advisories: osv, gate: report.Gate{FailOn: vuln.High, UnknownAs: vuln.High, Secrets: true, Never: true},
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "orders-api.zip")}}},
		{name: "vuln-go", kind: report.KindVuln, advisories: filepath.Join(testdata, "goreach", "advisories"), gate: report.DefaultGate,
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "go-function.zip")}}},
		{name: "secrets", kind: report.KindSecrets, gate: report.Gate{FailOn: vuln.High, UnknownAs: vuln.High, Secrets: true},
			targets: []shipcheck.Target{{Artifact: fn}}},
		{name: "sbom", kind: report.KindSBOM, gate: report.Gate{Never: true, FailOn: vuln.High, UnknownAs: vuln.High},
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "hello-function.zip"), Layers: []string{filepath.Join(ex, "hello-layer.zip")}}}},
		{name: "partial", kind: report.KindScan, advisories: osv, gate: report.DefaultGate,
			targets: []shipcheck.Target{{Artifact: filepath.Join(testdata, "hostile", "zip-dotdot.zip")}}},
		{name: "diff", kind: report.KindDiff, advisories: osv, gate: report.Gate{FailOn: vuln.Medium, UnknownAs: vuln.High, Secrets: true}, diff: true,
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "hello-function.zip")}, {Artifact: filepath.Join(ex, "orders-api.zip")}}},
		{name: "rescan", kind: report.KindRescan, advisories: osv, gate: report.DefaultGate, rescan: true,
			targets: []shipcheck.Target{{Artifact: filepath.Join(testdata, "archive", "orders.cdx.json")}, {Artifact: filepath.Join(testdata, "archive", "billing.cdx.xml")},
				{Artifact: filepath.Join(testdata, "archive", "search.spdx.json")}, {Artifact: filepath.Join(testdata, "archive", "reports.syft.cdx.json")}}},
	}
}

// rescan archives the targets' SBOMs in a new archive and rescans it.
func (c reportCase) rescanned(t *testing.T, opt shipcheck.ScanOptions) (*report.Report, error) {
	ctx := context.Background()
	a, err := sbomarchive.Open(ctx, filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		return nil, err
	}
	defer a.Close()
	for _, tg := range c.targets {
		e, err := sbomarchive.Read(ctx, tg.Artifact, sbomarchive.ReadOptions{})
		if err != nil {
			return nil, err
		}
		if _, err := a.Add(ctx, e); err != nil {
			return nil, err
		}
	}
	res, err := a.Rescan(ctx, sbomarchive.RescanOptions{Scan: opt})
	if err != nil {
		return nil, err
	}
	res.Report.Rescan.Archive = "archive.db"
	return res.Report, nil
}

// make runs a case, then takes out what changes from run to run and
// machine to machine (the redactor): the creation time, the advisories'
// build time and folder, absolute paths.
func (c reportCase) make(t *testing.T) *report.Report {
	t.Helper()
	opt := shipcheck.ScanOptions{Kind: c.kind, Gate: c.gate, Time: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Deterministic: true,
		ToolVersion: "test", Now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		Source: vuln.SourceOptions{Advisories: c.advisories, Offline: true, TempDir: t.TempDir()}}
	var r *report.Report
	var err error
	switch {
	case c.rescan:
		r, err = c.rescanned(t, opt)
	case c.diff:
		r, err = shipcheck.Diff(context.Background(), c.targets[0], c.targets[1], opt)
	default:
		r, err = shipcheck.Run(context.Background(), c.targets, opt)
	}
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Advisories; a != nil {
		a.Built = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		a.Location, a.Origin = "testdata/osv", "testdata/osv"
	}
	for _, d := range r.Deployments {
		for i := range d.Sources {
			d.Sources[i].Path = filepath.Base(d.Sources[i].Path)
		}
		for i := range d.Files {
			d.Files[i].Path = filepath.Base(d.Files[i].Path)
		}
	}
	if r.Diff != nil {
		r.Diff.Old, r.Diff.New = filepath.Base(r.Diff.Old), filepath.Base(r.Diff.New)
	}
	return r
}

// render writes a report in every format of its view: one document per
// deployment for the SBOM formats.
func render(t *testing.T, r *report.Report, o report.Options) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range report.FormatsFor(r.Kind) {
		if f.PerDeployment && len(r.Deployments) > 1 {
			for i, d := range r.Deployments {
				var b bytes.Buffer
				if err := f.Encode(&b, r.One(i), o); err != nil {
					t.Fatalf("%s %s: %v", f.Name, d.Name, err)
				}
				out[f.Name+"."+d.Name] = b.Bytes()
			}
			continue
		}
		var b bytes.Buffer
		if err := f.Encode(&b, r, o); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = b.Bytes()
	}
	return out
}

// TestReadBack: a report written as JSON and read back renders to the same
// bytes in every format, so every format can be tested, and re-rendered,
// without a scan.
func TestReadBack(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.make(t)
			o := report.Options{Width: 100}
			want := render(t, r, o)
			back, err := report.Decode(bytes.NewReader(want["json"]))
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, back, o)
			for name, w := range want {
				if diff := cmp.Diff(string(w), string(got[name])); diff != "" {
					t.Errorf("%s after a JSON round trip (-before +after):\n%s", name, diff)
				}
			}
		})
	}
}

// TestGolden compares every format of every case with testdata/golden/report
// (go test ./report -run Golden -update rewrites them).
func TestGolden(t *testing.T) {
	dir := filepath.Join(testdata, "golden", "report")
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.make(t)
			outs := render(t, r, report.Options{})
			var b bytes.Buffer
			report.Encode(&b, r, "table", report.Options{Width: 80})
			outs["table-80"] = b.Bytes()
			for name, got := range outs {
				file := filepath.Join(dir, c.name+"."+name)
				if *update {
					os.MkdirAll(dir, 0o755)
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (go test ./report -run Golden -update writes it)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("%s (-golden +now):\n%s", file, diff)
				}
			}
		})
	}
}

// TestTableWidth: at any width from 60 columns up, no line of any table is
// wider than the width.
func TestTableWidth(t *testing.T) {
	for _, c := range cases() {
		r := c.make(t)
		for _, w := range []int{60, 80, 100, 132} {
			var b bytes.Buffer
			if err := report.Encode(&b, r, "table", report.Options{Width: w}); err != nil {
				t.Fatal(err)
			}
			for i, l := range strings.Split(b.String(), "\n") {
				if n := len([]rune(l)); n > w {
					t.Errorf("%s at %d columns: line %d is %d wide: %q", c.name, w, i+1, n, l)
				}
			}
		}
	}
}

// TestGate: what fails and what does not.
func TestGate(t *testing.T) {
	high := vuln.Finding{ID: "A", Rating: vuln.Rating{Level: vuln.High}}
	medium := vuln.Finding{ID: "B", Rating: vuln.Rating{Level: vuln.Medium}}
	unrated := vuln.Finding{ID: "C", Rating: vuln.Rating{Level: vuln.Unknown}}
	notInBinary := vuln.Finding{ID: "D", Rating: vuln.Rating{Level: vuln.Critical}, Reachability: &vuln.Reachability{Level: vuln.LevelModule}}
	suppressed := vuln.Finding{ID: "E", Rating: vuln.Rating{Level: vuln.Critical}, Suppressed: &vuln.Suppression{By: "ignore"}}
	d := &report.Deployment{Vulns: &report.Vulns{Findings: []vuln.Finding{high, medium, unrated, notInBinary, suppressed}}}
	for _, c := range []struct {
		gate report.Gate
		want int
	}{
		{report.Gate{FailOn: vuln.High, UnknownAs: vuln.High}, 2},
		{report.Gate{FailOn: vuln.High, UnknownAs: vuln.Low}, 1},
		{report.Gate{FailOn: vuln.Medium, UnknownAs: vuln.Low}, 2},
		{report.Gate{FailOn: vuln.None, UnknownAs: vuln.Low}, 3},
		{report.Gate{FailOn: vuln.None, UnknownAs: vuln.Low, Never: true}, 0},
	} {
		if got := c.gate.Count(d).Vulnerabilities; got != c.want {
			t.Errorf("%+v: %d fail, want %d", c.gate, got, c.want)
		}
	}
	if _, never, err := report.ParseFailOn("NEVER"); err != nil || !never {
		t.Errorf("never: %v %v", never, err)
	}
	if _, _, err := report.ParseFailOn("severe"); err == nil {
		t.Error("severe accepted")
	}
}

// TestDecodeRefuses: what is not a report is an error that says what it
// is, never an empty report.
func TestDecodeRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"foo":1}`:                                        `no "version"`,
		`{"version":1,"findings":[]}`:                      "version-1",
		`{"version":2,"kind":"bogus"}`:                     "unknown kind",
		`{"bomFormat":"CycloneDX","specVersion":"1.6"}`:    "an SBOM",
		`{"spdxVersion":"SPDX-2.3"}`:                       "an SBOM",
		`[]`:                                               "not a shipcheck JSON report",
		`{"version":2,"kind":"diff","deployments":[]}`:     "without its",
		`{"version":2,"kind":"scan","deployments":[null]}`: "null",
	} {
		_, err := report.Decode(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", in, err, want)
		}
	}
	// A version-1 report still gives its fingerprints to --baseline.
	fps, err := report.Fingerprints(strings.NewReader(`{"version":1,"findings":[{"fingerprint":"sc1:0123"}],"deployments":[{"secrets":[{"fingerprint":"sc1:4567"}]}]}`))
	if err != nil || !fps["sc1:0123"] || !fps["sc1:4567"] {
		t.Errorf("version 1 fingerprints: %v %v", fps, err)
	}
	if _, err := report.Fingerprints(strings.NewReader(`{"foo":1}`)); err == nil {
		t.Error("a file that is no report gave fingerprints")
	}
}

func TestFileFor(t *testing.T) {
	for _, c := range [][3]string{
		{"bom.json", "orders.zip", "bom.orders.json"},
		{"out/bom.cdx.xml", "fn", "out/bom.cdx.fn.xml"},
		{"bom", "a/b.zip", "bom.a_b"},
	} {
		if got := report.FileFor(c[0], c[1]); got != c[2] {
			t.Errorf("FileFor(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

var _ = packaging.Source{}
var _ = fmt.Sprint
