package secrets

import (
	"context"
	"strings"
	"testing"
)

// TestSameContentElsewhere: a file's content scanned again under another
// path (served from the scanner's cache) gives the findings at that path,
// with that path's fingerprint, and nothing a caller set on the first ones.
func TestSameContentElsewhere(t *testing.T) {
	sc, err := NewScanner()
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("// config\nconst token = \"ghp_" + strings.Repeat("aB3dE5fG7h", 3) + "123456\";\n" + strings.Repeat("// padding line\n", 64))
	a, _ := sc.Scan(context.Background(), "/var/task/svc1/index.js", content, AllRules)
	if len(a) == 0 {
		t.Fatal("no finding")
	}
	a[0].Status, a[0].Variable = "deleted", "X"
	b, _ := sc.Scan(context.Background(), "/var/task/svc2/index.js", content, AllRules)
	if len(b) != len(a) {
		t.Fatalf("%d findings, then %d", len(a), len(b))
	}
	if b[0].Path != "/var/task/svc2/index.js" || b[0].Status != "" || b[0].Variable != "" || b[0].Line != a[0].Line {
		t.Errorf("second copy: %+v", b[0])
	}
	if b[0].Fingerprint == a[0].Fingerprint || b[0].Fingerprint != Fingerprint(b[0].RuleID, b[0].Path, b[0].Secret()) {
		t.Errorf("fingerprint not of the second path: %s, %s", a[0].Fingerprint, b[0].Fingerprint)
	}
	// Path-dependent rules see each path: Terraform's password rule applies to .tf only.
	tf := []byte("resource \"aws_db_instance\" \"db\" {\n  password = \"Zq8vLm2KxT4nRw7p\"\n}\n" + strings.Repeat("# pad\n", 100))
	inTF, _ := sc.Scan(context.Background(), "/var/task/infra/main.tf", tf, AllRules)
	inTXT, _ := sc.Scan(context.Background(), "/var/task/infra/main.txt", tf, AllRules)
	hasRule := func(fs []Finding, id string) bool {
		for _, f := range fs {
			if f.RuleID == id {
				return true
			}
		}
		return false
	}
	if !hasRule(inTF, "hashicorp-tf-password") || hasRule(inTXT, "hashicorp-tf-password") {
		t.Errorf("tf rule: in .tf %v, in .txt %v", inTF, inTXT)
	}
}

// TestKeywordsAtTheEdges: keywords of every kind of rule at the very start
// and end of a large text (where windows are cut) neither panic nor lose a
// secret.
func TestKeywordsAtTheEdges(t *testing.T) {
	sc, err := NewScanner()
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x = 1\n", 400)
	token := "ghp_" + strings.Repeat("aB3dE5fG7h", 3) + "123456"
	for _, c := range []string{
		pad + "s.", pad + "ey", pad + "api_key=", pad + "token = \"", "s." + pad, "ey" + pad,
		pad + "-----BEGIN PRIVATE KEY-----", pad + "https://user:",
		pad + "t = \"" + token + "\"", pad + "t = " + token, token + "\n" + pad,
	} {
		fs, err := sc.Scan(context.Background(), "/var/task/x.js", []byte(c), AllRules)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c, token) && len(fs) == 0 {
			t.Errorf("the token at the edge of %q... is lost", c[len(c)-20:])
		}
	}
}
