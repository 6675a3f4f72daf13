package permissions

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRuleExamples runs every rule's examples through Analyze, as a
// function holding only the example: each "match" example is reported
// under the rule, no "no_match" example is.
func TestRuleExamples(t *testing.T) {
	rules := mustRules()
	n := 0
	for _, r := range rules {
		for _, c := range []struct {
			want bool
			exs  []example
		}{{true, r.Examples.Match}, {false, r.Examples.NoMatch}} {
			for i, ex := range c.exs {
				n++
				fs := Analyze([]*Template{{Path: "template.yaml", Functions: []*Function{ex.function()}}})
				got := false
				for _, f := range fs {
					got = got || f.Rule == r.ID
				}
				if got != c.want {
					t.Errorf("%s: example %d (match %v): reported %v; findings %+v", r.ID, i, c.want, got, fs)
				}
			}
		}
	}
	t.Logf("%d rules, %d examples", len(rules), n)
}

// TestRulesFile: the embedded rules load, and every rule has a severity,
// a fix and examples of both kinds; a rule file missing any of it is
// refused (so that the check above cannot pass on an empty rule).
func TestRulesFile(t *testing.T) {
	rules, err := parseRules(rulesYAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Fix == "" || len(r.Examples.Match) == 0 || len(r.Examples.NoMatch) == 0 {
			t.Errorf("%s: a fix and examples of both kinds are required", r.ID)
		}
	}
	base := `rules:
  - id: SC-IAM-901
    severity: high
    title: t
    description: d
    fix: f
    match:
      url: {auth_type: NONE}
    examples:
      match: [{url: {auth_type: NONE}}]
      no_match: [{url: {auth_type: AWS_IAM}}]
`
	if _, err := parseRules([]byte(base)); err != nil {
		t.Fatalf("a valid rule refused: %v", err)
	}
	for name, c := range map[string]struct{ old, new, want string }{
		"no fix":                   {"fix: f", "fix: ''", "a fix"},
		"no counterexample":        {"no_match: [{url: {auth_type: AWS_IAM}}]", "no_match: []", "examples that do not"},
		"bad severity":             {"severity: high", "severity: severe", "severity"},
		"two kinds":                {"url: {auth_type: NONE}\n    examples", "url: {auth_type: NONE}\n      managed_policy: {aws_names: [X]}\n    examples", "exactly one"},
		"example of another kind":  {"match: [{url: {auth_type: NONE}}]", "match: [{managed_policy: {arn: X}}]", "not one url"},
		"unknown field in example": {"match: [{url: {auth_type: NONE}}]", "match: [{url: {authtype: NONE}}]", "unknown field"},
		"bad id":                   {"SC-IAM-901", "IAM1", "SC-KIND-000"},
	} {
		in := strings.Replace(base, c.old, c.new, 1)
		if in == base {
			t.Fatalf("%s: the case changes nothing", name)
		}
		if _, err := parseRules([]byte(in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		p, q string
		want bool
	}{
		{"*", "*:*", true},
		{"*:*", "*:*", true},
		{"s3:*", "*:*", false},
		{"iam:*", "iam:PassRole", true},
		{"IAM:PASSROLE", "iam:PassRole", true},
		{"iam:Pass*", "iam:PassRole", true},
		{"iam:P?ssRole", "iam:PassRole", true},
		{"iam:*", "iam:Pass*", true},
		{"iam:Pass*", "iam:*", false},
		{"iam:PassRole", "iam:Pass*", false},
		{"iam:?assRole", "iam:*assRole", false},
		{"sts:AssumeRole*", "sts:AssumeRole", true},
		{"sts:AssumeRoleWithSAML", "sts:AssumeRole", false},
		{"lambda:InvokeFunctionUrl", "lambda:InvokeFunction", false},
		{"", "s3:GetObject", false},
	} {
		if got := covers(c.p, c.q); got != c.want {
			t.Errorf("covers(%q, %q) = %v, want %v", c.p, c.q, got, c.want)
		}
	}
}

// TestAnalyze: a function as a parser gives it, with a role of several
// statements, managed policies, permissions and a URL: each over-broad
// item reported once, at its own line, with the function's name, what it
// grants quoted, and the rule's fix; the scoped ones, the Deny and the
// SAM policy template not at all.
func TestAnalyze(t *testing.T) {
	at := func(line int) Position { return Position{File: "stacks/orders.yaml", Line: line} }
	fn := &Function{Name: "OrdersFunction", Position: at(10), Role: "OrdersRole",
		Statements: []Statement{
			{Position: at(30), Source: "inline policy Data of OrdersRole", Effect: "Allow", Actions: []string{"dynamodb:GetItem"}, Resources: []string{"!GetAtt OrdersTable.Arn"}},
			{Position: at(34), Source: "inline policy Data of OrdersRole", Effect: "Allow", Actions: []string{"s3:*", "sqs:SendMessage"}, Resources: []string{"*"}},
			{Position: at(38), Source: "inline policy Admin of OrdersRole", Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}},
			{Position: at(42), Source: "inline policy Guard of OrdersRole", Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"}},
			{Position: at(46), Source: "SAM policy template S3CrudPolicy", Effect: "Allow", Actions: []string{"s3:*"}, Resources: []string{"*"}, PolicyTemplate: true},
			{Position: at(50), Source: "inline policy Pass of OrdersRole", Effect: "Allow", Actions: []string{"iam:*"}, Resources: []string{"*"}},
		},
		Managed:  []ManagedPolicy{{Position: at(60), ARN: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, {Position: at(61), ARN: "PowerUserAccess"}},
		Invokers: []InvokePermission{{Position: at(70), Action: "lambda:InvokeFunction", Principal: "*"}},
		URL:      &FunctionURL{AuthType: "NONE"}, // no position of its own: the template's file
	}
	other := &Function{Name: "Reports", Position: at(80), Statements: []Statement{
		{Position: at(90), Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::reports/*"}},
	}}
	got := Analyze([]*Template{{Path: "stacks/orders.yaml", Functions: []*Function{fn, other}}})
	type short struct {
		Rule     string
		Function string
		File     string
		Line     int
		Message  string
	}
	var gs []short
	for _, f := range got {
		gs = append(gs, short{f.Rule, f.Function, f.File, f.Line, f.Message})
		if f.Fix == "" || f.Title == "" || f.Severity == "" {
			t.Errorf("%s: a finding without its title, severity or fix: %+v", f.Rule, f)
		}
	}
	want := []short{
		{"SC-LAMBDA-001", "OrdersFunction", "stacks/orders.yaml", 0, `the function URL has AuthType "NONE"`},
		{"SC-IAM-002", "OrdersFunction", "stacks/orders.yaml", 34, `Allow "s3:*" on "*", in inline policy Data of OrdersRole`},
		{"SC-IAM-001", "OrdersFunction", "stacks/orders.yaml", 38, `Allow "*" on "*", in inline policy Admin of OrdersRole`},
		{"SC-IAM-003", "OrdersFunction", "stacks/orders.yaml", 50, `Allow "iam:*" on "*", in inline policy Pass of OrdersRole`},
		{"SC-IAM-007", "OrdersFunction", "stacks/orders.yaml", 61, `the role has the AWS managed policy "PowerUserAccess"`},
		{"SC-LAMBDA-002", "OrdersFunction", "stacks/orders.yaml", 70, `principal "*" may call "lambda:InvokeFunction" with no SourceArn, SourceAccount or PrincipalOrgID`},
	}
	if diff := cmp.Diff(want, gs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if got := Analyze(nil); got == nil || len(got) != 0 {
		t.Errorf("no templates: %v, want an empty list", got)
	}
}

func TestAWSManagedName(t *testing.T) {
	for in, want := range map[string]string{
		"AdministratorAccess":                              "AdministratorAccess",
		"arn:aws:iam::aws:policy/AdministratorAccess":      "AdministratorAccess",
		"arn:aws-cn:iam::aws:policy/job-function/ViewOnly": "ViewOnly",
		"arn:aws:iam::123456789012:policy/Admin":           "",
		"!Sub arn:${AWS::Partition}:iam::aws:policy/X":     "X",
		"arn:${Partition}:iam::aws:policy/X":               "",
		"${aws_iam_policy.admin.arn}":                      "",
	} {
		got, ok := awsManagedName(in)
		if got != want || ok != (want != "") {
			t.Errorf("awsManagedName(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
