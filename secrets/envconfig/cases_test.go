package envconfig

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/joho/godotenv"
)

// TestParseCases covers the rules one at a time, on small inline files.
func TestParseCases(t *testing.T) {
	const fnVars = "Resources.Fn.Properties.Environment.Variables"
	cfn := func(vars string) string {
		return "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment:\n        Variables:\n" + vars
	}
	tests := []struct {
		name    string
		format  Format
		content string
		want    []Variable
		wantErr string
	}{
		{"cfn empty", CloudFormation, "", nil, ""},
		{"cfn comment only", CloudFormation, "# nothing\n", nil, ""},
		{"cfn root list", CloudFormation, "- a\n- b\n", nil, "top level is not a mapping"},
		{"cfn bad yaml", CloudFormation, "Resources: [\n", nil, "yaml"},
		{"cfn bad json", CloudFormation, `{"Resources": [}`, nil, "invalid character"},
		{"cfn no environment", CloudFormation, "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {}\n", nil, ""},
		{"cfn variables by ref", CloudFormation, cfn("          !Ref VarsParam\n"), nil, ""},
		{"cfn sub list form", CloudFormation, cfn("          A: !Sub ['${x}', {x: 1}]\n"),
			scoped(fnVars, v{7, "A", `!Sub ["${x}", {x: 1}]`, ref}), ""},
		{"cfn sub with dynamic reference", CloudFormation, cfn("          A: !Sub '{{resolve:ssm:/p}}'\n"),
			scoped(fnVars, v{7, "A", `!Sub "{{resolve:ssm:/p}}"`, ref}), ""},
		{"cfn sub of a ref", CloudFormation, cfn("          A:\n            Fn::Sub: !Ref P\n"),
			scoped(fnVars, v{8, "A", "{Fn::Sub: !Ref P}", ref}), ""},
		{"cfn dynamic reference inside text", CloudFormation, cfn("          A: 'user:{{resolve:secretsmanager:db:SecretString:password}}@host'\n"),
			scoped(fnVars, v{7, "A", "user:{{resolve:secretsmanager:db:SecretString:password}}@host", ref}), ""},
		{"cfn ${} outside Sub is text", CloudFormation, cfn("          A: 'x-${NotSubstituted}'\n"),
			scoped(fnVars, v{7, "A", "x-${NotSubstituted}", lit}), ""},
		{"cfn alias", CloudFormation, "Shared: &s FAKEsharedEXAMPLE\n" + cfn("          A: *s\n"),
			scoped(fnVars, v{1, "A", "FAKEsharedEXAMPLE", lit}), ""},
		{"cfn Fn::If variables", CloudFormation, cfn("          Fn::If: [C, {A: x}, {Ref: AWS::NoValue}]\n"),
			scoped(fnVars, v{7, "A", "x", lit}), ""},
		{"cfn condition and unknown tags", CloudFormation, cfn("          A: !Condition IsProd\n          B: !Custom thing\n"),
			scoped(fnVars, v{7, "A", "!Condition IsProd", ref}, v{8, "B", "!Custom thing", ref}), ""},
		{"cfn explicit standard tag", CloudFormation, cfn("          A: !!str 123\n"),
			scoped(fnVars, v{7, "A", "123", lit}), ""},
		{"cfn nested mapping is not a value", CloudFormation, cfn("          A: {x: 1, y: 2}\n          B: [1]\n"), nil, ""},
		{"cfn json duplicate keys and bom", CloudFormation, "\xef\xbb\xbf{\"Resources\": {\"Fn\": {\"Type\": \"AWS::Lambda::Function\", \"Type\": \"AWS::Lambda::Function\",\n \"Properties\": {\"Environment\": {\"Variables\": {\"A\": \"1\", \"A\": \"2\"}}}}}}",
			scoped(fnVars, v{2, "A", "1", lit}, v{2, "A", "2", lit}), ""},
		{"cfn yaml flow mapping that is not json", CloudFormation, "{Resources: {Fn: {Type: AWS::Lambda::Function, Properties: {Environment: {Variables: {A: !Ref B}}}}}}",
			scoped(fnVars, v{1, "A", "!Ref B", ref}), ""},

		{"serverless functions as a list", Serverless, "service: s\nfunctions:\n  - a:\n      environment:\n        K: v\n  - b:\n      environment:\n        K: ${ssm:/k}\n",
			concat(scoped("functions.a.environment", v{5, "K", "v", lit}), scoped("functions.b.environment", v{8, "K", "${ssm:/k}", ref})), ""},
		{"serverless environment from a file", Serverless, "service: s\nprovider:\n  environment: ${file(env.yml):${opt:stage}}\n", nil, ""},
		{"serverless sub with variable", Serverless, "provider:\n  environment:\n    A: !Sub '${AWS::Region}'\n    B: !Sub plain\n",
			scoped("provider.environment", v{3, "A", `!Sub "${AWS::Region}"`, ref}, v{4, "B", "plain", lit}), ""},
		{"serverless root scalar", Serverless, "just text", nil, "top level is not a mapping"},

		{"tf syntax error", Terraform, "resource \"aws_lambda_function\" \"x\" {\n", nil, "line 1: Unclosed configuration block"},
		{"tf computed key and parentheses", Terraform, "resource \"aws_lambda_function\" \"x\" {\n  environment {\n    variables = {\n      (var.k) = (\"v\")\n      \"A-B\" = 1.5\n    }\n  }\n}\n",
			scoped("aws_lambda_function.x environment.variables", v{4, "(var.k)", "v", lit}, v{5, "A-B", "1.5", lit}), ""},
		{"tf template directive", Terraform, "resource \"aws_lambda_function\" \"x\" {\n  environment {\n    variables = {\n      A = \"%{if var.p}x%{endif}\"\n    }\n  }\n}\n",
			scoped("aws_lambda_function.x environment.variables", v{4, "A", `"%{if var.p}x%{endif}"`, ref}), ""},
		{"tf tomap", Terraform, "resource \"aws_lambda_function\" \"x\" {\n  environment {\n    variables = tomap({ A = \"a\" })\n  }\n}\n",
			scoped("aws_lambda_function.x environment.variables", v{3, "A", "a", lit}), ""},
		{"tf variables from var", Terraform, "resource \"aws_lambda_function\" \"x\" {\n  environment {\n    variables = var.env\n  }\n}\n", nil, ""},
		{"tf json blocks as arrays and dynamic", Terraform, `{"resource": [{"aws_lambda_function": {"x": [{"environment": [{"variables": {"A": "a"}}],
  "dynamic": {"environment": {"for_each": "${var.e}", "content": {"variables": {"B": "${"}}}}}]}}]}`,
			scoped("aws_lambda_function.x environment.variables", v{1, "A", "a", lit}, v{2, "B", "${", ref}), ""},
		{"tf json bad", Terraform, `{"resource": `, nil, "unexpected EOF"},

		{"dotenv unterminated", Dotenv, "A=1\nB=\"open\n", nil, "line 2: unterminated"},
		{"dotenv bad key", Dotenv, "A=1\nB C D\n", nil, "line 2: unexpected character"},
		{"dotenv no equals at the end", Dotenv, "A=1\nB", scoped("", v{1, "A", "1", lit}), ""},
		{"dotenv no equals", Dotenv, "A=1\nB\nC=2", nil, "line 2: unexpected character '\\n'"},
		{"dotenv no name", Dotenv, "=1\nA=2", scoped("", v{2, "A", "2", lit}), ""},
		{"dotenv crlf and bom", Dotenv, "\xef\xbb\xbfA=1\r\n\r\nB='2'\r\nC=\"x\\\\y\" # note\r\n",
			scoped("", v{1, "A", "1", lit}, v{3, "B", "2", lit}, v{4, "C", `x\y`, lit}), ""},
		{"dotenv hash inside value", Dotenv, "A=abc#def\nB=abc #def\nC='abc #def'\n",
			scoped("", v{1, "A", "abc#def", lit}, v{2, "B", "abc", lit}, v{3, "C", "abc #def", lit}), ""},
		{"dotenv export as a name", Dotenv, "export=1\nexport  B=2\n",
			scoped("", v{1, "export", "1", lit}, v{2, "B", "2", lit}), ""},
		{"dotenv single quotes do not expand", Dotenv, "A='${B}'\nB=\"$C\"\nC=$1x\n",
			scoped("", v{1, "A", "${B}", lit}, v{2, "B", "$C", ref}, v{3, "C", "$1x", lit}), ""},
		{"dotenv duplicate names", Dotenv, "A=1\nA=2\n", scoped("", v{1, "A", "1", lit}, v{2, "A", "2", lit}), ""},

		{"env-yaml nested skipped", EnvYAML, "A: {b: c}\nB: [1]\nC: d\n", scoped("", v{3, "C", "d", lit}), ""},
		{"env-yaml list root", EnvYAML, "- a\n", nil, "top level is not a mapping"},

		{"azure no values", AzureSettings, `{"IsEncrypted": false}`, nil, ""},
		{"azure json with comments", AzureSettings, "{\n  // a comment\n  \"Values\": { /* \"A\": \"x\",\n */ \"B\": \"http://b\" }\n}",
			scoped("Values", v{4, "B", "http://b", lit}), ""},
		{"azure json with comments and trailing comma", AzureSettings, "{\n  \"Values\": {\n    \"A\": \"x\", // note\n  },\n}",
			scoped("Values", v{3, "A", "x", lit}), ""},
		{"azure not json", AzureSettings, "{\n  \"Values\": {\n    \"A\": \"x\" \"B\"\n  }\n}", nil, "invalid character"},

		{"lambda list-functions", LambdaConfig, `{"Functions": [{"FunctionName": "a", "Environment": {"Variables": {"K": "v"}}}, {"Environment": {"Variables": {"L": "w"}}}]}`,
			concat(scoped("Functions.a.Environment.Variables", v{1, "K", "v", lit}), scoped("Functions.1.Environment.Variables", v{1, "L", "w", lit})), ""},
		{"lambda no environment", LambdaConfig, `{"FunctionName": "a"}`, nil, ""},

		{"unknown format", Format("ini"), "A=1", nil, `unknown format "ini"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.format, []byte(tc.content))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				if got != nil {
					t.Errorf("variables returned with an error: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDotenvMatchesGodotenv checks the dotenv scanner against godotenv, the
// library whose syntax it follows, on files without '$' (where godotenv
// expands variables and this package on purpose does not).
func TestDotenvMatchesGodotenv(t *testing.T) {
	files := []string{
		"A=1\nB=two words\nC='single # quoted'\nD=\"double\\nline\"\n",
		"# comment\n\nexport A=1\n  B : 2\nC=value # comment\nD=x#y\n",
		"A=\"multi\nline\"\nB='multi\nline'\nC=\"esc \\\" \\t \\\\ \\r\"\n",
		"A=\nB=\"\"\nC=''\nD= spaced value \t\n",
		"A.B=1\nA_B=2\n",
		"A=\"x\" # comment\nB='y'   \n",
		"A=1\r\nB=2\r\n",
	}
	for _, f := range files {
		want, werr := godotenv.UnmarshalBytes([]byte(f))
		vars, err := Parse(Dotenv, []byte(f))
		if (err != nil) != (werr != nil) {
			t.Errorf("%q: error %v, godotenv %v", f, err, werr)
			continue
		}
		got := map[string]string{}
		for _, x := range vars {
			got[x.Name] = x.Value
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q (-godotenv +ours):\n%s", f, diff)
		}
	}
}

// TestFormats checks the format list: every constant once, each parsable.
func TestFormats(t *testing.T) {
	want := []Format{CloudFormation, Serverless, Terraform, Dotenv, EnvYAML, AzureSettings, LambdaConfig}
	if diff := cmp.Diff(want, Formats()); diff != "" {
		t.Errorf("Formats (-want +got):\n%s", diff)
	}
	for _, f := range Formats() {
		if _, err := Parse(f, nil); err != nil {
			t.Errorf("%s: empty content: %v", f, err)
		}
	}
}
