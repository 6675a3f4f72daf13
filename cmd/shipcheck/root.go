package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/internal/console"
	"github.com/spf13/cobra"
)

// Exit codes, shared by every command.
const (
	exitClean      = 0 // nothing at or above the threshold
	exitFindings   = 1 // findings at or above the threshold
	exitIncomplete = 2 // the work could not be completed
	// exitInterrupted is for a run cut short (Ctrl-C), as shells report a
	// process SIGINT ended: 128+2. A signal that cancels the run gives
	// 128 plus its own number (143 for SIGTERM).
	exitInterrupted = 130
)

const exitCodesHelp = `Exit codes:
  0    clean: nothing at or above the threshold
  1    findings at or above the threshold
  2    the work could not be completed: an artifact could not be read (or was
       read only in part, unless --allow-partial), bad usage, or an error
  130  interrupted (Ctrl-C); 143 when terminated (SIGTERM)`

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
	// displays are status lines to stop when the command ends, if the
	// command did not.
	displays []*console.Status
	// checkOnly: a report command stops once its flags and configuration
	// are read (config check).
	checkOnly bool
}

// Run runs the shipcheck command line with args and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runEnv(ctx, &env{stdout: stdout, stderr: stderr, lookupEnv: os.LookupEnv}, args)
}

// runEnv runs the command line in e and returns the exit code.
func runEnv(ctx context.Context, e *env, args []string) int {
	stderr := e.stderr
	root := newRootCmd(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	for _, d := range e.displays {
		d.Stop()
	}
	if ctx.Err() != nil {
		// The run was cut short: whatever the command returned is the
		// echo of the cancellation ("context canceled" under the names
		// of the operations it stopped), not news, and what it wrote may
		// be incomplete, so it neither passes nor fails the gate.
		fmt.Fprintln(stderr, "shipcheck: interrupted")
		return interruptedCode(ctx)
	}
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
	return exitIncomplete
}

// interrupt is the cause of a context a signal cancelled (see main).
type interrupt struct{ sig os.Signal }

func (i interrupt) Error() string { return "interrupted by " + i.sig.String() }

// code is the exit code for the signal: 128 plus its number, as shells
// report a process a signal ended.
func (i interrupt) code() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitInterrupted
}

// interruptedCode is the exit code of a run whose context was cancelled:
// that of the signal that cancelled it, else 130.
func interruptedCode(ctx context.Context) int {
	var i interrupt
	if errors.As(context.Cause(ctx), &i) {
		return i.code()
	}
	return exitInterrupted
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "shipcheck",
		Short: "Check a serverless deployment artifact before it ships",
		Long: `shipcheck opens the exact artifact a team is about to deploy (an AWS Lambda
function zip with its layers, an Azure Functions or Google Cloud Functions
package, a container image as a docker save tarball or an OCI layout, any zip,
tar or folder) as the runtime will see it, and answers four questions: what
is inside (an SBOM), is any of it known to be vulnerable (OSV advisories), did
anyone bake a credential into it, and what may each function do (the
permissions its deployment templates grant).

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		// `shipcheck --version` prints what `shipcheck version` does
		// (the flag is declared below, without cobra's -v).
		Version: shipcheck.VersionLine(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.HasSubCommands() {
				// A group only prints its help: no configuration to
				// read (a broken one must not hide the help).
				return nil
			}
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
	root.SetVersionTemplate("{{.Version}}\n")
	root.Flags().Bool("version", false, "print shipcheck's version (as 'shipcheck version' does)")
	root.PersistentFlags().BoolVarP(&e.quiet, "quiet", "q", false, "print only errors on standard error")
	root.PersistentFlags().StringVar(&e.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("%v (see '%s --help')", err, c.CommandPath())}
	})
	// help TOPIC for a topic that does not exist is bad usage, as an
	// unknown command is (cobra's own help prints it and exits 0).
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || cmd == nil || len(rest) > 0 {
				return usageErr(fmt.Errorf("unknown help topic %q (see 'shipcheck --help')", strings.Join(args, " ")))
			}
			return cmd.Help()
		},
	})
	root.AddCommand(
		newFilesCmd(e),
		newScanCmd(e),
		newSBOMCmd(e),
		newVulnCmd(e),
		newSecretsCmd(e),
		newPermissionsCmd(e),
		newDiffCmd(e),
		newAttestCmd(e),
		newVerifyCmd(e),
		newDBCmd(e),
		newArchiveCmd(e),
		newConfigCmd(e),
		newVersionCmd(e),
	)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	// cobra's completion command, made now (it keeps the output writer it
	// sees) so that it is a group like the others.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			groupCmd(c)
		}
	}
	// A group runs only to print its help: its usage shows
	// "shipcheck db [command]", not "shipcheck db [flags]" as well.
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(), "Usage:{{if .Runnable}}", "Usage:{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
	return groupCmd(root)
}

// groupCmd makes c, a command that only groups subcommands, take an
// unknown subcommand as a usage error: exit 2 and one line naming it, with
// cobra's suggestion, rather than what cobra does for a group with no Run
// (the root says "unknown command" over several lines; any other group
// prints its help and exits 0, so `shipcheck db updte` would pass in CI).
// Args must be set for cobra to check them (with Args nil it falls back on
// legacyArgs), and only a runnable command's Args are checked: hence the
// RunE. Called with no argument, a group prints its help and exits 0, as
// before: asking what a group holds is not an error (docker, kubectl and
// gh do the same).
func groupCmd(c *cobra.Command) *cobra.Command {
	c.Args = unknownCommand
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	// cobra's default distance, which it fills in only for its own
	// message: SuggestionsFor reads the field as it is.
	c.SuggestionsMinimumDistance = 2
	return c
}

// unknownCommand rejects any argument of a group: it names no subcommand.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		q := make([]string, len(s))
		for i, n := range s {
			q[i] = fmt.Sprintf("%q", n)
		}
		msg += "; did you mean " + strings.Join(q, " or ") + "?"
	}
	return usageErr(fmt.Errorf("%s (see '%s --help')", msg, cmd.CommandPath()))
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
			fmt.Fprintln(e.stdout, shipcheck.VersionLine())
			return nil
		},
	}
}

// status starts a status line on standard error when it is a terminal
// (and not --quiet), stopped when the command ends if not before.
func (e *env) status(line func() string) *console.Status {
	d := console.StartStatus(e.stderr, e.quiet, line)
	if d != nil {
		e.displays = append(e.displays, d)
	}
	return d
}
