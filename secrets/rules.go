package secrets

import (
	_ "embed"
	"fmt"
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
	// All is every rule, for text.
	All config.Config
	// Binary is the high-confidence rules only, for the printable strings
	// of binary files, where a keyword next to a random-looking string
	// means little.
	Binary     config.Config
	confidence map[string]Confidence
	// skipPaths are the path entries of the global allowlists (images,
	// fonts, lockfiles...), checked once per file rather than by the
	// detector once per fragment.
	skipPaths []*config.Allowlist
}

// Skipped reports whether a file's content is not scanned for its path
// (a path of gitleaks' global allowlist). Those paths name files (images,
// fonts, lockfiles), so only the base name is matched, several times
// faster on deep paths; the one entry that names a folder
// (.mvn/wrapper/...) then skips nothing, which costs only time.
func (r *Rules) Skipped(rel string) bool {
	base := rel[strings.LastIndexAny(rel, "/!")+1:]
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
	for id, r := range own.Rules {
		def.Rules[id] = r
		def.OrderedRules = append(def.OrderedRules, id)
		for _, k := range r.Keywords {
			def.Keywords[strings.ToLower(k)] = struct{}{}
		}
	}
	rs := &Rules{confidence: map[string]Confidence{}}
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
	rs.All = def
	bin := def
	bin.Rules = map[string]config.Rule{}
	bin.Keywords = map[string]struct{}{}
	bin.OrderedRules = nil
	for id, r := range def.Rules {
		if len(r.Keywords) == 0 {
			// The scanner shows the rules only the text around keywords
			// (see window.go): a rule without keywords would need it all.
			// gitleaks' defaults have one, pkcs12-file, which matches a
			// file name and no content.
			delete(def.Rules, id)
			continue
		}
		c := ruleConfidence(r)
		rs.confidence[id] = c
		if c != High || r.Regex == nil {
			continue
		}
		bin.Rules[id] = r
		bin.OrderedRules = append(bin.OrderedRules, id)
		for _, k := range r.Keywords {
			bin.Keywords[strings.ToLower(k)] = struct{}{}
		}
	}
	rs.Binary = bin
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

// ruleConfidence: a rule that finds a token by a provider's own prefix or
// structure is high; one that needs a keyword near a token-shaped value
// (gitleaks writes those with a `[\w.-]{0,50}?` lead-in) is medium; the
// generic assignment rules are low.
func ruleConfidence(r config.Rule) Confidence {
	switch {
	case r.RuleID == "generic-api-key" || r.RuleID == "password-assignment":
		return Low
	case r.RuleID == "url-password" || r.RuleID == "connection-string-key":
		return Medium
	case r.Regex == nil:
		return Medium
	case strings.Contains(r.Regex.String(), `[\w.-]{0,50}?`):
		return Medium
	}
	return High
}
