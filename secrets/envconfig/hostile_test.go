package envconfig

import (
	"github.com/shipcheck/shipcheck/internal/tmpltree"

	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHostile parses files built to make a naive walk explode: merge keys
// and aliases that name one mapping billions of times, locals merged into
// themselves, Fn::If chains over aliases, deep nesting. Each must end
// quickly, with an error or with a bounded result.
func TestHostile(t *testing.T) {
	var mergeBomb strings.Builder
	mergeBomb.WriteString("l0: &l0 {A: x, B: y}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&mergeBomb, "l%d: &l%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	mergeBomb.WriteString("provider:\n  environment:\n    <<: *l12\n")

	var ifBomb strings.Builder
	ifBomb.WriteString("x0: &x0 {A: x}\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&ifBomb, "x%d: &x%d !If [c, *x%d, *x%d]\n", i, i, i-1, i-1)
	}
	ifBomb.WriteString("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment:\n        Variables: *x30\n")

	var aliasFan strings.Builder
	aliasFan.WriteString("big: &big {")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&aliasFan, "K%d: v, ", i)
	}
	aliasFan.WriteString("}\nfunctions:\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&aliasFan, "  f%d: {environment: *big}\n", i)
	}

	var localsBomb strings.Builder
	localsBomb.WriteString("locals {\n  l0 = { A = \"x\" }\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&localsBomb, "  l%d = merge(%s)\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("local.l%d, ", i-1), 20), ", "))
	}
	localsBomb.WriteString("}\nresource \"aws_lambda_function\" \"f\" {\n  environment {\n    variables = local.l8\n  }\n}\n")

	tests := []struct {
		name    string
		format  Format
		content string
		wantErr string // "" when a bounded result is fine
	}{
		{"merge keys", Serverless, mergeBomb.String(), "mapping entries"},
		{"Fn::If over aliases", CloudFormation, ifBomb.String(), "mapping entries"},
		{"one mapping under many functions", Serverless, aliasFan.String(), "mapping entries"},
		{"locals merged into locals", Terraform, localsBomb.String(), "mapping entries"},
		{"deep json", LambdaConfig, strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000), "nesting too deep"},
		{"deep json arrays", CloudFormation, strings.Repeat("[", 1<<20), "nesting too deep"},
		{"deep yaml", CloudFormation, strings.Repeat("- ", 20000), "exceeded max depth"},
		// hclsyntax recurses per level and a stack overflow is fatal: the
		// depth check must stop these before the parser sees them (1<<20
		// brackets did overflow the stack before the check).
		{"deep hcl brackets", Terraform, "a = " + strings.Repeat("[", 10000), "nested more than 256 levels"},
		{"deep hcl blocks", Terraform, strings.Repeat("b {\n", 10000), "nested more than 256 levels"},
		{"deep hcl unary", Terraform, "a = " + strings.Repeat("!", 20000) + "x", "more than 10000 conditional or unary"},
		{"deep hcl conditionals", Terraform, "a = " + strings.Repeat("x ? y : ", 20000) + "x", "more than 10000 conditional or unary"},
		{"deep hcl json template", Terraform, `{"module": {"m": {"environment_variables": {"A": "${` + strings.Repeat("(", 10000) + `"}}}}`, ""},
		{"long dotenv", Dotenv, strings.Repeat("# c\n", 1<<18) + strings.Repeat("A=1\n", 1<<16), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			vars, err := parse(tc.format, []byte(tc.content))
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if tc.wantErr == "" && err != nil {
				t.Errorf("error = %v", err)
			}
			if len(vars) > tmpltree.WalkBudget {
				t.Errorf("%d variables", len(vars))
			}
		})
	}
}
