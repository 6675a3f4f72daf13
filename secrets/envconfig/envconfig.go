// Package envconfig reads the environment variables that deployment and
// environment configuration files set: AWS SAM and CloudFormation templates,
// serverless.yml, Terraform, .env files, Google Cloud Functions .env.yaml,
// Azure Functions local.settings.json and the JSON the AWS CLI prints for a
// Lambda function's configuration.
//
// Each file is parsed with a real parser for its syntax (yaml.v3 nodes,
// encoding/json tokens, hclsyntax, a dotenv scanner) so that every value
// comes with its line. A value is either a literal the file holds or a
// reference to something held elsewhere (a secret store, a template
// parameter, another variable); deciding which literals are secrets is the
// caller's job.
package envconfig

import (
	"fmt"
	"regexp"
	"sort"
)

// Variable is one environment variable (or app setting) a config sets.
type Variable struct {
	// Name is the variable's name as configured, e.g. "DB_PASSWORD".
	Name string
	// Value is the literal value, decoded with the string semantics of the
	// format (YAML, JSON, HCL, dotenv quoting; no variable expansion). For a
	// reference it is the reference's text: as written for a string
	// ("${ssm:/app/key}", "{{resolve:secretsmanager:prod/db:SecretString:password}}",
	// "@Microsoft.KeyVault(SecretUri=...)"), the expression's source for
	// Terraform ("var.db_password"), and YAML flow text for a CloudFormation
	// intrinsic function ("!Ref DbPassword", "{Fn::GetAtt: [Fn, Arn]}"),
	// cut at about 1 KiB.
	Value string
	// Literal is true when Value is a literal the file itself holds, false
	// when it is a reference. Numbers, booleans and null (as "") are
	// literals; so are strings that merely mention a variable in a format
	// that does not expand it. Strings naming a secret-store entry (a Google
	// Secret Manager resource name, an AWS Secrets Manager or SSM parameter
	// ARN, an Azure Key Vault reference) are references in every format.
	Literal bool
	// Line is the 1-based line where the value starts in the file (where the
	// key is, for a dotenv file).
	Line int
	// Scope says where the variable sits, e.g.
	// "Resources.OrdersFn.Properties.Environment.Variables",
	// "functions.api.environment", "aws_lambda_function.api environment.variables",
	// "Values"; it is "" for flat files (.env, .env.yaml).
	Scope string
}

// Format names a config format.
type Format string

// The formats Parse reads.
const (
	// CloudFormation is an AWS SAM or CloudFormation template, YAML or JSON:
	// the Environment.Variables of AWS::Serverless::Function and
	// AWS::Lambda::Function resources and of SAM's Globals.Function.
	CloudFormation Format = "cloudformation"
	// Serverless is a Serverless Framework serverless.yml, .yaml or .json:
	// provider.environment and functions.<fn>.environment.
	Serverless Format = "serverless"
	// Terraform is a Terraform file, HCL (*.tf) or JSON (*.tf.json): the
	// environment of Lambda, Cloud Functions, Cloud Run and Azure function
	// and web app resources, and environment_variables of modules.
	Terraform Format = "terraform"
	// Dotenv is a .env file (.env, .env.*, *.env).
	Dotenv Format = "dotenv"
	// EnvYAML is a Google Cloud Functions --env-vars-file: a flat YAML map.
	EnvYAML Format = "env-yaml"
	// AzureSettings is an Azure Functions local.settings.json: Values and
	// ConnectionStrings.
	AzureSettings Format = "azure-local-settings"
	// LambdaConfig is the JSON of `aws lambda get-function-configuration`
	// (Environment.Variables), of `aws lambda get-function`
	// (Configuration.Environment.Variables) or of `aws lambda list-functions`
	// (Functions[].Environment.Variables).
	LambdaConfig Format = "lambda-configuration"
)

// parsers is the list of formats, one line each.
var parsers = []struct {
	format Format
	parse  func(content []byte) ([]Variable, error)
}{
	{CloudFormation, parseCloudFormation},
	{Serverless, parseServerless},
	{Terraform, parseTerraform},
	{Dotenv, parseDotenv},
	{EnvYAML, parseEnvYAML},
	{AzureSettings, parseAzureSettings},
	{LambdaConfig, parseLambdaConfig},
}

// Formats returns every format Parse reads, in a fixed order.
func Formats() []Format {
	out := make([]Format, len(parsers))
	for i, p := range parsers {
		out[i] = p.format
	}
	return out
}

// Parse parses content as the format and returns its variables sorted by
// line (file order). An error means the file could not be parsed; no
// variables are returned with it. Parse does not panic: a panic inside a
// parser is returned as an error.
func Parse(format Format, content []byte) (vars []Variable, err error) {
	defer func() {
		if r := recover(); r != nil {
			vars, err = nil, fmt.Errorf("parse %s: internal error: %v", format, r)
		}
	}()
	return parse(format, content)
}

// parse is Parse without the recover, for the fuzz tests.
func parse(format Format, content []byte) ([]Variable, error) {
	for _, p := range parsers {
		if p.format != format {
			continue
		}
		vars, err := p.parse(content)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", format, err)
		}
		sort.SliceStable(vars, func(i, j int) bool { return vars[i].Line < vars[j].Line })
		return vars, nil
	}
	return nil, fmt.Errorf("parse: unknown format %q", format)
}

// lineInError finds "line N" in a parser's message.
var lineInError = regexp.MustCompile(`(?i)\bline:? ?(\d+)|:(\d+),\d+`)

// ParseError says that a config does not parse, and where, without the
// parser's own message: parsers quote the text around the error, which may
// be the secret itself.
func ParseError(format Format, err error) error {
	if m := lineInError.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("does not parse as %s (near line %s%s)", format, m[1], m[2])
	}
	return fmt.Errorf("does not parse as %s", format)
}
