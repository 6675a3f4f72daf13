package shipcheck

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/permissions"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// maxTemplate bounds a template read for permissions: CloudFormation's
// own limit is 1 MB, Terraform modules are smaller still.
const maxTemplate = 16 << 20

// templateFormat says which deployment template a file is, by its name
// and first bytes: "" for a file that is none.
func templateFormat(name string, head []byte) envconfig.Format {
	switch f := envconfig.Detect(name, head); f {
	case envconfig.CloudFormation, envconfig.Serverless, envconfig.Terraform:
		return f
	}
	return ""
}

// templateName reports whether a file's name is one a template can have,
// before its content is read.
func templateName(p string) bool {
	base := strings.ToLower(p[strings.LastIndexAny(p, `/\`)+1:])
	for _, ext := range []string{".yaml", ".yml", ".json", ".template", ".tf"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}

// ownTemplate reports whether a template in the artifact deploys the
// artifact's own functions: not one inside an installed package (a
// library's example stack in node_modules describes no function of
// this deployment).
func ownTemplate(p string) bool {
	for _, dir := range []string{"/node_modules/", "/site-packages/", "/dist-packages/", "/vendor/", "/.venv/"} {
		if strings.Contains(p, dir) {
			return false
		}
	}
	return true
}

// wantsTemplate reports whether the walk hands a file to the template
// reader, by its name and place alone: a file the runtime sees, of the
// artifact itself (not inside a nested archive or an installed package),
// with a name a template can have.
func wantsTemplate(f *packaging.File) bool {
	return f.Status == packaging.Visible && !f.Archive && f.Depth == 0 && templateName(f.Path) && ownTemplate(f.Path)
}

// templateReader reads the templates the walk finds.
type templateReader struct {
	mu  sync.Mutex
	out []*permissions.Template
	// tf are the Terraform files read, by folder and path: a folder is one
	// module, read together (a function in lambda.tf, its role's policies
	// in iam.tf), as Terraform reads it.
	tf map[string]map[string]tfFile
}

type tfFile struct {
	content []byte
	alone   *permissions.Template // the file read on its own
}

// read parses one file of the artifact if it is a template of the
// deployment's own; what does not parse is a problem of the file
// (content left unread: the permissions it grants are unknown).
func (tr *templateReader) read(f *packaging.File) {
	if !wantsTemplate(f) || !f.Readable() {
		return
	}
	format := templateFormat(f.Path, f.Head())
	if format == "" {
		return
	}
	if f.Size > maxTemplate {
		f.Report(fmt.Errorf("permissions: a %s template of %s (at most %s read)", format, archive.FormatSize(f.Size), archive.FormatSize(maxTemplate)))
		return
	}
	ra, err := f.ReaderAt()
	if err != nil {
		return // the view records the failure
	}
	content, err := whole(ra, f.Size)
	if err != nil {
		return
	}
	t, err := permissions.Parse(f.Path, format, content)
	if err != nil {
		// The parser's own message may quote the text around the error:
		// the format and the line only.
		f.Report(fmt.Errorf("permissions: %w", envconfig.ParseError(format, err)))
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if format == envconfig.Terraform {
		dir := path.Dir(f.Path)
		if tr.tf == nil {
			tr.tf = map[string]map[string]tfFile{}
		}
		if tr.tf[dir] == nil {
			tr.tf[dir] = map[string]tfFile{}
		}
		tr.tf[dir][f.Path] = tfFile{content: content, alone: t}
		return
	}
	tr.out = append(tr.out, t)
}

// templates are what the walk read, by path: the Terraform files of a
// folder as one template (each file parsed on its own already, so the
// module reads; should it not, each file stands alone).
func (tr *templateReader) templates() []*permissions.Template {
	for dir, files := range tr.tf {
		if len(files) > 1 {
			contents := map[string][]byte{}
			for p, f := range files {
				contents[p] = f.content
			}
			if t, err := permissions.ParseTerraformModule(dir, contents); err == nil {
				tr.out = append(tr.out, t)
				continue
			}
		}
		for _, f := range files {
			tr.out = append(tr.out, f.alone)
		}
	}
	tr.tf = nil
	slices.SortFunc(tr.out, func(a, b *permissions.Template) int { return strings.Compare(a.Path, b.Path) })
	return tr.out
}

// readTemplateFiles reads the templates given beside the artifact
// (--template): files, and folders searched for the templates in them
// (not those inside installed packages; other files are passed over). A
// file named that cannot be opened, or is no template, is an error (the
// user named it); one that does not parse is a problem. The Terraform
// files of one folder are read together, as one module.
func readTemplateFiles(paths []string) ([]*permissions.Template, []report.Problem, error) {
	type given struct {
		path    string
		format  envconfig.Format
		content []byte
	}
	var files []given
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("template %s: %w", p, err)
		}
		if !fi.IsDir() {
			content, err := readLimited(p, maxTemplate)
			if err != nil {
				return nil, nil, fmt.Errorf("template %s: %w", p, err)
			}
			format := templateFormat(filepath.Base(p), content)
			if format == "" {
				return nil, nil, fmt.Errorf("template %s: %w", p, permissions.ErrNotATemplate)
			}
			files = append(files, given{p, format, content})
			continue
		}
		before := len(files)
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if q != p && !ownTemplate("/"+filepath.ToSlash(q)+"/") {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || !templateName(q) {
				return nil
			}
			content, err := readLimited(q, maxTemplate)
			if err != nil {
				return err
			}
			if format := templateFormat(filepath.Base(q), content); format != "" {
				files = append(files, given{q, format, content})
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("template %s: %w", p, err)
		}
		if len(files) == before {
			return nil, nil, fmt.Errorf("template %s: no deployment template in this folder (SAM/CloudFormation, serverless.yml, Terraform)", p)
		}
	}
	var out []*permissions.Template
	var probs []report.Problem
	modules := map[string]map[string][]byte{}
	alone := map[string][]*permissions.Template{}
	for _, f := range files {
		t, err := permissions.Parse(f.path, f.format, f.content)
		if err != nil {
			probs = append(probs, report.Problem{Path: f.path, Origin: packaging.Origin{Artifact: f.path}, Note: "permissions: " + envconfig.ParseError(f.format, err).Error(), Partial: true})
			continue
		}
		if f.format == envconfig.Terraform {
			dir := filepath.Dir(f.path)
			if modules[dir] == nil {
				modules[dir] = map[string][]byte{}
			}
			modules[dir][f.path] = f.content
			alone[dir] = append(alone[dir], t)
			continue
		}
		out = append(out, t)
	}
	for dir, m := range modules {
		if len(m) > 1 {
			if t, err := permissions.ParseTerraformModule(dir, m); err == nil {
				out = append(out, t)
				continue
			}
		}
		out = append(out, alone[dir]...) // one file, or each on its own
	}
	slices.SortFunc(out, func(a, b *permissions.Template) int { return strings.Compare(a.Path, b.Path) })
	return out, probs, nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %s", archive.FormatSize(limit))
	}
	return b, nil
}

// IsTemplate reports whether the file at path is a deployment template
// read for permissions (SAM/CloudFormation, serverless.yml, Terraform), by
// its name and first bytes.
func IsTemplate(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || !templateName(path) {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	return templateFormat(filepath.Base(path), head[:n]) != ""
}

// PermissionsTarget makes the one deployment of the permissions view from
// its arguments: each an artifact or a template file (IsTemplate), with
// templates given beside (--template). At most one artifact; without one,
// the deployment is its templates, named after the first.
func PermissionsTarget(args, templates, layers []string) (Target, error) {
	t := Target{Layers: layers, Templates: slices.Clone(templates)}
	for _, a := range args {
		if IsTemplate(a) {
			t.Templates = append(t.Templates, a)
			continue
		}
		if t.Artifact != "" {
			return t, fmt.Errorf("%s and %s: give one artifact (and any number of templates)", t.Artifact, a)
		}
		t.Artifact = a
	}
	switch {
	case t.Artifact == "" && len(t.Templates) == 0:
		return t, errors.New("give an artifact or a template")
	case t.Artifact == "" && len(layers) > 0:
		return t, errors.New("--layer applies to an artifact")
	case t.Artifact == "":
		t.Name = filepath.Base(t.Templates[0])
	}
	return t, nil
}

// judgePermissions makes a deployment's permissions section from the
// templates read in the artifact and beside it. The permissions view with
// no template to read is an error: it would pass having judged nothing.
func judgePermissions(d *report.Deployment, found []*permissions.Template, beside []*permissions.Template, probs []report.Problem, opt ScanOptions, now time.Time) error {
	ts := append(slices.Clone(found), beside...)
	d.Problems = append(d.Problems, probs...)
	d.Partial = d.Partial || len(probs) > 0
	if len(ts) == 0 && len(probs) == 0 {
		if opt.Kind == report.KindPermissions {
			return errors.New("no deployment template in it (SAM/CloudFormation, serverless.yml, Terraform): give one with --template FILE or FOLDER")
		}
		return nil // nothing to say: scan shows no section
	}
	d.Permissions = report.NewPermissions(ts, opt.PermissionIgnores, now)
	return nil
}
