package java

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// maxManifest bounds how much of a MANIFEST.MF is read: the headers that
// name a jar come first, and the rest (per-entry sections, package lists)
// may be large in a big jar.
const maxManifest = 1 << 20

// manifest is a jar's META-INF/MANIFEST.MF: its main section and its
// per-entry sections, each a map of attribute name (lower-cased: the JAR
// specification compares names without regard to case) to value.
type manifest struct {
	main     map[string]string
	sections []map[string]string
}

// get returns an attribute of the main section, else of the first
// per-entry section that has it (some builds put Implementation-Version
// in a "Name: org/acme/" section), trimmed; "" when none has it.
func (m manifest) get(name string) string {
	name = strings.ToLower(name)
	if v := m.main[name]; v != "" {
		return v
	}
	for _, s := range m.sections {
		if v := s[name]; v != "" {
			return v
		}
	}
	return ""
}

// parseManifest reads a manifest: "Name: value" lines, a line that starts
// with one space continuing the one before (lines are wrapped at 72 bytes),
// sections separated by blank lines, CRLF, LF or CR line ends. Where the
// JDK refuses a malformed manifest, this reads what it can: a line without
// a colon is skipped, and a name given twice in a section keeps its first
// value. Only the first maxManifest bytes are read.
func parseManifest(r io.Reader) (manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxManifest))
	if err != nil {
		return manifest{}, err
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	m := manifest{main: map[string]string{}}
	cur := m.main
	var name, value string
	flush := func() {
		if name != "" {
			if _, dup := cur[name]; !dup {
				cur[name] = strings.TrimSpace(value)
			}
		}
		name, value = "", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxManifest)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
			if len(cur) > 0 {
				cur = map[string]string{}
				m.sections = append(m.sections, cur)
			}
		case line[0] == ' ':
			if name != "" {
				value += line[1:]
			}
		default:
			flush()
			k, v, ok := strings.Cut(line, ":")
			if ok {
				name, value = strings.ToLower(strings.TrimSpace(k)), v
			}
		}
	}
	flush()
	if n := len(m.sections); n > 0 && len(m.sections[n-1]) == 0 {
		m.sections = m.sections[:n-1]
	}
	return m, sc.Err()
}
