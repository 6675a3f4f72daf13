package vuln

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// client does HTTP with a timeout per request and retries: on network
// errors, 429 and 5xx, with exponential backoff (and Retry-After where the
// server gives one), at most Attempts times.
type client struct {
	HTTP     *http.Client
	Attempts int
	Backoff  time.Duration
}

func newClient(c *http.Client) *client {
	if c == nil {
		c = &http.Client{Timeout: 60 * time.Second}
	}
	return &client{HTTP: c, Attempts: 4, Backoff: 500 * time.Millisecond}
}

// ErrNetwork wraps a failure to reach a server.
var ErrNetwork = errors.New("network")

// do sends the request made by mk (a fresh one each attempt) and returns a
// 2xx response, whose body the caller closes.
func (c *client) do(ctx context.Context, mk func() (*http.Request, error)) (*http.Response, error) {
	var last error
	wait := c.Backoff
	for attempt := 1; attempt <= c.Attempts; attempt++ {
		req, err := mk()
		if err != nil {
			return nil, err
		}
		req = req.WithContext(ctx)
		req.Header.Set("User-Agent", "shipcheck")
		resp, err := c.HTTP.Do(req)
		switch {
		case err != nil:
			last = fmt.Errorf("%w: %s %s: %v", ErrNetwork, req.Method, req.URL.Redacted(), err)
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			last = fmt.Errorf("%w: %s %s: %s", ErrNetwork, req.Method, req.URL.Redacted(), resp.Status)
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && s < 60 {
				wait = time.Duration(s) * time.Second
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		case resp.StatusCode >= 300:
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			return nil, &StatusError{URL: req.URL.Redacted(), Status: resp.Status, Code: resp.StatusCode}
		default:
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if attempt < c.Attempts {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			wait *= 2
		}
	}
	return nil, last
}

// StatusError is a response that no retry will change (4xx).
type StatusError struct {
	URL    string
	Status string
	Code   int
}

func (e *StatusError) Error() string { return e.URL + ": " + e.Status }
