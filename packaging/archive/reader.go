package archive

import (
	"context"
	"io"
	"sync"
)

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// SectionReadCloser reads a section of a random-access source. Its WriteTo
// reads in large chunks, so that io.Copy from a file of the view costs one
// read per 256 KiB rather than one per 8 KiB (each a system call on a file).
type SectionReadCloser struct {
	*io.SectionReader
}

// NewSectionReadCloser returns a reader of s, which it takes over: a
// section handed out once.
func NewSectionReadCloser(s *io.SectionReader) SectionReadCloser {
	return SectionReadCloser{s}
}

// Close does nothing: the source belongs to the archive.
func (SectionReadCloser) Close() error { return nil }

// WriteTo copies the rest of the section to w.
func (s SectionReadCloser) WriteTo(w io.Writer) (int64, error) {
	return CopyBuffered(w, s.SectionReader)
}

// CopyBuffered copies r to w through a pooled 256 KiB buffer.
func CopyBuffered(w io.Writer, r io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// ContextReader reads R until Ctx is done, then fails with Ctx's error: a
// long copy (a decompression, a read through an archive) stops soon after
// the work is cancelled.
type ContextReader struct {
	Ctx context.Context
	R   io.Reader
}

func (r ContextReader) Read(p []byte) (int, error) {
	if err := r.Ctx.Err(); err != nil {
		return 0, err
	}
	return r.R.Read(p)
}
