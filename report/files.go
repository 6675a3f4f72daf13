package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
)

// ListingFormat is an output of the artifact view (shipcheck files): the
// files of an artifact as the runtime sees them.
type ListingFormat struct {
	Name   string
	Help   string
	Encode func(w io.Writer, l *packaging.Listing) error
}

// ListingFormats are the artifact view's outputs.
var ListingFormats = []ListingFormat{
	{Name: "table", Help: "a table for people", Encode: encodeListingTable},
	{Name: "json", Help: "a JSON list of objects: the artifacts (type artifact), every file (path, size, type, origin, layer), and problems (type problem)", Encode: encodeListingJSON},
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
func encodeListingJSON(w io.Writer, l *packaging.Listing) error {
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

func encodeListingTable(w io.Writer, l *packaging.Listing) error {
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
