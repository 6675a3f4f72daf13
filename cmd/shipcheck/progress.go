package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/vuln"
)

// progressDisplay redraws one status line on a terminal's stderr: for a
// scan, the deployment, the stage, files and bytes read; for a database
// build, records indexed or ecosystems downloaded. It shows nothing for
// work that ends within the first moment, and nothing at all when stderr
// is not a terminal (CI logs stay clean) or with --quiet.
type progressDisplay struct {
	w        io.Writer
	line     func() string
	delay    time.Duration
	interval time.Duration
	stop     chan struct{}
	done     sync.WaitGroup
	drawn    bool
	once     sync.Once
}

// startProgress starts the display of a scan when stderr is a terminal.
func startProgress(e *env, p *shipcheck.Progress, name string) *progressDisplay {
	if !showProgress(e) {
		return nil
	}
	return runProgress(e.stderr, p, name, time.Second, 200*time.Millisecond)
}

// startBuildProgress starts the display of a database build when stderr
// is a terminal.
func startBuildProgress(e *env, p *vuln.BuildProgress, name string) *progressDisplay {
	if !showProgress(e) {
		return nil
	}
	return runDisplay(e.stderr, func() string { return buildLine(name, buildCountsOf(p)) }, time.Second, 200*time.Millisecond)
}

func showProgress(e *env) bool {
	f, ok := e.stderr.(*os.File)
	return !e.quiet && ok && isTerminal(f)
}

func runProgress(w io.Writer, p *shipcheck.Progress, name string, delay, interval time.Duration) *progressDisplay {
	return runDisplay(w, func() string { return progressLine(name, p.Stage(), walkCountsOf(p)) }, delay, interval)
}

func runDisplay(w io.Writer, line func() string, delay, interval time.Duration) *progressDisplay {
	d := &progressDisplay{w: w, line: line, delay: delay, interval: interval, stop: make(chan struct{})}
	d.done.Add(1)
	go d.loop()
	return d
}

func (d *progressDisplay) loop() {
	defer d.done.Done()
	select {
	case <-d.stop:
		return
	case <-time.After(d.delay):
	}
	t := time.NewTicker(d.interval)
	defer t.Stop()
	for {
		d.draw()
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
	}
}

func (d *progressDisplay) draw() {
	// \r and erase-line: the line is redrawn in place.
	fmt.Fprintf(d.w, "\r\x1b[2K%s", d.line())
	d.drawn = true
}

// Stop ends the display and clears its line.
func (d *progressDisplay) Stop() {
	if d == nil {
		return
	}
	d.once.Do(func() { close(d.stop) })
	d.done.Wait()
	if d.drawn {
		fmt.Fprint(d.w, "\r\x1b[2K")
	}
}

// walkCounts are a scan's counters at one moment.
type walkCounts struct {
	files, bytes int64 // files handed to the analysers, their size
	done, total  int64 // files the walk handed out, of those it knows of
}

func walkCountsOf(p *shipcheck.Progress) walkCounts {
	return walkCounts{files: p.Files.Load(), bytes: p.Bytes.Load(), done: p.Walk.Done.Load(), total: p.Walk.Total.Load()}
}

// progressLine is a scan's status line. Once the walk knows how many files
// it hands out (the zip's central directory, a tar or a folder once
// indexed, growing as nested archives are opened), it says how many of
// them were done: "fn.zip: reading, 1,234/12,329 files (10%), 5 MiB
// read"; before (while the artifact is opened) it counts.
func progressLine(name, stage string, c walkCounts) string {
	line := archive.Printable(name) + ": "
	if stage != "" {
		line += stage + ", "
	}
	if c.total > 0 {
		line += fmt.Sprintf("%s/%s files (%d%%)", thousands(c.done), thousands(c.total), percent(c.done, c.total))
	} else {
		line += fmt.Sprintf("%d files", c.files)
	}
	return line + ", " + archive.FormatSize(c.bytes) + " read"
}

// buildCounts are a database build's counters at one moment.
type buildCounts struct {
	stage                       string
	ecosystems, ecosystemsTotal int64
	downloaded                  int64
	records, total              int64
}

func buildCountsOf(p *vuln.BuildProgress) buildCounts {
	return buildCounts{
		stage:      p.Stage(),
		ecosystems: p.Ecosystems.Load(), ecosystemsTotal: p.EcosystemsTotal.Load(),
		downloaded: p.Downloaded.Load(),
		records:    p.Records.Load(), total: p.Total.Load(),
	}
}

// buildLine is a database build's status line: "osv.db: downloading,
// 3/12 ecosystems, 45 MiB", "osv.db: indexing, 1,234/98,765 records
// (1%)", "osv.db: writing the database, 98,765 records read".
func buildLine(name string, c buildCounts) string {
	line := archive.Printable(name) + ": "
	switch c.stage {
	case vuln.StageDownloading:
		return line + fmt.Sprintf("downloading, %d/%d ecosystems, %s", c.ecosystems, c.ecosystemsTotal, archive.FormatSize(c.downloaded))
	case vuln.StageIndexing:
		if c.total > 0 {
			return line + fmt.Sprintf("indexing, %s/%s records (%d%%)", thousands(c.records), thousands(c.total), percent(c.records, c.total))
		}
		return line + fmt.Sprintf("indexing, %s records", thousands(c.records))
	case vuln.StageWriting:
		return line + fmt.Sprintf("writing the database, %s records read", thousands(c.records))
	}
	return line + "starting"
}

// percent is done of total in whole percent, rounded down: 100% only
// when all is done.
func percent(done, total int64) int64 {
	if total <= 0 {
		return 0
	}
	return min(done*100/total, 100)
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
