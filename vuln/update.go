package vuln

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// DefaultBaseURL is OSV's public bucket of per-ecosystem exports.
const DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems are the exports db update downloads: every ecosystem
// shipcheck finds packages of.
var DefaultEcosystems = []string{
	"npm", "PyPI", "Maven", "Go", "NuGet", "RubyGems", "crates.io", "Packagist",
	"Debian", "Alpine", "Ubuntu", "Red Hat",
}

// UpdateOptions tune Update.
type UpdateOptions struct {
	BaseURL    string   // default DefaultBaseURL
	Ecosystems []string // default DefaultEcosystems
	HTTP       *http.Client
	Log        *slog.Logger
	// Progress, when set, is kept up to date: exports downloaded, then
	// records indexed.
	Progress *BuildProgress
}

// Update downloads <base>/<Ecosystem>/all.zip for each ecosystem and builds
// the database in dir from them, atomically. An ecosystem the base does not
// have (404) is skipped with a warning; any other failure fails the update
// and leaves the previous database as it was.
func Update(ctx context.Context, dir string, opt UpdateOptions) (Info, error) {
	base := strings.TrimRight(opt.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	ecos := opt.Ecosystems
	if len(ecos) == 0 {
		ecos = DefaultEcosystems
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Info{}, err
	}
	tmp, err := os.MkdirTemp(dir, "download-")
	if err != nil {
		return Info{}, err
	}
	defer os.RemoveAll(tmp)
	c := newClient(opt.HTTP)
	var exports []Export
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	p := opt.Progress
	p.ecosystems(len(ecos))
	p.setStage(StageDownloading)
	for _, eco := range ecos {
		u := base + "/" + url.PathEscape(eco) + "/all.zip"
		f, err := os.CreateTemp(tmp, "all-*.zip")
		if err != nil {
			return Info{}, err
		}
		files = append(files, f)
		log.Info("downloading advisories", "ecosystem", eco, "url", u)
		n, err := download(ctx, c, u, f, p)
		var se *StatusError
		if errors.As(err, &se) && se.Code == http.StatusNotFound {
			log.Warn("no advisories for this ecosystem at the base URL; skipped", "ecosystem", eco, "url", u)
			p.ecosystemDone()
			continue
		}
		if err != nil {
			return Info{}, fmt.Errorf("download %s: %w", u, err)
		}
		p.ecosystemDone()
		exports = append(exports, Export{Name: u, R: f, Size: n})
	}
	if len(exports) == 0 {
		return Info{}, fmt.Errorf("no advisories found at %s for %s", base, strings.Join(ecos, ", "))
	}
	return build(ctx, dir, base, exports, p)
}

func download(ctx context.Context, c *client, u string, f *os.File, p *BuildProgress) (int64, error) {
	resp, err := c.do(ctx, func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) })
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	if err := f.Truncate(0); err != nil {
		return 0, err
	}
	n, err := io.Copy(p.download(f), resp.Body)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNetwork, err)
	}
	return n, nil
}
