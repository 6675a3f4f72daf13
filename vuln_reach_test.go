package shipcheck

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/vuln"
)

// goProxy writes a file:// module proxy serving the module in src at
// version, and returns its URL.
func goProxy(t *testing.T, src, module, version string) string {
	t.Helper()
	proxy := t.TempDir()
	at := filepath.Join(proxy, filepath.FromSlash(module), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(module + "@" + version + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	zw.Close()
	mod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": []byte(`{"Version":"` + version + `","Time":"2026-01-01T00:00:00Z"}`),
		version + ".mod":  mod,
		version + ".zip":  buf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(at, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "file://" + filepath.ToSlash(proxy)
}

// buildGoReachApp builds testdata/goreach/app, which requires
// example.com/vulndep v1.0.0 from a local proxy, as a Lambda bootstrap,
// with extra go build flags (-ldflags=-s -w, as Lambda builds often are).
func buildGoReachApp(t *testing.T, flags ...string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go binary")
	}
	base, _ := filepath.Abs(filepath.Join("testdata", "goreach"))
	proxy := goProxy(t, filepath.Join(base, "vulndep"), "example.com/vulndep", "v1.0.0")
	app := t.TempDir()
	for _, f := range []string{"go.mod", "main.go"} {
		b, err := os.ReadFile(filepath.Join(base, "app", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(app, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", append(append([]string{"build", "-trimpath", "-o", bin}, flags...), ".")...)
	cmd.Dir = app
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOOS=linux", "GOARCH=amd64",
		"GOPROXY="+proxy, "GOSUMDB=off", "GONOSUMDB=", "GOPRIVATE=", "GOFLAGS=-mod=mod -modcacherw",
		"GOMODCACHE="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goReachDB indexes testdata/goreach/advisories into a fresh database.
func goReachDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := vuln.Import(context.Background(), dir, filepath.Join("testdata", "goreach", "advisories")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func reachLevels(rep *vulnResult) map[string]string {
	got := map[string]string{}
	for _, f := range rep.Result.Findings {
		level := "none"
		if r := f.Reachability; r != nil {
			level = r.Level + " " + strings.Join(r.Symbols, ",") + " " + r.Binary
		}
		got[f.ID] = level
	}
	return got
}

// TestGoReachability builds a Lambda bootstrap that calls one vulnerable
// function, links a vulnerable package without its vulnerable function and
// requires a module whose vulnerable package it never imports, and checks
// that each advisory is judged at its depth: what govulncheck -mode=binary
// says, and what a team needs to know which finding to fix first.
func TestGoReachability(t *testing.T) {
	db := goReachDB(t)
	src := vuln.SourceOptions{DBDir: db, Offline: true}
	want := map[string]string{
		"GO-9999-0001": "symbol vulndep.Called /var/task/bootstrap",
		"GO-9999-0002": "package linked.Vulnerable /var/task/bootstrap",
		"GO-9999-0003": "module unused.Anything /var/task/bootstrap",
	}
	// Stripped, as most Lambda builds are: the analysis reads pclntab,
	// which stripping keeps. This one is also the shipped example.
	stripped := zipOf(t, map[string]string{"bootstrap": string(buildGoReachApp(t, "-ldflags=-s -w"))})
	rep, err := Vulns(context.Background(), write(t, "fn.zip", stripped), VulnOptions{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, reachLevels(rep)); diff != "" {
		t.Fatalf("stripped binary: reachability (-want +got):\n%s", diff)
	}
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", "examples", "go-function.zip"), stripped, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	fn := write(t, "fn.zip", zipOf(t, map[string]string{"bootstrap": string(buildGoReachApp(t))}))
	rep, err = Vulns(context.Background(), fn, VulnOptions{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, reachLevels(rep)); diff != "" {
		t.Fatalf("reachability (-want +got):\n%s", diff)
	}
	// The called finding sorts first although all three are rated alike.
	if first := rep.Result.Findings[0].ID; first != "GO-9999-0001" {
		t.Errorf("first finding is %s, want the called one", first)
	}

	// In CycloneDX, unreached findings carry a not_affected analysis a
	// consumer's VEX processing understands; the called one does not.
	var out bytes.Buffer
	if err := cyclonedx.Encode(&out, rep.Inventory, cyclonedx.Options{Findings: rep.Result.Findings}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vulnerabilities []struct {
			ID       string `json:"id"`
			Analysis *struct {
				State         string `json:"state"`
				Justification string `json:"justification"`
				Detail        string `json:"detail"`
			} `json:"analysis"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, v := range doc.Vulnerabilities {
		s := "none"
		if v.Analysis != nil {
			s = v.Analysis.State + "/" + v.Analysis.Justification
		}
		states[v.ID] = s
	}
	wantStates := map[string]string{
		"GO-9999-0001": "none",
		"GO-9999-0002": "not_affected/code_not_present",
		"GO-9999-0003": "not_affected/code_not_present",
	}
	if diff := cmp.Diff(wantStates, states); diff != "" {
		t.Errorf("CycloneDX analysis (-want +got):\n%s", diff)
	}

	// Off: the same findings, none judged.
	rep, err = Vulns(context.Background(), fn, VulnOptions{Source: src, NoGoReachability: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id, level := range reachLevels(rep) {
		if level != "none" {
			t.Errorf("%s judged %q with reachability off", id, level)
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if diff := cmp.Diff([]string{"GO-9999-0001", "GO-9999-0002", "GO-9999-0003"}, ids); diff != "" {
		t.Errorf("findings with reachability off (-want +got):\n%s", diff)
	}
}

// TestGoReachabilityUnanalysable: a source that gives govulncheck no
// database (the OSV API without Go advisories, say) leaves the findings
// standing, marked unknown with the reason, never dropped.
func TestGoReachabilityUnanalysable(t *testing.T) {
	bin := buildGoReachApp(t)
	fn := write(t, "fn.zip", zipOf(t, map[string]string{"bootstrap": string(bin)}))
	inv, bins, err := inventory(context.Background(), fn, Options{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(bins) != 1 || bins[0].Path != "/var/task/bootstrap" {
		t.Fatalf("Go binaries to analyse: %+v", bins)
	}
	db, err := vuln.OpenDB(goReachDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := vuln.Match(context.Background(), inv.Packages, noGoDB{vuln.DBSource{DB: db}})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Reach(context.Background(), noGoDB{vuln.DBSource{DB: db}}, bins); err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 3 {
		t.Fatalf("%d findings, want 3", len(res.Findings))
	}
	for _, f := range res.Findings {
		r := f.Reachability
		if r == nil || r.Level != vuln.LevelUnknown || !strings.Contains(r.Note, "could not be analysed") {
			t.Errorf("%s: reachability %+v, want unknown with a note", f.ID, r)
		}
	}
}

// noGoDB is a source with no Go vulnerability database to give.
type noGoDB struct{ vuln.Source }

// TestCorpusGoReachability checks the corpus's Go functions against
// TRUTH.json's go_reachability, with ../shared/osv's Go advisories.
func TestCorpusGoReachability(t *testing.T) {
	sharedDB(t).Close()
	dir := filepath.Join(sharedDir(t), "corpus")
	b, err := os.ReadFile(filepath.Join(dir, "TRUTH.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Artifacts map[string]struct {
			PairsWith []string `json:"pairs_with"`
			Reach     []struct {
				Called bool    `json:"called"`
				Level  string  `json:"level"`
				Module string  `json:"module"`
				ID     string  `json:"osv_id"`
				Symbol *string `json:"symbol"`
			} `json:"go_reachability"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, a := range truth.Artifacts {
		if len(a.Reach) == 0 {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			var layers []string
			for _, l := range a.PairsWith {
				layers = append(layers, filepath.Join(dir, l))
			}
			rep, err := Vulns(context.Background(), filepath.Join(dir, name), VulnOptions{
				Options: Options{Options: packagingOptions(layers)},
				Source:  vuln.SourceOptions{DBDir: sharedDBDir, Offline: true},
			})
			if err != nil {
				t.Fatal(err)
			}
			got, want := map[string]string{}, map[string]string{}
			for _, f := range rep.Result.Findings {
				if vuln.BaseEcosystem(f.Ecosystem) != "Go" || strings.HasPrefix(f.Name, "stdlib") {
					continue
				}
				r := f.Reachability
				if r == nil {
					t.Errorf("%s: not analysed", f.ID)
					continue
				}
				s := r.Level
				if r.Level == vuln.LevelSymbol {
					s += " " + strings.Join(r.Symbols, ",")
				}
				got[f.ID] = s
			}
			for _, e := range a.Reach {
				s := e.Level
				if e.Called && e.Symbol != nil {
					s += " " + *e.Symbol
				}
				want[e.ID] = s
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reachability (-truth +found):\n%s", diff)
			}
		})
	}
	if n == 0 {
		t.Fatal("no artifact in TRUTH.json has go_reachability")
	}
}

// TestIdenticalGoBinariesAnalysedOnce: an artifact holding the same binary
// in many places (services of one image) gets one copy for the analysis,
// and every place is judged.
func TestIdenticalGoBinariesAnalysedOnce(t *testing.T) {
	bin := string(buildGoReachApp(t))
	other := string(buildGoReachApp(t, "-ldflags=-s -w"))
	fn := write(t, "fn.zip", zipOf(t, map[string]string{"svc1/bootstrap": bin, "svc2/bootstrap": bin, "tools/other": other}))
	_, bins, err := inventory(context.Background(), fn, Options{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, b := range bins {
		files[b.File] = true
	}
	if len(bins) != 3 || len(files) != 2 {
		t.Fatalf("%d binaries in %d copies, want 3 in 2: %+v", len(bins), len(files), bins)
	}
	rep, err := Vulns(context.Background(), fn, VulnOptions{Source: vuln.SourceOptions{DBDir: goReachDB(t), Offline: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Result.Findings {
		if f.ID == "GO-9999-0001" && (f.Reachability == nil || f.Reachability.Level != vuln.LevelSymbol || len(f.Locations) != 3) {
			t.Errorf("%s: %+v in %d places", f.ID, f.Reachability, len(f.Locations))
		}
	}
}
