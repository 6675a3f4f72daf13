package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/internal/console"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/vuln"
)

// reportFlags are the flags of every command that writes a report (scan,
// sbom, vuln, secrets, diff): its outputs and its configuration.
type reportFlags struct {
	kind        report.Kind
	def         string // the default format
	outputs     []string
	format      string // --format/-f: only to say what to write instead
	configFile  string
	specVersion string
}

func (f *reportFlags) register(cmd *cobra.Command, kind report.Kind, def string) {
	f.kind, f.def = kind, def
	names := report.Names(report.FormatsFor(kind))
	fs := cmd.Flags()
	fs.StringArrayVarP(&f.outputs, "output", "o", nil, "FORMAT[=FILE]: a report format ("+strings.Join(names, ", ")+"), to FILE or standard output (repeat for several)")
	cmd.RegisterFlagCompletionFunc("output", func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		if strings.Contains(typed, "=") {
			return nil, cobra.ShellCompDirectiveDefault // a file name
		}
		out := make([]string, 0, 2*len(names))
		for _, n := range names {
			out = append(out, n, n+"=")
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
	// Trivy and grype write --format X --output FILE, gitleaks -f X: say
	// how to write that here rather than read FILE as a format name.
	fs.StringVarP(&f.format, "format", "f", "", "")
	fs.MarkHidden("format")
	fs.StringVar(&f.configFile, "config", "", "the configuration file (default: .shipcheck.yaml in the working folder, if any)")
	for _, ff := range report.FormatsFor(kind) {
		if strings.HasPrefix(ff.Name, "cyclonedx") {
			fs.StringVar(&f.specVersion, "spec-version", "1.6", "CycloneDX specification version for cyclonedx outputs: 1.5, 1.6 or 1.7")
			cmd.RegisterFlagCompletionFunc("spec-version", cobra.FixedCompletions([]string{"1.5", "1.6", "1.7"}, cobra.ShellCompDirectiveNoFileComp))
			break
		}
	}
}

// formatsHelp lists a view's formats for its --help.
func formatsHelp(kind report.Kind) string {
	var b strings.Builder
	b.WriteString("Formats for --output (any case):\n")
	for _, f := range report.FormatsFor(kind) {
		fmt.Fprintf(&b, "  %-15s %s\n", f.Name, f.Help)
	}
	return strings.TrimRight(b.String(), "\n")
}

// specs reads the outputs (see report.ParseOutputs) for a run of n
// deployments.
func (f *reportFlags) specs(n int) ([]report.Output, error) {
	if f.format != "" {
		return nil, formatHint(f.format, f.outputs)
	}
	if _, ok := cyclonedx.SpecVersions[f.specVersion]; f.specVersion != "" && !ok {
		return nil, fmt.Errorf("--spec-version %q: one of 1.5, 1.6, 1.7", f.specVersion)
	}
	return report.ParseOutputs(f.kind, f.outputs, f.def, n)
}

// formatHint is the error for --format/-f: what to write instead.
func formatHint(format string, outputs []string) error {
	want := "--output " + format
	if len(outputs) == 1 && !strings.Contains(outputs[0], "=") {
		want = "--output " + format + "=" + outputs[0]
	}
	return fmt.Errorf("--format: shipcheck names the format and its file together, and takes several: write %s", want)
}

// encoderOptions: the table fits the terminal on standard output (its
// width, or COLUMNS), in colour there unless NO_COLOR.
func (f *reportFlags) encoderOptions(e *env, file string) report.Options {
	o := report.Options{SpecVersion: f.specVersion}
	if file == "" {
		o.Width, o.Color = console.Width(e.stdout), console.Color(e.stdout)
	}
	return o
}

// finish prints the report's notes, writes its outputs and returns the
// exit: 1 when findings fail the gate, 2 when an artifact was read only in
// part (unless allowed) or an output could not be written.
func (f *reportFlags) finish(e *env, specs []report.Output, r *report.Report, allowPartial bool) error {
	for _, n := range report.Notes(r) {
		fmt.Fprintf(e.stderr, "shipcheck: note: %s\n", n)
	}
	if err := report.Write(r, specs, e.stdout, func(file string) report.Options { return f.encoderOptions(e, file) }); err != nil {
		return &exitError{code: exitIncomplete, err: err}
	}
	code := exitClean
	if r.Failing > 0 {
		code = exitFindings
		if !e.quiet {
			fmt.Fprintf(e.stderr, "shipcheck: %d finding(s) fail the gate (%s)\n", r.Failing, r.Gate.Describe(r.Kind))
		}
	}
	return reportProblems(e, r.Problems(), allowPartial, code)
}

// gateFlags decide the exit code from findings.
type gateFlags struct {
	failOn, unknownAs string
	goReach           string
	secrets           bool   // a first-party secret fails
	thirdParty        bool   // any secret fails
	permissions       string // --fail-on-permissions; "" where the view has none
}

// registerPermissions declares --fail-on-permissions.
func (g *gateFlags) registerPermissions(cmd *cobra.Command) {
	cmd.Flags().StringVar(&g.permissions, "fail-on-permissions", "high", "exit 1 when a permission finding is at or above this severity: critical, high, medium, low, or never (report only)")
	cmd.RegisterFlagCompletionFunc("fail-on-permissions", cobra.FixedCompletions(report.PermissionsFailOnValues, cobra.ShellCompDirectiveNoFileComp))
}

func (g *gateFlags) register(cmd *cobra.Command, vulns, secrets bool) {
	fs := cmd.Flags()
	if vulns {
		fs.StringVar(&g.failOn, "fail-on", "high", "exit 1 when a finding is at or above this severity: critical, high, medium, low, none (any finding), or never (report only, exit 0 with findings)")
		fs.StringVar(&g.unknownAs, "unknown-severity", "high", "the severity an advisory with none counts as for --fail-on")
		fs.StringVar(&g.goReach, "go-reachability", "on", "on: analyse Go binaries with govulncheck and count only Go findings whose vulnerable code is in the binary; off: module level")
		levels := cobra.FixedCompletions([]string{"critical", "high", "medium", "low", "none"}, cobra.ShellCompDirectiveNoFileComp)
		cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions(report.FailOnValues, cobra.ShellCompDirectiveNoFileComp))
		cmd.RegisterFlagCompletionFunc("unknown-severity", levels)
		cmd.RegisterFlagCompletionFunc("go-reachability", cobra.FixedCompletions([]string{"on", "off"}, cobra.ShellCompDirectiveNoFileComp))
	} else {
		g.failOn, g.unknownAs, g.goReach = "high", "high", "on"
		fs.StringVar(&g.failOn, "fail-on", "secrets", "secrets: a secret that counts fails (exit 1); never: report only")
		cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"secrets", "never"}, cobra.ShellCompDirectiveNoFileComp))
	}
	if secrets {
		if vulns {
			fs.BoolVar(&g.secrets, "fail-on-secrets", true, "a first-party secret fails the gate")
		} else {
			g.secrets = true
		}
		fs.BoolVar(&g.thirdParty, "fail-on-third-party-secrets", false, "secrets inside installed third-party packages fail the gate too")
	}
}

// gate reads the gate's flags, and whether Go binaries are analysed.
func (g *gateFlags) gate() (report.Gate, bool, error) {
	gt, err := report.ParseGate(g.failOn, g.unknownAs)
	if err != nil {
		return gt, false, err
	}
	gt.Secrets, gt.ThirdPartySecrets = g.secrets, g.thirdParty
	if g.permissions != "" {
		if gt.Permissions, err = report.ParsePermissionsFailOn(g.permissions); err != nil {
			return gt, false, err
		}
	}
	switch g.goReach {
	case "on":
		return gt, true, nil
	case "off":
		return gt, false, nil
	}
	return gt, false, fmt.Errorf("--go-reachability: %q is not on or off", g.goReach)
}

// buildTime returns the timestamp to write and whether output must be
// deterministic: SOURCE_DATE_EPOCH (reproducible-builds.org) sets both.
func buildTime(deterministic bool) (time.Time, bool, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), true, nil
	}
	if deterministic {
		return time.Unix(0, 0).UTC(), true, nil
	}
	return time.Time{}, false, nil
}

// progressEach starts a progress display for the advisories while they
// are indexed or a database is built (the run opens them first), and then
// one for each target.
func progressEach(e *env, p *shipcheck.Progress, so *shipcheck.ScanOptions) func(t shipcheck.Target) func() {
	bp := &vuln.BuildProgress{}
	so.Source.Progress = bp
	build := e.status(func() string { return bp.Line("advisories") })
	return func(t shipcheck.Target) func() {
		build.Stop()
		name := t.Name
		if name == "" {
			name = t.Artifact
		}
		e.log.Info("scanning", "deployment", archive.Printable(name), "artifact", archive.Printable(t.Artifact), "layers", len(t.Layers))
		return e.status(func() string { return p.Line(name) }).Stop
	}
}

// reportCmd is what the report commands (scan, sbom, vuln, secrets, diff)
// share: their flags, mapped into the run's options and outputs, and the
// run.
type reportCmd struct {
	kind          report.Kind
	af            artifactFlags
	adv           *advisoryFlags // nil: no advisories (sbom, secrets)
	gate          gateFlags
	rf            reportFlags
	sf            *secretScanFlags // nil: no secret scan (sbom, vuln)
	vexs          []string
	baseline      string
	deterministic bool
	allowEmpty    bool
	templates     []string // --template (scan, permissions)
}

// perms reports whether the view reads templates for permissions.
func (c *reportCmd) perms() bool {
	return c.kind == report.KindScan || c.kind == report.KindPermissions
}

func newReportCmd(kind report.Kind, advisories, secrets bool) *reportCmd {
	c := &reportCmd{kind: kind}
	if advisories {
		c.adv = &advisoryFlags{}
	}
	if secrets {
		c.sf = &secretScanFlags{}
	}
	return c
}

// register declares the flags that make sense for the command.
func (c *reportCmd) register(cmd *cobra.Command, def string) {
	c.af.register(cmd.Flags())
	c.af.complete(cmd)
	if c.adv != nil {
		c.adv.register(cmd.Flags())
		cmd.Flags().StringArrayVar(&c.vexs, "vex", nil, "a VEX document (OpenVEX, or CycloneDX JSON or XML): not_affected statements suppress findings (repeat for several)")
	}
	switch c.kind {
	case report.KindSBOM:
	case report.KindPermissions:
		// Only permissions can fail: the other thresholds keep their
		// defaults, unused.
		c.gate.failOn, c.gate.unknownAs, c.gate.goReach = "high", "high", "on"
	default:
		c.gate.register(cmd, c.adv != nil, c.sf != nil)
	}
	if c.perms() {
		c.gate.registerPermissions(cmd)
		cmd.Flags().StringArrayVar(&c.templates, "template", nil, "a deployment template beside the artifact (SAM/CloudFormation, serverless.yml, Terraform), or a folder of them, read for permissions (repeat for several)")
	}
	c.rf.register(cmd, c.kind, def)
	if c.sf != nil {
		c.sf.register(cmd)
		if c.kind != report.KindDiff {
			cmd.Flags().StringVar(&c.baseline, "baseline", "", "an earlier JSON report (--output json of scan, secrets or diff): secrets already in it are left out")
		}
	}
	cmd.Flags().BoolVar(&c.allowEmpty, "allow-empty", false, "accept an artifact with no files (else exit 2: nothing to scan)")
	if c.kind == report.KindSBOM {
		cmd.Flags().BoolVar(&c.deterministic, "deterministic", false, "the same artifact gives the same bytes: a fixed timestamp (SOURCE_DATE_EPOCH, or 1970) and a serial number derived from the content")
	}
}

// options maps the flags into the run's options and its outputs, for n
// deployments; every error is bad usage.
func (c *reportCmd) options(e *env, n int) (shipcheck.ScanOptions, []report.Output, error) {
	var so shipcheck.ScanOptions
	opt, err := c.af.options()
	if err != nil {
		return so, nil, err
	}
	opt.Layers = nil // each target has its own
	outs, err := c.rf.specs(n)
	if err != nil {
		return so, nil, err
	}
	g, reach := report.Gate{Never: true, FailOn: vuln.High, UnknownAs: vuln.High}, false
	if c.kind != report.KindSBOM {
		if g, reach, err = c.gate.gate(); err != nil {
			return so, nil, err
		}
	}
	if err := so.Decide(c.rf.configFile, c.vexs, c.baseline); err != nil {
		return so, nil, err
	}
	if c.sf != nil {
		if so.ThirdParty, so.CacheDir, err = c.sf.options(); err != nil {
			return so, nil, err
		}
	}
	if so.Time, so.Deterministic, err = buildTime(c.deterministic); err != nil {
		return so, nil, err
	}
	if c.adv != nil {
		so.Source = c.adv.options(e)
	}
	so.Kind, so.Gate, so.NoGoReachability, so.AllowEmpty = c.kind, g, !reach, c.allowEmpty
	so.Options = shipcheck.Options{Options: opt, Progress: &shipcheck.Progress{}}
	return so, outs, nil
}

// runOne is the RunE of a view of one artifact (sbom, secrets).
func (c *reportCmd) runOne(e *env) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		so, outs, err := c.options(e, 1)
		if err != nil {
			return usageErr(err)
		}
		return c.run(cmd, e, []shipcheck.Target{{Artifact: args[0], Layers: c.af.layers}}, so, outs)
	}
}

// run scans the targets (diff: compares the two) and finishes: notes,
// outputs, the exit code.
func (c *reportCmd) run(cmd *cobra.Command, e *env, targets []shipcheck.Target, so shipcheck.ScanOptions, outs []report.Output) error {
	if e.checkOnly {
		return nil
	}
	so.Each = progressEach(e, so.Progress, &so)
	var rep *report.Report
	var err error
	if c.kind == report.KindDiff {
		rep, err = shipcheck.Diff(cmd.Context(), targets[0], targets[1], so)
	} else {
		rep, err = shipcheck.Run(cmd.Context(), targets, so)
	}
	if err != nil {
		return &exitError{code: exitIncomplete, err: err}
	}
	return c.rf.finish(e, outs, rep, c.af.allowPartial)
}
