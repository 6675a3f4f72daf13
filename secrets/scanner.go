package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/h2non/filetype"
	"github.com/zricethezav/gitleaks/v8/config"

	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// MaxDecodeDepth is how many layers of encoding (base64, hex, percent) are
// peeled off a file's text, as gitleaks' CLI does by default.
const MaxDecodeDepth = 5

// minString is the shortest printable run kept from a binary file.
const minString = 8

// Depth says which rules a file is scanned with.
type Depth int

const (
	// AllRules: every rule, with encoded values decoded (first-party
	// files, and third-party ones when asked).
	AllRules Depth = iota
	// ProviderRules: the rules of credentials in a provider's own format
	// only (Rules.Provider), nothing decoded: the default for files of an
	// installed third-party package, where the generic keyword-and-entropy
	// rules find documentation, type declarations and test fixtures.
	ProviderRules
)

// Scanner finds secrets in file contents. It is safe for concurrent use.
type Scanner struct {
	rules *Rules
	eng   *engine
	own   map[string]bool // shipcheck's own rules (rules.toml)

	// pathTests are the rules' tests of a file's path (a rule's Path, its
	// allowlists' paths); with the base name and the content's hash they
	// key the cache of results, so that identical files (a package copied
	// into several services, a layer rewriting a file unchanged) are
	// scanned once.
	pathTests []interface{ MatchString(string) bool }
	// anyPath matches where one of pathTests does: most files match none,
	// and their mask is then known from one expression.
	anyPath *regexp.Regexp
	cacheMu sync.Mutex
	cache   map[scanKey]scanResult
	// disk, when set, keeps results across runs (see DiskCache).
	disk *DiskCache
}

// UseCache makes the scanner look up, and store, results in c.
func (s *Scanner) UseCache(c *DiskCache) { s.disk = c }

type scanKey struct {
	sum   [sha256.Size]byte
	name  string
	mask  uint64
	depth Depth
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
	s := &Scanner{rules: rules, own: map[string]bool{}}
	own, err := translate(ownRules)
	if err != nil {
		return nil, err
	}
	for id := range own.Rules {
		s.own[id] = true
	}
	s.eng = newEngine(rules.All, rules.Confidence)
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
	var pats []string
	for _, t := range s.pathTests {
		pats = append(pats, t.(fmt.Stringer).String())
	}
	s.anyPath = anyOf(pats)
	if len(s.pathTests) <= 64 {
		s.cache = map[scanKey]scanResult{}
	}
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
// its bytes (not changed by the caller while Scan runs), d the rules it is
// scanned with. Text is scanned as gitleaks'
// detector scans it (see engine.go); a binary (a file whose first bytes
// say it is an executable, an archive, a font or another application
// format: the files gitleaks skips) only in its printable strings, with
// the high-confidence rules. A file that is an environment configuration
// is also parsed, and its variables judged (see ScanEnv); a config that
// does not parse is returned as err, with the content findings.
func (s *Scanner) Scan(ctx context.Context, path string, content []byte, d Depth) ([]Finding, error) {
	rel := strings.TrimPrefix(path, "/")
	if s.rules.Skipped(rel) {
		return nil, nil
	}
	if s.cache == nil || len(content) < cacheMin {
		return s.scan(ctx, path, rel, content, d)
	}
	key := scanKey{sum: sha256.Sum256(content), name: baseName(path), depth: d}
	if s.anyPath == nil || s.anyPath.MatchString(rel) {
		for i, re := range s.pathTests {
			if re.MatchString(rel) {
				key.mask |= 1 << i
			}
		}
	}
	s.cacheMu.Lock()
	r, ok := s.cache[key]
	s.cacheMu.Unlock()
	if !ok && s.disk != nil {
		if fs, err, hit := s.disk.get(key.sum, key.name, key.mask, d); hit {
			r, ok = scanResult{fs, err}, true
			s.cacheMu.Lock()
			if len(s.cache) < cacheEntries {
				s.cache[key] = r
			}
			s.cacheMu.Unlock()
		}
	}
	if !ok {
		fs, err := s.scan(ctx, path, rel, content, d)
		if ctx.Err() != nil {
			return fs, err
		}
		if s.disk != nil {
			s.disk.put(key.sum, key.name, key.mask, d, fs, err)
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
		fs[i] = f.At(path)
	}
	return fs, r.err
}

// Chunks of a file scanned in parts (ScanReader): each overlaps the next
// by chunkOverlap bytes, longer than any match the rules make (the
// longest, a PEM private key, stays well under it).
const (
	chunkSize    = 16 << 20
	chunkOverlap = 1 << 20
)

// ScanReader scans a file too large to hold at once: size bytes read
// from r, in chunks of chunkSize that overlap by chunkOverlap, each
// starting at a line's start where one is near; a secret found in two
// chunks is reported once. The content is not cached, and not parsed as
// an environment configuration.
func (s *Scanner) ScanReader(ctx context.Context, path string, r io.ReaderAt, size int64, d Depth) ([]Finding, error) {
	rel := strings.TrimPrefix(path, "/")
	if s.rules.Skipped(rel) {
		return nil, nil
	}
	buf := make([]byte, min(size, chunkSize+chunkOverlap))
	n, err := r.ReadAt(buf[:min(int64(len(buf)), 8<<10)], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	binary := isBinary(buf[:n])
	type key struct {
		rule, secret string
		line         int
	}
	seen := map[key]bool{}
	var fs []Finding
	line := 1
	for start := int64(0); start < size; {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-start)], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return fs, err
		}
		b := buf[:n]
		// The next chunk starts chunkOverlap before this one's end, at
		// the start of a line when there is one near.
		next, aligned := start+int64(n), true
		if next < size {
			cut := max(0, n-chunkOverlap)
			i := bytes.IndexByte(b[cut:], '\n')
			aligned = i >= 0 && i < chunkOverlap/2
			if aligned {
				cut += i + 1
			}
			next = start + int64(cut)
		}
		nextLine := line + bytes.Count(b[:next-start], []byte{'\n'})
		var raw []rawFinding
		if binary {
			raw = s.eng.scan(ctx, rel, printable(b), 1, s.high, false)
		} else {
			raw = s.eng.scan(ctx, rel, blankCertificates(b), line, s.ruleSet(d), d == AllRules)
		}
		for _, rf := range raw {
			f, ok := s.finding(rf, path)
			if !ok {
				continue
			}
			if binary {
				f.Line = 0
			} else if next < size && (f.Line > nextLine || aligned && f.Line == nextLine) {
				// The next chunk holds the whole of that line: its
				// findings come from there (here, a match could be cut
				// at this chunk's end).
				continue
			}
			k := key{f.RuleID, f.secret, f.Line}
			if !seen[k] {
				seen[k] = true
				fs = append(fs, f)
			}
		}
		line, start = nextLine, next
	}
	return dedupe(fs), nil
}

// high keeps the high-confidence rules.
func (s *Scanner) high(r *erule) bool { return r.conf == High }

// provider keeps the rules of providers' own formats.
func (s *Scanner) provider(r *erule) bool { return s.rules.Provider(r.id) }

func (s *Scanner) ruleSet(d Depth) ruleSet {
	if d == ProviderRules {
		return s.provider
	}
	return func(*erule) bool { return true }
}

func (s *Scanner) scan(ctx context.Context, path, rel string, content []byte, d Depth) (fs []Finding, err error) {
	if isBinary(content) {
		for _, rf := range s.eng.scan(ctx, rel, printable(content), 1, s.high, false) {
			if f, ok := s.finding(rf, path); ok {
				f.Line = 0 // a line of a binary means nothing
				fs = append(fs, f)
			}
		}
		return dedupe(fs), nil
	}
	text := blankCertificates(content)
	for _, rf := range s.eng.scan(ctx, rel, text, 1, s.ruleSet(d), d == AllRules) {
		if f, ok := s.finding(rf, path); ok {
			fs = append(fs, f)
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
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
		err = envconfig.ParseError(format, err)
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

// finding turns the detector's finding into ours. gitleaks' rules are
// judged by gitleaks' own allowlists only (a rule's tests call its true
// positives secrets, placeholders-looking or not); shipcheck's own rules
// also drop decoys (placeholders, references, UUIDs, digests).
func (s *Scanner) finding(rf rawFinding, path string) (Finding, bool) {
	conf := s.rules.Confidence(rf.rule.id)
	if s.own[rf.rule.id] {
		if isDecoy(rf.secret, conf) || rf.rule.id == "password-assignment" && classes(rf.secret) < 2 {
			return Finding{}, false
		}
	}
	desc := rf.rule.r.Description
	if rf.rule.r.Regex == nil {
		desc += " (the file itself)"
	}
	f := newFinding(rf.rule.id, desc, conf, path, rf.line, rf.secret)
	var enc []string
	for _, t := range rf.tags {
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
		if rank(fs[i]) != rank(fs[j]) {
			return rank(fs[i]) > rank(fs[j])
		}
		if len(fs[i].secret) != len(fs[j].secret) {
			return len(fs[i].secret) > len(fs[j].secret)
		}
		return fs[i].RuleID < fs[j].RuleID
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
		return asString(b)
	}
	out := bytes.Clone(b)
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
	return asString(out)
}

// asString is b as a string, without a copy: Scan's callers hand it
// content they no longer change (see Scan), and the findings keep copies
// of what they need.
func asString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// isBinary: the file's first bytes say it is of an application format
// (an executable, an archive, a font, a document...), as gitleaks decides
// which files it skips. Text with a NUL byte is text.
func isBinary(b []byte) bool {
	if bytes.IndexByte(b[:min(len(b), 8<<10)], 0) < 0 {
		return false
	}
	t, err := filetype.Match(b[:min(len(b), 100_000)])
	return err == nil && t.MIME.Type == "application"
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
