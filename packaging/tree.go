package packaging

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// source is one archive mounted in the view: the function, a Lambda layer,
// an image layer, or a nested archive.
type source struct {
	origin Origin // artifact, layer, and the chain down to the archive
	mount  string // fs path of the mount point: "var/task", "" for the root
	index  int    // the View.Sources entry it belongs to
}

// node is one name in the merged tree.
type node struct {
	name    string
	parent  *node
	kids    map[string]*node // directories only
	typ     archive.Type
	e       *archive.Entry // nil for a directory implied by its children
	src     *source
	content archive.Content // e.Content, or a hardlink's target content
	size    int64
	note    string
}

func (n *node) path() string {
	if n.parent == nil {
		return ""
	}
	var parts []string
	for m := n; m.parent != nil; m = m.parent {
		parts = append(parts, m.name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

func (n *node) mode() fs.FileMode {
	var m fs.FileMode
	if n.e != nil {
		m = n.e.Mode.Perm()
	} else {
		m = 0o755
	}
	switch n.typ {
	case archive.TypeDir:
		m |= fs.ModeDir
	case archive.TypeSymlink:
		m |= fs.ModeSymlink
	case archive.TypeCharDevice:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case archive.TypeBlockDevice:
		m |= fs.ModeDevice
	case archive.TypeFIFO:
		m |= fs.ModeNamedPipe
	case archive.TypeSocket:
		m |= fs.ModeSocket
	case archive.TypeOther, archive.TypeHardlink:
		m |= fs.ModeIrregular
	}
	return m
}

func (n *node) modTime() time.Time {
	if n.e == nil {
		return time.Time{}
	}
	return n.e.ModTime
}

// sortedKids returns a directory's children by name.
func (n *node) sortedKids() []*node {
	out := make([]*node, 0, len(n.kids))
	for _, k := range n.kids {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// hiddenFile is a file that ships but is not in the runtime view.
type hiddenFile struct {
	path   string
	n      *node
	status Status
}

// tree is the merged filesystem under construction.
type tree struct {
	root   *node
	hidden []hiddenFile
	notes  []Problem
	// The folder of the last entry added: archives list a folder's entries
	// together, so most lookups are this one.
	lastDir  string
	lastNode *node
}

func newTree() *tree {
	return &tree{root: &node{typ: archive.TypeDir, kids: map[string]*node{}}}
}

func newDir(name string, parent *node, src *source) *node {
	return &node{name: name, parent: parent, typ: archive.TypeDir, kids: map[string]*node{}, src: src}
}

// lookup finds the node at p without following links.
func (t *tree) lookup(p string) *node {
	n := t.root
	if p == "" {
		return n
	}
	for _, c := range strings.Split(p, "/") {
		if n.kids == nil {
			return nil
		}
		n = n.kids[c]
		if n == nil {
			return nil
		}
	}
	return n
}

// hide records n and everything under it as hidden with status s.
func (t *tree) hide(n *node, s Status) {
	if n.typ == archive.TypeDir {
		for _, k := range n.sortedKids() {
			t.hide(k, s)
		}
		return
	}
	t.hidden = append(t.hidden, hiddenFile{path: n.path(), n: n, status: s})
}

// dir returns the directory at p, creating it (and replacing what stands in
// its way, which becomes shadowed) as needed.
func (t *tree) dir(p string, src *source) *node {
	n := t.root
	if p == "" {
		return n
	}
	if p == t.lastDir && t.lastNode != nil && t.lastNode.typ == archive.TypeDir && t.attached(t.lastNode) {
		return t.lastNode
	}
	defer func() { t.lastDir, t.lastNode = p, n }()
	for _, c := range strings.Split(p, "/") {
		k := n.kids[c]
		if k != nil && k.typ != archive.TypeDir {
			t.hide(k, Shadowed)
			t.notes = append(t.notes, Problem{Path: "/" + k.path(), Origin: k.origin(), Err: archive.ErrConflict})
			k = nil
		}
		if k == nil {
			k = newDir(c, n, src)
			n.kids[c] = k
		}
		n = k
	}
	return n
}

// attached reports whether n is still in the tree (a whiteout or a later
// entry may have cut it out).
func (t *tree) attached(n *node) bool {
	for ; n.parent != nil; n = n.parent {
		if n.parent.kids[n.name] != n {
			return false
		}
	}
	return n == t.root
}

func (n *node) origin() Origin {
	if n.src == nil {
		return Origin{}
	}
	if n.e == nil {
		return n.src.origin
	}
	return n.src.origin.Child(n.e.Name)
}

// add puts entry e of src into the tree at mount/e.Name. A later entry at
// the same path replaces the earlier one, which becomes shadowed; a
// directory merges with a directory.
func (t *tree) add(e *archive.Entry, src *source) {
	// Names are substrings of e.Name: no copies per node.
	p := joinPath(src.mount, e.Name)
	dir, name := path.Split(e.Name)
	parent := t.dir(joinPath(src.mount, strings.TrimSuffix(dir, "/")), src)
	old := parent.kids[name]
	if old != nil {
		if old.typ == archive.TypeDir && e.Type == archive.TypeDir {
			old.e, old.src = e, src
			return
		}
		t.hide(old, Shadowed)
		if old.src == src && old.typ != archive.TypeDir && e.Type != archive.TypeDir {
			t.notes = append(t.notes, Problem{Path: "/" + p, Origin: src.origin.Child(e.Name), Err: archive.ErrDuplicate})
		} else if old.typ == archive.TypeDir || e.Type == archive.TypeDir {
			t.notes = append(t.notes, Problem{Path: "/" + p, Origin: src.origin.Child(e.Name), Err: archive.ErrConflict})
		}
	}
	n := &node{name: name, parent: parent, typ: e.Type, e: e, src: src, content: e.Content, size: e.Size}
	if e.Type == archive.TypeDir {
		n.kids = map[string]*node{}
	}
	if e.Type == archive.TypeHardlink {
		t.linkHard(n, src)
	}
	switch n.typ {
	case archive.TypeCharDevice, archive.TypeBlockDevice, archive.TypeFIFO, archive.TypeSocket:
		n.note = archive.ErrSpecial.Error()
	case archive.TypeOther:
		n.note = archive.ErrUnknownEntry.Error()
	}
	parent.kids[name] = n
}

// linkHard makes a hardlink a regular file sharing its target's content, as
// it is at run time. A target outside the archive or not yet seen leaves it a
// link, with a note.
func (t *tree) linkHard(n *node, src *source) {
	target, _, _, err := archive.CleanName(n.e.Link)
	if err != nil {
		n.note = archive.ErrLinkOutside.Error()
		t.notes = append(t.notes, Problem{Path: "/" + joinPath(src.mount, n.e.Name), Origin: src.origin.Child(n.e.Name), Err: fmt.Errorf("%w: hardlink to %q", archive.ErrLinkOutside, n.e.Link)})
		return
	}
	m := t.lookup(joinPath(src.mount, target))
	if m == nil || m.typ != archive.TypeFile || m.content == nil {
		n.note = archive.ErrLinkDangling.Error()
		t.notes = append(t.notes, Problem{Path: "/" + joinPath(src.mount, n.e.Name), Origin: src.origin.Child(n.e.Name), Err: fmt.Errorf("%w: hardlink to %q", archive.ErrLinkDangling, n.e.Link)})
		return
	}
	n.typ, n.content, n.size = archive.TypeFile, m.content, m.size
}

// whiteout applies an OCI whiteout entry of an image layer: ".wh.NAME"
// deletes NAME of lower layers, ".wh..wh..opq" empties its folder of lower
// layers' files. It reports false for an entry that is not a whiteout.
func (t *tree) whiteout(e *archive.Entry, src *source) (bool, *Problem) {
	dir, base := path.Split(e.Name)
	if !strings.HasPrefix(base, ".wh.") {
		return false, nil
	}
	dir = strings.TrimSuffix(dir, "/")
	if base == ".wh..wh..opq" {
		if n := t.lookup(joinPath(src.mount, dir)); n != nil && n.typ == archive.TypeDir {
			for _, k := range n.sortedKids() {
				t.hide(k, Deleted)
				delete(n.kids, k.name)
			}
		}
		return true, nil
	}
	target := strings.TrimPrefix(base, ".wh.")
	if target == "" || target == "." || target == ".." {
		return true, &Problem{Path: "/" + joinPath(src.mount, e.Name), Origin: src.origin.Child(e.Name), Err: archive.ErrInsecurePath}
	}
	p := joinPath(src.mount, path.Join(dir, target))
	if n := t.lookup(p); n != nil {
		t.hide(n, Deleted)
		delete(n.parent.kids, n.name)
	}
	return true, nil
}

func joinPath(mount, name string) string {
	if mount == "" {
		return name
	}
	if name == "" {
		return mount
	}
	return mount + "/" + name
}
