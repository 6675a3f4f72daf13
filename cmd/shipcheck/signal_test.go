//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMainProcess is not a test: it is shipcheck's main, run in a child
// process by TestSignals (SHIPCHECK_TEST_MAIN set) so that it can be sent
// signals.
func TestMainProcess(t *testing.T) {
	switch os.Getenv("SHIPCHECK_TEST_MAIN") {
	case "":
		t.Skip("shipcheck's main, for TestSignals")
	case "main":
		os.Args = append([]string{"shipcheck"}, flag.Args()...)
		main()
	case "stuck":
		// Work that does not notice the cancellation: only a second
		// signal ends it.
		onSignals(func(error) { fmt.Println("canceled") }, os.Stderr)
		fmt.Println("ready")
		io.Copy(io.Discard, os.Stdin)
	}
}

// child starts the test binary as shipcheck's main (mode "main", with
// args) or as a run stuck in work that ignores cancellation ("stuck").
func child(t *testing.T, mode string, args ...string) (*exec.Cmd, *bytes.Buffer, *bufio.Reader) {
	t.Helper()
	// Only a safety net for a child that would hang: no test waits on it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^TestMainProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "SHIPCHECK_TEST_MAIN="+mode, "TMPDIR="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.StdinPipe(); err != nil { // kept open: "stuck" reads it
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr, bufio.NewReader(out)
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}

// TestSignals: SIGINT (Ctrl-C) during a run exits 130, SIGTERM 143, with
// one line on standard error; a second signal ends a run that has not
// stopped yet at once.
func TestSignals(t *testing.T) {
	if os.Getenv("SHIPCHECK_TEST_MAIN") != "" {
		t.Skip()
	}
	for _, c := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				arrived <- struct{}{}
				<-r.Context().Done()
			}))
			defer srv.Close()
			cmd, stderr, _ := child(t, "main", "db", "update", "--db", t.TempDir(), "--osv-base-url", srv.URL, "--ecosystem", "npm")
			<-arrived // the download is under way
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			if code := exitCode(t, cmd); code != c.want || stderr.String() != "shipcheck: interrupted\n" {
				t.Errorf("exit %d (want %d), stderr:\n%s", code, c.want, stderr)
			}
		})
	}

	t.Run("twice", func(t *testing.T) {
		cmd, stderr, out := child(t, "stuck")
		line := func(want string) {
			t.Helper()
			if got, err := out.ReadString('\n'); got != want+"\n" {
				t.Fatalf("child said %q (%v), want %q; stderr:\n%s", got, err, want, stderr)
			}
		}
		line("ready")
		cmd.Process.Signal(syscall.SIGINT)
		line("canceled")
		cmd.Process.Signal(syscall.SIGINT)
		if code := exitCode(t, cmd); code != 130 || stderr.String() != "shipcheck: interrupted\n" {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	})
}

// TestOutputToDescriptors: --output FORMAT=/dev/stdout (or /dev/fd/N of a
// descriptor the caller opened) writes to that descriptor as it is open:
// into a pipe, and after what a file redirected to already holds, never
// replacing the file; a descriptor that was not open is an error (exit 2)
// before the work starts.
func TestOutputToDescriptors(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "hello-function.zip"))
	start := func(stdout, fd3 *os.File, args ...string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestMainProcess$", "--"}, args...)...)
		cmd.Env = append(os.Environ(), "SHIPCHECK_TEST_MAIN=main", "TMPDIR="+t.TempDir())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if stdout != nil {
			cmd.Stdout = stdout
		}
		if fd3 != nil {
			cmd.ExtraFiles = []*os.File{fd3}
		}
		return cmd, &stderr
	}
	// A pipe.
	cmd, stderr := start(nil, nil, "files", fn, "--output", "json=/dev/stdout")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), `"/var/task/index.js"`) {
		t.Errorf("json=/dev/stdout into a pipe: %v, stderr %q, stdout %.200q", err, stderr, out)
	}
	// A file that already holds a line: the report comes after it.
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("header\n")
	cmd, stderr = start(f, nil, "files", fn, "--output", "json=/dev/stdout")
	if err := cmd.Run(); err != nil {
		t.Errorf("json=/dev/stdout into a file: %v, %s", err, stderr)
	}
	f.Close()
	if b, _ := os.ReadFile(f.Name()); !strings.HasPrefix(string(b), "header\n[") || !strings.Contains(string(b), `"/var/task/index.js"`) {
		t.Errorf("the file redirected to holds %.200q", b)
	}
	// Descriptor 3, as a shell's 3>file gives it.
	g, err := os.Create(filepath.Join(dir, "fd3.json"))
	if err != nil {
		t.Fatal(err)
	}
	cmd, stderr = start(nil, g, "files", fn, "--output", "json=/dev/fd/3")
	if err := cmd.Run(); err != nil {
		t.Errorf("json=/dev/fd/3: %v, %s", err, stderr)
	}
	g.Close()
	if b, _ := os.ReadFile(g.Name()); !strings.Contains(string(b), `"/var/task/index.js"`) {
		t.Errorf("descriptor 3's file holds %.200q", b)
	}
	// Not open.
	cmd, stderr = start(nil, nil, "files", fn, "--output", "json=/dev/fd/9")
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "descriptor 9 was not open") {
		t.Errorf("json=/dev/fd/9: %v, stderr %q", err, stderr)
	}
}
