package envconfig

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parseDotenv reads a .env file with the syntax of github.com/joho/godotenv
// (comments, "export " prefixes, KEY=value or KEY: value, single-quoted raw
// values, double-quoted values with \n and \r escapes, unquoted values up to
// the end of the line less a " #" comment), which the tests check it against.
//
// It is a scanner of its own rather than godotenv.Parse because godotenv
// returns a map (no order, no line, last duplicate wins) and expands $VAR and
// ${VAR} from the variables before it: a reference would come back as ""
// and a password holding "$X" would come back changed. Here nothing is
// expanded; a value that is only an expansion ($VAR, ${VAR}, ${VAR:-x},
// $(command)), unquoted or double-quoted, is a reference with the text as
// written; a longer value that contains one is a literal kept as written.
// Keys may also contain '-'.
func parseDotenv(content []byte) ([]Variable, error) {
	src := bytes.ReplaceAll(bytes.TrimPrefix(content, []byte("\xef\xbb\xbf")), []byte("\r\n"), []byte("\n"))
	lines := []int{0}
	for i, c := range src {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	lineOf := func(off int) int {
		return sort.Search(len(lines), func(i int) bool { return lines[i] > off })
	}

	var vars []Variable
	p := 0
	for {
		// Skip blank space and comment lines.
		for p < len(src) {
			r, size := utf8.DecodeRune(src[p:])
			if unicode.IsSpace(r) {
				p += size
				continue
			}
			if r != '#' {
				break
			}
			if i := bytes.IndexByte(src[p:], '\n'); i >= 0 {
				p += i
			} else {
				p = len(src)
			}
		}
		if p >= len(src) {
			return vars, nil
		}
		line := lineOf(p)

		// The key.
		if rest, ok := bytes.CutPrefix(src[p:], []byte("export")); ok && len(rest) > 0 && isDotenvSpace(rune(rest[0])) {
			p += len("export")
			for p < len(src) && isDotenvSpace(rune(src[p])) {
				p++
			}
		}
		start := p
		for {
			if p >= len(src) {
				// godotenv reads a last line without '=' as a value with
				// no name; it sets no variable.
				return vars, nil
			}
			r, size := utf8.DecodeRune(src[p:])
			if r == '=' || r == ':' {
				break
			}
			if !(r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsNumber(r) || isDotenvSpace(r)) {
				return nil, fmt.Errorf("line %d: unexpected character %q in variable name", line, r)
			}
			p += size
		}
		name := strings.TrimRightFunc(string(src[start:p]), isDotenvSpace)
		p++ // '=' or ':'
		for p < len(src) {
			r, size := utf8.DecodeRune(src[p:])
			if !isDotenvSpace(r) {
				break
			}
			p += size
		}

		// The value.
		v := Variable{Name: name, Line: line}
		if p < len(src) && (src[p] == '"' || src[p] == '\'') {
			q := src[p]
			end := -1
			for i := p + 1; i < len(src); i++ {
				if q == '"' && src[i] == '\\' {
					i++ // an escaped character, whatever it is
					continue
				}
				// godotenv also ends a single-quoted value only at a quote
				// without a backslash before it.
				if src[i] == q && (q == '"' || src[i-1] != '\\') {
					end = i
					break
				}
			}
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated quoted value of %s", line, name)
			}
			raw := string(src[p+1 : end])
			p = end + 1
			if q == '\'' {
				v.Value, v.Literal = literal(raw)
			} else if isSoleExpansion(raw) {
				v.Value, v.Literal = raw, false
			} else {
				v.Value, v.Literal = literal(unescapeDotenv(raw))
			}
		} else {
			end := p
			for end < len(src) && src[end] != '\n' && src[end] != '\r' {
				end++
			}
			raw := []rune(string(src[p:end]))
			p = end
			// A comment starts at the last '#' that follows a space.
			for i := len(raw) - 1; i > 0; i-- {
				if raw[i] == '#' && isDotenvSpace(raw[i-1]) {
					raw = raw[:i]
					break
				}
			}
			s := strings.TrimFunc(string(raw), isDotenvSpace)
			if isSoleExpansion(s) {
				v.Value, v.Literal = s, false
			} else {
				v.Value, v.Literal = literal(s)
			}
		}
		if name != "" { // "=value" names nothing; godotenv reads it too
			vars = append(vars, v)
		}
	}
}

// isDotenvSpace is godotenv's notion of a space: white space other than a
// line break.
func isDotenvSpace(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return false
}

// unescapeDotenv decodes a double-quoted value as godotenv does: \n and \r
// are a newline and a carriage return, a backslash before any other
// character is dropped.
func unescapeDotenv(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// isSoleExpansion reports whether a value is nothing but one shell-style
// expansion: $NAME, ${...} or $(...).
func isSoleExpansion(s string) bool {
	switch {
	case strings.HasPrefix(s, "${"):
		i := strings.IndexByte(s, '}')
		return i > 2 && i == len(s)-1
	case strings.HasPrefix(s, "$("):
		return len(s) > 3 && strings.HasSuffix(s, ")")
	case strings.HasPrefix(s, "$") && len(s) > 1:
		for i, c := range s[1:] {
			if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
				return false
			}
		}
		return true
	}
	return false
}
