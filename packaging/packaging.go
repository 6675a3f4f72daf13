// Package packaging opens a deployment artifact (a Lambda function zip and
// its layers, an Azure or Google Cloud Functions package, a container image
// as a `docker save` tarball or an OCI layout, any zip or tar, a folder)
// into one read-only view of the files as the runtime sees them.
//
// The view is an io/fs filesystem (ReadDir, Stat, ReadLink) rooted at the
// runtime's "/": a function's files under /var/task, its layers merged in
// order under /opt, an image's layers applied in order with their whiteouts.
// Every file has two names: its runtime path and its Origin (artifact,
// layer, chain of archive entries). Walk hands every file once to a
// callback, descending into nested archives (a jar in a zip in a zip), and
// also hands out files that ship but do not run (deleted by a whiteout,
// shadowed by a later layer), marked as such.
//
// Artifacts are hostile by default: names are validated, links never lead
// out of the view, and limits (archive.Limits) bound depth, sizes, counts and
// compression ratios. Conditions met on the way are recorded as Problems;
// Open fails only when the artifact cannot be read at all.
package packaging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/packaging/dir"
	"github.com/shipcheck/shipcheck/packaging/image"
	"github.com/shipcheck/shipcheck/packaging/tar"
)

// Options tune Open.
type Options struct {
	// As says what the artifact is; "" guesses from its layout (GuessRole).
	As Role
	// Layers are Lambda layers, applied in order under /opt.
	Layers []string
	// Limits bound the work; zero fields take archive.DefaultLimits.
	Limits archive.Limits
	// Platform picks an image of a multi-platform OCI index ("linux/arm64").
	Platform string
	// TempDir is where the private temporary folder is made ("" for the
	// system's).
	TempDir string
}

// Source describes one artifact opened into the view: the artifact itself or
// one of its layers. Every output shows it.
type Source struct {
	Path        string     `json:"path"`                  // as the user gave it
	Name        string     `json:"name"`                  // base name, as origins print it
	Kind        string     `json:"kind"`                  // zip, tar, dir, docker-archive, oci-layout
	Compression string     `json:"compression,omitempty"` // gzip or zstd for a compressed tar, else ""
	Role        Role       `json:"role"`
	Guessed     bool       `json:"guessed"` // Role was guessed rather than given with --as
	Why         string     `json:"why"`     // why the role was guessed, or "--as", "--layer"
	Mount       string     `json:"mount"`   // where its files are: /var/task, /opt, /
	Image       *ImageInfo `json:"image,omitempty"`
}

// ImageInfo describes an opened container image.
type ImageInfo struct {
	Name   string      `json:"name,omitempty"` // tag or reference name, if the image records one
	Layers []LayerInfo `json:"layers"`
	// Env is the image config's environment ("KEY=value"), as the
	// function will see it.
	// Never serialised: its values may be credentials.
	Env        []string `json:"-"`
	WorkingDir string   `json:"workingDir,omitempty"`
}

// LayerInfo describes one image layer.
type LayerInfo struct {
	Digest string `json:"digest"` // blob digest, as origins print the layer
	DiffID string `json:"diffID"`
	Path   string `json:"path"` // where the blob is inside the image archive
}

// View is an opened artifact. It is an fs.FS (with ReadDir, Stat, Lstat and
// ReadLink) of the runtime view, rooted at "/": names are given without the
// leading slash ("var/task/index.js"). It is safe for concurrent use. Close
// releases it and removes its temporary folder.
type View struct {
	// Sources are the artifact and its layers, in the order applied.
	Sources []Source

	t      *tree
	sh     *shared
	prefix string // "" for an artifact, "/var/task/app.jar!" for an archive nested in one
	origin Origin // for a nested archive: the archive file's origin
	depth  int

	closeOnce sync.Once
	closers   []io.Closer
}

// shared is what a view shares with the views of archives nested in it.
type shared struct {
	budget *archive.Budget
	temp   *archive.Temp

	mu       sync.Mutex
	problems []Problem
	stats    ReadStats
}

// ReadStats say how the walks read the artifact's entries.
type ReadStats struct {
	// Files is the number of files handed to walk callbacks.
	Files int `json:"files"`
	// Decompressed is the number of times a compressed entry's content
	// was read from its archive.
	Decompressed int `json:"decompressed"`
	// Again lists the files decompressed more than once in one walk (by
	// origin): each should be read once, one copy serving every reader.
	Again []string `json:"again,omitempty"`
}

func (s *shared) countReads(f *File) {
	n := int(f.reads.Load())
	s.mu.Lock()
	s.stats.Files++
	s.stats.Decompressed += n
	if n > 1 {
		s.stats.Again = append(s.stats.Again, f.Origin.String())
	}
	s.mu.Unlock()
}

// ReadStats returns how the walks so far read the artifact.
func (v *View) ReadStats() ReadStats {
	v.sh.mu.Lock()
	defer v.sh.mu.Unlock()
	st := v.sh.stats
	st.Again = append([]string(nil), st.Again...)
	sort.Strings(st.Again)
	return st
}

func (s *shared) add(p ...Problem) {
	s.mu.Lock()
	s.problems = append(s.problems, p...)
	s.mu.Unlock()
}

// Open opens the artifact at path (a file or a folder), recognising its
// format by content, and the Lambda layers of opt.Layers. It returns an
// error when an artifact cannot be read at all (missing, empty, not an
// archive, corrupt beyond reading); other conditions are Problems of the
// view. The caller closes the view.
func Open(ctx context.Context, path string, opt Options) (*View, error) {
	return open(ctx, opt, func(v *View) (*opened, error) { return v.openArtifact(ctx, path, opt) })
}

// OpenReader is Open for an artifact held in r (size bytes) rather than in
// a file; name is how outputs and origins name it. r must stay readable
// until the view is closed.
func OpenReader(ctx context.Context, name string, r io.ReaderAt, size int64, opt Options) (*View, error) {
	return open(ctx, opt, func(v *View) (*opened, error) {
		a := &opened{path: name, name: filepath.Base(name)}
		if size == 0 {
			return nil, fmt.Errorf("open %s: %w", name, archive.ErrEmpty)
		}
		if err := v.openFile(ctx, a, r, size, opt); err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		return a, nil
	})
}

func open(ctx context.Context, opt Options, artifact func(*View) (*opened, error)) (*View, error) {
	v := &View{
		t:  newTree(),
		sh: &shared{budget: archive.NewBudget(opt.Limits), temp: &archive.Temp{Parent: opt.TempDir}},
	}
	v.closers = append(v.closers, v.sh.temp)
	ok := false
	defer func() {
		if !ok {
			v.Close()
		}
	}()
	a, err := artifact(v)
	if err != nil {
		return nil, err
	}
	if a.image != nil {
		if opt.As != "" {
			return nil, fmt.Errorf("%s: --as does not apply to a container image (%s)", a.path, a.kind)
		}
		if len(opt.Layers) > 0 {
			return nil, fmt.Errorf("%s: --layer applies to Lambda functions, and this is a container image (%s)", a.path, a.kind)
		}
		v.addImage(a)
	} else {
		role, why, guessed := opt.As, "--as", false
		if role == "" {
			role, why = GuessRole(a.index)
			guessed = true
		}
		v.addArchive(a, role, why, guessed)
	}
	for _, lp := range opt.Layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l, err := v.openArtifact(ctx, lp, opt)
		if err != nil {
			return nil, fmt.Errorf("layer %w", err)
		}
		if l.image != nil {
			return nil, fmt.Errorf("layer %s: a container image (%s) cannot be a Lambda layer", lp, l.kind)
		}
		l.layer = l.name
		v.addArchive(l, Layer, "--layer", false)
	}
	v.checkLinks()
	v.sh.add(v.t.notes...)
	v.t.notes = nil
	ok = true
	return v, nil
}

// opened is an artifact file or folder once read.
type opened struct {
	path, name  string
	isDir       bool
	kind        string
	compression string
	index       *archive.Index // the archive; for an image, its container
	image       *image.Image
	layer       string // set for a Lambda layer
}

func (v *View) openArtifact(ctx context.Context, p string, opt Options) (*opened, error) {
	fi, err := os.Stat(p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	a := &opened{path: p, name: filepath.Base(p), isDir: fi.IsDir()}
	wrap := func(err error) error { return fmt.Errorf("open %s: %w", p, err) }
	switch {
	case fi.IsDir():
		x, err := dir.Open(ctx, p, v.sh.budget)
		if err != nil {
			return nil, wrap(err)
		}
		v.closers = append(v.closers, x)
		a.kind, a.index = "dir", x
		if err := v.openImage(ctx, a, opt); err != nil {
			return nil, wrap(err)
		}
		return a, nil
	case !fi.Mode().IsRegular():
		return nil, wrap(fmt.Errorf("%w: not a regular file or folder", archive.ErrNotArchive))
	case fi.Size() == 0:
		return nil, wrap(archive.ErrEmpty)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	v.closers = append(v.closers, f)
	if err := v.openFile(ctx, a, f, fi.Size(), opt); err != nil {
		return nil, wrap(err)
	}
	return a, nil
}

// openFile recognises the format of r by content (see formats) and reads it.
func (v *View) openFile(ctx context.Context, a *opened, r io.ReaderAt, size int64, opt Options) error {
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if n == 0 && err != nil {
		return fmt.Errorf("%w: %v", archive.ErrUnreadable, err)
	}
	head = head[:n]
	f, ok := sniff(head, r, size, false)
	if !ok {
		if tar.Damaged(head) {
			return fmt.Errorf("%w: the tar's first header does not match its checksum; make or download the tar again", archive.ErrCorrupt)
		}
		return archive.ErrNotArchive
	}
	return f.open(ctx, v, a, r, size, opt)
}

// openImage turns a tar or folder holding an image into the image.
func (v *View) openImage(ctx context.Context, a *opened, opt Options) error {
	files := image.FilesOf(a.index)
	k := image.Detect(files)
	if k == "" {
		return nil
	}
	im, err := image.Open(ctx, k, files, image.Options{Platform: opt.Platform, Budget: v.sh.budget, Temp: v.sh.temp})
	if err != nil {
		return err
	}
	v.closers = append(v.closers, im)
	a.kind, a.image = string(k), im
	return nil
}

func (v *View) addImage(a *opened) {
	info := &ImageInfo{Name: a.image.Name, Env: a.image.Config.Config.Env, WorkingDir: a.image.Config.Config.WorkingDir}
	base := Origin{Artifact: a.name, Dir: a.isDir}
	// The container's own problems (a tar cut short, a refused name) come
	// first: the image is read from it.
	v.addProblems(a.index, &source{origin: base})
	for _, p := range a.image.Problems {
		o := base
		if p.Entry != "" {
			o = base.Child(p.Entry)
		}
		v.sh.add(Problem{Origin: o, Err: p.Err})
	}
	for _, l := range a.image.Layers {
		info.Layers = append(info.Layers, LayerInfo{Digest: l.Digest, DiffID: l.DiffID, Path: l.Path})
		if l.Index == nil {
			continue
		}
		src := &source{origin: Origin{Artifact: a.name, Dir: a.isDir, Layer: l.Digest, Chain: []string{l.Path}}, index: len(v.Sources)}
		v.addProblems(l.Index, src)
		// Whiteouts apply to lower layers only: apply them all before
		// adding this layer's own files.
		isWhiteout := make([]bool, len(l.Index.Entries))
		for i := range l.Index.Entries {
			wh, prob := v.t.whiteout(&l.Index.Entries[i], src)
			isWhiteout[i] = wh
			if prob != nil {
				v.sh.add(*prob)
			}
		}
		for i := range l.Index.Entries {
			if !isWhiteout[i] {
				v.t.add(&l.Index.Entries[i], src)
			}
		}
	}
	v.Sources = append(v.Sources, Source{
		Path: a.path, Name: a.name, Kind: a.kind, Compression: a.compression,
		Role: Image, Why: fmt.Sprintf("%d layers applied in order, whiteouts honoured", len(info.Layers)), Mount: "/", Image: info,
	})
}

func (v *View) addArchive(a *opened, role Role, why string, guessed bool) {
	mount := role.Mount()
	src := &source{origin: Origin{Artifact: a.name, Dir: a.isDir, Layer: a.layer}, mount: mount[1:], index: len(v.Sources)}
	v.addProblems(a.index, src)
	for i := range a.index.Entries {
		v.t.add(&a.index.Entries[i], src)
	}
	v.Sources = append(v.Sources, Source{
		Path: a.path, Name: a.name, Kind: a.kind, Compression: a.compression,
		Role: role, Guessed: guessed, Why: why, Mount: mount,
	})
}

func (v *View) addProblems(x *archive.Index, src *source) {
	for _, p := range x.Problems {
		o := src.origin
		if p.Entry != "" {
			o = o.Child(p.Entry)
		}
		v.sh.add(Problem{Origin: o, Err: p.Err})
	}
}

// Problems returns what the view met so far, in a stable order: everything
// found while opening, and what walks found in nested archives.
func (v *View) Problems() []Problem {
	v.sh.mu.Lock()
	out := append([]Problem(nil), v.sh.problems...)
	v.sh.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Origin.String(), out[j].Origin.String()
		if a != b {
			return a < b
		}
		return out[i].Err.Error() < out[j].Err.Error()
	})
	return out
}

// Partial reports whether any problem left content unread.
func (v *View) Partial() bool {
	for _, p := range v.Problems() {
		if p.Partial() {
			return true
		}
	}
	return false
}

// Close releases the view's files and removes its temporary folder.
func (v *View) Close() error {
	var errs []error
	v.closeOnce.Do(func() {
		for i := len(v.closers) - 1; i >= 0; i-- {
			if err := v.closers[i].Close(); err != nil && !errors.Is(err, os.ErrClosed) {
				errs = append(errs, err)
			}
		}
	})
	return errors.Join(errs...)
}

// TempDir returns the view's private temporary folder, "" if none was needed.
func (v *View) TempDir() string { return v.sh.temp.Dir() }
