package packaging

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestWalkProgress: the total is the artifact's files from the start of the
// walk (links and nested archives included), grows by each nested
// archive's files when it is opened, and every file handed out is counted
// done once.
func TestWalkProgress(t *testing.T) {
	jar := buildZip(zf{name: "META-INF/MANIFEST.MF", data: []byte("Manifest-Version: 1.0\n")}, zf{name: "a/B.class", data: []byte("cafe")}, zf{name: "a/C.class", data: []byte("babe")})
	v := openBytes(t, "fn.zip", buildZip(
		zf{name: "index.js", data: []byte("exports.handler = 1")},
		zf{name: "lib/", mode: 0o755 | os.ModeDir},
		zf{name: "lib/app.jar", data: jar},
		zf{name: "lib/current", data: []byte("app.jar"), mode: 0o777 | os.ModeSymlink},
	), Options{})
	var p WalkProgress
	var calls, seenTotal atomic.Int64
	err := v.Walk(context.Background(), WalkOptions{Progress: &p}, func(_ context.Context, f *File) error {
		calls.Add(1)
		if f.Path == "/var/task/index.js" {
			seenTotal.Store(p.Total.Load())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := seenTotal.Load(); got < 3 {
		t.Errorf("total while walking the artifact's own files = %d, want at least its 3 files", got)
	}
	if p.Total.Load() != 3+3 || p.Done.Load() != calls.Load() || calls.Load() != 6 {
		t.Errorf("total %d, done %d, files handed out %d; want 6 (3 + the jar's 3) each", p.Total.Load(), p.Done.Load(), calls.Load())
	}
}

// TestWalkCancelPrompt: once the context is canceled, no further file is
// handed out: with one worker, the file being handled when it happened is
// the last.
func TestWalkCancelPrompt(t *testing.T) {
	var files []zf
	for i := range 200 {
		files = append(files, zf{name: fmt.Sprintf("f%03d.txt", i), data: []byte("x")})
	}
	v := openBytes(t, "fn.zip", buildZip(files...), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	err := v.Walk(ctx, WalkOptions{Workers: 1}, func(_ context.Context, f *File) error {
		if n.Add(1) == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n.Load() != 3 {
		t.Errorf("Walk = %v after %d files, want context.Canceled after 3", err, n.Load())
	}
}

// TestOpenCanceled: indexing that reads through content (a folder listed,
// a compressed tar or image layer decompressed) stops with the context's
// error, not a "corrupt" one, and leaves no temporary file.
func TestOpenCanceled(t *testing.T) {
	folder := t.TempDir()
	for i := range 10 {
		if err := os.WriteFile(filepath.Join(folder, fmt.Sprintf("f%d", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	layer := buildTar(tf{name: "app/big.bin", data: big})
	paths := map[string]string{
		"folder":     folder,
		"tar.gz":     writeTemp(t, "fn.tar.gz", gz(buildTar(tf{name: "index.js", data: big}))),
		"oci layout": writeTemp(t, "oci.tar", ociLayout([][]byte{layer}, nil)),
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, p := range paths {
		v, err := Open(context.Background(), p, Options{})
		if err != nil || len(v.Problems()) > 0 {
			t.Fatalf("%s: %v %v", name, err, v.Problems())
		}
		v.Close()
		tmp := t.TempDir()
		v, err = Open(ctx, p, Options{TempDir: tmp})
		if err == nil {
			// Nothing to read through at open (the layers were stored
			// uncompressed, say): the walk stops instead.
			err = v.Walk(ctx, WalkOptions{}, func(context.Context, *File) error { return nil })
			v.Close()
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", name, err)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("%s: left in the temporary folder: %v", name, left)
		}
	}
}
