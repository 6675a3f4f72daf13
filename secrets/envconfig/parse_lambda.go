package envconfig

import (
	"github.com/shipcheck/shipcheck/internal/tmpltree"

	"strconv"

	"go.yaml.in/yaml/v3"
)

// parseLambdaConfig reads the JSON the AWS CLI prints for a function's
// configuration: Environment.Variables (get-function-configuration),
// Configuration.Environment.Variables (get-function) or
// Functions[].Environment.Variables (list-functions). It is the deployed
// state: values are literals, except store pointers (a Secrets Manager ARN
// is still only a name).
func parseLambdaConfig(content []byte) ([]Variable, error) {
	d, root, err := rootMapping(content)
	if root == nil {
		return nil, err
	}
	var vars []Variable
	d.mapVars(d.Path(root, "Environment", "Variables"), "Environment.Variables", plainValue, &vars)
	d.mapVars(d.Path(root, "Configuration", "Environment", "Variables"), "Configuration.Environment.Variables", plainValue, &vars)
	if fns := tmpltree.Resolve(d.Get(root, "Functions")); fns != nil && fns.Kind == yaml.SequenceNode {
		for i, f := range fns.Content {
			name := strconv.Itoa(i)
			if n := d.Get(f, "FunctionName"); n != nil && n.Kind == yaml.ScalarNode {
				name = n.Value
			}
			d.mapVars(d.Path(f, "Environment", "Variables"), "Functions."+name+".Environment.Variables", plainValue, &vars)
		}
	}
	return vars, d.Err()
}
