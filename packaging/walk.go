package packaging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// WalkFunc is called once for every file the walk hands out. It may be
// called from several goroutines at once. A non-nil error stops the walk and
// is returned by Walk; per-file trouble belongs in the caller's own report,
// not in the error.
type WalkFunc func(ctx context.Context, f *File) error

// WalkOptions tune Walk.
type WalkOptions struct {
	// Workers is how many files are handled at once (default GOMAXPROCS).
	Workers int
	// NoNested hands out archive files found in the artifact without
	// opening them.
	NoNested bool
	// Early, when set, picks files of the artifact (by runtime path) that
	// are handed out first: no other file is handed out before every
	// early one is done. Manifests that say whose the other files are
	// (an application's package.json, a wheel's RECORD) go early.
	Early func(path string) bool
	// Progress, when set, counts the walk's files as it goes.
	Progress *WalkProgress
	// Memory bounds, in bytes, the file content the walk and its
	// callbacks hold at once, whatever the number of workers: a file is
	// handed out once its size fits in what the files in flight leave
	// (a file larger than the budget is handed out with the smaller files
	// that fit beside it, never skipped), and a nested archive's copy is
	// kept in memory only while it fits, else in the temporary folder.
	// 0 means DefaultMemory; a negative Memory bounds nothing. The
	// callback is trusted to hold about one copy of its file at a time.
	Memory int64
}

// WalkProgress counts the files of walks, for a display: written by the
// walks, read by anyone at any time. Every format is indexed when the view
// is opened (a zip's central directory, a tar read through once, a folder
// listed), so the total is known from the walk's start; it grows as nested
// archives are opened and their entries join the walk. Walks sharing one
// WalkProgress add up.
type WalkProgress struct {
	// Total is the number of files the walks hand out, as far as known.
	Total atomic.Int64
	// Done is how many of them fn has returned from.
	Done atomic.Int64
}

func (p *WalkProgress) add(n int) {
	if p != nil {
		p.Total.Add(int64(n))
	}
}

func (p *WalkProgress) done() {
	if p != nil {
		p.Done.Add(1)
	}
}

// Walk hands every file of the view to fn once: every entry that is not a
// folder (regular files, links, devices) of the runtime view, in path
// order, then the files that ship but do not run (Status Shadowed or
// Deleted). A regular file that holds a nested archive (a zip, jar, war,
// wheel...) is handed out with Archive set, then its own entries are walked,
// with their `!` paths, down to the depth limit; nested archives are opened
// from the archive's own bytes when stored uncompressed, else from one copy
// in memory or the temporary folder, and File.Open of the archive file reads
// that copy, so nothing is decompressed twice. Problems met on the way are
// added to the view's Problems.
func (v *View) Walk(ctx context.Context, opt WalkOptions, fn WalkFunc) error {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	w := &walker{fn: fn, noNested: opt.NoNested, top: v, topRefs: v.files(Visible), progress: opt.Progress, mem: newMemory(opt.Memory)}
	if opt.Early != nil {
		var early, rest []fileRef
		for _, r := range w.topRefs {
			if opt.Early(v.runtimePath(r.path)) {
				early = append(early, r)
			} else {
				rest = append(rest, r)
			}
		}
		w.topRefs = append(early, rest...)
		w.early, w.earlyLeft = len(early), len(early)
	}
	w.cond = sync.NewCond(&w.mu)
	w.pending = len(w.topRefs)
	w.progress.add(len(w.topRefs))
	g, ctx := errgroup.WithContext(ctx)
	stop := context.AfterFunc(ctx, w.cancel)
	defer stop()
	for range workers {
		g.Go(func() error { return w.work(ctx) })
	}
	err := g.Wait()
	if memoryHook != nil {
		memoryHook(w.mem)
	}
	return err
}

// memoryHook, when set (by tests), is given the walk's memory bound as the
// walk ends.
var memoryHook func(m *memory)

// walker shares the files of a walk among a fixed pool of workers (a
// goroutine per file would pay for growing a fresh stack each time). The
// entries of a nested archive join the same queue, at its front, so that a
// fat jar is read by every worker and its copy released soon; the archive's
// view is closed when the last of its entries is done.
type walker struct {
	fn       WalkFunc
	noNested bool
	top      *View
	topRefs  []fileRef // the artifact's own files, taken in order
	progress *WalkProgress
	mem      *memory

	mu       sync.Mutex
	cond     *sync.Cond
	next     int    // the next of topRefs
	stack    []task // nested archives' entries, LIFO: they go first
	pending  int    // tasks queued or running
	canceled bool
	// early is how many of topRefs' first files go early; earlyLeft how
	// many of them (and the entries of archives among them) are not done.
	early, earlyLeft int
}

type task struct {
	v     *View
	ref   fileRef
	owner *nestedRef // the nested archive the file belongs to, if any
	early bool
}

// nestedRef counts the tasks left in a nested archive's view.
type nestedRef struct {
	v    *View
	left atomic.Int64
}

func (w *walker) push(v *View, owner *nestedRef, refs []fileRef, early bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := len(refs) - 1; i >= 0; i-- {
		w.stack = append(w.stack, task{v: v, ref: refs[i], owner: owner, early: early})
	}
	if early {
		w.earlyLeft += len(refs)
	}
	w.pending += len(refs)
	w.progress.add(len(refs))
	w.cond.Broadcast()
}

func (w *walker) cancel() {
	w.mu.Lock()
	w.canceled = true
	w.mu.Unlock()
	w.cond.Broadcast()
}

// take returns the next task, or false when the walk is over or canceled:
// the entries of the nested archives opened last first (so that their
// copies are released soon), then the artifact's own files in order.
func (w *walker) take() (task, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.stack) == 0 && (w.next == len(w.topRefs) || w.next == w.early && w.earlyLeft > 0) && w.pending > 0 && !w.canceled {
		w.cond.Wait()
	}
	switch {
	case w.canceled:
		return task{}, false
	case len(w.stack) > 0:
		t := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		return t, true
	case w.next < len(w.topRefs) && (w.next != w.early || w.earlyLeft == 0):
		t := task{v: w.top, ref: w.topRefs[w.next], early: w.next < w.early}
		w.topRefs[w.next] = fileRef{}
		w.next++
		return t, true
	}
	return task{}, false
}

func (w *walker) done(t task) {
	if t.owner != nil && t.owner.left.Add(-1) == 0 {
		t.owner.v.Close()
	}
	w.mu.Lock()
	w.pending--
	if t.early {
		w.earlyLeft--
	}
	if w.pending == 0 || t.early && w.earlyLeft == 0 {
		w.cond.Broadcast()
	}
	w.mu.Unlock()
}

func (w *walker) work(ctx context.Context) error {
	for {
		t, ok := w.take()
		// The file's weight is taken with none held, and given back
		// before the next is waited for: waiting never deadlocks.
		var weight int64
		if ok {
			var err error
			if weight, err = w.mem.file(ctx, t.weight()); err != nil || ctx.Err() != nil {
				w.mem.release(weight)
				w.done(t)
				w.cancel()
				ok = false
			}
		}
		if !ok {
			// A canceled walk still closes the nested archives it opened.
			w.mu.Lock()
			rest := w.stack
			w.stack = nil
			w.pending -= len(w.topRefs) - w.next
			w.next = len(w.topRefs)
			w.mu.Unlock()
			for _, r := range rest {
				w.done(r)
			}
			return ctx.Err()
		}
		err := w.visit(ctx, t)
		w.mem.release(weight)
		w.progress.done()
		w.done(t)
		if err != nil {
			w.cancel()
			return err
		}
	}
}

// weight is the size of the content the task's callback may hold.
func (t task) weight() int64 {
	if t.ref.n == nil || t.ref.n.typ != archive.TypeFile || t.ref.n.content == nil {
		return 0
	}
	return t.ref.n.size
}

func (w *walker) visit(ctx context.Context, t task) error {
	f := t.v.fileOf(t.ref.path, t.ref.n, t.ref.status)
	var nested *View
	if !w.noNested {
		nested = t.v.openNested(ctx, f, w.mem)
	}
	f.nested = nested
	err := w.fn(ctx, f)
	f.release()
	f.nested = nil
	if nested == nil {
		return err
	}
	refs := nested.files(f.Status)
	if err != nil || len(refs) == 0 {
		nested.Close()
		return err
	}
	owner := &nestedRef{v: nested}
	owner.left.Store(int64(len(refs)))
	w.push(nested, owner, refs, t.early)
	return nil
}

// files lists the view's files: the runtime view's non-folders in path
// order, then the hidden ones. status is the least status every file gets
// (a nested archive's entries share the status of the archive).
func (v *View) files(status Status) []fileRef {
	var out []fileRef
	var rec func(n *node, dir string)
	rec = func(n *node, dir string) {
		for _, k := range n.sortedKids() {
			p := joinPath(dir, k.name)
			if k.typ == archive.TypeDir {
				rec(k, p)
				continue
			}
			out = append(out, fileRef{p, k, status})
		}
	}
	rec(v.t.root, "")
	for _, h := range v.t.hidden {
		out = append(out, fileRef{h.path, h.n, max(status, h.status)})
	}
	return out
}

// fileRef is a file to hand out; the File is made when it is handed out.
type fileRef struct {
	path   string
	n      *node
	status Status
}

func (v *View) fileOf(p string, n *node, status Status) *File {
	f := &File{
		Path:    v.runtimePath(p),
		Origin:  n.origin(),
		Type:    n.typ,
		Size:    n.size,
		Mode:    n.mode(),
		ModTime: n.modTime(),
		Status:  status,
		Depth:   v.depth,
		Note:    n.note,
		Source:  n.src.index,
		content: n.content,
		sh:      v.sh,
		fsys:    v,
		fsPath:  p,
	}
	if n.e != nil {
		f.Link = n.e.Link
	}
	return f
}

func (v *View) runtimePath(p string) string {
	if v.prefix != "" {
		return v.prefix + p
	}
	return "/" + p
}

// minArchive is the size of the smallest zip (an empty one).
const minArchive = 22

// openNested opens f as a nested archive when its content says it is one,
// returning nil otherwise. Reading the first bytes of a compressed entry
// starts its decompression: the stream is kept in f for fn's first Open.
// A copy of a compressed archive is held in memory only when mem gives its
// weight at once (else it goes to the temporary folder); the weight is
// given back when the nested view is closed.
func (v *View) openNested(ctx context.Context, f *File, mem *memory) *View {
	if f.Type != archive.TypeFile || f.content == nil || f.Size < minArchive {
		return nil
	}
	fmtr, ok := sniff(f.Head(), nil, 0, true)
	if !ok {
		return nil
	}
	f.Archive = true
	if v.depth+1 > v.sh.budget.Limits.MaxDepth {
		v.tooDeep(f)
		return nil
	}
	var (
		ra   io.ReaderAt
		size = f.Size
		blob *archive.Blob
		held int64 // the weight of blob in mem
	)
	if s, ok := f.content.(archive.Sectioner); ok && s.Section() != nil {
		ra = s.Section()
	} else {
		rc, err := f.Open() // the stream Head read ahead
		if err != nil {
			return nil // recorded by Open
		}
		if mem == nil {
			blob, err = archive.Spill(rc, f.Size, v.sh.temp)
		} else if mem.nestedCopy(f.Size) {
			held = f.Size
			blob, err = archive.SpillMax(rc, f.Size, v.sh.temp, held)
		} else {
			blob, err = archive.SpillMax(rc, f.Size, v.sh.temp, -1)
		}
		rc.Close()
		if err == nil && held > 0 && blob.Bytes() == nil {
			mem.releaseNested(held) // it came larger than said: on disk
			held = 0
		}
		if err != nil {
			mem.releaseNested(held)
			if !f.failed.Load() {
				v.sh.add(Problem{Path: f.Path, Origin: f.Origin, Err: fmt.Errorf("%w: %v", archive.ErrUnreadable, err)})
			}
			f.content = nil
			return nil
		}
		// The walk callback reads the copy: the entry is decompressed once.
		f.content = blobContent{blob}
		ra, size = blob, blob.Size()
	}
	a := &opened{name: f.Origin.Artifact}
	nv := &View{t: newTree(), sh: v.sh, prefix: f.Path + "!", origin: f.Origin, depth: v.depth + 1}
	if blob != nil {
		nv.closers = append(nv.closers, blob)
	}
	if held > 0 {
		nv.closers = append(nv.closers, nestedRelease{mem, held})
	}
	if err := openSafely(ctx, fmtr, nv, a, ra, size, f.Path); err != nil {
		v.sh.add(Problem{Path: f.Path, Origin: f.Origin, Err: fmt.Errorf("nested %s: %w", fmtr.name, err)})
		nv.Close()
		return nil
	}
	src := &source{origin: f.Origin, index: f.Source}
	nv.addProblems(a.index, src)
	for i := range a.index.Entries {
		nv.t.add(&a.index.Entries[i], src)
	}
	nv.closers = append(nv.closers, a.index)
	nv.checkLinks()
	v.sh.add(nv.t.notes...)
	nv.t.notes = nil
	return nv
}

// openHook, when set (by tests), runs as a nested archive is opened: a
// panic there stands for one in a format's reader.
var openHook func(path string)

// openSafely opens a nested archive; a panic in the format's reader (a
// hostile entry) is an error of that entry, never the end of the walk.
func openSafely(ctx context.Context, fmtr format, nv *View, a *opened, ra io.ReaderAt, size int64, path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: the %s reader panicked (%v)", archive.ErrUnreadable, fmtr.name, r)
		}
	}()
	if openHook != nil {
		openHook(path)
	}
	return fmtr.open(ctx, nv, a, ra, size, Options{})
}

func (v *View) tooDeep(f *File) {
	v.sh.add(Problem{Path: f.Path, Origin: f.Origin, Err: &archive.LimitError{
		Flag: "--max-depth", Limit: fmt.Sprint(max(v.sh.budget.Limits.MaxDepth, 0)), Got: fmt.Sprint(v.depth + 1),
	}})
}

func closeBlob(b *archive.Blob) {
	if b != nil {
		b.Close()
	}
}

// checkLinks notes every symlink that cannot be followed inside the view.
func (v *View) checkLinks() {
	var rec func(n *node)
	rec = func(n *node) {
		for _, k := range n.sortedKids() {
			switch k.typ {
			case archive.TypeDir:
				rec(k)
			case archive.TypeSymlink:
				p := k.path()
				_, err := v.resolve("readlink", p, true)
				var reason error
				switch {
				case err == nil:
					continue
				case errors.Is(err, archive.ErrLinkOutside), errors.Is(err, archive.ErrLinkLoop):
					reason = errors.Unwrap(err)
				case errors.Is(err, fs.ErrNotExist):
					reason = archive.ErrLinkDangling
				default:
					continue
				}
				k.note = reason.Error()
				// The target is not printed: a link's target is data the
				// artifact chose, and may be a credential.
				v.t.notes = append(v.t.notes, Problem{Path: v.runtimePath(p), Origin: k.origin(), Err: fmt.Errorf("%w (a target of %d bytes)", reason, len(k.e.Link))})
			}
		}
	}
	rec(v.t.root)
}

// prefixed is a stream whose first bytes were already read.
type prefixed struct {
	io.Reader
	c io.Closer
}

func (p *prefixed) Close() error { return p.c.Close() }

// blobContent serves a nested archive's content from its one copy.
type blobContent struct{ b *archive.Blob }

func (c blobContent) Open() (io.ReadCloser, error) {
	return archive.NewSectionReadCloser(c.Section()), nil
}

func (c blobContent) Section() *io.SectionReader { return io.NewSectionReader(c.b, 0, c.b.Size()) }
