// Package image reads container images stored as `docker save` tarballs or
// OCI image layouts (in a tar or a folder): it finds the image's layers in
// order, checks every blob against its digest, and indexes each layer as an
// archive.Index whose files are read in place (uncompressed layers) or from
// one decompressed copy (gzip and zstd layers).
package image

import (
	"context"
	"crypto/sha256"
	_ "crypto/sha512" // digests may use sha512
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/packaging/tar"
)

// Kind names an image storage format.
type Kind string

const (
	DockerArchive Kind = "docker-archive"
	OCILayout     Kind = "oci-layout"
)

// about names the kind for people.
func (k Kind) about() string {
	switch k {
	case DockerArchive:
		return "docker save archive"
	case OCILayout:
		return "OCI image layout"
	}
	return string(k)
}

// Files are the members of the container an image is stored in (the
// entries of a tar, or of a folder), by name.
type Files map[string]archive.Entry

// FilesOf returns the entries of x by name (the last of duplicates wins).
func FilesOf(x *archive.Index) Files {
	f := make(Files, len(x.Entries))
	for _, e := range x.Entries {
		f[e.Name] = e
	}
	return f
}

// maxJSON bounds the size of the manifests and configs read into memory.
const maxJSON = 16 << 20

// lookup finds name, following symlinks inside the container (docker save
// links a repeated layer to its first copy).
func (f Files) lookup(name string) (archive.Entry, bool) {
	name = path.Clean(name)
	for range 8 {
		e, ok := f[name]
		if !ok {
			return e, false
		}
		if e.Type != archive.TypeSymlink {
			return e, e.Type == archive.TypeFile && e.Content != nil
		}
		if strings.HasPrefix(e.Link, "/") {
			return e, false
		}
		name = path.Join(path.Dir(name), e.Link)
		if name == ".." || strings.HasPrefix(name, "../") {
			return e, false
		}
	}
	return archive.Entry{}, false
}

func (f Files) readJSON(name string, v any) error { return readBlobJSON(f, name, "", -1, v) }

func readAll(e archive.Entry) ([]byte, error) {
	if e.Size > maxJSON {
		return nil, fmt.Errorf("%w: %s is %s, more than a manifest can be", archive.ErrInvalidImage, e.Name, archive.FormatSize(e.Size))
	}
	rc, err := e.Content.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", archive.ErrUnreadable, e.Name, err)
	}
	return b, nil
}

type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// Detect reports which image format files hold, "" for none. It answers
// for what the container tries to be, not for whether it succeeds: a
// damaged image (a manifest.json cut short, an OCI layout without its
// oci-layout or index.json) is still an image, for Open to refuse or to
// read with problems, never a plain tar whose layers go unread.
//
//   - docker-archive: a manifest.json at the top that is a JSON array (or
//     starts as one), or any manifest.json beside what `docker save` writes
//     (<id>/layer.tar, <hex>.json, repositories, blobs/ALG/HEX). A
//     manifest.json that is an object (a web app's, a browser extension's)
//     in a folder holding nothing else of an image is just a file.
//   - oci-layout: an oci-layout file at the top, or blobs/ALG/HEX entries
//     (index.json alone is an ordinary name).
func Detect(files Files) Kind {
	if e, ok := files.lookup("manifest.json"); ok {
		if b, err := readAll(e); err == nil && startsArray(b) || dockerTraces(files, false) {
			return DockerArchive
		}
	} else if dockerTraces(files, true) {
		return DockerArchive
	}
	if _, ok := files[v1.ImageLayoutFile]; ok || hasBlobs(files) {
		return OCILayout
	}
	return ""
}

// startsArray reports whether b's first non-space byte opens a JSON array.
func startsArray(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '['
	}
	return false
}

// dockerTraces reports whether files hold what `docker save` (or a tool
// writing its format) writes besides manifest.json; strong asks for what
// only an image holds (<id>/layer.tar with <id> 64 hex digits, or a
// repositories file beside one), for a container without manifest.json.
func dockerTraces(files Files, strong bool) bool {
	_, repositories := files["repositories"]
	if repositories && !strong {
		return true
	}
	for name := range files {
		dir, base := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		switch {
		case base == "layer.tar" && isHex64(dir):
			return true
		case strong:
		case base == "layer.tar" && dir != "" && !strings.Contains(dir, "/"),
			dir == "" && isHexName(base, ".json", ".tar", ".tar.gz"):
			return true
		}
	}
	return !strong && hasBlobs(files)
}

// hasBlobs reports whether files hold a content-addressed blob
// (blobs/ALG/HEX).
func hasBlobs(files Files) bool {
	for name := range files {
		if strings.HasPrefix(name, "blobs/") && blobDigest(name) != "" {
			return true
		}
	}
	return false
}

// isHexName reports whether name is 64 lower-case hex digits and one of
// the suffixes.
func isHexName(name string, suffixes ...string) bool {
	for _, s := range suffixes {
		if hex, ok := strings.CutSuffix(name, s); ok && isHex64(hex) {
			return true
		}
	}
	return false
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// fixImage is what a user does about a damaged image.
const fixImage = "the image is damaged or was changed after it was saved: save it again (docker save, podman save, skopeo copy) or download it again"

// Options tune Open.
type Options struct {
	// Platform picks a manifest from a multi-platform index: "os/arch" or
	// "os/arch/variant". Default linux/amd64, else the first manifest.
	Platform string
	Budget   *archive.Budget
	Temp     *archive.Temp
}

// Layer is one layer of an image, in the order it is applied.
type Layer struct {
	// Digest is the digest of the layer's blob as stored (compressed or not).
	Digest string
	// DiffID is the digest of the uncompressed layer, from the config.
	DiffID string
	// Path is where the blob is in the container ("<id>/layer.tar",
	// "blobs/sha256/<hex>").
	Path      string
	MediaType string
	// Index holds the layer's entries; nil if the layer could not be read.
	Index *archive.Index

	size       int64 // the blob's size from its descriptor; -1 if none
	nameDigest bool  // Digest comes from a <hex>.tar[.gz] name: the blob's or the uncompressed layer's
}

// Image is an opened image.
type Image struct {
	Kind   Kind
	Name   string // the tag or reference name, if recorded
	Config v1.Image
	Layers []Layer
	// Problems: missing blobs, digests that do not match, layers cut short.
	// Entry names the blob's path in the container.
	Problems []archive.Problem

	configRead bool // the config was read and checked against its digest
}

// Close releases the layers' spill files.
func (im *Image) Close() error {
	var errs []error
	for _, l := range im.Layers {
		errs = append(errs, l.Index.Close())
	}
	return errors.Join(errs...)
}

// Open reads the image of kind k stored in files. It returns an error only
// when the image's structure cannot be read (no manifest, no layers); a
// missing or mismatching layer is a problem of the image, and the rest of the
// image is still read.
func Open(ctx context.Context, k Kind, files Files, opt Options) (*Image, error) {
	var (
		im  *Image
		err error
	)
	switch k {
	case DockerArchive:
		im, err = openDocker(files)
	case OCILayout:
		im, err = openOCI(files, opt.Platform)
	default:
		return nil, fmt.Errorf("%w: unknown image kind %q", archive.ErrInvalidImage, k)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w; %s", k.about(), err, fixImage)
	}
	diffIDs := im.Config.RootFS.DiffIDs
	if len(diffIDs) > 0 && len(diffIDs) != len(im.Layers) {
		im.Problems = append(im.Problems, archive.Problem{Err: fmt.Errorf("%w: config lists %d layers, manifest %d; %s", archive.ErrInvalidImage, len(diffIDs), len(im.Layers), fixImage)})
		diffIDs = nil
	}
	if len(diffIDs) == 0 && im.configRead {
		for _, l := range im.Layers {
			if l.Digest == "" {
				im.Problems = append(im.Problems, archive.Problem{Entry: l.Path, Err: fmt.Errorf("%w: the layer cannot be checked: neither its name nor the config's rootfs.diff_ids give its digest; %s", archive.ErrInvalidImage, fixImage)})
			}
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range im.Layers {
		l := &im.Layers[i]
		if len(diffIDs) > 0 {
			l.DiffID = string(diffIDs[i])
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			probs := openLayer(gctx, files, l, opt)
			mu.Lock()
			im.Problems = append(im.Problems, probs...)
			mu.Unlock()
			return nil
		})
	}
	err = g.Wait()
	if err == nil {
		// A layer cut short by cancellation is not a problem of the image.
		err = ctx.Err()
	}
	if err != nil {
		im.Close()
		return nil, err
	}
	return im, nil
}

func openDocker(files Files) (*Image, error) {
	if _, ok := files.lookup("manifest.json"); !ok {
		return nil, fmt.Errorf("%w: no manifest.json beside the layers (<id>/layer.tar) of a docker save archive: renamed, lost, or the file is cut short", archive.ErrInvalidImage)
	}
	var dm []dockerManifest
	if err := files.readJSON("manifest.json", &dm); err != nil {
		return nil, err
	}
	if len(dm) == 0 || len(dm[0].Layers) == 0 {
		return nil, fmt.Errorf("%w: manifest.json lists no image with layers", archive.ErrInvalidImage)
	}
	m := dm[0]
	im := &Image{Kind: DockerArchive}
	if len(m.RepoTags) > 0 {
		im.Name = m.RepoTags[0]
	}
	if len(dm) > 1 {
		im.Problems = append(im.Problems, archive.Problem{Entry: "manifest.json", Err: fmt.Errorf("%w: holds %d images; only the first (%s) is read", archive.ErrNotSupported, len(dm), im.Name)})
	}
	if err := readBlobJSON(files, m.Config, configDigest(m.Config), -1, &im.Config); err != nil {
		im.Problems = append(im.Problems, archive.Problem{Entry: m.Config, Err: fmt.Errorf("config: %w; %s", err, fixImage)})
	} else {
		im.configRead = true
	}
	for _, p := range m.Layers {
		l := Layer{Path: path.Clean(p), Digest: string(blobDigest(p))}
		if l.Digest == "" {
			if hex, ok := strings.CutSuffix(path.Base(l.Path), path.Ext(l.Path)); ok && isHexName(path.Base(l.Path), ".tar", ".tar.gz", ".tar.zst") {
				// <hex>.tar.gz (crane, Jib) or <hex>.tar (skopeo, podman):
				// named for the blob, or for the uncompressed layer.
				l.Digest, l.nameDigest = "sha256:"+hex[:64], true
			}
		}
		l.size = -1
		im.Layers = append(im.Layers, l)
	}
	return im, nil
}

// configDigest is the digest a docker-archive's config name gives: the
// image ID, which is the SHA-256 of the config (<hex>.json as `docker
// save` names it, sha256:<hex> as go-containerregistry does,
// blobs/sha256/<hex> since Docker 25); "" for another name (config.json,
// as Jib names it), which nothing checks.
func configDigest(name string) digest.Digest {
	if d := blobDigest(name); d != "" {
		return d
	}
	if isHexName(name, ".json") {
		return digest.NewDigestFromEncoded(digest.SHA256, strings.TrimSuffix(name, ".json"))
	}
	if d := digest.Digest(name); strings.HasPrefix(name, "sha256:") && d.Validate() == nil {
		return d
	}
	return ""
}

// blobDigest reads a digest from a blob path of the form blobs/ALG/HEX, ""
// if the path does not hold one.
func blobDigest(p string) digest.Digest {
	parts := strings.Split(path.Clean(p), "/")
	if len(parts) == 3 && parts[0] == "blobs" {
		d := digest.NewDigestFromEncoded(digest.Algorithm(parts[1]), parts[2])
		if d.Validate() == nil {
			return d
		}
	}
	return ""
}

func blobPath(d digest.Digest) string {
	return "blobs/" + string(d.Algorithm()) + "/" + d.Encoded()
}

// readBlobJSON reads a JSON blob and checks it against want ("" when the
// storage gives no digest to check) and wantSize (-1 when none is given).
func readBlobJSON(files Files, name string, want digest.Digest, wantSize int64, v any) error {
	e, ok := files.lookup(name)
	if !ok {
		return fmt.Errorf("%w: %s", archive.ErrMissingBlob, name)
	}
	b, err := readAll(e)
	if err != nil {
		return err
	}
	if wantSize >= 0 && int64(len(b)) != wantSize {
		return fmt.Errorf("%w: %s holds %d bytes, its descriptor says %d", archive.ErrDigest, name, len(b), wantSize)
	}
	if want != "" {
		if err := want.Validate(); err != nil {
			return fmt.Errorf("%w: %s: %v", archive.ErrInvalidImage, name, err)
		}
		if got := want.Algorithm().FromBytes(b); got != want {
			return fmt.Errorf("%w: %s is %s, its name or descriptor says %s", archive.ErrDigest, name, got, want)
		}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", archive.ErrInvalidImage, name, err)
	}
	return nil
}

func openOCI(files Files, platform string) (*Image, error) {
	if _, ok := files.lookup("index.json"); !ok {
		return nil, fmt.Errorf("%w: no index.json beside oci-layout or blobs/: the layout is incomplete, or the file was cut short", archive.ErrInvalidImage)
	}
	var idx v1.Index
	if err := files.readJSON("index.json", &idx); err != nil {
		return nil, err
	}
	im := &Image{Kind: OCILayout}
	var layout v1.ImageLayout
	if _, ok := files.lookup(v1.ImageLayoutFile); !ok {
		// The layout's own marker: its blobs are still checked by digest.
		im.Problems = append(im.Problems, archive.Problem{Err: fmt.Errorf("%w: no oci-layout file beside index.json and blobs/ (an OCI image layout requires it): renamed, lost, or the file is cut short; %s", archive.ErrInvalidImage, fixImage)})
	} else if err := files.readJSON(v1.ImageLayoutFile, &layout); err != nil {
		im.Problems = append(im.Problems, archive.Problem{Entry: v1.ImageLayoutFile, Err: fmt.Errorf("%w; %s", err, fixImage)})
	} else if layout.Version == "" {
		im.Problems = append(im.Problems, archive.Problem{Entry: v1.ImageLayoutFile, Err: fmt.Errorf("%w: no imageLayoutVersion; %s", archive.ErrInvalidImage, fixImage)})
	}
	desc, err := pickManifest(files, idx, platform, 0)
	if err != nil {
		return nil, err
	}
	if n := desc.Annotations[v1.AnnotationRefName]; n != "" {
		im.Name = n
	}
	if n := desc.Annotations["io.containerd.image.name"]; n != "" {
		im.Name = n
	}
	var m v1.Manifest
	if err := readBlobJSON(files, blobPath(desc.Digest), desc.Digest, desc.Size, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("%w: manifest %s lists no layers", archive.ErrInvalidImage, desc.Digest)
	}
	if err := m.Config.Digest.Validate(); err != nil {
		im.Problems = append(im.Problems, archive.Problem{Err: fmt.Errorf("%w: config digest: %v; %s", archive.ErrInvalidImage, err, fixImage)})
	} else if err := readBlobJSON(files, blobPath(m.Config.Digest), m.Config.Digest, m.Config.Size, &im.Config); err != nil {
		im.Problems = append(im.Problems, archive.Problem{Entry: blobPath(m.Config.Digest), Err: fmt.Errorf("config: %w; %s", err, fixImage)})
	} else {
		im.configRead = true
	}
	for _, l := range m.Layers {
		if err := l.Digest.Validate(); err != nil {
			return nil, fmt.Errorf("%w: layer digest %q: %v", archive.ErrInvalidImage, l.Digest, err)
		}
		im.Layers = append(im.Layers, Layer{Path: blobPath(l.Digest), Digest: string(l.Digest), MediaType: l.MediaType, size: l.Size})
	}
	return im, nil
}

// pickManifest chooses the image manifest of an index for the platform,
// descending into nested indexes.
func pickManifest(files Files, idx v1.Index, platform string, depth int) (v1.Descriptor, error) {
	if depth > 4 {
		return v1.Descriptor{}, fmt.Errorf("%w: indexes nested too deep", archive.ErrInvalidImage)
	}
	if len(idx.Manifests) == 0 {
		return v1.Descriptor{}, fmt.Errorf("%w: index lists no manifest", archive.ErrInvalidImage)
	}
	want := platform
	if want == "" {
		want = "linux/amd64"
	}
	choice := idx.Manifests[0]
	for _, d := range idx.Manifests {
		if d.Platform == nil {
			continue
		}
		if p := platformString(d.Platform); p == want || strings.Count(want, "/") == 1 && strings.HasPrefix(p, want+"/") {
			choice = d
			break
		}
	}
	if err := choice.Digest.Validate(); err != nil {
		return v1.Descriptor{}, fmt.Errorf("%w: manifest digest %q: %v", archive.ErrInvalidImage, choice.Digest, err)
	}
	switch choice.MediaType {
	case v1.MediaTypeImageIndex, "application/vnd.docker.distribution.manifest.list.v2+json":
		var sub v1.Index
		if err := readBlobJSON(files, blobPath(choice.Digest), choice.Digest, choice.Size, &sub); err != nil {
			return v1.Descriptor{}, fmt.Errorf("index %s: %w", choice.Digest, err)
		}
		return pickManifest(files, sub, platform, depth+1)
	}
	return choice, nil
}

func platformString(p *v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// openLayer indexes one layer, checking its blob against its digest (and
// its size, where a descriptor gives one) and the uncompressed layer against
// its diff ID, hashing in the pass that reads it. A decompression stops soon
// after ctx is done (the caller then discards the layer).
func openLayer(ctx context.Context, files Files, l *Layer, opt Options) []archive.Problem {
	fail := func(err error) []archive.Problem { return []archive.Problem{{Entry: l.Path, Err: err}} }
	e, ok := files.lookup(l.Path)
	if !ok {
		return fail(fmt.Errorf("%w: layer %s; %s", archive.ErrMissingBlob, l.Path, fixImage))
	}
	var probs []archive.Problem
	if l.size >= 0 && e.Size != l.size {
		probs = append(probs, archive.Problem{Entry: l.Path, Err: fmt.Errorf("%w: layer blob holds %d bytes, its descriptor says %d; %s", archive.ErrDigest, e.Size, l.size, fixImage)})
	}
	blobHash, err := hasher(l.Digest)
	if err != nil {
		return append(probs, archive.Problem{Entry: l.Path, Err: err})
	}
	diffHash, err := hasher(l.DiffID)
	if err != nil {
		return append(probs, archive.Problem{Entry: l.Path, Err: err})
	}
	ra, blob, err := archive.RandomAccess(e, opt.Temp)
	if err != nil {
		return append(probs, archive.Problem{Entry: l.Path, Err: err})
	}
	size := e.Size
	head := make([]byte, 4)
	n, _ := ra.ReadAt(head, 0)
	head = head[:n]

	var x *archive.Index
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b, len(head) == 4 && string(head) == "\x28\xb5\x2f\xfd":
		x, err = decompressLayer(archive.ContextReader{Ctx: ctx, R: io.NewSectionReader(ra, 0, size)}, head[0] == 0x1f, blobHash, diffHash, opt)
		if blob != nil {
			blob.Close()
		}
		if err != nil {
			return append(probs, archive.Problem{Entry: l.Path, Err: err})
		}
	default:
		// The blob is the uncompressed layer: one pass hashes both.
		var w io.Writer = diffHash
		if algorithm(l.Digest) == algorithm(l.DiffID) {
			blobHash = diffHash
		} else {
			w = io.MultiWriter(blobHash, diffHash)
		}
		x, err = tar.Open(ra, size, opt.Budget, tar.Options{Hash: w})
		if err != nil {
			if blob != nil {
				blob.Close()
			}
			return append(probs, archive.Problem{Entry: l.Path, Err: fmt.Errorf("layer %s: %w", l.Path, err)})
		}
		if blob != nil {
			x.Closer = blob // the layer's bytes live in this copy now
		}
	}
	l.Index = x
	gotBlob := digest.NewDigest(algorithm(l.Digest), blobHash)
	gotDiff := digest.NewDigest(algorithm(l.DiffID), diffHash)
	verified := false
	switch d := digest.Digest(l.Digest); {
	case d == "":
		l.Digest = string(gotBlob)
	case d == gotBlob:
		verified = true
	case l.nameDigest && d.Algorithm() == digest.SHA256 && d == gotDiff:
		// <hex>.tar.gz named for the uncompressed layer.
		l.Digest, verified = string(gotBlob), true
	default:
		probs = append(probs, archive.Problem{Entry: l.Path, Err: fmt.Errorf("%w: layer blob is %s, its name or descriptor says %s; %s", archive.ErrDigest, gotBlob, d, fixImage)})
	}
	if l.DiffID != "" {
		if d := digest.Digest(l.DiffID); d != gotDiff {
			probs = append(probs, archive.Problem{Entry: l.Path, Err: fmt.Errorf("%w: uncompressed layer is %s, config says %s; %s", archive.ErrDigest, gotDiff, d, fixImage)})
			verified = false
		} else {
			verified = true
		}
	} else {
		l.DiffID = string(gotDiff)
	}
	if verified {
		// A layer that matches its digest is the layer its image was built
		// with, whether or not its tar ends with the end-of-archive marker.
		x.Problems = slices.DeleteFunc(x.Problems, func(p archive.Problem) bool { return errors.Is(p.Err, tar.ErrNoEnd) })
	}
	return probs
}

// hasher returns a hash for the algorithm of d (SHA-256 when d is ""), or
// an error when the layer cannot be checked against d.
func hasher(d string) (hash.Hash, error) {
	if d == "" {
		return sha256.New(), nil
	}
	if err := digest.Digest(d).Validate(); err != nil {
		return nil, fmt.Errorf("%w: digest %q cannot be checked: %v; %s", archive.ErrInvalidImage, d, err, fixImage)
	}
	return algorithm(d).Hash(), nil
}

// algorithm is d's algorithm, SHA-256 when d is "" (a digest computed,
// not checked).
func algorithm(d string) digest.Algorithm {
	if d == "" {
		return digest.SHA256
	}
	return digest.Digest(d).Algorithm()
}

// decompressLayer decompresses a gzip or zstd layer once into memory or a
// spill file, hashing the blob and the uncompressed stream on the way, and
// indexes the result.
func decompressLayer(r io.Reader, isGzip bool, blobHash, diffHash io.Writer, opt Options) (*archive.Index, error) {
	in := &archive.CountingReader{R: io.TeeReader(r, blobHash)}
	var dec io.Reader
	if isGzip {
		gz, err := gzip.NewReader(in)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", archive.ErrCorrupt, err)
		}
		defer gz.Close()
		dec = gz
	} else {
		zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("%w: zstd: %v", archive.ErrCorrupt, err)
		}
		defer zr.Close()
		dec = zr
	}
	w := &archive.SpillWriter{T: opt.Temp}
	if _, err := io.Copy(io.MultiWriter(w, diffHash), &archive.RatioReader{R: dec, In: in, Budget: opt.Budget}); err != nil {
		w.Discard()
		if errors.Is(err, archive.ErrLimit) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: decompress: %v", archive.ErrCorrupt, err)
	}
	// The blob digest covers every byte of the blob.
	if _, err := io.Copy(io.Discard, in); err != nil {
		w.Discard()
		return nil, fmt.Errorf("%w: %v", archive.ErrUnreadable, err)
	}
	blob := w.Blob()
	x, err := tar.Open(blob, blob.Size(), opt.Budget, tar.Options{})
	if err != nil {
		blob.Close()
		return nil, err
	}
	x.Closer = blob
	return x, nil
}
