package secrets

import (
	"context"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
)

// TestOwnRules checks every rule of rules.toml on its own examples: each
// example is found by the scanner and missed by gitleaks' default rules
// alone (else the rule would not be needed); no counter-example is found.
func TestOwnRules(t *testing.T) {
	var file struct {
		Rules []struct {
			ID              string
			Examples        []string
			Counterexamples []string
		}
	}
	if _, err := toml.Decode(ownRules, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Rules) == 0 {
		t.Fatal("no rules in rules.toml")
	}
	sc, err := NewScanner()
	if err != nil {
		t.Fatal(err)
	}
	def, err := translate(config.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	gitleaks := detect.NewDetector(def)
	gitleaks.MaxDecodeDepth = MaxDecodeDepth
	for _, r := range file.Rules {
		if len(r.Examples) == 0 || len(r.Counterexamples) == 0 {
			t.Errorf("%s: needs examples and counter-examples", r.ID)
		}
		for _, ex := range r.Examples {
			fs, _ := sc.Scan(context.Background(), "/var/task/app.cfg", []byte(ex))
			found := false
			for _, f := range fs {
				found = found || f.RuleID == r.ID
			}
			if !found {
				t.Errorf("%s: example not found: %q (found %v)", r.ID, ex, fs)
			}
			for _, gf := range gitleaks.Detect(detect.Fragment{Raw: ex, FilePath: "var/task/app.cfg", StartLine: 1}) {
				if !isDecoy(gf.Secret, sc.rules.Confidence(gf.RuleID)) {
					t.Errorf("%s: gitleaks' rule %s already finds example %q: the rule is not needed for it", r.ID, gf.RuleID, ex)
				}
			}
		}
		for _, ex := range r.Counterexamples {
			fs, _ := sc.Scan(context.Background(), "/var/task/app.cfg", []byte(ex))
			for _, f := range fs {
				if f.RuleID == r.ID {
					t.Errorf("%s: counter-example %q found", r.ID, ex)
				}
			}
		}
	}
}
