package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/shipcheck/shipcheck"
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
	return runDisplay(e.stderr, func() string { return p.Line(name) }, time.Second, 200*time.Millisecond)
}

func showProgress(e *env) bool {
	f, ok := e.stderr.(*os.File)
	return !e.quiet && ok && isTerminal(f)
}

func runProgress(w io.Writer, p *shipcheck.Progress, name string, delay, interval time.Duration) *progressDisplay {
	return runDisplay(w, func() string { return p.Line(name) }, delay, interval)
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
