package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/permissions"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// modelTemplate is a CloudFormation JSON template (as envconfig.Detect
// names it) that carries, under ShipcheckTestModel, the functions the
// format readers would give: testParse reads it. The readers are tested
// on their own; these tests are of the gate, the view and the outputs.
func modelTemplate(t *testing.T, fns ...*permissions.Function) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"AWSTemplateFormatVersion": "2010-09-09", "Resources": map[string]any{},
		"ShipcheckTestModel": fns})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testParse reads modelTemplate's functions, each position in the file;
// a template with "BROKEN" in it does not parse.
func testParse(path string, format envconfig.Format, content []byte) (*permissions.Template, error) {
	if bytes.Contains(content, []byte("BROKEN")) {
		return nil, errors.New(path + ": line 3: did not find expected key")
	}
	var doc struct {
		Model []*permissions.Function `json:"ShipcheckTestModel"`
	}
	if err := json.Unmarshal(content, &doc); err != nil {
		return nil, err
	}
	t := &permissions.Template{Path: path, Format: format, Functions: doc.Model}
	for _, fn := range t.Functions {
		fn.File = path
		for i := range fn.Statements {
			fn.Statements[i].File = path
		}
		for i := range fn.Invokers {
			fn.Invokers[i].File = path
		}
	}
	return t, nil
}

// runParsing is run with testParse reading the templates.
func runParsing(t *testing.T, keep []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	work := t.TempDir()
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Chdir(work)
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, lookupEnv: func(string) (string, bool) { return "", false }, parseTemplate: testParse}
	code = runEnv(context.Background(), e, args)
	left, _ := os.ReadDir(work)
	for _, f := range left {
		if !strings.Contains(strings.Join(keep, "\x00"), f.Name()) {
			t.Errorf("%v wrote %s into the working folder", args, f.Name())
		}
	}
	return code, out.String(), errb.String()
}

var (
	broad = &permissions.Function{Name: "OrdersFunction", Statements: []permissions.Statement{
		{Position: permissions.Position{Line: 21}, Effect: "Allow", Actions: []string{"dynamodb:GetItem"}, Resources: []string{"!GetAtt OrdersTable.Arn"}},
		{Position: permissions.Position{Line: 27}, Effect: "Allow", Actions: []string{"s3:*"}, Resources: []string{"*"}},
	}}
	medium = &permissions.Function{Name: "Worker", Invokers: []permissions.InvokePermission{
		{Position: permissions.Position{Line: 40}, Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com"},
	}}
	scoped = &permissions.Function{Name: "Reports", Statements: []permissions.Statement{
		{Position: permissions.Position{Line: 12}, Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::reports/*"}},
		{Position: permissions.Position{Line: 16}, Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"}},
	}}
)

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
	over := write("orders.template.json", modelTemplate(t, broad, medium))
	clean := write("reports.template.json", modelTemplate(t, scoped))
	broken := write("broken.template.json", []byte(`{"AWSTemplateFormatVersion": "2010-09-09", "BROKEN": 1}`))
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
		{"given beside", []string{clean, "--template", over}, 1, "OrdersFunction at " + over + ":27"},
		{"broken", []string{broken}, 2, "did not find expected key"},
		{"broken, partial allowed", []string{over, broken, "--allow-partial"}, 1, "did not find expected key"},
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
	os.WriteFile(filepath.Join(fn, "template.json"), modelTemplate(t, broad), 0o644)
	os.MkdirAll(filepath.Join(fn, "node_modules", "lib"), 0o755)
	os.WriteFile(filepath.Join(fn, "node_modules", "lib", "template.json"), modelTemplate(t, &permissions.Function{Name: "LibraryExample",
		Statements: []permissions.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}}}}), 0o644)
	code, stdout, stderr := runParsing(t, []string{"out.json"}, "scan", fn, "--advisories", adv, "--no-cache", "--output", "json=out.json", "--output", "table")
	if code != 1 || !strings.Contains(stdout, "OrdersFunction at /var/task/template.json:27") || strings.Contains(stdout, "LibraryExample") {
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
	if code, _, stderr := runParsing(t, nil, "scan", fn, fn, "--advisories", adv, "--template", filepath.Join(fn, "template.json")); code != 2 || !strings.Contains(stderr, "--template applies to one deployment") {
		t.Errorf("--template with two deployments: exit %d: %s", code, stderr)
	}
}

// TestPermissionsSARIF: the permissions view of templates alone writes
// SARIF that validates and JSON that follows the published schema.
func TestPermissionsSARIF(t *testing.T) {
	schema, jsonSchema := sarifSchema(t), scanSchema(t)
	p := filepath.Join(t.TempDir(), "orders.template.json")
	os.WriteFile(p, modelTemplate(t, broad, medium), 0o644)
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
	if !bytes.Contains(b, []byte(`"ruleId": "SC-IAM-002"`)) || !bytes.Contains(b, []byte(`"startLine": 27`)) {
		t.Errorf("no result for the s3:* statement at line 27:\n%s", b)
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
