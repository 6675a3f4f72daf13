// Package report is the one model of what a shipcheck run found, and every
// output is an encoder of it.
//
// A Report holds deployments (an artifact and its layers, or an archived
// SBOM), each with its inventory, the vulnerability findings with their
// reachability, the secrets, and the problems met reading it; and the gate
// that decides the verdict; and what each function a deployment template
// deploys is allowed to do (permissions). The sbom, vuln, secrets,
// permissions and scan commands are views (Kind) of the same report; diff is a report of the differences
// between two deployments. The JSON encoder has a decoder (Decode), so a
// report read back re-renders to the same bytes in every format: formats
// are tested, and re-rendered, without a scan.
package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// SchemaVersion is the version of the JSON form; fields are only ever
// added within a version.
const SchemaVersion = 2

// Kind is the view a report was made for: which sections the encoders
// show.
type Kind string

const (
	KindScan        Kind = "scan"        // SBOM, vulnerabilities, secrets and permissions
	KindSBOM        Kind = "sbom"        // the inventory
	KindVuln        Kind = "vuln"        // the inventory and its vulnerabilities
	KindSecrets     Kind = "secrets"     // the secrets
	KindPermissions Kind = "permissions" // what the functions' templates allow them
	KindDiff        Kind = "diff"        // what changed between two deployments
	KindRescan      Kind = "rescan"      // archived SBOMs matched again: what changed since the last time
)

// Kinds are every view, in the order help lists them.
var Kinds = []Kind{KindScan, KindSBOM, KindVuln, KindSecrets, KindPermissions, KindDiff, KindRescan}

// Report is what one run found.
type Report struct {
	Version int  `json:"version"`
	Kind    Kind `json:"kind"`
	Tool    Tool `json:"tool"`
	// Created is when the run ended: the advisories' age is told against
	// it, and SBOM outputs carry it as their timestamp.
	Created time.Time `json:"created"`
	// Serial is a UUID naming the report: the SBOM outputs' serial number
	// and document namespace.
	Serial string `json:"serial"`
	// Advisories says where the advisories came from; nil when none were
	// used.
	Advisories *vuln.SourceInfo `json:"advisories,omitempty"`
	Gate       Gate             `json:"gate"`
	// Deployments are in the order given; a diff report has none.
	Deployments []*Deployment `json:"deployments"`
	Diff        *Diff         `json:"diff,omitempty"`
	// Rescan says what a rescan of an archive looked at (kind rescan).
	Rescan *Rescan `json:"rescan,omitempty"`
	// Failing is the number of findings that fail the gate (written for
	// readers; recomputed when read back).
	Failing int `json:"failing"`
}

// Tool names the program that made the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Deployment is one artifact with its layers (or an archived SBOM) and
// what was found in it.
type Deployment struct {
	// Name is unique within the report (the artifact's base name).
	Name string `json:"name"`
	// FromSBOM is set when the deployment was read from an SBOM: it holds
	// no file contents, so no secrets and no Go binary analysis.
	FromSBOM bool               `json:"from_sbom,omitempty"`
	Sources  []packaging.Source `json:"artifacts"`
	// Files are the artifact files themselves with their digests, in the
	// order of Sources.
	Files    []sbom.ArtifactFile `json:"files,omitempty"`
	Packages []*sbom.Package     `json:"packages"`
	// Vulns is nil when advisories were not matched; Secrets when the
	// secret scan did not run.
	Vulns   *Vulns   `json:"vulnerabilities,omitempty"`
	Secrets *Secrets `json:"secrets,omitempty"`
	// Permissions is nil when the templates were not analysed (no
	// template found, or a view without permissions).
	Permissions *Permissions `json:"permissions,omitempty"`
	// Problems are what could not be read or understood; Partial is set
	// when content was left unread.
	Problems []Problem           `json:"problems,omitempty"`
	Partial  bool                `json:"partial,omitempty"`
	Reads    packaging.ReadStats `json:"reads"`
	Failing  Failing             `json:"failing"`
	// Changes are what a rescan found changed since the previous one
	// (kind rescan).
	Changes *Changes `json:"changes,omitempty"`
}

// Vulns are the advisories matched against a deployment's packages.
type Vulns struct {
	// Checked counts the packages looked up.
	Checked  int            `json:"checked"`
	Findings []vuln.Finding `json:"findings"`
	// Expired are the ignore rules past their date: their findings count
	// again.
	Expired []vuln.Ignore `json:"expired_ignores,omitempty"`
}

// Secrets are the credentials found in a deployment.
type Secrets struct {
	Findings []secrets.Finding `json:"findings"`
	// Baselined counts the findings left out as already in the baseline.
	Baselined int              `json:"baselined,omitempty"`
	Expired   []secrets.Ignore `json:"expired_ignores,omitempty"`
}

// Problem is something that could not be read or understood.
type Problem struct {
	Path   string           `json:"path,omitempty"`
	Origin packaging.Origin `json:"origin"`
	Note   string           `json:"note"`
	// Partial: content was left unread because of it.
	Partial bool `json:"partial,omitempty"`
}

// String prints the problem on one line, naming the artifact and entry.
func (p Problem) String() string {
	return fmt.Sprintf("%s: %s", pr(p.Origin.String()), p.Note)
}

// ProblemOf records a problem of the walk.
func ProblemOf(p packaging.Problem) Problem {
	return Problem{Path: p.Path, Origin: p.Origin, Note: p.Err.Error(), Partial: p.Partial()}
}

// NewDeployment makes the deployment of an inventory; the caller adds the
// vulnerabilities and secrets.
func NewDeployment(name string, inv *sbom.Inventory) *Deployment {
	d := &Deployment{Name: name, Sources: inv.Sources, Files: inv.Files, Packages: inv.Packages, Partial: inv.Partial}
	if d.Packages == nil {
		d.Packages = []*sbom.Package{}
	}
	for _, p := range inv.Problems {
		d.Problems = append(d.Problems, ProblemOf(p))
	}
	return d
}

// Inventory returns the deployment's inventory, as the SBOM encoders take
// it.
func (d *Deployment) Inventory() *sbom.Inventory {
	return &sbom.Inventory{Sources: d.Sources, Files: d.Files, Packages: d.Packages, Partial: d.Partial}
}

// Failing counts a deployment's findings that fail the gate.
type Failing struct {
	Vulnerabilities int `json:"vulnerabilities"`
	Secrets         int `json:"secrets"`
	Permissions     int `json:"permissions,omitempty"`
}

// Total is the sum.
func (f Failing) Total() int { return f.Vulnerabilities + f.Secrets + f.Permissions }

// Gate decides which findings fail a run (exit 1).
type Gate struct {
	// FailOn is the lowest severity that fails; Never: no finding fails
	// (a report-only run).
	FailOn vuln.Level `json:"fail_on"`
	Never  bool       `json:"never,omitempty"`
	// UnknownAs is the severity an advisory without one counts as.
	UnknownAs vuln.Level `json:"unknown_severity"`
	// Secrets: a first-party secret fails; ThirdPartySecrets: any secret.
	Secrets           bool `json:"secrets"`
	ThirdPartySecrets bool `json:"third_party_secrets,omitempty"`
	// Permissions is the lowest severity of a permission finding that
	// fails; "": none does (--fail-on-permissions never).
	Permissions vuln.Level `json:"permissions,omitempty"`
}

// DefaultGate fails on high and critical advisories (unrated ones counted
// as high) and on first-party secrets. The views that analyse permissions
// set Permissions (their --fail-on-permissions, high by default).
var DefaultGate = Gate{FailOn: vuln.High, UnknownAs: vuln.High, Secrets: true}

// ParseGate reads the gate's thresholds as a user writes them: failOn a
// severity, "never" (report only) or "secrets" (the secrets view's way of
// saying its default), unknownAs the severity an unrated advisory counts
// as. Which secrets fail is the caller's to set.
func ParseGate(failOn, unknownAs string) (Gate, error) {
	var g Gate
	var err error
	if strings.EqualFold(failOn, "secrets") {
		failOn = "high"
	}
	if g.FailOn, g.Never, err = ParseFailOn(failOn); err != nil {
		return g, fmt.Errorf("--fail-on: %w", err)
	}
	if g.UnknownAs, err = vuln.ParseLevel(unknownAs); err != nil || g.UnknownAs == vuln.Unknown {
		return g, fmt.Errorf("--unknown-severity: %q is not one of critical, high, medium, low, none", unknownAs)
	}
	return g, nil
}

// ParseFailOn reads a --fail-on value: a severity, or "never".
func ParseFailOn(s string) (level vuln.Level, never bool, err error) {
	if strings.EqualFold(strings.TrimSpace(s), "never") {
		return vuln.High, true, nil
	}
	l, err := vuln.ParseLevel(s)
	if err != nil || l == vuln.Unknown {
		return "", false, fmt.Errorf("%q is not one of critical, high, medium, low, none (any finding) or never (report only)", s)
	}
	return l, false, nil
}

// FailOnValues are the values ParseFailOn takes, for completion.
var FailOnValues = []string{"critical", "high", "medium", "low", "none", "never"}

// VulnFails reports whether a finding fails the gate: not suppressed, at
// or above the threshold, and for a Go binary analysed, with its
// vulnerable code in the binary.
func (g Gate) VulnFails(f vuln.Finding) bool {
	if g.Never || f.Suppressed != nil || f.NotInBinary() {
		return false
	}
	return f.Rating.Level.Rank(g.UnknownAs) >= g.FailOn.Rank(g.UnknownAs)
}

// SecretFails reports whether a secret fails the gate.
func (g Gate) SecretFails(f secrets.Finding) bool {
	return !g.Never && g.Secrets && f.Suppressed == nil && (f.FirstParty() || g.ThirdPartySecrets)
}

// Count counts a deployment's findings that fail.
func (g Gate) Count(d *Deployment) Failing {
	var n Failing
	if d.Vulns != nil {
		for _, f := range d.Vulns.Findings {
			if g.VulnFails(f) {
				n.Vulnerabilities++
			}
		}
	}
	if d.Secrets != nil {
		for _, f := range d.Secrets.Findings {
			if g.SecretFails(f) {
				n.Secrets++
			}
		}
	}
	if d.Permissions != nil {
		for _, f := range d.Permissions.Findings {
			if g.PermissionFails(f) {
				n.Permissions++
			}
		}
	}
	return n
}

// Describe says what the gate fails on, for people.
func (g Gate) Describe(kind Kind) string {
	if g.Never {
		return "--fail-on never: report only"
	}
	var parts []string
	if kind != KindSecrets && kind != KindPermissions {
		parts = append(parts, "--fail-on "+string(g.FailOn))
	}
	if kind != KindVuln && kind != KindSBOM && g.Secrets {
		if g.ThirdPartySecrets {
			parts = append(parts, "any secret")
		} else {
			parts = append(parts, "first-party secrets")
		}
	}
	if kind == KindPermissions || kind == KindScan && g.Permissions != "" {
		parts = append(parts, "--fail-on-permissions "+orNever(g.Permissions))
	}
	return strings.Join(parts, ", ")
}

// Judge counts, for every deployment and the diff, what fails the gate,
// and sets the report's total. Encoders read the counts; call it after any
// change.
func (r *Report) Judge() {
	r.Failing = 0
	for _, d := range r.Deployments {
		d.Failing = r.Gate.Count(d)
		if r.Kind == KindRescan {
			d.Failing = r.Gate.countNew(d)
		}
		r.Failing += d.Failing.Total()
	}
	if r.Diff != nil {
		r.Diff.Failing = 0
		for _, f := range r.Diff.NewVulns {
			if r.Gate.VulnFails(f) {
				r.Diff.Failing++
			}
		}
		for _, f := range r.Diff.NewSecrets {
			if r.Gate.SecretFails(f) {
				r.Diff.Failing++
			}
		}
		r.Failing += r.Diff.Failing
	}
}

// Partial reports whether any deployment was read only in part.
func (r *Report) Partial() bool {
	return slices.ContainsFunc(r.Deployments, func(d *Deployment) bool { return d.Partial })
}

// Problems are every deployment's problems, in order.
func (r *Report) Problems() []Problem {
	var out []Problem
	for _, d := range r.Deployments {
		out = append(out, d.Problems...)
	}
	if r.Diff != nil {
		out = append(out, r.Diff.Problems...)
	}
	return out
}

// Parties counts the secrets no rule suppresses: first-party, and inside
// third-party packages.
func Parties(fs []secrets.Finding) (first, third int) {
	for _, f := range fs {
		switch {
		case f.Suppressed != nil:
		case !f.FirstParty():
			third++
		default:
			first++
		}
	}
	return first, third
}

// Notes are what a reader should know that is not a finding: ignore rules
// past their date, whose findings count again.
func Notes(r *Report) []string {
	var out []string
	for _, d := range r.Deployments {
		if d.Vulns != nil {
			for _, x := range d.Vulns.Expired {
				out = append(out, fmt.Sprintf("the ignore rule for %s expired on %s; its findings count again", x.ID, x.Expires))
			}
		}
		if d.Secrets != nil {
			for _, x := range d.Secrets.Expired {
				out = append(out, fmt.Sprintf("the ignore rule for %s expired on %s; its findings count again", x.Fingerprint, x.Expires))
			}
		}
		if d.Permissions != nil {
			for _, x := range d.Permissions.Expired {
				out = append(out, fmt.Sprintf("the ignore rule for %s expired on %s; its findings count again", x.Rule, x.Expires))
			}
		}
	}
	return out
}
