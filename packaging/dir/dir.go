// Package dir reads a plain folder (an unpacked function, an OCI layout
// folder) into an archive.Index. Files are read through an os.Root, so that
// nothing outside the folder is ever read, even through a symlink or a
// folder swapped while it is read; symlinks are recorded with their targets
// and never followed here.
package dir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"unicode/utf8"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// Open indexes the folder at path. It returns an error when the folder
// cannot be opened, or ctx's error when ctx is done before the folder is
// indexed (checked between entries); unreadable subfolders are problems of
// the index.
func Open(ctx context.Context, path string, b *archive.Budget) (*archive.Index, error) {
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	h := &handles{root: root}
	x := &archive.Index{Closer: h}
	err = fs.WalkDir(root.FS(), ".", func(raw string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			x.Problems = append(x.Problems, archive.Problem{Entry: raw, Err: fmt.Errorf("%w: %v", archive.ErrUnreadable, err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if raw == "." {
			return nil
		}
		name := raw
		if !utf8.ValidString(raw) {
			name = archive.DecodeLatin1(raw)
			x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: fmt.Errorf("%w (read as %q)", archive.ErrRenamed, name)})
		}
		info, err := d.Info()
		if err != nil {
			x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: fmt.Errorf("%w: %v", archive.ErrUnreadable, err)})
			return nil
		}
		mode := info.Mode()
		e := archive.Entry{Name: name, Mode: mode, ModTime: info.ModTime()}
		if name != raw {
			e.Raw = raw
		}
		switch {
		case mode.IsDir():
			e.Type = archive.TypeDir
		case mode&fs.ModeSymlink != 0:
			e.Type = archive.TypeSymlink
			link, err := root.Readlink(raw)
			if err != nil {
				x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: fmt.Errorf("%w: %v", archive.ErrUnreadable, err)})
				return nil
			}
			e.Link, e.Size = link, int64(len(link))
		case mode&fs.ModeNamedPipe != 0:
			e.Type = archive.TypeFIFO
		case mode&fs.ModeCharDevice != 0:
			e.Type = archive.TypeCharDevice
		case mode&fs.ModeDevice != 0:
			e.Type = archive.TypeBlockDevice
		case mode&fs.ModeSocket != 0:
			e.Type = archive.TypeSocket
		case mode.IsRegular():
			e.Type, e.Size = archive.TypeFile, info.Size()
			e.Content = &content{h: h, name: raw, size: info.Size()}
		default:
			e.Type = archive.TypeOther
		}
		if err := b.Add(e.Size, -1); err != nil {
			x.Problems = append(x.Problems, archive.Problem{Entry: name, Err: err})
			return fs.SkipAll
		}
		x.Entries = append(x.Entries, e)
		return nil
	})
	if err != nil {
		h.Close()
		return nil, err
	}
	return x, nil
}

// handles keeps the root, and the files opened for random access, open until
// the index is closed.
type handles struct {
	root  *os.Root
	mu    sync.Mutex
	files []*os.File
}

func (h *handles) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, f := range h.files {
		errs = append(errs, f.Close())
	}
	h.files = nil
	errs = append(errs, h.root.Close())
	return errors.Join(errs...)
}

type content struct {
	h    *handles
	name string
	size int64

	once sync.Once
	sec  *io.SectionReader
}

func (c *content) Open() (io.ReadCloser, error) {
	f, err := c.h.root.Open(c.name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", archive.ErrUnreadable, err)
	}
	return f, nil
}

// Section opens the file once for random access; it stays open until the
// index is closed.
func (c *content) Section() *io.SectionReader {
	c.once.Do(func() {
		f, err := c.h.root.Open(c.name)
		if err != nil {
			return
		}
		c.h.mu.Lock()
		c.h.files = append(c.h.files, f)
		c.h.mu.Unlock()
		c.sec = io.NewSectionReader(f, 0, c.size)
	})
	return c.sec
}
