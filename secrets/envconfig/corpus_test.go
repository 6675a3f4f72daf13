package envconfig

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir holds example configuration files shared by the project's
// engineers (not part of this repository).
const corpusDir = "/work/shared/corpus/iac"

// TestCorpus detects and parses every file of the shared corpus when it is
// there: each must be detected, parse without error and set variables.
func TestCorpus(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Skipf("no corpus: %v", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		format := Detect(e.Name(), b[:min(len(b), 4096)])
		if format == "" {
			t.Errorf("%s: not detected", e.Name())
			continue
		}
		vars, err := Parse(format, b)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if len(vars) == 0 {
			t.Errorf("%s (%s): no variables", e.Name(), format)
		}
		for _, x := range vars {
			if x.Name == "" || x.Line < 1 {
				t.Errorf("%s: bad variable %+v", e.Name(), x)
			}
		}
	}
}
