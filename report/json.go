package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// encodeJSON writes the report, indented, with <, > and & as they are.
func encodeJSON(w io.Writer, r *Report, _ Options) error {
	return writeJSON(w, r)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// ErrNotReport is returned by Decode for JSON that is not a shipcheck
// report.
var ErrNotReport = errors.New("not a shipcheck JSON report")

// maxReport bounds what Decode reads: a report of 10,000 packages and
// findings is a few MB.
const maxReport = 1 << 30

// Decode reads a report written by the JSON encoder (schema version 2).
// Anything else is an error that says what it is: a version-1 report (use
// Fingerprints), an SBOM, or JSON that is not a report.
func Decode(rd io.Reader) (*Report, error) {
	b, err := io.ReadAll(io.LimitReader(rd, maxReport+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxReport {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrNotReport, maxReport)
	}
	var head struct {
		Version   *int   `json:"version"`
		Kind      Kind   `json:"kind"`
		BOMFormat string `json:"bomFormat"`
		SPDX      string `json:"spdxVersion"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotReport, err)
	}
	switch {
	case head.BOMFormat != "" || head.SPDX != "":
		return nil, fmt.Errorf("%w: an SBOM (give it to vuln --sbom, or scan it as a deployment)", ErrNotReport)
	case head.Version == nil:
		return nil, fmt.Errorf("%w: no \"version\"", ErrNotReport)
	case *head.Version == 1:
		return nil, fmt.Errorf("%w: a version-1 report (shipcheck before the report model); run the scan again", ErrNotReport)
	case *head.Version != SchemaVersion:
		return nil, fmt.Errorf("%w: schema version %d, this shipcheck reads %d", ErrNotReport, *head.Version, SchemaVersion)
	case !slices.Contains(Kinds, head.Kind):
		return nil, fmt.Errorf("%w: unknown kind %q", ErrNotReport, head.Kind)
	}
	var r Report
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotReport, err)
	}
	for i, d := range r.Deployments {
		if d == nil {
			return nil, fmt.Errorf("%w: deployment %d is null", ErrNotReport, i)
		}
		for j, p := range d.Packages {
			if p == nil {
				return nil, fmt.Errorf("%w: deployment %q: package %d is null", ErrNotReport, d.Name, j)
			}
		}
	}
	if r.Kind == KindRescan && r.Rescan == nil {
		return nil, fmt.Errorf("%w: a rescan report without its \"rescan\"", ErrNotReport)
	}
	if r.Kind == KindDiff && r.Diff == nil {
		return nil, fmt.Errorf("%w: a diff report without its \"diff\"", ErrNotReport)
	}
	r.Judge()
	return &r, nil
}

// Fingerprints returns the fingerprints of the secrets of a JSON report:
// one of this version (any kind), or of version 1 (the secrets and scan
// commands' shapes), for --baseline. A file that holds no report is an
// error; a report with no secrets gives an empty set.
func Fingerprints(rd io.Reader) (map[string]bool, error) {
	b, err := io.ReadAll(io.LimitReader(rd, maxReport+1))
	if err != nil {
		return nil, err
	}
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.Version == nil {
		if err == nil {
			err = errors.New(`no "version"`)
		}
		return nil, fmt.Errorf("%w: %v", ErrNotReport, err)
	}
	out := map[string]bool{}
	add := func(fp string) {
		if fp != "" {
			out[fp] = true
		}
	}
	if *head.Version == 1 {
		// The secrets command wrote "findings", scan "deployments[].secrets";
		// vuln's "findings" have no fingerprint.
		var v1 struct {
			Findings    []struct{ Fingerprint string } `json:"findings"`
			Deployments []struct {
				Secrets []struct{ Fingerprint string } `json:"secrets"`
			} `json:"deployments"`
		}
		if err := json.Unmarshal(b, &v1); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotReport, err)
		}
		for _, f := range v1.Findings {
			add(f.Fingerprint)
		}
		for _, d := range v1.Deployments {
			for _, f := range d.Secrets {
				add(f.Fingerprint)
			}
		}
		return out, nil
	}
	r, err := Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	for _, d := range r.Deployments {
		if d.Secrets != nil {
			for _, f := range d.Secrets.Findings {
				add(f.Fingerprint)
			}
		}
	}
	if r.Diff != nil {
		for _, f := range r.Diff.NewSecrets {
			add(f.Fingerprint)
		}
	}
	return out, nil
}
