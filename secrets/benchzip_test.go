package secrets

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"testing"
)

// BenchmarkScanZip scans every file of the zip named by
// SHIPCHECK_BENCH_ZIP (a real deployment: testdata/bench builds them), one
// file at a time, with the content cache off: go test -bench ScanZip -run
// XXX ./secrets -cpuprofile cpu.out
func BenchmarkScanZip(b *testing.B) {
	p := os.Getenv("SHIPCHECK_BENCH_ZIP")
	if p == "" {
		b.Skip("set SHIPCHECK_BENCH_ZIP to a deployment zip")
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		b.Fatal(err)
	}
	type file struct {
		name string
		data []byte
	}
	var files []file
	var total int64
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
	sc, err := NewScanner()
	if err != nil {
		b.Fatal(err)
	}
	sc.cache = nil
	b.SetBytes(total)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		n = 0
		for _, f := range files {
			fs, _ := sc.Scan(context.Background(), f.name, f.data, AllRules)
			n += len(fs)
		}
	}
	b.ReportMetric(float64(n), "findings")
}
