package sbomarchive

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/vuln"
)

// Spec names the package a query looks for: an ecosystem, a name, and
// the versions wanted.
type Spec struct {
	// Ecosystem is the OSV ecosystem without its release (Debian, not
	// Debian:12); Name as the ecosystem writes it.
	Ecosystem string
	Name      string
	Versions  *Constraint
}

// ecosystems are the ecosystems a query names, by their OSV name and by
// their purl type, in any case.
var ecosystems = map[string]string{
	"npm": "npm", "pypi": "PyPI", "maven": "Maven", "go": "Go", "golang": "Go",
	"crates.io": "crates.io", "cargo": "crates.io", "rubygems": "RubyGems", "gem": "RubyGems",
	"nuget": "NuGet", "packagist": "Packagist", "composer": "Packagist", "debian": "Debian", "deb": "Debian",
	"ubuntu": "Ubuntu", "alpine": "Alpine", "apk": "Alpine", "red hat": "Red Hat", "rpm": "Red Hat",
	"pub": "Pub", "hex": "Hex", "swifturl": "SwiftURL",
}

// ParseSpec reads what archive query takes: a purl (pkg:npm/lodash@4.17.15:
// that version; without a version, any), or ECOSYSTEM/NAME with an
// optional @RANGE in the ecosystem's own syntax (npm/lodash@<4.17.21,
// PyPI/django@>=4,<4.2.8, Maven/org.apache.logging.log4j:log4j-core@[2.0,2.17.1),
// npm/@babel/core@^7): see Constraint.
func ParseSpec(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "pkg:") {
		p := cyclonedx.FromPURL(s, "", "")
		if p == nil {
			return Spec{}, fmt.Errorf("%q: not a purl of an ecosystem advisories cover", s)
		}
		sp := Spec{Ecosystem: vuln.BaseEcosystem(p.Ecosystem), Name: p.Name, Versions: Exactly(vuln.BaseEcosystem(p.Ecosystem), p.Version)}
		if p.Version == "" {
			sp.Versions, _ = ParseConstraint(sp.Ecosystem, "")
		}
		return sp, nil
	}
	eco, rest, ok := strings.Cut(s, "/")
	if !ok || rest == "" {
		return Spec{}, fmt.Errorf("%q: write ECOSYSTEM/NAME[@RANGE] (npm/lodash@<4.17.21) or a purl (pkg:npm/lodash@4.17.15)", s)
	}
	canon, ok := ecosystems[strings.ToLower(eco)]
	if !ok {
		return Spec{}, fmt.Errorf("%q: unknown ecosystem %q (npm, PyPI, Maven, Go, crates.io, RubyGems, NuGet, Packagist, Debian, Ubuntu, Alpine...)", s, eco)
	}
	name, rng := rest, ""
	// The range follows the last @ that is not the start of the name
	// (npm's scopes: @babel/core@^7).
	if i := strings.LastIndexByte(rest, '@'); i > 0 {
		name, rng = rest[:i], rest[i+1:]
	}
	if name == "" {
		return Spec{}, fmt.Errorf("%q: no package name", s)
	}
	c, err := ParseConstraint(canon, rng)
	if err != nil {
		return Spec{}, err
	}
	return Spec{Ecosystem: canon, Name: name, Versions: c}, nil
}

// Hit is a deployment that ships the package a query asked for.
type Hit struct {
	Deployment string    `json:"deployment"`
	Time       time.Time `json:"time"`
	// Current: the deployment's latest SBOM (a query of all the history
	// also gives older ones).
	Current   bool            `json:"current"`
	Ecosystem string          `json:"ecosystem"`
	Name      string          `json:"name"`
	Version   string          `json:"version"`
	PURL      string          `json:"purl,omitempty"`
	Locations []sbom.Location `json:"locations"`
	// DeclaredOnly and Excluded as the SBOM says: named by a manifest and
	// not installed; not shipped at all.
	DeclaredOnly bool `json:"declared_only,omitempty"`
	Excluded     bool `json:"excluded,omitempty"`
}

// QueryOptions tune Query.
type QueryOptions struct {
	// History: every archived SBOM of each deployment, not only its
	// latest.
	History bool
}

// Query returns the deployments whose latest SBOM (or any, with History)
// lists the package at a version the spec allows, by deployment, time and
// version; with where each SBOM says it is.
func (a *Archive) Query(ctx context.Context, sp Spec, opt QueryOptions) ([]Hit, error) {
	// From the package to its placements (clustered by package), then to
	// their snapshots and deployments, keeping the deployments' current
	// SBOMs unless History. PostgreSQL misjudges the second condition on
	// the deployment (it reads every snapshot): there, the current SBOM is
	// found through the index on current_snapshot. SQLite joins in the
	// order written, where primary keys are cheaper.
	join := `JOIN snapshots s ON s.id = l.snapshot
JOIN deployments d ON d.id = s.deployment`
	switch {
	case opt.History:
	case a.postgres:
		join = `JOIN deployments d ON d.current_snapshot = l.snapshot
JOIN snapshots s ON s.id = l.snapshot`
	default:
		join += ` AND d.current_snapshot = s.id`
	}
	rows, err := a.db.QueryContext(ctx, `
SELECT d.name, s.taken, s.id = d.current_snapshot, p.ecosystem, p.name, p.version, p.purl, l.flags, l.locations
FROM packages p
JOIN placements l ON l.package = p.id
`+join+`
WHERE p.base = $1 AND p.norm = $2`, sp.Ecosystem, sbom.NormalizeName(sp.Ecosystem, sp.Name))
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", a, err)
	}
	defer rows.Close()
	out := []Hit{}
	allowed := map[string]bool{}
	for rows.Next() {
		var h Hit
		var taken int64
		var flags int
		var locs []byte
		if err := rows.Scan(&h.Deployment, &taken, &h.Current, &h.Ecosystem, &h.Name, &h.Version, &h.PURL, &flags, &locs); err != nil {
			return nil, err
		}
		ok, seen := allowed[h.Version]
		if !seen {
			ok = sp.Versions == nil || sp.Versions.Allows(h.Version)
			allowed[h.Version] = ok
		}
		if !ok {
			continue
		}
		h.Time = millis(taken)
		h.DeclaredOnly, h.Excluded = flags&flagDeclaredOnly != 0, flags&flagExcluded != 0
		if err := json.Unmarshal(locs, &h.Locations); err != nil {
			return nil, fmt.Errorf("%s: %s@%s: locations: %w", h.Deployment, h.Name, h.Version, err)
		}
		if h.Locations == nil {
			h.Locations = []sbom.Location{}
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Deployment != b.Deployment {
			return a.Deployment < b.Deployment
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.After(b.Time)
		}
		return a.Version < b.Version
	})
	return out, nil
}
