package packaging

import (
	stdtar "archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// untar writes a (trusted, test-made) tar into dir.
func untar(t *testing.T, b []byte, dir string) {
	t.Helper()
	tr := stdtar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case stdtar.TypeDir:
			must(os.MkdirAll(p, 0o755))
		case stdtar.TypeReg:
			must(os.MkdirAll(filepath.Dir(p), 0o755))
			data, _ := io.ReadAll(tr)
			must(os.WriteFile(p, data, 0o644))
		case stdtar.TypeSymlink:
			must(os.MkdirAll(filepath.Dir(p), 0o755))
			must(os.Symlink(h.Linkname, p))
		}
	}
}

func imageFiles(t *testing.T, l *Listing) string {
	var out []string
	for _, f := range l.Files {
		out = append(out, f.Path+" "+f.Status.String())
	}
	return strings.Join(out, "\n")
}

// TestOCILayoutFolder opens the same OCI layout as a tar and as a folder:
// the same view, digests checked in both.
func TestOCILayoutFolder(t *testing.T) {
	base := buildTar(tf{name: "etc/a", data: []byte("a")}, tf{name: "var/task/x.py", data: []byte("x")})
	top := buildTar(tf{name: "var/task/.wh.x.py"}, tf{name: "var/task/y.py", data: []byte("y")})
	b := ociLayout([][]byte{base, top}, nil)
	fromTar, err := List(context.Background(), writeTemp(t, "oci.tar", b), ListOptions{Hidden: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	untar(t, b, dir)
	fromDir, err := List(context.Background(), dir, ListOptions{Hidden: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "/etc/a visible\n/var/task/x.py deleted\n/var/task/y.py visible"
	if got := imageFiles(t, fromTar); got != want {
		t.Errorf("tar:\n%s\nwant\n%s", got, want)
	}
	if got := imageFiles(t, fromDir); got != want {
		t.Errorf("folder:\n%s\nwant\n%s", got, want)
	}
	if fromDir.Sources[0].Kind != "oci-layout" || !strings.HasPrefix(fromDir.Files[0].Origin.String(), "layout/blobs/sha256/") {
		t.Errorf("folder source %+v, origin %s", fromDir.Sources[0], fromDir.Files[0].Origin)
	}
	// A blob changed on disk is found.
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
	for _, p := range blobs {
		if data, _ := os.ReadFile(p); len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
			must(os.WriteFile(p, gz(buildTar(tf{name: "etc/a", data: []byte("evil")})), 0o644))
			break
		}
	}
	l, err := List(context.Background(), dir, ListOptions{})
	if err != nil || !l.Partial {
		t.Errorf("a changed blob in a layout folder: %v, partial %v", err, l != nil && l.Partial)
	}
}

// TestCorpusOCIFolder opens the corpus's OCI image unpacked into a folder.
func TestCorpusOCIFolder(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedDir(t), "corpus", "image-oci.tar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "image-oci")
	untar(t, b, dir)
	a, err := List(context.Background(), dir, ListOptions{Hidden: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := List(context.Background(), writeTemp(t, "image-oci.tar", b), ListOptions{Hidden: true})
	if err != nil {
		t.Fatal(err)
	}
	if imageFiles(t, a) != imageFiles(t, c) || len(a.Files) < 100 || a.Partial {
		t.Errorf("the folder form differs from the tar form (%d vs %d files)", len(a.Files), len(c.Files))
	}
}

// TestDockerSymlinkedLayer reads a docker save tarball in which a repeated
// layer is a symlink to its first copy, as docker writes them.
func TestDockerSymlinkedLayer(t *testing.T) {
	l1 := buildTar(tf{name: "etc/a", data: []byte("a")})
	b := dockerSave([][]byte{l1, l1}, func(files map[string][]byte, names []string) {})
	// Rewrite the second layer as a link to the first.
	var entries []tf
	tr := stdtar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		data, _ := io.ReadAll(tr)
		if strings.HasPrefix(h.Name, strings.Repeat("0", 63)+"2/") {
			entries = append(entries, tf{name: h.Name, typ: stdtar.TypeSymlink, link: "../" + strings.Repeat("0", 63) + "1/layer.tar"})
			continue
		}
		entries = append(entries, tf{name: h.Name, data: data})
	}
	l, err := List(context.Background(), writeTemp(t, "img.tar", buildTar(entries...)), ListOptions{Hidden: true})
	if err != nil {
		t.Fatal(err)
	}
	if l.Partial || imageFiles(t, l) != "/etc/a visible\n/etc/a shadowed" {
		t.Errorf("partial %v, files:\n%s\nproblems %v", l.Partial, imageFiles(t, l), l.Problems)
	}
}

// TestPlatform picks one image of a multi-platform index.
func TestPlatform(t *testing.T) {
	amd := ociLayout([][]byte{buildTar(tf{name: "arch", data: []byte("amd64")})}, nil)
	arm := ociLayout([][]byte{buildTar(tf{name: "arch", data: []byte("arm64")})}, nil)
	// Merge the two layouts into one whose index lists both manifests.
	files := map[string][]byte{}
	var manifests []string
	for _, layout := range [][]byte{amd, arm} {
		tr := stdtar.NewReader(bytes.NewReader(layout))
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(tr)
			if h.Name == "index.json" {
				s := string(data)
				i := strings.Index(s, "[") + 1
				manifests = append(manifests, s[i:strings.LastIndex(s, "]")])
				continue
			}
			files[h.Name] = data
		}
	}
	manifests[1] = strings.Replace(manifests[1], `"architecture":"amd64"`, `"architecture":"arm64"`, 1)
	files["index.json"] = []byte(`{"schemaVersion":2,"manifests":[` + manifests[0] + "," + manifests[1] + "]}")
	var entries []tf
	for _, n := range sortedKeys(files) {
		entries = append(entries, tf{name: n, data: files[n]})
	}
	p := writeTemp(t, "multi.tar", buildTar(entries...))
	for platform, want := range map[string]string{"": "amd64", "linux/arm64": "arm64", "linux/amd64": "amd64"} {
		v, err := Open(context.Background(), p, Options{Platform: platform})
		if err != nil {
			t.Fatal(err)
		}
		got, err := fs.ReadFile(v, "arch")
		v.Close()
		if err != nil || string(got) != want {
			t.Errorf("--platform %q: %q, %v; want %s", platform, got, err, want)
		}
	}
}
