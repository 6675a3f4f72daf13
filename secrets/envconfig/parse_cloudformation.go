package envconfig

import (
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
	d.cfnEnvironment(d.path(root, "Globals", "Function", "Environment"), "Globals.Function.Environment.Variables", &vars)
	for _, r := range d.pairs(d.get(root, "Resources")) {
		typ := d.get(r.value, "Type")
		if r.key.Kind != yaml.ScalarNode || typ == nil || typ.Kind != yaml.ScalarNode || !cfnFunctionTypes[typ.Value] {
			continue
		}
		scope := "Resources." + r.key.Value + ".Properties.Environment.Variables"
		d.cfnEnvironment(d.path(r.value, "Properties", "Environment"), scope, &vars)
	}
	return vars, d.err()
}

// cfnEnvironment appends the variables of an Environment property.
func (d *doc) cfnEnvironment(env *yaml.Node, scope string, vars *[]Variable) {
	for _, e := range d.cfnBranches(env, 0) {
		for _, m := range d.cfnBranches(d.get(e, "Variables"), 0) {
			d.mapVars(m, scope, cfnValue, vars)
		}
	}
}

// rootMapping parses YAML or JSON content whose top level must be a mapping,
// and returns it with a fresh walk budget; the root is nil (and no error) for
// an empty document.
func rootMapping(content []byte) (*doc, *yaml.Node, error) {
	root, err := parseTree(content)
	if err != nil {
		return nil, nil, err
	}
	root = resolve(root)
	if root == nil || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null") {
		return nil, nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, errNotMapping
	}
	return &doc{left: walkBudget}, root, nil
}

// mapVars appends one Variable per entry of mapping m, its value classified
// by classify (which returns ok false to skip the entry).
func (d *doc) mapVars(m *yaml.Node, scope string, classify func(*yaml.Node) (value string, lit, ok bool), vars *[]Variable) {
	ps := d.pairs(m)
	if d.err() != nil {
		return // the parse fails anyway
	}
	for _, p := range ps {
		if p.key.Kind != yaml.ScalarNode {
			continue
		}
		value, lit, ok := classify(p.value)
		if !ok {
			continue
		}
		line := p.value.Line
		if line <= 0 || p.value.Kind == yaml.ScalarNode && p.value.Value == "" && p.value.ShortTag() == "!!null" {
			line = p.key.Line // an empty value: yaml.v3 places it at the next token
		}
		*vars = append(*vars, Variable{Name: p.key.Value, Value: value, Literal: lit, Line: line, Scope: scope})
	}
}

// plainValue classifies a value in a format without references of its own:
// a scalar is a literal unless it is a store pointer; other nodes are skipped.
func plainValue(n *yaml.Node) (string, bool, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false, false
	}
	s := n.Value
	if !isCustomTag(n.Tag) {
		s = scalarText(n)
	}
	v, lit := literal(s)
	return v, lit, true
}
