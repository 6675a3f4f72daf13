package packaging

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

func index(names ...string) *archive.Index {
	x := &archive.Index{}
	for _, n := range names {
		e := archive.Entry{Name: strings.TrimSuffix(n, "/"), Type: archive.TypeFile}
		if strings.HasSuffix(n, "/") {
			e.Type = archive.TypeDir
		}
		x.Entries = append(x.Entries, e)
	}
	return x
}

func TestGuessRole(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  Role
	}{
		{[]string{"index.js", "node_modules/x/package.json"}, Function},
		{[]string{"nodejs/node_modules/x/package.json"}, Layer},
		{[]string{"python/lib/python3.12/site-packages/six.py", "bin/tool"}, Layer},
		{[]string{"java/lib/x.jar"}, Layer},
		{[]string{"ruby/gems/3.2.0/gems/x/lib/x.rb", "lib/libx.so"}, Layer},
		{[]string{"nodejs/", "extensions/", "extensions/my-ext"}, Layer},
		{[]string{"nodejs/node_modules/x/index.js", "__MACOSX/._nodejs"}, Layer},
		{[]string{"nodejs/x.js", "index.js"}, Function},        // a file beside the runtime folder
		{[]string{"nodejs/x.js", "config/app.json"}, Function}, // a folder that is not a layer's
		{[]string{"lib/app.jar", "lib/dep.jar"}, Function},     // Java builds ship only lib/
		{[]string{"bin/bootstrap"}, Function},                  // custom runtimes ship only bin/
		{[]string{"host.json", "function_app.py"}, Azure},
		{[]string{"nodejs", "python/x.py"}, Function}, // nodejs is a file here
	} {
		if got, why := GuessRole(index(c.names...)); got != c.want || why == "" {
			t.Errorf("GuessRole(%v) = %s (%q), want %s", c.names, got, why, c.want)
		}
	}
}

// TestLayersMerge checks Lambda's order: layers extracted in order under
// /opt, a later layer's file replacing an earlier one's, which still ships.
func TestLayersMerge(t *testing.T) {
	fn := writeTemp(t, "fn.zip", buildZip(zf{name: "index.js", data: []byte("fn")}))
	l1 := writeTemp(t, "one.zip", buildZip(zf{name: "nodejs/node_modules/x/index.js", data: []byte("one")}, zf{name: "nodejs/only-one.js", data: []byte("1")}))
	l2 := writeTemp(t, "two.zip", buildZip(zf{name: "nodejs/node_modules/x/index.js", data: []byte("two!")}))
	l, err := List(context.Background(), fn, ListOptions{Options: Options{Layers: []string{l1, l2}}, Hidden: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range l.Files {
		got = append(got, f.Path+" "+f.Status.String()+" "+f.Origin.String()+" layer="+f.Origin.Layer)
	}
	want := []string{
		"/opt/nodejs/node_modules/x/index.js visible two.zip!nodejs/node_modules/x/index.js layer=two.zip",
		"/opt/nodejs/node_modules/x/index.js shadowed one.zip!nodejs/node_modules/x/index.js layer=one.zip",
		"/opt/nodejs/only-one.js visible one.zip!nodejs/only-one.js layer=one.zip",
		"/var/task/index.js visible fn.zip!index.js layer=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(l.Sources) != 3 || l.Sources[0].Mount != "/var/task" || l.Sources[1].Mount != "/opt" || l.Sources[2].Why != "--layer" {
		t.Errorf("sources: %+v", l.Sources)
	}
}

func TestAsOverride(t *testing.T) {
	p := writeTemp(t, "src.zip", buildZip(zf{name: "main.py", data: []byte("x")}))
	for role, want := range map[Role]string{GCF: "/workspace/main.py", Archive: "/main.py", Azure: "/home/site/wwwroot/main.py", Layer: "/opt/main.py"} {
		l, err := List(context.Background(), p, ListOptions{Options: Options{As: role}})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Files) != 1 || l.Files[0].Path != want || l.Sources[0].Guessed || l.Sources[0].Role != role {
			t.Errorf("--as %s: %+v %+v", role, l.Files, l.Sources)
		}
	}
	img := writeTemp(t, "img.tar", dockerSave([][]byte{buildTar(tf{name: "a", data: []byte("a")})}, nil))
	if _, err := Open(context.Background(), img, Options{As: Function}); err == nil || !strings.Contains(err.Error(), "--as does not apply to a container image") {
		t.Errorf("--as on an image: %v", err)
	}
	if _, err := Open(context.Background(), p, Options{Layers: []string{img}}); err == nil || !strings.Contains(err.Error(), "cannot be a Lambda layer") {
		t.Errorf("an image as a layer: %v", err)
	}
}

func TestFormatsRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range formats {
		if f.name == "" || f.match == nil || f.open == nil || seen[f.name] {
			t.Errorf("format %q: empty, incomplete or twice", f.name)
		}
		seen[f.name] = true
	}
	if !seen["zip"] || !seen["tar"] || !seen["gzip"] {
		t.Errorf("formats miss one of zip, tar, gzip: %v", seen)
	}
}

// TestSniffByContent opens a zip named .tar, a tar named .zip and a jar with
// a shell script before it: the content decides.
func TestSniffByContent(t *testing.T) {
	z := buildZip(zf{name: "a.txt", data: []byte("a")})
	for name, b := range map[string][]byte{
		"misnamed.tar":   z,
		"misnamed.zip":   buildTar(tf{name: "a.txt", data: []byte("a")}),
		"executable.jar": append([]byte("#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n"), z...),
		"layer.tgz":      gz(buildTar(tf{name: "a.txt", data: []byte("a")})),
	} {
		l, err := List(context.Background(), writeTemp(t, name, b), ListOptions{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(l.Files) != 1 || !strings.HasSuffix(l.Files[0].Path, "/a.txt") {
			t.Errorf("%s: %+v", name, l.Files)
		}
	}
}

// TestReport: a file an analyser cannot parse is a problem naming the file,
// the walk goes on, and the results are not partial.
func TestReport(t *testing.T) {
	v := openBytes(t, "fn.zip", buildZip(
		zf{name: "node_modules/a/package.json", data: []byte("{not json")},
		zf{name: "node_modules/b/package.json", data: []byte(`{"name":"b","version":"1.0.0"}`)},
	), Options{})
	var seen atomic.Int32
	err := v.Walk(context.Background(), WalkOptions{}, func(_ context.Context, f *File) error {
		seen.Add(1)
		if strings.Contains(f.Path, "/a/") {
			f.Report(fmt.Errorf("%w: package.json: invalid character 'n'", archive.ErrUnparsable))
		}
		return nil
	})
	if err != nil || seen.Load() != 2 {
		t.Fatalf("walk: %v, %d files", err, seen.Load())
	}
	probs := v.Problems()
	if len(probs) != 1 || probs[0].Partial() || probs[0].String() != "fn.zip!node_modules/a/package.json: file does not parse: package.json: invalid character 'n'" {
		t.Errorf("problems: %v", probs)
	}
	if v.Partial() {
		t.Error("an unparsable file made the results partial")
	}
}

// TestWalkStops: an error from the callback, or a canceled context, ends the
// walk with that error, and the nested archives it opened are closed (their
// copies in the temporary folder removed).
func TestWalkStops(t *testing.T) {
	inner := buildZip(zf{name: "a.txt", data: big}, zf{name: "b.txt", data: big})
	var outer []zf
	for i := range 20 {
		outer = append(outer, zf{name: fmt.Sprintf("lib/%02d.jar", i), data: inner})
	}
	tmp := t.TempDir()
	p := writeTemp(t, "fn.zip", buildZip(outer...))
	stop := errors.New("stop")
	for _, c := range []struct {
		name string
		fn   func(cancel context.CancelFunc, n int32) error
		want error
	}{
		{"callback error", func(_ context.CancelFunc, n int32) error {
			if n == 5 {
				return stop
			}
			return nil
		}, stop},
		{"canceled", func(cancel context.CancelFunc, n int32) error {
			if n == 5 {
				cancel()
			}
			return nil
		}, context.Canceled},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := Open(context.Background(), p, Options{TempDir: tmp})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var n atomic.Int32
			err = v.Walk(ctx, WalkOptions{}, func(_ context.Context, f *File) error {
				return c.fn(cancel, n.Add(1))
			})
			if !errors.Is(err, c.want) {
				t.Errorf("Walk = %v, want %v", err, c.want)
			}
			if got := n.Load(); got >= 60 {
				t.Errorf("the walk went on: %d files", got)
			}
			v.Close()
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("left in the temporary folder: %v", left)
			}
		})
	}
}
