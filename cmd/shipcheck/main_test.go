package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shipcheck/shipcheck/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const (
	testdata = "../../testdata"
	examples = testdata + "/examples"
)

// run runs the command line in process, in a fresh working folder and with
// a fresh TMPDIR, and checks that nothing was left behind in either but the
// files the command was asked to write.
func run(t *testing.T, keep []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	work, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Chdir(work)
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("%v left files in TMPDIR: %v", args, left)
	}
	left, _ := os.ReadDir(work)
	for _, e := range left {
		ok := false
		for _, k := range keep {
			ok = ok || e.Name() == k
		}
		if !ok {
			t.Errorf("%v wrote %s into the working folder", args, e.Name())
		}
	}
	return code, out.String(), errb.String()
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestHostileExitCodes runs `shipcheck files` on every artifact of the
// hostile catalogue and checks the exit code and the message of its row of
// the table.
func TestHostileExitCodes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testdata, "hostile", "CATALOGUE.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cat []struct {
		File    string   `json:"file"`
		Flags   []string `json:"flags"`
		Exit    int      `json:"exit"`
		Message string   `json:"message"`
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	if len(cat) < 20 {
		t.Fatalf("catalogue has %d entries", len(cat))
	}
	for _, c := range cat {
		t.Run(c.File, func(t *testing.T) {
			p := abs(t, filepath.Join(testdata, "hostile", c.File))
			code, stdout, stderr := run(t, nil, append([]string{"files", p, "--output", "json"}, c.Flags...)...)
			if code != c.Exit {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.Exit, stderr)
			}
			if c.Message != "" && !strings.Contains(stderr, c.Message) {
				t.Errorf("stderr does not say %q:\n%s", c.Message, stderr)
			}
			if c.Exit == 2 && !strings.Contains(stderr, c.File) {
				t.Errorf("the message does not name the artifact %s:\n%s", c.File, stderr)
			}
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				if strings.Contains(line, "panic") || strings.Contains(line, "goroutine ") {
					t.Errorf("stderr: %s", line)
				}
			}
			// Whatever was read is listed, with what was skipped, unless
			// the artifact could not be opened at all.
			if stdout != "" {
				var objs []map[string]any
				if err := json.Unmarshal([]byte(stdout), &objs); err != nil {
					t.Fatalf("stdout is not a JSON list: %v", err)
				}
				problems := 0
				for _, o := range objs {
					if o["type"] == "problem" {
						problems++
					}
				}
				if c.Message != "" && problems == 0 {
					t.Error("the JSON output says nothing of what was skipped")
				}
			}
		})
	}
}

func TestAllowPartial(t *testing.T) {
	p := abs(t, filepath.Join(testdata, "hostile", "zip-dotdot.zip"))
	code, stdout, stderr := run(t, nil, "files", p, "--allow-partial")
	if code != 0 {
		t.Errorf("exit %d with --allow-partial; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "note: ") || !strings.Contains(stderr, "evil.txt") {
		t.Errorf("the refused entry is not a note:\n%s", stderr)
	}
	if !strings.Contains(stdout, "/var/task/ok.txt") {
		t.Errorf("the rest is not listed:\n%s", stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "hello-function.zip"))
	for _, args := range [][]string{
		{"files"},
		{"files", fn, "--output", "sarif"},
		{"files", fn, "--output", "json", "--output", "table"},
		{"files", fn, "--as", "lambda"},
		{"files", fn, "--max-entry-size", "lots"},
		{"files", fn, "--nope"},
		{"files", "does-not-exist.zip"},
		{"nope"},
	} {
		code, stdout, stderr := run(t, nil, args...)
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "shipcheck: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// TestSeveralOutputs writes two reports in one run, one of them to a file.
func TestSeveralOutputs(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "hello-function.zip"))
	layer := abs(t, filepath.Join(examples, "hello-layer.zip"))
	code, stdout, stderr := run(t, []string{"files.json"}, "files", fn, "--layer", layer, "--output", "json=files.json", "--output", "table")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "/opt/nodejs/node_modules/left-pad/index.js") {
		t.Errorf("table:\n%s", stdout)
	}
	b, err := os.ReadFile("files.json") // run left us in the working folder
	if err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, o := range objs {
		if o["type"] == "file" {
			paths[o["path"].(string)] = true
			for _, k := range []string{"size", "origin", "layer", "mount", "as"} {
				if _, ok := o[k]; !ok {
					t.Errorf("%v has no %s", o["path"], k)
				}
			}
		}
	}
	if !paths["/var/task/index.js"] || !paths["/opt/nodejs/node_modules/left-pad/package.json"] || len(paths) != 4 {
		t.Errorf("paths: %v", paths)
	}
}

// TestGolden compares the outputs of `files` on the shipped examples with
// testdata/golden (go test ./cmd/shipcheck -run Golden -update rewrites
// them).
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"files-hello.txt", []string{"files", "hello-function.zip", "--layer", "hello-layer.zip"}},
		{"files-hello.json", []string{"files", "hello-function.zip", "--layer", "hello-layer.zip", "--output", "json"}},
		{"files-image.txt", []string{"files", "image.tar", "--all"}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			var out, errb bytes.Buffer
			t.Chdir(examples)
			if code := Run(context.Background(), c.args, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			p := filepath.Join("..", "golden", c.golden)
			if *update {
				if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != string(want) {
				t.Errorf("output differs from %s (-update rewrites it):\n%s", p, got)
			}
		})
	}
}

// TestBinary builds shipcheck and checks the exit codes a pipeline sees.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "shipcheck")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"files", filepath.Join(examples, "hello-function.zip")}, 0},
		{[]string{"files", filepath.Join(testdata, "hostile", "zip-truncated.zip")}, 2},
		{[]string{"files", filepath.Join(testdata, "hostile", "zip-links.zip")}, 0},
		{[]string{"scan", filepath.Join(examples, "hello-function.zip")}, 2},
		{[]string{"version"}, 0},
	} {
		cmd := exec.Command(bin, c.args...)
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code {
			t.Errorf("%v: exit %d, want %d", c.args, code, c.code)
		}
	}
}

// TestSBOMDeterministic: with SOURCE_DATE_EPOCH, two runs write the same
// bytes, in every SBOM format.
func TestSBOMDeterministic(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "hello-function.zip"))
	layer := abs(t, filepath.Join(examples, "hello-layer.zip"))
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for _, format := range []string{"cyclonedx-json", "cyclonedx-xml", "spdx-json"} {
		var outs []string
		for range 2 {
			code, stdout, stderr := run(t, nil, "sbom", fn, "--layer", layer, "--output", format)
			if code != 0 {
				t.Fatalf("%s: exit %d: %s", format, code, stderr)
			}
			outs = append(outs, stdout)
		}
		if outs[0] != outs[1] {
			t.Errorf("%s: two runs differ", format)
		}
		if !strings.Contains(outs[0], "left-pad") || !strings.Contains(outs[0], "2023-11-14T22:13:20Z") {
			t.Errorf("%s: %s", format, outs[0][:min(400, len(outs[0]))])
		}
	}
}

func TestSBOMOutputs(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "image.tar"))
	dotdot := abs(t, filepath.Join(testdata, "hostile", "zip-dotdot.zip"))
	code, stdout, stderr := run(t, []string{"bom.json", "bom.spdx.json"}, "sbom", fn, "--output", "cyclonedx-json=bom.json", "--output", "spdx-json=bom.spdx.json", "--output", "table", "--spec-version", "1.5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "util") || !strings.Contains(stdout, "com.example:util") {
		t.Errorf("table:\n%s", stdout)
	}
	b, err := os.ReadFile("bom.json")
	if err != nil {
		t.Fatal(err)
	}
	var bom struct {
		SpecVersion string `json:"specVersion"`
		Components  []struct {
			PURL string `json:"purl"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &bom); err != nil || bom.SpecVersion != "1.5" || len(bom.Components) != 1 || bom.Components[0].PURL != "pkg:maven/com.example/util@1.2.0" {
		t.Errorf("bom.json: %v %+v", err, bom)
	}
	sb, err := os.ReadFile("bom.spdx.json")
	if err != nil || !strings.Contains(string(sb), `"spdxVersion": "SPDX-2.3"`) || !strings.Contains(string(sb), "pkg:maven/com.example/util@1.2.0") {
		t.Errorf("bom.spdx.json: %v\n%s", err, sb)
	}
	// A partial read is exit 2, and still writes what was read.
	code, stdout, _ = run(t, nil, "sbom", dotdot)
	if code != 2 || !strings.Contains(stdout, "bomFormat") {
		t.Errorf("partial: exit %d", code)
	}
}

// TestVuln: exit codes of vuln on the shipped example against the shipped
// advisories: 0 under the threshold, 1 at it, 0 again once ignored with a
// reason, 2 offline with no database; the CycloneDX output carries the
// finding.
func TestVuln(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "orders-api.zip"))
	osv := abs(t, filepath.Join(testdata, "osv"))
	code, stdout, stderr := run(t, nil, "vuln", fn, "--advisories", osv)
	if code != 0 || !strings.Contains(stdout, "NSWG-ECO-516") || !strings.Contains(stdout, "advisories: advisories "+osv) {
		t.Errorf("default threshold: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = run(t, nil, "vuln", fn, "--advisories", osv, "--fail-on", "medium")
	if code != 1 || !strings.Contains(stderr, "1 finding(s) fail the gate (--fail-on medium)") {
		t.Errorf("--fail-on medium: exit %d: %s", code, stderr)
	}
	cfg := filepath.Join(t.TempDir(), "shipcheck.yaml")
	os.WriteFile(cfg, []byte("ignore:\n  - id: NSWG-ECO-516\n    component: pkg:npm/lodash\n    reason: we never merge untrusted objects\n    expires: 2999-01-01\n"), 0o644)
	code, stdout, _ = run(t, nil, "vuln", fn, "--advisories", osv, "--fail-on", "medium", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "1 suppressed") {
		t.Errorf("ignored: exit %d\n%s", code, stdout)
	}
	empty := t.TempDir()
	code, _, stderr = run(t, nil, "vuln", fn, "--offline", "--db", empty)
	if code != 2 || !strings.Contains(stderr, "db import") || !strings.Contains(stderr, "--advisories") {
		t.Errorf("offline, no database: exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, []string{"bom.json", "vulns.json"}, "vuln", fn, "--advisories", osv, "--output", "cyclonedx-json=bom.json", "--output", "json=vulns.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile("bom.json")
	var bom struct {
		Vulnerabilities []struct {
			ID             string `json:"id"`
			Recommendation string `json:"recommendation"`
			Affects        []struct {
				Ref string `json:"ref"`
			} `json:"affects"`
			Ratings []struct {
				Severity string  `json:"severity"`
				Score    float64 `json:"score"`
			} `json:"ratings"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(b, &bom); err != nil || len(bom.Vulnerabilities) != 1 {
		t.Fatalf("bom.json: %v\n%s", err, b)
	}
	v := bom.Vulnerabilities[0]
	if v.ID != "NSWG-ECO-516" || v.Affects[0].Ref != "pkg:npm/lodash@4.17.15" || v.Ratings[0].Severity != "medium" || !strings.Contains(v.Recommendation, "4.17.19") {
		t.Errorf("vulnerability: %+v", v)
	}
	j, _ := os.ReadFile("vulns.json")
	vj, err := report.Decode(bytes.NewReader(j))
	if err != nil || vj.Kind != report.KindVuln || vj.Advisories.Kind != "advisories" || len(vj.Deployments[0].Vulns.Findings) != 1 ||
		vj.Deployments[0].Vulns.Findings[0].Locations[0].Origin.String() != "orders-api.zip!node_modules/lodash/package.json" {
		t.Errorf("vulns.json: %v\n%s", err, j)
	}
}

// TestDB: import, status, and a missing database named with its fix.
func TestDB(t *testing.T) {
	osv := abs(t, filepath.Join(testdata, "osv"))
	dbdir := t.TempDir()
	code, stdout, stderr := run(t, nil, "db", "import", osv, "--db", dbdir)
	if code != 0 || !strings.Contains(stdout, "records:  2") {
		t.Fatalf("import: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, nil, "db", "status", "--db", dbdir)
	if code != 0 || !strings.Contains(stdout, "source:   "+osv) || !strings.Contains(stdout, "npm          1") {
		t.Errorf("status: exit %d\n%s", code, stdout)
	}
	code, _, stderr = run(t, nil, "db", "status", "--db", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "shipcheck db update") {
		t.Errorf("status of nothing: exit %d: %s", code, stderr)
	}
}

// TestVulnGoReachability: on the shipped Go function, only the advisory
// whose vulnerable function is in the binary fails the gate; the others are
// listed with why they do not; --go-reachability off counts them all.
func TestVulnGoReachability(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "go-function.zip"))
	all := abs(t, filepath.Join(testdata, "goreach", "advisories"))
	code, stdout, stderr := run(t, nil, "vuln", fn, "--advisories", all, "--fail-on", "high")
	if code != 1 || !strings.Contains(stderr, "1 finding(s) fail the gate (--fail-on high)") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"called: vulndep.Called", "no (package only)", "no (module only)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Index(stdout, "GO-9999-0001") > strings.Index(stdout, "GO-9999-0002") {
		t.Errorf("the reachable finding should rank first:\n%s", stdout)
	}

	// Without the advisory on the called function, nothing fails the gate,
	// but both findings are still reported.
	some := t.TempDir()
	for _, id := range []string{"GO-9999-0002", "GO-9999-0003"} {
		b, err := os.ReadFile(filepath.Join(all, id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(some, id+".json"), b, 0o644)
	}
	code, stdout, stderr = run(t, nil, "vuln", fn, "--advisories", some, "--fail-on", "high")
	if code != 0 || !strings.Contains(stdout, "2 finding(s)") || !strings.Contains(stdout, "0 fail --fail-on high") {
		t.Errorf("uncalled only: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = run(t, nil, "vuln", fn, "--advisories", some, "--fail-on", "high", "--go-reachability", "off")
	if code != 1 || !strings.Contains(stderr, "2 finding(s) fail the gate") {
		t.Errorf("--go-reachability off: exit %d: %s", code, stderr)
	}

	code, _, stderr = run(t, []string{"vulns.json"}, "vuln", fn, "--advisories", all, "--output", "json=vulns.json")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile("vulns.json")
	vj, err := report.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range vj.Deployments[0].Vulns.Findings {
		got[f.ID] = f.Reachability.Level + " " + strings.Join(f.Reachability.Symbols, ",") + " " + f.Reachability.Binary
	}
	want := map[string]string{
		"GO-9999-0001": "symbol vulndep.Called /var/task/bootstrap",
		"GO-9999-0002": "package linked.Vulnerable /var/task/bootstrap",
		"GO-9999-0003": "module unused.Anything /var/task/bootstrap",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: reachability %q, want %q", id, got[id], w)
		}
	}
}

// sarifSchema compiles the SARIF 2.1.0 JSON schema (call it before run,
// which changes the working folder).
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	sb, err := os.ReadFile(filepath.Join(testdata, "schemas", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(sb))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("sarif-schema-2.1.0.json", schema); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validSARIF checks a SARIF log against the schema.
func validSARIF(t *testing.T, s *jsonschema.Schema, b []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := s.Validate(doc); err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %v", err)
	}
}

// TestVulnSARIF: the SARIF log validates, names each finding's rule with a
// security severity, points at the file in the artifact, and carries the
// Go judgement and the suppressions.
func TestVulnSARIF(t *testing.T) {
	schema := sarifSchema(t)
	fn := abs(t, filepath.Join(examples, "go-function.zip"))
	adv := abs(t, filepath.Join(testdata, "goreach", "advisories"))
	cfg := filepath.Join(t.TempDir(), "shipcheck.yaml")
	os.WriteFile(cfg, []byte("ignore:\n  - id: GO-9999-0003\n    reason: the module's vulnerable package is never linked\n"), 0o644)
	code, _, stderr := run(t, []string{"out.sarif"}, "vuln", fn, "--advisories", adv, "--config", cfg, "--output", "sarif=out.sarif")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile("out.sarif")
	if err != nil {
		t.Fatal(err)
	}
	validSARIF(t, schema, b)
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string `json:"id"`
						Properties struct {
							Severity string `json:"security-severity"`
						} `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
				Suppressions        []struct {
					Justification string `json:"justification"`
				} `json:"suppressions"`
				Properties struct {
					Origin       string `json:"origin"`
					Reachability struct {
						Level   string   `json:"level"`
						Symbols []string `json:"symbols"`
					} `json:"reachability"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("%v\n%s", err, b)
	}
	r := log.Runs[0]
	if len(r.Tool.Driver.Rules) != 3 || r.Tool.Driver.Rules[0].Properties.Severity != "8.0" {
		t.Errorf("rules: %+v", r.Tool.Driver.Rules)
	}
	want := map[string]string{"GO-9999-0001": "error symbol vulndep.Called", "GO-9999-0002": "note package linked.Vulnerable", "GO-9999-0003": "note module unused.Anything"}
	for _, res := range r.Results {
		got := res.Level + " " + res.Properties.Reachability.Level + " " + strings.Join(res.Properties.Reachability.Symbols, ",")
		if got != want[res.RuleID] {
			t.Errorf("%s: %q, want %q", res.RuleID, got, want[res.RuleID])
		}
		if len(res.Locations) == 0 || res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "var/task/bootstrap" || res.Properties.Origin != "go-function.zip!bootstrap" {
			t.Errorf("%s: locations %+v origin %q", res.RuleID, res.Locations, res.Properties.Origin)
		}
		if len(res.PartialFingerprints["shipcheck/v1"]) != 32 {
			t.Errorf("%s: fingerprints %v", res.RuleID, res.PartialFingerprints)
		}
		if suppressed := len(res.Suppressions) > 0; suppressed != (res.RuleID == "GO-9999-0003") {
			t.Errorf("%s: suppressions %+v", res.RuleID, res.Suppressions)
		}
	}
	if len(r.Results) != 3 {
		t.Errorf("%d results", len(r.Results))
	}
}

// plantedSecrets reads the secrets planted in testdata/secrets/fn.
func plantedSecrets(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, "secrets", "fn-planted.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSecretsNeverInClear runs every output format of every command on the
// fixture with planted secrets (and a config that does not parse, around a
// secret) and checks that no secret appears in any output file, standard
// output or standard error.
func TestSecretsNeverInClear(t *testing.T) {
	planted := plantedSecrets(t)
	fn := t.TempDir()
	if err := os.CopyFS(fn, os.DirFS(filepath.Join(testdata, "secrets", "fn"))); err != nil {
		t.Fatal(err)
	}
	// A serverless.yml that does not parse, the secret on the bad line.
	os.WriteFile(filepath.Join(fn, "serverless.yml"), []byte("service: x\nprovider:\n  environment:\n    TOKEN: \""+planted["index.js:3"]+"\n  - ]\n"), 0o644)
	osv := abs(t, filepath.Join(testdata, "osv"))
	check := func(what, text string) {
		t.Helper()
		for k, s := range planted {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the secret of %s in clear", what, k)
			}
		}
	}
	for _, c := range []struct {
		cmd     string
		formats []string
		extra   []string
		before  []string // arguments before the artifact
	}{
		{"secrets", report.Names(report.FormatsFor(report.KindSecrets)), nil, nil},
		{"sbom", report.Names(report.FormatsFor(report.KindSBOM)), nil, nil},
		{"vuln", report.Names(report.FormatsFor(report.KindVuln)), []string{"--advisories", osv}, nil},
		{"files", []string{"table", "json"}, nil, nil},
		{"scan", report.Names(report.FormatsFor(report.KindScan)), []string{"--advisories", osv}, nil},
		{"diff", report.Names(report.FormatsFor(report.KindDiff)), []string{"--advisories", osv}, []string{abs(t, filepath.Join(examples, "hello-function.zip"))}},
	} {
		args := append(append([]string{c.cmd}, c.before...), fn)
		var keep []string
		for _, f := range c.formats {
			keep = append(keep, "out."+f)
			args = append(args, "--output", f+"=out."+f)
		}
		args = append(args, c.extra...)
		args = append(args, "--log-level", "debug")
		code, stdout, stderr := run(t, keep, args...)
		if code == 2 && c.cmd != "secrets" && c.cmd != "scan" && c.cmd != "diff" {
			t.Errorf("%s: exit 2: %s", c.cmd, stderr)
		}
		check(c.cmd+" stdout", stdout)
		check(c.cmd+" stderr", stderr)
		for _, k := range keep {
			b, err := os.ReadFile(k)
			if err != nil {
				t.Errorf("%s: %v", c.cmd, err)
				continue
			}
			check(c.cmd+" "+k, string(b))
		}
		if (c.cmd == "secrets" || c.cmd == "scan") && !strings.Contains(stderr, "serverless.yml") {
			t.Errorf("the config that does not parse is not named: %s", stderr)
		}
	}
	// And the table on standard output.
	_, stdout, stderr := run(t, nil, "secrets", fn, "--allow-partial")
	check("secrets table", stdout+stderr)
	if !strings.Contains(stdout, "sk_l…") {
		t.Errorf("the table should show the secrets' first characters:\n%s", stdout)
	}
}

// TestSecretsGate: first-party secrets fail; third-party ones are reported
// but fail only with --fail-on-third-party-secrets; ignored fingerprints and
// a baseline leave the findings out of the count.
func TestSecretsGate(t *testing.T) {
	fn := abs(t, filepath.Join(testdata, "secrets", "fn"))
	code, stdout, stderr := run(t, nil, "secrets", fn)
	if code != 1 || !strings.Contains(stdout, "third: left-pad@1.3.0") || !strings.Contains(stdout, "5 first-party, 2 in third-party packages; 5 fail the gate") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	// Only the third-party part of the fixture.
	third := t.TempDir()
	os.CopyFS(filepath.Join(third, "node_modules"), os.DirFS(filepath.Join(fn, "node_modules")))
	if code, stdout, stderr := run(t, nil, "secrets", third); code != 0 || !strings.Contains(stdout, "left-pad") {
		t.Errorf("third-party only: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, _ := run(t, nil, "secrets", third, "--fail-on-third-party-secrets"); code != 1 {
		t.Errorf("--fail-on-third-party-secrets: exit %d", code)
	}
	// A baseline of the same artifact: nothing new.
	base := filepath.Join(t.TempDir(), "base.json")
	run(t, nil, "secrets", fn, "--output", "json="+base)
	code, stdout, _ = run(t, nil, "secrets", fn, "--baseline", base)
	if code != 0 || !strings.Contains(stdout, "0 secret(s)") || !strings.Contains(stdout, "7 already in the baseline") {
		t.Errorf("baseline: exit %d\n%s", code, stdout)
	}
	// Ignore every first-party finding by fingerprint, one rule expired.
	b, _ := os.ReadFile(base)
	rep, err := report.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	cfg := "secrets:\n  ignore:\n"
	n := 0
	for _, f := range rep.Deployments[0].Secrets.Findings {
		if f.ThirdParty == nil {
			expires := "2999-01-01"
			if n == 0 {
				expires = "2001-01-01"
			}
			cfg += fmt.Sprintf("    - fingerprint: %s\n      reason: test key, revoked\n      expires: %s\n", f.Fingerprint, expires)
			n++
		}
	}
	cfgFile := filepath.Join(t.TempDir(), "shipcheck.yaml")
	os.WriteFile(cfgFile, []byte(cfg), 0o644)
	code, stdout, stderr = run(t, nil, "secrets", fn, "--config", cfgFile)
	if code != 1 || !strings.Contains(stdout, "4 suppressed") || !strings.Contains(stderr, "expired on 2001-01-01") || !strings.Contains(stdout, "1 fail the gate") {
		t.Errorf("ignored: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestSecretsSARIF: one result per finding, its first location the
// runtime path and line, the origin in the properties; valid SARIF.
func TestSecretsSARIF(t *testing.T) {
	schema := sarifSchema(t)
	planted := plantedSecrets(t)
	fn := abs(t, filepath.Join(testdata, "secrets", "fn"))
	run(t, []string{"s.sarif"}, "secrets", fn, "--output", "sarif=s.sarif")
	b, err := os.ReadFile("s.sarif")
	if err != nil {
		t.Fatal(err)
	}
	validSARIF(t, schema, b)
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Properties map[string]any `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range log.Runs[0].Results {
		l := r.Locations[0].PhysicalLocation
		got[fmt.Sprintf("%s:%d", l.ArtifactLocation.URI, l.Region.StartLine)] = r.Level + " " + fmt.Sprint(r.Properties["origin"])
	}
	want := map[string]string{}
	for k := range planted {
		path, line, _ := strings.Cut(k, ":")
		level := "error"
		if strings.HasPrefix(path, "node_modules/") || strings.HasPrefix(path, "requests/") {
			level = "warning"
		}
		want["var/task/"+path+":"+line] = level + " fn/" + path
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SARIF results (-want +got):\n%s", diff)
	}
}
