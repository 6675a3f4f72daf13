package permissions

// parseServerless reads a Serverless Framework serverless.yml (or .json).
// Placeholder until the parser lands: every template is refused.
func parseServerless(path string, content []byte) (*Template, error) {
	return nil, errUnread(path, "serverless")
}
