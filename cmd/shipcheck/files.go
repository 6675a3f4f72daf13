package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/report"
)

// filesFormats are the outputs of `shipcheck files`.
var filesFormats = []encoder[*packaging.Listing]{
	{name: "table", help: "a table for people", enc: encodeFilesTable},
	{name: "json", help: "a JSON list of objects: the artifacts (type artifact), every file (path, size, type, origin, layer), and problems (type problem)", enc: encodeFilesJSON},
}

func newFilesCmd(e *env) *cobra.Command {
	var (
		af      artifactFlags
		outputs []string
		hidden  bool
	)
	cmd := &cobra.Command{
		Use:   "files ARTIFACT",
		Short: "List the files of an artifact as the runtime sees them",
		Long: `List every file of an artifact as the runtime sees it: a Lambda function's
files under /var/task and its layers merged in order under /opt, an image's
layers applied in order with their whiteouts, entries of nested archives as
'!' chains (/var/task/lib/app.jar!META-INF/MANIFEST.MF). Each file is shown
with its runtime path, type, size, layer and origin (the artifact and the
chain of archive entries it came from).

Formats for --output: ` + strings.Join(formatNames(filesFormats), ", ") + `

` + exitCodesHelp,
		Example: `  shipcheck files function.zip --layer deps-layer.zip
  shipcheck files image.tar --output json=files.json --output table`,
		Args: exactArgs(1, "an artifact: a zip, tar, image tarball, OCI layout or folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			specs, err := parseOutputs(outputs, filesFormats, "table")
			if err != nil {
				return usageErr(err)
			}
			l, err := packaging.List(cmd.Context(), args[0], packaging.ListOptions{Options: opt, Hidden: hidden})
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			if err := writeOutputs(specs, filesFormats, l, e.stdout); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			var probs []report.Problem
			for _, p := range l.Problems {
				probs = append(probs, report.ProblemOf(p))
			}
			return reportProblems(e, probs, af.allowPartial, exitClean)
		},
	}
	af.register(cmd.Flags())
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "FORMAT[=FILE]: a report format, to FILE or standard output (repeat for several)")
	cmd.Flags().BoolVar(&hidden, "all", false, "also list files that ship but do not run: shadowed by a later layer or deleted by a whiteout")
	return cmd
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr(fmt.Errorf("%s needs %s (got %d arguments)", cmd.CommandPath(), what, len(args)))
		}
		return nil
	}
}

func usageErr(err error) error { return &exitError{code: exitIncomplete, err: err} }

// maxNotesPerKind bounds how many notes of one kind are printed.
const maxNotesPerKind = 10

// reportProblems prints what the view met on standard error and returns the
// exit error: exit 2 when content was left unread, unless allowed.
func reportProblems(e *env, probs []report.Problem, allowPartial bool, code int) error {
	partial := 0
	shown := map[string]int{}
	for _, p := range probs {
		kind := "note"
		if p.Partial {
			partial++
			if !allowPartial {
				kind = "error"
			}
		}
		key := kind + ":" + problemKind(p)
		shown[key]++
		if e.quiet && kind == "note" || shown[key] > maxNotesPerKind {
			continue
		}
		fmt.Fprintf(e.stderr, "shipcheck: %s: %s\n", kind, p)
	}
	for key, n := range shown {
		if n > maxNotesPerKind && !(e.quiet && strings.HasPrefix(key, "note:")) {
			fmt.Fprintf(e.stderr, "shipcheck: ... and %d more like %q\n", n-maxNotesPerKind, strings.SplitN(key, ":", 2)[1])
		}
	}
	if partial > 0 && !allowPartial {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("the artifact could not be read completely (%d problem(s) above); the results are partial. Rerun with --allow-partial to accept them", partial)}
	}
	if code != exitClean {
		return &exitError{code: code}
	}
	return nil
}

// problemKind groups problems for the "and N more" line: the message
// without what is particular to one entry.
func problemKind(p report.Problem) string {
	msg := p.Note
	if i := strings.Index(msg, ": "); i > 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, " ("); i > 0 {
		msg = msg[:i]
	}
	return msg
}

type artifactJSON struct {
	Type        string   `json:"type"` // "artifact"
	Path        string   `json:"path"` // where it is mounted
	Origin      string   `json:"origin"`
	File        string   `json:"file"`
	Kind        string   `json:"kind"`
	Compression string   `json:"compression,omitempty"`
	As          string   `json:"as"`
	Mount       string   `json:"mount"`
	Guessed     bool     `json:"guessed"`
	Why         string   `json:"why"`
	Image       string   `json:"image,omitempty"`
	Layers      []string `json:"layers,omitempty"`
}

type fileJSON struct {
	Type    string `json:"type"`
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	Mode    string `json:"mode"`
	Origin  string `json:"origin"`
	Layer   string `json:"layer"`
	As      string `json:"as"`
	Mount   string `json:"mount"`
	Status  string `json:"status,omitempty"`
	Link    string `json:"link,omitempty"`
	Archive bool   `json:"archive,omitempty"`
	Note    string `json:"note,omitempty"`
}

type problemJSON struct {
	Type    string `json:"type"` // "problem"
	Path    string `json:"path,omitempty"`
	Origin  string `json:"origin"`
	Layer   string `json:"layer,omitempty"`
	Note    string `json:"note"`
	Partial bool   `json:"partial"`
}

// problemOf is a problem as the JSON outputs write it.
func problemOf(p packaging.Problem) problemJSON {
	return problemJSON{Type: "problem", Path: p.Path, Origin: p.Origin.String(), Layer: p.Origin.Layer, Note: p.Err.Error(), Partial: p.Partial()}
}

// encodeFilesJSON writes the list one object at a time: a listing of an
// image with a million files is never held twice in memory.
func encodeFilesJSON(w io.Writer, l *packaging.Listing) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	put := func(v any) error {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		sep := ",\n  "
		if n == 0 {
			sep = "[\n  "
		}
		n++
		bw.WriteString(sep)
		_, err := bw.Write(b)
		return err
	}
	for _, s := range l.Sources {
		a := artifactJSON{
			Type: "artifact", Path: s.Mount, Origin: s.Name, File: s.Path, Kind: s.Kind, Compression: s.Compression,
			As: string(s.Role), Mount: s.Mount, Guessed: s.Guessed, Why: s.Why,
		}
		if s.Image != nil {
			a.Image = s.Image.Name
			for _, ly := range s.Image.Layers {
				a.Layers = append(a.Layers, ly.Digest)
			}
		}
		if err := put(a); err != nil {
			return err
		}
	}
	for _, f := range l.Files {
		src := l.Sources[f.Source]
		j := fileJSON{
			Type: f.Type.String(), Path: f.Path, Size: f.Size, Mode: f.Mode.String(),
			Origin: f.Origin.String(), Layer: f.Origin.Layer, As: string(src.Role), Mount: src.Mount,
			Link: f.Link, Archive: f.Archive, Note: f.Note,
		}
		if f.Status != packaging.Visible {
			j.Status = f.Status.String()
		}
		if err := put(j); err != nil {
			return err
		}
	}
	for _, p := range l.Problems {
		if err := put(problemOf(p)); err != nil {
			return err
		}
	}
	if n == 0 {
		bw.WriteString("[")
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

func encodeFilesTable(w io.Writer, l *packaging.Listing) error {
	for _, s := range l.Sources {
		how := s.Why
		if s.Guessed {
			how = "guessed: " + s.Why
		}
		kind := s.Kind
		if s.Compression != "" {
			kind += "+" + s.Compression
		}
		fmt.Fprintf(w, "%s: %s (%s), mounted at %s (%s)\n", archive.Printable(s.Path), s.Role.Describe(), kind, s.Mount, how)
		if s.Image != nil {
			if s.Image.Name != "" {
				fmt.Fprintf(w, "  image %s\n", archive.Printable(s.Image.Name))
			}
			for i, ly := range s.Image.Layers {
				fmt.Fprintf(w, "  layer %d: %s\n", i+1, ly.Digest)
			}
		}
	}
	fmt.Fprintln(w)
	// Columns are sized in a first pass and rows written in a second:
	// text/tabwriter would hold the whole table in memory.
	type row struct{ path, typ, size, layer, origin string }
	cells := func(f *packaging.File) row {
		typ := f.Type.String()
		if f.Status != packaging.Visible {
			typ += " (" + f.Status.String() + ")"
		}
		path := archive.Printable(f.Path)
		if f.Link != "" {
			path += " -> " + archive.Printable(f.Link)
		}
		if f.Note != "" {
			path += "  [" + f.Note + "]"
		}
		return row{path, typ, strconv.FormatInt(f.Size, 10), shortLayer(f.Origin.Layer), archive.Printable(f.Origin.String())}
	}
	width := row{"PATH", "TYPE", "SIZE", "LAYER", ""}
	wp, wt, ws, wl := len(width.path), len(width.typ), len(width.size), len(width.layer)
	for _, f := range l.Files {
		r := cells(f)
		wp, wt, ws, wl = max(wp, utf8.RuneCountInString(r.path)), max(wt, len(r.typ)), max(ws, len(r.size)), max(wl, len(r.layer))
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	line := func(r row) {
		fmt.Fprintf(bw, "%s%*s%-*s  %-*s  %-*s  %s\n", r.path, wp-utf8.RuneCountInString(r.path)+2, "", wt, r.typ, ws, r.size, wl, r.layer, r.origin)
	}
	line(row{"PATH", "TYPE", "SIZE", "LAYER", "ORIGIN"})
	var files, total int64
	counts := map[string]int{}
	for _, f := range l.Files {
		line(cells(f))
		counts[f.Type.String()]++
		if f.Type == archive.TypeFile && f.Status == packaging.Visible {
			files++
			total += f.Size
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d files in the view (%s)", files, archive.FormatSize(total))
	for _, k := range []string{"symlink", "hardlink", "char-device", "block-device", "fifo", "socket", "other"} {
		if counts[k] > 0 {
			fmt.Fprintf(w, ", %d %s", counts[k], k)
		}
	}
	fmt.Fprintln(w)
	if l.Hidden > 0 {
		fmt.Fprintf(w, "%d more file(s) ship but do not run: shadowed by a later layer or deleted by a whiteout", l.Hidden)
		if !hasHidden(l) {
			fmt.Fprint(w, " (--all lists them)")
		}
		fmt.Fprintln(w)
	}
	if len(l.Problems) > 0 {
		partial := 0
		for _, p := range l.Problems {
			if p.Partial() {
				partial++
			}
		}
		fmt.Fprintf(w, "%d problem(s), %d of them left content unread:\n", len(l.Problems), partial)
		for _, p := range l.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	return nil
}

func hasHidden(l *packaging.Listing) bool {
	for _, f := range l.Files {
		if f.Status != packaging.Visible {
			return true
		}
	}
	return false
}

func shortLayer(l string) string {
	if l == "" {
		return "-"
	}
	if strings.HasPrefix(l, "sha256:") && len(l) > 19 {
		return l[:19]
	}
	return l
}
