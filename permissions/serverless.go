package permissions

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/shipcheck/shipcheck/internal/tmpltree"
	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// parseServerless reads a Serverless Framework service file (serverless.yml,
// .yaml or .json). Which role a function runs with decides what it may do,
// as the framework (lib/plugins/aws/package/compile/functions.js,
// compileRole) and the serverless-iam-roles-per-function plugin decide it:
//
//   - a function's role (a logical id in resources.Resources, an ARN, a
//     Fn::GetAtt or Fn::ImportValue) is that role: its policies are read from
//     resources.Resources, as CloudFormation;
//   - otherwise a function's iamRoleStatements (the plugin) make a role of
//     its own with those statements and the provider's managed policies;
//     the provider's statements too only with iamRoleStatementsInherit, or
//     custom.serverless-iam-roles-per-function.defaultInherit;
//   - otherwise a provider role given by name or ARN (provider.iam.role as a
//     string, or v1/v2's provider.role) is every function's role;
//   - otherwise the role the framework makes: provider.iam.role.statements
//     (v3) or provider.iamRoleStatements (v1/v2), and
//     provider.iam.role.managedPolicies or provider.iamManagedPolicies.
//
// A function's url is its function URL: url: true is AuthType NONE, url with
// authorizer: aws_iam is AWS_IAM (as the framework compiles it, in
// lib/plugins/aws/package/compile/functions.js; its tests check both).
// AWS::Lambda::Permission and AWS::Lambda::Url resources in
// resources.Resources that target a function's logical id
// (HelloLambdaFunction for hello) count too. Serverless variables such as
// ${self:custom.table} are kept as written.
func parseServerless(path string, content []byte) (*Template, error) {
	d, root, err := tmpltree.Root(content)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &Template{Path: path, Format: envconfig.Serverless}
	if root == nil {
		return t, nil
	}
	// resources may be one mapping or, merged by the framework, a list of
	// them.
	var resources []*yaml.Node
	res := tmpltree.Resolve(d.Get(root, "resources"))
	if res != nil && res.Kind == yaml.SequenceNode {
		for _, r := range res.Content {
			resources = append(resources, d.Get(r, "Resources"))
		}
	} else {
		resources = append(resources, d.Get(res, "Resources"))
	}
	c := newCFNReader(d, path, resources...)
	s := &slsReader{cfnReader: c, provider: d.Get(root, "provider")}
	defaultInherit := isTrue(d.Path(root, "custom", "serverless-iam-roles-per-function", "defaultInherit"))

	fns := tmpltree.Resolve(d.Get(root, "functions"))
	var list []tmpltree.Pair
	if fns != nil && fns.Kind == yaml.MappingNode {
		list = d.Pairs(fns)
	} else if fns != nil && fns.Kind == yaml.SequenceNode {
		for _, m := range fns.Content {
			list = append(list, d.Pairs(m)...)
		}
	}
	for _, f := range list {
		if f.Key.Kind != yaml.ScalarNode || f.Value.Kind != yaml.MappingNode {
			continue
		}
		fn := &Function{Name: f.Key.Value, Position: c.pos(f.Key.Line)}
		own := d.Get(f.Value, "iamRoleStatements")
		switch {
		case d.Get(f.Value, "role") != nil:
			c.attachRole(fn, d.Get(f.Value, "role"), true)
		case own != nil:
			inherit := d.Get(f.Value, "iamRoleStatementsInherit")
			if isTrue(inherit) || (defaultInherit && !isFalse(inherit)) {
				s.providerStatements(fn)
			}
			s.statements(fn, own, "functions."+fn.Name+".iamRoleStatements")
			s.providerManaged(fn)
		case s.providerRole() != nil:
			c.attachRole(fn, s.providerRole(), true)
		default:
			s.providerStatements(fn)
			s.providerManaged(fn)
		}
		if url := d.Get(f.Value, "url"); url != nil {
			fn.URL = serverlessURL(d, c, url, f.Value)
		}
		t.Functions = append(t.Functions, fn)
	}
	byID := map[string]*Function{}
	for _, fn := range t.Functions {
		byID[lambdaLogicalID(fn.Name)] = fn
	}
	c.attachResources(byID)
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// slsReader reads the provider section of a serverless.yml, with the
// CloudFormation reader for its resources.
type slsReader struct {
	*cfnReader
	provider *yaml.Node
}

// providerRole returns the role every function runs with when the provider
// names one (provider.iam.role as a string or function call, or
// provider.role), or nil when the framework makes it.
func (s *slsReader) providerRole() *yaml.Node {
	if r := tmpltree.Resolve(s.d.Path(s.provider, "iam", "role")); r != nil {
		if fn, _ := tmpltree.CFNIntrinsic(r); fn != "" || r.Kind == yaml.ScalarNode {
			return r
		}
	}
	return s.d.Get(s.provider, "role")
}

// providerStatements appends the statements of the role the framework makes.
func (s *slsReader) providerStatements(fn *Function) {
	s.statements(fn, s.d.Path(s.provider, "iam", "role", "statements"), "provider.iam.role.statements")
	s.statements(fn, s.d.Get(s.provider, "iamRoleStatements"), "provider.iamRoleStatements")
}

// providerManaged appends the managed policies of the role the framework
// makes.
func (s *slsReader) providerManaged(fn *Function) {
	seen := map[string]bool{}
	for _, n := range []*yaml.Node{s.d.Path(s.provider, "iam", "role", "managedPolicies"), s.d.Get(s.provider, "iamManagedPolicies")} {
		for _, m := range s.items(n, 0) {
			s.managed(fn, m, seen)
		}
	}
}

// statements appends a list of statements, each with its source and index
// ("provider.iam.role.statements[0]"). The framework passes them to
// CloudFormation as they are, so they are read as CloudFormation.
func (s *slsReader) statements(fn *Function, list *yaml.Node, source string) {
	list = tmpltree.Resolve(list)
	if list == nil || list.Kind != yaml.SequenceNode {
		return
	}
	for i, n := range list.Content {
		for _, st := range s.d.CFNBranches(n) {
			fn.Statements = append(fn.Statements, s.statement(st, fmt.Sprintf("%s[%d]", source, i)))
		}
	}
}

// serverlessURL reads a function's url: true, or a mapping whose authorizer
// aws_iam makes it AWS_IAM. url: false (or anything else) is no URL.
func serverlessURL(d *tmpltree.Doc, c *cfnReader, url, fn *yaml.Node) *FunctionURL {
	url = tmpltree.Resolve(url)
	line := url.Line
	for _, p := range d.Pairs(fn) {
		if p.Key.Kind == yaml.ScalarNode && p.Key.Value == "url" {
			line = p.Key.Line
		}
	}
	switch {
	case isTrue(url):
		return &FunctionURL{Position: c.pos(line), AuthType: "NONE"}
	case url.Kind == yaml.MappingNode:
		u := &FunctionURL{Position: c.pos(line), AuthType: "NONE"}
		if a := tmpltree.Resolve(d.Get(url, "authorizer")); a != nil && a.Kind == yaml.ScalarNode {
			if strings.EqualFold(a.Value, "aws_iam") {
				u.AuthType = "AWS_IAM"
			}
			u.Line = a.Line
		}
		return u
	}
	return nil
}

// isTrue and isFalse read a YAML or JSON boolean (the framework's schema
// takes only booleans there).
func isTrue(n *yaml.Node) bool  { return isBool(n, "true") }
func isFalse(n *yaml.Node) bool { return isBool(n, "false") }

func isBool(n *yaml.Node, want string) bool {
	n = tmpltree.Resolve(n)
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" && strings.EqualFold(n.Value, want)
}

// lambdaLogicalID is the logical id the framework gives a function's
// AWS::Lambda::Function (getLambdaLogicalId in lib/plugins/aws/lib/
// naming.js): the name with "-" spelled Dash and "_" Underscore, its first
// letter upper-cased, and "LambdaFunction" after.
func lambdaLogicalID(name string) string {
	n := strings.NewReplacer("-", "Dash", "_", "Underscore").Replace(name)
	r, size := utf8.DecodeRuneInString(n)
	if size > 0 && r != utf8.RuneError {
		n = string(unicode.ToUpper(r)) + n[size:]
	}
	return n + "LambdaFunction"
}
