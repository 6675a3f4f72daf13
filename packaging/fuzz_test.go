package packaging

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// FuzzOpen feeds arbitrary bytes to the view as an artifact: whatever they
// are, opening and reading every file must end without a panic or a hang,
// with either an error or a listing, and leave the temporary folder empty.
//
//	go test ./packaging -run '^$' -fuzz FuzzOpen -fuzztime 10m
func FuzzOpen(f *testing.F) {
	entries, _ := os.ReadDir(hostileDir)
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(hostileDir, e.Name())); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
	for _, p := range []string{"../testdata/examples/hello-function.zip", "../testdata/examples/hello-layer.zip"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	layer := buildTar(tf{name: "etc/a", data: []byte("a")}, tf{name: "lib", typ: '2', link: "usr/lib"})
	f.Add(dockerSave([][]byte{layer, buildTar(tf{name: "etc/.wh.a"})}, nil))
	f.Add(ociLayout([][]byte{layer}, nil))
	f.Add(buildZip(zf{name: "lib/a.jar", data: buildZip(zf{name: "META-INF/MANIFEST.MF", data: []byte("x")})}))
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		opt := Options{TempDir: tmp, Limits: archive.Limits{MaxTotalSize: 4 << 20, MaxEntries: 20000, MaxDepth: 4}}
		v, err := OpenReader(context.Background(), "artifact", bytes.NewReader(b), int64(len(b)), opt)
		if err != nil {
			if !archive.IsPartial(err) {
				t.Fatalf("Open failed with a note: %v", err)
			}
		} else {
			l, err := list(context.Background(), v, true)
			v.Close()
			if err != nil {
				t.Fatalf("walk: %v", err)
			}
			for _, f := range l.Files {
				if f.Path == "" || f.Origin.Artifact != "artifact" {
					t.Fatalf("file without a path or origin: %+v", f)
				}
			}
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Fatalf("temporary files left: %v", left)
		}
	})
}
