// Package shipcheck is the pipeline: it opens an artifact into the artifact
// view (package packaging), walks it once handing every file to the
// analysers that want it (the inventory's extractors, package sbom), and
// assembles a sorted report. The command line (cmd/shipcheck) maps flags
// into Options and calls one function here.
package shipcheck

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/sbom/golang"
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
}

// SBOM opens the artifact at path and takes its inventory in one walk. It
// returns an error only when the artifact cannot be opened at all; what
// could not be read is in the inventory's Problems.
func SBOM(ctx context.Context, path string, opt Options) (*sbom.Inventory, error) {
	opt.Progress.setStage("reading")
	c, err := collect(ctx, path, opt, collectOptions{})
	if err != nil {
		return nil, err
	}
	return c.inv, nil
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
// memory; a larger one is scanned in overlapping chunks.
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
	walkOpt := packaging.WalkOptions{Progress: opt.Progress.walk()}
	if co.secrets != nil {
		// The manifests that say whose the other files are go first.
		walkOpt.Early = secrets.Early
	}
	err = v.Walk(ctx, walkOpt, func(ctx context.Context, f *packaging.File) error {
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
		n := len(wants) + btoi(scan)
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
func scanSecrets(ctx context.Context, sc *secrets.Scanner, owners *secrets.Owners, parties *secrets.Parties, f *packaging.File) []secrets.Finding {
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
	content := make([]byte, f.Size)
	if _, err := ra.ReadAt(content, 0); err != nil && !errors.Is(err, io.EOF) {
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

// VulnOptions tune Vulns.
type VulnOptions struct {
	Options
	// SBOM, if set, is a CycloneDX SBOM to match instead of an artifact.
	SBOM string
	// Source says where advisories come from.
	Source vuln.SourceOptions
	// Ignores and VEX are decisions the team already took.
	Ignores []vuln.Ignore
	VEX     []vuln.VEXStatement
	// Now is the time ignore rules expire against (zero: now).
	Now time.Time
	// NoGoReachability skips govulncheck's analysis of Go binaries: Go
	// findings stay at module level.
	NoGoReachability bool
}

// VulnReport is an inventory and the advisories affecting it.
type VulnReport struct {
	Inventory *sbom.Inventory
	Result    *vuln.Result
	// Expired are the ignore rules past their date, which no longer apply.
	Expired []vuln.Ignore
}

// Vulns takes the inventory of the artifact at path (or reads opt.SBOM) and
// matches what ships against the advisories, applying ignore rules and VEX
// statements. It returns an error when the artifact or the advisories
// cannot be read.
func Vulns(ctx context.Context, path string, opt VulnOptions) (*VulnReport, error) {
	var inv *sbom.Inventory
	var bins []vuln.GoBinary
	if opt.SBOM != "" {
		var err error
		if inv, err = readSBOM(opt.SBOM); err != nil {
			return nil, err
		}
	} else {
		goDir, cleanup, err := goBinDir(opt.Options, !opt.NoGoReachability)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		opt.Progress.setStage("reading")
		if inv, bins, err = inventory(ctx, path, opt.Options, goDir); err != nil {
			return nil, err
		}
	}
	src, release, err := openAdvisories(ctx, nil, opt.Source)
	if err != nil {
		return nil, err
	}
	defer release()
	res, err := matchAdvisories(ctx, inv, bins, src, opt.Progress)
	if err != nil {
		return nil, err
	}
	expired := vuln.Suppress(res.Findings, opt.Ignores, opt.VEX, nowOr(opt.Now))
	return &VulnReport{Inventory: inv, Result: res, Expired: expired}, nil
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

// readSBOM reads a CycloneDX SBOM into an inventory.
func readSBOM(path string) (*sbom.Inventory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	inv, err := cyclonedx.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
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

// SecretsOptions tune Secrets.
type SecretsOptions struct {
	Options
	// Ignores are fingerprints the team decided about; Allows, places
	// where secrets are expected.
	Ignores []secrets.Ignore
	Allows  []secrets.Allow
	// Baseline holds the fingerprints of an earlier report: findings with
	// one of them are left out.
	Baseline map[string]bool
	// Now is the time ignore rules expire against (zero: now).
	Now time.Time
	// ThirdParty says what the files of installed third-party packages are
	// scanned for ("": provider formats only); Internal names packages
	// that are the organisation's own (secrets.internal).
	ThirdParty secrets.Policy
	Internal   []string
	// CacheDir, when set, keeps the secret scan's results there across
	// runs (see secrets.DiskCache).
	CacheDir string
}

// SecretsReport is what Secrets found.
type SecretsReport struct {
	// Inventory is the artifact's inventory, taken in the same walk: it
	// says which files belong to third-party packages.
	Inventory *sbom.Inventory
	Findings  []secrets.Finding
	// Baselined counts the findings left out as already in the baseline.
	Baselined int
	// Expired are the ignore rules past their date.
	Expired []secrets.Ignore
}

// Secrets opens the artifact and scans every file it ships (nested
// archives, and files later image layers delete or replace, included) and
// the image's configured environment, in the same walk that takes the
// inventory; findings inside installed packages are marked third-party.
func Secrets(ctx context.Context, path string, opt SecretsOptions) (*SecretsReport, error) {
	sc, closeCache, err := newSecretScanner(opt.CacheDir)
	if err != nil {
		return nil, err
	}
	defer closeCache()
	opt.Progress.setStage("reading")
	c, err := collect(ctx, path, opt.Options, collectOptions{secrets: sc, thirdParty: opt.ThirdParty, internal: opt.Internal})
	if err != nil {
		return nil, err
	}
	rep := &SecretsReport{Inventory: c.inv}
	rep.Findings, rep.Baselined, rep.Expired = judgeSecrets(c.secrets, opt.Baseline, opt.Ignores, opt.Allows, opt.Now)
	return rep, nil
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

// ScanOptions tune Scan.
type ScanOptions struct {
	Options
	// Advisories, when set, is an advisory source already open (several
	// deployments scanned against one); else Source says which to open.
	Advisories vuln.Source
	Source     vuln.SourceOptions
	// Ignores and VEX are the decisions taken about advisories.
	Ignores []vuln.Ignore
	VEX     []vuln.VEXStatement
	// SecretIgnores are fingerprints decided about; Baseline the
	// fingerprints of an earlier report, left out.
	SecretIgnores []secrets.Ignore
	SecretAllows  []secrets.Allow
	Baseline      map[string]bool
	// NoGoReachability keeps Go findings at module level.
	NoGoReachability bool
	// NoSecrets skips the secret scan.
	NoSecrets bool
	// ThirdParty, Internal and CacheDir: see SecretsOptions.
	ThirdParty secrets.Policy
	Internal   []string
	CacheDir   string
	// Now is the time ignore rules expire against (zero: now).
	Now time.Time
}

// ScanReport is the three answers about one deployment.
type ScanReport struct {
	Inventory *sbom.Inventory
	Vulns     *vuln.Result
	// VulnsExpired and SecretsExpired are ignore rules past their date.
	VulnsExpired   []vuln.Ignore
	Secrets        []secrets.Finding
	Baselined      int
	SecretsExpired []secrets.Ignore
	// Reads say how the walk read the artifact.
	Reads packaging.ReadStats
}

// Scan answers the three questions about the artifact at path in one walk:
// each file is read once, and handed to the extractors and the secret
// scanner; the packages found are then matched against the advisories (and
// Go binaries analysed). The advisory source is opened first, so that a
// missing database fails before the artifact is read.
func Scan(ctx context.Context, path string, opt ScanOptions) (*ScanReport, error) {
	src, release, err := openAdvisories(ctx, opt.Advisories, opt.Source)
	if err != nil {
		return nil, err
	}
	defer release()
	co := collectOptions{thirdParty: opt.ThirdParty, internal: opt.Internal}
	opt.Progress.setStage("reading")
	if !opt.NoSecrets {
		sc, closeCache, err := newSecretScanner(opt.CacheDir)
		if err != nil {
			return nil, err
		}
		defer closeCache()
		co.secrets = sc
	}
	goDir, cleanup, err := goBinDir(opt.Options, !opt.NoGoReachability)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	co.goDir = goDir
	c, err := collect(ctx, path, opt.Options, co)
	if err != nil {
		return nil, err
	}
	res, err := matchAdvisories(ctx, c.inv, c.bins, src, opt.Progress)
	if err != nil {
		return nil, err
	}
	opt.Progress.setStage("done")
	now := nowOr(opt.Now)
	rep := &ScanReport{Inventory: c.inv, Vulns: res, Reads: c.reads}
	rep.VulnsExpired = vuln.Suppress(res.Findings, opt.Ignores, opt.VEX, now)
	rep.Secrets, rep.Baselined, rep.SecretsExpired = judgeSecrets(c.secrets, opt.Baseline, opt.SecretIgnores, opt.SecretAllows, now)
	return rep, nil
}

// IsSBOM reports whether the file at path is a CycloneDX SBOM (JSON or
// XML), by its first bytes.
func IsSBOM(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	h := strings.TrimSpace(string(head[:n]))
	switch {
	case strings.HasPrefix(h, "{"):
		return strings.Contains(h, `"bomFormat"`)
	case strings.HasPrefix(h, "<"):
		return strings.Contains(h, "cyclonedx.org/schema/bom")
	}
	return false
}

// ScanSBOM is Scan for an archived CycloneDX SBOM: its components are
// matched against the advisories. An SBOM holds no file contents, so there
// are no secrets and no Go binary analysis.
func ScanSBOM(ctx context.Context, path string, opt ScanOptions) (*ScanReport, error) {
	src, release, err := openAdvisories(ctx, opt.Advisories, opt.Source)
	if err != nil {
		return nil, err
	}
	defer release()
	inv, err := readSBOM(path)
	if err != nil {
		return nil, err
	}
	res, err := matchAdvisories(ctx, inv, nil, src, opt.Progress)
	if err != nil {
		return nil, err
	}
	rep := &ScanReport{Inventory: inv, Vulns: res}
	rep.VulnsExpired = vuln.Suppress(res.Findings, opt.Ignores, opt.VEX, nowOr(opt.Now))
	return rep, nil
}
