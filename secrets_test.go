package shipcheck

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/secrets"
)

// planted reads testdata/secrets/fn-planted.json: "path:line" -> secret.
func planted(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "secrets", "fn-planted.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSecretsFixture scans the fixture function folder: every planted
// secret is found at its line with its value, the decoys (placeholders,
// references, an empty value, process.env lookups) are not, and the
// findings in node_modules/left-pad and in the requests wheel are marked
// third-party with their package, the others first-party.
func TestSecretsFixture(t *testing.T) {
	rep, err := Secrets(context.Background(), filepath.Join("testdata", "secrets", "fn"), SecretsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	party := map[string]string{}
	for _, f := range rep.Findings {
		key := fmt.Sprintf("%s:%d", relativeToMount(rep.Inventory, f.Path), f.Line)
		got[key] = f.Secret()
		party[key] = "first"
		if f.ThirdParty != nil {
			party[key] = f.ThirdParty.Name + "@" + f.ThirdParty.Version
		}
		if f.Redacted == "" || f.Length != len(f.Secret()) || len(f.Fingerprint) != 36 {
			t.Errorf("%s: redacted %q length %d fingerprint %q", key, f.Redacted, f.Length, f.Fingerprint)
		}
	}
	if diff := cmp.Diff(planted(t), got); diff != "" {
		t.Errorf("findings (-planted +found):\n%s", diff)
	}
	wantParty := map[string]string{
		"index.js:3": "first", ".env:1": "first", ".env:2": "first", "template.yaml:16": "first", "settings.ini:4": "first",
		"node_modules/left-pad/index.js:3": "left-pad@1.3.0", "requests/auth.py:2": "requests@2.31.0",
	}
	if diff := cmp.Diff(wantParty, party); diff != "" {
		t.Errorf("first or third party (-want +got):\n%s", diff)
	}
}

// TestSecretsInJars: a secret in a jar in a jar is found at its `!` path;
// a Spring Boot jar's own classes are first-party, while the library jar
// its pom.properties describes is third-party.
func TestSecretsInJars(t *testing.T) {
	p := planted(t)
	token := p["node_modules/left-pad/index.js:3"]
	jar := func(files map[string]string) string {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		for n, c := range files {
			fw, _ := w.Create(n)
			fw.Write([]byte(c))
		}
		w.Close()
		return buf.String()
	}
	lib := jar(map[string]string{
		"META-INF/maven/com.acme/util/pom.properties": "groupId=com.acme\nartifactId=util\nversion=0.4.2\n",
		"config/credentials.properties":               "github.token=" + token + "\n",
	})
	app := jar(map[string]string{
		"META-INF/maven/com.acme/orders/pom.properties": "groupId=com.acme\nartifactId=orders\nversion=1.8.0\n",
		"BOOT-INF/classes/application.properties":       "x=1\ngithub.token=" + token + "\n",
		"BOOT-INF/lib/util-0.4.2.jar":                   lib,
	})
	fn := write(t, "fn.zip", zipOf(t, files{"lib/orders-1.8.0.jar": app}))
	rep, err := Secrets(context.Background(), fn, SecretsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		who := "first"
		if f.ThirdParty != nil {
			who = f.ThirdParty.Name + "@" + f.ThirdParty.Version
		}
		got[fmt.Sprintf("%s:%d", f.Path, f.Line)] = who
	}
	want := map[string]string{
		"/var/task/lib/orders-1.8.0.jar!BOOT-INF/classes/application.properties:2":                   "first",
		"/var/task/lib/orders-1.8.0.jar!BOOT-INF/lib/util-0.4.2.jar!config/credentials.properties:1": "com.acme:util@0.4.2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRedact: what may be shown of a secret.
func TestRedact(t *testing.T) {
	for _, c := range []struct {
		in, shown string
		n         int
	}{
		{"ghp_0123456789abcdefghijklmnopqrstuvwxyz", "ghp_…", 40},
		{"hunter22", "hu…", 8},
		{"abc", "…", 3},
		{"pässwörd-1234567", "päss…", 16},
	} {
		shown, n := secrets.Redact(c.in)
		if shown != c.shown || n != c.n {
			t.Errorf("Redact(%q) = %q, %d; want %q, %d", c.in, shown, n, c.shown, c.n)
		}
	}
	f1 := secrets.Fingerprint("r", "/p", "s")
	if f1 != secrets.Fingerprint("r", "/p", "s") || f1 == secrets.Fingerprint("r", "/p", "t") || f1 == secrets.Fingerprint("r", "/q", "s") {
		t.Error("fingerprints must be stable and differ with the secret and the place")
	}
}

// imageTar builds a `docker save` tarball from layers (name -> content;
// a ".wh." name is a whiteout) and the image config's Env.
func imageTar(t *testing.T, env []string, layers ...map[string]string) []byte {
	t.Helper()
	tarOf := func(files map[string]string, order []string) []byte {
		var buf bytes.Buffer
		w := tar.NewWriter(&buf)
		for _, n := range order {
			if err := w.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(files[n]))
		}
		w.Close()
		return buf.Bytes()
	}
	sorted := func(m map[string]string) []string {
		var k []string
		for n := range m {
			k = append(k, n)
		}
		sort.Strings(k)
		return k
	}
	outer := map[string]string{}
	var paths, diffIDs []string
	for i, l := range layers {
		b := tarOf(l, sorted(l))
		sum := sha256.Sum256(b)
		p := fmt.Sprintf("%064d/layer.tar", i+1)
		outer[p] = string(b)
		paths = append(paths, p)
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
	}
	cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "config": map[string]any{"Env": env},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	sum := sha256.Sum256(cfg)
	cfgName := hex.EncodeToString(sum[:]) + ".json"
	outer[cfgName] = string(cfg)
	man, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{"fn:1"}, "Layers": paths}})
	outer["manifest.json"] = string(man)
	return tarOf(outer, append([]string{"manifest.json", cfgName}, paths...))
}

// TestSecretsInImage: secrets in a file a later layer deletes still ship
// in the image: found, with their layer, marked deleted; the image
// config's environment is judged as an environment config.
func TestSecretsInImage(t *testing.T) {
	p := planted(t)
	env := ".env"
	img := imageTar(t, []string{"PATH=/usr/bin", "DB_PASSWORD=" + p["settings.ini:4"], "API_KEY={{resolve:ssm-secure:/fn/key}}"},
		map[string]string{"var/task/app.py": "print('hi')\n", "var/task/" + env: "AWS_ACCESS_KEY_ID=" + p[".env:1"] + "\nAWS_SECRET_ACCESS_KEY=" + p[".env:2"] + "\n"},
		map[string]string{"var/task/.wh." + env: ""},
	)
	rep, err := Secrets(context.Background(), write(t, "image.tar", img), SecretsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[fmt.Sprintf("%s:%d", f.Path, f.Line)] = f.Status + " " + f.Variable + " " + f.Secret()
		if f.Status == "deleted" && f.Origin.Layer == "" {
			t.Errorf("%s: no layer named", f.Path)
		}
	}
	want := map[string]string{
		"/var/task/.env:1":   "deleted  " + p[".env:1"],
		"/var/task/.env:2":   "deleted AWS_SECRET_ACCESS_KEY " + p[".env:2"],
		"image.tar!config:0": " DB_PASSWORD " + p["settings.ini:4"],
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
