package console

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestStatus: long work shows its line and clears it at the end; short
// work shows nothing; a stream that is not a terminal gets no display.
func TestStatus(t *testing.T) {
	var buf bytes.Buffer
	d := Run(&buf, func() string { return "fn.zip: 1234 files" }, 0, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	d.Stop()
	d.Stop()
	out := buf.String()
	if !strings.Contains(out, "fn.zip: 1234 files") {
		t.Errorf("no status line: %q", out)
	}
	if !strings.HasSuffix(out, "\r"+ClearLine) {
		t.Errorf("the line is not cleared at the end: %q", out)
	}

	buf.Reset()
	d = Run(&buf, func() string { return "x" }, time.Hour, time.Millisecond)
	d.Stop()
	if buf.Len() != 0 {
		t.Errorf("short work drew %q", buf.String())
	}

	if StartStatus(&buf, false, func() string { return "x" }) != nil {
		t.Error("a display on a stream that is not a terminal")
	}
	var none *Status
	none.Stop()
}

// TestWidth: COLUMNS wins; a buffer is unbounded.
func TestWidth(t *testing.T) {
	t.Setenv("COLUMNS", "")
	if w := Width(&bytes.Buffer{}); w != 0 {
		t.Errorf("a buffer's width is %d, want 0", w)
	}
	t.Setenv("COLUMNS", "80")
	if w := Width(&bytes.Buffer{}); w != 80 {
		t.Errorf("COLUMNS=80 gives %d", w)
	}
	t.Setenv("COLUMNS", "wide")
	if w := Width(&bytes.Buffer{}); w != 0 {
		t.Errorf("COLUMNS=wide gives %d, want 0", w)
	}
}
