package permissions

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"

	"github.com/shipcheck/shipcheck/internal/hclread"
)

// Terraform's two syntaxes are read through one view: a tfBody has
// attributes and blocks, a tfVal is an expression. The native syntax gives
// hclsyntax bodies and expressions; the JSON syntax gives hcl/json
// expressions (the parser Terraform itself uses for *.tf.json, so lines
// come with every value), whose objects are bodies or object values as
// the schema says, and whose strings are HCL templates, parsed here into
// hclsyntax expressions. Everything past the view (which resource attaches
// what) is written once for both. (envconfig reads *.tf.json through its
// yaml.Node tree; hcl/json is used here because its lists and objects
// answer hcl.ExprList and hcl.ExprMap as native ones do, and its strings
// are the templates Terraform evaluates, so one walker serves both.)

// tfBody is a block body of either syntax.
type tfBody interface {
	// attr returns the attribute name (the last one, if repeated).
	attr(name string) (tfVal, bool)
	// attrs returns every attribute, in file order for JSON.
	attrs() []tfPair
	// blocks returns the blocks of a type with n labels, with the content
	// of dynamic blocks that generate them (n == 0).
	blocks(typ string, n int) []tfBlock
}

// tfBlock is one block: its labels, body and where its header is.
type tfBlock struct {
	labels []string
	body   tfBody
	Position
}

// tfPair is an attribute or an object item.
type tfPair struct {
	key string
	val tfVal
}

// tfVal is an expression with what its ranges index.
type tfVal struct {
	e    hcl.Expression
	file string // the file it is written in, for positions
	// src is the text e's byte ranges index: the file, a string decoded
	// from JSON, or a policy document's text.
	src []byte
	// line, when > 0, is the line of every part of e: e was parsed from a
	// string written on that line, whose own lines (from \n escapes) are
	// not the file's.
	line int
	// raw: a string is a value as it stands (a policy document's JSON),
	// not a Terraform template.
	raw bool
}

// with returns e in v's place: written in the same file and text.
func (v tfVal) with(e hcl.Expression) tfVal {
	v.e = e
	return v
}

// pos returns where v is written.
func (v tfVal) pos() Position { return Position{File: v.file, Line: lineOf(v)} }

// jsonContainer is what hcl/json's expressions offer for arrays and
// objects: nil for any other kind of value.
type jsonContainer interface {
	ExprList() []hcl.Expression
	ExprMap() []hcl.KeyValuePair
}

// nativeBody is a body of the native syntax.
type nativeBody struct {
	b    *hclsyntax.Body
	src  []byte
	file string
}

func (n nativeBody) attr(name string) (tfVal, bool) {
	a, ok := n.b.Attributes[name]
	if !ok {
		return tfVal{}, false
	}
	return tfVal{e: a.Expr, src: n.src, file: n.file}, true
}

func (n nativeBody) attrs() []tfPair {
	out := make([]tfPair, 0, len(n.b.Attributes))
	for name, a := range n.b.Attributes {
		out = append(out, tfPair{name, tfVal{e: a.Expr, src: n.src, file: n.file}})
	}
	return out
}

func (n nativeBody) blocks(typ string, labels int) []tfBlock {
	var out []tfBlock
	for _, b := range n.b.Blocks {
		switch {
		case b.Type == typ && len(b.Labels) == labels:
			out = append(out, tfBlock{b.Labels, nativeBody{b.Body, n.src, n.file}, Position{n.file, b.TypeRange.Start.Line}})
		case labels == 0 && b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, tfBlock{nil, nativeBody{c.Body, n.src, n.file}, Position{n.file, b.TypeRange.Start.Line}})
				}
			}
		}
	}
	return out
}

// jsonBody is a body of the JSON syntax: a JSON object.
type jsonBody struct {
	obj tfVal
}

func (j jsonBody) attrs() []tfPair {
	c, ok := j.obj.e.(jsonContainer)
	if !ok {
		return nil
	}
	var out []tfPair
	for _, kv := range c.ExprMap() {
		k, _ := kv.Key.Value(nil)
		if k.Type() != cty.String || k.IsNull() {
			continue
		}
		out = append(out, tfPair{k.AsString(), j.obj.with(kv.Value)})
	}
	return out
}

func (j jsonBody) attr(name string) (tfVal, bool) {
	var v tfVal
	found := false
	for _, p := range j.attrs() {
		if p.key == name {
			v, found = p.val, true
		}
	}
	return v, found
}

func (j jsonBody) blocks(typ string, labels int) []tfBlock {
	var out []tfBlock
	for _, p := range j.attrs() {
		switch {
		case p.key == typ:
			out = append(out, jsonBlocks(p.val, labels, nil)...)
		case p.key == "dynamic" && labels == 0:
			for _, d := range jsonBlocks(p.val, 1, nil) {
				if d.labels[0] != typ {
					continue
				}
				for _, c := range d.body.blocks("content", 0) {
					c.Position = d.Position
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// jsonBlocks unpacks the blocks a JSON value holds: an object (or array of
// objects) per label level, and at the end an object or array of objects
// per block.
func jsonBlocks(v tfVal, labels int, prefix []string) []tfBlock {
	var out []tfBlock
	for _, o := range jsonObjects(v) {
		if labels == 0 {
			out = append(out, tfBlock{prefix, jsonBody{o}, o.pos()})
			continue
		}
		for _, p := range (jsonBody{o}).attrs() {
			out = append(out, jsonBlocks(p.val, labels-1, append(prefix[:len(prefix):len(prefix)], p.key))...)
		}
	}
	return out
}

// jsonObjects returns v as a list of JSON objects: v itself, or the
// objects of an array.
func jsonObjects(v tfVal) []tfVal {
	c, ok := v.e.(jsonContainer)
	if !ok {
		return nil
	}
	if c.ExprMap() != nil {
		return []tfVal{v}
	}
	var out []tfVal
	for _, e := range c.ExprList() {
		if ec, ok := e.(jsonContainer); ok && ec.ExprMap() != nil {
			out = append(out, v.with(e))
		}
	}
	return out
}

// parseJSONValue parses JSON text (a *.tf.json file or a policy document)
// written in file into a value whose lines start at line (Byte offsets
// index text).
func parseJSONValue(file string, text []byte, line int) (tfVal, error) {
	if err := hclread.ShallowJSON(text); err != nil {
		return tfVal{}, err
	}
	e, diags := hcljson.ParseExpressionWithStartPos(text, "", hcl.Pos{Line: line, Column: 1})
	if err := hclread.Error(diags); err != nil {
		return tfVal{}, err
	}
	return tfVal{e: e, src: text, file: file}, nil
}

// norm returns v with parentheses and "${...}" wrappers taken off, and a
// JSON string (unless raw) parsed as the template Terraform reads it as.
func norm(v tfVal) tfVal {
	for i := 0; i < hclread.MaxDepth; i++ {
		switch e := v.e.(type) {
		case *hclsyntax.ParenthesesExpr:
			v.e = e.Expression
			continue
		case *hclsyntax.TemplateWrapExpr:
			v.e = e.Wrapped
			continue
		case hclsyntax.Expression:
			return v
		case jsonContainer:
			if v.raw || e.ExprList() != nil || e.ExprMap() != nil {
				return v
			}
			s, ok := jsonString(v)
			if !ok {
				return v
			}
			line := v.line
			if line == 0 {
				line = v.e.Range().Start.Line
			}
			tokens, _ := hclsyntax.LexTemplate([]byte(s), "", hcl.InitialPos)
			if hclread.Shallow(tokens) != nil {
				return v
			}
			t, diags := hclsyntax.ParseTemplate([]byte(s), "", hcl.InitialPos)
			if diags.HasErrors() {
				return v // Terraform would reject it; read it as the string it is
			}
			v = tfVal{e: t, src: []byte(s), line: line, file: v.file}
			continue
		}
		return v
	}
	return v
}

// jsonString returns the value of a JSON string.
func jsonString(v tfVal) (string, bool) {
	if _, ok := v.e.(hclsyntax.Expression); ok {
		return "", false
	}
	if _, ok := v.e.(jsonContainer); !ok {
		return "", false
	}
	s, diags := v.e.Value(nil)
	if diags.HasErrors() || s.Type() != cty.String || s.IsNull() || !s.IsKnown() {
		return "", false
	}
	return s.AsString(), true
}

// lineOf returns the line v starts at.
func lineOf(v tfVal) int {
	if v.line > 0 {
		return v.line
	}
	return v.e.Range().Start.Line
}

// maxText bounds the text kept for a value written as an expression.
const maxText = 1024

// tfText returns the source text of v: for a quoted template, without its
// quotes.
func tfText(v tfVal) string {
	r := v.e.Range()
	s, e := r.Start.Byte, r.End.Byte
	if s < 0 || e > len(v.src) || s > e {
		return ""
	}
	t := string(v.src[s:e])
	if _, ok := v.e.(*hclsyntax.TemplateExpr); ok && len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
		t = t[1 : len(t)-1]
	}
	if len(t) > maxText {
		t = strings.ToValidUTF8(t[:maxText], "") + "…"
	}
	return t
}

// constString returns the string v is when it is a constant: a template
// without interpolation, a raw JSON string, a number or a bool.
func constString(v tfVal) (string, bool) {
	v = norm(v)
	switch e := v.e.(type) {
	case *hclsyntax.TemplateExpr:
		return hclread.ConstString(e)
	case *hclsyntax.LiteralValueExpr:
		return literalText(e.Val)
	case hclsyntax.Expression:
		return "", false
	}
	if c, ok := v.e.(jsonContainer); ok && c.ExprList() == nil && c.ExprMap() == nil {
		if s, ok := jsonString(v); ok {
			return s, true
		}
		if val, diags := v.e.Value(nil); !diags.HasErrors() {
			return literalText(val)
		}
	}
	return "", false
}

// literalText writes a primitive value as Terraform converts it to a
// string.
func literalText(v cty.Value) (string, bool) {
	if !v.IsKnown() {
		return "", false
	}
	if v.IsNull() {
		return "", true
	}
	switch v.Type() {
	case cty.String:
		return v.AsString(), true
	case cty.Bool:
		if v.True() {
			return "true", true
		}
		return "false", true
	case cty.Number:
		return v.AsBigFloat().Text('f', -1), true
	}
	return "", false
}

// list returns the elements of a tuple or JSON array, or v alone.
func list(v tfVal) []tfVal {
	v = norm(v)
	var exprs []hcl.Expression
	switch e := v.e.(type) {
	case *hclsyntax.TupleConsExpr:
		for _, x := range e.Exprs {
			exprs = append(exprs, x)
		}
	case hclsyntax.Expression:
		return []tfVal{v}
	case jsonContainer:
		l := e.ExprList()
		if l == nil {
			return []tfVal{v}
		}
		exprs = l
	default:
		return []tfVal{v}
	}
	out := make([]tfVal, len(exprs))
	for i, x := range exprs {
		out[i] = v.with(x)
	}
	return out
}

// object returns the items of an object constructor or JSON object.
func object(v tfVal) ([]tfPair, bool) {
	v = norm(v)
	switch e := v.e.(type) {
	case *hclsyntax.ObjectConsExpr:
		out := make([]tfPair, len(e.Items))
		for i, item := range e.Items {
			out[i] = tfPair{objectKey(item.KeyExpr, v), v.with(item.ValueExpr)}
		}
		return out, true
	case hclsyntax.Expression:
		return nil, false
	case jsonContainer:
		if e.ExprMap() == nil {
			return nil, false
		}
		return jsonBody{v}.attrs(), true // raw or not, as v is
	}
	return nil, false
}

// objectKey returns the name an object key sets (see hclread.ObjectKey).
func objectKey(expr hclsyntax.Expression, v tfVal) string {
	return hclread.ObjectKey(expr, func(e hclsyntax.Expression) string { return tfText(v.with(e)) })
}

// traversal returns the names of v's steps when v is a reference such as
// aws_iam_role.api.arn or aws_iam_role.api[0].arn (index steps left out).
func traversal(v tfVal) []string {
	v = norm(v)
	e, ok := v.e.(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		return nil
	}
	var out []string
	for _, step := range e.Traversal {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			out = append(out, s.Name)
		case hcl.TraverseAttr:
			out = append(out, s.Name)
		}
	}
	return out
}
