package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shipcheck/shipcheck"
)

// envPrefix: SHIPCHECK_FAIL_ON sets --fail-on, and so on.
const envPrefix = "SHIPCHECK_"

// envName is the environment variable of a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyDefaults gives every flag the user did not set its value from the
// environment (SHIPCHECK_<FLAG>) or else from the configuration's
// defaults: flags override the environment, which overrides the file.
// A default naming no flag of any command is an error (a typo would
// otherwise be silently ignored).
func applyDefaults(cmd *cobra.Command, lookupEnv func(string) (string, bool)) error {
	path := ""
	if f := cmd.Flags().Lookup("config"); f != nil {
		path = f.Value.String()
	}
	if path == "" {
		path, _ = lookupEnv(envPrefix + "CONFIG")
	}
	cfg, err := shipcheck.LoadConfig(path)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		for _, s := range c.Commands() {
			visit(s)
		}
	}
	visit(cmd.Root())
	var unknown []string
	for k := range cfg.Defaults {
		if !known[k] || k == "config" || k == "help" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("config: defaults: no flag named %s (defaults are flag names without dashes, such as fail-on)", strings.Join(unknown, ", "))
	}
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "config" || f.Name == "help" {
			return
		}
		if v, ok := lookupEnv(envName(f.Name)); ok {
			if err := setFlag(f, splitList(f, v)); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
			return
		}
		if vals, ok, err := cfg.Default(f.Name); ok {
			if err == nil {
				err = setFlag(f, vals)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("config: defaults: %s: %w", f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// splitList splits an environment value of a repeatable flag on commas.
func splitList(f *pflag.Flag, v string) []string {
	if _, ok := f.Value.(pflag.SliceValue); ok {
		return strings.Split(v, ",")
	}
	return []string{v}
}

func setFlag(f *pflag.Flag, vals []string) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return sv.Replace(vals)
	}
	if len(vals) != 1 {
		return fmt.Errorf("--%s takes one value, not %d", f.Name, len(vals))
	}
	if err := f.Value.Set(vals[0]); err != nil {
		if f.Value.Type() == "bool" {
			return fmt.Errorf("%q: must be true or false", vals[0])
		}
		return err
	}
	f.Changed = true
	return nil
}

func newConfigCmd(e *env) *cobra.Command {
	cfg := &cobra.Command{
		Use:   "config",
		Short: "Write or check .shipcheck.yaml",
		Long: `.shipcheck.yaml holds defaults for flags, ignore rules for advisories,
secrets and permissions (each with a reason and an optional expiry), and the places where
secrets are expected. shipcheck reads it from the working folder, or from
--config FILE or SHIPCHECK_CONFIG. Precedence: flags, then SHIPCHECK_*
environment variables (SHIPCHECK_FAIL_ON for --fail-on; lists separated by
commas), then the file.`,
	}
	var force bool
	initCmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented example configuration (default .shipcheck.yaml)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := shipcheck.ConfigFile
			if len(args) == 1 {
				path = args[0]
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(path, flags, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return usageErr(fmt.Errorf("%s exists: keep it, or overwrite it with --force", path))
			}
			if err != nil {
				return usageErr(err)
			}
			if _, err := f.WriteString(shipcheck.ExampleConfig); err != nil {
				f.Close()
				return &exitError{code: exitIncomplete, err: err}
			}
			if err := f.Close(); err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			if !e.quiet {
				fmt.Fprintf(e.stderr, "shipcheck: wrote %s\n", path)
			}
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite the file if it exists")
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Check a configuration (default .shipcheck.yaml): exit 0 when it is valid, 2 with the problem",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := shipcheck.ConfigFile
			if len(args) == 1 {
				path = args[0]
			}
			c, err := shipcheck.LoadConfig(path)
			if err != nil {
				return usageErr(err)
			}
			// Every command that reads the file reads it here, as it would
			// (flag values, formats, thresholds), with nothing to scan.
			for _, args := range [][]string{{"scan", "x"}, {"vuln", "x"}, {"secrets", "x"}, {"permissions", "x"}, {"sbom", "x"}, {"diff", "x", "y"}} {
				sub := &env{stdout: io.Discard, stderr: io.Discard, lookupEnv: func(string) (string, bool) { return "", false }, checkOnly: true}
				root := newRootCmd(sub)
				root.SetArgs(append(args, "--config", path))
				if err := root.ExecuteContext(cmd.Context()); err != nil {
					msg := strings.TrimPrefix(err.Error(), "config: defaults: ")
					return usageErr(fmt.Errorf("config %s: defaults: %s (as shipcheck %s reads it)", path, msg, args[0]))
				}
			}
			fmt.Fprintf(e.stdout, "%s: %d default(s), %d advisory ignore rule(s), %d secret ignore rule(s), %d secret allow rule(s), %d permissions ignore rule(s)\n",
				path, len(c.Defaults), len(c.Ignore), len(c.Secrets.Ignore), len(c.Secrets.Allow), len(c.Permissions.Ignore))
			return nil
		},
	}
	cfg.AddCommand(initCmd, check)
	return groupCmd(cfg)
}
