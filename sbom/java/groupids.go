package java

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed groupids.txt
var groupIDsText string

// groupID is one line of groupids.txt.
type groupID struct {
	artifact string // an artifact id, or a prefix when prefix is set
	prefix   bool
	group    string
	since    string // the version from which group holds; "" for always
	earlier  string // the group before since
}

var groupIDs = sync.OnceValues(func() (*groupTable, error) { return parseGroupIDs(groupIDsText) })

// groupTable is groupids.txt, ready for look-ups.
type groupTable struct {
	exact    map[string]groupID
	prefixes []groupID // longest first
}

// parseGroupIDs reads the table; a malformed or repeated line is an error
// (the test of groupids.txt reports it, and knownGroup then knows nothing).
func parseGroupIDs(text string) (*groupTable, error) {
	t := &groupTable{exact: map[string]groupID{}}
	seen := map[string]bool{}
	for n, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 && len(f) != 4 {
			return nil, fmt.Errorf("groupids.txt:%d: want ARTIFACT GROUP [SINCE EARLIER-GROUP], got %q", n+1, line)
		}
		g := groupID{artifact: f[0], group: f[1]}
		if len(f) == 4 {
			g.since, g.earlier = f[2], f[3]
			if len(versionNumbers(g.since)) == 0 || !validGroup(g.earlier) {
				return nil, fmt.Errorf("groupids.txt:%d: bad SINCE or EARLIER-GROUP in %q", n+1, line)
			}
		}
		g.artifact, g.prefix = strings.CutSuffix(g.artifact, "*")
		if !validArtifact(g.artifact) || !validGroup(g.group) {
			return nil, fmt.Errorf("groupids.txt:%d: bad artifact or group in %q", n+1, line)
		}
		if seen[f[0]] {
			return nil, fmt.Errorf("groupids.txt:%d: %s listed twice", n+1, f[0])
		}
		seen[f[0]] = true
		if g.prefix {
			t.prefixes = append(t.prefixes, g)
		} else {
			t.exact[g.artifact] = g
		}
	}
	// Longest prefix first, so that spring-boot* is tried before spring-*.
	slices.SortStableFunc(t.prefixes, func(a, b groupID) int { return len(b.artifact) - len(a.artifact) })
	return t, nil
}

// knownGroup returns the group that groupids.txt gives artifact at version,
// or "". A version that starts with no number counts as a recent one.
func knownGroup(artifact, version string) string {
	t, err := groupIDs()
	if err != nil {
		return ""
	}
	g, ok := t.exact[artifact]
	if !ok {
		for _, p := range t.prefixes {
			if strings.HasPrefix(artifact, p.artifact) {
				g, ok = p, true
				break
			}
		}
	}
	if !ok {
		return ""
	}
	if g.since != "" && len(versionNumbers(version)) > 0 && compareVersions(version, g.since) < 0 {
		return g.earlier
	}
	return g.group
}

// versionNumbers returns the numbers a version starts with: [1 7 0] for
// "1.7.0-beta", nil for "r09".
func versionNumbers(v string) []int {
	var out []int
	for _, part := range strings.Split(v, ".") {
		end := 0
		for end < len(part) && part[end] >= '0' && part[end] <= '9' {
			end++
		}
		if end == 0 {
			break
		}
		n, err := strconv.Atoi(part[:end])
		if err != nil {
			break
		}
		out = append(out, n)
		if end < len(part) {
			break
		}
	}
	return out
}

// compareVersions orders two versions by the numbers they start with,
// enough for the SINCE column: 1.6.5 < 1.7 = 1.7.0 < 4.
func compareVersions(a, b string) int {
	x, y := versionNumbers(a), versionNumbers(b)
	for i := 0; i < len(x) || i < len(y); i++ {
		var p, q int
		if i < len(x) {
			p = x[i]
		}
		if i < len(y) {
			q = y[i]
		}
		if p != q {
			if p < q {
				return -1
			}
			return 1
		}
	}
	return 0
}
