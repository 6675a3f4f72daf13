package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes a report to name. A regular file (or a new one) is
// written atomically: a temporary file in the same folder, renamed into
// place. A symbolic link is followed, and its target replaced, so the link
// stays. Anything else that exists (/dev/null, /dev/stdout, a named pipe)
// is written to as it is, never replaced.
func WriteFile(name string, write func(io.Writer) error) error {
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

// Writable checks that a report can be written at name: an existing
// regular file is opened for writing (and left as it is), a device or a
// named pipe is taken as it is, a new file's folder must exist and take a
// new file.
func Writable(name string) error {
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
