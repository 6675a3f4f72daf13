package vuln

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// DefaultAPIURL is the OSV API.
const DefaultAPIURL = "https://api.osv.dev"

// API asks the OSV API (querybatch, then each advisory's details). It sends
// package names and versions, so it is never the default. Details are kept
// in a cache folder keyed by id and "modified", so a run asks only for
// advisories that changed.
type API struct {
	BaseURL  string // default DefaultAPIURL
	CacheDir string // "" for no cache
	HTTP     *http.Client

	once sync.Once
	c    *client

	mu    sync.Mutex
	goRaw map[string][]byte // Go advisories fetched, for govulncheck
}

// batchSize is the most queries OSV's querybatch takes at once.
const batchSize = 1000

type apiQuery struct {
	Package   Package `json:"package"`
	Version   string  `json:"version"`
	PageToken string  `json:"page_token,omitempty"`
}

type apiBatchResult struct {
	Results []struct {
		Vulns []struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
		} `json:"vulns"`
		NextPageToken string `json:"next_page_token"`
	} `json:"results"`
}

func (a *API) base() string {
	if a.BaseURL == "" {
		return DefaultAPIURL
	}
	return strings.TrimRight(a.BaseURL, "/")
}

func (a *API) client() *client {
	a.once.Do(func() { a.c = newClient(a.HTTP) })
	return a.c
}

func (a *API) About() SourceInfo { return SourceInfo{Kind: "OSV API", Location: a.base()} }

// Candidates asks which advisories affect each query, then fetches them.
func (a *API) Candidates(ctx context.Context, qs []Query) ([][]*Record, error) {
	ids := make([][]idMod, len(qs))
	for start := 0; start < len(qs); start += batchSize {
		end := min(start+batchSize, len(qs))
		batch := make([]apiQuery, 0, end-start)
		for _, q := range qs[start:end] {
			batch = append(batch, apiQuery{Package: Package{Ecosystem: q.Ecosystem, Name: q.Name}, Version: q.Version})
		}
		res, err := a.queryBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		if len(res.Results) != len(batch) {
			return nil, fmt.Errorf("OSV API: %d results for %d queries", len(res.Results), len(batch))
		}
		for i, r := range res.Results {
			for _, v := range r.Vulns {
				ids[start+i] = append(ids[start+i], idMod{v.ID, v.Modified})
			}
			// More pages for this query: ask again, one page at a time, a
			// bounded number of times (a server that always answers with a
			// token is not followed forever).
			seen := map[string]bool{}
			for tok := r.NextPageToken; tok != ""; {
				if seen[tok] || len(seen) == maxPages {
					return nil, fmt.Errorf("OSV API: %s %s: more than %d pages of advisories, or a page token given twice; refusing to follow further", batch[i].Package.Ecosystem, batch[i].Package.Name, maxPages)
				}
				seen[tok] = true
				q := batch[i]
				q.PageToken = tok
				more, err := a.queryBatch(ctx, []apiQuery{q})
				if err != nil {
					return nil, err
				}
				tok = ""
				if len(more.Results) == 1 {
					for _, v := range more.Results[0].Vulns {
						ids[start+i] = append(ids[start+i], idMod{v.ID, v.Modified})
					}
					tok = more.Results[0].NextPageToken
				}
			}
		}
	}
	unique := map[string]string{}
	for _, l := range ids {
		for _, im := range l {
			unique[im.id] = im.modified
		}
	}
	recs := map[string]*Record{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for id, mod := range unique {
		g.Go(func() error {
			r, err := a.vuln(gctx, id, mod)
			if err != nil {
				return err
			}
			mu.Lock()
			recs[id] = r
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([][]*Record, len(qs))
	for i, l := range ids {
		for _, im := range l {
			out[i] = append(out[i], recs[im.id])
		}
	}
	return out, nil
}

type idMod struct{ id, modified string }

// Bounds on what the API may send: pages per query, a batch reply (ids and
// dates of up to 1,000 queries: kilobytes in practice), one record.
const (
	maxPages       = 100
	maxBatchReply  = 32 << 20
	maxRecordReply = 16 << 20
)

func (a *API) queryBatch(ctx context.Context, qs []apiQuery) (*apiBatchResult, error) {
	body, err := json.Marshal(map[string]any{"queries": qs})
	if err != nil {
		return nil, err
	}
	resp, err := a.client().do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, a.base()+"/v1/querybatch", bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	})
	if err != nil {
		return nil, fmt.Errorf("OSV API querybatch: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBatchReply+1))
	if err != nil {
		return nil, fmt.Errorf("OSV API querybatch: %w", err)
	}
	if len(b) > maxBatchReply {
		return nil, fmt.Errorf("OSV API querybatch: a reply over %d MiB for %d queries (ids only): refused", maxBatchReply>>20, len(qs))
	}
	var res apiBatchResult
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("OSV API querybatch: %w", err)
	}
	return &res, nil
}

// vuln returns an advisory's details, from the cache when it holds this
// "modified" of it.
func (a *API) vuln(ctx context.Context, id, modified string) (*Record, error) {
	cache := ""
	if a.CacheDir != "" && !strings.ContainsAny(id, `/\`) && id != "." && id != ".." {
		cache = filepath.Join(a.CacheDir, id+".json")
		if b, err := os.ReadFile(cache); err == nil {
			if r, err := ParseRecord(b); err == nil && (modified == "" || r.Modified >= modified) {
				a.keepGo(r, b)
				return r, nil
			}
		}
	}
	resp, err := a.client().do(ctx, func() (*http.Request, error) {
		return http.NewRequest(http.MethodGet, a.base()+"/v1/vulns/"+url.PathEscape(id), nil)
	})
	if err != nil {
		return nil, fmt.Errorf("OSV API %s: %w", id, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRecordReply+1))
	if err != nil {
		return nil, fmt.Errorf("OSV API %s: %w", id, err)
	}
	if len(b) > maxRecordReply {
		return nil, fmt.Errorf("OSV API %s: a record over %d MiB: refused", id, maxRecordReply>>20)
	}
	r, err := ParseRecord(b)
	if err != nil {
		return nil, fmt.Errorf("OSV API %s: %w", id, err)
	}
	if r.ID != id {
		return nil, fmt.Errorf("OSV API %s: the server answered with the record %q: refused", id, r.ID)
	}
	a.keepGo(r, b)
	if cache != "" {
		if err := os.MkdirAll(a.CacheDir, 0o755); err == nil {
			tmp := cache + ".tmp"
			if os.WriteFile(tmp, b, 0o644) == nil {
				os.Rename(tmp, cache)
			}
		}
	}
	return r, nil
}

func (a *API) keepGo(r *Record, raw []byte) {
	for _, af := range r.Affected {
		if BaseEcosystem(af.Package.Ecosystem) == "Go" {
			a.mu.Lock()
			if a.goRaw == nil {
				a.goRaw = map[string][]byte{}
			}
			a.goRaw[r.ID] = raw
			a.mu.Unlock()
			return
		}
	}
}

// GoVulnDB writes the Go advisories fetched so far in the layout govulncheck
// reads, in a temporary folder that release removes.
func (a *API) GoVulnDB() (string, func(), error) {
	a.mu.Lock()
	recs := make(map[string][]byte, len(a.goRaw))
	for k, v := range a.goRaw {
		recs[k] = v
	}
	a.mu.Unlock()
	dir, err := os.MkdirTemp("", "shipcheck-govulndb-")
	if err != nil {
		return "", nil, err
	}
	release := func() { os.RemoveAll(dir) }
	name, err := writeGoDB(dir, recs, time.Now())
	if err != nil {
		release()
		return "", nil, err
	}
	return filepath.Join(dir, name), release, nil
}
