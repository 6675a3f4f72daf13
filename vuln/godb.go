package vuln

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// goDBPrefix names the Go vulnerability database folders written beside
// the advisory database, in the layout govulncheck reads
// (https://go.dev/security/vuln/database#api): index/db.json,
// index/modules.json, ID/<id>.json. One is written per database build, so
// a scan never writes one.
//
// Each build's folder is a generation, never changed once osv.db names it;
// renaming the new osv.db into place is the atomic switch from one
// generation to the next. A reader sees one generation whole, the Go
// folder included, by pinning the folder osv.db names when it opens the
// database: it holds a shared lock (bbolt's file lock, as the writers' own
// lock) on the folder's readers.lock until it closes the database. A
// writer removes an older generation only when it can take that lock
// exclusively at once (it never waits for a reader: a pinned generation
// is left to a later build), renaming the folder away before it lets go
// of the lock. A reader that finds the generation gone between reading
// osv.db and pinning it (a build finished in between) opens osv.db again,
// before it has read anything else: it never mixes two generations, waits
// for a writer at most while one renames a folder, and a writer never
// waits for it. On a file system without locks, both do as before pins.
const (
	goDBPrefix = "govulndb-"
	goDBPin    = "readers.lock"
	goDBGone   = ".gone" // the suffix of a generation being removed
)

// errGoDBGone: the Go database osv.db named was removed before it could be
// pinned.
var errGoDBGone = errors.New("the Go vulnerability database was replaced while opening")

// writeGoDB writes the Go records in the layout govulncheck reads, into a
// new folder of dir, and returns its name.
func writeGoDB(dir string, records map[string][]byte, newest time.Time) (string, error) {
	name := fmt.Sprintf("%s%d", goDBPrefix, time.Now().UnixNano())
	root := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Join(root, "index"), 0o755); err != nil {
		return "", err
	}
	pin, err := bolt.Open(filepath.Join(root, goDBPin), 0o644, &bolt.Options{NoSync: true, Timeout: time.Second})
	if err != nil {
		return "", fmt.Errorf("create %s: %w", goDBPin, err)
	}
	if err := pin.Close(); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(root, "ID"), 0o755); err != nil {
		return "", err
	}
	type modVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		// Fixed is left empty: govulncheck then reads every entry of the
		// module and evaluates its ranges itself, which is never wrong.
	}
	type module struct {
		Path  string    `json:"path"`
		Vulns []modVuln `json:"vulns"`
	}
	mods := map[string]*module{}
	ids := make([]string, 0, len(records))
	for id := range records {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		b := records[id]
		if strings.ContainsAny(id, `/\`) || id == "" || id[0] == '.' {
			continue
		}
		var r struct {
			Modified time.Time `json:"modified"`
			Affected []struct {
				Package Package `json:"package"`
			} `json:"affected"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(root, "ID", id+".json"), b, 0o644); err != nil {
			return "", err
		}
		seen := map[string]bool{}
		for _, a := range r.Affected {
			if BaseEcosystem(a.Package.Ecosystem) != "Go" || seen[a.Package.Name] {
				continue
			}
			seen[a.Package.Name] = true
			m := mods[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name}
				mods[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, modVuln{ID: id, Modified: r.Modified})
		}
	}
	list := make([]*module, 0, len(mods))
	for _, m := range mods {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	mb, err := json.Marshal(list)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(root, "index", "modules.json"), mb, 0o644); err != nil {
		return "", err
	}
	db, _ := json.Marshal(map[string]time.Time{"modified": newest.UTC()})
	if err := os.WriteFile(filepath.Join(root, "index", "db.json"), db, 0o644); err != nil {
		return "", err
	}
	return name, nil
}

// removeOldGoDBs removes the Go databases of earlier builds that no
// reader holds (see goDBPrefix). Called with the writer lock held.
func removeOldGoDBs(dir, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, goDBPrefix+"*"))
	for _, o := range old {
		if filepath.Base(o) != keep {
			removeGoDB(o)
		}
	}
}

// removeGoDB removes a Go database folder unless a reader pins it.
func removeGoDB(p string) {
	pin := filepath.Join(p, goDBPin)
	if _, err := os.Stat(pin); err == nil && !strings.HasSuffix(p, goDBGone) {
		// Timeout 1ns: one try, no wait.
		l, err := bolt.Open(pin, 0o644, &bolt.Options{Timeout: time.Nanosecond})
		if errors.Is(err, bolt.ErrTimeout) {
			return // a reader holds it: a later build removes it
		}
		if err == nil {
			gone := p + goDBGone
			err = os.Rename(p, gone)
			l.Close()
			if err != nil {
				return
			}
			p = gone
		}
	}
	os.RemoveAll(p)
}

// pinGoDB pins the Go database folder name of dir for a reader (see
// goDBPrefix) and returns the lock, which the reader closes when done, or
// errGoDBGone when the folder is gone or going. The lock is nil, with no
// error, for a folder written before pins (no readers.lock) or on a file
// system without locks: it is used unpinned, as before.
func pinGoDB(dir, name string) (*bolt.DB, error) {
	p := filepath.Join(dir, name)
	pin := filepath.Join(p, goDBPin)
	l, err := bolt.Open(pin, 0o444, &bolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if err == nil {
		// A writer may have taken the lock first and renamed the folder
		// away: the lock held is then on a file no longer there.
		if _, err := os.Stat(pin); err != nil {
			l.Close()
			return nil, errGoDBGone
		}
		return l, nil
	}
	if _, serr := os.Stat(filepath.Join(p, "index", "db.json")); errors.Is(serr, fs.ErrNotExist) || errors.Is(err, bolt.ErrTimeout) {
		return nil, errGoDBGone
	}
	return nil, nil
}

// GoDB returns the folder of the Go vulnerability database written with
// the database, "" if it has none. It is the generation the database was
// opened with, kept until Close.
func (d *DB) GoDB() string {
	if d.goDB == "" {
		return ""
	}
	if d.pin == nil {
		// Unpinned (see pinGoDB): no promise it is still there.
		if fi, err := os.Stat(d.goDB); err != nil || !fi.IsDir() {
			return ""
		}
	}
	return d.goDB
}
