package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
)

// keyPair generates a key of the algorithm and returns its PKCS#8 and PKIX
// PEM files.
func keyPair(t testing.TB, alg string) (priv, pub []byte) {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case ECDSAP256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case Ed25519:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
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
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pk})
}

// deployment writes a function and a layer file and returns their paths,
// their subjects and a CycloneDX SBOM of them.
func deployment(t *testing.T) (paths []string, subjects []Subject, bom []byte) {
	t.Helper()
	dir := t.TempDir()
	inv := &sbom.Inventory{
		Sources: []packaging.Source{
			{Path: "fn.zip", Name: "fn.zip", Kind: "zip", Role: packaging.Function, Mount: "/var/task"},
			{Path: "layer.zip", Name: "layer.zip", Kind: "zip", Role: packaging.Layer, Mount: "/opt"},
		},
		Packages: sbom.Assemble([]*sbom.Package{
			{Ecosystem: "npm", Name: "orders", Version: "1.0.0", PURL: "pkg:npm/orders@1.0.0", Type: sbom.Application,
				Locations: []sbom.Location{{Path: "/var/task/package.json", Origin: packaging.Origin{Artifact: "fn.zip", Chain: []string{"package.json"}}}}},
			{Ecosystem: "npm", Name: "ms", Version: "2.0.0", PURL: "pkg:npm/ms@2.0.0", Type: sbom.Library, Licenses: []string{"MIT"},
				Locations: []sbom.Location{{Path: "/opt/nodejs/package-lock.json", Declared: true, Line: 12, Origin: packaging.Origin{Artifact: "layer.zip", Layer: "layer.zip", Chain: []string{"nodejs/package-lock.json"}}}}},
		}),
	}
	for i, name := range []string{"fn.zip", "layer.zip"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Repeat(name, 100+i)), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := DigestFile(p)
		if err != nil {
			t.Fatal(err)
		}
		paths, subjects = append(paths, p), append(subjects, s)
		inv.Files = append(inv.Files, sbom.ArtifactFile{Name: name, Path: p, SHA256: s.SHA256})
	}
	var buf bytes.Buffer
	if err := cyclonedx.Encode(&buf, inv, cyclonedx.Options{Time: time.Unix(0, 0), Deterministic: true, ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return paths, subjects, buf.Bytes()
}

// attestation signs a statement of the deployment with priv.
func attestation(t *testing.T, priv []byte, keyID string, subjects []Subject, bom []byte) []byte {
	t.Helper()
	k, err := ParsePrivateKey(priv, keyID)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Statement(subjects, bom)
	if err != nil {
		t.Fatal(err)
	}
	env, err := Sign(context.Background(), k, st)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func verify(t *testing.T, env, pub []byte) (*Attestation, error) {
	t.Helper()
	p, err := ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return Verify(context.Background(), bytes.NewReader(env), p)
}

// TestSignVerify: an attestation signed with a P-256 or an Ed25519 key
// verifies with its public key; every artifact matches its subject; a
// changed byte in an artifact matches none; a changed byte in the SBOM
// inside the envelope, or another key, fails the signature.
func TestSignVerify(t *testing.T) {
	for _, alg := range []string{ECDSAP256, Ed25519} {
		t.Run(alg, func(t *testing.T) {
			priv, pub := keyPair(t, alg)
			paths, subjects, bom := deployment(t)
			env := attestation(t, priv, "", subjects, bom)

			a, err := verify(t, env, pub)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if diff := cmp.Diff(subjects, a.Subjects); diff != "" {
				t.Errorf("subjects (-signed +verified):\n%s", diff)
			}
			if a.StatementType != StatementType || a.PredicateType != PredicateCycloneDX {
				t.Errorf("statement %q, predicate %q", a.StatementType, a.PredicateType)
			}
			if a.BOM == nil || a.BOM.Components == nil || len(*a.BOM.Components) != 2 {
				t.Errorf("the predicate's BOM: %+v", a.BOM)
			}
			for i, p := range paths {
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				s, err := a.Match(p, f)
				f.Close()
				if err != nil || s != subjects[i] {
					t.Errorf("%s matches %v, %v; want %v", p, s, err, subjects[i])
				}
			}

			// A byte changed in the function zip.
			b, _ := os.ReadFile(paths[0])
			b[len(b)/2] ^= 1
			_, err = a.Match(paths[0], bytes.NewReader(b))
			var mm *MismatchError
			if !errors.As(err, &mm) || mm.Artifact != paths[0] || !strings.Contains(err.Error(), "artifact "+paths[0]+" does not match any subject") {
				t.Errorf("a changed artifact: %v", err)
			}

			// A byte changed in the SBOM inside the envelope, not signed again.
			forged := alterPayload(t, env, func(st []byte) []byte {
				i := bytes.Index(st, []byte(`"MIT"`))
				if i < 0 {
					t.Fatalf("no MIT license in the statement:\n%s", st)
				}
				st = bytes.Clone(st)
				st[i+3] = 'X' // MIX: still a well-formed BOM
				return st
			})
			if _, err := verify(t, forged, pub); !errors.Is(err, ErrSignature) {
				t.Errorf("a changed SBOM: %v, want the signature error", err)
			}

			// Another key of the same kind, and one of the other kind.
			for _, other := range []string{ECDSAP256, Ed25519} {
				_, otherPub := keyPair(t, other)
				if _, err := verify(t, env, otherPub); !errors.Is(err, ErrSignature) {
					t.Errorf("verified with another %s key: %v", other, err)
				}
			}
		})
	}
}

// alterPayload decodes the envelope's payload, changes it, and encodes it
// again with the signatures as they were.
func alterPayload(t *testing.T, env []byte, change func([]byte) []byte) []byte {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	p, err := base64.StdEncoding.DecodeString(e["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	e["payload"] = base64.StdEncoding.EncodeToString(change(p))
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEnvelopeFormat checks the properties cosign's and in-toto's
// verifiers rely on, from the DSSE and in-toto specifications rather than
// from the library that wrote it: the envelope's fields; the payload and
// the signature in standard base64; the signature made over the PAE
// ("DSSEv1" SP len(type) SP type SP len(body) SP body), ECDSA as ASN.1 DER
// over its SHA-256, Ed25519 over the PAE itself; the Statement's fields
// under their documented names.
func TestEnvelopeFormat(t *testing.T) {
	for _, alg := range []string{ECDSAP256, Ed25519} {
		t.Run(alg, func(t *testing.T) {
			priv, pubPEM := keyPair(t, alg)
			_, subjects, bom := deployment(t)
			env := attestation(t, priv, "", subjects, bom)

			var e struct {
				PayloadType string `json:"payloadType"`
				Payload     string `json:"payload"`
				Signatures  []struct {
					KeyID *string `json:"keyid"`
					Sig   string  `json:"sig"`
				} `json:"signatures"`
			}
			dec := json.NewDecoder(bytes.NewReader(env))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				t.Fatal(err)
			}
			if e.PayloadType != "application/vnd.in-toto+json" || len(e.Signatures) != 1 {
				t.Fatalf("payloadType %q, %d signatures", e.PayloadType, len(e.Signatures))
			}
			if k := e.Signatures[0].KeyID; k == nil || *k != "" {
				t.Errorf("keyid %v, want present and empty (as cosign writes it)", k)
			}
			body, err := base64.StdEncoding.Strict().DecodeString(e.Payload)
			if err != nil {
				t.Fatalf("payload is not standard base64: %v", err)
			}
			sig, err := base64.StdEncoding.Strict().DecodeString(e.Signatures[0].Sig)
			if err != nil {
				t.Fatalf("sig is not standard base64: %v", err)
			}
			pae := []byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(e.PayloadType), e.PayloadType, len(body), body))
			blk, _ := pem.Decode(pubPEM)
			pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			switch pub := pub.(type) {
			case *ecdsa.PublicKey:
				h := sha256.Sum256(pae)
				if !ecdsa.VerifyASN1(pub, h[:], sig) {
					t.Error("the ECDSA signature is not ASN.1 DER over SHA-256 of the PAE")
				}
			case ed25519.PublicKey:
				if !ed25519.Verify(pub, pae, sig) {
					t.Error("the Ed25519 signature is not over the PAE")
				}
			}

			var st struct {
				Type    string `json:"_type"`
				Subject []struct {
					Name   string            `json:"name"`
					Digest map[string]string `json:"digest"`
				} `json:"subject"`
				PredicateType string         `json:"predicateType"`
				Predicate     map[string]any `json:"predicate"`
			}
			dec = json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&st); err != nil {
				t.Fatalf("statement: %v\n%s", err, body)
			}
			if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != "https://cyclonedx.org/bom" {
				t.Errorf("_type %q, predicateType %q", st.Type, st.PredicateType)
			}
			if len(st.Subject) != 2 || st.Subject[0].Name != "fn.zip" || st.Subject[1].Name != "layer.zip" {
				t.Errorf("subjects %+v", st.Subject)
			}
			for i, s := range st.Subject {
				if s.Digest["sha256"] != subjects[i].SHA256 || len(s.Digest) != 1 {
					t.Errorf("subject %s: digest %v, want sha256 %s", s.Name, s.Digest, subjects[i].SHA256)
				}
			}
			// The predicate is the SBOM: the same JSON value.
			var want map[string]any
			if err := json.Unmarshal(bom, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, st.Predicate); diff != "" {
				t.Errorf("predicate (-sbom +predicate):\n%s", diff)
			}
			pred, _ := json.Marshal(st.Predicate)
			validBOM(t, "1.6", pred)
		})
	}
}

// validBOM validates a CycloneDX JSON document against its schema,
// offline (the schemas in ../testdata/schemas).
func validBOM(t *testing.T, version string, b []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, f := range []string{"bom-" + version + ".schema.json", "jsf-0.82.schema.json", "spdx.schema.json", "cryptography-defs.schema.json"} {
		sb, err := os.ReadFile(filepath.Join("..", "testdata", "schemas", f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sb))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-" + version + ".schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("the predicate is not valid CycloneDX %s: %v", version, err)
	}
}

// TestKeyID: the keyid given is written; a signature is tried with the key
// whatever its keyid says (DSSE: an unauthenticated hint), and the keyid
// of the one that verified is returned.
func TestKeyID(t *testing.T) {
	priv, pub := keyPair(t, Ed25519)
	_, subjects, bom := deployment(t)
	env := attestation(t, priv, "release-2026", subjects, bom)
	a, err := verify(t, env, pub)
	if err != nil || a.KeyID != "release-2026" {
		t.Fatalf("keyid %q, %v", a.KeyID, err)
	}
	other := bytes.Replace(env, []byte(`"keyid":"release-2026"`), []byte(`"keyid":"SHA256:another"`), 1)
	if bytes.Equal(other, env) {
		t.Fatalf("no keyid in %s", env)
	}
	if _, err := verify(t, other, pub); err != nil {
		t.Errorf("a signature with another keyid: %v", err)
	}
}

// TestNotAnAttestation: what is not an attestation of ours is an error that
// is not the signature's, and names what is wrong; a signed statement is
// read only after its signature verified.
func TestNotAnAttestation(t *testing.T) {
	priv, pub := keyPair(t, ECDSAP256)
	k, err := ParsePrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	_, subjects, bom := deployment(t)
	good := attestation(t, priv, "", subjects, bom)
	signed := func(payloadType, statement string) []byte {
		es, err := Sign(context.Background(), k, []byte(statement))
		if err != nil {
			t.Fatal(err)
		}
		if payloadType != PayloadType {
			// The envelope type is signed too: sign it as it is.
			var e map[string]any
			json.Unmarshal(es, &e)
			body, _ := base64.StdEncoding.DecodeString(e["payload"].(string))
			pae := []byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(body), body))
			sig, _ := k.Sign(context.Background(), pae)
			e["payloadType"] = payloadType
			e["signatures"] = []map[string]string{{"keyid": "", "sig": base64.StdEncoding.EncodeToString(sig)}}
			es, _ = json.Marshal(e)
		}
		return es
	}
	statement := func(predicateType, predicate string) string {
		d := strings.Repeat("a", 64)
		return `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"fn.zip","digest":{"sha256":"` + d + `"}}],"predicateType":"` + predicateType + `","predicate":` + predicate + `}`
	}
	cdxOK := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"ms","bom-ref":"a"}],"dependencies":[{"ref":"a"}]}`
	if _, err := verify(t, signed(PayloadType, statement(PredicateCycloneDX, cdxOK)), pub); err != nil {
		t.Fatalf("a minimal attestation: %v", err)
	}
	for _, c := range []struct {
		name string
		env  []byte
		want string
	}{
		{"empty", nil, "not a DSSE envelope"},
		{"not JSON", []byte("PK\x03\x04"), "not a DSSE envelope"},
		{"a JSON list", []byte(`[1]`), "not a DSSE envelope"},
		{"a CycloneDX SBOM", []byte(cdxOK), "not a DSSE envelope: no payloadType or payload"},
		{"payload not base64", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"%%%","signatures":[{"sig":"AAAA"}]}`), "not a DSSE envelope: payload"},
		{"no signature", bytes.Replace(good, []byte(`"signatures":[`), []byte(`"signatures":[],"x":[`), 1), "no signature"},
		{"another payload type", signed("text/plain", statement(PredicateCycloneDX, cdxOK)), `payloadType "text/plain"`},
		{"not a statement", signed(PayloadType, `{"hello":1}`), "not a valid in-toto Statement: wrong statement type"},
		{"not JSON inside", signed(PayloadType, `hello`), "not an in-toto Statement"},
		{"a statement without subjects", signed(PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://cyclonedx.org/bom","predicate":{}}`), "not a valid in-toto Statement"},
		{"a bad digest", signed(PayloadType, strings.Replace(statement(PredicateCycloneDX, cdxOK), strings.Repeat("a", 64), "abc", 1)), "not a valid in-toto Statement"},
		{"another predicate", signed(PayloadType, statement("https://spdx.dev/Document", `{"spdxVersion":"SPDX-2.3"}`)), `predicateType "https://spdx.dev/Document"`},
		{"SPDX as CycloneDX", signed(PayloadType, statement(PredicateCycloneDX, `{"spdxVersion":"SPDX-2.3"}`)), "not a well-formed CycloneDX BOM: bomFormat"},
		{"unknown spec version", signed(PayloadType, statement(PredicateCycloneDX, `{"bomFormat":"CycloneDX","specVersion":"9.9"}`)), "not a well-formed CycloneDX BOM"},
		{"no spec version", signed(PayloadType, statement(PredicateCycloneDX, `{"bomFormat":"CycloneDX"}`)), "no specVersion"},
		{"a bad serial", signed(PayloadType, statement(PredicateCycloneDX, `{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"42"}`)), "serialNumber"},
		{"a component without a name", signed(PayloadType, statement(PredicateCycloneDX, `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library"}]}`)), "components[0] has no type or no name"},
		{"a field of the wrong type", signed(PayloadType, statement(PredicateCycloneDX, `{"bomFormat":"CycloneDX","specVersion":"1.6","components":"x"}`)), "not a well-formed CycloneDX BOM"},
		{"a dangling dependency", signed(PayloadType, statement(PredicateCycloneDX, strings.Replace(cdxOK, `{"ref":"a"}`, `{"ref":"b"}`, 1))), `refers to "b"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := verify(t, c.env, pub)
			if err == nil || errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
}

// TestKeys: the keys accepted, and a message for each kind refused.
func TestKeys(t *testing.T) {
	ecPriv, ecPub := keyPair(t, ECDSAP256)
	edPriv, edPub := keyPair(t, Ed25519)
	p384, p384Pub := keyPair(t, "p384")
	rsaPriv, rsaPub := keyPair(t, "rsa")
	blk, _ := pem.Decode(ecPriv)
	k, _ := x509.ParsePKCS8PrivateKey(blk.Bytes)
	sec1, _ := x509.MarshalECPrivateKey(k.(*ecdsa.PrivateKey))
	pemOf := func(typ string, b []byte, h map[string]string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: h, Bytes: b})
	}
	for _, c := range []struct {
		name string
		priv []byte
		want string // "" accepted
	}{
		{"ecdsa p-256", ecPriv, ""},
		{"ed25519", edPriv, ""},
		{"ecdsa p-384", p384, "only P-256 is accepted"},
		{"rsa pkcs8", rsaPriv, "an RSA key: not accepted"},
		{"rsa pkcs1", pemOf("RSA PRIVATE KEY", []byte{1}, nil), "an RSA key: not accepted"},
		{"encrypted pkcs8", pemOf("ENCRYPTED PRIVATE KEY", []byte{1}, nil), "an encrypted key"},
		{"legacy encrypted pem", pemOf("PRIVATE KEY", []byte{1}, map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}), "an encrypted key"},
		{"cosign key", pemOf("ENCRYPTED SIGSTORE PRIVATE KEY", []byte{1}, nil), "a cosign key"},
		{"sec1", pemOf("EC PRIVATE KEY", sec1, nil), "convert it to PKCS#8"},
		{"a public key", ecPub, "signing needs the private key"},
		{"a certificate", pemOf("CERTIFICATE", []byte{1}, nil), "a certificate"},
		{"openssh", []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), "an OpenSSH key"},
		{"not pem", []byte("hello"), "not a PEM file"},
		{"garbage in the block", pemOf("PRIVATE KEY", []byte{1, 2, 3}, nil), "not a PKCS#8 private key"},
	} {
		t.Run("private/"+c.name, func(t *testing.T) {
			_, err := ParsePrivateKey(c.priv, "")
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	for _, c := range []struct {
		name string
		pub  []byte
		want string
	}{
		{"ecdsa p-256", ecPub, ""},
		{"ed25519", edPub, ""},
		{"ecdsa p-384", p384Pub, "only P-256 is accepted"},
		{"rsa", rsaPub, "an RSA key: not accepted"},
		{"a private key", ecPriv, "verify takes the public key"},
		{"a certificate", pemOf("CERTIFICATE", []byte{1}, nil), "give its public key"},
		{"not pem", []byte("ssh-ed25519 AAAA me@host"), "an OpenSSH key"},
		{"garbage in the block", pemOf("PUBLIC KEY", []byte{1, 2, 3}, nil), "not a PKIX public key"},
	} {
		t.Run("public/"+c.name, func(t *testing.T) {
			_, err := ParsePublicKey(c.pub)
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	// The public half of a private key is the public key file's.
	k2, _ := ParsePrivateKey(ecPriv, "")
	p2, _ := ParsePublicKey(ecPub)
	if !bytes.Equal(k2.Public().PEM(), ecPub) || k2.Public().Fingerprint() != p2.Fingerprint() || !strings.HasPrefix(p2.Fingerprint(), "SHA256:") {
		t.Errorf("public half %s, fingerprints %s %s", k2.Public().PEM(), k2.Public().Fingerprint(), p2.Fingerprint())
	}
}

// TestDigestFile: a subject is a file's base name and SHA-256; a folder is
// refused.
func TestDigestFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "fn.zip")
	os.WriteFile(p, []byte("abc"), 0o644)
	s, err := DigestFile(p)
	want := Subject{Name: "fn.zip", SHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
	if err != nil || s != want {
		t.Errorf("%+v, %v", s, err)
	}
	if _, err := DigestFile(dir); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("a folder: %v", err)
	}
	if _, err := DigestFile(filepath.Join(dir, "missing.zip")); err == nil {
		t.Error("a missing file: no error")
	}
	if _, err := Statement([]Subject{{Name: "x", SHA256: "zz"}}, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`)); err == nil {
		t.Error("a statement with a bad digest: no error")
	}
	if _, err := Statement([]Subject{want}, []byte(`{"spdxVersion":"SPDX-2.3"}`)); err == nil {
		t.Error("a statement about an SPDX document: no error")
	}
}

// FuzzVerify: any bytes as an envelope give an attestation or an error,
// never a panic; a forged one never verifies.
func FuzzVerify(f *testing.F) {
	priv, pub := keyPair(f, Ed25519)
	k, err := ParsePrivateKey(priv, "")
	if err != nil {
		f.Fatal(err)
	}
	st := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"fn.zip","digest":{"sha256":"` + strings.Repeat("a", 64) + `"}}],"predicateType":"https://cyclonedx.org/bom","predicate":{"bomFormat":"CycloneDX","specVersion":"1.6"}}`
	env, err := Sign(context.Background(), k, []byte(st))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(env)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AAAA"}]}`))
	f.Add([]byte(`{}`))
	p, err := ParsePublicKey(pub)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Verify(context.Background(), bytes.NewReader(b), p)
		if err == nil && (a == nil || a.BOM == nil) {
			t.Fatal("no error and no attestation")
		}
		if err == nil && !bytes.Equal(b, env) {
			// Only an envelope with the signed payload verifies.
			var e struct{ Payload string }
			json.Unmarshal(b, &e)
			body, _ := base64.StdEncoding.DecodeString(e.Payload)
			if string(body) != st {
				body, _ = base64.URLEncoding.DecodeString(e.Payload)
			}
			if string(body) != st {
				t.Fatalf("a forged envelope verified: %s", b)
			}
		}
	})
}
