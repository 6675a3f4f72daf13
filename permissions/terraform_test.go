package permissions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// TestParseTerraform reads each Terraform fixture and compares, function by
// function, what its role may do and who may invoke it: every statement with
// its line and the policy it comes from, references kept as written, managed
// policies, invoke permissions and the URL. Trust policies (each fixture's
// roles have one) must not appear.
func TestParseTerraform(t *testing.T) {
	type fn = Function
	tests := []struct {
		file string
		want []*fn
	}{
		{
			file: "app.tf",
			want: []*fn{
				{
					Name: "aws_lambda_function.api", Position: tfAt("app.tf", 12), Role: "aws_iam_role.api",
					Statements: []Statement{
						{
							Position: tfAt("app.tf", 35), Source: "inline_policy orders-table of aws_iam_role.api", Effect: "Allow",
							Actions:   []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
							Resources: []string{"aws_dynamodb_table.orders.arn", "${aws_dynamodb_table.orders.arn}/index/*"},
						},
						{
							Position: tfAt("app.tf", 40), Source: "inline_policy orders-table of aws_iam_role.api", Effect: "Allow",
							Actions:     []string{"logs:PutLogEvents"},
							Resources:   []string{"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders-api:*"}, // local.log_group
							Conditioned: true,
						},
						{
							Position: tfAt("app.tf", 62), Source: "aws_iam_role_policy.api_s3 from data.aws_iam_policy_document.read_uploads", Effect: "Allow",
							Actions:   []string{"s3:GetObject"},
							Resources: []string{"${aws_s3_bucket.uploads.arn}/*"},
						},
						{
							Position: tfAt("app.tf", 67), Source: "aws_iam_role_policy.api_s3 from data.aws_iam_policy_document.read_uploads", Effect: "Deny",
							NotActions:   []string{"s3:GetObject"},
							NotResources: []string{"aws_s3_bucket.uploads.arn"},
							Conditioned:  true,
						},
						{
							Position: tfAt("app.tf", 140), Source: "aws_iam_policy.logs attached by aws_iam_policy_attachment.logs", Effect: "Allow",
							Actions: []string{"logs:*"}, Resources: []string{"*"},
						},
					},
					Managed: []ManagedPolicy{{Position: tfAt("app.tf", 52), ARN: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
					Invokers: []InvokePermission{{
						Position: tfAt("app.tf", 79), Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com",
						SourceARN: "${aws_api_gateway_rest_api.orders.execution_arn}/*/*",
					}},
				},
				{
					Name: "aws_lambda_function.worker", Position: tfAt("app.tf", 87), Role: "aws_iam_role.worker",
					Statements: []Statement{
						{
							Position: tfAt("app.tf", 116), Source: "aws_iam_policy.queue attached by aws_iam_role_policy_attachment.worker_queue", Effect: "Allow",
							Actions: []string{"sqs:*"}, Resources: []string{"${aws_sqs_queue.jobs.arn}"},
						},
						{
							Position: tfAt("app.tf", 140), Source: "aws_iam_policy.logs attached by aws_iam_policy_attachment.logs", Effect: "Allow",
							Actions: []string{"logs:*"}, Resources: []string{"*"},
						},
					},
					Managed: []ManagedPolicy{{Position: tfAt("app.tf", 133), ARN: "arn:aws:iam::aws:policy/AdministratorAccess"}},
					Invokers: []InvokePermission{{
						Position: tfAt("app.tf", 159), Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionURLAuthType: "NONE",
					}},
					URL: &FunctionURL{Position: tfAt("app.tf", 154), AuthType: "NONE"},
				},
				{
					// A role passed in: nothing this file attaches to it.
					Name: "aws_lambda_function.cron", Position: tfAt("app.tf", 166), Role: "var.cron_role_arn",
					Invokers: []InvokePermission{{
						Position: tfAt("app.tf", 173), Action: "lambda:InvokeFunction", Principal: "events.amazonaws.com",
						SourceARN: "aws_cloudwatch_event_rule.nightly.arn", SourceAccount: "123456789012",
					}},
				},
			},
		},
		{
			file: "edge.tf",
			want: []*fn{{
				// The role by its ARN, its policies by its name.
				Name: "aws_lambda_function.reports", Position: tfAt("edge.tf", 9), Role: "aws_iam_role.reports",
				Statements: []Statement{
					{
						Position: tfAt("edge.tf", 22), Source: "aws_iam_role_policy.reports_write", Effect: "Allow",
						Actions: []string{"s3:PutObject"}, Resources: []string{"arn:aws:s3:::acme-reports/*"},
					},
					{
						Position: tfAt("edge.tf", 26), Effect: "Allow",
						Source:    "aws_iam_role_policy.reports_read from data.aws_iam_policy_document.reports_read from data.aws_iam_policy_document.base",
						Actions:   []string{"ssm:GetParameter"},
						Resources: []string{"arn:aws:ssm:us-east-1:123456789012:parameter/reports/*"},
					},
					{
						Position: tfAt("edge.tf", 36), Source: "aws_iam_role_policy.reports_read from data.aws_iam_policy_document.reports_read", Effect: "Allow",
						Actions: []string{"s3:GetObject"}, Resources: []string{"${statement.value}/*"},
					},
					{
						Position: tfAt("edge.tf", 44), Source: "aws_iam_role_policy.reports_read from data.aws_iam_policy_document.reports_read", Effect: "Allow",
						Actions: []string{"s3:ListBucket"}, Resources: []string{"arn:aws:s3:::acme-reports"}, // var.reports_bucket's default
					},
				},
				Managed: []ManagedPolicy{
					{Position: tfAt("edge.tf", 62), ARN: "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"},
					{Position: tfAt("edge.tf", 63), ARN: "var.boundary_policy_arn"},
					// A policy of the file whose document is elsewhere: attached, unread.
					{Position: tfAt("edge.tf", 101), ARN: "aws_iam_policy.from_file.arn"},
				},
				Invokers: []InvokePermission{
					{Position: tfAt("edge.tf", 67), Action: "lambda:InvokeFunction", Principal: "*", PrincipalOrgID: "o-a1b2c3d4e5"},
					{Position: tfAt("edge.tf", 74), Action: "lambda:InvokeFunction", Principal: "each.value"},
					// Through an alias.
					{Position: tfAt("edge.tf", 87), Action: "lambda:InvokeFunction", Principal: "sns.amazonaws.com", SourceARN: "aws_sns_topic.reports.arn"},
				},
			}},
		},
		{
			file: "stack.tf.json",
			want: []*fn{{
				Name: "aws_lambda_function.export", Position: tfAt("stack.tf.json", 5), Role: "aws_iam_role.export",
				Statements: []Statement{
					{
						Position: tfAt("stack.tf.json", 19), Source: "inline_policy bucket of aws_iam_role.export", Effect: "Allow",
						Actions: []string{"s3:*"}, Resources: []string{"${aws_s3_bucket.exports.arn}/*"},
					},
					{
						Position: tfAt("stack.tf.json", 50), Source: "aws_iam_role_policy.export_table from data.aws_iam_policy_document.table", Effect: "Allow",
						Actions: []string{"dynamodb:Scan"}, Resources: []string{"aws_dynamodb_table.exports.arn"},
					},
					{
						Position: tfAt("stack.tf.json", 54), Source: "aws_iam_role_policy.export_table from data.aws_iam_policy_document.table", Effect: "Deny",
						Actions: []string{"dynamodb:DeleteTable"}, Resources: []string{"*"}, Conditioned: true,
					},
				},
				Invokers: []InvokePermission{{Position: tfAt("stack.tf.json", 31), Action: "lambda:InvokeFunction", Principal: "*"}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			content, err := os.ReadFile(filepath.Join("testdata", "terraform", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if f := envconfig.Detect(tt.file, content); f != envconfig.Terraform {
				t.Fatalf("Detect = %q, want terraform", f)
			}
			got, err := Parse(tt.file, envconfig.Terraform, content)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.file || got.Format != envconfig.Terraform {
				t.Errorf("template %q %q, want %q terraform", got.Path, got.Format, tt.file)
			}
			if diff := cmp.Diff(tt.want, got.Functions); diff != "" {
				t.Errorf("functions (-want +got):\n%s", diff)
			}
			for _, f := range got.Functions {
				for _, s := range f.Statements {
					if strings.Contains(strings.Join(s.Actions, " "), "sts:AssumeRole") {
						t.Errorf("%s: trust policy read as a statement at line %d", f.Name, s.Line)
					}
				}
			}
		})
	}
}

func tfAt(file string, line int) Position { return Position{File: file, Line: line} }

// TestParseTerraformModule reads a module whose function, role and
// variables are in three files: together, the function gets what iam.tf
// attaches to its role (with iam.tf's lines) and the local variables.tf
// sets; lambda.tf alone gets only the role's address.
func TestParseTerraformModule(t *testing.T) {
	dir := filepath.Join("testdata", "terraform", "module")
	files := map[string][]byte{}
	for _, name := range []string{"lambda.tf", "iam.tf", "variables.tf"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	invoker := InvokePermission{
		Position: tfAt("lambda.tf", 8), Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com",
		SourceARN: "arn:aws:s3:::${var.bucket}", SourceAccount: "data.aws_caller_identity.current.account_id",
	}
	tests := []struct {
		name  string
		parse func() (*Template, error)
		want  []*Function
	}{
		{
			name:  "module",
			parse: func() (*Template, error) { return ParseTerraformModule(dir, files) },
			want: []*Function{{
				Name: "aws_lambda_function.thumbnail", Position: tfAt("lambda.tf", 1), Role: "aws_iam_role.thumbnail",
				Statements: []Statement{{
					Position: tfAt("iam.tf", 10), Source: "aws_iam_role_policy.thumbnail", Effect: "Allow",
					Actions:   []string{"s3:GetObject", "s3:PutObject"},
					Resources: []string{"arn:aws:s3:::acme-thumbnails/*"},
				}},
				Managed:  []ManagedPolicy{{Position: tfAt("iam.tf", 20), ARN: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
				Invokers: []InvokePermission{invoker},
			}},
		},
		{
			name:  "lambda.tf alone",
			parse: func() (*Template, error) { return Parse("lambda.tf", envconfig.Terraform, files["lambda.tf"]) },
			want: []*Function{{
				Name: "aws_lambda_function.thumbnail", Position: tfAt("lambda.tf", 1), Role: "aws_iam_role.thumbnail",
				Invokers: []InvokePermission{invoker},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Functions); diff != "" {
				t.Errorf("functions (-want +got):\n%s", diff)
			}
		})
	}

	// One file Terraform would refuse fails the module, naming the file.
	files["broken.tf"] = []byte("resource \"aws_iam_role\" \"r\" {\n")
	if _, err := ParseTerraformModule(dir, files); err == nil || !strings.Contains(err.Error(), "broken.tf") {
		t.Errorf("module with broken.tf: error %v, want one naming broken.tf", err)
	}
}

// TestParseTerraformRefused: a file Terraform would refuse is an error that
// names the file, with no template; a file with no functions is an empty
// template, not an error.
func TestParseTerraformRefused(t *testing.T) {
	tests := []struct {
		name, file, content string
		wantErr             string // "" for no error
	}{
		{"syntax error", "main.tf", "resource \"aws_lambda_function\" \"f\" {\n  role = \n}\n", "main.tf: line 2"},
		{"nested too deep", "main.tf", "locals {\n  x = " + strings.Repeat("[", 300) + "\n}\n", "nested more than 256 levels"},
		{"JSON nested too deep", "main.tf.json", "{\"locals\": " + strings.Repeat("[", 300), "nested more than 256 levels"},
		{"JSON syntax error", "main.tf.json", "{\"resource\": {\n\"a\": }\n}", "main.tf.json: line 2"},
		{"JSON not an object", "main.tf.json", "[1, 2]", "top level is not an object"},
		{"no functions", "iam.tf", "resource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n}\n", ""},
		{"empty", "empty.tf", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.file, envconfig.Terraform, []byte(tt.content))
			if tt.wantErr == "" {
				if err != nil || got == nil || len(got.Functions) != 0 {
					t.Fatalf("Parse = %v, %v; want an empty template", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if got != nil {
				t.Errorf("template %+v with the error", got)
			}
		})
	}
}

// FuzzParseTerraform parses arbitrary bytes as Terraform: no panic (the
// parser is called without Parse's recover), nothing with an error, and
// every position in the file given, at a line the file has. Seeded with
// the fixtures.
//
//	go test ./permissions -run '^$' -fuzz FuzzParseTerraform -fuzztime 2m
func FuzzParseTerraform(f *testing.F) {
	files, _ := filepath.Glob("testdata/terraform/*.tf*")
	more, _ := filepath.Glob("testdata/terraform/*/*.tf*")
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const path = "fuzz.tf"
		tmpl, err := parseTerraform(path, b)
		if err != nil {
			if tmpl != nil {
				t.Fatalf("template with error %v", err)
			}
			return
		}
		lines := strings.Count(string(b), "\n") + 1
		check := func(what string, p Position) {
			t.Helper()
			if p.File != path || p.Line < 1 || p.Line > lines {
				t.Fatalf("%s at %s:%d, file %s has %d lines", what, p.File, p.Line, path, lines)
			}
		}
		for _, fn := range tmpl.Functions {
			check(fn.Name, fn.Position)
			for _, s := range fn.Statements {
				check("statement of "+fn.Name, s.Position)
			}
			for _, m := range fn.Managed {
				check("managed policy of "+fn.Name, m.Position)
			}
			for _, p := range fn.Invokers {
				check("invoke permission of "+fn.Name, p.Position)
			}
			if fn.URL != nil {
				check("URL of "+fn.Name, fn.URL.Position)
			}
		}
	})
}

// TestParseTerraformHostile: documents that include themselves, or each
// other many times over, end with what they say once per inclusion, within
// the budget, instead of running until memory runs out.
func TestParseTerraformHostile(t *testing.T) {
	const head = `resource "aws_lambda_function" "f" {
  role = aws_iam_role.r.arn
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.name
  policy = data.aws_iam_policy_document.a.json
}
`
	doc := func(name string, includes ...string) string {
		var refs []string
		for _, i := range includes {
			refs = append(refs, "data.aws_iam_policy_document."+i+".json")
		}
		return "data \"aws_iam_policy_document\" \"" + name + "\" {\n" +
			"  source_policy_documents = [" + strings.Join(refs, ", ") + "]\n" +
			"  statement {\n    actions = [\"s3:GetObject\"]\n    resources = [\"*\"]\n  }\n}\n"
	}
	// Eight levels, each including the next 8 times: 8^8 inclusions.
	var wide strings.Builder
	wide.WriteString(head)
	for i := range 8 {
		next := string(rune('a' + i + 1))
		wide.WriteString(doc(string(rune('a'+i)), next, next, next, next, next, next, next, next))
	}
	wide.WriteString(doc("i"))
	tests := []struct {
		name      string
		content   string
		wantCount int // statements of aws_lambda_function.f; -1: at most tfBudget
	}{
		{"includes itself", head + doc("a", "a"), 1},
		{"two include each other", head + doc("a", "b") + doc("b", "a"), 2},
		{"eight levels of eight", wide.String(), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("main.tf", envconfig.Terraform, []byte(tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Functions) != 1 {
				t.Fatalf("%d functions, want 1", len(got.Functions))
			}
			n := len(got.Functions[0].Statements)
			switch {
			case tt.wantCount >= 0 && n != tt.wantCount:
				t.Errorf("%d statements, want %d", n, tt.wantCount)
			case tt.wantCount < 0 && (n == 0 || n > tfBudget):
				t.Errorf("%d statements, want 1 to %d", n, tfBudget)
			}
		})
	}
}

// TestParseTerraformPolicyText: a policy written as JSON text is read at
// the file's lines whatever the text decodes to (\n escapes in a one-line
// string stay on that line; an indented heredoc counts its own lines), IAM
// policy variables ($${aws:username}) stay IAM's, and a *.tf.json whose
// top level is an array of objects is read as one.
func TestParseTerraformPolicyText(t *testing.T) {
	const head = "resource \"aws_lambda_function\" \"f\" {\n  role = aws_iam_role.r.arn\n}\n" +
		"resource \"aws_iam_role_policy\" \"p\" {\n  role = aws_iam_role.r.name\n"
	tests := []struct {
		name, file, content string
		wantLine            int
		wantResource        string
	}{
		{
			name: "one-line string with \\n escapes", file: "main.tf",
			content:  "\xef\xbb\xbf" + head + `  policy = "{\n\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"${aws_s3_bucket.b.arn}\"}]}"` + "\n}\n",
			wantLine: 6, wantResource: "${aws_s3_bucket.b.arn}",
		},
		{
			name: "indented heredoc", file: "main.tf",
			content: head + "  policy = <<-EOT\n    {\"Statement\": [\n" +
				"      {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::b/$${aws:username}\"}]}\n    EOT\n}\n",
			wantLine: 8, wantResource: "arn:aws:s3:::b/${aws:username}",
		},
		{
			name: "JSON array of objects, policy string", file: "main.tf.json",
			content: "[{\"resource\": {\"aws_lambda_function\": {\"f\": {\"role\": \"${aws_iam_role.r.arn}\"}}}},\n" +
				" {\"resource\": {\"aws_iam_role_policy\": {\"p\": {\"role\": \"${aws_iam_role.r.name}\",\n\n" +
				` "policy": "{\n\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}"}}}}]`,
			wantLine: 4, wantResource: "*",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.file, envconfig.Terraform, []byte(tt.content))
			if err != nil {
				t.Fatal(err)
			}
			want := []*Function{{
				Name: "aws_lambda_function.f", Position: tfAt(tt.file, 1), Role: "aws_iam_role.r",
				Statements: []Statement{{
					Position: tfAt(tt.file, tt.wantLine), Source: "aws_iam_role_policy.p", Effect: "Allow",
					Actions: []string{"s3:*"}, Resources: []string{tt.wantResource},
				}},
			}}
			if diff := cmp.Diff(want, got.Functions); diff != "" {
				t.Errorf("functions (-want +got):\n%s", diff)
			}
		})
	}
}
