package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/shipcheck/shipcheck/permissions"
	"github.com/shipcheck/shipcheck/secrets/envconfig"
	"github.com/shipcheck/shipcheck/vuln"
)

// Permissions are what a deployment's templates allow its functions: the
// templates read and the findings of the least-privilege rules.
type Permissions struct {
	Templates []Template            `json:"templates"`
	Findings  []permissions.Finding `json:"findings"`
	// Rules are the rules of the findings, so that the report explains
	// them (SARIF's rule help) without this shipcheck's rules.
	Rules []permissions.Rule `json:"rules,omitempty"`
	// Expired are the ignore rules past their date: their findings count
	// again.
	Expired []permissions.Ignore `json:"expired_ignores,omitempty"`
}

// Template is a template file read for permissions.
type Template struct {
	Path      string           `json:"path"`
	Format    envconfig.Format `json:"format"`
	Functions int              `json:"functions"`
}

// NewPermissions analyses the templates with the rules and applies the
// ignore rules (now is the time they expire against).
func NewPermissions(ts []*permissions.Template, ignores []permissions.Ignore, now time.Time) *Permissions {
	p := &Permissions{Templates: []Template{}, Findings: permissions.Analyze(ts)}
	for _, t := range ts {
		p.Templates = append(p.Templates, Template{Path: t.Path, Format: t.Format, Functions: len(t.Functions)})
	}
	slices.SortFunc(p.Templates, func(a, b Template) int { return strings.Compare(a.Path, b.Path) })
	p.Expired = permissions.Apply(p.Findings, ignores, now)
	for _, r := range permissions.Rules() {
		if slices.ContainsFunc(p.Findings, func(f permissions.Finding) bool { return f.Rule == r.ID }) {
			p.Rules = append(p.Rules, r)
		}
	}
	return p
}

// rule is the rule of a finding as the report holds it; for a report
// written without its rules, what the finding itself says.
func (p *Permissions) rule(f permissions.Finding) permissions.Rule {
	for _, r := range p.Rules {
		if r.ID == f.Rule {
			return r
		}
	}
	return permissions.Rule{ID: f.Rule, Severity: f.Severity, Title: f.Title, Description: f.Title, Fix: f.Fix}
}

// PermissionFails reports whether a permission finding fails the gate:
// not suppressed, at or above the permissions threshold.
func (g Gate) PermissionFails(f permissions.Finding) bool {
	if g.Never || g.Permissions == "" || f.Suppressed != nil {
		return false
	}
	return vuln.Level(f.Severity).Rank(vuln.High) >= g.Permissions.Rank(vuln.High)
}

// ParsePermissionsFailOn reads a --fail-on-permissions value: a severity
// (critical, high, medium, low), or never ("": none fails).
func ParsePermissionsFailOn(s string) (vuln.Level, error) {
	if strings.EqualFold(strings.TrimSpace(s), "never") {
		return "", nil
	}
	for _, l := range permissions.Severities {
		if strings.EqualFold(strings.TrimSpace(s), l) {
			return vuln.Level(l), nil
		}
	}
	return "", fmt.Errorf("--fail-on-permissions: %q is not one of %s or never (report only)", s, strings.Join(permissions.Severities, ", "))
}

// PermissionsFailOnValues are the values ParsePermissionsFailOn takes, for
// completion.
var PermissionsFailOnValues = append(slices.Clone(permissions.Severities), "never")

func orNever(l vuln.Level) string {
	if l == "" {
		return "never"
	}
	return string(l)
}

// permissionCounts counts the findings no ignore rule suppresses, by
// severity, and the templates' functions.
func permissionCounts(p *Permissions) (bySeverity map[string]int, total, functions int) {
	bySeverity = map[string]int{}
	for _, f := range p.Findings {
		if f.Suppressed == nil {
			bySeverity[f.Severity]++
			total++
		}
	}
	for _, t := range p.Templates {
		functions += t.Functions
	}
	return bySeverity, total, functions
}

// severityText is "1 critical, 2 high" ("" for none).
func severityText(by map[string]int) string {
	var parts []string
	for _, s := range permissions.Severities {
		if by[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", by[s], s))
		}
	}
	return strings.Join(parts, ", ")
}

// permissionsTable lists the templates read, the findings (each rule's
// fix once, below), and what fails. A finding is two lines, not a table
// row: what the statement grants is the point, and a column would lose it
// at a terminal's width.
func permissionsTable(t *text, r *Report, d *Deployment) {
	p := d.Permissions
	for _, tp := range p.Templates {
		t.line("template %s (%s): %d function(s)", pr(tp.Path), tp.Format, tp.Functions)
	}
	if len(p.Templates) == 0 {
		t.line("no deployment template read")
	}
	var rows []string
	var fired []permissions.Rule
	for _, f := range p.Findings {
		if f.Suppressed != nil {
			continue
		}
		where := f.File
		if f.Line > 0 {
			where += fmt.Sprintf(":%d", f.Line)
		}
		rows = append(rows, fmt.Sprintf("%-1s %-8s %-13s %s at %s", mark(r.Gate.PermissionFails(f)), f.Severity, f.Rule, pr(f.Function), pr(where)),
			"    "+pr(f.Message))
		if !slices.ContainsFunc(fired, func(x permissions.Rule) bool { return x.ID == f.Rule }) {
			fired = append(fired, p.rule(f))
		}
	}
	t.blank()
	if len(rows) == 0 {
		t.line("no over-broad permission found")
	} else {
		for _, l := range rows {
			t.line("%s", l)
		}
		t.blank()
		slices.SortFunc(fired, func(a, b permissions.Rule) int { return strings.Compare(a.ID, b.ID) })
		for _, rl := range fired {
			t.line("%s %s. Instead: %s", rl.ID, pr(rl.Title), pr(rl.Fix))
		}
	}
	var lines []string
	for _, f := range p.Findings {
		if s := f.Suppressed; s != nil {
			lines = append(lines, fmt.Sprintf("  %s %s %s:%d: %s", f.Rule, pr(f.Function), pr(f.File), f.Line, pr(s.Reason)))
		}
	}
	by, total, fns := permissionCounts(p)
	s := fmt.Sprintf("%d permission finding(s) in %d function(s) of %d template(s)", total, fns, len(p.Templates))
	if st := severityText(by); st != "" {
		s += ": " + st
	}
	if r.Gate.Never || r.Gate.Permissions == "" {
		s += "; none fail (--fail-on-permissions never)"
	} else {
		s += fmt.Sprintf("; %d fail --fail-on-permissions %s", d.Failing.Permissions, r.Gate.Permissions)
	}
	if len(lines) > 0 {
		s += fmt.Sprintf("; %d ignored", len(lines))
	}
	t.blank()
	t.line("%s", s)
	if len(lines) > 0 {
		t.blank()
		t.line("%d suppressed:", len(lines))
		for _, l := range lines {
			t.line("%s", l)
		}
	}
}

// permissionsSummary counts what every deployment's templates grant.
func permissionsSummary(r *Report) string {
	templates, functions, findings := 0, 0, 0
	for _, d := range r.Deployments {
		if d.Permissions != nil {
			_, n, fns := permissionCounts(d.Permissions)
			templates, functions, findings = templates+len(d.Permissions.Templates), functions+fns, findings+n
		}
	}
	return fmt.Sprintf("%d deployment(s), %d template(s), %d function(s), %d permission finding(s); %d fail the gate",
		len(r.Deployments), templates, functions, findings, r.Failing)
}

// hasPermissions reports whether any deployment's templates were analysed.
func hasPermissions(r *Report) bool {
	return slices.ContainsFunc(r.Deployments, func(d *Deployment) bool { return d.Permissions != nil })
}

func mdPermission(f permissions.Finding) string {
	where := f.File
	if f.Line > 0 {
		where += fmt.Sprintf(":%d", f.Line)
	}
	return fmt.Sprintf("- **%s** %s %s: `%s` in `%s`: %s", f.Severity, mdCell(f.Rule), mdCell(f.Title), mdCell(f.Function), mdCell(where), mdCell(f.Message))
}

// permissionsMarkdown is the permissions' table of counts per deployment.
func permissionsMarkdown(bw *bufio.Writer, r *Report) {
	fmt.Fprintf(bw, "| Deployment | Templates | Functions | Critical | High | Medium | Low | Failing |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range r.Deployments {
		if d.Permissions == nil {
			fmt.Fprintf(bw, "| %s | n/a | n/a | | | | | |\n", mdCell(d.Name))
			continue
		}
		by, _, fns := permissionCounts(d.Permissions)
		fmt.Fprintf(bw, "| %s | %d | %d | %d | %d | %d | %d | %d |\n", mdCell(d.Name), len(d.Permissions.Templates), fns,
			by["critical"], by["high"], by["medium"], by["low"], d.Failing.Permissions)
	}
}

// permissionSeverity is GitHub code scanning's "security-severity" of a
// rule: the middle of its band, as for advisories without a score.
func permissionSeverity(s string) string {
	return securitySeverity(vuln.Rating{Level: vuln.Level(s), Score: -1}, vuln.High)
}

// addPermissionResults adds a rule per permissions rule (its help is the
// description and the fix) and a result per finding, at the template's
// file and line.
func addPermissionResults(run *sarif.Run, p *Permissions, g Gate, deployment string) {
	for _, f := range p.Findings {
		rl := p.rule(f)
		if _, err := run.GetRuleById(rl.ID); err != nil {
			help := rl.Description + " Instead: " + rl.Fix
			run.AddRule(rl.ID).WithName(rl.ID).
				WithShortDescription(sarif.NewMultiformatMessageString(rl.Title)).
				WithFullDescription(sarif.NewMultiformatMessageString(rl.Description)).
				WithHelp(sarif.NewMultiformatMessageString(help).WithMarkdown(fmt.Sprintf("**%s**: %s\n\n%s\n\n**Instead:** %s\n", rl.ID, rl.Title, rl.Description, rl.Fix))).
				WithProperties(sarif.Properties{"security-severity": permissionSeverity(rl.Severity), "precision": "high",
					"tags": []string{"security", "least-privilege", rl.Severity}})
		}
		level := "note"
		switch rank := vuln.Level(f.Severity).Rank(vuln.High); {
		case rank >= vuln.High.Rank(vuln.High):
			level = "error"
		case rank >= vuln.Medium.Rank(vuln.High):
			level = "warning"
		}
		msg := fmt.Sprintf("%s: function %s: %s.", f.Title, f.Function, f.Message)
		res := run.CreateResultForRule(rl.ID).WithLevel(level).WithMessage(sarif.NewTextMessage(msg))
		pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(sarifURI(f.File)))
		if f.Line > 0 {
			pl.WithRegion(sarif.NewRegion().WithStartLine(f.Line))
		}
		res.AddLocation(sarif.NewLocationWithPhysicalLocation(pl).WithLogicalLocations([]*sarif.LogicalLocation{
			sarif.NewLogicalLocation().WithName(f.Function).WithFullyQualifiedName(f.File + "#" + f.Function).WithKind("function")}))
		props := sarif.Properties{"function": f.Function, "severity": f.Severity}
		// The fingerprint leaves the line out: a finding moved by an edit
		// above it is the same finding.
		key := f.Rule + "\x00" + f.Function + "\x00" + f.File + "\x00" + f.Message
		if deployment != "" {
			props["deployment"] = deployment
			key += "\x00" + deployment
		}
		res.Properties = props
		sum := sha256.Sum256([]byte(key))
		fp := hex.EncodeToString(sum[:16])
		res.WithPartialFingerPrints(map[string]any{"shipcheck/v1": fp})
		if s := f.Suppressed; s != nil {
			res.AddSuppression(sarif.NewSuppression("external").WithStatus("accepted").WithJustifcation(s.Reason).
				WithGuid(uuidFor(fp + "\x00" + s.Reason)).WithLocation(sarif.NewLocation().WithDescriptionText("an ignore rule of shipcheck's configuration")))
		}
	}
}
