package packaging

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipcheck/shipcheck/internal/testshared"
	"github.com/shipcheck/shipcheck/packaging/archive"
)

// mutationSeed is a valid artifact that FuzzMutate damages.
type mutationSeed struct {
	name string
	b    []byte
	kind string // zip, tar (plain), gz (a compressed tar), image
	// boundaries are offsets where a member starts (tar) or where a local
	// header or the central directory starts (zip).
	boundaries []int
	// hot are the byte ranges that hold structure: headers, directories,
	// manifests.
	hot [][2]int
	// free are the byte ranges whose change the format cannot detect and
	// that change what the view shows (a zip's external attributes say
	// whether an entry is a file or a link): a flip there is not held to
	// the oracle.
	free [][2]int

	print string // the fingerprint of its view (viewPrint)
}

// maxSeed bounds the size of the corpus artifacts taken as seeds: each
// input is opened and read through, and the big ones would slow every run.
const maxSeed = 1 << 20

// mutationLimits are the limits of every FuzzMutate run.
var mutationLimits = archive.Limits{MaxTotalSize: 16 << 20, MaxEntries: 50000, MaxDepth: 4}

// Mutations FuzzMutate applies to a seed.
const (
	opRaw       = iota // the raw bytes, not a seed
	opTruncate         // cut at an offset
	opBoundary         // cut at a member's or an entry's boundary
	opFlip             // flip a byte anywhere
	opFlipHot          // flip a byte of a header, a directory, a manifest
	opOverwrite        // write the raw bytes over the seed at an offset
	numOps
)

// mutationSeeds are small valid artifacts of every kind: the examples, a
// few built here (docker save, OCI, crane and Docker 25 tarballs, zips with
// stored jars and raw entries, plain and gzip tars) and the shared corpus
// artifacts up to maxSeed.
func mutationSeeds(tb testing.TB) []*mutationSeed {
	var seeds []*mutationSeed
	add := func(name string, b []byte) {
		s := &mutationSeed{name: name, b: b}
		switch {
		case bytes.HasPrefix(b, []byte("PK\x03\x04")):
			s.kind = "zip"
			zipRegions(s)
		case isGzip(b):
			s.kind = "gz"
		default:
			s.kind = "tar"
			if isImage(b) {
				s.kind = "image"
			}
			tarRegions(s)
		}
		seeds = append(seeds, s)
	}
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) <= maxSeed {
			add(filepath.Base(p), b)
		}
	}
	jar := buildZip(zf{name: "META-INF/MANIFEST.MF", data: []byte("Manifest-Version: 1.0\n")},
		zf{name: "META-INF/maven/g/a/pom.properties", data: []byte("groupId=g\nartifactId=a\nversion=1.0\n")})
	add("stored-jar.zip", buildZip(jsFile, zf{name: "lib/a.jar", data: jar, store: true}, zf{name: "data.bin", data: bytes.Repeat([]byte("ab"), 300), store: true}))
	add("raw-entries.zip", buildZip(rawEntry, zf{name: "b.txt", data: []byte("bee\n"), flags: 0x800}, zf{name: "dir/", data: nil}))
	add("docker-save.tar", dockerSave([][]byte{layerA, layerB}, nil))
	add("oci.tar", ociLayout([][]byte{layerA, layerB}, nil))
	add("crane.tar", tarball("", layerA, layerB))
	add("docker25.tar", docker25(layerA, layerB))
	add("plain.tar", layerA)
	add("fn.tar.gz", gz(buildTar(tf{name: "index.js", data: jsFile.data}, tf{name: "package.json", data: pkgFile.data})))
	if dir, ok := testshared.Optional(tb); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "corpus", "*"))
		for _, p := range files {
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() <= maxSeed && (strings.HasSuffix(p, ".zip") || strings.HasSuffix(p, ".tar")) {
				b, err := os.ReadFile(p)
				if err == nil {
					add("corpus/"+filepath.Base(p), b)
				}
			}
		}
	}
	return seeds
}

// isImage reports whether b, a tar, holds a container image.
func isImage(b []byte) bool {
	v, err := OpenReader(context.Background(), "x.tar", bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		return false
	}
	defer v.Close()
	return len(v.Sources) > 0 && v.Sources[0].Image != nil
}

// zipRegions finds a zip seed's boundaries, its hot ranges (local headers,
// directory records, the end record) and its free ranges (each record's
// version-made-by and external attributes, which set an entry's type and
// are stored nowhere else).
func zipRegions(s *mutationSeed) {
	recs, cdStart, eocd := zipRecords(s.b)
	for _, r := range recs {
		nl := int(s.b[r.local+localNameLenAt]) | int(s.b[r.local+localNameLenAt+1])<<8
		s.boundaries = append(s.boundaries, r.local)
		s.hot = append(s.hot, [2]int{r.local, r.local + localNameAt + nl}, [2]int{r.cd, r.cd + cdNameAt + len(r.name)})
		s.free = append(s.free, [2]int{r.cd + cdMadeByAt, r.cd + cdMadeByAt + 2}, [2]int{r.cd + cdAttrsAt, r.cd + cdAttrsAt + 4})
	}
	s.boundaries = append(s.boundaries, cdStart, eocd)
	s.hot = append(s.hot, [2]int{eocd, min(eocd+22, len(s.b))})
}

// tarRegions finds a tar seed's member boundaries and hot ranges (every
// header block, and the members that are JSON: manifests, indexes,
// configs, oci-layout).
func tarRegions(s *mutationSeed) {
	s.boundaries = tarBoundaries(s.b)
	for _, b := range s.boundaries {
		s.hot = append(s.hot, [2]int{b, min(b+512, len(s.b))})
	}
	for i, b := range s.boundaries[:len(s.boundaries)-1] {
		if next := s.boundaries[i+1]; next-b < 64<<10 && bytes.ContainsAny(s.b[b+512:next], "{[") {
			s.hot = append(s.hot, [2]int{b + 512, next})
		}
	}
}

func (s *mutationSeed) pick(ranges [][2]int, at uint32) int {
	total := 0
	for _, r := range ranges {
		total += r[1] - r[0]
	}
	if total == 0 {
		return int(at % uint32(len(s.b)))
	}
	n := int(at % uint32(total))
	for _, r := range ranges {
		if n < r[1]-r[0] {
			return r[0] + n
		}
		n -= r[1] - r[0]
	}
	return 0
}

func (s *mutationSeed) isFree(from, to int) bool {
	for _, r := range s.free {
		if from < r[1] && to > r[0] {
			return true
		}
	}
	return false
}

// mutate applies op to the seed. held says whether the result is held to
// the oracle (a change the format can detect, or none that shows).
func (s *mutationSeed) mutate(op uint8, at uint32, x byte, raw []byte) (b []byte, held bool) {
	if x == 0 {
		x = 0x01
	}
	switch op {
	case opTruncate:
		return s.b[:int(at%uint32(len(s.b)))], true
	case opBoundary:
		if len(s.boundaries) == 0 {
			return s.b[:int(at%uint32(len(s.b)))], true
		}
		return s.b[:s.boundaries[int(at%uint32(len(s.boundaries)))]], true
	case opFlip, opFlipHot:
		i := int(at % uint32(len(s.b)))
		if op == opFlipHot {
			i = s.pick(s.hot, at)
		}
		// A plain tar's data is protected by nothing.
		return flip(s.b, i, x), s.kind != "tar" && !s.isFree(i, i+1)
	case opOverwrite:
		i := int(at % uint32(len(s.b)))
		raw = raw[:min(len(raw), 64, len(s.b)-i)]
		c := bytes.Clone(s.b)
		copy(c[i:], raw)
		return c, s.kind != "tar" && !s.isFree(i, i+len(raw))
	}
	return raw, false
}

// viewPrint opens b and reads every file as a scan does (its head, its
// content in full, random access at its end; the view's folders and
// links through io/fs), and returns a fingerprint of what it shows: the
// sources' kinds and every file's path, status, type, size, link and
// content hash. partial says whether a problem left content unread.
func viewPrint(ctx context.Context, b []byte, tmp string) (print string, partial bool, err error) {
	v, err := OpenReader(ctx, "artifact", bytes.NewReader(b), int64(len(b)), Options{TempDir: tmp, Limits: mutationLimits})
	if err != nil {
		return "", false, err
	}
	defer v.Close()
	var (
		mu    sync.Mutex
		lines []string
	)
	for _, s := range v.Sources {
		lines = append(lines, "source "+s.Kind+" "+s.Compression)
	}
	fs.WalkDir(v, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeSymlink != 0 {
			v.ReadLink(p)
			v.Stat(p)
		}
		return nil
	})
	err = v.Walk(ctx, WalkOptions{}, func(_ context.Context, f *File) error {
		line := fmt.Sprintf("%s|%s|%s|%d|%q", f.Path, f.Status, f.Type, f.Size, f.Link)
		if f.Readable() {
			f.Head()
			h := sha256.New()
			if rc, err := f.Open(); err == nil {
				io.Copy(h, rc)
				rc.Close()
			}
			line += "|" + hex.EncodeToString(h.Sum(nil))
			if ra, err := f.ReaderAt(); err == nil && f.Size > 0 {
				buf := make([]byte, min(f.Size, 64))
				ra.ReadAt(buf, f.Size-int64(len(buf)))
			}
		}
		mu.Lock()
		lines = append(lines, line)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return "", false, err
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n"), v.Partial(), nil
}

// FuzzMutate damages valid artifacts (cuts them anywhere or at a member's
// boundary, flips a byte anywhere or in a header, a directory or a
// manifest, writes bytes over them) and reads the result as a scan does.
// Every input, damaged seed or raw bytes: no panic, done within the time
// limit, nothing left in the temporary folder, no Open error that is only
// a note. A damaged seed whose change its format can detect (held): an
// error, a partial problem, or exactly what the seed shows (same sources,
// files, types, sizes, contents): never a clean reading of something else.
//
//	go test ./packaging -run '^$' -fuzz FuzzMutate -fuzztime 10m
func FuzzMutate(f *testing.F) {
	seeds := mutationSeeds(f)
	tmp := f.TempDir()
	for i, s := range seeds {
		var partial bool
		var err error
		s.print, partial, err = viewPrint(context.Background(), s.b, tmp)
		if err != nil || partial {
			f.Fatalf("seed %s does not read cleanly: %v, partial %v", s.name, err, partial)
		}
		for op := uint8(opTruncate); op < numOps; op++ {
			for _, at := range []uint32{1, uint32(len(s.b) / 2), 7919 * uint32(i+1)} {
				f.Add(uint16(i), op, at, byte(0x20), []byte("PK\x03\x04"))
			}
		}
	}
	entries, _ := os.ReadDir(hostileDir)
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(hostileDir, e.Name())); err == nil && len(b) < 1<<20 {
			f.Add(uint16(0), uint8(opRaw), uint32(0), byte(0), b)
		}
	}
	f.Fuzz(func(t *testing.T, si uint16, op uint8, at uint32, x byte, raw []byte) {
		op %= numOps
		s := seeds[int(si)%len(seeds)]
		b, held := s.mutate(op, at, x, raw)
		if op == opRaw {
			b = raw
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		got, partial, err := viewPrint(ctx, b, tmp)
		if ctx.Err() != nil {
			t.Fatalf("%s, op %d at %d: not done in 60s", s.name, op, at)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Fatalf("temporary files left: %v", left)
		}
		if err != nil {
			if !archive.IsPartial(err) && !errors.Is(err, archive.ErrEmpty) {
				t.Fatalf("Open failed with a note: %v", err)
			}
			return
		}
		if op == opRaw || !held || partial || bytes.Equal(b, s.b) {
			return
		}
		if got != s.print {
			t.Fatalf("%s damaged (op %d at %d, x %#x) reads cleanly as something else:\n%s\nseed:\n%s", s.name, op, at, x, got, s.print)
		}
	})
}
