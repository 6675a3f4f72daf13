// Package hclread parses Terraform's native HCL syntax within limits that
// keep a hostile file from ending the process, and reads constant strings
// out of it. It is shared by the readers of Terraform files
// (secrets/envconfig for environment variables, permissions for IAM).
package hclread

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// MaxDepth and MaxOperators bound what hclsyntax's recursive-descent
// parser is given: it recurses once per nested bracket, template, unary
// operator or conditional, and a goroutine stack overflow is fatal (no
// recover), so a hostile file of nested brackets would end the process.
// Real Terraform nests a few levels and has few such operators.
const (
	MaxDepth     = 256
	MaxOperators = 10000
)

// Parse parses content (a byte order mark is skipped) as an HCL native
// syntax file, after checking it against Shallow. The error is the first
// error diagnostic, as Error words it.
func Parse(content []byte) (*hclsyntax.Body, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	tokens, _ := hclsyntax.LexConfig(content, "", hcl.InitialPos)
	if err := Shallow(tokens); err != nil {
		return nil, err
	}
	f, diags := hclsyntax.ParseConfig(content, "", hcl.InitialPos)
	if err := Error(diags); err != nil {
		return nil, err
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, errors.New("not an HCL native syntax body")
	}
	return body, nil
}

// Error returns the first error of diags as "line N: summary: detail", or
// nil when there is none.
func Error(diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		line := 0
		if d.Subject != nil {
			line = d.Subject.Start.Line
		}
		return fmt.Errorf("line %d: %s: %s", line, d.Summary, d.Detail)
	}
	return nil
}

// Shallow checks lexed HCL against MaxDepth and MaxOperators.
func Shallow(tokens hclsyntax.Tokens) error {
	depth, ops := 0, 0
	for _, t := range tokens {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			if depth++; depth > MaxDepth {
				return fmt.Errorf("line %d: nested more than %d levels deep", t.Range.Start.Line, MaxDepth)
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			depth = max(depth-1, 0)
		case hclsyntax.TokenQuestion, hclsyntax.TokenBang, hclsyntax.TokenMinus:
			if ops++; ops > MaxOperators {
				return fmt.Errorf("line %d: more than %d conditional or unary operators", t.Range.Start.Line, MaxOperators)
			}
		}
	}
	return nil
}

// ShallowJSON checks JSON text against MaxDepth: hcl/json's parser
// recurses once per array or object, without a bound of its own.
func ShallowJSON(src []byte) error {
	depth, line, inString := 0, 1, false
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n':
			line++
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > MaxDepth {
				return fmt.Errorf("line %d: nested more than %d levels deep", line, MaxDepth)
			}
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		}
	}
	return nil
}

// ConstString returns the value of a template that is one constant string
// (quoted or heredoc, $${ and %%{ escapes decoded).
func ConstString(expr hclsyntax.Expression) (string, bool) {
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for _, part := range t.Parts {
		l, ok := part.(*hclsyntax.LiteralValueExpr)
		if !ok || l.Val.Type() != cty.String || l.Val.IsNull() || !l.Val.IsKnown() {
			return "", false
		}
		b.WriteString(l.Val.AsString())
	}
	return b.String(), true
}

// ObjectKey returns the name an object key sets: a bare identifier, the
// string of a quoted key, or, for a computed key, what source says of its
// expression (its source text).
func ObjectKey(expr hclsyntax.Expression, source func(hclsyntax.Expression) string) string {
	if k, ok := expr.(*hclsyntax.ObjectConsKeyExpr); ok {
		if !k.ForceNonLiteral {
			if kw := hcl.ExprAsKeyword(k.Wrapped); kw != "" {
				return kw
			}
		}
		expr = k.Wrapped
	}
	if s, ok := ConstString(expr); ok {
		return s
	}
	return source(expr)
}
