// Package tmpltree reads the YAML and JSON deployment templates that
// several analysers walk (SAM and CloudFormation, serverless.yml, Terraform
// JSON, Lambda and Azure settings) into one tree, yaml.v3's Node, with the
// line of every value, and walks it within a budget: aliases and merge keys
// followed, never more than WalkBudget mapping entries per document. It also
// knows CloudFormation's intrinsic functions in both their forms.
package tmpltree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML and JSON formats are all read into one tree, yaml.v3's Node, which
// keeps each value's line and tag. JSON goes through encoding/json's token
// stream (JSON string semantics, duplicate keys and tabs allowed, lines from
// the decoder's offsets) rather than through yaml.v3, which rejects both.

// maxDepth bounds the nesting of JSON documents and of the walks over aliases
// and merge keys; no configuration format nests anywhere near it.
const maxDepth = 512

var errTooDeep = errors.New("nesting too deep")

// Parse parses YAML or JSON content into the root node of its first
// document (nil for an empty document). Content that starts with '{' or '['
// is read as JSON, then as JSON with // and /* */ comments (which Azure's
// and AWS's JSON readers accept), then as YAML (which also takes trailing
// commas and unquoted keys).
func Parse(content []byte) (*yaml.Node, error) {
	body := bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return parseYAML(content)
	}
	root, jerr := parseJSON(body)
	if jerr == nil {
		return root, nil
	}
	var candidates [][]byte
	if stripped := stripJSONComments(body); stripped != nil {
		if root, err := parseJSON(stripped); err == nil {
			return root, nil
		}
		candidates = append(candidates, stripped)
	}
	candidates = append(candidates, body)
	for _, c := range candidates {
		if root, err := parseYAML(c); err == nil {
			return root, nil
		}
	}
	return nil, jerr
}

// stripJSONComments returns src with the // and /* */ comments outside
// strings blanked (newlines kept, so lines do not move), or nil when src has
// no comment.
func stripJSONComments(src []byte) []byte {
	var out []byte
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '/' && i+1 < len(src) && (src[i+1] == '/' || src[i+1] == '*'):
			end := len(src)
			if src[i+1] == '/' {
				if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
					end = i + j
				}
			} else if j := bytes.Index(src[i+2:], []byte("*/")); j >= 0 {
				end = i + 2 + j + 2
			}
			if out == nil {
				out = bytes.Clone(src)
			}
			for k := i; k < end; k++ {
				if out[k] != '\n' {
					out[k] = ' '
				}
			}
			i = end - 1
		}
	}
	return out
}

// parseYAML parses the first YAML document of content.
func parseYAML(content []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil // empty content
	}
	return doc.Content[0], nil
}

// jsonReader builds yaml Nodes from a JSON token stream, with lines.
type jsonReader struct {
	dec   *json.Decoder
	src   []byte // the JSON text
	lines []int  // offsets in src where each line starts
}

// parseJSON parses one JSON value.
func parseJSON(src []byte) (*yaml.Node, error) {
	r := &jsonReader{dec: json.NewDecoder(bytes.NewReader(src)), src: src, lines: []int{0}}
	r.dec.UseNumber()
	for i, c := range src {
		if c == '\n' {
			r.lines = append(r.lines, i+1)
		}
	}
	n, err := r.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("invalid character after top-level value")
		}
		return nil, err
	}
	return n, nil
}

// pos returns the 1-based line and column where the next token starts.
func (r *jsonReader) pos() (int, int) {
	off := int(r.dec.InputOffset())
	for off < len(r.src) && strings.IndexByte(" \t\r\n:,", r.src[off]) >= 0 {
		off++
	}
	i := sort.Search(len(r.lines), func(i int) bool { return r.lines[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, off - r.lines[i] + 1
}

func (r *jsonReader) value(depth int) (*yaml.Node, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	line, col := r.pos()
	tok, err := r.dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
			for r.dec.More() {
				kl, kc := r.pos()
				kt, err := r.dec.Token()
				if err != nil {
					return nil, err
				}
				ks, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("line %d: object key is not a string", kl)
				}
				v, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: ks, Line: kl, Column: kc}
				n.Content = append(n.Content, k, v)
			}
		case '[':
			n.Kind, n.Tag, n.Style = yaml.SequenceNode, "!!seq", yaml.FlowStyle
			for r.dec.More() {
				v, err := r.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
		default:
			return nil, fmt.Errorf("line %d: unexpected %v", line, t)
		}
		if _, err := r.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.Kind, n.Tag, n.Style, n.Value = yaml.ScalarNode, "!!str", yaml.DoubleQuotedStyle, t
	case json.Number:
		n.Kind, n.Value = yaml.ScalarNode, t.String()
		n.Tag = "!!float"
		if _, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			n.Tag = "!!int"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	default:
		return nil, fmt.Errorf("line %d: unexpected token %v", line, tok)
	}
	return n, nil
}

// Resolve follows aliases; it returns nil for a nil node or an alias chain
// that does not end.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > maxDepth {
			return nil
		}
		n = n.Alias
	}
	return n
}

// Pair is one key and value of a mapping.
type Pair struct{ Key, Value *yaml.Node }

// WalkBudget is how many mapping entries one parse may visit. Aliases and
// merge keys let a small file name the same mapping many times (a "billion
// laughs" of merges); a walk that runs out stops and the parse fails.
const WalkBudget = 1 << 18

// ErrBudget: the walk of a document ran out of WalkBudget.
var ErrBudget = fmt.Errorf("more than %d mapping entries to visit (aliases or merge keys)", WalkBudget)

// Doc walks one parsed document within the walk budget; NewDoc gives a
// fresh one. A Doc is not safe for concurrent use.
type Doc struct {
	left int // entries the walk may still visit
}

// NewDoc returns a walk with the whole WalkBudget.
func NewDoc() *Doc { return &Doc{left: WalkBudget} }

// Spend takes one visit from the budget and reports whether any was left,
// for walks of their own (choices, lists) that aliases can make wide.
func (d *Doc) Spend() bool {
	d.left--
	return d.left >= 0
}

// Err returns ErrBudget once the budget is spent.
func (d *Doc) Err() error {
	if d.left < 0 {
		return ErrBudget
	}
	return nil
}

// Pairs returns the entries of a mapping in order, with merge keys ("<<")
// expanded in place, and aliases resolved. It returns nil for anything but a
// mapping, and stops early when the budget is spent.
func (d *Doc) Pairs(n *yaml.Node) []Pair {
	var out []Pair
	d.collectPairs(Resolve(n), 0, &out)
	return out
}

func (d *Doc) collectPairs(n *yaml.Node, depth int, out *[]Pair) {
	if n == nil || n.Kind != yaml.MappingNode || depth > 16 {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if d.left--; d.left < 0 {
			return
		}
		k, v := Resolve(n.Content[i]), Resolve(n.Content[i+1])
		if k == nil || v == nil {
			continue
		}
		if isMergeKey(n.Content[i]) {
			if v.Kind == yaml.SequenceNode {
				for _, m := range v.Content {
					d.collectPairs(Resolve(m), depth+1, out)
				}
			} else {
				d.collectPairs(v, depth+1, out)
			}
			continue
		}
		*out = append(*out, Pair{k, v})
	}
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Style == 0 && (k.Tag == "" || k.Tag == "!!merge" || k.Tag == "tag:yaml.org,2002:merge")
}

// Get returns the value of key in mapping n (the last one if repeated), or nil.
func (d *Doc) Get(n *yaml.Node, key string) *yaml.Node {
	var v *yaml.Node
	for _, p := range d.Pairs(n) {
		if p.Key.Kind == yaml.ScalarNode && p.Key.Value == key {
			v = p.Value
		}
	}
	return v
}

// Path follows a chain of mapping keys.
func (d *Doc) Path(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = d.Get(n, k)
		if n == nil {
			return nil
		}
	}
	return n
}

// IsCustomTag reports whether tag is an application tag such as "!Ref", as
// opposed to a standard one ("!!str") or the non-specific "!".
func IsCustomTag(tag string) bool {
	return len(tag) > 1 && tag[0] == '!' && tag[1] != '!'
}

// ScalarText returns the decoded text of a scalar with a standard tag: its
// value, or "" for null.
func ScalarText(n *yaml.Node) string {
	if n.ShortTag() == "!!null" {
		return ""
	}
	return n.Value
}

// MaxRender bounds the text Render writes for a structured reference (and
// what a caller cuts its own renderings at, to match).
const MaxRender = 1024

// Render writes a node back as compact YAML flow text, e.g.
// "!Join [\"\", [\"arn:\", !Ref Bucket]]" or "{Fn::GetAtt: [Fn, Arn]}", for
// the Value of a reference. The result is cut at about MaxRender bytes.
func Render(n *yaml.Node) string {
	var b strings.Builder
	renderTo(&b, n, 0)
	s := b.String()
	if len(s) > MaxRender {
		s = strings.ToValidUTF8(s[:MaxRender], "") + "…"
	}
	return s
}

func renderTo(b *strings.Builder, n *yaml.Node, depth int) {
	n = Resolve(n)
	if n == nil || depth > 32 || b.Len() > MaxRender {
		return
	}
	if IsCustomTag(n.Tag) {
		b.WriteString(n.Tag)
		b.WriteByte(' ')
	}
	switch n.Kind {
	case yaml.ScalarNode:
		b.WriteString(renderScalar(n))
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if b.Len() > MaxRender {
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			renderTo(b, c, depth+1)
		}
		b.WriteByte(']')
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content) && b.Len() <= MaxRender; i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			renderTo(b, n.Content[i], depth+1)
			b.WriteString(": ")
			renderTo(b, n.Content[i+1], depth+1)
		}
		b.WriteByte('}')
	}
}

// renderScalar writes a scalar plain when that reads back as the same string
// in flow context, and double-quoted otherwise.
func renderScalar(n *yaml.Node) string {
	s := n.Value
	if IsCustomTag(n.Tag) && s == "" {
		return `""`
	}
	if n.Tag != "!!str" && !IsCustomTag(n.Tag) {
		return s
	}
	plain := s != "" && strings.TrimSpace(s) == s && !strings.ContainsAny(s, ",[]{}#\"'\n\t\\") &&
		!strings.Contains(s, ": ") && strings.IndexByte("!*&-?|>%@`", s[0]) < 0
	if plain && n.Tag == "!!str" {
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n":
			plain = false
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			plain = false
		}
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// ErrNotMapping: Root found a document whose top level is not a mapping.
var ErrNotMapping = errors.New("top level is not a mapping")
