package zip

import (
	stdzip "archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// FuzzZip indexes arbitrary bytes as a zip and reads every entry: no panic,
// no read past an entry's declared size, names always valid.
//
//	go test ./packaging/zip -run '^$' -fuzz FuzzZip -fuzztime 5m
func FuzzZip(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/hostile/*.zip")
	ex, _ := filepath.Glob("../../testdata/examples/*.zip")
	for _, p := range append(seeds, ex...) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		budget := archive.NewBudget(archive.Limits{MaxTotalSize: 4 << 20})
		x, err := Open(bytes.NewReader(b), int64(len(b)), budget)
		if err != nil {
			return
		}
		for _, e := range x.Entries {
			if e.Name == "" || strings.HasPrefix(e.Name, "/") || strings.Contains("/"+e.Name+"/", "/../") {
				t.Fatalf("bad name %q", e.Name)
			}
			if e.Content == nil {
				continue
			}
			rc, err := e.Content.Open()
			if err != nil {
				continue
			}
			n, _ := io.Copy(io.Discard, rc)
			rc.Close()
			if n > e.Size {
				t.Fatalf("%s: read %d bytes, declared %d", e.Name, n, e.Size)
			}
		}
	})
}

// TestStoredSection reads a stored entry in place, and a deflated one only
// through Open.
func TestStoredSection(t *testing.T) {
	var buf bytes.Buffer
	w := stdzip.NewWriter(&buf)
	for _, m := range []uint16{stdzip.Store, stdzip.Deflate} {
		fw, _ := w.CreateHeader(&stdzip.FileHeader{Name: map[uint16]string{0: "s.txt", 8: "d.txt"}[m], Method: m})
		fw.Write([]byte("hello, world"))
	}
	w.Close()
	x, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), archive.NewBudget(archive.Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range x.Entries {
		sec := e.Content.(archive.Sectioner).Section()
		if (sec != nil) != (e.Name == "s.txt") {
			t.Errorf("%s: section %v", e.Name, sec != nil)
		}
		rc, _ := e.Content.Open()
		got, err := io.ReadAll(rc)
		if err != nil || string(got) != "hello, world" {
			t.Errorf("%s: %q %v", e.Name, got, err)
		}
	}
}
