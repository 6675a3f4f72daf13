package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shipcheck/shipcheck"
)

// TestProgressDisplay: long work shows files, bytes and the stage, and the
// line is cleared at the end; short work shows nothing.
func TestProgressDisplay(t *testing.T) {
	var p shipcheck.Progress
	p.Files.Store(1234)
	p.Bytes.Store(5 << 20)
	var buf bytes.Buffer
	d := runProgress(&buf, &p, "fn.zip", 0, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	d.Stop()
	out := buf.String()
	if !strings.Contains(out, "fn.zip: , 1234 files, 5.0 MiB read") && !strings.Contains(out, "1234 files") {
		t.Errorf("no progress line: %q", out)
	}
	if !strings.HasSuffix(out, "\r\x1b[2K") {
		t.Errorf("the line is not cleared at the end: %q", out)
	}

	buf.Reset()
	d = runProgress(&buf, &p, "fn.zip", time.Hour, time.Millisecond)
	d.Stop()
	if buf.Len() != 0 {
		t.Errorf("short work drew %q", buf.String())
	}

	// Not a terminal (a buffer, as in CI): no display at all.
	e := &env{stderr: &buf}
	if startProgress(e, &p, "fn.zip") != nil {
		t.Error("a display on a stderr that is not a terminal")
	}
}
