package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, shared by every command.
const (
	exitClean      = 0 // nothing at or above the threshold
	exitFindings   = 1 // findings at or above the threshold
	exitIncomplete = 2 // the work could not be completed
)

const exitCodesHelp = `Exit codes:
  0  clean: nothing at or above the threshold
  1  findings at or above the threshold
  2  the work could not be completed: an artifact could not be read (or was
     read only in part, unless --allow-partial), bad usage, or an error`

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error // nil when the message was already printed
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// env is what every command gets from Run: no global state.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	quiet          bool
	logLevel       string
	lookupEnv      func(string) (string, bool)
}

// Run runs the shipcheck command line with args and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, lookupEnv: os.LookupEnv}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "shipcheck: %v\n", ee.err)
		}
		return ee.code
	}
	// Usage errors from cobra (unknown flag, wrong argument count) and
	// failures of the work itself.
	fmt.Fprintf(stderr, "shipcheck: %v\n", err)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "shipcheck: interrupted")
	}
	return exitIncomplete
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "shipcheck",
		Short: "Check a serverless deployment artifact before it ships",
		Long: `shipcheck opens the exact artifact a team is about to deploy (an AWS Lambda
function zip with its layers, an Azure Functions or Google Cloud Functions
package, a container image as a docker save tarball or an OCI layout, any zip,
tar or folder) as the runtime will see it, and answers three questions: what
is inside (an SBOM), is any of it known to be vulnerable (OSV advisories), and
did anyone bake a credential into it.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyDefaults(cmd, e.lookupEnv); err != nil {
				return usageErr(err)
			}
			l, err := newLogger(e.stderr, e.logLevel, e.quiet)
			if err != nil {
				return err
			}
			e.log = l
			return nil
		},
	}
	root.PersistentFlags().BoolVarP(&e.quiet, "quiet", "q", false, "print only errors on standard error")
	root.PersistentFlags().StringVar(&e.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("%v (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(
		newFilesCmd(e),
		newScanCmd(e),
		newSBOMCmd(e),
		newVulnCmd(e),
		newSecretsCmd(e),
		newDiffCmd(e),
		newDBCmd(e),
		newConfigCmd(e),
		newVersionCmd(e),
	)
	return root
}

func newLogger(w io.Writer, level string, quiet bool) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, &exitError{code: exitIncomplete, err: fmt.Errorf("--log-level: %q is not one of debug, info, warn, error", level)}
	}
	if quiet {
		l = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print shipcheck's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(e.stdout, versionString())
			return nil
		},
	}
}

// version is shipcheck's module version, "(devel)" when built from a
// checkout.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func versionString() string {
	v, rev, goVer := version(), "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVer = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	parts := []string{"shipcheck " + v}
	if rev != "" {
		parts = append(parts, "commit "+rev[:min(len(rev), 12)])
	}
	if goVer != "" {
		parts = append(parts, goVer)
	}
	return strings.Join(parts, ", ")
}
