package packaging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// Origin says where a file comes from: the artifact file (or folder), the
// layer (a Lambda layer's file name, an image layer's digest; "" for the
// function itself) and the chain of archive entries down to the file.
type Origin struct {
	Artifact string   // base name of the artifact or layer file, or of the folder
	Dir      bool     // the artifact is a folder
	Layer    string   // Lambda layer file name or image layer digest; "" otherwise
	Chain    []string // entry names from the artifact down, one per archive level
}

// String prints the origin as a `!` chain: "fn.zip!lib/app.jar!META-INF/MANIFEST.MF",
// "image.tar!<id>/layer.tar!var/task/app.py", "iac/main.tf".
func (o Origin) String() string {
	var b strings.Builder
	b.WriteString(o.Artifact)
	for i, c := range o.Chain {
		if i == 0 && o.Dir {
			b.WriteByte('/')
		} else {
			b.WriteByte('!')
		}
		b.WriteString(c)
	}
	return b.String()
}

// originJSON is how an origin is written in JSON reports: its parts, and
// the chain as people read it (text, ignored when read back).
type originJSON struct {
	Artifact string   `json:"artifact"`
	Dir      bool     `json:"dir,omitempty"`
	Layer    string   `json:"layer,omitempty"`
	Chain    []string `json:"chain,omitempty"`
	Text     string   `json:"text"`
}

// MarshalJSON writes the origin's parts and its text.
func (o Origin) MarshalJSON() ([]byte, error) {
	return json.Marshal(originJSON{o.Artifact, o.Dir, o.Layer, o.Chain, o.String()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (o *Origin) UnmarshalJSON(b []byte) error {
	var j originJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*o = Origin{Artifact: j.Artifact, Dir: j.Dir, Layer: j.Layer, Chain: j.Chain}
	return nil
}

// Child returns the origin of entry name inside the archive o names.
func (o Origin) Child(name string) Origin {
	c := make([]string, len(o.Chain), len(o.Chain)+1)
	copy(c, o.Chain)
	o.Chain = append(c, name)
	return o
}

// Status says whether a file is part of what runs.
type Status uint8

const (
	// Visible files are in the runtime view.
	Visible Status = iota
	// Shadowed files are replaced by a later layer's (or a later duplicate
	// entry's) file at the same path: they ship, but do not run.
	Shadowed
	// Deleted files are removed by an image whiteout: they ship inside
	// their layer, but are absent from the running filesystem.
	Deleted
)

func (s Status) String() string {
	switch s {
	case Shadowed:
		return "shadowed"
	case Deleted:
		return "deleted"
	}
	return "visible"
}

// File is one entry of the view as the walk hands it out and as `files`
// lists it.
type File struct {
	// Path is where the runtime sees the file: "/var/task/index.js", and
	// inside a nested archive "/var/task/lib/app.jar!META-INF/MANIFEST.MF".
	Path    string
	Origin  Origin
	Type    archive.Type
	Size    int64
	Mode    fs.FileMode
	ModTime time.Time
	Link    string // symlink or hardlink target, as stored
	Status  Status
	// Depth is how many archives deep the file is inside the artifact (0
	// for the artifact's own entries).
	Depth int
	// Archive is set on a file the walk opened as a nested archive.
	Archive bool
	// Note says why a link, device or other entry is not read, if so.
	Note string
	// Source is the index in View.Sources of the artifact the file is in.
	Source int

	content archive.Content
	pre     atomic.Pointer[io.ReadCloser]
	sh      *shared
	failed  atomic.Bool
	fsys    *View // the view the file is in
	fsPath  string
	nested  *View // for an archive file: its view, during the callback

	headOnce sync.Once
	head     []byte

	raOnce  sync.Once
	ra      io.ReaderAt
	raReady atomic.Bool // ra is made: Open serves from it
	raBlob  *archive.Blob
	raErr   error

	// reads counts the times the content was read from the archive (a
	// compressed entry decompressed), for ReadStats.
	reads atomic.Int32
}

// Info returns the file's information as fs.FileInfo (its name is the
// path's last element).
func (f *File) Info() fs.FileInfo { return fileInfo{f} }

type fileInfo struct{ f *File }

func (i fileInfo) Name() string {
	p := i.f.Path
	if j := strings.LastIndexAny(p, "/!"); j >= 0 {
		p = p[j+1:]
	}
	return p
}
func (i fileInfo) Size() int64        { return i.f.Size }
func (i fileInfo) Mode() fs.FileMode  { return i.f.Mode }
func (i fileInfo) ModTime() time.Time { return i.f.ModTime }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }

// FS returns the filesystem the file is in and the file's name there: the
// view for the artifact's own files, the nested archive's own view for a
// file inside one ("META-INF/MANIFEST.MF" of a jar). Valid during the walk
// callback.
func (f *File) FS() (fs.FS, string) { return f.fsys, f.fsPath }

// ArchiveFS returns, for a file the walk opened as a nested archive, the
// archive's own view (a jar's entries), nil for other files. Valid during
// the walk callback.
func (f *File) ArchiveFS() fs.FS {
	if f.nested == nil {
		return nil
	}
	return f.nested
}

// headSize is how much of a file Head reads.
const headSize = 512

// Head returns the first bytes of the file (up to 512), read once: enough to
// recognise a format by its magic. For a compressed entry the stream is kept,
// so that Open carries on from there rather than decompressing again. Nil
// for a file that cannot be read (the failure is a problem of the view).
func (f *File) Head() []byte {
	f.headOnce.Do(func() {
		if f.content == nil || f.Size == 0 {
			return
		}
		buf := make([]byte, min(f.Size, headSize))
		if s, ok := f.content.(archive.Sectioner); ok {
			if sec := s.Section(); sec != nil {
				n, _ := sec.ReadAt(buf, 0)
				f.head = buf[:n]
				return
			}
		}
		rc, err := f.Open()
		if err != nil {
			return
		}
		n, err := io.ReadFull(rc, buf)
		if err != nil && err != io.ErrUnexpectedEOF {
			rc.Close()
			return
		}
		f.head = buf[:n]
		stream := io.ReadCloser(&prefixed{Reader: io.MultiReader(bytes.NewReader(f.head), rc), c: rc})
		f.pre.Store(&stream)
	})
	return f.head
}

// ReaderAt returns random access to the file's content. It is made once per
// file and shared by every caller: the archive's own bytes where the file is
// stored uncompressed, else one copy in memory or in the temporary folder.
// Valid during the walk callback.
func (f *File) ReaderAt() (io.ReaderAt, error) {
	f.raOnce.Do(func() {
		if f.content == nil {
			f.raErr = fmt.Errorf("open %s: %w", f.Origin, archive.ErrUnreadable)
			return
		}
		if s, ok := f.content.(archive.Sectioner); ok {
			if sec := s.Section(); sec != nil {
				f.ra = sec
				return
			}
		}
		rc, err := f.Open()
		if err != nil {
			f.raErr = err
			return
		}
		defer rc.Close()
		blob, err := archive.Spill(rc, f.Size, f.sh.temp)
		if err != nil {
			f.raErr = fmt.Errorf("read %s: %w", f.Origin, err)
			return
		}
		f.ra, f.raBlob = blob, blob
	})
	if f.raErr == nil {
		f.raReady.Store(true)
	}
	return f.ra, f.raErr
}

// RealPath writes the file's content to the view's private temporary
// folder, for a library that reads only from a path (the rpm database), and
// returns the path and a function that removes the copy.
func (f *File) RealPath() (string, func(), error) {
	rc, err := f.Open()
	if err != nil {
		return "", nil, err
	}
	defer rc.Close()
	tmp, err := f.sh.temp.CreateFile()
	if err != nil {
		return "", nil, err
	}
	remove := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, rc); err != nil {
		remove()
		return "", nil, fmt.Errorf("read %s: %w", f.Origin, err)
	}
	return tmp.Name(), remove, nil
}

// release frees what the walk callback may have made: the stream read
// ahead, and the copy made by ReaderAt.
func (f *File) release() {
	if f.sh != nil {
		f.sh.countReads(f)
	}
	if p := f.pre.Swap(nil); p != nil {
		(*p).Close()
	}
	if f.raBlob != nil {
		f.raBlob.Close()
	}
}

// Readable reports whether the file has content that Open can read.
func (f *File) Readable() bool { return f.content != nil }

// Open returns the file's content. It may be called more than once and from
// several goroutines; the caller closes each reader. A file inside a nested
// archive can be read until the walk has left that archive; other files
// until the view is closed.
//
// A read that fails (a corrupt entry, a checksum that does not match) is
// also recorded as a Problem of the view, once per file, so that no
// consumer can lose it.
func (f *File) Open() (io.ReadCloser, error) {
	if f.content == nil {
		return nil, fmt.Errorf("open %s: %w", f.Origin, archive.ErrUnreadable)
	}
	if p := f.pre.Swap(nil); p != nil {
		return &recording{rc: *p, f: f}, nil
	}
	if f.raReady.Load() {
		// One copy serves every reader.
		return archive.NewSectionReadCloser(io.NewSectionReader(f.ra, 0, f.Size)), nil
	}
	if s, ok := f.content.(archive.Sectioner); !ok || s.Section() == nil {
		f.reads.Add(1)
	}
	rc, err := f.content.Open()
	if err != nil {
		f.fail(err)
		return nil, fmt.Errorf("open %s: %w", f.Origin, err)
	}
	return &recording{rc: rc, f: f}, nil
}

// Report records a problem an analyser met with the file, such as
// metadata that does not parse (wrap archive.ErrUnparsable: a note, the
// scan goes on). An error that matches no note sentinel makes the results
// partial.
func (f *File) Report(err error) {
	if f.sh != nil {
		f.sh.add(Problem{Path: f.Path, Origin: f.Origin, Err: err})
	}
}

func (f *File) fail(err error) {
	if f.sh != nil && f.failed.CompareAndSwap(false, true) {
		f.sh.add(Problem{Path: f.Path, Origin: f.Origin, Err: fmt.Errorf("read: %w", err)})
	}
}

// recording passes reads through and records the first failure.
type recording struct {
	rc io.ReadCloser
	f  *File
}

func (r *recording) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && err != io.EOF {
		r.f.fail(err)
	}
	return n, err
}

// WriteTo keeps the large reads of the readers under it.
func (r *recording) WriteTo(w io.Writer) (int64, error) {
	var n int64
	var err error
	if wt, ok := r.rc.(io.WriterTo); ok {
		n, err = wt.WriteTo(w)
	} else {
		n, err = archive.CopyBuffered(w, r.rc)
	}
	if err != nil {
		r.f.fail(err)
	}
	return n, err
}

func (r *recording) Close() error { return r.rc.Close() }

// Problem is something the view met while reading the artifact: a refused
// entry, a passed limit, a corrupt nested archive (partial: content was left
// unread), or a note (a link not followed, a duplicate name).
type Problem struct {
	Path   string // runtime path, when the problem is about one file
	Origin Origin
	Err    error
}

// Partial reports whether content was left unread.
func (p Problem) Partial() bool { return archive.IsPartial(p.Err) }

// String prints the problem on one line, naming the artifact and the entry.
func (p Problem) String() string {
	return fmt.Sprintf("%s: %v", archive.Printable(p.Origin.String()), p.Err)
}
