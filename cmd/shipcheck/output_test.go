package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOutputToSpecialFiles: an --output FILE that is a device, a named pipe
// or a symbolic link is written through, never replaced by a regular file
// (run as root, replacing /dev/null breaks the machine).
func TestOutputToSpecialFiles(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "hello-function.zip"))
	dir := t.TempDir()

	code, _, stderr := run(t, nil, "files", fn, "--output", "json=/dev/null")
	if code != 0 {
		t.Fatalf("json=/dev/null: exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v %v", fi.Mode(), err)
	}

	target := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, nil, "files", fn, "--output", "json="+link); code != 0 {
		t.Fatalf("json=link: exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced: %v %v", fi.Mode(), err)
	}
	if b, err := os.ReadFile(target); err != nil || !strings.Contains(string(b), "/var/task/index.js") {
		t.Errorf("the link's target holds %q (%v)", b, err)
	}

	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if code, _, stderr := run(t, nil, "files", fn, "--output", "json="+fifo); code != 0 {
		t.Fatalf("json=fifo: exit %d: %s", code, stderr)
	}
	if s := <-got; !strings.Contains(s, "/var/task/index.js") {
		t.Errorf("the pipe's reader got %q", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the named pipe was replaced: %v %v", fi.Mode(), err)
	}
}
