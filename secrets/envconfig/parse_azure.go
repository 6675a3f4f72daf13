package envconfig

import "go.yaml.in/yaml/v3"

// parseAzureSettings reads an Azure Functions local.settings.json: the app
// settings under Values and the connection strings under ConnectionStrings
// (a string, or an object with a ConnectionString member). Key Vault and App
// Configuration references are references; everything else is a literal,
// including values of a file with "IsEncrypted": true (still the file's
// bytes).
func parseAzureSettings(content []byte) ([]Variable, error) {
	d, root, err := rootMapping(content)
	if root == nil {
		return nil, err
	}
	var vars []Variable
	d.mapVars(d.Get(root, "Values"), "Values", plainValue, &vars)
	d.mapVars(d.Get(root, "ConnectionStrings"), "ConnectionStrings", func(n *yaml.Node) (string, bool, bool) {
		if n.Kind == yaml.MappingNode {
			if c := d.Get(n, "ConnectionString"); c != nil {
				n = c
			}
		}
		return plainValue(n)
	}, &vars)
	return vars, d.Err()
}
