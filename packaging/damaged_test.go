package packaging

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/packaging/tar"
)

// damagedCase is an artifact damaged the way a bad download, a careless
// edit or mutation testing damages one. Each must fail closed: an error of
// Open, or a problem that makes the results partial, naming what is wrong
// and what to do. The ok cases are valid artifacts near them that must
// read without a problem.
type damagedCase struct {
	name  string
	file  string // the artifact's file name
	build func(t *testing.T) []byte
	// openErr: Open fails with it. problem: a partial problem matches it.
	// Neither: the artifact is valid and reads without a partial problem.
	openErr, problem error
	// message is a part of the error or of a problem's text.
	message string
	// kind is the source's kind, when it must be checked.
	kind string
}

// zipWith builds a zip and applies damage, given the zip's records.
func zipWith(damage func(b []byte, recs []zipRecord, cdStart int) []byte, files ...zf) func(*testing.T) []byte {
	return func(t *testing.T) []byte {
		b := buildZip(files...)
		recs, cdStart, _ := zipRecords(b)
		if recs == nil {
			t.Fatal("the test zip's directory does not read")
		}
		return damage(b, recs, cdStart)
	}
}

var (
	jsFile   = zf{name: "index.js", data: []byte("exports.handler = async () => ({ statusCode: 200 });\n")}
	pkgFile  = zf{name: "package.json", data: []byte(`{"name":"fn","version":"1.0.0"}` + "\n")}
	rawEntry = zf{name: "raw.txt", data: []byte("stored without a data descriptor\n"), flags: 0x800}
)

// layerA and layerB are image layers.
var (
	layerA = buildTar(tf{name: "etc/os-release", data: []byte("ID=debian\n")}, tf{name: "var/task/app.py", data: []byte("print(1)\n")})
	layerB = buildTar(tf{name: "var/task/requirements.txt", data: []byte("requests==2.0.0\n")})
)

// dockerEdit builds a docker save tarball of layerA and layerB and rewrites
// its members.
func dockerEdit(edit func(name string, data []byte) []byte) func(*testing.T) []byte {
	return func(*testing.T) []byte { return rewriteTar(dockerSave([][]byte{layerA, layerB}, nil), edit) }
}

// ociEdit builds an OCI layout of layerA and layerB and rewrites its
// members.
func ociEdit(edit func(name string, data []byte) []byte) func(*testing.T) []byte {
	return func(*testing.T) []byte { return rewriteTar(ociLayout([][]byte{layerA, layerB}, nil), edit) }
}

func isConfig(name string, data []byte) bool {
	return strings.HasSuffix(name, ".json") && name != "manifest.json" && name != "index.json" || bytes.Contains(data, []byte(`"diff_ids"`))
}

// tarball builds a docker-archive as go-containerregistry (crane) or Jib
// write them: gzip layers named <hex>.tar.gz, the config named configName
// ("" for sha256:<hex>).
func tarball(configName string, layers ...[]byte) []byte {
	var diffIDs, names []string
	var entries []tf
	for _, l := range layers {
		z := gz(l)
		diffIDs = append(diffIDs, "sha256:"+sha(l))
		names = append(names, sha(z)+".tar.gz")
		entries = append(entries, tf{name: sha(z) + ".tar.gz", data: z})
	}
	cfg := mustJSON(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	if configName == "" {
		configName = "sha256:" + sha(cfg)
	}
	entries = append(entries, tf{name: configName, data: cfg},
		tf{name: "manifest.json", data: mustJSON([]map[string]any{{"Config": configName, "RepoTags": []string{"fn:1"}, "Layers": names}})})
	return buildTar(entries...)
}

// docker25 builds a docker save tarball as Docker 25 writes it: an OCI
// layout (blobs/sha256, index.json, oci-layout) that also has manifest.json.
func docker25(layers ...[]byte) []byte {
	var diffIDs, paths []string
	var entries []tf
	for _, l := range layers {
		diffIDs = append(diffIDs, "sha256:"+sha(l))
		paths = append(paths, "blobs/sha256/"+sha(l))
		entries = append(entries, tf{name: "blobs/sha256/" + sha(l), data: l})
	}
	cfg := mustJSON(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	entries = append(entries, tf{name: "blobs/sha256/" + sha(cfg), data: cfg},
		tf{name: "index.json", data: []byte(`{"schemaVersion":2,"manifests":[]}`)},
		tf{name: "manifest.json", data: mustJSON([]map[string]any{{"Config": "blobs/sha256/" + sha(cfg), "Layers": paths}})},
		tf{name: "oci-layout", data: []byte(`{"imageLayoutVersion":"1.0.0"}`)})
	return buildTar(entries...)
}

// ociSHA512 builds an OCI layout whose layer is addressed by SHA-512;
// damage, if set, changes the layer blob after it was addressed.
func ociSHA512(damage func([]byte) []byte) []byte {
	z := gz(layerA)
	sum := sha512.Sum512(z)
	d512 := hex.EncodeToString(sum[:])
	if damage != nil {
		z = damage(z)
	}
	cfg := mustJSON(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + sha(layerA)}}})
	man := mustJSON(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha(cfg), "size": len(cfg)},
		"layers": []map[string]any{{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha512:" + d512, "size": len(z)}}})
	index := mustJSON(map[string]any{"schemaVersion": 2, "manifests": []map[string]any{{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(man), "size": len(man)}}})
	return buildTar(tf{name: "oci-layout", data: []byte(`{"imageLayoutVersion":"1.0.0"}`)}, tf{name: "index.json", data: index},
		tf{name: "blobs/sha256/" + sha(cfg), data: cfg}, tf{name: "blobs/sha256/" + sha(man), data: man}, tf{name: "blobs/sha512/" + d512, data: z})
}

var damagedCases = []damagedCase{
	// Zips: the local header and the central directory must agree.
	{name: "zip local name differs", file: "fn.zip", build: zipWith(func(b []byte, recs []zipRecord, _ int) []byte {
		return flip(b, recs[0].local+localNameAt+2, 0x20) // index.js -> inDex.js
	}, jsFile, pkgFile), problem: archive.ErrCorrupt, message: `fn.zip!index.js: corrupt or truncated archive: the local header names "inDex.js", the central directory "index.js"; the zip is damaged`},
	{name: "zip directory name differs", file: "fn.zip", build: zipWith(func(b []byte, recs []zipRecord, _ int) []byte {
		return flip(b, recs[1].cd+cdNameAt, 0x20) // package.json -> Package.json
	}, jsFile, pkgFile), problem: archive.ErrCorrupt, message: `fn.zip!Package.json: corrupt or truncated archive: the local header names "package.json", the central directory "Package.json"`},
	{name: "zip compressed size past the end", file: "fn.zip", build: zipWith(func(b []byte, recs []zipRecord, _ int) []byte {
		return put32(b, recs[1].cd+cdCSizeAt, uint32(len(b)))
	}, jsFile, pkgFile), problem: archive.ErrCorrupt, message: "fn.zip!package.json: corrupt or truncated archive: its data"},
	{name: "zip compressed size too small", file: "fn.zip", build: zipWith(func(b []byte, recs []zipRecord, _ int) []byte {
		return flip(b, recs[0].cd+cdCSizeAt, 0x01)
	}, jsFile, pkgFile), problem: archive.ErrCorrupt, message: "the data descriptor where its data ends"},
	{name: "zip uncompressed size differs", file: "fn.zip", build: zipWith(func(b []byte, recs []zipRecord, _ int) []byte {
		return flip(b, recs[0].cd+cdUSizeAt, 0x02)
	}, jsFile, pkgFile), problem: archive.ErrCorrupt, message: "does not match the central directory's CRC-32 and sizes"},
	{name: "zip local sizes differ", file: "fn.zip", build: zipWith(func(b []byte, recs []zipRecord, _ int) []byte {
		return flip(b, recs[1].local+22, 0x04) // the local header's uncompressed size
	}, jsFile, rawEntry), problem: archive.ErrCorrupt, message: "fn.zip!raw.txt: corrupt or truncated archive: the local header says 37 bytes (33 compressed), the central directory 33 (33 compressed)"},
	{name: "zip local header offset past the end", file: "fn.zip", build: zipWith(func(b []byte, recs []zipRecord, _ int) []byte {
		return put32(b, recs[1].cd+cdOffsetAt, uint32(len(b)+100))
	}, jsFile, pkgFile), problem: archive.ErrCorrupt, message: "is past the end of the file"},
	{name: "zip local header offset moved", file: "fn.zip", build: zipWith(func(b []byte, recs []zipRecord, _ int) []byte {
		return put32(b, recs[1].cd+cdOffsetAt, uint32(recs[1].local+1))
	}, jsFile, pkgFile), problem: archive.ErrCorrupt, message: "no local header where the central directory says it is"},
	{name: "zip folder holding data", file: "fn.zip", build: func(*testing.T) []byte {
		return buildZip(jsFile, zf{name: "config", data: []byte("SECRET=1\n"), mode: 0o755 | 1<<31}) // fs.ModeDir
	}, problem: archive.ErrCorrupt, message: "fn.zip!config: corrupt or truncated archive: the entry is marked as a dir but holds 9 bytes, which are not read"},
	{name: "zip cut after a nested zip", file: "fn.zip", build: func(*testing.T) []byte {
		// Cut right after a stored jar: the jar's end record is then the
		// file's, and only the jar's entries would be read.
		jar := buildZip(zf{name: "META-INF/MANIFEST.MF", data: []byte("Manifest-Version: 1.0\n")})
		b := buildZip(jsFile, zf{name: "lib/app.jar", data: jar, store: true}, pkgFile)
		return b[:bytes.Index(b, jar)+len(jar)]
	}, problem: archive.ErrCorrupt, message: "is not listed in the central directory"},
	{name: "two zips joined", file: "fn.zip", build: func(*testing.T) []byte {
		// cat a.zip b.zip: the directory found is b's, and a's entries
		// would go unread.
		return append(buildZip(jsFile), buildZip(pkgFile)...)
	}, problem: archive.ErrCorrupt, message: "fn.zip: corrupt or truncated archive: an entry at offset 0 is not listed in the central directory"},
	{name: "zip with a prefix", file: "fn.zip", build: func(*testing.T) []byte {
		return append([]byte("#!/bin/sh\nexec java -jar \"$0\"\n"), buildZip(jsFile, pkgFile)...)
	}},
	{name: "zip behind something not an executable", file: "fn.zip", build: func(*testing.T) []byte {
		return append([]byte("some text that is not a program\n"), buildZip(jsFile, pkgFile)...)
	}, openErr: archive.ErrNotArchive, message: "not a recognised archive"},

	// Tars: one cut at a member's end still reads, but must not pass.
	{name: "tar cut at a member boundary", file: "fn.tar", build: func(*testing.T) []byte {
		b := buildTar(tf{name: "index.js", data: []byte("1")}, tf{name: "package.json", data: []byte("{}")})
		return b[:tarBoundaries(b)[1]]
	}, problem: tar.ErrNoEnd, message: "fn.tar: corrupt or truncated archive: the tar ends without its end-of-archive marker"},

	// docker save: manifest.json damaged, config or layer edited.
	{name: "image's first tar header flipped", file: "img.tar", build: func(*testing.T) []byte {
		// The tar holds a jar (a zip) in a layer: once its first header is
		// damaged, it must not be read as that jar with a long prefix.
		jar := buildZip(zf{name: "META-INF/MANIFEST.MF", data: []byte("Manifest-Version: 1.0\n")})
		b := dockerSave([][]byte{buildTar(tf{name: "var/task/app.jar", data: jar})}, nil)
		return flip(b, 258, 0x20) // ustar -> uStar
	}, openErr: archive.ErrCorrupt, message: "the tar's first header does not match its checksum"},
	{name: "docker manifest cut", file: "img.tar", build: dockerEdit(func(name string, data []byte) []byte {
		if name == "manifest.json" {
			return data[:len(data)/2]
		}
		return data
	}), openErr: archive.ErrInvalidImage, message: "docker save archive: invalid image layout: manifest.json: unexpected end of JSON input; the image is damaged"},
	{name: "docker manifest flipped", file: "img.tar", build: dockerEdit(func(name string, data []byte) []byte {
		if name == "manifest.json" {
			return flip(data, 0, 0x01) // [ -> Z
		}
		return data
	}), openErr: archive.ErrInvalidImage, message: "manifest.json: invalid character"},
	{name: "docker manifest key flipped", file: "img.tar", build: dockerEdit(func(name string, data []byte) []byte {
		if name == "manifest.json" {
			return bytes.Replace(data, []byte(`"Layers"`), []byte(`"Layert"`), 1)
		}
		return data
	}), openErr: archive.ErrInvalidImage, message: "manifest.json lists no image with layers"},
	{name: "docker manifest empty", file: "img.tar", build: dockerEdit(func(name string, data []byte) []byte {
		if name == "manifest.json" {
			return []byte("[]")
		}
		return data
	}), openErr: archive.ErrInvalidImage, message: "manifest.json lists no image with layers"},
	{name: "docker manifest missing", file: "img.tar", build: dockerEdit(func(name string, data []byte) []byte {
		if name == "manifest.json" {
			return nil
		}
		return data
	}), openErr: archive.ErrInvalidImage, message: "no manifest.json beside"},
	{name: "docker config edited", file: "img.tar", build: dockerEdit(func(name string, data []byte) []byte {
		if isConfig(name, data) {
			return bytes.Replace(data, []byte("PATH=/usr/bin"), []byte("PATH=/tmp/bin"), 1)
		}
		return data
	}), problem: archive.ErrDigest, message: ".json: config: digest does not match"},
	{name: "docker layer edited", file: "img.tar", build: dockerEdit(func(name string, data []byte) []byte {
		if strings.HasSuffix(name, "2/layer.tar") {
			return bytes.Replace(data, []byte("requests==2.0.0"), []byte("requests==9.0.0"), 1)
		}
		return data
	}), problem: archive.ErrDigest, message: "layer.tar: digest does not match: uncompressed layer is sha256:"},
	{name: "docker layer edited with its diff ID", file: "img.tar", build: func(t *testing.T) []byte {
		// An edit that keeps diff_ids true to the edited layer changes
		// the config, whose name is its digest.
		b2 := bytes.Replace(layerB, []byte("requests==2.0.0"), []byte("requests==9.0.0"), 1)
		return rewriteTar(dockerSave([][]byte{layerA, layerB}, nil), func(name string, data []byte) []byte {
			switch {
			case strings.HasSuffix(name, "2/layer.tar"):
				return b2
			case isConfig(name, data):
				return bytes.Replace(data, []byte(sha(layerB)), []byte(sha(b2)), 1)
			}
			return data
		})
	}, problem: archive.ErrDigest, message: "config: digest does not match"},
	{name: "crane tarball", file: "img.tar", build: func(*testing.T) []byte { return tarball("", layerA, layerB) }, kind: "docker-archive"},
	{name: "crane tarball, layer edited", file: "img.tar", build: func(*testing.T) []byte {
		return rewriteTar(tarball("", layerA, layerB), func(name string, data []byte) []byte {
			if name == sha(gz(layerB))+".tar.gz" {
				return gz(bytes.Replace(layerB, []byte("2.0.0"), []byte("9.0.0"), 1))
			}
			return data
		})
	}, problem: archive.ErrDigest, message: "layer blob is sha256:"},
	{name: "Jib tarball (config.json)", file: "img.tar", build: func(*testing.T) []byte { return tarball("config.json", layerA) }, kind: "docker-archive"},
	{name: "Docker 25 save", file: "img.tar", build: func(*testing.T) []byte { return docker25(layerA, layerB) }, kind: "docker-archive"},
	{name: "a layer without its end marker, true to its diff ID", file: "img.tar", build: func(*testing.T) []byte {
		cut := layerB[:tarBoundaries(layerB)[1]]
		return dockerSave([][]byte{layerA, cut}, nil)
	}, kind: "docker-archive"},
	{name: "web app manifest.json in a tar", file: "site.tar", build: func(*testing.T) []byte {
		return buildTar(tf{name: "manifest.json", data: []byte(`{"name":"app","start_url":"/"}`)}, tf{name: "index.html", data: []byte("<p>")})
	}, kind: "tar"},

	// OCI layouts.
	{name: "oci-layout missing", file: "img.tar", build: ociEdit(func(name string, data []byte) []byte {
		if name == "oci-layout" {
			return nil
		}
		return data
	}), problem: archive.ErrInvalidImage, message: "img.tar: invalid image layout: no oci-layout file beside index.json and blobs/"},
	{name: "oci-layout flipped", file: "img.tar", build: ociEdit(func(name string, data []byte) []byte {
		if name == "oci-layout" {
			return flip(data, 0, 0x01)
		}
		return data
	}), problem: archive.ErrInvalidImage, message: "img.tar!oci-layout: invalid image layout: oci-layout: invalid character"},
	{name: "OCI cut at a member boundary, index gone", file: "img.tar", build: func(*testing.T) []byte {
		// The layout with blobs first and index.json last, as docker and
		// skopeo write it, cut after the blobs.
		var entries []tf
		var index []byte
		for _, m := range tarMembers(ociLayout([][]byte{layerA, layerB}, nil)) {
			if m.name == "index.json" {
				index = m.data
				continue
			}
			entries = append(entries, tf{name: m.name, data: m.data})
		}
		b := buildTar(append(entries, tf{name: "index.json", data: index})...)
		return b[:tarBoundaries(b)[len(entries)]]
	}, openErr: archive.ErrInvalidImage, message: "OCI image layout: invalid image layout: no index.json beside oci-layout or blobs/"},
	{name: "OCI config edited", file: "img.tar", build: ociEdit(func(name string, data []byte) []byte {
		if isConfig(name, data) {
			return bytes.Replace(data, []byte("amd64"), []byte("arm64"), 1)
		}
		return data
	}), problem: archive.ErrDigest, message: "config: digest does not match"},
	{name: "OCI layer edited", file: "img.tar", build: ociEdit(func(name string, data []byte) []byte {
		if name == "blobs/sha256/"+sha(gz(layerB)) {
			return gz(bytes.Replace(layerB, []byte("2.0.0"), []byte("9.0.0"), 1))
		}
		return data
	}), problem: archive.ErrDigest, message: "digest does not match: layer blob is sha256:"},
	{name: "OCI layer by SHA-512", file: "img.tar", build: func(*testing.T) []byte { return ociSHA512(nil) }, kind: "oci-layout"},
	{name: "OCI layer by SHA-512, edited", file: "img.tar", build: func(*testing.T) []byte {
		return ociSHA512(func(z []byte) []byte { return gz(bytes.Replace(layerA, []byte("print(1)"), []byte("print(2)"), 1)) })
	}, problem: archive.ErrDigest, message: "layer blob is sha512:"},
}

// TestDamaged opens each damaged artifact: an error or a partial problem
// that says what is wrong, never a clean listing; and the valid ones near
// them without a problem.
func TestDamaged(t *testing.T) {
	for _, c := range damagedCases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), c.file)
			must(os.WriteFile(p, c.build(t), 0o644))
			l, err := List(context.Background(), p, ListOptions{Hidden: true})
			if c.openErr != nil {
				if !errors.Is(err, c.openErr) || !strings.Contains(err.Error(), c.message) {
					t.Fatalf("Open error = %v, want %v saying %q", err, c.openErr, c.message)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			var msgs []string
			for _, p := range l.Problems {
				msgs = append(msgs, p.String())
			}
			all := strings.Join(msgs, "\n")
			if c.problem == nil {
				if l.Partial {
					t.Errorf("a valid artifact reads with problems:\n%s", all)
				}
			} else {
				if !hasProblem(l, c.problem) || !l.Partial {
					t.Errorf("no partial problem matching %v:\n%s", c.problem, all)
				}
				if !strings.Contains(all, c.message) {
					t.Errorf("no problem says %q:\n%s", c.message, all)
				}
			}
			if c.kind != "" && l.Sources[0].Kind != c.kind {
				t.Errorf("read as %s, want %s", l.Sources[0].Kind, c.kind)
			}
		})
	}
}
