package permissions

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzCovers checks covers against IAM's own matching where the second
// pattern is a plain action: p covers the action exactly when p, as a
// glob (* any run, ? one character, case-insensitive), matches it.
func FuzzCovers(f *testing.F) {
	for _, r := range mustRules() {
		for _, ex := range r.Examples.Match {
			if s := ex.Statement; s != nil {
				for _, a := range s.Actions {
					f.Add(a, "iam:PassRole")
				}
			}
		}
	}
	f.Add("iam:P?ss*", "iam:PassRole")
	f.Fuzz(func(t *testing.T, p, action string) {
		// IAM actions are ASCII: the comparison is ASCII case folding.
		if len(p) > 64 || len(action) > 64 || strings.ContainsAny(action, "*?") || !isASCII(p) || !isASCII(action) {
			return
		}
		var re strings.Builder
		re.WriteString("(?is)^")
		for _, c := range p {
			switch c {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		want := regexp.MustCompile(re.String()).MatchString(action)
		if got := covers(p, action); got != want {
			t.Errorf("covers(%q, %q) = %v; as a glob it matches: %v", p, action, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
