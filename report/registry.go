package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Options tune the encoders; none of it is part of the report.
type Options struct {
	// Width is the table's width in columns (the terminal's, or COLUMNS);
	// 0 means unbounded.
	Width int
	// Color paints the table's verdicts and severities (a terminal,
	// without NO_COLOR).
	Color bool
	// SpecVersion is the CycloneDX version written: 1.5, 1.6 (default) or
	// 1.7.
	SpecVersion string
}

// Format is one output format.
type Format struct {
	Name string
	Help string
	// Kinds are the views the format makes sense for.
	Kinds []Kind
	// PerDeployment formats are one document per deployment: with
	// several, the caller writes one file each (see FileFor).
	PerDeployment bool
	Encode        func(w io.Writer, r *Report, o Options) error
}

var (
	all      = []Kind{KindScan, KindSBOM, KindVuln, KindSecrets, KindPermissions, KindDiff, KindRescan}
	findings = []Kind{KindScan, KindVuln, KindSecrets, KindPermissions, KindDiff, KindRescan}
	sboms    = []Kind{KindScan, KindSBOM, KindVuln}
)

// Formats is every output format, one line each.
var Formats = []Format{
	{Name: "table", Help: "a table for people, fitted to the terminal's width", Kinds: all, Encode: encodeTable},
	{Name: "json", Help: "the whole report, JSON (schema version 2; read back by --baseline and shipcheck render)", Kinds: all, Encode: encodeJSON},
	{Name: "sarif", Help: "SARIF 2.1.0 for GitHub code scanning: advisories, secrets and permissions", Kinds: findings, Encode: encodeSARIF},
	{Name: "cyclonedx-json", Help: "the SBOM with its vulnerabilities, CycloneDX JSON", Kinds: sboms, PerDeployment: true, Encode: encodeCycloneDXJSON},
	{Name: "cyclonedx-xml", Help: "the same, CycloneDX XML", Kinds: sboms, PerDeployment: true, Encode: encodeCycloneDXXML},
	{Name: "spdx-json", Help: "the SBOM, SPDX 2.3 JSON", Kinds: []Kind{KindScan, KindSBOM}, PerDeployment: true, Encode: encodeSPDX},
	{Name: "markdown", Help: "a short summary for a pull-request comment or $GITHUB_STEP_SUMMARY", Kinds: findings, Encode: encodeMarkdown},
}

// FormatsFor returns the formats of a view.
func FormatsFor(k Kind) []Format {
	var out []Format
	for _, f := range Formats {
		if slices.Contains(f.Kinds, k) {
			out = append(out, f)
		}
	}
	return out
}

// Names lists formats' names.
func Names(fs []Format) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// Lookup finds a view's format by name, in any case ("JSON", "SARIF").
func Lookup(k Kind, name string) (Format, error) {
	for _, f := range FormatsFor(k) {
		if strings.EqualFold(f.Name, name) {
			return f, nil
		}
	}
	for _, f := range Formats {
		if strings.EqualFold(f.Name, name) {
			return Format{}, fmt.Errorf("%s is not an output of %s (one of %s)", f.Name, k, strings.Join(Names(FormatsFor(k)), ", "))
		}
	}
	hint := ""
	switch strings.ToLower(name) {
	case "cyclonedx", "cdx":
		hint = " (cyclonedx-json or cyclonedx-xml?)"
	case "spdx":
		hint = " (spdx-json?)"
	case "md":
		hint = " (markdown?)"
	}
	return Format{}, fmt.Errorf("unknown format %q%s (one of %s)", name, hint, strings.Join(Names(FormatsFor(k)), ", "))
}

// Encode writes the report in the named format.
func Encode(w io.Writer, r *Report, format string, o Options) error {
	f, err := Lookup(r.Kind, format)
	if err != nil {
		return err
	}
	return f.Encode(w, r, o)
}

// One returns a report of one of r's deployments, for the per-deployment
// formats. The serial number is the deployment's own, derived from the
// report's, so two documents of one run are never the same document.
func (r *Report) One(i int) *Report {
	one := *r
	one.Deployments = r.Deployments[i : i+1]
	if len(r.Deployments) > 1 {
		one.Serial = deriveSerial(r.Serial, r.Deployments[i].Name)
	}
	one.Judge()
	return &one
}

// FileFor inserts a deployment's name (without its own extension) before a
// file name's extension: bom.json, orders.zip -> bom.orders.json.
func FileFor(file, name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	ext := ""
	base := file[strings.LastIndexAny(file, `/\`)+1:]
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		ext = base[i:]
	}
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, name)
	return strings.TrimSuffix(file, ext) + "." + safe + ext
}
