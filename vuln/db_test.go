package vuln

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shipcheck/shipcheck/sbom"
)

const advisoriesDir = "../testdata/advisories"

// record returns a small record as JSON.
func record(id, eco, name, events string, aliases ...string) []byte {
	r := rangeOf(id, eco, name, "ECOSYSTEM", events)
	r.Aliases = aliases
	r.Modified = "2024-01-01T00:00:00Z"
	b, _ := json.Marshal(r)
	return b
}

// exportZip makes an all.zip of records.
func exportZip(t *testing.T, recs ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, r := range recs {
		var id struct{ ID string }
		json.Unmarshal(r, &id)
		f, _ := w.Create(id.ID + ".json")
		f.Write(r)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportAndLookup builds a database from a folder of exports (zips and
// loose records) and looks packages up by ecosystem and normalized name.
func TestImportAndLookup(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "PyPI", "all.zip"), exportZip(t,
		record("PYSEC-1", "PyPI", "Jinja2", "introduced:0 fixed:2.11.3"),
		record("PYSEC-2", "PyPI", "six", "introduced:0 fixed:1.0")))
	writeFile(t, filepath.Join(src, "npm", "NSWG-ECO-1.json"), record("NSWG-ECO-1", "npm", "bassmaster", "introduced:0"))
	dir := t.TempDir()
	info, err := Import(context.Background(), dir, src)
	if err != nil {
		t.Fatal(err)
	}
	if info.Records != 3 || info.Ecosystems["PyPI"] != 2 || info.Ecosystems["npm"] != 1 {
		t.Errorf("info %+v", info)
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, err := db.Lookup(Key("PyPI", "jinja2"))
	if err != nil || len(recs) != 1 || recs[0].ID != "PYSEC-1" {
		t.Errorf("jinja2 by its normalized name: %v %v", recs, err)
	}
	if recs, _ := db.Lookup(Key("npm", "Bassmaster")); len(recs) != 0 {
		t.Error("npm names matched case-insensitively")
	}
	if got := db.Info(); got.Source == "" || got.Built.IsZero() || got.Records != 3 {
		t.Errorf("stored info %+v", got)
	}
}

// TestAtomic: a failed rebuild leaves the previous database in place and
// usable; a missing or corrupt database is an error that names the fix.
func TestAtomic(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(t.TempDir(), "all.zip")
	writeFile(t, good, exportZip(t, record("PYSEC-1", "PyPI", "six", "introduced:0")))
	if _, err := Import(context.Background(), dir, good); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "all.zip")
	writeFile(t, bad, []byte("PK\x03\x04 not a zip at all, cut short"))
	if _, err := Import(context.Background(), dir, bad); err == nil {
		t.Fatal("a corrupt export was imported")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Import(ctx, dir, good); err == nil {
		t.Fatal("a canceled import succeeded")
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatalf("the previous database is gone: %v", err)
	}
	if recs, _ := db.Lookup(Key("PyPI", "six")); len(recs) != 1 {
		t.Error("the previous database lost its records")
	}
	db.Close()
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	empty := t.TempDir()
	if _, err := OpenDB(empty); !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), "shipcheck db update") || !strings.Contains(err.Error(), "--advisories") {
		t.Errorf("missing database: %v", err)
	}
	writeFile(t, filepath.Join(empty, DBFile), []byte("not a database"))
	if _, err := OpenDB(empty); !errors.Is(err, ErrCorruptDatabase) || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("corrupt database: %v", err)
	}
}

// TestUpdate downloads exports from a server (one ecosystem missing, one
// failing once with a 503) and builds the database.
func TestUpdate(t *testing.T) {
	var fails atomic.Int32
	pypi := exportZip(t, record("PYSEC-1", "PyPI", "six", "introduced:0"))
	npm := exportZip(t, record("NSWG-ECO-1", "npm", "bassmaster", "introduced:0"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/PyPI/all.zip":
			if fails.Add(1) == 1 {
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
			w.Write(pypi)
		case "/npm/all.zip":
			w.Write(npm)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	info, err := Update(context.Background(), dir, UpdateOptions{BaseURL: srv.URL, Ecosystems: []string{"PyPI", "npm", "Maven"}})
	if err != nil {
		t.Fatal(err)
	}
	if info.Records != 2 || info.Source != srv.URL || fails.Load() != 2 {
		t.Errorf("info %+v after %d PyPI requests", info, fails.Load())
	}
	// A server that keeps failing: the update fails, the database stays.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer down.Close()
	if _, err := Update(context.Background(), dir, UpdateOptions{BaseURL: down.URL, Ecosystems: []string{"PyPI"}}); !errors.Is(err, ErrNetwork) {
		t.Errorf("a failing server: %v", err)
	}
	if db, err := OpenDB(dir); err != nil {
		t.Errorf("the database did not survive a failed update: %v", err)
	} else {
		db.Close()
	}
}

// TestOpenSource: with no database and --offline, an error naming db
// import and --advisories; --advisories indexes a folder for the run and
// removes it after.
func TestOpenSource(t *testing.T) {
	_, _, err := OpenSource(context.Background(), SourceOptions{DBDir: t.TempDir(), Offline: true})
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "db import") || !strings.Contains(err.Error(), "--advisories") {
		t.Errorf("offline without a database: %v", err)
	}
	tmp := t.TempDir()
	src, release, err := OpenSource(context.Background(), SourceOptions{Advisories: advisoriesDir, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if about := src.About(); about.Kind != "advisories" || about.Records < 2 {
		t.Errorf("about %+v", about)
	}
	release()
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the run's database was not removed: %v", left)
	}
}

// TestAPI queries a fake OSV API: a batch with pagination, details fetched
// once (then from the cache), a 429 retried.
func TestAPI(t *testing.T) {
	var details, batches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/querybatch":
			if batches.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			var req struct {
				Queries []apiQuery `json:"queries"`
			}
			json.NewDecoder(r.Body).Decode(&req)
			var res apiBatchResult
			for _, q := range req.Queries {
				type v = struct {
					ID       string `json:"id"`
					Modified string `json:"modified"`
				}
				var one struct {
					Vulns []struct {
						ID       string `json:"id"`
						Modified string `json:"modified"`
					} `json:"vulns"`
					NextPageToken string `json:"next_page_token"`
				}
				if q.Package.Name == "six" {
					if q.PageToken == "" {
						one.Vulns = append(one.Vulns, v{"PYSEC-1", "2024-01-01T00:00:00Z"})
						one.NextPageToken = "p2"
					} else {
						one.Vulns = append(one.Vulns, v{"PYSEC-2", "2024-01-01T00:00:00Z"})
					}
				}
				res.Results = append(res.Results, one)
			}
			json.NewEncoder(w).Encode(res)
		case strings.HasPrefix(r.URL.Path, "/v1/vulns/"):
			details.Add(1)
			id := strings.TrimPrefix(r.URL.Path, "/v1/vulns/")
			w.Write(record(id, "PyPI", "six", "introduced:0 fixed:1.16.0"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cache := t.TempDir()
	pkgs := []*sbom.Package{
		{ID: "a", Ecosystem: "PyPI", Name: "six", Version: "1.15.0", Type: sbom.Library},
		{ID: "b", Ecosystem: "PyPI", Name: "idna", Version: "3.3", Type: sbom.Library},
	}
	for run := 1; run <= 2; run++ {
		api := &API{BaseURL: srv.URL, CacheDir: cache}
		api.client().Backoff = time.Millisecond
		res, err := Match(context.Background(), pkgs, api)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 2 || res.Findings[0].Fixed != "1.16.0" || res.Source.Kind != "OSV API" {
			t.Errorf("run %d: %+v", run, res.Findings)
		}
	}
	if details.Load() != 2 {
		t.Errorf("details fetched %d times, want 2 (then cached)", details.Load())
	}
}

// TestGroupAndSuppress: a GHSA and a PYSEC sharing a CVE are one finding;
// ignore rules (one expired) and VEX statements suppress.
func TestGroupAndSuppress(t *testing.T) {
	dir := t.TempDir()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "all.zip"), exportZip(t,
		record("PYSEC-2021-66", "PyPI", "jinja2", "introduced:0 fixed:2.11.3", "CVE-2020-28493"),
		record("GHSA-g3rq-g295-4j3m", "PyPI", "jinja2", "introduced:0 fixed:2.11.3", "CVE-2020-28493"),
		record("PYSEC-2019-217", "PyPI", "jinja2", "introduced:0 fixed:2.10.1", "CVE-2019-10906"),
		record("PYSEC-9", "PyPI", "six", "introduced:0")))
	if _, err := Import(context.Background(), dir, src); err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pkgs := []*sbom.Package{
		{ID: "pkg:pypi/jinja2@2.10", PURL: "pkg:pypi/jinja2@2.10", Ecosystem: "PyPI", Name: "Jinja2", Version: "2.10", Type: sbom.Library},
		{ID: "pkg:pypi/six@1.0", PURL: "pkg:pypi/six@1.0", Ecosystem: "PyPI", Name: "six", Version: "1.0", Type: sbom.Library},
		{ID: "excluded", Ecosystem: "PyPI", Name: "six", Version: "0.9", Type: sbom.Library, Excluded: true},
	}
	res, err := Match(context.Background(), pkgs, DBSource{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]Finding{}
	for _, f := range res.Findings {
		ids[f.ID] = f
	}
	if len(res.Findings) != 3 || res.Queried != 2 {
		t.Fatalf("findings %v (queried %d): want 3, the excluded pin not looked up", ids, res.Queried)
	}
	g := ids["PYSEC-2021-66"]
	if len(g.Records) != 2 || strings.Join(g.Aliases, ",") != "CVE-2020-28493,GHSA-g3rq-g295-4j3m" {
		t.Errorf("grouped finding: %+v", g)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	vex, err := ReadVEX(strings.NewReader(`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
		{"vulnerability": {"name": "PYSEC-9"}, "products": [{"@id": "pkg:pypi/six@1.0"}], "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}`), "vex.json")
	if err != nil {
		t.Fatal(err)
	}
	expired := Suppress(res.Findings, []Ignore{
		{ID: "CVE-2020-28493", Component: "pkg:pypi/jinja2", Reason: "templates are ours", Expires: "2026-12-31"},
		{ID: "PYSEC-2019-217", Reason: "was fine last year", Expires: "2025-12-31"},
	}, vex, now)
	byID := map[string]*Suppression{}
	for _, f := range res.Findings {
		byID[f.ID] = f.Suppressed
	}
	if s := byID["PYSEC-2021-66"]; s == nil || s.By != "ignore" {
		t.Errorf("ignored by an alias: %+v", s)
	}
	if s := byID["PYSEC-2019-217"]; s != nil || len(expired) != 1 {
		t.Errorf("an expired rule applied: %+v %v", s, expired)
	}
	if s := byID["PYSEC-9"]; s == nil || s.By != "vex" || s.Justification != "vulnerable_code_not_in_execute_path" {
		t.Errorf("VEX: %+v", s)
	}
}

// TestHandWrittenAdvisories matches the real advisories of
// testdata/advisories (ecosystems ../shared/osv lacks) end to end.
func TestHandWrittenAdvisories(t *testing.T) {
	src, release, err := OpenSource(context.Background(), SourceOptions{Advisories: advisoriesDir})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	pkgs := []*sbom.Package{
		{ID: "m", Ecosystem: "Maven", Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.13.2", Type: sbom.Library},
		{ID: "m-ok", Ecosystem: "Maven", Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.13.2.1", Type: sbom.Library},
		{ID: "n", Ecosystem: "NuGet", Name: "Newtonsoft.Json", Version: "12.0.3", Type: sbom.Library},
	}
	res, err := Match(context.Background(), pkgs, src)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Finding{}
	for _, f := range res.Findings {
		got[f.Package] = f
	}
	if f := got["m"]; f.ID != "GHSA-57j2-w4cx-62h2" || f.Fixed != "2.13.2.1" || f.Rating.Level != High || f.Rating.Score != 7.5 {
		t.Errorf("jackson-databind 2.13.2: %+v", f)
	}
	if _, ok := got["m-ok"]; ok {
		t.Error("the fixed jackson-databind matched")
	}
	if f := got["n"]; f.ID != "GHSA-5crp-9r3c-p9vr" || f.Fixed != "13.0.1" || f.Rating.Level != Low {
		t.Errorf("Newtonsoft.Json: %+v", f)
	}
}
