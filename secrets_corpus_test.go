package shipcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

type truthSecret struct {
	Path     string `json:"path"`
	Line     int    `json:"line"`
	Value    string `json:"value"`
	Kind     string `json:"kind"`
	Deleted  bool   `json:"deleted_layer"`
	Encoding string `json:"encoding"`
}

type truthDecoy struct {
	Path  string `json:"path"`
	Line  int    `json:"line"`
	Value string `json:"value"`
	Why   string `json:"why"`
}

// TestCorpusSecrets scans every corpus artifact (with the layers its truth
// pairs it with) and compares with the truth: every planted secret found at
// its path and line (secrets in files a later image layer deletes
// included), no decoy reported, and nothing else reported outside
// third-party packages.
func TestCorpusSecrets(t *testing.T) {
	dir, _ := loadTruth(t)
	b, err := os.ReadFile(filepath.Join(dir, "TRUTH.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Artifacts map[string]struct {
			Mount     string        `json:"mount"`
			PairsWith []string      `json:"pairs_with"`
			Secrets   []truthSecret `json:"secrets"`
			Decoys    []truthDecoy  `json:"decoys"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	for name, a := range truth.Artifacts {
		t.Run(name, func(t *testing.T) {
			var layers []string
			want := map[string]truthSecret{}
			decoys := map[string]truthDecoy{}
			add := func(mount string, ss []truthSecret, ds []truthDecoy) {
				for _, s := range ss {
					want[fmt.Sprintf("%s:%d", strings.TrimPrefix(s.Path, "/"), s.Line)] = s
				}
				for _, d := range ds {
					decoys[fmt.Sprintf("%s:%d", strings.TrimPrefix(d.Path, "/"), d.Line)] = d
				}
			}
			add(a.Mount, a.Secrets, a.Decoys)
			for _, l := range a.PairsWith {
				layers = append(layers, filepath.Join(dir, l))
				la := truth.Artifacts[l]
				add(la.Mount, la.Secrets, la.Decoys)
			}
			rep, err := Secrets(context.Background(), filepath.Join(dir, name), SecretsOptions{Options: Options{Options: packagingOptions(layers)}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			var extra []string
			for _, f := range rep.Findings {
				p := f.Path
				if a.Mount == "" {
					p = relativeToMount(rep.Inventory, p)
				}
				key := fmt.Sprintf("%s:%d", strings.TrimPrefix(p, "/"), f.Line)
				got[key] = true
				w, planted := want[key]
				switch {
				case planted && w.Deleted && f.Status != "deleted":
					t.Errorf("%s: found, but not marked as in a deleted file (%q)", key, f.Status)
				case planted:
				default:
					d, decoy := decoys[key]
					if !decoy && f.ThirdParty != nil {
						// Not planted, but shipped by the package's own
						// authors (debug 2.6.8's .coveralls.yml repo token):
						// reported, marked, not failing the gate.
						t.Logf("also reported, in %s %s: %s %s", f.ThirdParty.Name, f.ThirdParty.Version, key, f.RuleID)
						continue
					}
					why := ""
					if decoy {
						why = " (a decoy: " + d.Why + ")"
					}
					extra = append(extra, fmt.Sprintf("%s %s%s", key, f.RuleID, why))
				}
			}
			var missed []string
			for k, s := range want {
				if !got[k] {
					missed = append(missed, k+" "+s.Kind)
				}
			}
			sort.Strings(missed)
			sort.Strings(extra)
			if len(missed)+len(extra) > 0 {
				t.Errorf("secrets differ from the truth:\nmissed:   %s\nreported: %s", strings.Join(missed, "\n          "), strings.Join(extra, "\n          "))
			}
		})
	}
}
