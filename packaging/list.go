package packaging

import (
	"context"
	"sort"
	"sync"
)

// Listing is every file of an artifact's view, as `shipcheck files` shows
// it.
type Listing struct {
	Sources  []Source
	Files    []*File // sorted by path, then status, then origin
	Problems []Problem
	// Partial is true when some content could not be read.
	Partial bool
}

// ListOptions tune List.
type ListOptions struct {
	Options
	// Hidden also lists files that ship but do not run (shadowed by a later
	// layer, deleted by a whiteout).
	Hidden bool
}

// List opens the artifact at path and walks it, nested archives included.
// It returns an error only when the artifact cannot be opened.
func List(ctx context.Context, path string, opt ListOptions) (*Listing, error) {
	v, err := Open(ctx, path, opt.Options)
	if err != nil {
		return nil, err
	}
	defer v.Close()
	var (
		mu    sync.Mutex
		files []*File
	)
	err = v.Walk(ctx, WalkOptions{}, func(_ context.Context, f *File) error {
		if f.Status != Visible && !opt.Hidden {
			return nil
		}
		mu.Lock()
		files = append(files, f)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool {
		a, b := files[i], files[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Status != b.Status {
			return a.Status < b.Status
		}
		return a.Origin.String() < b.Origin.String()
	})
	return &Listing{Sources: v.Sources, Files: files, Problems: v.Problems(), Partial: v.Partial()}, nil
}
