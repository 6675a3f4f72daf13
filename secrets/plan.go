package secrets

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zricethezav/gitleaks/v8/config"
)

// A rule's plan says where its expression can match, so that the
// expression runs only there and finds what it finds over the whole text.
//
// It rests on one property, checked on the expression itself: every match
// holds one of the rule's keywords (as gitleaks' keywords are written:
// the provider's prefix, or the names a generic assignment uses), within
// a bounded distance of the match's ends. Every keyword occurrence is
// found in one pass (Aho-Corasick); each match then lies inside the window
// of one of them, and running the expression over the windows (merged
// where they touch, their edges moved to where the expression's
// assertions read the same as in the whole text) finds the same matches,
// in the same leftmost-first order, as running it over the whole text.
// Rules without the property are run over the whole text, as gitleaks
// runs them, when one of their keywords is present.
//
// Most keyword occurrences are not secrets ("key" in "monkey", "api" in a
// URL). For the rules that assign a value to a name (the generic rules and
// the provider rules written with gitleaks' semi-generic helper), the
// plan also holds, per keyword, the rest of the expression after the
// name, anchored: an occurrence whose text does not continue as the rule
// requires (a name's end, an operator, a value) cannot be the name of a
// match, and opens no window.
type plan struct {
	whole bool // run over the whole text
	// runs, for a rule run over the whole text, are what every match of
	// each alternative holds: a run of at least n bytes of a set. The
	// expression then runs around the text's runs only (nil: over all of
	// it).
	runs []runAnchor
	// alts are the plans of the expression's top-level alternatives.
	alts []altPlan
	// set holds the bytes a match can be made of.
	set [256]bool
	// startSafe and endSafe are the bytes that may sit just before a
	// window's start and at its end: there the expression's assertions
	// (\b, $...) decide as they do in the whole text. Never a byte inside
	// a UTF-8 sequence.
	startSafe, endSafe [256]bool
}

// runAnchor is a run of bytes every match of an alternative holds: at
// least n bytes of set, with at most before bytes of the match before it
// and after bytes after it.
type runAnchor struct {
	set           [256]bool
	n             int
	before, after int
}

// minRunAnchor is the shortest run worth anchoring on: shorter runs
// (words) are everywhere.
const minRunAnchor = 12

// runAnchors finds, for each alternative of an expression (its top-level
// alternations opened), a part that is a repetition of one character
// class at least minRunAnchor times, with bounded parts around it. ok is
// false when one alternative has none.
func (a *analyser) runAnchors(re *syntax.Regexp) (out []runAnchor, ok bool) {
	alts := []*syntax.Regexp{re}
	for alts[0].Op == syntax.OpCapture {
		alts[0] = alts[0].Sub[0]
	}
	if alts[0].Op == syntax.OpAlternate {
		alts = alts[0].Sub
	}
	var plan func(parts []*syntax.Regexp, depth int) bool
	plan = func(parts []*syntax.Regexp, depth int) bool {
		langs := make([]lang, len(parts))
		for i, p := range parts {
			langs[i] = a.node(p)
		}
		best := -1
		var bestAnchor runAnchor
		for i, p := range parts {
			if p.Op != syntax.OpRepeat && p.Op != syntax.OpPlus {
				continue
			}
			sub := a.node(p.Sub[0])
			n := 1
			if p.Op == syntax.OpRepeat {
				n = p.Min
			}
			if sub.min < 1 || sub.asserts || n < minRunAnchor || best >= 0 && n <= bestAnchor.n {
				continue
			}
			before, after := 0, 0
			for _, l := range langs[:i] {
				before = addMax(before, l.max)
			}
			for _, l := range langs[i+1:] {
				after = addMax(after, l.max)
			}
			if before == unbounded || after == unbounded {
				continue
			}
			best, bestAnchor = i, runAnchor{set: sub.set, n: n, before: before, after: after}
		}
		if best >= 0 {
			out = append(out, bestAnchor)
			return true
		}
		if depth == 0 {
			return false
		}
		for i, p := range parts {
			if p.Op != syntax.OpAlternate || len(p.Sub) > 16 {
				continue
			}
			for _, b := range p.Sub {
				ps := append(append(append([]*syntax.Regexp(nil), parts[:i]...), flatten(b)...), parts[i+1:]...)
				if !plan(ps, depth-1) {
					return false
				}
			}
			return true
		}
		return false
	}
	for _, alt := range alts {
		if !plan(flatten(alt), 3) {
			return nil, false
		}
	}
	return out, true
}

// altPlan is the plan of one alternative.
type altPlan struct {
	// gates, when the alternative has a name part (a finite set of
	// strings each holding a keyword), hold per keyword of the name what
	// must follow it; an occurrence of another keyword is not a name.
	gates map[string]*gate
	// Without a name part: a match holds the occurrence, is made of the
	// bytes in set, at most before bytes before the occurrence's start
	// and after bytes after its end (unbounded: -1), with at most nl
	// newlines.
	set           [256]bool
	before, after int
	nl            int
}

// gate is what a keyword occurrence needs to be a match's name: the
// match's part before the name (lead) and after the keyword (rest: the
// name's own tail, then the rest of the expression).
type gate struct {
	pre preCheck
	// re is ^(?s:.)(?:tails)(?:rest), leftmost-longest, run on the text
	// from the keyword's last byte: no match, no name; a match ends where
	// the longest match through this name can end.
	re               *regexp.Regexp
	leadSet, restSet [256]bool
	leadMax, restMax int // bytes, unbounded -1
	restNL           int // newlines in the rest, unbounded -1
}

const (
	unbounded = -1
	maxStrs   = 256 // most strings a node's finite language is kept with
	maxStrLen = 96
	// gateSpan is the most text a gate's expression reads; past it, the
	// occurrence passes.
	gateSpan = 64 << 10
)

// lang summarises what a node of an expression matches.
type lang struct {
	min, max int // in bytes; max unbounded (-1) when it has no bound
	set      [256]bool
	strs     []string // the strings it matches, ASCII-lowercased, when few and short (nil: not kept)
	finite   bool     // strs is the whole language
	must     bool     // every string it matches holds a keyword
	asserts  bool     // it holds an assertion
	nl       int      // most newlines a match holds (unbounded -1)
}

type analyser struct {
	keywords []string // lowercase
}

func (a *analyser) holdsKeyword(s string) bool {
	for _, k := range a.keywords {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

func (a *analyser) allHoldKeyword(strs []string) bool {
	for _, s := range strs {
		if !a.holdsKeyword(s) {
			return false
		}
	}
	return true
}

func addMax(x, y int) int {
	if x == unbounded || y == unbounded {
		return unbounded
	}
	return x + y
}

func mulMax(x, n int) int {
	if x == unbounded || n == unbounded {
		if x == 0 {
			return 0
		}
		return unbounded
	}
	return x * n
}

func maxOf(x, y int) int {
	if x == unbounded || y == unbounded {
		return unbounded
	}
	return max(x, y)
}

// foldOrbit returns r and the runes that match it case-insensitively.
func foldOrbit(r rune) []rune {
	out := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, f)
	}
	return out
}

func addRuneBytes(set *[256]bool, r rune) {
	if r < utf8.RuneSelf {
		set[r] = true
		return
	}
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], r)
	for _, c := range b[:n] {
		set[c] = true
	}
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 32
	}
	return c
}

func lowerString(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = lowerByte(b[i])
	}
	return string(b)
}

// product concatenates every string of xs with every one of ys, or
// returns nil when there would be too many or too long.
func product(xs, ys []string) []string {
	if len(xs)*len(ys) > maxStrs {
		return nil
	}
	out := make([]string, 0, len(xs)*len(ys))
	for _, x := range xs {
		for _, y := range ys {
			if len(x)+len(y) > maxStrLen {
				return nil
			}
			out = append(out, x+y)
		}
	}
	return dedupStrs(out)
}

func dedupStrs(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func (a *analyser) node(re *syntax.Regexp) lang {
	var l lang
	switch re.Op {
	case syntax.OpNoMatch:
		l.finite, l.must = true, true
	case syntax.OpEmptyMatch:
		l.finite, l.strs = true, []string{""}
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		l.finite, l.strs, l.asserts = true, []string{""}, true
	case syntax.OpLiteral:
		strs := []string{""}
		for _, r := range re.Rune {
			rs := []rune{r}
			if re.Flags&syntax.FoldCase != 0 {
				rs = foldOrbit(r)
			}
			lo, hi := utf8.UTFMax, 0
			var alts []string
			for _, x := range rs {
				addRuneBytes(&l.set, x)
				n := utf8.RuneLen(x)
				lo, hi = min(lo, n), max(hi, n)
				// The Kelvin sign and the long s fold to k and s: the
				// keyword index sees them as k and s (see foldedLetters),
				// so the strings leave them out.
				if r < utf8.RuneSelf && x >= utf8.RuneSelf {
					continue
				}
				alts = append(alts, lowerString(string(x)))
			}
			l.min += lo
			l.max += hi
			if r == '\n' {
				l.nl++
			}
			if strs != nil {
				strs = product(strs, dedupStrs(alts))
			}
		}
		l.strs, l.finite = strs, strs != nil
	case syntax.OpCharClass:
		lo, hi := utf8.UTFMax, 0
		n := 0
		var strs []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			from, to := re.Rune[i], re.Rune[i+1]
			n += int(to-from) + 1
			for r := from; r <= to && r < utf8.RuneSelf; r++ {
				l.set[r] = true
			}
			if to >= utf8.RuneSelf {
				for c := 0x80; c < 0x100; c++ {
					l.set[c] = true
				}
			}
			lo = min(lo, utf8.RuneLen(from))
			hi = max(hi, runeLenMax(to))
			if n <= 8 {
				for r := from; r <= to; r++ {
					strs = append(strs, lowerString(string(r)))
				}
			}
		}
		if len(re.Rune) == 0 {
			l.finite, l.must = true, true // matches nothing
			break
		}
		l.min, l.max = lo, hi
		if l.set['\n'] {
			l.nl = 1
		}
		if n <= 8 {
			l.strs, l.finite = dedupStrs(strs), true
		}
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		for c := range 256 {
			l.set[c] = true
		}
		if re.Op == syntax.OpAnyCharNotNL {
			l.set['\n'] = false
		} else {
			l.nl = 1
		}
		l.min, l.max = 1, utf8.UTFMax
	case syntax.OpCapture:
		return a.node(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		sub := a.node(re.Sub[0])
		lo, hi := 0, 1
		switch re.Op {
		case syntax.OpStar:
			hi = unbounded
		case syntax.OpPlus:
			lo, hi = 1, unbounded
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
		}
		l.set, l.asserts = sub.set, sub.asserts
		l.min = lo * sub.min
		l.max = mulMax(sub.max, hi)
		l.nl = mulMax(sub.nl, hi)
		l.must = lo >= 1 && sub.must
		if sub.finite && hi != unbounded && hi <= 8 {
			strs := []string{}
			pow := []string{""}
			for n := 0; n <= hi && pow != nil; n++ {
				if n >= lo {
					strs = append(strs, pow...)
				}
				pow = product(pow, sub.strs)
			}
			if pow != nil || hi == 0 {
				l.strs, l.finite = dedupStrs(strs), true
			}
		}
	case syntax.OpConcat:
		subs := make([]lang, len(re.Sub))
		for i, s := range re.Sub {
			subs[i] = a.node(s)
			l.min += subs[i].min
			l.max = addMax(l.max, subs[i].max)
			l.nl = addMax(l.nl, subs[i].nl)
			for c := range 256 {
				l.set[c] = l.set[c] || subs[i].set[c]
			}
			l.asserts = l.asserts || subs[i].asserts
			l.must = l.must || subs[i].must
		}
		// A keyword may span several parts (passw(?:or)?d): the strings of
		// every run of finite parts.
		for i := range subs {
			strs := []string{""}
			for j := i; j < len(subs) && subs[j].finite && strs != nil; j++ {
				strs = product(strs, subs[j].strs)
				if strs != nil && len(strs) > 0 && a.allHoldKeyword(strs) {
					l.must = true
				}
			}
		}
		strs := []string{""}
		for _, s := range subs {
			if !s.finite || strs == nil {
				strs = nil
				break
			}
			strs = product(strs, s.strs)
		}
		l.strs, l.finite = strs, strs != nil
	case syntax.OpAlternate:
		l.must, l.finite = true, true
		var strs []string
		for i, s := range re.Sub {
			sl := a.node(s)
			if i == 0 {
				l.min, l.max, l.nl = sl.min, sl.max, sl.nl
			}
			l.min = min(l.min, sl.min)
			l.max = maxOf(l.max, sl.max)
			l.nl = maxOf(l.nl, sl.nl)
			for c := range 256 {
				l.set[c] = l.set[c] || sl.set[c]
			}
			l.asserts = l.asserts || sl.asserts
			l.must = l.must && sl.must
			if sl.finite && l.finite && len(strs)+len(sl.strs) <= maxStrs {
				strs = append(strs, sl.strs...)
			} else {
				l.finite = false
			}
		}
		if l.finite {
			l.strs = dedupStrs(strs)
		}
	}
	if l.finite && !l.must && len(l.strs) > 0 && a.allHoldKeyword(l.strs) {
		l.must = true
	}
	return l
}

func runeLenMax(r rune) int {
	if r > unicode.MaxRune {
		return utf8.UTFMax
	}
	if n := utf8.RuneLen(r); n > 0 {
		return n
	}
	return utf8.UTFMax
}

var isWordByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-32] = true, true
	}
	t['_'] = true
	return
}()

// newPlan analyses a rule's expression. A rule without keywords, or whose
// matches need not hold one, is run over the whole text.
func newPlan(r config.Rule) *plan {
	p := &plan{whole: true}
	if r.Regex == nil || len(r.Keywords) == 0 {
		return p
	}
	a := &analyser{}
	for _, k := range r.Keywords {
		k = strings.ToLower(k)
		for i := 0; i < len(k); i++ {
			if k[i] >= utf8.RuneSelf {
				return p // the keyword index is of ASCII text
			}
		}
		a.keywords = append(a.keywords, k)
	}
	re, err := syntax.Parse(r.Regex.String(), syntax.Perl)
	if err != nil {
		return p
	}
	top := a.node(re)
	p.set = top.set
	edges := p.assertionEdges(re)
	if !top.must && !alwaysHoldsKeyword(re, a.keywords) {
		// A rule gitleaks runs when its keyword is anywhere in the text:
		// around the runs every match holds, if it has them.
		if runs, ok := a.runAnchors(re); ok && edges {
			p.runs = runs
		}
		return p
	}
	if !edges {
		return p
	}
	alts := []*syntax.Regexp{re}
	for alts[0].Op == syntax.OpCapture {
		alts[0] = alts[0].Sub[0]
	}
	if alts[0].Op == syntax.OpAlternate {
		alts = alts[0].Sub
	}
	for _, alt := range alts {
		aps, ok := a.altPlans(flatten(alt), true)
		if !ok {
			return p
		}
		p.alts = append(p.alts, aps...)
	}
	p.whole = false
	return p
}

// altPlans plans one alternative, given as the parts of a concatenation.
// When it has no name part but one part is an alternation
// (\b(?:hvs\.[\w-]{90,120}|s\.[a-z0-9]{24})...), each branch is planned
// as an alternative of its own, once.
func (a *analyser) altPlans(parts []*syntax.Regexp, expand bool) ([]altPlan, bool) {
	whole := &syntax.Regexp{Op: syntax.OpConcat, Sub: parts}
	l := a.node(whole)
	if !l.must && !alwaysHoldsKeyword(whole, a.keywords) {
		return nil, false
	}
	langs := make([]lang, len(parts))
	for i, s := range parts {
		langs[i] = a.node(s)
	}
	j := nameIndex(a, langs)
	if j < 0 {
		// A name the parser split (p(?:ass(?:w(?:or)?d|phrase)|wd)):
		// the first run of finite parts whose strings each hold a keyword.
	runs:
		for i := range parts {
			strs := []string{""}
			for e := i; e < len(parts) && langs[e].finite; e++ {
				if strs = product(strs, langs[e].strs); strs == nil {
					break
				}
				if e > i && len(strs) > 0 && a.allHoldKeyword(strs) {
					name := &syntax.Regexp{Op: syntax.OpConcat, Sub: append([]*syntax.Regexp(nil), parts[i:e+1]...)}
					parts = append(append(append([]*syntax.Regexp(nil), parts[:i]...), name), parts[e+1:]...)
					langs = append(append(append([]lang(nil), langs[:i]...), a.node(name)), langs[e+1:]...)
					j = i
					break runs
				}
			}
		}
	}
	if j < 0 && expand {
		for i, s := range parts {
			if s.Op != syntax.OpAlternate || len(s.Sub) > 16 {
				continue
			}
			var out []altPlan
			for _, b := range s.Sub {
				ps := append(append(append([]*syntax.Regexp(nil), parts[:i]...), flatten(b)...), parts[i+1:]...)
				aps, ok := a.altPlans(ps, false)
				if !ok || aps[0].gates == nil {
					out = nil
					break
				}
				out = append(out, aps...)
			}
			if out != nil {
				return out, true
			}
		}
	}
	if j < 0 {
		return []altPlan{{set: l.set, before: l.max, after: l.max, nl: l.nl}}, true
	}
	ap := altPlan{gates: map[string]*gate{}}
	var restRe strings.Builder
	var rest lang
	for i, s := range parts[j+1:] {
		restRe.WriteString("(?:" + s.String() + ")")
		rl := langs[j+1+i]
		rest.max = addMax(rest.max, rl.max)
		rest.nl = addMax(rest.nl, rl.nl)
		for c := range 256 {
			rest.set[c] = rest.set[c] || rl.set[c]
		}
	}
	var lead lang
	for _, pl := range langs[:j] {
		lead.max = addMax(lead.max, pl.max)
		for c := range 256 {
			lead.set[c] = lead.set[c] || pl.set[c]
		}
	}
	pre := a.preCheckParts(parts, j)
	for _, k := range a.keywords {
		g := &gate{leadSet: lead.set, restSet: rest.set, restNL: rest.nl}
		var tails []string
		off, tailMax := 0, 0
		allStart := true
		for _, t := range langs[j].strs {
			for o := 0; o+len(k) <= len(t); o++ {
				if t[o:o+len(k)] != k {
					continue
				}
				tail := t[o+len(k):]
				tails = append(tails, tail)
				off, tailMax = max(off, o), max(tailMax, len(tail))
				allStart = allStart && o == 0
				for i := 0; i < o; i++ {
					g.leadSet[t[i]], g.leadSet[t[i]-32*btoiByte('a' <= t[i] && t[i] <= 'z')] = true, true
				}
				for i := 0; i < len(tail); i++ {
					g.restSet[tail[i]], g.restSet[tail[i]-32*btoiByte('a' <= tail[i] && tail[i] <= 'z')] = true, true
				}
			}
		}
		if len(tails) == 0 {
			continue
		}
		tails = dedupStrs(tails)
		g.leadMax = addMax(lead.max, off)
		g.restMax = addMax(tailMax, rest.max)
		var alts []string
		for _, t := range tails {
			alts = append(alts, "(?i:"+regexp.QuoteMeta(t)+")")
		}
		if re, err := regexp.Compile(`^(?s:.)(?:` + strings.Join(alts, "|") + `)` + restRe.String()); err == nil {
			re.Longest()
			g.re = re
		}
		if pre.ok {
			g.pre = pre
			g.pre.tails = tails
			g.pre.boundary = pre.boundary && allStart && isWordByte[k[0]]
		}
		ap.gates[k] = g
	}
	return []altPlan{ap}, true
}

func btoiByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// nameIndex is the first part whose strings are known and each hold a
// keyword, or -1.
func nameIndex(a *analyser, langs []lang) int {
	for i, pl := range langs {
		if pl.finite && len(pl.strs) > 0 && a.allHoldKeyword(pl.strs) {
			return i
		}
	}
	return -1
}

// preCheck is a byte-level necessary condition for a gate, tried before
// its expression: after the keyword, one of the name's tails, then up to
// m bytes of the optional parts' alphabet, then a run of at least minRun
// bytes that can start the first part that must match; and, when the
// name follows a word boundary, a non-word byte before it.
type preCheck struct {
	ok       bool
	tails    []string
	alphabet [256]bool
	m        int
	first    [256]bool
	minRun   int
	boundary bool
}

// preCheckParts derives the byte-level check from the parts after the
// name (parts[j]).
func (a *analyser) preCheckParts(parts []*syntax.Regexp, j int) preCheck {
	pc := preCheck{minRun: 1, boundary: j > 0 && parts[j-1].Op == syntax.OpWordBoundary}
	for _, s := range parts[j+1:] {
		l := a.node(s)
		if l.asserts {
			return preCheck{} // an assertion: no byte-level check
		}
		if l.min == 0 {
			if l.max == unbounded {
				return preCheck{}
			}
			for c := range 256 {
				pc.alphabet[c] = pc.alphabet[c] || l.set[c]
			}
			pc.m += l.max
			continue
		}
		pc.first = firstBytes(s)
		if s.Op == syntax.OpRepeat && s.Min > 0 {
			if sub := a.node(s.Sub[0]); sub.min >= 1 && !sub.asserts {
				pc.first, pc.minRun = sub.set, s.Min
			}
		}
		pc.ok = true
		return pc
	}
	return preCheck{}
}

func (pc preCheck) passes(raw string, pos, q int) bool {
	if !pc.ok {
		return true
	}
	if pc.boundary && pos > 0 && isWordByte[raw[pos-1]] {
		return false
	}
	for _, t := range pc.tails {
		i := q
		if len(t) > 0 {
			if len(raw)-q < len(t) || !strings.EqualFold(raw[q:q+len(t)], t) {
				continue
			}
			i += len(t)
		}
		for n := 0; i < len(raw); n++ {
			c := raw[i]
			if pc.first[c] {
				run := 1
				for run < pc.minRun && i+run < len(raw) && pc.first[raw[i+run]] {
					run++
				}
				if run >= pc.minRun {
					return true
				}
			}
			if n == pc.m || !pc.alphabet[c] {
				break
			}
			i++
		}
	}
	return false
}

// firstBytes is the set of bytes a node's matches can start with (all
// bytes when unsure).
func firstBytes(re *syntax.Regexp) (set [256]bool) {
	all := func() {
		for c := range 256 {
			set[c] = true
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			all()
			return
		}
		rs := []rune{re.Rune[0]}
		if re.Flags&syntax.FoldCase != 0 {
			rs = foldOrbit(re.Rune[0])
		}
		for _, r := range rs {
			set[[]byte(string(r))[0]] = true
		}
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1] && r < utf8.RuneSelf; r++ {
				set[r] = true
			}
			if re.Rune[i+1] >= utf8.RuneSelf {
				for c := 0xc0; c < 0x100; c++ {
					set[c] = true
				}
			}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return firstBytes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min > 0 {
			return firstBytes(re.Sub[0])
		}
		all()
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			f := firstBytes(s)
			for c := range 256 {
				set[c] = set[c] || f[c]
			}
		}
	case syntax.OpConcat:
		if len(re.Sub) > 0 && (&analyser{}).node(re.Sub[0]).min > 0 {
			return firstBytes(re.Sub[0])
		}
		all()
	default:
		all()
	}
	return
}

// assertionEdges works out which bytes may border a window: next to them,
// the expression's assertions decide as in the whole text. \b and \B need
// a non-word byte outside the window; $ (end of text) must be one of the
// alternatives of a set of end characters (gitleaks' `(?:[\x60'"\s;]|$)`),
// so that at a window ending before such a character, the match the
// window's $ allows is one the character allows in the whole text; a
// (?m) line assertion needs a newline; ^ (start of text) has no such
// neighbour, and runs the rule over the whole text.
func (p *plan) assertionEdges(re *syntax.Regexp) bool {
	for c := range 256 {
		// Never inside a UTF-8 sequence: an edge before a continuation
		// byte would cut a character.
		p.startSafe[c] = c < utf8.RuneSelf
		p.endSafe[c] = c < utf8.RuneSelf
	}
	ok := true
	var walk func(n *syntax.Regexp, parent *syntax.Regexp)
	walk = func(n *syntax.Regexp, parent *syntax.Regexp) {
		switch n.Op {
		case syntax.OpBeginText:
			ok = false
		case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
			for c := range 256 {
				p.startSafe[c] = p.startSafe[c] && !isWordByte[c]
				p.endSafe[c] = p.endSafe[c] && !isWordByte[c]
			}
		case syntax.OpBeginLine:
			for c := range 256 {
				p.startSafe[c] = p.startSafe[c] && c == '\n'
			}
		case syntax.OpEndLine:
			for c := range 256 {
				p.endSafe[c] = p.endSafe[c] && c == '\n'
			}
		case syntax.OpEndText:
			var class [256]bool
			found := false
			if parent != nil && parent.Op == syntax.OpAlternate {
				for _, s := range parent.Sub {
					if s.Op == syntax.OpCharClass {
						found = true
						for i := 0; i+1 < len(s.Rune); i += 2 {
							for r := s.Rune[i]; r <= s.Rune[i+1] && r < utf8.RuneSelf; r++ {
								class[r] = true
							}
						}
					}
				}
			}
			if !found {
				ok = false
			}
			for c := range 256 {
				p.endSafe[c] = p.endSafe[c] && class[c]
			}
		}
		for _, s := range n.Sub {
			walk(s, n)
		}
	}
	walk(re, nil)
	return ok
}

// flatten returns the parts of a concatenation in order, with groups
// (captures of concatenations) opened: `\b(ey[\w]{17,}...)` is the word
// boundary, the literal "ey", the repetition...
func flatten(re *syntax.Regexp) []*syntax.Regexp {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpConcat {
		return []*syntax.Regexp{re}
	}
	var out []*syntax.Regexp
	for _, s := range re.Sub {
		for s.Op == syntax.OpCapture {
			s = s.Sub[0]
		}
		if s.Op == syntax.OpConcat {
			out = append(out, flatten(s)...)
		} else {
			out = append(out, s)
		}
	}
	return out
}

// alwaysHoldsKeyword decides, on the expression's program, whether every
// string it matches holds one of the keywords (ASCII-lowercased): no path
// of the program reaches its match while a keyword automaton, fed the
// characters along the path, has not seen a keyword. Assertions are taken
// as always true, which can only add paths. This is exact where the
// string analysis (lang) gives up: keywords split by the parser's prefix
// factoring (A(?:KIA|SIA|3T[A-Z0-9])), or inside repetitions.
func alwaysHoldsKeyword(re *syntax.Regexp, keywords []string) bool {
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return false
	}
	// The keyword automaton over 129 symbols: ASCII bytes, and one for
	// every other character.
	const other = 128
	type node struct {
		next [129]int
		fail int
		out  bool
	}
	nodes := []node{{}}
	for i := range nodes[0].next {
		nodes[0].next[i] = -1
	}
	for _, k := range keywords {
		n := 0
		for i := 0; i < len(k); i++ {
			c := k[i]
			if nodes[n].next[c] < 0 {
				var nn node
				for j := range nn.next {
					nn.next[j] = -1
				}
				nodes = append(nodes, nn)
				nodes[n].next[c] = len(nodes) - 1
			}
			n = nodes[n].next[c]
		}
		nodes[n].out = true
	}
	// Breadth-first failure links, completing the transition table.
	queue := []int{}
	for c := range 129 {
		if t := nodes[0].next[c]; t >= 0 {
			nodes[t].fail = 0
			queue = append(queue, t)
		} else {
			nodes[0].next[c] = 0
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		nodes[n].out = nodes[n].out || nodes[nodes[n].fail].out
		for c := range 129 {
			t := nodes[n].next[c]
			if t >= 0 {
				nodes[t].fail = nodes[nodes[n].fail].next[c]
				queue = append(queue, t)
			} else {
				nodes[n].next[c] = nodes[nodes[n].fail].next[c]
			}
		}
	}
	// The symbols each instruction consumes.
	symbols := func(in *syntax.Inst) []int {
		var out []int
		for c := rune(0); c < 128; c++ {
			if in.MatchRune(c) {
				out = append(out, int(lowerByte(byte(c))))
			}
		}
		switch in.Op {
		case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			out = append(out, other)
		case syntax.InstRune, syntax.InstRune1:
			// Any character beyond ASCII it matches (the Kelvin sign and
			// the long s are seen as k and s, see foldedLetters).
			for i := 0; i+1 < len(in.Rune); i += 2 {
				if in.Rune[i+1] >= utf8.RuneSelf {
					out = append(out, other)
					break
				}
			}
			if len(in.Rune) == 1 && in.Rune[0] >= utf8.RuneSelf {
				out = append(out, other)
			}
		}
		return out
	}
	type state struct{ pc, ac int }
	seen := map[state]bool{}
	var stack []state
	push := func(s state) {
		if !seen[s] && !nodes[s.ac].out {
			seen[s] = true
			stack = append(stack, s)
		}
	}
	push(state{prog.Start, 0})
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		in := &prog.Inst[s.pc]
		switch in.Op {
		case syntax.InstMatch:
			return false // a match without a keyword
		case syntax.InstAlt, syntax.InstAltMatch:
			push(state{int(in.Out), s.ac})
			push(state{int(in.Arg), s.ac})
		case syntax.InstCapture, syntax.InstNop, syntax.InstEmptyWidth:
			push(state{int(in.Out), s.ac})
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			for _, c := range symbols(in) {
				push(state{int(in.Out), nodes[s.ac].next[c]})
			}
		}
	}
	return true
}
