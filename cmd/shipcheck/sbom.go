package main

import (
	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck/report"
)

func newSBOMCmd(e *env) *cobra.Command {
	c := newReportCmd(report.KindSBOM, false, false)
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
		RunE: c.runOne(e),
	}
	c.register(cmd, "cyclonedx-json")
	return cmd
}
