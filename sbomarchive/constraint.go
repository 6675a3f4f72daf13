package sbomarchive

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// Constraint is a set of versions, written in an ecosystem's own syntax
// and evaluated with the version ordering the advisory matching uses
// (osv-scalibr's semantic), so that `npm/lodash@<4.17.21` selects exactly
// the versions an advisory fixed in 4.17.21 affects.
//
// Syntaxes read:
//   - npm, crates.io, Packagist, Go, Pub, Hex and the rest: comparators
//     (<, <=, >, >=, =, !=) joined by spaces or commas, alternatives by
//     ||; ^ and ~ (npm's and Cargo's meaning; Composer's ~ is Ruby's ~>),
//     x-ranges (1.2.x, 1.*), hyphen ranges (1.2 - 1.4); a bare version is
//     that version (Cargo: ^ that version, as Cargo reads it);
//   - PyPI: PEP 440 specifiers joined by commas: ==, !=, <, <=, >, >=,
//     ~=, ===, and wildcards (==4.2.*);
//   - RubyGems: requirements joined by commas, with ~>;
//   - Maven and NuGet: intervals ([2.0,2.17.1), (,1.0], [1.5]) joined by
//     commas, any of which may hold; a bare version is that version;
//   - Debian, Ubuntu, Alpine: comparators, with Debian's << and >>.
//
// Pre-releases are ordered as the ecosystem orders them; npm's rule that a
// range leaves out pre-releases it does not name is not applied.
type Constraint struct {
	ecosystem string
	src       string
	any       [][]bound // any of these, each all of its bounds
}

// bound is one comparison: op is <, <=, >, >=, =, != or "=*" (the version
// starts with v's release segments: PEP 440's ==4.2.*).
type bound struct {
	op string
	v  string
}

// Exactly is the constraint that allows version alone (a purl's).
func Exactly(ecosystem, version string) *Constraint {
	return &Constraint{ecosystem: ecosystem, src: "=" + version, any: [][]bound{{{"=", version}}}}
}

// String is the constraint as written.
func (c *Constraint) String() string { return c.src }

// ParseConstraint reads s in the syntax of ecosystem (an OSV ecosystem
// name). An empty s is any version.
func ParseConstraint(ecosystem, s string) (*Constraint, error) {
	c := &Constraint{ecosystem: ecosystem, src: strings.TrimSpace(s)}
	if c.src == "" || c.src == "*" {
		c.any = [][]bound{{}}
		return c, nil
	}
	var err error
	switch ecosystem {
	case "Maven", "NuGet":
		if strings.HasPrefix(c.src, "[") || strings.HasPrefix(c.src, "(") {
			c.any, err = intervals(c.src)
		} else {
			c.any, err = comparators(ecosystem, c.src)
		}
	case "PyPI":
		var all []bound
		all, err = pep440(c.src)
		c.any = [][]bound{all}
	default:
		c.any, err = comparators(ecosystem, c.src)
	}
	if err != nil {
		return nil, fmt.Errorf("version range %q (%s): %w", c.src, ecosystem, err)
	}
	return c, nil
}

// Allows reports whether version is in the set. A version the ecosystem's
// ordering cannot read is allowed only by an exact bound.
func (c *Constraint) Allows(version string) bool {
	for _, all := range c.any {
		ok := true
		for _, b := range all {
			if !b.allows(c.ecosystem, version) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (b bound) allows(ecosystem, version string) bool {
	if b.op == "=*" {
		return hasPrefixRelease(version, b.v)
	}
	v, err := semantic.Parse(version, ecosystem)
	var cmp int
	if err == nil {
		cmp, err = v.CompareStr(b.v)
	}
	if err != nil {
		switch b.op {
		case "=":
			return version == b.v
		case "!=":
			return version != b.v
		}
		return false
	}
	switch b.op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	case "=":
		return cmp == 0
	case "!=":
		return cmp != 0
	}
	return false
}

// hasPrefixRelease: version's release segments start with prefix's
// (4.2.8 and 4.2 for ==4.2.*).
func hasPrefixRelease(version, prefix string) bool {
	vs, ps := release(version), release(prefix)
	if len(ps) == 0 || len(vs) < len(ps) {
		return false
	}
	for i := range ps {
		if vs[i] != ps[i] {
			return false
		}
	}
	return true
}

// release is the numeric segments a version starts with: v1.2.3-rc1 ->
// [1 2 3].
func release(v string) []int {
	v = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(v), "v"), "V")
	if i := strings.IndexByte(v, '!'); i >= 0 { // a PEP 440 epoch
		v = v[i+1:]
	}
	var out []int
	for _, part := range strings.Split(v, ".") {
		j := 0
		for j < len(part) && part[j] >= '0' && part[j] <= '9' {
			j++
		}
		if j == 0 {
			break
		}
		n, err := strconv.Atoi(part[:j])
		if err != nil {
			break
		}
		out = append(out, n)
		if j < len(part) {
			break
		}
	}
	return out
}

// join writes release segments back as a version.
func join(segs []int) string {
	s := make([]string, len(segs))
	for i, n := range segs {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// semverLike ecosystems order a pre-release before its release: an upper
// bound derived from ^ or ~ is X.Y.Z-0, below every pre-release of X.Y.Z.
func semverLike(ecosystem string) bool {
	switch ecosystem {
	case "npm", "crates.io", "Go", "Pub", "Hex":
		return true
	}
	return false
}

// upper is the exclusive upper bound that bumps segment i of segs (and
// drops what follows): bump([1 2 3], 1) = 1.3 (1.3.0-0 for semver).
func upper(ecosystem string, segs []int, i int) bound {
	b := make([]int, 0, max(len(segs), 3))
	b = append(b, segs[:i]...)
	b = append(b, segs[i]+1)
	if !semverLike(ecosystem) {
		return bound{"<", join(b)}
	}
	for len(b) < 3 {
		b = append(b, 0)
	}
	v := join(b) + "-0"
	return bound{"<", v}
}

// caret: ^1.2.3 := >=1.2.3 <2.0.0; ^0.2.3 := <0.3.0; ^0.0.3 := <0.0.4;
// the first non-zero segment may not change.
func caret(ecosystem, v string) ([]bound, error) {
	segs := release(v)
	if len(segs) == 0 {
		return nil, fmt.Errorf("^%s: no version number", v)
	}
	i := 0
	for i < len(segs)-1 && segs[i] == 0 {
		i++
	}
	return []bound{{">=", v}, upper(ecosystem, segs, i)}, nil
}

// tilde (npm, Cargo): ~1.2.3 := >=1.2.3 <1.3.0; ~1 := <2.0.0.
func tilde(ecosystem, v string) ([]bound, error) {
	segs := release(v)
	if len(segs) == 0 {
		return nil, fmt.Errorf("~%s: no version number", v)
	}
	return []bound{{">=", v}, upper(ecosystem, segs, min(1, len(segs)-1))}, nil
}

// pessimistic (RubyGems ~>, PEP 440 ~=, Composer ~): the last segment
// given may grow: ~>1.2 := >=1.2 <2; ~>1.2.3 := >=1.2.3 <1.3.
func pessimistic(ecosystem, v string) ([]bound, error) {
	segs := release(v)
	if len(segs) < 2 {
		return nil, fmt.Errorf("~>%s: needs at least two version numbers", v)
	}
	return []bound{{">=", v}, upper(ecosystem, segs, len(segs)-2)}, nil
}

// wildcard: 1.2.x, 1.2.*, 1.x := >=1.2.0 <1.3.0; * := any.
func wildcard(ecosystem, v string) ([]bound, bool) {
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	n := -1
	for i, p := range parts {
		if p == "x" || p == "X" || p == "*" {
			n = i
			break
		}
	}
	if n < 0 {
		return nil, false
	}
	if n == 0 {
		return []bound{}, true
	}
	segs := release(strings.Join(parts[:n], "."))
	if len(segs) != n {
		return nil, false
	}
	return []bound{{">=", join(segs)}, upper(ecosystem, segs, n-1)}, true
}

var ops = []string{"===", "~>", "~=", "<=", ">=", "==", "!=", "<<", ">>", "<", ">", "=", "^", "~"}

// comparators reads ||-separated alternatives of comparators joined by
// spaces or commas.
func comparators(ecosystem, s string) ([][]bound, error) {
	var out [][]bound
	for _, alt := range strings.Split(s, "||") {
		alt = strings.TrimSpace(alt)
		if alt == "" {
			return nil, fmt.Errorf("an empty alternative")
		}
		// A hyphen range: 1.2 - 1.4 := >=1.2 <=1.4.
		if lo, hi, ok := strings.Cut(alt, " - "); ok {
			out = append(out, []bound{{">=", strings.TrimSpace(lo)}, {"<=", strings.TrimSpace(hi)}})
			continue
		}
		toks := strings.FieldsFunc(alt, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
		var all []bound
		for i := 0; i < len(toks); i++ {
			tok := toks[i]
			op := ""
			for _, o := range ops {
				if strings.HasPrefix(tok, o) {
					op = o
					break
				}
			}
			v := strings.TrimSpace(tok[len(op):])
			if v == "" && op != "" && i+1 < len(toks) {
				i++ // an operator written apart: ">= 1.0"
				v = toks[i]
			}
			if v == "" {
				return nil, fmt.Errorf("%q: no version", tok)
			}
			bs, err := comparator(ecosystem, op, v)
			if err != nil {
				return nil, err
			}
			all = append(all, bs...)
		}
		out = append(out, all)
	}
	return out, nil
}

func comparator(ecosystem, op, v string) ([]bound, error) {
	if w, ok := wildcard(ecosystem, v); ok {
		if op != "" && op != "=" && op != "==" {
			return nil, fmt.Errorf("%s%s: a wildcard takes no operator", op, v)
		}
		return w, nil
	}
	switch op {
	case "":
		if ecosystem == "crates.io" {
			return caret(ecosystem, v) // Cargo reads 1.2.3 as ^1.2.3
		}
		return []bound{{"=", v}}, nil
	case "=", "==", "===":
		return []bound{{"=", v}}, nil
	case "!=":
		return []bound{{"!=", v}}, nil
	case "<", "<<":
		return []bound{{"<", v}}, nil
	case ">", ">>":
		return []bound{{">", v}}, nil
	case "<=", ">=":
		return []bound{{op, v}}, nil
	case "^":
		return caret(ecosystem, v)
	case "~":
		if ecosystem == "Packagist" {
			return pessimistic(ecosystem, v)
		}
		return tilde(ecosystem, v)
	case "~>", "~=":
		return pessimistic(ecosystem, v)
	}
	return nil, fmt.Errorf("unknown operator %q", op)
}

// pep440 reads PEP 440 specifiers joined by commas.
func pep440(s string) ([]bound, error) {
	var all []bound
	for _, spec := range strings.Split(s, ",") {
		spec = strings.TrimSpace(spec)
		op := ""
		for _, o := range []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"} {
			if strings.HasPrefix(spec, o) {
				op = o
				break
			}
		}
		v := strings.TrimSpace(spec[len(op):])
		if v == "" {
			return nil, fmt.Errorf("%q: no version", spec)
		}
		if strings.HasSuffix(v, ".*") {
			switch op {
			case "==":
				all = append(all, bound{"=*", strings.TrimSuffix(v, ".*")})
				continue
			case "!=":
				return nil, fmt.Errorf("%q: != with a wildcard is not read", spec)
			}
			return nil, fmt.Errorf("%q: a wildcard goes with ==", spec)
		}
		switch op {
		case "":
			return nil, fmt.Errorf("%q: no operator (==, !=, <, <=, >, >=, ~=)", spec)
		case "===", "==":
			all = append(all, bound{"=", v})
		case "~=":
			bs, err := pessimistic("PyPI", v)
			if err != nil {
				return nil, err
			}
			all = append(all, bs...)
		default:
			all = append(all, bound{op, v})
		}
	}
	return all, nil
}

// intervals reads Maven's and NuGet's version ranges: [a,b), (,b], [a,),
// [a] and several joined by commas, any of which may hold.
func intervals(s string) ([][]bound, error) {
	var out [][]bound
	rest := strings.TrimSpace(s)
	for rest != "" {
		if rest[0] != '[' && rest[0] != '(' {
			return nil, fmt.Errorf("%q: an interval starts with [ or (", rest)
		}
		end := strings.IndexAny(rest, "])")
		if end < 0 {
			return nil, fmt.Errorf("%q: an interval ends with ] or )", rest)
		}
		open, close, body := rest[0], rest[end], rest[1:end]
		rest = strings.TrimLeft(strings.TrimSpace(rest[end+1:]), ",")
		rest = strings.TrimSpace(rest)
		lo, hi, two := strings.Cut(body, ",")
		lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
		if !two {
			if open != '[' || close != ']' || lo == "" {
				return nil, fmt.Errorf("[%s]: one version is written [v]", body)
			}
			out = append(out, []bound{{"=", lo}})
			continue
		}
		var all []bound
		if lo != "" {
			op := ">"
			if open == '[' {
				op = ">="
			}
			all = append(all, bound{op, lo})
		}
		if hi != "" {
			op := "<"
			if close == ']' {
				op = "<="
			}
			all = append(all, bound{op, hi})
		}
		out = append(out, all)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no interval")
	}
	return out, nil
}
