package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/report"
)

// buildBinary builds shipcheck once for a test and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shipcheck")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// exe runs the built binary in dir with a fresh TMPDIR, no terminal.
func exe(t *testing.T, bin, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	tmp := t.TempDir()
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "NO_COLOR=1", "XDG_CACHE_HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("%v left files in TMPDIR: %v", args, left)
	}
	return code, out.String(), errb.String()
}

// cdxSchema compiles the CycloneDX 1.6 JSON schema offline.
func cdxSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, f := range []string{"bom-1.6.schema.json", "jsf-0.82.schema.json", "spdx.schema.json", "cryptography-defs.schema.json"} {
		b, err := os.ReadFile(filepath.Join(testdata, "schemas", f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestScanExitCodes runs the built binary on each case of the gate.
func TestScanExitCodes(t *testing.T) {
	bin := buildBinary(t)
	ex := abs(t, examples)
	osv := abs(t, filepath.Join(testdata, "osv"))
	fn := abs(t, filepath.Join(testdata, "secrets", "fn"))
	hostile := abs(t, filepath.Join(testdata, "hostile", "zip-dotdot.zip"))
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string // a part of stderr
	}{
		{"clean", []string{"scan", ex + "/hello-function.zip", "--layer", ex + "/hello-layer.zip", "--advisories", osv}, 0, ""},
		{"vulnerability below the threshold", []string{"scan", ex + "/orders-api.zip", "--advisories", osv}, 0, ""},
		{"vulnerability at the threshold", []string{"scan", ex + "/orders-api.zip", "--advisories", osv, "--fail-on", "medium"}, 1, "fail the gate"},
		{"first-party secret", []string{"scan", fn, "--advisories", osv}, 1, "first-party secrets"},
		{"secrets not gated", []string{"scan", fn, "--advisories", osv, "--fail-on-secrets=false"}, 0, ""},
		{"several deployments, one failing", []string{"scan", ex + "/hello-function.zip," + ex + "/hello-layer.zip", fn, "--advisories", osv}, 1, ""},
		{"missing artifact", []string{"scan", ex + "/no-such.zip", "--advisories", osv}, 2, "no-such.zip"},
		{"partly unreadable", []string{"scan", hostile, "--advisories", osv}, 2, "evil.txt"},
		{"partly unreadable, allowed", []string{"scan", hostile, "--advisories", osv, "--allow-partial"}, 0, "evil.txt"},
		{"no database, offline", []string{"scan", ex + "/hello-function.zip", "--db", t.TempDir(), "--offline"}, 2, "db import"},
		{"network refused, online", []string{"scan", ex + "/orders-api.zip", "--online", "--osv-api-url", "http://127.0.0.1:1/v1"}, 2, "127.0.0.1:1"},
		{"bad threshold", []string{"scan", ex + "/hello-function.zip", "--fail-on", "severe"}, 2, "--fail-on"},
		{"--layer with several deployments", []string{"scan", ex + "/hello-function.zip", fn, "--layer", ex + "/hello-layer.zip"}, 2, "--layer"},
		{"no deployment", []string{"scan"}, 2, "deployment"},
		{"bad third-party scan", []string{"scan", fn, "--advisories", osv, "--third-party-scan", "everything"}, 2, "third-party scan"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			code, _, stderr := exe(t, bin, dir, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, stderr)
			}
			if !strings.Contains(stderr, c.stderr) {
				t.Errorf("stderr does not say %q:\n%s", c.stderr, stderr)
			}
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("wrote into the working folder: %v", left)
			}
		})
	}
}

// TestScanOutputs: one run writes every format; SARIF and CycloneDX
// validate against their schemas; JSON, markdown and the SBOMs agree on
// the counts; several deployments give one SBOM file each.
func TestScanOutputs(t *testing.T) {
	bin := buildBinary(t)
	sarifS, cdxS := sarifSchema(t), cdxSchema(t)
	ex := abs(t, examples)
	osv := abs(t, filepath.Join(testdata, "osv"))
	fn := abs(t, filepath.Join(testdata, "secrets", "fn"))
	dir := t.TempDir()
	code, stdout, stderr := exe(t, bin, dir, "scan", ex+"/orders-api.zip", fn, "--advisories", osv, "--fail-on", "medium",
		"--output", "table", "--output", "json=r.json", "--output", "sarif=r.sarif", "--output", "markdown=summary.md",
		"--output", "cyclonedx-json=bom.json", "--output", "cyclonedx-xml=bom.xml", "--output", "spdx-json=bom.spdx.json")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "== orders-api.zip") || !strings.Contains(stdout, "== fn") || !strings.Contains(stdout, "FAIL:") {
		t.Errorf("the table does not group by deployment:\n%s", stdout)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rep, err := report.Decode(bytes.NewReader(read("r.json")))
	if err != nil {
		t.Fatal(err)
	}
	validJSON(t, scanSchema(t), read("r.json"), "r.json")
	if rep.Version != 2 || len(rep.Deployments) != 2 || rep.Failing == 0 {
		t.Fatalf("json: version %d, %d deployments, failing %d", rep.Version, len(rep.Deployments), rep.Failing)
	}
	orders, secretsFn := rep.Deployments[0], rep.Deployments[1]
	if len(orders.Vulns.Findings) == 0 || len(secretsFn.Secrets.Findings) == 0 || orders.Reads.Files == 0 {
		t.Fatalf("json: %d advisories in orders-api, %d secrets in fn", len(orders.Vulns.Findings), len(secretsFn.Secrets.Findings))
	}

	validSARIF(t, sarifS, read("r.sarif"))
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					Physical struct {
						Artifact struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
					Logical []struct {
						Name string `json:"name"`
						FQN  string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	json.Unmarshal(read("r.sarif"), &log)
	if n := len(log.Runs[0].Results); n != len(orders.Vulns.Findings)+len(secretsFn.Secrets.Findings)+len(orders.Secrets.Findings)+len(secretsFn.Vulns.Findings) {
		t.Errorf("sarif: %d results for %d findings", n, len(orders.Vulns.Findings)+len(secretsFn.Secrets.Findings))
	}

	// Each result names the artifact and the path inside it.
	for _, r := range log.Runs[0].Results {
		if len(r.Locations) == 0 || len(r.Locations[0].Logical) == 0 {
			t.Errorf("%s: no location naming the artifact", r.RuleID)
			continue
		}
		l := r.Locations[0]
		if a := l.Logical[0].Name; a != "orders-api.zip" && a != "fn" || !strings.HasPrefix(l.Logical[0].FQN, l.Logical[0].Name) || !strings.HasPrefix(l.Physical.Artifact.URI, "var/task/") {
			t.Errorf("%s: location %+v", r.RuleID, l)
		}
	}

	// One SBOM per deployment, named after it.
	for _, d := range rep.Deployments {
		base := strings.TrimSuffix(d.Name, filepath.Ext(d.Name))
		b := read("bom." + base + ".json")
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := cdxS.Validate(doc); err != nil {
			t.Errorf("bom.%s.json is not valid CycloneDX 1.6: %v", base, err)
		}
		var bom struct {
			Components      []json.RawMessage `json:"components"`
			Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
		}
		json.Unmarshal(b, &bom)
		if len(bom.Vulnerabilities) != len(d.Vulns.Findings) {
			t.Errorf("%s: %d vulnerabilities in the SBOM, %d in the JSON", d.Name, len(bom.Vulnerabilities), len(d.Vulns.Findings))
		}
		if err := xml.Unmarshal(read("bom."+base+".xml"), new(struct{})); err != nil {
			t.Errorf("bom.%s.xml: %v", base, err)
		}
		var spdxDoc struct {
			SPDXVersion string            `json:"spdxVersion"`
			Packages    []json.RawMessage `json:"packages"`
		}
		if err := json.Unmarshal(read("bom.spdx."+base+".json"), &spdxDoc); err != nil || spdxDoc.SPDXVersion != "SPDX-2.3" {
			t.Errorf("bom.spdx.%s.json: %v %q", base, err, spdxDoc.SPDXVersion)
		}
	}

	// The markdown renders the counts the JSON holds.
	md := string(read("summary.md"))
	if !strings.Contains(md, fmt.Sprintf(":x: %d finding(s) fail the gate", rep.Failing)) {
		t.Errorf("markdown verdict:\n%s", md)
	}
	for _, d := range rep.Deployments {
		levels := map[string]int{}
		for _, v := range d.Vulns.Findings {
			levels[string(v.Rating.Level)]++
		}
		first, third := 0, 0
		for _, s := range d.Secrets.Findings {
			if s.ThirdParty != nil {
				third++
			} else {
				first++
			}
		}
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(d.Name) + ` \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|`).FindStringSubmatch(md)
		if row == nil {
			t.Errorf("no markdown row for %s:\n%s", d.Name, md)
			continue
		}
		want := []string{fmt.Sprint(len(d.Packages)), fmt.Sprint(levels["critical"]), fmt.Sprint(levels["high"]), fmt.Sprint(levels["medium"]),
			fmt.Sprint(levels["low"] + levels["none"]), fmt.Sprint(levels["unknown"]), fmt.Sprint(first), fmt.Sprint(third)}
		if got := row[1:]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("markdown row for %s: %v, JSON says %v", d.Name, got, want)
		}
	}
	// Nothing else was written: no temporary files left by the atomic writes.
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	want := "bom.fn.json bom.fn.xml bom.orders-api.json bom.orders-api.xml bom.spdx.fn.json bom.spdx.orders-api.json r.json r.sarif summary.md"
	if strings.Join(names, " ") != want {
		t.Errorf("files written: %v\nwant %s", names, want)
	}
}

func TestParseTargets(t *testing.T) {
	dir := t.TempDir()
	comma := filepath.Join(dir, "fn,v2.zip")
	os.WriteFile(comma, []byte("x"), 0o644)
	deps, err := shipcheck.ParseTargets([]string{"a/fn.zip,l1.zip,l2.zip", "b/fn.zip", comma}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s %v | %s %v | %s %v", deps[0].Artifact, deps[0].Layers, deps[1].Artifact, deps[1].Layers, filepath.Base(deps[2].Artifact), deps[2].Layers)
	want := "a/fn.zip [l1.zip l2.zip] | b/fn.zip [] | fn,v2.zip []"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := shipcheck.ParseTargets([]string{"a.zip", "b.zip"}, []string{"l.zip"}); err == nil {
		t.Error("--layer with several deployments accepted")
	}
	if _, err := shipcheck.ParseTargets([]string{"a.zip,,l.zip"}, nil); err == nil {
		t.Error("an empty name accepted")
	}
}

// scanSchema compiles the published schema of the JSON report.
func scanSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	b, err := os.ReadFile(filepath.Join(testdata, "schemas", "shipcheck-report-2.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("shipcheck-report-2.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("shipcheck-report-2.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validJSON(t *testing.T, s *jsonschema.Schema, b []byte, name string) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("%s does not follow shipcheck-report-2.schema.json: %v", name, err)
	}
}

// TestScanJSONSchema: the JSON of a Go binary with reachability, an image,
// a layer, and an artifact read in part all follow the published schema.
func TestScanJSONSchema(t *testing.T) {
	schema := scanSchema(t)
	ex := abs(t, examples)
	cases := [][]string{
		{"scan", ex + "/go-function.zip", "--advisories", abs(t, filepath.Join(testdata, "goreach", "advisories"))},
		{"scan", ex + "/image.tar", ex + "/hello-function.zip," + ex + "/hello-layer.zip", "--advisories", abs(t, filepath.Join(testdata, "osv"))},
		{"scan", abs(t, filepath.Join(testdata, "hostile", "zip-dotdot.zip")), "--allow-partial", "--advisories", abs(t, filepath.Join(testdata, "osv"))},
	}
	for _, args := range cases {
		code, stdout, stderr := run(t, nil, append(args, "--output", "json")...)
		if code == 2 {
			t.Fatalf("%v: exit 2: %s", args, stderr)
		}
		validJSON(t, schema, []byte(stdout), strings.Join(args[:2], " "))
	}
}

// TestNoStrayFiles: a scan that analyses a Go binary writes nothing under
// the user's home (Go telemetry of the go commands libraries run went to
// ~/.config/go/telemetry) beyond the cache folder.
func TestNoStrayFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CONFIG_HOME decides os.UserConfigDir on Linux")
	}
	bin := buildBinary(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	code, _, stderr := exe(t, bin, t.TempDir(), "scan", abs(t, filepath.Join(examples, "go-function.zip")),
		"--advisories", abs(t, filepath.Join(testdata, "goreach", "advisories")), "--no-cache")
	if code == 2 {
		t.Fatalf("exit 2: %s", stderr)
	}
	var stray []string
	filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			stray = append(stray, p)
		}
		return nil
	})
	if len(stray) > 0 {
		t.Errorf("files written under HOME: %v", stray)
	}
}
