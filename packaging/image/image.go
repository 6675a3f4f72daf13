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
	"io"
	"path"
	"runtime"
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

func (f Files) readJSON(name string, v any) error { return readBlobJSON(f, name, "", v) }

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

// Detect reports which image format files hold, "" for none. A manifest.json
// or oci-layout that does not parse as one is not an image: a function's own
// manifest.json is just a file.
func Detect(files Files) Kind {
	var dm []dockerManifest
	if _, ok := files.lookup("manifest.json"); ok && files.readJSON("manifest.json", &dm) == nil && len(dm) > 0 && len(dm[0].Layers) > 0 {
		return DockerArchive
	}
	var layout v1.ImageLayout
	if _, ok := files.lookup(v1.ImageLayoutFile); ok && files.readJSON(v1.ImageLayoutFile, &layout) == nil && layout.Version != "" {
		if _, ok := files.lookup("index.json"); ok {
			return OCILayout
		}
	}
	return ""
}

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
		return nil, err
	}
	diffIDs := im.Config.RootFS.DiffIDs
	if len(diffIDs) > 0 && len(diffIDs) != len(im.Layers) {
		im.Problems = append(im.Problems, archive.Problem{Err: fmt.Errorf("%w: config lists %d layers, manifest %d", archive.ErrInvalidImage, len(diffIDs), len(im.Layers))})
		diffIDs = nil
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
	if err := readBlobJSON(files, m.Config, blobDigest(m.Config), &im.Config); err != nil {
		im.Problems = append(im.Problems, archive.Problem{Entry: m.Config, Err: err})
	}
	for _, p := range m.Layers {
		im.Layers = append(im.Layers, Layer{Path: path.Clean(p), Digest: string(blobDigest(p))})
	}
	return im, nil
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
// storage gives no digest to check).
func readBlobJSON(files Files, name string, want digest.Digest, v any) error {
	e, ok := files.lookup(name)
	if !ok {
		return fmt.Errorf("%w: %s", archive.ErrMissingBlob, name)
	}
	b, err := readAll(e)
	if err != nil {
		return err
	}
	if want != "" {
		if err := want.Validate(); err != nil {
			return fmt.Errorf("%w: %s: %v", archive.ErrInvalidImage, name, err)
		}
		if got := want.Algorithm().FromBytes(b); got != want {
			return fmt.Errorf("%w: %s is %s", archive.ErrDigest, want, got)
		}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", archive.ErrInvalidImage, name, err)
	}
	return nil
}

func openOCI(files Files, platform string) (*Image, error) {
	var idx v1.Index
	if err := files.readJSON("index.json", &idx); err != nil {
		return nil, err
	}
	im := &Image{Kind: OCILayout}
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
	if err := readBlobJSON(files, blobPath(desc.Digest), desc.Digest, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("%w: manifest %s lists no layers", archive.ErrInvalidImage, desc.Digest)
	}
	if err := m.Config.Digest.Validate(); err != nil {
		im.Problems = append(im.Problems, archive.Problem{Err: fmt.Errorf("%w: config digest: %v", archive.ErrInvalidImage, err)})
	} else if err := readBlobJSON(files, blobPath(m.Config.Digest), m.Config.Digest, &im.Config); err != nil {
		im.Problems = append(im.Problems, archive.Problem{Entry: blobPath(m.Config.Digest), Err: err})
	}
	for _, l := range m.Layers {
		if err := l.Digest.Validate(); err != nil {
			return nil, fmt.Errorf("%w: layer digest %q: %v", archive.ErrInvalidImage, l.Digest, err)
		}
		im.Layers = append(im.Layers, Layer{Path: blobPath(l.Digest), Digest: string(l.Digest), MediaType: l.MediaType})
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
		if err := readBlobJSON(files, blobPath(choice.Digest), choice.Digest, &sub); err != nil {
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

// openLayer indexes one layer, checking its blob digest and its diff ID.
// A decompression stops soon after ctx is done (the caller then discards
// the layer).
func openLayer(ctx context.Context, files Files, l *Layer, opt Options) []archive.Problem {
	fail := func(err error) []archive.Problem { return []archive.Problem{{Entry: l.Path, Err: err}} }
	e, ok := files.lookup(l.Path)
	if !ok {
		return fail(fmt.Errorf("%w: layer %s", archive.ErrMissingBlob, l.Path))
	}
	ra, blob, err := archive.RandomAccess(e, opt.Temp)
	if err != nil {
		return fail(err)
	}
	size := e.Size
	head := make([]byte, 4)
	n, _ := ra.ReadAt(head, 0)
	head = head[:n]

	blobHash := sha256.New()
	diffHash := sha256.New()
	var x *archive.Index
	var probs []archive.Problem
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b, len(head) == 4 && string(head) == "\x28\xb5\x2f\xfd":
		x, err = decompressLayer(archive.ContextReader{Ctx: ctx, R: io.NewSectionReader(ra, 0, size)}, head[0] == 0x1f, blobHash, diffHash, opt)
		if blob != nil {
			blob.Close()
		}
		if err != nil {
			return fail(err)
		}
	default:
		x, err = tar.Open(ra, size, opt.Budget, tar.Options{Hash: diffHash})
		if err != nil {
			if blob != nil {
				blob.Close()
			}
			return fail(fmt.Errorf("layer %s: %w", l.Path, err))
		}
		blobHash = diffHash
		if blob != nil {
			x.Closer = blob // the layer's bytes live in this copy now
		}
	}
	l.Index = x
	gotBlob := digest.NewDigest(digest.SHA256, blobHash)
	gotDiff := digest.NewDigest(digest.SHA256, diffHash)
	if l.Digest == "" {
		l.Digest = string(gotBlob)
	} else if d := digest.Digest(l.Digest); d.Algorithm() == digest.SHA256 && d != gotBlob {
		probs = append(probs, archive.Problem{Entry: l.Path, Err: fmt.Errorf("%w: layer blob is %s, expected %s", archive.ErrDigest, gotBlob, d)})
	}
	if l.DiffID != "" {
		if d := digest.Digest(l.DiffID); d.Algorithm() == digest.SHA256 && d != gotDiff {
			probs = append(probs, archive.Problem{Entry: l.Path, Err: fmt.Errorf("%w: uncompressed layer is %s, config says %s", archive.ErrDigest, gotDiff, d)})
		}
	} else {
		l.DiffID = string(gotDiff)
	}
	return probs
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
