// Package attest makes and checks signed attestations of a deployment: an
// in-toto Statement v1 whose subjects are the deployed files (a function
// zip and its layers, an image tarball) by SHA-256 and whose predicate is
// their CycloneDX SBOM, in a DSSE envelope (payload type
// application/vnd.in-toto+json) signed with a key.
//
// The envelope, its pre-authentication encoding and the signature loop are
// go-securesystemslib's dsse package, the one cosign and in-toto-golang
// use; the Statement is the in-toto attestation Go binding
// (github.com/in-toto/attestation/go/v1), read with the same protojson
// decoder cosign reads it with. So cosign verify-blob-attestation --key
// and in-toto's DSSE verifiers accept what Sign writes (see the README).
//
// Signing goes through the Signer interface: a key file is one Signer
// (Key); a keyless signer (a Fulcio certificate, the signature logged in
// Rekor) would be another, outside this package, since it needs the
// network.
package attest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	cdx "github.com/CycloneDX/cyclonedx-go"
	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// The types an attestation is made of.
const (
	// PayloadType is the DSSE payload type of an in-toto Statement.
	PayloadType = "application/vnd.in-toto+json"
	// StatementType is the Statement's _type: in-toto Statement v1.
	StatementType = intoto.StatementTypeUri
	// PredicateCycloneDX is the predicate type of a CycloneDX SBOM (cosign's
	// --type cyclonedx).
	PredicateCycloneDX = "https://cyclonedx.org/bom"
)

// MaxEnvelope is the largest attestation Verify reads.
const MaxEnvelope = 256 << 20

// ErrSignature is returned by Verify when no signature of the envelope
// verifies with the key: the payload was changed after signing, or another
// key signed it.
var ErrSignature = errors.New("the signature does not verify with this key")

// MismatchError is returned by Attestation.Match for a file whose SHA-256
// is none of the subjects'.
type MismatchError struct {
	Artifact string // the file as given
	SHA256   string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("artifact %s does not match any subject (its sha256 is %s)", e.Artifact, e.SHA256)
}

// Subject is one file the statement is about.
type Subject struct {
	// Name is the file's base name as given.
	Name string
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string
}

// DigestFile returns the subject for the file at path: its base name and the
// SHA-256 of its bytes. A folder is an error: a subject is a file's bytes.
func DigestFile(path string) (Subject, error) {
	f, err := os.Open(path)
	if err != nil {
		return Subject{}, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return Subject{}, err
	} else if fi.IsDir() {
		return Subject{}, fmt.Errorf("%s is a folder: an attestation's subjects are files (zip it, or attest the archive you deploy)", path)
	}
	sum, err := digest(f)
	if err != nil {
		return Subject{}, fmt.Errorf("read %s: %w", path, err)
	}
	return Subject{Name: filepath.Base(path), SHA256: sum}, nil
}

func digest(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Statement returns the in-toto Statement v1, as JSON, about subjects with
// the CycloneDX JSON document bom as its predicate. The predicate is the
// document's JSON value (object keys sorted, no insignificant space).
func Statement(subjects []Subject, bom []byte) ([]byte, error) {
	var pred structpb.Struct
	if err := protojson.Unmarshal(bom, &pred); err != nil {
		return nil, fmt.Errorf("the SBOM is not a JSON object: %w", err)
	}
	if _, err := decodeBOM(bom); err != nil {
		return nil, err
	}
	st := &intoto.Statement{Type: StatementType, PredicateType: PredicateCycloneDX, Predicate: &pred}
	for _, s := range subjects {
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{Name: s.Name, Digest: map[string]string{"sha256": s.SHA256}})
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return protojson.Marshal(st)
}

// Signer signs the DSSE pre-authentication encoding of a payload: it is
// go-securesystemslib's dsse.Signer, so any of its implementations fits
// (sigstore's dsse.SignerAdapter over a KMS or a Fulcio-backed signer
// among them). Sign returns the raw signature; KeyID the hint written
// into the signature's keyid ("" for none).
type Signer interface {
	Sign(ctx context.Context, data []byte) ([]byte, error)
	KeyID() (string, error)
}

// Sign wraps statement in a DSSE envelope signed by s and returns the
// envelope as JSON: payloadType, payload (standard base64) and one
// signature (sig in standard base64, keyid as s gives it).
func Sign(ctx context.Context, s Signer, statement []byte) ([]byte, error) {
	es, err := dsse.NewEnvelopeSigner(s)
	if err != nil {
		return nil, err
	}
	env, err := es.SignPayload(ctx, PayloadType, statement)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return json.Marshal(env)
}

// Attestation is what a verified envelope says.
type Attestation struct {
	// KeyID is the keyid of the signature that verified, as written.
	KeyID         string
	StatementType string
	PredicateType string
	Subjects      []Subject
	// BOM is the predicate, decoded; Predicate its bytes as signed.
	BOM       *cdx.BOM
	Predicate []byte
	// Verified: a signature of the envelope verified with the key given
	// (false only from ReadUnverified).
	Verified bool
}

// Verify reads a DSSE envelope, checks that one of its signatures verifies
// with key, and then reads its payload: an in-toto Statement with
// subjects and a CycloneDX BOM as its predicate. It returns ErrSignature
// (wrapped) when no signature verifies; any other error means the input is
// not such an attestation (not a DSSE envelope, another payload type, a
// malformed statement or BOM). Nothing in the payload is read before the
// signature is checked.
//
// A signature's keyid is an unauthenticated hint (DSSE): every signature
// is tried with key, whatever its keyid says.
func Verify(ctx context.Context, envelope io.Reader, key *PublicKey) (*Attestation, error) {
	env, err := readEnvelope(envelope)
	if err != nil {
		return nil, err
	}
	if len(env.Signatures) == 0 {
		return nil, errors.New("the envelope has no signature")
	}
	// The library skips a signature whose keyid is not the verifier's
	// (for a verifier without one: its SSH fingerprint); the keyid is not
	// signed, so try each signature whatever it says.
	tried := env
	tried.Signatures = make([]dsse.Signature, len(env.Signatures))
	for i, s := range env.Signatures {
		tried.Signatures[i] = dsse.Signature{Sig: s.Sig}
	}
	ev, err := dsse.NewEnvelopeVerifier(key)
	if err != nil {
		return nil, err
	}
	accepted, payload, err := ev.VerifyAndDecode(ctx, &tried)
	if err != nil {
		if _, derr := env.DecodeB64Payload(); derr != nil {
			return nil, fmt.Errorf("not a DSSE envelope: payload: %v", derr)
		}
		return nil, fmt.Errorf("%w (%v)", ErrSignature, err)
	}
	a, err := parseStatement(payload)
	if err != nil {
		return nil, err
	}
	a.Verified = true
	for i, s := range tried.Signatures {
		if len(accepted) > 0 && s.Sig == accepted[0].Sig.Sig {
			a.KeyID = env.Signatures[i].KeyID
			break
		}
	}
	return a, nil
}

// readEnvelope reads a DSSE envelope of an in-toto Statement.
func readEnvelope(r io.Reader) (dsse.Envelope, error) {
	var env dsse.Envelope
	b, err := io.ReadAll(io.LimitReader(r, MaxEnvelope+1))
	if err != nil {
		return env, err
	}
	if len(b) > MaxEnvelope {
		return env, fmt.Errorf("not a DSSE envelope: larger than %d MiB", MaxEnvelope>>20)
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return env, fmt.Errorf("not a DSSE envelope: %v", err)
	}
	if env.Payload == "" || env.PayloadType == "" {
		return env, errors.New("not a DSSE envelope: no payloadType or payload")
	}
	if env.PayloadType != PayloadType {
		return env, fmt.Errorf("payloadType %q: an in-toto attestation has %s", env.PayloadType, PayloadType)
	}
	return env, nil
}

// parseStatement reads a signed payload, as cosign does (protojson, into
// the in-toto binding), then its CycloneDX predicate.
func parseStatement(payload []byte) (*Attestation, error) {
	var st intoto.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("the payload is not an in-toto Statement: %v", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("the payload is not a valid in-toto Statement: %v", err)
	}
	if st.GetPredicateType() != PredicateCycloneDX {
		return nil, fmt.Errorf("predicateType %q: shipcheck verifies CycloneDX SBOM attestations (%s)", st.GetPredicateType(), PredicateCycloneDX)
	}
	a := &Attestation{StatementType: st.GetType(), PredicateType: st.GetPredicateType()}
	for _, s := range st.GetSubject() {
		a.Subjects = append(a.Subjects, Subject{Name: s.GetName(), SHA256: s.GetDigest()["sha256"]})
	}
	// The predicate's bytes as signed (protojson would write them anew,
	// in an order and spacing of its own).
	var raw struct {
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, fmt.Errorf("the payload is not an in-toto Statement: %v", err)
	}
	var err error
	if a.BOM, err = decodeBOM(raw.Predicate); err != nil {
		return nil, err
	}
	a.Predicate = raw.Predicate
	return a, nil
}

// ReadUnverified reads an envelope's Statement and BOM as Verify does,
// without checking any signature: for archiving an attestation when no key
// is given. Verified is false; nothing it says is authenticated.
func ReadUnverified(envelope io.Reader) (*Attestation, error) {
	env, err := readEnvelope(envelope)
	if err != nil {
		return nil, err
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, fmt.Errorf("not a DSSE envelope: payload: %v", err)
	}
	return parseStatement(payload)
}

// serialNumber is the pattern of a BOM's serialNumber in the CycloneDX
// JSON schema.
var serialNumber = regexp.MustCompile(`^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// decodeBOM decodes b after checking that it is a well-formed CycloneDX JSON BOM: every field
// of the types cyclonedx-go reads, bomFormat CycloneDX, a specVersion it
// knows, and the fields the schema requires of the document, its
// components (type, name) and its dependencies (ref, referring to a
// component or the metadata's). It is not a full validation against the
// JSON schema.
func decodeBOM(b []byte) (*cdx.BOM, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(b), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("the predicate is not a well-formed CycloneDX BOM: %v", err)
	}
	if err := checkBOM(&bom); err != nil {
		return nil, err
	}
	return &bom, nil
}

func checkBOM(bom *cdx.BOM) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("the predicate is not a well-formed CycloneDX BOM: "+format, args...)
	}
	if bom.BOMFormat != cdx.BOMFormat {
		return bad("bomFormat %q, not %q", bom.BOMFormat, cdx.BOMFormat)
	}
	if bom.SpecVersion == 0 {
		return bad("no specVersion")
	}
	if bom.SerialNumber != "" && !serialNumber.MatchString(bom.SerialNumber) {
		return bad("serialNumber %q is not urn:uuid:UUID", bom.SerialNumber)
	}
	refs := map[string]bool{}
	var walk func(cs *[]cdx.Component, where string) error
	walk = func(cs *[]cdx.Component, where string) error {
		if cs == nil {
			return nil
		}
		for i, c := range *cs {
			at := fmt.Sprintf("%s[%d]", where, i)
			if c.Type == "" || c.Name == "" {
				return bad("%s has no type or no name", at)
			}
			if c.BOMRef != "" {
				refs[c.BOMRef] = true
			}
			if err := walk(c.Components, at+".components"); err != nil {
				return err
			}
		}
		return nil
	}
	if m := bom.Metadata; m != nil && m.Component != nil {
		if err := walk(&[]cdx.Component{*m.Component}, "metadata.component"); err != nil {
			return err
		}
	}
	if err := walk(bom.Components, "components"); err != nil {
		return err
	}
	if bom.Dependencies != nil {
		for i, d := range *bom.Dependencies {
			if d.Ref == "" {
				return bad("dependencies[%d] has no ref", i)
			}
			if len(refs) > 0 && !refs[d.Ref] {
				return bad("dependencies[%d] refers to %q, no component's bom-ref", i, d.Ref)
			}
		}
	}
	return nil
}

// Match returns the subject whose SHA-256 is that of r's bytes (name, the
// file as given, is for the error), or a *MismatchError. A subject is
// matched by digest only: the file may have been renamed.
func (a *Attestation) Match(name string, r io.Reader) (Subject, error) {
	sum, err := digest(r)
	if err != nil {
		return Subject{}, fmt.Errorf("read %s: %w", name, err)
	}
	for _, s := range a.Subjects {
		if s.SHA256 == sum {
			return s, nil
		}
	}
	return Subject{}, &MismatchError{Artifact: name, SHA256: sum}
}
