package archive

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
)

// Limits bound the work of opening one artifact, its layers and every nested
// archive opened inside them. A zero field takes its default.
type Limits struct {
	// MaxDepth is how many archives deep the view opens archives nested in
	// the artifact (a jar in a zip is depth 1, a jar in that jar depth 2).
	// A negative value opens none (0 means the default, as for every field).
	MaxDepth int
	// MaxEntrySize bounds the uncompressed size of one entry.
	MaxEntrySize int64
	// MaxTotalSize bounds the uncompressed bytes of all entries together,
	// nested archives' entries included.
	MaxTotalSize int64
	// MaxEntries bounds the number of entries, nested archives included.
	MaxEntries int64
	// MaxRatio bounds the compression ratio (uncompressed / compressed) of
	// one entry and of one archive as a whole. It applies only past
	// RatioFloor uncompressed bytes, where a ratio is evidence of a bomb
	// rather than of a small repetitive file.
	MaxRatio float64
}

// RatioFloor is the uncompressed size under which MaxRatio is not applied.
const RatioFloor = 16 << 20

// DefaultLimits fit the largest Lambda container image (10 GB uncompressed)
// with room for the jars nested inside it, and no artifact of the shared
// corpus comes near them. Deflate cannot pass about 1032:1, so a ratio over
// 200 on more than RatioFloor bytes is a bomb in practice.
var DefaultLimits = Limits{
	MaxDepth:     8,
	MaxEntrySize: 10 << 30,
	MaxTotalSize: 32 << 30,
	MaxEntries:   5_000_000,
	MaxRatio:     200,
}

// WithDefaults returns l with zero fields set to DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	if l.MaxDepth == 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxEntrySize == 0 {
		l.MaxEntrySize = d.MaxEntrySize
	}
	if l.MaxTotalSize == 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxEntries == 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxRatio == 0 {
		l.MaxRatio = d.MaxRatio
	}
	return l
}

// Check says what is wrong with limits a user set, in the words of the
// flags that set them (0 is the default; a negative MaxDepth opens no
// nested archive).
func (l Limits) Check() error {
	switch {
	case l.MaxEntries < 0 || l.MaxEntrySize < 0 || l.MaxTotalSize < 0:
		return fmt.Errorf("--max-entries, --max-entry-size and --max-total-size must be more than 0")
	case l.MaxRatio != 0 && !(l.MaxRatio >= 1) || math.IsInf(l.MaxRatio, 0):
		return fmt.Errorf("--max-ratio must be 1 or more")
	}
	return nil
}

// LimitError reports which limit was passed; it matches ErrLimit.
type LimitError struct {
	Flag  string // the CLI flag that sets the limit, e.g. "--max-ratio"
	Limit string // the limit's value, formatted
	Got   string // what was seen, formatted
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("limit passed: %s (%s %s; %s %s); reading of this archive stopped", e.what(), e.Flag, e.Limit, e.verb(), e.Got)
}

func (e *LimitError) what() string {
	switch e.Flag {
	case "--max-entry-size":
		return "entry size"
	case "--max-total-size":
		return "total uncompressed size"
	case "--max-entries":
		return "entry count"
	case "--max-ratio":
		return "compression ratio"
	case "--max-depth":
		return "nesting depth"
	}
	return e.Flag
}

func (e *LimitError) verb() string {
	if e.Flag == "--max-ratio" {
		return "saw"
	}
	return "needs"
}

// Is makes errors.Is(err, ErrLimit) hold.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// Budget enforces Limits across every archive of one view. It is safe for
// concurrent use.
type Budget struct {
	Limits  Limits
	entries atomic.Int64
	bytes   atomic.Int64
}

// NewBudget returns a budget for l (zero fields take their defaults).
func NewBudget(l Limits) *Budget { return &Budget{Limits: l.WithDefaults()} }

// Add charges one entry of size uncompressed bytes, stored in compressed
// bytes (compressed < 0: unknown or not compressed). It returns a
// *LimitError when a limit is passed.
func (b *Budget) Add(size, compressed int64) error {
	l := b.Limits
	if size > l.MaxEntrySize {
		return &LimitError{Flag: "--max-entry-size", Limit: FormatSize(l.MaxEntrySize), Got: FormatSize(size)}
	}
	if n := b.entries.Add(1); n > l.MaxEntries {
		return &LimitError{Flag: "--max-entries", Limit: fmt.Sprint(l.MaxEntries), Got: fmt.Sprint(n)}
	}
	if size > 0 {
		if t := b.bytes.Add(size); t > l.MaxTotalSize {
			return &LimitError{Flag: "--max-total-size", Limit: FormatSize(l.MaxTotalSize), Got: FormatSize(t)}
		}
	}
	if compressed >= 0 {
		return b.CheckRatio(size, compressed)
	}
	return nil
}

// CheckStream returns a *LimitError when a decompressor that has yielded n
// bytes from compressed bytes passes the total left or the ratio. It charges
// nothing: the entries found in the stream are charged when indexed.
func (b *Budget) CheckStream(n, compressed int64) error {
	if t := b.bytes.Load() + n; t > b.Limits.MaxTotalSize {
		return &LimitError{Flag: "--max-total-size", Limit: FormatSize(b.Limits.MaxTotalSize), Got: "more than " + FormatSize(t)}
	}
	return b.CheckRatio(n, compressed)
}

// CheckRatio returns a *LimitError when size bytes stored in compressed bytes
// pass MaxRatio (applied only past RatioFloor).
func (b *Budget) CheckRatio(size, compressed int64) error {
	if size <= RatioFloor {
		return nil
	}
	r := float64(size) / float64(max(compressed, 1))
	if r > b.Limits.MaxRatio {
		return &LimitError{Flag: "--max-ratio", Limit: fmt.Sprintf("%.0f:1", b.Limits.MaxRatio), Got: fmt.Sprintf("%.0f:1", r)}
	}
	return nil
}

// Totals returns the entries and bytes charged so far.
func (b *Budget) Totals() (entries, bytes int64) { return b.entries.Load(), b.bytes.Load() }

// RatioReader bounds a decompressed stream whose size is not known in
// advance (a gzip layer): it fails once what the decompressor yields passes
// the total left in the budget or the ratio to the compressed bytes consumed.
type RatioReader struct {
	R       io.Reader       // the decompressed stream
	In      *CountingReader // the compressed stream under it
	Budget  *Budget
	n       int64
	checked int64
}

func (r *RatioReader) Read(p []byte) (int, error) {
	n, err := r.R.Read(p)
	r.n += int64(n)
	if r.n-r.checked >= 1<<20 || err != nil {
		r.checked = r.n
		if e := r.Budget.CheckStream(r.n, r.In.N); e != nil {
			return n, e
		}
	}
	return n, err
}

// CountingReader counts the bytes read through it.
type CountingReader struct {
	R io.Reader
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

// FormatSize formats a byte count for messages: "10 GiB", "512 B".
func FormatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

// ParseSize reads a byte count with an optional unit, as FormatSize writes
// it and people type it: 512, 64KiB, 10GiB, 1.5 GB, 1G (binary units for
// K, M, G, T alone).
func ParseSize(v string) (int64, error) {
	t := strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
		{"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if len(t) > len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			mult, t = u.mult, strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsNaN(f) || f*float64(mult) > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size (such as 512MiB or 10GiB)", v)
	}
	return int64(f * float64(mult)), nil
}

// FormatCount writes n with commas between groups of three digits.
func FormatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// Percent is done of total in whole percent, rounded down: 100 only when
// all is done.
func Percent(done, total int64) int64 {
	if total <= 0 {
		return 0
	}
	return min(done*100/total, 100)
}
