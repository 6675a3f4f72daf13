package vuln

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentImports: two imports into one folder at once both end with
// a database whose Go vulnerability database exists (they used to remove
// each other's), and what a killed writer left behind is removed.
func TestConcurrentImports(t *testing.T) {
	dir := t.TempDir()
	leftover := filepath.Join(dir, DBFile+".tmp-killed")
	os.WriteFile(leftover, []byte("half a database"), 0o644)
	src := filepath.Join("..", "testdata", "goreach", "advisories")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Import(context.Background(), dir, src)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("import %d: %v", i, err)
		}
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.GoDB() == "" {
		t.Errorf("the database names a Go database that is gone: %+v", db.Info())
	}
	if _, err := os.Stat(leftover); err == nil {
		t.Error("a killed writer's temporary database was left")
	}
}

// goDBWhole checks that the database's Go database is there, whole, and
// the one its osv.db names.
func goDBWhole(db *DB) error {
	g := db.GoDB()
	if g == "" {
		return fmt.Errorf("no Go database (osv.db names %q)", db.Info().GoDB)
	}
	if filepath.Base(g) != db.Info().GoDB {
		return fmt.Errorf("Go database %s, osv.db names %s", g, db.Info().GoDB)
	}
	if _, err := os.ReadFile(filepath.Join(g, "index", "db.json")); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(g, "index", "modules.json"))
	if err != nil {
		return err
	}
	var mods []struct {
		Path  string `json:"path"`
		Vulns []struct {
			ID string `json:"id"`
		} `json:"vulns"`
	}
	if err := json.Unmarshal(b, &mods); err != nil {
		return fmt.Errorf("modules.json: %v", err)
	}
	n := 0
	for _, m := range mods {
		for _, v := range m.Vulns {
			if _, err := os.ReadFile(filepath.Join(g, "ID", v.ID+".json")); err != nil {
				return err
			}
			n++
		}
	}
	if n == 0 {
		return errors.New("an empty Go database")
	}
	return nil
}

// TestReadersSeeWholeGoDB: readers opening the database while imports
// replace it, again and again, each see one build whole, its Go database
// included, for as long as they keep it open; once they are gone, the next
// import removes the generations they held.
func TestReadersSeeWholeGoDB(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "testdata", "goreach", "advisories")
	ctx := context.Background()
	if _, err := Import(ctx, dir, src); err != nil {
		t.Fatal(err)
	}
	var (
		wg     sync.WaitGroup
		done   = make(chan struct{})
		reads  atomic.Int64
		errs   = make(chan error, 16)
		failed = func(err error) {
			select {
			case errs <- err:
			default:
			}
		}
	)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				db, err := OpenDB(dir)
				if err != nil {
					failed(err)
					return
				}
				// Checked as it opens, and again after builds had time to
				// replace it (as a scan reads the Go database last).
				err = goDBWhole(db)
				if err == nil {
					time.Sleep(time.Millisecond)
					err = goDBWhole(db)
				}
				db.Close()
				if err != nil {
					failed(err)
					return
				}
				reads.Add(1)
			}
		}()
	}
	for range 12 {
		if _, err := Import(ctx, dir, src); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads.Load() == 0 {
		t.Fatal("no read ran")
	}
	if _, err := Import(ctx, dir, src); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, goDBPrefix+"*")); len(left) != 1 {
		t.Errorf("Go databases left after the readers closed: %v", left)
	}
}

// TestGoDBReplacedWhileOpening: a build that finishes between a reader's
// read of osv.db and its pin of the Go database it names removes that Go
// database; the reader opens the new build instead, whole.
func TestGoDBReplacedWhileOpening(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "testdata", "goreach", "advisories")
	ctx := context.Background()
	first, err := Import(ctx, dir, src)
	if err != nil {
		t.Fatal(err)
	}
	var second Info
	openHook = func() {
		openHook = nil
		if second, err = Import(ctx, dir, src); err != nil {
			t.Error(err)
		}
	}
	defer func() { openHook = nil }()
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if second.GoDB == "" || second.GoDB == first.GoDB {
		t.Fatalf("the second build's Go database %q (first %q)", second.GoDB, first.GoDB)
	}
	if _, err := os.Stat(filepath.Join(dir, first.GoDB)); err == nil {
		t.Fatalf("the first build's Go database, not yet pinned, was kept")
	}
	if db.Info().GoDB != second.GoDB {
		t.Errorf("opened the build naming %s, want the second, %s", db.Info().GoDB, second.GoDB)
	}
	if err := goDBWhole(db); err != nil {
		t.Error(err)
	}
}

// TestGoDBWithoutPin: a Go database written before pins (no readers.lock)
// is used as it is, and the next build removes it.
func TestGoDBWithoutPin(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "testdata", "goreach", "advisories")
	info, err := Import(context.Background(), dir, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, info.GoDB, goDBPin)); err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := goDBWhole(db); err != nil {
		t.Error(err)
	}
	db.Close()
	if _, err := Import(context.Background(), dir, src); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, info.GoDB)); err == nil {
		t.Error("the unpinned Go database was kept")
	}
}
