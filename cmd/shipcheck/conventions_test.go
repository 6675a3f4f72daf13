package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestVersionFlag: --version prints what the version command prints.
func TestVersionFlag(t *testing.T) {
	code, flag, stderr := run(t, nil, "--version")
	_, cmd, _ := run(t, nil, "version")
	if code != 0 || flag != cmd || !strings.HasPrefix(flag, "shipcheck ") || stderr != "" {
		t.Errorf("--version: exit %d, %q (stderr %q); version: %q", code, flag, stderr, cmd)
	}
}

// TestUnknownCommand: a subcommand that does not exist, at the top or in a
// group, is bad usage: exit 2 and one line that names it, suggests the
// nearest command where one is near, and points at --help. A group
// called alone prints its help.
func TestUnknownCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `shipcheck: unknown command "bogus" for "shipcheck" (see 'shipcheck --help')`},
		{[]string{"sbomm", "fn.zip"}, `shipcheck: unknown command "sbomm" for "shipcheck"; did you mean "sbom"? (see 'shipcheck --help')`},
		{[]string{"db", "updte"}, `shipcheck: unknown command "updte" for "shipcheck db"; did you mean "update"? (see 'shipcheck db --help')`},
		{[]string{"db", "stat", "--db", "x"}, `shipcheck: unknown command "stat" for "shipcheck db"; did you mean "status"? (see 'shipcheck db --help')`},
		{[]string{"config", "bogus"}, `shipcheck: unknown command "bogus" for "shipcheck config" (see 'shipcheck config --help')`},
		{[]string{"config", "chek"}, `shipcheck: unknown command "chek" for "shipcheck config"; did you mean "check"? (see 'shipcheck config --help')`},
		{[]string{"completion", "fish2"}, `shipcheck: unknown command "fish2" for "shipcheck completion"; did you mean "fish"? (see 'shipcheck completion --help')`},
		{[]string{"vuln\x1b[2J"}, `shipcheck: unknown command "vuln\x1b[2J" for "shipcheck" (see 'shipcheck --help')`},
	} {
		code, stdout, stderr := run(t, nil, c.args...)
		if code != exitIncomplete || stdout != "" || stderr != c.want+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and:\n%s", c.args, code, stdout, stderr, c.want)
		}
	}
	for _, args := range [][]string{nil, {"db"}, {"config"}, {"completion"}} {
		code, stdout, stderr := run(t, nil, args...)
		path := strings.Join(append([]string{"shipcheck"}, args...), " ")
		if code != exitClean || !strings.Contains(stdout, "Usage:\n  "+path+" [command]\n") || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, code, stderr, stdout)
		}
	}
}

// runCtx runs the command line in process with ctx, as run does.
func runCtx(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Chdir(t.TempDir())
	var out, errb bytes.Buffer
	code = Run(ctx, args, &out, &errb)
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("%v left files in TMPDIR: %v", args, left)
	}
	return code, out.String(), errb.String()
}

// TestInterrupted: a run whose context is canceled (Ctrl-C) exits 130, or
// 128 plus the number of the signal that canceled it, with one line on
// standard error and no error chain.
func TestInterrupted(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "orders-api.zip"))
	image := abs(t, filepath.Join(examples, "image.tar"))
	adv := abs(t, filepath.Join(testdata, "osv"))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	terminated, term := context.WithCancelCause(context.Background())
	term(interrupt{syscall.SIGTERM})
	for _, c := range []struct {
		ctx  context.Context
		args []string
		want int
	}{
		{canceled, []string{"files", fn}, 130},
		{canceled, []string{"sbom", image}, 130},
		{canceled, []string{"secrets", fn}, 130},
		{canceled, []string{"vuln", fn, "--advisories", adv}, 130},
		{canceled, []string{"scan", fn, "--advisories", adv}, 130},
		{canceled, []string{"db", "import", adv, "--db", t.TempDir()}, 130},
		{terminated, []string{"sbom", fn}, 143},
	} {
		code, stdout, stderr := runCtx(t, c.ctx, c.args...)
		if code != c.want || stderr != "shipcheck: interrupted\n" || stdout != "" {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr:\n%s", c.args, code, c.want, stdout, stderr)
		}
	}

	// Canceled while at work: the download of the advisories is under
	// way when Ctrl-C comes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	}))
	defer srv.Close()
	db := t.TempDir()
	code, stdout, stderr := runCtx(t, ctx, "db", "update", "--db", db, "--osv-base-url", srv.URL, "--ecosystem", "npm")
	if code != 130 || stderr != "shipcheck: interrupted\n" || stdout != "" {
		t.Errorf("db update: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	if left, _ := os.ReadDir(db); len(left) > 0 {
		t.Errorf("an interrupted update left %v", left)
	}
}
