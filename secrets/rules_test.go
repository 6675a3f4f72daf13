package secrets

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
)

// TestOwnRules checks every rule of rules.toml on its own examples: each
// example is found by the scanner under the rule's name and missed by
// gitleaks' default rules alone, or found by them only under a generic
// rule the rule refines (else the rule would not be needed); no
// counter-example is found.
func TestOwnRules(t *testing.T) {
	meta, err := ownMeta()
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Rules []OwnRule }
	for _, id := range slices.Sorted(maps.Keys(meta)) {
		file.Rules = append(file.Rules, meta[id])
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
			fs, _ := sc.Scan(context.Background(), "/var/task/app.cfg", []byte(ex), AllRules)
			var secret string
			for _, f := range fs {
				if f.RuleID == r.ID {
					secret = f.Secret()
				}
			}
			if secret == "" {
				t.Errorf("%s: example not found: %q (found %v)", r.ID, ex, fs)
				continue
			}
			for _, gf := range gitleaks.Detect(detect.Fragment{Raw: ex, FilePath: "var/task/app.cfg", StartLine: 1}) {
				if strings.Contains(gf.Secret, secret) && !isDecoy(gf.Secret, sc.rules.Confidence(gf.RuleID)) && !slices.Contains(r.Refines, gf.RuleID) {
					t.Errorf("%s: gitleaks' rule %s already finds example %q: the rule is not needed for it", r.ID, gf.RuleID, ex)
				}
			}
		}
		for _, ex := range r.Counterexamples {
			fs, _ := sc.Scan(context.Background(), "/var/task/app.cfg", []byte(ex), AllRules)
			for _, f := range fs {
				if f.RuleID == r.ID {
					t.Errorf("%s: counter-example %q found", r.ID, ex)
				}
			}
		}
	}
}
