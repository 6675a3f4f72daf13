package shipcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"

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
	// Defaults are values for command-line flags, by flag name (fail-on,
	// output, offline...): flags override them, and SHIPCHECK_* environment
	// variables override them too.
	Defaults map[string]any `yaml:"defaults"`
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

// LoadConfig reads the configuration at path; with path "" it reads
// .shipcheck.yaml in the working folder if there is one. Unknown keys are
// errors, so that a typo does not silently drop a rule.
func LoadConfig(path string) (*Config, error) {
	explicit := path != ""
	if !explicit {
		path = ConfigFile
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %w", path, err)
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
