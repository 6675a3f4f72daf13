package tmpltree

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Root parses YAML or JSON content whose top level must be a mapping
// (ErrNotMapping otherwise), and returns it with a fresh walk; the root is
// nil, and the error nil, for an empty document.
func Root(content []byte) (*Doc, *yaml.Node, error) {
	root, err := Parse(content)
	if err != nil {
		return nil, nil, err
	}
	root = Resolve(root)
	if root == nil || (root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null") {
		return nil, nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, ErrNotMapping
	}
	return NewDoc(), root, nil
}

// CFNIntrinsic returns the name of the CloudFormation intrinsic function a
// node calls, short form ("Ref", "Sub" for !Ref, !Sub) or long form ("Ref",
// "Fn::Sub" for {"Ref": ...}, {"Fn::Sub": ...}), and its argument. It
// returns "" when the node is not a function call. Any application tag
// counts as a short-form call; the argument of a short form is the node
// itself (its tag aside).
func CFNIntrinsic(n *yaml.Node) (string, *yaml.Node) {
	if IsCustomTag(n.Tag) {
		return n.Tag[1:], n
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := Resolve(n.Content[0])
		if k != nil && k.Kind == yaml.ScalarNode && (k.Value == "Ref" || k.Value == "Condition" || strings.HasPrefix(k.Value, "Fn::")) {
			return k.Value, Resolve(n.Content[1])
		}
	}
	return "", nil
}

// CFNBranches returns the mappings a node may stand for: itself if it is a
// plain mapping, both branches of an Fn::If (recursively), none otherwise.
// Each node visited counts against the walk budget (aliases can make the
// tree of choices wide).
func (d *Doc) CFNBranches(n *yaml.Node) []*yaml.Node {
	return d.cfnBranches(n, 0)
}

func (d *Doc) cfnBranches(n *yaml.Node, depth int) []*yaml.Node {
	n = Resolve(n)
	if d.left--; n == nil || depth > 16 || d.left < 0 {
		return nil
	}
	fn, arg := CFNIntrinsic(n)
	switch fn {
	case "":
		if n.Kind == yaml.MappingNode {
			return []*yaml.Node{n}
		}
		return nil
	case "If", "Fn::If":
		if arg != nil && arg.Kind == yaml.SequenceNode && len(arg.Content) == 3 {
			return append(d.cfnBranches(arg.Content[1], depth+1), d.cfnBranches(arg.Content[2], depth+1)...)
		}
	}
	return nil
}
