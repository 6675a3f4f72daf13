package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/sbom/spdx"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// deployment is one argument of scan: an artifact and its layers.
type deployment struct {
	name     string // the artifact's base name, made unique
	artifact string
	layers   []string
	rep      *shipcheck.ScanReport
}

// scanOutput is what the scan encoders get.
type scanOutput struct {
	deps        []*deployment
	source      vuln.SourceInfo
	failOn      vuln.Level
	unkAs       vuln.Level
	failSecrets bool // first-party secrets fail the gate
	thirdParty  bool // third-party secrets too
	cdx         cyclonedx.Options
	spdx        spdx.Options
	now         time.Time
	color       bool
}

// perDeployment formats are one document per deployment: with several
// deployments, FILE becomes FILE's name with the deployment's inserted
// before the extension.
var perDeployment = map[string]bool{"cyclonedx-json": true, "cyclonedx-xml": true, "spdx-json": true}

var scanFormats = []encoder[*scanOutput]{
	{name: "table", help: "a table for people, grouped by deployment", enc: encodeScanTable},
	{name: "json", help: "everything found, JSON (schema version 1, see the README)", enc: encodeScanJSON},
	{name: "sarif", help: "SARIF 2.1.0 for GitHub code scanning: advisories and secrets", enc: encodeScanSARIF},
	{name: "cyclonedx-json", help: "the SBOM with its vulnerabilities, CycloneDX JSON", enc: func(w io.Writer, o *scanOutput) error {
		return cyclonedx.Encode(w, o.deps[0].rep.Inventory, o.cdxOptions(0, false))
	}},
	{name: "cyclonedx-xml", help: "the same, CycloneDX XML", enc: func(w io.Writer, o *scanOutput) error {
		return cyclonedx.Encode(w, o.deps[0].rep.Inventory, o.cdxOptions(0, true))
	}},
	{name: "spdx-json", help: "the SBOM, SPDX 2.3 JSON", enc: func(w io.Writer, o *scanOutput) error {
		return spdx.Encode(w, o.deps[0].rep.Inventory, o.spdx)
	}},
	{name: "markdown", help: "a short summary for a pull-request comment or $GITHUB_STEP_SUMMARY", enc: encodeScanMarkdown},
}

func (o *scanOutput) cdxOptions(i int, xml bool) cyclonedx.Options {
	opt := o.cdx
	opt.XML = xml
	opt.Findings = o.deps[i].rep.Vulns.Findings
	src := o.source
	opt.Advisories = &src
	return opt
}

func (o *scanOutput) vulnsFailing(d *deployment) int {
	return failing(d.rep.Vulns.Findings, o.failOn, o.unkAs)
}

func (o *scanOutput) secretsFailing(d *deployment) int {
	if !o.failSecrets {
		return 0
	}
	return failingSecrets(d.rep.Secrets, o.thirdParty)
}

func (o *scanOutput) failing() int {
	n := 0
	for _, d := range o.deps {
		n += o.vulnsFailing(d) + o.secretsFailing(d)
	}
	return n
}

func newScanCmd(e *env) *cobra.Command {
	var (
		af          artifactFlags
		adv         advisoryFlags
		gate        gateFlags
		outputs     []string
		vexs        []string
		configFile  string
		baseline    string
		specVersion string
		failSecrets bool
		thirdParty  bool
		noSecrets   bool
		sf          secretScanFlags
	)
	cmd := &cobra.Command{
		Use:   "scan DEPLOYMENT...",
		Short: "Scan an artifact: SBOM, vulnerabilities and secrets in one pass",
		Long: `Open each deployment once and answer the three questions together: what is
inside (the SBOM), is any of it known to be vulnerable (OSV advisories, Go
binaries analysed for the vulnerable code), and did anyone bake a credential
into it. Each file is read once, every analyser served from that one read.

A deployment is FUNCTION[,LAYER...]: an artifact and the Lambda layers it
runs with, in order (--layer says the same when there is one deployment).
Several deployments are reported each on its own, with a summary.

The gate (exit 1): a vulnerability at or above --fail-on (an advisory with no
severity counts as --unknown-severity; Go findings whose vulnerable code is
not in the binary do not count unless --go-reachability=off), or a
first-party secret (unless --fail-on-secrets=false; third-party ones with
--fail-on-third-party-secrets). Ignores and VEX statements apply first.

Several outputs in one run: --output table --output sarif=shipcheck.sarif
--output cyclonedx-json=bom.json. Files are written atomically. With several
deployments, the SBOM formats (cyclonedx-json, cyclonedx-xml, spdx-json) write
one file per deployment: bom.json becomes bom.<deployment>.json.

Defaults for every flag can be set in .shipcheck.yaml (shipcheck config init
writes an example) and overridden by SHIPCHECK_<FLAG> environment variables
(SHIPCHECK_FAIL_ON=critical); flags override both.

Formats for --output: ` + strings.Join(formatNames(scanFormats), ", ") + `

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
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			deps, err := parseDeployments(args, af.layers)
			if err != nil {
				return usageErr(err)
			}
			specs, err := parseOutputs(outputs, scanFormats, "table")
			if err != nil {
				return usageErr(err)
			}
			if len(deps) > 1 {
				for _, s := range specs {
					if perDeployment[s.Format] && s.File == "" {
						return usageErr(fmt.Errorf("--output %s: with several deployments, give a file (one is written per deployment)", s.Format))
					}
				}
			}
			failOn, unkAs, reach, err := gate.parse()
			if err != nil {
				return usageErr(err)
			}
			if _, ok := cyclonedx.SpecVersions[specVersion]; !ok {
				return usageErr(fmt.Errorf("--spec-version %q: one of 1.5, 1.6, 1.7", specVersion))
			}
			ts, det, err := buildTime(false)
			if err != nil {
				return usageErr(err)
			}
			cfg, err := shipcheck.LoadConfig(configFile)
			if err != nil {
				return usageErr(err)
			}
			vex, err := readVEX(vexs)
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
			// The advisories first: a missing database fails before any
			// artifact is read, and several deployments share one source.
			src, release, err := vuln.OpenSource(cmd.Context(), adv.options(e))
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			defer release()
			var probs []packaging.Problem
			for _, d := range deps {
				o := opt
				o.Layers = d.layers
				e.log.Info("scanning", "deployment", d.name, "artifact", d.artifact, "layers", len(d.layers))
				var prog shipcheck.Progress
				display := startProgress(e, &prog, d.name)
				rep, err := shipcheck.Scan(cmd.Context(), d.artifact, shipcheck.ScanOptions{
					Options: shipcheck.Options{Options: o, Progress: &prog}, Advisories: src,
					Ignores: cfg.Ignore, VEX: vex, SecretIgnores: cfg.Secrets.Ignore, SecretAllows: cfg.Secrets.Allow, Baseline: base,
					NoGoReachability: !reach, NoSecrets: noSecrets, ThirdParty: policy, Internal: cfg.Secrets.Internal, CacheDir: cacheDir,
				})
				display.Stop()
				if err != nil {
					return &exitError{code: exitIncomplete, err: fmt.Errorf("%s: %w", d.artifact, err)}
				}
				d.rep = rep
				probs = append(probs, rep.Inventory.Problems...)
				for _, x := range rep.VulnsExpired {
					fmt.Fprintf(e.stderr, "shipcheck: note: the ignore rule for %s expired on %s; its findings count again\n", x.ID, x.Expires)
				}
				for _, x := range rep.SecretsExpired {
					fmt.Fprintf(e.stderr, "shipcheck: note: the ignore rule for %s expired on %s; its findings count again\n", x.Fingerprint, x.Expires)
				}
				e.log.Debug("read", "deployment", d.name, "files", rep.Reads.Files, "decompressed", rep.Reads.Decompressed)
			}
			out := &scanOutput{deps: deps, source: src.About(), failOn: failOn, unkAs: unkAs,
				failSecrets: failSecrets && !noSecrets, thirdParty: thirdParty, now: time.Now(),
				cdx:   cyclonedx.Options{SpecVersion: specVersion, Time: ts, Deterministic: det, ToolVersion: toolVersion()},
				spdx:  spdx.Options{Time: ts, Deterministic: det, ToolVersion: toolVersion()},
				color: colorFor(e.stdout)}
			if err := writeScanOutputs(specs, out, e.stdout); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			code := exitClean
			if n := out.failing(); n > 0 {
				code = exitFindings
				if !e.quiet {
					fmt.Fprintf(e.stderr, "shipcheck: %d finding(s) fail the gate (--fail-on %s%s)\n", n, failOn, secretsGateText(out))
				}
			}
			return reportProblems(e, probs, af.allowPartial, code)
		},
	}
	af.register(cmd.Flags())
	adv.register(cmd.Flags())
	gate.register(cmd.Flags())
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "FORMAT[=FILE]: a report format, to FILE or standard output (repeat for several)")
	cmd.Flags().StringArrayVar(&vexs, "vex", nil, "a VEX document (OpenVEX or CycloneDX): not_affected statements suppress findings (repeat for several)")
	cmd.Flags().StringVar(&configFile, "config", "", "the configuration file (default: .shipcheck.yaml in the working folder, if any)")
	cmd.Flags().StringVar(&baseline, "baseline", "", "an earlier JSON report (--output json): secrets already in it are left out")
	cmd.Flags().StringVar(&specVersion, "spec-version", "1.6", "CycloneDX specification version for cyclonedx outputs: 1.5, 1.6 or 1.7")
	cmd.Flags().BoolVar(&failSecrets, "fail-on-secrets", true, "a first-party secret fails the gate")
	cmd.Flags().BoolVar(&thirdParty, "fail-on-third-party-secrets", false, "secrets inside installed third-party packages fail the gate too")
	cmd.Flags().BoolVar(&noSecrets, "no-secrets", false, "skip the secret scan")
	sf.register(cmd)
	return cmd
}

func secretsGateText(o *scanOutput) string {
	switch {
	case !o.failSecrets:
		return ""
	case o.thirdParty:
		return ", any secret"
	}
	return ", first-party secrets"
}

// parseDeployments reads FUNCTION[,LAYER...] arguments; --layer applies
// only to a single one.
func parseDeployments(args, layers []string) ([]*deployment, error) {
	if len(args) > 1 && len(layers) > 0 {
		return nil, errors.New("--layer applies to one deployment; with several, write each as FUNCTION,LAYER...")
	}
	var out []*deployment
	seen := map[string]int{}
	for _, a := range args {
		parts := strings.Split(a, ",")
		if _, err := os.Stat(a); err == nil {
			parts = []string{a} // a path with a comma in its name
		}
		for _, p := range parts {
			if p == "" {
				return nil, fmt.Errorf("deployment %q: an empty artifact name", a)
			}
		}
		d := &deployment{artifact: parts[0], layers: append(parts[1:len(parts):len(parts)], layers...)}
		name := filepath.Base(strings.TrimRight(d.artifact, `/\`))
		seen[name]++
		if seen[name] > 1 {
			ext := filepath.Ext(name)
			name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), seen[name], ext)
		}
		d.name = name
		out = append(out, d)
	}
	return out, nil
}

// writeScanOutputs writes every output; a per-deployment format with
// several deployments is written once per deployment.
func writeScanOutputs(specs []outputSpec, o *scanOutput, stdout io.Writer) error {
	var once []outputSpec
	for _, s := range specs {
		if !perDeployment[s.Format] || len(o.deps) == 1 {
			once = append(once, s)
			continue
		}
		for i, d := range o.deps {
			one := *o
			one.deps = o.deps[i : i+1]
			if err := writeOutputs([]outputSpec{{Format: s.Format, File: fileFor(s.File, d.name)}}, scanFormats, &one, stdout); err != nil {
				return err
			}
		}
	}
	return writeOutputs(once, scanFormats, o, stdout)
}

// fileFor inserts a deployment's name (without its own extension) before
// a file name's extension.
func fileFor(file, name string) string {
	name = strings.TrimSuffix(name, filepath.Ext(name))
	ext := filepath.Ext(file)
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, name)
	return strings.TrimSuffix(file, ext) + "." + safe + ext
}

// colorFor: colour only on a terminal, and never with NO_COLOR set
// (no-color.org).
func colorFor(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func paint(on bool, code, s string) string {
	if !on {
		return s
	}
	return code + s + ansiReset
}

func encodeScanTable(w io.Writer, o *scanOutput) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\n", describeSource(o.source, o.now))
	for _, d := range o.deps {
		fmt.Fprintf(bw, "\n%s\n", paint(o.color, ansiBold, "== "+archive.Printable(d.name)))
		inv := d.rep.Inventory
		writeSources(bw, inv.Sources)
		fmt.Fprintf(bw, "%d package(s), %d file(s) read\n", len(inv.Packages), d.rep.Reads.Files)

		fmt.Fprintf(bw, "\n%s\n", paint(o.color, ansiBold, "vulnerabilities"))
		rows := [][]string{vulnHeader}
		suppressed := 0
		for _, f := range d.rep.Vulns.Findings {
			if f.Suppressed != nil {
				suppressed++
				continue
			}
			r := findingRow(f)
			r[0] = paintLevel(o.color, f.Rating.Level, r[0])
			rows = append(rows, r)
		}
		if len(rows) > 1 {
			writeRows(bw, rows)
		} else {
			fmt.Fprintln(bw, "none")
		}
		fmt.Fprintf(bw, "%d fail --fail-on %s", o.vulnsFailing(d), o.failOn)
		if suppressed > 0 {
			fmt.Fprintf(bw, "; %d suppressed by ignores or VEX", suppressed)
		}
		fmt.Fprintln(bw)

		fmt.Fprintf(bw, "\n%s\n", paint(o.color, ansiBold, "secrets"))
		rows = [][]string{secretHeader}
		suppressed = 0
		for _, f := range d.rep.Secrets {
			if f.Suppressed != nil {
				suppressed++
				continue
			}
			rows = append(rows, secretRow(f))
		}
		if len(rows) > 1 {
			writeRows(bw, rows)
		} else {
			fmt.Fprintln(bw, "none")
		}
		fmt.Fprintf(bw, "%d fail the gate", o.secretsFailing(d))
		if suppressed > 0 {
			fmt.Fprintf(bw, "; %d ignored", suppressed)
		}
		if d.rep.Baselined > 0 {
			fmt.Fprintf(bw, "; %d already in the baseline", d.rep.Baselined)
		}
		fmt.Fprintln(bw)
	}
	n := o.failing()
	verdict := paint(o.color, ansiGreen, "PASS")
	if n > 0 {
		verdict = paint(o.color, ansiRed, "FAIL")
	}
	fmt.Fprintf(bw, "\n%s: %s\n", verdict, summaryLine(o))
	return bw.Flush()
}

func paintLevel(on bool, l vuln.Level, s string) string {
	switch l {
	case vuln.Critical, vuln.High:
		return paint(on, ansiRed, s)
	case vuln.Medium:
		return paint(on, ansiYellow, s)
	}
	return s
}

// summaryLine counts what every deployment holds.
func summaryLine(o *scanOutput) string {
	pkgs, vulns, first, third := 0, 0, 0, 0
	for _, d := range o.deps {
		pkgs += len(d.rep.Inventory.Packages)
		for _, f := range d.rep.Vulns.Findings {
			if f.Suppressed == nil {
				vulns++
			}
		}
		f, t := parties(d.rep.Secrets)
		first, third = first+f, third+t
	}
	return fmt.Sprintf("%d deployment(s), %d package(s), %d vulnerability finding(s), %d first-party and %d third-party secret(s); %d fail the gate",
		len(o.deps), pkgs, vulns, first, third, o.failing())
}

func secretRow(f secrets.Finding) []string {
	where := f.Path
	if f.Line > 0 {
		where += fmt.Sprintf(":%d", f.Line)
	}
	if f.Status != "" {
		where += " (" + f.Status + " by a later layer)"
	}
	if f.Variable != "" {
		where += " " + f.Variable
	}
	party := "first"
	switch {
	case f.ThirdParty != nil && f.ThirdParty.Internal:
		party = "first (internal " + f.ThirdParty.Name + "@" + f.ThirdParty.Version + ")"
	case f.ThirdParty != nil:
		party = "third: " + f.ThirdParty.Name + "@" + f.ThirdParty.Version
	}
	secret := fmt.Sprintf("%s (%d chars)", f.Redacted, f.Length)
	if f.Encoding != "" {
		secret += " " + f.Encoding
	}
	return []string{f.RuleID, string(f.Confidence), archive.Printable(where), archive.Printable(secret), archive.Printable(party), f.Fingerprint}
}

// scanJSON is the JSON output of scan, schema version 1 (README: "JSON
// output"); fields are only ever added within a version.
type scanJSON struct {
	Version     int              `json:"version"`
	Tool        toolJSON         `json:"tool"`
	Advisories  vuln.SourceInfo  `json:"advisories"`
	FailOn      string           `json:"fail_on"`
	Deployments []deploymentJSON `json:"deployments"`
	Failing     int              `json:"failing"`
}

type toolJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type deploymentJSON struct {
	Name            string              `json:"name"`
	Artifacts       []packaging.Source  `json:"artifacts"`
	Packages        []packageJSON       `json:"packages"`
	Vulnerabilities []findingJSON       `json:"vulnerabilities"`
	Secrets         []secretJSON        `json:"secrets"`
	Baselined       int                 `json:"baselined,omitempty"`
	Problems        []problemJSON       `json:"problems,omitempty"`
	Reads           packaging.ReadStats `json:"reads"`
	Failing         failingJSON         `json:"failing"`
}

type packageJSON struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	PURL      string `json:"purl,omitempty"`
	Path      string `json:"path,omitempty"`
	Declared  bool   `json:"declared_only,omitempty"`
}

type failingJSON struct {
	Vulnerabilities int `json:"vulnerabilities"`
	Secrets         int `json:"secrets"`
}

func encodeScanJSON(w io.Writer, o *scanOutput) error {
	out := scanJSON{Version: 1, Tool: toolJSON{"shipcheck", version()}, Advisories: o.source, FailOn: string(o.failOn),
		Deployments: []deploymentJSON{}, Failing: o.failing()}
	for _, d := range o.deps {
		dj := deploymentJSON{Name: d.name, Artifacts: d.rep.Inventory.Sources, Packages: []packageJSON{},
			Vulnerabilities: []findingJSON{}, Secrets: []secretJSON{}, Baselined: d.rep.Baselined, Reads: d.rep.Reads,
			Failing: failingJSON{o.vulnsFailing(d), o.secretsFailing(d)}}
		for _, p := range d.rep.Inventory.Packages {
			pj := packageJSON{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version, PURL: p.PURL}
			if len(p.Locations) > 0 {
				pj.Path = p.Locations[0].Path
			}
			pj.Declared = p.DeclaredOnly
			dj.Packages = append(dj.Packages, pj)
		}
		for _, f := range d.rep.Vulns.Findings {
			dj.Vulnerabilities = append(dj.Vulnerabilities, findingOf(f))
		}
		for _, f := range d.rep.Secrets {
			dj.Secrets = append(dj.Secrets, secretOf(f))
		}
		for _, p := range d.rep.Inventory.Problems {
			dj.Problems = append(dj.Problems, problemOf(p))
		}
		out.Deployments = append(out.Deployments, dj)
	}
	return writeJSON(w, out)
}

func encodeScanSARIF(w io.Writer, o *scanOutput) error {
	run := newSARIFRun()
	run.Properties = sarif.Properties{"advisories": describeSource(o.source, o.now)}
	for _, d := range o.deps {
		name := ""
		if len(o.deps) > 1 {
			name = d.name
		}
		addVulnResults(run, d.rep.Vulns.Findings, o.unkAs, name)
		addSecretResults(run, d.rep.Secrets, o.thirdParty, name)
	}
	return writeSARIF(w, run)
}

// encodeScanMarkdown writes a short summary: the verdict, a table of counts
// per deployment, then what fails the gate (at most 20 lines each).
func encodeScanMarkdown(w io.Writer, o *scanOutput) error {
	bw := bufio.NewWriter(w)
	n := o.failing()
	if n > 0 {
		fmt.Fprintf(bw, "## shipcheck: :x: %d finding(s) fail the gate\n\n", n)
	} else {
		fmt.Fprintf(bw, "## shipcheck: :white_check_mark: passed\n\n")
	}
	fmt.Fprintf(bw, "| Deployment | Packages | Critical | High | Medium | Low | Unknown | Secrets (first-party) | Secrets (third-party) | Failing |\n")
	fmt.Fprintf(bw, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range o.deps {
		lv := map[vuln.Level]int{}
		for _, f := range d.rep.Vulns.Findings {
			if f.Suppressed == nil {
				lv[f.Rating.Level]++
			}
		}
		first, third := parties(d.rep.Secrets)
		fmt.Fprintf(bw, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n", mdCell(d.name), len(d.rep.Inventory.Packages),
			lv[vuln.Critical], lv[vuln.High], lv[vuln.Medium], lv[vuln.Low]+lv[vuln.None], lv[vuln.Unknown], first, third,
			o.vulnsFailing(d)+o.secretsFailing(d))
	}
	const most = 20
	for _, d := range o.deps {
		var lines []string
		for _, f := range d.rep.Vulns.Findings {
			if failing([]vuln.Finding{f}, o.failOn, o.unkAs) == 0 {
				continue
			}
			fixed := "no fix"
			if f.Fixed != "" {
				fixed = "fixed in " + f.Fixed
			}
			lines = append(lines, fmt.Sprintf("- **%s** %s: `%s` %s (%s)", f.Rating.Level, mdCell(f.ID), mdCell(f.Name), mdCell(f.Version), mdCell(fixed)))
		}
		if o.failSecrets {
			for _, f := range d.rep.Secrets {
				if failingSecrets([]secrets.Finding{f}, o.thirdParty) == 0 {
					continue
				}
				where := f.Path
				if f.Line > 0 {
					where += fmt.Sprintf(":%d", f.Line)
				}
				lines = append(lines, fmt.Sprintf("- **secret** %s in `%s` (`%s`, %d chars)", mdCell(f.RuleID), mdCell(where), mdCell(f.Redacted), f.Length))
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n### %s\n\n", mdCell(d.name))
		for i, l := range lines {
			if i == most {
				fmt.Fprintf(bw, "- and %d more\n", len(lines)-most)
				break
			}
			fmt.Fprintln(bw, l)
		}
	}
	fmt.Fprintf(bw, "\n<sub>%s; advisories: %s</sub>\n", mdCell(summaryLine(o)), mdCell(describeSource(o.source, o.now)))
	return bw.Flush()
}

// mdCell makes text safe in a Markdown table cell or list item.
func mdCell(s string) string {
	s = archive.Printable(s)
	r := strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
