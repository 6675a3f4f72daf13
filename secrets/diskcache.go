package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zricethezav/gitleaks/v8/config"
	bolt "go.etcd.io/bbolt"
)

// DiskCache keeps the secret scan's results across runs, so that a CI
// job that restores the folder scans again only the files that changed.
//
// A result is keyed by a hash of the file's content, its base name, the
// rules' tests of its path, the rule set it was scanned with and the
// rules' own text (a new gitleaks or rules.toml makes every key new). It
// holds no secret in clear, nor anything that lets one be found without
// the file: each result is sealed (AES-GCM) with a key derived from the
// content's SHA-256, which the cache never stores (its keys are a hash
// of it). Whoever reads the cache without the files learns nothing of
// them; whoever has the files has the secrets anyway.
//
// One bbolt file in the folder. Reads take it once, read-only, at the
// start (runs read it together); new results are written at the end in
// one transaction, waiting at most a second for another run's write
// (else they are dropped: a cache, not a record). Size is bounded by two
// generations: results go into the current one; when it outgrows a
// quarter of the bound (bbolt's pages hold about two thirds data), a new
// one starts and the one before the previous is
// dropped; a result found in the previous one is written again into the
// current, so what is still used survives. A file grown past the bound
// by dropped generations is compacted.
type DiskCache struct {
	path  string
	max   int64
	ruleH [32]byte

	mu      sync.Mutex
	db      *bolt.DB // read-only, for the run
	pending map[[32]byte][]byte
	hits    int
	misses  int
}

// DefaultCacheBytes bounds a cache folder's file.
const DefaultCacheBytes = 512 << 20

const cacheFile = "secrets-cache.db"

// The generations are buckets "g" + a number; the current is the
// highest. meta holds the current generation's size in bytes.
var (
	metaBucket = []byte("meta")
	sizeKey    = []byte("current-bytes")
)

func genName(n uint64) []byte { return binary.BigEndian.AppendUint64([]byte("g"), n) }

// generations returns the current generation's number, 0 for none.
func generations(tx *bolt.Tx) uint64 {
	var cur uint64
	tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if len(name) == 9 && name[0] == 'g' {
			cur = max(cur, binary.BigEndian.Uint64(name[1:]))
		}
		return nil
	})
	return cur
}

// OpenDiskCache opens (or creates) the cache in dir, bounded to max bytes
// (0: DefaultCacheBytes). Close writes the new results.
func OpenDiskCache(dir string, max int64) (*DiskCache, error) {
	if max <= 0 {
		max = DefaultCacheBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret scan cache %s: %w", dir, err)
	}
	c := &DiskCache{path: filepath.Join(dir, cacheFile), max: max, pending: map[[32]byte][]byte{}}
	c.ruleH = sha256.Sum256([]byte(fmt.Sprintf("shipcheck-secrets-cache-%d\x00%d\x00%s\x00%s", cacheVersion, MaxDecodeDepth, config.DefaultConfig, ownRules)))
	if _, err := os.Stat(c.path); err == nil {
		db, err := bolt.Open(c.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			// Another run is writing, or the file is damaged: run without
			// reading it (Close still tries to write).
			return c, nil
		}
		c.db = db
	}
	return c, nil
}

// cacheVersion changes when what the scanner finds for the same rules
// changes (the engine, the judgement of findings, the sealed format).
const cacheVersion = 1

// key is the cache key of a result: nothing of the content but its
// SHA-256's hash.
func (c *DiskCache) key(sum [32]byte, name string, mask uint64, d Depth) [32]byte {
	var b bytes.Buffer
	b.Write(c.ruleH[:])
	b.Write(sum[:])
	binary.Write(&b, binary.LittleEndian, mask)
	binary.Write(&b, binary.LittleEndian, int64(d))
	b.WriteString(name)
	return sha256.Sum256(b.Bytes())
}

// sealKey is the key a result is sealed with: derived from the content's
// SHA-256, which only someone with the content can compute.
func sealKey(sum [32]byte) []byte {
	k := sha256.Sum256(append([]byte("shipcheck secret cache seal\x00"), sum[:]...))
	return k[:]
}

// cached is a finding as stored: what the scanner derives from the
// secret, never the secret.
type cached struct {
	Rule, Description, Confidence string
	Line                          int
	Variable, Config, Encoding    string
	Redacted                      string
	Length                        int
	Sum                           [32]byte // SHA-256 of the secret, for fingerprints
}

type cachedResult struct {
	Findings []cached
	Err      string
}

// get returns a stored result, if any.
func (c *DiskCache) get(sum [32]byte, name string, mask uint64, d Depth) ([]Finding, error, bool) {
	k := c.key(sum, name, mask, d)
	c.mu.Lock()
	v, ok := c.pending[k]
	c.mu.Unlock()
	if !ok && c.db != nil {
		c.db.View(func(tx *bolt.Tx) error {
			cur := generations(tx)
			for _, g := range [][]byte{genName(cur), genName(cur - 1)} {
				if b := tx.Bucket(g); b != nil {
					if x := b.Get(k[:]); x != nil {
						v, ok = bytes.Clone(x), true
						if !bytes.Equal(g, genName(cur)) {
							c.mu.Lock()
							c.pending[k] = v // still used: into the current generation
							c.mu.Unlock()
						}
						return nil
					}
				}
			}
			return nil
		})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok {
		c.misses++
		return nil, nil, false
	}
	r, err := open(v, sum)
	if err != nil {
		c.misses++
		return nil, nil, false
	}
	c.hits++
	fs := make([]Finding, len(r.Findings))
	for i, x := range r.Findings {
		fs[i] = Finding{RuleID: x.Rule, Description: x.Description, Confidence: Confidence(x.Confidence), Line: x.Line,
			Variable: x.Variable, Config: x.Config, Encoding: x.Encoding, Redacted: x.Redacted, Length: x.Length, sum: x.Sum}
	}
	var scanErr error
	if r.Err != "" {
		scanErr = errors.New(r.Err)
	}
	return fs, scanErr, true
}

// put queues a result for Close to write.
func (c *DiskCache) put(sum [32]byte, name string, mask uint64, d Depth, fs []Finding, scanErr error) {
	r := cachedResult{}
	for _, f := range fs {
		r.Findings = append(r.Findings, cached{Rule: f.RuleID, Description: f.Description, Confidence: string(f.Confidence), Line: f.Line,
			Variable: f.Variable, Config: f.Config, Encoding: f.Encoding, Redacted: f.Redacted, Length: f.Length, Sum: f.sum})
	}
	if scanErr != nil {
		r.Err = scanErr.Error()
	}
	v, err := seal(r, sum)
	if err != nil {
		return
	}
	k := c.key(sum, name, mask, d)
	c.mu.Lock()
	c.pending[k] = v
	c.mu.Unlock()
}

func seal(r cachedResult, sum [32]byte) ([]byte, error) {
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sealKey(sum))
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, nil), nil
}

func open(v []byte, sum [32]byte) (cachedResult, error) {
	var r cachedResult
	block, err := aes.NewCipher(sealKey(sum))
	if err != nil {
		return r, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return r, err
	}
	if len(v) < gcm.NonceSize() {
		return r, errors.New("short cache entry")
	}
	plain, err := gcm.Open(nil, v[:gcm.NonceSize()], v[gcm.NonceSize():], nil)
	if err != nil {
		return r, err
	}
	return r, json.Unmarshal(plain, &r)
}

// Stats says how many results were found in the cache and how many not.
func (c *DiskCache) Stats() (hits, misses int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// Close writes the new results, rotating the generations when the current
// one outgrows half the bound. A run that cannot take the file within a
// second (another is writing) drops its results.
func (c *DiskCache) Close() error {
	if c.db != nil {
		c.db.Close()
		c.db = nil
	}
	c.mu.Lock()
	pending := c.pending
	c.pending = map[[32]byte][]byte{}
	c.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	db, err := bolt.Open(c.path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil
	}
	if err != nil {
		// A damaged file: start again.
		os.Remove(c.path)
		if db, err = bolt.Open(c.path, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true}); err != nil {
			return fmt.Errorf("secret scan cache %s: %w", c.path, err)
		}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		n := generations(tx)
		var size uint64
		if v := meta.Get(sizeKey); len(v) == 8 {
			size = binary.BigEndian.Uint64(v)
		}
		if n == 0 || size > uint64(c.max/4) {
			// A new generation; the one before the previous goes.
			if n > 1 {
				tx.DeleteBucket(genName(n - 1))
			}
			n, size = n+1, 0
		}
		cur, err := tx.CreateBucketIfNotExists(genName(n))
		if err != nil {
			return err
		}
		for k, v := range pending {
			if err := cur.Put(k[:], v); err != nil {
				return err
			}
			size += uint64(len(k) + len(v))
		}
		return meta.Put(sizeKey, binary.BigEndian.AppendUint64(nil, size))
	})
	var fileSize int64
	if st, serr := os.Stat(c.path); serr == nil {
		fileSize = st.Size()
	}
	if err == nil && fileSize > c.max {
		// Pages freed by dropped generations: write the live ones anew.
		err = c.compact(db)
	}
	db.Close()
	if err != nil {
		return fmt.Errorf("secret scan cache %s: %w", c.path, err)
	}
	return nil
}

// compact rewrites the cache with only its live pages, into a new file
// renamed over the old one (runs reading the old one keep it).
func (c *DiskCache) compact(src *bolt.DB) error {
	tmp := c.path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, NoFreelistSync: true})
	if err != nil {
		return err
	}
	if err := bolt.Compact(dst, src, 16<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return err
	}
	var size int64
	dst.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	os.Truncate(tmp, size)
	return os.Rename(tmp, c.path)
}
