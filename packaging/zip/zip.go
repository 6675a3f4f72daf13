// Package zip reads zip archives (Lambda and Azure zips, jar, war, ear,
// wheel, nupkg) into an archive.Index, reading entries from the archive
// itself: nothing is extracted.
//
// Entry names are validated (archive.CleanName), names without the UTF-8
// flag that are not UTF-8 are decoded as CP437, symlinks are recorded with
// their targets, and encrypted entries, unknown compression methods and
// passed limits are recorded as problems.
package zip

import (
	stdzip "archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"sync"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// Match reports whether head, the first bytes of a file, starts a zip: a
// local file header, or the end record of an empty zip.
func Match(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06"))
}

// Probe reports whether r holds a zip whose directory can be found behind
// an executable stub: a self-extracting archive (a Windows, Linux or macOS
// executable) or an executable jar or zipapp (a #! line). Any other prefix
// means the file is something else that holds a zip (a tar whose first
// header is damaged, with a jar among its members): reading that zip alone
// would pass the rest of the file off as read.
func Probe(r io.ReaderAt, size int64) bool {
	if _, err := stdzip.NewReader(r, size); err != nil && !errors.Is(err, stdzip.ErrInsecurePath) {
		return false
	}
	d, err := findDirectory(r, size)
	if err != nil {
		return false
	}
	if d.base == 0 {
		return true // a zip from the start, its first local header damaged: checked when opened
	}
	head := make([]byte, 4)
	n, _ := r.ReadAt(head, 0)
	return isStub(head[:n])
}

// isStub reports whether head starts an executable: PE ("MZ"), ELF,
// Mach-O (32 and 64 bits, either byte order, and universal), or a script.
func isStub(head []byte) bool {
	for _, magic := range []string{"MZ", "\x7fELF", "#!", "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe"} {
		if bytes.HasPrefix(head, []byte(magic)) {
			return true
		}
	}
	return false
}

// maxLink bounds the size of a symlink entry's target.
const maxLink = 4096

// Open indexes the zip held in r. It returns an error matching
// archive.ErrCorrupt when the zip's directory cannot be read at all; problems
// with single entries, and a passed limit (which stops the indexing), are in
// the index's Problems.
func Open(r io.ReaderAt, size int64, b *archive.Budget) (*archive.Index, error) {
	if size == 0 {
		return nil, archive.ErrEmpty
	}
	zr, err := stdzip.NewReader(r, size)
	if err != nil && !errors.Is(err, stdzip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %v", archive.ErrCorrupt, err)
	}
	zr.RegisterDecompressor(stdzip.Deflate, newFlateReader)
	zr.RegisterDecompressor(methodBzip2, func(r io.Reader) io.ReadCloser { return io.NopCloser(bzip2.NewReader(r)) })
	zr.RegisterDecompressor(methodZstd, newZstdReader)

	x := &archive.Index{Entries: make([]archive.Entry, 0, len(zr.File))}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if err := b.CheckRatio(clamp(total), size); err != nil {
		x.Problems = append(x.Problems, archive.Problem{Err: err})
		return x, nil
	}
	dataOffs, probs := checkLocal(r, size, zr.File, func(i int) string { return displayName(zr.File[i]) })
	x.Problems = append(x.Problems, probs...)
	for i, f := range zr.File {
		raw := f.Name
		display := displayName(f)
		renamed := display != raw
		name, isDir, rewritten, err := archive.CleanName(display)
		if err != nil {
			x.Problems = append(x.Problems, archive.Problem{Entry: display, Err: err})
			continue
		}
		if renamed || rewritten {
			x.Problems = append(x.Problems, archive.Problem{Entry: display, Err: fmt.Errorf("%w (read as %q)", archive.ErrRenamed, name)})
		}
		if name == "" {
			continue // the root itself ("./")
		}
		mode := f.Mode()
		e := archive.Entry{Name: name, Size: clamp(f.UncompressedSize64), Mode: mode, ModTime: f.Modified}
		if name != raw {
			e.Raw = display
		}
		switch {
		case isDir || mode.IsDir():
			e.Type = archive.TypeDir
			e.Size = 0
		case mode&fs.ModeSymlink != 0:
			e.Type = archive.TypeSymlink
		case mode&fs.ModeNamedPipe != 0:
			e.Type = archive.TypeFIFO
		case mode&fs.ModeDevice != 0 && mode&fs.ModeCharDevice != 0:
			e.Type = archive.TypeCharDevice
		case mode&fs.ModeDevice != 0:
			e.Type = archive.TypeBlockDevice
		case mode&fs.ModeSocket != 0:
			e.Type = archive.TypeSocket
		default:
			e.Type = archive.TypeFile
		}
		if err := b.Add(e.Size, clamp(f.CompressedSize64)); err != nil {
			x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: err})
			return x, nil
		}
		switch {
		case dataOffs[i] < 0:
			// Its headers disagree (a problem already): listed, not read.
		case e.Type != archive.TypeFile && e.Type != archive.TypeSymlink:
			if f.UncompressedSize64 > 0 {
				// A folder or a device holds no bytes; one that does was
				// damaged, and what it holds would go unread.
				x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: fmt.Errorf("%w: the entry is marked as a %s but holds %d bytes, which are not read; %s", archive.ErrCorrupt, e.Type, f.UncompressedSize64, fixZip)})
			}
		case f.Flags&0x1 != 0:
			x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: archive.ErrEncrypted})
		case !supported(f.Method):
			x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: fmt.Errorf("%w %d", archive.ErrUnsupported, f.Method)})
		case e.Type == archive.TypeSymlink:
			link, err := readLink(f)
			if errors.Is(err, archive.ErrLinkTooLong) || err == nil && !archive.LinkIsPath(link) {
				// Data stored as a link: read as the file it is.
				x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: archive.ErrLinkNotPath})
				e.Type, e.Content = archive.TypeFile, &content{f: f, r: r, off: dataOffs[i]}
				break
			}
			if err != nil {
				x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: err})
				continue
			}
			e.Link = link
			e.Size = int64(len(link))
		default:
			e.Content = &content{f: f, r: r, off: dataOffs[i]}
		}
		x.Entries = append(x.Entries, e)
	}
	return x, nil
}

// displayName is the entry's name as stored, decoded from CP437 when it is
// not UTF-8 and not flagged as such.
func displayName(f *stdzip.File) string {
	if f.NonUTF8 && !utf8.ValidString(f.Name) {
		return archive.DecodeCP437(f.Name)
	}
	return f.Name
}

func clamp(n uint64) int64 {
	if n > 1<<62 {
		return 1 << 62
	}
	return int64(n)
}

const (
	methodBzip2 = 12
	methodZstd  = 93
)

func supported(m uint16) bool {
	return m == stdzip.Store || m == stdzip.Deflate || m == methodBzip2 || m == methodZstd
}

func readLink(f *stdzip.File) (string, error) {
	if f.UncompressedSize64 > maxLink {
		return "", archive.ErrLinkTooLong
	}
	rc, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("%w: %v", archive.ErrUnreadable, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLink+1))
	if err != nil {
		return "", fmt.Errorf("%w: %v", archive.ErrUnreadable, err)
	}
	return string(b), nil
}

// content reads one zip entry from its data offset, found when its local
// header was checked; stored entries are read straight from the archive,
// deflated ones through a large buffer, and both are checked against the
// entry's size and CRC-32 as archive/zip does.
type content struct {
	f   *stdzip.File
	r   io.ReaderAt
	off int64

	crcOnce sync.Once
	crcOK   bool
}

func (c *content) Open() (io.ReadCloser, error) {
	raw := io.NewSectionReader(c.r, c.off, clamp(c.f.CompressedSize64))
	var (
		rc  io.ReadCloser
		err error
	)
	switch c.f.Method {
	case stdzip.Store:
		rc = io.NopCloser(raw)
	case stdzip.Deflate:
		rc = newFlateReader(raw)
	default:
		// bzip2 and zstd: rare; archive/zip's own path.
		rc, err = c.f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", archive.ErrUnreadable, err)
		}
		return rc, nil
	}
	return &checked{rc: rc, f: c.f, crc: crc32.NewIEEE()}, nil
}

// Section gives random access to a stored (uncompressed) entry, nil for a
// compressed one, or for a stored one whose bytes do not match the
// directory's CRC-32: its readers then go through Open, which fails with
// the checksum error (one flipped byte must not pass as another version).
// The CRC is computed once, on the first call.
func (c *content) Section() *io.SectionReader {
	if c.f.Method != stdzip.Store || c.f.CompressedSize64 != c.f.UncompressedSize64 {
		return nil
	}
	sec := io.NewSectionReader(c.r, c.off, clamp(c.f.UncompressedSize64))
	c.crcOnce.Do(func() {
		h := crc32.NewIEEE()
		n, err := io.Copy(h, io.NewSectionReader(c.r, c.off, clamp(c.f.UncompressedSize64)))
		c.crcOK = err == nil && uint64(n) == c.f.UncompressedSize64 && (c.f.CRC32 == 0 || h.Sum32() == c.f.CRC32)
	})
	if !c.crcOK {
		return nil
	}
	return sec
}

// checked fails a read that yields more or fewer bytes than the entry
// declares, or bytes whose CRC-32 differs from the directory's.
type checked struct {
	rc  io.ReadCloser
	f   *stdzip.File
	crc hash.Hash32
	n   uint64
	err error
}

func (c *checked) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.rc.Read(p)
	c.crc.Write(p[:n])
	c.n += uint64(n)
	if c.n > c.f.UncompressedSize64 {
		c.err = fmt.Errorf("%w: entry holds more than its declared %d bytes", archive.ErrCorrupt, c.f.UncompressedSize64)
		return 0, c.err
	}
	if err == io.EOF {
		switch {
		case c.n != c.f.UncompressedSize64:
			err = fmt.Errorf("%w: entry holds %d bytes, declares %d", archive.ErrCorrupt, c.n, c.f.UncompressedSize64)
		case c.f.CRC32 != 0 && c.crc.Sum32() != c.f.CRC32:
			err = fmt.Errorf("%w: checksum error", archive.ErrCorrupt)
		}
	} else if err != nil {
		err = fmt.Errorf("%w: %v", archive.ErrCorrupt, err)
	}
	c.err = err
	return n, err
}

func (c *checked) Close() error { return c.rc.Close() }

// WriteTo copies the entry to w in large reads (io.Copy would read 8 KiB at a
// time: for a stored entry, a system call each).
func (c *checked) WriteTo(w io.Writer) (int64, error) {
	return archive.CopyBuffered(w, c)
}

var (
	flatePool sync.Pool
	bufPool   = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}
)

// newFlateReader inflates with klauspost/compress through a 64 KiB buffer
// (archive/zip's decoder reads 4 KiB at a time: a system call each), pooling
// decoders and buffers.
func newFlateReader(r io.Reader) io.ReadCloser {
	br := bufPool.Get().(*bufio.Reader)
	br.Reset(r)
	fr, ok := flatePool.Get().(io.ReadCloser)
	if ok {
		fr.(flate.Resetter).Reset(br, nil)
	} else {
		fr = flate.NewReader(br)
	}
	return &pooled{rc: fr, pool: &flatePool, buf: br}
}

var zstdPool sync.Pool

func newZstdReader(r io.Reader) io.ReadCloser {
	d, ok := zstdPool.Get().(*zstd.Decoder)
	if ok {
		if err := d.Reset(r); err != nil {
			return io.NopCloser(errReader{err})
		}
	} else {
		var err error
		d, err = zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return io.NopCloser(errReader{err})
		}
	}
	return &pooled{rc: zstdCloser{d}, pool: &zstdPool, put: d}
}

type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Read(p []byte) (int, error) { return z.d.Read(p) }
func (z zstdCloser) Close() error               { return nil }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

var errClosed = errors.New("read after close")

type pooled struct {
	rc   io.ReadCloser
	pool *sync.Pool
	put  any
	buf  *bufio.Reader
}

func (p *pooled) Read(b []byte) (int, error) {
	if p.rc == nil {
		return 0, errClosed
	}
	return p.rc.Read(b)
}

func (p *pooled) Close() error {
	if p.rc == nil {
		return nil
	}
	err := p.rc.Close()
	if p.put != nil {
		p.pool.Put(p.put)
	} else {
		p.pool.Put(p.rc)
	}
	if p.buf != nil {
		p.buf.Reset(nil)
		bufPool.Put(p.buf)
		p.buf = nil
	}
	p.rc = nil
	return err
}
