package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoSilentPass: each row of issue 14's table of inputs that used to
// end in exit 0 having checked nothing: each is read as what it is, or
// refused with exit 2 and a message that names the problem and the fix.
func TestNoSilentPass(t *testing.T) {
	dir := t.TempDir()
	orders := abs(t, filepath.Join(examples, "orders-api.zip"))
	osv := abs(t, filepath.Join(testdata, "osv"))
	spdx := filepath.Join(dir, "bom.spdx.json")
	if code, _, stderr := run(t, nil, "sbom", orders, "--output", "spdx-json="+spdx); code != 0 {
		t.Fatalf("sbom: exit %d: %s", code, stderr)
	}
	empty := filepath.Join(dir, "empty.json")
	os.WriteFile(empty, []byte("{}"), 0o644)
	emptyZip := filepath.Join(dir, "empty.zip")
	f, _ := os.Create(emptyZip)
	zip.NewWriter(f).Close()
	f.Close()
	emptyDir := filepath.Join(dir, "build")
	os.Mkdir(emptyDir, 0o755)
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte(`{"foo":1}`), 0o644)
	config := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	severe := config("severe.yaml", "defaults:\n  fail-on: severe\n")
	yamlOut := config("yaml-out.yaml", "defaults:\n  output: [yaml]\n")
	typo := config("typo.yaml", "# ours\nignroe:\n  - id: GHSA-xxxx\n")

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"vuln", "--sbom", spdx, "--advisories", osv, "--fail-on", "medium"}, 1, "NSWG-ECO-516"},
		{[]string{"vuln", "--sbom", empty, "--advisories", osv}, 2, "not an SBOM this reads"},
		{[]string{"scan", emptyZip, "--advisories", osv}, 2, "nothing to scan"},
		{[]string{"secrets", emptyDir}, 2, "nothing to scan"},
		{[]string{"sbom", emptyDir}, 2, "--allow-empty"},
		{[]string{"scan", emptyDir, "--advisories", osv, "--allow-empty"}, 0, "PASS"},
		{[]string{"secrets", orders, "--baseline", junk}, 2, "junk.json"},
		{[]string{"scan", orders, "--advisories", osv, "--baseline", junk}, 2, "junk.json"},
		{[]string{"db", "updte"}, 2, `did you mean "update"`},
		{[]string{"config", "bogus"}, 2, `unknown command "bogus"`},
		{[]string{"config", "check", severe}, 2, "severe"},
		{[]string{"scan", orders, "--advisories", osv, "--config", severe}, 2, "severe"},
		{[]string{"config", "check", yamlOut}, 2, "yaml"},
		{[]string{"scan", orders, "--advisories", osv, "--config", yamlOut}, 2, "yaml"},
		{[]string{"config", "check", typo}, 2, `line 2: unknown key "ignroe" (the keys here are ignore`},
		{[]string{"scan", orders, "--advisories", osv, "--config", typo}, 2, "ignroe"},
	} {
		code, stdout, stderr := run(t, nil, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", c.args, code, c.code, c.want, stdout, stderr)
		}
	}
}

// TestSymlinkEntries: a zip entry whose mode says symlink and whose
// "target" is data (lines, a credential) is read as a file and scanned; a
// link's target is never printed in a problem; a credential as a plain
// link target is found, redacted.
func TestSymlinkEntries(t *testing.T) {
	const token = "ghp_R4nd0mT0k3nF0rTh3Sh1pch3ckT3stQ9xYzW"
	dir := t.TempDir()
	p := filepath.Join(dir, "fn.zip")
	f, _ := os.Create(p)
	w := zip.NewWriter(f)
	add := func(name, content string, link bool) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if link {
			h.SetMode(os.ModeSymlink | 0o777)
		} else {
			h.SetMode(0o644)
		}
		e, _ := w.CreateHeader(h)
		e.Write([]byte(content))
	}
	add("index.js", "exports.handler = async () => 1;\n", false)
	add("config.txt", "# deploy settings\nGITHUB_TOKEN="+token+"\n", true)
	add("token-link", token, true)
	w.Close()
	f.Close()
	code, stdout, stderr := run(t, nil, "secrets", p, "--output", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the tokens found): %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, token) {
		t.Errorf("the token is printed in clear:\n%s%s", stdout, stderr)
	}
	if !strings.Contains(stderr, "not a path; read as a file") || strings.Count(stdout, `"rule": "github-pat"`) != 2 {
		t.Errorf("want the data-as-link note and two github-pat findings:\n%s%s", stdout, stderr)
	}
}

// TestStoredEntryCRC: one flipped byte in a stored (uncompressed) entry
// made lodash 4.17.15 read as 4.17.25 and its advisory disappear, exit 0;
// every command now reads the entry through its checksum: exit 2.
func TestStoredEntryCRC(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "fn.zip")
	f, _ := os.Create(p)
	w := zip.NewWriter(f)
	for name, body := range map[string]string{
		"package.json":                      `{"name":"fn","version":"1.0.0","dependencies":{"lodash":"4.17.15"}}`,
		"node_modules/lodash/package.json":  `{"name":"lodash","version":"4.17.15"}`,
		"node_modules/lodash/lodash.min.js": "module.exports = {};\n",
	} {
		e, _ := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		e.Write([]byte(body))
	}
	w.Close()
	f.Close()
	b, _ := os.ReadFile(p)
	i := strings.Index(string(b), `"version":"4.17.15"}`)
	if i < 0 {
		t.Fatal("no stored version in the zip")
	}
	b[i+len(`"version":"4.17.1`)] = '2' // 4.17.15 -> 4.17.25, the CRC unchanged
	os.WriteFile(p, b, 0o644)
	osv := abs(t, filepath.Join(testdata, "osv"))
	for _, args := range [][]string{{"scan", p, "--advisories", osv}, {"vuln", p, "--advisories", osv}, {"sbom", p}, {"secrets", p}} {
		code, _, stderr := run(t, nil, args...)
		if code != 2 || !strings.Contains(stderr, "checksum") {
			t.Errorf("%v: exit %d, want 2 naming the checksum: %s", args[0], code, stderr)
		}
	}
}
