package main

import (
	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/report"
)

func newSBOMCmd(e *env) *cobra.Command {
	var (
		af            artifactFlags
		rf            reportFlags
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

` + formatsHelp(report.KindSBOM) + `
(default cyclonedx-json)

` + exitCodesHelp,
		Example: `  shipcheck sbom function.zip --layer layer.zip --output cyclonedx-json=bom.json
  shipcheck sbom image.tar --output spdx-json=bom.spdx.json --output table`,
		Args: exactArgs(1, "an artifact: a zip, tar, image tarball, OCI layout or folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			specs, err := rf.specs(1)
			if err != nil {
				return usageErr(err)
			}
			so, err := commonOptions(rf, nil, nil, "")
			if err != nil {
				return usageErr(err)
			}
			if so.Time, so.Deterministic, err = buildTime(deterministic); err != nil {
				return usageErr(err)
			}
			var prog shipcheck.Progress
			so.Options = shipcheck.Options{Options: opt, Progress: &prog}
			so.Kind, so.Gate = report.KindSBOM, report.Gate{Never: true}
			so.Each = progressEach(e, &prog, &so)
			rep, err := shipcheck.Run(cmd.Context(), []shipcheck.Target{{Artifact: args[0]}}, so)
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			return rf.finish(e, specs, rep, af.allowPartial)
		},
	}
	af.register(cmd.Flags())
	af.complete(cmd)
	rf.register(cmd, report.KindSBOM, "cyclonedx-json")
	cmd.Flags().BoolVar(&deterministic, "deterministic", false, "the same artifact gives the same bytes: a fixed timestamp (SOURCE_DATE_EPOCH, or 1970) and a serial number derived from the content")
	return cmd
}
