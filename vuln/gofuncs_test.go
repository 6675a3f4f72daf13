package vuln

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/internal/testshared"
)

// extractFromZip writes the named entry of a zip to a temporary file.
func extractFromZip(t *testing.T, zipPath, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Skipf("%s not available: %v", zipPath, err)
	}
	defer zr.Close()
	r, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := filepath.Join(t.TempDir(), filepath.Base(name))
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestJudgeFromNamesAgreesWithGovulncheck runs govulncheck on the corpus's
// Go function (not stripped) and checks that judging from the pclntab's
// function names, as shipcheck does for stripped binaries, reaches the same
// level and symbols for every advisory; then strips the binary and checks
// the verdicts do not change, where govulncheck alone would call them all
// reachable.
func TestJudgeFromNamesAgreesWithGovulncheck(t *testing.T) {
	shared := testshared.Dir(t)
	bin := extractFromZip(t, filepath.Join(shared, "corpus", "go-bootstrap.zip"), "bootstrap")
	goZip := filepath.Join(shared, "osv", "Go", "all.zip")
	db := t.TempDir()
	if _, err := Import(context.Background(), db, goZip); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDB(db)
	if err != nil {
		t.Fatal(err)
	}
	goDB := d.GoDB()
	d.Close()
	per, err := AnalyzeGoBinary(context.Background(), bin, goDB)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(goZip)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	record := func(id string) *Record {
		f, err := zr.Open(id + ".json")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var r Record
		if err := json.NewDecoder(f).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	judge := func(file string) map[string]string {
		names, _, goos, goarch, err := goBinaryFuncs(file)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for id := range per {
			j := judgeFromNames(record(id), names, goos, goarch)
			out[id] = j.Level + " " + strings.Join(j.Symbols, ",")
		}
		return out
	}
	want := map[string]string{}
	levels := map[string]int{}
	for id, r := range per {
		want[id] = r.Level + " " + strings.Join(r.Symbols, ",")
		levels[r.Level]++
	}
	if levels[LevelSymbol] == 0 || levels[LevelPackage] == 0 {
		t.Fatalf("the corpus binary should have advisories at symbol and package level: %v", want)
	}
	got := judge(bin)
	names, _, goos, goarch, err := goBinaryFuncs(bin)
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range per {
		j := judgeFromNames(record(id), names, goos, goarch)
		if j.Level != r.Level {
			t.Errorf("%s: level from names %q, govulncheck %q", id, j.Level, r.Level)
			continue
		}
		// govulncheck reports the symbols of its traces; the names give
		// every vulnerable symbol present, so they must include its.
		for _, s := range r.Symbols {
			if !slices.Contains(j.Symbols, s) {
				t.Errorf("%s: govulncheck found %s, names found %v", id, s, j.Symbols)
			}
		}
	}

	stripped := filepath.Join(t.TempDir(), "stripped")
	if out, err := exec.Command("strip", "-o", stripped, bin).CombinedOutput(); err != nil {
		t.Skipf("strip not available: %v %s", err, out)
	}
	_, isStripped, _, _, err := goBinaryFuncs(stripped)
	if err != nil || !isStripped {
		t.Fatalf("stripped copy: stripped=%v err=%v", isStripped, err)
	}
	if diff := judge(stripped); !equalMaps(diff, got) {
		t.Errorf("verdicts changed by stripping: %v, unstripped %v", diff, got)
	}
	perStripped, err := AnalyzeGoBinary(context.Background(), stripped, goDB)
	if err != nil {
		t.Fatal(err)
	}
	records := map[string]*Record{}
	for id := range perStripped {
		records[id] = record(id)
	}
	if err := judgeStripped(stripped, perStripped, records); err != nil {
		t.Fatal(err)
	}
	final := map[string]string{}
	for id, r := range perStripped {
		final[id] = r.Level + " " + strings.Join(r.Symbols, ",")
		if r.Note == "" && r.Level != LevelModule {
			t.Errorf("%s: no note on a verdict from function names", id)
		}
	}
	if !equalMaps(final, got) {
		t.Errorf("stripped binary through Reach's path: %v, want %v", final, got)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestStripTypeArgs(t *testing.T) {
	for in, want := range map[string]string{
		"p.F":                          "p.F",
		"p.F[go.shape.int]":            "p.F",
		"p.(*T[go.shape.string]).M":    "p.(*T).M",
		"p.Map[go.shape.[]uint8,int]":  "p.Map",
		"gopkg.in/yaml%2ev2.Unmarshal": "gopkg.in/yaml%2ev2.Unmarshal",
	} {
		if got := stripTypeArgs(in); got != want {
			t.Errorf("stripTypeArgs(%q) = %q, want %q", in, got, want)
		}
	}
	if got := symbolPrefix("gopkg.in/yaml.v2"); got != "gopkg.in/yaml%2ev2." {
		t.Errorf("symbolPrefix = %q", got)
	}
}
