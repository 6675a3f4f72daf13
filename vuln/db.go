package vuln

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"
)

// The database is one bbolt file: a B+tree with point lookups by key, no
// server, pure Go, readers that never block one another, and a file that
// can be built aside and renamed into place. Lookups are all it needs: a
// query engine (SQLite) would add build time and binary size for nothing.
//
//	meta:    "schema", "info" (JSON Info)
//	records: id -> zstd(OSV JSON)
//	index:   ecosystem \x00 normalized name -> ids, newline-separated
const (
	// DBFile is the database's file name in its folder.
	DBFile   = "osv.db"
	schema   = "1"
	bMeta    = "meta"
	bRecords = "records"
	bIndex   = "index"
)

var (
	// ErrNoDatabase: there is no database in the folder.
	ErrNoDatabase = errors.New("no advisory database")
	// ErrCorruptDatabase: the file is not a shipcheck database.
	ErrCorruptDatabase = errors.New("the advisory database is corrupt or of another version")
)

// Info describes a database.
type Info struct {
	// Source is where the advisories came from: a URL or a path.
	Source string `json:"source"`
	// Built is when the database was built.
	Built time.Time `json:"built"`
	// Newest is the most recent "modified" of its records.
	Newest time.Time `json:"newest"`
	// Records counts the advisories; Ecosystems counts them per ecosystem
	// they name (an advisory naming two counts in both).
	Records    int            `json:"records"`
	Ecosystems map[string]int `json:"ecosystems"`
	// GoDB is the folder, beside the database, of the Go records in the
	// layout govulncheck reads.
	GoDB string `json:"go_db,omitempty"`
	// Path is the database file (not stored).
	Path string `json:"-"`
}

// DefaultDir is the database's folder in the user's cache folder.
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the advisory database (%v): give one with --db", err)
	}
	return filepath.Join(d, "shipcheck"), nil
}

// DB is an opened database. It is safe for concurrent use.
type DB struct {
	b    *bolt.DB
	info Info
	dec  *zstd.Decoder
	goDB string   // the Go database's folder, "" if none
	pin  *bolt.DB // the reader's hold on it (see goDBPrefix)
}

// openHook, when set (by tests), runs between reading osv.db and pinning
// its Go database.
var openHook func()

// OpenDB opens the database in dir, read-only: one build of it whole, its
// Go vulnerability database included, until Close, while builds replace
// it (see goDBPrefix). It fails with an error matching ErrNoDatabase or
// ErrCorruptDatabase, whose message names the fix.
func OpenDB(dir string) (*DB, error) {
	// Each retry means a build finished since the last try.
	for try := 0; ; try++ {
		d, err := openDB(dir)
		if err != nil {
			return nil, err
		}
		if d.info.GoDB == "" {
			return d, nil
		}
		if openHook != nil {
			openHook()
		}
		d.pin, err = pinGoDB(dir, d.info.GoDB)
		if err == nil {
			d.goDB = filepath.Join(dir, d.info.GoDB)
			return d, nil
		}
		d.Close()
		if try == 9 {
			return nil, fmt.Errorf("open %s: %w (ten builds finished while opening)", dir, err)
		}
	}
}

func openDB(dir string) (*DB, error) {
	p := filepath.Join(dir, DBFile)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: build it with 'shipcheck db update' (downloads OSV's exports) or 'shipcheck db import PATH' (from local all.zip files), or match against exports for one run with --advisories PATH", ErrNoDatabase, dir)
	}
	b, err := bolt.Open(p, 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v; rebuild it with 'shipcheck db update' or 'shipcheck db import PATH'", ErrCorruptDatabase, p, err)
	}
	d := &DB{b: b}
	err = b.View(func(tx *bolt.Tx) error {
		m := tx.Bucket([]byte(bMeta))
		if m == nil || tx.Bucket([]byte(bRecords)) == nil || tx.Bucket([]byte(bIndex)) == nil || string(m.Get([]byte("schema"))) != schema {
			return errors.New("missing or unknown schema")
		}
		return json.Unmarshal(m.Get([]byte("info")), &d.info)
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("%w: %s: %v; rebuild it with 'shipcheck db update' or 'shipcheck db import PATH'", ErrCorruptDatabase, p, err)
	}
	d.info.Path = p
	d.dec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
	return d, nil
}

// Info describes the database.
func (d *DB) Info() Info { return d.info }

// Close closes the database and lets go of its Go database.
func (d *DB) Close() error {
	d.dec.Close()
	if d.pin != nil {
		d.pin.Close()
	}
	return d.b.Close()
}

// Lookup returns the advisories indexed under the key (see Key).
func (d *DB) Lookup(key string) ([]*Record, error) {
	var out []*Record
	err := d.b.View(func(tx *bolt.Tx) error {
		ids := tx.Bucket([]byte(bIndex)).Get([]byte(key))
		if ids == nil {
			return nil
		}
		recs := tx.Bucket([]byte(bRecords))
		for _, id := range strings.Split(string(ids), "\n") {
			z := recs.Get([]byte(id))
			if z == nil {
				return fmt.Errorf("%w: %s is indexed but missing", ErrCorruptDatabase, id)
			}
			b, err := d.dec.DecodeAll(z, nil)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrCorruptDatabase, id, err)
			}
			r, err := ParseRecord(b)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrCorruptDatabase, id, err)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Export is one all.zip of OSV records, or one record as JSON.
type Export struct {
	Name string // for messages: the file or URL it came from
	R    io.ReaderAt
	Size int64
	// JSON, if set, is one OSV record (a folder of .json records, as
	// OSV's exports unpack to, is read this way).
	JSON []byte
}

// stored is a record ready to store.
type stored struct {
	id       string
	modified string
	z        []byte
	keys     []string
	ecos     []string
	raw      []byte // kept for Go records, for the govulncheck database
}

// Build builds a database in dir from exports, atomically: it is written to
// a temporary file in dir and renamed over the previous one only once
// complete, so an interrupted build leaves the previous database usable.
func Build(ctx context.Context, dir, source string, exports []Export) (Info, error) {
	return build(ctx, dir, source, exports, nil)
}

// build is Build keeping p (if set) up to date.
func build(ctx context.Context, dir, source string, exports []Export, p *BuildProgress) (Info, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Info{}, err
	}
	p.setStage(StageIndexing)
	recs, err := readExports(ctx, exports, p)
	if err != nil {
		return Info{}, err
	}
	p.setStage(StageWriting)
	// One writer at a time in a folder: two imports must not remove each
	// other's Go database, and with the lock held, what a killed writer
	// left behind can go.
	unlock, err := lockWriters(ctx, dir)
	if err != nil {
		return Info{}, err
	}
	defer unlock()
	removeLeftovers(dir)
	tmp, err := os.CreateTemp(dir, DBFile+".tmp-")
	if err != nil {
		return Info{}, err
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // gone once renamed; removed if not
	b, err := bolt.Open(tmpName, 0o644, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		return Info{}, err
	}
	info := Info{Source: source, Built: time.Now().UTC(), Records: len(recs), Ecosystems: map[string]int{}}
	index := map[string][]string{}
	goRecs := map[string][]byte{}
	for _, r := range recs {
		if r.raw != nil {
			goRecs[r.id] = r.raw
		}
		for _, k := range r.keys {
			index[k] = append(index[k], r.id)
		}
		for _, e := range r.ecos {
			info.Ecosystems[e]++
		}
		if t, err := time.Parse(time.RFC3339, r.modified); err == nil && t.After(info.Newest) {
			info.Newest = t.UTC()
		}
	}
	committed := false
	if len(goRecs) > 0 {
		if info.GoDB, err = writeGoDB(dir, goRecs, info.Newest); err != nil {
			b.Close()
			return Info{}, fmt.Errorf("write the Go vulnerability database: %w", err)
		}
		defer func() {
			if !committed {
				os.RemoveAll(filepath.Join(dir, info.GoDB))
			}
		}()
	}
	err = b.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucket([]byte(bMeta))
		if err != nil {
			return err
		}
		rb, err := tx.CreateBucket([]byte(bRecords))
		if err != nil {
			return err
		}
		ib, err := tx.CreateBucket([]byte(bIndex))
		if err != nil {
			return err
		}
		rb.FillPercent, ib.FillPercent = 1, 1 // keys go in sorted: pack pages full
		for _, r := range recs {
			if err := rb.Put([]byte(r.id), r.z); err != nil {
				return err
			}
		}
		keys := make([]string, 0, len(index))
		for k := range index {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ids := index[k]
			sort.Strings(ids)
			if err := ib.Put([]byte(k), []byte(strings.Join(ids, "\n"))); err != nil {
				return err
			}
		}
		j, _ := json.Marshal(info)
		if err := m.Put([]byte("info"), j); err != nil {
			return err
		}
		return m.Put([]byte("schema"), []byte(schema))
	})
	if err == nil {
		// One large write leaves half the file free pages: copy it tight.
		err = compact(b, tmpName+".compact")
	}
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	defer os.Remove(tmpName + ".compact")
	if err != nil {
		return Info{}, fmt.Errorf("build the advisory database: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	final := filepath.Join(dir, DBFile)
	if err := os.Rename(tmpName+".compact", final); err != nil {
		return Info{}, err
	}
	committed = true
	removeOldGoDBs(dir, info.GoDB)
	info.Path = final
	return info, nil
}

func compact(src *bolt.DB, dst string) error {
	d, err := bolt.Open(dst, 0o644, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		return err
	}
	if err := bolt.Compact(d, src, 64<<20); err != nil {
		d.Close()
		return err
	}
	var size int64
	d.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	if err := d.Close(); err != nil {
		return err
	}
	// bbolt grows its file ahead of the data; drop what holds no page.
	return os.Truncate(dst, size)
}

// readExports reads every record of the exports, in parallel, keeping the
// latest "modified" of an id found twice (an advisory naming two ecosystems
// is in both exports).
func readExports(ctx context.Context, exports []Export, p *BuildProgress) ([]*stored, error) {
	var (
		mu   sync.Mutex
		byID = map[string]*stored{}
	)
	// Every zip's central directory first: the records to read are known
	// before the first is read.
	zrs := make([]*zip.Reader, len(exports))
	for i, ex := range exports {
		if ex.JSON != nil {
			p.total(1)
			continue
		}
		zr, err := zip.NewReader(ex.R, ex.Size)
		if err != nil {
			return nil, fmt.Errorf("read %s: not a zip of OSV records: %v", ex.Name, err)
		}
		zrs[i] = zr
		n := 0
		for _, f := range zr.File {
			if isRecord(f) {
				n++
			}
		}
		p.total(int64(n))
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
	defer enc.Close()
	for i, ex := range exports {
		if ex.JSON != nil {
			s, err := prepare(ex.JSON, enc)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", ex.Name, err)
			}
			if s != nil {
				if old := byID[s.id]; old == nil || s.modified > old.modified {
					byID[s.id] = s
				}
			}
			p.records(1)
			continue
		}
		for _, f := range zrs[i].File {
			if !isRecord(f) {
				continue
			}
			g.Go(func() error {
				if err := ctx.Err(); err != nil {
					return err
				}
				rc, err := f.Open()
				if err != nil {
					return fmt.Errorf("read %s!%s: %w", ex.Name, f.Name, err)
				}
				b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
				rc.Close()
				if err != nil {
					return fmt.Errorf("read %s!%s: %w", ex.Name, f.Name, err)
				}
				s, err := prepare(b, enc)
				if err != nil {
					return fmt.Errorf("read %s!%s: %w", ex.Name, f.Name, err)
				}
				p.records(1)
				if s == nil {
					return nil
				}
				mu.Lock()
				if old := byID[s.id]; old == nil || s.modified > old.modified {
					byID[s.id] = s
				}
				mu.Unlock()
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]*stored, 0, len(byID))
	for _, s := range byID {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// isRecord reports whether a zip entry of an export is an OSV record.
func isRecord(f *zip.File) bool {
	return !f.FileInfo().IsDir() && strings.HasSuffix(f.Name, ".json")
}

// prepare reads the indexed fields of a record and compresses it.
func prepare(b []byte, enc *zstd.Encoder) (*stored, error) {
	var r struct {
		ID       string `json:"id"`
		Modified string `json:"modified"`
		Affected []struct {
			Package Package `json:"package"`
		} `json:"affected"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("not an OSV record: %v", err)
	}
	if r.ID == "" {
		return nil, nil
	}
	s := &stored{id: r.ID, modified: r.Modified}
	for _, a := range r.Affected {
		if BaseEcosystem(a.Package.Ecosystem) == "Go" && s.raw == nil {
			s.raw = bytes.TrimSpace(b)
		}
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			continue
		}
		k := Key(a.Package.Ecosystem, a.Package.Name)
		if !contains(s.keys, k) {
			s.keys = append(s.keys, k)
		}
		if e := BaseEcosystem(a.Package.Ecosystem); !contains(s.ecos, e) {
			s.ecos = append(s.ecos, e)
		}
	}
	s.z = enc.EncodeAll(bytes.TrimSpace(b), nil)
	return s, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Import builds a database in dir from local exports: an all.zip, or a
// folder holding <Ecosystem>/all.zip (any .zip below it is read, and any
// .json record, as the exports unpack to).
func Import(ctx context.Context, dir, path string) (Info, error) {
	return ImportWith(ctx, dir, path, ImportOptions{})
}

// ImportOptions tune ImportWith.
type ImportOptions struct {
	// Progress, when set, is kept up to date as the records are indexed.
	Progress *BuildProgress
}

// ImportWith is Import with options.
func ImportWith(ctx context.Context, dir, path string, opt ImportOptions) (Info, error) {
	exports, closeAll, err := openExports(path)
	if err != nil {
		return Info{}, err
	}
	defer closeAll()
	abs, _ := filepath.Abs(path)
	return build(ctx, dir, abs, exports, opt.Progress)
}

// openExports opens the zips at path.
func openExports(path string) ([]Export, func(), error) {
	var files []*os.File
	var records []Export
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	add := func(p string) error {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("advisories %s: %w", path, err)
	}
	if !fi.IsDir() {
		if err := add(path); err != nil {
			return nil, nil, err
		}
	} else {
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch ext := strings.ToLower(filepath.Ext(p)); {
			case d.IsDir():
			case ext == ".zip":
				return add(p)
			case ext == ".json":
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				records = append(records, Export{Name: p, JSON: b})
			}
			return nil
		})
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("advisories %s: %w", path, err)
		}
	}
	if len(files) == 0 && len(records) == 0 {
		return nil, nil, fmt.Errorf("advisories %s: no OSV records found (expected <Ecosystem>/all.zip files, as OSV publishes them, or .json records)", path)
	}
	exports := records
	for _, f := range files {
		fi, _ := f.Stat()
		exports = append(exports, Export{Name: f.Name(), R: f, Size: fi.Size()})
	}
	return exports, closeAll, nil
}

// writeLock is the file whose lock serializes the writers of a folder.
const writeLock = "write.lock"

// lockWriters takes the folder's writer lock (bbolt's file lock, on every
// platform), waiting for another writer while ctx lasts.
func lockWriters(ctx context.Context, dir string) (unlock func(), err error) {
	for {
		l, err := bolt.Open(filepath.Join(dir, writeLock), 0o600, &bolt.Options{Timeout: 200 * time.Millisecond})
		if err == nil {
			return func() { l.Close() }, nil
		}
		if !errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("lock %s for writing: %w", dir, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		default:
		}
	}
}

// removeLeftovers removes what killed writers left: temporary databases.
// Called with the writer lock held.
func removeLeftovers(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, DBFile+".tmp-*"))
	for _, o := range old {
		os.Remove(o)
	}
}
