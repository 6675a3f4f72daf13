package secrets

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/package-url/packageurl-go"
	"golang.org/x/mod/modfile"
)

// Policy says what the files of installed third-party packages are
// scanned for.
type Policy string

const (
	// ThirdPartyProvider scans them for credentials in a provider's own
	// format (Rules.Provider), as written: the default. The
	// generic keyword-and-entropy rules find documentation, type
	// declarations and test fixtures there, and cost most of the time.
	ThirdPartyProvider Policy = "provider"
	// ThirdPartyFull scans them with every rule, as the application's own.
	ThirdPartyFull Policy = "full"
	// ThirdPartyOff does not scan them (gitleaks' default allowlist).
	ThirdPartyOff Policy = "off"
)

// Policies are the values Policy takes, for flags.
var Policies = []string{string(ThirdPartyProvider), string(ThirdPartyFull), string(ThirdPartyOff)}

// ParsePolicy reads a policy's name ("" is the default).
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(strings.ToLower(s)); p {
	case "":
		return ThirdPartyProvider, nil
	case ThirdPartyProvider, ThirdPartyFull, ThirdPartyOff:
		return p, nil
	}
	return "", fmt.Errorf("third-party scan %q: give provider, full or off", s)
}

// Parties tells the application's own files from those of the installed
// third-party packages it ships, for the secret scan's policy. A package
// counts as the application's own when it shares the application's
// namespace (its npm scope, the first two labels of its Maven group, its
// Go module path up to the repository owner, a top-level Python package
// with application files in it) or when Internal names it.
//
// During the walk it decides from paths and from the manifests handed to
// it early (Early, NoteManifest): a file inside node_modules, a Python
// library folder, a vendor folder or an installed gem. After the walk,
// Owners decides from the inventory, and Judge applies the policy to the
// findings, so that a file the walk could not place is judged the same.
type Parties struct {
	Policy Policy
	// Internal are patterns of package names that are the organisation's
	// own (secrets.internal): * matches any run of characters. An npm
	// package is matched by its name ("@acme/*"), a Maven one by
	// group:artifact and by group ("com.acme.*"), a PyPI one by its
	// normalised name ("acme-*"), a Go module by its path.
	Internal []string

	// FS lists the artifact's files (the view), to find application code
	// inside a Python package's top-level folder; Owners holds the package
	// managers' file lists the walk meets.
	FS     fs.FS
	Owners *Owners

	once      sync.Once
	rules     *Rules
	internal  []*regexp.Regexp
	mu        sync.Mutex
	scopes    map[string]bool   // npm scopes of the application's package.json
	groups    map[string]bool   // Maven group prefixes of the application
	goOwners  map[string]bool   // Go module path prefixes of the application
	jars      map[string]string // library jar -> its package's name
	pyShared  map[string]bool   // site/top folders that hold application code
	pyChecked sync.Mutex
	shareOnce sync.Once
}

func (p *Parties) init() {
	p.once.Do(func() {
		p.rules, _ = LoadRules()
		if p.rules == nil {
			p.rules = &Rules{}
		}
		if p.Policy == "" {
			p.Policy = ThirdPartyProvider
		}
		p.scopes, p.groups, p.goOwners = map[string]bool{}, map[string]bool{}, map[string]bool{}
		p.pyShared = map[string]bool{}
		for _, pat := range p.Internal {
			re := "^" + strings.ReplaceAll(regexp.QuoteMeta(strings.ToLower(pat)), `\*`, ".*") + "$"
			p.internal = append(p.internal, regexp.MustCompile(re))
		}
	})
}

// ValidPattern checks a secrets.internal pattern.
func ValidPattern(pat string) error {
	if strings.TrimSpace(pat) == "" || strings.Trim(pat, "*") == "" {
		return fmt.Errorf("secrets.internal: %q names no package (give a name or a prefix with *, such as @acme/* or com.acme.*)", pat)
	}
	return nil
}

// Early reports whether a file is a manifest the walk should hand out
// before the others: the application's own package.json, go.mod, pom.xml
// or pom.properties, and the package managers' file lists (a wheel's
// RECORD...), which place the files next to them.
func Early(p string) bool {
	if WantsNote(p) {
		return true
	}
	if strings.Contains(p, "/node_modules/") || strings.Contains(p, "/vendor/") || strings.Contains(p, "!") {
		return false
	}
	switch path.Base(p) {
	case "package.json", "go.mod", "pom.xml", "pom.properties":
		return true
	}
	return false
}

// NoteManifest records what an early manifest says of the application's
// namespace.
func (p *Parties) NoteManifest(file string, content []byte) {
	p.init()
	if strings.Contains(file, "/node_modules/") || strings.Contains(file, "/vendor/") {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch path.Base(file) {
	case "package.json":
		var m struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(content, &m) == nil && strings.HasPrefix(m.Name, "@") {
			if scope, _, ok := strings.Cut(m.Name, "/"); ok {
				p.scopes[strings.ToLower(scope)] = true
			}
		}
	case "go.mod":
		if mp := modfile.ModulePath(content); mp != "" {
			p.goOwners[goOwner(mp)] = true
		}
	case "pom.properties":
		for _, l := range lines(content) {
			if k, v, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "groupId" {
				p.addGroup(strings.TrimSpace(v))
			}
		}
	case "pom.xml":
		var m struct {
			GroupID string `xml:"groupId"`
			Parent  struct {
				GroupID string `xml:"groupId"`
			} `xml:"parent"`
		}
		if xml.Unmarshal(content, &m) == nil {
			p.addGroup(m.GroupID)
			p.addGroup(m.Parent.GroupID)
		}
	}
}

func (p *Parties) addGroup(g string) {
	labels := strings.Split(strings.ToLower(g), ".")
	if len(labels) >= 2 && labels[0] != "" && labels[1] != "" {
		p.groups[labels[0]+"."+labels[1]] = true
	}
}

// goOwner is a module path up to its owner: github.com/acme for
// github.com/acme/orders, example.com for example.com/orders.
func goOwner(mp string) string {
	parts := strings.Split(mp, "/")
	if len(parts) >= 2 && strings.Contains(parts[0], ".") && (parts[0] == "github.com" || parts[0] == "gitlab.com" || parts[0] == "bitbucket.org") {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// ScanDepth says which rules the walk scans a file with, from its path:
// ProviderRules for a file it can already place in a third-party package,
// AllRules otherwise; skip for a third-party file under the off policy.
func (p *Parties) ScanDepth(file string, fsys fs.FS) (d Depth, skip bool) {
	p.init()
	if p.Policy == ThirdPartyFull {
		return AllRules, false
	}
	// The early files are done: the Python folders can be placed.
	p.shareOnce.Do(p.SharePython)
	eco, name, ok := p.pathOwner(file)
	if !ok {
		eco, name, ok = p.jarOwner(file, fsys)
	}
	if !ok || p.isInternal(eco, name, "", file) {
		return AllRules, false
	}
	return ProviderRules, p.Policy == ThirdPartyOff
}

// libraryJar matches a library jar's path: in a lib folder of a function
// or a layer, or in a fat jar's BOOT-INF/lib or WEB-INF/lib.
var libraryJar = regexp.MustCompile(`(?:^|[/!])(?:lib|libs|BOOT-INF/lib|WEB-INF/lib)/[^/!]+\.jar$`)

// appClasses: a fat jar's own classes and resources (BOOT-INF/classes,
// WEB-INF/classes) are the application's.
func appClasses(entry string) bool {
	return strings.HasPrefix(entry, "BOOT-INF/classes/") || strings.HasPrefix(entry, "WEB-INF/classes/")
}

// jarOwner names the library jar a file is inside (jar!entry), by the
// Maven group:artifact its META-INF/maven folder holds (fsys is the jar),
// else by the jar's file name.
func (p *Parties) jarOwner(file string, fsys fs.FS) (eco, name string, ok bool) {
	i := strings.LastIndex(file, "!")
	if i < 0 || !libraryJar.MatchString(file[:i]) || appClasses(file[i+1:]) {
		return "", "", false
	}
	jar := file[:i]
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.jars == nil {
		p.jars = map[string]string{}
	}
	if n, seen := p.jars[jar]; seen {
		return "Maven", n, true
	}
	n := path.Base(jar)
	if fsys != nil {
		if groups, err := fs.ReadDir(fsys, "META-INF/maven"); err == nil && len(groups) > 0 {
			g := groups[0].Name()
			n = g
			if arts, err := fs.ReadDir(fsys, "META-INF/maven/"+g); err == nil && len(arts) > 0 {
				n = g + ":" + arts[0].Name()
			}
		}
	}
	p.jars[jar] = n
	return "Maven", n, true
}

// pathOwner names the package a file belongs to when its path says so:
// node_modules/<name>/, vendor/<module or vendor/package>/, an installed
// gem, or a Python library file its package's file list names.
func (p *Parties) pathOwner(file string) (eco, name string, ok bool) {
	if i := strings.LastIndex(file, "/node_modules/"); i >= 0 {
		rest := file[i+len("/node_modules/"):]
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) >= 2 && strings.HasPrefix(parts[0], "@") {
			if len(parts) < 3 {
				return "", "", false
			}
			return "npm", parts[0] + "/" + parts[1], true
		}
		if len(parts) >= 2 {
			return "npm", parts[0], true
		}
		return "", "", false
	}
	if i := strings.LastIndex(file, "/vendor/"); i >= 0 && !strings.Contains(file, "!") {
		rest := file[i+len("/vendor/"):]
		if strings.Count(rest, "/") < 2 {
			return "", "", false
		}
		return "vendor", rest[:strings.LastIndex(rest, "/")], true
	}
	if m := gemFile.FindStringSubmatch(file); m != nil {
		return "RubyGems", m[1], true
	}
	if p.Owners != nil {
		if dist, _, ok := p.Owners.pythonFile(file); ok {
			return "PyPI", dist, true
		}
	}
	return "", "", false
}

var gemFile = regexp.MustCompile(`/gems/([A-Za-z0-9_.-]+?)-\d[^/]*/`)

// isInternal says whether a package is the organisation's own: the
// patterns, or the application's namespace. file is a file of the package
// (for Python's shared top-level folders).
func (p *Parties) isInternal(eco, name, purl, file string) bool {
	p.init()
	name = strings.ToLower(name)
	var names []string
	switch eco {
	case "npm":
		names = []string{name}
		if scope, _, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(scope, "@") {
			p.mu.Lock()
			shared := p.scopes[scope]
			p.mu.Unlock()
			if shared {
				return true
			}
		}
	case "Maven":
		group, _, _ := strings.Cut(name, ":")
		names = []string{name, group}
		if strings.HasSuffix(name, ".jar") { // a jar without Maven metadata
			group = ""
		}
		labels := strings.Split(group, ".")
		if len(labels) >= 2 {
			p.mu.Lock()
			shared := p.groups[labels[0]+"."+labels[1]]
			p.mu.Unlock()
			if shared {
				return true
			}
		}
	case "vendor", "Go", "golang":
		names = []string{name}
		p.mu.Lock()
		for o := range p.goOwners {
			if name == o || strings.HasPrefix(name, o+"/") {
				p.mu.Unlock()
				return true
			}
		}
		p.mu.Unlock()
	case "PyPI":
		names = []string{normalizePyPI(name)}
		if file != "" && p.pythonShared(file) {
			return true
		}
	default:
		names = []string{name}
	}
	for _, re := range p.internal {
		for _, n := range names {
			if re.MatchString(n) {
				return true
			}
		}
	}
	return false
}

func normalizePyPI(n string) string {
	return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(n))
}

// pythonShared: the file's top-level folder (next to the package
// metadata) also holds application code, a file no installed package
// lists (a namespace package such as acme/ shared by the application and
// acme-common).
func (p *Parties) pythonShared(file string) bool {
	if p.Owners == nil {
		return false
	}
	_, top, ok := p.Owners.pythonFile(file)
	if !ok {
		return false
	}
	p.pyChecked.Lock()
	defer p.pyChecked.Unlock()
	return p.pyShared[top]
}

// SharePython records, once the walk's early phase has noted the package
// managers' file lists, which top-level Python folders hold both an
// installed package's files and application files: the packages
// installing into them are the application's own.
func (p *Parties) SharePython() {
	p.init()
	if p.FS == nil || p.Owners == nil {
		return
	}
	tops := p.Owners.pythonTops()
	p.pyChecked.Lock()
	defer p.pyChecked.Unlock()
	for _, top := range tops {
		shared := false
		fs.WalkDir(p.FS, strings.TrimPrefix(top, "/"), func(q string, d fs.DirEntry, err error) error {
			if err != nil || shared {
				return fs.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(q, ".py") {
				if _, _, owned := p.Owners.pythonFile("/" + q); !owned {
					shared = true
				}
			}
			return nil
		})
		p.pyShared[top] = shared
	}
}

// Judge applies the policy to findings once the walk is over, their
// packages set: a package that is the organisation's own is marked
// Internal (its findings are first-party); a finding in a file of another
// installed package is kept under the provider policy only when a
// provider's rule found it as written, and not at all under the off
// policy.
func (p *Parties) Judge(fs []Finding) []Finding {
	p.init()
	out := fs[:0]
	for _, f := range fs {
		if f.ThirdParty != nil && p.packageInternal(f.ThirdParty, f.Path) {
			pk := *f.ThirdParty
			pk.Internal = true
			f.ThirdParty = &pk
		}
		if !f.FirstParty() && p.Policy != ThirdPartyFull {
			if p.Policy == ThirdPartyOff || !p.rules.Provider(f.RuleID) || f.Encoding != "" {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// packageInternal reports whether an installed package is the
// organisation's own (its files are then first-party).
func (p *Parties) packageInternal(pk *Package, file string) bool {
	eco, name := "", pk.Name
	if u, err := packageurl.FromString(pk.PURL); err == nil {
		switch u.Type {
		case packageurl.TypeNPM:
			eco = "npm"
			if u.Namespace != "" {
				name = u.Namespace + "/" + u.Name
			}
		case packageurl.TypeMaven:
			eco, name = "Maven", u.Namespace+":"+u.Name
		case packageurl.TypePyPi:
			eco = "PyPI"
		case packageurl.TypeGolang:
			eco = "Go"
			name = u.Namespace + "/" + u.Name
		case packageurl.TypeGem:
			eco = "RubyGems"
		}
	}
	return p.isInternal(eco, name, pk.PURL, file)
}
