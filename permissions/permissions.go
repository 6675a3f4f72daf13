// Package permissions reads what each function a deployment template
// deploys is allowed to do, and who may invoke it: its role's identity
// policies (inline, attached, SAM policy templates, managed policies), its
// resource-based invoke permissions and its function URL, each statement
// with the file and line it is written at. It reads AWS SAM and
// CloudFormation templates (YAML and JSON), Serverless Framework
// serverless.yml and Terraform (HCL and JSON), the formats the secret scan
// already reads for environment variables (secrets/envconfig).
//
// Findings come from rules that are data (rules.yaml): each with an id, a
// severity, what it matches, what to write instead, and examples that must
// and must not match, which the tests run.
package permissions

import (
	"errors"
	"fmt"

	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// Template is what one template file says about the functions it deploys.
type Template struct {
	// Path is the file as the report names it (the artifact path, or the
	// path given with --template).
	Path      string           `json:"path"`
	Format    envconfig.Format `json:"format"`
	Functions []*Function      `json:"functions"`
}

// Position is where something is written: the template file and the
// 1-based line.
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// Function is one function a template deploys and what it may do.
type Function struct {
	// Name is the function as the template names it: the CloudFormation
	// logical id, the serverless.yml function key, the Terraform resource
	// address (aws_lambda_function.api).
	Name string `json:"name"`
	Position
	// Role names the execution role: a logical id, a Terraform address,
	// an ARN, or "" for the role the framework makes (SAM, serverless).
	Role string `json:"role,omitempty"`
	// Statements are the identity-policy statements of the role: inline
	// policies, customer-managed policies the template defines and
	// attaches, SAM's Policies, serverless.yml's iam statements.
	Statements []Statement `json:"statements,omitempty"`
	// Managed are the managed policies attached by ARN or name (AWS's own,
	// or policies defined elsewhere).
	Managed []ManagedPolicy `json:"managed_policies,omitempty"`
	// Invokers are the resource-based permissions to invoke the function.
	Invokers []InvokePermission `json:"invoke_permissions,omitempty"`
	// URL is the function URL, if the template gives it one.
	URL *FunctionURL `json:"url,omitempty"`
}

// Statement is one statement of an identity policy. Values that the
// template computes (!Ref, !Sub, Fn::GetAtt, Terraform references) are
// resolved where the template resolves them and otherwise kept as written
// (for example "${aws_s3_bucket.data.arn}" or "!GetAtt Table.Arn"): a
// specific resource, never "*".
type Statement struct {
	Position
	// Source says which policy it belongs to, for people: "inline policy
	// OrdersAccess of OrdersRole", "SAM policy template
	// DynamoDBCrudPolicy", "provider.iam.role.statements[0]".
	Source       string   `json:"source"`
	Effect       string   `json:"effect"` // Allow or Deny
	Actions      []string `json:"actions,omitempty"`
	NotActions   []string `json:"not_actions,omitempty"`
	Resources    []string `json:"resources,omitempty"`
	NotResources []string `json:"not_resources,omitempty"`
	// Conditioned: the statement has a Condition block.
	Conditioned bool `json:"conditioned,omitempty"`
	// PolicyTemplate: a SAM policy template with its parameters (scoped by
	// construction: never reported).
	PolicyTemplate bool `json:"policy_template,omitempty"`
}

// ManagedPolicy is a managed policy attached to a function's role.
type ManagedPolicy struct {
	Position
	// ARN as written (arn:aws:iam::aws:policy/AdministratorAccess), or the
	// bare name SAM accepts (AdministratorAccess).
	ARN string `json:"arn"`
}

// InvokePermission is a resource-based permission on the function
// (AWS::Lambda::Permission, aws_lambda_permission, serverless events that
// make one).
type InvokePermission struct {
	Position
	Action    string `json:"action"`    // lambda:InvokeFunction, lambda:InvokeFunctionUrl, lambda:*
	Principal string `json:"principal"` // "*", an account id, a service (s3.amazonaws.com), an ARN
	// SourceARN, SourceAccount and PrincipalOrgID are what the
	// permission is scoped with ("" when absent).
	SourceARN      string `json:"source_arn,omitempty"`
	SourceAccount  string `json:"source_account,omitempty"`
	PrincipalOrgID string `json:"principal_org_id,omitempty"`
	// FunctionURLAuthType is set on a lambda:InvokeFunctionUrl permission.
	FunctionURLAuthType string `json:"function_url_auth_type,omitempty"`
}

// FunctionURL is a function's URL configuration.
type FunctionURL struct {
	Position
	AuthType string `json:"auth_type"` // NONE or AWS_IAM
}

// ErrNotATemplate: the file is none of the formats read here.
var ErrNotATemplate = errors.New("not a deployment template (SAM, CloudFormation, serverless.yml, Terraform)")

// parsers read each format into a Template; path is the name used in
// positions.
var parsers = map[envconfig.Format]func(path string, content []byte) (*Template, error){
	envconfig.CloudFormation: parseCloudFormation,
	envconfig.Serverless:     parseServerless,
	envconfig.Terraform:      parseTerraform,
}

// Parse reads a template of a format envconfig.Detect names. A format
// without functions to read (dotenv and the like) is ErrNotATemplate. Parse
// does not panic: a panic inside a parser is returned as an error naming
// the file.
func Parse(path string, format envconfig.Format, content []byte) (t *Template, err error) {
	parse := parsers[format]
	if parse == nil {
		return nil, fmt.Errorf("%s: %w", path, ErrNotATemplate)
	}
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("%s: parse %s: internal error: %v", path, format, r)
		}
	}()
	return parse(path, content)
}

// Finding is a permission that grants more than a function needs, or lets
// anyone invoke it: a rule's match, at the line of what matched.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"` // critical, high, medium, low
	Function string `json:"function"`
	Position
	// Title is the rule's; Message says what this statement grants;
	// Fix the scoped form to write instead.
	Title   string `json:"title"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
	// Suppressed is set when an ignore rule of the configuration covers
	// the finding: it is reported, and does not fail the gate.
	Suppressed *Suppression `json:"suppressed,omitempty"`
}
