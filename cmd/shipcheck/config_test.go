package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigPrecedence: defaults from the file, overridden by SHIPCHECK_*
// variables, overridden by flags.
func TestConfigPrecedence(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "orders-api.zip")) // one medium advisory in testdata/osv
	osv := abs(t, filepath.Join(testdata, "osv"))
	cfg := filepath.Join(t.TempDir(), "shipcheck.yaml")
	os.WriteFile(cfg, []byte("defaults:\n  fail-on: medium\n  advisories: "+osv+"\n"), 0o644)
	base := []string{"scan", fn, "--config", cfg, "--output", "json"}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
	}{
		{"file", nil, nil, 1},
		{"environment over file", map[string]string{"SHIPCHECK_FAIL_ON": "high"}, nil, 0},
		{"flag over environment", map[string]string{"SHIPCHECK_FAIL_ON": "high"}, []string{"--fail-on", "medium"}, 1},
		{"flag over file", nil, []string{"--fail-on", "critical"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, stderr := run(t, nil, append(append([]string{}, base...), c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, stderr)
			}
		})
	}
	t.Run("SHIPCHECK_CONFIG and a list default", func(t *testing.T) {
		cfg2 := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(cfg2, []byte("defaults:\n  advisories: "+osv+"\n  output: [table, json=report.json]\n"), 0o644)
		t.Setenv("SHIPCHECK_CONFIG", cfg2)
		code, stdout, stderr := run(t, []string{"report.json"}, "scan", fn)
		if code != 0 || !strings.Contains(stdout, "PASS") {
			t.Errorf("exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
	t.Run("unknown default", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		os.WriteFile(bad, []byte("defaults:\n  fail_on: low\n"), 0o644)
		code, _, stderr := run(t, nil, "scan", fn, "--config", bad)
		if code != 2 || !strings.Contains(stderr, "fail_on") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

// TestConfigInit: the example parses, is not overwritten, and its
// commented settings change nothing.
func TestConfigInit(t *testing.T) {
	code, _, stderr := run(t, []string{".shipcheck.yaml"}, "config", "init")
	if code != 0 {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "x.yaml")
	if code, _, stderr := run(t, nil, "config", "init", p); code != 0 {
		t.Fatalf("init FILE: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, nil, "config", "check", p); code != 0 || !strings.Contains(stdout, "0 default(s)") {
		t.Errorf("check: exit %d: %s %s", code, stdout, stderr)
	}
	if code, _, stderr := run(t, nil, "config", "init", p); code != 2 || !strings.Contains(stderr, "--force") {
		t.Errorf("second init: exit %d: %s", code, stderr)
	}
}

// TestSecretAllow: a secret under an allowed path is suppressed with the
// reason and no longer fails the gate.
func TestSecretAllow(t *testing.T) {
	fn := abs(t, filepath.Join(testdata, "secrets", "fn"))
	cfg := filepath.Join(t.TempDir(), "shipcheck.yaml")
	os.WriteFile(cfg, []byte("secrets:\n  allow:\n    - path: /var/task/**\n      reason: fixture credentials\n"), 0o644)
	code, stdout, stderr := run(t, nil, "secrets", fn, "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "fixture credentials") {
		t.Errorf("exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	os.WriteFile(cfg, []byte("secrets:\n  allow:\n    - path: /var/task/*.ini\n      rule: password-assignment\n      reason: local settings\n"), 0o644)
	code, stdout, _ = run(t, nil, "secrets", fn, "--config", cfg)
	if code != 1 || strings.Count(stdout, "local settings") != 1 {
		t.Errorf("one finding allowed: exit %d\n%s", code, stdout)
	}
}

// TestConfigErrors: config check refuses what scan would refuse, and every
// error names the file, the line and the key in the file's words (no Go
// type names).
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	big := "# " + strings.Repeat("x", 2<<20) + "\n"
	for _, c := range []struct {
		yaml string
		want []string
	}{
		{"defaults:\n  fail-on: high\nignroe:\n  - id: X\n", []string{"line 3", `unknown key "ignroe"`, "ignore, secrets, permissions, defaults"}},
		{"permissions:\n  ignore:\n    - rule: SC-IAM-002\n      reasn: x\n", []string{"line 4", `"reasn"`, "rule, function, file, reason, expires"}},
		{"permissions:\n  ignore:\n    - rule: SC-IAM-999\n      reason: x\n", []string{`"SC-IAM-999" is not a rule id`}},
		{"secrets:\n  ignore:\n    - fingerprint: sc1:0123456789abcdef0123456789abcdef\n      reasn: x\n", []string{"line 4", `"reasn"`, "fingerprint, reason, expires"}},
		{"ignore: yes\n", []string{"line 1", "must be written as a list"}},
		{"defaults:\n  fail-on: high\n---\nignore:\n  - id: X\n    reason: y\n", []string{"a second YAML document"}},
		{"defaults: {fail-on: severe}\n", []string{"defaults", `"severe"`}},
		{"defaults: {output: [yaml]}\n", []string{"defaults", `unknown format "yaml"`}},
		{"defaults: {offline: maybe}\n", []string{"offline", "must be true or false"}},
		{big, []string{"a configuration is a few KB"}},
	} {
		p := filepath.Join(dir, "c.yaml")
		os.WriteFile(p, []byte(c.yaml), 0o644)
		code, _, stderr := run(t, nil, "config", "check", p)
		ok := code == 2 && strings.Contains(stderr, p)
		for _, w := range c.want {
			ok = ok && strings.Contains(stderr, w)
		}
		if !ok || strings.Contains(stderr, "shipcheck.") || strings.Contains(stderr, "strconv") {
			t.Errorf("%.60q: exit %d: %s", c.yaml, code, stderr)
		}
	}
	p := filepath.Join(dir, "good.yaml")
	os.WriteFile(p, []byte("defaults: {fail-on: medium, output: [table]}\n"), 0o644)
	if code, _, stderr := run(t, nil, "config", "check", p); code != 0 {
		t.Errorf("a valid configuration: exit %d: %s", code, stderr)
	}
}
