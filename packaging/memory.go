package packaging

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// DefaultMemory is the walk's default budget of file content in memory.
const DefaultMemory = 256 << 20

// memory bounds the bytes of file content the walk holds at once, with one
// weighted semaphore of the budget's size (as gofmt bounds its files in
// flight). Two kinds of weight share it:
//
//   - a file handed to the walk callback weighs its size, at most
//     fileMax: the callback's copies of it (a compressed entry made
//     random-access, the secret scan's buffer) are of its size. A file
//     larger than fileMax takes fileMax and is still handed out, alone
//     with the smaller ones that fit beside it. Acquire waits; it is
//     taken with no other weight held and released when the callback
//     returns, so waiting never deadlocks.
//   - the copy of a nested archive held in memory (at most
//     archive.MemLimit, as before) weighs its size from
//     the moment it is made until the last of its entries is done, which
//     is after other files' callbacks. It never waits (TryAcquire: when
//     the weight is not free, the copy goes to the temporary folder), and
//     these copies hold at most nestedMax together, so a file waiting for
//     fileMax = budget - nestedMax always gets it once the callbacks
//     running return.
//
// A nil *memory bounds nothing.
type memory struct {
	sem       *semaphore.Weighted
	budget    int64
	fileMax   int64
	nestedMax int64
	nested    atomic.Int64 // weight held by nested archives' copies

	// held and peak count the weight held, for tests.
	held, peak atomic.Int64
}

// newMemory returns the bound for a budget: 0 means DefaultMemory, a
// negative budget no bound (nil).
func newMemory(budget int64) *memory {
	switch {
	case budget < 0:
		return nil
	case budget == 0:
		budget = DefaultMemory
	}
	nestedMax := budget / 4
	return &memory{
		sem:       semaphore.NewWeighted(budget),
		budget:    budget,
		fileMax:   max(budget-nestedMax, 1),
		nestedMax: nestedMax,
	}
}

// file waits for the weight of a file of size bytes and returns it (to
// give to release), or the context's error.
func (m *memory) file(ctx context.Context, size int64) (int64, error) {
	if m == nil || size <= 0 {
		return 0, nil
	}
	w := min(size, m.fileMax)
	if err := m.sem.Acquire(ctx, w); err != nil {
		return 0, err
	}
	m.count(w)
	return w, nil
}

// nestedCopy takes the weight of a nested archive's copy of size bytes if
// it is free at once, and reports whether it did: the copy may then be
// held in memory (up to size bytes) until release(size).
func (m *memory) nestedCopy(size int64) bool {
	if m == nil {
		return true
	}
	if size <= 0 || size > archive.MemLimit || size > m.nestedMax {
		return false
	}
	if m.nested.Add(size) > m.nestedMax {
		m.nested.Add(-size)
		return false
	}
	if !m.sem.TryAcquire(size) {
		m.nested.Add(-size)
		return false
	}
	m.count(size)
	return true
}

func (m *memory) releaseNested(size int64) {
	if m == nil || size <= 0 {
		return
	}
	m.nested.Add(-size)
	m.release(size)
}

func (m *memory) release(w int64) {
	if m == nil || w <= 0 {
		return
	}
	m.held.Add(-w)
	m.sem.Release(w)
}

func (m *memory) count(w int64) {
	h := m.held.Add(w)
	for p := m.peak.Load(); h > p && !m.peak.CompareAndSwap(p, h); p = m.peak.Load() {
	}
}

// nestedRelease gives back a nested archive's copy's weight when its view
// is closed.
type nestedRelease struct {
	m    *memory
	size int64
}

func (r nestedRelease) Close() error {
	r.m.releaseNested(r.size)
	return nil
}
