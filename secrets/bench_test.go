package secrets

import (
	"archive/zip"
	"context"
	"io"
	"path/filepath"
	"testing"
)

// BenchmarkScan scans the files of two corpus functions (node_modules'
// lodash and axios, a Python function's libraries and CA bundle), as
// MB/s of content: go test -bench Scan -run XXX ./secrets
func BenchmarkScan(b *testing.B) {
	type file struct {
		name string
		data []byte
	}
	var files []file
	var total int64
	for _, a := range []string{"node-api.zip", "python-fn.zip"} {
		zr, err := zip.OpenReader(filepath.Join("..", "..", "shared", "corpus", a))
		if err != nil {
			b.Skipf("the shared corpus is not beside the checkout: %v", err)
		}
		for _, f := range zr.File {
			if f.FileInfo().IsDir() {
				continue
			}
			r, _ := f.Open()
			d, _ := io.ReadAll(r)
			r.Close()
			files = append(files, file{"/var/task/" + f.Name, d})
			total += int64(len(d))
		}
		zr.Close()
	}
	sc, err := NewScanner()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			sc.Scan(context.Background(), f.name, f.data, AllRules)
		}
	}
}
