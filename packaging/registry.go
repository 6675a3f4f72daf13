package packaging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/packaging/tar"
	"github.com/shipcheck/shipcheck/packaging/zip"
)

// format is one archive format the view recognises by content.
type format struct {
	name string
	// match reports whether head, the first bytes (up to 512), starts one.
	match func(head []byte) bool
	// probe, if set, is tried when no format matched head (a zip with a
	// prefix, such as an executable jar).
	probe func(r io.ReaderAt, size int64) bool
	open  func(ctx context.Context, v *View, a *opened, r io.ReaderAt, size int64, opt Options) error
	// nested formats are also opened when found inside another archive.
	nested bool
}

// formats are tried in order. Images (docker save, OCI layout) are not
// formats of their own: they are tars or folders that image.Detect
// recognises once indexed.
var formats = []format{
	{name: "zip", match: zip.Match, probe: zip.Probe, open: openZip, nested: true},
	{name: "gzip", match: isGzip, open: openCompressed},
	{name: "zstd", match: isZstd, open: openCompressed},
	{name: "tar", match: tar.Match, open: openTar},
}

// sniff finds the format of the bytes starting with head.
func sniff(head []byte, r io.ReaderAt, size int64, nestedOnly bool) (format, bool) {
	for _, f := range formats {
		if (!nestedOnly || f.nested) && f.match(head) {
			return f, true
		}
	}
	if nestedOnly {
		return format{}, false
	}
	for _, f := range formats {
		if f.probe != nil && f.probe(r, size) {
			return f, true
		}
	}
	return format{}, false
}

func isGzip(head []byte) bool { return bytes.HasPrefix(head, []byte{0x1f, 0x8b}) }
func isZstd(head []byte) bool { return bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}) }

func openZip(_ context.Context, v *View, a *opened, r io.ReaderAt, size int64, _ Options) error {
	x, err := zip.Open(r, size, v.sh.budget)
	if err != nil {
		return err
	}
	a.kind, a.index = "zip", x
	return nil
}

func openTar(ctx context.Context, v *View, a *opened, r io.ReaderAt, size int64, opt Options) error {
	x, err := tar.Open(r, size, v.sh.budget, tar.Options{})
	if err != nil {
		return err
	}
	a.kind, a.index = "tar", x
	return v.openImage(ctx, a, opt)
}

// openCompressed decompresses a gzip or zstd file once, into memory or a
// spill file, and reads the tar it must hold. It stops soon after ctx is
// done, with ctx's error.
func openCompressed(ctx context.Context, v *View, a *opened, r io.ReaderAt, size int64, opt Options) (err error) {
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = ctx.Err() // cut short, not corrupt
		}
	}()
	in := &archive.CountingReader{R: archive.ContextReader{Ctx: ctx, R: io.NewSectionReader(r, 0, size)}}
	var dec io.Reader
	head := make([]byte, 4)
	r.ReadAt(head, 0)
	if isGzip(head) {
		gz, err := gzip.NewReader(in)
		if err != nil {
			return fmt.Errorf("%w: gzip: %v", archive.ErrCorrupt, err)
		}
		defer gz.Close()
		dec, a.compression = gz, "gzip"
	} else {
		zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("%w: zstd: %v", archive.ErrCorrupt, err)
		}
		defer zr.Close()
		dec, a.compression = zr, "zstd"
	}
	w := &archive.SpillWriter{T: v.sh.temp}
	if _, err := io.Copy(w, &archive.RatioReader{R: dec, In: in, Budget: v.sh.budget}); err != nil {
		w.Discard()
		if !errors.Is(err, archive.ErrLimit) {
			return fmt.Errorf("%w: %s: %v", archive.ErrCorrupt, a.compression, err)
		}
		return err
	}
	blob := w.Blob()
	v.closers = append(v.closers, blob)
	inner := make([]byte, 512)
	n, _ := blob.ReadAt(inner, 0)
	if !tar.Match(inner[:n]) {
		return fmt.Errorf("%w: a %s file that does not hold a tar", archive.ErrNotArchive, a.compression)
	}
	c := a.compression
	if err := openTar(ctx, v, a, blob, blob.Size(), opt); err != nil {
		return err
	}
	a.compression = c
	return nil
}
