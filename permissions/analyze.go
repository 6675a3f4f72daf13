package permissions

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Analyze runs every rule over every function of the templates and
// returns the findings, sorted by file, line, rule and function. Deny
// statements and SAM policy templates are never matched. Where a rule
// supersedes others, those others do not report the same statement.
func Analyze(templates []*Template) []Finding {
	return analyze(mustRules(), templates)
}

func analyze(rules []*rule, templates []*Template) []Finding {
	out := []Finding{}
	for _, t := range templates {
		if t == nil {
			continue
		}
		for _, fn := range t.Functions {
			if fn == nil {
				continue
			}
			out = append(out, analyzeFunction(rules, t.Path, fn)...)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Function, b.Function), cmp.Compare(a.Message, b.Message))
	})
	return out
}

// analyzeFunction matches one function's statements, managed policies,
// invoke permissions and URL.
func analyzeFunction(rules []*rule, file string, fn *Function) []Finding {
	var out []Finding
	// each runs the rules on one item: match returns what it grants, or ""
	// when the rule does not match it.
	each := func(pos Position, match func(r *rule) string) {
		if pos.File == "" {
			pos.File = file
		}
		hit := map[string]string{}
		for _, r := range rules {
			if m := match(r); m != "" {
				hit[r.ID] = m
			}
		}
		for _, r := range rules {
			m, ok := hit[r.ID]
			if !ok || slices.ContainsFunc(rules, func(o *rule) bool { _, on := hit[o.ID]; return on && slices.Contains(o.Supersedes, r.ID) }) {
				continue
			}
			out = append(out, Finding{Rule: r.ID, Severity: r.Severity, Function: fn.Name, Position: pos,
				Title: r.Title, Message: m, Fix: r.Fix})
		}
	}
	for _, s := range fn.Statements {
		each(s.Position, func(r *rule) string { return r.matchStatement(s) })
	}
	for _, p := range fn.Managed {
		each(p.Position, func(r *rule) string { return r.matchManaged(p) })
	}
	for _, p := range fn.Invokers {
		each(p.Position, func(r *rule) string { return r.matchInvoke(p) })
	}
	if u := fn.URL; u != nil {
		each(u.Position, func(r *rule) string { return r.matchURL(*u) })
	}
	return out
}

// matchStatement returns what the statement grants that the rule finds,
// or "".
func (r *rule) matchStatement(s Statement) string {
	m := r.Match.Statement
	if m == nil || s.PolicyTemplate || !strings.EqualFold(strings.TrimSpace(s.Effect), "Allow") {
		return ""
	}
	if m.ConditionScopes && s.Conditioned {
		return ""
	}
	if m.NotAction && len(s.NotActions) == 0 || m.NotResource && len(s.NotResources) == 0 {
		return ""
	}
	actions := s.Actions
	if len(m.ActionsCover) > 0 {
		actions = slices.DeleteFunc(slices.Clone(actions), func(a string) bool {
			return !slices.ContainsFunc(m.ActionsCover, func(q string) bool { return covers(a, q) })
		})
		if len(actions) == 0 {
			return ""
		}
	}
	if r.actionRe != nil {
		actions = slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return !r.actionRe.MatchString(strings.TrimSpace(a)) })
		if len(actions) == 0 {
			return ""
		}
	}
	resources := s.Resources
	if m.AnyResource {
		resources = slices.DeleteFunc(slices.Clone(resources), func(x string) bool { return !anyResource(x) })
		if len(resources) == 0 {
			return ""
		}
	}
	what := "Allow " + quoteList(actions)
	if len(s.NotActions) > 0 {
		what = "Allow every action except " + quoteList(s.NotActions)
	}
	if len(s.NotResources) > 0 {
		what += " on every resource except " + quoteList(s.NotResources)
	} else {
		what += " on " + quoteList(resources)
	}
	if s.Conditioned {
		what += " (with a Condition)"
	}
	if s.Source != "" {
		what += ", in " + s.Source
	}
	return what
}

func (r *rule) matchManaged(p ManagedPolicy) string {
	m := r.Match.ManagedPolicy
	if m == nil {
		return ""
	}
	name, ok := awsManagedName(p.ARN)
	if !ok || !slices.ContainsFunc(m.AWSNames, func(n string) bool { return strings.EqualFold(n, name) }) {
		return ""
	}
	return fmt.Sprintf("the role has the AWS managed policy %q", p.ARN)
}

func (r *rule) matchInvoke(p InvokePermission) string {
	m := r.Match.InvokePermission
	if m == nil || principalKind(p.Principal) != m.Principal {
		return ""
	}
	if !slices.ContainsFunc(m.ActionsCover, func(q string) bool { return covers(p.Action, q) }) {
		return ""
	}
	set := map[string]string{"source_arn": p.SourceARN, "source_account": p.SourceAccount, "principal_org_id": p.PrincipalOrgID}
	names := map[string]string{"source_arn": "SourceArn", "source_account": "SourceAccount", "principal_org_id": "PrincipalOrgID"}
	var missing []string
	for _, u := range m.Unless {
		if strings.TrimSpace(set[u]) != "" {
			return ""
		}
		missing = append(missing, names[u])
	}
	what := fmt.Sprintf("principal %q may call %q", p.Principal, p.Action)
	if len(missing) > 0 {
		what += " with no " + orList(missing)
	}
	return what
}

func (r *rule) matchURL(u FunctionURL) string {
	m := r.Match.URL
	if m == nil || !strings.EqualFold(strings.TrimSpace(u.AuthType), m.AuthType) {
		return ""
	}
	return fmt.Sprintf("the function URL has AuthType %q", u.AuthType)
}

// quoteList quotes each value: "s3:*", "dynamodb:*".
func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// orList joins names: "A", "A or B", "A, B or C".
func orList(vs []string) string {
	if len(vs) < 2 {
		return strings.Join(vs, "")
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}
