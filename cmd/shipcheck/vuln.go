package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/vuln"
)

// advisoryFlags say where advisories come from.
type advisoryFlags struct {
	db, advisories  string
	offline, online bool
	baseURL, apiURL string
}

func (f *advisoryFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.db, "db", "", "the advisory database's folder (default: the user's cache folder, shipcheck/)")
	fs.StringVar(&f.advisories, "advisories", "", "match against this folder (or zip) of OSV exports for this run only: <Ecosystem>/all.zip, as OSV publishes them")
	fs.BoolVar(&f.offline, "offline", false, "use no network: with no database, fail (exit 2) rather than download one")
	fs.BoolVar(&f.online, "online", false, "ask the OSV API instead of a local database (sends package names and versions to it)")
	fs.StringVar(&f.baseURL, "osv-base-url", vuln.DefaultBaseURL, "where OSV's per-ecosystem exports are downloaded from when no database exists")
	fs.StringVar(&f.apiURL, "osv-api-url", vuln.DefaultAPIURL, "the OSV API, for --online")
}

func (f *advisoryFlags) options(e *env) vuln.SourceOptions {
	return vuln.SourceOptions{
		DBDir: f.db, Advisories: f.advisories, Offline: f.offline, Online: f.online,
		Update: vuln.UpdateOptions{BaseURL: f.baseURL}, APIURL: f.apiURL, Log: e.log,
	}
}

// gateFlags decide the exit code from findings.
type gateFlags struct {
	failOn, unknownAs string
	goReach           string
}

func (g *gateFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&g.failOn, "fail-on", "high", "exit 1 when a finding is at or above this severity: critical, high, medium, low or none (any finding)")
	fs.StringVar(&g.unknownAs, "unknown-severity", "high", "the severity an advisory with none counts as for --fail-on")
	fs.StringVar(&g.goReach, "go-reachability", "on", "on: analyse Go binaries with govulncheck and count only Go findings whose vulnerable code is in the binary; off: module level")
}

func (g *gateFlags) reachability() (bool, error) {
	switch g.goReach {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("--go-reachability: %q is not on or off", g.goReach)
}

// parse reads the gate's flags: the threshold, what an unrated advisory
// counts as, and whether Go binaries are analysed.
func (g *gateFlags) parse() (failOn, unknownAs vuln.Level, reach bool, err error) {
	if failOn, unknownAs, err = g.levels(); err != nil {
		return "", "", false, err
	}
	reach, err = g.reachability()
	return failOn, unknownAs, reach, err
}

func (g *gateFlags) levels() (vuln.Level, vuln.Level, error) {
	fail, err := vuln.ParseLevel(g.failOn)
	if err != nil || fail == vuln.Unknown {
		return "", "", fmt.Errorf("--fail-on: %q is not one of critical, high, medium, low, none", g.failOn)
	}
	unk, err := vuln.ParseLevel(g.unknownAs)
	if err != nil || unk == vuln.Unknown {
		return "", "", fmt.Errorf("--unknown-severity: %q is not one of critical, high, medium, low, none", g.unknownAs)
	}
	return fail, unk, nil
}

// vulnOutput is what the vuln encoders get.
type vulnOutput struct {
	rep    *shipcheck.VulnReport
	cdx    cyclonedx.Options
	failOn vuln.Level
	unkAs  vuln.Level
	now    time.Time
}

var vulnFormats = []encoder[*vulnOutput]{
	{name: "table", help: "a table for people", enc: encodeVulnTable},
	{name: "json", help: "the findings as JSON", enc: encodeVulnJSON},
	{name: "sarif", help: "SARIF 2.1.0, for GitHub code scanning and other CI viewers", enc: encodeVulnSARIF},
	{name: "cyclonedx-json", help: "the SBOM with its vulnerabilities, CycloneDX JSON", enc: func(w io.Writer, o *vulnOutput) error {
		return cyclonedx.Encode(w, o.rep.Inventory, o.cdxOptions(false))
	}},
	{name: "cyclonedx-xml", help: "the same, CycloneDX XML", enc: func(w io.Writer, o *vulnOutput) error {
		return cyclonedx.Encode(w, o.rep.Inventory, o.cdxOptions(true))
	}},
}

func (o *vulnOutput) cdxOptions(xml bool) cyclonedx.Options {
	opt := o.cdx
	opt.XML = xml
	opt.Findings = o.rep.Result.Findings
	src := o.rep.Result.Source
	opt.Advisories = &src
	return opt
}

func newVulnCmd(e *env) *cobra.Command {
	var (
		af            artifactFlags
		adv           advisoryFlags
		gate          gateFlags
		outputs, vexs []string
		sbomFile      string
		configFile    string
		specVersion   string
	)
	cmd := &cobra.Command{
		Use:   "vuln [ARTIFACT]",
		Short: "Match the artifact's packages against OSV advisories",
		Long: `Match every package the artifact ships against OSV advisories, with each
ecosystem's version rules: from a local database (built by 'shipcheck db update'
or 'db import', or on first use), from a folder of OSV exports for this run
(--advisories), or from the OSV API (--online). Declared-only packages are
matched only where nothing of their ecosystem is installed. An advisory and
its aliases are one finding.

--sbom matches an archived CycloneDX SBOM (shipcheck's, syft's, trivy's...)
instead of an artifact. Decisions already taken are applied: the ignore
rules of .shipcheck.yaml (id, component, reason, expiry) and VEX documents
(--vex, OpenVEX or CycloneDX: not_affected suppresses).

Formats for --output: ` + strings.Join(formatNames(vulnFormats), ", ") + `

` + exitCodesHelp,
		Example: `  shipcheck vuln function.zip --layer layer.zip
  shipcheck vuln function.zip --db ./osv-db --offline --output cyclonedx-json=bom.json
  shipcheck vuln --sbom archived-bom.json --advisories ./osv-exports`,
		Args: func(cmd *cobra.Command, args []string) error {
			if sbomFile != "" && len(args) == 0 {
				return nil
			}
			if sbomFile != "" {
				return usageErr(errors.New("give an artifact or --sbom, not both"))
			}
			return exactArgs(1, "an artifact (or --sbom FILE)")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			specs, err := parseOutputs(outputs, vulnFormats, "table")
			if err != nil {
				return usageErr(err)
			}
			failOn, unkAs, reach, err := gate.parse()
			if err != nil {
				return usageErr(err)
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
			artifact := ""
			if len(args) > 0 {
				artifact = args[0]
			}
			var prog shipcheck.Progress
			display := startProgress(e, &prog, artifact)
			rep, err := shipcheck.Vulns(cmd.Context(), artifact, shipcheck.VulnOptions{
				Options: shipcheck.Options{Options: opt, Progress: &prog}, SBOM: sbomFile, Source: adv.options(e),
				Ignores: cfg.Ignore, VEX: vex, NoGoReachability: !reach,
			})
			display.Stop()
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			for _, x := range rep.Expired {
				fmt.Fprintf(e.stderr, "shipcheck: note: the ignore rule for %s expired on %s; its findings count again\n", x.ID, x.Expires)
			}
			out := &vulnOutput{rep: rep, failOn: failOn, unkAs: unkAs, now: time.Now(),
				cdx: cyclonedx.Options{SpecVersion: specVersion, Time: ts, Deterministic: det, ToolVersion: toolVersion()}}
			if err := writeOutputs(specs, vulnFormats, out, e.stdout); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			code := exitClean
			if n := failing(rep.Result.Findings, failOn, unkAs); n > 0 {
				code = exitFindings
				if !e.quiet {
					fmt.Fprintf(e.stderr, "shipcheck: %d finding(s) at or above --fail-on %s\n", n, failOn)
				}
			}
			return reportProblems(e, rep.Inventory.Problems, af.allowPartial, code)
		},
	}
	af.register(cmd.Flags())
	adv.register(cmd.Flags())
	gate.register(cmd.Flags())
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "FORMAT[=FILE]: a report format, to FILE or standard output (repeat for several)")
	cmd.Flags().StringVar(&sbomFile, "sbom", "", "match this CycloneDX SBOM (JSON or XML) instead of an artifact")
	cmd.Flags().StringArrayVar(&vexs, "vex", nil, "a VEX document (OpenVEX or CycloneDX): not_affected statements suppress findings (repeat for several)")
	cmd.Flags().StringVar(&configFile, "config", "", "the configuration file (default: .shipcheck.yaml in the working folder, if any)")
	cmd.Flags().StringVar(&specVersion, "spec-version", "1.6", "CycloneDX specification version for cyclonedx outputs: 1.5, 1.6 or 1.7")
	return cmd
}

func readVEX(paths []string) ([]vuln.VEXStatement, error) {
	var out []vuln.VEXStatement
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		st, err := vuln.ReadVEX(f, p)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, st...)
	}
	return out, nil
}

// failing counts the findings that fail the gate: not suppressed, at or
// above the threshold (an unrated one counting as unknownAs), and for a Go
// binary analysed, with its vulnerable code in the binary.
func failing(fs []vuln.Finding, failOn, unknownAs vuln.Level) int {
	n := 0
	for _, f := range fs {
		if f.Suppressed != nil || f.Reachability != nil && f.Reachability.Level != vuln.LevelSymbol && f.Reachability.Level != vuln.LevelUnknown {
			continue
		}
		if f.Rating.Level.Rank(unknownAs) >= failOn.Rank(unknownAs) {
			n++
		}
	}
	return n
}

// describeSource says which advisories were used and how old they are.
func describeSource(s vuln.SourceInfo, now time.Time) string {
	switch {
	case s.Built.IsZero():
		return fmt.Sprintf("%s %s (live)", s.Kind, s.Location)
	default:
		d := fmt.Sprintf("%s %s: built %s (%s ago) from %s, %d advisories", s.Kind, archive.Printable(s.Location),
			s.Built.UTC().Format("2006-01-02 15:04 MST"), age(now.Sub(s.Built)), archive.Printable(s.Origin), s.Records)
		if !s.Newest.IsZero() {
			d += ", newest modified " + s.Newest.UTC().Format("2006-01-02")
		}
		return d
	}
}

func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

func encodeVulnTable(w io.Writer, o *vulnOutput) error {
	bw := bufio.NewWriter(w)
	res := o.rep.Result
	fmt.Fprintf(bw, "advisories: %s\n", describeSource(res.Source, o.now))
	writeSources(bw, o.rep.Inventory.Sources)
	fmt.Fprintln(bw)
	rows := [][]string{vulnHeader}
	var suppressed []vuln.Finding
	counts := map[vuln.Level]int{}
	for _, f := range res.Findings {
		if f.Suppressed != nil {
			suppressed = append(suppressed, f)
			continue
		}
		counts[f.Rating.Level]++
		rows = append(rows, findingRow(f))
	}
	writeRows(bw, rows)
	var parts []string
	for _, l := range []vuln.Level{vuln.Critical, vuln.High, vuln.Medium, vuln.Low, vuln.None, vuln.Unknown} {
		if counts[l] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[l], l))
		}
	}
	fmt.Fprintf(bw, "\n%d finding(s) in %d package(s) checked", len(res.Findings)-len(suppressed), res.Queried)
	if len(parts) > 0 {
		fmt.Fprintf(bw, ": %s", strings.Join(parts, ", "))
	}
	fmt.Fprintf(bw, "; %d fail --fail-on %s\n", failing(res.Findings, o.failOn, o.unkAs), o.failOn)
	if len(suppressed) > 0 {
		fmt.Fprintf(bw, "\n%d suppressed:\n", len(suppressed))
		for _, f := range suppressed {
			fmt.Fprintf(bw, "  %s %s@%s: %s (%s)\n", f.ID, f.Name, f.Version, archive.Printable(f.Suppressed.Reason), f.Suppressed.By)
		}
	}
	return bw.Flush()
}

// vulnHeader and secretHeader head the tables of findings.
var (
	vulnHeader   = []string{"SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED", "IN BINARY", "WHERE", "SUMMARY"}
	secretHeader = []string{"RULE", "CONFIDENCE", "WHERE", "SECRET", "PARTY", "FINGERPRINT"}
)

func findingRow(f vuln.Finding) []string {
	fixed := f.Fixed
	if fixed == "" {
		fixed = "no fix"
	}
	where := ""
	if len(f.Locations) > 0 {
		where = archive.Printable(f.Locations[0].Path)
	}
	sum := f.Summary
	if len(sum) > 60 {
		sum = sum[:57] + "..."
	}
	sev := string(f.Rating.Level)
	if f.Rating.Score >= 0 {
		sev += fmt.Sprintf(" %.1f", f.Rating.Score)
	}
	reach := "-"
	if r := f.Reachability; r != nil {
		switch r.Level {
		case vuln.LevelSymbol:
			reach = "called: " + strings.Join(r.Symbols, ", ")
		case vuln.LevelUnknown:
			reach = "not analysed"
		default:
			reach = "no (" + r.Level + " only)"
		}
	}
	return []string{sev, f.ID, f.Name, f.Version, fixed, reach, where, archive.Printable(sum)}
}

func writeRows(w io.Writer, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		for i, c := range r {
			if i == len(r)-1 {
				fmt.Fprintln(w, c)
				continue
			}
			fmt.Fprintf(w, "%s%s  ", c, strings.Repeat(" ", widths[i]-len([]rune(c))))
		}
	}
}

// vulnJSON is the JSON output of vuln (schema version 1).
type vulnJSON struct {
	Version    int                `json:"version"`
	Advisories vuln.SourceInfo    `json:"advisories"`
	Artifacts  []packaging.Source `json:"artifacts,omitempty"`
	Findings   []findingJSON      `json:"findings"`
	Summary    map[string]int     `json:"summary"`
	FailOn     string             `json:"fail_on"`
	Failing    int                `json:"failing"`
	Problems   []problemJSON      `json:"problems,omitempty"`
}

type findingJSON struct {
	vuln.Finding
	Locations []locationJSON `json:"locations,omitempty"`
}

type locationJSON struct {
	Path   string `json:"path"`
	Origin string `json:"origin"`
	Layer  string `json:"layer,omitempty"`
}

// findingOf is a finding as the JSON outputs write it.
func findingOf(f vuln.Finding) findingJSON {
	j := findingJSON{Finding: f}
	for _, l := range f.Locations {
		j.Locations = append(j.Locations, locationJSON{Path: l.Path, Origin: l.Origin.String(), Layer: l.Origin.Layer})
	}
	return j
}

func encodeVulnJSON(w io.Writer, o *vulnOutput) error {
	res := o.rep.Result
	out := vulnJSON{Version: 1, Advisories: res.Source, Artifacts: o.rep.Inventory.Sources, Findings: []findingJSON{}, Summary: map[string]int{},
		FailOn: string(o.failOn), Failing: failing(res.Findings, o.failOn, o.unkAs)}
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, findingOf(f))
		if f.Suppressed == nil {
			out.Summary[string(f.Rating.Level)]++
		} else {
			out.Summary["suppressed"]++
		}
	}
	for _, p := range o.rep.Inventory.Problems {
		out.Problems = append(out.Problems, problemOf(p))
	}
	return writeJSON(w, out)
}

func newDBCmd(e *env) *cobra.Command {
	var dir string
	db := &cobra.Command{
		Use:   "db",
		Short: "Manage the local advisory database",
		Long: `The local advisory database holds OSV's advisories, indexed by ecosystem and
package, in one file (bbolt) under the user's cache folder or --db. CI can cache
that folder. Updates are atomic: an interrupted one leaves the previous database.`,
	}
	db.PersistentFlags().StringVar(&dir, "db", "", "the database's folder (default: the user's cache folder, shipcheck/)")
	folder := func() (string, error) {
		if dir != "" {
			return dir, nil
		}
		return vuln.DefaultDir()
	}
	var base string
	var ecos []string
	update := &cobra.Command{
		Use:   "update",
		Short: "Download OSV's exports and build the database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := folder()
			if err != nil {
				return usageErr(err)
			}
			start := time.Now()
			var prog vuln.BuildProgress
			display := startBuildProgress(e, &prog, "advisory database")
			info, err := vuln.Update(cmd.Context(), d, vuln.UpdateOptions{BaseURL: base, Ecosystems: ecos, Log: e.log, Progress: &prog})
			display.Stop()
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			printInfo(e.stdout, info, time.Since(start))
			return nil
		},
	}
	update.Flags().StringVar(&base, "osv-base-url", vuln.DefaultBaseURL, "where the exports are: BASE/<Ecosystem>/all.zip")
	update.Flags().StringArrayVar(&ecos, "ecosystem", nil, "an ecosystem to download (repeat; default: "+strings.Join(vuln.DefaultEcosystems, ", ")+")")
	importCmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Build the database from local exports (an all.zip, or a folder of <Ecosystem>/all.zip)",
		Args:  exactArgs(1, "a folder of OSV exports or an all.zip"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := folder()
			if err != nil {
				return usageErr(err)
			}
			start := time.Now()
			var prog vuln.BuildProgress
			display := startBuildProgress(e, &prog, args[0])
			info, err := vuln.ImportWith(cmd.Context(), d, args[0], vuln.ImportOptions{Progress: &prog})
			display.Stop()
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			printInfo(e.stdout, info, time.Since(start))
			return nil
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Say where the database came from, how old it is, and what it holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := folder()
			if err != nil {
				return usageErr(err)
			}
			db, err := vuln.OpenDB(d)
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			defer db.Close()
			printInfo(e.stdout, db.Info(), -1)
			return nil
		},
	}
	db.AddCommand(update, importCmd, status)
	return groupCmd(db)
}

func printInfo(w io.Writer, info vuln.Info, took time.Duration) {
	fmt.Fprintf(w, "database: %s\n", info.Path)
	if fi, err := os.Stat(info.Path); err == nil {
		fmt.Fprintf(w, "size:     %s\n", archive.FormatSize(fi.Size()))
	}
	fmt.Fprintf(w, "source:   %s\n", info.Source)
	fmt.Fprintf(w, "built:    %s (%s ago)\n", info.Built.UTC().Format(time.RFC3339), age(time.Since(info.Built)))
	if !info.Newest.IsZero() {
		fmt.Fprintf(w, "newest:   %s (the most recent modified date of an advisory)\n", info.Newest.UTC().Format(time.RFC3339))
	}
	if took >= 0 {
		fmt.Fprintf(w, "took:     %s\n", took.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "records:  %d\n", info.Records)
	var ecos []string
	for e := range info.Ecosystems {
		ecos = append(ecos, e)
	}
	sort.Strings(ecos)
	for _, e := range ecos {
		fmt.Fprintf(w, "  %-12s %d\n", e, info.Ecosystems[e])
	}
}
