package sbomarchive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/attest"
	"github.com/shipcheck/shipcheck/packaging"
)

// fixtures archives the four deployments of testdata/archive, orders
// twice (an older release first).
func fixtures(t *testing.T, a *Archive) {
	t.Helper()
	for _, f := range []string{"orders-old.cdx.json", "orders.cdx.json", "billing.cdx.xml", "search.spdx.json", "reports.syft.cdx.json"} {
		add(t, a, f, ReadOptions{})
	}
}

// hits is a query's answer as deployment@version lines.
func hits(t *testing.T, a *Archive, spec string, opt QueryOptions) []string {
	t.Helper()
	sp, err := ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := a.Query(context.Background(), sp, opt)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, h := range hs {
		s := h.Deployment + "@" + h.Version
		if !h.Current {
			s += " (older)"
		}
		out = append(out, s)
	}
	return out
}

// TestAddQueryRemove: SBOMs of several deployments in every format read
// (CycloneDX JSON and XML, SPDX, syft's) are archived under the names and
// times their metadata give; a query names exactly the deployments whose
// latest SBOM ships the package at a version in the range, in the
// ecosystem's own syntax; a removed deployment is gone from every answer.
func TestAddQueryRemove(t *testing.T) {
	eachBackend(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		a := open(t, loc)
		fixtures(t, a)

		for _, c := range []struct {
			spec string
			opt  QueryOptions
			want []string
		}{
			{"npm/lodash", QueryOptions{}, []string{"billing@4.17.21", "orders@4.17.15", "reports.zip@4.17.20", "search@4.17.15"}},
			{"npm/lodash@<4.17.21", QueryOptions{}, []string{"orders@4.17.15", "reports.zip@4.17.20", "search@4.17.15"}},
			{"NPM/lodash@>=4.17.15 <4.17.19", QueryOptions{}, []string{"orders@4.17.15", "search@4.17.15"}},
			{"npm/lodash@^4.17.20", QueryOptions{}, []string{"billing@4.17.21", "reports.zip@4.17.20"}},
			{"npm/lodash@4.17.21 || 4.17.20", QueryOptions{}, []string{"billing@4.17.21", "reports.zip@4.17.20"}},
			{"pkg:npm/lodash@4.17.15", QueryOptions{}, []string{"orders@4.17.15", "search@4.17.15"}},
			{"pkg:npm/lodash", QueryOptions{}, []string{"billing@4.17.21", "orders@4.17.15", "reports.zip@4.17.20", "search@4.17.15"}},
			{"npm/lodash@<4.17.15", QueryOptions{}, []string{}},
			{"npm/lodash@<4.17.15", QueryOptions{History: true}, []string{"orders@4.17.10 (older)"}},
			{"npm/lodash@~4.17.0", QueryOptions{History: true}, []string{"billing@4.17.21", "orders@4.17.15", "orders@4.17.10 (older)", "reports.zip@4.17.20", "search@4.17.15"}},
			{"npm/@babel/core@^7", QueryOptions{}, []string{"reports.zip@7.20.0"}},
			{"pkg:npm/%40babel/core@7.20.0", QueryOptions{}, []string{"reports.zip@7.20.0"}},
			{"PyPI/django@>=4,<4.2.8", QueryOptions{}, []string{"search@4.1.0"}},
			{"pypi/Django@~=4.1", QueryOptions{}, []string{"search@4.1.0"}},
			{"PyPI/django@>=4.2,<4.2.8", QueryOptions{}, []string{}},
			{"PyPI/IDNA@<3.7", QueryOptions{}, []string{"billing@3.4"}},
			{"PyPI/idna@==3.*", QueryOptions{}, []string{"billing@3.4", "search@3.7"}},
			{"Maven/org.apache.logging.log4j:log4j-core@[2.0,2.17.1)", QueryOptions{}, []string{"reports.zip@2.14.1"}},
			{"Maven/org.apache.logging.log4j:log4j-core@[2.15.0,)", QueryOptions{}, []string{}},
			{"Maven/com.fasterxml.jackson.core:jackson-databind@(,2.12.6.1),[2.13.0,2.13.2.1)", QueryOptions{}, []string{"reports.zip@2.13.1"}},
			{"pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.1", QueryOptions{}, []string{"reports.zip@2.13.1"}},
			{"npm/left-pad", QueryOptions{}, []string{}},
		} {
			if got := hits(t, a, c.spec, c.opt); !cmp.Equal(got, c.want) {
				t.Errorf("query %s (history %v):\n got %q\nwant %q", c.spec, c.opt.History, got, c.want)
			}
		}

		// Where each SBOM says the package is, as recorded.
		sp, _ := ParseSpec("npm/lodash@4.17.20")
		hs, err := a.Query(ctx, sp, QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var where []string
		for _, h := range hs {
			for _, l := range h.Locations {
				where = append(where, l.Path)
			}
		}
		if want := []string{"/var/task/node_modules/lodash/package.json", "/var/task/package-lock.json"}; len(hs) != 1 || !cmp.Equal(where, want) {
			t.Errorf("locations of lodash 4.17.20: %d hit(s) at %q, want one at %q", len(hs), where, want)
		}

		list, err := a.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, d := range list {
			names = append(names, d.Name+" "+d.Time.Format("2006-01-02"))
		}
		if want := []string{"billing 2026-11-02", "orders 2026-11-01", "reports.zip 2026-11-04", "search 2026-11-03"}; !cmp.Equal(names, want) {
			t.Errorf("list: %q, want %q", names, want)
		}
		det, err := a.Show(ctx, "orders")
		if err != nil {
			t.Fatal(err)
		}
		if len(det.Snapshots) != 2 || !det.Snapshots[0].Current || det.Snapshots[1].Current || len(det.Contents) != 3 || det.Packages != 3 {
			t.Errorf("show orders: %+v", det)
		}
		doc, format, err := a.Document(ctx, "billing", time.Time{})
		if err != nil || format != "cyclonedx-xml" || !strings.Contains(string(doc), "<name>idna</name>") {
			t.Errorf("billing's document: %s, %v:\n%.200s", format, err, doc)
		}

		// The same SBOM again: nothing new.
		if again := add(t, a, "orders.cdx.json", ReadOptions{}); !again.Again || !again.Current {
			t.Errorf("orders again: %+v", again)
		}
		// An older SBOM added later does not become current.
		if old := add(t, a, "billing.cdx.xml", ReadOptions{Name: "orders", Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}); old.Current || old.Again {
			t.Errorf("an older SBOM: %+v", old)
		}
		if got := hits(t, a, "PyPI/idna", QueryOptions{}); !cmp.Equal(got, []string{"billing@3.4", "search@3.7"}) {
			t.Errorf("an older SBOM changed what orders ships: %q", got)
		}

		if err := a.Remove(ctx, "search"); err != nil {
			t.Fatal(err)
		}
		if err := a.Remove(ctx, "search"); !errors.Is(err, ErrNotFound) {
			t.Errorf("remove again: %v, want ErrNotFound", err)
		}
		if got, want := hits(t, a, "npm/lodash", QueryOptions{History: true}), []string{"billing@4.17.21", "orders@4.17.15", "orders@4.17.10 (older)", "orders@4.17.21 (older)", "reports.zip@4.17.20"}; !cmp.Equal(got, want) {
			t.Errorf("after remove: %q, want %q", got, want)
		}
		if got := hits(t, a, "PyPI/django", QueryOptions{History: true}); len(got) != 0 {
			t.Errorf("django after search's removal: %q", got)
		}
		// Packages and documents no one else has went with it.
		var n int
		if err := a.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM packages WHERE norm = 'django'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("django's package row after remove: %d, %v", n, err)
		}
		if _, _, err := a.Document(ctx, "search", time.Time{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("search's document after remove: %v", err)
		}
	})
}

// TestAddArtifact: an artifact is scanned for its SBOM (shipcheck's own,
// CycloneDX JSON), named after its file, with the chain of where each
// package was found.
func TestAddArtifact(t *testing.T) {
	ctx := context.Background()
	a := open(t, filepath.Join(t.TempDir(), "a.db"))
	e, err := Read(ctx, filepath.Join(testdata, "examples", "orders-api.zip"), ReadOptions{Scan: shipcheck.Options{Options: packaging.Options{TempDir: t.TempDir()}}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "orders-api.zip" || e.Format != "cyclonedx-json" || shipcheck.SBOMFormat(e.Document) != "cyclonedx-json" {
		t.Errorf("entry of an artifact: %q %q", e.Name, e.Format)
	}
	if _, err := a.Add(ctx, e); err != nil {
		t.Fatal(err)
	}
	sp, _ := ParseSpec("pkg:npm/lodash@4.17.15")
	hs, err := a.Query(ctx, sp, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || len(hs[0].Locations) == 0 || hs[0].Locations[0].Path != "/var/task/node_modules/lodash/package.json" ||
		hs[0].Locations[0].Origin.String() != "orders-api.zip!node_modules/lodash/package.json" {
		t.Errorf("lodash in orders-api.zip: %+v", hs)
	}
}

// TestRead: what is refused, and the hook for attestations.
func TestRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := writeFile(p, body); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := write("att.json", `{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`)
	if _, err := Read(ctx, env, ReadOptions{}); !errors.Is(err, ErrAttestation) {
		t.Errorf("an attestation without support: %v", err)
	}
	sbomBytes := mustRead(t, filepath.Join(testdata, "archive", "orders.cdx.json"))
	e, err := Read(ctx, env, ReadOptions{Attestation: func(_ context.Context, b []byte) (*Attested, error) {
		return &Attested{Envelope: b, SBOM: sbomBytes}, nil
	}})
	if err != nil || e.Name != "orders" {
		t.Errorf("an attestation through the hook: %q, %v", e.Name, err)
	}
	empty := write("empty.cdx.json", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}`)
	if _, err := Read(ctx, empty, ReadOptions{}); !errors.Is(err, shipcheck.ErrEmptySBOM) {
		t.Errorf("an SBOM with no package: %v", err)
	}
	noName := write("x.cdx.json", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"a","version":"1.0.0","purl":"pkg:npm/a@1.0.0"}]}`)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if e, err := Read(ctx, noName, ReadOptions{Now: now}); err != nil || e.Name != "x" || !e.Time.Equal(now) {
		t.Errorf("an SBOM without metadata: %q %v %v", e.Name, e.Time, err)
	}
	if _, err := Read(ctx, noName, ReadOptions{Name: "bad\x1bname"}); err == nil {
		t.Error("a name with an escape character was accepted")
	}
}

// TestSchema: opening migrates once (again is a no-op); a schema newer
// than this binary knows is refused, naming both versions.
func TestSchema(t *testing.T) {
	eachBackend(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		a := open(t, loc)
		a.Close()
		a = open(t, loc) // again: nothing to do
		var n int
		if err := a.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_version`).Scan(&n); err != nil || n != len(migrations) {
			t.Fatalf("schema_version rows: %d, %v", n, err)
		}
		if _, err := a.db.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, SchemaVersion()+1); err != nil {
			t.Fatal(err)
		}
		a.Close()
		_, err := Open(ctx, loc)
		if want := fmt.Sprintf("version %d, this shipcheck knows up to %d", SchemaVersion()+1, SchemaVersion()); !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), want) {
			t.Errorf("a newer schema: %v", err)
		}
	})
}

// TestIndexes: the lookups a query and a rescan make use indexes (SQLite's
// plan), so that they stay fast with 10,000 deployments.
func TestIndexes(t *testing.T) {
	a := open(t, filepath.Join(t.TempDir(), "a.db"))
	for q, want := range map[string]string{
		`SELECT id FROM packages WHERE base = 'npm' AND norm = 'lodash'`: "packages_name",
		`SELECT snapshot, locations FROM placements WHERE package = 1`:   "PRIMARY KEY (package=?)",
		`SELECT ref FROM occurrences WHERE snapshot = 1`:                 "PRIMARY KEY (snapshot=?)",
		`SELECT key FROM findings WHERE deployment = 1`:                  "sqlite_autoindex_findings_1",
	} {
		rows, err := a.db.Query(`EXPLAIN QUERY PLAN ` + q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), want) {
			t.Errorf("%s: plan %q does not use %s", q, plan, want)
		}
	}
}

// TestOpenTogether: processes opening a new archive at once (workers
// starting together) migrate it once, and each can add to it.
func TestOpenTogether(t *testing.T) {
	eachBackend(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		e, err := Read(ctx, filepath.Join(testdata, "archive", "orders.cdx.json"), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 4)
		for i := range 4 {
			go func() {
				a, err := Open(ctx, loc)
				if err != nil {
					errs <- err
					return
				}
				defer a.Close()
				e := e
				e.Name = fmt.Sprint("worker-", i)
				_, err = a.Add(ctx, e)
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		a := open(t, loc)
		var n int
		if err := a.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_version`).Scan(&n); err != nil || n != len(migrations) {
			t.Errorf("schema_version rows: %d, %v", n, err)
		}
		if list, err := a.List(ctx); err != nil || len(list) != 4 {
			t.Errorf("4 workers added %d deployments (%v)", len(list), err)
		}
	})
}

// TestAttestations: an attestation archived with the SBOM it carries, its
// envelope kept as given, its subjects and whether its signature was
// verified (and by which key) recorded; archived again with the key, the
// same SBOM becomes verified; a key that did not sign it refuses it.
// cosign wrote the envelope (attest/testdata).
func TestAttestations(t *testing.T) {
	attData := filepath.Join("..", "attest", "testdata")
	envelope := mustRead(t, filepath.Join(attData, "cosign-p256-statement.att.json"))
	key := func(name string) *attest.PublicKey {
		k, err := attest.ParsePublicKey(mustRead(t, filepath.Join(attData, name)))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	p256, other := key("cosign-p256.pub"), key("cosign-ed25519.pub")
	eachBackend(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		a := open(t, loc)
		defer a.Close()
		path := filepath.Join(t.TempDir(), "orders.att.json")
		if err := writeFile(path, string(envelope)); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(ctx, path, ReadOptions{Attestation: Attestations(other)}); !errors.Is(err, attest.ErrSignature) {
			t.Fatalf("signed by another key: %v", err)
		}
		e, err := Read(ctx, path, ReadOptions{Name: "orders", Attestation: Attestations(nil)})
		if err != nil || e.Attested == nil || e.Attested.VerifiedBy != "" || len(e.Attested.Subjects) != 2 || e.Inventory == nil || len(e.Inventory.Packages) == 0 {
			t.Fatalf("unverified: %+v, %v", e.Attested, err)
		}
		if _, err := a.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
		check := func(wantVerified string) {
			t.Helper()
			d, err := a.Show(ctx, "orders")
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Snapshots) != 1 || d.Snapshots[0].Attestation == nil {
				t.Fatalf("snapshots: %+v", d.Snapshots)
			}
			at := d.Snapshots[0].Attestation
			if at.VerifiedBy != wantVerified || len(at.Subjects) != 2 || at.Subjects[0].Name != "orders-api.zip" || at.Subjects[1].Name != "hello-layer.zip" {
				t.Errorf("attestation: %+v, want verified by %q", at, wantVerified)
			}
			got, err := a.Attestation(ctx, "orders", time.Time{})
			if err != nil || !bytes.Equal(got, envelope) {
				t.Errorf("the envelope back: %v, same bytes %v", err, bytes.Equal(got, envelope))
			}
			if _, err := attest.Verify(ctx, bytes.NewReader(got), p256); err != nil {
				t.Errorf("the archived envelope no longer verifies: %v", err)
			}
		}
		check("")
		e, err = Read(ctx, path, ReadOptions{Name: "orders", Attestation: Attestations(p256)})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := a.Add(ctx, e); err != nil || !got.Again {
			t.Fatalf("again, verified: %+v, %v", got, err)
		}
		check(p256.Algorithm() + " " + p256.Fingerprint())
		// An unverified reading does not undo a verified one.
		e.Attested.VerifiedBy = ""
		if _, err := a.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
		check(p256.Algorithm() + " " + p256.Fingerprint())

		plain := mustRead(t, filepath.Join(testdata, "archive", "orders.cdx.json"))
		pe, err := FromSBOM(plain)
		if err != nil {
			t.Fatal(err)
		}
		pe.Name, pe.Source = "plain", "orders.cdx.json"
		if _, err := a.Add(ctx, pe); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Attestation(ctx, "plain", time.Time{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("the attestation of an SBOM given bare: %v", err)
		}
	})
}
