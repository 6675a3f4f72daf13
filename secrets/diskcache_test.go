package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

func cacheFixture(n int) (path string, content []byte, secret string) {
	secret = fmt.Sprintf("ghp_%s%04d", strings.Repeat("aB3dE5fG7h", 3), n)
	content = []byte(fmt.Sprintf("// service %d\nconst token = %q;\n%s", n, secret, strings.Repeat("// padding line\n", 64)))
	return fmt.Sprintf("/var/task/svc%d/index.js", n), content, secret
}

// TestDiskCache: a second run with the cache finds the same findings
// (rule, line, redaction, fingerprint) without scanning, at each file's
// own path; the cache file holds neither a secret nor its SHA-256.
func TestDiskCache(t *testing.T) {
	dir := t.TempDir()
	scan := func() ([][]Finding, int, int) {
		sc, err := NewScanner()
		if err != nil {
			t.Fatal(err)
		}
		c, err := OpenDiskCache(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		sc.UseCache(c)
		var out [][]Finding
		for n := range 3 {
			p, content, _ := cacheFixture(n)
			fs, err := sc.Scan(context.Background(), p, content, AllRules)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fs)
		}
		hits, misses := c.Stats()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		return out, hits, misses
	}
	first, hits, _ := scan()
	if hits != 0 {
		t.Fatalf("%d hits in an empty cache", hits)
	}
	second, hits, misses := scan()
	if hits != 3 || misses != 0 {
		t.Errorf("second run: %d hits, %d misses", hits, misses)
	}
	opt := cmp.Comparer(func(a, b Finding) bool {
		return a.RuleID == b.RuleID && a.Line == b.Line && a.Path == b.Path && a.Redacted == b.Redacted &&
			a.Length == b.Length && a.Fingerprint == b.Fingerprint && a.Confidence == b.Confidence
	})
	if diff := cmp.Diff(first, second, opt); diff != "" {
		t.Errorf("from the cache (-scanned +cached):\n%s", diff)
	}
	if len(first[0]) == 0 || first[0][0].Fingerprint == first[1][0].Fingerprint {
		t.Fatalf("fixture: %v", first)
	}
	raw, err := os.ReadFile(filepath.Join(dir, cacheFile))
	if err != nil {
		t.Fatal(err)
	}
	for n := range 3 {
		_, _, secret := cacheFixture(n)
		sum := sha256.Sum256([]byte(secret))
		for _, needle := range [][]byte{[]byte(secret), []byte(secret[4:20]), sum[:], []byte(hex.EncodeToString(sum[:]))} {
			if bytes.Contains(raw, needle) {
				t.Errorf("the cache file holds %q of a secret", needle)
			}
		}
	}
}

// TestDiskCacheConcurrentRuns: runs sharing a cache folder at once all
// finish, and the cache they leave serves every one's results.
func TestDiskCacheConcurrentRuns(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for n := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc, _ := NewScanner()
			c, err := OpenDiskCache(dir, 0)
			if err != nil {
				t.Error(err)
				return
			}
			sc.UseCache(c)
			p, content, _ := cacheFixture(n)
			sc.Scan(context.Background(), p, content, AllRules)
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c, err := OpenDiskCache(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, _ := NewScanner()
	sc.UseCache(c)
	for n := range 4 {
		p, content, _ := cacheFixture(n)
		sc.Scan(context.Background(), p, content, AllRules)
	}
	if hits, _ := c.Stats(); hits < 3 {
		// A run that finds the file busy for a second drops its results:
		// most, not necessarily all, are there.
		t.Errorf("%d of 4 results kept", hits)
	}
}

// TestDiskCacheBound: a cache bounded below what the runs write rotates
// its generations: it keeps fewer results than were written, and its file
// stays within about the bound (a quarter more).
func TestDiskCacheBound(t *testing.T) {
	dir := t.TempDir()
	const bound, runs, files = 2 << 20, 10, 1000
	for run := range runs {
		sc, _ := NewScanner()
		c, err := OpenDiskCache(dir, bound)
		if err != nil {
			t.Fatal(err)
		}
		sc.UseCache(c)
		for n := range files {
			p, content, _ := cacheFixture(run*files + n)
			sc.Scan(context.Background(), p, content, AllRules)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(filepath.Join(dir, cacheFile))
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, cacheFile), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kept := 0
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if name[0] == 'g' {
				kept += b.Stats().KeyN
			}
			return nil
		})
	})
	t.Logf("%d results kept of %d written, file %d bytes", kept, runs*files, st.Size())
	if kept >= runs*files || st.Size() > bound*5/4 {
		t.Errorf("%d results kept of %d written, file %d bytes, bound %d", kept, runs*files, st.Size(), bound)
	}
}
