package vuln

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Level is a severity level, ordered: Unknown sorts apart (see Rank).
type Level string

const (
	None     Level = "none"
	Low      Level = "low"
	Medium   Level = "medium"
	High     Level = "high"
	Critical Level = "critical"
	Unknown  Level = "unknown"
)

// Levels are the levels a threshold may name, lowest first.
var Levels = []Level{None, Low, Medium, High, Critical}

// ParseLevel reads a level name.
func ParseLevel(s string) (Level, error) {
	for _, l := range append(Levels, Unknown) {
		if strings.EqualFold(s, string(l)) {
			return l, nil
		}
	}
	return "", fmt.Errorf("%q is not a severity (critical, high, medium, low, none)", s)
}

// Rank orders levels: none 0 ... critical 4; unknown ranks as unknownAs.
func (l Level) Rank(unknownAs Level) int {
	if l == Unknown {
		l = unknownAs
	}
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return len(Levels) // an unknown unknownAs: as high as it gets
}

// Rating is a finding's severity and where it comes from.
type Rating struct {
	Level Level `json:"level"`
	// Score is the CVSS base score, -1 where none is known.
	Score float64 `json:"score"`
	// Method is CVSSv2, CVSSv3, CVSSv31, CVSSv4, or "other" for a rating
	// the advisory's database gives without a vector.
	Method string `json:"method"`
	// Vector is the CVSS vector the score comes from, if any.
	Vector string `json:"vector,omitempty"`
}

// Rate computes the severity of an advisory as it affects one package: the
// highest base score of the CVSS vectors it carries (the affected entry's,
// then the record's), computed with go-cvss; else the rating or numeric
// CVSS score of its database_specific; else unknown.
func Rate(r *Record, a *Affected) Rating {
	best := Rating{Level: Unknown, Score: -1}
	var sevs []Severity
	if a != nil {
		sevs = append(sevs, a.Severity...)
	}
	sevs = append(sevs, r.Severity...)
	for _, s := range sevs {
		if rt, ok := fromVector(s); ok && rt.Score > best.Score {
			best = rt
		}
	}
	if best.Score >= 0 {
		return best
	}
	for _, db := range []map[string]any{affectedDB(a), r.DatabaseSpecific} {
		if rt, ok := fromDatabase(db); ok {
			return rt
		}
	}
	return best
}

func affectedDB(a *Affected) map[string]any {
	if a == nil {
		return nil
	}
	return a.DatabaseSpecific
}

func fromVector(s Severity) (Rating, bool) {
	v := strings.TrimSpace(s.Score)
	var score float64
	method := ""
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(v)
		if err != nil {
			return Rating{}, false
		}
		score, method = c.Score(), "CVSSv4"
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(v)
		if err != nil {
			return Rating{}, false
		}
		score, method = c.BaseScore(), "CVSSv31"
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(v)
		if err != nil {
			return Rating{}, false
		}
		score, method = c.BaseScore(), "CVSSv3"
	case s.Type == "CVSS_V2" || strings.HasPrefix(v, "AV:"):
		c, err := gocvss20.ParseVector(strings.TrimPrefix(strings.Trim(v, "()"), "CVSS:2.0/"))
		if err != nil {
			return Rating{}, false
		}
		score, method = c.BaseScore(), "CVSSv2"
	default:
		return Rating{}, false
	}
	return Rating{Level: levelOf(score, method == "CVSSv2"), Score: score, Method: method, Vector: v}, true
}

// fromDatabase reads what databases record without a vector: GHSA's
// "severity" (LOW, MODERATE, HIGH, CRITICAL), rubysec's cvss_v4 / cvss_v3 /
// cvss_v2 and the Node.js Security WG's cvss_score numbers.
func fromDatabase(db map[string]any) (Rating, bool) {
	if db == nil {
		return Rating{}, false
	}
	if s, ok := db["severity"].(string); ok {
		switch strings.ToUpper(s) {
		case "CRITICAL":
			return Rating{Level: Critical, Score: -1, Method: "other"}, true
		case "HIGH", "IMPORTANT":
			return Rating{Level: High, Score: -1, Method: "other"}, true
		case "MODERATE", "MEDIUM":
			return Rating{Level: Medium, Score: -1, Method: "other"}, true
		case "LOW", "NEGLIGIBLE", "UNIMPORTANT":
			return Rating{Level: Low, Score: -1, Method: "other"}, true
		}
	}
	for _, k := range []string{"cvss_v4", "cvss_v3", "cvss_score", "cvss_v2"} {
		n, ok := number(db[k])
		if !ok || n < 0 || n > 10 {
			continue
		}
		method := map[string]string{"cvss_v4": "CVSSv4", "cvss_v3": "CVSSv3", "cvss_score": "CVSSv3", "cvss_v2": "CVSSv2"}[k]
		return Rating{Level: levelOf(n, k == "cvss_v2"), Score: n, Method: method}, true
	}
	return Rating{}, false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n)
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// levelOf maps a score to a level: CVSS v3/v4's bands (0 none, 0.1-3.9 low,
// 4.0-6.9 medium, 7.0-8.9 high, 9.0-10 critical), CVSS v2's (low below 4,
// medium below 7, high from 7).
func levelOf(score float64, v2 bool) Level {
	switch {
	case v2 && score >= 7:
		return High
	case score >= 9:
		return Critical
	case score >= 7:
		return High
	case score >= 4:
		return Medium
	case score > 0 || v2:
		return Low
	}
	return None
}
