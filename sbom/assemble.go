package sbom

import (
	"path"

	"github.com/package-url/packageurl-go"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Assemble merges what the extractors found into the inventory: one package
// per purl with every place it was found; declared-only packages marked, and
// excluded where their ecosystem has installed packages; the copies the
// runtime does not load marked as shadowed; dependency names resolved to
// package IDs. The result is sorted by purl.
func Assemble(found []*Package) []*Package {
	// Installed copies first, so that a component takes its purl and its
	// first location from one; then a stable order, so that the same input
	// gives the same output whatever order the walk found it in.
	found = slices.Clone(found)
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if da, db := declaredAt(a), declaredAt(b); da != db {
			return !da
		}
		if a.PURL != b.PURL {
			return a.PURL < b.PURL
		}
		return firstPath(a) < firstPath(b)
	})
	byKey := map[string]*Package{}
	var out []*Package
	for _, p := range found {
		if p == nil || p.Name == "" {
			continue
		}
		key := string(p.Type) + " " + mergeKey(p)
		m := byKey[key]
		if m == nil {
			c := *p
			c.Locations = nil
			c.deps = nil
			byKey[key] = &c
			out = append(out, &c)
			m = &c
		}
		merge(m, p)
	}
	installed := map[string]bool{}
	for _, p := range out {
		sortLocations(p.Locations)
		p.DeclaredOnly = true
		for _, l := range p.Locations {
			p.DeclaredOnly = p.DeclaredOnly && l.Declared
		}
		if !p.DeclaredOnly && p.Type != Application {
			installed[baseEcosystem(p.Ecosystem)] = true
		}
	}
	for _, p := range out {
		p.Excluded = p.DeclaredOnly && p.Type != Application && installed[baseEcosystem(p.Ecosystem)]
	}
	markShadowed(out)
	for _, p := range out {
		sortLocations(p.Locations) // the copy the runtime loads first
	}
	resolveDeps(out)
	markDirect(out)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].PURL != out[j].PURL {
			return out[i].PURL < out[j].PURL
		}
		return out[i].Type < out[j].Type
	})
	assignIDs(out)
	return out
}

// mergeKey identifies a package whatever the qualifiers of its purl.
func mergeKey(p *Package) string {
	if u, err := packageurl.FromString(p.PURL); err == nil {
		return u.Type + "/" + u.Namespace + "/" + u.Name + "@" + u.Version
	}
	return p.Ecosystem + " " + p.Name + "@" + p.Version
}

func declaredAt(p *Package) bool { return len(p.Locations) > 0 && p.Locations[0].Declared }

func firstPath(p *Package) string {
	if len(p.Locations) == 0 {
		return ""
	}
	return p.Locations[0].Path
}

func merge(m, p *Package) {
	for _, l := range p.Locations {
		dup := false
		for _, k := range m.Locations {
			dup = dup || k.Path == l.Path && k.Declared == l.Declared && k.Line == l.Line
		}
		if !dup {
			m.Locations = append(m.Locations, l)
		}
	}
	m.Licenses = union(m.Licenses, p.Licenses)
	m.FoundBy = union(m.FoundBy, p.FoundBy)
	m.deps = union(m.deps, p.deps)
	for _, h := range p.Hashes {
		if !slices.Contains(m.Hashes, h) {
			m.Hashes = append(m.Hashes, h)
		}
	}
	if p.Direct != nil && (m.Direct == nil || *p.Direct) {
		d := *p.Direct
		m.Direct = &d
	}
	if m.SourceName == "" {
		m.SourceName = p.SourceName
	}
	if m.SourceVersion == "" {
		m.SourceVersion = p.SourceVersion
	}
}

func union(a, b []string) []string {
	for _, s := range b {
		if s != "" && !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

func sortLocations(ls []Location) {
	sort.SliceStable(ls, func(i, j int) bool {
		if ls[i].Declared != ls[j].Declared {
			return !ls[i].Declared // installed copies first
		}
		if ls[i].Shadowed != ls[j].Shadowed {
			return !ls[i].Shadowed // then the one the runtime loads
		}
		if ls[i].Path != ls[j].Path {
			return ls[i].Path < ls[j].Path
		}
		return ls[i].Line < ls[j].Line
	})
}

// baseEcosystem drops an OSV ecosystem's release: "Debian:12" -> "Debian".
func baseEcosystem(e string) string {
	b, _, _ := strings.Cut(e, ":")
	return b
}

// NormalizeName returns the name as the ecosystem compares names: PEP 503
// for PyPI, lower case for the case-insensitive ecosystems.
func NormalizeName(ecosystem, name string) string {
	switch baseEcosystem(ecosystem) {
	case "PyPI":
		return strings.ToLower(pep503.ReplaceAllString(name, "-"))
	case "NuGet", "Packagist", "Debian", "Alpine":
		return strings.ToLower(name)
	}
	return name
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// searchRoot returns where an installed package sits in its runtime's search
// order: rank 0 is searched first. ok is false for a copy that is not at
// the top level of a search root (a nested node_modules, a vendored copy),
// which no other root can shadow.
func searchRoot(ecosystem, p string) (rank int, root string, ok bool) {
	switch baseEcosystem(ecosystem) {
	case "npm":
		// Node looks in the function's node_modules first, then NODE_PATH:
		// /opt/nodejs/nodeNN/node_modules, /opt/nodejs/node_modules.
		i := strings.LastIndex(p, "/node_modules/")
		if i < 0 {
			return 0, "", false
		}
		root = p[:i+len("/node_modules")]
		if strings.Contains(root, "!") {
			return 0, "", false
		}
		rest := p[len(root)+1:]
		if n := strings.Count(rest, "/"); n != 1 && !(n == 2 && strings.HasPrefix(rest, "@")) {
			return 0, "", false
		}
		switch {
		case root == "/var/task/node_modules":
			return 0, root, true
		case nodeVersioned.MatchString(root):
			return 1, root, true
		case root == "/opt/nodejs/node_modules":
			return 2, root, true
		}
	case "PyPI":
		// sys.path on Lambda: /var/task, then the layer's site-packages,
		// then /opt/python.
		dir := path.Dir(path.Dir(p)) // the folder holding NAME.dist-info
		switch {
		case dir == "/var/task":
			return 0, dir, true
		case pythonSite.MatchString(dir):
			return 1, dir, true
		case dir == "/opt/python":
			return 2, dir, true
		}
	case "RubyGems":
		// GEM_PATH: the function's bundle, then the layer's gems.
		dir := path.Dir(path.Dir(p))
		switch {
		case strings.HasPrefix(dir, "/var/task/"):
			return 0, dir, true
		case strings.HasPrefix(dir, "/opt/ruby/"):
			return 1, dir, true
		}
	case "Maven":
		// The classpath: the function's jars, then /opt/java/lib.
		jar, _, _ := strings.Cut(p, "!")
		dir := path.Dir(jar)
		switch {
		case strings.HasPrefix(jar, "/var/task/"):
			return 0, dir, true
		case strings.HasPrefix(dir, "/opt/java/lib"):
			return 1, dir, true
		}
	}
	return 0, "", false
}

var (
	nodeVersioned = regexp.MustCompile(`^/opt/nodejs/node\d+/node_modules$`)
	pythonSite    = regexp.MustCompile(`^/opt/python/lib/python3\.\d+/site-packages$`)
)

// markShadowed finds names installed at the top of more than one search
// root of the runtime (a function and its layers) and marks every copy but
// the one searched first.
func markShadowed(pkgs []*Package) {
	type copyAt struct {
		p    *Package
		loc  int
		rank int
	}
	groups := map[string][]copyAt{}
	for _, p := range pkgs {
		if p.Type == Application {
			continue
		}
		for i, l := range p.Locations {
			if l.Declared {
				continue
			}
			if rank, _, ok := searchRoot(p.Ecosystem, l.Path); ok {
				k := baseEcosystem(p.Ecosystem) + " " + NormalizeName(p.Ecosystem, p.Name)
				groups[k] = append(groups[k], copyAt{p, i, rank})
			}
		}
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		sort.SliceStable(g, func(i, j int) bool {
			if g[i].rank != g[j].rank {
				return g[i].rank < g[j].rank
			}
			return g[i].p.Locations[g[i].loc].Path < g[j].p.Locations[g[j].loc].Path
		})
		first := g[0]
		loaded := first.p.Locations[first.loc].Path
		for _, c := range g[1:] {
			if c.rank == first.rank {
				continue // the same root: not a question of order
			}
			c.p.Locations[c.loc].Shadowed = true
		}
		// A package none of whose installed copies is loaded is shadowed.
		for _, c := range g[1:] {
			if c.p == first.p || c.rank == first.rank {
				continue
			}
			all := true
			for _, l := range c.p.Locations {
				all = all && (l.Declared || l.Shadowed)
			}
			if all {
				c.p.ShadowedBy = loaded
			}
		}
	}
}

// resolveDeps turns dependency names into package IDs (resolved after IDs
// are assigned): for npm, the copy Node would find from the dependent's
// folder; elsewhere the one installed package of that name.
func resolveDeps(pkgs []*Package) {
	byName := map[string][]*Package{}
	for _, p := range pkgs {
		k := baseEcosystem(p.Ecosystem) + " " + NormalizeName(p.Ecosystem, p.Name)
		byName[k] = append(byName[k], p)
	}
	for _, p := range pkgs {
		for _, d := range p.deps {
			cands := byName[baseEcosystem(p.Ecosystem)+" "+NormalizeName(p.Ecosystem, d)]
			if t := pickDep(p, d, cands); t != nil && t != p {
				p.DependsOn = append(p.DependsOn, t.PURL)
			}
		}
	}
}

func pickDep(from *Package, name string, cands []*Package) *Package {
	var installed []*Package
	for _, c := range cands {
		if !c.DeclaredOnly && c.Type != Application {
			installed = append(installed, c)
		}
	}
	switch {
	case len(installed) == 1:
		return installed[0]
	case len(installed) == 0:
		if len(cands) == 1 && cands[0].Type != Application {
			return cands[0]
		}
		return nil
	}
	if baseEcosystem(from.Ecosystem) != "npm" || len(from.Locations) == 0 {
		return nil
	}
	at := map[string]*Package{}
	for _, c := range installed {
		for _, l := range c.Locations {
			if !l.Declared {
				at[l.Path] = c
			}
		}
	}
	// Node's resolution: node_modules from the dependent's folder up to the
	// root, then NODE_PATH.
	for dir := path.Dir(from.Locations[0].Path); ; dir = path.Dir(dir) {
		if c := at[path.Join(dir, "node_modules", name, "package.json")]; c != nil {
			return c
		}
		if dir == "/" || dir == "." {
			break
		}
	}
	for _, root := range []string{"/opt/nodejs/node_modules"} {
		if c := at[path.Join(root, name, "package.json")]; c != nil {
			return c
		}
	}
	return nil
}

// markDirect marks what an application names itself as direct, and the
// other installed packages of its ecosystem as transitive.
func markDirect(pkgs []*Package) {
	byPURL := map[string]*Package{}
	apps := map[string]bool{}
	for _, p := range pkgs {
		byPURL[p.PURL] = p
	}
	yes, no := true, false
	for _, p := range pkgs {
		// A Go binary records every module linked, not which the main
		// module requires itself.
		if p.Type != Application || len(p.DependsOn) == 0 || p.Ecosystem == "Go" {
			continue
		}
		apps[baseEcosystem(p.Ecosystem)] = true
		for _, d := range p.DependsOn {
			if t := byPURL[d]; t != nil {
				t.Direct = &yes
			}
		}
	}
	for _, p := range pkgs {
		if p.Type != Application && p.Direct == nil && apps[baseEcosystem(p.Ecosystem)] && !p.DeclaredOnly {
			p.Direct = &no
		}
	}
}

// assignIDs gives each package its purl as ID, made unique, and rewrites
// dependency references to IDs.
func assignIDs(pkgs []*Package) {
	seen := map[string]int{}
	idOf := map[string]string{}
	for _, p := range pkgs {
		id := p.PURL
		if id == "" {
			id = "pkg:generic/" + p.Name + "@" + p.Version
		}
		seen[id]++
		if n := seen[id]; n > 1 {
			id += "#" + strconv.Itoa(n)
		}
		if _, ok := idOf[p.PURL]; !ok {
			idOf[p.PURL] = id
		}
		p.ID = id
	}
	for _, p := range pkgs {
		var ids []string
		for _, d := range p.DependsOn {
			if id, ok := idOf[d]; ok && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		p.DependsOn = ids
	}
}
