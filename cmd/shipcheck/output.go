package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// outputSpec is one --output FORMAT[=FILE]; File "" is standard output.
type outputSpec struct {
	Format string
	File   string
}

// encoder writes one report of type R in one format.
type encoder[R any] struct {
	name string
	help string
	enc  func(w io.Writer, r R) error
}

func formatNames[R any](encs []encoder[R]) []string {
	names := make([]string, len(encs))
	for i, e := range encs {
		names[i] = e.name
	}
	return names
}

// parseOutputs reads --output values against the formats a command offers.
// No value means the default format on standard output.
func parseOutputs[R any](values []string, encs []encoder[R], def string) ([]outputSpec, error) {
	if len(values) == 0 {
		return []outputSpec{{Format: def}}, nil
	}
	var out []outputSpec
	stdout := 0
	for _, v := range values {
		format, file, hasFile := strings.Cut(v, "=")
		if hasFile && file == "" {
			return nil, fmt.Errorf("--output %s: no file after '='", v)
		}
		found := false
		for _, e := range encs {
			found = found || e.name == format
		}
		if !found {
			return nil, fmt.Errorf("--output: unknown format %q (one of %s)", format, strings.Join(formatNames(encs), ", "))
		}
		if file == "" {
			stdout++
		}
		out = append(out, outputSpec{Format: format, File: file})
	}
	if stdout > 1 {
		return nil, fmt.Errorf("--output: only one format can go to standard output; give the others a file (FORMAT=FILE)")
	}
	return out, nil
}

// writeOutputs encodes r once per spec: to stdout, or to a file written
// atomically (a temporary file in the same folder, renamed into place), so a
// reader never sees half a report.
func writeOutputs[R any](specs []outputSpec, encs []encoder[R], r R, stdout io.Writer) error {
	for _, s := range specs {
		var enc encoder[R]
		for _, e := range encs {
			if e.name == s.Format {
				enc = e
			}
		}
		if s.File == "" {
			if err := enc.enc(stdout, r); err != nil {
				return fmt.Errorf("write %s: %w", s.Format, err)
			}
			continue
		}
		if err := writeFileAtomic(s.File, func(w io.Writer) error { return enc.enc(w, r) }); err != nil {
			return fmt.Errorf("write %s to %s: %w", s.Format, s.File, err)
		}
	}
	return nil
}

// writeJSON writes v indented, with <, > and & as they are.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeFileAtomic writes a report to name. A regular file (or a new one) is
// written atomically: a temporary file in the same folder, renamed into
// place. A symbolic link is followed, and its target replaced, so the link
// stays. Anything else that exists (/dev/null, /dev/stdout, a named pipe)
// is written to as it is, never replaced.
func writeFileAtomic(name string, write func(io.Writer) error) error {
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
