package shipcheck

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSecretsMemoryBudget: a memory budget smaller than any file changes
// what is held at once, not what is found: every file is scanned, the one
// larger than the budget too (its secret is on its last line).
func TestSecretsMemoryBudget(t *testing.T) {
	fs := files{}
	for i := range 24 {
		fs[fmt.Sprintf("lib/mod%02d.js", i)] = strings.Repeat(fmt.Sprintf("var x%d = %d;\n", i, i), 2000) +
			fmt.Sprintf("const token = \"ghp_%s%04d\";\n", strings.Repeat("aB3dE5fG7h", 3), 1000+i)
	}
	fs["big.js"] = strings.Repeat("function f(){return 1}\n", 20000) + "const key = \"ghp_" + strings.Repeat("zY8xW7vU6t", 3) + "9999\";\n"
	p := write(t, "fn.zip", zipOf(t, fs))
	found := func(memory int64) []string {
		rep, err := Secrets(context.Background(), p, SecretsOptions{Options: Options{Memory: memory}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range rep.Findings {
			out = append(out, fmt.Sprintf("%s:%d:%s", f.Path, f.Line, f.Secret()))
		}
		return out
	}
	unbounded := found(-1)
	if len(unbounded) != 25 || !strings.Contains(strings.Join(unbounded, "\n"), "big.js:20001:ghp_zY8x") {
		t.Fatalf("fixture: %d findings: %v", len(unbounded), unbounded)
	}
	if diff := cmp.Diff(unbounded, found(16<<10)); diff != "" {
		t.Errorf("with a 16 KiB budget (-unbounded +bounded):\n%s", diff)
	}
}
