// Package shipcheck is the pipeline: it opens an artifact into the artifact
// view (package packaging), walks it once handing every file to the
// analysers that want it (the inventory's extractors, package sbom), and
// assembles a sorted report. The command line (cmd/shipcheck) maps flags
// into Options and calls one function here.
package shipcheck

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/permissions"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/sbom/golang"
	"github.com/shipcheck/shipcheck/sbom/spdx"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// Options tune a run.
type Options struct {
	packaging.Options
	// Extractors find the packages; nil means Extractors().
	Extractors []sbom.Extractor
	// Progress, when set, is kept up to date (files and bytes read, stage).
	Progress *Progress
	// Memory bounds the bytes of file content the walk holds in memory at
	// once, whatever the number of workers (packaging.WalkOptions.Memory):
	// 0 means packaging.DefaultMemory, a negative Memory no bound. A
	// file larger than the budget is still read and scanned.
	Memory int64
}

// inventory takes the inventory; with goDir set, it also copies every Go
// binary it finds there (from the one copy the walk made), for
// govulncheck, which reads files.
func inventory(ctx context.Context, path string, opt Options, goDir string) (*sbom.Inventory, []vuln.GoBinary, error) {
	c, err := collect(ctx, path, opt, collectOptions{goDir: goDir})
	if err != nil {
		return nil, nil, err
	}
	return c.inv, c.bins, nil
}

// collectOptions say what one walk gathers besides the inventory.
type collectOptions struct {
	goDir   string           // copy Go binaries here, for govulncheck
	secrets *secrets.Scanner // scan every file for secrets
	// thirdParty and internal are the secret scan's policy for the files
	// of installed third-party packages (see secrets.Parties).
	thirdParty secrets.Policy
	internal   []string
	// templates, when set, reads the deployment templates for
	// permissions.
	templates *templateReader
}

// Progress is what a run has done so far, for a display: updated by the
// run, read by anyone at any time.
type Progress struct {
	Files atomic.Int64 // files handed to the analysers
	Bytes atomic.Int64 // their size
	// Walk counts every file the walk hands out (archives and links
	// too) against the total known so far: 0 until the artifact is
	// opened, then its files, growing as nested archives are opened.
	Walk  packaging.WalkProgress
	stage atomic.Value // string
}

// Line is the run's status line, for a display: once the walk knows how
// many files it hands out (an archive's entries, growing as nested
// archives are opened), how many of them were done, "fn.zip: reading,
// 1,234/12,329 files (10%), 5 MiB read"; before (while the artifact is
// opened), a count.
func (p *Progress) Line(name string) string {
	line := archive.Printable(name) + ": "
	if s := p.Stage(); s != "" {
		line += s + ", "
	}
	if done, total := p.Walk.Done.Load(), p.Walk.Total.Load(); total > 0 {
		line += fmt.Sprintf("%s/%s files (%d%%)", archive.FormatCount(done), archive.FormatCount(total), archive.Percent(done, total))
	} else {
		line += fmt.Sprintf("%d files", p.Files.Load())
	}
	return line + ", " + archive.FormatSize(p.Bytes.Load()) + " read"
}

// Stage says what the run is doing.
func (p *Progress) Stage() string {
	if p == nil {
		return ""
	}
	s, _ := p.stage.Load().(string)
	return s
}

func (p *Progress) setStage(s string) {
	if p != nil {
		p.stage.Store(s)
	}
}

// walk is what the walk keeps up to date, nil without a Progress.
func (p *Progress) walk() *packaging.WalkProgress {
	if p == nil {
		return nil
	}
	return &p.Walk
}

func (p *Progress) file(size int64) {
	if p != nil {
		p.Files.Add(1)
		p.Bytes.Add(size)
	}
}

// collected is what one walk gathered.
type collected struct {
	inv     *sbom.Inventory
	bins    []vuln.GoBinary
	secrets []secrets.Finding
	reads   packaging.ReadStats
}

// maxSecretScan is the largest file scanned for secrets whole, in
// memory; a larger one is scanned in overlapping chunks. Either way the
// walk counts the file's size against its memory budget (Options.Memory)
// while it is scanned.
const maxSecretScan = 64 << 20

// collect opens the artifact and walks it once: each file goes to the
// extractors that want it and, with a scanner, to the secret scan (which
// also reads the files that ship but do not run: a secret in a file a later
// image layer deletes is still in the image).
func collect(ctx context.Context, path string, opt Options, co collectOptions) (*collected, error) {
	v, err := packaging.Open(ctx, path, opt.Options)
	if err != nil {
		return nil, err
	}
	defer v.Close()
	exs := opt.Extractors
	if exs == nil {
		exs = Extractors()
	}
	var (
		mu     sync.Mutex
		found  []*sbom.Package
		copies binaryCopies
		owners secrets.Owners
		out    collected
	)
	parties := &secrets.Parties{Policy: co.thirdParty, Internal: co.internal, FS: v, Owners: &owners}
	walkOpt := packaging.WalkOptions{Progress: opt.Progress.walk(), Memory: opt.Memory}
	if co.secrets != nil {
		// The manifests that say whose the other files are go first.
		walkOpt.Early = secrets.Early
	}
	err = v.Walk(ctx, walkOpt, func(ctx context.Context, f *packaging.File) error {
		if f.Type == archive.TypeSymlink && co.secrets != nil && f.Link != "" {
			// A link's target is text the artifact chose: a provider's
			// credential there is found (and, as everywhere, redacted).
			if fs := scanLink(ctx, co.secrets, f); len(fs) > 0 {
				mu.Lock()
				out.secrets = append(out.secrets, fs...)
				mu.Unlock()
			}
		}
		if f.Type != archive.TypeFile {
			return nil
		}
		if !f.Archive {
			opt.Progress.file(f.Size)
		}
		// Every analyser that wants the whole file reads one copy: when
		// more than one does, it is made before the first reads.
		var wants []sbom.Extractor
		if f.Status == packaging.Visible {
			for _, ex := range exs {
				if match(ex, f) {
					wants = append(wants, ex)
				}
			}
		}
		scan := co.secrets != nil && !f.Archive
		tpl := co.templates != nil && wantsTemplate(f)
		n := len(wants) + btoi(scan) + btoi(tpl)
		for _, ex := range wants {
			if _, isGo := ex.(golang.Extractor); isGo && co.goDir != "" {
				n++ // the copy for govulncheck
			}
		}
		if n > 1 && f.Readable() {
			f.ReaderAt() // a failure is recorded by the view
		}
		if scan {
			fs := scanSecrets(ctx, co.secrets, &owners, parties, f)
			mu.Lock()
			out.secrets = append(out.secrets, fs...)
			mu.Unlock()
		}
		if tpl {
			co.templates.read(f)
		}
		// The inventory is of what runs: files a later layer replaced or
		// deleted ship, but are not loaded (wants is empty for them).
		for _, ex := range wants {
			pkgs, err := extract(ctx, ex, f)
			if err != nil {
				f.Report(fmt.Errorf("%s: %w", ex.Name(), asNote(err)))
			}
			if len(pkgs) == 0 {
				continue
			}
			declared := false
			if d, ok := ex.(sbom.Declarer); ok {
				declared = d.Declares()
			}
			for _, p := range pkgs {
				stamp(p, f, declared)
			}
			var bin *vuln.GoBinary
			if _, isGo := ex.(golang.Extractor); isGo && co.goDir != "" {
				if b, err := copies.copy(f, co.goDir); err != nil {
					f.Report(fmt.Errorf("%w: copy for govulncheck: %v", archive.ErrUnparsable, err))
				} else {
					bin = &b
				}
			}
			mu.Lock()
			found = append(found, pkgs...)
			if bin != nil {
				out.bins = append(out.bins, *bin)
			}
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	inv := &sbom.Inventory{Sources: v.Sources, Packages: sbom.Assemble(found)}
	for _, s := range v.Sources {
		af, err := hashFile(s)
		if err != nil {
			return nil, err
		}
		inv.Files = append(inv.Files, af)
	}
	if co.secrets != nil {
		for _, s := range v.Sources {
			if s.Image != nil {
				out.secrets = append(out.secrets, imageEnvSecrets(s)...)
			}
		}
		owners.Build(inv.Packages)
		for i := range out.secrets {
			out.secrets[i].ThirdParty = owners.Owner(out.secrets[i].Path)
		}
		out.secrets = parties.Judge(out.secrets)
		secrets.Sort(out.secrets)
	}
	inv.Problems, inv.Partial = v.Problems(), v.Partial()
	out.reads = v.ReadStats()
	sort.Slice(out.bins, func(i, j int) bool { return out.bins[i].Path < out.bins[j].Path })
	out.inv = inv
	return &out, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scanSecrets reads one file and scans it; what cannot be read or parsed
// is a problem of the file.
// scanHook, when set (by tests), runs as each file's secret scan starts:
// a panic there stands for one in the scanner.
var scanHook func(path string)

// scanSecrets scans one file. A panic in the scanner is a problem of the
// file (content left unscanned: exit 2 unless --allow-partial), never the
// end of the scan.
func scanSecrets(ctx context.Context, sc *secrets.Scanner, owners *secrets.Owners, parties *secrets.Parties, f *packaging.File) (out []secrets.Finding) {
	defer func() {
		if r := recover(); r != nil {
			out = nil
			f.Report(fmt.Errorf("%w: the secret scan panicked (%v); this file's content was not scanned", archive.ErrUnreadable, r))
		}
	}()
	if scanHook != nil {
		scanHook(f.Path)
	}
	if !f.Readable() {
		return nil
	}
	depth, early := secrets.AllRules, f.Depth == 0 && secrets.Early(f.Path)
	if !early {
		var skip bool
		fsys, _ := f.FS()
		if depth, skip = parties.ScanDepth(f.Path, fsys); skip {
			return nil
		}
	}
	ra, err := f.ReaderAt()
	if err != nil {
		return nil // the view records the failure
	}
	if f.Size > maxSecretScan {
		fs, err := sc.ScanReader(ctx, f.Path, ra, f.Size, depth)
		if err != nil {
			f.Report(fmt.Errorf("%w: secret scan: %v", archive.ErrUnreadable, err))
		}
		return originOf(fs, f)
	}
	content, err := whole(ra, f.Size)
	if err != nil {
		return nil
	}
	if secrets.WantsNote(f.Path) {
		owners.Note(f.Path, content)
	}
	if early {
		parties.NoteManifest(f.Path, content)
	}
	fs, err := sc.Scan(ctx, f.Path, content, depth)
	if err != nil {
		f.Report(fmt.Errorf("%w: environment config: %v", archive.ErrUnparsable, err))
	}
	return originOf(fs, f)
}

// whole returns the size bytes of ra: the copy in memory itself when ra is
// one (a compressed entry made random-access), so that the file is held
// once, as the walk's memory budget counts it; else a new buffer. The
// bytes are only read.
func whole(ra io.ReaderAt, size int64) ([]byte, error) {
	if b, ok := ra.(*archive.Blob); ok && b.Bytes() != nil && b.Size() == size {
		return b.Bytes(), nil
	}
	content := make([]byte, size)
	if _, err := ra.ReadAt(content, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return content, nil
}

// scanLink scans a symlink's target with the provider rules; a panic is a
// problem of the link, as in scanSecrets.
func scanLink(ctx context.Context, sc *secrets.Scanner, f *packaging.File) (out []secrets.Finding) {
	defer func() {
		if r := recover(); r != nil {
			out = nil
			f.Report(fmt.Errorf("%w: the secret scan panicked (%v) on the link's target", archive.ErrUnreadable, r))
		}
	}()
	fs, _ := sc.Scan(ctx, f.Path, []byte(f.Link), secrets.ProviderRules)
	return originOf(fs, f)
}

// originOf sets the findings' origin and status from their file's.
func originOf(fs []secrets.Finding, f *packaging.File) []secrets.Finding {
	for i := range fs {
		fs[i].Origin = f.Origin
		if f.Status != packaging.Visible {
			fs[i].Status = f.Status.String()
		}
	}
	return fs
}

// imageEnvSecrets judges the environment a container image's configuration
// sets for the function.
func imageEnvSecrets(s packaging.Source) []secrets.Finding {
	fs := secrets.EnvVars(s.Name+"!config", s.Image.Env)
	for i := range fs {
		fs[i].Origin = packaging.Origin{Artifact: s.Name, Chain: []string{"config"}}
	}
	return fs
}

// binaryCopies writes Go binaries to a folder for govulncheck, which
// reads files, from the copy the walk holds; identical binaries (a function
// copied into many services of an image) share one copy, so that each is
// analysed once.
type binaryCopies struct {
	mu     sync.Mutex
	byHash map[[sha256.Size]byte]string
}

func (c *binaryCopies) copy(f *packaging.File, dir string) (vuln.GoBinary, error) {
	ra, err := f.ReaderAt()
	if err != nil {
		return vuln.GoBinary{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(ra, 0, f.Size)); err != nil {
		return vuln.GoBinary{}, err
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	c.mu.Lock()
	defer c.mu.Unlock()
	if file, ok := c.byHash[sum]; ok {
		return vuln.GoBinary{Path: f.Path, File: file}, nil
	}
	out, err := os.CreateTemp(dir, "gobin-")
	if err != nil {
		return vuln.GoBinary{}, err
	}
	defer out.Close()
	if _, err := io.Copy(out, io.NewSectionReader(ra, 0, f.Size)); err != nil {
		return vuln.GoBinary{}, err
	}
	if c.byHash == nil {
		c.byHash = map[[sha256.Size]byte]string{}
	}
	c.byHash[sum] = out.Name()
	return vuln.GoBinary{Path: f.Path, File: out.Name()}, nil
}

// stamp gives a package found in f the file's location where the extractor
// gave none.
func stamp(p *sbom.Package, f *packaging.File, declared bool) {
	if len(p.Locations) == 0 {
		p.Locations = []sbom.Location{{}}
	}
	for i := range p.Locations {
		l := &p.Locations[i]
		if l.Path == "" {
			l.Path, l.Origin = f.Path, f.Origin
		}
		l.Declared = l.Declared || declared
	}
}

func match(ex sbom.Extractor, f *packaging.File) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			f.Report(fmt.Errorf("%w: %s panicked on the file: %v", archive.ErrUnparsable, ex.Name(), r))
			ok = false
		}
	}()
	return ex.Match(f)
}

func extract(ctx context.Context, ex sbom.Extractor, f *packaging.File) (pkgs []*sbom.Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			pkgs, err = nil, fmt.Errorf("%w: panicked: %v", archive.ErrUnparsable, r)
		}
	}()
	return ex.Extract(ctx, f)
}

// asNote makes an extractor's failure a note (the file was read, but its
// content did not parse), unless it already says content was left unread.
func asNote(err error) error {
	if errors.Is(err, archive.ErrUnparsable) || archive.IsPartial(err) && isReadError(err) {
		return err
	}
	return fmt.Errorf("%w: %v", archive.ErrUnparsable, err)
}

func isReadError(err error) bool {
	for _, s := range []error{archive.ErrUnreadable, archive.ErrCorrupt, archive.ErrEncrypted, archive.ErrLimit} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func hashFile(s packaging.Source) (sbom.ArtifactFile, error) {
	af := sbom.ArtifactFile{Name: s.Name, Path: s.Path}
	fi, err := os.Stat(s.Path)
	if err != nil {
		return af, err
	}
	if fi.IsDir() {
		af.Dir = true
		return af, nil
	}
	f, err := os.Open(s.Path)
	if err != nil {
		return af, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return af, fmt.Errorf("hash %s: %w", s.Path, err)
	}
	af.Size, af.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return af, nil
}

// openAdvisories returns given when set (one source shared by several
// runs), else opens the source opt describes.
func openAdvisories(ctx context.Context, given vuln.Source, opt vuln.SourceOptions) (vuln.Source, func(), error) {
	if given != nil {
		return given, func() {}, nil
	}
	return vuln.OpenSource(ctx, opt)
}

// matchAdvisories matches the inventory's packages against the advisories
// and analyses the Go binaries copied out for govulncheck.
func matchAdvisories(ctx context.Context, inv *sbom.Inventory, bins []vuln.GoBinary, src vuln.Source, p *Progress) (*vuln.Result, error) {
	p.setStage("matching advisories")
	res, err := vuln.Match(ctx, inv.Packages, src)
	if err != nil {
		return nil, err
	}
	if len(bins) > 0 {
		p.setStage("analysing Go binaries")
		if err := res.Reach(ctx, src, bins); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// goBinDir makes the folder Go binaries are copied to for govulncheck (none
// when on is false) and returns the function that removes it.
func goBinDir(opt Options, on bool) (string, func(), error) {
	if !on {
		return "", func() {}, nil
	}
	d, err := os.MkdirTemp(opt.TempDir, "shipcheck-gobin-")
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}

// readSBOM reads the SBOM file at path (see ReadSBOM).
func readSBOM(path string) (*sbom.Inventory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSBOM+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	inv, err := ReadSBOM(b)
	if err != nil && !errors.Is(err, ErrNotSBOM) && !errors.Is(err, ErrEmptySBOM) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return inv, err
}

// maxSBOM bounds the SBOMs read, as the decoders do.
const maxSBOM = 512 << 20

// ErrNotSBOM: the bytes are neither CycloneDX (JSON, XML) nor SPDX JSON.
// ErrEmptySBOM: the SBOM lists no component a purl names.
var (
	ErrNotSBOM   = errors.New("not an SBOM this reads (CycloneDX JSON or XML, SPDX 2.3 JSON)")
	ErrEmptySBOM = errors.New("the SBOM lists no component with a package URL (purl): nothing to match")
)

// ReadSBOM reads an SBOM (CycloneDX JSON or XML, SPDX 2.3 JSON; ours,
// syft's, Trivy's) into an inventory, as vuln --sbom does. A document
// that is neither is ErrNotSBOM; an SBOM with no component a purl names,
// ErrEmptySBOM: matching nothing would pass silently.
func ReadSBOM(b []byte) (*sbom.Inventory, error) {
	if len(b) > maxSBOM {
		return nil, fmt.Errorf("an SBOM larger than %d bytes", maxSBOM)
	}
	var inv *sbom.Inventory
	var err error
	switch SBOMFormat(b) {
	case "spdx-json":
		inv, err = spdx.Decode(bytes.NewReader(b))
	case "cyclonedx-json", "cyclonedx-xml":
		inv, err = cyclonedx.Decode(bytes.NewReader(b))
	default:
		return nil, ErrNotSBOM
	}
	if err != nil {
		return nil, err
	}
	if len(inv.Packages) == 0 {
		return nil, ErrEmptySBOM
	}
	return inv, nil
}

// nowOr is t, or the current time when t is zero.
func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// newSecretScanner returns a scanner, with the cache in dir when dir is
// set; close writes the cache's new results. A cache that cannot be
// opened is left out: the scan runs without it.
func newSecretScanner(dir string) (sc *secrets.Scanner, close func(), err error) {
	sc, err = secrets.NewScanner()
	if err != nil {
		return nil, nil, err
	}
	if dir == "" {
		return sc, func() {}, nil
	}
	c, err := secrets.OpenDiskCache(dir, 0)
	if err != nil {
		return sc, func() {}, nil
	}
	sc.UseCache(c)
	return sc, func() { c.Close() }, nil
}

// judgeSecrets leaves out the findings of the baseline and applies the
// ignore rules.
func judgeSecrets(fs []secrets.Finding, baseline map[string]bool, ignores []secrets.Ignore, allows []secrets.Allow, now time.Time) (kept []secrets.Finding, baselined int, expired []secrets.Ignore) {
	for _, f := range fs {
		if baseline[f.Fingerprint] {
			baselined++
			continue
		}
		kept = append(kept, f)
	}
	expired = secrets.Apply(kept, ignores, nowOr(now))
	secrets.AllowIn(kept, allows)
	return kept, baselined, expired
}

// IsSBOM reports whether the file at path is an SBOM (CycloneDX JSON or
// XML, SPDX JSON), by its first bytes.
func IsSBOM(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	return SBOMFormat(head[:n]) != ""
}

// SBOMFormat names an SBOM's format by its first bytes (4 KiB are
// enough): "cyclonedx-json", "cyclonedx-xml" or "spdx-json" (the names of
// the output formats that write them); "" for anything else.
func SBOMFormat(b []byte) string {
	if len(b) > 4096 {
		b = b[:4096]
	}
	h := strings.TrimSpace(string(b))
	switch {
	case strings.HasPrefix(h, "{") && strings.Contains(h, `"bomFormat"`):
		return "cyclonedx-json"
	case strings.HasPrefix(h, "{") && strings.Contains(h, `"spdxVersion"`):
		return "spdx-json"
	case strings.HasPrefix(h, "<") && strings.Contains(h, "cyclonedx.org/schema/bom"):
		return "cyclonedx-xml"
	}
	return ""
}

// Target is one deployment to scan: an artifact with the Lambda layers it
// runs with, or an archived SBOM.
type Target struct {
	// Name names the deployment in the report; "" means the artifact's
	// base name (made unique among the targets).
	Name     string
	Artifact string
	Layers   []string
	// SBOM: Artifact is a CycloneDX SBOM, matched against the advisories
	// (no file contents: no secrets, no Go binary analysis).
	SBOM bool
	// Inventory, when set, is the SBOM already read (an archived one):
	// matched as SBOM is, and Artifact only names it.
	Inventory *sbom.Inventory
	// Templates are deployment templates beside the artifact (--template),
	// read for permissions with those found in it. With no Artifact, the
	// deployment is the templates alone (the permissions view).
	Templates []string
}

// ScanOptions tune Run.
type ScanOptions struct {
	Options
	// Kind is the view, and says which analyses run: KindSBOM only the
	// inventory; KindVuln adds the advisories; KindSecrets the secret scan
	// instead; KindScan both (unless NoSecrets).
	Kind report.Kind
	// Advisories, when set, is an advisory source already open; else
	// Source says which to open. Opened before any artifact is read, so
	// that a missing database fails first.
	Advisories vuln.Source
	Source     vuln.SourceOptions
	// Ignores and VEX are the decisions taken about advisories.
	Ignores []vuln.Ignore
	VEX     []vuln.VEXStatement
	// SecretIgnores are fingerprints decided about; SecretAllows places
	// where secrets are expected; Baseline the fingerprints of an earlier
	// report, left out.
	SecretIgnores []secrets.Ignore
	SecretAllows  []secrets.Allow
	Baseline      map[string]bool
	// NoGoReachability keeps Go findings at module level.
	NoGoReachability bool
	// NoSecrets skips the secret scan of KindScan.
	NoSecrets bool
	// AllowEmpty accepts an artifact with no files (else an error: an
	// empty build would pass every gate).
	AllowEmpty bool
	// ThirdParty says what the files of installed third-party packages are
	// scanned for ("": provider formats only); Internal names packages that
	// are the organisation's own (secrets.internal).
	ThirdParty secrets.Policy
	Internal   []string
	// CacheDir, when set, keeps the secret scan's results there across
	// runs (see secrets.DiskCache).
	CacheDir string
	// PermissionIgnores are the permission findings decided about.
	PermissionIgnores []permissions.Ignore
	// Gate decides the verdict.
	Gate report.Gate
	// Now is the time ignore rules expire against (zero: now).
	Now time.Time
	// Time is the report's creation time (zero: when the run ends);
	// Deterministic derives the report's serial from the artifacts'
	// digests, so the same input gives the same SBOMs (with a fixed Time).
	Time          time.Time
	Deterministic bool
	// ToolVersion is recorded in the report (default: Version()).
	ToolVersion string
	// Each, when set, is called as each target starts; the function it
	// returns, as it ends (a progress display).
	Each func(t Target) (done func())
}

func (o ScanOptions) vulns() bool {
	return o.Kind != report.KindSBOM && o.Kind != report.KindSecrets && o.Kind != report.KindPermissions
}

// permissions: scan answers what the functions may do too, from the
// templates it finds; the permissions view only that.
func (o ScanOptions) permissions() bool {
	return o.Kind == report.KindScan || o.Kind == report.KindPermissions
}

func (o ScanOptions) secrets() bool {
	return o.Kind == report.KindSecrets || (o.Kind == report.KindScan || o.Kind == report.KindDiff) && !o.NoSecrets
}

// Run scans every target and returns the report. Each artifact is walked
// once: every file read once and handed to the extractors and the secret
// scanner; the packages found are then matched against the advisories (and
// Go binaries analysed). It returns an error when the work could not be
// done: a target or the advisories could not be opened. What could not be
// read inside an artifact is in its deployment's Problems.
func Run(ctx context.Context, targets []Target, opt ScanOptions) (*report.Report, error) {
	if opt.Kind == "" {
		opt.Kind = report.KindScan
	}
	var src vuln.Source
	if opt.vulns() {
		s, release, err := openAdvisories(ctx, opt.Advisories, opt.Source)
		if err != nil {
			return nil, err
		}
		defer release()
		src = s
	}
	var sc *secrets.Scanner
	if opt.secrets() {
		s, closeCache, err := newSecretScanner(opt.CacheDir)
		if err != nil {
			return nil, err
		}
		defer closeCache()
		sc = s
	}
	tool := report.Tool{Name: "shipcheck", Version: opt.ToolVersion}
	if tool.Version == "" {
		tool.Version = Version()
	}
	r := &report.Report{Version: report.SchemaVersion, Kind: opt.Kind, Tool: tool,
		Gate: opt.Gate, Deployments: []*report.Deployment{}}
	if src != nil {
		about := src.About()
		r.Advisories = &about
	}
	seen := map[string]int{}
	var seed strings.Builder
	for _, t := range targets {
		if t.Name == "" {
			t.Name = uniqueName(t.Artifact, seen)
		}
		var done func()
		if opt.Each != nil {
			done = opt.Each(t)
		}
		d, err := deploy(ctx, t, src, sc, opt)
		if done != nil {
			done()
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Artifact, err)
		}
		for _, f := range d.Files {
			fmt.Fprintf(&seed, "%s %s\n", f.Name, f.SHA256)
		}
		r.Deployments = append(r.Deployments, d)
	}
	r.Created = nowOr(opt.Time).UTC()
	r.Serial = report.NewSerial(opt.Deterministic, seed.String())
	r.Judge()
	return r, nil
}

// Diff scans old and new (each an artifact or an SBOM) and returns what
// new changes: packages added, removed and changed, the advisories that
// affect new and not old (and those new fixes) and, when both are
// artifacts, the secrets new brings.
func Diff(ctx context.Context, old, new Target, opt ScanOptions) (*report.Report, error) {
	opt.Kind = report.KindDiff
	if old.Name == "" {
		old.Name = old.Artifact
	}
	if new.Name == "" {
		new.Name = new.Artifact
	}
	r, err := Run(ctx, []Target{old, new}, opt)
	if err != nil {
		return nil, err
	}
	r.Diff = report.Compare(r.Deployments[0], r.Deployments[1])
	r.Deployments = []*report.Deployment{}
	r.Judge()
	return r, nil
}

// uniqueName is a target's base name, with -2, -3... before the extension
// when another target has it.
func uniqueName(artifact string, seen map[string]int) string {
	name := filepath.Base(strings.TrimRight(artifact, `/\`))
	seen[name]++
	if seen[name] > 1 {
		ext := filepath.Ext(name)
		name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), seen[name], ext)
	}
	return name
}

// deploy scans one target into its deployment.
func deploy(ctx context.Context, t Target, src vuln.Source, sc *secrets.Scanner, opt ScanOptions) (*report.Deployment, error) {
	now := nowOr(opt.Now)
	var beside []*permissions.Template
	var besideProbs []report.Problem
	if len(t.Templates) > 0 {
		if !opt.permissions() {
			return nil, fmt.Errorf("templates are read by scan and permissions, not %s", opt.Kind)
		}
		var err error
		if beside, besideProbs, err = readTemplateFiles(t.Templates); err != nil {
			return nil, err
		}
	}
	if t.Artifact == "" {
		if len(t.Templates) == 0 {
			return nil, errors.New("no artifact")
		}
		d := report.NewDeployment(t.Name, &sbom.Inventory{Sources: []packaging.Source{}})
		if err := judgePermissions(d, nil, beside, besideProbs, opt, now); err != nil {
			return nil, err
		}
		return d, nil
	}
	if t.SBOM || t.Inventory != nil {
		if len(t.Layers) > 0 {
			return nil, fmt.Errorf("%s is an SBOM: layers apply to artifacts", t.Artifact)
		}
		if len(t.Templates) > 0 {
			return nil, fmt.Errorf("%s is an SBOM: templates apply to artifacts", t.Artifact)
		}
		inv := t.Inventory
		if inv == nil {
			var err error
			if inv, err = readSBOM(t.Artifact); err != nil {
				return nil, err
			}
		}
		d := report.NewDeployment(t.Name, inv)
		d.FromSBOM = true
		if src != nil {
			res, err := matchAdvisories(ctx, inv, nil, src, opt.Progress)
			if err != nil {
				return nil, err
			}
			d.Vulns = &report.Vulns{Checked: res.Queried, Findings: append([]vuln.Finding{}, res.Findings...)}
			d.Vulns.Expired = vuln.Suppress(d.Vulns.Findings, opt.Ignores, opt.VEX, now)
		}
		return d, nil
	}
	o := opt.Options
	o.Layers = append(append([]string(nil), t.Layers...), opt.Layers...)
	co := collectOptions{secrets: sc, thirdParty: opt.ThirdParty, internal: opt.Internal}
	if opt.permissions() {
		co.templates = &templateReader{}
	}
	if opt.Kind == report.KindPermissions {
		o.Extractors = []sbom.Extractor{} // no inventory: the templates only
	}
	if src != nil {
		goDir, cleanup, err := goBinDir(opt.Options, !opt.NoGoReachability)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		co.goDir = goDir
	}
	opt.Progress.setStage("reading")
	c, err := collect(ctx, t.Artifact, o, co)
	if err != nil {
		return nil, err
	}
	if c.reads.Files == 0 && !opt.AllowEmpty {
		return nil, errors.New("nothing to scan: the artifact holds no files (an empty build? --allow-empty accepts it)")
	}
	d := report.NewDeployment(t.Name, c.inv)
	d.Reads = c.reads
	if src != nil {
		res, err := matchAdvisories(ctx, c.inv, c.bins, src, opt.Progress)
		if err != nil {
			return nil, err
		}
		d.Vulns = &report.Vulns{Checked: res.Queried, Findings: res.Findings}
		d.Vulns.Expired = vuln.Suppress(d.Vulns.Findings, opt.Ignores, opt.VEX, now)
	}
	if sc != nil {
		d.Secrets = &report.Secrets{}
		d.Secrets.Findings, d.Secrets.Baselined, d.Secrets.Expired = judgeSecrets(c.secrets, opt.Baseline, opt.SecretIgnores, opt.SecretAllows, now)
		if d.Secrets.Findings == nil {
			d.Secrets.Findings = []secrets.Finding{}
		}
	}
	if d.Vulns != nil && d.Vulns.Findings == nil {
		d.Vulns.Findings = []vuln.Finding{}
	}
	if co.templates != nil {
		if err := judgePermissions(d, co.templates.templates(), beside, besideProbs, opt, now); err != nil {
			return nil, err
		}
	}
	opt.Progress.setStage("done")
	return d, nil
}

// ParseTargets reads deployments written FUNCTION[,LAYER...] (a path
// with a comma in its name is taken whole); layers, the --layer flag,
// apply only to a single one. An SBOM given as a deployment is matched as
// an SBOM.
func ParseTargets(args, layers []string) ([]Target, error) {
	if len(args) > 1 && len(layers) > 0 {
		return nil, errors.New("--layer applies to one deployment; with several, write each as FUNCTION,LAYER...")
	}
	var out []Target
	for _, a := range args {
		parts := strings.Split(a, ",")
		if _, err := os.Stat(a); err == nil {
			parts = []string{a} // a path with a comma in its name
		}
		for _, p := range parts {
			if p == "" {
				return nil, fmt.Errorf("deployment %q: an empty artifact name", a)
			}
		}
		t := Target{Artifact: parts[0], Layers: append(parts[1:len(parts):len(parts)], layers...)}
		t.SBOM = IsSBOM(t.Artifact)
		if t.SBOM && len(t.Layers) > 0 {
			return nil, fmt.Errorf("%s is an SBOM: layers apply to artifacts", t.Artifact)
		}
		out = append(out, t)
	}
	return out, nil
}

// AddTemplates gives the templates beside the artifact (--template) to
// the one deployment; with several, which one they deploy is not known.
func AddTemplates(targets []Target, templates []string) error {
	if len(templates) == 0 {
		return nil
	}
	if len(targets) != 1 {
		return errors.New("--template applies to one deployment")
	}
	if targets[0].SBOM {
		return fmt.Errorf("%s is an SBOM: templates apply to artifacts", targets[0].Artifact)
	}
	targets[0].Templates = append(targets[0].Templates, templates...)
	return nil
}
