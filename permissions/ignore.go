package permissions

import (
	"github.com/shipcheck/shipcheck/internal/expiry"

	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Ignore is a decision about findings, from .shipcheck.yaml's
// permissions.ignore: the findings of a rule, optionally only those of one
// function or one template file, with a reason and an optional expiry
// date, after which they count again.
type Ignore struct {
	Rule string `yaml:"rule" json:"rule"`
	// Function is the function's name as reports give it; "" any.
	Function string `yaml:"function,omitempty" json:"function,omitempty"`
	// File is the template's path as reports give it, or a glob of it
	// (path.Match: * and ? within a segment); "" any.
	File    string `yaml:"file,omitempty" json:"file,omitempty"`
	Reason  string `yaml:"reason" json:"reason"`
	Expires string `yaml:"expires,omitempty" json:"expires,omitempty"` // YYYY-MM-DD
}

// Suppression says why a finding does not count.
type Suppression struct {
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

// Validate checks an ignore rule: a rule id this shipcheck has, a reason,
// a date, a file glob that compiles.
func (i Ignore) Validate() error {
	if !slices.ContainsFunc(Rules(), func(r Rule) bool { return r.ID == i.Rule }) {
		return fmt.Errorf("permissions ignore rule: %q is not a rule id (SC-IAM-001...; shipcheck permissions --help lists them)", i.Rule)
	}
	if strings.TrimSpace(i.Reason) == "" {
		return fmt.Errorf("permissions ignore rule %s: give a reason", i.Rule)
	}
	if err := expiry.Check(i.Expires); err != nil {
		return fmt.Errorf("permissions ignore rule %s: %w", i.Rule, err)
	}
	if _, err := path.Match(i.File, ""); err != nil {
		return fmt.Errorf("permissions ignore rule %s: file %q: %w", i.Rule, i.File, err)
	}
	return nil
}

// covers reports whether the rule applies to the finding.
func (i Ignore) covers(f Finding) bool {
	if i.Rule != f.Rule || i.Function != "" && i.Function != f.Function {
		return false
	}
	if i.File == "" || i.File == f.File {
		return true
	}
	ok, _ := path.Match(i.File, f.File)
	return ok
}

// Apply marks the findings that an ignore rule in force covers, and
// returns the rules that have expired (their findings count again). A
// rule expires at the end of its date.
func Apply(fs []Finding, ignores []Ignore, now time.Time) (expired []Ignore) {
	var live []Ignore
	for _, i := range ignores {
		if expiry.Passed(i.Expires, now) {
			expired = append(expired, i)
			continue
		}
		live = append(live, i)
	}
	for k := range fs {
		for _, i := range live {
			if i.covers(fs[k]) {
				fs[k].Suppressed = &Suppression{Reason: i.Reason, Expires: i.Expires}
				break
			}
		}
	}
	return expired
}
