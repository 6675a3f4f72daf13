package envconfig

import "testing"

func TestDetect(t *testing.T) {
	const (
		cfnYAML   = "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"
		samNoVer  = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
		cfnJSON   = "{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Resources\": {}\n}"
		cdkJSON   = "{\"Resources\": {\"Fn\": {\"Type\": \"AWS::Lambda::Function\"}}}"
		slsYAML   = "service: reports\n\nprovider:\n  name: aws\n"
		lambdaCfg = "{\n  \"FunctionName\": \"f\",\n  \"Environment\": {\"Variables\": {}}\n}"
		getFn     = "{\"Configuration\": {\"FunctionArn\": \"arn\", \"Environment\": {\"Variables\": {}}}}"
		k8s       = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers: []\n"
		compose   = "services:\n  web:\n    environment:\n      - A=1\n"
		pkgJSON   = "{\"name\": \"x\", \"version\": \"1.0.0\", \"dependencies\": {}}"
		flat      = "# gcf\nA: 1\nB: two\n"
	)
	tests := []struct {
		name string
		head string
		want Format
	}{
		// Names that decide.
		{".env", "", Dotenv},
		{"app/.env", "", Dotenv},
		{`C:\app\.env.production`, "", Dotenv},
		{".env.local", "", Dotenv},
		{".env.example", "", Dotenv},
		{".env.keys", "", Dotenv},
		{"prod.env", "", Dotenv},
		{".envrc", "", ""},
		{".env.js", "", ""},
		{".env.ts", "", ""},
		{".env.json", "{}", ""},
		{".env.sh", "", ""},
		{"env", "", ""},
		{".environment", "", ""},
		{".env.yaml", "", EnvYAML},
		{".env.yml", "", EnvYAML},
		{".env.prod.yaml", "", EnvYAML},
		{"prod.env.yaml", "", EnvYAML},
		{"env.yaml", flat, EnvYAML},
		{"env.yaml", k8s, ""},
		{"serverless.yml", "", Serverless},
		{"Serverless.YAML", "", Serverless},
		{"serverless.json", "", Serverless},
		{"serverless.ts", "", ""},
		{"local.settings.json", "", AzureSettings},
		{"main.tf", "", Terraform},
		{"lambda.tf.json", "", Terraform},
		{"terraform.tfvars", "", ""},
		{"terraform.tfstate", "", ""},

		// Names that need a look at the content.
		{"template.yaml", cfnYAML, CloudFormation},
		{"template.yml", cfnYAML, CloudFormation},
		{"packaged.yaml", samNoVer, CloudFormation},
		{"template.json", cfnJSON, CloudFormation},
		{"cdk.out/Stack.template.json", cdkJSON, CloudFormation},
		{"stack.template", cfnYAML, CloudFormation},
		{".serverless/cloudformation-template-update-stack.json", cfnJSON, CloudFormation},
		{"template.yaml", "Parameters:\n  A: 1\n", ""},
		{"serverless.prod.yml", slsYAML, Serverless},
		{"functions.yml", slsYAML, Serverless},
		{"config.json", lambdaCfg, LambdaConfig},
		{"get-function.json", getFn, LambdaConfig},
		{"get-function-configuration.json", "", ""},
		{"deployment.yaml", k8s, ""},
		{"docker-compose.yml", compose, ""},
		{"ci.yml", "on: push\njobs:\n  build:\n    steps:\n      - run: echo service: provider:\n", ""},
		{"package.json", pkgJSON, ""},
		{"tsconfig.json", "{\"compilerOptions\": {}}", ""},
		{"config.json", "[1, 2]", ""},
		{"README.md", cfnYAML, ""},
		{"index.js", "const x = {Environment: {Variables: {}}}", ""},
	}
	for _, tc := range tests {
		if got := Detect(tc.name, []byte(tc.head)); got != tc.want {
			t.Errorf("Detect(%q, %.30q) = %q, want %q", tc.name, tc.head, got, tc.want)
		}
	}
}
