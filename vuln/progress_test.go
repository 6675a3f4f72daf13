package vuln

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// TestImportProgress: the records to index are known from the exports'
// central directories (folders and other files not counted), and each is
// counted once indexed.
func TestImportProgress(t *testing.T) {
	src := t.TempDir()
	z := exportZip(t,
		record("PYSEC-1", "PyPI", "Jinja2", "introduced:0 fixed:2.11.3"),
		record("PYSEC-2", "PyPI", "six", "introduced:0 fixed:1.0"),
		record("PYSEC-3", "PyPI", "flask", "introduced:0"))
	// The same export with a folder entry and a file that is no record.
	var buf bytes.Buffer
	zr, _ := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	w := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w.Copy(f)
	}
	w.Create("docs/")
	f, _ := w.Create("README.txt")
	f.Write([]byte("not a record"))
	w.Close()
	writeFile(t, filepath.Join(src, "PyPI", "all.zip"), buf.Bytes())
	writeFile(t, filepath.Join(src, "npm", "NSWG-ECO-1.json"), record("NSWG-ECO-1", "npm", "bassmaster", "introduced:0"))

	var p BuildProgress
	info, err := ImportWith(context.Background(), t.TempDir(), src, ImportOptions{Progress: &p})
	if err != nil {
		t.Fatal(err)
	}
	if info.Records != 4 || p.Total.Load() != 4 || p.Records.Load() != 4 || p.Stage() != StageWriting {
		t.Errorf("records %d; progress: %d/%d records, stage %q", info.Records, p.Records.Load(), p.Total.Load(), p.Stage())
	}
	if p.EcosystemsTotal.Load() != 0 || p.Downloaded.Load() != 0 {
		t.Errorf("an import counted downloads: %d ecosystems, %d bytes", p.EcosystemsTotal.Load(), p.Downloaded.Load())
	}
}

// TestUpdateProgress: every ecosystem asked for is counted done (one
// missing at the base URL too), with the bytes downloaded, then the records
// indexed.
func TestUpdateProgress(t *testing.T) {
	pypi := exportZip(t, record("PYSEC-1", "PyPI", "six", "introduced:0"), record("PYSEC-2", "PyPI", "flask", "introduced:0"))
	npm := exportZip(t, record("NSWG-ECO-1", "npm", "bassmaster", "introduced:0"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/PyPI/all.zip":
			w.Write(pypi)
		case "/npm/all.zip":
			w.Write(npm)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var p BuildProgress
	if _, err := Update(context.Background(), t.TempDir(), UpdateOptions{BaseURL: srv.URL, Ecosystems: []string{"PyPI", "npm", "Maven"}, Progress: &p}); err != nil {
		t.Fatal(err)
	}
	if p.Ecosystems.Load() != 3 || p.EcosystemsTotal.Load() != 3 || p.Downloaded.Load() != int64(len(pypi)+len(npm)) {
		t.Errorf("%d/%d ecosystems, %d bytes; want 3/3, %d", p.Ecosystems.Load(), p.EcosystemsTotal.Load(), p.Downloaded.Load(), len(pypi)+len(npm))
	}
	if p.Records.Load() != 3 || p.Total.Load() != 3 {
		t.Errorf("%d/%d records, want 3/3", p.Records.Load(), p.Total.Load())
	}
}

// TestOpenSourceProgress: --advisories are indexed with progress.
func TestOpenSourceProgress(t *testing.T) {
	var p BuildProgress
	_, release, err := OpenSource(context.Background(), SourceOptions{Advisories: advisoriesDir, TempDir: t.TempDir(), Progress: &p})
	if err != nil {
		t.Fatal(err)
	}
	release()
	if p.Total.Load() == 0 || p.Records.Load() != p.Total.Load() {
		t.Errorf("%d/%d records", p.Records.Load(), p.Total.Load())
	}
}

// TestBuildLine: the status line of db update, db import and --advisories
// indexing.
func TestBuildLine(t *testing.T) {
	for _, c := range []struct {
		stage                                                   string
		ecosystems, ecosystemsTotal, downloaded, records, total int64
		want                                                    string
	}{
		{"", 0, 0, 0, 0, 0, "osv: starting"},
		{StageDownloading, 3, 12, 45 << 20, 0, 0, "osv: downloading, 3/12 ecosystems, 45 MiB"},
		{StageIndexing, 0, 0, 0, 1234, 98765, "osv: indexing, 1,234/98,765 records (1%)"},
		{StageIndexing, 0, 0, 0, 12, 0, "osv: indexing, 12 records"},
		{StageWriting, 0, 0, 0, 98765, 98765, "osv: writing the database, 98,765 records read"},
	} {
		var p BuildProgress
		if c.stage != "" {
			p.setStage(c.stage)
		}
		p.Ecosystems.Store(c.ecosystems)
		p.EcosystemsTotal.Store(c.ecosystemsTotal)
		p.Downloaded.Store(c.downloaded)
		p.Records.Store(c.records)
		p.Total.Store(c.total)
		if got := p.Line("osv"); got != c.want {
			t.Errorf("%+v:\n got %q\nwant %q", c, got, c.want)
		}
	}
}
