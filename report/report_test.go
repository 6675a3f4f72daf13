package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/permissions"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/sbomarchive"
	"github.com/shipcheck/shipcheck/secrets/envconfig"
	"github.com/shipcheck/shipcheck/vuln"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden/report")

const testdata = "../testdata"

// reportCase is a run whose report every format is tested on.
type reportCase struct {
	name       string
	kind       report.Kind
	targets    []shipcheck.Target
	advisories string
	gate       report.Gate
	diff       bool
	// rescan: the targets are SBOMs archived, then rescanned.
	rescan bool
	// perms: the first deployment's templates are permissionTemplates
	// (read by hand: the format parsers are tested on their own).
	perms bool
}

func cases() []reportCase {
	ex := filepath.Join(testdata, "examples")
	osv := filepath.Join(testdata, "osv")
	fn := filepath.Join(testdata, "secrets", "fn")
	return []reportCase{
		{name: "scan", kind: report.KindScan, advisories: osv, gate: report.Gate{FailOn: vuln.Medium, UnknownAs: vuln.High, Secrets: true},
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "orders-api.zip")}, {Artifact: fn}}},
		{name: "scan-never", kind: report.KindScan, advisories: osv, gate: report.Gate{FailOn: vuln.High, UnknownAs: vuln.High, Secrets: true, Never: true},
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "orders-api.zip")}}},
		{name: "vuln-go", kind: report.KindVuln, advisories: filepath.Join(testdata, "goreach", "advisories"), gate: report.DefaultGate,
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "go-function.zip")}}},
		{name: "secrets", kind: report.KindSecrets, gate: report.Gate{FailOn: vuln.High, UnknownAs: vuln.High, Secrets: true},
			targets: []shipcheck.Target{{Artifact: fn}}},
		{name: "sbom", kind: report.KindSBOM, gate: report.Gate{Never: true, FailOn: vuln.High, UnknownAs: vuln.High},
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "hello-function.zip"), Layers: []string{filepath.Join(ex, "hello-layer.zip")}}}},
		{name: "partial", kind: report.KindScan, advisories: osv, gate: report.DefaultGate,
			targets: []shipcheck.Target{{Artifact: filepath.Join(testdata, "hostile", "zip-dotdot.zip")}}},
		{name: "diff", kind: report.KindDiff, advisories: osv, gate: report.Gate{FailOn: vuln.Medium, UnknownAs: vuln.High, Secrets: true}, diff: true,
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "hello-function.zip")}, {Artifact: filepath.Join(ex, "orders-api.zip")}}},
		{name: "permissions", kind: report.KindPermissions, perms: true,
			gate:    report.Gate{FailOn: vuln.High, UnknownAs: vuln.High, Permissions: vuln.High},
			targets: []shipcheck.Target{{Artifact: fn}}},
		{name: "scan-permissions", kind: report.KindScan, advisories: osv, perms: true,
			gate:    report.Gate{FailOn: vuln.High, UnknownAs: vuln.High, Secrets: true, Permissions: vuln.Medium},
			targets: []shipcheck.Target{{Artifact: filepath.Join(ex, "orders-api.zip")}}},
		{name: "rescan", kind: report.KindRescan, advisories: osv, gate: report.DefaultGate, rescan: true,
			targets: []shipcheck.Target{{Artifact: filepath.Join(testdata, "archive", "orders.cdx.json")}, {Artifact: filepath.Join(testdata, "archive", "billing.cdx.xml")},
				{Artifact: filepath.Join(testdata, "archive", "search.spdx.json")}, {Artifact: filepath.Join(testdata, "archive", "reports.syft.cdx.json")}}},
	}
}

// rescan archives the targets' SBOMs in a new archive and rescans it.
func (c reportCase) rescanned(t *testing.T, opt shipcheck.ScanOptions) (*report.Report, error) {
	ctx := context.Background()
	a, err := sbomarchive.Open(ctx, filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		return nil, err
	}
	defer a.Close()
	for _, tg := range c.targets {
		e, err := sbomarchive.Read(ctx, tg.Artifact, sbomarchive.ReadOptions{})
		if err != nil {
			return nil, err
		}
		if _, err := a.Add(ctx, e); err != nil {
			return nil, err
		}
	}
	res, err := a.Rescan(ctx, sbomarchive.RescanOptions{Scan: opt})
	if err != nil {
		return nil, err
	}
	res.Report.Rescan.Archive = "archive.db"
	return res.Report, nil
}

// make runs a case, then takes out what changes from run to run and
// machine to machine (the redactor): the creation time, the advisories'
// build time and folder, absolute paths.
func (c reportCase) make(t *testing.T) *report.Report {
	t.Helper()
	opt := shipcheck.ScanOptions{Kind: c.kind, Gate: c.gate, Time: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Deterministic: true,
		ToolVersion: "test", Now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		Source: vuln.SourceOptions{Advisories: c.advisories, Offline: true, TempDir: t.TempDir()}}
	if c.kind == report.KindPermissions {
		opt.Kind = report.KindSecrets // the walk, without a template parser
	}
	var r *report.Report
	var err error
	switch {
	case c.rescan:
		r, err = c.rescanned(t, opt)
	case c.diff:
		r, err = shipcheck.Diff(context.Background(), c.targets[0], c.targets[1], opt)
	default:
		r, err = shipcheck.Run(context.Background(), c.targets, opt)
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.perms {
		r.Kind = c.kind
		d := r.Deployments[0]
		if c.kind == report.KindPermissions {
			d.Secrets = nil
		}
		d.Permissions = report.NewPermissions(permissionTemplates(), permissionIgnores, opt.Now)
		r.Judge()
	}
	if a := r.Advisories; a != nil {
		a.Built = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		a.Location, a.Origin = "testdata/osv", "testdata/osv"
	}
	for _, d := range r.Deployments {
		for i := range d.Sources {
			d.Sources[i].Path = filepath.Base(d.Sources[i].Path)
		}
		for i := range d.Files {
			d.Files[i].Path = filepath.Base(d.Files[i].Path)
		}
	}
	if r.Diff != nil {
		r.Diff.Old, r.Diff.New = filepath.Base(r.Diff.Old), filepath.Base(r.Diff.New)
	}
	return r
}

// render writes a report in every format of its view: one document per
// deployment for the SBOM formats.
func render(t *testing.T, r *report.Report, o report.Options) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range report.FormatsFor(r.Kind) {
		if f.PerDeployment && len(r.Deployments) > 1 {
			for i, d := range r.Deployments {
				var b bytes.Buffer
				if err := f.Encode(&b, r.One(i), o); err != nil {
					t.Fatalf("%s %s: %v", f.Name, d.Name, err)
				}
				out[f.Name+"."+d.Name] = b.Bytes()
			}
			continue
		}
		var b bytes.Buffer
		if err := f.Encode(&b, r, o); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = b.Bytes()
	}
	return out
}

// TestReadBack: a report written as JSON and read back renders to the same
// bytes in every format, so every format can be tested, and re-rendered,
// without a scan.
func TestReadBack(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.make(t)
			o := report.Options{Width: 100}
			want := render(t, r, o)
			back, err := report.Decode(bytes.NewReader(want["json"]))
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, back, o)
			for name, w := range want {
				if diff := cmp.Diff(string(w), string(got[name])); diff != "" {
					t.Errorf("%s after a JSON round trip (-before +after):\n%s", name, diff)
				}
			}
		})
	}
}

// TestGolden compares every format of every case with testdata/golden/report
// (go test ./report -run Golden -update rewrites them).
func TestGolden(t *testing.T) {
	dir := filepath.Join(testdata, "golden", "report")
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.make(t)
			outs := render(t, r, report.Options{})
			var b bytes.Buffer
			report.Encode(&b, r, "table", report.Options{Width: 80})
			outs["table-80"] = b.Bytes()
			for name, got := range outs {
				file := filepath.Join(dir, c.name+"."+name)
				if *update {
					os.MkdirAll(dir, 0o755)
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (go test ./report -run Golden -update writes it)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("%s (-golden +now):\n%s", file, diff)
				}
			}
		})
	}
}

// TestTableWidth: at any width from 60 columns up, no line of any table is
// wider than the width.
func TestTableWidth(t *testing.T) {
	for _, c := range cases() {
		r := c.make(t)
		for _, w := range []int{60, 80, 100, 132} {
			var b bytes.Buffer
			if err := report.Encode(&b, r, "table", report.Options{Width: w}); err != nil {
				t.Fatal(err)
			}
			for i, l := range strings.Split(b.String(), "\n") {
				if n := len([]rune(l)); n > w {
					t.Errorf("%s at %d columns: line %d is %d wide: %q", c.name, w, i+1, n, l)
				}
			}
		}
	}
}

// TestGate: what fails and what does not.
func TestGate(t *testing.T) {
	high := vuln.Finding{ID: "A", Rating: vuln.Rating{Level: vuln.High}}
	medium := vuln.Finding{ID: "B", Rating: vuln.Rating{Level: vuln.Medium}}
	unrated := vuln.Finding{ID: "C", Rating: vuln.Rating{Level: vuln.Unknown}}
	notInBinary := vuln.Finding{ID: "D", Rating: vuln.Rating{Level: vuln.Critical}, Reachability: &vuln.Reachability{Level: vuln.LevelModule}}
	suppressed := vuln.Finding{ID: "E", Rating: vuln.Rating{Level: vuln.Critical}, Suppressed: &vuln.Suppression{By: "ignore"}}
	d := &report.Deployment{Vulns: &report.Vulns{Findings: []vuln.Finding{high, medium, unrated, notInBinary, suppressed}}}
	for _, c := range []struct {
		gate report.Gate
		want int
	}{
		{report.Gate{FailOn: vuln.High, UnknownAs: vuln.High}, 2},
		{report.Gate{FailOn: vuln.High, UnknownAs: vuln.Low}, 1},
		{report.Gate{FailOn: vuln.Medium, UnknownAs: vuln.Low}, 2},
		{report.Gate{FailOn: vuln.None, UnknownAs: vuln.Low}, 3},
		{report.Gate{FailOn: vuln.None, UnknownAs: vuln.Low, Never: true}, 0},
	} {
		if got := c.gate.Count(d).Vulnerabilities; got != c.want {
			t.Errorf("%+v: %d fail, want %d", c.gate, got, c.want)
		}
	}
	if _, never, err := report.ParseFailOn("NEVER"); err != nil || !never {
		t.Errorf("never: %v %v", never, err)
	}
	if _, _, err := report.ParseFailOn("severe"); err == nil {
		t.Error("severe accepted")
	}
}

// TestDecodeRefuses: what is not a report is an error that says what it
// is, never an empty report.
func TestDecodeRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"foo":1}`:                                        `no "version"`,
		`{"version":1,"findings":[]}`:                      "version-1",
		`{"version":2,"kind":"bogus"}`:                     "unknown kind",
		`{"bomFormat":"CycloneDX","specVersion":"1.6"}`:    "an SBOM",
		`{"spdxVersion":"SPDX-2.3"}`:                       "an SBOM",
		`[]`:                                               "not a shipcheck JSON report",
		`{"version":2,"kind":"diff","deployments":[]}`:     "without its",
		`{"version":2,"kind":"scan","deployments":[null]}`: "null",
	} {
		_, err := report.Decode(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", in, err, want)
		}
	}
	// A version-1 report still gives its fingerprints to --baseline.
	fps, err := report.Fingerprints(strings.NewReader(`{"version":1,"findings":[{"fingerprint":"sc1:0123"}],"deployments":[{"secrets":[{"fingerprint":"sc1:4567"}]}]}`))
	if err != nil || !fps["sc1:0123"] || !fps["sc1:4567"] {
		t.Errorf("version 1 fingerprints: %v %v", fps, err)
	}
	if _, err := report.Fingerprints(strings.NewReader(`{"foo":1}`)); err == nil {
		t.Error("a file that is no report gave fingerprints")
	}
}

func TestFileFor(t *testing.T) {
	for _, c := range [][3]string{
		{"bom.json", "orders.zip", "bom.orders.json"},
		{"out/bom.cdx.xml", "fn", "out/bom.cdx.fn.xml"},
		{"bom", "a/b.zip", "bom.a_b"},
	} {
		if got := report.FileFor(c[0], c[1]); got != c[2] {
			t.Errorf("FileFor(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

var _ = packaging.Source{}
var _ = fmt.Sprint

// permissionTemplates are two templates as the parsers give them: a SAM
// stack of two functions (one over-broad in every way the rules know,
// one scoped) and a Terraform function.
func permissionTemplates() []*permissions.Template {
	cfn := "stacks/orders.yaml"
	at := func(file string, line int) permissions.Position { return permissions.Position{File: file, Line: line} }
	orders := &permissions.Function{Name: "OrdersFunction", Position: at(cfn, 12), Role: "OrdersRole",
		Statements: []permissions.Statement{
			{Position: at(cfn, 41), Source: "inline policy Data of OrdersRole", Effect: "Allow", Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}, Resources: []string{"!GetAtt OrdersTable.Arn"}},
			{Position: at(cfn, 47), Source: "inline policy Data of OrdersRole", Effect: "Allow", Actions: []string{"s3:*"}, Resources: []string{"*"}},
			{Position: at(cfn, 52), Source: "inline policy Deploy of OrdersRole", Effect: "Allow", Actions: []string{"iam:PassRole"}, Resources: []string{"*"}},
			{Position: at(cfn, 57), Source: "inline policy Guard of OrdersRole", Effect: "Deny", Actions: []string{"*"}, Resources: []string{"*"}},
			{Position: at(cfn, 24), Source: "SAM policy template SQSSendMessagePolicy", Effect: "Allow", Actions: []string{"sqs:*"}, Resources: []string{"*"}, PolicyTemplate: true},
		},
		Managed:  []permissions.ManagedPolicy{{Position: at(cfn, 63), ARN: "arn:aws:iam::aws:policy/AdministratorAccess"}},
		Invokers: []permissions.InvokePermission{{Position: at(cfn, 70), Action: "lambda:InvokeFunction", Principal: "*"}},
		URL:      &permissions.FunctionURL{Position: at(cfn, 30), AuthType: "NONE"},
	}
	reports := &permissions.Function{Name: "ReportsFunction", Position: at(cfn, 80), Statements: []permissions.Statement{
		{Position: at(cfn, 90), Source: "inline policy of ReportsFunction", Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::reports/*"}},
	}}
	tf := "infra/worker.tf"
	worker := &permissions.Function{Name: "aws_lambda_function.worker", Position: at(tf, 1), Role: "aws_iam_role.worker",
		Statements: []permissions.Statement{
			{Position: at(tf, 30), Source: "aws_iam_policy_document.worker", Effect: "Allow", NotActions: []string{"iam:*"}, Resources: []string{"*"}},
		},
		Invokers: []permissions.InvokePermission{{Position: at(tf, 50), Action: "lambda:InvokeFunction", Principal: "123456789012"}},
	}
	return []*permissions.Template{
		{Path: tf, Format: envconfig.Terraform, Functions: []*permissions.Function{worker}},
		{Path: cfn, Format: envconfig.CloudFormation, Functions: []*permissions.Function{orders, reports}},
	}
}

// permissionIgnores: one in force, one past its date (a note).
var permissionIgnores = []permissions.Ignore{
	{Rule: "SC-LAMBDA-001", Function: "OrdersFunction", Reason: "a public webhook: the handler checks the caller's signature", Expires: "2027-06-30"},
	{Rule: "SC-IAM-004", File: "infra/*.tf", Reason: "migrating to scoped actions", Expires: "2026-11-01"},
}

// TestPermissionsGate: the permission findings that fail, by threshold;
// suppressed ones never.
func TestPermissionsGate(t *testing.T) {
	p := report.NewPermissions(permissionTemplates(), permissionIgnores, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	d := &report.Deployment{Permissions: p}
	for _, c := range []struct {
		failOn string
		never  bool
		want   int
	}{
		// critical: AdministratorAccess; high adds s3:*, iam:PassRole,
		// NotAction (its ignore expired) and principal "*" (the URL's
		// finding is ignored); medium adds the account principal.
		{"critical", false, 1},
		{"high", false, 5},
		{"medium", false, 6},
		{"low", false, 6},
		{"never", false, 0},
		{"low", true, 0},
	} {
		l, err := report.ParsePermissionsFailOn(c.failOn)
		if err != nil {
			t.Fatal(err)
		}
		g := report.Gate{FailOn: vuln.High, UnknownAs: vuln.High, Permissions: l, Never: c.never}
		if got := g.Count(d).Permissions; got != c.want {
			t.Errorf("--fail-on-permissions %s (never %v): %d fail, want %d", c.failOn, c.never, got, c.want)
		}
	}
	if _, err := report.ParsePermissionsFailOn("none"); err == nil {
		t.Error("none accepted: a permissions threshold is a rule severity or never")
	}
}

// compileSchema compiles a JSON schema of testdata/schemas.
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, "schemas", name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPermissionsOutputs: the JSON of a report with permissions follows
// the published schema; its SARIF validates, with one rule per
// permissions rule whose help gives the description and the fix, and a
// result per finding at its template's file and line (the ignored one
// marked suppressed).
func TestPermissionsOutputs(t *testing.T) {
	reportSchema := compileSchema(t, "shipcheck-report-2.schema.json")
	sarifSchema := compileSchema(t, "sarif-schema-2.1.0.json")
	for _, c := range cases() {
		if !c.perms {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			r := c.make(t)
			outs := render(t, r, report.Options{})
			for name, s := range map[string]*jsonschema.Schema{"json": reportSchema, "sarif": sarifSchema} {
				doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(outs[name]))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Validate(doc); err != nil {
					t.Errorf("%s does not validate: %v", name, err)
				}
			}
			var log struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							Rules []struct {
								ID   string `json:"id"`
								Help struct {
									Text string `json:"text"`
								} `json:"help"`
							} `json:"rules"`
						} `json:"driver"`
					} `json:"tool"`
					Results []struct {
						RuleID    string `json:"ruleId"`
						Locations []struct {
							Physical struct {
								Artifact struct {
									URI string `json:"uri"`
								} `json:"artifactLocation"`
								Region struct {
									StartLine int `json:"startLine"`
								} `json:"region"`
							} `json:"physicalLocation"`
						} `json:"locations"`
						Suppressions []any `json:"suppressions"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(outs["sarif"], &log); err != nil {
				t.Fatal(err)
			}
			help := map[string]string{}
			for _, rl := range log.Runs[0].Tool.Driver.Rules {
				help[rl.ID] = rl.Help.Text
			}
			got := map[string]bool{}
			for _, res := range log.Runs[0].Results {
				if !strings.HasPrefix(res.RuleID, "SC-") {
					continue
				}
				l := res.Locations[0].Physical
				got[fmt.Sprintf("%s %s:%d suppressed=%v", res.RuleID, l.Artifact.URI, l.Region.StartLine, len(res.Suppressions) > 0)] = true
			}
			p := r.Deployments[0].Permissions
			if len(got) != len(p.Findings) {
				t.Errorf("%d permission results, want %d: %v", len(got), len(p.Findings), got)
			}
			for _, f := range p.Findings {
				key := fmt.Sprintf("%s %s:%d suppressed=%v", f.Rule, f.File, f.Line, f.Suppressed != nil)
				if !got[key] {
					t.Errorf("no SARIF result %s", key)
				}
				if h := help[f.Rule]; !strings.Contains(h, f.Fix) || len(h) <= len(f.Fix) {
					t.Errorf("%s: rule help %q lacks the description and the fix", f.Rule, h)
				}
			}
		})
	}
}
