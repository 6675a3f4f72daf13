package vuln

import (
	"context"
	"sync"

	"github.com/shipcheck/shipcheck/sbom"
)

// Matcher matches packages against a source and remembers what each
// distinct query (ecosystem, name, version) matched, so that a package
// shipped by many deployments (a rescan of an archive of SBOMs) is looked
// up and evaluated once, and its findings fanned out to every package that
// has it. A Matcher is a Source itself: given to Match (or to a run as its
// advisories), it is reused. It is safe for concurrent use; the source
// must not change while it is in use.
type Matcher struct {
	src  Source
	mu   sync.Mutex
	memo map[Query]*matched
}

// matched is what one query matched: its advisories and one finding (with
// no package) per group of aliased advisories.
type matched struct {
	recs     []*Record
	findings []Finding
}

// NewMatcher returns a Matcher over src.
func NewMatcher(src Source) *Matcher {
	return &Matcher{src: src, memo: map[Query]*matched{}}
}

// Candidates asks the source.
func (m *Matcher) Candidates(ctx context.Context, qs []Query) ([][]*Record, error) {
	return m.src.Candidates(ctx, qs)
}

// About describes the source.
func (m *Matcher) About() SourceInfo { return m.src.About() }

// Distinct counts the distinct queries matched so far.
func (m *Matcher) Distinct() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.memo)
}

// Match is Match over the Matcher's source: the queries it has not seen
// are looked up (together) and evaluated; the others are served from
// memory.
func (m *Matcher) Match(ctx context.Context, pkgs []*sbom.Package) (*Result, error) {
	var qs []Query
	var qp []*sbom.Package
	for _, p := range pkgs {
		if q, ok := QueryOf(p); ok {
			qs = append(qs, q)
			qp = append(qp, p)
		}
	}
	if err := m.learn(ctx, qs); err != nil {
		return nil, err
	}
	res := &Result{Source: m.src.About(), Queried: len(qs), records: map[string]*Record{}}
	m.mu.Lock()
	for i, q := range qs {
		mt := m.memo[q]
		for _, r := range mt.recs {
			res.records[r.ID] = r
		}
		for _, f := range mt.findings {
			res.Findings = append(res.Findings, forPackage(f, qp[i], q))
		}
	}
	m.mu.Unlock()
	SortFindings(res.Findings)
	return res, nil
}

// learn looks up and evaluates the queries not seen yet.
func (m *Matcher) learn(ctx context.Context, qs []Query) error {
	m.mu.Lock()
	var todo []Query
	seen := map[Query]bool{}
	for _, q := range qs {
		if _, ok := m.memo[q]; !ok && !seen[q] {
			seen[q] = true
			todo = append(todo, q)
		}
	}
	m.mu.Unlock()
	if len(todo) == 0 {
		return nil
	}
	cands, err := m.src.Candidates(ctx, todo)
	if err != nil {
		return err
	}
	found := make([]*matched, len(todo))
	for i, q := range todo {
		found[i] = evaluate(cands[i], q)
	}
	m.mu.Lock()
	for i, q := range todo {
		m.memo[q] = found[i]
	}
	m.mu.Unlock()
	return nil
}

// evaluate decides which candidates affect q and groups them by alias
// into findings.
func evaluate(cands []*Record, q Query) *matched {
	type hit struct {
		r *Record
		m Hit
	}
	var hits []hit
	for _, r := range cands {
		if h, ok := Affects(r, q); ok {
			hits = append(hits, hit{r, h})
		}
	}
	out := &matched{}
	for _, group := range groupByAlias(len(hits), func(i int) []string { return append([]string{hits[i].r.ID}, hits[i].r.Aliases...) }) {
		var recs []*Record
		var ms []Hit
		for _, j := range group {
			recs = append(recs, hits[j].r)
			ms = append(ms, hits[j].m)
			out.recs = append(out.recs, hits[j].r)
		}
		out.findings = append(out.findings, findingOf(q, recs, ms))
	}
	return out
}
