package report

import (
	"bufio"
	"fmt"
	"time"

	"github.com/shipcheck/shipcheck/vuln"
)

// Rescan says what a rescan of an archive of SBOMs looked at.
type Rescan struct {
	// Archive is where the SBOMs are kept (a file, or a PostgreSQL URL
	// without its password).
	Archive string `json:"archive"`
	// Shard is "I/N" when the run rechecked one shard of the deployments.
	Shard string `json:"shard,omitempty"`
	// Deployments counts the deployments rechecked; Packages the distinct
	// packages (ecosystem, name, version) matched for them.
	Deployments int `json:"deployments"`
	Packages    int `json:"packages"`
	// Changed counts the deployments with advisories new or no longer
	// present; the report lists only those unless All.
	Changed int  `json:"changed"`
	All     bool `json:"all,omitempty"`
	// DryRun: the findings are not recorded as the deployments' state;
	// the next rescan compares with the same previous state.
	DryRun bool `json:"dry_run,omitempty"`
}

// Changes are what a rescan found for a deployment against the previous
// one.
type Changes struct {
	// Archived is the time of the SBOM rechecked (the deployment's latest).
	Archived time.Time `json:"archived"`
	// Previous is when the deployment was last rescanned; zero for the
	// first rescan, where every finding is new.
	Previous time.Time `json:"previous,omitzero"`
	// New are findings the previous rescan did not have; Gone, findings
	// it had that no longer match (the advisory withdrawn or changed, or
	// the package gone from a newer SBOM).
	New  []vuln.Finding `json:"new"`
	Gone []vuln.Finding `json:"gone"`
}

// countNew counts, in a rescan, the new findings of a deployment that
// fail the gate: what was already reported does not fail again.
func (g Gate) countNew(d *Deployment) Failing {
	var n Failing
	if d.Changes != nil {
		for _, f := range d.Changes.New {
			if g.VulnFails(f) {
				n.Vulnerabilities++
			}
		}
	}
	return n
}

// rescanCounts are the totals of a rescan's changes.
func rescanCounts(r *Report) (changed, added, gone int) {
	for _, d := range r.Deployments {
		if c := d.Changes; c != nil {
			if len(c.New)+len(c.Gone) > 0 {
				changed++
			}
			added += len(c.New)
			gone += len(c.Gone)
		}
	}
	return changed, added, gone
}

// rescanHeading names a deployment with its SBOM's time and the previous
// rescan.
func rescanHeading(d *Deployment) string {
	s := d.Name
	if c := d.Changes; c != nil {
		s += " (archived " + c.Archived.UTC().Format("2006-01-02 15:04 MST")
		if c.Previous.IsZero() {
			s += "; first rescan"
		} else {
			s += "; previous rescan " + c.Previous.UTC().Format("2006-01-02 15:04 MST")
		}
		s += ")"
	}
	return s
}

func rescanTable(t *text, r *Report, o Options) {
	t.line("%s", DescribeSource(r.Advisories, r.Created))
	if rs := r.Rescan; rs != nil {
		shard := ""
		if rs.Shard != "" {
			shard = " (shard " + rs.Shard + ")"
		}
		t.line("archive %s: %d deployment(s) rechecked%s, %d distinct package(s) matched", pr(rs.Archive), rs.Deployments, shard, rs.Packages)
	}
	for _, d := range r.Deployments {
		c := d.Changes
		if c == nil {
			continue
		}
		t.blank()
		t.line("%s", paint(o.Color, ansiBold, "== "+pr(rescanHeading(d))))
		if len(c.New) > 0 {
			t.line("new advisories (%d):", len(c.New))
			var rows [][]string
			for _, f := range c.New {
				row := vulnRow(f)
				row[0] = mark(r.Gate.VulnFails(f))
				if f.Suppressed != nil {
					row[8] = pr("suppressed (" + f.Suppressed.By + "): " + f.Suppressed.Reason)
				}
				rows = append(rows, row)
			}
			t.table(vulnColumns, rows)
		}
		if len(c.Gone) > 0 {
			t.line("no longer present (%d):", len(c.Gone))
			for _, f := range c.Gone {
				t.line("  %s %s %s", IDWithAliases(f), pr(f.Name), pr(f.Version))
			}
		}
		if len(c.New)+len(c.Gone) == 0 {
			n := 0
			if d.Vulns != nil {
				n = len(d.Vulns.Findings)
			}
			t.line("no change (%d finding(s))", n)
		}
	}
	changed, added, gone := rescanCounts(r)
	verdict := paint(o.Color, ansiGreen, "PASS")
	if r.Failing > 0 {
		verdict = paint(o.Color, ansiRed, "FAIL")
	}
	t.blank()
	t.line("%s: %s", verdict, fmt.Sprintf("%d deployment(s) changed, %d new finding(s), %d no longer present; %d new finding(s) fail the gate", changed, added, gone, r.Failing))
	if r.Failing > 0 {
		t.line("! fails the gate (%s)", r.Gate.Describe(KindVuln))
	}
	if rs := r.Rescan; rs != nil && rs.DryRun {
		t.line("not recorded (dry run): the next rescan compares with the previous state")
	}
}

func rescanMarkdown(bw *bufio.Writer, r *Report) {
	changed, added, gone := rescanCounts(r)
	verdict := ":white_check_mark: nothing new fails the gate"
	if r.Failing > 0 {
		verdict = fmt.Sprintf(":x: %d new finding(s) fail the gate", r.Failing)
	}
	fmt.Fprintf(bw, "## shipcheck rescan: %s\n\n", verdict)
	checked := 0
	if r.Rescan != nil {
		checked = r.Rescan.Deployments
	}
	fmt.Fprintf(bw, "| Deployments rechecked | changed | New findings | No longer present |\n|---:|---:|---:|---:|\n| %d | %d | %d | %d |\n", checked, changed, added, gone)
	const most = 20
	for _, d := range r.Deployments {
		c := d.Changes
		if c == nil || len(c.New)+len(c.Gone) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n### %s\n\n", mdCell(rescanHeading(d)))
		for i, f := range c.New {
			if i == most {
				fmt.Fprintf(bw, "- and %d more new\n", len(c.New)-most)
				break
			}
			fmt.Fprintln(bw, mdVuln(f))
		}
		for i, f := range c.Gone {
			if i == most {
				fmt.Fprintf(bw, "- and %d more no longer present\n", len(c.Gone)-most)
				break
			}
			fmt.Fprintf(bw, "- no longer present: %s `%s` %s\n", mdAdvisory(f), mdCell(f.Name), mdCell(f.Version))
		}
	}
	fmt.Fprintf(bw, "\n<sub>advisories: %s</sub>\n", mdCell(DescribeSource(r.Advisories, r.Created)))
}
