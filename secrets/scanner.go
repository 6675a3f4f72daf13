package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/report"

	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// MaxDecodeDepth is how many layers of encoding (base64, hex, percent) are
// peeled off a file's text, as gitleaks' CLI does by default.
const MaxDecodeDepth = 5

// minString is the shortest printable run kept from a binary file.
const minString = 8

// Scanner finds secrets in file contents. It is safe for concurrent use:
// gitleaks' detector only reads its configuration while detecting, and
// each goroutine borrows its own full detector for the decoding passes.
type Scanner struct {
	rules *Rules
	keys  *keywordIndex
	// rulesOf lists, per keyword (the trie's pattern number), the rules
	// that have it; perRule holds a detector of each rule alone, decoding
	// nothing, for the windows around its keywords.
	rulesOf   [][]reach
	perRule   map[string]*detect.Detector
	text, bin sync.Pool

	// pathTests are the rules' tests of a file's path (a rule's Path, its
	// allowlists' paths); with the base name and the content's hash they
	// key the cache of results, so that identical files (a package copied
	// into several services, a layer rewriting a file unchanged) are
	// scanned once.
	pathTests []interface{ MatchString(string) bool }
	cacheMu   sync.Mutex
	cache     map[scanKey]scanResult
}

type scanKey struct {
	sum  [sha256.Size]byte
	name string
	mask uint64
}

type scanResult struct {
	fs  []Finding
	err error
}

const (
	cacheMin     = 512     // smaller files are scanned every time
	cacheEntries = 1 << 18 // at most this many results are kept
)

// NewScanner loads the rules and returns a scanner.
func NewScanner() (*Scanner, error) {
	rules, err := LoadRules()
	if err != nil {
		return nil, err
	}
	s := &Scanner{rules: rules, perRule: map[string]*detect.Detector{}}
	index := map[string]int{}
	var keywords []string
	for _, id := range sortedIDs(rules.All.Rules) {
		r := rules.All.Rules[id]
		one := rules.All
		one.Rules = map[string]config.Rule{id: r}
		one.Keywords = map[string]struct{}{}
		one.OrderedRules = []string{id}
		for _, k := range r.Keywords {
			k = strings.ToLower(k)
			one.Keywords[k] = struct{}{}
			i, ok := index[k]
			if !ok {
				i = len(keywords)
				index[k] = i
				keywords = append(keywords, k)
				s.rulesOf = append(s.rulesOf, nil)
			}
			s.rulesOf[i] = append(s.rulesOf[i], newReach(id, r.Regex.String()))
		}
		s.perRule[id] = detect.NewDetector(one)
	}
	s.keys = newKeywordIndex(keywords)
	for _, id := range sortedIDs(rules.All.Rules) {
		r := rules.All.Rules[id]
		if r.Path != nil {
			s.pathTests = append(s.pathTests, r.Path)
		}
		for _, a := range r.Allowlists {
			for _, p := range a.Paths {
				s.pathTests = append(s.pathTests, p)
			}
		}
	}
	for _, a := range rules.All.Allowlists {
		for _, p := range a.Paths {
			s.pathTests = append(s.pathTests, p)
		}
	}
	if len(s.pathTests) <= 64 {
		s.cache = map[scanKey]scanResult{}
	}
	s.text.New = func() any {
		d := detect.NewDetector(rules.All)
		d.MaxDecodeDepth = MaxDecodeDepth
		return d
	}
	s.bin.New = func() any { return detect.NewDetector(rules.Binary) }
	return s, nil
}

func sortedIDs(m map[string]config.Rule) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Scan returns the secrets in one file: path is its runtime path, content
// its bytes. Text is scanned with every rule, decoding encoded values
// first; a binary file (one with a NUL byte in its first 8 KiB) only in its
// printable strings, with the high-confidence rules. A file that is an
// environment configuration is also parsed, and its variables judged (see
// ScanEnv); a config that does not parse is returned as err, with the
// content findings.
func (s *Scanner) Scan(ctx context.Context, path string, content []byte) ([]Finding, error) {
	rel := strings.TrimPrefix(path, "/")
	if s.rules.Skipped(rel) {
		return nil, nil
	}
	if s.cache == nil || len(content) < cacheMin {
		return s.scan(ctx, path, rel, content)
	}
	key := scanKey{sum: sha256.Sum256(content), name: baseName(path)}
	for i, re := range s.pathTests {
		if re.MatchString(rel) {
			key.mask |= 1 << i
		}
	}
	s.cacheMu.Lock()
	r, ok := s.cache[key]
	s.cacheMu.Unlock()
	if !ok {
		fs, err := s.scan(ctx, path, rel, content)
		if ctx.Err() != nil {
			return fs, err
		}
		s.cacheMu.Lock()
		if len(s.cache) < cacheEntries {
			// A copy: the caller fills in each finding's origin.
			s.cache[key] = scanResult{append([]Finding(nil), fs...), err}
		}
		s.cacheMu.Unlock()
		return fs, err
	}
	// The same content under the same name: the same findings, at this path.
	fs := make([]Finding, len(r.fs))
	for i, f := range r.fs {
		f.Path = path
		f.Fingerprint = Fingerprint(f.RuleID, path, f.secret)
		fs[i] = f
	}
	return fs, r.err
}

func (s *Scanner) scan(ctx context.Context, path, rel string, content []byte) (fs []Finding, err error) {
	if isBinary(content) {
		d := s.bin.Get().(*detect.Detector)
		defer s.bin.Put(d)
		for _, gf := range d.DetectContext(ctx, detect.Fragment{Raw: printable(content), FilePath: rel}) {
			if f, ok := s.finding(gf, path); ok {
				f.Line = 0 // a line of a binary means nothing
				fs = append(fs, f)
			}
		}
		return dedupe(fs), nil
	}
	text := blankCertificates(content)
	detectIn := func(d *detect.Detector, w window) {
		for _, gf := range d.DetectContext(ctx, detect.Fragment{Raw: text[w.start:w.end], FilePath: rel, StartLine: w.line}) {
			if f, ok := s.finding(gf, path); ok {
				fs = append(fs, f)
			}
		}
	}
	full := s.text.Get().(*detect.Detector)
	defer s.text.Put(full)
	// Each rule sees the windows around its own keywords; the full
	// detector, decoding, the windows around encoded runs that decode to a
	// keyword (see window.go). Small files too: a whole-text pass decodes
	// every encoded run and reports a secret again in its decoded form.
	for id, ws := range s.keys.hits(text, s.rulesOf) {
		d := full
		if id != "" {
			d = s.perRule[id]
		}
		for _, w := range ws {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			detectIn(d, w)
		}
	}
	if format := envconfig.Detect(baseName(path), head(content)); format != "" {
		var env []Finding
		env, err = ScanEnv(path, format, content)
		fs = append(fs, env...)
	}
	return dedupe(fs), err
}

// ScanEnv judges the variables of an environment configuration: a literal
// in a variable whose name says it holds a secret is a finding ("env-secret");
// references, placeholders and values that are not secrets are not. Values
// that match a content rule are found by Scan's content pass.
func ScanEnv(path string, format envconfig.Format, content []byte) ([]Finding, error) {
	vars, err := envconfig.Parse(format, content)
	if err != nil {
		err = parseError(format, err)
	}
	var out []Finding
	for _, v := range vars {
		if !v.Literal || !secretLiteral(v.Name, v.Value) {
			continue
		}
		f := newFinding("env-secret", "A secret set as a literal in a variable named "+v.Name, Medium, path, v.Line, v.Value)
		f.Variable, f.Config = v.Name, string(format)
		out = append(out, f)
	}
	return out, err
}

// lineInError finds "line N" in a parser's message.
var lineInError = regexp.MustCompile(`(?i)\bline:? ?(\d+)|:(\d+),\d+`)

// parseError says that a config does not parse, and where, without the
// parser's own message: parsers quote the text around the error, which may
// be the secret itself.
func parseError(format envconfig.Format, err error) error {
	if m := lineInError.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("does not parse as %s (near line %s%s)", format, m[1], m[2])
	}
	return fmt.Errorf("does not parse as %s", format)
}

// EnvVars judges environment variables given as "KEY=value" (a container
// image's configuration): path names where they come from.
func EnvVars(path string, env []string) []Finding {
	var out []Finding
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !secretLiteral(k, v) {
			continue
		}
		f := newFinding("env-secret", "A secret set as a literal in a variable named "+k, Medium, path, 0, v)
		f.Variable, f.Config = k, "image-config"
		out = append(out, f)
	}
	return out
}

// finding turns a gitleaks finding into ours, or drops it as a decoy.
func (s *Scanner) finding(gf report.Finding, path string) (Finding, bool) {
	conf := s.rules.Confidence(gf.RuleID)
	secret := gf.Secret
	if isDecoy(secret, conf) {
		return Finding{}, false
	}
	if (gf.RuleID == "password-assignment" || gf.RuleID == "generic-api-key") && classes(secret) < 2 {
		return Finding{}, false
	}
	f := newFinding(gf.RuleID, gf.Description, conf, path, gf.StartLine, secret)
	var enc []string
	for _, t := range gf.Tags {
		if e, ok := strings.CutPrefix(t, "decoded:"); ok {
			enc = append(enc, e)
		}
	}
	f.Encoding = strings.Join(enc, ",")
	return f, true
}

// dedupe keeps one finding per secret and line: the most confident rule,
// then the most specific (a provider's rule before a generic one), merging
// what an environment config says about the variable.
func dedupe(fs []Finding) []Finding {
	if len(fs) < 2 {
		return fs
	}
	rank := func(f Finding) int {
		r := map[Confidence]int{High: 30, Medium: 20, Low: 10}[f.Confidence]
		if f.RuleID == "env-secret" {
			r -= 5
		}
		return r
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Line != fs[j].Line {
			return fs[i].Line < fs[j].Line
		}
		return rank(fs[i]) > rank(fs[j])
	})
	var out []Finding
	for _, f := range fs {
		dup := false
		for i := range out {
			o := &out[i]
			if o.Line == f.Line && (strings.Contains(o.secret, f.secret) || strings.Contains(f.secret, o.secret)) {
				dup = true
				if o.Variable == "" && f.Variable != "" {
					o.Variable, o.Config = f.Variable, f.Config
				}
				break
			}
		}
		if !dup {
			out = append(out, f)
		}
	}
	return out
}

var (
	beginCert = []byte("-----BEGIN CERTIFICATE-----")
	endCert   = []byte("-----END CERTIFICATE-----")
)

// blankCertificates returns the text with every PEM certificate blanked
// out (each byte but newlines made a space, so lines and columns stay):
// certificates are public, and a CA bundle's base64 (certifi's cacert.pem,
// in most Python functions) is mostly what the rules' keywords and the
// base64 decoder would otherwise spend their time on.
func blankCertificates(b []byte) string {
	i := bytes.Index(b, beginCert)
	if i < 0 {
		return string(b)
	}
	out := []byte(string(b))
	for i >= 0 {
		j := bytes.Index(out[i:], endCert)
		if j < 0 {
			break
		}
		end := i + j + len(endCert)
		for k := i; k < end; k++ {
			if out[k] != '\n' && out[k] != '\r' {
				out[k] = ' '
			}
		}
		next := bytes.Index(out[end:], beginCert)
		if next < 0 {
			break
		}
		i = end + next
	}
	return string(out)
}

// isBinary: a NUL byte in the first 8 KiB.
func isBinary(b []byte) bool {
	return bytes.IndexByte(b[:min(len(b), 8<<10)], 0) >= 0
}

// printable returns the runs of at least minString printable ASCII
// characters of a binary, one per line, as strings(1) does.
func printable(b []byte) string {
	var out strings.Builder
	start := -1
	for i, c := range b {
		if c >= 0x20 && c < 0x7f || c == '\t' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minString {
			out.Write(b[start:i])
			out.WriteByte('\n')
		}
		start = -1
	}
	if start >= 0 && len(b)-start >= minString {
		out.Write(b[start:])
		out.WriteByte('\n')
	}
	return out.String()
}

func head(b []byte) []byte { return b[:min(len(b), 4096)] }

func baseName(p string) string {
	if i := strings.LastIndexAny(p, "/!"); i >= 0 {
		return p[i+1:]
	}
	return p
}
