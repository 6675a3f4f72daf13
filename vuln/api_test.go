package vuln

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestAPIBounds: the API client does not follow page tokens forever,
// refuses an outsized reply, and refuses a record other than the one it
// asked for.
func TestAPIBounds(t *testing.T) {
	var pages atomic.Int32
	mode := "paging"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/querybatch" && mode == "paging":
			n := pages.Add(1)
			fmt.Fprintf(w, `{"results":[{"vulns":[{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z"}],"next_page_token":"t%d"}]}`, n)
		case r.URL.Path == "/v1/querybatch" && mode == "huge":
			w.Write([]byte(`{"results":[{"vulns":[`))
			chunk := strings.Repeat(`{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z"},`, 1<<14)
			for range (maxBatchReply / len(chunk)) + 2 {
				w.Write([]byte(chunk))
			}
			w.Write([]byte(`{"id":"GHSA-1"}]}]}`))
		case r.URL.Path == "/v1/querybatch":
			w.Write([]byte(`{"results":[{"vulns":[{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z"}]}]}`))
		case r.URL.Path == "/v1/vulns/GHSA-1":
			w.Write([]byte(`{"id":"GHSA-OTHER","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"x"},"versions":["1.0.0"]}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	q := []Query{{Ecosystem: "npm", Name: "x", Version: "1.0.0"}}
	for _, c := range []struct{ mode, want string }{
		{"paging", "more than 100 pages"},
		{"huge", "over 32 MiB"},
		{"record", `answered with the record "GHSA-OTHER"`},
	} {
		mode = c.mode
		a := &API{BaseURL: srv.URL, HTTP: srv.Client()}
		_, err := a.Candidates(context.Background(), q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.mode, err, c.want)
		}
	}
	if n := pages.Load(); n > maxPages+1 {
		t.Errorf("followed %d pages", n)
	}
}
