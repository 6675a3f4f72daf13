package packaging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

var update = flag.Bool("update", false, "rewrite the generated files in testdata")

const hostileDir = "../testdata/hostile"

// hostileCase is one artifact of the catalogue in testdata/hostile, with the
// outcome the artifact view's table gives it.
type hostileCase struct {
	file  string
	about string
	build func() []byte
	// flags are the CLI flags the case runs with, and limits the same for
	// the library.
	flags  []string
	limits archive.Limits
	// openErr: Open fails with this. problem: a problem matches this.
	openErr error
	problem error
	// exit is the exit code of `shipcheck files` on the artifact.
	exit int
	// message is a piece of the one-line message the user sees.
	message string
	check   func(t *testing.T, l *Listing)
}

func zeros(n int) []byte { return make([]byte, n) }

// nestZips wraps inner in depth zips.
func nestZips(depth int, inner []byte) []byte {
	b := inner
	for i := range depth {
		b = buildZip(zf{name: fmt.Sprintf("level%d.zip", depth-i), data: b})
	}
	return b
}

var hostileCases = []hostileCase{
	{file: "zip-dotdot.zip", about: "entry name with ..", build: func() []byte {
		return buildZip(zf{name: "ok.txt", data: []byte("ok")}, zf{name: "../../evil.txt", data: []byte("x")})
	}, problem: archive.ErrInsecurePath, exit: 2, message: "../../evil.txt: entry name escapes the archive",
		check: hasFile("/var/task/ok.txt")},
	{file: "zip-absolute.zip", about: "absolute entry name", build: func() []byte {
		return buildZip(zf{name: "ok.txt", data: []byte("ok")}, zf{name: "/etc/cron.d/evil", data: []byte("x")})
	}, problem: archive.ErrInsecurePath, exit: 2, message: "/etc/cron.d/evil: entry name escapes"},
	{file: "zip-backslash.zip", about: ".. written with backslashes", build: func() []byte {
		return buildZip(zf{name: "ok.txt", data: []byte("ok")}, zf{name: `..\..\evil.txt`, data: []byte("x")})
	}, problem: archive.ErrInsecurePath, exit: 2, message: `..\..\evil.txt: entry name escapes`},
	{file: "zip-drive.zip", about: "entry name with a drive letter", build: func() []byte {
		return buildZip(zf{name: `C:\Windows\evil.dll`, data: []byte("x")}, zf{name: "ok.txt", data: []byte("ok")})
	}, problem: archive.ErrInsecurePath, exit: 2, message: "escapes the archive"},
	{file: "zip-bomb-ratio.zip", about: "an entry past the compression ratio (64 MiB of zeros in 64 KiB)", build: func() []byte {
		return buildZip(zf{name: "ok.txt", data: []byte("ok")}, zf{name: "bomb.bin", data: zeros(64 << 20)})
	}, problem: archive.ErrLimit, exit: 2, message: "limit passed: compression ratio"},
	{file: "zip-bomb-overlap.zip", about: "64 entries sharing one kernel (a non-recursive bomb): archive past the ratio", build: func() []byte {
		return overlapZip(64, zeros(1<<20))
	}, problem: archive.ErrLimit, exit: 2, message: "compression ratio"},
	{file: "zip-bomb-nested.zip", about: "zips in zips, each leaf past the ratio (42.zip style)", build: func() []byte {
		leaf := buildZip(zf{name: "zeros.bin", data: zeros(20 << 20)})
		mid := buildZip(zf{name: "a.zip", data: leaf}, zf{name: "b.zip", data: leaf})
		return buildZip(zf{name: "1.zip", data: mid}, zf{name: "2.zip", data: mid})
	}, problem: archive.ErrLimit, exit: 2, message: "zip-bomb-nested.zip!1.zip!a.zip: limit passed: compression ratio"},
	{file: "zip-deep.zip", about: "nesting deeper than --max-depth (10 zips in zips)", build: func() []byte {
		return nestZips(10, buildZip(zf{name: "deep.txt", data: []byte("deep")}))
	}, problem: archive.ErrLimit, exit: 2, message: "limit passed: nesting depth"},
	{file: "zip-entries.zip", about: "more entries than --max-entries", build: func() []byte {
		var fs []zf
		for i := range 20 {
			fs = append(fs, zf{name: fmt.Sprintf("f%02d.txt", i), data: []byte("x")})
		}
		return buildZip(fs...)
	}, flags: []string{"--max-entries", "10"}, limits: archive.Limits{MaxEntries: 10},
		problem: archive.ErrLimit, exit: 2, message: "limit passed: entry count"},
	{file: "zip-entry-size.zip", about: "an entry larger than --max-entry-size", build: func() []byte {
		return buildZip(zf{name: "big.bin", data: bytes.Repeat([]byte("0123456789"), 20000)})
	}, flags: []string{"--max-entry-size", "100KiB"}, limits: archive.Limits{MaxEntrySize: 100 << 10},
		problem: archive.ErrLimit, exit: 2, message: "limit passed: entry size"},
	{file: "zip-total-size.zip", about: "more bytes in all than --max-total-size", build: func() []byte {
		var fs []zf
		for i := range 10 {
			fs = append(fs, zf{name: fmt.Sprintf("f%d.bin", i), data: bytes.Repeat([]byte{byte(i)}, 50000)})
		}
		return buildZip(fs...)
	}, flags: []string{"--max-total-size", "200KB"}, limits: archive.Limits{MaxTotalSize: 200_000},
		problem: archive.ErrLimit, exit: 2, message: "limit passed: total uncompressed size"},
	{file: "zip-truncated.zip", about: "truncated zip", build: func() []byte {
		b := buildZip(zf{name: "a.txt", data: bytes.Repeat([]byte("hello "), 1000)}, zf{name: "b.txt", data: []byte("b")})
		return b[:len(b)/2]
	}, openErr: archive.ErrCorrupt, exit: 2, message: "zip-truncated.zip: corrupt or truncated archive"},
	{file: "zip-bad-crc.zip", about: "an entry whose bytes do not match its CRC-32", build: func() []byte {
		b := buildZip(zf{name: "data.txt", data: []byte("the quick brown fox jumps over the lazy dog"), store: true})
		i := bytes.Index(b, []byte("quick"))
		b[i] = 'Q'
		return b
	}, problem: archive.ErrCorrupt, exit: 2, message: "data.txt: read: corrupt or truncated archive: checksum error"},
	{file: "zip-encrypted.zip", about: "encrypted entry", build: func() []byte {
		return buildZip(zf{name: "ok.txt", data: []byte("ok")}, zf{name: "secret.txt", data: []byte("\x8f\x12garbage"), flags: 1})
	}, problem: archive.ErrEncrypted, exit: 2, message: "secret.txt: encrypted entry"},
	{file: "zip-nested-corrupt.zip", about: "a nested jar that is not a readable zip", build: func() []byte {
		jar := buildZip(zf{name: "META-INF/MANIFEST.MF", data: []byte("Manifest-Version: 1.0\n")})
		return buildZip(zf{name: "lib/app.jar", data: jar[:len(jar)-30], store: true}, zf{name: "index.js", data: []byte("1")})
	}, problem: archive.ErrCorrupt, exit: 2, message: "lib/app.jar: nested zip: corrupt or truncated archive"},
	{file: "not-an-archive.txt", about: "not an archive at all", build: func() []byte {
		return []byte("just some text, not an archive\n")
	}, openErr: archive.ErrNotArchive, exit: 2, message: "not a recognised archive"},
	{file: "empty.zip", about: "empty file", build: func() []byte { return nil },
		openErr: archive.ErrEmpty, exit: 2, message: "empty file"},
	{file: "zip-links.zip", about: "symlinks out of the view, dangling and in a loop", build: func() []byte {
		return buildZip(
			zf{name: "index.js", data: []byte("1")},
			zf{name: "up", data: []byte("../../../../etc/passwd"), mode: fs0777Link},
			zf{name: "abs", data: []byte("/usr/share/java/x.jar"), mode: fs0777Link},
			zf{name: "loop-a", data: []byte("loop-b"), mode: fs0777Link},
			zf{name: "loop-b", data: []byte("loop-a"), mode: fs0777Link},
			zf{name: "good", data: []byte("index.js"), mode: fs0777Link},
		)
	}, problem: archive.ErrLinkOutside, exit: 0, message: "up: link points outside the view; not followed (a target of 22 bytes)",
		check: func(t *testing.T, l *Listing) {
			for _, want := range []error{archive.ErrLinkLoop, archive.ErrLinkDangling} {
				if !hasProblem(l, want) {
					t.Errorf("no problem matching %v", want)
				}
			}
			f := fileAt(l, "/var/task/up")
			if f == nil || f.Type != archive.TypeSymlink || f.Link != "../../../../etc/passwd" || f.Readable() {
				t.Errorf("link 'up' not listed as an unread symlink: %+v", f)
			}
			if f := fileAt(l, "/var/task/good"); f == nil || f.Note != "" {
				t.Errorf("a link inside the view got a note: %+v", f)
			}
		}},
	{file: "zip-duplicate.zip", about: "duplicate entry names", build: func() []byte {
		return buildZip(zf{name: "config.json", data: []byte(`{"v":1}`)}, zf{name: "config.json", data: []byte(`{"v":2}`)})
	}, problem: archive.ErrDuplicate, exit: 0, message: "duplicate entry name; the last one wins",
		check: func(t *testing.T, l *Listing) {
			if f := fileAt(l, "/var/task/config.json"); f == nil || f.Size != 7 || f.Origin.String() != "zip-duplicate.zip!config.json" {
				t.Errorf("config.json: %+v", f)
			}
		}},
	{file: "zip-cp437.zip", about: "a name that is not UTF-8, without the UTF-8 flag (CP437)", build: func() []byte {
		return buildZip(zf{name: "caf\x82.txt", data: []byte("x"), nonUTF8: true})
	}, problem: archive.ErrRenamed, exit: 0, message: `read as "café.txt"`, check: hasFile("/var/task/café.txt")},
	{file: "tar-dotdot.tar", about: "tar entries with .. and absolute names", build: func() []byte {
		return buildTar(tf{name: "ok.txt", data: []byte("ok")}, tf{name: "a/../../evil", data: []byte("x")}, tf{name: "/etc/passwd", data: []byte("x")})
	}, problem: archive.ErrInsecurePath, exit: 2, message: "a/../../evil: entry name escapes"},
	{file: "tar-links.tar", about: "symlink and hardlink pointing outside", build: func() []byte {
		return buildTar(tf{name: "ok.txt", data: []byte("ok")},
			tf{name: "sym", typ: '2', link: "../../../etc/shadow"},
			tf{name: "hard", typ: '1', link: "../../etc/shadow"},
			tf{name: "hard-ok", typ: '1', link: "ok.txt"})
	}, problem: archive.ErrLinkOutside, exit: 0, message: "hardlink to",
		check: func(t *testing.T, l *Listing) {
			if f := fileAt(l, "/var/task/hard-ok"); f == nil || f.Type != archive.TypeFile || f.Size != 2 {
				t.Errorf("a hardlink inside the archive is not a file: %+v", f)
			}
			if f := fileAt(l, "/var/task/hard"); f == nil || f.Type != archive.TypeHardlink || f.Readable() {
				t.Errorf("a hardlink outside is not listed as an unread link: %+v", f)
			}
		}},
	{file: "tar-devices.tar", about: "device files and a FIFO", build: func() []byte {
		return buildTar(tf{name: "dev/null", typ: '3', devmajor: 1}, tf{name: "dev/sda", typ: '4', devmajor: 8}, tf{name: "run/fifo", typ: '6'}, tf{name: "ok.txt", data: []byte("ok")})
	}, exit: 0, check: func(t *testing.T, l *Listing) {
		for p, typ := range map[string]archive.Type{"/var/task/dev/null": archive.TypeCharDevice, "/var/task/dev/sda": archive.TypeBlockDevice, "/var/task/run/fifo": archive.TypeFIFO} {
			if f := fileAt(l, p); f == nil || f.Type != typ || f.Readable() || f.Note == "" {
				t.Errorf("%s: want an unread %s with a note, got %+v", p, typ, f)
			}
		}
	}},
	{file: "tar-truncated.tar", about: "truncated tar", build: func() []byte {
		b := buildTar(tf{name: "a.txt", data: []byte("a")}, tf{name: "b.bin", data: bytes.Repeat([]byte("b"), 5000)})
		return b[:1024+512+1000]
	}, problem: archive.ErrCorrupt, exit: 2, message: "corrupt or truncated archive: unexpected EOF"},
	{file: "tar-gz-truncated.tar.gz", about: "truncated gzip", build: func() []byte {
		b := gz(buildTar(tf{name: "a.txt", data: bytes.Repeat([]byte("a quick fox "), 10000)}))
		return b[:len(b)/2]
	}, openErr: archive.ErrCorrupt, exit: 2, message: "corrupt or truncated archive: gzip"},
	{file: "tar-gz-bomb.tar.gz", about: "gzip past the compression ratio (a tar of 64 MiB of zeros)", build: func() []byte {
		return gz(buildTar(tf{name: "zeros.bin", data: zeros(64 << 20)}))
	}, openErr: archive.ErrLimit, exit: 2, message: "limit passed: compression ratio"},
	{file: "tar-non-utf8.tar", about: "a tar name that is not UTF-8", build: func() []byte {
		return buildTar(tf{name: "na\xefve.txt", data: []byte("x")})
	}, problem: archive.ErrRenamed, exit: 0, check: hasFile("/var/task/naïve.txt")},
	{file: "docker-missing-layer.tar", about: "docker save with a missing layer", build: func() []byte {
		return dockerSave([][]byte{buildTar(tf{name: "etc/a", data: []byte("a")}), buildTar(tf{name: "etc/b", data: []byte("b")})},
			func(files map[string][]byte, names []string) { delete(files, names[3]) })
	}, problem: archive.ErrMissingBlob, exit: 2, message: "image blob is missing", check: hasFile("/etc/a")},
	{file: "docker-bad-digest.tar", about: "docker save with a layer that does not match its diff ID", build: func() []byte {
		return dockerSave([][]byte{buildTar(tf{name: "etc/a", data: []byte("a")})}, func(files map[string][]byte, names []string) {
			files[names[2]] = buildTar(tf{name: "etc/a", data: []byte("A")})
		})
	}, problem: archive.ErrDigest, exit: 2, message: "digest does not match: uncompressed layer is sha256:"},
	{file: "oci-missing-blob.tar", about: "OCI layout with a missing layer blob", build: func() []byte {
		l := buildTar(tf{name: "etc/a", data: []byte("a")})
		return ociLayout([][]byte{l}, func(blobs map[string][]byte) { delete(blobs, sha(gz(l))) })
	}, problem: archive.ErrMissingBlob, exit: 2, message: "image blob is missing"},
	{file: "oci-bad-digest.tar", about: "OCI layout with a blob that does not match its digest", build: func() []byte {
		l := buildTar(tf{name: "etc/a", data: []byte("a")})
		return ociLayout([][]byte{l}, func(blobs map[string][]byte) {
			blobs[sha(gz(l))] = gz(buildTar(tf{name: "etc/a", data: []byte("evil")}))
		})
	}, problem: archive.ErrDigest, exit: 2, message: "digest does not match: layer blob is sha256:"},
	{file: "oci-missing-manifest.tar", about: "OCI layout whose index points at a missing manifest", build: func() []byte {
		return ociLayout([][]byte{buildTar(tf{name: "etc/a", data: []byte("a")})}, func(blobs map[string][]byte) {
			for d, b := range blobs {
				if bytes.Contains(b, []byte(`"layers"`)) {
					delete(blobs, d)
				}
			}
		})
	}, openErr: archive.ErrMissingBlob, exit: 2, message: "image blob is missing"},
	{file: "oci-whiteout-escape.tar", about: "an image whiteout naming ..", build: func() []byte {
		return ociLayout([][]byte{buildTar(tf{name: "etc/a", data: []byte("a")}), buildTar(tf{name: "etc/.wh..."})}, nil)
	}, problem: archive.ErrInsecurePath, exit: 2, message: "etc/.wh...: entry name escapes"},
}

const fs0777Link = 0o777 | 1<<27 // fs.ModeSymlink | 0777

func hasFile(p string) func(t *testing.T, l *Listing) {
	return func(t *testing.T, l *Listing) {
		if f := fileAt(l, p); f == nil || f.Type != archive.TypeFile {
			t.Errorf("%s is not listed as a file", p)
		}
	}
}

func fileAt(l *Listing, p string) *File {
	for _, f := range l.Files {
		if f.Path == p {
			return f
		}
	}
	return nil
}

func hasProblem(l *Listing, target error) bool {
	for _, p := range l.Problems {
		if errors.Is(p.Err, target) {
			return true
		}
	}
	return false
}

// catalogueEntry is what testdata/hostile/CATALOGUE.json says of a file, for
// the command-line tests and for people.
type catalogueEntry struct {
	File    string   `json:"file"`
	About   string   `json:"about"`
	Flags   []string `json:"flags,omitempty"`
	Exit    int      `json:"exit"`
	Message string   `json:"message"`
}

// TestHostileCatalogue checks that testdata/hostile holds what the builders
// make (go test ./packaging -run Hostile -update rewrites it).
func TestHostileCatalogue(t *testing.T) {
	var cat []catalogueEntry
	names := map[string]bool{}
	for _, c := range hostileCases {
		if names[c.file] {
			t.Fatalf("two cases write %s", c.file)
		}
		names[c.file] = true
		want := c.build()
		p := filepath.Join(hostileDir, c.file)
		if *update {
			must(os.MkdirAll(hostileDir, 0o755))
			must(os.WriteFile(p, want, 0o644))
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./packaging -run Hostile -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what its builder makes (run go test ./packaging -run Hostile -update)", p)
		}
		cat = append(cat, catalogueEntry{File: c.file, About: c.about, Flags: c.flags, Exit: c.exit, Message: c.message})
	}
	b, err := json.MarshalIndent(cat, "", "  ")
	must(err)
	b = append(b, '\n')
	p := filepath.Join(hostileDir, "CATALOGUE.json")
	if *update {
		must(os.WriteFile(p, b, 0o644))
	}
	if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, b) {
		t.Errorf("%s is out of date (run go test ./packaging -run Hostile -update)", p)
	}
}

// TestHostile opens each artifact of the catalogue and checks the outcome
// its row of the table gives: the error or problem, whether the results
// are partial (exit 2), a message naming the entry, and that nothing was
// written outside the view's private temporary folder, which is gone after.
func TestHostile(t *testing.T) {
	for _, c := range hostileCases {
		t.Run(c.file, func(t *testing.T) {
			tmp := t.TempDir()
			l, err := List(context.Background(), filepath.Join(hostileDir, c.file), ListOptions{Options: Options{Limits: c.limits, TempDir: tmp}, Hidden: true})
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Errorf("the temporary folder is not empty after the view closed: %v", entries)
			}
			if c.openErr != nil {
				if !errors.Is(err, c.openErr) {
					t.Fatalf("Open error = %v, want %v", err, c.openErr)
				}
				if !strings.Contains(err.Error(), c.message) {
					t.Errorf("message %q does not say %q", err, c.message)
				}
				return
			}
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			var msgs []string
			for _, p := range l.Problems {
				msgs = append(msgs, p.String())
			}
			if c.problem != nil && !hasProblem(l, c.problem) {
				t.Errorf("no problem matching %v in %q", c.problem, msgs)
			}
			if c.message != "" && !strings.Contains(strings.Join(msgs, "\n"), c.message) {
				t.Errorf("no message says %q: %q", c.message, msgs)
			}
			if got := l.Partial; got != (c.exit == 2) {
				t.Errorf("partial = %v, want %v (problems %q)", got, c.exit == 2, msgs)
			}
			if c.check != nil {
				c.check(t, l)
			}
		})
	}
}

// TestBombMemory walks bombs with limits raised so that they are read in
// full: memory stays bounded because files are streamed, and a nested
// archive past what memory may hold goes to the temporary folder.
func TestBombMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads about 200 MiB")
	}
	for _, file := range []string{"zip-bomb-ratio.zip", "zip-bomb-nested.zip", "tar-gz-bomb.tar.gz"} {
		t.Run(file, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			l, err := List(context.Background(), filepath.Join(hostileDir, file), ListOptions{Options: Options{
				Limits: archive.Limits{MaxRatio: 1e6}, TempDir: t.TempDir(),
			}})
			if err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			var read int64
			for _, f := range l.Files {
				read += f.Size
			}
			if read < 60<<20 {
				t.Fatalf("read %d bytes: the bomb was not read through", read)
			}
			// HeapSys never shrinks: it bounds the heap's peak.
			if grew := int64(after.HeapSys) - int64(before.HeapSys); grew > 128<<20 {
				t.Errorf("heap grew by %s reading %s", archive.FormatSize(grew), archive.FormatSize(read))
			}
		})
	}
}
