package vuln

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/vuln/scan"
)

// Reachability levels, as govulncheck's binary analysis judges them.
const (
	// LevelSymbol: a vulnerable function is in the binary (the linker keeps
	// only code something calls).
	LevelSymbol = "symbol"
	// LevelPackage: a vulnerable package is linked, none of its vulnerable
	// functions is.
	LevelPackage = "package"
	// LevelModule: the module is required, no vulnerable package linked.
	LevelModule = "module"
	// LevelUnknown: the binary could not be analysed; the finding stands
	// at module level.
	LevelUnknown = "unknown"
)

// Reachability says whether an advisory's vulnerable code is in a Go binary.
type Reachability struct {
	Level string `json:"level"`
	// Symbols are the vulnerable symbols found in the binary (level
	// symbol), or, for a lower level, the ones the advisory names that were
	// looked for and are absent.
	Symbols []string `json:"symbols,omitempty"`
	// Binary is the runtime path of the binary analysed.
	Binary string `json:"binary"`
	Note   string `json:"note,omitempty"`
}

// Called reports whether the vulnerable code is in the binary.
func (r *Reachability) Called() bool { return r != nil && r.Level == LevelSymbol }

// levelRank orders levels: symbol above package above module.
func levelRank(l string) int {
	switch l {
	case LevelSymbol:
		return 3
	case LevelPackage:
		return 2
	case LevelModule:
		return 1
	}
	return 0
}

// GoBinary is a Go binary to analyse: its runtime path and a copy on disk
// (govulncheck reads a file).
type GoBinary struct {
	Path string // runtime path, e.g. /var/task/bootstrap
	File string // the copy on disk
}

// AnalyzeGoBinary runs govulncheck's binary analysis (golang.org/x/vuln/scan,
// in process, -mode=binary) on the file against the Go vulnerability
// database in goDB, with no network, and returns each advisory's deepest
// level and the symbols found.
func AnalyzeGoBinary(ctx context.Context, file, goDB string) (map[string]Reachability, error) {
	abs, err := filepath.Abs(goDB)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	var out, errb bytes.Buffer
	cmd := scan.Command(ctx, "-mode=binary", "-db="+u.String(), "-json", file)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"GOFLAGS=", "GOTOOLCHAIN=local"}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("govulncheck: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("govulncheck: %s", msg)
	}
	return parseGovulncheck(&out)
}

// parseGovulncheck reads govulncheck's -json stream: a "finding" whose
// first trace frame names a function is at symbol level, one naming only
// a package at package level, else module level.
func parseGovulncheck(r io.Reader) (map[string]Reachability, error) {
	type frame struct {
		Module   string `json:"module"`
		Package  string `json:"package"`
		Function string `json:"function"`
		Receiver string `json:"receiver"`
	}
	type msg struct {
		Finding *struct {
			OSV   string  `json:"osv"`
			Trace []frame `json:"trace"`
		} `json:"finding"`
	}
	out := map[string]Reachability{}
	dec := json.NewDecoder(r)
	for {
		var m msg
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("govulncheck output: %w", err)
		}
		if m.Finding == nil || len(m.Finding.Trace) == 0 {
			continue
		}
		f := m.Finding.Trace[0]
		rc := Reachability{Level: LevelModule}
		switch {
		case f.Function != "":
			rc.Level = LevelSymbol
			sym := f.Function
			if f.Receiver != "" {
				sym = strings.TrimPrefix(f.Receiver, "*") + "." + sym
			}
			rc.Symbols = []string{pkgBase(f.Package) + "." + sym}
		case f.Package != "":
			rc.Level = LevelPackage
		}
		prev, ok := out[m.Finding.OSV]
		switch {
		case !ok || levelRank(rc.Level) > levelRank(prev.Level):
			out[m.Finding.OSV] = rc
		case rc.Level == LevelSymbol && prev.Level == LevelSymbol:
			for _, s := range rc.Symbols {
				if !contains(prev.Symbols, s) {
					prev.Symbols = append(prev.Symbols, s)
				}
			}
			sort.Strings(prev.Symbols)
			out[m.Finding.OSV] = prev
		}
	}
	return out, nil
}

func pkgBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// vulnerableSymbols lists the symbols an advisory names for a module
// (ecosystem_specific.imports), as "pkg.Symbol".
func vulnerableSymbols(r *Record, module string) []string {
	var out []string
	for _, a := range r.Affected {
		if BaseEcosystem(a.Package.Ecosystem) != "Go" || a.Package.Name != module {
			continue
		}
		imports, _ := a.EcosystemSpecific["imports"].([]any)
		for _, im := range imports {
			m, _ := im.(map[string]any)
			path, _ := m["path"].(string)
			syms, _ := m["symbols"].([]any)
			for _, s := range syms {
				if name, ok := s.(string); ok {
					out = append(out, pkgBase(path)+"."+name)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// GoDBProvider is a source that can give govulncheck a database of its Go
// advisories.
type GoDBProvider interface {
	GoVulnDB() (dir string, release func(), err error)
}

// GoVulnDB returns the Go database written with the database.
func (s DBSource) GoVulnDB() (string, func(), error) {
	d := s.DB.GoDB()
	if d == "" {
		return "", nil, fmt.Errorf("the advisory database holds no Go advisories")
	}
	return d, func() {}, nil
}

// Reach analyses each Go binary with govulncheck and sets the reachability
// of the Go findings found in it, then sorts the findings again. A binary
// that cannot be analysed leaves its findings at module level, with a note.
func (res *Result) Reach(ctx context.Context, src Source, bins []GoBinary) error {
	hasGo := false
	for _, f := range res.Findings {
		hasGo = hasGo || BaseEcosystem(f.Ecosystem) == "Go"
	}
	if !hasGo {
		return nil
	}
	var goDB string
	var dbErr error
	if p, ok := src.(GoDBProvider); ok {
		dir, release, err := p.GoVulnDB()
		if err == nil {
			defer release()
		}
		goDB, dbErr = dir, err
	} else {
		dbErr = fmt.Errorf("%s gives no Go vulnerability database", src.About().Kind)
	}
	// Identical binaries share one file: analyse each file once.
	type analysis struct {
		per map[string]Reachability
		err error
	}
	done := map[string]analysis{}
	for _, bin := range bins {
		if !hasFindingIn(res.Findings, bin.Path) {
			continue
		}
		a, ok := done[bin.File]
		if !ok {
			a.err = dbErr
			if a.err == nil {
				a.per, a.err = analyzeSafely(ctx, bin.File, goDB, res.records)
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
			done[bin.File] = a
		}
		applyReachability(res.Findings, bin, a.per, res.records, a.err)
	}
	SortFindings(res.Findings)
	return nil
}

// analyzeHook, when set (by tests), runs before each binary's analysis: a
// panic there stands for one in govulncheck or the pclntab reader.
var analyzeHook func(file string)

// analyzeSafely analyses one binary; a panic (govulncheck, the pclntab
// reader, on a hostile binary) is an error of that binary: its findings
// stay at module level, with a note, and count for the gate.
func analyzeSafely(ctx context.Context, file, goDB string, records map[string]*Record) (per map[string]Reachability, err error) {
	defer func() {
		if r := recover(); r != nil {
			per, err = nil, fmt.Errorf("the analysis panicked (%v)", r)
		}
	}()
	if analyzeHook != nil {
		analyzeHook(file)
	}
	if per, err = AnalyzeGoBinary(ctx, file, goDB); err != nil {
		return nil, err
	}
	return per, judgeStripped(file, per, records)
}

// hasFindingIn reports whether a Go finding is of a package found in the
// binary at path.
func hasFindingIn(fs []Finding, path string) bool {
	for i := range fs {
		if BaseEcosystem(fs[i].Ecosystem) == "Go" && inBinary(&fs[i], path) {
			return true
		}
	}
	return false
}

// judgeStripped replaces govulncheck's verdicts on a stripped binary (every
// vulnerable symbol assumed present) with what the binary's function names
// say; see gofuncs.go.
func judgeStripped(file string, per map[string]Reachability, records map[string]*Record) error {
	names, stripped, goos, goarch, err := goBinaryFuncs(file)
	if !stripped {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stripped binary and its function names unreadable: %w", err)
	}
	for id, r := range per {
		rec := records[id]
		if rec == nil || r.Level == LevelModule {
			continue
		}
		j := judgeFromNames(rec, names, goos, goarch)
		j.Note = "stripped binary: judged from the function names in its pclntab"
		per[id] = j
	}
	return nil
}

// applyReachability sets, on the Go findings of the packages found in a
// binary, what the binary analysis says; the records give the symbols
// looked for. A finding in several binaries takes its deepest level.
func applyReachability(fs []Finding, bin GoBinary, per map[string]Reachability, records map[string]*Record, failed error) {
	for i := range fs {
		f := &fs[i]
		if BaseEcosystem(f.Ecosystem) != "Go" || !inBinary(f, bin.Path) {
			continue
		}
		var rc Reachability
		switch {
		case failed != nil:
			rc = Reachability{Level: LevelUnknown, Note: "the binary could not be analysed (" + failed.Error() + "); judged at module level"}
		default:
			rc = Reachability{Level: LevelModule}
			for _, id := range f.Records {
				if r, ok := per[id]; ok && levelRank(r.Level) > levelRank(rc.Level) {
					rc = r
				}
			}
			if rc.Level != LevelSymbol {
				for _, id := range f.Records {
					if rec := records[id]; rec != nil {
						rc.Symbols = append(rc.Symbols, vulnerableSymbols(rec, modulePath(f))...)
					}
				}
			}
		}
		rc.Binary = bin.Path
		if prev := f.Reachability; prev == nil || levelRank(rc.Level) > levelRank(prev.Level) {
			r := rc
			f.Reachability = &r
		}
	}
}

func modulePath(f *Finding) string {
	name, _, _ := strings.Cut(f.Name, " ")
	return name
}

func inBinary(f *Finding, path string) bool {
	for _, l := range f.Locations {
		if l.Path == path {
			return true
		}
	}
	return false
}
