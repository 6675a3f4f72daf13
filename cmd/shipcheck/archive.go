package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/attest"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/sbomarchive"
)

// archiveFlags say where the archive is.
type archiveFlags struct{ location string }

func (f *archiveFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.location, "archive", "", "the archive: a SQLite file, or a PostgreSQL URL (postgres://user@host/db) shared by several machines (default: the user's data folder, shipcheck/archive.db)")
}

// open opens the archive, creating it when it does not exist.
func (f *archiveFlags) open(cmd *cobra.Command) (*sbomarchive.Archive, error) {
	loc := f.location
	if loc == "" {
		var err error
		if loc, err = sbomarchive.DefaultLocation(); err != nil {
			return nil, usageErr(err)
		}
	}
	a, err := sbomarchive.Open(cmd.Context(), loc)
	if err != nil {
		return nil, &exitError{code: exitIncomplete, err: err}
	}
	return a, nil
}

// listFormat is --output for the archive's listings: table or json.
func listFormat(fs *pflag.FlagSet, v *string) {
	fs.StringVarP(v, "output", "o", "table", "table, or json")
}

func checkListFormat(v string) error {
	if err := sbomarchive.CheckFormat(v); err != nil {
		return usageErr(err)
	}
	return nil
}

// parseTime reads --time: RFC 3339, or a day (UTC).
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--time %q: write 2026-12-01T10:00:00Z (RFC 3339) or 2026-12-01", s)
}

func newArchiveCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "archive",
		Short: "Keep the SBOMs of what is deployed; ask which deployments ship a package; re-check them all",
		Long: `The archive keeps each deployment's SBOMs under its name and the time it was
deployed: a SQLite file in the user's data folder (--archive FILE), or a
PostgreSQL database shared by several machines (--archive postgres://...).
A deployment's latest SBOM is what it ships now.

  add     archive SBOMs (CycloneDX JSON or XML, SPDX 2.3 JSON: shipcheck's,
          syft's, Trivy's), or artifacts (scanned for their SBOM first)
  query   which deployments ship a package, at which versions, and where
  rescan  match every archived SBOM against the current advisories and
          report, per deployment, what is new since the previous rescan`,
	}
	c.AddCommand(newArchiveAddCmd(e), newArchiveListCmd(e), newArchiveShowCmd(e), newArchiveRemoveCmd(e),
		newArchiveQueryCmd(e), newArchiveRescanCmd(e))
	return groupCmd(c)
}

func newArchiveAddCmd(e *env) *cobra.Command {
	var (
		af       archiveFlags
		art      artifactFlags
		name, at string
		key      string
	)
	cmd := &cobra.Command{
		Use:   "add FILE...",
		Short: "Archive SBOMs, or artifacts' SBOMs, under a deployment name and a time",
		Long: `Archive each FILE: an SBOM (CycloneDX JSON or XML, SPDX 2.3 JSON; shipcheck's,
syft's, Trivy's), named and timed by its metadata (CycloneDX
metadata.component.name and metadata.timestamp, SPDX name and
creationInfo.created), or an artifact, scanned for its SBOM first (as
'shipcheck sbom' does), named after its file and timed now. --name and
--time say otherwise (with one FILE). The same SBOM archived again under the
same name and time changes nothing; an older one is kept as history.`,
		Example: `  shipcheck archive add bom.json
  shipcheck archive add dist/function.zip --layer dist/layer.zip --name orders-api --time 2026-12-01T10:00:00Z
  shipcheck archive add boms/*.json --archive postgres://shipcheck@db.internal/sboms`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("give at least one SBOM or artifact"))
			}
			if len(args) > 1 && (name != "" || at != "" || len(art.layers) > 0) {
				return usageErr(errors.New("--name, --time and --layer apply to one FILE"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var pub *attest.PublicKey
			if key != "" {
				var err error
				if pub, err = readPublicKey(key); err != nil {
					return err
				}
			}
			t, err := parseTime(at)
			if err != nil {
				return usageErr(err)
			}
			opts, err := art.options()
			if err != nil {
				return usageErr(err)
			}
			a, err := af.open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			ro := sbomarchive.ReadOptions{Name: name, Time: t, Scan: shipcheck.Options{Options: opts}, Attestation: sbomarchive.Attestations(pub)}
			for _, f := range args {
				entry, err := sbomarchive.Read(cmd.Context(), f, ro)
				switch {
				case errors.Is(err, attest.ErrSignature):
					return &exitError{code: exitFindings, err: fmt.Errorf("%w: not archived (--key %s is %s key %s)", err, archive.Printable(key), pub.Algorithm(), pub.Fingerprint())}
				case err != nil:
					return &exitError{code: exitIncomplete, err: err}
				case pub != nil && entry.Attested == nil:
					// --key asks that what is archived be signed by it.
					return &exitError{code: exitIncomplete, err: fmt.Errorf("%s is not an attestation, and --key asks for signed SBOMs only: archive it without --key, or its attestation ('shipcheck attest')", archive.Printable(f))}
				}
				got, err := a.Add(cmd.Context(), entry)
				if err != nil {
					return &exitError{code: exitIncomplete, err: err}
				}
				if entry.Attested != nil && entry.Attested.VerifiedBy == "" {
					fmt.Fprintf(e.stderr, "shipcheck: %s: an attestation archived without checking its signature; give --key to verify it\n", archive.Printable(f))
				}
				if err := sbomarchive.WriteAdded(e.stdout, entry, got); err != nil {
					return err
				}
			}
			return nil
		},
	}
	af.register(cmd.Flags())
	art.register(cmd.Flags())
	art.complete(cmd)
	cmd.Flags().StringVar(&name, "name", "", "the deployment's name (default: the SBOM's subject, or the artifact's file name)")
	cmd.Flags().StringVar(&at, "time", "", "when it was deployed: RFC 3339 or a day (default: the SBOM's timestamp, or now)")
	cmd.Flags().StringVar(&key, "key", "", "the public key (PKIX PEM, ECDSA P-256 or Ed25519) every FILE must be an attestation signed by")
	return cmd
}

func newArchiveListCmd(e *env) *cobra.Command {
	var af archiveFlags
	var out string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the archived deployments with their latest SBOM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkListFormat(out); err != nil {
				return err
			}
			a, err := af.open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			ds, err := a.List(cmd.Context())
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			return sbomarchive.WriteList(e.stdout, ds, a.String(), out)
		},
	}
	af.register(cmd.Flags())
	listFormat(cmd.Flags(), &out)
	return cmd
}

func newArchiveShowCmd(e *env) *cobra.Command {
	var af archiveFlags
	var out, at string
	var doc, envelope bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a deployment's archived SBOMs and what its latest lists (--sbom: the SBOM itself)",
		Args:  exactArgs(1, "a deployment's name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkListFormat(out); err != nil {
				return err
			}
			t, err := parseTime(at)
			if err != nil {
				return usageErr(err)
			}
			a, err := af.open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if doc || envelope {
				var b []byte
				var err error
				if envelope {
					b, err = a.Attestation(cmd.Context(), args[0], t)
				} else {
					b, _, err = a.Document(cmd.Context(), args[0], t)
				}
				if err != nil {
					return &exitError{code: exitIncomplete, err: err}
				}
				_, err = e.stdout.Write(b)
				return err
			}
			d, err := a.Show(cmd.Context(), args[0])
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			return sbomarchive.WriteDetail(e.stdout, d, out)
		},
	}
	af.register(cmd.Flags())
	listFormat(cmd.Flags(), &out)
	cmd.Flags().BoolVar(&doc, "sbom", false, "write the archived SBOM itself, as it was given, to standard output")
	cmd.Flags().BoolVar(&envelope, "attestation", false, "write the attestation the SBOM came in, as it was given, to standard output (for 'shipcheck verify' or cosign)")
	cmd.Flags().StringVar(&at, "time", "", "with --sbom or --attestation: the SBOM of that time (default: the latest)")
	cmd.MarkFlagsMutuallyExclusive("sbom", "attestation")
	return cmd
}

func newArchiveRemoveCmd(e *env) *cobra.Command {
	var af archiveFlags
	cmd := &cobra.Command{
		Use:   "remove NAME...",
		Short: "Remove deployments with all their SBOMs and rescan state",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("give at least one deployment name"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := af.open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			for _, n := range args {
				if err := a.Remove(cmd.Context(), n); err != nil {
					return &exitError{code: exitIncomplete, err: err}
				}
				fmt.Fprintf(e.stdout, "removed %s\n", archive.Printable(n))
			}
			return nil
		},
	}
	af.register(cmd.Flags())
	return cmd
}

func newArchiveQueryCmd(e *env) *cobra.Command {
	var af archiveFlags
	var out string
	var history bool
	cmd := &cobra.Command{
		Use:   "query PACKAGE",
		Short: "Which deployments ship a package, at which versions, and where",
		Long: `PACKAGE is a purl (pkg:npm/lodash@4.17.15: that version; without a version,
any), or ECOSYSTEM/NAME with an optional @RANGE in the ecosystem's own syntax:

  npm/lodash@<4.17.21                       npm, Cargo, Composer: ^ ~ x-ranges || hyphen ranges
  PyPI/django@>=4,<4.2.8                    PEP 440: == != < <= > >= ~= and ==4.2.*
  Maven/org.apache.logging.log4j:log4j-core@[2.0,2.17.1)   Maven and NuGet intervals
  RubyGems/rack@~> 2.2                      RubyGems requirements
  Debian/openssl@<< 3.0.11-1~deb12u1        Debian comparators

Versions are compared with the ordering advisories are matched with. The
deployments' latest SBOMs are searched (--history: every archived SBOM).`,
		Example: `  shipcheck archive query pkg:npm/lodash@4.17.15
  shipcheck archive query 'Maven/org.apache.logging.log4j:log4j-core@[2.0,2.17.1)' --output json`,
		Args: exactArgs(1, "a package: a purl, or ECOSYSTEM/NAME[@RANGE]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkListFormat(out); err != nil {
				return err
			}
			sp, err := sbomarchive.ParseSpec(args[0])
			if err != nil {
				return usageErr(err)
			}
			a, err := af.open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			hits, err := a.Query(cmd.Context(), sp, sbomarchive.QueryOptions{History: history})
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			return sbomarchive.WriteHits(e.stdout, sp, hits, out)
		},
	}
	af.register(cmd.Flags())
	listFormat(cmd.Flags(), &out)
	cmd.Flags().BoolVar(&history, "history", false, "search every archived SBOM of each deployment, not only its latest")
	return cmd
}

func newArchiveRescanCmd(e *env) *cobra.Command {
	var (
		af          archiveFlags
		adv         advisoryFlags
		gate        gateFlags
		rf          reportFlags
		vexs        []string
		shard       string
		all, dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "rescan",
		Short: "Match every archived SBOM against the current advisories: what is new since the last time",
		Long: `Match the latest SBOM of every archived deployment against the advisories, as
'vuln --sbom' does (each distinct package matched once, whatever the number
of deployments that ship it), and report, per deployment, the advisories new
since the previous rescan and those no longer present. The findings are then
recorded as the reference of the next rescan (not with --dry-run); a
deployment's first rescan reports all its findings as new.

The gate (exit 1) counts new findings only: at or above --fail-on, after the
ignore rules of .shipcheck.yaml and VEX statements (--vex).

--shard I/N rescans the deployments whose name hashes to I of N, so that N
workers share one (PostgreSQL) archive: between them they rescan every
deployment exactly once, each recording only its own deployments.

` + formatsHelp(report.KindRescan) + `

` + exitCodesHelp,
		Example: `  shipcheck archive rescan --db ./osv-db --offline
  shipcheck archive rescan --archive postgres://shipcheck@db/sboms --shard 2/4 --output json=rescan-2.json --output markdown=summary.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, _, err := gate.gate()
			if err != nil {
				return usageErr(err)
			}
			outs, err := rf.specs(1)
			if err != nil {
				return usageErr(err)
			}
			opt := sbomarchive.RescanOptions{All: all, DryRun: dryRun}
			if shard != "" {
				if opt.Shard, err = sbomarchive.ParseShard(shard); err != nil {
					return usageErr(err)
				}
			}
			if err := opt.Scan.Decide(rf.configFile, vexs, ""); err != nil {
				return usageErr(err)
			}
			opt.Scan.Source, opt.Scan.Gate = adv.options(e), g
			if e.checkOnly {
				return nil
			}
			a, err := af.open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			res, err := a.Rescan(cmd.Context(), opt)
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			err = rf.finish(e, outs, res.Report, false)
			var ee *exitError
			if errors.As(err, &ee) && ee.code == exitIncomplete {
				return err // an output was not written: record nothing
			}
			if !dryRun {
				if rerr := res.Record(cmd.Context()); rerr != nil {
					return &exitError{code: exitIncomplete, err: rerr}
				}
			}
			return err
		},
	}
	af.register(cmd.Flags())
	adv.register(cmd.Flags())
	gate.register(cmd, true, false)
	cmd.Flags().MarkHidden("go-reachability") // an SBOM holds no binary
	rf.register(cmd, report.KindRescan, "table")
	cmd.Flags().StringArrayVar(&vexs, "vex", nil, "a VEX document (OpenVEX, or CycloneDX JSON or XML): not_affected statements suppress findings (repeat for several)")
	cmd.Flags().StringVar(&shard, "shard", "", "I/N: rescan the I-th of N parts of the deployments (by a hash of their names)")
	cmd.Flags().BoolVar(&all, "all", false, "list every deployment rechecked, not only those whose findings changed")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report without recording the findings: the next rescan compares with the same previous state")
	return cmd
}
