package envconfig

import (
	"github.com/shipcheck/shipcheck/internal/tmpltree"

	"bytes"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"

	"github.com/shipcheck/shipcheck/internal/hclread"
)

// tfKind says how a Terraform target holds its variables.
type tfKind int

const (
	// tfMap is an attribute whose value is an object: NAME = value.
	tfMap tfKind = iota
	// tfNameValue is a repeatable block with name and value attributes
	// (Azure connection_string, Cloud Run env); a value_source or value_from
	// block instead of value is a reference.
	tfNameValue
	// tfSecretEnv is a Cloud Functions secret_environment_variables block:
	// key names the variable, secret the Secret Manager secret (a
	// reference).
	tfSecretEnv
)

// tfTarget is where a resource type sets variables: an attribute or block
// named name, inside the nested blocks listed (outermost first).
type tfTarget struct {
	blocks []string
	name   string
	kind   tfKind
}

var (
	tfAzureApp = []tfTarget{{name: "app_settings"}, {name: "connection_string", kind: tfNameValue}}
	tfGCF1     = []tfTarget{
		{name: "environment_variables"},
		{name: "build_environment_variables"},
		{name: "secret_environment_variables", kind: tfSecretEnv},
	}
	tfGCF2 = []tfTarget{
		{blocks: []string{"service_config"}, name: "environment_variables"},
		{blocks: []string{"service_config"}, name: "secret_environment_variables", kind: tfSecretEnv},
		{blocks: []string{"build_config"}, name: "environment_variables"},
	}
)

// tfResources lists, per resource type, where it sets variables.
var tfResources = map[string][]tfTarget{
	"aws_lambda_function":               {{blocks: []string{"environment"}, name: "variables"}},
	"google_cloudfunctions_function":    tfGCF1,
	"google_cloudfunctions2_function":   tfGCF2,
	"google_cloud_run_v2_service":       {{blocks: []string{"template", "containers"}, name: "env", kind: tfNameValue}},
	"google_cloud_run_service":          {{blocks: []string{"template", "spec", "containers"}, name: "env", kind: tfNameValue}},
	"azurerm_function_app":              tfAzureApp,
	"azurerm_function_app_slot":         tfAzureApp,
	"azurerm_linux_function_app":        tfAzureApp,
	"azurerm_linux_function_app_slot":   tfAzureApp,
	"azurerm_windows_function_app":      tfAzureApp,
	"azurerm_windows_function_app_slot": tfAzureApp,
	"azurerm_app_service":               tfAzureApp,
	"azurerm_linux_web_app":             tfAzureApp,
	"azurerm_windows_web_app":           tfAzureApp,
}

// tfModule is where any module block sets variables: the convention of the
// terraform-aws-modules/lambda module and of many others.
var tfModule = []tfTarget{{name: "environment_variables"}}

// parseTerraform reads a Terraform file: native HCL, or the JSON syntax when
// the content starts with '{'. A value is a literal when it is a constant:
// a string without interpolation or directives, a number, a bool or null.
// Anything else (var., local., data., module. and resource references,
// function calls, templates with ${...}, conditionals) is a reference whose
// Value is the expression's source text. A map given as merge(...) or
// tomap(...) is read through its object arguments, and one given as
// local.NAME through the locals of the same file; a map given any other way
// (var.env) sets no variables this package can see.
func parseTerraform(content []byte) ([]Variable, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(content, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return parseTerraformJSON(content)
	}
	body, err := hclread.Parse(content)
	if err != nil {
		return nil, err
	}
	w := &tfWalker{src: content, locals: map[string]hclsyntax.Expression{}, left: tmpltree.WalkBudget}
	for _, b := range body.Blocks {
		if b.Type == "locals" {
			for name, a := range b.Body.Attributes {
				w.locals[name] = a.Expr
			}
		}
	}
	for _, b := range body.Blocks {
		var targets []tfTarget
		var scope string
		switch {
		case b.Type == "resource" && len(b.Labels) == 2:
			targets, scope = tfResources[b.Labels[0]], b.Labels[0]+"."+b.Labels[1]
		case b.Type == "module" && len(b.Labels) == 1:
			targets, scope = tfModule, "module."+b.Labels[0]
		}
		for _, t := range targets {
			w.target(b.Body, t, scope+" "+strings.Join(append(append([]string(nil), t.blocks...), t.name), "."))
		}
	}
	if w.left < 0 {
		return nil, tmpltree.ErrBudget
	}
	return w.vars, nil
}

type tfWalker struct {
	src    []byte
	locals map[string]hclsyntax.Expression
	vars   []Variable
	left   int // object items the walk may still visit (locals can be named many times)
}

// target appends the variables of one target in a resource body.
func (w *tfWalker) target(body *hclsyntax.Body, t tfTarget, scope string) {
	bodies := []*hclsyntax.Body{body}
	for _, typ := range t.blocks {
		var next []*hclsyntax.Body
		for _, b := range bodies {
			next = append(next, tfNested(b, typ)...)
		}
		bodies = next
	}
	for _, b := range bodies {
		switch t.kind {
		case tfMap:
			if a, ok := b.Attributes[t.name]; ok {
				w.object(a.Expr, scope, 0)
			}
		case tfNameValue:
			for _, nb := range tfNested(b, t.name) {
				name, ok := w.name(nb, "name")
				if !ok {
					continue
				}
				v := Variable{Name: name, Scope: scope}
				if a, ok := nb.Attributes["value"]; ok {
					v.Value, v.Literal = w.value(a.Expr)
					v.Line = a.Expr.Range().Start.Line
				} else if len(nb.Blocks) > 0 { // value_source { secret_key_ref { ... } }
					v.Value = strings.Join(strings.Fields(w.text(nb.Blocks[0].Range())), " ")
					v.Line = nb.Blocks[0].Range().Start.Line
				} else {
					continue
				}
				w.vars = append(w.vars, v)
			}
		case tfSecretEnv:
			for _, nb := range tfNested(b, t.name) {
				name, ok := w.name(nb, "key")
				a, ok2 := nb.Attributes["secret"]
				if !ok || !ok2 {
					continue
				}
				secret, ok := hclread.ConstString(a.Expr)
				if !ok {
					secret = w.text(a.Expr.Range())
				}
				w.vars = append(w.vars, Variable{Name: name, Value: secret, Line: a.Expr.Range().Start.Line, Scope: scope})
			}
		}
	}
}

// tfNested returns the bodies of the blocks of a type in body, including the
// content of dynamic blocks that generate them.
func tfNested(body *hclsyntax.Body, typ string) []*hclsyntax.Body {
	var out []*hclsyntax.Body
	for _, b := range body.Blocks {
		switch {
		case b.Type == typ:
			out = append(out, b.Body)
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, c.Body)
				}
			}
		}
	}
	return out
}

// object appends the entries of an object expression, following merge()
// arguments and local values.
func (w *tfWalker) object(expr hclsyntax.Expression, scope string, depth int) {
	if w.left--; depth > 8 || w.left < 0 {
		return
	}
	switch e := expr.(type) {
	case *hclsyntax.ParenthesesExpr:
		w.object(e.Expression, scope, depth+1)
	case *hclsyntax.ObjectConsExpr:
		for _, item := range e.Items {
			if w.left--; w.left < 0 {
				return
			}
			v := Variable{Name: w.key(item.KeyExpr), Line: item.ValueExpr.Range().Start.Line, Scope: scope}
			v.Value, v.Literal = w.value(item.ValueExpr)
			w.vars = append(w.vars, v)
		}
	case *hclsyntax.FunctionCallExpr:
		if e.Name == "merge" || e.Name == "tomap" {
			for _, a := range e.Args {
				w.object(a, scope, depth+1)
			}
		}
	case *hclsyntax.ScopeTraversalExpr:
		if len(e.Traversal) == 2 && e.Traversal.RootName() == "local" {
			if attr, ok := e.Traversal[1].(hcl.TraverseAttr); ok {
				if l, ok := w.locals[attr.Name]; ok {
					w.object(l, scope+" via local."+attr.Name, depth+1)
				}
			}
		}
	}
}

// key returns the name an object key sets (see hclread.ObjectKey).
func (w *tfWalker) key(expr hclsyntax.Expression) string {
	return hclread.ObjectKey(expr, func(e hclsyntax.Expression) string { return w.text(e.Range()) })
}

// name returns the constant string (or source text) of a block's attribute.
func (w *tfWalker) name(b *hclsyntax.Body, attr string) (string, bool) {
	a, ok := b.Attributes[attr]
	if !ok {
		return "", false
	}
	if s, ok := hclread.ConstString(a.Expr); ok {
		return s, true
	}
	return w.text(a.Expr.Range()), true
}

// value classifies a value expression.
func (w *tfWalker) value(expr hclsyntax.Expression) (string, bool) {
	for {
		p, ok := expr.(*hclsyntax.ParenthesesExpr)
		if !ok {
			break
		}
		expr = p.Expression
	}
	if s, ok := hclread.ConstString(expr); ok {
		return literal(s)
	}
	if l, ok := expr.(*hclsyntax.LiteralValueExpr); ok {
		switch {
		case l.Val.IsNull():
			return "", true
		case l.Val.Type() == cty.Bool:
			if l.Val.True() {
				return "true", true
			}
			return "false", true
		default:
			return w.text(l.Range()), true
		}
	}
	return w.text(expr.Range()), false
}

// text returns the source text of a range, cut at about tmpltree.MaxRender bytes.
func (w *tfWalker) text(r hcl.Range) string {
	s, e := r.Start.Byte, r.End.Byte
	if s < 0 || e > len(w.src) || s > e {
		return ""
	}
	t := string(w.src[s:e])
	if len(t) > tmpltree.MaxRender {
		t = strings.ToValidUTF8(t[:tmpltree.MaxRender], "") + "…"
	}
	return t
}

// parseTerraformJSON reads the JSON syntax of Terraform (*.tf.json): the
// same targets, blocks given as objects or arrays of objects, strings read
// as HCL templates.
func parseTerraformJSON(content []byte) ([]Variable, error) {
	d, root, err := rootMapping(content)
	if root == nil {
		return nil, err
	}
	var vars []Variable
	for _, res := range tfJSONObjects(d.Get(root, "resource")) {
		for _, typ := range d.Pairs(res) {
			targets := tfResources[typ.Key.Value]
			if targets == nil {
				continue
			}
			for _, named := range tfJSONObjects(typ.Value) {
				for _, r := range d.Pairs(named) {
					for _, body := range tfJSONObjects(r.Value) {
						d.tfJSONTargets(body, targets, typ.Key.Value+"."+r.Key.Value, &vars)
					}
				}
			}
		}
	}
	for _, mods := range tfJSONObjects(d.Get(root, "module")) {
		for _, m := range d.Pairs(mods) {
			for _, body := range tfJSONObjects(m.Value) {
				d.tfJSONTargets(body, tfModule, "module."+m.Key.Value, &vars)
			}
		}
	}
	return vars, d.Err()
}

func (d *doc) tfJSONTargets(body *yaml.Node, targets []tfTarget, base string, vars *[]Variable) {
	for _, t := range targets {
		scope := base + " " + strings.Join(append(append([]string(nil), t.blocks...), t.name), ".")
		bodies := []*yaml.Node{body}
		for _, typ := range t.blocks {
			var next []*yaml.Node
			for _, b := range bodies {
				next = append(next, d.tfJSONNested(b, typ)...)
			}
			bodies = next
		}
		for _, b := range bodies {
			switch t.kind {
			case tfMap:
				if m := tmpltree.Resolve(d.Get(b, t.name)); m != nil && m.Kind == yaml.MappingNode {
					d.mapVars(m, scope, tfJSONValue, vars)
				}
			case tfNameValue, tfSecretEnv:
				nameKey, valueKey := "name", "value"
				if t.kind == tfSecretEnv {
					nameKey, valueKey = "key", "secret"
				}
				for _, nb := range d.tfJSONNested(b, t.name) {
					name, v := d.Get(nb, nameKey), d.Get(nb, valueKey)
					if name == nil || name.Kind != yaml.ScalarNode {
						continue
					}
					if v == nil {
						v = d.Get(nb, "value_source")
						if v == nil {
							v = d.Get(nb, "value_from")
						}
					}
					if v == nil {
						continue
					}
					value, lit, ok := tfJSONValue(v)
					if !ok {
						value, lit = tmpltree.Render(v), false
					}
					if t.kind == tfSecretEnv {
						lit = false
					}
					*vars = append(*vars, Variable{Name: name.Value, Value: value, Literal: lit, Line: v.Line, Scope: scope})
				}
			}
		}
	}
}

// tfJSONObjects returns n as a list of objects: n itself, or the objects of
// an array.
func tfJSONObjects(n *yaml.Node) []*yaml.Node {
	n = tmpltree.Resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range n.Content {
			if c = tmpltree.Resolve(c); c != nil && c.Kind == yaml.MappingNode {
				out = append(out, c)
			}
		}
		return out
	}
	return nil
}

// tfJSONNested returns the bodies of the blocks of a type in body, with the
// content of dynamic blocks.
func (d *doc) tfJSONNested(body *yaml.Node, typ string) []*yaml.Node {
	out := tfJSONObjects(d.Get(body, typ))
	for _, dyn := range tfJSONObjects(d.Get(body, "dynamic")) {
		for _, b := range tfJSONObjects(d.Get(dyn, typ)) {
			out = append(out, tfJSONObjects(d.Get(b, "content"))...)
		}
	}
	return out
}

// tfJSONValue classifies a value in Terraform JSON: a string is an HCL
// template, a literal when it has no interpolation or directive.
func tfJSONValue(n *yaml.Node) (string, bool, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false, false
	}
	if n.Tag != "!!str" {
		v, lit := literal(tmpltree.ScalarText(n))
		return v, lit, true
	}
	if tokens, _ := hclsyntax.LexTemplate([]byte(n.Value), "", hcl.InitialPos); hclread.Shallow(tokens) != nil {
		return n.Value, false, true // not a plain literal, too deep to parse safely
	}
	expr, diags := hclsyntax.ParseTemplate([]byte(n.Value), "", hcl.InitialPos)
	if diags.HasErrors() {
		return n.Value, false, true // Terraform would reject it; not a plain literal
	}
	if s, ok := hclread.ConstString(expr); ok {
		v, lit := literal(s)
		return v, lit, true
	}
	return n.Value, false, true
}
