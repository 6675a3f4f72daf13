package sbomarchive

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/vuln"
)

// advisories makes a folder of OSV records: the files named, from
// testdata.
func advisories(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		b := mustRead(t, filepath.Join(testdata, f))
		dst := filepath.Join(dir, filepath.Base(filepath.Dir(f)), filepath.Base(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var (
	part = []string{"osv/npm/NSWG-ECO-516.json"}
	all  = []string{"osv/npm/NSWG-ECO-516.json", "osv/PyPI/PYSEC-2024-60.json", "advisories/Maven/GHSA-57j2-w4cx-62h2.json", "advisories/Maven/GHSA-fx2c-96vj-985v.json"}
)

// rescan runs a rescan against the advisories folder and records it
// unless dry.
func rescan(t *testing.T, a *Archive, adv string, opt RescanOptions, dry bool) *report.Report {
	t.Helper()
	ctx := context.Background()
	opt.Scan.Source = vuln.SourceOptions{Advisories: adv, TempDir: t.TempDir()}
	if opt.Scan.Gate == (report.Gate{}) {
		opt.Scan.Gate = report.Gate{FailOn: vuln.Low, UnknownAs: vuln.High}
	}
	opt.DryRun = dry
	res, err := a.Rescan(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !dry {
		if err := res.Record(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return res.Report
}

// changes lists a rescan's changes as "+deployment id package@version"
// (new) and "-..." (no longer present) lines.
func changes(r *report.Report) []string {
	out := []string{}
	for _, d := range r.Deployments {
		for _, f := range d.Changes.New {
			out = append(out, fmt.Sprintf("+%s %s %s@%s", d.Name, f.ID, f.Name, f.Version))
		}
		for _, f := range d.Changes.Gone {
			out = append(out, fmt.Sprintf("-%s %s %s@%s", d.Name, f.ID, f.Name, f.Version))
		}
	}
	sort.Strings(out)
	return out
}

// TestRescan: a rescan against part of the advisories reports their
// findings as new (the first rescan of a deployment has nothing to compare
// with); again, nothing; against all of them, exactly the advisories
// added; against part again, those as no longer present. Only new
// findings fail the gate; ignores apply.
func TestRescan(t *testing.T) {
	eachBackend(t, func(t *testing.T, loc string) {
		a := open(t, loc)
		fixtures(t, a)
		partDir, allDir := advisories(t, part...), advisories(t, all...)

		r := rescan(t, a, partDir, RescanOptions{}, false)
		if got, want := changes(r), []string{"+orders NSWG-ECO-516 lodash@4.17.15", "+search NSWG-ECO-516 lodash@4.17.15"}; !cmp.Equal(got, want) {
			t.Errorf("first rescan:\n got %q\nwant %q", got, want)
		}
		if r.Failing != 2 || r.Rescan.Deployments != 4 || r.Rescan.Changed != 2 || r.Kind != report.KindRescan {
			t.Errorf("first rescan: failing %d, %+v", r.Failing, r.Rescan)
		}
		for _, d := range r.Deployments {
			if !d.Changes.Previous.IsZero() {
				t.Errorf("%s: a previous rescan before the first", d.Name)
			}
			if d.Name == "orders" {
				for _, f := range append(d.Changes.New, d.Vulns.Findings...) {
					if len(f.Locations) != 1 || f.Locations[0].Path != "/var/task/node_modules/lodash/package.json" {
						t.Errorf("orders: %s: locations %+v, want where the SBOM says lodash is", f.ID, f.Locations)
					}
				}
			}
		}

		r = rescan(t, a, partDir, RescanOptions{}, false)
		if got := changes(r); len(got) != 0 || r.Failing != 0 || len(r.Deployments) != 0 {
			t.Errorf("the same rescan again: %q, failing %d", got, r.Failing)
		}
		r = rescan(t, a, partDir, RescanOptions{All: true}, true)
		if len(r.Deployments) != 4 || r.Deployments[1].Name != "orders" || len(r.Deployments[1].Vulns.Findings) != 1 || r.Deployments[1].Changes.Previous.IsZero() {
			t.Errorf("--all lists every deployment with its findings: %d", len(r.Deployments))
		}

		// All the advisories, with an ignore rule for one: still new, but
		// it does not fail.
		ign := RescanOptions{Scan: shipcheck.ScanOptions{Ignores: []vuln.Ignore{{ID: "PYSEC-2024-60", Reason: "not reachable"}}}}
		r = rescan(t, a, allDir, ign, false)
		if got, want := changes(r), []string{"+billing PYSEC-2024-60 idna@3.4", "+reports.zip GHSA-57j2-w4cx-62h2 com.fasterxml.jackson.core:jackson-databind@2.13.1"}; !cmp.Equal(got, want) {
			t.Errorf("rescan with every advisory:\n got %q\nwant %q", got, want)
		}
		if r.Failing != 1 || r.Deployments[0].Changes.New[0].Suppressed == nil {
			t.Errorf("the ignored finding: failing %d", r.Failing)
		}

		r = rescan(t, a, partDir, RescanOptions{}, false)
		if got, want := changes(r), []string{"-billing PYSEC-2024-60 idna@3.4", "-reports.zip GHSA-57j2-w4cx-62h2 com.fasterxml.jackson.core:jackson-databind@2.13.1"}; !cmp.Equal(got, want) {
			t.Errorf("rescan with part of the advisories again:\n got %q\nwant %q", got, want)
		}
		if r.Failing != 0 {
			t.Errorf("advisories no longer present fail the gate: %d", r.Failing)
		}

		// A newer SBOM of a deployment: its findings are compared too.
		add(t, a, "billing.cdx.xml", ReadOptions{Name: "orders"})
		r = rescan(t, a, partDir, RescanOptions{}, false)
		if got, want := changes(r), []string{"-orders NSWG-ECO-516 lodash@4.17.15"}; !cmp.Equal(got, want) {
			t.Errorf("after a new release of orders:\n got %q\nwant %q", got, want)
		}
	})
}

// TestShards: N workers given 1/N ... N/N rescan every deployment exactly
// once between them; each records only its own deployments.
func TestShards(t *testing.T) {
	eachBackend(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		a := open(t, loc)
		e, err := Read(ctx, filepath.Join(testdata, "archive", "orders.cdx.json"), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for i := range 40 {
			e.Name = fmt.Sprintf("fn-%02d", i)
			names = append(names, e.Name)
			if _, err := a.Add(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		adv := advisories(t, part...)
		for _, n := range []int{1, 3, 7} {
			seen := map[string]int{}
			total := 0
			for i := 1; i <= n; i++ {
				r := rescan(t, a, adv, RescanOptions{Shard: Shard{i, n}, All: true}, true)
				total += r.Rescan.Deployments
				for _, d := range r.Deployments {
					seen[d.Name]++
				}
			}
			for _, name := range names {
				if seen[name] != 1 {
					t.Errorf("%d shards: %s rescanned %d times", n, name, seen[name])
				}
			}
			if total != len(names) || len(seen) != len(names) {
				t.Errorf("%d shards: %d rescanned in all, %d distinct, want %d", n, total, len(seen), len(names))
			}
		}
		// Worker 2 of 3 records; then a full dry run finds new findings in
		// the other shards only.
		rescan(t, a, adv, RescanOptions{Shard: Shard{2, 3}}, false)
		r := rescan(t, a, adv, RescanOptions{}, true)
		for _, d := range r.Deployments {
			if (Shard{2, 3}).Has(d.Name) {
				t.Errorf("%s, of shard 2/3, was recorded by its worker yet is new again", d.Name)
			}
		}
		if want := 40 - count(names, Shard{2, 3}); len(r.Deployments) != want || want == 0 || want == 40 {
			t.Errorf("after shard 2/3 recorded: %d deployments new, want %d", len(r.Deployments), want)
		}
	})
}

func count(names []string, s Shard) int {
	n := 0
	for _, name := range names {
		if s.Has(name) {
			n++
		}
	}
	return n
}

// TestParseShard: I/N with 1 <= I <= N.
func TestParseShard(t *testing.T) {
	for s, ok := range map[string]bool{"1/1": true, "3/4": true, "0/4": false, "5/4": false, "1/0": false, "x": false, "1/": false} {
		if _, err := ParseShard(s); (err == nil) != ok {
			t.Errorf("ParseShard(%q): %v", s, err)
		}
	}
}

// TestRescanCorpus: the corpus deployments archived from their artifacts
// (each scanned for its SBOM, as archive add ARTIFACT does); a rescan
// against a database of part of ../shared/osv (its npm and Go folders)
// reports exactly the corpus's expected advisories of those ecosystems as
// new, and a rescan against all of ../shared/osv then reports as new
// exactly the expected advisories the rest adds (EXPECTED_VULNS.json, an
// independent truth: osv-scanner on the truth's packages).
func TestRescanCorpus(t *testing.T) {
	dir, ok := sharedCorpus(t)
	if !ok {
		return
	}
	osvDir := filepath.Join(filepath.Dir(dir), "osv")
	partEcosystems := []string{"npm", "Go"}
	partDir := t.TempDir()
	for _, e := range partEcosystems {
		if err := os.Mkdir(filepath.Join(partDir, e), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(partDir, e, "all.zip"), mustRead(t, filepath.Join(osvDir, e, "all.zip")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var expected struct {
		Artifacts map[string][]struct {
			ID      string
			Package struct{ Ecosystem, Name, Version string }
		}
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "EXPECTED_VULNS.json")), &expected); err != nil {
		t.Fatal(err)
	}
	var wantPart, wantRest []string
	for art, vs := range expected.Artifacts {
		for _, v := range vs {
			line := strings.ToLower(fmt.Sprintf("+%s %s %s@%s", art, v.ID, v.Package.Name, v.Package.Version))
			if slices.Contains(partEcosystems, v.Package.Ecosystem) {
				wantPart = append(wantPart, line)
			} else {
				wantRest = append(wantRest, line)
			}
		}
	}
	sort.Strings(wantPart)
	sort.Strings(wantRest)
	if len(wantPart) == 0 || len(wantRest) < 10 {
		t.Fatalf("expected advisories: %d in %v, %d others", len(wantPart), partEcosystems, len(wantRest))
	}

	// Each artifact scanned once, for both databases.
	ctx := context.Background()
	arts, _ := filepath.Glob(filepath.Join(dir, "*.zip"))
	tars, _ := filepath.Glob(filepath.Join(dir, "*.tar"))
	var entries []Entry
	for _, p := range append(arts, tars...) {
		e, err := Read(ctx, p, ReadOptions{Scan: shipcheck.Options{}})
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	eachBackend(t, func(t *testing.T, loc string) {
		a := open(t, loc)
		for _, e := range entries {
			if _, err := a.Add(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		gate := RescanOptions{Scan: shipcheck.ScanOptions{Gate: report.Gate{FailOn: vuln.Low, UnknownAs: vuln.High}}}
		// The truth's names are PyPI's normalized form (jinja2), the SBOM's
		// the distribution's own (Jinja2): lines compared in lower case.
		lower := func(ss []string) []string {
			for i := range ss {
				ss[i] = strings.ToLower(ss[i])
			}
			return ss
		}
		r := rescan(t, a, partDir, gate, false)
		if got := lower(changes(r)); !cmp.Equal(got, wantPart) {
			t.Errorf("rescan against %v of shared/osv (-want +got):\n%s", partEcosystems, cmp.Diff(wantPart, got))
		}
		r = rescan(t, a, osvDir, gate, false)
		if got := lower(changes(r)); !cmp.Equal(got, wantRest) {
			t.Errorf("rescan against all of shared/osv, new (-want +got):\n%s", cmp.Diff(wantRest, got))
		}
	})
}
