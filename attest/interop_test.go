package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"
)

// inTotoVerifier is what in-toto-golang verifies an envelope with
// (in_toto.Envelope.VerifySignature): the public PEM loaded as a
// securesystemslib key, with its keyid, into go-securesystemslib's
// signer-verifier of its type.
func inTotoVerifier(t *testing.T, pub []byte) (dsse.Verifier, string) {
	t.Helper()
	k, err := signerverifier.LoadKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	var v dsse.Verifier
	switch k.KeyType {
	case signerverifier.ECDSAKeyType:
		v, err = signerverifier.NewECDSASignerVerifierFromSSLibKey(k)
	case signerverifier.ED25519KeyType:
		v, err = signerverifier.NewED25519SignerVerifierFromSSLibKey(k)
	default:
		t.Fatalf("key type %s", k.KeyType)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v, k.KeyID
}

// TestInTotoVerifier: the envelope verifies with in-toto-golang's verifier
// for the public key, with no keyid (the default) and with the key's own
// securesystemslib keyid (--keyid); a keyid naming another key is skipped
// there, which is why none is written by default.
func TestInTotoVerifier(t *testing.T) {
	for _, alg := range []string{ECDSAP256, Ed25519} {
		t.Run(alg, func(t *testing.T) {
			priv, pub := keyPair(t, alg)
			_, subjects, bom := deployment(t)
			v, keyID := inTotoVerifier(t, pub)
			ev, err := dsse.NewEnvelopeVerifier(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				keyID string
				ok    bool
			}{{"", true}, {keyID, true}, {"another-key", false}} {
				var env dsse.Envelope
				if err := json.Unmarshal(attestation(t, priv, c.keyID, subjects, bom), &env); err != nil {
					t.Fatal(err)
				}
				_, err := ev.Verify(context.Background(), &env)
				if (err == nil) != c.ok {
					t.Errorf("keyid %q: %v, want ok %v", c.keyID, err, c.ok)
				}
			}
			// And the other way: what in-toto's signer writes (its keyid
			// set), shipcheck verifies.
			sk, err := signerverifier.LoadKey(priv)
			if err != nil {
				t.Fatal(err)
			}
			var s dsse.Signer
			if sk.KeyType == signerverifier.ECDSAKeyType {
				s, err = signerverifier.NewECDSASignerVerifierFromSSLibKey(sk)
			} else {
				s, err = signerverifier.NewED25519SignerVerifierFromSSLibKey(sk)
			}
			if err != nil {
				t.Fatal(err)
			}
			st, err := Statement(subjects, bom)
			if err != nil {
				t.Fatal(err)
			}
			env, err := Sign(context.Background(), s, st)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(env), keyID) {
				t.Fatalf("in-toto's signer wrote no keyid: %s", env)
			}
			a, err := verify(t, env, pub)
			if err != nil || a.KeyID != keyID {
				t.Errorf("an envelope signed by in-toto's signer: %v (keyid %q)", err, a.KeyID)
			}
		})
	}
}

// TestCosignEnvelopes: envelopes cosign v3.1.1 signed (testdata/README.md)
// verify: shipcheck's statement signed with P-256 and with Ed25519 (cosign
// signs Ed25519ph), and cosign's own v0.1 statement; a changed byte in
// their payload does not.
func TestCosignEnvelopes(t *testing.T) {
	const (
		fn    = "87fd6d54839f478f6b76cb20f9590edf9d0c18a10db897f2ee9bbe4ba802e843"
		layer = "7ff5244f398dd1e6aa6347521d9a2b62a4e93b83f961c82289599d2e385c6a71"
	)
	both := []Subject{{"orders-api.zip", fn}, {"hello-layer.zip", layer}}
	for _, c := range []struct {
		env, pub  string
		statement string
		subjects  []Subject
	}{
		{"cosign-p256-statement.att.json", "cosign-p256.pub", StatementType, both},
		{"cosign-ed25519-statement.att.json", "cosign-ed25519.pub", StatementType, both},
		{"cosign-p256-predicate.att.json", "cosign-p256.pub", "https://in-toto.io/Statement/v0.1", both[:1]},
	} {
		t.Run(c.env, func(t *testing.T) {
			env, err := os.ReadFile(filepath.Join("testdata", c.env))
			if err != nil {
				t.Fatal(err)
			}
			pub, err := os.ReadFile(filepath.Join("testdata", c.pub))
			if err != nil {
				t.Fatal(err)
			}
			a, err := verify(t, env, pub)
			if err != nil {
				t.Fatal(err)
			}
			if a.StatementType != c.statement || !slices.Equal(a.Subjects, c.subjects) || a.BOM.Components == nil || len(*a.BOM.Components) != 3 {
				t.Errorf("%s, subjects %v, BOM %+v", a.StatementType, a.Subjects, a.BOM)
			}
			forged := alterPayload(t, env, func(st []byte) []byte {
				return bytes.Replace(st, []byte(`"lodash"`), []byte(`"lodasH"`), 1)
			})
			if _, err := verify(t, forged, pub); !errors.Is(err, ErrSignature) {
				t.Errorf("a changed payload: %v", err)
			}
		})
	}
}
