package vuln

import (
	"github.com/shipcheck/shipcheck/internal/expiry"

	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"
)

// Ignore is a decision the team took about an advisory: its id (or an
// alias), optionally one component (a purl, with or without version, or a
// package name), a reason, and an optional expiry date after which the
// finding counts again.
type Ignore struct {
	ID        string `yaml:"id" json:"id"`
	Component string `yaml:"component,omitempty" json:"component,omitempty"`
	Reason    string `yaml:"reason" json:"reason"`
	Expires   string `yaml:"expires,omitempty" json:"expires,omitempty"` // YYYY-MM-DD
}

// Expired reports whether the rule has expired at now (the expiry day
// itself still counts).
func (i Ignore) Expired(now time.Time) bool {
	return expiry.Passed(i.Expires, now)
}

// Validate checks a rule: an id, a reason, a well-formed date.
func (i Ignore) Validate() error {
	if i.ID == "" {
		return fmt.Errorf("ignore rule without an id")
	}
	if strings.TrimSpace(i.Reason) == "" {
		return fmt.Errorf("ignore rule for %s has no reason: say why", i.ID)
	}
	if err := expiry.Check(i.Expires); err != nil {
		return fmt.Errorf("ignore rule for %s: %w", i.ID, err)
	}
	return nil
}

// VEXStatement says an advisory does not affect a product (a purl).
type VEXStatement struct {
	Vulnerability string
	Products      []string // purls, or bom-refs of the VEX document
	Status        string   // not_affected, fixed, affected, under_investigation
	Justification string
	Detail        string
	Source        string // the VEX file
}

// ReadVEX reads an OpenVEX document or a CycloneDX VEX (a BOM whose
// vulnerabilities carry an analysis) and returns its statements.
func ReadVEX(r io.Reader, name string) ([]VEXStatement, error) {
	b, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '<' {
		return readCycloneDXVEX(b, name, cdx.BOMFileFormatXML)
	}
	var probe struct {
		Context   string          `json:"@context"`
		BOMFormat string          `json:"bomFormat"`
		Stmts     json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("VEX %s: not JSON: %v", name, err)
	}
	switch {
	case strings.Contains(probe.Context, "openvex") || probe.Stmts != nil:
		return readOpenVEX(b, name)
	case probe.BOMFormat == "CycloneDX":
		return readCycloneDXVEX(b, name, cdx.BOMFileFormatJSON)
	}
	return nil, fmt.Errorf("VEX %s: neither OpenVEX nor CycloneDX", name)
}

func readOpenVEX(b []byte, name string) ([]VEXStatement, error) {
	var doc struct {
		Statements []struct {
			Vulnerability struct {
				Name    string   `json:"name"`
				ID      string   `json:"@id"`
				Aliases []string `json:"aliases"`
			} `json:"vulnerability"`
			Products []struct {
				ID            string            `json:"@id"`
				Identifiers   map[string]string `json:"identifiers"`
				Subcomponents []struct {
					ID string `json:"@id"`
				} `json:"subcomponents"`
			} `json:"products"`
			Status          string `json:"status"`
			Justification   string `json:"justification"`
			ImpactStatement string `json:"impact_statement"`
		} `json:"statements"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("OpenVEX %s: %v", name, err)
	}
	var out []VEXStatement
	for _, s := range doc.Statements {
		switch s.Status {
		case "not_affected", "affected", "fixed", "under_investigation":
		default:
			return nil, fmt.Errorf("OpenVEX %s: %s: status %q is not one of not_affected, affected, fixed, under_investigation", name, s.Vulnerability.Name, s.Status)
		}
		st := VEXStatement{Vulnerability: s.Vulnerability.Name, Status: s.Status, Justification: s.Justification, Detail: s.ImpactStatement, Source: name}
		if st.Vulnerability == "" {
			st.Vulnerability = s.Vulnerability.ID
		}
		for _, p := range s.Products {
			st.Products = append(st.Products, p.ID)
			if u := p.Identifiers["purl"]; u != "" {
				st.Products = append(st.Products, u)
			}
			for _, c := range p.Subcomponents {
				st.Products = append(st.Products, c.ID)
			}
		}
		out = append(out, st)
		for _, a := range s.Vulnerability.Aliases {
			alias := st
			alias.Vulnerability = a
			out = append(out, alias)
		}
	}
	return out, nil
}

// readCycloneDXVEX reads a CycloneDX VEX (JSON or XML) with cyclonedx-go:
// each vulnerability's analysis, for the components it affects (by
// bom-ref, and by purl where the document lists the component).
func readCycloneDXVEX(b []byte, name string, format cdx.BOMFileFormat) ([]VEXStatement, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(b), format).Decode(&bom); err != nil {
		return nil, fmt.Errorf("CycloneDX VEX %s: %v", name, err)
	}
	purlOf := map[string]string{}
	var walk func(cs *[]cdx.Component)
	walk = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for _, c := range *cs {
			if c.BOMRef != "" && c.PackageURL != "" {
				purlOf[c.BOMRef] = c.PackageURL
			}
			walk(c.Components)
		}
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		walk(&[]cdx.Component{*bom.Metadata.Component})
	}
	walk(bom.Components)
	if bom.Vulnerabilities == nil {
		return nil, nil
	}
	var out []VEXStatement
	for _, v := range *bom.Vulnerabilities {
		st := VEXStatement{Vulnerability: v.ID, Source: name}
		if a := v.Analysis; a != nil {
			st.Status, st.Justification, st.Detail = string(a.State), string(a.Justification), a.Detail
		}
		switch cdx.ImpactAnalysisState(st.Status) {
		case "", cdx.IASResolved, cdx.IASResolvedWithPedigree, cdx.IASExploitable, cdx.IASInTriage, cdx.IASFalsePositive, cdx.IASNotAffected:
		default:
			return nil, fmt.Errorf("CycloneDX VEX %s: %s: analysis state %q is not one of resolved, resolved_with_pedigree, exploitable, in_triage, false_positive, not_affected", name, v.ID, st.Status)
		}
		if v.Affects != nil {
			for _, a := range *v.Affects {
				st.Products = append(st.Products, a.Ref)
				if p := purlOf[a.Ref]; p != "" {
					st.Products = append(st.Products, p)
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Suppress marks the findings an ignore rule or a VEX statement covers.
// A VEX not_affected (CycloneDX: not_affected, false_positive) suppresses;
// an expired ignore rule does not, and is returned so that the caller can
// say so.
func Suppress(fs []Finding, ignores []Ignore, vex []VEXStatement, now time.Time) (expired []Ignore) {

	for _, rule := range ignores {
		if rule.Expired(now) {
			expired = append(expired, rule)
			continue
		}
		for i := range fs {
			f := &fs[i]
			if f.Suppressed == nil && names(f, rule.ID) && componentMatches(f, rule.Component) {
				f.Suppressed = &Suppression{By: "ignore", Reason: rule.Reason, Expires: rule.Expires}
			}
		}
	}
	for _, st := range vex {
		state := strings.ToLower(st.Status)
		if state != "not_affected" && state != "false_positive" {
			continue
		}
		for i := range fs {
			f := &fs[i]
			if f.Suppressed != nil || !names(f, st.Vulnerability) {
				continue
			}
			for _, p := range st.Products {
				if p == f.Package || purlMatches(f.PURL, p) {
					reason := "VEX " + st.Source
					if st.Detail != "" {
						reason += ": " + st.Detail
					}
					f.Suppressed = &Suppression{By: "vex", Reason: reason, Justification: st.Justification}
					break
				}
			}
		}
	}

	return expired
}

func names(f *Finding, id string) bool {
	if strings.EqualFold(f.ID, id) {
		return true
	}
	for _, a := range f.Aliases {
		if strings.EqualFold(a, id) {
			return true
		}
	}
	return false
}

// componentMatches: an empty component matches every one; a purl matches
// with or without its version; else a package name, or name@version.
func componentMatches(f *Finding, c string) bool {
	switch {
	case c == "":
		return true
	case strings.HasPrefix(c, "pkg:"):
		return purlMatches(f.PURL, c)
	}
	name := strings.SplitN(f.Name, " ", 2)[0]
	return c == name || c == name+"@"+f.Version
}

// purlMatches reports whether the purl of a finding is the one a rule or
// statement names: the same type, namespace and name, and the same version
// unless the rule gives none. Qualifiers do not count.
func purlMatches(have, want string) bool {
	h, err1 := packageurl.FromString(have)
	w, err2 := packageurl.FromString(want)
	if err1 != nil || err2 != nil {
		return have == want
	}
	if h.Type != w.Type || !strings.EqualFold(h.Namespace, w.Namespace) || !strings.EqualFold(h.Name, w.Name) {
		return false
	}
	return w.Version == "" || w.Version == h.Version
}
