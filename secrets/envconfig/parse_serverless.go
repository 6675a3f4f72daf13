package envconfig

import (
	"github.com/shipcheck/shipcheck/internal/tmpltree"

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
	d.mapVars(d.Path(root, "provider", "environment"), "provider.environment", serverlessValue, &vars)
	fns := tmpltree.Resolve(d.Get(root, "functions"))
	if fns == nil {
		return vars, d.Err()
	}
	var list []tmpltree.Pair
	switch fns.Kind {
	case yaml.MappingNode:
		list = d.Pairs(fns)
	case yaml.SequenceNode:
		for _, m := range fns.Content {
			list = append(list, d.Pairs(m)...)
		}
	}
	for _, f := range list {
		if f.Key.Kind != yaml.ScalarNode {
			continue
		}
		d.mapVars(d.Get(f.Value, "environment"), "functions."+f.Key.Value+".environment", serverlessValue, &vars)
	}
	return vars, d.Err()
}

func serverlessValue(n *yaml.Node) (string, bool, bool) {
	if n.Kind == yaml.ScalarNode && !tmpltree.IsCustomTag(n.Tag) && strings.Contains(n.Value, "${") {
		return n.Value, false, true
	}
	return cfnValue(n)
}
