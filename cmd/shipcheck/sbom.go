package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/sbom/spdx"
)

// sbomOutput carries what the SBOM encoders need besides the inventory.
type sbomOutput struct {
	inv  *sbom.Inventory
	cdx  cyclonedx.Options
	spdx spdx.Options
}

// sbomFormats are the outputs of `shipcheck sbom`.
var sbomFormats = []encoder[*sbomOutput]{
	{name: "cyclonedx-json", help: "CycloneDX JSON", enc: func(w io.Writer, o *sbomOutput) error { return cyclonedx.Encode(w, o.inv, o.cdx) }},
	{name: "cyclonedx-xml", help: "CycloneDX XML", enc: func(w io.Writer, o *sbomOutput) error {
		opt := o.cdx
		opt.XML = true
		return cyclonedx.Encode(w, o.inv, opt)
	}},
	{name: "spdx-json", help: "SPDX 2.3 JSON", enc: func(w io.Writer, o *sbomOutput) error { return spdx.Encode(w, o.inv, o.spdx) }},
	{name: "table", help: "a table for people", enc: func(w io.Writer, o *sbomOutput) error { return encodeSBOMTable(w, o.inv) }},
}

func newSBOMCmd(e *env) *cobra.Command {
	var (
		af            artifactFlags
		outputs       []string
		specVersion   string
		deterministic bool
	)
	cmd := &cobra.Command{
		Use:   "sbom ARTIFACT",
		Short: "Write the artifact's SBOM (CycloneDX, SPDX)",
		Long: `Take the inventory of every package the artifact ships (npm, PyPI, Maven,
Go, NuGet, RubyGems, Composer, Cargo, dpkg, apk, rpm) as the runtime sees it,
and write it as an SBOM: each component with its purl, licenses, hashes and
every place it was found. Packages a manifest or lockfile names but that are
not installed are marked declared-only (and, where their ecosystem has
installed packages, given scope excluded: they do not ship). Where a function
and its layers carry the same package, the copy the runtime does not load is
marked shadowed.

With SOURCE_DATE_EPOCH set, or --deterministic, two runs on the same artifact
write the same bytes.

Formats for --output: ` + strings.Join(formatNames(sbomFormats), ", ") + ` (default cyclonedx-json)

` + exitCodesHelp,
		Example: `  shipcheck sbom function.zip --layer layer.zip --output cyclonedx-json=bom.json
  shipcheck sbom image.tar --output spdx-json=bom.spdx.json --output table`,
		Args: exactArgs(1, "an artifact: a zip, tar, image tarball, OCI layout or folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			specs, err := parseOutputs(outputs, sbomFormats, "cyclonedx-json")
			if err != nil {
				return usageErr(err)
			}
			if _, ok := cyclonedx.SpecVersions[specVersion]; !ok {
				return usageErr(fmt.Errorf("--spec-version %q: one of 1.5, 1.6, 1.7", specVersion))
			}
			ts, det, err := buildTime(deterministic)
			if err != nil {
				return usageErr(err)
			}
			var prog shipcheck.Progress
			display := startProgress(e, &prog, args[0])
			inv, err := shipcheck.SBOM(cmd.Context(), args[0], shipcheck.Options{Options: opt, Progress: &prog})
			display.Stop()
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			out := &sbomOutput{
				inv:  inv,
				cdx:  cyclonedx.Options{SpecVersion: specVersion, Time: ts, Deterministic: det, ToolVersion: toolVersion()},
				spdx: spdx.Options{Time: ts, Deterministic: det, ToolVersion: toolVersion()},
			}
			if err := writeOutputs(specs, sbomFormats, out, e.stdout); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			return reportProblems(e, inv.Problems, af.allowPartial, exitClean)
		},
	}
	af.register(cmd.Flags())
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "FORMAT[=FILE]: a report format, to FILE or standard output (repeat for several)")
	cmd.Flags().StringVar(&specVersion, "spec-version", "1.6", "CycloneDX specification version: 1.5, 1.6 or 1.7")
	cmd.Flags().BoolVar(&deterministic, "deterministic", false, "the same artifact gives the same bytes: a fixed timestamp (SOURCE_DATE_EPOCH, or 1970) and a serial number derived from the content")
	return cmd
}

// buildTime returns the timestamp to write and whether output must be
// deterministic: SOURCE_DATE_EPOCH (reproducible-builds.org) sets both.
func buildTime(deterministic bool) (time.Time, bool, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), true, nil
	}
	if deterministic {
		return time.Unix(0, 0).UTC(), true, nil
	}
	return time.Time{}, false, nil
}

func toolVersion() string {
	v := versionString()
	v = strings.TrimPrefix(v, "shipcheck ")
	v, _, _ = strings.Cut(v, ",")
	return v
}

// writeSources says what each artifact is and where it is mounted.
func writeSources(w io.Writer, srcs []packaging.Source) {
	for _, s := range srcs {
		fmt.Fprintf(w, "%s: %s (%s), mounted at %s\n", archive.Printable(s.Path), s.Role.Describe(), s.Kind, s.Mount)
	}
}

func encodeSBOMTable(w io.Writer, inv *sbom.Inventory) error {
	writeSources(w, inv.Sources)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tECOSYSTEM\tTYPE\tWHERE\tNOTE")
	counts := map[string]int{}
	for _, p := range inv.Packages {
		var notes []string
		switch {
		case p.Excluded:
			notes = append(notes, "declared only, does not ship")
		case p.DeclaredOnly:
			notes = append(notes, "declared only")
		}
		if p.ShadowedBy != "" {
			notes = append(notes, "shadowed by "+p.ShadowedBy)
		}
		where := ""
		if len(p.Locations) > 0 {
			where = archive.Printable(p.Locations[0].Path)
			if n := len(p.Locations); n > 1 {
				where += fmt.Sprintf(" (+%d)", n-1)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Version, p.Ecosystem, p.Type, where, strings.Join(notes, "; "))
		counts[p.Ecosystem]++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d packages\n", len(inv.Packages))
	return nil
}
