package secrets

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/shipcheck/shipcheck/sbom"
)

// Owners says which installed third-party package a file belongs to, from
// the inventory and the package managers' own file lists (a wheel's RECORD
// or top_level.txt, an egg's installed-files.txt, dpkg's info/*.list, the
// apk database), which the walk hands to Note as it meets them.
type Owners struct {
	mu    sync.Mutex
	lists map[string][]string // metadata folder or dpkg package -> files or top-level names
	roots []root
	files map[string]*Package // exact files (OS packages, Python RECORD)
	built bool

	// py indexes the Python packages' file lists, for the walk (see
	// pythonFile); rebuilt when a list was added since.
	py      *pyIndex
	pyLists int
}

// pyIndex places Python library files from their packages' file lists.
type pyIndex struct {
	files    map[string][2]string // file -> distribution, top-level folder
	prefixes [][3]string          // top-level folder/ -> distribution, folder (top_level.txt only)
	tops     []string
}

type root struct {
	prefix  string   // "/var/task/node_modules/lodash/", "/var/task/lib/x.jar!"
	exclude []string // prefixes inside it that are the application's (BOOT-INF/classes/)
	pkg     *Package
}

// WantsNote reports whether Owners needs the content of the file at p.
func WantsNote(p string) bool {
	switch {
	case strings.HasSuffix(p, ".dist-info/RECORD"), strings.HasSuffix(p, ".dist-info/top_level.txt"),
		strings.HasSuffix(p, ".egg-info/top_level.txt"), strings.HasSuffix(p, ".egg-info/installed-files.txt"):
		return true
	case strings.Contains(p, "/var/lib/dpkg/info/") && strings.HasSuffix(p, ".list"):
		return true
	case strings.HasSuffix(p, "/lib/apk/db/installed"):
		return true
	}
	return false
}

// Note records a package manager's file list met during the walk.
func (o *Owners) Note(p string, content []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.lists == nil {
		o.lists = map[string][]string{}
	}
	o.pyLists++
	switch {
	case strings.HasSuffix(p, "/lib/apk/db/installed"):
		o.noteAPK(p, content)
	case strings.HasSuffix(p, ".list"):
		name := strings.TrimSuffix(path.Base(p), ".list")
		name, _, _ = strings.Cut(name, ":") // libssl3:amd64
		o.lists["dpkg:"+name] = append(o.lists["dpkg:"+name], lines(content)...)
	case strings.HasSuffix(p, "/RECORD"):
		dir := path.Dir(p)
		for _, l := range lines(content) {
			f, _, _ := strings.Cut(l, ",")
			o.lists[dir] = append(o.lists[dir], "file:"+f)
		}
	case strings.HasSuffix(p, "/installed-files.txt"):
		// Paths relative to the .egg-info folder: "../requests/api.py".
		dir := path.Dir(p)
		for _, l := range lines(content) {
			o.lists[dir] = append(o.lists[dir], "file:"+path.Clean(path.Join(path.Base(dir), l)))
		}
	default: // top_level.txt
		dir := path.Dir(p)
		for _, l := range lines(content) {
			o.lists[dir] = append(o.lists[dir], "top:"+l)
		}
	}
}

// noteAPK reads the apk database's package (P:) and file (F: folder, R:
// file) lines.
func (o *Owners) noteAPK(p string, content []byte) {
	rootDir := strings.TrimSuffix(p, "lib/apk/db/installed")
	var name, dir string
	for _, l := range lines(content) {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		switch k {
		case "P":
			name = v
		case "F":
			dir = v
		case "R":
			if name != "" {
				o.lists["apk:"+name] = append(o.lists["apk:"+name], path.Join(rootDir, dir, v))
			}
		}
	}
}

func lines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// Build makes the index from the inventory's installed packages; call it
// once the walk is over, before Owner.
func (o *Owners) Build(pkgs []*sbom.Package) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.built = true
	o.files = map[string]*Package{}
	jars := map[string][]*sbom.Package{}
	for _, p := range pkgs {
		if p.DeclaredOnly || p.Type != sbom.Library {
			continue
		}
		pk := &Package{Name: p.Name, Version: p.Version, PURL: p.PURL}
		for _, l := range p.Locations {
			if l.Declared || l.Path == "" {
				continue
			}
			o.addRoots(p, pk, l.Path, jars)
		}
	}
	for jar, ps := range jars {
		best := ps[0]
		base := strings.ToLower(path.Base(jar))
		for _, p := range ps {
			_, artifact, _ := strings.Cut(p.Name, ":")
			if artifact != "" && strings.HasPrefix(base, strings.ToLower(artifact)+"-"+strings.ToLower(p.Version)) {
				best = p
				break
			}
		}
		o.roots = append(o.roots, root{prefix: jar + "!", exclude: []string{jar + "!BOOT-INF/classes/", jar + "!WEB-INF/classes/"},
			pkg: &Package{Name: best.Name, Version: best.Version, PURL: best.PURL}})
	}
	sort.Slice(o.roots, func(i, j int) bool { return len(o.roots[i].prefix) > len(o.roots[j].prefix) })
}

var gemspec = regexp.MustCompile(`^(.*)/specifications/([^/]+)\.gemspec$`)

func (o *Owners) addRoots(p *sbom.Package, pk *Package, loc string, jars map[string][]*sbom.Package) {
	add := func(prefix string) { o.roots = append(o.roots, root{prefix: prefix, pkg: pk}) }
	switch {
	case p.Ecosystem == "Maven" && strings.Contains(loc, "!"):
		jar := loc[:strings.LastIndex(loc, "!")]
		jars[jar] = append(jars[jar], p)
	case p.Ecosystem == "Maven" && strings.HasSuffix(loc, ".jar"):
		jars[loc] = append(jars[loc], p)
	case p.Ecosystem == "npm" && strings.HasSuffix(loc, "/package.json") && strings.Contains(loc, "node_modules/"):
		add(path.Dir(loc) + "/")
	case p.Ecosystem == "PyPI":
		o.addPython(loc, pk, add)
	case p.Ecosystem == "RubyGems" && gemspec.MatchString(loc):
		m := gemspec.FindStringSubmatch(loc)
		add(m[1] + "/gems/" + m[2] + "/")
	case p.Ecosystem == "Packagist" && strings.HasSuffix(loc, "/composer/installed.json"):
		add(path.Dir(path.Dir(loc)) + "/" + p.Name + "/")
	case strings.HasPrefix(p.Ecosystem, "Debian") || strings.HasPrefix(p.Ecosystem, "Ubuntu"):
		for _, f := range o.lists["dpkg:"+p.Name] {
			o.files[f] = pk
		}
	case strings.HasPrefix(p.Ecosystem, "Alpine"):
		for _, f := range o.lists["apk:"+p.Name] {
			o.files[f] = pk
		}
	}
}

// addPython: the package's metadata folder, and what its RECORD,
// installed-files.txt or top_level.txt say it installed next to it; with
// none of them, the folder named as the package.
func (o *Owners) addPython(loc string, pk *Package, add func(string)) {
	meta := path.Dir(loc) // site-packages/requests-2.28.1.dist-info
	if !strings.HasSuffix(meta, ".dist-info") && !strings.HasSuffix(meta, ".egg-info") {
		if strings.HasSuffix(loc, ".egg-info") { // a single-file egg-info
			meta = loc
		} else {
			return
		}
	}
	site := path.Dir(meta)
	add(meta + "/")
	seen := map[string]bool{}
	for _, e := range o.lists[meta] {
		kind, v, _ := strings.Cut(e, ":")
		top := v
		if kind == "file" {
			if strings.HasPrefix(v, "..") || strings.HasPrefix(v, "/") {
				continue
			}
			top, _, _ = strings.Cut(v, "/")
			if top == v { // a module file at the top: site-packages/six.py
				if !seen[v] {
					seen[v] = true
					o.files[site+"/"+v] = pk
				}
				continue
			}
		}
		if kind == "file" {
			// The exact files: application code may share the folder (a
			// namespace package).
			o.files[site+"/"+v] = pk
			seen[top] = true
			continue
		}
		if top != "" && !seen[top] && top != path.Base(meta) && top != "__pycache__" {
			seen[top] = true
			add(site + "/" + top + "/")
			o.files[site+"/"+top+".py"] = pk
		}
	}
	if len(seen) == 0 {
		name := strings.SplitN(strings.TrimSuffix(strings.TrimSuffix(path.Base(meta), ".dist-info"), ".egg-info"), "-", 2)[0]
		add(site + "/" + strings.ToLower(name) + "/")
	}
}

// Owner returns the installed package the file at p belongs to, nil for
// the application's own files.
func (o *Owners) Owner(p string) *Package {
	if pk, ok := o.files[p]; ok {
		return pk
	}
	for _, r := range o.roots {
		if !strings.HasPrefix(p, r.prefix) {
			continue
		}
		excluded := false
		for _, e := range r.exclude {
			excluded = excluded || strings.HasPrefix(p, e)
		}
		if !excluded {
			return r.pkg
		}
	}
	// A vendored Go package (vendor/<module path>/...): named by its path.
	if i := strings.LastIndex(p, "/vendor/"); i >= 0 && !strings.Contains(p, "!") && !strings.Contains(p, "/node_modules/") {
		if dir := path.Dir(p[i+len("/vendor/"):]); strings.Contains(dir, "/") {
			return &Package{Name: dir, PURL: "pkg:golang/" + dir}
		}
	}
	// A library jar without Maven metadata: named by its file.
	if i := strings.LastIndex(p, "!"); i >= 0 && libraryJar.MatchString(p[:i]) && !appClasses(p[i+1:]) {
		jar := path.Base(p[:i])
		return &Package{Name: jar, Version: jarVersion.FindString(strings.TrimSuffix(jar, ".jar"))}
	}
	return nil
}

// jarVersion is the version at the end of a jar's file name (guava-32.1.jar).
var jarVersion = regexp.MustCompile(`\d[\w.]*$`)

// pythonFile says which Python distribution's file list names the file,
// and the top-level folder it is in, from the lists noted so far.
func (o *Owners) pythonFile(p string) (dist, top string, ok bool) {
	ix := o.pyIndex()
	if v, ok := ix.files[p]; ok {
		return v[0], v[1], true
	}
	for _, pr := range ix.prefixes {
		if strings.HasPrefix(p, pr[0]) {
			return pr[1], pr[2], true
		}
	}
	return "", "", false
}

// pythonTops are the top-level folders Python distributions install into.
func (o *Owners) pythonTops() []string { return o.pyIndex().tops }

func (o *Owners) pyIndex() *pyIndex {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.py != nil && o.pyLists == 0 {
		return o.py
	}
	o.pyLists = 0
	ix := &pyIndex{files: map[string][2]string{}}
	seenTop := map[string]bool{}
	for meta, entries := range o.lists {
		if !strings.HasSuffix(meta, ".dist-info") && !strings.HasSuffix(meta, ".egg-info") {
			continue
		}
		site := path.Dir(meta)
		dist := normalizePyPI(strings.SplitN(strings.TrimSuffix(strings.TrimSuffix(path.Base(meta), ".dist-info"), ".egg-info"), "-", 2)[0])
		for _, e := range entries {
			kind, v, _ := strings.Cut(e, ":")
			if strings.HasPrefix(v, "..") || strings.HasPrefix(v, "/") || v == "" {
				continue
			}
			first, _, nested := strings.Cut(v, "/")
			top := site + "/" + first
			if strings.HasSuffix(first, ".dist-info") || strings.HasSuffix(first, ".egg-info") || first == "__pycache__" {
				continue
			}
			if kind == "file" {
				ix.files[site+"/"+v] = [2]string{dist, top}
			} else {
				ix.prefixes = append(ix.prefixes, [3]string{top + "/", dist, top})
				ix.files[top+".py"] = [2]string{dist, top}
				nested = true
			}
			if nested && !seenTop[top] {
				seenTop[top] = true
				ix.tops = append(ix.tops, top)
			}
		}
	}
	sort.Strings(ix.tops)
	o.py = ix
	return ix
}
