package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shipcheck/shipcheck/internal/testshared"
)

// keyFiles writes a new key pair of the algorithm (ecdsa, ed25519, rsa)
// as PKCS#8 and PKIX PEM files and returns their absolute paths.
func keyFiles(t *testing.T, alg string) (priv, pub string) {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case "ecdsa":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	case "rsa":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, alg+".pem"), filepath.Join(dir, alg+".pub")
	write(t, priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))
	write(t, pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pk}))
	return priv, pub
}

func write(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// statementOf decodes an attestation's payload.
func statementOf(t *testing.T, env []byte) (envelope map[string]any, statement []byte) {
	t.Helper()
	if err := json.Unmarshal(env, &envelope); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, env)
	}
	p, err := base64.StdEncoding.DecodeString(envelope["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return envelope, p
}

// TestAttestVerify: orders-api.zip with hello-layer.zip as its layer,
// attested with a P-256 and an Ed25519 key; verify exits 0 when the
// signature and every artifact hold, 1 naming the signature or the
// artifact when one does not, 2 when it cannot tell.
func TestAttestVerify(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "orders-api.zip"))
	layer := abs(t, filepath.Join(examples, "hello-layer.zip"))
	another := abs(t, filepath.Join(examples, "hello-function.zip"))
	schema := cdxSchema(t)
	for _, alg := range []string{"ecdsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			priv, pub := keyFiles(t, alg)
			_, otherPub := keyFiles(t, "ed25519")
			dir := t.TempDir()
			att := filepath.Join(dir, "orders.att.json")

			code, stdout, stderr := run(t, nil, "attest", fn, "--layer", layer, "--key", priv, "--output", att, "--deterministic")
			if code != 0 || stdout != "" || !strings.Contains(stderr, "shipcheck: attested orders-api.zip sha256:") || !strings.Contains(stderr, ", hello-layer.zip sha256:") {
				t.Fatalf("attest: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
			}
			env := read(t, att)
			envelope, st := statementOf(t, env)
			if envelope["payloadType"] != "application/vnd.in-toto+json" {
				t.Errorf("payloadType %v", envelope["payloadType"])
			}
			var s struct {
				Type    string `json:"_type"`
				Subject []struct {
					Name   string            `json:"name"`
					Digest map[string]string `json:"digest"`
				} `json:"subject"`
				PredicateType string `json:"predicateType"`
				Predicate     any    `json:"predicate"`
			}
			if err := json.Unmarshal(st, &s); err != nil {
				t.Fatal(err)
			}
			if s.Type != "https://in-toto.io/Statement/v1" || s.PredicateType != "https://cyclonedx.org/bom" || len(s.Subject) != 2 ||
				s.Subject[0].Name != "orders-api.zip" || s.Subject[1].Name != "hello-layer.zip" || len(s.Subject[0].Digest["sha256"]) != 64 {
				t.Errorf("statement:\n%s", st)
			}
			// The predicate is what `shipcheck sbom` writes for the same
			// deployment, and valid CycloneDX 1.6.
			code, sbomOut, stderr := run(t, nil, "sbom", fn, "--layer", layer, "--deterministic")
			if code != 0 {
				t.Fatalf("sbom: exit %d: %s", code, stderr)
			}
			var want any
			if err := json.Unmarshal([]byte(sbomOut), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, s.Predicate); diff != "" {
				t.Errorf("the predicate is not the sbom command's SBOM (-sbom +predicate):\n%s", diff)
			}
			pred, _ := json.Marshal(s.Predicate)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(pred))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("the predicate is not valid CycloneDX 1.6: %v", err)
			}

			// A renamed copy matches by digest; a changed byte matches nothing.
			renamed := filepath.Join(dir, "orders-v2.zip")
			write(t, renamed, read(t, fn))
			changed := filepath.Join(dir, "orders-api.zip")
			b := read(t, fn)
			b[len(b)/2] ^= 0x01
			write(t, changed, b)
			// The SBOM changed inside the envelope, not signed again.
			forged := filepath.Join(dir, "forged.json")
			i := bytes.Index(st, []byte(`"lodash"`))
			if i < 0 {
				t.Fatalf("no lodash in the statement:\n%s", st)
			}
			st2 := bytes.Clone(st)
			copy(st2[i:], `"lodasH"`)
			envelope["payload"] = base64.StdEncoding.EncodeToString(st2)
			fb, _ := json.Marshal(envelope)
			write(t, forged, fb)
			// Another payload type.
			otherType := filepath.Join(dir, "other-type.json")
			envelope["payload"] = base64.StdEncoding.EncodeToString(st)
			envelope["payloadType"] = "application/vnd.dsse+json"
			ob, _ := json.Marshal(envelope)
			write(t, otherType, ob)
			notPEM := filepath.Join(dir, "junk.pub")
			write(t, notPEM, []byte("not a key"))

			for _, c := range []struct {
				name   string
				args   []string
				code   int
				stdout []string
				stderr []string
			}{
				{"signature and artifacts", []string{att, "--key", pub, "--artifact", fn, "--artifact", layer}, 0,
					[]string{"signature: verified with ", "subject: orders-api.zip sha256:", "subject: hello-layer.zip sha256:",
						"artifact " + fn + ": matches subject orders-api.zip\n", "artifact " + layer + ": matches subject hello-layer.zip\n"}, nil},
				{"signature alone", []string{att, "--key", pub}, 0, []string{"statement: https://in-toto.io/Statement/v1, predicate https://cyclonedx.org/bom (CycloneDX 1.6, 3 component(s))"}, nil},
				{"a renamed copy", []string{att, "--key", pub, "--artifact", renamed}, 0, []string{"artifact " + renamed + ": matches subject orders-api.zip (by digest; the file is named orders-v2.zip)"}, nil},
				{"another artifact", []string{att, "--key", pub, "--artifact", fn, "--artifact", another}, 1,
					[]string{"matches subject orders-api.zip"}, []string{"shipcheck: artifact " + another + " does not match any subject", "1 artifact(s) do not match"}},
				{"a changed byte in the artifact", []string{att, "--key", pub, "--artifact", changed}, 1, nil, []string{"shipcheck: artifact " + changed + " does not match any subject (its sha256 is "}},
				{"a changed SBOM", []string{forged, "--key", pub, "--artifact", fn}, 1, nil, []string{"shipcheck: signature: " + forged + " is not signed by", "its signature does not verify"}},
				{"another key", []string{att, "--key", otherPub, "--artifact", fn}, 1, nil, []string{"shipcheck: signature: ", "is not signed by ed25519 key SHA256:"}},
				{"not an envelope", []string{fn, "--key", pub}, 2, nil, []string{"not a DSSE envelope"}},
				{"another payload type", []string{otherType, "--key", pub}, 2, nil, []string{`payloadType "application/vnd.dsse+json"`}},
				{"no attestation", []string{filepath.Join(dir, "missing.json"), "--key", pub}, 2, nil, []string{"missing.json: no such file"}},
				{"an unreadable artifact", []string{att, "--key", pub, "--artifact", filepath.Join(dir, "missing.zip")}, 2, nil, []string{"--artifact: open ", "missing.zip"}},
				{"the private key", []string{att, "--key", priv}, 2, nil, []string{"verify takes the public key"}},
				{"not a key", []string{att, "--key", notPEM}, 2, nil, []string{"--key " + notPEM + ": not a PEM file"}},
				{"no key", []string{att}, 2, nil, []string{"verify needs --key"}},
			} {
				t.Run(c.name, func(t *testing.T) {
					code, stdout, stderr := run(t, nil, append([]string{"verify"}, c.args...)...)
					if code != c.code {
						t.Errorf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, c.code, stdout, stderr)
					}
					for _, w := range c.stdout {
						if !strings.Contains(stdout, w) {
							t.Errorf("stdout does not say %q:\n%s", w, stdout)
						}
					}
					for _, w := range c.stderr {
						if !strings.Contains(stderr, w) {
							t.Errorf("stderr does not say %q:\n%s", w, stderr)
						}
					}
					if c.code != 0 && stderr == "" {
						t.Error("nothing on stderr")
					}
				})
			}
		})
	}
}

// TestAttestRefuses: keys that are not accepted, a folder, no key: exit 2
// with a message, and no attestation written.
func TestAttestRefuses(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "orders-api.zip"))
	priv, pub := keyFiles(t, "ecdsa")
	rsaPriv, _ := keyFiles(t, "rsa")
	dir := t.TempDir()
	enc := filepath.Join(dir, "enc.pem")
	write(t, enc, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0}}))
	cosignKey := filepath.Join(dir, "cosign.key")
	write(t, cosignKey, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: []byte("{}")}))
	out := filepath.Join(dir, "att.json")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no key", []string{"attest", fn, "--output", out}, "attest needs --key"},
		{"an encrypted key", []string{"attest", fn, "--key", enc, "--output", out}, "an encrypted key (ENCRYPTED PRIVATE KEY): not accepted"},
		{"a cosign key", []string{"attest", fn, "--key", cosignKey, "--output", out}, "a cosign key"},
		{"an RSA key", []string{"attest", fn, "--key", rsaPriv, "--output", out}, "an RSA key: not accepted"},
		{"the public key", []string{"attest", fn, "--key", pub, "--output", out}, "signing needs the private key"},
		{"a missing key", []string{"attest", fn, "--key", filepath.Join(dir, "none.pem"), "--output", out}, "none.pem: no such file"},
		{"a folder", []string{"attest", abs(t, filepath.Join(testdata, "secrets", "fn")), "--key", priv, "--output", out}, "is a folder: an attestation's subjects are files"},
		{"a folder as layer", []string{"attest", fn, "--layer", abs(t, filepath.Join(testdata, "secrets", "fn")), "--key", priv, "--output", out}, "is a folder"},
		{"an output in a missing folder", []string{"attest", fn, "--key", priv, "--output", filepath.Join(dir, "no", "att.json")}, "--output "},
		{"a missing artifact", []string{"attest", filepath.Join(dir, "none.zip"), "--key", priv, "--output", out}, "none.zip"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, c.args...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", code, stdout, stderr, c.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("an attestation was written")
			}
		})
	}
}

// TestAttestStdout: without --output the envelope goes to standard output,
// and the report commands' output settings (configuration,
// SHIPCHECK_OUTPUT) do not redirect it.
func TestAttestStdout(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "orders-api.zip"))
	priv, pub := keyFiles(t, "ed25519")
	t.Setenv("SHIPCHECK_OUTPUT", "table,sarif=shipcheck.sarif")
	code, stdout, stderr := run(t, nil, "attest", fn, "--key", priv, "-q")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	att := filepath.Join(t.TempDir(), "att.json")
	write(t, att, []byte(stdout))
	if code, out, stderr := run(t, nil, "verify", att, "--key", pub, "--artifact", fn); code != 0 {
		t.Errorf("verify: exit %d\n%s%s", code, out, stderr)
	}
	// The same configuration in .shipcheck.yaml.
	cfg := filepath.Join(t.TempDir(), "shipcheck.yaml")
	write(t, cfg, []byte("defaults:\n  output: [table, sarif=shipcheck.sarif]\n"))
	t.Setenv("SHIPCHECK_OUTPUT", "")
	os.Unsetenv("SHIPCHECK_OUTPUT")
	code, stdout, stderr = run(t, nil, "attest", fn, "--key", priv, "--config", cfg, "-q")
	if code != 0 || !strings.HasPrefix(stdout, `{"payloadType":"application/vnd.in-toto+json"`) {
		t.Errorf("with output in the configuration: exit %d, stdout %.80q, stderr:\n%s", code, stdout, stderr)
	}
}

// TestAttestCorpus: a corpus function attested with its layer verifies,
// each file matching its own subject.
func TestAttestCorpus(t *testing.T) {
	shared := testshared.Dir(t)
	var truth struct {
		Artifacts map[string]struct {
			Kind      string   `json:"kind"`
			PairsWith []string `json:"pairs_with"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(read(t, filepath.Join(shared, "corpus", "TRUTH.json")), &truth); err != nil {
		t.Fatal(err)
	}
	priv, pub := keyFiles(t, "ecdsa")
	tested := 0
	for name, a := range truth.Artifacts {
		if a.Kind != "lambda-zip" || len(a.PairsWith) == 0 {
			continue
		}
		tested++
		t.Run(name, func(t *testing.T) {
			files := []string{filepath.Join(shared, "corpus", name)}
			args := []string{"attest", files[0], "--key", priv}
			for _, l := range a.PairsWith {
				files = append(files, filepath.Join(shared, "corpus", l))
				args = append(args, "--layer", files[len(files)-1])
			}
			att := filepath.Join(t.TempDir(), "att.json")
			if code, _, stderr := run(t, nil, append(args, "--output", att)...); code != 0 {
				t.Fatalf("attest: exit %d\n%s", code, stderr)
			}
			vargs := []string{"verify", att, "--key", pub}
			for _, f := range files {
				vargs = append(vargs, "--artifact", f)
			}
			code, stdout, stderr := run(t, nil, vargs...)
			if code != 0 {
				t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
			}
			for _, f := range files {
				if !strings.Contains(stdout, "artifact "+f+": matches subject "+filepath.Base(f)+"\n") {
					t.Errorf("%s did not match its subject:\n%s", f, stdout)
				}
			}
		})
	}
	if tested == 0 {
		t.Error("no function with a layer in the corpus")
	}
}

// TestAttestStatementOnly: --statement-only writes the Statement unsigned
// (for cosign attest-blob --statement), with the same subjects and SBOM;
// it takes no key.
func TestAttestStatementOnly(t *testing.T) {
	fn := abs(t, filepath.Join(examples, "orders-api.zip"))
	layer := abs(t, filepath.Join(examples, "hello-layer.zip"))
	priv, _ := keyFiles(t, "ecdsa")
	dir := t.TempDir()
	st, att := filepath.Join(dir, "statement.json"), filepath.Join(dir, "att.json")
	if code, _, stderr := run(t, nil, "attest", fn, "--layer", layer, "--statement-only", "--output", st, "--deterministic"); code != 0 || !strings.Contains(stderr, "unsigned (--statement-only)") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if code, _, stderr := run(t, nil, "attest", fn, "--layer", layer, "--key", priv, "--output", att, "--deterministic"); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var unsigned, signed any
	if err := json.Unmarshal(read(t, st), &unsigned); err != nil {
		t.Fatal(err)
	}
	_, payload := statementOf(t, read(t, att))
	if err := json.Unmarshal(payload, &signed); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(signed, unsigned); diff != "" {
		t.Errorf("the unsigned statement is not the one signed (-signed +unsigned):\n%s", diff)
	}
	if code, _, stderr := run(t, nil, "attest", fn, "--statement-only", "--key", priv); code != 2 || !strings.Contains(stderr, "drop --key") {
		t.Errorf("--statement-only with --key: exit %d\n%s", code, stderr)
	}
}
