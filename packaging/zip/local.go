package zip

import (
	stdzip "archive/zip"
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// A zip says everything about an entry twice: in its local header, before
// the entry's data, and in its record in the central directory at the end.
// archive/zip reads the directory and, of the local header, only the
// lengths that say where the data starts; a damaged or edited zip whose two
// copies disagree (another name, other sizes, data running past the end of
// the file) would then be read as whatever the directory says, without a
// word. checkLocal reads every local header and data descriptor and
// compares them with the directory.

// fixZip is what a user does about a zip whose structure is damaged.
const fixZip = "the zip is damaged or was changed after it was written: build it again, or download it again"

const (
	localSig      = 0x04034b50
	dirSig        = 0x02014b50
	endSig        = 0x06054b50
	end64Sig      = 0x06064b50
	loc64Sig      = 0x07064b50
	descriptorSig = 0x08074b50

	localLen = 30
	dirLen   = 46
	endLen   = 22
	loc64Len = 20
	end64Len = 56

	zip64ExtraID = 0x0001
)

// directory is where archive/zip found the zip's central directory.
type directory struct {
	base  int64 // where the zip proper starts (0 but for a prefixed zip)
	start int64 // offset of the central directory in the file
}

// findDirectory locates the central directory exactly as archive/zip does
// (the end record in the last 65 KiB, the zip64 end record, and the base
// offset of a zip with a prefix), so that the header offsets read from it
// mean what they meant to archive/zip.
func findDirectory(r io.ReaderAt, size int64) (directory, error) {
	var (
		buf    []byte
		endOff int64 = -1
	)
	for _, n := range []int64{1024, 65 * 1024} {
		n = min(n, size)
		buf = make([]byte, n)
		if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
			return directory{}, err
		}
		for i := len(buf) - endLen; i >= 0; i-- {
			if binary.LittleEndian.Uint32(buf[i:]) == endSig {
				buf, endOff = buf[i:], size-n+int64(i)
				break
			}
		}
		if endOff >= 0 || n == size {
			break
		}
	}
	if endOff < 0 || len(buf) < endLen {
		return directory{}, stdzip.ErrFormat
	}
	le := binary.LittleEndian
	records := uint64(le.Uint16(buf[10:]))
	dirSize := uint64(le.Uint32(buf[12:]))
	dirOff := uint64(le.Uint32(buf[16:]))
	if records == 0xffff || dirSize == 0xffff || dirOff == 0xffffffff {
		if p := endOff - loc64Len; p >= 0 {
			loc := make([]byte, loc64Len)
			if _, err := r.ReadAt(loc, p); err != nil {
				return directory{}, err
			}
			if le.Uint32(loc) == loc64Sig && le.Uint32(loc[4:]) == 0 && le.Uint32(loc[16:]) == 1 {
				endOff = int64(le.Uint64(loc[8:]))
				end := make([]byte, end64Len)
				if _, err := r.ReadAt(end, endOff); err != nil {
					return directory{}, err
				}
				if le.Uint32(end) != end64Sig {
					return directory{}, stdzip.ErrFormat
				}
				dirSize, dirOff = le.Uint64(end[40:]), le.Uint64(end[48:])
			}
		}
	}
	if dirSize > 1<<63-1 || dirOff > 1<<63-1 {
		return directory{}, stdzip.ErrFormat
	}
	base := endOff - int64(dirSize) - int64(dirOff)
	if o := base + int64(dirOff); o < 0 || o >= size {
		return directory{}, stdzip.ErrFormat
	}
	if base > 0 {
		// archive/zip's rule: a directory found where the end record's
		// offset says, counted from the start of the file, wins.
		head := make([]byte, 4)
		if n, _ := r.ReadAt(head, int64(dirOff)); n == 4 && le.Uint32(head) == dirSig {
			base = 0
		}
	}
	return directory{base: base, start: base + int64(dirOff)}, nil
}

// headerOffsets reads the local header offset of every directory record,
// in order, checking that the records are the ones archive/zip read.
func headerOffsets(r io.ReaderAt, size int64, d directory, files []*stdzip.File) ([]int64, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, d.start, size-d.start), 64<<10)
	le := binary.LittleEndian
	offs := make([]int64, len(files))
	var h [dirLen]byte
	var rest []byte
	for i, f := range files {
		if _, err := io.ReadFull(br, h[:]); err != nil || le.Uint32(h[:]) != dirSig {
			return nil, fmt.Errorf("directory record %d could not be read again", i+1)
		}
		nameLen, extraLen, commentLen := int(le.Uint16(h[28:])), int(le.Uint16(h[30:])), int(le.Uint16(h[32:]))
		rest = slices.Grow(rest[:0], nameLen+extraLen+commentLen)[:nameLen+extraLen+commentLen]
		if _, err := io.ReadFull(br, rest); err != nil {
			return nil, fmt.Errorf("directory record %d could not be read again", i+1)
		}
		if string(rest[:nameLen]) != f.Name {
			return nil, fmt.Errorf("directory record %d is not the one first read", i+1)
		}
		off := int64(le.Uint32(h[42:]))
		if off == 0xffffffff {
			// The zip64 extra field holds, in order, the fields that are
			// all ones: uncompressed size, compressed size, offset.
			if x, ok := extraField(rest[nameLen:nameLen+extraLen], zip64ExtraID); ok {
				skip := 0
				if le.Uint32(h[24:]) == 0xffffffff {
					skip += 8
				}
				if le.Uint32(h[20:]) == 0xffffffff {
					skip += 8
				}
				if len(x) >= skip+8 {
					off = int64(le.Uint64(x[skip:]))
				}
			}
		}
		offs[i] = off + d.base
	}
	return offs, nil
}

// extraField returns the data of the first extra field with the given id.
func extraField(extra []byte, id uint16) ([]byte, bool) {
	le := binary.LittleEndian
	for len(extra) >= 4 {
		tag, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		extra = extra[4:]
		if n > len(extra) {
			return nil, false
		}
		if tag == id {
			return extra[:n], true
		}
		extra = extra[n:]
	}
	return nil, false
}

// window serves small reads from one buffered stretch of the file: local
// headers are read in file order, and most lie close together.
type window struct {
	r    io.ReaderAt
	size int64
	off  int64
	buf  []byte
}

const windowSize = 4 << 10

// at returns n bytes at off, or fewer where the file ends. The bytes are
// valid until the next call.
func (w *window) at(off int64, n int) []byte {
	if off < 0 || off >= w.size || n <= 0 {
		return nil
	}
	n = int(min(int64(n), w.size-off))
	if off < w.off || off+int64(n) > w.off+int64(len(w.buf)) {
		want := max(n, windowSize)
		if cap(w.buf) < want {
			w.buf = make([]byte, want)
		}
		got, _ := w.r.ReadAt(w.buf[:min(int64(want), w.size-off)], off)
		w.off, w.buf = off, w.buf[:got]
		if got < n {
			return w.buf
		}
	}
	return w.buf[off-w.off : off-w.off+int64(n)]
}

// checkLocal compares the local header (and data descriptor) of each of
// files with its directory record. It returns, per file, where its data
// starts (-1 if the entry cannot be trusted) and the problems found: each
// disagreement is an ErrCorrupt problem of the entry, named by display.
func checkLocal(r io.ReaderAt, size int64, files []*stdzip.File, display func(int) string) ([]int64, []archive.Problem) {
	out := make([]int64, len(files))
	d, err := findDirectory(r, size)
	var offs []int64
	if err == nil {
		offs, err = headerOffsets(r, size, d, files)
	}
	if err != nil {
		for i := range out {
			out[i] = -1
		}
		return out, []archive.Problem{{Err: fmt.Errorf("%w: the central directory could not be read again to check the local headers against it: %v; %s", archive.ErrCorrupt, err, fixZip)}}
	}
	var probs []archive.Problem
	bad := func(i int, format string, args ...any) {
		probs = append(probs, archive.Problem{Entry: display(i), Err: fmt.Errorf("%w: "+format+"; %s", append(append([]any{archive.ErrCorrupt}, args...), fixZip)...)})
		out[i] = -1
	}
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpInt64(offs[a], offs[b]) })
	w := &window{r: r, size: size}
	le := binary.LittleEndian
	listed := slices.Clone(offs)
	slices.Sort(listed)
	// ends are where an entry's data (and descriptor) end: the next local
	// header, if the zip lists every entry it holds.
	ends := []int64{d.base}
	if d.base > 0 {
		ends = append(ends, 0)
	}
	for _, i := range order {
		f, off := files[i], offs[i]
		if off < 0 || off+localLen > size {
			bad(i, "its local header (at offset %d) is past the end of the file (%d bytes): the file is cut short", off, size)
			continue
		}
		h := w.at(off, localLen)
		if len(h) < localLen || le.Uint32(h) != localSig {
			bad(i, "no local header where the central directory says it is (offset %d)", off)
			continue
		}
		flags, method := le.Uint16(h[6:]), le.Uint16(h[8:])
		crc, csize, usize := le.Uint32(h[14:]), uint64(le.Uint32(h[18:])), uint64(le.Uint32(h[22:]))
		nameLen, extraLen := int(le.Uint16(h[26:])), int(le.Uint16(h[28:]))
		dataOff := off + localLen + int64(nameLen) + int64(extraLen)
		if dataOff > size {
			bad(i, "its local header runs past the end of the file (%d bytes): the file is cut short", size)
			continue
		}
		ne := w.at(off+localLen, nameLen+extraLen)
		if len(ne) < nameLen+extraLen {
			bad(i, "its local header could not be read")
			continue
		}
		name, extra := ne[:nameLen], ne[nameLen:]
		if string(name) != f.Name {
			bad(i, "the local header names %s, the central directory %s", quoteName(name), quoteName([]byte(f.Name)))
			continue
		}
		if method != f.Method {
			bad(i, "the local header says compression method %d, the central directory %d", method, f.Method)
			continue
		}
		if flags&0x1 != f.Flags&0x1 {
			bad(i, "the local header and the central directory disagree on whether the entry is encrypted")
			continue
		}
		if x, ok := extraField(extra, zip64ExtraID); ok {
			// Sizes all ones in the header are in the zip64 field:
			// uncompressed size first.
			if usize == 0xffffffff && len(x) >= 8 {
				usize, x = le.Uint64(x), x[8:]
			}
			if csize == 0xffffffff && len(x) >= 8 {
				csize = le.Uint64(x)
			}
		}
		dataEnd := dataOff + clamp(f.CompressedSize64)
		if f.CompressedSize64 > uint64(size) || dataEnd > size {
			bad(i, "its data (%d bytes from offset %d, as the central directory says) runs past the end of the file (%d bytes): the file is cut short or the size is wrong", f.CompressedSize64, dataOff, size)
			continue
		}
		if off < d.start && dataEnd > d.start {
			bad(i, "its data (%d bytes from offset %d, as the central directory says) runs into the central directory: the size is wrong", f.CompressedSize64, dataOff)
			continue
		}
		// With a data descriptor the header's fields may be zero, or all
		// ones for a zip64 entry written as a stream (they are in the
		// descriptor); a field that is given must agree.
		descriptor := flags&0x8 != 0
		given := func(v uint64) bool { return !descriptor || v != 0 && v != 0xffffffff }
		if given(uint64(crc)) && crc != f.CRC32 {
			bad(i, "the local header says CRC-32 %08x, the central directory %08x", crc, f.CRC32)
			continue
		}
		if given(csize) && csize != f.CompressedSize64 || given(usize) && usize != f.UncompressedSize64 {
			bad(i, "the local header says %d bytes (%d compressed), the central directory %d (%d compressed)", usize, csize, f.UncompressedSize64, f.CompressedSize64)
			continue
		}
		end := dataEnd
		if descriptor {
			n, ok := matchDescriptor(w.at(dataEnd, 24), f)
			if !ok {
				bad(i, "the data descriptor where its data ends (offset %d, after the central directory's %d compressed bytes) does not match the central directory's CRC-32 and sizes: a size is wrong", dataEnd, f.CompressedSize64)
				continue
			}
			end += int64(n)
		}
		out[i] = dataOff
		ends = append(ends, end)
	}
	// An entry the directory does not list is never read: data after one
	// listed entry (or at the start) that is a local header of its own
	// means records were lost or two zips were joined.
	slices.Sort(ends)
	ends = slices.Compact(ends)
	for _, e := range ends {
		if _, ok := slices.BinarySearch(listed, e); ok {
			continue
		}
		if h := w.at(e, 4); len(h) == 4 && le.Uint32(h) == localSig {
			probs = append(probs, archive.Problem{Err: fmt.Errorf("%w: an entry at offset %d is not listed in the central directory, and would never be read: records are missing, or the file is two zips joined or one cut short; %s", archive.ErrCorrupt, e, fixZip)})
		}
	}
	return out, probs
}

// matchDescriptor reports whether b, the bytes after an entry's data, start
// with a data descriptor matching the directory record (with or without its
// signature, with 4- or 8-byte sizes), and its length.
func matchDescriptor(b []byte, f *stdzip.File) (int, bool) {
	le := binary.LittleEndian
	try := func(b []byte, wide bool) bool {
		if wide {
			return len(b) >= 20 && le.Uint32(b) == f.CRC32 && le.Uint64(b[4:]) == f.CompressedSize64 && le.Uint64(b[12:]) == f.UncompressedSize64
		}
		return len(b) >= 12 && le.Uint32(b) == f.CRC32 && uint64(le.Uint32(b[4:])) == f.CompressedSize64 && uint64(le.Uint32(b[8:])) == f.UncompressedSize64
	}
	if len(b) >= 4 && le.Uint32(b) == descriptorSig {
		switch {
		case try(b[4:], false):
			return 16, true
		case try(b[4:], true):
			return 24, true
		}
	}
	switch {
	case try(b, false):
		return 12, true
	case try(b, true):
		return 20, true
	}
	return 0, false
}

// quoteName prints a name from a local header: quoted, and cut at 128
// bytes (it is bytes the artifact chose, printed only to point at the
// difference).
func quoteName(b []byte) string {
	const maxShown = 128
	if len(b) > maxShown {
		return fmt.Sprintf("%q... (%d bytes)", b[:maxShown], len(b))
	}
	return fmt.Sprintf("%q", b)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
