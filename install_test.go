package shipcheck

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TestInstallRelease runs .ci/install, the Action's installer, against a
// release server: a release whose archive matches its checksum is
// installed; a changed byte is refused (exit 1, nothing installed, never a
// fallback); a ref with no release asks for a build from source (exit 3).
func TestInstallRelease(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "tar", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf(".ci/install needs %s", tool)
		}
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip(".ci/install's archives are tar.gz on linux and darwin")
	}
	arch := map[string]string{"amd64": "amd64", "arm64": "arm64"}[runtime.GOARCH]
	if arch == "" {
		t.Skip("no release for " + runtime.GOARCH)
	}
	binary := []byte("#!/bin/sh\necho shipcheck v0.2.0\n")
	var tgz bytes.Buffer
	zw := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(zw)
	for _, f := range []struct {
		name string
		body []byte
	}{{"README.md", []byte("readme")}, {"shipcheck", binary}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.body))})
		tw.Write(f.body)
	}
	tw.Close()
	zw.Close()
	name := fmt.Sprintf("shipcheck_0.2.0_%s_%s.tar.gz", runtime.GOOS, arch)
	sum := sha256.Sum256(tgz.Bytes())
	files := map[string][]byte{
		"/v0.2.0/" + name:                       tgz.Bytes(),
		"/v0.2.0/shipcheck_0.2.0_checksums.txt": fmt.Appendf(nil, "%x  other.tar.gz\n%x  %s\n", sha256.Sum256(nil), sum, name),
	}
	// The handler's goroutines read files while the test changes it
	// between installs: one lock for both.
	var mu sync.Mutex
	serve := func(path string, b []byte) {
		mu.Lock()
		files[path] = b
		mu.Unlock()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b, ok := files[r.URL.Path]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	install := func(ref string) (string, int, string) {
		dir := t.TempDir()
		cmd := exec.Command("bash", ".ci/install", ref, dir)
		cmd.Env = append(os.Environ(), "SHIPCHECK_RELEASES="+srv.URL)
		out, _ := cmd.CombinedOutput()
		return dir, cmd.ProcessState.ExitCode(), string(out)
	}

	dir, code, out := install("v0.2.0")
	if code != 0 {
		t.Fatalf("a good release: exit %d: %s", code, out)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "shipcheck")); err != nil || !bytes.Equal(got, binary) {
		t.Errorf("installed %q (%v), want the release's binary", got, err)
	}

	good := files["/v0.2.0/"+name]
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 1
	serve("/v0.2.0/"+name, bad)
	dir, code, out = install("v0.2.0")
	if code != 1 || !strings.Contains(out, "does not match") {
		t.Errorf("a changed byte: exit %d, want 1 with 'does not match': %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "shipcheck")); err == nil {
		t.Error("a binary that failed its checksum was installed")
	}
	serve("/v0.2.0/"+name, good)

	for _, ref := range []string{"v9.9.9", "main", "0123abc"} {
		if _, code, out := install(ref); code != 3 {
			t.Errorf("ref %s: exit %d, want 3 (build from source): %s", ref, code, out)
		}
	}
}
