package packaging

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// content returns n bytes that deflate poorly (a file's worth of memory
// whether stored or compressed), different for each seed.
func content(seed, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

// inFlight counts the bytes of the files the walk callbacks hold at once:
// each callback reads its file whole (as the secret scan does) and counts
// its size while it runs.
type inFlight struct {
	cur, max atomic.Int64
	files    atomic.Int64
	largest  atomic.Int64
	// gate, when set, holds each callback until it returns.
	gate func(f *File)
}

func (c *inFlight) walk(t *testing.T, v *View, opt WalkOptions) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		done <- v.Walk(context.Background(), opt, func(ctx context.Context, f *File) error {
			if f.Type != archive.TypeFile || !f.Readable() {
				return nil
			}
			now := c.cur.Add(f.Size)
			for m := c.max.Load(); now > m && !c.max.CompareAndSwap(m, now); m = c.max.Load() {
			}
			defer c.cur.Add(-f.Size)
			c.files.Add(1)
			for l := c.largest.Load(); f.Size > l && !c.largest.CompareAndSwap(l, f.Size); l = c.largest.Load() {
			}
			ra, err := f.ReaderAt()
			if err != nil {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
			if n, err := io.Copy(io.Discard, io.NewSectionReader(ra, 0, f.Size)); err != nil || n != f.Size {
				return fmt.Errorf("%s: read %d of %d bytes: %v", f.Path, n, f.Size, err)
			}
			if c.gate != nil {
				c.gate(f)
			}
			runtime.Gosched()
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the walk did not end: deadlock")
	}
}

// peakOf runs the walk with memoryHook set and returns the weight held at
// most and at the end.
func peakOf(t *testing.T, walk func()) (peak, left int64) {
	t.Helper()
	memoryHook = func(m *memory) {
		if m != nil {
			peak, left = m.peak.Load(), m.held.Load()
		}
	}
	defer func() { memoryHook = nil }()
	walk()
	return peak, left
}

// TestWalkMemory: with many workers, the bytes of the files in the
// callbacks stay within the memory budget plus one file, however many
// workers there are; a file larger than the budget is still handed out
// and read whole; nested archives (whose copies outlive their own
// callback) never deadlock the walk, and every weight is given back.
func TestWalkMemory(t *testing.T) {
	const budget = 128 << 10
	var (
		many    []zf // 48 files of 16 to 63 KiB
		largest int64
	)
	for i := range 48 {
		n := 16<<10 + i<<10
		many = append(many, zf{name: fmt.Sprintf("lib/f%02d.js", i), data: content(i, n), store: i%3 == 0})
		largest = max(largest, int64(n))
	}
	huge := content(99, 3*budget)
	var inner []zf
	for i := range 4 {
		// Small inner zips, whose copies fit the budget, and one that does
		// not (its copy goes to the temporary folder).
		files := []zf{
			{name: "a.txt", data: bytes.Repeat([]byte{byte('a' + i)}, 50<<10)},
			{name: "b.bin", data: content(100+i, 24<<10)},
		}
		if i == 3 {
			files = append(files, zf{name: "c.bin", data: content(200, budget)})
		}
		inner = append(inner, zf{name: fmt.Sprintf("lib/inner%d.jar", i), data: buildZip(files...)})
	}
	outer := append(append([]zf{}, many[:8]...), inner...)
	outer = append(outer, zf{name: "deep.zip", data: buildZip(zf{name: "x.jar", data: buildZip(many[8:16]...)})})

	tests := []struct {
		name  string
		files []zf
		want  int64 // the files handed to the callbacks
	}{
		{"many files", many, 48},
		{"a file larger than the budget", append([]zf{{name: "huge.bin", data: huge}}, many...), 49},
		{"nested archives", outer, 8 + 4 + 4*2 + 1 + 2 + 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := openBytes(t, "fn.zip", buildZip(tt.files...), Options{TempDir: t.TempDir()})
			var c inFlight
			peak, left := peakOf(t, func() { c.walk(t, v, WalkOptions{Workers: 16, Memory: budget}) })
			if got := c.files.Load(); got != tt.want {
				t.Errorf("%d files handed out, want %d", got, tt.want)
			}
			// A file weighs at most its size: the budget plus the one file
			// larger than what the others leave.
			if got, bound := c.max.Load(), budget+c.largest.Load(); got > bound {
				t.Errorf("%s in the callbacks at once, more than %s", archive.FormatSize(got), archive.FormatSize(bound))
			}
			if peak > budget {
				t.Errorf("weight held peaked at %d, over the budget %d", peak, budget)
			}
			if left != 0 {
				t.Errorf("%d bytes of weight never given back", left)
			}
			for _, p := range v.Problems() {
				t.Errorf("problem: %v", p)
			}
		})
	}

	// The measure is not blind: with no bound, the same walk holds 12
	// files at once (each callback waits for 12 to be in), past the bound.
	t.Run("unbounded", func(t *testing.T) {
		v := openBytes(t, "fn.zip", buildZip(many...), Options{TempDir: t.TempDir()})
		var (
			mu      sync.Mutex
			arrived int
			all     = make(chan struct{})
		)
		c := inFlight{gate: func(f *File) {
			mu.Lock()
			arrived++
			if arrived == 12 {
				close(all)
			}
			mu.Unlock()
			select {
			case <-all:
			case <-time.After(10 * time.Second):
			}
		}}
		c.walk(t, v, WalkOptions{Workers: 16, Memory: -1})
		if got := c.max.Load(); got <= budget+largest {
			t.Errorf("unbounded walk held at most %s at once; the bounded test proves nothing", archive.FormatSize(got))
		}
	})
}

// TestMemoryNoWaitForNested: the weight of nested archives' copies is
// taken only when free at once, and never more than a quarter of the
// budget, so that a file of the largest weight is always served.
func TestMemoryNoWaitForNested(t *testing.T) {
	m := newMemory(1000)
	if !m.nestedCopy(200) || !m.nestedCopy(50) {
		t.Fatal("a copy that fits was refused")
	}
	if m.nestedCopy(1) {
		t.Error("copies took more than a quarter of the budget")
	}
	w, err := m.file(context.Background(), 1<<40)
	if err != nil || w != 750 {
		t.Fatalf("a file larger than the budget weighs %d (%v), want 750", w, err)
	}
	m.release(w)
	m.releaseNested(200)
	m.releaseNested(50)
	if h := m.held.Load(); h != 0 {
		t.Errorf("%d held after every release", h)
	}
	if newMemory(-1) != nil {
		t.Error("a negative budget bounds")
	}
	if newMemory(0).budget != DefaultMemory {
		t.Error("0 is not the default budget")
	}
}
