// Package sbomarchive keeps the SBOMs of what is deployed, by deployment
// name and time, in one SQL database: an embedded SQLite file (pure Go,
// modernc.org/sqlite) by default, or PostgreSQL shared by many machines.
// It answers which deployments ship a package (Query, at the versions an
// ecosystem's own range syntax selects, with where each artifact holds
// it), and matches every archived SBOM against the current advisories
// again (Rescan), reporting per deployment what is new since the previous
// rescan and what is no longer present.
//
// It is named for what it owns, the archive of SBOMs, apart from
// packaging/archive (the limits and entries of zip and tar files).
//
// One schema serves both databases, through database/sql (pgx's stdlib
// adapter for PostgreSQL): migrations are versioned in a schema_version
// table, applied forward only when the archive is opened, and an archive
// whose schema is newer than this binary knows is refused (ErrNewerSchema).
package sbomarchive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/klauspost/compress/zstd"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// Archive is an open archive. Its methods are safe for concurrent use;
// several processes may share one archive (SQLite serializes writers with
// a lock; PostgreSQL's transactions keep them apart).
type Archive struct {
	db       *sql.DB
	postgres bool
	where    string
	// The documents' codec: EncodeAll and DecodeAll are safe for
	// concurrent use.
	zenc *zstd.Encoder
	zdec *zstd.Decoder
}

// ErrNewerSchema: the archive was written by a newer shipcheck, whose
// schema this one does not know.
var ErrNewerSchema = errors.New("the archive's schema is newer than this shipcheck knows")

// ErrNotFound: no deployment of that name in the archive.
var ErrNotFound = errors.New("no deployment of that name in the archive")

// IsPostgres reports whether location names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Open opens the archive at location, creating it (and its folder) when
// it does not exist, and brings its schema up to date. location is a
// SQLite file's path, or a PostgreSQL URL (postgres://user@host/db). The
// caller closes the archive.
func Open(ctx context.Context, location string) (*Archive, error) {
	a := &Archive{}
	var err error
	if IsPostgres(location) {
		a.postgres, a.where = true, redact(location)
		if a.db, err = sql.Open("pgx", location); err != nil {
			return nil, fmt.Errorf("open archive %s: %w", a.where, err)
		}
	} else {
		if location == "" || strings.ContainsAny(location, "?#") {
			return nil, fmt.Errorf("open archive %q: give a file path without ? or # (or a postgres:// URL)", location)
		}
		a.where = location
		if err := os.MkdirAll(filepath.Dir(location), 0o700); err != nil {
			return nil, fmt.Errorf("open archive %s: %w", location, err)
		}
		// Foreign keys on (SQLite's default is off); a writer waits for
		// another's lock rather than failing; WAL lets readers go on
		// while one writes; a transaction takes the write lock when it
		// begins, so that two never deadlock upgrading a read lock.
		dsn := location + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(1073741824)&_pragma=cache_size(-65536)&_txlock=immediate"
		if a.db, err = sql.Open("sqlite", dsn); err != nil {
			return nil, fmt.Errorf("open archive %s: %w", location, err)
		}
	}
	a.zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	a.zdec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err := a.migrateWaiting(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("open archive %s: %w", a.where, err)
	}
	return a, nil
}

// migrateWaiting migrates, waiting for another process that opens a new
// SQLite archive at the same moment: its first connection turns the file
// to WAL, and SQLite answers a second connection doing the same with
// SQLITE_BUSY at once, without the busy timeout. It tries again for up to
// 30 s, as the busy timeout would have waited.
func (a *Archive) migrateWaiting(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := a.migrate(ctx)
		if err == nil || a.postgres || !sqliteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// sqliteBusy reports whether err is SQLite's "database is locked".
func sqliteBusy(err error) bool {
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

// Close closes the database.
func (a *Archive) Close() error {
	a.zdec.Close()
	return a.db.Close()
}

// String names the archive for people: its file, or its URL without the
// password.
func (a *Archive) String() string { return a.where }

// redact drops the password of a URL.
func redact(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return "postgres://(unreadable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// DefaultLocation is the archive file in the user's data folder: what the
// archive keeps is data to keep, not configuration and not a cache that
// may be cleared. $XDG_DATA_HOME/shipcheck/archive.db (default
// ~/.local/share) on Linux and the BSDs, ~/Library/Application
// Support/shipcheck on macOS, %LocalAppData%\shipcheck on Windows.
func DefaultLocation() (string, error) {
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = os.Getenv("LocalAppData")
		if dir == "" {
			return "", errors.New("no archive location: %LocalAppData% is not set (give --archive)")
		}
	case "darwin", "ios":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no archive location: %w (give --archive)", err)
		}
		dir = filepath.Join(home, "Library", "Application Support")
	default:
		dir = os.Getenv("XDG_DATA_HOME")
		if !filepath.IsAbs(dir) {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("no archive location: %w (give --archive)", err)
			}
			dir = filepath.Join(home, ".local", "share")
		}
	}
	return filepath.Join(dir, "shipcheck", "archive.db"), nil
}
