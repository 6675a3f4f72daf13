package permissions

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Rule is what a report says about a rule: enough to explain its findings
// without this package (SARIF's rule descriptors are made from it).
type Rule struct {
	ID       string `json:"id" yaml:"id"`
	Severity string `json:"severity" yaml:"severity"`
	Title    string `json:"title" yaml:"title"`
	// Description says what the rule finds and why it matters; Fix the
	// scoped form to write instead.
	Description string `json:"description" yaml:"description"`
	Fix         string `json:"fix" yaml:"fix"`
}

// Severities are the rules' severities, most severe first.
var Severities = []string{"critical", "high", "medium", "low"}

// rule is a rule with what it matches and its examples, as rules.yaml
// writes them.
type rule struct {
	Rule       `yaml:",inline"`
	Supersedes []string     `yaml:"supersedes"`
	Match      matchSpec    `yaml:"match"`
	Examples   ruleExamples `yaml:"examples"`
	actionRe   *regexp.Regexp
}

// matchSpec is what a rule matches: exactly one kind is set. See the
// comment at the top of rules.yaml for the fields' meaning.
type matchSpec struct {
	Statement *struct {
		ActionsCover    []string `yaml:"actions_cover"`
		ActionRegex     string   `yaml:"action_regex"`
		NotAction       bool     `yaml:"not_action"`
		NotResource     bool     `yaml:"not_resource"`
		AnyResource     bool     `yaml:"any_resource"`
		ConditionScopes bool     `yaml:"condition_scopes"`
	} `yaml:"statement"`
	ManagedPolicy *struct {
		AWSNames []string `yaml:"aws_names"`
	} `yaml:"managed_policy"`
	InvokePermission *struct {
		ActionsCover []string `yaml:"actions_cover"`
		Principal    string   `yaml:"principal"`
		Unless       []string `yaml:"unless"`
	} `yaml:"invoke_permission"`
	URL *struct {
		AuthType string `yaml:"auth_type"`
	} `yaml:"url"`
}

func (m matchSpec) kind() string {
	var kinds []string
	if m.Statement != nil {
		kinds = append(kinds, "statement")
	}
	if m.ManagedPolicy != nil {
		kinds = append(kinds, "managed_policy")
	}
	if m.InvokePermission != nil {
		kinds = append(kinds, "invoke_permission")
	}
	if m.URL != nil {
		kinds = append(kinds, "url")
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

// ruleExamples are function fragments the rule must match and must not.
// They are written in YAML with the model's JSON names, and read through
// JSON so that an example is exactly what a parser would produce.
type ruleExamples struct {
	Match   []example `yaml:"match"`
	NoMatch []example `yaml:"no_match"`
}

// example is one item of a function: one field is set.
type example struct {
	Statement        *Statement        `json:"statement,omitempty"`
	ManagedPolicy    *ManagedPolicy    `json:"managed_policy,omitempty"`
	InvokePermission *InvokePermission `json:"invoke_permission,omitempty"`
	URL              *FunctionURL      `json:"url,omitempty"`
}

// UnmarshalYAML reads an example through JSON, refusing unknown fields.
func (e *example) UnmarshalYAML(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(e); err != nil {
		return fmt.Errorf("line %d: example: %w", n.Line, err)
	}
	return nil
}

// function is the example as a function holding only it.
func (e example) function() *Function {
	f := &Function{Name: "example"}
	if e.Statement != nil {
		f.Statements = []Statement{*e.Statement}
	}
	if e.ManagedPolicy != nil {
		f.Managed = []ManagedPolicy{*e.ManagedPolicy}
	}
	if e.InvokePermission != nil {
		f.Invokers = []InvokePermission{*e.InvokePermission}
	}
	f.URL = e.URL
	return f
}

func (e example) kind() string {
	var kinds []string
	for k, set := range map[string]bool{"statement": e.Statement != nil, "managed_policy": e.ManagedPolicy != nil,
		"invoke_permission": e.InvokePermission != nil, "url": e.URL != nil} {
		if set {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

//go:embed rules.yaml
var rulesYAML []byte

var loadRules = sync.OnceValues(func() ([]*rule, error) { return parseRules(rulesYAML) })

// Rules are the embedded rules, in the order rules.yaml gives them. The
// file is part of the program and checked by the tests: a broken one is a
// bug, and Rules panics on it.
func Rules() []Rule {
	rs := mustRules()
	out := make([]Rule, len(rs))
	for i, r := range rs {
		out[i] = r.Rule
	}
	return out
}

func mustRules() []*rule {
	rs, err := loadRules()
	if err != nil {
		panic("permissions: rules.yaml: " + err.Error())
	}
	return rs
}

var (
	ruleID      = regexp.MustCompile(`^SC-[A-Z]+-[0-9]{3}$`)
	principals  = []string{"any", "account", "service"}
	scopeFields = []string{"source_arn", "source_account", "principal_org_id"}
)

// parseRules reads and checks a rules file: ids unique and well formed,
// a known severity, a title, description and fix, one match kind with
// something to match, examples of both kinds and of the rule's kind.
func parseRules(b []byte) ([]*rule, error) {
	var file struct {
		Rules []*rule `yaml:"rules"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return nil, err
	}
	if len(file.Rules) == 0 {
		return nil, errors.New("no rules")
	}
	seen := map[string]bool{}
	for _, r := range file.Rules {
		if !ruleID.MatchString(r.ID) || seen[r.ID] {
			return nil, fmt.Errorf("rule id %q: not of the form SC-KIND-000, or given twice", r.ID)
		}
		seen[r.ID] = true
	}
	var errs []error
	for _, r := range file.Rules {
		if err := r.check(seen); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.ID, err))
		}
	}
	return file.Rules, errors.Join(errs...)
}

func (r *rule) check(ids map[string]bool) error {
	if !slices.Contains(Severities, r.Severity) {
		return fmt.Errorf("severity %q is not one of %s", r.Severity, strings.Join(Severities, ", "))
	}
	if r.Title == "" || r.Description == "" || r.Fix == "" {
		return errors.New("needs a title, a description and a fix")
	}
	for _, s := range r.Supersedes {
		if !ids[s] || s == r.ID {
			return fmt.Errorf("supersedes %q: no such other rule", s)
		}
	}
	m := r.Match
	kind := m.kind()
	switch kind {
	case "":
		return errors.New("match: give exactly one of statement, managed_policy, invoke_permission, url")
	case "statement":
		s := m.Statement
		if len(s.ActionsCover) == 0 && s.ActionRegex == "" && !s.NotAction && !s.NotResource {
			return errors.New("match.statement: nothing to match (actions_cover, action_regex, not_action or not_resource)")
		}
		if s.ActionRegex != "" {
			re, err := regexp.Compile("(?i)" + s.ActionRegex)
			if err != nil {
				return fmt.Errorf("match.statement.action_regex: %w", err)
			}
			r.actionRe = re
		}
	case "managed_policy":
		if len(m.ManagedPolicy.AWSNames) == 0 {
			return errors.New("match.managed_policy: no aws_names")
		}
	case "invoke_permission":
		p := m.InvokePermission
		if !slices.Contains(principals, p.Principal) {
			return fmt.Errorf("match.invoke_permission.principal %q is not one of %s", p.Principal, strings.Join(principals, ", "))
		}
		for _, u := range p.Unless {
			if !slices.Contains(scopeFields, u) {
				return fmt.Errorf("match.invoke_permission.unless %q is not one of %s", u, strings.Join(scopeFields, ", "))
			}
		}
	case "url":
		if m.URL.AuthType == "" {
			return errors.New("match.url: no auth_type")
		}
	}
	if len(r.Examples.Match) == 0 || len(r.Examples.NoMatch) == 0 {
		return errors.New("needs examples that match and examples that do not")
	}
	for _, e := range append(slices.Clone(r.Examples.Match), r.Examples.NoMatch...) {
		if e.kind() != kind {
			return fmt.Errorf("an example is not one %s", kind)
		}
	}
	return nil
}

// covers reports whether the IAM action pattern p matches every action
// that q matches (case-insensitive, as IAM compares actions): "*" in p
// matches any run of q's characters, wildcards included; "?" in p one
// character that is not a "*" of q; any other character of p only itself.
// "iam:*" covers "iam:PassRole", "iam:Pass*" and "iam:P?ssRole";
// "iam:Pass*" does not cover "iam:*".
func covers(p, q string) bool {
	p, q = strings.ToLower(p), strings.ToLower(q)
	// ok[j]: p[i:] covers q[j:], computed from the end of p backwards.
	ok := make([]bool, len(q)+1)
	ok[len(q)] = true
	next := make([]bool, len(q)+1)
	for i := len(p) - 1; i >= 0; i-- {
		for j := len(q); j >= 0; j-- {
			switch c := p[i]; {
			case c == '*':
				next[j] = ok[j] || j < len(q) && next[j+1]
			case j == len(q):
				next[j] = false
			case c == '?':
				next[j] = q[j] != '*' && ok[j+1]
			default:
				next[j] = q[j] == c && ok[j+1]
			}
		}
		ok, next = next, ok
	}
	return ok[0]
}

// anyResource reports whether a resource is every resource: "*" (or
// "**"...). Everything else, an ARN with wildcards or a reference the
// template did not resolve, names specific resources.
func anyResource(r string) bool {
	r = strings.TrimSpace(r)
	return r != "" && strings.Trim(r, "*") == ""
}

var (
	accountID   = regexp.MustCompile(`^[0-9]{12}$`)
	accountRoot = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:root$`)
)

// principalKind says what a resource-based permission's principal is:
// "any" for "*", "account" for an account id or its root ARN, "service"
// for an AWS service, "" for anything narrower (a role, a user).
func principalKind(p string) string {
	p = strings.TrimSpace(p)
	lower := strings.ToLower(p)
	switch {
	case p == "*":
		return "any"
	case accountID.MatchString(p) || accountRoot.MatchString(p):
		return "account"
	case strings.HasSuffix(lower, ".amazonaws.com") || strings.HasSuffix(lower, ".amazonaws.com.cn"):
		return "service"
	}
	return ""
}

// awsManagedName is the name of an AWS managed policy an ARN (or SAM's
// bare name) attaches, and whether it is one: arn:aws:iam::aws:policy/NAME
// or with a path (policy/service-role/NAME); a bare name without "/" or
// ":". A customer-managed policy (an account id where "aws" is) is not.
func awsManagedName(arn string) (string, bool) {
	arn = strings.TrimSpace(arn)
	// SAM templates write the partition as a pseudo parameter, which a
	// parser may leave unresolved.
	arn = strings.ReplaceAll(strings.TrimPrefix(arn, "!Sub "), "${AWS::Partition}", "aws")
	if !strings.ContainsAny(arn, ":/${}!") {
		return arn, arn != ""
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "iam" || parts[4] != "aws" || !strings.HasPrefix(parts[5], "policy/") {
		return "", false
	}
	return parts[5][strings.LastIndexByte(parts[5], '/')+1:], true
}
