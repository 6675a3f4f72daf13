package vuln

import (
	"slices"
	"sort"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/shipcheck/shipcheck/sbom"
)

// Query is a package as advisories name it: its OSV ecosystem (with the
// release for OS packages: "Debian:12"), its name (for OS packages, the
// source package) and its version.
type Query struct {
	Ecosystem string
	Name      string
	Version   string
}

// Key is the index key of a package: base ecosystem and normalized name.
func Key(ecosystem, name string) string {
	return BaseEcosystem(ecosystem) + "\x00" + NormalizeName(ecosystem, name)
}

// NormalizeName returns a name as an ecosystem compares names: PEP 503 for
// PyPI; lower case for NuGet, Packagist and the OS ecosystems; as written
// elsewhere (npm and Go paths are case-sensitive).
func NormalizeName(ecosystem, name string) string {
	return sbom.NormalizeName(ecosystem, name)
}

// Hit is how an advisory affects a queried version.
type Hit struct {
	// Fixed are the fixed versions of the ranges that hold the version,
	// sorted, nearest first; empty when no fix is known.
	Fixed []string
	// Affected is the matching affected entry.
	Affected *Affected
}

// Affects reports whether r affects q, and how: the version is listed in
// an affected entry of the same ecosystem and name, or falls in one of its
// SEMVER or ECOSYSTEM ranges, evaluated as the OSV schema says with the
// ecosystem's own version ordering. Withdrawn advisories affect nothing.
func Affects(r *Record, q Query) (Hit, bool) {
	if r.Withdrawn != "" {
		return Hit{}, false
	}
	name := NormalizeName(q.Ecosystem, q.Name)
	for i := range r.Affected {
		a := &r.Affected[i]
		if !sameEcosystem(a.Package.Ecosystem, q.Ecosystem) || NormalizeName(a.Package.Ecosystem, a.Package.Name) != name {
			continue
		}
		if slices.Contains(a.Versions, q.Version) || sameVersionListed(a.Versions, q) {
			return Hit{Affected: a, Fixed: fixedAbove(a, q)}, true
		}
		for _, rg := range a.Ranges {
			if inRange(rg, q) {
				return Hit{Affected: a, Fixed: fixedAbove(a, q)}, true
			}
		}
	}
	return Hit{}, false
}

// sameEcosystem: an advisory for "Debian:12" is for that release only; one
// for "Debian" (no release), or a query with none, matches any.
func sameEcosystem(advisory, query string) bool {
	ab, ar, _ := strings.Cut(advisory, ":")
	qb, qr, _ := strings.Cut(query, ":")
	if ab != qb {
		return false
	}
	ar, qr = release(ab, ar), release(qb, qr)
	return ar == "" || qr == "" || ar == qr
}

// release normalizes an ecosystem's release for comparison: Alpine's
// "v3.18" is "3.18"; Ubuntu's "22.04:LTS" is "22.04" (whether a release is
// LTS is read from os-release's VERSION, which not every image keeps), while
// "Pro:18.04:LTS", fixes only Ubuntu Pro ships, stays apart.
func release(base, r string) string {
	switch base {
	case "Alpine":
		return strings.TrimPrefix(r, "v")
	case "Ubuntu":
		return strings.TrimSuffix(r, ":LTS")
	}
	return r
}

// sameVersionListed compares listed versions with the ecosystem's ordering
// (so that Go's "v0.3.5" is the listed "0.3.5").
func sameVersionListed(versions []string, q Query) bool {
	if len(versions) == 0 {
		return false
	}
	v, err := semantic.Parse(q.Version, q.Ecosystem)
	if err != nil {
		return false
	}
	for _, l := range versions {
		if c, err := v.CompareStr(l); err == nil && c == 0 {
			return true
		}
	}
	return false
}

// inRange evaluates one range as the OSV schema's pseudo-code does: events
// in version order ("introduced: 0" first, ties as written); introduced
// opens the range inclusively, fixed closes it exclusively, last_affected
// inclusively; a limit bounds the whole range.
func inRange(rg Range, q Query) bool {
	if rg.Type != "SEMVER" && rg.Type != "ECOSYSTEM" || len(rg.Events) == 0 {
		return false
	}
	v, err := semantic.Parse(q.Version, q.Ecosystem)
	if err != nil {
		return false
	}
	type ev struct {
		Event
		at string
	}
	evs := make([]ev, 0, len(rg.Events))
	for _, e := range rg.Events {
		at := e.Introduced + e.Fixed + e.LastAffected + e.Limit
		evs = append(evs, ev{e, at})
	}
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.Introduced == "0" || b.Introduced == "0" {
			return a.Introduced == "0" && b.Introduced != "0"
		}
		av, err := semantic.Parse(a.at, q.Ecosystem)
		if err != nil {
			return false
		}
		c, err := av.CompareStr(b.at)
		return err == nil && c < 0
	})
	cmp := func(s string) (int, bool) {
		c, err := v.CompareStr(s)
		return c, err == nil
	}
	affected := false
	for _, e := range evs {
		switch {
		case e.Introduced != "":
			if c, ok := cmp(e.Introduced); e.Introduced == "0" || ok && c >= 0 {
				affected = true
			}
		case e.Fixed != "":
			if c, ok := cmp(e.Fixed); ok && c >= 0 {
				affected = false
			}
		case e.LastAffected != "":
			if c, ok := cmp(e.LastAffected); ok && c > 0 {
				affected = false
			}
		case e.Limit != "":
			if c, ok := cmp(e.Limit); ok && c >= 0 && e.Limit != "*" {
				return false
			}
		}
	}
	return affected
}

// fixedAbove returns the fixed versions of a's ranges that are above the
// queried version, nearest first.
func fixedAbove(a *Affected, q Query) []string {
	v, err := semantic.Parse(q.Version, q.Ecosystem)
	if err != nil {
		return nil
	}
	var out []string
	for _, rg := range a.Ranges {
		if rg.Type != "SEMVER" && rg.Type != "ECOSYSTEM" {
			continue
		}
		for _, e := range rg.Events {
			if e.Fixed == "" || slices.Contains(out, e.Fixed) {
				continue
			}
			if c, err := v.CompareStr(e.Fixed); err == nil && c < 0 {
				out = append(out, e.Fixed)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, err := semantic.Parse(out[i], q.Ecosystem)
		if err != nil {
			return false
		}
		c, err := a.CompareStr(out[j])
		return err == nil && c < 0
	})
	return out
}
