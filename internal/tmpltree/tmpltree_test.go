package tmpltree

import (
	"errors"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestRoot: the same template in YAML and JSON gives the same values at
// the lines they are written on; an empty document is no root and no
// error; a top level that is not a mapping is ErrNotMapping.
func TestRoot(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		wantLine int // line of Resources.Fn.Type's value
		wantErr  error
	}{
		{"yaml", "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n", 3, nil},
		{"json", "{\n  \"Resources\": {\n    \"Fn\": {\n      \"Type\": \"AWS::Lambda::Function\"\n    }\n  }\n}\n", 4, nil},
		{"json with comments", "{\n  // the function\n  \"Resources\": {\"Fn\": {\n    \"Type\": \"AWS::Lambda::Function\"}}}\n", 4, nil},
		{"empty", "", 0, nil},
		{"list", "- a\n", 0, ErrNotMapping},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, root, err := Root([]byte(tc.content))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if tc.wantLine == 0 {
				if root != nil {
					t.Errorf("root = %v, want none", root)
				}
				return
			}
			typ := d.Path(root, "Resources", "Fn", "Type")
			if typ == nil || typ.Value != "AWS::Lambda::Function" || typ.Line != tc.wantLine {
				t.Errorf("Type = %+v, want AWS::Lambda::Function at line %d", typ, tc.wantLine)
			}
		})
	}
}

// TestCFNIntrinsic reads short and long forms alike; a plain mapping or
// scalar is no call.
func TestCFNIntrinsic(t *testing.T) {
	tests := []struct {
		yaml, wantFn, wantArg string
	}{
		{"!Ref Bucket", "Ref", "Bucket"},
		{"{Ref: Bucket}", "Ref", "Bucket"},
		{"!Sub 'arn:aws:s3:::${Bucket}'", "Sub", "arn:aws:s3:::${Bucket}"},
		{"{'Fn::Sub': 'arn:aws:s3:::${Bucket}'}", "Fn::Sub", "arn:aws:s3:::${Bucket}"},
		{"!GetAtt Fn.Arn", "GetAtt", "Fn.Arn"},
		{"{Effect: Allow}", "", ""},
		{"arn:aws:s3:::bucket", "", ""},
	}
	for _, tc := range tests {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tc.yaml), &n); err != nil {
			t.Fatal(err)
		}
		fn, arg := CFNIntrinsic(n.Content[0])
		gotArg := ""
		if arg != nil {
			gotArg = arg.Value
		}
		if fn != tc.wantFn || gotArg != tc.wantArg {
			t.Errorf("%s: got %q %q, want %q %q", tc.yaml, fn, gotArg, tc.wantFn, tc.wantArg)
		}
	}
}

// TestCFNBranches: both branches of an Fn::If (nested too), a
// non-mapping branch (AWS::NoValue) standing for nothing; and a budget
// that runs out.
func TestCFNBranches(t *testing.T) {
	_, root, err := Root([]byte(`A: !If [C, {x: 1}, !If [D, {x: 2}, !Ref AWS::NoValue]]
B: {x: 3}
`))
	if err != nil {
		t.Fatal(err)
	}
	d := NewDoc()
	var got []string
	for _, m := range d.CFNBranches(d.Get(root, "A")) {
		got = append(got, d.Get(m, "x").Value)
	}
	if len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("branches of A = %v, want [1 2]", got)
	}
	if b := d.CFNBranches(d.Get(root, "B")); len(b) != 1 {
		t.Errorf("branches of B = %d, want 1", len(b))
	}
	small := &Doc{left: 1}
	if !small.Spend() {
		t.Error("the one visit of a budget of one refused")
	}
	if small.Spend() || small.Err() == nil {
		t.Error("a spent budget: Spend true or Err nil")
	}
}
