package packaging

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// openBytes writes b to a file and opens it as a view.
func openBytes(t *testing.T, name string, b []byte, opt Options) *View {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := Open(context.Background(), p, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

var big = func() []byte {
	b := make([]byte, 70<<10)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	return b
}()

// TestFS runs the standard library's conformance test of io/fs over a view of
// each format.
func TestFS(t *testing.T) {
	zipFiles := []zf{
		{name: "index.js", data: []byte("exports.handler = 1\n")},
		{name: "lib/big.bin", data: big},
		{name: "lib/stored.bin", data: big[:5000], store: true},
		{name: "node_modules/.bin/cli", data: []byte("../x/cli.js"), mode: fs0777Link},
		{name: "node_modules/x/cli.js", data: []byte("#!/usr/bin/env node\n")},
		{name: "empty.txt"},
	}
	layer1 := buildTar(tf{name: "etc/", typ: '5'}, tf{name: "etc/os-release", data: []byte("ID=debian\n")},
		tf{name: "usr/lib/libx.so.1", data: big}, tf{name: "usr/lib/libx.so", typ: '2', link: "libx.so.1"})
	layer2 := buildTar(tf{name: "var/task/app.py", data: []byte("print(1)\n")}, tf{name: "etc/.wh.os-release"})
	cases := []struct {
		name   string
		file   string
		b      []byte
		expect []string
	}{
		{"zip", "fn.zip", buildZip(zipFiles...), []string{"var/task/index.js", "var/task/lib/big.bin", "var/task/lib/stored.bin", "var/task/node_modules/x/cli.js", "var/task/empty.txt"}},
		{"tar", "fn.tar", buildTar(tf{name: "./index.js", data: []byte("1")}, tf{name: "lib/", typ: '5'}, tf{name: "lib/big.bin", data: big}), []string{"var/task/index.js", "var/task/lib/big.bin"}},
		{"tar.gz", "fn.tar.gz", gz(buildTar(tf{name: "index.js", data: []byte("1")}, tf{name: "lib/big.bin", data: big})), []string{"var/task/index.js", "var/task/lib/big.bin"}},
		{"docker", "image.tar", dockerSave([][]byte{layer1, layer2}, nil), []string{"usr/lib/libx.so.1", "var/task/app.py"}},
		{"oci", "oci.tar", ociLayout([][]byte{layer1, layer2}, nil), []string{"usr/lib/libx.so.1", "var/task/app.py"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := openBytes(t, c.file, c.b, Options{})
			if err := fstest.TestFS(v, c.expect...); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("dir", func(t *testing.T) {
		d := t.TempDir()
		must(os.MkdirAll(filepath.Join(d, "lib"), 0o755))
		must(os.WriteFile(filepath.Join(d, "index.js"), []byte("1"), 0o644))
		must(os.WriteFile(filepath.Join(d, "lib", "big.bin"), big, 0o644))
		must(os.Symlink("../index.js", filepath.Join(d, "lib", "link.js")))
		v, err := Open(context.Background(), d, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		if err := fstest.TestFS(v, "var/task/index.js", "var/task/lib/big.bin", "var/task/lib/link.js"); err != nil {
			t.Fatal(err)
		}
		// A link to the host's files is never followed (fstest does not
		// accept dangling links, so this one is made after).
		must(os.Symlink("/etc/passwd", filepath.Join(d, "outside")))
		v2, err := Open(context.Background(), d, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer v2.Close()
		if _, err := fs.ReadFile(v2, "var/task/outside"); err == nil {
			t.Error("a link to /etc/passwd of the host opened")
		}
	})
}

// TestLinks checks how the view follows links: inside the view only.
func TestLinks(t *testing.T) {
	v := openBytes(t, "fn.zip", buildZip(
		zf{name: "index.js", data: []byte("1")},
		zf{name: "lib/real/x.js", data: []byte("x")},
		zf{name: "lib/alias", data: []byte("real"), mode: fs0777Link},
		zf{name: "up", data: []byte("../../../../etc/passwd"), mode: fs0777Link},
		zf{name: "opt-link", data: []byte("/opt/nodejs/y.js"), mode: fs0777Link},
		zf{name: "loop", data: []byte("loop"), mode: fs0777Link},
	), Options{Layers: []string{writeTemp(t, "layer.zip", buildZip(zf{name: "nodejs/y.js", data: []byte("y")}))}})
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(v, name)
		return string(b), err
	}
	if got, err := read("var/task/lib/alias/x.js"); err != nil || got != "x" {
		t.Errorf("through a link to a folder: %q, %v", got, err)
	}
	if got, err := read("var/task/opt-link"); err != nil || got != "y" {
		t.Errorf("an absolute link from the function into its layer (/opt) is read in the view: %q, %v", got, err)
	}
	if _, err := read("var/task/up"); !errors.Is(err, archive.ErrLinkOutside) {
		t.Errorf("a link climbing out of the view: %v, want ErrLinkOutside", err)
	}
	if _, err := read("var/task/loop"); !errors.Is(err, archive.ErrLinkLoop) {
		t.Errorf("a link loop: %v, want ErrLinkLoop", err)
	}
	if target, err := v.ReadLink("var/task/up"); err != nil || target != "../../../../etc/passwd" {
		t.Errorf("ReadLink: %q, %v", target, err)
	}
	if fi, err := v.Lstat("var/task/up"); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("Lstat of a link: %v, %v", fi, err)
	}
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	must(os.WriteFile(p, b, 0o644))
	return p
}

// TestOpenFileRandomAccess reads a deflated file through ReadAt and Seek, as
// extractors that open jars do.
func TestOpenFileRandomAccess(t *testing.T) {
	v := openBytes(t, "fn.zip", buildZip(zf{name: "big.bin", data: big}), Options{})
	f, err := v.Open("var/task/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 10)
	if _, err := io.ReadFull(f, head); err != nil {
		t.Fatal(err)
	}
	ra := f.(io.ReaderAt)
	p := make([]byte, 100)
	if _, err := ra.ReadAt(p, 60000); err != nil {
		t.Fatal(err)
	}
	if string(p) != string(big[60000:60100]) || string(head) != string(big[:10]) {
		t.Error("ReadAt returned other bytes")
	}
	if _, err := f.(io.Seeker).Seek(-5, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(f)
	if err != nil || string(rest) != string(big[len(big)-5:]) {
		t.Errorf("after Seek: %q, %v", rest, err)
	}
}
