package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/report"
)

func newFilesCmd(e *env) *cobra.Command {
	var (
		af      artifactFlags
		outputs []string
		hidden  bool
	)
	cmd := &cobra.Command{
		Use:   "files ARTIFACT",
		Short: "List the files of an artifact as the runtime sees them",
		Long: `List every file of an artifact as the runtime sees it: a Lambda function's
files under /var/task and its layers merged in order under /opt, an image's
layers applied in order with their whiteouts, entries of nested archives as
'!' chains (/var/task/lib/app.jar!META-INF/MANIFEST.MF). Each file is shown
with its runtime path, type, size, layer and origin (the artifact and the
chain of archive entries it came from).

Formats for --output: table, json (a list of objects: the artifacts, every
file with its path, size, type, origin and layer, and the problems).

` + exitCodesHelp,
		Example: `  shipcheck files function.zip --layer deps-layer.zip
  shipcheck files image.tar --output json=files.json --output table`,
		Args: exactArgs(1, "an artifact: a zip, tar, image tarball, OCI layout or folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := af.options()
			if err != nil {
				return usageErr(err)
			}
			if len(outputs) == 0 {
				outputs = []string{"table"}
			}
			var encs []func(*packaging.Listing) error
			stdout := 0
			for _, v := range outputs {
				name, file, _ := strings.Cut(v, "=")
				i := slices.IndexFunc(report.ListingFormats, func(f report.ListingFormat) bool { return strings.EqualFold(f.Name, name) })
				if i < 0 {
					return usageErr(fmt.Errorf("--output %s: unknown format %q (one of table, json)", v, name))
				}
				if err := report.Writable(file); file != "" && err != nil {
					return usageErr(fmt.Errorf("--output %s: cannot write %s: %w", v, file, err))
				}
				if file == "" {
					if stdout++; stdout > 1 {
						return usageErr(errors.New("--output: only one format can go to standard output; give the others a file (FORMAT=FILE)"))
					}
				}
				enc := report.ListingFormats[i].Encode
				encs = append(encs, func(l *packaging.Listing) error {
					if file == "" {
						return enc(e.stdout, l)
					}
					return report.WriteFile(file, func(w io.Writer) error { return enc(w, l) })
				})
			}
			l, err := packaging.List(cmd.Context(), args[0], packaging.ListOptions{Options: opt, Hidden: hidden})
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			for _, enc := range encs {
				if err := enc(l); err != nil {
					return &exitError{code: exitIncomplete, err: err}
				}
			}
			var probs []report.Problem
			for _, p := range l.Problems {
				probs = append(probs, report.ProblemOf(p))
			}
			return reportProblems(e, probs, af.allowPartial, exitClean)
		},
	}
	af.register(cmd.Flags())
	af.complete(cmd)
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "FORMAT[=FILE]: a report format, to FILE or standard output (repeat for several)")
	cmd.Flags().BoolVar(&hidden, "all", false, "also list files that ship but do not run: shadowed by a later layer or deleted by a whiteout")
	return cmd
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr(fmt.Errorf("%s needs %s (got %d arguments)", cmd.CommandPath(), what, len(args)))
		}
		return nil
	}
}

func usageErr(err error) error { return &exitError{code: exitIncomplete, err: err} }

// reportProblems prints what the view met on standard error and returns the
// exit error: exit 2 when content was left unread, unless allowed.
func reportProblems(e *env, probs []report.Problem, allowPartial bool, code int) error {
	if partial := report.WriteProblems(e.stderr, probs, allowPartial, e.quiet); partial > 0 && !allowPartial {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("the artifact could not be read completely (%d problem(s) above); the results are partial. Rerun with --allow-partial to accept them", partial)}
	}
	if code != exitClean {
		return &exitError{code: code}
	}
	return nil
}
