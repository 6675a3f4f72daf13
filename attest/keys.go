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
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeysHelp says which keys are accepted, for the commands' help.
const KeysHelp = `Keys are PEM files: the private key PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted;
the public key PKIX ("BEGIN PUBLIC KEY"). Two algorithms are accepted, those
cosign and in-toto verify alike:
  ECDSA P-256  signature: ASN.1 DER over SHA-256 (ecdsa-sha2-nistp256)
  Ed25519      signature: Ed25519 over the message itself (verify also takes
               Ed25519ph, which cosign attest-blob writes)
Not accepted: RSA (PKCS#1 or PKCS#8), other ECDSA curves (P-384, P-521: cosign
verifies them with SHA-256 by default, in-toto with SHA-384/512), encrypted
keys (ENCRYPTED PRIVATE KEY, a cosign or Sigstore key file), SEC 1 "EC PRIVATE
KEY" files (convert: openssl pkcs8 -topk8 -nocrypt -in ec.pem -out key.pem).
Make a pair with:
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem
  openssl genpkey -algorithm ed25519 -out key.pem
  openssl pkey -in key.pem -pubout -out key.pub`

// Algorithm names.
const (
	ECDSAP256 = "ecdsa-p256"
	Ed25519   = "ed25519"
)

// Key is a private key that signs: an ECDSA P-256 or Ed25519 key. It is a
// Signer.
type Key struct {
	priv  crypto.Signer
	pub   *PublicKey
	keyID string
}

// ParsePrivateKey reads an unencrypted PKCS#8 PEM private key, ECDSA P-256
// or Ed25519. keyID is the hint the signatures carry in their keyid: ""
// for none, as cosign writes.
func ParsePrivateKey(pemBytes []byte, keyID string) (*Key, error) {
	b, err := pemBlock(pemBytes, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS#8 private key: %v", err)
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("an ECDSA key on %s: only P-256 is accepted", k.Curve.Params().Name)
		}
		return &Key{priv: k, pub: &PublicKey{key: &k.PublicKey, alg: ECDSAP256}, keyID: keyID}, nil
	case ed25519.PrivateKey:
		return &Key{priv: k, pub: &PublicKey{key: k.Public().(ed25519.PublicKey), alg: Ed25519}, keyID: keyID}, nil
	case *rsa.PrivateKey:
		return nil, errors.New("an RSA key: not accepted (use an ECDSA P-256 or Ed25519 key)")
	}
	return nil, fmt.Errorf("a %T: not accepted (use an ECDSA P-256 or Ed25519 key)", k)
}

// Sign signs data: ECDSA over its SHA-256, ASN.1 DER; Ed25519 over data.
func (k *Key) Sign(_ context.Context, data []byte) ([]byte, error) {
	switch p := k.priv.(type) {
	case *ecdsa.PrivateKey:
		h := sha256.Sum256(data)
		return ecdsa.SignASN1(rand.Reader, p, h[:])
	case ed25519.PrivateKey:
		return ed25519.Sign(p, data), nil
	}
	return nil, fmt.Errorf("key type %T", k.priv)
}

// KeyID is the keyid hint written with each signature.
func (k *Key) KeyID() (string, error) { return k.keyID, nil }

// Public returns the public half.
func (k *Key) Public() *PublicKey { return k.pub }

// PublicKey verifies signatures: an ECDSA P-256 or Ed25519 public key. It
// is a go-securesystemslib dsse.Verifier.
type PublicKey struct {
	key crypto.PublicKey
	alg string
}

// ParsePublicKey reads a PKIX PEM public key ("BEGIN PUBLIC KEY"), ECDSA
// P-256 or Ed25519.
func ParsePublicKey(pemBytes []byte) (*PublicKey, error) {
	b, err := pemBlock(pemBytes, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKIX public key: %v", err)
	}
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("an ECDSA key on %s: only P-256 is accepted", k.Curve.Params().Name)
		}
		return &PublicKey{key: k, alg: ECDSAP256}, nil
	case ed25519.PublicKey:
		return &PublicKey{key: k, alg: Ed25519}, nil
	case *rsa.PublicKey:
		return nil, errors.New("an RSA key: not accepted (attestations are signed with ECDSA P-256 or Ed25519)")
	}
	return nil, fmt.Errorf("a %T: not accepted (attestations are signed with ECDSA P-256 or Ed25519)", k)
}

// Verify checks sig over data: ECDSA ASN.1 DER over its SHA-256; Ed25519
// over data, or Ed25519ph.
func (p *PublicKey) Verify(_ context.Context, data, sig []byte) error {
	switch k := p.key.(type) {
	case *ecdsa.PublicKey:
		h := sha256.Sum256(data)
		if ecdsa.VerifyASN1(k, h[:], sig) {
			return nil
		}
	case ed25519.PublicKey:
		if ed25519.Verify(k, data, sig) {
			return nil
		}
		// Ed25519ph (RFC 8032, SHA-512 pre-hashed, no context): what
		// cosign attest-blob signs with an Ed25519 key. Its domain
		// separation keeps the two schemes' signatures apart.
		h := sha512.Sum512(data)
		if ed25519.VerifyWithOptions(k, h[:], sig, &ed25519.Options{Hash: crypto.SHA512}) == nil {
			return nil
		}
	}
	return ErrSignature
}

// KeyID returns "": a signature is tried whatever its keyid (see Verify).
func (p *PublicKey) KeyID() (string, error) { return "", nil }

// Public returns the crypto.PublicKey.
func (p *PublicKey) Public() crypto.PublicKey { return p.key }

// Algorithm is ECDSAP256 or Ed25519.
func (p *PublicKey) Algorithm() string { return p.alg }

// Fingerprint is "SHA256:" and the hex SHA-256 of the key's PKIX DER
// encoding (openssl pkey -pubin -outform DER | sha256sum).
func (p *PublicKey) Fingerprint() string {
	der, err := x509.MarshalPKIXPublicKey(p.key)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(der)
	return "SHA256:" + hex.EncodeToString(h[:])
}

// PEM returns the PKIX PEM encoding, as ParsePublicKey reads it.
func (p *PublicKey) PEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(p.key)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// pemBlock finds the first PEM block of a key file and checks that it is
// of the type wanted, saying what it is otherwise.
func pemBlock(b []byte, want string) (*pem.Block, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		if bytes.HasPrefix(bytes.TrimSpace(b), []byte("ssh-")) || bytes.Contains(b, []byte("OPENSSH PRIVATE KEY")) {
			return nil, fmt.Errorf("an OpenSSH key: not accepted (want a PEM %s)", want)
		}
		return nil, fmt.Errorf("not a PEM file (want a %s block)", want)
	}
	if blk.Type == want {
		if _, ok := blk.Headers["Proc-Type"]; ok {
			return nil, errors.New("an encrypted key (Proc-Type header): not accepted; decrypt it (openssl pkey -in key.pem -out plain.pem)")
		}
		return blk, nil
	}
	switch blk.Type {
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("an encrypted key (ENCRYPTED PRIVATE KEY): not accepted; decrypt it (openssl pkcs8 -in key.pem -out plain.pem)")
	case "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY":
		return nil, errors.New("a cosign key (encrypted with its password): not accepted; sign with a PKCS#8 ECDSA P-256 or Ed25519 key, and verify with cosign using its public key")
	case "EC PRIVATE KEY":
		if want == "PRIVATE KEY" {
			return nil, errors.New(`an "EC PRIVATE KEY" (SEC 1) file: convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt -in ec.pem -out key.pem)`)
		}
	case "RSA PRIVATE KEY", "RSA PUBLIC KEY":
		return nil, errors.New("an RSA key: not accepted (use an ECDSA P-256 or Ed25519 key)")
	case "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("an OpenSSH key: not accepted (want a PEM %s)", want)
	case "CERTIFICATE":
		return nil, errors.New("a certificate: give its public key (openssl x509 -in cert.pem -pubkey -noout)")
	}
	switch {
	case want == "PRIVATE KEY" && blk.Type == "PUBLIC KEY":
		return nil, errors.New("a public key: signing needs the private key (the public key is for verify)")
	case want == "PUBLIC KEY" && (blk.Type == "PRIVATE KEY" || blk.Type == "EC PRIVATE KEY"):
		return nil, errors.New("a private key: verify takes the public key (openssl pkey -in key.pem -pubout -out key.pub)")
	}
	return nil, fmt.Errorf("a PEM %q block: want a %s", blk.Type, want)
}
