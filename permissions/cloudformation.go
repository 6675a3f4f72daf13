package permissions

// parseCloudFormation reads an AWS SAM or CloudFormation template (YAML or
// JSON). Placeholder until the parser lands: every template is refused.
func parseCloudFormation(path string, content []byte) (*Template, error) {
	return nil, errUnread(path, "CloudFormation")
}
