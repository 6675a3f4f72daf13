package report

import (
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// Diff is what a release changes: between the deployed (Old) and the
// candidate (New).
type Diff struct {
	Old      string           `json:"old"`
	New      string           `json:"new"`
	Packages sbom.PackageDiff `json:"packages"`
	// NewVulns affect New and not Old; FixedVulns, Old and not New.
	NewVulns   []vuln.Finding `json:"new_vulnerabilities"`
	FixedVulns []vuln.Finding `json:"fixed_vulnerabilities"`
	// NewSecrets are in New and not in Old, by fingerprint; compared only
	// when both sides are artifacts (an SBOM holds no file contents).
	NewSecrets      []secrets.Finding `json:"new_secrets"`
	SecretsCompared bool              `json:"secrets_compared"`
	// Problems met reading either side.
	Problems []Problem `json:"problems,omitempty"`
	// Failing counts the new findings that fail the gate.
	Failing int `json:"failing"`
}

// Compare returns what new changes against old. Both must have had their
// advisories matched.
func Compare(old, new *Deployment) *Diff {
	d := &Diff{Old: old.Name, New: new.Name, Packages: sbom.Diff(old.Packages, new.Packages),
		NewVulns: []vuln.Finding{}, FixedVulns: []vuln.Finding{}, NewSecrets: []secrets.Finding{}}
	var ov, nv []vuln.Finding
	if old.Vulns != nil {
		ov = old.Vulns.Findings
	}
	if new.Vulns != nil {
		nv = new.Vulns.Findings
	}
	d.NewVulns = append(d.NewVulns, vulnsOnlyIn(nv, ov)...)
	d.FixedVulns = append(d.FixedVulns, vulnsOnlyIn(ov, nv)...)
	if old.Secrets != nil && new.Secrets != nil {
		d.SecretsCompared = true
		seen := map[string]bool{}
		for _, f := range old.Secrets.Findings {
			seen[f.Fingerprint] = true
		}
		for _, f := range new.Secrets.Findings {
			if !seen[f.Fingerprint] {
				d.NewSecrets = append(d.NewSecrets, f)
			}
		}
	}
	d.Problems = append(append(d.Problems, old.Problems...), new.Problems...)
	return d
}

// vulnsOnlyIn returns the findings of a whose advisory does not affect the
// same package and version in b.
func vulnsOnlyIn(a, b []vuln.Finding) []vuln.Finding {
	key := func(f vuln.Finding) string { return f.ID + "\x00" + f.Ecosystem + "\x00" + f.Name + "\x00" + f.Version }
	in := map[string]bool{}
	for _, f := range b {
		in[key(f)] = true
	}
	var out []vuln.Finding
	for _, f := range a {
		if !in[key(f)] {
			out = append(out, f)
		}
	}
	return out
}
