package secrets

import (
	_ "embed"
	"regexp"

	"fmt"
	"github.com/BurntSushi/toml"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/logging"
)

//go:embed rules.toml
var ownRules string

// thirdPartyPaths are the entries of gitleaks' global path allowlist that
// skip third-party code (node_modules, vendored gems, Python libraries,
// Go vendor folders). shipcheck reports what ships there, marked as
// third-party, so these are dropped; the rest (images, fonts, lockfiles,
// go.sum...) stay.
var thirdPartyPaths = []string{"node_modules", "vendor/", "bower_components", "python", "dist-info", `\.gem$`, "virtualenv"}

// Rules are the content rules: gitleaks' defaults and ours, ready for a
// detector, with each rule's confidence.
type Rules struct {
	// All is every rule.
	All        config.Config
	confidence map[string]Confidence
	provider   map[string]bool
	// Own are shipcheck's own rules (rules.toml), with what the file says
	// of each beyond gitleaks' format.
	Own map[string]OwnRule
	// skipPaths are the path entries of the global allowlists (images,
	// fonts, lockfiles...), checked once per file rather than by the
	// detector once per fragment.
	skipPaths []*config.Allowlist
	// skipAny matches a base name one of skipPaths' entries matches: one
	// expression run per file rather than one per entry.
	skipAny *regexp.Regexp
}

// Skipped reports whether a file's content is not scanned for its path
// (a path of gitleaks' global allowlist). Those paths name files (images,
// fonts, lockfiles), so only the base name is matched, several times
// faster on deep paths; the one entry that names a folder
// (.mvn/wrapper/...) then skips nothing, which costs only time.
func (r *Rules) Skipped(rel string) bool {
	base := rel[strings.LastIndexAny(rel, "/!")+1:]
	if r.skipAny != nil {
		return r.skipAny.MatchString(base)
	}
	for _, a := range r.skipPaths {
		if a.PathAllowed(base) {
			return true
		}
	}
	return false
}

// Confidence returns a rule's confidence.
func (r *Rules) Confidence(rule string) Confidence {
	if c, ok := r.confidence[rule]; ok {
		return c
	}
	return Medium
}

// OwnRule is what rules.toml says of one of shipcheck's rules besides
// gitleaks' fields.
type OwnRule struct {
	ID              string
	Confidence      Confidence
	Provider        bool     // a credential of a named provider (see Provider)
	Refines         []string // gitleaks rules that find its examples under a generic name
	Examples        []string
	Counterexamples []string
}

// notProvider are gitleaks' rules that do not find a credential in a
// provider's own format: generic assignments, command lines, manifests
// and file names. In a third-party package they find documentation, test
// fixtures and examples (measured on real installs: see the README).
var notProvider = map[string]bool{
	"generic-api-key":        true,
	"curl-auth-header":       true,
	"curl-auth-user":         true,
	"kubernetes-secret-yaml": true,
	"pkcs12-file":            true,
}

// Provider reports whether a rule finds a credential in a provider's own
// format (a token with its prefix or structure, or a provider-named
// assignment): the rules third-party packages are scanned with by default.
func (r *Rules) Provider(rule string) bool { return r.provider[rule] }

// LoadRules returns the rules, built once per process (compiling them takes
// about 0.1 s). It also silences gitleaks' global logger, which would
// otherwise write to stderr.
var LoadRules = sync.OnceValues(loadRules)

func loadRules() (*Rules, error) {
	logging.Logger = zerolog.Nop()
	def, err := translate(config.DefaultConfig)
	if err != nil {
		return nil, fmt.Errorf("gitleaks default rules: %w", err)
	}
	own, err := translate(ownRules)
	if err != nil {
		return nil, fmt.Errorf("shipcheck rules: %w", err)
	}
	meta, err := ownMeta()
	if err != nil {
		return nil, fmt.Errorf("shipcheck rules: %w", err)
	}
	for id, r := range own.Rules {
		def.Rules[id] = r
		def.OrderedRules = append(def.OrderedRules, id)
		for _, k := range r.Keywords {
			def.Keywords[strings.ToLower(k)] = struct{}{}
		}
	}
	rs := &Rules{confidence: map[string]Confidence{}, provider: map[string]bool{}, Own: meta}
	var global []*config.Allowlist
	for _, a := range def.Allowlists {
		a, err := withoutThirdPartyPaths(a)
		if err != nil {
			return nil, err
		}
		if a.MatchCondition == config.AllowlistMatchAnd || len(a.Paths) == 0 {
			global = append(global, a)
			continue
		}
		// Either a path or a commit allows: the paths move out.
		paths := &config.Allowlist{Description: a.Description, Paths: a.Paths}
		if err := paths.Validate(); err != nil {
			return nil, fmt.Errorf("gitleaks allowlist: %w", err)
		}
		rs.skipPaths = append(rs.skipPaths, paths)
		if len(a.Regexes)+len(a.StopWords)+len(a.Commits) > 0 {
			rest := &config.Allowlist{
				Description: a.Description, MatchCondition: a.MatchCondition, Commits: a.Commits,
				RegexTarget: a.RegexTarget, Regexes: a.Regexes, StopWords: a.StopWords,
			}
			if err := rest.Validate(); err != nil {
				return nil, fmt.Errorf("gitleaks allowlist: %w", err)
			}
			global = append(global, rest)
		}
	}
	def.Allowlists = global
	var skip []string
	for _, a := range rs.skipPaths {
		for _, p := range a.Paths {
			skip = append(skip, p.String())
		}
	}
	rs.skipAny = anyOf(skip)
	rs.All = def
	for id, r := range def.Rules {
		if m, ok := meta[id]; ok {
			rs.confidence[id], rs.provider[id] = m.Confidence, m.Provider
			continue
		}
		rs.confidence[id] = ruleConfidence(r)
		rs.provider[id] = r.Regex != nil && !notProvider[id]
	}
	return rs, nil
}

// translate reads rules in gitleaks' TOML format with a private viper (the
// global one is gitleaks' CLI state).
func translate(toml string) (config.Config, error) {
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(toml)); err != nil {
		return config.Config{}, err
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return config.Config{}, err
	}
	return vc.Translate()
}

func withoutThirdPartyPaths(a *config.Allowlist) (*config.Allowlist, error) {
	out := &config.Allowlist{
		Description: a.Description, MatchCondition: a.MatchCondition, Commits: a.Commits,
		RegexTarget: a.RegexTarget, Regexes: a.Regexes, StopWords: a.StopWords,
	}
	for _, p := range a.Paths {
		drop := false
		for _, tp := range thirdPartyPaths {
			drop = drop || strings.Contains(p.String(), tp)
		}
		if !drop {
			out.Paths = append(out.Paths, p)
		}
	}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("gitleaks allowlist: %w", err)
	}
	return out, nil
}

// ownMeta reads what rules.toml says of each rule besides gitleaks'
// fields.
func ownMeta() (map[string]OwnRule, error) {
	var file struct {
		Rules []struct {
			OwnRule
			Confidence string
		}
	}
	if _, err := toml.Decode(ownRules, &file); err != nil {
		return nil, err
	}
	out := map[string]OwnRule{}
	for _, r := range file.Rules {
		m := r.OwnRule
		switch c := Confidence(r.Confidence); c {
		case High, Medium, Low:
			m.Confidence = c
		default:
			return nil, fmt.Errorf("rule %s: confidence %q: give high, medium or low", r.ID, r.Confidence)
		}
		out[m.ID] = m
	}
	return out, nil
}

// ruleConfidence: a gitleaks rule that finds a token by a provider's own
// prefix or structure is high; one that needs a keyword near a
// token-shaped value (gitleaks writes those with a `[\w.-]{0,50}?`
// lead-in) is medium; the generic assignment rule is low.
func ruleConfidence(r config.Rule) Confidence {
	switch {
	case r.RuleID == "generic-api-key":
		return Low
	case r.Regex == nil:
		return Medium
	case strings.Contains(r.Regex.String(), `[\w.-]{0,50}?`):
		return Medium
	}
	return High
}

// anyOf compiles one expression that matches where any of the patterns
// does (nil when there are none or they do not compile together).
func anyOf(patterns []string) *regexp.Regexp {
	if len(patterns) == 0 {
		return nil
	}
	var b strings.Builder
	for i, p := range patterns {
		if i > 0 {
			b.WriteString("|")
		}
		b.WriteString("(?:" + p + ")")
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}
