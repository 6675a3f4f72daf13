package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
)

// gitleaks' detector runs every rule whose keyword appears anywhere in a
// fragment over the whole fragment: on a large file where common keywords
// ("key", "token", "sk") appear somewhere, dozens of regular expressions
// each read all of it (lodash.js: 0.3 MB/s). Every gitleaks rule's keyword
// is part of what the rule matches, so the scanner hands the detector only
// windows of the text around keyword hits, and around encoded runs whose
// decoding holds a keyword (the detector decodes within the window). Same
// findings, a fraction of the regular-expression work.

const (
	// windowBefore is kept before a keyword (gitleaks' longest lead-in is
	// `[\w.-]{0,50}?`) and around an encoded run.
	windowBefore = 64
	windowSnap   = 256 // extend a window to its line's start or end when that is this close
	maxPEM       = 64 << 10
)

// reach is how far after one of its keywords a rule's match can end, and
// what must follow the keyword for the rule to match at all.
type reach struct {
	id    string
	after int
	// gate, for the rules with a lead-in, must match the text right after
	// the keyword (a name's rest and an assignment operator).
	gate *regexp.Regexp
	// token: the rule's match holds no space or quote, so it ends with the
	// run of such characters that starts at the keyword.
	token bool
	// pre is the rule's own expression, run before its detector on the
	// least text a match through this keyword must lie in: anchored where
	// a gated rule's match must start (the lead-in's start), unanchored on
	// a token rule's run. No match there, no window: most keyword hits
	// are not secrets, and the detector costs far more per call.
	pre *regexp.Regexp
}

// leadIn is what gitleaks' semi-generic rules put before their keywords.
const leadIn = `[\w.-]{0,50}?`

// boundary is the end gitleaks' token rules require after a secret.
const boundary = `(?:[\x60'"\s;]|\\[nr]|$)`

// newReach: a rule with a lead-in (the generic and keyword-context rules)
// matches a name, an operator and a value of at most 150 characters after
// its keyword; a token rule, the token itself, and JWTs (whose keyword is
// their "ey" start) run longer.
func newReach(id, pattern string) reach {
	r := reach{id: id, after: 768}
	if strings.HasPrefix(id, "jwt") {
		r.after = 4096
	}
	if strings.Contains(pattern, leadIn) {
		r.after = 320
		r.gate = operatorGate(pattern)
	}
	r.token = r.gate == nil && tokenBounded(pattern)
	switch {
	case r.gate != nil:
		r.pre, _ = regexp.Compile(`^(?:` + pattern + `)`)
	case r.token:
		r.pre, _ = regexp.Compile(pattern)
	}
	return r
}

// leadStart is where a gated rule's match through the keyword at i can
// start at the earliest: the lead-in is at most 50 of [\w.-].
func leadStart(b []byte, i int) int {
	j := i
	for j > 0 && i-j < 50 && isLead[b[j-1]] {
		j--
	}
	return j
}

var isLead = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-32] = true, true
	}
	t['_'], t['.'], t['-'] = true, true, true
	return
}()

// runStart is where the run of non-stop characters holding i starts, or -1
// when it is longer than limit.
func runStart(b []byte, i, limit int) int {
	j := i
	for j > 0 && !isStop[b[j-1]] {
		if i-j >= limit {
			return -1
		}
		j--
	}
	return j
}

// operatorGate returns, for a semi-generic rule (`lead-in (?:keywords)
// (?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|...)[\x60'"\s=]{0,5}(secret)`), an
// anchored expression of what must follow a keyword: the name's rest (with
// room to spare) and the operator. Nil when the rule is not of that shape.
func operatorGate(pattern string) *regexp.Regexp {
	const rest, quote = `[ \t\w.-]{0,20}`, `[\x60'"\s=]{0,5}`
	i := strings.Index(pattern, rest)
	if i < 0 {
		return nil
	}
	j := strings.Index(pattern[i:], quote)
	if j < 0 {
		return nil
	}
	g := pattern[i+len(rest) : i+j+len(quote)]
	re, err := regexp.Compile(`(?i)^[ \t\w.-]{0,40}` + strings.TrimPrefix(g, ")"))
	if err != nil {
		return nil
	}
	return re
}

// stops are the characters that end a token.
const stops = " \t\r\n\"'`"

// tokenBounded reports whether no character a rule's expression can match
// (its trailing boundary aside) is a space or a quote.
func tokenBounded(pattern string) bool {
	re, err := syntax.Parse(strings.TrimSuffix(pattern, boundary), syntax.Perl)
	if err != nil {
		return false
	}
	var matchesStop func(*syntax.Regexp) bool
	matchesStop = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			return true
		case syntax.OpLiteral:
			for _, c := range r.Rune {
				if strings.ContainsRune(stops, c) {
					return true
				}
			}
		case syntax.OpCharClass:
			for i := 0; i+1 < len(r.Rune); i += 2 {
				for _, c := range stops {
					if r.Rune[i] <= c && c <= r.Rune[i+1] {
						return true
					}
				}
			}
		}
		for _, s := range r.Sub {
			if matchesStop(s) {
				return true
			}
		}
		return false
	}
	return !matchesStop(re)
}

// lineStart is where the line holding i starts, or i-windowBefore when
// that is further than windowSnap back (a long line: minified code).
func lineStart(b []byte, i int) int {
	lo := max(0, i-windowSnap)
	if j := bytes.LastIndexByte(b[lo:i], '\n'); j >= 0 {
		return lo + j + 1
	}
	if lo == 0 {
		return 0
	}
	return max(0, i-windowBefore)
}

// tokenEnd is the end of the run of non-stop characters from i.
func tokenEnd(b []byte, i, limit int) int {
	for i < limit && !isStop[b[i]] {
		i++
	}
	return i
}

var isStop = func() (t [256]bool) {
	for _, c := range stops {
		t[c] = true
	}
	return
}()

// window is a span of the text and its 1-based first line.
type window struct {
	start, end int
	line       int // 1-based line of start
}

// keywordIndex finds keyword hits in lowercased ASCII text.
type keywordIndex struct {
	trie     *ahocorasick.Trie
	keywords []string
}

// newKeywordIndex indexes the keywords; the trie's pattern numbers are
// their positions in k.keywords.
func newKeywordIndex(keywords []string) *keywordIndex {
	k := &keywordIndex{keywords: keywords}
	k.trie = ahocorasick.NewTrieBuilder().AddStrings(k.keywords).Build()
	return k
}

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

// hasKeyword reports whether s holds a keyword.
func (k *keywordIndex) hasKeyword(s string) bool {
	found := false
	k.trie.Walk(lowerASCII(s), func(_, _, _ int64) bool {
		found = true
		return false
	})
	return found
}

// minEncoded is the shortest run worth decoding: 16 base64 characters
// are 12 bytes, shorter than any keyword-bearing token.
const minEncoded = 16

// b64 marks the characters of base64 (standard and URL alphabets).
var b64 = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_" {
		t[c] = true
	}
	return
}()

// encodedRuns returns the spans of text that may be base64 (or hex) encoded
// values worth decoding, with their padding, and of percent-encoded runs:
// a hand-written pass, several times faster than the equivalent regular
// expression on large files.
func encodedRuns(text string) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case b64[c]:
			j := i + 1
			for j < len(text) && b64[text[j]] {
				j++
			}
			if j-i >= minEncoded {
				for k := 0; k < 2 && j < len(text) && text[j] == '='; k++ {
					j++
				}
				out = append(out, [2]int{i, j})
			}
			i = j
		case c == '%':
			j := i
			for j+2 < len(text) && text[j] == '%' && isHex(text[j+1]) && isHex(text[j+2]) {
				j += 3
			}
			if (j-i)/3 >= 6 {
				out = append(out, [2]int{i, j})
			}
			i = max(j, i+1)
		default:
			i++
		}
	}
	return out
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// hits finds, in a large text, the spans each rule must see (keyed by
// rule id: around that rule's own keywords) and the spans around encoded
// runs whose decoding holds a keyword (key ""), which the full detector,
// decoding, must see.
func (k *keywordIndex) hits(text string, rulesOf [][]reach) map[string][]window {
	lower := lowerASCII(text)
	spans := map[string][][2]int{}
	snap := func(s, e int) (int, int) {
		s, e = max(0, s), min(len(text), e)
		if i := bytes.LastIndexByte(lower[max(0, s-windowSnap):s], '\n'); i >= 0 {
			s = max(0, s-windowSnap) + i + 1
		}
		if i := bytes.IndexByte(lower[e:min(len(text), e+windowSnap)], '\n'); i >= 0 {
			e += i
		}
		return s, e
	}
	k.trie.Walk(lower, func(end, n, pattern int64) bool {
		pos := int(end - n + 1)
		pem := -1
		if bytes.HasPrefix(lower[pos:], []byte("-----begin")) {
			// A PEM block: to its END line.
			if i := bytes.Index(lower[pos:min(len(lower), pos+maxPEM)], []byte("-----end")); i >= 0 {
				pem = pos + i + 128
			}
		}
		kwEnd := pos + int(n)
		for _, r := range rulesOf[pattern] {
			e := kwEnd + r.after
			switch {
			case r.gate != nil:
				// The match starts at most 50 word characters before the
				// keyword, on its line, and its value, after the operator
				// the gate found, holds no space or quote: the window is
				// the keyword's line, up to the end of that value.
				g := r.gate.FindIndex(lower[kwEnd:min(len(lower), kwEnd+96)])
				if g == nil {
					continue
				}
				v := kwEnd + g[1]
				end := min(len(lower), tokenEnd(lower, v, min(len(lower), v+4096))+2)
				if r.pre != nil && !r.pre.MatchString(text[leadStart(lower, pos):end]) {
					continue
				}
				s, e := snap(lineStart(lower, pos), end)
				spans[r.id] = append(spans[r.id], [2]int{s, e})
				continue
			case r.token && pem < 0:
				// A token holds no space: it lies on the keyword's line.
				e = min(len(lower), e, tokenEnd(lower, kwEnd, min(len(lower), e))+4)
				if rs := runStart(lower, pos, 4096); r.pre != nil && rs >= 0 && !r.pre.MatchString(text[rs:e]) {
					continue
				}
				s, e := snap(lineStart(lower, pos), e)
				spans[r.id] = append(spans[r.id], [2]int{s, e})
				continue
			}
			if pem > e {
				e = pem
			}
			s, e := snap(pos-windowBefore, e)
			spans[r.id] = append(spans[r.id], [2]int{s, e})
		}
		return true
	})
	for _, m := range encodedRuns(text) {
		if decodesToKeyword(k, text[m[0]:m[1]], 3) {
			s, e := snap(m[0]-windowBefore, m[1]+windowBefore)
			spans[""] = append(spans[""], [2]int{s, e})
		}
	}
	out := map[string][]window{}
	var lines lineCounter
	lines.text = text
	for id, sp := range spans {
		sortSpans(sp)
		var ws []window
		for _, s := range sp {
			if n := len(ws); n > 0 && s[0] <= ws[n-1].end+64 {
				ws[n-1].end = max(ws[n-1].end, s[1])
				continue
			}
			ws = append(ws, window{s[0], s[1], 0})
		}
		for i := range ws {
			ws[i].line = lines.lineOf(ws[i].start)
		}
		out[id] = ws
	}
	return out
}

// lineCounter gives the 1-based line of an offset, from an index of
// newlines built once.
type lineCounter struct {
	text     string
	newlines []int
	built    bool
}

func (l *lineCounter) lineOf(off int) int {
	if !l.built {
		l.built = true
		for i := 0; i < len(l.text); {
			j := strings.IndexByte(l.text[i:], '\n')
			if j < 0 {
				break
			}
			l.newlines = append(l.newlines, i+j)
			i += j + 1
		}
	}
	return 1 + sort.SearchInts(l.newlines, off)
}

func sortSpans(s [][2]int) {
	// Insertion sort on the mostly sorted input.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j][0] < s[j-1][0]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// decodesToKeyword reports whether a run, decoded as base64, hex or
// percent-encoding (up to depth times), holds a keyword.
func decodesToKeyword(k *keywordIndex, run string, depth int) bool {
	if depth == 0 {
		return false
	}
	for _, d := range decodings(run) {
		if k.hasKeyword(d) {
			return true
		}
		for _, m := range encodedRuns(d) {
			if decodesToKeyword(k, d[m[0]:m[1]], depth-1) {
				return true
			}
		}
	}
	return false
}

func decodings(run string) []string {
	var out []string
	trim := strings.TrimRight(run, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(trim); err == nil && printableASCII(b) {
			out = append(out, string(b))
		}
	}
	if len(run)%2 == 0 {
		if b, err := hex.DecodeString(run); err == nil && printableASCII(b) {
			out = append(out, string(b))
		}
	}
	if strings.HasPrefix(run, "%") {
		var b []byte
		for i := 0; i+2 < len(run)+1 && i+3 <= len(run); i += 3 {
			if v, err := hex.DecodeString(run[i+1 : i+3]); err == nil {
				b = append(b, v...)
			}
		}
		out = append(out, string(b))
	}
	return out
}

// printableASCII: decoded bytes worth looking into (text, not binary).
func printableASCII(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	n := 0
	for _, c := range b {
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\r' || c == '\t' {
			n++
		}
	}
	return n*10 >= len(b)*9
}
