// Package vuln matches an inventory's packages against OSV advisories: a
// local database built from OSV's per-ecosystem exports (bbolt, lookups by
// ecosystem and normalized name), a folder of exports indexed for one run,
// or the OSV API. Matching follows the OSV schema's evaluation of SEMVER and
// ECOSYSTEM ranges with each ecosystem's version ordering (osv-scalibr's
// semantic package); a finding groups an advisory with its aliases and
// carries a severity, the affected component with its location, and the
// nearest fixed version.
package vuln

import (
	"encoding/json"
	"strings"
)

// Record is an OSV advisory, with the fields shipcheck reads
// (https://ossf.github.io/osv-schema/).
type Record struct {
	ID               string         `json:"id"`
	Modified         string         `json:"modified,omitempty"`
	Published        string         `json:"published,omitempty"`
	Withdrawn        string         `json:"withdrawn,omitempty"`
	Aliases          []string       `json:"aliases,omitempty"`
	Related          []string       `json:"related,omitempty"`
	Summary          string         `json:"summary,omitempty"`
	Details          string         `json:"details,omitempty"`
	Severity         []Severity     `json:"severity,omitempty"`
	Affected         []Affected     `json:"affected,omitempty"`
	References       []Reference    `json:"references,omitempty"`
	DatabaseSpecific map[string]any `json:"database_specific,omitempty"`
}

// Severity is one severity entry: a CVSS vector and its type.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected names a package and the versions of it an advisory affects.
type Affected struct {
	Package           Package        `json:"package"`
	Severity          []Severity     `json:"severity,omitempty"`
	Ranges            []Range        `json:"ranges,omitempty"`
	Versions          []string       `json:"versions,omitempty"`
	EcosystemSpecific map[string]any `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  map[string]any `json:"database_specific,omitempty"`
}

// Package identifies a package in an advisory.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is a range of affected versions, as events.
type Range struct {
	Type   string  `json:"type"`
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// Event is one event of a range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link an advisory gives.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// ParseRecord reads one OSV JSON record.
func ParseRecord(b []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// BaseEcosystem drops the release of an OSV ecosystem: "Debian:12" ->
// "Debian".
func BaseEcosystem(e string) string {
	b, _, _ := strings.Cut(e, ":")
	return b
}
