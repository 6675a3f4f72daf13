// Package archive defines what every archive format of the artifact view
// yields: a flat index of validated entries in archive order, the problems met
// while reading it, and the limits that bound the work.
//
// Format packages (zip, tar, dir, image) produce an [Index]; package packaging
// merges indexes into the runtime view. Nothing here extracts to disk: content
// is read from the archive itself, from memory, or from a spill file in a
// private temporary folder ([Temp]).
package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
	"unicode/utf8"
)

// Type is the kind of an entry.
type Type uint8

const (
	TypeFile Type = iota
	TypeDir
	TypeSymlink
	TypeHardlink
	TypeCharDevice
	TypeBlockDevice
	TypeFIFO
	TypeSocket
	TypeOther
)

var typeNames = [...]string{
	TypeFile:        "file",
	TypeDir:         "dir",
	TypeSymlink:     "symlink",
	TypeHardlink:    "hardlink",
	TypeCharDevice:  "char-device",
	TypeBlockDevice: "block-device",
	TypeFIFO:        "fifo",
	TypeSocket:      "socket",
	TypeOther:       "other",
}

// String returns the name used in every output: file, dir, symlink, hardlink,
// char-device, block-device, fifo, socket or other.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "other"
}

// Readable reports whether entries of this type have content to read.
func (t Type) Readable() bool { return t == TypeFile }

// Content opens an entry's bytes. Open may be called any number of times and
// from several goroutines; each call returns an independent reader that the
// caller closes.
type Content interface {
	Open() (io.ReadCloser, error)
}

// Sectioner is implemented by content stored uncompressed and contiguously in
// a random-access source (a stored zip entry, a tar entry, a spill file): the
// section gives random access without reading the entry into memory.
type Sectioner interface {
	Section() *io.SectionReader
}

// Entry is one member of an archive.
type Entry struct {
	// Name is the cleaned, slash-separated path inside the archive; it always
	// satisfies fs.ValidPath.
	Name string
	// Raw is the name as the archive stores it, set only when it differs from
	// Name (decoded from CP437, separators converted), for messages.
	Raw     string
	Type    Type
	Size    int64
	Mode    fs.FileMode
	ModTime time.Time
	// Link is the target of a symlink or hardlink, as stored.
	Link string
	// Content reads a regular file's bytes; nil for other types and for
	// files whose content cannot be read (the reason is in Index.Problems).
	Content Content
}

// Index is the result of reading one archive's directory.
type Index struct {
	Entries []Entry
	// Problems met while indexing: refused entries, limits, corruption.
	Problems []Problem
	// Closer releases what the index holds open (spill files); may be nil.
	Closer io.Closer
}

// Close releases the index's resources.
func (x *Index) Close() error {
	if x == nil || x.Closer == nil {
		return nil
	}
	return x.Closer.Close()
}

// Problem is a condition met while reading an archive. Entry names the
// member concerned ("" for the archive as a whole).
type Problem struct {
	Entry string
	Err   error
}

// Partial reports whether the problem means some content could not be read,
// so that a scan is incomplete (exit 2 unless partial results are allowed).
// Notes (links not followed, duplicates, renamed entries, special files) are
// not partial.
func (p Problem) Partial() bool { return IsPartial(p.Err) }

func (p Problem) Error() string {
	if p.Entry == "" {
		return p.Err.Error()
	}
	return fmt.Sprintf("%s: %v", Printable(p.Entry), p.Err)
}

// Sentinel errors. Callers branch on them with errors.Is; a *LimitError
// matches ErrLimit.
var (
	// Conditions that leave content unread (partial).
	ErrInsecurePath = errors.New("entry name escapes the archive (absolute or with ..); refused")
	ErrLimit        = errors.New("limit passed")
	ErrCorrupt      = errors.New("corrupt or truncated archive")
	ErrEncrypted    = errors.New("encrypted entry; cannot be read")
	ErrUnsupported  = errors.New("unsupported compression method")
	ErrNotArchive   = errors.New("not a recognised archive, image or directory")
	ErrEmpty        = errors.New("empty file")
	ErrMissingBlob  = errors.New("image blob is missing")
	ErrDigest       = errors.New("digest does not match")
	ErrUnreadable   = errors.New("content could not be read")
	ErrInvalidImage = errors.New("invalid image layout")
	ErrNotSupported = errors.New("not supported")
	ErrBadEntryName = errors.New("entry name is empty or holds a NUL byte; refused")
	ErrLinkTooLong  = errors.New("link target too long; not read")
	// ErrLinkNotPath: a symlink entry whose target is not a short path
	// (too long, or with control characters): its content is read as a
	// file, so that the secret scan sees it and no output prints it.
	ErrLinkNotPath  = errors.New("symlink entry whose target is not a path; read as a file")
	ErrUnknownEntry = errors.New("unknown entry type; not read")

	// Notes: the view is complete, but a user should know.
	ErrLinkOutside  = errors.New("link points outside the view; not followed")
	ErrLinkLoop     = errors.New("link loop; not followed")
	ErrLinkDangling = errors.New("link target is not in the view; not followed")
	ErrDuplicate    = errors.New("duplicate entry name; the last one wins")
	ErrRenamed      = errors.New("entry name was not UTF-8 or used backslashes; read as the runtime would")
	ErrSpecial      = errors.New("device, FIFO or socket; listed, not read")
	ErrConflict     = errors.New("entry replaces a file or directory of another type at the same path")
	// ErrUnparsable is for an analyser that could read a file but not make
	// sense of it (a package's metadata that does not parse): the file was
	// read, so nothing is missing from the view.
	ErrUnparsable = errors.New("file does not parse")
)

var notes = []error{ErrLinkOutside, ErrLinkLoop, ErrLinkDangling, ErrLinkNotPath, ErrDuplicate, ErrRenamed, ErrSpecial, ErrConflict, ErrUnparsable}

// IsPartial reports whether err means content was left unread. Every error
// that is not one of the note sentinels counts as partial: unknown failures
// fail closed.
func IsPartial(err error) bool {
	if err == nil {
		return false
	}
	for _, n := range notes {
		if errors.Is(err, n) {
			return false
		}
	}
	return true
}

// maxLinkPath is the longest target a symlink entry is taken to name.
const maxLinkPath = 1024

// LinkIsPath reports whether a symlink entry's target reads as a path: at
// most 1 KiB, valid UTF-8, no control characters. Anything else is data
// stored as a link (ErrLinkNotPath).
func LinkIsPath(target string) bool {
	if target == "" || len(target) > maxLinkPath || !utf8.ValidString(target) {
		return false
	}
	for _, r := range target {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
