// Package secrets finds credentials baked into an artifact: in code and
// shipped files, with gitleaks' default rules (its config and detector, as a
// library) and a few rules of our own, and in the function's environment
// configuration (SAM/CloudFormation, serverless.yml, Terraform, .env,
// local.settings.json, Lambda configuration JSON), parsed by envconfig,
// where a variable whose name says it holds a secret and whose value is a
// literal is a finding and a reference to a secret store is not.
//
// A secret never leaves this package in clear: a Finding carries a short
// prefix, the length and a fingerprint; the value itself is unexported.
package secrets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shipcheck/shipcheck/internal/expiry"
	"github.com/shipcheck/shipcheck/packaging"
)

// Confidence says how sure a rule is that a match is a live credential.
type Confidence string

const (
	// High: a token with a provider's own prefix or structure (AKIA...,
	// ghp_..., xoxb-..., a PEM private key).
	High Confidence = "high"
	// Medium: a provider keyword near a token-shaped value, a literal in a
	// variable whose name says it is a secret, a password in a URL.
	Medium Confidence = "medium"
	// Low: a generic assignment of a high-entropy value.
	Low Confidence = "low"
)

// Finding is one secret found.
type Finding struct {
	// RuleID names the rule: a gitleaks rule id ("aws-access-token"), one
	// of ours ("url-password"), or "env-secret" for a variable named as a
	// secret that holds a literal.
	RuleID      string     `json:"rule"`
	Description string     `json:"description"`
	Confidence  Confidence `json:"confidence"`
	// Path is the runtime path of the file ("/var/task/.env",
	// "/var/task/lib/app.jar!BOOT-INF/classes/application.properties"), or
	// of the image configuration for its environment.
	Path   string           `json:"path"`
	Line   int              `json:"line"` // 1-based, where the secret starts; 0 if unknown
	Origin packaging.Origin `json:"origin"`
	// Status is "deleted" or "shadowed" for a file a later layer removes or
	// replaces (it still ships in the image), "" for a file that runs.
	Status string `json:"status,omitempty"`
	// Variable and Config (the config format) are set for a finding in an environment config.
	Variable string `json:"variable,omitempty"`
	Config   string `json:"format,omitempty"`
	// Encoding is "base64" (or a chain, "base64,hex") when the secret was
	// found by decoding the file's text.
	Encoding string `json:"encoding,omitempty"`
	// Redacted shows the secret's first characters only; Length is its
	// length in characters.
	Redacted string `json:"redacted"`
	Length   int    `json:"length"`
	// Fingerprint identifies the finding across runs: a hash over the
	// rule, the path and the secret's hash. Ignore rules and baselines use
	// it.
	Fingerprint string `json:"fingerprint"`
	// ThirdParty is set when the file belongs to an installed package.
	ThirdParty *Package `json:"third_party,omitempty"`
	// Suppressed is set when an ignore rule covers the finding.
	Suppressed *Suppression `json:"suppressed,omitempty"`

	secret string
	sum    [sha256.Size]byte // the secret's SHA-256, for the fingerprint
}

// Package is the third-party package a finding sits in.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl,omitempty"`
	// Internal is set for a package that is the organisation's own (it
	// shares the application's namespace, or secrets.internal names it):
	// its findings are first-party.
	Internal bool `json:"internal,omitempty"`
}

// FirstParty reports whether a finding is the application's own: outside
// any installed package, or inside one that is the organisation's.
func (f Finding) FirstParty() bool { return f.ThirdParty == nil || f.ThirdParty.Internal }

// Secret returns the secret in clear, for callers that must compare it
// (tests, verification). Never print it.
func (f *Finding) Secret() string { return f.secret }

// newFinding fills in what every finding derives from its secret.
func newFinding(rule, desc string, conf Confidence, path string, line int, secret string) Finding {
	f := Finding{RuleID: rule, Description: desc, Confidence: conf, Path: path, Line: line, secret: secret, sum: sha256.Sum256([]byte(secret))}
	f.Redacted, f.Length = Redact(secret)
	f.Fingerprint = fingerprintSum(rule, path, f.sum)
	return f
}

// Redact returns what may be shown of a secret: at most its first four
// characters, and never more than a quarter of it, then "…"; and its length
// in characters.
func Redact(secret string) (string, int) {
	n := utf8.RuneCountInString(secret)
	show := min(4, n/4)
	var b strings.Builder
	for i, r := range secret {
		if utf8.RuneCountInString(secret[:i]) >= show {
			break
		}
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
	}
	b.WriteString("…")
	return b.String(), n
}

// Fingerprint is a stable identifier of a secret at a place: the first 16
// bytes of SHA-256 over the rule, the path and the secret's own SHA-256,
// hex, prefixed "sc1:". It reveals nothing usable about the secret.
func Fingerprint(rule, path, secret string) string {
	return fingerprintSum(rule, path, sha256.Sum256([]byte(secret)))
}

// fingerprintSum is Fingerprint from the secret's SHA-256.
func fingerprintSum(rule, path string, sum [sha256.Size]byte) string {
	h := sha256.Sum256([]byte(rule + "\x00" + path + "\x00" + hex.EncodeToString(sum[:])))
	return "sc1:" + hex.EncodeToString(h[:16])
}

// At returns the finding as found in another file of the same content
// (the scanner's caches): the same finding at path.
func (f Finding) At(path string) Finding {
	f.Path = path
	f.Fingerprint = fingerprintSum(f.RuleID, path, f.sum)
	return f
}

// String describes the finding for logs and errors, redacted.
func (f Finding) String() string {
	return fmt.Sprintf("%s at %s:%d (%s, %d chars, %s)", f.RuleID, f.Path, f.Line, f.Redacted, f.Length, f.Fingerprint)
}

// Format prints the finding as String does for every verb (%v, %+v, %#v,
// %s...), so that no formatting of a finding shows the secret.
func (f Finding) Format(s fmt.State, _ rune) { fmt.Fprint(s, f.String()) }

// Sort orders findings by path, line and rule, for stable outputs.
func Sort(fs []Finding) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.RuleID < b.RuleID
	})
}

// Ignore is a decision not to report a secret: its fingerprint, why, and
// optionally until when.
type Ignore struct {
	Fingerprint string `yaml:"fingerprint" json:"fingerprint"`
	Reason      string `yaml:"reason" json:"reason"`
	Expires     string `yaml:"expires,omitempty" json:"expires,omitempty"` // YYYY-MM-DD
}

// Validate checks an ignore rule: a fingerprint, a reason, a date.
func (i Ignore) Validate() error {
	if !strings.HasPrefix(i.Fingerprint, "sc1:") || len(i.Fingerprint) != 36 {
		return fmt.Errorf("secret ignore rule: %q is not a fingerprint (sc1: and 32 hex digits, as the reports give it)", i.Fingerprint)
	}
	if strings.TrimSpace(i.Reason) == "" {
		return fmt.Errorf("secret ignore rule %s: give a reason", i.Fingerprint)
	}
	if err := expiry.Check(i.Expires); err != nil {
		return fmt.Errorf("secret ignore rule %s: %w", i.Fingerprint, err)
	}
	return nil
}

// Suppression says why a finding does not count.
type Suppression struct {
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

// Apply marks the findings that an ignore rule in force covers, and
// returns the rules that have expired (their findings count again).
func Apply(fs []Finding, ignores []Ignore, now time.Time) (expired []Ignore) {
	by := map[string]Ignore{}
	for _, i := range ignores {
		if expiry.Passed(i.Expires, now) {
			expired = append(expired, i)
			continue
		}
		by[i.Fingerprint] = i
	}
	for k := range fs {
		if i, ok := by[fs[k].Fingerprint]; ok {
			fs[k].Suppressed = &Suppression{Reason: i.Reason, Expires: i.Expires}
		}
	}
	return expired
}

// Allow says where secrets are expected (test fixtures, documentation): a
// finding whose runtime path matches Path (a glob: * within a path
// segment, ** across segments, ? one character), and whose rule is Rule
// when given, is suppressed with the reason.
type Allow struct {
	Path   string `yaml:"path" json:"path"`
	Rule   string `yaml:"rule,omitempty" json:"rule,omitempty"`
	Reason string `yaml:"reason" json:"reason"`
	re     *regexp.Regexp
}

// Compile checks an allow rule and prepares its glob.
func (a *Allow) Compile() error {
	if a.Path == "" {
		return fmt.Errorf("secret allow rule: give a path (a glob such as /var/task/tests/**)")
	}
	if strings.TrimSpace(a.Reason) == "" {
		return fmt.Errorf("secret allow rule %s: give a reason", a.Path)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(a.Path); i++ {
		switch c := a.Path[i]; {
		case c == '*' && i+1 < len(a.Path) && a.Path[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/!]*")
		case c == '?':
			b.WriteString("[^/!]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return fmt.Errorf("secret allow rule %s: %w", a.Path, err)
	}
	a.re = re
	return nil
}

// Matches reports whether the rule covers a finding.
func (a *Allow) Matches(f Finding) bool {
	if a.re == nil && a.Compile() != nil {
		return false
	}
	return (a.Rule == "" || a.Rule == f.RuleID) && a.re.MatchString(f.Path)
}

// AllowIn marks the findings an allow rule covers (and no ignore rule
// already did).
func AllowIn(fs []Finding, allows []Allow) {
	for k := range fs {
		if fs[k].Suppressed != nil {
			continue
		}
		for i := range allows {
			if allows[i].Matches(fs[k]) {
				fs[k].Suppressed = &Suppression{Reason: allows[i].Reason}
				break
			}
		}
	}
}
