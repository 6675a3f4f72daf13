package permissions

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/shipcheck/shipcheck/internal/tmpltree"
	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// CloudFormation resource types read here.
const (
	cfnSAMFunction    = "AWS::Serverless::Function"
	cfnLambdaFunction = "AWS::Lambda::Function"
	cfnRole           = "AWS::IAM::Role"
	cfnPolicy         = "AWS::IAM::Policy"
	cfnManagedPolicy  = "AWS::IAM::ManagedPolicy"
	cfnPermission     = "AWS::Lambda::Permission"
	cfnURL            = "AWS::Lambda::Url"
)

// parseCloudFormation reads an AWS SAM or CloudFormation template (YAML or
// JSON): each AWS::Serverless::Function and AWS::Lambda::Function, its role's
// policies, its invoke permissions and its URL. Globals.Function contributes
// only FunctionUrlConfig: SAM refuses Role and Policies there (samtranslator
// plugins/globals/globals.py), and AssumeRolePolicyDocument is a trust
// policy, not a grant.
func parseCloudFormation(path string, content []byte) (*Template, error) {
	d, root, err := tmpltree.Root(content)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &Template{Path: path, Format: envconfig.CloudFormation}
	if root == nil {
		return t, nil
	}
	c := newCFNReader(d, path, d.Get(root, "Resources"))
	c.parameters(d.Get(root, "Parameters"))
	globalURL := d.Path(root, "Globals", "Function", "FunctionUrlConfig")
	byID := map[string]*Function{}
	for _, id := range c.order {
		typ := c.typeOf(id)
		if typ != cfnSAMFunction && typ != cfnLambdaFunction {
			continue
		}
		res := c.res[id]
		fn := &Function{Name: id, Position: c.pos(c.lines[id])}
		props := d.Get(res.Value, "Properties")
		if role := d.Get(props, "Role"); role != nil {
			c.attachRole(fn, role, false)
		} else if typ == cfnSAMFunction {
			// Without Role, SAM makes one from Policies; with Role, SAM
			// ignores Policies.
			c.samPolicies(fn, d.Get(props, "Policies"))
		}
		if typ == cfnSAMFunction {
			// SAM merges Globals' FunctionUrlConfig into the function's,
			// the function's keys winning.
			url := d.Get(props, "FunctionUrlConfig")
			authType := d.Get(url, "AuthType")
			if globalURL != nil && !ignoresGlobal(d, res.Value, "FunctionUrlConfig") {
				if url == nil {
					url = globalURL
				}
				if authType == nil {
					authType = d.Get(globalURL, "AuthType")
				}
			}
			if url != nil {
				fn.URL = c.functionURL(authType, url.Line)
			}
		}
		t.Functions = append(t.Functions, fn)
		byID[id] = fn
		// SAM publishes an alias named by AutoPublishAlias, with the
		// logical id <function>Alias<name>, which permissions may target.
		if alias := tmpltree.Resolve(d.Get(props, "AutoPublishAlias")); typ == cfnSAMFunction && alias != nil && alias.Kind == yaml.ScalarNode && !tmpltree.IsCustomTag(alias.Tag) {
			byID[id+"Alias"+alias.Value] = fn
		}
	}
	c.attachResources(byID)
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ignoresGlobal reports whether a SAM resource opts out of a Globals
// property with its IgnoreGlobals attribute ("*" or a list of names).
func ignoresGlobal(d *tmpltree.Doc, res *yaml.Node, prop string) bool {
	ig := tmpltree.Resolve(d.Get(res, "IgnoreGlobals"))
	if ig == nil {
		return false
	}
	if ig.Kind == yaml.ScalarNode {
		return ig.Value == "*" || ig.Value == prop
	}
	if ig.Kind == yaml.SequenceNode {
		for _, n := range ig.Content {
			if n = tmpltree.Resolve(n); n != nil && n.Kind == yaml.ScalarNode && n.Value == prop {
				return true
			}
		}
	}
	return false
}

// cfnReader reads the resources of one CloudFormation template (or of a
// serverless.yml's resources.Resources) by logical id.
type cfnReader struct {
	d     *tmpltree.Doc
	file  string
	res   map[string]tmpltree.Pair // logical id -> its entry
	lines map[string]int           // logical id -> the line it is declared at
	order []string                 // logical ids in template order
	// defaults are the Parameters' Default values (strings): a !Ref to a
	// parameter resolves to its default, as a deploy that does not
	// override it does; a Default of "*" is every resource.
	defaults map[string]string
	// attached lists, per role logical id, the AWS::IAM::Policy and
	// AWS::IAM::ManagedPolicy resources whose Roles name it.
	attached map[string][]string
}

func newCFNReader(d *tmpltree.Doc, file string, resources ...*yaml.Node) *cfnReader {
	c := &cfnReader{d: d, file: file, res: map[string]tmpltree.Pair{}, lines: map[string]int{}, attached: map[string][]string{}}
	for _, rs := range resources {
		for _, p := range d.Pairs(rs) {
			if p.Key.Kind != yaml.ScalarNode || tmpltree.Resolve(p.Value).Kind != yaml.MappingNode {
				continue
			}
			id := p.Key.Value
			if _, dup := c.res[id]; !dup {
				c.order = append(c.order, id)
			}
			c.res[id], c.lines[id] = p, p.Key.Line // the last one wins, as in the YAML reader
		}
	}
	for _, id := range c.order {
		if t := c.typeOf(id); t != cfnPolicy && t != cfnManagedPolicy {
			continue
		}
		for _, r := range c.items(c.d.Path(c.res[id].Value, "Properties", "Roles"), 0) {
			if role := c.target(r); role != "" && c.typeOf(role) == cfnRole && !slices.Contains(c.attached[role], id) {
				c.attached[role] = append(c.attached[role], id)
			}
		}
	}
	return c
}

func (c *cfnReader) pos(line int) Position { return Position{File: c.file, Line: line} }

// typeOf returns the Type of a resource, or "" for an id the template does
// not declare.
func (c *cfnReader) typeOf(id string) string {
	p, ok := c.res[id]
	if !ok {
		return ""
	}
	t := tmpltree.Resolve(c.d.Get(p.Value, "Type"))
	if t == nil || t.Kind != yaml.ScalarNode {
		return ""
	}
	return t.Value
}

// target returns the logical id a Ref or Fn::GetAtt names (either form), or
// "".
func (c *cfnReader) target(n *yaml.Node) string {
	n = tmpltree.Resolve(n)
	if n == nil {
		return ""
	}
	fn, arg := tmpltree.CFNIntrinsic(n)
	if arg == nil {
		return ""
	}
	switch fn {
	case "Ref":
		if arg.Kind == yaml.ScalarNode {
			return arg.Value
		}
	case "GetAtt", "Fn::GetAtt":
		if arg.Kind == yaml.ScalarNode {
			id, _, _ := strings.Cut(arg.Value, ".")
			return id
		}
		if arg.Kind == yaml.SequenceNode && len(arg.Content) > 0 {
			if id := tmpltree.Resolve(arg.Content[0]); id != nil && id.Kind == yaml.ScalarNode {
				return id.Value
			}
		}
	}
	return ""
}

// maxItemDepth bounds the nesting of Fn::If choices and lists walked by
// items.
const maxItemDepth = 16

// items returns the elements a value stands for: a list's elements, both
// branches of an Fn::If (recursively, also inside lists), the value itself
// otherwise. A branch that is !Ref AWS::NoValue stands for nothing.
func (c *cfnReader) items(n *yaml.Node, depth int) []*yaml.Node {
	n = tmpltree.Resolve(n)
	if n == nil || depth > maxItemDepth || !c.d.Spend() {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	switch fn, arg := tmpltree.CFNIntrinsic(n); fn {
	case "If", "Fn::If":
		if arg != nil && arg.Kind == yaml.SequenceNode && len(arg.Content) == 3 {
			return append(c.items(arg.Content[1], depth+1), c.items(arg.Content[2], depth+1)...)
		}
		return nil
	case "Ref":
		if arg != nil && arg.Kind == yaml.ScalarNode && arg.Value == "AWS::NoValue" {
			return nil
		}
		return []*yaml.Node{n}
	case "":
		if n.Kind == yaml.SequenceNode {
			var out []*yaml.Node
			for _, e := range n.Content {
				out = append(out, c.items(e, depth+1)...)
			}
			return out
		}
	}
	return []*yaml.Node{n}
}

// parameters records the Parameters' string defaults.
func (c *cfnReader) parameters(params *yaml.Node) {
	for _, p := range c.d.Pairs(params) {
		if p.Key.Kind != yaml.ScalarNode {
			continue
		}
		if def := tmpltree.Resolve(c.d.Get(p.Value, "Default")); def != nil && def.Kind == yaml.ScalarNode && !tmpltree.IsCustomTag(def.Tag) {
			if c.defaults == nil {
				c.defaults = map[string]string{}
			}
			c.defaults[p.Key.Value] = def.Value
		}
	}
}

// values returns the strings a value stands for (items, each as text; a
// !Ref to a parameter with a default, that default).
func (c *cfnReader) values(n *yaml.Node) []string {
	var out []string
	for _, it := range c.items(n, 0) {
		if fn, arg := tmpltree.CFNIntrinsic(it); fn == "Ref" && arg != nil && arg.Kind == yaml.ScalarNode {
			if def, ok := c.defaults[arg.Value]; ok {
				out = append(out, def)
				continue
			}
		}
		if s, ok := text(it); ok {
			out = append(out, s)
		}
	}
	return out
}

// value returns the first string a value stands for, or "".
func (c *cfnReader) value(n *yaml.Node) string {
	if v := c.values(n); len(v) > 0 {
		return v[0]
	}
	return ""
}

// text writes one value as the template says it: a plain string as it is;
// a Sub as its template string ("arn:aws:s3:::${Bucket}/*"); a Ref or GetAtt
// as "!Ref X" or "!GetAtt X.Arn" in either form; any other function call
// rendered as YAML flow text. A computed value thus names what it computes
// and never reads as "*". ok is false for a mapping or list that is not a
// function call (not a value).
func text(n *yaml.Node) (string, bool) {
	fn, arg := tmpltree.CFNIntrinsic(n)
	switch {
	case fn == "" && n.Kind == yaml.ScalarNode:
		return tmpltree.ScalarText(n), true
	case fn == "":
		return "", false
	case arg == nil:
		return tmpltree.Render(n), true
	case fn == "Ref" && arg.Kind == yaml.ScalarNode:
		return "!Ref " + arg.Value, true
	case (fn == "GetAtt" || fn == "Fn::GetAtt") && arg.Kind == yaml.ScalarNode:
		return "!GetAtt " + arg.Value, true
	case fn == "GetAtt" || fn == "Fn::GetAtt":
		var parts []string
		for _, p := range arg.Content {
			if p = tmpltree.Resolve(p); p != nil && p.Kind == yaml.ScalarNode && !tmpltree.IsCustomTag(p.Tag) {
				parts = append(parts, p.Value)
			} else {
				return tmpltree.Render(n), true
			}
		}
		return "!GetAtt " + strings.Join(parts, "."), true
	case fn == "Sub" || fn == "Fn::Sub":
		s := arg
		if arg.Kind == yaml.SequenceNode && len(arg.Content) > 0 {
			s = tmpltree.Resolve(arg.Content[0])
		}
		if s != nil && s.Kind == yaml.ScalarNode && s.Value != "" {
			return s.Value, true
		}
	}
	return tmpltree.Render(n), true
}

// attachRole sets a function's role from its Role property and, when the
// role is an AWS::IAM::Role of the template, reads that role's policies.
// A role chosen by Fn::If is read in both branches. With bareIDs (the
// serverless.yml form), a plain string may name the role's logical id too.
func (c *cfnReader) attachRole(fn *Function, role *yaml.Node, bareIDs bool) {
	var names []string
	for _, r := range c.items(role, 0) {
		id := c.target(r)
		if fnName, _ := tmpltree.CFNIntrinsic(r); id == "" && bareIDs && fnName == "" && r.Kind == yaml.ScalarNode {
			id = r.Value
		}
		if id != "" && c.typeOf(id) == cfnRole {
			names = append(names, id)
			c.readRole(fn, id)
			continue
		}
		if s, ok := text(r); ok {
			names = append(names, s)
		}
	}
	fn.Role = strings.Join(names, " | ")
}

// readRole appends the statements and managed policies of an
// AWS::IAM::Role: its inline Policies, its ManagedPolicyArns, and the
// AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources that name it in
// their Roles. AssumeRolePolicyDocument says who may assume the role, not
// what the role may do: it is not read.
func (c *cfnReader) readRole(fn *Function, role string) {
	d := c.d
	props := d.Get(c.res[role].Value, "Properties")
	for _, p := range c.items(d.Get(props, "Policies"), 0) {
		for _, pol := range d.CFNBranches(p) {
			name := c.value(d.Get(pol, "PolicyName"))
			c.document(fn, d.Get(pol, "PolicyDocument"), fmt.Sprintf("inline policy %s of %s", name, role))
		}
	}
	seen := map[string]bool{}
	for _, m := range c.items(d.Get(props, "ManagedPolicyArns"), 0) {
		c.managed(fn, m, seen)
	}
	for _, id := range c.attached[role] {
		if seen[id] {
			continue
		}
		seen[id] = true
		src := fmt.Sprintf("policy %s attached to %s", id, role)
		if c.typeOf(id) == cfnManagedPolicy {
			src = fmt.Sprintf("managed policy %s attached to %s", id, role)
		}
		c.document(fn, d.Path(c.res[id].Value, "Properties", "PolicyDocument"), src)
	}
}

// managed appends one managed policy reference: the statements of an
// AWS::IAM::ManagedPolicy the template defines (once per function), or the
// ARN or name as written.
func (c *cfnReader) managed(fn *Function, m *yaml.Node, seen map[string]bool) {
	if id := c.target(m); id != "" && c.typeOf(id) == cfnManagedPolicy {
		if !seen[id] {
			seen[id] = true
			c.document(fn, c.d.Path(c.res[id].Value, "Properties", "PolicyDocument"), "managed policy "+id)
		}
		return
	}
	if s, ok := text(m); ok && s != "" {
		fn.Managed = append(fn.Managed, ManagedPolicy{Position: c.pos(m.Line), ARN: s})
	}
}

// document appends the statements of a policy document (a mapping, or an
// Fn::If of mappings). Statement may be one statement or a list.
func (c *cfnReader) document(fn *Function, doc *yaml.Node, source string) {
	for _, m := range c.d.CFNBranches(doc) {
		for _, s := range c.items(c.d.Get(m, "Statement"), 0) {
			for _, st := range c.d.CFNBranches(s) {
				fn.Statements = append(fn.Statements, c.statement(st, source))
			}
		}
	}
}

// statement reads one policy statement.
func (c *cfnReader) statement(st *yaml.Node, source string) Statement {
	d := c.d
	return Statement{
		Position:     c.pos(st.Line),
		Source:       source,
		Effect:       c.value(d.Get(st, "Effect")),
		Actions:      c.values(d.Get(st, "Action")),
		NotActions:   c.values(d.Get(st, "NotAction")),
		Resources:    c.values(d.Get(st, "Resource")),
		NotResources: c.values(d.Get(st, "NotResource")),
		Conditioned:  d.Get(st, "Condition") != nil,
	}
}

// samPolicies reads the Policies of an AWS::Serverless::Function: a string is
// a managed policy (name or ARN), a mapping with Statement an inline policy
// document, a mapping whose one key is a SAM policy template that template
// with its parameters (samPolicyTemplates). Anything else SAM refuses, and
// it grants nothing.
func (c *cfnReader) samPolicies(fn *Function, policies *yaml.Node) {
	d := c.d
	seen := map[string]bool{}
	for i, p := range c.items(policies, 0) {
		if fnName, _ := tmpltree.CFNIntrinsic(p); fnName != "" || p.Kind == yaml.ScalarNode {
			c.managed(fn, p, seen)
			continue
		}
		if p.Kind != yaml.MappingNode {
			continue
		}
		if d.Get(p, "Statement") != nil {
			c.document(fn, p, fmt.Sprintf("SAM inline policy (Policies[%d]) of %s", i, fn.Name))
			continue
		}
		ps := d.Pairs(p)
		if len(ps) != 1 || ps[0].Key.Kind != yaml.ScalarNode || !samPolicyTemplates[ps[0].Key.Value] {
			continue
		}
		name := ps[0].Key.Value
		st := Statement{Position: c.pos(ps[0].Key.Line), Source: "SAM policy template " + name, Effect: "Allow", PolicyTemplate: true}
		// The parameters name what the template is scoped to.
		for _, param := range d.Pairs(ps[0].Value) {
			st.Resources = append(st.Resources, c.values(param.Value)...)
		}
		fn.Statements = append(fn.Statements, st)
	}
}

// functionURL reads a URL's AuthType. An AuthType chosen by Fn::If is NONE
// when either branch is.
func (c *cfnReader) functionURL(authType *yaml.Node, line int) *FunctionURL {
	u := &FunctionURL{Position: c.pos(line)}
	if authType != nil {
		u.Line = authType.Line
	}
	for _, v := range c.values(authType) {
		if u.AuthType == "" || v == "NONE" {
			u.AuthType = v
		}
	}
	return u
}

// attachResources gives functions the AWS::Lambda::Permission and
// AWS::Lambda::Url resources that target them: by Ref or Fn::GetAtt of the
// function's logical id (byID), or of an AWS::Lambda::Alias or
// AWS::Lambda::Version of it, which a permission on a published alias
// names instead.
func (c *cfnReader) attachResources(byID map[string]*Function) {
	for _, id := range c.order {
		if t := c.typeOf(id); t == "AWS::Lambda::Alias" || t == "AWS::Lambda::Version" {
			if fn := byID[c.target(c.d.Path(c.res[id].Value, "Properties", "FunctionName"))]; fn != nil && byID[id] == nil {
				byID[id] = fn
			}
		}
	}
	d := c.d
	for _, id := range c.order {
		typ := c.typeOf(id)
		if typ != cfnPermission && typ != cfnURL {
			continue
		}
		props := d.Get(c.res[id].Value, "Properties")
		if typ == cfnURL {
			if fn := byID[c.target(d.Get(props, "TargetFunctionArn"))]; fn != nil {
				fn.URL = c.functionURL(d.Get(props, "AuthType"), c.lines[id])
			}
			continue
		}
		fn := byID[c.target(d.Get(props, "FunctionName"))]
		if fn == nil {
			continue
		}
		line := c.lines[id]
		if p := d.Get(props, "Principal"); p != nil {
			line = p.Line
		}
		fn.Invokers = append(fn.Invokers, InvokePermission{
			Position:            c.pos(line),
			Action:              c.value(d.Get(props, "Action")),
			Principal:           c.value(d.Get(props, "Principal")),
			SourceARN:           c.value(d.Get(props, "SourceArn")),
			SourceAccount:       c.value(d.Get(props, "SourceAccount")),
			PrincipalOrgID:      c.value(d.Get(props, "PrincipalOrgID")),
			FunctionURLAuthType: c.value(d.Get(props, "FunctionUrlAuthType")),
		})
	}
}
