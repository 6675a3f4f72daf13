// Package console is what shipcheck's command line shows on a terminal:
// whether a stream is one, its width and colour for the table, and a
// status line redrawn in place while work goes on. Nothing here draws on
// a stream that is not a terminal: CI logs stay clean.
package console

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/term"
)

// IsTerminal says whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Color says whether to paint what goes to w: only on a terminal, and
// never with NO_COLOR set (no-color.org).
func Color(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	return IsTerminal(w)
}

// Width is the width a table written to w must fit: COLUMNS when set to a
// number, else the terminal's, else 0 (unbounded: a file or a pipe).
func Width(w io.Writer) int {
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	if f, ok := w.(*os.File); ok && IsTerminal(w) {
		if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 0 {
			return c
		}
	}
	return 0
}

// Status redraws one line on a terminal: what line returns, every
// interval, from delay on. It shows nothing for work that ends within the
// delay. A nil *Status is a display that shows nothing.
type Status struct {
	w        io.Writer
	line     func() string
	interval time.Duration
	stop     chan struct{}
	done     sync.WaitGroup
	drawn    bool
	once     sync.Once
}

// Delay and Interval are a status line's defaults: nothing for the first
// second, then five redraws a second.
const (
	Delay    = time.Second
	Interval = 200 * time.Millisecond
)

// StartStatus starts a status line on w when w is a terminal and quiet is
// false; else it returns nil, which shows nothing.
func StartStatus(w io.Writer, quiet bool, line func() string) *Status {
	if quiet || !IsTerminal(w) {
		return nil
	}
	return Run(w, line, Delay, Interval)
}

// Run starts a status line on w whatever w is.
func Run(w io.Writer, line func() string, delay, interval time.Duration) *Status {
	d := &Status{w: w, line: line, interval: interval, stop: make(chan struct{})}
	d.done.Add(1)
	go d.loop(delay)
	return d
}

func (d *Status) loop(delay time.Duration) {
	defer d.done.Done()
	select {
	case <-d.stop:
		return
	case <-time.After(delay):
	}
	t := time.NewTicker(d.interval)
	defer t.Stop()
	for {
		// \r and erase-line: the line is redrawn in place.
		fmt.Fprintf(d.w, "\r%s%s", ClearLine, d.line())
		d.drawn = true
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
	}
}

// ClearLine erases the terminal's current line (ANSI EL2).
const ClearLine = "\x1b[2K"

// Stop ends the display and clears its line; it may be called more than
// once, and on nil.
func (d *Status) Stop() {
	if d == nil {
		return
	}
	d.once.Do(func() { close(d.stop) })
	d.done.Wait()
	if d.drawn {
		fmt.Fprint(d.w, "\r"+ClearLine)
	}
}
