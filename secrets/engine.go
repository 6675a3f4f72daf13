package secrets

import (
	"context"
	"encoding/base64"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect/codec"
)

// The engine finds what gitleaks' detector finds in a text, rule by rule,
// with the detector's semantics (the expression's matches in
// leftmost-first order, the trimmed match, the secret group, entropy,
// the global and the rule's allowlists, the "gitleaks:allow" comment,
// the line numbers, the decoding passes, generic findings yielding to
// specific ones on the same line), but runs each expression only where
// its plan says it can match (see plan.go), and decodes only the lines
// that hold something decodable.

// rawFinding is a finding as the detector reports it, before shipcheck's
// own judgement.
type rawFinding struct {
	rule   *erule
	line   int // 1-based
	secret string
	tags   []string
}

// erule is a rule with its plan.
type erule struct {
	id   string
	r    config.Rule
	p    *plan
	conf Confidence
	// generic rules yield to others on the same line (gitleaks' filter).
	generic bool
}

// engine holds the rules, their plans and the keyword index.
type engine struct {
	rules    []*erule
	pathOnly []*erule
	global   []*config.Allowlist
	keywords []string
	matcher  *keywordMatcher
	kwRules  [][]int // keyword number -> rule numbers
}

func newEngine(cfg config.Config, conf func(string) Confidence) *engine {
	e := &engine{global: cfg.Allowlists}
	kwIndex := map[string]int{}
	for _, id := range sortedIDs(cfg.Rules) {
		r := cfg.Rules[id]
		er := &erule{id: id, r: r, conf: conf(id), generic: strings.Contains(strings.ToLower(id), "generic")}
		if r.Regex == nil {
			if r.Path != nil {
				e.pathOnly = append(e.pathOnly, er)
			}
			continue
		}
		er.p = newPlan(r)
		n := len(e.rules)
		e.rules = append(e.rules, er)
		for _, k := range r.Keywords {
			k = strings.ToLower(k)
			i, ok := kwIndex[k]
			if !ok {
				i = len(e.keywords)
				kwIndex[k] = i
				e.keywords = append(e.keywords, k)
				e.kwRules = append(e.kwRules, nil)
			}
			if !slices.Contains(e.kwRules[i], n) {
				e.kwRules[i] = append(e.kwRules[i], n)
			}
		}
	}
	e.matcher = newKeywordMatcher(e.keywords)
	return e
}

// ruleSet says which rules a text is scanned with.
type ruleSet func(*erule) bool

// scan finds the secrets in text, the content of the file at rel (its path
// as rules and allowlists see it), with the rules keep allows; decode
// says whether encoded values are decoded (gitleaks' decoding passes).
// startLine is the line text starts at (1 for a whole file).
func (e *engine) scan(ctx context.Context, rel, text string, startLine int, keep ruleSet, decode bool) []rawFinding {
	s := &textScan{e: e, rel: rel, text: text, startLine: startLine, keep: keep}
	var out []rawFinding
	for _, r := range e.pathOnly {
		if keep(r) && r.r.Path.MatchString(rel) {
			out = append(out, rawFinding{rule: r, secret: "", line: 0})
		}
	}
	hits := s.hits(text)
	if strings.Contains(text, "\u0130") {
		// gitleaks finds keywords in the text lowercased by Unicode's
		// rules, where İ becomes i: the rules it runs over the whole
		// text when a keyword is anywhere run here too.
		lowered := strings.ToLower(text)
		for ri, r := range e.rules {
			if r.p.whole && keep(r) && !hits.present[ri] {
				for _, k := range r.r.Keywords {
					if strings.Contains(lowered, strings.ToLower(k)) {
						hits.present[ri] = true
					}
				}
			}
		}
	}
	out = append(out, s.evaluate(ctx, text, hits, nil, 0, hits.present)...)
	if decode && MaxDecodeDepth > 0 {
		for _, rg := range decodeRegions(text) {
			if ctx.Err() != nil {
				break
			}
			out = append(out, s.decodeRegion(ctx, rg, hits.present)...)
		}
	}
	return filterGeneric(out)
}

// foldedLetters are the characters that case folding turns into an ASCII
// letter, the Kelvin sign (k) and the long s, with what stands for them
// in the text the keywords are looked for in: the same length, the
// letter last, so that an expression's (?i) match through them holds a
// keyword there too.
var foldedLetters = strings.NewReplacer("\u212a", "\x00\x00k", "\u017f", "\x00s")

// keywordText is the text keywords are looked for in.
func keywordText(text string) string {
	if strings.Contains(text, "\u212a") || strings.Contains(text, "\u017f") {
		return foldedLetters.Replace(text)
	}
	return text
}

// hitList is the keyword occurrences of a text, by rule.
type hitList struct {
	byRule  [][]hit
	present []bool // rule number -> one of its keywords is in the text
	n       int
}

type hit struct {
	pos int32 // where the keyword starts
	kw  int32 // its number
}

// textScan is the scan of one text.
type textScan struct {
	e         *engine
	rel, text string
	startLine int
	keep      ruleSet
	newlines  []int
	nlBuilt   bool
	pathOK    map[*erule]bool
}

// hits finds every keyword occurrence in text, for the rules kept.
func (s *textScan) hits(text string) hitList {
	text = keywordText(text)
	h := hitList{byRule: make([][]hit, len(s.e.rules)), present: make([]bool, len(s.e.rules))}
	keep := make([]int8, len(s.e.rules)) // 0 unknown, 1 kept, -1 not
	s.e.matcher.walk(text, func(p, pattern int) {
		pos := int32(p)
		for _, ri := range s.e.kwRules[pattern] {
			if keep[ri] == 0 {
				keep[ri] = -1
				if s.keep(s.e.rules[ri]) {
					keep[ri] = 1
				}
			}
			if keep[ri] < 0 {
				continue
			}
			h.present[ri] = true
			if !s.e.rules[ri].p.whole {
				h.byRule[ri] = append(h.byRule[ri], hit{pos, int32(pattern)})
			}
			h.n++
		}
	})
	return h
}

// ruleApplies says whether a rule looks at this file at all: its path
// expression, and its allowlists' path conditions (gitleaks'
// checkCommitOrPathAllowed, with no commit).
func (s *textScan) ruleApplies(r *erule) bool {
	if ok, seen := s.pathOK[r]; seen {
		return ok
	}
	ok := (r.r.Path == nil || r.r.Path.MatchString(s.rel)) && !pathAllowed(r.r.Allowlists, s.rel)
	if s.pathOK == nil {
		s.pathOK = map[*erule]bool{}
	}
	s.pathOK[r] = ok
	return ok
}

func pathAllowed(lists []*config.Allowlist, rel string) bool {
	for _, a := range lists {
		if a.MatchCondition == config.AllowlistMatchAnd {
			if len(a.Regexes) > 0 || len(a.StopWords) > 0 {
				continue // decided per finding
			}
			all := true
			if len(a.Commits) > 0 {
				all = false // no commit
			}
			if len(a.Paths) > 0 && !a.PathAllowed(rel) {
				all = false
			}
			if all {
				return true
			}
			continue
		}
		if a.PathAllowed(rel) {
			return true
		}
	}
	return false
}

// evaluate runs the rules present in raw (the text, or a decoded region of
// it) over their windows. segs and off are the decoding pass's segments
// and the region's offset in the text, nil and 0 for the text itself.
// present says which rules have a keyword in the whole text: gitleaks runs
// a rule whose matches need not hold a keyword when its keyword is
// anywhere in the fragment.
func (s *textScan) evaluate(ctx context.Context, raw string, hits hitList, segs []*codec.EncodedSegment, off int, present []bool) []rawFinding {
	var out []rawFinding
	for ri, r := range s.e.rules {
		if !present[ri] && len(hits.byRule[ri]) == 0 || ctx.Err() != nil {
			continue
		}
		if !s.keep(r) || !s.ruleApplies(r) {
			continue
		}
		var matches [][]int
		if r.p.whole {
			for _, w := range s.runWindows(r, raw) {
				for _, m := range r.r.Regex.FindAllStringIndex(raw[w[0]:w[1]], -1) {
					matches = append(matches, []int{m[0] + w[0], m[1] + w[0]})
				}
			}
		} else {
			for _, w := range s.windows(r, raw, hits.byRule[ri]) {
				for _, m := range r.r.Regex.FindAllStringIndex(raw[w[0]:w[1]], -1) {
					matches = append(matches, []int{m[0] + w[0], m[1] + w[0]})
				}
			}
		}
		for _, m := range matches {
			if f, ok := s.finding(r, raw, m, segs, off); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// maxEdge is how far a window's edge moves to reach a byte where the
// expression's assertions read as in the whole text; past it, the rule
// runs over the whole text.
const maxEdge = 4096

// windows returns the spans of raw a rule's expression must run over:
// around each keyword occurrence that can be part of a match, merged,
// their edges where assertions read as in the whole text.
func (s *textScan) windows(r *erule, raw string, hits []hit) [][2]int {
	p := r.p
	var spans [][2]int
	for _, h := range hits {
		k := s.e.keywords[h.kw]
		pos, q := int(h.pos), int(h.pos)+len(k)
		in := true
		for i := pos; i < q; i++ {
			in = in && p.set[raw[i]]
		}
		if !in {
			continue // a match cannot hold this occurrence
		}
		for i := range p.alts {
			a := &p.alts[i]
			if a.gates == nil {
				spans = append(spans, [2]int{
					scanBack(raw, pos, &a.set, a.before, a.nl),
					scanForward(raw, q, &a.set, a.after, a.nl, 0),
				})
				continue
			}
			g := a.gates[k]
			if g == nil || !g.pre.passes(raw, pos, q) {
				continue
			}
			hi := scanForward(raw, q, &g.restSet, g.restMax, g.restNL, gateSpan)
			if g.re != nil && hi-q < gateSpan {
				end := hi
				for n := 0; end < len(raw) && !p.endSafe[raw[end]] && n < maxEdge; n++ {
					end++
				}
				m := g.re.FindStringIndex(raw[q-1 : end])
				if m == nil {
					continue
				}
				hi = q - 1 + m[1]
			} else if hi-q >= gateSpan {
				hi = scanForward(raw, q, &g.restSet, g.restMax, g.restNL, 0)
			}
			spans = append(spans, [2]int{scanBack(raw, pos, &g.leadSet, g.leadMax, unbounded), hi})
		}
	}
	if len(spans) == 0 {
		return nil
	}
	return safeEdges(p, raw, mergeSpans(spans))
}

// safeEdges moves each span's edges out to bytes where the expression's
// assertions read as in the whole text, and merges the spans that then
// meet; past maxEdge, the whole text.
func safeEdges(p *plan, raw string, spans [][2]int) [][2]int {
	for i := range spans {
		lo, hi := spans[i][0], spans[i][1]
		for n := 0; lo > 0 && !p.startSafe[raw[lo-1]]; n++ {
			if n == maxEdge {
				return [][2]int{{0, len(raw)}}
			}
			lo--
		}
		for n := 0; hi < len(raw) && !p.endSafe[raw[hi]]; n++ {
			if n == maxEdge {
				return [][2]int{{0, len(raw)}}
			}
			hi++
		}
		spans[i] = [2]int{lo, hi}
	}
	return mergeSpans(spans)
}

// runWindows returns the spans a rule run over the whole text must see:
// around the runs of bytes every match holds (see runAnchor), or all of
// it.
func (s *textScan) runWindows(r *erule, raw string) [][2]int {
	p := r.p
	if p.runs == nil {
		return [][2]int{{0, len(raw)}}
	}
	var spans [][2]int
	for _, a := range p.runs {
		for i := 0; i < len(raw); {
			if !a.set[raw[i]] {
				i++
				continue
			}
			j := i + 1
			for j < len(raw) && a.set[raw[j]] {
				j++
			}
			if j-i >= a.n {
				spans = append(spans, [2]int{max(0, i-a.before), min(len(raw), j+a.after)})
			}
			i = j
		}
	}
	if len(spans) == 0 {
		return nil
	}
	return safeEdges(p, raw, mergeSpans(spans))
}

// scanBack returns how far before pos a match can start: over bytes in
// set, at most limit of them and nl newlines (unbounded: -1).
func scanBack(raw string, pos int, set *[256]bool, limit, nl int) int {
	lo, lines := pos, 0
	for lo > 0 && (limit == unbounded || pos-lo < limit) && set[raw[lo-1]] {
		if raw[lo-1] == '\n' {
			if nl != unbounded && lines == nl {
				break
			}
			lines++
		}
		lo--
	}
	return lo
}

// scanForward returns how far after q a match can end: over bytes in set,
// at most limit of them and nl newlines, and at most stop bytes when stop
// is not 0.
func scanForward(raw string, q int, set *[256]bool, limit, nl, stop int) int {
	hi, lines := q, 0
	for hi < len(raw) && (limit == unbounded || hi-q < limit) && set[raw[hi]] {
		if stop > 0 && hi-q >= stop {
			break
		}
		if raw[hi] == '\n' {
			if nl != unbounded && lines == nl {
				break
			}
			lines++
		}
		hi++
	}
	return hi
}

// mergeSpans sorts spans and joins those that overlap or touch.
func mergeSpans(spans [][2]int) [][2]int {
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp[0] <= last[1] {
			last[1] = max(last[1], sp[1])
			continue
		}
		out = append(out, sp)
	}
	return out
}

// finding judges one match as gitleaks' detector does.
func (s *textScan) finding(r *erule, raw string, m []int, segs []*codec.EncodedSegment, off int) (rawFinding, bool) {
	match := strings.Trim(raw[m[0]:m[1]], "\n")
	idx := []int{m[0], m[1]}
	var tags []string
	current := ""
	if segs != nil {
		ov := codec.SegmentsWithDecodedOverlap(segs, m[0], m[1])
		if len(ov) == 0 {
			return rawFinding{}, false // found in an earlier pass
		}
		idx = codec.AdjustMatchIndex(ov, idx)
		tags = codec.Tags(ov)
		current = codec.CurrentLine(ov, raw)
		idx = []int{idx[0] + off, idx[1] + off}
	} else {
		idx[1] = idx[0] + len(match)
	}
	line, ls, le := s.location(idx[0], idx[1])
	text := s.text[ls:le]
	if strings.Contains(text, "gitleaks:allow") {
		return rawFinding{}, false
	}
	if current == "" {
		current = text
	}
	secret := match
	if groups := r.r.Regex.FindStringSubmatch(match); len(groups) >= 2 {
		if r.r.SecretGroup > 0 {
			if len(groups) <= r.r.SecretGroup {
				return rawFinding{}, false
			}
			secret = groups[r.r.SecretGroup]
		} else {
			for _, g := range groups[1:] {
				if g != "" {
					secret = g
					break
				}
			}
		}
	}
	if r.r.Entropy != 0 && shannonEntropy(secret) <= r.r.Entropy {
		return rawFinding{}, false
	}
	if findingAllowed(s.e.global, secret, match, current, s.rel) || findingAllowed(r.r.Allowlists, secret, match, current, s.rel) {
		return rawFinding{}, false
	}
	// A copy: the text may be a view of a buffer the finding should not
	// keep alive.
	return rawFinding{rule: r, line: s.startLine + line, secret: strings.Clone(secret), tags: tags}, true
}

// findingAllowed is gitleaks' allowlist check of a finding (no commit).
func findingAllowed(lists []*config.Allowlist, secret, match, line, rel string) bool {
	for _, a := range lists {
		target := secret
		switch a.RegexTarget {
		case "match":
			target = match
		case "line":
			target = line
		}
		regexOK := a.RegexAllowed(target)
		stopOK, _ := a.ContainsStopWord(secret)
		if a.MatchCondition == config.AllowlistMatchAnd {
			all := true
			if len(a.Commits) > 0 {
				all = false
			}
			if len(a.Paths) > 0 && !a.PathAllowed(rel) {
				all = false
			}
			if len(a.Regexes) > 0 && !regexOK {
				all = false
			}
			if len(a.StopWords) > 0 && !stopOK {
				all = false
			}
			if all {
				return true
			}
			continue
		}
		if regexOK || stopOK {
			return true
		}
	}
	return false
}

// shannonEntropy is the entropy of s in bits per character, over its
// characters and divided by its length in bytes, as gitleaks computes it.
func shannonEntropy(s string) float64 {
	if s == "" {
		return 0
	}
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
	}
	inv := 1 / float64(len(s))
	e := 0.0
	for _, c := range counts {
		f := float64(c) * inv
		e -= f * math.Log2(f)
	}
	return e
}

// location is gitleaks' location of a match [start, end) in the text: its
// 0-based line (start's), and the line's text span (from the newline
// before it, to the newline after the end; from the text's start when the
// match is on a last line without a newline).
func (s *textScan) location(start, end int) (line, ls, le int) {
	nl := s.newlineIndex()
	if len(nl) == 0 {
		return 0, 0, max(len(s.text), end)
	}
	i := sort.SearchInts(nl, start+1) // first newline after start
	if i == len(nl) {
		le = end
		for le < len(s.text) && s.text[le] != '\n' && s.text[le] != '\r' {
			le++
		}
		return len(nl), 0, max(le, end)
	}
	if i > 0 {
		ls = nl[i-1]
	}
	le = nl[i]
	if j := sort.SearchInts(nl, end); j < len(nl) && (j == 0 && end > 0 || j > 0 && nl[j-1] < end) {
		le = nl[j]
	}
	return i, ls, max(le, end)
}

func (s *textScan) newlineIndex() []int {
	if !s.nlBuilt {
		s.nlBuilt = true
		t := s.text
		for i := 0; i < len(t); {
			j := strings.IndexByte(t[i:], '\n')
			if j < 0 {
				break
			}
			s.newlines = append(s.newlines, i+j)
			i += j + 1
		}
	}
	return s.newlines
}

// filterGeneric drops a generic rule's finding where another rule found a
// secret holding it on the same line (gitleaks' filter).
func filterGeneric(fs []rawFinding) []rawFinding {
	var out []rawFinding
	for _, f := range fs {
		keep := true
		if f.rule.generic {
			for _, g := range fs {
				if g.line == f.line && g.rule != f.rule && !g.rule.generic && strings.Contains(g.secret, f.secret) {
					keep = false
					break
				}
			}
		}
		if keep {
			out = append(out, f)
		}
	}
	return out
}

// region is a span of the text that is decoded on its own: a line (with
// its newline) holding something decodable.
type region struct{ start, end int }

// decodeRegion runs gitleaks' decoding passes over one region, and the
// rules over what each pass decoded.
func (s *textScan) decodeRegion(ctx context.Context, rg region, present []bool) []rawFinding {
	var out []rawFinding
	dec := codec.NewDecoder()
	raw := s.text[rg.start:rg.end]
	var segs []*codec.EncodedSegment
	for depth := 1; depth <= MaxDecodeDepth && ctx.Err() == nil; depth++ {
		raw, segs = dec.Decode(raw, segs)
		if len(segs) == 0 {
			break
		}
		hits := s.hits(raw)
		both := make([]bool, len(present))
		for i := range both {
			both[i] = present[i] || hits.present[i]
		}
		out = append(out, s.evaluate(ctx, raw, hits, segs, rg.start, both)...)
	}
	return out
}

// Decoding context: a match that overlaps a decoded value may start or
// end lines away from it (curl-auth-header spans up to six lines), so a
// region is the decodable line with up to regionLines lines before and
// after it, and at most regionBytes bytes of them on each side.
const (
	regionLines = 6
	regionBytes = 4096
	maxRegion   = 128 << 10
)

// decodeRegions returns the parts of text decoded on their own: each line
// that may hold an encoded value gitleaks' decoder would decode (a
// percent-encoded byte, a unicode escape, or a run of base64 or hex
// characters that decodes to printable text), with its context, merged
// where they meet. It looks at more than the decoder decodes (the decoder,
// run on the region, decides), never less.
func decodeRegions(text string) []region {
	var out []region
	push := func(lo, hi int) {
		if n := len(out); n > 0 && out[n-1].end >= lo && max(out[n-1].end, hi)-out[n-1].start <= maxRegion {
			out[n-1].end = max(out[n-1].end, hi)
		} else {
			out = append(out, region{lo, hi})
		}
	}
	// Whether the line [s, e) holds a percent-encoded byte: gitleaks'
	// percent segments run from a line's first to its last, so such a
	// line is decoded whole.
	pctLine, pct := -1, false
	hasPercent := func(s, e int) bool {
		if pctLine != s {
			pctLine, pct = s, false
			for k := s; k+2 < e; k++ {
				if text[k] == '%' && isHex(text[k+1]) && isHex(text[k+2]) {
					pct = true
					break
				}
			}
		}
		return pct
	}
	// add makes the region of the candidate text[i:j] and returns where to
	// look next.
	// The line [ls, le) of the last candidate: candidates come in order,
	// and a bundle's line holds thousands of them.
	ls, le := 0, -1
	add := func(i, j int) int {
		if i >= le {
			ls = strings.LastIndexByte(text[:i], '\n') + 1
			if k := strings.IndexByte(text[i:], '\n'); k < 0 {
				le = len(text)
			} else {
				le = i + k + 1
			}
		}
		s, e := ls, le
		if long := e-s > maxRegion; long || e-s > 2*regionBytes && !hasPercent(s, e) {
			// A long line (a bundle): the candidate and what lies around
			// it, cut where no encoded value can run across. A line with
			// percent-encoded bytes and longer than maxRegion is decoded
			// in pieces, as gitleaks dir reads a file in 100 KB chunks.
			lo, hi := max(s, i-regionBytes), min(e, j+regionBytes)
			if long && hasPercent(s, e) {
				// The fixed piece of the line that holds the candidate,
				// so that each byte of the line is decoded once.
				k := (i - s) / maxRegion
				lo, hi = s+k*maxRegion, min(e, s+(k+1)*maxRegion)
				for lo > s && !cutSafe(text[lo-1]) {
					lo--
				}
				for hi < e && !cutSafe(text[hi]) {
					hi++
				}
				out = append(out, region{lo, hi})
				return max(j, hi)
			}
			for lo > s && !cutSafe(text[lo-1]) {
				lo--
			}
			for hi < e && !cutSafe(text[hi]) {
				hi++
			}
			push(lo, hi)
			return j
		}
		lo := s
		for n := 0; n < regionLines && lo > 0 && s-lo < regionBytes; n++ {
			lo = strings.LastIndexByte(text[:lo-1], '\n') + 1
		}
		lo = max(lo, s-regionBytes)
		hi := e
		for n := 0; n < regionLines && hi < len(text) && hi-e < regionBytes; n++ {
			if j := strings.IndexByte(text[hi:], '\n'); j >= 0 {
				hi += j + 1
			} else {
				hi = len(text)
			}
		}
		push(lo, min(hi, e+regionBytes))
		return e
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '%' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			i = add(i, i+3)
		case (c == 'u' || c == 'U') && i > 0 && text[i-1] == '\\' && i+4 < len(text) && isHex(text[i+1]) && isHex(text[i+2]) && isHex(text[i+3]) && isHex(text[i+4]):
			i = add(i-1, i+5)
		case c == 'U' && i+5 < len(text) && text[i+1] == '+' && isHex(text[i+2]) && isHex(text[i+3]) && isHex(text[i+4]) && isHex(text[i+5]):
			i = add(i, i+6)
		case b64[c]:
			j := i + 1
			for j < len(text) && b64[text[j]] {
				j++
			}
			if j-i >= minEncoded && decodable(text, i, j) {
				i = add(i, j)
				continue
			}
			// A unicode escape may start inside the run ("U+" is in it).
			if k := strings.Index(text[i:j], "U+"); k >= 0 {
				i += k
				if i+5 < len(text) && isHex(text[i+2]) && isHex(text[i+3]) && isHex(text[i+4]) && isHex(text[i+5]) {
					i = add(i, i+6)
					continue
				}
				i += 2
				continue
			}
			i = j
		default:
			i++
		}
	}
	return out
}

// cutSafe: no value gitleaks' decoder decodes runs across this byte
// (base64 and hex characters, padding, escapes' backslashes, percent
// signs and the spaces of a U+XXXX chain are not cut-safe).
func cutSafe(c byte) bool {
	return !b64[c] && c != '=' && c != '\\' && c != '%' && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v'
}

// decodable reports whether the run text[i:j] of base64 characters (its
// padding after it) may decode, as a whole, as its hex prefix or as what
// follows that prefix, to printable text.
func decodable(text string, i, j int) bool {
	pad := j
	for pad < len(text) && pad-j < 2 && text[pad] == '=' {
		pad++
	}
	if printableB64(text[i:pad]) {
		return true
	}
	h := i
	for h < j && isHex(text[h]) {
		h++
	}
	if h-i >= 32 {
		if printableHex(text[i:h]) {
			return true
		}
		if j-h >= minEncoded && printableB64(text[h:pad]) {
			return true
		}
	}
	return false
}

func printableB64(v string) bool {
	for _, dec := range []func(string) ([]byte, error){stdB64, rawURLB64} {
		if b, err := dec(v); err == nil && printableBytes(b) {
			return true
		}
	}
	return false
}

func printableHex(v string) bool {
	if len(v)%2 != 0 {
		return false
	}
	for i := 0; i+1 < len(v); i += 2 {
		b := unhex(v[i])<<4 | unhex(v[i+1])
		if b <= 8 || b >= 0x7f {
			return false
		}
	}
	return true
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// printableBytes: every byte printable (gitleaks counts \t..\r in).
func printableBytes(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= 8 || c >= 0x7f {
			return false
		}
	}
	return true
}

var (
	stdB64    = base64.StdEncoding.DecodeString
	rawURLB64 = base64.RawURLEncoding.DecodeString
)

// lowerASCII lowercases A-Z only, so that offsets stay those of the text.
func lowerASCII(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return b
}

// minEncoded is the shortest run gitleaks' decoder decodes as base64
// (`[\w\/+-]{16,}={0,2}`).
const minEncoded = 16

// b64 marks the characters of that run.
var b64 = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_" {
		t[c] = true
	}
	return
}()

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
