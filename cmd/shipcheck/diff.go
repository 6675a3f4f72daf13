package main

import (
	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/report"
)

func newDiffCmd(e *env) *cobra.Command {
	c := newReportCmd(report.KindDiff, true, true)
	var oldLayers []string
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two artifacts or SBOMs: packages added, removed, changed, and new findings",
		Long: `Compare what a release changes: OLD and NEW are two artifacts (the deployed
one and the candidate) or two CycloneDX SBOMs (an archived one and a new
one), or one of each. Shows the packages added, removed and changed in
version, the advisories that affect NEW and not OLD (and those NEW fixes),
and, when both are artifacts, the secrets NEW brings.

--layer gives NEW's layers, --old-layer OLD's. The gate counts only what is
new: exit 1 when a new advisory is at or above --fail-on, or NEW brings a
first-party secret. Ignores and VEX statements apply to both sides.

` + formatsHelp(report.KindDiff) + `

` + exitCodesHelp,
		Example: `  shipcheck diff deployed.zip candidate.zip --advisories ./osv-exports
  shipcheck diff bom-v41.json candidate.zip --layer layer.zip --output markdown`,
		Args: exactArgs(2, "OLD and NEW (artifacts or CycloneDX SBOMs)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			so, outs, err := c.options(e, 1)
			if err != nil {
				return usageErr(err)
			}
			old, err := shipcheck.ParseTargets(args[:1], oldLayers)
			if err != nil {
				return usageErr(err)
			}
			new, err := shipcheck.ParseTargets(args[1:], c.af.layers)
			if err != nil {
				return usageErr(err)
			}
			return c.run(cmd, e, append(old, new...), so, outs)
		},
	}
	c.register(cmd, "table")
	cmd.Flags().StringArrayVar(&oldLayers, "old-layer", nil, "a Lambda layer of OLD (repeat, in order); --layer gives NEW's")
	return cmd
}
