package permissions

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/shipcheck/shipcheck/internal/hclread"
	"github.com/shipcheck/shipcheck/secrets/envconfig"
)

// parseTerraform reads Terraform (HCL *.tf, or *.tf.json: JSON when the
// content starts with '{' or '[', as envconfig decides). One file is read
// on its own, the way Parse is called: a function whose role is defined in
// another file of the module gets the role's address and nothing the other
// file attaches (ParseTerraformModule reads the files together). Modules
// are not followed.
//
// Read: aws_lambda_function (the function, its role); aws_iam_role (its
// inline_policy blocks and managed_policy_arns; never assume_role_policy,
// a trust policy); aws_iam_role_policy; aws_iam_policy attached by
// aws_iam_role_policy_attachment, aws_iam_policy_attachment or
// aws_iam_role_policy_attachments_exclusive (an ARN that is no
// aws_iam_policy of the file is a managed policy); policies written as
// jsonencode({...}), a JSON string or heredoc, or
// data.aws_iam_policy_document.X.json; aws_lambda_permission;
// aws_lambda_function_url. A block with count or for_each is read once.
// Values that are references are kept as their source text
// (aws_s3_bucket.data.arn, ${aws_s3_bucket.data.arn}/*); local.X and var.X
// are replaced by the constant string the file gives them, if any.
func parseTerraform(path string, content []byte) (*Template, error) {
	root, err := tfRoot(path, content)
	if err != nil {
		return nil, err
	}
	return readTerraform(path, []tfBody{root}), nil
}

// ParseTerraformModule reads the Terraform files of one module (the *.tf
// and *.tf.json files of a directory, by path) together, as Terraform
// does: a function in lambda.tf gets what iam.tf attaches to its role, and
// each position names the file it is in. dir is the Template's Path. A
// file that does not parse is an error naming it, and no template:
// Terraform refuses the whole module. Child modules are not followed.
func ParseTerraformModule(dir string, files map[string][]byte) (t *Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("%s: parse %s: internal error: %v", dir, envconfig.Terraform, r)
		}
	}()
	paths := slices.Sorted(maps.Keys(files))
	roots := make([]tfBody, 0, len(paths))
	for _, p := range paths {
		root, err := tfRoot(p, files[p])
		if err != nil {
			return nil, err
		}
		roots = append(roots, root)
	}
	return readTerraform(dir, roots), nil
}

// tfRoot parses one file into its top-level body.
func tfRoot(path string, content []byte) (tfBody, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(content, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		v, err := parseJSONValue(path, content, 1)
		if err != nil {
			return nil, fmt.Errorf("parse terraform %s: %w", path, err)
		}
		if jsonObjects(v) == nil {
			return nil, fmt.Errorf("parse terraform %s: top level is not an object", path)
		}
		return jsonRoot(jsonObjects(v)), nil
	}
	b, err := hclread.Parse(content)
	if err != nil {
		return nil, fmt.Errorf("parse terraform %s: %w", path, err)
	}
	return nativeBody{b, content, path}, nil
}

// readTerraform reads the functions of the files whose top-level bodies
// are roots, as one configuration.
func readTerraform(path string, roots []tfBody) *Template {
	r := &tfReader{
		locals:    map[string]tfVal{},
		vars:      map[string]tfVal{},
		docs:      map[string]tfBlock{},
		managed:   map[string]string{},
		policies:  map[string]tfBlock{},
		roleNames: map[string]string{},
		fnNames:   map[string]string{},
		aliases:   map[string]tfVal{},
		roles:     map[string]*tfRole{},
		fns:       map[string]*Function{},
		fnRoles:   map[string]string{},
		left:      tfBudget,
		reading:   map[string]bool{},
	}
	r.read(roots)
	t := &Template{Path: path, Format: envconfig.Terraform, Functions: []*Function{}}
	byPlace := func(a, b Position) int { return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line)) }
	for _, role := range r.roles {
		slices.SortStableFunc(role.statements, func(a, b Statement) int { return byPlace(a.Position, b.Position) })
		slices.SortStableFunc(role.managed, func(a, b ManagedPolicy) int { return byPlace(a.Position, b.Position) })
	}
	for _, f := range r.order {
		// Functions that share a role share its statements: clipped, so
		// that an append copies, and not copied, so that a file of many
		// functions on one role stays the size it is.
		if role := r.roles[r.fnRoles[f.Name]]; role != nil {
			f.Statements = slices.Clip(role.statements)
			f.Managed = slices.Clip(role.managed)
		}
		slices.SortStableFunc(f.Invokers, func(a, b InvokePermission) int { return byPlace(a.Position, b.Position) })
		t.Functions = append(t.Functions, f)
	}
	return t
}

// jsonRoot is the top of a *.tf.json file: an object, or an array of
// objects read as one.
type jsonRoot []tfVal

func (j jsonRoot) attr(name string) (tfVal, bool) {
	var v tfVal
	found := false
	for _, o := range j {
		if x, ok := (jsonBody{o}).attr(name); ok {
			v, found = x, true
		}
	}
	return v, found
}

func (j jsonRoot) attrs() []tfPair {
	var out []tfPair
	for _, o := range j {
		out = append(out, jsonBody{o}.attrs()...)
	}
	return out
}

func (j jsonRoot) blocks(typ string, n int) []tfBlock {
	var out []tfBlock
	for _, o := range j {
		out = append(out, jsonBody{o}.blocks(typ, n)...)
	}
	return out
}

// tfBudget bounds the policies and statements one file may have read: a
// policy document can include others many times over (Terraform refuses a
// cycle; this reader stops at one), and a policy can be attached to many
// roles. AWS caps a role's policies at a few thousand characters each, so
// real files stay far below it.
const tfBudget = 1 << 14

// tfDepth bounds chains of locals and included policy documents.
const tfDepth = 16

// tfRole is what a role is allowed, from everything that attaches to it.
type tfRole struct {
	statements []Statement
	managed    []ManagedPolicy
}

// tfReader reads one configuration (a file, or a module's files): what
// the blocks define, by name, and what attaches to each role.
type tfReader struct {
	locals    map[string]tfVal
	vars      map[string]tfVal   // variable defaults
	docs      map[string]tfBlock // data.aws_iam_policy_document, by name
	managed   map[string]string  // data.aws_iam_policy, by name: its arn
	policies  map[string]tfBlock // aws_iam_policy, by name
	roleNames map[string]string  // aws_iam_role's literal name -> address
	fnNames   map[string]string  // aws_lambda_function's literal function_name -> address
	aliases   map[string]tfVal   // aws_lambda_alias, by name: its function_name
	roles     map[string]*tfRole // by roleKey
	fns       map[string]*Function
	fnRoles   map[string]string // function address -> roleKey
	order     []*Function
	left      int
	reading   map[string]bool // documents being read, to stop at a cycle
}

// read reads the roots' blocks: the values others name first (locals,
// variables, documents, policies, names), then functions and what attaches
// to roles, then what names functions.
func (r *tfReader) read(roots []tfBody) {
	all := func(typ string, labels int) []tfBlock {
		var out []tfBlock
		for _, root := range roots {
			out = append(out, root.blocks(typ, labels)...)
		}
		return out
	}
	for _, b := range all("locals", 0) {
		for _, p := range b.body.attrs() {
			r.locals[p.key] = p.val
		}
	}
	for _, b := range all("variable", 1) {
		if v, ok := b.body.attr("default"); ok {
			r.vars[b.labels[0]] = v
		}
	}
	for _, b := range all("data", 2) {
		switch b.labels[0] {
		case "aws_iam_policy_document":
			r.docs[b.labels[1]] = b
		case "aws_iam_policy":
			if v, ok := b.body.attr("arn"); ok {
				if s, ok := r.str(v); ok {
					r.managed[b.labels[1]] = s
				}
			}
		}
	}
	resources := all("resource", 2)
	for _, b := range resources {
		addr := b.labels[0] + "." + b.labels[1]
		switch b.labels[0] {
		case "aws_iam_role":
			if v, ok := b.body.attr("name"); ok {
				if s, ok := r.str(v); ok {
					r.roleNames[s] = addr
				}
			}
		case "aws_iam_policy":
			r.policies[b.labels[1]] = b
		case "aws_lambda_function":
			if v, ok := b.body.attr("function_name"); ok {
				if s, ok := r.str(v); ok {
					r.fnNames[s] = addr
				}
			}
		case "aws_lambda_alias":
			if v, ok := b.body.attr("function_name"); ok {
				r.aliases[b.labels[1]] = v
			}
		}
	}
	for _, b := range resources {
		addr := b.labels[0] + "." + b.labels[1]
		switch b.labels[0] {
		case "aws_lambda_function":
			if r.fns[addr] != nil {
				continue // Terraform refuses a second one; the first stands
			}
			f := &Function{Name: addr, Position: b.Position}
			if v, ok := b.body.attr("role"); ok {
				f.Role = r.roleName(v)
				r.fnRoles[addr] = r.roleKey(v)
			}
			r.order = append(r.order, f)
			r.fns[addr] = f
		case "aws_iam_role":
			role := r.role(addr)
			for _, ip := range b.body.blocks("inline_policy", 0) {
				name := "inline_policy"
				if v, ok := ip.body.attr("name"); ok {
					name += " " + r.strOrText(v)
				}
				if v, ok := ip.body.attr("policy"); ok {
					role.statements = append(role.statements, r.policy(v, name+" of "+addr, 0)...)
				}
			}
			if v, ok := b.body.attr("managed_policy_arns"); ok {
				for _, arn := range list(v) {
					r.attachARN(role, arn, "managed_policy_arns of "+addr)
				}
			}
		case "aws_iam_role_policy":
			rv, ok1 := b.body.attr("role")
			pv, ok2 := b.body.attr("policy")
			if ok1 && ok2 {
				role := r.role(r.roleKey(rv))
				role.statements = append(role.statements, r.policy(pv, addr, 0)...)
			}
		case "aws_iam_role_policy_attachment":
			rv, ok1 := b.body.attr("role")
			pv, ok2 := b.body.attr("policy_arn")
			if ok1 && ok2 {
				r.attachARN(r.role(r.roleKey(rv)), pv, addr)
			}
		case "aws_iam_policy_attachment":
			rv, ok1 := b.body.attr("roles")
			pv, ok2 := b.body.attr("policy_arn")
			if ok1 && ok2 {
				for _, role := range list(rv) {
					r.attachARN(r.role(r.roleKey(role)), pv, addr)
				}
			}
		case "aws_iam_role_policy_attachments_exclusive":
			rv, ok1 := b.body.attr("role_name")
			pv, ok2 := b.body.attr("policy_arns")
			if ok1 && ok2 {
				role := r.role(r.roleKey(rv))
				for _, arn := range list(pv) {
					r.attachARN(role, arn, addr)
				}
			}
		}
	}
	// Permissions and URLs last: they name functions, which may come later
	// in the file.
	for _, b := range resources {
		switch b.labels[0] {
		case "aws_lambda_permission":
			f := r.namedFunction(b)
			if f == nil {
				continue
			}
			p := InvokePermission{Position: b.Position}
			for attr, to := range map[string]*string{
				"action":                 &p.Action,
				"principal":              &p.Principal,
				"source_arn":             &p.SourceARN,
				"source_account":         &p.SourceAccount,
				"principal_org_id":       &p.PrincipalOrgID,
				"function_url_auth_type": &p.FunctionURLAuthType,
			} {
				if v, ok := b.body.attr(attr); ok {
					*to = r.strOrText(v)
				}
			}
			f.Invokers = append(f.Invokers, p)
		case "aws_lambda_function_url":
			f := r.namedFunction(b)
			if f == nil {
				continue
			}
			u := &FunctionURL{Position: b.Position}
			if v, ok := b.body.attr("authorization_type"); ok {
				u.AuthType = r.strOrText(v)
			}
			f.URL = u
		}
	}
}

func (r *tfReader) role(key string) *tfRole {
	role := r.roles[key]
	if role == nil {
		role = &tfRole{}
		r.roles[key] = role
	}
	return role
}

// attachARN attaches the policy an ARN names to a role: the statements of
// an aws_iam_policy of this file, or else a managed policy as written. An
// aws_iam_policy whose document cannot be read here (file(),
// templatefile(), a variable) is a managed policy too, so that the
// attachment shows.
func (r *tfReader) attachARN(role *tfRole, arn tfVal, by string) {
	if t := traversal(arn); len(t) >= 2 && t[0] == "aws_iam_policy" {
		if b, ok := r.policies[t[1]]; ok {
			if v, ok := b.body.attr("policy"); ok {
				if st := r.policy(v, "aws_iam_policy."+t[1]+" attached by "+by, 0); len(st) > 0 {
					role.statements = append(role.statements, st...)
					return
				}
			}
		}
	}
	if t := traversal(arn); len(t) >= 3 && t[0] == "data" && t[1] == "aws_iam_policy" {
		if s, ok := r.managed[t[2]]; ok {
			role.managed = append(role.managed, ManagedPolicy{Position: arn.pos(), ARN: s})
			return
		}
	}
	role.managed = append(role.managed, ManagedPolicy{Position: arn.pos(), ARN: r.strOrText(arn)})
}

// roleKey names the role an expression refers to, the same way for every
// resource that names it: the address for a reference to an aws_iam_role
// (by arn, name, id or unique_id) or a literal name or ARN of one defined
// here, "name N" for the name of one defined elsewhere, and the source
// text otherwise (var.role matches var.role).
func (r *tfReader) roleKey(v tfVal) string {
	if t := traversal(v); len(t) >= 2 && t[0] == "aws_iam_role" {
		return "aws_iam_role." + t[1]
	}
	if s, ok := r.str(v); ok {
		name := s
		if i := strings.LastIndex(s, ":role/"); i >= 0 {
			name = s[i+len(":role/"):]
			name = name[strings.LastIndexByte(name, '/')+1:]
		}
		if addr, ok := r.roleNames[name]; ok {
			return addr
		}
		return "name " + name
	}
	return tfText(norm(v))
}

// roleName is Function.Role: the address of a referenced aws_iam_role (or
// of the one whose name a literal ARN ends with), or the value as written.
func (r *tfReader) roleName(v tfVal) string {
	if k := r.roleKey(v); strings.HasPrefix(k, "aws_iam_role.") {
		return k
	}
	return r.strOrText(v)
}

// fnKey is the address of the aws_lambda_function an expression names (by
// a reference to it or to an aws_lambda_alias of it, or by its literal
// function_name or ARN), or "".
func (r *tfReader) fnKey(v tfVal) string {
	if t := traversal(v); len(t) >= 2 && t[0] == "aws_lambda_alias" {
		if fn, ok := r.aliases[t[1]]; ok {
			v = fn // an alias names a function, never another alias
		}
	}
	if t := traversal(v); len(t) >= 2 && t[0] == "aws_lambda_function" {
		return "aws_lambda_function." + t[1]
	}
	if s, ok := r.str(v); ok {
		name := s
		if i := strings.LastIndex(s, ":function:"); i >= 0 {
			name, _, _ = strings.Cut(s[i+len(":function:"):], ":")
		}
		return r.fnNames[name]
	}
	return ""
}

// str returns the constant string v is, directly or as a local or a
// variable's default the file gives as a constant.
func (r *tfReader) str(v tfVal) (string, bool) {
	for depth := 0; depth < tfDepth; depth++ {
		if s, ok := constString(v); ok {
			return s, true
		}
		t := traversal(v)
		if len(t) != 2 {
			return "", false
		}
		var next tfVal
		var ok bool
		switch t[0] {
		case "local":
			next, ok = r.locals[t[1]]
		case "var":
			next, ok = r.vars[t[1]]
		}
		if !ok {
			return "", false
		}
		v = next
	}
	return "", false
}

// strOrText returns str(v), or v's source text when it is not a constant.
func (r *tfReader) strOrText(v tfVal) string {
	if s, ok := r.str(v); ok {
		return s
	}
	return tfText(norm(v))
}

// strs returns the strings of a list attribute (or of a single value).
func (r *tfReader) strs(v tfVal) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, r.strOrText(x))
	}
	return out
}

// policy returns the statements of an identity policy given as
// jsonencode({...}), a JSON string or heredoc, a reference to a
// data.aws_iam_policy_document, or a local holding one of those. Anything
// else (file(), templatefile(), a variable) has no statements this reader
// can see.
func (r *tfReader) policy(v tfVal, source string, depth int) []Statement {
	if r.left--; r.left < 0 || depth > tfDepth {
		return nil
	}
	v = norm(v)
	switch e := v.e.(type) {
	case *hclsyntax.FunctionCallExpr:
		if e.Name == "jsonencode" && len(e.Args) == 1 {
			return r.policyObject(v.with(e.Args[0]), source, depth)
		}
	case *hclsyntax.ScopeTraversalExpr:
		t := traversal(v)
		switch {
		case len(t) >= 3 && t[0] == "data" && t[1] == "aws_iam_policy_document":
			if b, ok := r.docs[t[2]]; ok && !r.reading[t[2]] {
				r.reading[t[2]] = true
				defer delete(r.reading, t[2])
				return r.document(b, source+" from data.aws_iam_policy_document."+t[2], depth)
			}
		case len(t) == 2 && t[0] == "local":
			if l, ok := r.locals[t[1]]; ok {
				return r.policy(l, source, depth+1)
			}
		}
	case *hclsyntax.TemplateExpr:
		doc, line, ok := templateJSON(e, v)
		if !ok {
			return nil
		}
		pv, err := parseJSONValue(v.file, doc, line)
		if err != nil {
			return nil // not JSON Terraform can read either; nothing to see
		}
		pv.raw = true
		if v.line > 0 || e.SrcRange.Start.Line == e.SrcRange.End.Line {
			pv.line = lineOf(v) // one line of the file, whatever \n it decodes to
		}
		return r.policyObject(pv, source, depth)
	case *hclsyntax.ObjectConsExpr:
		return r.policyObject(v, source, depth)
	}
	return nil
}

// templateJSON returns the text of a template that holds a JSON document:
// its strings decoded, each interpolation kept as written ("${...}"), and
// the line its text starts at.
func templateJSON(t *hclsyntax.TemplateExpr, v tfVal) ([]byte, int, bool) {
	if len(t.Parts) == 0 {
		return nil, 0, false
	}
	var b strings.Builder
	for _, p := range t.Parts {
		if s, ok := hclread.ConstString(&hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{p}}); ok {
			b.WriteString(s)
			continue
		}
		b.WriteString("${" + tfText(v.with(p)) + "}")
	}
	return []byte(b.String()), t.Parts[0].Range().Start.Line, true
}

// policyObject returns the statements of a policy document object
// (Statement: a list of statements or one).
func (r *tfReader) policyObject(v tfVal, source string, depth int) []Statement {
	items, ok := object(v)
	if !ok {
		return nil
	}
	var out []Statement
	for _, it := range items {
		if it.key != "Statement" {
			continue
		}
		for _, s := range list(it.val) {
			st, ok := r.statement(s, source)
			if r.left--; ok && r.left >= 0 {
				out = append(out, st)
			}
		}
	}
	return out
}

// statement reads one statement object of a JSON policy.
func (r *tfReader) statement(v tfVal, source string) (Statement, bool) {
	items, ok := object(v)
	if !ok {
		return Statement{}, false
	}
	s := Statement{Position: norm(v).pos(), Source: source}
	for _, it := range items {
		switch it.key {
		case "Effect":
			s.Effect = r.strOrText(it.val)
		case "Action":
			s.Actions = r.strs(it.val)
		case "NotAction":
			s.NotActions = r.strs(it.val)
		case "Resource":
			s.Resources = r.strs(it.val)
		case "NotResource":
			s.NotResources = r.strs(it.val)
		case "Condition":
			s.Conditioned = conditioned(it.val)
		}
	}
	return s, true
}

// conditioned: a Condition value that is not empty or null.
func conditioned(v tfVal) bool {
	if items, ok := object(v); ok {
		return len(items) > 0
	}
	if s, ok := constString(v); ok {
		return s != ""
	}
	return true // a reference: some condition
}

// document returns the statements of a data "aws_iam_policy_document":
// those of the documents it starts from (source_policy_documents,
// override_policy_documents), then its statement blocks.
func (r *tfReader) document(b tfBlock, source string, depth int) []Statement {
	var out []Statement
	for _, attr := range []string{"source_policy_documents", "override_policy_documents"} {
		if v, ok := b.body.attr(attr); ok {
			for _, d := range list(v) {
				out = append(out, r.policy(d, source, depth+1)...)
			}
		}
	}
	for _, attr := range []string{"source_json", "override_json"} {
		if v, ok := b.body.attr(attr); ok {
			out = append(out, r.policy(v, source, depth+1)...)
		}
	}
	for _, sb := range b.body.blocks("statement", 0) {
		s := Statement{Position: sb.Position, Source: source, Effect: "Allow"}
		if v, ok := sb.body.attr("effect"); ok {
			s.Effect = r.strOrText(v)
		}
		for attr, to := range map[string]*[]string{
			"actions":       &s.Actions,
			"not_actions":   &s.NotActions,
			"resources":     &s.Resources,
			"not_resources": &s.NotResources,
		} {
			if v, ok := sb.body.attr(attr); ok {
				*to = r.strs(v)
			}
		}
		s.Conditioned = len(sb.body.blocks("condition", 0)) > 0
		if r.left--; r.left < 0 {
			break
		}
		out = append(out, s)
	}
	return out
}

// namedFunction is the function a permission or URL block names by its
// function_name, or nil.
func (r *tfReader) namedFunction(b tfBlock) *Function {
	fv, ok := b.body.attr("function_name")
	if !ok {
		return nil
	}
	return r.fns[r.fnKey(fv)]
}
