package main

import (
	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/report"
)

func newDiffCmd(e *env) *cobra.Command {
	var (
		af        artifactFlags
		adv       advisoryFlags
		gate      gateFlags
		rf        reportFlags
		vexs      []string
		oldLayers []string
		sf        secretScanFlags
	)
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
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			specs, err := rf.specs(1)
			if err != nil {
				return usageErr(err)
			}
			g, reach, err := gate.gate()
			if err != nil {
				return usageErr(err)
			}
			so, err := commonOptions(rf, &sf, vexs, "")
			if err != nil {
				return usageErr(err)
			}
			old, err := shipcheck.ParseTargets(args[:1], oldLayers)
			if err != nil {
				return usageErr(err)
			}
			new, err := shipcheck.ParseTargets(args[1:], af.layers)
			if err != nil {
				return usageErr(err)
			}
			opt.Layers = nil
			var prog shipcheck.Progress
			so.Options = shipcheck.Options{Options: opt, Progress: &prog}
			so.Gate, so.NoGoReachability = g, !reach
			so.Source = adv.options(e)
			so.Each = progressEach(e, &prog, &so)
			rep, err := shipcheck.Diff(cmd.Context(), old[0], new[0], so)
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			return rf.finish(e, specs, rep, af.allowPartial)
		},
	}
	af.register(cmd.Flags())
	af.complete(cmd)
	adv.register(cmd.Flags())
	gate.register(cmd, true, true)
	rf.register(cmd, report.KindDiff, "table")
	cmd.Flags().StringArrayVar(&oldLayers, "old-layer", nil, "a Lambda layer of OLD (repeat, in order); --layer gives NEW's")
	cmd.Flags().StringArrayVar(&vexs, "vex", nil, "a VEX document (OpenVEX or CycloneDX): not_affected statements suppress findings (repeat for several)")
	sf.register(cmd)
	return cmd
}
