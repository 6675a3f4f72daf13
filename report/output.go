package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/shipcheck/shipcheck/packaging"
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
	var out []Output
	err := parseOutputs(values, def, func(v, name, file string) error {
		f, err := Lookup(kind, name)
		if err != nil {
			return fmt.Errorf("--output %s: %w", v, err)
		}
		if file == "" && f.PerDeployment && deployments > 1 {
			return fmt.Errorf("--output %s: with several deployments, give a file (one is written per deployment)", f.Name)
		}
		out = append(out, Output{Format: f, File: file})
		return nil
	})
	return out, err
}

// ListingOutput is one requested output of the artifact view.
type ListingOutput struct {
	Format ListingFormat
	File   string
}

// ParseListingOutputs reads the artifact view's outputs as ParseOutputs
// reads a report's (default: a table on standard output).
func ParseListingOutputs(values []string) ([]ListingOutput, error) {
	var out []ListingOutput
	err := parseOutputs(values, "table", func(v, name, file string) error {
		for _, f := range ListingFormats {
			if strings.EqualFold(f.Name, name) {
				out = append(out, ListingOutput{Format: f, File: file})
				return nil
			}
		}
		return fmt.Errorf("--output %s: unknown format %q (one of table, json)", v, name)
	})
	return out, err
}

// WriteListing writes the listing to each output.
func WriteListing(l *packaging.Listing, outs []ListingOutput, stdout io.Writer) error {
	for _, o := range outs {
		enc := func(w io.Writer) error { return o.Format.Encode(w, l) }
		if o.File == "" {
			if err := enc(stdout); err != nil {
				return fmt.Errorf("write %s: %w", o.Format.Name, err)
			}
		} else if err := WriteFile(o.File, enc); err != nil {
			return fmt.Errorf("write %s to %s: %w", o.Format.Name, o.File, err)
		}
	}
	return nil
}

// parseOutputs splits each FORMAT[=FILE] value, has add look the format up
// and keep it, checks that each file can be written and that at most one
// output goes to standard output.
func parseOutputs(values []string, def string, add func(v, name, file string) error) error {
	if len(values) == 0 {
		values = []string{def}
	}
	stdout := 0
	for _, v := range values {
		name, file, hasFile := strings.Cut(v, "=")
		if hasFile && file == "" {
			return fmt.Errorf("--output %s: no file after '='", v)
		}
		if err := add(v, name, file); err != nil {
			return err
		}
		if file == "" {
			stdout++
		} else if err := Writable(file); err != nil {
			return fmt.Errorf("--output %s: cannot write %s: %w", v, file, err)
		}
	}
	if stdout > 1 {
		return errors.New("--output: only one format can go to standard output; give the others a file (FORMAT=FILE)")
	}
	return nil
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
