package permissions

// parseTerraform reads Terraform (HCL *.tf, or *.tf.json). Placeholder
// until the parser lands: every template is refused.
func parseTerraform(path string, content []byte) (*Template, error) {
	return nil, errUnread(path, "Terraform")
}
