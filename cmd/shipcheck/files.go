package main

import (
	"fmt"

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
			outs, err := report.ParseListingOutputs(outputs)
			if err != nil {
				return usageErr(err)
			}
			l, err := packaging.List(cmd.Context(), args[0], packaging.ListOptions{Options: opt, Hidden: hidden})
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			if err := report.WriteListing(l, outs, e.stdout); err != nil {
				return &exitError{code: exitIncomplete, err: err}
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
