package tar

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// FuzzTar indexes arbitrary bytes as a tar and reads every entry.
//
//	go test ./packaging/tar -run '^$' -fuzz FuzzTar -fuzztime 5m
func FuzzTar(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/hostile/*.tar")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := Open(bytes.NewReader(b), int64(len(b)), archive.NewBudget(archive.Limits{MaxTotalSize: 4 << 20}), Options{})
		if err != nil {
			return
		}
		for _, e := range x.Entries {
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

func TestMatch(t *testing.T) {
	b, err := os.ReadFile("../../testdata/hostile/tar-devices.tar")
	if err != nil {
		t.Fatal(err)
	}
	if !Match(b[:512]) {
		t.Error("a tar is not matched")
	}
	if Match(bytes.Repeat([]byte("x"), 512)) || Match(make([]byte, 512)) {
		t.Error("text or zeros matched as a tar")
	}
}
