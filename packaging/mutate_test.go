package packaging

// Helpers that damage valid artifacts the way mutation testing does: cut a
// file at an entry's boundary, flip a byte of a zip's local header or
// central directory, edit a member of a tar. The damage tests and
// FuzzMutate share them.

import (
	stdtar "archive/tar"
	"bytes"
	"encoding/binary"
	"io"
)

// zipRecord locates one entry of a zip written without a prefix or zip64:
// its local header and its central directory record.
type zipRecord struct {
	name  string
	local int // offset of the local header
	cd    int // offset of the directory record
}

// Offsets inside a local header and a directory record.
const (
	localNameLenAt = 26
	localNameAt    = 30
	cdCSizeAt      = 20
	cdUSizeAt      = 24
	cdAttrsAt      = 38 // external attributes, 4 bytes
	cdMadeByAt     = 4  // version made by (its high byte is the host OS), 2 bytes
	cdModTimeAt    = 12 // modified time and date, 4 bytes
	cdOffsetAt     = 42
	cdNameAt       = 46
)

// zipRecords reads the directory of a plain zip; nil if b is not one.
func zipRecords(b []byte) (recs []zipRecord, cdStart, eocd int) {
	le := binary.LittleEndian
	eocd = bytes.LastIndex(b, []byte("PK\x05\x06"))
	if eocd < 0 || eocd+22 > len(b) {
		return nil, 0, 0
	}
	n := int(le.Uint16(b[eocd+10:]))
	cdStart = int(le.Uint32(b[eocd+16:]))
	p := cdStart
	for range n {
		if p+cdNameAt > len(b) || le.Uint32(b[p:]) != 0x02014b50 {
			return nil, 0, 0
		}
		nl, el, cl := int(le.Uint16(b[p+28:])), int(le.Uint16(b[p+30:])), int(le.Uint16(b[p+32:]))
		if p+cdNameAt+nl > len(b) {
			return nil, 0, 0
		}
		recs = append(recs, zipRecord{name: string(b[p+cdNameAt : p+cdNameAt+nl]), local: int(le.Uint32(b[p+cdOffsetAt:])), cd: p})
		p += cdNameAt + nl + el + cl
	}
	return recs, cdStart, eocd
}

// tarBoundaries returns the offsets at which the members of a tar start
// (the first header of each, extended headers included), and where the
// last one ends.
func tarBoundaries(b []byte) []int {
	r := bytes.NewReader(b)
	tr := stdtar.NewReader(r)
	out := []int{0}
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		start := len(b) - r.Len()
		end := start + int(h.Size+511)/512*512
		if h.Typeflag != stdtar.TypeReg && h.Typeflag != stdtar.TypeRegA {
			end = start
		}
		if end > len(b) {
			break
		}
		out = append(out, end)
		io.Copy(io.Discard, tr)
	}
	return out
}

// tarMember is one member of a tar, to rewrite.
type tarMember struct {
	name string
	data []byte
}

// tarMembers reads the regular files of a (trusted, test-made) tar.
func tarMembers(b []byte) []tarMember {
	var out []tarMember
	tr := stdtar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			return out
		}
		if h.Typeflag != stdtar.TypeReg {
			continue
		}
		data, _ := io.ReadAll(tr)
		out = append(out, tarMember{h.Name, data})
	}
}

// rewriteTar writes members again, through edit: nil data drops a member.
func rewriteTar(b []byte, edit func(name string, data []byte) []byte) []byte {
	var entries []tf
	for _, m := range tarMembers(b) {
		if d := edit(m.name, m.data); d != nil {
			entries = append(entries, tf{name: m.name, data: d})
		}
	}
	return buildTar(entries...)
}

// flip returns a copy of b with byte i xor x.
func flip(b []byte, i int, x byte) []byte {
	c := bytes.Clone(b)
	c[i] ^= x
	return c
}

// put32 returns a copy of b with a little-endian uint32 at i.
func put32(b []byte, i int, v uint32) []byte {
	c := bytes.Clone(b)
	binary.LittleEndian.PutUint32(c[i:], v)
	return c
}
