package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Output is one requested output: a format, to a file or (File "") to
// standard output.
type Output struct {
	Format Format
	File   string // as the user gave it
}

// ParseOutputs reads FORMAT[=FILE] values (format names in any case) for a
// view of the given number of deployments, and checks, before any work,
// that every file can be written: a scan of a large image is not lost to a
// typo in a path. No value means def, to standard output.
func ParseOutputs(kind Kind, values []string, def string, deployments int) ([]Output, error) {
	if len(values) == 0 {
		values = []string{def}
	}
	var out []Output
	stdout := 0
	for _, v := range values {
		name, file, hasFile := strings.Cut(v, "=")
		if hasFile && file == "" {
			return nil, fmt.Errorf("--output %s: no file after '='", v)
		}
		f, err := Lookup(kind, name)
		if err != nil {
			return nil, fmt.Errorf("--output %s: %w", v, err)
		}
		switch {
		case file == "" && f.PerDeployment && deployments > 1:
			return nil, fmt.Errorf("--output %s: with several deployments, give a file (one is written per deployment)", f.Name)
		case file == "":
			stdout++
		default:
			if err := Writable(file); err != nil {
				return nil, fmt.Errorf("--output %s: cannot write %s: %w", v, file, err)
			}
		}
		out = append(out, Output{Format: f, File: file})
	}
	if stdout > 1 {
		return nil, errors.New("--output: only one format can go to standard output; give the others a file (FORMAT=FILE)")
	}
	return out, nil
}

// Write encodes the report once per output, to stdout or to its file
// (WriteFile); a per-deployment format of a report of several deployments
// is written once per deployment (bom.json becomes bom.<deployment>.json).
// opts gives each output's encoder options (a table on a terminal fits
// it).
func Write(r *Report, outs []Output, stdout io.Writer, opts func(file string) Options) error {
	for _, s := range outs {
		o := opts(s.File)
		if s.Format.PerDeployment && len(r.Deployments) > 1 {
			if s.File == "" {
				return fmt.Errorf("--output %s: with several deployments, give a file (one is written per deployment)", s.Format.Name)
			}
			for i, d := range r.Deployments {
				if err := writeOne(stdout, FileFor(s.File, d.Name), s.Format, r.One(i), o); err != nil {
					return err
				}
			}
			continue
		}
		if err := writeOne(stdout, s.File, s.Format, r, o); err != nil {
			return err
		}
	}
	return nil
}

func writeOne(stdout io.Writer, file string, f Format, r *Report, o Options) error {
	enc := func(w io.Writer) error { return f.Encode(w, r, o) }
	if file == "" {
		if err := enc(stdout); err != nil {
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
		return nil
	}
	if err := WriteFile(file, enc); err != nil {
		return fmt.Errorf("write %s to %s: %w", f.Name, file, err)
	}
	return nil
}
