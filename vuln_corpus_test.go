package shipcheck

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/vuln"
)

var (
	sharedDBOnce sync.Once
	sharedDBDir  string
	sharedDBErr  error
)

// sharedDB imports ../shared/osv once for the tests that need it.
func sharedDB(t *testing.T) *vuln.DB {
	t.Helper()
	shared := sharedDir(t)
	sharedDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "shipcheck-test-db-")
		if err != nil {
			sharedDBErr = err
			return
		}
		sharedDBDir = dir
		_, sharedDBErr = vuln.Import(context.Background(), dir, filepath.Join(shared, "osv"))
	})
	if sharedDBErr != nil {
		t.Fatal(sharedDBErr)
	}
	db, err := vuln.OpenDB(sharedDBDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type expectedVuln struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases"`
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
		Version   string `json:"version"`
	} `json:"package"`
}

func vulnKey(id, eco, name, version string) string {
	return id + " " + eco + " " + vuln.NormalizeName(eco, name) + "@" + version
}

// TestCorpusVulns matches every corpus deployment (with its layers) against
// ../shared/osv and compares with EXPECTED_VULNS.json: osv-scanner's verdict
// on exactly the packages that ship.
func TestCorpusVulns(t *testing.T) {
	db := sharedDB(t)
	dir, truth := loadTruth(t)
	b, err := os.ReadFile(filepath.Join(dir, "EXPECTED_VULNS.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		Artifacts map[string][]expectedVuln `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &expected); err != nil {
		t.Fatal(err)
	}
	for name, a := range truth {
		t.Run(name, func(t *testing.T) {
			var layers []string
			for _, l := range a.PairsWith {
				layers = append(layers, filepath.Join(dir, l))
			}
			inv, err := SBOM(context.Background(), filepath.Join(dir, name), Options{Options: packagingOptions(layers)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := vuln.Match(context.Background(), inv.Packages, vuln.DBSource{DB: db})
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, f := range res.Findings {
				got = append(got, vulnKey(f.ID, f.Ecosystem, strings.SplitN(f.Name, " ", 2)[0], f.Version))
			}
			for _, e := range expected.Artifacts[name] {
				want = append(want, vulnKey(e.ID, e.Package.Ecosystem, e.Package.Name, e.Package.Version))
			}
			sort.Strings(got)
			sort.Strings(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("advisories (-expected +found):\n%s", diff)
			}
		})
	}
}
