// Package testshared finds ../shared (the corpus with its truth, and real
// OSV exports) for the tests of every package: beside the module's root,
// or at $SHIPCHECK_SHARED. Tests that compare against that truth skip with
// a message where it is missing, as in a user's fresh clone, except in CI
// (CI=true), where a missing truth fails the test: CI must never pass
// having checked less than it claims.
package testshared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared folder, or skips t (fails it in CI) when it is
// not there.
func Dir(t testing.TB) string {
	t.Helper()
	d, err := find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the shared corpus is missing (%v): the tests against the truth must run in CI", err)
		}
		t.Skipf("the shared corpus is not beside the checkout (%v): set SHIPCHECK_SHARED to test against it", err)
	}
	return d
}

// Optional returns the shared folder and true, or "" and false when it is
// not there, for tests that also run on the module's own fixtures; in CI a
// missing folder fails t.
func Optional(t testing.TB) (string, bool) {
	t.Helper()
	d, err := find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the shared corpus is missing (%v)", err)
		}
		t.Logf("the shared corpus is not beside the checkout (%v): the module's own fixtures only", err)
		return "", false
	}
	return d, true
}

func find() (string, error) {
	d := os.Getenv("SHIPCHECK_SHARED")
	if d == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		d = filepath.Join(root, "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(d, "corpus", "TRUTH.json")); err != nil {
		return "", err
	}
	return filepath.Abs(d)
}

// moduleRoot is the folder of the go.mod above the working folder (a
// test's working folder is its package's).
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", os.ErrNotExist
		}
		d = up
	}
}
