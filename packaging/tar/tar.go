// Package tar reads uncompressed tar archives (a plain tar, an image layer
// once decompressed, a `docker save` or OCI layout tarball) into an
// archive.Index whose entries are read in place: each regular file is a
// section of the archive.
package tar

import (
	stdtar "archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// Match reports whether head, the first 512 bytes of a file, is a tar
// header: the ustar magic, or an old-style header whose checksum holds.
func Match(head []byte) bool {
	if len(head) < 512 {
		return false
	}
	if bytes.Equal(head[257:262], []byte("ustar")) {
		return true
	}
	return checksumOK(head[:512])
}

// Damaged reports whether head, the first bytes of a file that Match
// refused, is still a tar header in form (a checksum field of octal digits,
// a name of printable text, a type flag tar knows) whose checksum does not
// hold: a tar damaged in its first header rather than another kind of file.
func Damaged(head []byte) bool {
	if len(head) < 512 || head[0] == 0 {
		return false
	}
	field := strings.Trim(string(head[148:156]), " \x00")
	if len(field) < 6 || strings.Trim(field, "01234567") != "" {
		return false
	}
	name, _, _ := bytes.Cut(head[:100], []byte{0})
	for _, c := range name {
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return bytes.IndexByte([]byte("\x000123456789xgLKSAD"), head[156]) >= 0
}

func checksumOK(h []byte) bool {
	field := strings.Trim(string(h[148:156]), " \x00")
	if field == "" {
		return false
	}
	var want int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	var sum int64
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want && h[0] != 0
}

// Options tune Open.
type Options struct {
	// Hash, when set, sees every byte of the archive in order (the archive
	// is then read through rather than skipped over): used to check a
	// layer's digests in the same pass that indexes it.
	Hash io.Writer
}

// Open indexes the tar in r[0:size]. It returns an error when not even the
// first header can be read; a truncated or corrupt tail, refused names and
// passed limits are recorded in the index's Problems, with the entries read
// before them kept.
func Open(r io.ReaderAt, size int64, b *archive.Budget, opt Options) (*archive.Index, error) {
	if size == 0 {
		return nil, archive.ErrEmpty
	}
	seq := &seqReader{r: r, size: size, buf: make([]byte, 256<<10)}
	var src io.Reader = seq
	if opt.Hash != nil {
		src = io.TeeReader(seq, opt.Hash)
	}
	tr := stdtar.NewReader(src)
	x := &archive.Index{}
	// end is where the last entry's data (and padding) ends, -1 where that
	// is not known (a sparse entry).
	var end int64
	for {
		start := seq.Pos()
		hdr, err := tr.Next()
		if err == io.EOF {
			if !ended(r, seq.Pos(), end) {
				x.Problems = append(x.Problems, archive.Problem{Err: fmt.Errorf("%w (after %d entries, at offset %d); %s", ErrNoEnd, len(x.Entries), seq.Pos(), fixTar)})
			}
			break
		}
		if err != nil {
			if len(x.Entries) == 0 && len(x.Problems) == 0 {
				return nil, fmt.Errorf("%w: %v", archive.ErrCorrupt, err)
			}
			x.Problems = append(x.Problems, archive.Problem{Err: fmt.Errorf("%w: %v after %d entries", archive.ErrCorrupt, err, len(x.Entries))})
			break
		}
		end = -1
		if !sparse(hdr) {
			end = seq.Pos() + (hdr.Size+511)/512*512
		}
		e, prob, ok := entry(hdr)
		if prob != nil {
			x.Problems = append(x.Problems, *prob)
		}
		if !ok {
			continue
		}
		if err := b.Add(e.Size, -1); err != nil {
			x.Problems = append(x.Problems, archive.Problem{Entry: e.Name, Err: err})
			break
		}
		if e.Type == archive.TypeFile {
			if sparse(hdr) {
				e.Content = &stream{r: r, start: start, size: size - start}
			} else {
				e.Content = &section{r: r, off: seq.Pos(), n: hdr.Size}
			}
		}
		x.Entries = append(x.Entries, e)
	}
	if opt.Hash != nil {
		// The hash must see the whole archive, trailing blocks included.
		if _, err := io.Copy(io.Discard, src); err != nil {
			x.Problems = append(x.Problems, archive.Problem{Err: fmt.Errorf("%w: %v", archive.ErrCorrupt, err)})
		}
	}
	return x, nil
}

// ErrNoEnd matches a tar that stops without its end-of-archive marker (two
// blocks of zeros), where the next entry's header would be: what was read
// may be all there is, or the file was cut short at an entry's end. It
// matches archive.ErrCorrupt too.
var ErrNoEnd = fmt.Errorf("%w: the tar ends without its end-of-archive marker (two blocks of zeros): it may be cut short at an entry's end", archive.ErrCorrupt)

// fixTar is what a user does about a damaged tar.
const fixTar = "make or download the tar again"

// ended reports whether the two zero blocks that end a tar were read just
// before pos; end is where the last entry ended (-1 if not known: then the
// 1 KiB before pos must be zeros).
func ended(r io.ReaderAt, pos, end int64) bool {
	if end >= 0 {
		return pos-end >= 1024
	}
	if pos < 1024 {
		return false
	}
	b := make([]byte, 1024)
	if n, _ := r.ReadAt(b, pos-1024); n != len(b) {
		return false
	}
	return !slices.ContainsFunc(b, func(c byte) bool { return c != 0 })
}

func entry(hdr *stdtar.Header) (archive.Entry, *archive.Problem, bool) {
	raw := hdr.Name
	display := raw
	renamed := false
	if !utf8.ValidString(raw) {
		display = archive.DecodeLatin1(raw)
		renamed = true
	}
	if strings.Trim(display, "./") == "" && display != "" && !strings.Contains(display, "..") {
		return archive.Entry{}, nil, false // the root itself: "/", "./", "."
	}
	name, isDir, rewritten, err := archive.CleanName(display)
	if err != nil {
		return archive.Entry{}, &archive.Problem{Entry: display, Err: err}, false
	}
	var prob *archive.Problem
	if renamed || rewritten {
		prob = &archive.Problem{Entry: display, Err: fmt.Errorf("%w (read as %q)", archive.ErrRenamed, name)}
	}
	e := archive.Entry{Name: name, Size: hdr.Size, Mode: hdr.FileInfo().Mode(), ModTime: hdr.ModTime}
	if name != raw {
		e.Raw = display
	}
	switch hdr.Typeflag {
	case stdtar.TypeReg, stdtar.TypeGNUSparse, stdtar.TypeCont:
		e.Type = archive.TypeFile
		if isDir {
			e.Type, e.Size = archive.TypeDir, 0
		}
	case stdtar.TypeDir:
		e.Type, e.Size = archive.TypeDir, 0
	case stdtar.TypeSymlink:
		e.Type, e.Link, e.Size = archive.TypeSymlink, hdr.Linkname, int64(len(hdr.Linkname))
	case stdtar.TypeLink:
		e.Type, e.Link, e.Size = archive.TypeHardlink, hdr.Linkname, 0
	case stdtar.TypeChar:
		e.Type, e.Size = archive.TypeCharDevice, 0
	case stdtar.TypeBlock:
		e.Type, e.Size = archive.TypeBlockDevice, 0
	case stdtar.TypeFifo:
		e.Type, e.Size = archive.TypeFIFO, 0
	case stdtar.TypeXGlobalHeader:
		return archive.Entry{}, prob, false
	default:
		e.Type = archive.TypeOther
	}
	return e, prob, true
}

func sparse(hdr *stdtar.Header) bool {
	if hdr.Typeflag == stdtar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// section is a regular file stored contiguously in the archive.
type section struct {
	r      io.ReaderAt
	off, n int64
}

func (s *section) Open() (io.ReadCloser, error) {
	return archive.NewSectionReadCloser(s.Section()), nil
}

func (s *section) Section() *io.SectionReader { return io.NewSectionReader(s.r, s.off, s.n) }

// stream reads an entry that is not stored contiguously (a sparse file) by
// reading the archive again from the entry's first header.
type stream struct {
	r     io.ReaderAt
	start int64
	size  int64
}

func (s *stream) Open() (io.ReadCloser, error) {
	tr := stdtar.NewReader(io.NewSectionReader(s.r, s.start, s.size))
	if _, err := tr.Next(); err != nil {
		return nil, fmt.Errorf("%w: %v", archive.ErrUnreadable, err)
	}
	return io.NopCloser(tr), nil
}

// seqReader reads an io.ReaderAt in order through a buffer, and seeks (so
// that archive/tar skips file data without reading it) when no hash needs to
// see every byte.
type seqReader struct {
	r        io.ReaderAt
	size     int64
	off      int64 // archive offset of buf[0]
	buf      []byte
	pos, end int
}

// Pos returns the archive offset of the next byte Read returns.
func (s *seqReader) Pos() int64 { return s.off + int64(s.pos) }

func (s *seqReader) Read(p []byte) (int, error) {
	if s.pos == s.end {
		s.off += int64(s.end)
		s.pos, s.end = 0, 0
		if s.off >= s.size {
			return 0, io.EOF
		}
		if len(p) >= len(s.buf) {
			// Large reads bypass the buffer.
			n, err := s.r.ReadAt(p[:min(int64(len(p)), s.size-s.off)], s.off)
			s.off += int64(n)
			if err == io.EOF && n > 0 {
				err = nil
			}
			return n, err
		}
		n, err := s.r.ReadAt(s.buf[:min(int64(len(s.buf)), s.size-s.off)], s.off)
		if n == 0 {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		s.end = n
	}
	n := copy(p, s.buf[s.pos:s.end])
	s.pos += n
	return n, nil
}

// Seek supports the relative seeks archive/tar makes to skip data.
func (s *seqReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = s.Pos() + offset
	case io.SeekEnd:
		abs = s.size + offset
	default:
		return 0, errors.New("seek: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("seek: negative position")
	}
	if abs >= s.off && abs <= s.off+int64(s.end) {
		s.pos = int(abs - s.off)
		return abs, nil
	}
	s.off, s.pos, s.end = abs, 0, 0
	return abs, nil
}
