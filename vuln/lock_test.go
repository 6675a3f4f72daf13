package vuln

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
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
