package envconfig

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseServerless reads a Serverless Framework service file: the variables
// of provider.environment and of each function's environment, functions
// given as a mapping or as a list of one-entry mappings. YAML merge keys are
// followed. A value holding a Serverless variable (${...}) anywhere, a
// CloudFormation intrinsic function or a dynamic reference is a reference.
func parseServerless(content []byte) ([]Variable, error) {
	d, root, err := rootMapping(content)
	if root == nil {
		return nil, err
	}
	var vars []Variable
	d.mapVars(d.path(root, "provider", "environment"), "provider.environment", serverlessValue, &vars)
	fns := resolve(d.get(root, "functions"))
	if fns == nil {
		return vars, d.err()
	}
	var list []pair
	switch fns.Kind {
	case yaml.MappingNode:
		list = d.pairs(fns)
	case yaml.SequenceNode:
		for _, m := range fns.Content {
			list = append(list, d.pairs(m)...)
		}
	}
	for _, f := range list {
		if f.key.Kind != yaml.ScalarNode {
			continue
		}
		d.mapVars(d.get(f.value, "environment"), "functions."+f.key.Value+".environment", serverlessValue, &vars)
	}
	return vars, d.err()
}

func serverlessValue(n *yaml.Node) (string, bool, bool) {
	if n.Kind == yaml.ScalarNode && !isCustomTag(n.Tag) && strings.Contains(n.Value, "${") {
		return n.Value, false, true
	}
	return cfnValue(n)
}
