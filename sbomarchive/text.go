package sbomarchive

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shipcheck/shipcheck/attest"
	"github.com/shipcheck/shipcheck/packaging/archive"
)

// The listings' formats: a table for people, JSON (the types of this
// package, indented) for programs.
const (
	FormatTable = "table"
	FormatJSON  = "json"
)

// CheckFormat refuses a listing format other than table and json.
func CheckFormat(f string) error {
	if f != FormatTable && f != FormatJSON {
		return fmt.Errorf("--output %q: table or json", f)
	}
	return nil
}

// WriteAdded writes the line that says what Add did with an entry.
func WriteAdded(w io.Writer, e Entry, got Added) error {
	state := "current"
	switch {
	case got.Again:
		state = "already archived"
	case !got.Current:
		state = "older than the deployment's latest SBOM: kept as history"
	}
	fmt.Fprintf(w, "%s: %s at %s, %d package(s) (%s)\n", archive.Printable(e.Source), archive.Printable(got.Name), When(got.Time), got.Packages, state)
	if a := e.Attested; a != nil {
		signed := "signature verified with " + a.VerifiedBy
		if a.VerifiedBy == "" {
			signed = "signature NOT verified (give --key to verify it)"
		}
		_, err := fmt.Fprintf(w, "  attestation: %s; %d subject(s): %s\n", signed, len(a.Subjects), subjectList(a.Subjects))
		return err
	}
	return nil
}

// WriteList writes List's deployments; where names the archive.
func WriteList(w io.Writer, ds []Deployment, where, format string) error {
	if format == FormatJSON {
		if ds == nil {
			ds = []Deployment{}
		}
		return writeJSON(w, ds)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEPLOYMENT\tLATEST SBOM\tPACKAGES\tSBOMS\tRESCANNED\tFINDINGS")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\n", archive.Printable(d.Name), When(d.Time), d.Packages, d.Snapshots, When(d.Rescanned), d.Findings)
	}
	tw.Flush()
	_, err := fmt.Fprintf(w, "%d deployment(s) in %s\n", len(ds), where)
	return err
}

// WriteDetail writes what Show returns: the SBOMs, their attestations, and
// the packages of the latest.
func WriteDetail(w io.Writer, d *Detail, format string) error {
	if format == FormatJSON {
		return writeJSON(w, d)
	}
	fmt.Fprintf(w, "%s: %d SBOM(s), the latest of %s; rescanned %s (%d finding(s))\n\n", archive.Printable(d.Name), len(d.Snapshots), When(d.Time), When(d.Rescanned), d.Findings)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tADDED\tFORMAT\tPACKAGES\tSHA-256\tSOURCE")
	for _, s := range d.Snapshots {
		mark := ""
		if s.Current {
			mark = " (latest)"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%d\t%.12s\t%s\n", When(s.Time), mark, When(s.Added), s.Format, s.Packages, s.SHA256, archive.Printable(s.Source))
	}
	tw.Flush()
	for _, s := range d.Snapshots {
		if a := s.Attestation; a != nil {
			signed := "signature verified with " + a.VerifiedBy
			if a.VerifiedBy == "" {
				signed = "signature not verified"
			}
			fmt.Fprintf(w, "%s: attestation sha256:%.12s, %s; subjects: %s\n", When(s.Time), a.SHA256, signed, subjectList(a.Subjects))
		}
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tNAME\tVERSION\tWHERE")
	for _, p := range d.Contents {
		where := "-"
		if len(p.Locations) > 0 {
			where = p.Locations[0].Path
			if n := len(p.Locations); n > 1 {
				where += fmt.Sprintf(" (+%d)", n-1)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Ecosystem, archive.Printable(p.Name), archive.Printable(p.Version), archive.Printable(where))
	}
	return tw.Flush()
}

// WriteHits writes Query's answer for sp.
func WriteHits(w io.Writer, sp Spec, hits []Hit, format string) error {
	if format == FormatJSON {
		if hits == nil {
			hits = []Hit{}
		}
		return writeJSON(w, hits)
	}
	if len(hits) == 0 {
		_, err := fmt.Fprintf(w, "no deployment ships %s/%s at %s\n", sp.Ecosystem, archive.Printable(sp.Name), rangeText(sp))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEPLOYMENT\tSBOM OF\tVERSION\tWHERE")
	deps := map[string]bool{}
	for _, h := range hits {
		deps[h.Deployment] = true
		t := When(h.Time)
		if !h.Current {
			t += " (older)"
		}
		var where []string
		for _, l := range h.Locations {
			p := l.Path
			if o := l.Origin.String(); o != "" && o != strings.TrimPrefix(p, "/") {
				p += " (" + o + ")"
			}
			where = append(where, p)
		}
		if len(where) == 0 {
			where = []string{"-"}
		}
		v := h.Version
		if h.Excluded {
			v += " (declared, not shipped)"
		} else if h.DeclaredOnly {
			v += " (declared)"
		}
		for i, p := range where {
			if i == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", archive.Printable(h.Deployment), t, archive.Printable(v), archive.Printable(p))
			} else {
				fmt.Fprintf(tw, "\t\t\t%s\n", archive.Printable(p))
			}
		}
	}
	tw.Flush()
	_, err := fmt.Fprintf(w, "%d deployment(s) ship %s/%s at %s\n", len(deps), sp.Ecosystem, archive.Printable(sp.Name), rangeText(sp))
	return err
}

// When writes a time for a listing: UTC to the second, "-" for none.
func When(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}

func rangeText(sp Spec) string {
	if s := sp.Versions.String(); s != "" {
		return s
	}
	return "any version"
}

// subjectList is an attestation's subjects for a line: name and the start
// of the digest.
func subjectList(ss []attest.Subject) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, fmt.Sprintf("%s sha256:%.12s", archive.Printable(s.Name), s.SHA256))
	}
	return strings.Join(parts, ", ")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
