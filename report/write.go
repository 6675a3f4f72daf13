package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// WriteFile writes a report to name. A regular file (or a new one) is
// written atomically: a temporary file in the same folder, renamed into
// place. A symbolic link is followed, and its target replaced, so the link
// stays. Anything else that exists (/dev/null, /dev/stdout, a named pipe)
// is written to as it is, never replaced.
//
// A name that stands for one of the process's open files (/dev/stdout,
// /dev/stderr, /dev/fd/N, /proc/self/fd/N) is written to that file as it
// is open, at its offset, as a shell's redirection set it: a pipe, a
// terminal, or a file being appended to.
func WriteFile(name string, write func(io.Writer) error) error {
	if f := openFD(name); f != nil {
		return write(f)
	}
	if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return writeInPlace(name, write)
	}
	for hops := 0; ; hops++ {
		fi, err := os.Lstat(name)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			break
		}
		if hops == 40 {
			return fmt.Errorf("%s: too many levels of symbolic links", name)
		}
		target, err := os.Readlink(name)
		if err != nil {
			return err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(name), target)
		}
		name = target
	}
	if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("%s is a folder", name)
		}
		return writeInPlace(name, write)
	}
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	ok = true
	return nil
}

// writeInPlace writes to a file that is not a regular one (a device, a
// named pipe) as it is.
func writeInPlace(name string, write func(io.Writer) error) error {
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// openFD returns the process's open file a name stands for (/dev/stdout,
// /dev/stderr, /dev/fd/N, /proc/self/fd/N), or nil. Opening the name
// instead would not do: the target of /proc/self/fd/1 for a pipe is no
// path ("pipe:[123]"), and for a file it is opened anew at offset 0.
func openFD(name string) *os.File {
	fd, ok := fdOf(name)
	switch {
	case !ok:
		return nil
	case fd == 1:
		return os.Stdout
	case fd == 2:
		return os.Stderr
	}
	fdFiles.Lock()
	defer fdFiles.Unlock()
	if f := fdFiles.m[fd]; f != nil {
		return f
	}
	if !inherited[fd] {
		return nil // not given to this process: an error when written
	}
	// Kept for the life of the process: an *os.File closes its descriptor
	// when it is collected, and the descriptor is the caller's.
	f := os.NewFile(uintptr(fd), name)
	if fdFiles.m == nil {
		fdFiles.m = map[int]*os.File{}
	}
	fdFiles.m[fd] = f
	return f
}

// inherited are the descriptors above 2 that were open when the process
// started (a shell's 3>file, process substitution's /dev/fd/63): only
// those are the caller's to write to; any other is, or may become, one of
// shipcheck's own files.
var inherited = func() map[int]bool {
	m := map[int]bool{}
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		d, err := os.Open(dir)
		if err != nil {
			continue
		}
		names, _ := d.Readdirnames(-1)
		self := int(d.Fd())
		d.Close()
		for _, n := range names {
			if fd, err := strconv.Atoi(n); err == nil && fd > 2 && fd != self {
				m[fd] = true
			}
		}
		break
	}
	return m
}()

var fdFiles struct {
	sync.Mutex
	m map[int]*os.File
}

// fdOf returns the descriptor a name stands for: 1 for /dev/stdout, 2 for
// /dev/stderr, N for /dev/fd/N and /proc/self/fd/N.
func fdOf(name string) (int, bool) {
	name = filepath.Clean(name)
	switch name {
	case "/dev/stdout":
		return 1, true
	case "/dev/stderr":
		return 2, true
	}
	for _, dir := range []string{"/dev/fd/", "/proc/self/fd/"} {
		if n, ok := strings.CutPrefix(name, dir); ok {
			fd, err := strconv.Atoi(n)
			return fd, err == nil && fd >= 0
		}
	}
	return 0, false
}

// Writable checks that a report can be written at name: an existing
// regular file is opened for writing (and left as it is), a device or a
// named pipe is taken as it is, a new file's folder must exist and take a
// new file.
func Writable(name string) error {
	if fd, ok := fdOf(name); ok {
		if fd > 2 && !inherited[fd] {
			return fmt.Errorf("descriptor %d was not open when shipcheck started", fd)
		}
		return nil
	}
	if fi, err := os.Stat(name); err == nil {
		if fi.IsDir() {
			return errors.New("it is a folder")
		}
		if !fi.Mode().IsRegular() {
			// A device or a named pipe: opening a pipe would wait for its
			// reader, and hand it an empty stream.
			return nil
		}
		f, err := os.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return f.Close()
	}
	dir := filepath.Dir(name)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("no folder %s", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".check-")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
