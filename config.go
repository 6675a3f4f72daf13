package shipcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/permissions"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// ConfigFile is the configuration's name in the working folder.
const ConfigFile = ".shipcheck.yaml"

// Config is a project's .shipcheck.yaml.
type Config struct {
	// Ignore lists advisories the team decided about, each with a reason
	// and an optional expiry date.
	Ignore []vuln.Ignore `yaml:"ignore"`
	// Secrets holds the decisions about secret findings.
	Secrets SecretsConfig `yaml:"secrets"`
	// Permissions holds the decisions about permission findings.
	Permissions PermissionsConfig `yaml:"permissions"`
	// Defaults are values for command-line flags, by flag name (fail-on,
	// output, offline...): flags override them, and SHIPCHECK_* environment
	// variables override them too.
	Defaults map[string]any `yaml:"defaults"`
}

// Default is the default of the flag name as values a flag takes (a list
// for a list), and whether the file sets one.
func (c *Config) Default(name string) ([]string, bool, error) {
	v, ok := c.Defaults[name]
	if !ok {
		return nil, false, nil
	}
	vals, err := flagValues(v)
	return vals, true, err
}

// flagValues turns a default (a scalar or a list of scalars) into flag
// values.
func flagValues(v any) ([]string, error) {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			s, err := flagValues(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	case map[string]any:
		return nil, errors.New("a value or a list of values, not a mapping")
	case nil:
		return nil, errors.New("no value")
	}
	return []string{fmt.Sprint(v)}, nil
}

// SecretsConfig is the secrets section of .shipcheck.yaml.
type SecretsConfig struct {
	// Ignore lists findings by fingerprint, each with a reason and an
	// optional expiry date.
	Ignore []secrets.Ignore `yaml:"ignore"`
	// Allow lists places (and rules) where secrets are expected, such as
	// test fixtures: findings there are suppressed with the reason.
	Allow []secrets.Allow `yaml:"allow"`
	// Internal names packages that are the organisation's own (npm
	// "@acme/*", Maven "com.acme.*", PyPI "acme-*", Go
	// "github.com/acme/*"): their files are scanned as the application's,
	// with every rule. Packages sharing the application's own npm scope,
	// Maven group or Go module owner count as internal without being named.
	Internal []string `yaml:"internal"`
}

// PermissionsConfig is the permissions section of .shipcheck.yaml.
type PermissionsConfig struct {
	// Ignore lists findings by rule id, optionally only for one function
	// or template file, each with a reason and an optional expiry date.
	Ignore []permissions.Ignore `yaml:"ignore"`
}

// LoadConfig reads the configuration at path; with path "" it reads
// .shipcheck.yaml in the working folder if there is one. Unknown keys are
// errors, so that a typo does not silently drop a rule.
func LoadConfig(path string) (*Config, error) {
	explicit := path != ""
	if !explicit {
		path = ConfigFile
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if fi.Size() > maxConfig {
		return nil, fmt.Errorf("config %s: %s; a configuration is a few KB (at most %s)", path, archive.FormatSize(fi.Size()), archive.FormatSize(maxConfig))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %s", path, yamlError(err))
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		line := 0
		if err == nil {
			line = more.Line
		}
		return nil, fmt.Errorf("config %s: line %d: a second YAML document (after ---): put everything in one, or its rules would be ignored", path, line)
	}
	for _, i := range c.Ignore {
		if err := i.Validate(); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	for _, i := range c.Secrets.Ignore {
		if err := i.Validate(); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	for _, i := range c.Permissions.Ignore {
		if err := i.Validate(); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	for _, pat := range c.Secrets.Internal {
		if err := secrets.ValidPattern(pat); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	for i := range c.Secrets.Allow {
		if err := c.Secrets.Allow[i].Compile(); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	return &c, nil
}

// Decide reads what the team decided into the options: the configuration
// file's ignore and allow rules and internal packages (configFile "" reads
// .shipcheck.yaml in the working folder, if any), VEX documents, and the
// secrets' fingerprints of an earlier JSON report (a file that is not one
// is an error).
func (o *ScanOptions) Decide(configFile string, vexPaths []string, baseline string) error {
	cfg, err := LoadConfig(configFile)
	if err != nil {
		return err
	}
	if o.VEX, err = readVEX(vexPaths); err != nil {
		return err
	}
	if o.Baseline, err = readBaseline(baseline); err != nil {
		return err
	}
	o.Ignores, o.SecretIgnores, o.SecretAllows, o.Internal = cfg.Ignore, cfg.Secrets.Ignore, cfg.Secrets.Allow, cfg.Secrets.Internal
	o.PermissionIgnores = cfg.Permissions.Ignore
	return nil
}

// readVEX reads VEX documents (OpenVEX, CycloneDX).
func readVEX(paths []string) ([]vuln.VEXStatement, error) {
	var out []vuln.VEXStatement
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("--vex: %w", err)
		}
		st, err := vuln.ReadVEX(f, p)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--vex: %w", err)
		}
		out = append(out, st...)
	}
	return out, nil
}

// readBaseline reads the secrets' fingerprints of an earlier JSON report;
// a file that is not one is an error.
func readBaseline(path string) (map[string]bool, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	defer f.Close()
	fps, err := report.Fingerprints(f)
	if err != nil {
		return nil, fmt.Errorf("--baseline %s: %w (give an earlier --output json of scan, secrets or diff)", path, err)
	}
	return fps, nil
}

// ExampleConfig is a commented .shipcheck.yaml (what `shipcheck config
// init` writes): every key, with what it does.
const ExampleConfig = `# shipcheck configuration: .shipcheck.yaml in the folder shipcheck runs in
# (or --config FILE, or SHIPCHECK_CONFIG). Flags override these values, and
# SHIPCHECK_* environment variables (SHIPCHECK_FAIL_ON=critical) override them too.

# Defaults for command-line flags, by flag name.
defaults:
  # fail-on: high                # exit 1 on a vulnerability at or above this: critical, high, medium, low, none
  # unknown-severity: high       # what an advisory without a severity counts as
  # fail-on-secrets: true        # a first-party secret fails the gate
  # fail-on-third-party-secrets: false
  # fail-on-permissions: high    # exit 1 on a permission finding at or above this: critical, high, medium, low, never
  # go-reachability: "on"        # count Go findings only where the vulnerable code is in the binary
  # offline: true                # never use the network: the advisory database must exist
  # db: .cache/shipcheck         # where the advisory database lives (CI can cache this folder)
  # output:                      # reports written by every run
  #   - table
  #   - sarif=shipcheck.sarif
  #   - cyclonedx-json=bom.json

# Advisories the team has decided about. Each needs a reason; after its
# expiry date the finding counts again.
ignore:
  # - id: GHSA-xxxx-xxxx-xxxx    # or the CVE, or any alias
  #   component: lodash          # optional: only for this package
  #   reason: the vulnerable function is never called with user input
  #   expires: 2027-06-30

secrets:
  # Findings the team has decided about, by the fingerprint reports give.
  ignore:
    # - fingerprint: sc1:0123456789abcdef0123456789abcdef
    #   reason: test key for the local emulator, not valid anywhere
    #   expires: 2027-01-31
  # Places where secrets are expected (a glob on the runtime path: * within a
  # folder, ** across folders), optionally for one rule.
  allow:
    # - path: /var/task/tests/fixtures/**
    #   reason: fake credentials for the unit tests
    # - path: /var/task/docs/*.md
    #   rule: generic-api-key
    #   reason: examples in the documentation

permissions:
  # Permission findings the team has decided about, by rule id, optionally
  # only for one function or template file (a glob).
  ignore:
    # - rule: SC-LAMBDA-001
    #   function: WebhookFunction
    #   file: template.yaml
    #   reason: a public webhook; the handler checks the caller's signature
    #   expires: 2027-06-30
`

// maxConfig bounds a configuration file.
const maxConfig = 1 << 20

var (
	unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type (\S+)`)
	intoType     = regexp.MustCompile(`into (\[\])?(map\[)?[\w.*\[\]]+`)
	cannot       = regexp.MustCompile("cannot unmarshal !!\\w+ (.+?) ")
)

// yamlError says a YAML decoding error in the file's words: the line and
// the key, the keys allowed there, and what a value must be, never a Go
// type's name.
func yamlError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	msg = unknownField.ReplaceAllStringFunc(msg, func(m string) string {
		p := unknownField.FindStringSubmatch(m)
		keys := configKeys[strings.TrimPrefix(p[3], "*")]
		if len(keys) == 0 {
			return fmt.Sprintf("line %s: unknown key %q", p[1], p[2])
		}
		return fmt.Sprintf("line %s: unknown key %q (the keys here are %s)", p[1], p[2], strings.Join(keys, ", "))
	})
	msg = intoType.ReplaceAllStringFunc(msg, func(m string) string {
		switch t := strings.TrimPrefix(m, "into "); {
		case strings.HasPrefix(t, "[]"):
			return "as a list"
		case strings.HasPrefix(t, "map["):
			return "as a mapping"
		case t == "string":
			return "as text"
		case t == "bool":
			return "as true or false"
		case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "float"):
			return "as a number"
		}
		return "as a mapping"
	})
	return cannot.ReplaceAllString(msg, "$1 must be written ")
}

// configKeys are the keys of each part of the configuration, by the Go
// type yaml names in its errors.
var configKeys = func() map[string][]string {
	out := map[string][]string{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || out[t.String()] != nil {
			return
		}
		var keys []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			keys = append(keys, name)
			add(f.Type)
		}
		out[t.String()] = keys
	}
	add(reflect.TypeOf(Config{}))
	return out
}()
