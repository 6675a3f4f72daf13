package vuln

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// A stripped Go binary (-ldflags=-s, the usual Lambda build) has no symbol
// table, and govulncheck then assumes every vulnerable symbol of a linked
// module is present (golang/go#57764): every finding reads as called. The
// pclntab survives stripping (the runtime needs it for tracebacks), and its
// function name table holds the name of every function compiled into the
// binary and of every function inlined into one (inline trees name their
// callees there since Go 1.16). That is what symbol-level analysis needs,
// so for stripped binaries shipcheck judges reachability from it.

// funcNames is the set of function names in a binary's pclntab, with
// generic type arguments removed ("pkg.F[...]" is "pkg.F").
type funcNames map[string]bool

// goBinaryFuncs reads a Go binary's function names. stripped reports
// whether its symbol table is gone; goos and goarch are what it was built
// for (from its build information).
func goBinaryFuncs(path string) (names funcNames, stripped bool, goos, goarch string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, "", "", err
	}
	defer f.Close()
	if bi, err := buildinfo.Read(f); err == nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "GOOS":
				goos = s.Value
			case "GOARCH":
				goarch = s.Value
			}
		}
	}
	var sections []io.ReaderAt
	var named io.ReaderAt
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil {
		return nil, false, goos, goarch, fmt.Errorf("not an executable: %w", err)
	}
	switch {
	case bytes.Equal(magic[:], []byte(elf.ELFMAG)):
		ef, err := elf.NewFile(f)
		if err != nil {
			return nil, false, goos, goarch, err
		}
		stripped = ef.Section(".symtab") == nil
		if s := ef.Section(".gopclntab"); s != nil {
			named = s
		}
		for _, s := range ef.Sections {
			if s.Type != elf.SHT_NOBITS && s.Flags&elf.SHF_ALLOC != 0 {
				sections = append(sections, s)
			}
		}
	case magic[0] == 'M' && magic[1] == 'Z':
		pf, err := pe.NewFile(f)
		if err != nil {
			return nil, false, goos, goarch, err
		}
		stripped = len(pf.Symbols) == 0
		for _, s := range pf.Sections {
			sections = append(sections, s)
		}
	default:
		mf, err := macho.NewFile(f)
		if err != nil {
			return nil, false, goos, goarch, errors.New("not an ELF, PE or Mach-O executable")
		}
		stripped = mf.Symtab == nil || len(mf.Symtab.Syms) == 0
		if s := mf.Section("__gopclntab"); s != nil {
			named = s
		}
		for _, s := range mf.Sections {
			sections = append(sections, s)
		}
	}
	if named != nil {
		if names, err = readFuncNames(named); err == nil {
			return names, stripped, goos, goarch, nil
		}
	}
	// No named section (PE, PIE builds): look for the pclntab's header.
	for _, s := range sections {
		if names, err = readFuncNames(s); err == nil {
			return names, stripped, goos, goarch, nil
		}
	}
	return nil, stripped, goos, goarch, errors.New("no Go 1.16+ pclntab found")
}

// sectionData reads a section whole.
func sectionData(s io.ReaderAt) ([]byte, error) {
	type opener interface{ Data() ([]byte, error) }
	if o, ok := s.(opener); ok {
		return o.Data()
	}
	return nil, errors.New("unreadable section")
}

// pclntab magic numbers, Go 1.16, 1.18 and 1.20 onwards.
var pclnMagics = []uint32{0xfffffffa, 0xfffffff0, 0xfffffff1}

// readFuncNames finds a pclntab in the section and reads its function name
// table.
func readFuncNames(s io.ReaderAt) (funcNames, error) {
	data, err := sectionData(s)
	if err != nil {
		return nil, err
	}
	for _, m := range pclnMagics {
		for _, o := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			pat := o.AppendUint32(nil, m)
			pat = append(pat, 0, 0)
			for off := 0; ; {
				i := bytes.Index(data[off:], pat)
				if i < 0 {
					break
				}
				if names, ok := parsePclntab(data[off+i:]); ok {
					return names, nil
				}
				off += i + 1
			}
		}
	}
	return nil, errors.New("no pclntab")
}

// parsePclntab reads the function name table of a pclntab starting at
// data[0], or reports that data does not start with one.
func parsePclntab(data []byte) (funcNames, bool) {
	if len(data) < 16 || data[4] != 0 || data[5] != 0 || (data[6] != 1 && data[6] != 2 && data[6] != 4) || (data[7] != 4 && data[7] != 8) {
		return nil, false
	}
	var order binary.ByteOrder
	var magic uint32
	for _, o := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		m := o.Uint32(data)
		for _, want := range pclnMagics {
			if m == want {
				order, magic = o, m
			}
		}
	}
	if order == nil {
		return nil, false
	}
	ptr := int(data[7])
	word := func(i int) (uint64, bool) {
		at := 8 + i*ptr
		if at+ptr > len(data) {
			return 0, false
		}
		if ptr == 4 {
			return uint64(order.Uint32(data[at:])), true
		}
		return order.Uint64(data[at:]), true
	}
	// Header words after magic: nfunc, nfiles, [textStart (1.18+)],
	// funcnameOffset, cuOffset, ...
	first := 2
	if magic != 0xfffffffa {
		first = 3
	}
	nfunc, ok1 := word(0)
	from, ok2 := word(first)
	to, ok3 := word(first + 1)
	if !ok1 || !ok2 || !ok3 || nfunc == 0 || from >= to || to > uint64(len(data)) || from < uint64(8+(first+2)*ptr) {
		return nil, false
	}
	tab := data[from:to]
	if tab[len(tab)-1] != 0 {
		return nil, false
	}
	names := funcNames{}
	for _, n := range bytes.Split(tab[:len(tab)-1], []byte{0}) {
		if len(n) > 0 {
			names[stripTypeArgs(string(n))] = true
		}
	}
	// Every function has a name: a table with fewer names than functions
	// (after the generic and duplicate ones fold) is not a name table.
	if len(names) == 0 || !strings.Contains(string(tab), "runtime.") {
		return nil, false
	}
	return names, true
}

// stripTypeArgs removes the bracketed type arguments of generic functions
// and methods: "p.(*T[...]).M" is "p.(*T).M", "p.F[go.shape.int]" is "p.F".
func stripTypeArgs(s string) string {
	if !strings.Contains(s, "[") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '[':
			depth++
		case r == ']' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// symbolName is how the linker names a package path's symbol: dots in the
// last path element are escaped ("gopkg.in/yaml%2ev2.Unmarshal").
func symbolPrefix(path string) string {
	i := strings.LastIndexByte(path, '/')
	return path[:i+1] + strings.ReplaceAll(path[i+1:], ".", "%2e") + "."
}

// has reports whether the symbol an advisory names ("F", "T.M") of the
// package at path is in the binary.
func (n funcNames) has(path, sym string) bool {
	for _, p := range []string{symbolPrefix(path), path + "."} {
		if typ, method, ok := strings.Cut(sym, "."); ok {
			if n[p+typ+"."+method] || n[p+"(*"+typ+")."+method] {
				return true
			}
		} else if n[p+sym] {
			return true
		}
	}
	return false
}

// linked reports whether any function of the package at path is in the
// binary.
func (n funcNames) linked(path string) bool {
	prefixes := []string{symbolPrefix(path), path + "."}
	for name := range n {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) && !strings.Contains(name[len(p):], "/") {
				return true
			}
		}
	}
	return false
}

// judgeFromNames says how deep an advisory reaches into a binary from its
// function names: the deepest level over the advisory's Go packages
// (ecosystem_specific.imports) that apply to goos and goarch. A package
// listed without symbols is vulnerable as a whole: any function of it in
// the binary reaches it.
func judgeFromNames(r *Record, names funcNames, goos, goarch string) Reachability {
	best := Reachability{Level: LevelModule}
	var found []string
	for _, a := range r.Affected {
		if BaseEcosystem(a.Package.Ecosystem) != "Go" {
			continue
		}
		imports, _ := a.EcosystemSpecific["imports"].([]any)
		for _, im := range imports {
			m, _ := im.(map[string]any)
			path, _ := m["path"].(string)
			if path == "" || !listed(m["goos"], goos) || !listed(m["goarch"], goarch) || !names.linked(path) {
				continue
			}
			if best.Level == LevelModule {
				best.Level = LevelPackage
			}
			syms, _ := m["symbols"].([]any)
			if len(syms) == 0 {
				best.Level = LevelSymbol
				found = append(found, pkgBase(path))
			}
			for _, s := range syms {
				if name, _ := s.(string); names.has(path, name) {
					best.Level = LevelSymbol
					found = append(found, pkgBase(path)+"."+name)
				}
			}
		}
	}
	if best.Level == LevelSymbol {
		sort.Strings(found)
		best.Symbols = found
	}
	return best
}

// listed reports whether v (an OSV goos or goarch list) is absent or names
// want; an unknown want matches.
func listed(v any, want string) bool {
	l, ok := v.([]any)
	if !ok || len(l) == 0 || want == "" {
		return true
	}
	for _, x := range l {
		if s, _ := x.(string); s == want {
			return true
		}
	}
	return false
}
