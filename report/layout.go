package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// text is what the table encoder writes through: every line fitted to a
// width (0: unbounded).
type text struct {
	w     io.Writer
	width int
	err   error
}

func (t *text) put(s string) {
	if t.err == nil {
		_, t.err = io.WriteString(t.w, s+"\n")
	}
}

// line writes prose, wrapped at spaces to the width (continuation lines
// indented by two more), a word longer than the width shortened in its
// middle.
func (t *text) line(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if t.width <= 0 || width(s) <= t.width {
		t.put(s)
		return
	}
	rest := strings.TrimLeft(s, " ")
	lead := s[:len(s)-len(rest)]
	if width(lead)+8 > t.width {
		lead = ""
	}
	prefix, cur := lead, ""
	for _, w := range strings.Fields(rest) {
		room := t.width - width(prefix)
		switch {
		case cur == "":
			cur = shorten(w, room)
		case width(cur)+1+width(w) <= room:
			cur += " " + w
		default:
			t.put(prefix + cur)
			prefix = lead + "  "
			cur = shorten(w, t.width-width(prefix))
		}
	}
	t.put(prefix + cur)
}

// blank writes an empty line.
func (t *text) blank() { t.put("") }

func width(s string) int { return utf8.RuneCountInString(s) }

// shorten fits s into n columns by cutting its middle ("node_mod…/index.js").
func shorten(s string, n int) string {
	if width(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"[:3*max(min(n, 1), 0)]
	}
	r := []rune(s)
	head := (n - 1) / 2
	tail := n - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// truncate fits s into n columns by cutting its end ("Prototype Pollut…").
func truncate(s string, n int) string {
	if width(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"[:3*max(min(n, 1), 0)]
	}
	return string([]rune(s)[:n-1]) + "…"
}

// column describes one column of a table: how it gives up width when the
// table is too wide. Columns with a higher give are shortened first, down
// to min.
type column struct {
	head string
	// optional: left out when no row has anything in it but "-".
	optional bool
	give     int                          // 0: never shortened
	min      int                          // narrowest it becomes
	fit      func(s string, n int) string // shorten or truncate
}

// table writes rows under the columns' heads, padded into columns two
// spaces apart, each line at most t.width wide when the columns can give
// that much; marked rows (a "!" in the first cell) stand out in the first
// column.
func (t *text) table(cols []column, rows [][]string) {
	// A headless column with nothing in it (no row is marked) is left out.
	if len(cols) > 0 && cols[0].head == "" {
		empty := true
		for _, r := range rows {
			empty = empty && r[0] == ""
		}
		if empty {
			cols = cols[1:]
			trimmed := make([][]string, len(rows))
			for i, r := range rows {
				trimmed[i] = r[1:]
			}
			rows = trimmed
		}
	}
	for i := len(cols) - 1; i >= 0; i-- {
		if !cols[i].optional {
			continue
		}
		empty := true
		for _, r := range rows {
			empty = empty && (r[i] == "" || r[i] == "-")
		}
		if empty {
			cols = append(cols[:i:i], cols[i+1:]...)
			trimmed := make([][]string, len(rows))
			for j, r := range rows {
				trimmed[j] = append(r[:i:i], r[i+1:]...)
			}
			rows = trimmed
		}
	}
	ws := make([]int, len(cols))
	for i, c := range cols {
		ws[i] = width(c.head)
	}
	for _, r := range rows {
		for i, c := range r {
			ws[i] = max(ws[i], width(c))
		}
	}
	natural := slices.Clone(ws)
	if t.width > 0 {
		total := func() int {
			n := 2 * (len(ws) - 1)
			for _, w := range ws {
				n += w
			}
			return n
		}
		for give := 9; give >= 1 && total() > t.width; give-- {
			// Shorten the widest column of this give first, one column at
			// a time, so that the room is shared out.
			for total() > t.width {
				best := -1
				for i, c := range cols {
					if c.give == give && ws[i] > c.min && (best < 0 || ws[i] > ws[best]) {
						best = i
					}
				}
				if best < 0 {
					break
				}
				ws[best]--
			}
		}
	}
	// A column that may go entirely (min 0) goes when it would show less
	// than a word.
	for i, c := range cols {
		if c.min == 0 && c.give > 0 && ws[i] < min(8, natural[i]) {
			ws[i] = 0
		}
	}
	// A column given no room at all is left out, with its separator.
	keep := make([]bool, len(cols))
	for i := range cols {
		keep[i] = ws[i] > 0
	}
	write := func(cells []string) {
		var b strings.Builder
		last := len(cells) - 1
		for last > 0 && (cells[last] == "" || !keep[last]) {
			last--
		}
		for i := 0; i <= last; i++ {
			if !keep[i] {
				continue
			}
			c := cells[i]
			if width(c) > ws[i] {
				fit := cols[i].fit
				if fit == nil {
					fit = truncate
				}
				c = fit(c, ws[i])
			}
			b.WriteString(c)
			if i < last {
				b.WriteString(strings.Repeat(" ", ws[i]-width(c)+2))
			}
		}
		s := strings.TrimRight(b.String(), " ")
		if t.width > 0 && width(s) > t.width {
			s = truncate(s, t.width)
		}
		t.put(s)
	}
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = c.head
	}
	write(heads)
	for _, r := range rows {
		write(r)
	}
}

// pr makes a name printable in a cell ("" stays empty).
func pr(s string) string {
	if s == "" {
		return ""
	}
	return archive.Printable(s)
}
