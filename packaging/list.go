package packaging

import (
	"context"
	"io"
	"sort"
	"sync"
)

// Listing is every file of an artifact's view, as `shipcheck files` shows
// it.
type Listing struct {
	Sources []Source
	Files   []*File // sorted by path, then status, then origin
	// Hidden counts the files that ship but do not run (shadowed or
	// deleted), listed in Files only when asked for.
	Hidden   int
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

// List opens the artifact at path and walks it, nested archives included,
// reading every file once so that unreadable content is found as a scan would
// find it. It returns an error only when the artifact cannot be opened.
func List(ctx context.Context, path string, opt ListOptions) (*Listing, error) {
	v, err := Open(ctx, path, opt.Options)
	if err != nil {
		return nil, err
	}
	defer v.Close()
	return list(ctx, v, opt.Hidden)
}

func list(ctx context.Context, v *View, hidden bool) (*Listing, error) {
	var (
		mu      sync.Mutex
		files   []*File
		hiddenN int
	)
	err := v.Walk(ctx, WalkOptions{}, func(_ context.Context, f *File) error {
		if f.Readable() {
			// Read every file once, as a scan would: a corrupt entry is
			// found here too (the view records the failure).
			rc, err := f.Open()
			if err == nil {
				io.Copy(io.Discard, rc)
				rc.Close()
			}
		}
		// The listing keeps what the file is, not its content: dropping the
		// handle lets a nested archive's copy and index go once walked.
		f.content, f.sh = nil, nil
		mu.Lock()
		defer mu.Unlock()
		if f.Status != Visible {
			hiddenN++
			if !hidden {
				return nil
			}
		}
		files = append(files, f)
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
	return &Listing{Sources: v.Sources, Files: files, Hidden: hiddenN, Problems: v.Problems(), Partial: v.Partial()}, nil
}
