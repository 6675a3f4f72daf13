package packaging

import (
	stdtar "archive/tar"
	stdzip "archive/zip"
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"testing"
)

// The benchmarks read every file of the big artifacts that
// ../shared/tools/make-big.py builds, through the view and through a plain
// single-threaded archive/zip or archive/tar read, in the same run:
//
//	python3 ../shared/tools/make-big.py /tmp/big
//	SHIPCHECK_BIG=/tmp/big go test ./packaging -run '^$' -bench ReadAll -benchtime 3x
//
// testdata/bench/view.sh runs them and prints the ratios and peak memory.

func bigArtifact(b *testing.B, name string) string {
	dir := os.Getenv("SHIPCHECK_BIG")
	if dir == "" {
		b.Skip("SHIPCHECK_BIG is not set: build the artifacts with ../shared/tools/make-big.py DIR and set SHIPCHECK_BIG=DIR")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		b.Skipf("%s: %v", p, err)
	}
	return p
}

// readAllView opens p and reads every file of the view, nested archives
// (unless noNested) and hidden files included, and returns the bytes read.
func readAllView(b *testing.B, p string, noNested bool) int64 {
	v, err := Open(context.Background(), p, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	var n atomic.Int64
	err = v.Walk(context.Background(), WalkOptions{NoNested: noNested}, func(_ context.Context, f *File) error {
		if !f.Readable() {
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		m, err := io.Copy(io.Discard, rc)
		n.Add(m)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(v.Problems()) > 0 {
		b.Fatalf("problems: %v", v.Problems())
	}
	return n.Load()
}

func BenchmarkReadAllZipView(b *testing.B) {
	p := bigArtifact(b, "big-function.zip")
	for b.Loop() {
		b.SetBytes(readAllView(b, p, false))
	}
}

func BenchmarkReadAllZipBaseline(b *testing.B) {
	p := bigArtifact(b, "big-function.zip")
	for b.Loop() {
		zr, err := stdzip.OpenReader(p)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				b.Fatal(err)
			}
			m, err := io.Copy(io.Discard, rc)
			if err != nil {
				b.Fatal(err)
			}
			n += m
			rc.Close()
		}
		zr.Close()
		b.SetBytes(n)
	}
}

func BenchmarkReadAllImageView(b *testing.B) {
	p := bigArtifact(b, "big-image.tar")
	for b.Loop() {
		b.SetBytes(readAllView(b, p, false))
	}
}

// BenchmarkReadAllImageBaseline reads every file of every layer of a docker
// save tarball with archive/tar: the outer tar, and each layer.tar in it.
func BenchmarkReadAllImageBaseline(b *testing.B) {
	p := bigArtifact(b, "big-image.tar")
	for b.Loop() {
		b.SetBytes(readDockerSave(b, p, func(r io.Reader) int64 {
			n, err := io.Copy(io.Discard, r)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}))
	}
}

// readDockerSave reads every file of every layer of a docker save tarball
// with archive/tar, handing each to read.
func readDockerSave(b *testing.B, p string, read func(io.Reader) int64) int64 {
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var n int64
	tr := stdtar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		if filepath.Base(h.Name) != "layer.tar" {
			n += read(tr)
			continue
		}
		lr := stdtar.NewReader(tr)
		for {
			_, err := lr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += read(lr)
		}
	}
}

func BenchmarkReadAllZipTopView(b *testing.B) {
	p := bigArtifact(b, "big-function.zip")
	for b.Loop() {
		b.SetBytes(readAllView(b, p, true))
	}
}

func BenchmarkReadAllImageTopView(b *testing.B) {
	p := bigArtifact(b, "big-image.tar")
	for b.Loop() {
		b.SetBytes(readAllView(b, p, true))
	}
}

// readAllZip reads every entry of a zip with archive/zip, and the entries of
// zips nested in it (held in memory), as a tool without the view would.
func readAllZip(b *testing.B, r io.ReaderAt, size int64) int64 {
	zr, err := stdzip.NewReader(r, size)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		n += readAllNested(b, rc)
		rc.Close()
	}
	return n
}

// readAllNested reads r to its end; a zip is held in memory and read
// entry by entry.
func readAllNested(b *testing.B, r io.Reader) int64 {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	if !bytes.Equal(head, []byte("PK\x03\x04")) {
		n, err := io.Copy(io.Discard, br)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	data, err := io.ReadAll(br)
	if err != nil {
		b.Fatal(err)
	}
	return int64(len(data)) + readAllZip(b, bytes.NewReader(data), int64(len(data)))
}

func BenchmarkReadAllZipNestedBaseline(b *testing.B) {
	p := bigArtifact(b, "big-function.zip")
	for b.Loop() {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		fi, _ := f.Stat()
		b.SetBytes(readAllZip(b, f, fi.Size()))
		f.Close()
	}
}

func BenchmarkReadAllImageNestedBaseline(b *testing.B) {
	p := bigArtifact(b, "big-image.tar")
	for b.Loop() {
		b.SetBytes(readDockerSave(b, p, func(r io.Reader) int64 { return readAllNested(b, r) }))
	}
}

func BenchmarkList(b *testing.B) {
	p := bigArtifact(b, "big-image.tar")
	for b.Loop() {
		l, err := List(context.Background(), p, ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(l.Files)), "files")
		if p := os.Getenv("HEAPPROFILE"); p != "" {
			runtime.GC()
			f, _ := os.Create(p)
			pprof.WriteHeapProfile(f)
			f.Close()
		}
		runtime.KeepAlive(l)
	}
}
