package sbomarchive

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/attest"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/sbom"
)

// Entry is one SBOM of a deployment, ready to archive.
type Entry struct {
	// Name is the deployment's name; Time when this SBOM was deployed (or
	// made). The latest time is what a deployment ships now.
	Name string
	Time time.Time
	// Source says where the SBOM came from (the path given), for people.
	Source string
	// Format is the document's: cyclonedx-json, cyclonedx-xml or spdx-json.
	Format   string
	Document []byte
	// Inventory is what the document lists.
	Inventory *sbom.Inventory
	// Attested, when the SBOM came in an attestation, is that.
	Attested *Attested
}

// Attested is an attestation an SBOM came in.
type Attested struct {
	// Envelope is the attestation as given (a DSSE envelope).
	Envelope []byte `json:"-"`
	// SBOM is the SBOM it carries.
	SBOM []byte `json:"-"`
	// Subjects are the files it attests, by name and SHA-256.
	Subjects []attest.Subject `json:"subjects"`
	// VerifiedBy names the key its signature verified with ("ECDSA-P256
	// SHA256:..."); empty when it was not verified.
	VerifiedBy string `json:"verified_by,omitempty"`
}

// Attestations returns the ReadOptions.Attestation that reads shipcheck's
// (and cosign's) in-toto attestations of a CycloneDX SBOM: verified with
// key, or, with key nil, read without checking any signature (VerifiedBy
// empty). A keyless verifier (a Fulcio certificate, a Rekor entry) would
// be another function of the same type.
func Attestations(key *attest.PublicKey) func(ctx context.Context, b []byte) (*Attested, error) {
	return func(ctx context.Context, b []byte) (*Attested, error) {
		var a *attest.Attestation
		var err error
		if key == nil {
			a, err = attest.ReadUnverified(bytes.NewReader(b))
		} else {
			a, err = attest.Verify(ctx, bytes.NewReader(b), key)
		}
		if err != nil {
			return nil, err
		}
		at := &Attested{Envelope: b, SBOM: a.Predicate, Subjects: a.Subjects}
		if a.Verified {
			at.VerifiedBy = key.Algorithm() + " " + key.Fingerprint()
		}
		return at, nil
	}
}

// ReadOptions tune Read.
type ReadOptions struct {
	// Name and Time, when set, override what the SBOM's metadata says.
	Name string
	Time time.Time
	// Scan is how an artifact (not an SBOM) is scanned for its SBOM:
	// limits, layers (Options.Layers), the temporary folder.
	Scan shipcheck.Options
	// Attestation, when set, opens an attestation (a DSSE envelope) and
	// returns it with the SBOM it carries (see Attestations). Unset, an
	// attestation is refused with ErrAttestation.
	Attestation func(ctx context.Context, b []byte) (*Attested, error)
	// Now is the time of an entry whose SBOM says none (zero: now).
	Now time.Time
}

// ErrAttestation: the file is an attestation, and ReadOptions has no
// Attestation to read it with.
var ErrAttestation = errors.New("an attestation, and no way to read one was given")

// Read reads path into an entry: an SBOM (CycloneDX JSON or XML, SPDX 2.3
// JSON: shipcheck's, syft's, Trivy's) as it is, named and timed by its
// metadata (CycloneDX metadata.component.name and metadata.timestamp; SPDX
// name and creationInfo.created) unless opt says otherwise; an
// attestation through opt.Attestation; anything else as an artifact,
// scanned for its SBOM (written as CycloneDX JSON) and named after its
// file, timed now.
func Read(ctx context.Context, path string, opt ReadOptions) (Entry, error) {
	head, err := readHead(path)
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	switch {
	case shipcheck.SBOMFormat(head) != "":
		b, err := readAll(path)
		if err != nil {
			return Entry{}, err
		}
		if e, err = FromSBOM(b); err != nil {
			return Entry{}, fmt.Errorf("%s: %w", path, err)
		}
	case IsAttestation(head):
		if opt.Attestation == nil {
			return Entry{}, fmt.Errorf("%s: %w", path, ErrAttestation)
		}
		b, err := readAll(path)
		if err != nil {
			return Entry{}, err
		}
		at, err := opt.Attestation(ctx, b)
		if err != nil {
			return Entry{}, fmt.Errorf("%s: %w", path, err)
		}
		if e, err = FromSBOM(at.SBOM); err != nil {
			return Entry{}, fmt.Errorf("%s: the attested SBOM: %w", path, err)
		}
		e.Attested = at
	default:
		if e, err = fromArtifact(ctx, path, opt.Scan); err != nil {
			return Entry{}, err
		}
	}
	e.Source = path
	if e.Name == "" {
		e.Name = baseName(path)
	}
	if opt.Name != "" {
		e.Name = opt.Name
	}
	if !opt.Time.IsZero() {
		e.Time = opt.Time
	}
	if e.Time.IsZero() {
		e.Time = opt.Now
		if e.Time.IsZero() {
			e.Time = time.Now()
		}
	}
	if err := CheckName(e.Name); err != nil {
		return Entry{}, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// FromSBOM reads an SBOM's bytes into an entry, named and timed by its
// metadata where it has them.
func FromSBOM(b []byte) (Entry, error) {
	inv, err := shipcheck.ReadSBOM(b)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Format: shipcheck.SBOMFormat(b), Document: b, Inventory: inv}
	e.Name, e.Time = metadata(e.Format, b)
	return e, nil
}

// fromArtifact scans an artifact for its SBOM.
func fromArtifact(ctx context.Context, path string, opt shipcheck.Options) (Entry, error) {
	t := shipcheck.Target{Artifact: path, Layers: opt.Layers}
	opt.Layers = nil
	r, err := shipcheck.Run(ctx, []shipcheck.Target{t}, shipcheck.ScanOptions{Options: opt, Kind: report.KindSBOM})
	if err != nil {
		return Entry{}, err
	}
	d := r.Deployments[0]
	if d.Partial {
		return Entry{}, fmt.Errorf("%s was read only in part (%d problem(s)): its SBOM would miss packages", path, len(d.Problems))
	}
	var buf bytes.Buffer
	if err := report.Encode(&buf, r, "cyclonedx-json", report.Options{}); err != nil {
		return Entry{}, err
	}
	return Entry{Name: d.Name, Format: "cyclonedx-json", Document: buf.Bytes(), Inventory: d.Inventory()}, nil
}

// IsAttestation reports whether head, a file's first bytes, starts a DSSE
// envelope or an in-toto statement (JSON, or a JSON line of a bundle).
func IsAttestation(head []byte) bool {
	h := strings.TrimSpace(string(head))
	// "payload" also finds "payloadType": cosign writes the payload first,
	// and its base64 may fill the head.
	return strings.HasPrefix(h, "{") && (strings.Contains(h, `"payload"`) || strings.Contains(h, `"payloadType"`) || strings.Contains(h, `"in-toto.io/Statement`) || strings.Contains(h, `"dsseEnvelope"`))
}

// CheckName refuses a deployment name that is empty, over 256 bytes, or
// holds control characters.
func CheckName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("an empty deployment name (give --name)")
	case len(name) > 256:
		return errors.New("a deployment name over 256 bytes (give --name)")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("deployment name %q holds control characters (give --name)", name)
	}
	return nil
}

// metadata reads an SBOM's subject name and time, where it has them.
func metadata(format string, b []byte) (name string, at time.Time) {
	var ts string
	switch format {
	case "cyclonedx-json":
		var doc struct {
			Metadata struct {
				Timestamp string `json:"timestamp"`
				Component *struct {
					Name string `json:"name"`
				} `json:"component"`
			} `json:"metadata"`
		}
		if json.Unmarshal(b, &doc) == nil {
			ts = doc.Metadata.Timestamp
			if doc.Metadata.Component != nil {
				name = doc.Metadata.Component.Name
			}
		}
	case "cyclonedx-xml":
		var doc struct {
			Metadata struct {
				Timestamp string `xml:"timestamp"`
				Component struct {
					Name string `xml:"name"`
				} `xml:"component"`
			} `xml:"metadata"`
		}
		if xml.Unmarshal(b, &doc) == nil {
			ts, name = doc.Metadata.Timestamp, doc.Metadata.Component.Name
		}
	case "spdx-json":
		var doc struct {
			Name         string `json:"name"`
			CreationInfo struct {
				Created string `json:"created"`
			} `json:"creationInfo"`
		}
		if json.Unmarshal(b, &doc) == nil {
			name, ts = doc.Name, doc.CreationInfo.Created
		}
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(ts)); err == nil {
		at = t
	}
	return strings.TrimSpace(name), at
}

// baseName is a file's name without its SBOM extensions.
func baseName(path string) string {
	n := filepath.Base(path)
	for _, ext := range []string{".json", ".xml", ".cdx", ".spdx", ".bom", ".sbom"} {
		n = strings.TrimSuffix(n, ext)
	}
	if n == "" {
		return filepath.Base(path)
	}
	return n
}

func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, nil // a folder: an artifact
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return head[:n], nil
}

// maxDocument bounds an SBOM read, as the decoders do.
const maxDocument = 512 << 20

func readAll(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxDocument {
		return nil, fmt.Errorf("%s: an SBOM larger than %d bytes", path, maxDocument)
	}
	return b, nil
}
