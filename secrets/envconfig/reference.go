package envconfig

import (
	"github.com/shipcheck/shipcheck/internal/tmpltree"

	"strings"

	"go.yaml.in/yaml/v3"
)

// isStorePointer reports whether a string that a file holds literally is in
// fact the name of a value kept elsewhere, which every format treats as a
// reference:
//   - a CloudFormation dynamic reference, {{resolve:ssm|ssm-secure|secretsmanager:...}},
//     anywhere in the string (CloudFormation resolves it at deploy time);
//   - an Azure Key Vault or App Configuration reference,
//     @Microsoft.KeyVault(...) or @Microsoft.AppConfiguration(...);
//   - a Google Secret Manager resource name, projects/P/secrets/S or
//     projects/P/secrets/S/versions/V, or a Spring Cloud GCP sm:// URL;
//   - the ARN of an AWS Secrets Manager secret or of an SSM parameter.
//
// The last three are resolved by the application rather than by the
// platform, but the string is a pointer, not a credential: reporting it as a
// literal would only invite a false positive on a name like API_SECRET.
func isStorePointer(s string) bool {
	if i := strings.Index(s, "{{resolve:"); i >= 0 && strings.Contains(s[i:], "}}") {
		return true
	}
	t := strings.TrimSpace(s)
	return isAzureReference(t) || isGCPSecretName(t) || isAWSSecretARN(t)
}

func isAzureReference(s string) bool {
	l := strings.ToLower(s)
	return (strings.HasPrefix(l, "@microsoft.keyvault(") || strings.HasPrefix(l, "@microsoft.appconfiguration(")) &&
		strings.HasSuffix(l, ")")
}

func isGCPSecretName(s string) bool {
	if rest, ok := strings.CutPrefix(s, "sm://"); ok {
		return rest != "" && !strings.ContainsAny(rest, " \t\n")
	}
	s = strings.TrimPrefix(s, "//secretmanager.googleapis.com/")
	parts := strings.Split(s, "/")
	if len(parts) != 4 && len(parts) != 6 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t\n") {
			return false
		}
	}
	return parts[0] == "projects" && parts[2] == "secrets" && (len(parts) == 4 || parts[4] == "versions")
}

func isAWSSecretARN(s string) bool {
	// arn:partition:service:region:account:resource
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || strings.ContainsAny(s, " \t\n") {
		return false
	}
	switch parts[2] {
	case "secretsmanager":
		return strings.HasPrefix(parts[5], "secret:") && len(parts[5]) > len("secret:")
	case "ssm":
		return strings.HasPrefix(parts[5], "parameter/") && len(parts[5]) > len("parameter/")
	}
	return false
}

// literal classifies a string the file holds as it is: a literal, unless it
// is a store pointer.
func literal(s string) (string, bool) {
	return s, !isStorePointer(s)
}

// cfnValue classifies a CloudFormation value. Every intrinsic function is a
// reference except a Sub of a plain string without ${...}, which is the
// literal string (with "${!" escapes undone). ok is false for values that
// are neither scalars nor function calls (not a valid variable value).
func cfnValue(n *yaml.Node) (value string, lit, ok bool) {
	fn, arg := tmpltree.CFNIntrinsic(n)
	switch {
	case fn == "Sub" || fn == "Fn::Sub":
		var str string
		plain := false
		if fn == "Sub" && n.Kind == yaml.ScalarNode { // !Sub 'text'
			str, plain = n.Value, true
		} else if fn == "Fn::Sub" && arg != nil && arg.Kind == yaml.ScalarNode && !tmpltree.IsCustomTag(arg.Tag) && arg.ShortTag() != "!!null" {
			str, plain = arg.Value, true
		}
		if plain && !strings.Contains(strings.ReplaceAll(str, "${!", ""), "${") {
			if v, l := literal(strings.ReplaceAll(str, "${!", "${")); l {
				return v, true, true
			}
		}
		return tmpltree.Render(n), false, true
	case fn != "":
		return tmpltree.Render(n), false, true
	case n.Kind == yaml.ScalarNode:
		v, l := literal(tmpltree.ScalarText(n))
		return v, l, true
	}
	return "", false, false
}
