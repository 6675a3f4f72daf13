package archive

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// CleanName turns an entry name as an archive stores it into a name of the
// view. It returns the name (fs.ValidPath holds for it, "" for the archive
// root itself), whether it is a directory (a trailing slash), whether it was
// rewritten (backslashes read as separators), and an error matching
// ErrInsecurePath or ErrBadEntryName for a name that is refused: absolute,
// with a drive letter, or with a ".." element, however written.
func CleanName(raw string) (name string, dir, rewritten bool, err error) {
	if raw == "" || strings.IndexByte(raw, 0) >= 0 {
		return "", false, false, ErrBadEntryName
	}
	name = raw
	if strings.IndexByte(name, '\\') >= 0 {
		// Zips made on Windows may use backslashes; unzip reads them as
		// separators, so a "..\\" is as dangerous as "../".
		name = strings.ReplaceAll(name, "\\", "/")
		rewritten = true
	}
	if strings.HasPrefix(name, "/") || hasDrive(name) {
		return "", false, rewritten, ErrInsecurePath
	}
	dir = strings.HasSuffix(name, "/")
	elems := strings.Split(name, "/")
	out := elems[:0]
	for _, e := range elems {
		switch e {
		case "", ".":
			continue
		case "..":
			return "", dir, rewritten, ErrInsecurePath
		}
		out = append(out, e)
	}
	return strings.Join(out, "/"), dir, rewritten, nil
}

func hasDrive(name string) bool {
	return len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z')
}

// DecodeCP437 decodes a zip entry name stored without the UTF-8 flag in the
// zip's original code page, IBM 437, as the zip specification says.
func DecodeCP437(raw string) string {
	s, err := charmap.CodePage437.NewDecoder().String(raw)
	if err != nil {
		return DecodeLatin1(raw)
	}
	return s
}

// DecodeLatin1 maps each byte of a name that is not UTF-8 to the code point of
// the same value: a one-to-one reading, so distinct names stay distinct.
func DecodeLatin1(raw string) string {
	if utf8.ValidString(raw) {
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		b.WriteRune(rune(raw[i]))
	}
	return b.String()
}

// Printable returns name fit for a one-line message: control characters and
// invalid bytes escaped, so that no entry name can forge output lines.
func Printable(name string) string {
	if name == "" {
		return `""`
	}
	if utf8.ValidString(name) && !strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return name
	}
	q := strconv.Quote(name)
	return q[1 : len(q)-1]
}
