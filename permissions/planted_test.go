package permissions

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// TestPlanted reads the test templates of every format (SAM YAML,
// CloudFormation JSON, serverless.yml and .json, Terraform HCL, JSON and
// a module split over three files) and checks that Analyze reports
// exactly the over-broad permissions planted in them, each at its
// statement's line with the function it concerns, and nothing of what
// they hold that must never be reported: Deny statements, scoped actions
// on scoped resources, scoped actions on "*" with or without conditions,
// SAM policy templates, trust policies, managed policies SAM ignores
// because the function has a Role, a service invoke permission with its
// source, an org-scoped "*" principal, intrinsics and references that
// stand for specific resources. The list was written by reading the
// templates, line by line.
func TestPlanted(t *testing.T) {
	planted := []string{
		// Globals.FunctionUrlConfig AuthType NONE, for every function
		// that does not set its own or ignore the globals.
		"orders-sam.yaml:21 SC-LAMBDA-001 ReportsFunction",
		"orders-sam.yaml:21 SC-LAMBDA-001 WebhookFunction",
		// s3:* on !If [IsProd, bucket, '*']: one branch is every resource.
		"orders-sam.yaml:114 SC-IAM-002 ReportsFunction",
		// Action * on * under Fn::If, in the role both functions may use.
		"billing-cfn.json:42 SC-IAM-001 InvoiceFunction",
		"billing-cfn.json:42 SC-IAM-001 StatusFunction",
		"billing-cfn.json:78 SC-LAMBDA-001 StatusFunction",
		"serverless.yml:32 SC-LAMBDA-001 getProduct",
		"serverless.yml:69 SC-IAM-006 admin-tasks",
		"serverless.json:36 SC-IAM-004 bounce",
		"serverless.json:38 SC-LAMBDA-001 bounce",
		"terraform/app.tf:133 SC-IAM-006 aws_lambda_function.worker",
		// logs:* on *, a policy attached to both functions' roles.
		"terraform/app.tf:140 SC-IAM-002 aws_lambda_function.api",
		"terraform/app.tf:140 SC-IAM-002 aws_lambda_function.worker",
		"terraform/app.tf:154 SC-LAMBDA-001 aws_lambda_function.worker",
		"terraform/stack.tf.json:31 SC-LAMBDA-002 aws_lambda_function.export",
	}
	var templates []*Template
	for _, f := range []string{"orders-sam.yaml", "billing-cfn.json", "serverless.yml", "serverless.json", "terraform/app.tf", "terraform/edge.tf", "terraform/stack.tf.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		format := envconfig.Detect(filepath.Base(f), b)
		tm, err := Parse(f, format, b)
		if err != nil {
			t.Fatalf("%s (%s): %v", f, format, err)
		}
		templates = append(templates, tm)
	}
	module := map[string][]byte{}
	files, _ := filepath.Glob(filepath.Join("testdata", "terraform", "module", "*.tf"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		module[filepath.ToSlash(p)] = b
	}
	tm, err := ParseTerraformModule("terraform/module", module)
	if err != nil {
		t.Fatal(err)
	}
	templates = append(templates, tm)

	got := []string{}
	for _, f := range Analyze(templates) {
		got = append(got, fmt.Sprintf("%s:%d %s %s", f.File, f.Line, f.Rule, f.Function))
	}
	sort.Strings(got)
	sort.Strings(planted)
	if diff := cmp.Diff(planted, got); diff != "" {
		t.Errorf("findings (-planted +reported):\n%s", diff)
	}
}

// TestParameterDefaults: a !Ref to a parameter stands for its Default (what
// a deploy that does not override it gets), so a Default of "*" is every
// resource; a parameter without a default stays a specific resource.
func TestParameterDefaults(t *testing.T) {
	const tpl = `Parameters:
  Bucket:
    Type: String
    Default: "*"
  Table:
    Type: String
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:*
              Resource: !Ref Bucket
            - Effect: Allow
              Action: dynamodb:*
              Resource: !Ref Table
`
	tm, err := Parse("template.yaml", envconfig.CloudFormation, []byte(tpl))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, f := range Analyze([]*Template{tm}) {
		got = append(got, fmt.Sprintf("%d %s", f.Line, f.Rule))
	}
	if diff := cmp.Diff([]string{"14 SC-IAM-002"}, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if r := tm.Functions[0].Statements[1].Resources; len(r) != 1 || r[0] != "!Ref Table" {
		t.Errorf("a parameter without a default: %q", r)
	}
}
