package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// maxNotesPerKind bounds how many problems of one kind WriteProblems
// prints.
const maxNotesPerKind = 10

// WriteProblems prints problems for people, one a line ("shipcheck: note:
// ..." or "shipcheck: error: ..." for content left unread, unless
// allowPartial), at most ten of a kind and then a count; quiet leaves the
// notes out. It returns how many left content unread.
func WriteProblems(w io.Writer, probs []Problem, allowPartial, quiet bool) (partial int) {
	shown := map[string]int{}
	for _, p := range probs {
		kind := "note"
		if p.Partial {
			partial++
			if !allowPartial {
				kind = "error"
			}
		}
		key := kind + ":" + problemKind(p)
		shown[key]++
		if quiet && kind == "note" || shown[key] > maxNotesPerKind {
			continue
		}
		fmt.Fprintf(w, "shipcheck: %s: %s\n", kind, p)
	}
	keys := make([]string, 0, len(shown))
	for k := range shown {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if n := shown[key]; n > maxNotesPerKind && !(quiet && strings.HasPrefix(key, "note:")) {
			fmt.Fprintf(w, "shipcheck: ... and %d more like %q\n", n-maxNotesPerKind, strings.SplitN(key, ":", 2)[1])
		}
	}
	return partial
}

// problemKind groups problems for the "and N more" line: the message
// without what is particular to one entry.
func problemKind(p Problem) string {
	msg := p.Note
	if i := strings.Index(msg, ": "); i > 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, " ("); i > 0 {
		msg = msg[:i]
	}
	return msg
}
