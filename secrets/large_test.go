package secrets

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestScanReader: a file larger than a chunk, with secrets in every
// chunk, at chunk boundaries and on its last line, gives the findings
// (rule, line, secret) a whole-file scan gives, each once.
func TestScanReader(t *testing.T) {
	sc, err := NewScanner()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	filler := strings.Repeat("x", 120) + "\n"
	n := 0
	for b.Len() < 2*chunkSize+chunkSize/2 {
		// A secret every 1.5 MiB or so, and around each chunk boundary.
		pos := b.Len()
		near := pos%chunkSize > chunkSize-chunkOverlap-4096 || pos%chunkSize < 4096
		if n%12000 == 0 || near && n%40 == 0 {
			fmt.Fprintf(&b, "token_%d = \"ghp_%s%04d\"\n", n, strings.Repeat("aB3dE5fG7h", 3), n%10000)
		} else {
			b.WriteString(filler)
		}
		n++
	}
	fmt.Fprintf(&b, "last = \"ghp_%s9999\"", strings.Repeat("zY8xW7vU6t", 3))
	content := b.Bytes()
	whole, _ := sc.Scan(context.Background(), "/var/task/big.txt", content, AllRules)
	parts, err := sc.ScanReader(context.Background(), "/var/task/big.txt", bytes.NewReader(content), int64(len(content)), AllRules)
	if err != nil {
		t.Fatal(err)
	}
	key := func(fs []Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%s:%d:%s", f.RuleID, f.Line, f.Secret()))
		}
		return out
	}
	if len(whole) < 20 {
		t.Fatalf("fixture: %d findings", len(whole))
	}
	if w, p := key(whole), key(parts); strings.Join(w, "\n") != strings.Join(p, "\n") {
		t.Errorf("whole file: %d findings, in chunks: %d\n%v\n%v", len(w), len(p), w[:min(5, len(w))], p[:min(5, len(p))])
	}
}
