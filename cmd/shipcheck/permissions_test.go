package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/report"
)

// ordersTemplate is a SAM template with an over-broad statement (s3:* on
// *, line 16, of OrdersFunction), a scoped one beside it, and an invoke
// permission for S3 with no source (medium, Worker).
const ordersTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Policies:
        - Statement:
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: !GetAtt OrdersTable.Arn
            - Effect: Allow
              Action: "s3:*"
              Resource: "*"
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: worker.handler
      Runtime: nodejs20.x
  WorkerPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Worker
      Action: lambda:InvokeFunction
      Principal: s3.amazonaws.com
`

// reportsTemplate grants scoped actions on a scoped resource, and denies
// everything else: nothing to report.
const reportsTemplate = `Resources:
  Reports:
    Type: AWS::Serverless::Function
    Properties:
      Handler: reports.handler
      Runtime: nodejs20.x
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: arn:aws:s3:::reports/*
            - Effect: Deny
              Action: "*"
              Resource: "*"
`

// libraryTemplate is an example template an installed package ships: not
// the deployment's.
const libraryTemplate = `Resources:
  LibraryExample:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt LibraryRole.Arn
  LibraryRole:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: all
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: "*"
                Resource: "*"
`

// runParsing runs shipcheck in a fresh working folder.
func runParsing(t *testing.T, keep []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return run(t, keep, args...)
}

// TestPermissionsGate: the permissions view's exit codes with and without
// findings at or above --fail-on-permissions, with an ignore rule, and
// for a template that does not parse.
func TestPermissionsGate(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	over := write("orders.template.yaml", []byte(ordersTemplate))
	clean := write("reports.template.yaml", []byte(reportsTemplate))
	broken := write("broken.template.yaml", []byte("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Fn: [\n"))
	cfg := write("shipcheck.yaml", []byte("permissions:\n  ignore:\n    - rule: SC-IAM-002\n      function: OrdersFunction\n      reason: the bucket list is not known until deploy\n"))
	for _, c := range []struct {
		name string
		args []string
		want int
		out  string // in standard output or error
	}{
		{"high finding", []string{over}, 1, `Allow "s3:*" on "*"`},
		{"medium does not fail at high", []string{over, "--fail-on-permissions", "critical"}, 0, "SC-LAMBDA-004"},
		{"medium fails at medium", []string{over, "--fail-on-permissions", "medium"}, 1, "2 fail --fail-on-permissions medium"},
		{"never", []string{over, "--fail-on-permissions", "never"}, 0, "none fail"},
		{"ignored", []string{over, "--config", cfg}, 0, "the bucket list is not known until deploy"},
		{"scoped only", []string{clean}, 0, "no over-broad permission found"},
		{"given beside", []string{clean, "--template", over}, 1, "OrdersFunction at " + over + ":16"},
		{"broken", []string{broken}, 2, "does not parse as cloudformation (near line 3)"},
		{"broken, partial allowed", []string{over, broken, "--allow-partial"}, 1, "does not parse as cloudformation (near line 3)"},
		{"bad threshold", []string{over, "--fail-on-permissions", "none"}, 2, "--fail-on-permissions"},
		{"two artifacts", []string{dir, filepath.Join(testdata, "examples", "hello-function.zip")}, 2, "give one artifact"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runParsing(t, nil, append([]string{"permissions"}, c.args...)...)
			if code != c.want || !strings.Contains(stdout+stderr, c.out) {
				t.Errorf("exit %d, want %d with %q:\n%s\n%s", code, c.want, c.out, stdout, stderr)
			}
		})
	}
}

// TestScanPermissions: scan answers permissions from a template in the
// artifact (not from one inside node_modules), and its gate counts them;
// --template applies to one deployment only.
func TestScanPermissions(t *testing.T) {
	adv := abs(t, filepath.Join(testdata, "osv"))
	fn := t.TempDir()
	os.WriteFile(filepath.Join(fn, "index.js"), []byte("exports.handler = async () => 'ok'\n"), 0o644)
	os.WriteFile(filepath.Join(fn, "template.yaml"), []byte(ordersTemplate), 0o644)
	os.MkdirAll(filepath.Join(fn, "node_modules", "lib"), 0o755)
	os.WriteFile(filepath.Join(fn, "node_modules", "lib", "template.yaml"), []byte(libraryTemplate), 0o644)
	code, stdout, stderr := runParsing(t, []string{"out.json"}, "scan", fn, "--advisories", adv, "--no-cache", "--output", "json=out.json", "--output", "table")
	if code != 1 || !strings.Contains(stdout, "OrdersFunction at /var/task/template.yaml:16") || strings.Contains(stdout, "LibraryExample") {
		t.Fatalf("exit %d, want 1 with OrdersFunction's finding and not the library's:\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile("out.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if f := r.Deployments[0].Failing; f.Permissions != 1 || f.Total() != 1 {
		t.Errorf("failing %+v, want the one permission finding", f)
	}
	if code, stdout, stderr := runParsing(t, nil, "scan", fn, "--advisories", adv, "--no-cache", "--fail-on-permissions", "never"); code != 0 {
		t.Errorf("--fail-on-permissions never: exit %d:\n%s\n%s", code, stdout, stderr)
	}
	if code, _, stderr := runParsing(t, nil, "scan", fn, fn, "--advisories", adv, "--template", filepath.Join(fn, "template.yaml")); code != 2 || !strings.Contains(stderr, "--template applies to one deployment") {
		t.Errorf("--template with two deployments: exit %d: %s", code, stderr)
	}
}

// TestPermissionsSARIF: the permissions view of templates alone writes
// SARIF that validates and JSON that follows the published schema.
func TestPermissionsSARIF(t *testing.T) {
	schema, jsonSchema := sarifSchema(t), scanSchema(t)
	p := filepath.Join(t.TempDir(), "orders.template.yaml")
	os.WriteFile(p, []byte(ordersTemplate), 0o644)
	code, _, stderr := runParsing(t, []string{"out.sarif", "out.json"}, "permissions", p, "--output", "sarif=out.sarif", "--output", "json=out.json")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile("out.sarif")
	if err != nil {
		t.Fatal(err)
	}
	validSARIF(t, schema, b)
	j, err := os.ReadFile("out.json")
	if err != nil {
		t.Fatal(err)
	}
	validJSON(t, jsonSchema, j, "out.json")
	if !bytes.Contains(b, []byte(`"ruleId": "SC-IAM-002"`)) || !bytes.Contains(b, []byte(`"startLine": 16`)) {
		t.Errorf("no result for the s3:* statement at line 16:\n%s", b)
	}
}

// TestPermissionsCompletion: --fail-on-permissions completes its values.
func TestPermissionsCompletion(t *testing.T) {
	code, stdout, _ := run(t, nil, "__complete", "permissions", "x", "--fail-on-permissions", "")
	for _, v := range report.PermissionsFailOnValues {
		if code != 0 || !strings.Contains(stdout, v+"\n") {
			t.Errorf("exit %d; %q not offered:\n%s", code, v, stdout)
		}
	}
}

// TestPermissionsTemplateFolder: --template FOLDER reads the templates in
// it (not an installed package's, and passing over other files), the
// Terraform files of a folder as one module: a function in lambda.tf gets
// the over-broad policy iam.tf attaches to its role.
func TestPermissionsTemplateFolder(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"infra/template.yaml":                  ordersTemplate,
		"infra/node_modules/lib/template.yaml": libraryTemplate,
		"infra/README.md":                      "# infra\n",
		"infra/config.json":                    `{"stage": "prod"}`,
		"infra/tf/lambda.tf":                   "resource \"aws_lambda_function\" \"thumbs\" {\n  function_name = \"thumbs\"\n  role          = aws_iam_role.thumbs.arn\n}\n",
		"infra/tf/iam.tf":                      "resource \"aws_iam_role\" \"thumbs\" {\n  name = \"thumbs\"\n}\n\nresource \"aws_iam_role_policy\" \"thumbs\" {\n  role = aws_iam_role.thumbs.id\n  policy = jsonencode({\n    Statement = [{\n      Effect   = \"Allow\"\n      Action   = \"dynamodb:*\"\n      Resource = \"*\"\n    }]\n  })\n}\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	infra := filepath.Join(dir, "infra")
	code, stdout, stderr := runParsing(t, nil, "permissions", abs(t, filepath.Join(testdata, "examples", "hello-function.zip")), "--template", infra)
	for _, want := range []string{
		"OrdersFunction at " + filepath.Join(infra, "template.yaml") + ":16",
		"aws_lambda_function.thumbs at " + filepath.Join(infra, "tf", "iam.tf") + ":8",
	} {
		if code != 1 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, want 1 with %q:\n%s\n%s", code, want, stdout, stderr)
		}
	}
	if strings.Contains(stdout, "LibraryExample") {
		t.Errorf("a template inside node_modules was read:\n%s", stdout)
	}
}

// TestPermissionsNothingToJudge: the permissions view of an artifact with
// no template, or --template naming a folder with none, is exit 2, never a
// pass that judged nothing; scan of such an artifact is not held up.
func TestPermissionsNothingToJudge(t *testing.T) {
	fn := abs(t, filepath.Join(testdata, "examples", "hello-function.zip"))
	adv := abs(t, filepath.Join(testdata, "osv"))
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "settings.json"), []byte(`{"stage": "prod"}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"permissions", fn}, "no deployment template in it"},
		{[]string{"permissions", fn, "--template", empty}, "no deployment template in this folder"},
	} {
		if code, _, stderr := runParsing(t, nil, c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, want 2 with %q: %s", c.args, code, c.want, stderr)
		}
	}
	if code, _, stderr := runParsing(t, nil, "scan", fn, "--advisories", adv); code != 0 {
		t.Errorf("scan of an artifact without a template: exit %d: %s", code, stderr)
	}
}
