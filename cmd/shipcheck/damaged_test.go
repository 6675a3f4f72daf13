package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedInputs: artifacts damaged as mutation testing damaged them
// used to pass (exit 0, read as something else, nothing found). Each is
// now exit 2 with a message naming the artifact, the entry, what is wrong
// and what to do; with --allow-partial, an artifact that could still be
// read in part gives its scan result (the lodash advisory of orders-api.zip
// still fails --fail-on medium), and one that cannot be read as what it
// is stays exit 2. The damaged inputs are made here from the fixtures in
// testdata/examples.
func TestDamagedInputs(t *testing.T) {
	orders, err := os.ReadFile(filepath.Join(examples, "orders-api.zip"))
	if err != nil {
		t.Fatal(err)
	}
	image, err := os.ReadFile(filepath.Join(examples, "image.tar"))
	if err != nil {
		t.Fatal(err)
	}
	oci := ociFromDocker(t, image)
	osv := abs(t, filepath.Join(testdata, "osv"))

	const (
		fixZip   = "build it again, or download it again"
		fixImage = "save it again (docker save, podman save, skopeo copy) or download it again"
		fixTar   = "make or download the tar again"
	)
	for _, c := range []struct {
		name, file string
		data       []byte
		// want are parts of stderr: the artifact and entry, the problem,
		// the fix.
		want []string
		// partial is the exit code with --allow-partial: 1 where the
		// artifact is still read (its lodash advisory fails --fail-on
		// medium), 0 where it is read and clean, 2 where it cannot be read.
		partial int
	}{
		{"zip: local header names another entry", "orders-api.zip", zipEntry(t, orders, "index.js", func(b []byte, local, cd int) {
			b[local+30+2] ^= 0x20 // index.js -> inDex.js in the local header only
		}), []string{`orders-api.zip!index.js: corrupt or truncated archive: the local header names "inDex.js", the central directory "index.js"`, fixZip}, 1},
		{"zip: compressed size past the end of the file", "orders-api.zip", zipEntry(t, orders, "index.js", func(b []byte, local, cd int) {
			binary.LittleEndian.PutUint32(b[cd+20:], uint32(len(b)+1000))
		}), []string{"orders-api.zip!index.js: corrupt or truncated archive: its data", "runs past the end of the file", fixZip}, 1},
		{"zip: local header offset past the end of the file", "orders-api.zip", zipEntry(t, orders, "index.js", func(b []byte, local, cd int) {
			binary.LittleEndian.PutUint32(b[cd+42:], uint32(len(b)+1000))
		}), []string{"orders-api.zip!index.js: corrupt or truncated archive: its local header", "is past the end of the file", fixZip}, 1},
		{"docker: manifest.json cut", "image.tar", editTar(t, image, func(name string, data []byte) []byte {
			if name == "manifest.json" {
				return data[:len(data)/2]
			}
			return data
		}), []string{"image.tar: docker save archive: invalid image layout: manifest.json: unexpected end of JSON input", fixImage}, 2},
		{"docker: manifest.json byte flipped", "image.tar", editTar(t, image, func(name string, data []byte) []byte {
			if name == "manifest.json" {
				return bytes.Replace(data, []byte(`"Layers"`), []byte(`"Lbyers"`), 1)
			}
			return data
		}), []string{"image.tar: docker save archive: invalid image layout: manifest.json lists no image with layers", fixImage}, 2},
		{"docker: manifest.json is []", "image.tar", editTar(t, image, func(name string, data []byte) []byte {
			if name == "manifest.json" {
				return []byte("[]")
			}
			return data
		}), []string{"image.tar: docker save archive: invalid image layout: manifest.json lists no image with layers", fixImage}, 2},
		{"docker: config edited", "image.tar", editTar(t, image, func(name string, data []byte) []byte {
			if strings.HasSuffix(name, ".json") && name != "manifest.json" {
				return bytes.Replace(data, []byte("PATH=/usr/bin"), []byte("PATH=/tmp/bin"), 1)
			}
			return data
		}), []string{"image.tar!", ".json: config: digest does not match", "its name or descriptor says sha256:", fixImage}, 0},
		{"docker: layer edited", "image.tar", editTar(t, image, func(name string, data []byte) []byte {
			if strings.HasSuffix(name, "2/layer.tar") {
				return editTar(t, data, func(name string, data []byte) []byte {
					return bytes.ReplaceAll(data, []byte("True"), []byte("Fals"))
				})
			}
			return data
		}), []string{"image.tar!", "2/layer.tar: digest does not match: uncompressed layer is sha256:", "config says sha256:", fixImage}, 0},
		{"OCI: cut at a member boundary, index.json lost", "image-oci.tar", cutBefore(t, oci, "index.json"),
			[]string{"image-oci.tar: OCI image layout: invalid image layout: no index.json beside oci-layout or blobs/", fixImage}, 2},
		{"OCI: cut at a member boundary, oci-layout lost", "image-oci.tar", cutBefore(t, oci, "oci-layout"),
			[]string{"image-oci.tar: corrupt or truncated archive: the tar ends without its end-of-archive marker", fixTar, "no oci-layout file beside index.json and blobs/", fixImage}, 0},
		{"OCI: oci-layout renamed", "image-oci.tar", renameMember(t, oci, "oci-layout", "oci-layout.bak"),
			[]string{"image-oci.tar: invalid image layout: no oci-layout file beside index.json and blobs/", fixImage}, 0},
		{"OCI: config edited", "image-oci.tar", editTar(t, oci, func(name string, data []byte) []byte {
			if bytes.Contains(data, []byte(`"diff_ids"`)) {
				return bytes.Replace(data, []byte("PATH=/usr/bin"), []byte("PATH=/tmp/bin"), 1)
			}
			return data
		}), []string{"image-oci.tar!blobs/sha256/", "config: digest does not match", fixImage}, 0},
		{"OCI: layer edited", "image-oci.tar", editTar(t, oci, func(name string, data []byte) []byte {
			if bytes.Contains(data, []byte("app.py")) && !bytes.Contains(data, []byte(`"layers"`)) {
				return editTar(t, data, func(name string, data []byte) []byte {
					return bytes.ReplaceAll(data, []byte("True"), []byte("Fals"))
				})
			}
			return data
		}), []string{"image-oci.tar!blobs/sha256/", "digest does not match: layer blob is sha256:", fixImage}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := run(t, nil, "scan", p, "--advisories", osv, "--fail-on", "medium")
			if code != 2 {
				t.Errorf("exit %d, want 2\n%s%s", code, stdout, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "panic") {
				t.Errorf("stderr: %s", stderr)
			}
			code, stdout, stderr = run(t, nil, "scan", p, "--advisories", osv, "--fail-on", "medium", "--allow-partial")
			if code != c.partial {
				t.Errorf("--allow-partial: exit %d, want %d\n%s%s", code, c.partial, stdout, stderr)
			}
			if c.partial != 2 && (!strings.Contains(stderr, "note: ") || !strings.Contains(stdout, "== "+c.file)) {
				t.Errorf("--allow-partial: want the problems as notes and the scan's result:\n%s%s", stdout, stderr)
			}
		})
	}
}

// zipEntry damages a copy of a zip's entry named name: damage gets the
// offsets of its local header and of its central directory record.
func zipEntry(t *testing.T, zb []byte, name string, damage func(b []byte, local, cd int)) []byte {
	t.Helper()
	b := bytes.Clone(zb)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	eocd := bytes.LastIndex(b, []byte("PK\x05\x06"))
	cd := int(le.Uint32(b[eocd+16:]))
	for _, f := range zr.File {
		nl, el, cl := int(le.Uint16(b[cd+28:])), int(le.Uint16(b[cd+30:])), int(le.Uint16(b[cd+32:]))
		if f.Name == name {
			damage(b, int(le.Uint32(b[cd+42:])), cd)
			return b
		}
		cd += 46 + nl + el + cl
	}
	t.Fatalf("no entry %s", name)
	return nil
}

type member struct {
	name string
	data []byte
}

func readTar(t *testing.T, b []byte) []member {
	t.Helper()
	var out []member
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, _ := io.ReadAll(tr)
		out = append(out, member{h.Name, data})
	}
}

func writeTar(t *testing.T, members []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, m := range members {
		if err := w.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// editTar rewrites a tar's regular files through edit.
func editTar(t *testing.T, b []byte, edit func(name string, data []byte) []byte) []byte {
	t.Helper()
	ms := readTar(t, b)
	for i := range ms {
		ms[i].data = edit(ms[i].name, ms[i].data)
	}
	return writeTar(t, ms)
}

func renameMember(t *testing.T, b []byte, from, to string) []byte {
	t.Helper()
	ms := readTar(t, b)
	for i := range ms {
		if ms[i].name == from {
			ms[i].name = to
		}
	}
	return writeTar(t, ms)
}

// cutBefore cuts a tar where the member named name starts: the file ends
// after the member before it, as a download stopped at a member's end.
func cutBefore(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	r := bytes.NewReader(b)
	tr := tar.NewReader(r)
	start := 0
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no member %s: %v", name, err)
		}
		if h.Name == name {
			return b[:start]
		}
		io.Copy(io.Discard, tr)
		start = len(b) - r.Len() + int(-h.Size&511) // the end of the member and its padding
	}
}

// ociFromDocker writes the image of a `docker save` tarball as an OCI image
// layout tar, in the order docker and skopeo write one: blobs, then
// index.json, then oci-layout.
func ociFromDocker(t *testing.T, b []byte) []byte {
	t.Helper()
	files := map[string][]byte{}
	for _, m := range readTar(t, b) {
		files[m.name] = m.data
	}
	var dm []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(files["manifest.json"], &dm); err != nil || len(dm) != 1 {
		t.Fatalf("manifest.json: %v", err)
	}
	var blobs []member
	blob := func(data []byte) map[string]any {
		s := sha256.Sum256(data)
		d := hex.EncodeToString(s[:])
		blobs = append(blobs, member{"blobs/sha256/" + d, data})
		return map[string]any{"digest": "sha256:" + d, "size": len(data)}
	}
	desc := func(mediaType string, data []byte) map[string]any {
		d := blob(data)
		d["mediaType"] = mediaType
		return d
	}
	var layers []map[string]any
	for _, l := range dm[0].Layers {
		layers = append(layers, desc("application/vnd.oci.image.layer.v1.tar", files[l]))
	}
	man, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": desc("application/vnd.oci.image.config.v1+json", files[dm[0].Config]), "layers": layers})
	md := desc("application/vnd.oci.image.manifest.v1+json", man)
	md["annotations"] = map[string]string{"org.opencontainers.image.ref.name": "latest"}
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{md}})
	out := append(blobs, member{"index.json", index}, member{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)})
	return writeTar(t, out)
}
