package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

func paint(on bool, code, s string) string {
	if !on {
		return s
	}
	return code + s + ansiReset
}

// mark is the first cell of a row: "!" when it fails the gate.
func mark(fails bool) string {
	if fails {
		return "!"
	}
	return ""
}

func encodeTable(w io.Writer, r *Report, o Options) error {
	t := &text{w: w, width: o.Width}
	switch r.Kind {
	case KindSBOM:
		for _, d := range r.Deployments {
			sourcesTable(t, d)
			t.blank()
			packagesTable(t, d)
		}
	case KindVuln:
		t.line("advisories: %s", DescribeSource(r.Advisories, r.Created))
		for _, d := range r.Deployments {
			sourcesTable(t, d)
			t.blank()
			if d.Vulns == nil {
				t.line("advisories not matched")
				continue
			}
			vulnTable(t, r, d, o)
			vulnSummary(t, r, d)
			suppressedVulns(t, d)
		}
	case KindSecrets:
		for _, d := range r.Deployments {
			sourcesTable(t, d)
			t.blank()
			if d.Secrets == nil {
				t.line("not scanned for secrets")
				continue
			}
			secretTable(t, r, d)
			secretSummary(t, r, d)
			suppressedSecrets(t, d)
		}
	case KindPermissions:
		for _, d := range r.Deployments {
			sourcesOf(t, d, "permissions")
			t.blank()
			if d.Permissions == nil {
				t.line("no deployment template analysed")
				continue
			}
			permissionsTable(t, r, d)
		}
	case KindDiff:
		diffTable(t, r, o)
	case KindRescan:
		rescanTable(t, r, o)
	default:
		scanTable(t, r, o)
	}
	if r.Kind != KindSBOM && r.Kind != KindDiff && r.Kind != KindRescan && hasMarks(r) {
		t.blank()
		t.line("! fails the gate (%s)", r.Gate.Describe(r.Kind))
	}
	return t.err
}

func hasMarks(r *Report) bool {
	for _, d := range r.Deployments {
		if d.Failing.Total() > 0 {
			return true
		}
	}
	return false
}

func scanTable(t *text, r *Report, o Options) {
	t.line("%s", DescribeSource(r.Advisories, r.Created))
	for _, d := range r.Deployments {
		t.blank()
		t.line("%s", paint(o.Color, ansiBold, "== "+pr(d.Name)))
		sourcesTable(t, d)
		line := fmt.Sprintf("%d package(s), %d file(s) read", len(d.Packages), d.Reads.Files)
		if d.FromSBOM {
			line = fmt.Sprintf("%d package(s), from an SBOM: no file contents, no secret scan", len(d.Packages))
		}
		t.line("%s", line)
		if d.Vulns != nil {
			t.blank()
			t.line("%s", paint(o.Color, ansiBold, "vulnerabilities"))
			vulnTable(t, r, d, o)
			suppressed := 0
			for _, f := range d.Vulns.Findings {
				if f.Suppressed != nil {
					suppressed++
				}
			}
			s := fmt.Sprintf("%d fail --fail-on %s", d.Failing.Vulnerabilities, r.Gate.FailOn)
			if r.Gate.Never {
				s = "--fail-on never: none fail"
			}
			if suppressed > 0 {
				s += fmt.Sprintf("; %d suppressed by ignores or VEX", suppressed)
			}
			t.line("%s", s)
		}
		if d.Secrets != nil {
			t.blank()
			t.line("%s", paint(o.Color, ansiBold, "secrets"))
			secretTable(t, r, d)
			suppressed := 0
			for _, f := range d.Secrets.Findings {
				if f.Suppressed != nil {
					suppressed++
				}
			}
			s := fmt.Sprintf("%d fail the gate", d.Failing.Secrets)
			if suppressed > 0 {
				s += fmt.Sprintf("; %d ignored", suppressed)
			}
			if d.Secrets.Baselined > 0 {
				s += fmt.Sprintf("; %d already in the baseline", d.Secrets.Baselined)
			}
			t.line("%s", s)
		}
		if d.Permissions != nil {
			t.blank()
			t.line("%s", paint(o.Color, ansiBold, "permissions"))
			permissionsTable(t, r, d)
		}
	}
	verdict := paint(o.Color, ansiGreen, "PASS")
	if r.Failing > 0 {
		verdict = paint(o.Color, ansiRed, "FAIL")
	}
	if r.Partial() {
		verdict += " (PARTIAL READ)"
	}
	t.blank()
	t.line("%s: %s", verdict, SummaryLine(r))
}

// sourcesTable says what each artifact is and where it is mounted, and
// whether it was read only in part.
func sourcesTable(t *text, d *Deployment) { sourcesOf(t, d, "packages and secrets") }

// sourcesOf is sourcesTable for a view that may miss what it names.
func sourcesOf(t *text, d *Deployment, missed string) {
	for _, s := range d.Sources {
		t.line("%s: %s (%s), mounted at %s", pr(s.Path), s.Role.Describe(), s.Kind, s.Mount)
	}
	if d.Partial {
		t.line("PARTIAL: %s was read only in part (%d problem(s)); what follows may miss %s", pr(d.Name), len(d.Problems), missed)
	}
}

// SummaryLine counts what every deployment holds.
func SummaryLine(r *Report) string {
	pkgs, vulns, first, third := 0, 0, 0, 0
	for _, d := range r.Deployments {
		pkgs += len(d.Packages)
		if d.Vulns != nil {
			for _, f := range d.Vulns.Findings {
				if f.Suppressed == nil {
					vulns++
				}
			}
		}
		if d.Secrets != nil {
			f, t := Parties(d.Secrets.Findings)
			first, third = first+f, third+t
		}
	}
	perms := ""
	if hasPermissions(r) {
		n := 0
		for _, d := range r.Deployments {
			if d.Permissions != nil {
				_, total, _ := permissionCounts(d.Permissions)
				n += total
			}
		}
		perms = fmt.Sprintf(", %d permission finding(s)", n)
	}
	return fmt.Sprintf("%d deployment(s), %d package(s), %d vulnerability finding(s), %d first-party and %d third-party secret(s)%s; %d fail the gate",
		len(r.Deployments), pkgs, vulns, first, third, perms, r.Failing)
}

// DescribeSource says which advisories were used and how old they were
// when the report was made.
func DescribeSource(s *vuln.SourceInfo, now time.Time) string {
	switch {
	case s == nil:
		return "no advisories"
	case s.Built.IsZero():
		return fmt.Sprintf("%s %s (live)", s.Kind, pr(s.Location))
	}
	d := fmt.Sprintf("%s %s: built %s (%s before this report) from %s, %d advisories", s.Kind, pr(s.Location),
		s.Built.UTC().Format("2006-01-02 15:04 MST"), vuln.Age(now.Sub(s.Built)), pr(s.Origin), s.Records)
	if !s.Newest.IsZero() {
		d += ", newest modified " + s.Newest.UTC().Format("2006-01-02")
	}
	return d
}

var vulnColumns = []column{
	{head: ""},
	{head: "SEVERITY", give: 1, min: 4},
	{head: "ID", give: 5, min: 19, fit: truncate},
	{head: "PACKAGE", give: 4, min: 10, fit: shorten},
	{head: "INSTALLED", give: 2, min: 7, fit: truncate},
	{head: "FIXED", give: 2, min: 7, fit: truncate},
	{head: "IN BINARY", optional: true, give: 6, min: 6, fit: truncate},
	{head: "WHERE", give: 8, min: 12, fit: shorten},
	{head: "SUMMARY", give: 9, min: 0, fit: truncate},
}

func vulnTable(t *text, r *Report, d *Deployment, o Options) {
	var rows [][]string
	for _, f := range d.Vulns.Findings {
		if f.Suppressed != nil {
			continue
		}
		row := vulnRow(f)
		row[0] = mark(r.Gate.VulnFails(f))
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		t.line("none")
		return
	}
	t.table(vulnColumns, rows)
}

// vulnRow is a finding's cells; the first (the gate's mark) is left to the
// caller.
func vulnRow(f vuln.Finding) []string {
	fixed := f.Fixed
	if fixed == "" {
		fixed = "no fix"
	}
	where := ""
	if len(f.Locations) > 0 {
		where = pr(f.Locations[0].Path)
	}
	sev := string(f.Rating.Level)
	if f.Rating.Score >= 0 {
		sev += fmt.Sprintf(" %.1f", f.Rating.Score)
	}
	return []string{"", sev, IDWithAliases(f), pr(f.Name), pr(f.Version), pr(fixed), ReachText(f.Reachability), where, pr(f.Summary)}
}

// IDWithAliases is the OSV id with its CVE and GHSA aliases beside it.
func IDWithAliases(f vuln.Finding) string {
	var as []string
	for _, a := range f.Aliases {
		if a != f.ID && (strings.HasPrefix(a, "CVE-") || strings.HasPrefix(a, "GHSA-")) {
			as = append(as, a)
		}
	}
	if len(as) == 0 {
		return pr(f.ID)
	}
	return pr(f.ID + " (" + strings.Join(as, ", ") + ")")
}

// ReachText says briefly whether a Go finding's code is in its binary.
func ReachText(r *vuln.Reachability) string {
	switch {
	case r == nil:
		return "-"
	case r.Level == vuln.LevelSymbol:
		return pr("called: " + strings.Join(r.Symbols, ", "))
	case r.Level == vuln.LevelUnknown:
		return "not analysed"
	}
	return "no (" + r.Level + " only)"
}

func vulnSummary(t *text, r *Report, d *Deployment) {
	counts := map[vuln.Level]int{}
	n := 0
	for _, f := range d.Vulns.Findings {
		if f.Suppressed == nil {
			counts[f.Rating.Level]++
			n++
		}
	}
	var parts []string
	for _, l := range []vuln.Level{vuln.Critical, vuln.High, vuln.Medium, vuln.Low, vuln.None, vuln.Unknown} {
		if counts[l] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[l], l))
		}
	}
	s := fmt.Sprintf("%d finding(s) in %d package(s) checked", n, d.Vulns.Checked)
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	if r.Gate.Never {
		s += "; --fail-on never: none fail"
	} else {
		s += fmt.Sprintf("; %d fail --fail-on %s", d.Failing.Vulnerabilities, r.Gate.FailOn)
	}
	t.blank()
	t.line("%s", s)
}

func suppressedVulns(t *text, d *Deployment) {
	var lines []string
	for _, f := range d.Vulns.Findings {
		if s := f.Suppressed; s != nil {
			lines = append(lines, fmt.Sprintf("  %s %s@%s: %s (%s)", pr(f.ID), pr(f.Name), pr(f.Version), pr(s.Reason), s.By))
		}
	}
	if len(lines) > 0 {
		t.blank()
		t.line("%d suppressed:", len(lines))
		for _, l := range lines {
			t.line("%s", l)
		}
	}
}

var secretColumns = []column{
	{head: ""},
	{head: "RULE", give: 3, min: 10, fit: truncate},
	{head: "CONFIDENCE", give: 4, min: 6, fit: truncate},
	{head: "WHERE", give: 5, min: 16, fit: shorten},
	{head: "SECRET", give: 8, min: 6, fit: truncate},
	{head: "PARTY", give: 7, min: 5, fit: truncate},
	{head: "FINGERPRINT", give: 2, min: 20, fit: truncate},
}

// secretRow is a finding's cells; the first is left to the caller.
func secretRow(f secrets.Finding) []string {
	where := f.Path
	if f.Line > 0 {
		where += fmt.Sprintf(":%d", f.Line)
	}
	if f.Status != "" {
		where += " (" + f.Status + " by a later layer)"
	}
	if f.Variable != "" {
		where += " " + f.Variable
	}
	party := "first"
	switch {
	case f.ThirdParty != nil && f.ThirdParty.Internal:
		party = "first (internal " + f.ThirdParty.Name + "@" + f.ThirdParty.Version + ")"
	case f.ThirdParty != nil:
		party = "third: " + f.ThirdParty.Name + "@" + f.ThirdParty.Version
	}
	secret := fmt.Sprintf("%s (%d chars)", f.Redacted, f.Length)
	if f.Encoding != "" {
		secret += " " + f.Encoding
	}
	return []string{"", f.RuleID, string(f.Confidence), pr(where), pr(secret), pr(party), f.Fingerprint}
}

func secretTable(t *text, r *Report, d *Deployment) {
	var rows [][]string
	for _, f := range d.Secrets.Findings {
		if f.Suppressed != nil {
			continue
		}
		row := secretRow(f)
		row[0] = mark(r.Gate.SecretFails(f))
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		t.line("none")
		return
	}
	t.table(secretColumns, rows)
}

func secretSummary(t *text, r *Report, d *Deployment) {
	first, third := Parties(d.Secrets.Findings)
	s := fmt.Sprintf("%d secret(s): %d first-party, %d in third-party packages; %d fail the gate",
		first+third, first, third, d.Failing.Secrets)
	if d.Secrets.Baselined > 0 {
		s += fmt.Sprintf("; %d already in the baseline", d.Secrets.Baselined)
	}
	t.blank()
	t.line("%s", s)
}

func suppressedSecrets(t *text, d *Deployment) {
	var lines []string
	for _, f := range d.Secrets.Findings {
		if s := f.Suppressed; s != nil {
			lines = append(lines, fmt.Sprintf("  %s %s:%d: %s", f.Fingerprint, pr(f.Path), f.Line, pr(s.Reason)))
		}
	}
	if len(lines) > 0 {
		t.blank()
		t.line("%d suppressed:", len(lines))
		for _, l := range lines {
			t.line("%s", l)
		}
	}
}

var packageColumns = []column{
	{head: "NAME", give: 4, min: 12, fit: shorten},
	{head: "VERSION", give: 2, min: 8, fit: truncate},
	{head: "ECOSYSTEM", give: 1, min: 5, fit: truncate},
	{head: "TYPE", give: 1, min: 3, fit: truncate},
	{head: "WHERE", give: 8, min: 10, fit: shorten},
	{head: "NOTE", give: 9, min: 0, fit: truncate},
}

func packagesTable(t *text, d *Deployment) {
	var rows [][]string
	for _, p := range d.Packages {
		rows = append(rows, packageRow(p))
	}
	if len(rows) > 0 {
		t.table(packageColumns, rows)
	}
	t.blank()
	t.line("%d packages", len(d.Packages))
}

func packageRow(p *sbom.Package) []string {
	var notes []string
	switch {
	case p.Excluded:
		notes = append(notes, "declared only, does not ship")
	case p.DeclaredOnly:
		notes = append(notes, "declared only")
	}
	if p.ShadowedBy != "" {
		notes = append(notes, "shadowed by "+p.ShadowedBy)
	}
	where := ""
	if len(p.Locations) > 0 {
		where = p.Locations[0].Path
		if n := len(p.Locations); n > 1 {
			where += fmt.Sprintf(" (+%d)", n-1)
		}
	}
	return []string{pr(p.Name), pr(p.Version), p.Ecosystem, string(p.Type), pr(where), pr(strings.Join(notes, "; "))}
}

func versionsText(v []string) string {
	if len(v) == 0 {
		return "-"
	}
	return strings.Join(v, ", ")
}

var changeColumns = []column{
	{head: "CHANGE", give: 1, min: 6},
	{head: "ECOSYSTEM", give: 2, min: 5, fit: truncate},
	{head: "PACKAGE", give: 4, min: 12, fit: shorten},
	{head: "OLD", give: 3, min: 8, fit: truncate},
	{head: "NEW", give: 3, min: 8, fit: truncate},
}

func diffTable(t *text, r *Report, o Options) {
	d := r.Diff
	t.line("%s -> %s", pr(d.Old), pr(d.New))
	t.line("%s", DescribeSource(r.Advisories, r.Created))
	t.blank()
	var rows [][]string
	for _, g := range []struct {
		what string
		cs   []sbom.Change
	}{{"added", d.Packages.Added}, {"removed", d.Packages.Removed}, {"changed", d.Packages.Changed}} {
		for _, c := range g.cs {
			rows = append(rows, []string{g.what, c.Ecosystem, pr(c.Name), pr(versionsText(c.Old)), pr(versionsText(c.New))})
		}
	}
	if len(rows) > 0 {
		t.table(changeColumns, rows)
	} else {
		t.line("no package changes")
	}
	t.blank()
	t.line("new advisories (%d):", len(d.NewVulns))
	if len(d.NewVulns) > 0 {
		rows = nil
		for _, f := range d.NewVulns {
			row := vulnRow(f)
			row[0] = mark(r.Gate.VulnFails(f))
			rows = append(rows, row)
		}
		t.table(vulnColumns, rows)
	}
	if len(d.FixedVulns) > 0 {
		t.blank()
		t.line("advisories fixed by %s (%d):", pr(d.New), len(d.FixedVulns))
		for _, f := range d.FixedVulns {
			t.line("  %s %s %s", IDWithAliases(f), pr(f.Name), pr(f.Version))
		}
	}
	t.blank()
	if d.SecretsCompared {
		t.line("new secrets (%d):", len(d.NewSecrets))
		if len(d.NewSecrets) > 0 {
			rows = nil
			for _, f := range d.NewSecrets {
				row := secretRow(f)
				row[0] = mark(r.Gate.SecretFails(f))
				rows = append(rows, row)
			}
			t.table(secretColumns, rows)
		}
	} else {
		t.line("secrets: not compared (an SBOM holds no file contents)")
	}
	t.blank()
	t.line("%d package(s) added, %d removed, %d changed; %d new advisory finding(s); %d new finding(s) fail the gate",
		len(d.Packages.Added), len(d.Packages.Removed), len(d.Packages.Changed), len(d.NewVulns), d.Failing)
	if d.Failing > 0 {
		t.line("! fails the gate (%s)", r.Gate.Describe(KindScan))
	}
}
