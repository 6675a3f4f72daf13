package envconfig

import (
	"github.com/shipcheck/shipcheck/internal/tmpltree"

	"go.yaml.in/yaml/v3"
)

// cfnFunctionTypes are the resource types whose Properties.Environment.Variables
// set a function's environment.
var cfnFunctionTypes = map[string]bool{
	"AWS::Serverless::Function": true,
	"AWS::Lambda::Function":     true,
}

// parseCloudFormation reads a SAM or CloudFormation template, YAML or JSON.
// Environment and Variables may be Fn::If choices; the variables of both
// branches are returned.
func parseCloudFormation(content []byte) ([]Variable, error) {
	d, root, err := rootMapping(content)
	if root == nil {
		return nil, err
	}
	var vars []Variable
	d.cfnEnvironment(d.Path(root, "Globals", "Function", "Environment"), "Globals.Function.Environment.Variables", &vars)
	for _, r := range d.Pairs(d.Get(root, "Resources")) {
		typ := d.Get(r.Value, "Type")
		if r.Key.Kind != yaml.ScalarNode || typ == nil || typ.Kind != yaml.ScalarNode || !cfnFunctionTypes[typ.Value] {
			continue
		}
		scope := "Resources." + r.Key.Value + ".Properties.Environment.Variables"
		d.cfnEnvironment(d.Path(r.Value, "Properties", "Environment"), scope, &vars)
	}
	return vars, d.Err()
}

// cfnEnvironment appends the variables of an Environment property.
func (d *doc) cfnEnvironment(env *yaml.Node, scope string, vars *[]Variable) {
	for _, e := range d.CFNBranches(env) {
		for _, m := range d.CFNBranches(d.Get(e, "Variables")) {
			d.mapVars(m, scope, cfnValue, vars)
		}
	}
}

// doc is one parsed document's walk, with the variable readers the formats
// share.
type doc struct{ *tmpltree.Doc }

// rootMapping parses YAML or JSON content whose top level must be a mapping,
// and returns it with a fresh walk budget; the root is nil (and no error) for
// an empty document.
func rootMapping(content []byte) (*doc, *yaml.Node, error) {
	td, root, err := tmpltree.Root(content)
	if root == nil {
		return nil, nil, err
	}
	return &doc{td}, root, nil
}

// mapVars appends one Variable per entry of mapping m, its value classified
// by classify (which returns ok false to skip the entry).
func (d *doc) mapVars(m *yaml.Node, scope string, classify func(*yaml.Node) (value string, lit, ok bool), vars *[]Variable) {
	ps := d.Pairs(m)
	if d.Err() != nil {
		return // the parse fails anyway
	}
	for _, p := range ps {
		if p.Key.Kind != yaml.ScalarNode {
			continue
		}
		value, lit, ok := classify(p.Value)
		if !ok {
			continue
		}
		line := p.Value.Line
		if line <= 0 || p.Value.Kind == yaml.ScalarNode && p.Value.Value == "" && p.Value.ShortTag() == "!!null" {
			line = p.Key.Line // an empty value: yaml.v3 places it at the next token
		}
		*vars = append(*vars, Variable{Name: p.Key.Value, Value: value, Literal: lit, Line: line, Scope: scope})
	}
}

// plainValue classifies a value in a format without references of its own:
// a scalar is a literal unless it is a store pointer; other nodes are skipped.
func plainValue(n *yaml.Node) (string, bool, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false, false
	}
	s := n.Value
	if !tmpltree.IsCustomTag(n.Tag) {
		s = tmpltree.ScalarText(n)
	}
	v, lit := literal(s)
	return v, lit, true
}
