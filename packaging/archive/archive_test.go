package archive

import (
	"errors"
	"testing"
)

func TestCleanName(t *testing.T) {
	for _, c := range []struct {
		raw, name    string
		dir, rewrote bool
		err          error
	}{
		{raw: "index.js", name: "index.js"},
		{raw: "./a/./b.txt", name: "a/b.txt"},
		{raw: "lib/", name: "lib", dir: true},
		{raw: "a//b", name: "a/b"},
		{raw: `dir\file.txt`, name: "dir/file.txt", rewrote: true},
		{raw: "../x", err: ErrInsecurePath},
		{raw: "a/../../x", err: ErrInsecurePath},
		{raw: "a/../b", err: ErrInsecurePath},
		{raw: `..\x`, err: ErrInsecurePath},
		{raw: "/etc/passwd", err: ErrInsecurePath},
		{raw: `\\server\share\x`, err: ErrInsecurePath},
		{raw: "C:/x", err: ErrInsecurePath},
		{raw: `c:\x`, err: ErrInsecurePath},
		{raw: "", err: ErrBadEntryName},
		{raw: "a\x00b", err: ErrBadEntryName},
		{raw: "..foo/..bar", name: "..foo/..bar"},
	} {
		name, dir, rewrote, err := CleanName(c.raw)
		if !errors.Is(err, c.err) || err == nil && (name != c.name || dir != c.dir || rewrote != c.rewrote) {
			t.Errorf("CleanName(%q) = %q, %v, %v, %v; want %q, %v, %v, %v", c.raw, name, dir, rewrote, err, c.name, c.dir, c.rewrote, c.err)
		}
	}
}

func TestDecodeCP437(t *testing.T) {
	if got := DecodeCP437("caf\x82 na\x8bve"); got != "café naïve" {
		t.Errorf("got %q", got)
	}
}

func TestBudget(t *testing.T) {
	b := NewBudget(Limits{MaxEntries: 3, MaxTotalSize: 100, MaxEntrySize: 60})
	if err := b.Add(50, -1); err != nil {
		t.Fatal(err)
	}
	var le *LimitError
	if err := b.Add(61, -1); !errors.As(err, &le) || le.Flag != "--max-entry-size" {
		t.Errorf("entry size: %v", err)
	}
	if err := b.Add(51, -1); !errors.Is(err, ErrLimit) {
		t.Errorf("total: %v", err)
	}
	if err := b.Add(0, -1); err != nil { // the third entry
		t.Errorf("third entry: %v", err)
	}
	if err := b.Add(0, -1); !errors.Is(err, ErrLimit) {
		t.Errorf("fourth entry: %v", err)
	}
	r := NewBudget(Limits{})
	if err := r.CheckRatio(RatioFloor, 1); err != nil {
		t.Errorf("ratio applied below the floor: %v", err)
	}
	if err := r.CheckRatio(RatioFloor+1, (RatioFloor+1)/201); !errors.Is(err, ErrLimit) {
		t.Errorf("ratio 201:1 passed: %v", err)
	}
	if err := r.CheckRatio(RatioFloor*4, RatioFloor/10); err != nil {
		t.Errorf("ratio 40:1 refused: %v", err)
	}
}

func TestPartial(t *testing.T) {
	for err, want := range map[error]bool{
		ErrLinkOutside:                     false,
		ErrDuplicate:                       false,
		ErrInsecurePath:                    true,
		&LimitError{Flag: "--max-ratio"}:   true,
		errors.New("something unforeseen"): true,
	} {
		if got := IsPartial(err); got != want {
			t.Errorf("IsPartial(%v) = %v", err, got)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{512: "512 B", 1 << 10: "1 KiB", 10 << 30: "10 GiB", 1536: "1.5 KiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPrintable(t *testing.T) {
	if got := Printable("evil\n[shipcheck] ok"); got != `evil\n[shipcheck] ok` {
		t.Errorf("a newline in a name reaches the output: %q", got)
	}
	if got := Printable("café.txt"); got != "café.txt" {
		t.Errorf("got %q", got)
	}
}
