package secrets

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// TestKeywordMatcher: every occurrence of every keyword, in any case,
// overlapping ones and keywords inside others included, at its offset, as
// a plain search over the lowercased text finds them.
func TestKeywordMatcher(t *testing.T) {
	keywords := []string{"key", "api", "api_key", "pass", "passwd", "://", "sk_live", "ey", "t3blbkfj", "a"}
	m := newKeywordMatcher(keywords)
	rng := rand.New(rand.NewSource(1))
	alphabet := "aApPiIkKeEyYsSwWdD_:/ -t3BlbkFJl\n\xc3\xa9"
	for n := 0; n < 500; n++ {
		var b strings.Builder
		for range rng.Intn(200) {
			if rng.Intn(10) == 0 {
				b.WriteString(keywords[rng.Intn(len(keywords))])
			} else {
				b.WriteByte(alphabet[rng.Intn(len(alphabet))])
			}
		}
		text := b.String()
		var got, want [][2]int
		m.walk(text, func(pos, kw int) { got = append(got, [2]int{pos, kw}) })
		lower := string(lowerASCII(text))
		for ki, k := range keywords {
			for i := 0; i+len(k) <= len(lower); i++ {
				if lower[i:i+len(k)] == k {
					want = append(want, [2]int{i, ki})
				}
			}
		}
		cmp := func(a, b [2]int) int {
			if a[0] != b[0] {
				return a[0] - b[0]
			}
			return a[1] - b[1]
		}
		slices.SortFunc(got, cmp)
		slices.SortFunc(want, cmp)
		if !slices.Equal(got, want) {
			t.Fatalf("%q: got %v, want %v", text, got, want)
		}
	}
}
