package shipcheck

import "testing"

// TestProgressLine: a scan's status line counts files until the walk
// knows how many it hands out, then shows done/total and a percentage.
func TestProgressLine(t *testing.T) {
	for _, c := range []struct {
		name, stage               string
		files, bytes, done, total int64
		want                      string
	}{
		{"fn.zip", "reading", 1234, 5 << 20, 0, 0, "fn.zip: reading, 1234 files, 5 MiB read"},
		{"image.tar", "", 7, 0, 0, 0, "image.tar: 7 files, 0 B read"},
		{"fn.zip", "reading", 1200, 5 << 20, 1234, 12329, "fn.zip: reading, 1,234/12,329 files (10%), 5 MiB read"},
		{"fn.zip", "matching advisories", 0, 0, 12329, 12329, "fn.zip: matching advisories, 12,329/12,329 files (100%), 0 B read"},
		{"fn.zip", "reading", 0, 0, 999, 1000, "fn.zip: reading, 999/1,000 files (99%), 0 B read"},
		{"bad\x1b[2Jname.zip", "reading", 0, 0, 0, 0, `bad\x1b[2Jname.zip: reading, 0 files, 0 B read`},
	} {
		var p Progress
		p.setStage(c.stage)
		p.Files.Store(c.files)
		p.Bytes.Store(c.bytes)
		p.Walk.Done.Store(c.done)
		p.Walk.Total.Store(c.total)
		if got := p.Line(c.name); got != c.want {
			t.Errorf("%+v:\n got %q\nwant %q", c, got, c.want)
		}
	}
}
