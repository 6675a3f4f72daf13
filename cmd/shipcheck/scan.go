package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/report"
)

func newScanCmd(e *env) *cobra.Command {
	c := newReportCmd(report.KindScan, true, true)
	var noSecrets bool
	cmd := &cobra.Command{
		Use:   "scan DEPLOYMENT...",
		Short: "Scan an artifact: SBOM, vulnerabilities, secrets and permissions in one pass",
		Long: `Open each deployment once and answer the questions together: what is
inside (the SBOM), is any of it known to be vulnerable (OSV advisories, Go
binaries analysed for the vulnerable code), did anyone bake a credential
into it, and what may each function do (the permissions its deployment
templates grant: those in the artifact, and any given with --template; see
shipcheck permissions --help). Each file is read once, every analyser
served from that one read.

A deployment is FUNCTION[,LAYER...]: an artifact and the Lambda layers it
runs with, in order (--layer says the same when there is one deployment).
Several deployments are reported each on its own, with a summary.

The gate (exit 1): a vulnerability at or above --fail-on (an advisory with no
severity counts as --unknown-severity; Go findings whose vulnerable code is
not in the binary do not count unless --go-reachability=off), or a
first-party secret (unless --fail-on-secrets=false; third-party ones with
--fail-on-third-party-secrets), or a permission finding at or above
--fail-on-permissions. Ignores and VEX statements apply first.
--fail-on never reports without failing.

Several outputs in one run: --output table --output sarif=shipcheck.sarif
--output cyclonedx-json=bom.json. Files are written atomically. With several
deployments, the SBOM formats (cyclonedx-json, cyclonedx-xml, spdx-json) write
one file per deployment: bom.json becomes bom.<deployment>.json.

Defaults for every flag can be set in .shipcheck.yaml (shipcheck config init
writes an example) and overridden by SHIPCHECK_<FLAG> environment variables
(SHIPCHECK_FAIL_ON=critical); flags override both.

` + formatsHelp(report.KindScan) + `

` + exitCodesHelp + `; also no advisory
     database with --offline, or the OSV API out of reach with --online`,
		Example: `  shipcheck scan function.zip --layer layer.zip
  shipcheck scan function.zip --output table --output sarif=shipcheck.sarif --output cyclonedx-json=bom.json
  shipcheck scan orders.zip,deps-layer.zip billing.zip --fail-on critical --output markdown=summary.md
  shipcheck scan image.tar --db ./osv-db --offline`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("give at least one deployment: FUNCTION[,LAYER...]"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := shipcheck.ParseTargets(args, c.af.layers)
			if err == nil {
				err = shipcheck.AddTemplates(targets, c.templates)
			}
			if err != nil {
				return usageErr(err)
			}
			so, outs, err := c.options(e, len(targets))
			if err != nil {
				return usageErr(err)
			}
			so.NoSecrets, so.Gate.Secrets = noSecrets, so.Gate.Secrets && !noSecrets
			return c.run(cmd, e, targets, so, outs)
		},
	}
	c.register(cmd, "table")
	cmd.Flags().BoolVar(&noSecrets, "no-secrets", false, "skip the secret scan")
	return cmd
}
