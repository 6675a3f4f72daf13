package report

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// mdCell makes text safe in a Markdown table cell or list item.
func mdCell(s string) string {
	s = pr(s)
	r := strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// mdAdvisory is an advisory id linked to its OSV page, with its CVE and
// GHSA aliases.
func mdAdvisory(f vuln.Finding) string {
	s := fmt.Sprintf("[%s](https://osv.dev/vulnerability/%s)", mdCell(f.ID), url.PathEscape(f.ID))
	var as []string
	for _, a := range f.Aliases {
		if a != f.ID && (strings.HasPrefix(a, "CVE-") || strings.HasPrefix(a, "GHSA-")) {
			as = append(as, mdCell(a))
		}
	}
	if len(as) > 0 {
		s += " (" + strings.Join(as, ", ") + ")"
	}
	return s
}

func mdVuln(f vuln.Finding) string {
	fixed := "no fix"
	if f.Fixed != "" {
		fixed = "fixed in " + f.Fixed
	}
	return fmt.Sprintf("- **%s** %s: `%s` %s (%s)", f.Rating.Level, mdAdvisory(f), mdCell(f.Name), mdCell(f.Version), mdCell(fixed))
}

func mdSecret(f secrets.Finding) string {
	where := f.Path
	if f.Line > 0 {
		where += fmt.Sprintf(":%d", f.Line)
	}
	return fmt.Sprintf("- **secret** %s in `%s` (`%s`, %d chars)", mdCell(f.RuleID), mdCell(where), mdCell(f.Redacted), f.Length)
}

// encodeMarkdown writes a short summary: the verdict, a table of counts per
// deployment, then what fails the gate (at most 20 lines each); for a diff,
// the changes.
func encodeMarkdown(w io.Writer, r *Report, _ Options) error {
	bw := bufio.NewWriter(w)
	switch r.Kind {
	case KindDiff:
		diffMarkdown(bw, r)
		return bw.Flush()
	case KindRescan:
		rescanMarkdown(bw, r)
		return bw.Flush()
	}
	switch {
	case r.Failing > 0:
		fmt.Fprintf(bw, "## shipcheck: :x: %d finding(s) fail the gate\n\n", r.Failing)
	case r.Partial():
		fmt.Fprintf(bw, "## shipcheck: :warning: read only in part\n\n")
	default:
		fmt.Fprintf(bw, "## shipcheck: :white_check_mark: passed\n\n")
	}
	if r.Kind == KindPermissions {
		permissionsMarkdown(bw, r)
		failingMarkdown(bw, r)
		fmt.Fprintf(bw, "\n<sub>%s</sub>\n", mdCell(permissionsSummary(r)))
		return bw.Flush()
	}
	fmt.Fprintf(bw, "| Deployment | Packages | Critical | High | Medium | Low | Unknown | Secrets (first-party) | Secrets (third-party) | Failing |\n")
	fmt.Fprintf(bw, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range r.Deployments {
		lv := map[vuln.Level]int{}
		if d.Vulns != nil {
			for _, f := range d.Vulns.Findings {
				if f.Suppressed == nil {
					lv[f.Rating.Level]++
				}
			}
		}
		first, third := "n/a", "n/a"
		if d.Secrets != nil {
			f, t := Parties(d.Secrets.Findings)
			first, third = fmt.Sprint(f), fmt.Sprint(t)
		}
		name := mdCell(d.Name)
		if d.Partial {
			name += " (partial read)"
		}
		fmt.Fprintf(bw, "| %s | %d | %d | %d | %d | %d | %d | %s | %s | %d |\n", name, len(d.Packages),
			lv[vuln.Critical], lv[vuln.High], lv[vuln.Medium], lv[vuln.Low]+lv[vuln.None], lv[vuln.Unknown], first, third, d.Failing.Total())
	}
	if hasPermissions(r) {
		fmt.Fprintln(bw)
		permissionsMarkdown(bw, r)
	}
	failingMarkdown(bw, r)
	fmt.Fprintf(bw, "\n<sub>%s; advisories: %s</sub>\n", mdCell(SummaryLine(r)), mdCell(DescribeSource(r.Advisories, r.Created)))
	return bw.Flush()
}

// failingMarkdown lists, per deployment, what fails the gate (at most 20
// lines each).
func failingMarkdown(bw *bufio.Writer, r *Report) {
	const most = 20
	for _, d := range r.Deployments {
		var lines []string
		if d.Vulns != nil {
			for _, f := range d.Vulns.Findings {
				if r.Gate.VulnFails(f) {
					lines = append(lines, mdVuln(f))
				}
			}
		}
		if d.Secrets != nil {
			for _, f := range d.Secrets.Findings {
				if r.Gate.SecretFails(f) {
					lines = append(lines, mdSecret(f))
				}
			}
		}
		if d.Permissions != nil {
			for _, f := range d.Permissions.Findings {
				if r.Gate.PermissionFails(f) {
					lines = append(lines, mdPermission(f))
				}
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n### %s\n\n", mdCell(d.Name))
		for i, l := range lines {
			if i == most {
				fmt.Fprintf(bw, "- and %d more\n", len(lines)-most)
				break
			}
			fmt.Fprintln(bw, l)
		}
	}
}

func diffMarkdown(bw *bufio.Writer, r *Report) {
	d := r.Diff
	verdict := ":white_check_mark: nothing new fails the gate"
	if d.Failing > 0 {
		verdict = fmt.Sprintf(":x: %d new finding(s) fail the gate", d.Failing)
	}
	fmt.Fprintf(bw, "## shipcheck diff: %s\n\n`%s` → `%s`\n\n", verdict, mdCell(d.Old), mdCell(d.New))
	fmt.Fprintf(bw, "| Packages added | removed | changed | New advisories | Fixed advisories | New secrets |\n|---:|---:|---:|---:|---:|---:|\n")
	ns := "n/a"
	if d.SecretsCompared {
		ns = fmt.Sprint(len(d.NewSecrets))
	}
	fmt.Fprintf(bw, "| %d | %d | %d | %d | %d | %s |\n", len(d.Packages.Added), len(d.Packages.Removed), len(d.Packages.Changed), len(d.NewVulns), len(d.FixedVulns), ns)
	if len(d.Packages.Changed)+len(d.Packages.Added)+len(d.Packages.Removed) > 0 {
		// A blank line after </details>: without it, what follows renders
		// as raw text.
		fmt.Fprintf(bw, "\n<details><summary>Package changes</summary>\n\n| | Package | Old | New |\n|---|---|---|---|\n")
		for _, g := range []struct {
			what string
			cs   []sbom.Change
		}{{"added", d.Packages.Added}, {"removed", d.Packages.Removed}, {"changed", d.Packages.Changed}} {
			for _, c := range g.cs {
				fmt.Fprintf(bw, "| %s | %s (%s) | %s | %s |\n", g.what, mdCell(c.Name), mdCell(c.Ecosystem), mdCell(versionsText(c.Old)), mdCell(versionsText(c.New)))
			}
		}
		fmt.Fprintf(bw, "\n</details>\n")
	}
	if len(d.NewVulns)+len(d.NewSecrets) > 0 {
		fmt.Fprintln(bw)
		for _, f := range d.NewVulns {
			fmt.Fprintln(bw, mdVuln(f))
		}
		for _, f := range d.NewSecrets {
			fmt.Fprintln(bw, mdSecret(f))
		}
	}
	if len(d.FixedVulns) > 0 {
		fmt.Fprintf(bw, "\nFixed by `%s`:\n\n", mdCell(d.New))
		for _, f := range d.FixedVulns {
			fmt.Fprintf(bw, "- %s: `%s` %s\n", mdAdvisory(f), mdCell(f.Name), mdCell(f.Version))
		}
	}
	fmt.Fprintf(bw, "\n<sub>advisories: %s</sub>\n", mdCell(DescribeSource(r.Advisories, r.Created)))
}
