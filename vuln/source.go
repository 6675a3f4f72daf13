package vuln

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
)

// ErrOffline: no database, and network use is forbidden.
var ErrOffline = errors.New("no advisory database, and --offline forbids downloading one")

// SourceOptions say where advisories come from.
type SourceOptions struct {
	// DBDir is the database's folder; "" means DefaultDir().
	DBDir string
	// Advisories, if set, is a folder or zip of OSV exports to match
	// against for this run only (indexed in a temporary folder).
	Advisories string
	// Offline forbids any network use. Online asks the OSV API instead of
	// a database.
	Offline, Online bool
	// Update is how a missing database is built (as db update does).
	Update UpdateOptions
	// APIURL is the OSV API's URL (default DefaultAPIURL).
	APIURL string
	HTTP   *http.Client
	// TempDir is where a run's temporary database goes ("" for the
	// system's).
	TempDir string
	Log     *slog.Logger
	// Progress, when set, is kept up to date while Advisories are indexed
	// or a missing database is built (unless Update.Progress is set).
	Progress *BuildProgress
}

// OpenSource returns the source a run matches against and a function that
// releases it (removing a run's temporary database). With no database it
// builds one first as db update does (this sends nothing about the
// artifact), unless Offline, which is an error matching ErrOffline.
func OpenSource(ctx context.Context, opt SourceOptions) (Source, func(), error) {
	nop := func() {}
	switch {
	case opt.Advisories != "":
		tmp, err := os.MkdirTemp(opt.TempDir, "shipcheck-advisories-")
		if err != nil {
			return nil, nop, err
		}
		cleanup := func() { os.RemoveAll(tmp) }
		if _, err := ImportWith(ctx, tmp, opt.Advisories, ImportOptions{Progress: opt.Progress}); err != nil {
			cleanup()
			return nil, nop, err
		}
		db, err := OpenDB(tmp)
		if err != nil {
			cleanup()
			return nil, nop, err
		}
		abs, _ := filepath.Abs(opt.Advisories)
		return DBSource{DB: db, Kind: "advisories", Loc: abs}, func() { db.Close(); cleanup() }, nil
	case opt.Online:
		if opt.Offline {
			return nil, nop, errors.New("--online and --offline exclude each other")
		}
		dir, err := dbDir(opt.DBDir)
		if err != nil {
			return nil, nop, err
		}
		return &API{BaseURL: opt.APIURL, CacheDir: filepath.Join(dir, "api-cache"), HTTP: opt.HTTP}, nop, nil
	}
	dir, err := dbDir(opt.DBDir)
	if err != nil {
		return nil, nop, err
	}
	db, err := OpenDB(dir)
	if errors.Is(err, ErrNoDatabase) {
		if opt.Offline {
			return nil, nop, fmt.Errorf("%w (in %s): build one from local exports with 'shipcheck db import PATH --db %s', or match against exports for this run with --advisories PATH", ErrOffline, dir, dir)
		}
		up := opt.Update
		if up.HTTP == nil {
			up.HTTP = opt.HTTP
		}
		if up.Log == nil {
			up.Log = opt.Log
		}
		if up.Progress == nil {
			up.Progress = opt.Progress
		}
		if _, uerr := Update(ctx, dir, up); uerr != nil {
			return nil, nop, fmt.Errorf("no advisory database in %s, and building one failed: %w; build one from local exports with 'shipcheck db import PATH', or use --advisories PATH", dir, uerr)
		}
		db, err = OpenDB(dir)
	}
	if err != nil {
		return nil, nop, err
	}
	return DBSource{DB: db}, func() { db.Close() }, nil
}

func dbDir(d string) (string, error) {
	if d != "" {
		return d, nil
	}
	return DefaultDir()
}
