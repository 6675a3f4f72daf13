package vuln

import (
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// Write says, for people, where the database is and came from, how old it
// is, how long it took to build (took; -1 when it was not built now) and
// what it holds by ecosystem.
func (info Info) Write(w io.Writer, took time.Duration) {
	fmt.Fprintf(w, "database: %s\n", info.Path)
	if fi, err := os.Stat(info.Path); err == nil {
		fmt.Fprintf(w, "size:     %s\n", archive.FormatSize(fi.Size()))
	}
	fmt.Fprintf(w, "source:   %s\n", info.Source)
	fmt.Fprintf(w, "built:    %s (%s ago)\n", info.Built.UTC().Format(time.RFC3339), Age(time.Since(info.Built)))
	if !info.Newest.IsZero() {
		fmt.Fprintf(w, "newest:   %s (the most recent modified date of an advisory)\n", info.Newest.UTC().Format(time.RFC3339))
	}
	if took >= 0 {
		fmt.Fprintf(w, "took:     %s\n", took.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "records:  %d\n", info.Records)
	var ecos []string
	for e := range info.Ecosystems {
		ecos = append(ecos, e)
	}
	sort.Strings(ecos)
	for _, e := range ecos {
		fmt.Fprintf(w, "  %-12s %d\n", e, info.Ecosystems[e])
	}
}

// Age says a duration the way people read an age.
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
