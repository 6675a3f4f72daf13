package sbom

import (
	"slices"
	"sort"
)

// Change is a package whose presence or versions differ between two
// inventories: Old and New are the versions each holds (none where it is
// absent).
type Change struct {
	Ecosystem string   `json:"ecosystem"`
	Name      string   `json:"name"`
	Old       []string `json:"old,omitempty"`
	New       []string `json:"new,omitempty"`
}

// PackageDiff is what changed between two inventories.
type PackageDiff struct {
	Added   []Change `json:"added"`
	Removed []Change `json:"removed"`
	Changed []Change `json:"changed"`
}

// Diff compares the packages that ship in two inventories (declared pins
// that do not ship are left out), by ecosystem and name.
func Diff(old, new []*Package) PackageDiff {
	versions := func(ps []*Package) map[[2]string][]string {
		m := map[[2]string][]string{}
		for _, p := range ps {
			if p.Excluded {
				continue
			}
			k := [2]string{p.Ecosystem, p.Name}
			if !slices.Contains(m[k], p.Version) {
				m[k] = append(m[k], p.Version)
			}
		}
		for k := range m {
			sort.Strings(m[k])
		}
		return m
	}
	o, n := versions(old), versions(new)
	d := PackageDiff{Added: []Change{}, Removed: []Change{}, Changed: []Change{}}
	for k, nv := range n {
		ov, ok := o[k]
		switch {
		case !ok:
			d.Added = append(d.Added, Change{Ecosystem: k[0], Name: k[1], New: nv})
		case !slices.Equal(ov, nv):
			d.Changed = append(d.Changed, Change{Ecosystem: k[0], Name: k[1], Old: ov, New: nv})
		}
	}
	for k, ov := range o {
		if _, ok := n[k]; !ok {
			d.Removed = append(d.Removed, Change{Ecosystem: k[0], Name: k[1], Old: ov})
		}
	}
	for _, cs := range [][]Change{d.Added, d.Removed, d.Changed} {
		sort.Slice(cs, func(i, j int) bool {
			if cs[i].Ecosystem != cs[j].Ecosystem {
				return cs[i].Ecosystem < cs[j].Ecosystem
			}
			return cs[i].Name < cs[j].Name
		})
	}
	return d
}
