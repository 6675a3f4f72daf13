package cyclonedx

import (
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/shipcheck/shipcheck/vuln"
)

// vulnerabilities writes findings as CycloneDX vulnerabilities: the id, its
// aliases as references, the rating, the fix as the recommendation, and the
// affected component.
func vulnerabilities(fs []vuln.Finding, src *vuln.SourceInfo) []cdx.Vulnerability {
	var out []cdx.Vulnerability
	for _, f := range fs {
		v := cdx.Vulnerability{
			BOMRef:      f.ID + "/" + f.Package,
			ID:          f.ID,
			Source:      source(f.ID),
			Description: f.Summary,
			Detail:      f.Details,
			Published:   f.Published,
			Updated:     f.Modified,
			Affects: &[]cdx.Affects{{Ref: f.Package, Range: &[]cdx.AffectedVersions{{
				Version: f.Version, Status: cdx.VulnerabilityStatusAffected,
			}}}},
		}
		if f.Fixed != "" {
			v.Recommendation = "Upgrade " + f.Name + " to " + f.Fixed + " or later."
		} else {
			v.Recommendation = "No fixed version of " + f.Name + " is known."
		}
		var refs []cdx.VulnerabilityReference
		for _, a := range f.Aliases {
			refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: source(a)})
		}
		if len(refs) > 0 {
			v.References = &refs
		}
		r := cdx.VulnerabilityRating{Severity: severity(f.Rating.Level), Method: method(f.Rating.Method), Vector: f.Rating.Vector}
		if f.Rating.Score >= 0 {
			score := f.Rating.Score
			r.Score = &score
		}
		v.Ratings = &[]cdx.VulnerabilityRating{r}
		var adv []cdx.Advisory
		for _, u := range f.References {
			adv = append(adv, cdx.Advisory{URL: u})
		}
		if len(adv) > 0 {
			v.Advisories = &adv
		}
		props := []cdx.Property{{Name: "shipcheck:records", Value: strings.Join(f.Records, ",")}}
		if len(f.Fixes) > 1 {
			props = append(props, cdx.Property{Name: "shipcheck:fixed-versions", Value: strings.Join(f.Fixes, ",")})
		}
		if src != nil {
			props = append(props, cdx.Property{Name: "shipcheck:advisories", Value: src.Kind + " " + src.Location})
		}
		v.Properties = &props
		if r := f.Reachability; r != nil && f.NotInBinary() {
			// govulncheck's binary analysis: the linker keeps only code
			// something calls, so a vulnerable symbol absent from the
			// binary cannot run.
			v.Analysis = &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected, Justification: cdx.IAJCodeNotPresent, Detail: reachDetail(r)}
		}
		if s := f.Suppressed; s != nil {
			a := &cdx.VulnerabilityAnalysis{Detail: s.Reason}
			switch s.By {
			case "vex":
				a.State = cdx.IASNotAffected
				a.Justification = justification(s.Justification)
			default:
				a.Response = &[]cdx.ImpactAnalysisResponse{cdx.IARWillNotFix}
				a.Detail = "ignored by the project's configuration: " + s.Reason
				if s.Expires != "" {
					a.Detail += " (until " + s.Expires + ")"
				}
			}
			v.Analysis = a
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].BOMRef < out[j].BOMRef })
	return out
}

func reachDetail(r *vuln.Reachability) string {
	what := "the vulnerable symbols"
	if len(r.Symbols) > 0 {
		what += " (" + strings.Join(r.Symbols, ", ") + ")"
	}
	level := "only the vulnerable package is linked"
	if r.Level == vuln.LevelModule {
		level = "only the module is required; no vulnerable package is linked"
	}
	return what + " are not present in " + r.Binary + ": " + level + " (govulncheck binary analysis)"
}

func source(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

func severity(l vuln.Level) cdx.Severity {
	switch l {
	case vuln.Critical:
		return cdx.SeverityCritical
	case vuln.High:
		return cdx.SeverityHigh
	case vuln.Medium:
		return cdx.SeverityMedium
	case vuln.Low:
		return cdx.SeverityLow
	case vuln.None:
		return cdx.SeverityNone
	}
	return cdx.SeverityUnknown
}

func method(m string) cdx.ScoringMethod {
	switch m {
	case "CVSSv2":
		return cdx.ScoringMethodCVSSv2
	case "CVSSv3":
		return cdx.ScoringMethodCVSSv3
	case "CVSSv31":
		return cdx.ScoringMethodCVSSv31
	case "CVSSv4":
		return cdx.ScoringMethodCVSSv4
	case "":
		return ""
	}
	return cdx.ScoringMethodOther
}

// justification maps OpenVEX justifications to CycloneDX's.
func justification(j string) cdx.ImpactAnalysisJustification {
	switch j {
	case "component_not_present", "vulnerable_code_not_present", "code_not_present":
		return cdx.IAJCodeNotPresent
	case "vulnerable_code_not_in_execute_path", "code_not_reachable":
		return cdx.IAJCodeNotReachable
	case "vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment":
		return cdx.IAJRequiresEnvironment
	case "inline_mitigations_already_exist", "protected_by_mitigating_control":
		return cdx.IAJProtectedByMitigatingControl
	case "requires_configuration":
		return cdx.IAJRequiresConfiguration
	case "requires_dependency":
		return cdx.IAJRequiresDependency
	case "protected_by_compiler":
		return cdx.IAJProtectedByCompiler
	case "protected_at_runtime":
		return cdx.IAJProtectedAtRuntime
	case "protected_at_perimeter":
		return cdx.IAJProtectedAtPerimeter
	}
	return ""
}
