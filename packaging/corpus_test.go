package packaging

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/internal/testshared"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// sharedDir returns ../shared (see internal/testshared).
func sharedDir(t testing.TB) string { return testshared.Dir(t) }

type truthArtifact struct {
	Kind      string   `json:"kind"`
	Mount     string   `json:"mount"`
	PairsWith []string `json:"pairs_with"`
	Files     []string `json:"files"`
	Deleted   []string `json:"deleted"`
}

// TestCorpusFiles lists every artifact of the shared corpus, with the layers
// its truth pairs it with, and compares the regular files of the view with
// the truth's: none missing, none extra, none of the deleted ones.
func TestCorpusFiles(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "corpus")
	b, err := os.ReadFile(filepath.Join(dir, "TRUTH.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Artifacts map[string]truthArtifact `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	for name, a := range truth.Artifacts {
		t.Run(name, func(t *testing.T) {
			var layers []string
			want := append([]string{}, a.Files...)
			for _, l := range a.PairsWith {
				layers = append(layers, filepath.Join(dir, l))
				want = append(want, truth.Artifacts[l].Files...)
			}
			l, err := List(context.Background(), filepath.Join(dir, name), ListOptions{Options: Options{Layers: layers}, Hidden: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range l.Problems {
				if p.Partial() {
					t.Errorf("problem: %s", p)
				}
			}
			var got, hidden []string
			for _, f := range l.Files {
				if f.Type != archive.TypeFile {
					continue
				}
				p := f.Path
				if a.Mount == "" {
					// zip and dir artifacts of the truth: relative to their mount.
					m := l.Sources[f.Source].Mount
					p = strings.TrimPrefix(strings.TrimPrefix(p, m), "/")
				}
				if f.Status == Visible {
					got = append(got, p)
				} else {
					hidden = append(hidden, p)
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files (-truth +view):\n%s", diff)
			}
			for _, d := range a.Deleted {
				for _, g := range got {
					if g == d {
						t.Errorf("%s is deleted by a whiteout but in the view", d)
					}
				}
			}
			if len(a.Deleted) > 0 {
				// What a whiteout deletes still ships: the walk hands it out.
				sort.Strings(hidden)
				for _, d := range a.Deleted {
					if i := sort.SearchStrings(hidden, d); i == len(hidden) || hidden[i] != d {
						t.Errorf("%s (deleted by a whiteout) is not handed out as a hidden file", d)
					}
				}
			}
		})
	}
}
