package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Temp is a private temporary folder (mode 0700), created on first use and
// removed with everything in it by Close. It is the only place the view
// writes to, and it never holds a file named after an archive entry: only
// anonymous spill files of content that needs random access.
type Temp struct {
	// Parent is where the folder is made; "" means os.TempDir().
	Parent string

	mu     sync.Mutex
	dir    string
	closed bool
}

// CreateFile creates an anonymous spill file in the private folder. The
// caller closes it; Close of the Temp removes it.
func (t *Temp) CreateFile() (*os.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errors.New("temporary folder already removed")
	}
	if t.dir == "" {
		d, err := os.MkdirTemp(t.Parent, "shipcheck-")
		if err != nil {
			return nil, err
		}
		t.dir = d
	}
	return os.CreateTemp(t.dir, "spill-")
}

// Dir returns the private folder, "" if none was made yet.
func (t *Temp) Dir() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dir
}

// Close removes the folder and its files.
func (t *Temp) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	if t.dir == "" {
		return nil
	}
	err := os.RemoveAll(t.dir)
	t.dir = ""
	return err
}

// MemLimit is how much content Spill keeps in memory before it moves to a
// spill file.
const MemLimit = 32 << 20

// Blob is content made randomly accessible: bytes in memory or a spill file.
type Blob struct {
	mem  []byte
	f    *os.File
	size int64
}

// ReadAt implements io.ReaderAt.
func (b *Blob) ReadAt(p []byte, off int64) (int, error) {
	if b.f != nil {
		return b.f.ReadAt(p, off)
	}
	return bytes.NewReader(b.mem).ReadAt(p, off)
}

// Size returns the number of bytes held.
func (b *Blob) Size() int64 { return b.size }

// Bytes returns the content when it is held in memory, nil otherwise.
func (b *Blob) Bytes() []byte {
	if b.f != nil {
		return nil
	}
	return b.mem
}

// Close releases the spill file, if any.
func (b *Blob) Close() error {
	if b.f == nil {
		return nil
	}
	name := b.f.Name()
	err := b.f.Close()
	os.Remove(name)
	return err
}

// Spill reads r to its end into memory, or into a spill file in t once more
// than MemLimit bytes have come. hint is the expected size (0 if unknown):
// content announced larger than MemLimit goes to the spill file from its
// first byte, rather than through a buffer of MemLimit bytes thrown away.
func Spill(r io.Reader, hint int64, t *Temp) (*Blob, error) {
	if hint > MemLimit && t != nil {
		return SpillMax(r, hint, t, -1)
	}
	return SpillMax(r, hint, t, 0)
}

// SpillMax is Spill keeping at most max bytes in memory: 0 means MemLimit,
// a negative max none (straight to the spill file).
func SpillMax(r io.Reader, hint int64, t *Temp, max int64) (*Blob, error) {
	w := &SpillWriter{T: t, Max: max}
	if hint > 0 && hint <= w.max() {
		w.buf.Grow(int(hint))
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Discard()
		return nil, err
	}
	return w.Blob(), nil
}

// SpillWriter collects a stream written to it, in memory up to Max bytes and
// then in a spill file, and turns it into a Blob.
type SpillWriter struct {
	T *Temp
	// Max is how much is kept in memory: 0 means MemLimit, a negative
	// Max nothing.
	Max int64
	buf bytes.Buffer
	f   *os.File
	n   int64
}

func (w *SpillWriter) max() int64 {
	switch {
	case w.Max == 0:
		return MemLimit
	case w.Max < 0:
		return 0
	}
	return w.Max
}

func (w *SpillWriter) Write(p []byte) (int, error) {
	if w.f == nil && int64(w.buf.Len()+len(p)) > w.max() {
		if w.T == nil {
			return 0, errors.New("content too large to hold in memory and no temporary folder given")
		}
		f, err := w.T.CreateFile()
		if err != nil {
			return 0, err
		}
		if _, err := f.Write(w.buf.Bytes()); err != nil {
			f.Close()
			return 0, err
		}
		w.buf = bytes.Buffer{}
		w.f = f
	}
	w.n += int64(len(p))
	if w.f != nil {
		return w.f.Write(p)
	}
	return w.buf.Write(p)
}

// Blob returns what was written as a Blob; the SpillWriter is not used after.
func (w *SpillWriter) Blob() *Blob {
	if w.f != nil {
		return &Blob{f: w.f, size: w.n}
	}
	return &Blob{mem: w.buf.Bytes(), size: w.n}
}

// Discard releases a SpillWriter whose content is not wanted.
func (w *SpillWriter) Discard() {
	if w.f != nil {
		name := w.f.Name()
		w.f.Close()
		os.Remove(name)
	}
	w.buf = bytes.Buffer{}
}

// RandomAccess gives random access to a regular file's content: the section
// of the archive that stores it when there is one (blob is nil), else a copy
// in memory or in a spill file of t (blob non-nil: the caller closes it).
func RandomAccess(e Entry, t *Temp) (r io.ReaderAt, blob *Blob, err error) {
	if e.Content == nil {
		return nil, nil, ErrUnreadable
	}
	if s, ok := e.Content.(Sectioner); ok {
		if sec := s.Section(); sec != nil {
			return sec, nil, nil
		}
	}
	rc, err := e.Content.Open()
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	blob, err = Spill(rc, e.Size, t)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	return blob, blob, nil
}
