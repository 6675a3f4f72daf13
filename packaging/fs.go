package packaging

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// maxHops bounds the symlinks followed while resolving one name, as Linux
// does (ELOOP after 40).
const maxHops = 40

var (
	_ fs.FS         = (*View)(nil)
	_ fs.ReadDirFS  = (*View)(nil)
	_ fs.StatFS     = (*View)(nil)
	_ fs.ReadLinkFS = (*View)(nil)
)

// resolve finds the node named name. Symlinks are followed inside the view
// only: an absolute target is read from the view's root (the runtime's "/"),
// a relative one from the link's folder; a target that climbs above the root,
// an absolute target in a nested archive (it has no root of its own), and a
// loop are errors matching archive.ErrLinkOutside and archive.ErrLinkLoop.
// followLast says whether a link in the last element is followed.
func (v *View) resolve(op, name string, followLast bool) (*node, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	hops := 0
	rest := name
	if name == "." {
		rest = ""
	}
	n := v.t.root
	for rest != "" {
		var elem string
		elem, rest, _ = strings.Cut(rest, "/")
		if n.typ != archive.TypeDir {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		k := n.kids[elem]
		if k == nil {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		if k.typ != archive.TypeSymlink || (rest == "" && !followLast) {
			n = k
			continue
		}
		hops++
		if hops > maxHops {
			return nil, &fs.PathError{Op: op, Path: name, Err: archive.ErrLinkLoop}
		}
		target, err := v.linkTarget(k)
		if err != nil {
			return nil, &fs.PathError{Op: op, Path: name, Err: err}
		}
		if rest != "" {
			target = joinPath(target, rest)
		}
		n, rest = v.t.root, target
	}
	return n, nil
}

// linkTarget returns the fs path a symlink node points to.
func (v *View) linkTarget(k *node) (string, error) {
	link := k.e.Link
	var p string
	if strings.HasPrefix(link, "/") {
		if v.prefix != "" {
			return "", archive.ErrLinkOutside
		}
		p = path.Clean(link)[1:]
	} else {
		p = path.Join(path.Dir(k.path()), link)
		if p == ".." || strings.HasPrefix(p, "../") {
			return "", archive.ErrLinkOutside
		}
		if p == "." {
			p = ""
		}
	}
	return p, nil
}

// Open opens the named file, following symlinks inside the view. The file
// implements io.ReaderAt and io.Seeker; a folder implements fs.ReadDirFile.
func (v *View) Open(name string) (fs.File, error) {
	n, err := v.resolve("open", name, true)
	if err != nil {
		return nil, err
	}
	switch {
	case n.typ == archive.TypeDir:
		return &openDir{n: n, name: name}, nil
	case n.typ != archive.TypeFile || n.content == nil:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%s: %w", n.typ, archive.ErrUnreadable)}
	}
	return &openFile{n: n, name: name, sh: v.sh}, nil
}

// Stat returns the named file's information, following symlinks.
func (v *View) Stat(name string) (fs.FileInfo, error) {
	n, err := v.resolve("stat", name, true)
	if err != nil {
		return nil, err
	}
	return info{n}, nil
}

// Lstat returns the named file's information without following a symlink in
// the last element.
func (v *View) Lstat(name string) (fs.FileInfo, error) {
	n, err := v.resolve("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return info{n}, nil
}

// ReadLink returns a symlink's target as stored.
func (v *View) ReadLink(name string) (string, error) {
	n, err := v.resolve("readlink", name, false)
	if err != nil {
		return "", err
	}
	if n.typ != archive.TypeSymlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return n.e.Link, nil
}

// ReadDir lists a folder, sorted by name.
func (v *View) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := v.resolve("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if n.typ != archive.TypeDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	kids := n.sortedKids()
	out := make([]fs.DirEntry, len(kids))
	for i, k := range kids {
		out[i] = fs.FileInfoToDirEntry(info{k})
	}
	return out, nil
}

// info is a node's fs.FileInfo. Sys returns nil.
type info struct{ n *node }

func (i info) Name() string {
	if i.n.parent == nil {
		return "."
	}
	return i.n.name
}
func (i info) Size() int64        { return i.n.size }
func (i info) Mode() fs.FileMode  { return i.n.mode() }
func (i info) ModTime() time.Time { return i.n.modTime() }
func (i info) IsDir() bool        { return i.n.typ == archive.TypeDir }
func (i info) Sys() any           { return nil }

type openDir struct {
	n    *node
	name string
	kids []*node
	read bool
	off  int
}

func (d *openDir) Stat() (fs.FileInfo, error) { return info{d.n}, nil }
func (d *openDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *openDir) Close() error { return nil }

func (d *openDir) ReadDir(count int) ([]fs.DirEntry, error) {
	if !d.read {
		d.kids, d.read = d.n.sortedKids(), true
	}
	left := len(d.kids) - d.off
	if count > 0 && left == 0 {
		return nil, io.EOF
	}
	if count > 0 && count < left {
		left = count
	}
	out := make([]fs.DirEntry, left)
	for i := range out {
		out[i] = fs.FileInfoToDirEntry(info{d.kids[d.off+i]})
	}
	d.off += left
	return out, nil
}

// openFile reads a file as a stream; the first ReadAt or Seek switches to
// random access, from the archive's own section when the file is stored
// uncompressed, else from a copy in memory or the temporary folder.
type openFile struct {
	n    *node
	name string
	sh   *shared

	mu     sync.Mutex
	rc     io.ReadCloser // sequential stream, until random access is needed
	ra     *io.SectionReader
	blob   *archive.Blob
	off    int64
	closed bool
	// buf holds bytes from bufOff on, so that small reads of a file read in
	// place do not each cost a system call.
	buf    []byte
	bufOff int64
}

func (f *openFile) Stat() (fs.FileInfo, error) { return info{f.n}, nil }

func (f *openFile) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, fs.ErrClosed
	}
	if f.ra == nil && f.rc == nil && f.off == 0 {
		if s, ok := f.n.content.(archive.Sectioner); ok && s.Section() != nil {
			f.ra = s.Section()
		} else {
			rc, err := f.n.content.Open()
			if err != nil {
				return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
			}
			f.rc = rc
		}
	}
	if f.ra == nil && f.rc == nil {
		if err := f.random(); err != nil {
			return 0, err
		}
	}
	var n int
	var err error
	switch {
	case f.rc != nil:
		n, err = f.rc.Read(p)
	case len(p) < 4096:
		n, err = f.readBuffered(p)
	default:
		n, err = f.ra.ReadAt(p, f.off)
		if err == io.EOF && n > 0 {
			err = nil
		} else if err == nil && n < len(p) {
			err = io.EOF
		}
	}
	f.off += int64(n)
	return n, err
}

func (f *openFile) readBuffered(p []byte) (int, error) {
	if f.off < f.bufOff || f.off >= f.bufOff+int64(len(f.buf)) {
		if f.buf == nil {
			f.buf = make([]byte, 0, 32<<10)
		}
		n, err := f.ra.ReadAt(f.buf[:cap(f.buf)], f.off)
		if n == 0 {
			if err == nil {
				err = io.EOF
			}
			return 0, err
		}
		f.buf, f.bufOff = f.buf[:n], f.off
	}
	return copy(p, f.buf[f.off-f.bufOff:]), nil
}

// random switches to random access.
func (f *openFile) random() error {
	if f.ra != nil {
		return nil
	}
	if s, ok := f.n.content.(archive.Sectioner); ok {
		if sec := s.Section(); sec != nil {
			f.ra = sec
			return f.dropStream()
		}
	}
	rc, err := f.n.content.Open()
	if err != nil {
		return &fs.PathError{Op: "read", Path: f.name, Err: err}
	}
	defer rc.Close()
	blob, err := archive.Spill(rc, f.n.size, f.sh.temp)
	if err != nil {
		return &fs.PathError{Op: "read", Path: f.name, Err: err}
	}
	f.blob, f.ra = blob, io.NewSectionReader(blob, 0, blob.Size())
	return f.dropStream()
}

func (f *openFile) dropStream() error {
	if f.rc != nil {
		f.rc.Close()
		f.rc = nil
	}
	return nil
}

func (f *openFile) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, fs.ErrClosed
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "readat", Path: f.name, Err: fs.ErrInvalid}
	}
	if err := f.random(); err != nil {
		return 0, err
	}
	return f.ra.ReadAt(p, off)
}

func (f *openFile) Seek(offset int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, fs.ErrClosed
	}
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = f.off + offset
	case io.SeekEnd:
		abs = f.n.size + offset
	default:
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	if abs < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	if abs != f.off {
		if err := f.random(); err != nil {
			return 0, err
		}
	}
	f.off = abs
	return abs, nil
}

func (f *openFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return fs.ErrClosed
	}
	f.closed = true
	f.dropStream()
	if f.blob != nil {
		return f.blob.Close()
	}
	return nil
}
