package envconfig

// parseEnvYAML reads a Google Cloud Functions --env-vars-file: a flat map of
// names to strings. Nested values are skipped (gcloud rejects them).
// A Secret Manager resource name (projects/P/secrets/S/versions/V) is a
// reference: gcloud sets the variable to that string, and what the
// application reads through it is the secret, which this file does not hold.
func parseEnvYAML(content []byte) ([]Variable, error) {
	d, root, err := rootMapping(content)
	if root == nil {
		return nil, err
	}
	var vars []Variable
	d.mapVars(root, "", plainValue, &vars)
	return vars, d.Err()
}
