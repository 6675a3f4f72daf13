package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// secretsOutput is what the secrets encoders get.
type secretsOutput struct {
	rep        *shipcheck.SecretsReport
	thirdParty bool // third-party findings fail the gate
}

var secretsFormats = []encoder[*secretsOutput]{
	{name: "table", help: "a table for people", enc: encodeSecretsTable},
	{name: "json", help: "the findings as JSON (redacted)", enc: encodeSecretsJSON},
	{name: "sarif", help: "SARIF 2.1.0, for GitHub code scanning and other CI viewers", enc: encodeSecretsSARIF},
}

func newSecretsCmd(e *env) *cobra.Command {
	var (
		af         artifactFlags
		outputs    []string
		configFile string
		baseline   string
		thirdParty bool
		sf         secretScanFlags
	)
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
--fail-on-third-party-secrets.

Formats for --output: ` + strings.Join(formatNames(secretsFormats), ", ") + `

` + exitCodesHelp,
		Example: `  shipcheck secrets function.zip --layer layer.zip
  shipcheck secrets image.tar --output sarif=secrets.sarif
  shipcheck secrets function.zip --baseline last-release.json --output json=new.json`,
		Args: exactArgs(1, "an artifact"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			specs, err := parseOutputs(outputs, secretsFormats, "table")
			if err != nil {
				return usageErr(err)
			}
			cfg, err := shipcheck.LoadConfig(configFile)
			if err != nil {
				return usageErr(err)
			}
			base, err := readBaseline(baseline)
			if err != nil {
				return usageErr(err)
			}
			policy, cacheDir, err := sf.options()
			if err != nil {
				return usageErr(err)
			}
			var prog shipcheck.Progress
			display := startProgress(e, &prog, args[0])
			rep, err := shipcheck.Secrets(cmd.Context(), args[0], shipcheck.SecretsOptions{
				Options: shipcheck.Options{Options: opt, Progress: &prog}, Ignores: cfg.Secrets.Ignore, Allows: cfg.Secrets.Allow, Baseline: base,
				ThirdParty: policy, Internal: cfg.Secrets.Internal, CacheDir: cacheDir,
			})
			display.Stop()
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			for _, x := range rep.Expired {
				fmt.Fprintf(e.stderr, "shipcheck: note: the ignore rule for %s expired on %s; its findings count again\n", x.Fingerprint, x.Expires)
			}
			out := &secretsOutput{rep: rep, thirdParty: thirdParty}
			if err := writeOutputs(specs, secretsFormats, out, e.stdout); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			code := exitClean
			if n := failingSecrets(rep.Findings, thirdParty); n > 0 {
				code = exitFindings
				if !e.quiet {
					fmt.Fprintf(e.stderr, "shipcheck: %d secret(s) found that fail the gate\n", n)
				}
			}
			return reportProblems(e, rep.Inventory.Problems, af.allowPartial, code)
		},
	}
	af.register(cmd.Flags())
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "FORMAT[=FILE]: a report format, to FILE or standard output (repeat for several)")
	cmd.Flags().StringVar(&configFile, "config", "", "the configuration file (default: .shipcheck.yaml in the working folder, if any)")
	cmd.Flags().StringVar(&baseline, "baseline", "", "an earlier JSON report (--output json): report only the findings not in it")
	cmd.Flags().BoolVar(&thirdParty, "fail-on-third-party-secrets", false, "secrets inside installed third-party packages fail the gate too")
	sf.register(cmd)
	return cmd
}

// readBaseline reads the fingerprints of an earlier JSON report.
func readBaseline(path string) (map[string]bool, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	var rep struct {
		Secrets  []struct{ Fingerprint string } `json:"secrets"`
		Findings []struct{ Fingerprint string } `json:"findings"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("--baseline %s: not a shipcheck JSON report: %w", path, err)
	}
	out := map[string]bool{}
	for _, f := range append(rep.Secrets, rep.Findings...) {
		if f.Fingerprint != "" {
			out[f.Fingerprint] = true
		}
	}
	return out, nil
}

// parties counts the findings no rule suppresses, first-party and inside
// third-party packages.
func parties(fs []secrets.Finding) (first, third int) {
	for _, f := range fs {
		switch {
		case f.Suppressed != nil:
		case !f.FirstParty():
			third++
		default:
			first++
		}
	}
	return first, third
}

// failingSecrets counts the findings that fail the gate: not suppressed,
// and first-party unless third-party ones count.
func failingSecrets(fs []secrets.Finding, thirdParty bool) int {
	n := 0
	for _, f := range fs {
		if f.Suppressed == nil && (f.FirstParty() || thirdParty) {
			n++
		}
	}
	return n
}

func encodeSecretsTable(w io.Writer, o *secretsOutput) error {
	bw := bufio.NewWriter(w)
	writeSources(bw, o.rep.Inventory.Sources)
	fmt.Fprintln(bw)
	rows := [][]string{secretHeader}
	var suppressed []secrets.Finding
	for _, f := range o.rep.Findings {
		if f.Suppressed != nil {
			suppressed = append(suppressed, f)
			continue
		}
		rows = append(rows, secretRow(f))
	}
	first, third := parties(o.rep.Findings)
	writeRows(bw, rows)
	fmt.Fprintf(bw, "\n%d secret(s): %d first-party, %d in third-party packages; %d fail the gate",
		first+third, first, third, failingSecrets(o.rep.Findings, o.thirdParty))
	if o.rep.Baselined > 0 {
		fmt.Fprintf(bw, "; %d already in the baseline", o.rep.Baselined)
	}
	fmt.Fprintln(bw)
	if len(suppressed) > 0 {
		fmt.Fprintf(bw, "\n%d suppressed:\n", len(suppressed))
		for _, f := range suppressed {
			fmt.Fprintf(bw, "  %s %s:%d: %s\n", f.Fingerprint, archive.Printable(f.Path), f.Line, archive.Printable(f.Suppressed.Reason))
		}
	}
	return bw.Flush()
}

// secretsJSON is the JSON output of secrets (schema version 1).
type secretsJSON struct {
	Version   int                `json:"version"`
	Artifacts []packaging.Source `json:"artifacts"`
	Findings  []secretJSON       `json:"findings"`
	Baselined int                `json:"baselined,omitempty"`
	Failing   int                `json:"failing"`
	Problems  []problemJSON      `json:"problems,omitempty"`
}

type secretJSON struct {
	secrets.Finding
	Origin string `json:"origin"`
	Layer  string `json:"layer,omitempty"`
}

// secretOf is a finding as the JSON outputs write it.
func secretOf(f secrets.Finding) secretJSON {
	return secretJSON{Finding: f, Origin: f.Origin.String(), Layer: f.Origin.Layer}
}

func encodeSecretsJSON(w io.Writer, o *secretsOutput) error {
	out := secretsJSON{Version: 1, Artifacts: o.rep.Inventory.Sources, Findings: []secretJSON{}, Baselined: o.rep.Baselined,
		Failing: failingSecrets(o.rep.Findings, o.thirdParty)}
	for _, f := range o.rep.Findings {
		out.Findings = append(out.Findings, secretOf(f))
	}
	for _, p := range o.rep.Inventory.Problems {
		out.Problems = append(out.Problems, problemOf(p))
	}
	return writeJSON(w, out)
}

func encodeSecretsSARIF(w io.Writer, o *secretsOutput) error {
	run := newSARIFRun()
	addSecretResults(run, o.rep.Findings, o.thirdParty, "")
	return writeSARIF(w, run)
}

// addSecretResults adds one rule per secret rule and one result per
// finding: the first location is the finding's runtime path and line, the
// origin (artifact, layer, chain) in the result's properties.
func addSecretResults(run *sarif.Run, fs []secrets.Finding, thirdParty bool, deployment string) {
	for _, f := range fs {
		if _, err := run.GetRuleById(f.RuleID); err != nil {
			run.AddRule(f.RuleID).WithName(f.RuleID).
				WithShortDescription(sarif.NewMultiformatMessageString(f.Description)).
				WithHelp(sarif.NewMultiformatMessageString("A credential baked into the artifact: revoke it, then load it at run time from a secret store (AWS Secrets Manager or SSM Parameter Store, Azure Key Vault, Google Secret Manager) instead of shipping it.")).
				WithProperties(sarif.Properties{"security-severity": "8.0", "precision": string(f.Confidence), "tags": []string{"security", "secret"}})
		}
		msg := fmt.Sprintf("%s: %s (%d chars)", f.Description, f.Redacted, f.Length)
		if f.Variable != "" {
			msg += " in variable " + f.Variable
		}
		level := "error"
		if f.ThirdParty != nil && f.ThirdParty.Internal {
			msg += fmt.Sprintf(", inside the internal package %s %s", f.ThirdParty.Name, f.ThirdParty.Version)
		} else if f.ThirdParty != nil {
			msg += fmt.Sprintf(", inside the third-party package %s %s", f.ThirdParty.Name, f.ThirdParty.Version)
			if !thirdParty {
				level = "warning"
			}
		}
		if f.Status != "" {
			msg += ", in a file " + f.Status + " by a later image layer (it still ships)"
		}
		r := run.CreateResultForRule(f.RuleID).WithLevel(level).WithMessage(sarif.NewTextMessage(msg + "."))
		pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(sarifURI(f.Path)))
		if f.Line > 0 {
			pl.WithRegion(sarif.NewRegion().WithStartLine(f.Line))
		}
		r.AddLocation(sarif.NewLocationWithPhysicalLocation(pl).WithLogicalLocations(artifactLocation(f.Origin)))
		props := sarif.Properties{"origin": f.Origin.String(), "artifact": f.Origin.Artifact, "confidence": string(f.Confidence),
			"fingerprint": f.Fingerprint, "redacted": f.Redacted, "length": f.Length}
		if len(f.Origin.Chain) > 1 {
			props["chain"] = f.Origin.Chain
		}
		if f.Origin.Layer != "" {
			props["layer"] = f.Origin.Layer
		}
		if f.Status != "" {
			props["status"] = f.Status
		}
		if f.ThirdParty != nil {
			props["third_party"] = f.ThirdParty
		}
		if f.Variable != "" {
			props["variable"], props["format"] = f.Variable, f.Config
		}
		if f.Encoding != "" {
			props["encoding"] = f.Encoding
		}
		if deployment != "" {
			props["deployment"] = deployment
		}
		r.Properties = props
		r.WithPartialFingerPrints(map[string]any{"shipcheck/v1": f.Fingerprint})
		if s := f.Suppressed; s != nil {
			r.AddSuppression(sarif.NewSuppression("external").WithStatus("accepted").WithJustifcation(s.Reason).
				WithGuid(uuidFor(f.Fingerprint + "\x00" + s.Reason)).WithLocation(sarif.NewLocation().WithDescriptionText("an ignore rule of shipcheck's configuration")))
		}
	}
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
