package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// diffOutput is what the diff encoders get.
type diffOutput struct {
	old, new     string
	packages     sbom.PackageDiff
	newVulns     []vuln.Finding
	fixedVulns   []vuln.Finding
	newSecrets   []secrets.Finding
	secretsKnown bool // both sides are artifacts: secrets were compared
	source       vuln.SourceInfo
	failOn       vuln.Level
	unkAs        vuln.Level
	failSecrets  bool
	thirdParty   bool
}

var diffFormats = []encoder[*diffOutput]{
	{name: "table", help: "for people", enc: encodeDiffTable},
	{name: "json", help: "the differences as JSON (schema version 1)", enc: encodeDiffJSON},
	{name: "markdown", help: "for a pull-request comment or a release review", enc: encodeDiffMarkdown},
}

func (o *diffOutput) failing() int {
	n := failing(o.newVulns, o.failOn, o.unkAs)
	if o.failSecrets {
		n += failingSecrets(o.newSecrets, o.thirdParty)
	}
	return n
}

func newDiffCmd(e *env) *cobra.Command {
	var (
		af          artifactFlags
		adv         advisoryFlags
		gate        gateFlags
		outputs     []string
		configFile  string
		oldLayers   []string
		failSecrets bool
		thirdParty  bool
		sf          secretScanFlags
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
first-party secret.

Formats for --output: ` + strings.Join(formatNames(diffFormats), ", ") + `

` + exitCodesHelp,
		Example: `  shipcheck diff deployed.zip candidate.zip --advisories ./osv-exports
  shipcheck diff bom-v41.json candidate.zip --layer layer.zip --output markdown`,
		Args: exactArgs(2, "OLD and NEW (artifacts or CycloneDX SBOMs)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			specs, err := parseOutputs(outputs, diffFormats, "table")
			if err != nil {
				return usageErr(err)
			}
			failOn, unkAs, reach, err := gate.parse()
			if err != nil {
				return usageErr(err)
			}
			cfg, err := shipcheck.LoadConfig(configFile)
			if err != nil {
				return usageErr(err)
			}
			policy, cacheDir, err := sf.options()
			if err != nil {
				return usageErr(err)
			}
			src, release, err := vuln.OpenSource(cmd.Context(), adv.options(e))
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			defer release()
			var probs []packaging.Problem
			side := func(path string, layers []string) (*shipcheck.ScanReport, bool, error) {
				so := shipcheck.ScanOptions{Advisories: src, Ignores: cfg.Ignore, SecretIgnores: cfg.Secrets.Ignore,
					SecretAllows: cfg.Secrets.Allow, NoGoReachability: !reach, ThirdParty: policy, Internal: cfg.Secrets.Internal, CacheDir: cacheDir}
				if shipcheck.IsSBOM(path) {
					if len(layers) > 0 {
						return nil, false, usageErr(fmt.Errorf("%s is an SBOM: layers apply to artifacts", path))
					}
					rep, err := shipcheck.ScanSBOM(cmd.Context(), path, so)
					return rep, false, err
				}
				o := opt
				o.Layers = layers
				so.Options = shipcheck.Options{Options: o}
				rep, err := shipcheck.Scan(cmd.Context(), path, so)
				if err == nil {
					probs = append(probs, rep.Inventory.Problems...)
				}
				return rep, true, err
			}
			oldRep, oldArt, err := side(args[0], oldLayers)
			if err != nil {
				return asExit(fmt.Errorf("%s: %w", args[0], err))
			}
			newRep, newArt, err := side(args[1], af.layers)
			if err != nil {
				return asExit(fmt.Errorf("%s: %w", args[1], err))
			}
			out := &diffOutput{old: args[0], new: args[1], source: src.About(), failOn: failOn, unkAs: unkAs,
				failSecrets: failSecrets, thirdParty: thirdParty, secretsKnown: oldArt && newArt,
				packages: sbom.Diff(oldRep.Inventory.Packages, newRep.Inventory.Packages)}
			out.newVulns = vulnsOnlyIn(newRep.Vulns.Findings, oldRep.Vulns.Findings)
			out.fixedVulns = vulnsOnlyIn(oldRep.Vulns.Findings, newRep.Vulns.Findings)
			if out.secretsKnown {
				seen := map[string]bool{}
				for _, f := range oldRep.Secrets {
					seen[f.Fingerprint] = true
				}
				for _, f := range newRep.Secrets {
					if !seen[f.Fingerprint] {
						out.newSecrets = append(out.newSecrets, f)
					}
				}
			}
			if err := writeOutputs(specs, diffFormats, out, e.stdout); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			code := exitClean
			if n := out.failing(); n > 0 {
				code = exitFindings
				if !e.quiet {
					fmt.Fprintf(e.stderr, "shipcheck: %s brings %d new finding(s) that fail the gate\n", args[1], n)
				}
			}
			return reportProblems(e, probs, af.allowPartial, code)
		},
	}
	af.register(cmd.Flags())
	adv.register(cmd.Flags())
	gate.register(cmd.Flags())
	cmd.Flags().StringArrayVar(&oldLayers, "old-layer", nil, "a Lambda layer of OLD (repeat, in order); --layer gives NEW's")
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "FORMAT[=FILE]: a report format, to FILE or standard output (repeat for several)")
	cmd.Flags().StringVar(&configFile, "config", "", "the configuration file (default: .shipcheck.yaml in the working folder, if any)")
	cmd.Flags().BoolVar(&failSecrets, "fail-on-secrets", true, "a new first-party secret fails the gate")
	cmd.Flags().BoolVar(&thirdParty, "fail-on-third-party-secrets", false, "new secrets inside third-party packages fail the gate too")
	sf.register(cmd)
	return cmd
}

func asExit(err error) error {
	if _, ok := err.(*exitError); ok {
		return err
	}
	return &exitError{code: exitIncomplete, err: err}
}

// vulnsOnlyIn returns the findings of a whose advisory does not affect the
// same package and version in b.
func vulnsOnlyIn(a, b []vuln.Finding) []vuln.Finding {
	key := func(f vuln.Finding) string { return f.ID + "\x00" + f.Ecosystem + "\x00" + f.Name + "\x00" + f.Version }
	in := map[string]bool{}
	for _, f := range b {
		in[key(f)] = true
	}
	var out []vuln.Finding
	for _, f := range a {
		if !in[key(f)] {
			out = append(out, f)
		}
	}
	return out
}

func versionsText(v []string) string {
	if len(v) == 0 {
		return "-"
	}
	return strings.Join(v, ", ")
}

func encodeDiffTable(w io.Writer, o *diffOutput) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s -> %s\n%s\n\n", archive.Printable(o.old), archive.Printable(o.new), describeSource(o.source, timeNow()))
	rows := [][]string{{"CHANGE", "ECOSYSTEM", "PACKAGE", "OLD", "NEW"}}
	for _, g := range []struct {
		what string
		cs   []sbom.Change
	}{{"added", o.packages.Added}, {"removed", o.packages.Removed}, {"changed", o.packages.Changed}} {
		for _, c := range g.cs {
			rows = append(rows, []string{g.what, c.Ecosystem, archive.Printable(c.Name), archive.Printable(versionsText(c.Old)), archive.Printable(versionsText(c.New))})
		}
	}
	if len(rows) > 1 {
		writeRows(bw, rows)
	} else {
		fmt.Fprintln(bw, "no package changes")
	}
	fmt.Fprintf(bw, "\nnew advisories (%d):\n", len(o.newVulns))
	if len(o.newVulns) > 0 {
		rows = [][]string{vulnHeader}
		for _, f := range o.newVulns {
			rows = append(rows, findingRow(f))
		}
		writeRows(bw, rows)
	}
	if len(o.fixedVulns) > 0 {
		fmt.Fprintf(bw, "\nadvisories fixed by %s (%d):\n", archive.Printable(o.new), len(o.fixedVulns))
		for _, f := range o.fixedVulns {
			fmt.Fprintf(bw, "  %s %s %s\n", f.ID, archive.Printable(f.Name), archive.Printable(f.Version))
		}
	}
	if o.secretsKnown {
		fmt.Fprintf(bw, "\nnew secrets (%d):\n", len(o.newSecrets))
		if len(o.newSecrets) > 0 {
			rows = [][]string{secretHeader}
			for _, f := range o.newSecrets {
				rows = append(rows, secretRow(f))
			}
			writeRows(bw, rows)
		}
	} else {
		fmt.Fprintln(bw, "\nsecrets: not compared (an SBOM holds no file contents)")
	}
	fmt.Fprintf(bw, "\n%d package(s) added, %d removed, %d changed; %d new advisory finding(s); %d new finding(s) fail the gate\n",
		len(o.packages.Added), len(o.packages.Removed), len(o.packages.Changed), len(o.newVulns), o.failing())
	return bw.Flush()
}

type diffJSON struct {
	Version        int              `json:"version"`
	Old            string           `json:"old"`
	New            string           `json:"new"`
	Advisories     vuln.SourceInfo  `json:"advisories"`
	Packages       sbom.PackageDiff `json:"packages"`
	NewVulns       []vuln.Finding   `json:"new_vulnerabilities"`
	FixedVulns     []vuln.Finding   `json:"fixed_vulnerabilities"`
	NewSecrets     []secretJSON     `json:"new_secrets"`
	SecretsCompare bool             `json:"secrets_compared"`
	Failing        int              `json:"failing"`
}

func encodeDiffJSON(w io.Writer, o *diffOutput) error {
	out := diffJSON{Version: 1, Old: o.old, New: o.new, Advisories: o.source, Packages: o.packages,
		NewVulns: append([]vuln.Finding{}, o.newVulns...), FixedVulns: append([]vuln.Finding{}, o.fixedVulns...),
		NewSecrets: []secretJSON{}, SecretsCompare: o.secretsKnown, Failing: o.failing()}
	for _, f := range o.newSecrets {
		out.NewSecrets = append(out.NewSecrets, secretOf(f))
	}
	return writeJSON(w, out)
}

func encodeDiffMarkdown(w io.Writer, o *diffOutput) error {
	bw := bufio.NewWriter(w)
	verdict := ":white_check_mark: nothing new fails the gate"
	if n := o.failing(); n > 0 {
		verdict = fmt.Sprintf(":x: %d new finding(s) fail the gate", n)
	}
	fmt.Fprintf(bw, "## shipcheck diff: %s\n\n`%s` → `%s`\n\n", verdict, mdCell(o.old), mdCell(o.new))
	fmt.Fprintf(bw, "| Packages added | removed | changed | New advisories | Fixed advisories | New secrets |\n|---:|---:|---:|---:|---:|---:|\n")
	ns := "n/a"
	if o.secretsKnown {
		ns = fmt.Sprint(len(o.newSecrets))
	}
	fmt.Fprintf(bw, "| %d | %d | %d | %d | %d | %s |\n", len(o.packages.Added), len(o.packages.Removed), len(o.packages.Changed), len(o.newVulns), len(o.fixedVulns), ns)
	if len(o.packages.Changed)+len(o.packages.Added)+len(o.packages.Removed) > 0 {
		fmt.Fprintf(bw, "\n<details><summary>Package changes</summary>\n\n| | Package | Old | New |\n|---|---|---|---|\n")
		for _, g := range []struct {
			what string
			cs   []sbom.Change
		}{{"added", o.packages.Added}, {"removed", o.packages.Removed}, {"changed", o.packages.Changed}} {
			for _, c := range g.cs {
				fmt.Fprintf(bw, "| %s | %s (%s) | %s | %s |\n", g.what, mdCell(c.Name), mdCell(c.Ecosystem), mdCell(versionsText(c.Old)), mdCell(versionsText(c.New)))
			}
		}
		fmt.Fprintf(bw, "\n</details>\n")
	}
	for _, f := range o.newVulns {
		fmt.Fprintf(bw, "- **%s** %s: `%s` %s\n", f.Rating.Level, mdCell(f.ID), mdCell(f.Name), mdCell(f.Version))
	}
	for _, f := range o.newSecrets {
		fmt.Fprintf(bw, "- **secret** %s in `%s` (`%s`, %d chars)\n", mdCell(f.RuleID), mdCell(f.Path), mdCell(f.Redacted), f.Length)
	}
	return bw.Flush()
}

var timeNow = time.Now
