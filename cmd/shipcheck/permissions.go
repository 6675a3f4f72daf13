package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/permissions"
	"github.com/shipcheck/shipcheck/report"
)

func newPermissionsCmd(e *env) *cobra.Command {
	c := newReportCmd(report.KindPermissions, false, false)
	cmd := &cobra.Command{
		Use:   "permissions ARTIFACT|TEMPLATE...",
		Short: "Find what each function's deployment templates allow it beyond what it needs",
		Long: `Read the deployment templates (AWS SAM and CloudFormation in YAML or JSON,
serverless.yml, Terraform) found in the artifact or given as arguments or
with --template, and for each function they deploy, judge its role's
policies (inline, attached, SAM policy templates, managed policies), who may
invoke it, and its URL, against least-privilege rules. Each finding names
the function, the file and line of the statement, what it grants, and the
scoped form to write instead. Deny statements, scoped statements, SAM
policy templates and trust policies are never reported; a value the
template computes (!Ref, !GetAtt, a Terraform reference) is a specific
resource, never "*".

Templates inside installed packages (node_modules, site-packages, vendor)
deploy no function of this artifact and are not read. A template that does
not parse is a problem: exit 2 unless --allow-partial.

The gate (exit 1): a finding at or above --fail-on-permissions (default
high; never reports without failing). Findings the team decided about are
ignored in .shipcheck.yaml by rule, optionally for one function or file:

  permissions:
    ignore:
      - rule: SC-LAMBDA-001
        function: WebhookFunction
        reason: a public webhook; the handler checks the caller's signature
        expires: 2027-06-30

` + rulesHelp() + `

` + formatsHelp(report.KindPermissions) + `

` + exitCodesHelp,
		Example: `  shipcheck permissions function.zip --template template.yaml
  shipcheck permissions template.yaml serverless.yml
  shipcheck permissions infra/main.tf --output sarif=permissions.sarif --fail-on-permissions critical`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(fmt.Errorf("give an artifact or a template"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := shipcheck.PermissionsTarget(args, c.templates, c.af.layers)
			if err != nil {
				return usageErr(err)
			}
			so, outs, err := c.options(e, 1)
			if err != nil {
				return usageErr(err)
			}
			return c.run(cmd, e, []shipcheck.Target{t}, so, outs)
		},
	}
	c.register(cmd, "table")
	return cmd
}

// rulesHelp lists the rules for --help.
func rulesHelp() string {
	var b strings.Builder
	b.WriteString("Rules:\n")
	for _, r := range permissions.Rules() {
		fmt.Fprintf(&b, "  %-14s %-8s %s\n", r.ID, r.Severity, r.Title)
	}
	return strings.TrimRight(b.String(), "\n")
}
