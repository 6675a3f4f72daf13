package packaging

// Builders of small artifacts for the tests: zips, tars, docker save
// tarballs and OCI layouts, byte for byte reproducible.

import (
	stdtar "archive/tar"
	stdzip "archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"slices"
	"time"
)

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// zf is one zip entry to write.
type zf struct {
	name    string
	data    []byte
	store   bool        // stored, not deflated
	mode    fs.FileMode // 0: a regular file 0644
	nonUTF8 bool        // name written without the UTF-8 flag
	flags   uint16      // extra general purpose flags (1: encrypted)
}

func buildZip(files ...zf) []byte {
	var buf bytes.Buffer
	w := stdzip.NewWriter(&buf)
	for _, f := range files {
		h := &stdzip.FileHeader{Name: f.name, Method: stdzip.Deflate, Modified: epoch, NonUTF8: f.nonUTF8}
		if f.store {
			h.Method = stdzip.Store
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		if f.flags != 0 {
			// An entry written raw, as an encrypting tool would.
			h.Flags |= f.flags
			h.Method = stdzip.Store
			h.CRC32 = crc32.ChecksumIEEE(f.data)
			h.CompressedSize64 = uint64(len(f.data))
			h.UncompressedSize64 = uint64(len(f.data))
			fw, err := w.CreateRaw(h)
			must(err)
			_, err = fw.Write(f.data)
			must(err)
			continue
		}
		fw, err := w.CreateHeader(h)
		must(err)
		_, err = fw.Write(f.data)
		must(err)
	}
	must(w.Close())
	return buf.Bytes()
}

// tf is one tar entry to write.
type tf struct {
	name     string
	data     []byte
	typ      byte // 0: a regular file
	link     string
	mode     int64
	devmajor int64
}

func buildTar(files ...tf) []byte {
	var buf bytes.Buffer
	w := stdtar.NewWriter(&buf)
	for _, f := range files {
		h := &stdtar.Header{Name: f.name, Typeflag: f.typ, Linkname: f.link, Mode: f.mode, ModTime: epoch, Format: stdtar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = stdtar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == stdtar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == stdtar.TypeReg {
			h.Size = int64(len(f.data))
		}
		h.Devmajor = f.devmajor
		must(w.WriteHeader(h))
		if h.Typeflag == stdtar.TypeReg {
			_, err := w.Write(f.data)
			must(err)
		}
	}
	must(w.Close())
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.ModTime = epoch
	_, err := w.Write(b)
	must(err)
	must(w.Close())
	return buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	must(err)
	return b
}

// dockerSave builds a `docker save` tarball (layers as <n>/layer.tar) from
// uncompressed layer tars. Edit lets a test break it.
func dockerSave(layers [][]byte, edit func(files map[string][]byte, names []string)) []byte {
	var diffIDs, paths []string
	files := map[string][]byte{}
	names := []string{}
	for i, l := range layers {
		p := fmt.Sprintf("%064d/layer.tar", i+1)
		files[p] = l
		paths = append(paths, p)
		diffIDs = append(diffIDs, "sha256:"+sha(l))
	}
	cfg := mustJSON(map[string]any{"architecture": "amd64", "os": "linux", "config": map[string]any{"Env": []string{"PATH=/usr/bin"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	cfgName := sha(cfg) + ".json"
	files[cfgName] = cfg
	files["manifest.json"] = mustJSON([]map[string]any{{"Config": cfgName, "RepoTags": []string{"test:1"}, "Layers": paths}})
	names = append(names, "manifest.json", cfgName)
	names = append(names, paths...)
	if edit != nil {
		edit(files, names)
	}
	var entries []tf
	for _, n := range names {
		if d, ok := files[n]; ok {
			entries = append(entries, tf{name: n, data: d})
		}
	}
	return buildTar(entries...)
}

// ociLayout builds an OCI image layout tar with gzip layers. Edit lets a
// test break it.
func ociLayout(layers [][]byte, edit func(blobs map[string][]byte)) []byte {
	blobs := map[string][]byte{}
	var descs []map[string]any
	var diffIDs []string
	for _, l := range layers {
		z := gz(l)
		d := sha(z)
		blobs[d] = z
		descs = append(descs, map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + d, "size": len(z)})
		diffIDs = append(diffIDs, "sha256:"+sha(l))
	}
	cfg := mustJSON(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	blobs[sha(cfg)] = cfg
	man := mustJSON(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha(cfg), "size": len(cfg)},
		"layers": descs})
	blobs[sha(man)] = man
	index := mustJSON(map[string]any{"schemaVersion": 2, "manifests": []map[string]any{{"mediaType": "application/vnd.oci.image.manifest.v1+json",
		"digest": "sha256:" + sha(man), "size": len(man), "platform": map[string]string{"os": "linux", "architecture": "amd64"}}}})
	if edit != nil {
		edit(blobs)
	}
	entries := []tf{{name: "oci-layout", data: []byte(`{"imageLayoutVersion":"1.0.0"}`)}, {name: "index.json", data: index}}
	for _, d := range sortedKeys(blobs) {
		entries = append(entries, tf{name: "blobs/sha256/" + d, data: blobs[d]})
	}
	return buildTar(entries...)
}

func sortedKeys(m map[string][]byte) []string { return slices.Sorted(maps.Keys(m)) }

// overlapZip builds a zip whose n directory records all point at one
// deflated kernel (a non-recursive zip bomb, after David Fifield): each
// entry looks small and honest, together they inflate n times the kernel.
func overlapZip(n int, kernel []byte) []byte {
	one := buildZip(zf{name: "k", data: kernel})
	zr, err := stdzip.NewReader(bytes.NewReader(one), int64(len(one)))
	must(err)
	f := zr.File[0]
	off, err := f.DataOffset()
	must(err)
	local := one[:off+int64(f.CompressedSize64)]
	var cd bytes.Buffer
	for i := range n {
		name := fmt.Sprintf("f%04d", i)
		le := binary.LittleEndian
		var h [46]byte
		le.PutUint32(h[0:], 0x02014b50)
		le.PutUint16(h[4:], 20)
		le.PutUint16(h[6:], 20)
		le.PutUint16(h[10:], stdzip.Deflate)
		le.PutUint32(h[16:], f.CRC32)
		le.PutUint32(h[20:], uint32(f.CompressedSize64))
		le.PutUint32(h[24:], uint32(f.UncompressedSize64))
		le.PutUint16(h[28:], uint16(len(name)))
		le.PutUint32(h[42:], 0) // every record points at the one local header
		cd.Write(h[:])
		cd.WriteString(name)
	}
	var end [22]byte
	le := binary.LittleEndian
	le.PutUint32(end[0:], 0x06054b50)
	le.PutUint16(end[8:], uint16(n))
	le.PutUint16(end[10:], uint16(n))
	le.PutUint32(end[12:], uint32(cd.Len()))
	le.PutUint32(end[16:], uint32(len(local)))
	out := append([]byte{}, local...)
	out = append(out, cd.Bytes()...)
	return append(out, end[:]...)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
