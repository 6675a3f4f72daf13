package vuln

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/google/osv-scalibr/semantic"

	"github.com/shipcheck/shipcheck/sbom"
)

// Source gives the advisories that may affect packages.
type Source interface {
	// Candidates returns, for each query, the advisories naming its
	// ecosystem and package (Affects decides whether they affect it).
	Candidates(ctx context.Context, qs []Query) ([][]*Record, error)
	// About says what the source is, for every output.
	About() SourceInfo
}

// SourceInfo says where advisories came from and how old they are.
type SourceInfo struct {
	// Kind is "local database", "advisories" (exports given for one run)
	// or "OSV API".
	Kind string `json:"kind"`
	// Location is the database file, the exports' path, or the API's URL.
	Location string `json:"location"`
	// Origin is where a database's advisories came from (a URL or a path).
	Origin string `json:"origin,omitempty"`
	// Built is when the database was built; zero for the API (live).
	Built time.Time `json:"built,omitzero"`
	// Newest is the newest "modified" of the database's records.
	Newest  time.Time      `json:"newest,omitzero"`
	Records int            `json:"records,omitempty"`
	Counts  map[string]int `json:"ecosystems,omitempty"`
}

// Age is how old the advisories are at now; 0 for a live source.
func (s SourceInfo) Age(now time.Time) time.Duration {
	if s.Built.IsZero() {
		return 0
	}
	return now.Sub(s.Built)
}

// DBSource serves a local database.
type DBSource struct {
	DB   *DB
	Kind string // "local database", or "advisories" for a run's exports
	Loc  string // what to show as the location (defaults to the file)
}

func (s DBSource) Candidates(_ context.Context, qs []Query) ([][]*Record, error) {
	out := make([][]*Record, len(qs))
	cache := map[string][]*Record{}
	for i, q := range qs {
		k := Key(q.Ecosystem, q.Name)
		recs, ok := cache[k]
		if !ok {
			var err error
			if recs, err = s.DB.Lookup(k); err != nil {
				return nil, err
			}
			cache[k] = recs
		}
		out[i] = recs
	}
	return out, nil
}

func (s DBSource) About() SourceInfo {
	info := s.DB.Info()
	kind, loc := s.Kind, s.Loc
	if kind == "" {
		kind = "local database"
	}
	if loc == "" {
		loc = info.Path
	}
	return SourceInfo{Kind: kind, Location: loc, Origin: info.Source, Built: info.Built, Newest: info.Newest, Records: info.Records, Counts: info.Ecosystems}
}

// Finding is one advisory (with its aliases) affecting one package.
type Finding struct {
	// ID is the advisory's id; Aliases the other ids of the same problem
	// (a GHSA and its CVE are one finding).
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	Details string   `json:"details,omitempty"`
	Rating  Rating   `json:"rating"`
	// Package is the affected component's ID (its CycloneDX bom-ref).
	Package   string          `json:"package"`
	Name      string          `json:"name"`
	Version   string          `json:"version"`
	Ecosystem string          `json:"ecosystem"`
	PURL      string          `json:"purl,omitempty"`
	Locations []sbom.Location `json:"locations,omitempty"`
	// Fixed is the nearest fixed version above the installed one; "" when
	// no fix is known. Fixes are all of them, nearest first.
	Fixed      string   `json:"fixed,omitempty"`
	Fixes      []string `json:"fixes,omitempty"`
	Published  string   `json:"published,omitempty"`
	Modified   string   `json:"modified,omitempty"`
	References []string `json:"references,omitempty"`
	// Records are the advisories that matched, grouped by their aliases.
	Records []string `json:"records"`
	// Suppressed is set when an ignore rule or a VEX statement applies.
	Suppressed *Suppression `json:"suppressed,omitempty"`
	// Reachability is set on Go findings whose binary was analysed.
	Reachability *Reachability `json:"reachability,omitempty"`
}

// Suppression records why a finding does not count.
type Suppression struct {
	By     string `json:"by"` // "ignore" or "vex"
	Reason string `json:"reason"`
	// Justification is a VEX not_affected justification.
	Justification string `json:"justification,omitempty"`
	Expires       string `json:"expires,omitempty"`
}

// Result is what Match found.
type Result struct {
	Source   SourceInfo `json:"source"`
	Findings []Finding  `json:"findings"`
	// Queried counts the packages looked up.
	Queried int `json:"queried"`

	records map[string]*Record // the advisories matched, by id
}

// QueryOf returns how advisories name a package, false for a package that
// is not looked up: an application (the function's own code), or a
// declared-only package that does not ship.
func QueryOf(p *sbom.Package) (Query, bool) {
	if p.Type == sbom.Application || p.Excluded || p.Name == "" || p.Version == "" || p.Ecosystem == "" {
		return Query{}, false
	}
	q := Query{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version}
	if p.SourceName != "" {
		q.Name = p.SourceName
	}
	if p.SourceVersion != "" {
		q.Version = p.SourceVersion
	}
	return q, true
}

// Match looks up every package that ships and returns the findings, one per
// package and group of aliased advisories, sorted by severity (highest
// first), then package, then id. Given a Matcher as its source, it reuses
// what the Matcher matched before.
func Match(ctx context.Context, pkgs []*sbom.Package, src Source) (*Result, error) {
	m, ok := src.(*Matcher)
	if !ok {
		m = NewMatcher(src)
	}
	return m.Match(ctx, pkgs)
}

// groupByAlias partitions n records into groups that share an id or alias.
func groupByAlias(n int, ids func(int) []string) [][]int {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	owner := map[string]int{}
	for i := range n {
		for _, id := range ids(i) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int][]int{}
	var order []int
	for i := range n {
		r := find(i)
		if _, ok := groups[r]; !ok {
			order = append(order, r)
		}
		groups[r] = append(groups[r], i)
	}
	out := make([][]int, 0, len(order))
	for _, r := range order {
		out = append(out, groups[r])
	}
	return out
}

// idRank prefers an ecosystem's own advisory ids as a finding's id, then
// GHSA, then CVE.
func idRank(id string) int {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return 2
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	}
	return 0
}

// findingOf is the finding of a group of aliased advisories for a query,
// without the package it is found in (see forPackage).
func findingOf(q Query, recs []*Record, ms []Hit) Finding {
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := recs[order[i]], recs[order[j]]
		if ra, rb := idRank(a.ID), idRank(b.ID); ra != rb {
			return ra < rb
		}
		return a.ID < b.ID
	})
	sr, sm := make([]*Record, len(recs)), make([]Hit, len(ms))
	for i, k := range order {
		sr[i], sm[i] = recs[k], ms[k]
	}
	recs, ms = sr, sm
	primary := recs[0]
	f := Finding{
		ID: primary.ID, Summary: primary.Summary, Details: primary.Details,
		Name: q.Name, Version: q.Version, Ecosystem: q.Ecosystem,
		Published: primary.Published, Modified: primary.Modified,
		Rating: Rating{Level: Unknown, Score: -1},
	}
	seen := map[string]bool{primary.ID: true}
	for _, r := range recs {
		f.Records = append(f.Records, r.ID)
		for _, id := range append([]string{r.ID}, r.Aliases...) {
			if !seen[id] {
				seen[id] = true
				f.Aliases = append(f.Aliases, id)
			}
		}
		for _, ref := range r.References {
			if !contains(f.References, ref.URL) {
				f.References = append(f.References, ref.URL)
			}
		}
		if f.Summary == "" {
			f.Summary = r.Summary
		}
	}
	if f.Summary == "" {
		// Many records (PyPI's) have no summary: the details' first line.
		line, _, _ := strings.Cut(strings.TrimSpace(f.Details), "\n")
		f.Summary = line
	}
	sort.Strings(f.Aliases)
	for i, m := range ms {
		rt := Rate(recs[i], m.Affected)
		if better(rt, f.Rating) {
			f.Rating = rt
		}
		for _, fx := range m.Fixed {
			if !contains(f.Fixes, fx) {
				f.Fixes = append(f.Fixes, fx)
			}
		}
	}
	if len(f.Fixes) > 0 {
		f.Fixes = sortVersions(f.Fixes, q.Ecosystem)
		f.Fixed = f.Fixes[0]
	}
	return f
}

// forPackage is f, found for q, as a finding of the package p.
func forPackage(f Finding, p *sbom.Package, q Query) Finding {
	f.Package, f.PURL, f.Locations = p.ID, p.PURL, p.Locations
	if p.Name != q.Name {
		// An OS package found under its source package's name.
		f.Name = p.Name + " (source " + q.Name + ")"
	}
	return f
}

// sortVersions orders versions with the ecosystem's ordering, lowest
// first.
func sortVersions(vs []string, ecosystem string) []string {
	sort.SliceStable(vs, func(i, j int) bool {
		a, err := semantic.Parse(vs[i], ecosystem)
		if err != nil {
			return vs[i] < vs[j]
		}
		c, err := a.CompareStr(vs[j])
		return err == nil && c < 0
	})
	return vs
}

// NotInBinary reports a Go finding whose binary was analysed and does not
// hold the vulnerable code: it does not fail a gate, and CycloneDX and
// SARIF say so.
func (f Finding) NotInBinary() bool {
	return f.Reachability != nil && f.Reachability.Level != LevelSymbol && f.Reachability.Level != LevelUnknown
}

// better: a known rating beats unknown; a higher score beats a lower.
func better(a, b Rating) bool {
	if a.Level == Unknown {
		return false
	}
	if b.Level == Unknown {
		return true
	}
	if a.Level.Rank(High) != b.Level.Rank(High) {
		return a.Level.Rank(High) > b.Level.Rank(High)
	}
	return a.Score > b.Score
}

// SortFindings orders findings: highest severity first (unknown with high),
// Go findings whose vulnerable code is not in the binary below every other,
// then by package and id.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ua, ub := a.NotInBinary(), b.NotInBinary(); ua != ub {
			return ub
		}
		if ra, rb := a.Rating.Level.Rank(High), b.Rating.Level.Rank(High); ra != rb {
			return ra > rb
		}
		if a.Rating.Score != b.Rating.Score {
			return a.Rating.Score > b.Rating.Score
		}
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		return a.ID < b.ID
	})
}
