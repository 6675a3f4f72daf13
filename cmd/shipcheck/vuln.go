package main

import (
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/report"
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

func newVulnCmd(e *env) *cobra.Command {
	c := newReportCmd(report.KindVuln, true, false)
	var sbomFile string
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

` + formatsHelp(report.KindVuln) + `

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
			so, outs, err := c.options(e, 1)
			if err != nil {
				return usageErr(err)
			}
			t := shipcheck.Target{SBOM: sbomFile != "", Artifact: sbomFile}
			if len(args) > 0 {
				t.Artifact, t.Layers = args[0], c.af.layers
			}
			return c.run(cmd, e, []shipcheck.Target{t}, so, outs)
		},
	}
	c.register(cmd, "table")
	cmd.Flags().StringVar(&sbomFile, "sbom", "", "match this CycloneDX SBOM (JSON or XML) instead of an artifact")
	return cmd
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
	// build runs a database build with a status line, then describes
	// the database built.
	build := func(name string, run func(dir string, prog *vuln.BuildProgress) (vuln.Info, error)) error {
		d, err := folder()
		if err != nil {
			return usageErr(err)
		}
		start := time.Now()
		var prog vuln.BuildProgress
		display := e.status(func() string { return prog.Line(name) })
		info, err := run(d, &prog)
		display.Stop()
		if err != nil {
			return &exitError{code: exitIncomplete, err: err}
		}
		info.Write(e.stdout, time.Since(start))
		return nil
	}
	var base string
	var ecos []string
	update := &cobra.Command{
		Use:   "update",
		Short: "Download OSV's exports and build the database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return build("advisory database", func(dir string, prog *vuln.BuildProgress) (vuln.Info, error) {
				return vuln.Update(cmd.Context(), dir, vuln.UpdateOptions{BaseURL: base, Ecosystems: ecos, Log: e.log, Progress: prog})
			})
		},
	}
	update.Flags().StringVar(&base, "osv-base-url", vuln.DefaultBaseURL, "where the exports are: BASE/<Ecosystem>/all.zip")
	update.Flags().StringArrayVar(&ecos, "ecosystem", nil, "an ecosystem to download (repeat; default: "+strings.Join(vuln.DefaultEcosystems, ", ")+")")
	importCmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Build the database from local exports (an all.zip, or a folder of <Ecosystem>/all.zip)",
		Args:  exactArgs(1, "a folder of OSV exports or an all.zip"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return build(args[0], func(dir string, prog *vuln.BuildProgress) (vuln.Info, error) {
				return vuln.ImportWith(cmd.Context(), dir, args[0], vuln.ImportOptions{Progress: prog})
			})
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
			db.Info().Write(e.stdout, -1)
			return nil
		},
	}
	db.AddCommand(update, importCmd, status)
	return groupCmd(db)
}
