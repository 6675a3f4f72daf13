package vuln

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// BuildProgress is how far a database build (Update, ImportWith, or the
// indexing of OpenSource's advisories) has got, for a display: written by
// the build, read by anyone at any time. A nil *BuildProgress is ignored.
type BuildProgress struct {
	// Ecosystems is how many of EcosystemsTotal exports Update has
	// downloaded (or found missing); both stay 0 for an import.
	Ecosystems, EcosystemsTotal atomic.Int64
	// Downloaded is the bytes Update has downloaded so far.
	Downloaded atomic.Int64
	// Records is how many records were read and indexed, of Total: the
	// records the exports hold, known once their zips' central
	// directories are read (0 until then).
	Records, Total atomic.Int64
	stage          atomic.Value // string
}

// Stages of a build, as Stage reports them.
const (
	StageDownloading = "downloading" // Update: an export is being downloaded
	StageIndexing    = "indexing"    // the records are being read and indexed
	StageWriting     = "writing"     // the database file is being written
)

// Stage says what the build is doing: one of the Stage constants, "" before
// it starts.
func (p *BuildProgress) Stage() string {
	if p == nil {
		return ""
	}
	s, _ := p.stage.Load().(string)
	return s
}

func (p *BuildProgress) setStage(s string) {
	if p != nil {
		p.stage.Store(s)
	}
}

func (p *BuildProgress) records(n int64) {
	if p != nil {
		p.Records.Add(n)
	}
}

func (p *BuildProgress) total(n int64) {
	if p != nil {
		p.Total.Add(n)
	}
}

func (p *BuildProgress) ecosystems(total int) {
	if p != nil {
		p.EcosystemsTotal.Store(int64(total))
	}
}

func (p *BuildProgress) ecosystemDone() {
	if p != nil {
		p.Ecosystems.Add(1)
	}
}

// download returns w counting what is written to it into Downloaded.
func (p *BuildProgress) download(w io.Writer) io.Writer {
	if p == nil {
		return w
	}
	return countingWriter{w: w, n: &p.Downloaded}
}

// countingWriter adds what it writes to n.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// Line is the build's status line, for a display: "osv.db: downloading,
// 3/12 ecosystems, 45 MiB", "osv.db: indexing, 1,234/98,765 records
// (1%)", "osv.db: writing the database, 98,765 records read".
func (p *BuildProgress) Line(name string) string {
	line := archive.Printable(name) + ": "
	records, total := p.Records.Load(), p.Total.Load()
	switch p.Stage() {
	case StageDownloading:
		return line + fmt.Sprintf("downloading, %d/%d ecosystems, %s", p.Ecosystems.Load(), p.EcosystemsTotal.Load(), archive.FormatSize(p.Downloaded.Load()))
	case StageIndexing:
		if total > 0 {
			return line + fmt.Sprintf("indexing, %s/%s records (%d%%)", archive.FormatCount(records), archive.FormatCount(total), archive.Percent(records, total))
		}
		return line + fmt.Sprintf("indexing, %s records", archive.FormatCount(records))
	case StageWriting:
		return line + fmt.Sprintf("writing the database, %s records read", archive.FormatCount(records))
	}
	return line + "starting"
}
