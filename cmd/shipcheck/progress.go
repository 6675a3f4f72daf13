package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging/archive"
)

// progressDisplay redraws one status line on a terminal's stderr: the
// deployment, the stage, files and bytes read. It shows nothing for work
// that ends within the first moment, and nothing at all when stderr is not
// a terminal (CI logs stay clean) or with --quiet.
type progressDisplay struct {
	w        io.Writer
	p        *shipcheck.Progress
	name     string
	delay    time.Duration
	interval time.Duration
	stop     chan struct{}
	done     sync.WaitGroup
	drawn    bool
}

// startProgress starts the display when stderr is a terminal.
func startProgress(e *env, p *shipcheck.Progress, name string) *progressDisplay {
	f, ok := e.stderr.(*os.File)
	if e.quiet || !ok || !isTerminal(f) {
		return nil
	}
	return runProgress(e.stderr, p, name, time.Second, 200*time.Millisecond)
}

func runProgress(w io.Writer, p *shipcheck.Progress, name string, delay, interval time.Duration) *progressDisplay {
	d := &progressDisplay{w: w, p: p, name: name, delay: delay, interval: interval, stop: make(chan struct{})}
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
	line := fmt.Sprintf("%s: %s, %d files, %s read", archive.Printable(d.name), d.p.Stage(), d.p.Files.Load(), archive.FormatSize(d.p.Bytes.Load()))
	// \r and erase-line: the line is redrawn in place.
	fmt.Fprintf(d.w, "\r\x1b[2K%s", line)
	d.drawn = true
}

// Stop ends the display and clears its line.
func (d *progressDisplay) Stop() {
	if d == nil {
		return
	}
	close(d.stop)
	d.done.Wait()
	if d.drawn {
		fmt.Fprint(d.w, "\r\x1b[2K")
	}
}
