package sbomarchive

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/shipcheck/shipcheck/internal/testshared"
)

// testdata is the module's testdata folder.
var testdata = filepath.Join("..", "testdata")

// eachBackend runs f on a new, empty archive of each database: SQLite,
// and PostgreSQL when SHIPCHECK_TEST_POSTGRES names a server
// (postgres://user@host:port/db, a user that may create databases): each
// test gets a database of its own, dropped afterwards. Without it the
// PostgreSQL half skips with a message, except in CI (CI=true), where it
// fails: CI never passes having checked less than it claims.
func eachBackend(t *testing.T, f func(t *testing.T, location string)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, filepath.Join(t.TempDir(), "archive.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, postgresDB(t))
	})
}

// postgresDB creates a database for t on the test server, dropped when t
// ends, and returns its URL.
func postgresDB(t *testing.T) string {
	t.Helper()
	base := os.Getenv("SHIPCHECK_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and SHIPCHECK_TEST_POSTGRES is not set: the PostgreSQL tests must run in CI (.ci/run starts a server)")
		}
		t.Skip("SHIPCHECK_TEST_POSTGRES is not set (postgres://user@host:port/db): the PostgreSQL half of the archive tests is skipped")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "shipcheck_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create a test database on %s: %v", redact(base), err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// open opens the archive at location, closed when t ends.
func open(t *testing.T, location string) *Archive {
	t.Helper()
	a, err := Open(context.Background(), location)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// add reads and archives a file of testdata/archive, or fails t.
func add(t *testing.T, a *Archive, file string, opt ReadOptions) Added {
	t.Helper()
	ctx := context.Background()
	e, err := Read(ctx, filepath.Join(testdata, "archive", file), opt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Add(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func writeFile(p, body string) error { return os.WriteFile(p, []byte(body), 0o644) }

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sharedCorpus is ../shared/corpus, or false (a skip; a failure in CI).
func sharedCorpus(t *testing.T) (string, bool) {
	d, ok := testshared.Optional(t)
	if !ok {
		return "", false
	}
	return filepath.Join(d, "corpus"), true
}

// corpusTruth maps ECOSYSTEM/NAME@VERSION to the corpus artifacts that
// install the package (TRUTH.json; declared-only pins left out), sorted.
func corpusTruth(t *testing.T, dir string) map[string][]string {
	var truth struct {
		Artifacts map[string]struct {
			Packages []struct {
				Ecosystem, Name, Version string
				DeclaredOnly             bool `json:"declared_only"`
			}
		}
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "TRUTH.json")), &truth); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, a := range truth.Artifacts {
		for _, p := range a.Packages {
			if !p.DeclaredOnly {
				k := p.Ecosystem + "/" + p.Name + "@" + p.Version
				out[k] = append(out[k], name)
			}
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func equal(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}
