package sbomarchive

import (
	"context"
	"os"
	"testing"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/vuln"
)

// scaleArchive is the archive testdata/bench/archive-scale.sh filled
// (SHIPCHECK_ARCHIVE_BENCH: a file or a postgres:// URL), or a skip.
func scaleArchive(b *testing.B) *Archive {
	loc := os.Getenv("SHIPCHECK_ARCHIVE_BENCH")
	if loc == "" {
		b.Skip("SHIPCHECK_ARCHIVE_BENCH is not set (the archive testdata/bench/archive-scale.sh fills)")
	}
	a, err := Open(context.Background(), loc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

// BenchmarkQuery: archive query in the library, without the process's
// start.
func BenchmarkQuery(b *testing.B) {
	a := scaleArchive(b)
	for _, spec := range []string{"npm/lodash@<4.17.21", "PyPI/requests@>=2.20,<2.31"} {
		b.Run(spec, func(b *testing.B) {
			sp, err := ParseSpec(spec)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := a.Query(context.Background(), sp, QueryOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRescan: a dry-run rescan of every deployment against the
// database in SHIPCHECK_ARCHIVE_BENCH_DB.
func BenchmarkRescan(b *testing.B) {
	a := scaleArchive(b)
	db, err := vuln.OpenDB(os.Getenv("SHIPCHECK_ARCHIVE_BENCH_DB"))
	if err != nil {
		b.Skip("SHIPCHECK_ARCHIVE_BENCH_DB: ", err)
	}
	defer db.Close()
	for b.Loop() {
		_, err := a.Rescan(context.Background(), RescanOptions{DryRun: true, Scan: shipcheck.ScanOptions{
			Advisories: vuln.DBSource{DB: db}, Gate: report.DefaultGate}})
		if err != nil {
			b.Fatal(err)
		}
	}
}
