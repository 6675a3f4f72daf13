//go:build !race

// The parity test builds gitleaks' rule generator and runs gitleaks'
// detector over every sample: about 20 s, and ten times that under the
// race detector, which has nothing to check here (one scan at a time).
// CI runs it without -race (see .ci/run).

package shipcheck

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"

	// The rule generator is built by gitleaksSamples from the module cache;
	// importing its rules package here keeps its dependencies (reggen) in
	// go.sum.
	_ "github.com/zricethezav/gitleaks/v8/cmd/generate/config/rules"

	"github.com/shipcheck/shipcheck/secrets"
)

// ruleSamples are the true and false positives one gitleaks rule is
// validated with in gitleaks' own rule generator
// (cmd/generate/config/rules/*.go), as utils.Validate receives them;
// TPPaths/FPPaths are ValidateWithPaths' samples, keyed by file path.
type ruleSamples struct {
	Rule    string            `json:"rule"`
	TPs     []string          `json:"tps"`
	FPs     []string          `json:"fps"`
	TPPaths map[string]string `json:"tp_paths"`
	FPPaths map[string]string `json:"fp_paths"`
}

// The generator's validation, replaced (go build -overlay) by a recorder:
// every rule function hands its samples to Validate, which writes them as
// a JSON line to $SHIPCHECK_SAMPLES.
const samplesValidate = `package utils

import (
	"encoding/json"
	"os"
	"sync"

	"github.com/zricethezav/gitleaks/v8/config"
)

var mu sync.Mutex

func emit(v any) {
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(os.Getenv("SHIPCHECK_SAMPLES"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := json.NewEncoder(f).Encode(v); err != nil {
		panic(err)
	}
}

func Validate(rule config.Rule, truePositives []string, falsePositives []string) *config.Rule {
	emit(map[string]any{"rule": rule.RuleID, "tps": truePositives, "fps": falsePositives})
	return &rule
}

func ValidateWithPaths(rule config.Rule, truePositives map[string]string, falsePositives map[string]string) *config.Rule {
	emit(map[string]any{"rule": rule.RuleID, "tp_paths": truePositives, "fp_paths": falsePositives})
	return &rule
}
`

// The generator's random secrets (secrets.NewSecret), seeded from
// $SHIPCHECK_SAMPLES_SEED and a call counter, so that a run can be
// repeated.
const samplesRegen = `package secrets

import (
	"os"
	"strconv"
	"sync"

	"github.com/lucasjones/reggen"
)

var (
	mu sync.Mutex
	n  int64
)

func NewSecret(regex string) string {
	g, err := reggen.NewGenerator(regex)
	if err != nil {
		panic(err)
	}
	mu.Lock()
	n++
	seed := n
	mu.Unlock()
	base, _ := strconv.ParseInt(os.Getenv("SHIPCHECK_SAMPLES_SEED"), 10, 64)
	g.SetSeed(base*1_000_003 + seed)
	return g.Generate(1)
}
`

var (
	samplesOnce sync.Once
	samplesVal  []ruleSamples
	samplesErr  error
)

// gitleaksSamples builds gitleaks' rule generator from the gitleaks module
// this project depends on, with its validation recording the samples
// instead, runs it, and returns every rule's samples. Seeded by
// SHIPCHECK_SAMPLES_SEED (default 1): the generated secrets differ per
// seed, the fixed ones not.
func gitleaksSamples(t *testing.T) []ruleSamples {
	t.Helper()
	samplesOnce.Do(func() { samplesVal, samplesErr = buildSamples() })
	if samplesErr != nil {
		t.Fatal(samplesErr)
	}
	return samplesVal
}

func buildSamples() ([]ruleSamples, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", "github.com/zricethezav/gitleaks/v8").Output()
	if err != nil {
		return nil, fmt.Errorf("go list gitleaks: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	tmp, err := os.MkdirTemp("", "shipcheck-samples-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// A copy of the generator (cmd/generate) in a module of its own, with
	// the project's requirements, so that it builds against the same
	// modules, with the two files replaced (the module cache is read-only,
	// and go build -overlay refuses files in it).
	const genPath = "github.com/zricethezav/gitleaks/v8/cmd/generate/"
	src := filepath.Join(mod, "cmd", "generate")
	dst := filepath.Join(tmp, "mod", "cmd", "generate")
	err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".tmpl") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch filepath.ToSlash(rel) {
		case "config/utils/validate.go":
			b = []byte(samplesValidate)
		case "secrets/regen.go":
			b = []byte(samplesRegen)
		}
		b = bytes.ReplaceAll(b, []byte(genPath), []byte("shipchecksamples/cmd/generate/"))
		os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755)
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		return nil, fmt.Errorf("copy gitleaks' rule generator: %w", err)
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		return nil, err
	}
	gosum, err := os.ReadFile("go.sum")
	if err != nil {
		return nil, err
	}
	gomod = bytes.Replace(gomod, []byte("module github.com/shipcheck/shipcheck"), []byte("module shipchecksamples"), 1)
	os.WriteFile(filepath.Join(tmp, "mod", "go.mod"), gomod, 0o644)
	os.WriteFile(filepath.Join(tmp, "mod", "go.sum"), gosum, 0o644)
	gen := filepath.Join(tmp, "generate")
	build := exec.Command(goBin, "build", "-o", gen, "./cmd/generate/config")
	build.Dir = filepath.Join(tmp, "mod")
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if b, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build gitleaks' rule generator: %v\n%s", err, b)
	}
	seed := os.Getenv("SHIPCHECK_SAMPLES_SEED")
	if seed == "" {
		seed = "1"
	}
	rec := filepath.Join(tmp, "samples.jsonl")
	run := exec.Command(gen, filepath.Join(tmp, "gitleaks.toml"))
	run.Dir = filepath.Join(dst, "config") // it reads rules/config.tmpl
	run.Env = append(os.Environ(), "SHIPCHECK_SAMPLES="+rec, "SHIPCHECK_SAMPLES_SEED="+seed)
	if b, err := run.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("run gitleaks' rule generator: %v\n%s", err, b)
	}
	f, err := os.Open(rec)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var all []ruleSamples
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var s ruleSamples
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, err
		}
		sort.Strings(s.TPs) // GenerateSampleSecrets builds them from a map
		sort.Strings(s.FPs)
		all = append(all, s)
	}
	return all, sc.Err()
}

// gitleaksDetector is gitleaks' own detector with its default rules, as
// `gitleaks dir` runs it (decoding to depth 5).
func gitleaksDetector(t testing.TB) *detect.Detector {
	t.Helper()
	logging.Logger = zerolog.Nop()
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
		t.Fatal(err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		t.Fatal(err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		t.Fatal(err)
	}
	d := detect.NewDetector(cfg)
	d.MaxDecodeDepth = secrets.MaxDecodeDepth
	return d
}

// sampleFile is a file of a layout: its path, its content, and whether it
// holds true or false positives.
type sampleFile struct {
	path string
	data string
	tp   bool
	rule string // the rule whose samples it holds ("" for a mix)
}

// safeName makes a path segment of a sample's given path.
func safeName(p string) string {
	p = strings.TrimLeft(path.Clean("/"+p), "/")
	if p == "" || p == "." {
		return "sample"
	}
	return p
}

// smallFiles lays the samples out one per file: tp/RULE/N.txt,
// fp/RULE/N.txt, and ValidateWithPaths' samples under their own names.
func smallFiles(all []ruleSamples) []sampleFile {
	var out []sampleFile
	for _, s := range all {
		for i, x := range s.TPs {
			out = append(out, sampleFile{fmt.Sprintf("tp/%s/%d.txt", s.Rule, i), x, true, s.Rule})
		}
		for i, x := range s.FPs {
			out = append(out, sampleFile{fmt.Sprintf("fp/%s/%d.txt", s.Rule, i), x, false, s.Rule})
		}
		for i, p := range sortedKeys(s.TPPaths) {
			out = append(out, sampleFile{fmt.Sprintf("tp/%s/p%d/%s", s.Rule, i, safeName(p)), s.TPPaths[p], true, s.Rule})
		}
		for i, p := range sortedKeys(s.FPPaths) {
			out = append(out, sampleFile{fmt.Sprintf("fp/%s/p%d/%s", s.Rule, i, safeName(p)), s.FPPaths[p], false, s.Rule})
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// minifiedFiller is code of the kind that sits between a bundle's strings:
// identifiers with the generic rules' keywords, operators and short
// values, none a secret.
var minifiedFiller = []string{
	`function(e,t){return e.apiKey=t.key||"",e.token=null,e}`,
	`var n=r(12),o=n.auth,i={passwordField:"pw",secretName:o&&o.name};`,
	`e.exports=function(t){for(var e=0;e<t.length;e++)if(t[e].credentials)return t[e];return null}`,
	`a.prototype.getAccessToken=function(){return this.accessToken||this.refresh()};`,
	`s={url:"https://api.example.com/v1/items",method:"GET",headers:{Accept:"application/json"}};`,
}

// longLines lays each rule's samples out as a bundler and a config file
// would hold them: in long minified-JavaScript lines (long/tp/RULE.min.js,
// lines of about 16 KB, the samples separated by code, their own newlines
// kept) and in a long YAML file (long/tp/RULE.yaml, a sample a line among
// other settings); the false positives likewise under long/fp/.
func longLines(all []ruleSamples) []sampleFile {
	var out []sampleFile
	k := 0
	js := func(xs []string) string {
		var b strings.Builder
		line := 0
		b.WriteString("!function(){")
		for _, x := range xs {
			f := minifiedFiller[k%len(minifiedFiller)]
			k++
			fmt.Fprintf(&b, "%s;%s;", f, x)
			line += len(f) + len(x) + 2
			if line > 16<<10 {
				b.WriteString("}();\n!function(){")
				line = 0
			}
		}
		// pad the last line to the same length
		for line < 16<<10 {
			f := minifiedFiller[k%len(minifiedFiller)]
			k++
			b.WriteString(f + ";")
			line += len(f) + 1
		}
		b.WriteString("}();\n")
		return b.String()
	}
	yaml := func(rule string, xs []string) string {
		var b strings.Builder
		for i, x := range xs {
			for j := range 8 {
				fmt.Fprintf(&b, "setting_%d_%d: %q\n", i, j, minifiedFiller[(i+j)%len(minifiedFiller)][:24])
			}
			fmt.Fprintf(&b, "%s_%d: %s\n", strings.ReplaceAll(rule, "-", "_"), i, x)
		}
		return b.String()
	}
	for _, s := range all {
		if len(s.TPs) > 0 {
			out = append(out, sampleFile{"long/tp/" + s.Rule + ".min.js", js(s.TPs), true, s.Rule},
				sampleFile{"long/tp/" + s.Rule + ".yaml", yaml(s.Rule, s.TPs), true, s.Rule})
		}
		if len(s.FPs) > 0 {
			out = append(out, sampleFile{"long/fp/" + s.Rule + ".min.js", js(s.FPs), false, s.Rule},
				sampleFile{"long/fp/" + s.Rule + ".yaml", yaml(s.Rule, s.FPs), false, s.Rule})
		}
	}
	return out
}

// finding is a secret at a file's line.
type parityFinding struct {
	file   string
	line   int
	secret string
	rule   string
}

// gitleaksFindings runs gitleaks' detector over each file, whole.
func gitleaksFindings(t testing.TB, files []sampleFile) map[string][]parityFinding {
	d := gitleaksDetector(t)
	out := map[string][]parityFinding{}
	for _, f := range files {
		for _, gf := range d.Detect(detect.Fragment{Raw: f.data, FilePath: f.path, StartLine: 1}) {
			out[f.path] = append(out[f.path], parityFinding{f.path, gf.StartLine, gf.Secret, gf.RuleID})
		}
	}
	return out
}

// zipFiles writes files into a zip.
func zipFiles(t testing.TB, files []sampleFile) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		fw, err := w.Create(f.path)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(f.data))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// shipcheckFindings runs the secret scan over an artifact and keys its
// findings by the sample file's path (from the tp/, fp/ or long/ folder
// after the mount or the nested archive's "!").
func shipcheckFindings(t testing.TB, artifact string) map[string][]parityFinding {
	rep, err := Secrets(context.Background(), artifact, SecretsOptions{Options: Options{Options: packagingOptions(nil)}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]parityFinding{}
	for _, f := range rep.Findings {
		i := -1
		for _, top := range []string{"tp/", "fp/", "long/"} {
			for _, sep := range []string{"/", "!"} {
				if j := strings.Index(f.Path, sep+top); j >= 0 && (i < 0 || j < i) {
					i = j
				}
			}
		}
		if i < 0 {
			t.Fatalf("finding at %s: not in a sample file", f.Path)
		}
		p := f.Path[i+1:]
		out[p] = append(out[p], parityFinding{p, f.Line, f.Secret(), f.RuleID})
	}
	return out
}

// compareParity reports every gitleaks finding in a true-positive file
// that shipcheck does not report at the same line (the same secret, or one
// holding it), and counts the findings of each in the false-positive
// files.
func compareParity(files []sampleFile, gl, sc map[string][]parityFinding) (missed []parityFinding, tps, glFP, scFP int) {
	for _, f := range files {
		if !f.tp {
			glFP += len(gl[f.path])
			scFP += len(sc[f.path])
			continue
		}
		seen := map[[2]string]bool{}
		for _, g := range gl[f.path] {
			key := [2]string{fmt.Sprint(g.line), g.secret}
			if seen[key] {
				continue
			}
			seen[key] = true
			tps++
			found := false
			for _, s := range sc[f.path] {
				if s.line == g.line && (strings.Contains(s.secret, g.secret) || strings.Contains(g.secret, s.secret)) {
					found = true
					break
				}
			}
			if !found {
				missed = append(missed, g)
			}
		}
	}
	return missed, tps, glFP, scFP
}

// TestGitleaksParity lays out gitleaks' own per-rule true and false
// positives (generated from the gitleaks module, see gitleaksSamples) as a
// user's files would hold them: one per small file, in a folder, a zip and
// a zip in a zip; inside long minified-JavaScript lines and a long YAML
// file. Every secret gitleaks' detector reports in a true-positive file
// must be reported by shipcheck at the same file and line, and shipcheck
// must report no more findings than gitleaks in the false-positive files.
func TestGitleaksParity(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gitleaks' rule generator")
	}
	all := gitleaksSamples(t)
	if len(all) < 200 {
		t.Fatalf("only %d rules' samples recorded", len(all))
	}
	small, long := smallFiles(all), longLines(all)
	dir := t.TempDir()
	writeTree := func(root string, files []sampleFile) {
		for _, f := range files {
			p := filepath.Join(root, filepath.FromSlash(f.path))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(f.data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	writeTree(filepath.Join(dir, "small"), small)
	writeTree(filepath.Join(dir, "longroot"), long)
	smallZip := zipFiles(t, small)
	os.WriteFile(filepath.Join(dir, "small.zip"), smallZip, 0o644)
	os.WriteFile(filepath.Join(dir, "nested.zip"), zipFiles(t, []sampleFile{{path: "inner/small.zip", data: string(smallZip)}}), 0o644)

	glSmall, glLong := gitleaksFindings(t, small), gitleaksFindings(t, long)
	for _, c := range []struct {
		name     string
		artifact string
		files    []sampleFile
		gl       map[string][]parityFinding
	}{
		{"small files", filepath.Join(dir, "small"), small, glSmall},
		{"zip", filepath.Join(dir, "small.zip"), small, glSmall},
		{"zip in zip", filepath.Join(dir, "nested.zip"), small, glSmall},
		{"long lines", filepath.Join(dir, "longroot"), long, glLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := shipcheckFindings(t, c.artifact)
			missed, tps, glFP, scFP := compareParity(c.files, c.gl, sc)
			t.Logf("%s: gitleaks reports %d true positives, shipcheck misses %d; false-positive files: gitleaks %d findings, shipcheck %d",
				c.name, tps, len(missed), glFP, scFP)
			byRule := map[string]int{}
			for _, m := range missed {
				byRule[m.rule]++
			}
			for i, m := range missed {
				if i == 40 {
					t.Errorf("... and %d more", len(missed)-40)
					break
				}
				t.Errorf("missed %s at %s:%d: %q", m.rule, m.file, m.line, m.secret)
			}
			if len(byRule) > 0 {
				t.Errorf("missed per rule: %v", byRule)
			}
			if scFP > glFP {
				t.Errorf("false-positive files: shipcheck %d findings, gitleaks %d", scFP, glFP)
			}
		})
	}
}
