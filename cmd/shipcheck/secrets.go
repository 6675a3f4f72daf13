package main

import (
	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

func newSecretsCmd(e *env) *cobra.Command {
	c := newReportCmd(report.KindSecrets, false, true)
	cmd := &cobra.Command{
		Use:   "secrets ARTIFACT",
		Short: "Find credentials baked into the artifact",
		Long: `Scan every file the artifact ships (inside nested archives too, and files a
later image layer deletes or replaces, which still ship in the image) with
gitleaks' rules and shipcheck's own, decoding encoded values first; and the
function's environment configuration (SAM/CloudFormation, serverless.yml,
Terraform, .env, .env.yaml, local.settings.json, Lambda configuration JSON,
a container image's Env), where a literal in a variable named as a secret is
a finding and a reference to a secret store is not.

Secrets are never printed: outputs show the first characters, the length and
a fingerprint, which .shipcheck.yaml can ignore with a reason:

  secrets:
    ignore:
      - fingerprint: sc1:0123456789abcdef0123456789abcdef
        reason: test key, revoked
        expires: 2027-01-31

The files of installed third-party packages (node_modules, Python libraries,
vendor folders, gems, library jars) are scanned for credentials in a
provider's own format only (AKIA..., ghp_..., xoxb-..., private keys), as
written: the generic keyword rules find their documentation and test fixtures.
--third-party-scan full scans them with every rule, off not at all. Packages
that are the organisation's own (sharing the application's npm scope, Maven
group or Go module owner, or named in .shipcheck.yaml secrets.internal) are
scanned as the application's. Findings inside third-party packages are
reported, marked with the package, and do not fail the gate unless
--fail-on-third-party-secrets. --fail-on never reports without failing.

` + formatsHelp(report.KindSecrets) + `

` + exitCodesHelp,
		Example: `  shipcheck secrets function.zip --layer layer.zip
  shipcheck secrets image.tar --output sarif=secrets.sarif
  shipcheck secrets function.zip --baseline last-release.json --output json=new.json`,
		Args: exactArgs(1, "an artifact"),
		RunE: c.runOne(e),
	}
	c.register(cmd, "table")
	return cmd
}

// secretScanFlags are the secret scan's flags shared by scan, secrets and
// diff.
type secretScanFlags struct {
	thirdParty string
	cacheDir   string
	noCache    bool
}

func (f *secretScanFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.thirdParty, "third-party-scan", "provider", "what files of installed third-party packages are scanned for: provider (credentials in a provider's own format, as written), full (every rule, decoding; slower, finds documentation and test fixtures) or off")
	cmd.RegisterFlagCompletionFunc("third-party-scan", cobra.FixedCompletions(secrets.Policies, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringVar(&f.cacheDir, "cache-dir", "", "keep the secret scan's results here across runs, keyed by content (default: the user's cache folder, shipcheck/; restore it in CI to rescan only what changed)")
	cmd.Flags().BoolVar(&f.noCache, "no-cache", false, "do not read or write the secret scan's cache")
}

// options returns the policy and the cache folder ("" for none).
func (f *secretScanFlags) options() (secrets.Policy, string, error) {
	p, err := secrets.ParsePolicy(f.thirdParty)
	if err != nil {
		return "", "", err
	}
	if f.noCache {
		return p, "", nil
	}
	dir := f.cacheDir
	if dir == "" {
		if d, err := vuln.DefaultDir(); err == nil {
			dir = d
		}
	}
	return p, dir, nil
}
