package secrets

// keywordMatcher finds every occurrence of a set of ASCII keywords in a
// text, ASCII-case-insensitively, in one pass: an Aho-Corasick automaton
// made deterministic (every state has its move for every byte), over
// byte classes (the keywords' bytes, A-Z folded to a-z, and one class for
// every other byte), so that a step is two table reads. The generic
// Aho-Corasick tries follow failure links while walking and need the text
// lowercased first; this one needs neither.
type keywordMatcher struct {
	class [256]uint8
	ncls  int32
	// next is the move from a state on a class; states are numbered by
	// their first move's index (state*ncls), so that a step is
	// next[s+class].
	next []int32
	// out lists, at a state's index, the keywords that end there.
	out  map[int32][]int32
	hits []bool // at a state's index: out is not empty
	lens []int
}

func newKeywordMatcher(keywords []string) *keywordMatcher {
	m := &keywordMatcher{lens: make([]int, len(keywords))}
	// Byte classes: one per byte a keyword holds (lowercase), 0 for
	// every other.
	n := uint8(1)
	for _, k := range keywords {
		for i := 0; i < len(k); i++ {
			c := lowerByte(k[i])
			if m.class[c] == 0 {
				m.class[c] = n
				n++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+32]
	}
	m.ncls = int32(n)
	// The trie, as states with a move per class (-1: none yet).
	type state struct {
		move []int32
		fail int32
		out  []int32
	}
	newState := func() state {
		s := state{move: make([]int32, n)}
		for i := range s.move {
			s.move[i] = -1
		}
		return s
	}
	states := []state{newState()}
	for ki, k := range keywords {
		m.lens[ki] = len(k)
		s := int32(0)
		for i := 0; i < len(k); i++ {
			c := m.class[k[i]]
			if states[s].move[c] < 0 {
				states = append(states, newState())
				states[s].move[c] = int32(len(states) - 1)
			}
			s = states[s].move[c]
		}
		states[s].out = append(states[s].out, int32(ki))
	}
	// Failure links, breadth first, and the missing moves from them.
	var queue []int32
	for c := range states[0].move {
		if t := states[0].move[c]; t > 0 {
			states[t].fail = 0
			queue = append(queue, t)
		} else {
			states[0].move[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := states[s].fail
		states[s].out = append(states[s].out, states[f].out...)
		for c, t := range states[s].move {
			if t >= 0 {
				states[t].fail = states[f].move[c]
				queue = append(queue, t)
			} else {
				states[s].move[c] = states[f].move[c]
			}
		}
	}
	m.next = make([]int32, len(states)*int(n))
	m.hits = make([]bool, len(states)*int(n))
	m.out = map[int32][]int32{}
	for i, s := range states {
		base := int32(i) * m.ncls
		for c, t := range s.move {
			m.next[base+int32(c)] = t * m.ncls
		}
		if len(s.out) > 0 {
			m.out[base] = s.out
			m.hits[base] = true
		}
	}
	return m
}

// walk calls fn for every keyword occurrence in text, by its start and
// the keyword's number, in the order the occurrences end.
func (m *keywordMatcher) walk(text string, fn func(pos, kw int)) {
	next, class, hits := m.next, &m.class, m.hits
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = next[s+int32(class[text[i]])]
		if hits[s] {
			for _, k := range m.out[s] {
				fn(i-m.lens[k]+1, int(k))
			}
		}
	}
}
