package sbom

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	old := []*Package{
		{Ecosystem: "npm", Name: "lodash", Version: "4.17.15"},
		{Ecosystem: "npm", Name: "left-pad", Version: "1.3.0"},
		{Ecosystem: "PyPI", Name: "requests", Version: "2.28.1"},
		{Ecosystem: "npm", Name: "ms", Version: "2.0.0"},
		{Ecosystem: "npm", Name: "fsevents", Version: "2.3.2", Excluded: true},
	}
	new := []*Package{
		{Ecosystem: "npm", Name: "lodash", Version: "4.17.21"},
		{Ecosystem: "PyPI", Name: "requests", Version: "2.28.1"},
		{Ecosystem: "npm", Name: "ms", Version: "2.0.0"},
		{Ecosystem: "npm", Name: "ms", Version: "2.1.3"},
		{Ecosystem: "npm", Name: "axios", Version: "1.7.0"},
	}
	want := PackageDiff{
		Added:   []Change{{Ecosystem: "npm", Name: "axios", New: []string{"1.7.0"}}},
		Removed: []Change{{Ecosystem: "npm", Name: "left-pad", Old: []string{"1.3.0"}}},
		Changed: []Change{
			{Ecosystem: "npm", Name: "lodash", Old: []string{"4.17.15"}, New: []string{"4.17.21"}},
			{Ecosystem: "npm", Name: "ms", Old: []string{"2.0.0"}, New: []string{"2.0.0", "2.1.3"}},
		},
	}
	if d := cmp.Diff(want, Diff(old, new)); d != "" {
		t.Error(d)
	}
}
