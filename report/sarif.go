package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// encodeSARIF writes a SARIF 2.1.0 log: a rule per advisory, per secret
// rule and per permissions rule, a result per finding (a diff: per new finding), the run's
// invocation saying whether it read everything, and its problems as
// notifications.
func encodeSARIF(w io.Writer, r *Report, _ Options) error {
	run := newSARIFRun(r.Tool.Version)
	if r.Advisories != nil {
		run.Properties = sarif.Properties{"advisories": DescribeSource(r.Advisories, r.Created)}
	}
	if r.Diff != nil {
		addVulnResults(run, r.Diff.NewVulns, r.Gate, "")
		addSecretResults(run, r.Diff.NewSecrets, r.Gate, "")
	}
	for _, d := range r.Deployments {
		name := ""
		if len(r.Deployments) > 1 {
			name = d.Name
		}
		if d.Vulns != nil {
			addVulnResults(run, d.Vulns.Findings, r.Gate, name)
		}
		if d.Secrets != nil {
			addSecretResults(run, d.Secrets.Findings, r.Gate, name)
		}
		if d.Permissions != nil {
			addPermissionResults(run, d.Permissions, r.Gate, name)
		}
	}
	inv := sarif.NewInvocation().WithExecutionSuccess(!r.Partial())
	for _, p := range r.Problems() {
		n := sarif.NewNotification().WithMessage(sarif.NewTextMessage(pr(p.String()))).WithLevel("warning")
		if p.Partial {
			n.WithLevel("error")
		}
		if p.Path != "" {
			n.WithLocations([]*sarif.Location{sarif.NewLocationWithPhysicalLocation(
				sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(sarifURI(p.Path))))})
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	run.AddInvocations(inv)
	return writeSARIF(w, run)
}

const infoURI = "https://github.com/shipcheck/shipcheck"

// newSARIFRun starts a SARIF 2.1.0 run for shipcheck.
func newSARIFRun(version string) *sarif.Run {
	run := sarif.NewRunWithInformationURI("shipcheck", infoURI)
	run.Tool.Driver.WithVersion(version)
	return run
}

// writeSARIF writes the run as a SARIF log.
func writeSARIF(w io.Writer, run *sarif.Run) error {
	rep, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	rep.AddRun(run)
	return rep.PrettyWrite(w)
}

// sarifURI is a runtime path as a SARIF artifact URI: a relative reference
// ("var/task/index.js", "var/task/app.jar!lib/x.jar!META-INF/..."), each
// segment escaped, the "!" of archive chains kept.
func sarifURI(p string) string {
	p = strings.TrimPrefix(p, "/")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(url.PathEscape(s), "%21", "!")
	}
	return strings.Join(parts, "/")
}

// artifactLocation names, as a logical location, the artifact a finding is
// in and the path inside it (the origin: "fn.zip!lib/a.jar!config.properties").
func artifactLocation(o packaging.Origin) []*sarif.LogicalLocation {
	return []*sarif.LogicalLocation{sarif.NewLogicalLocation().WithName(o.Artifact).
		WithFullyQualifiedName(o.String()).WithKind("module")}
}

// securitySeverity is GitHub code scanning's "security-severity": the CVSS
// score, or the middle of the rating's band.
func securitySeverity(r vuln.Rating, unknownAs vuln.Level) string {
	if r.Score >= 0 {
		return fmt.Sprintf("%.1f", r.Score)
	}
	l := r.Level
	if l == vuln.Unknown {
		l = unknownAs
	}
	switch l {
	case vuln.Critical:
		return "9.5"
	case vuln.High:
		return "8.0"
	case vuln.Medium:
		return "5.5"
	case vuln.Low:
		return "2.0"
	}
	return "0.0"
}

// sarifLevel: error for what fails the gate's default, warning and note
// below; Go findings whose vulnerable code is not in the binary are notes.
func sarifLevel(f vuln.Finding, unknownAs vuln.Level) string {
	if f.NotInBinary() {
		return "note"
	}
	switch l := f.Rating.Level; {
	case l.Rank(unknownAs) >= vuln.High.Rank(unknownAs):
		return "error"
	case l.Rank(unknownAs) >= vuln.Medium.Rank(unknownAs):
		return "warning"
	}
	return "note"
}

// reachText says, for a Go finding, how far the vulnerable code reached the
// binary.
func reachText(r *vuln.Reachability) string {
	switch {
	case r == nil:
		return ""
	case r.Level == vuln.LevelSymbol:
		return "The vulnerable code is in the binary " + r.Binary + ": " + strings.Join(r.Symbols, ", ") + "."
	case r.Level == vuln.LevelUnknown:
		return "The binary " + r.Binary + " could not be analysed: " + r.Note + "."
	case r.Level == vuln.LevelPackage:
		return "Not in the binary " + r.Binary + ": its package is linked, but not the vulnerable " + strings.Join(r.Symbols, ", ") + "."
	}
	return "Not in the binary " + r.Binary + ": the module is required, but the vulnerable package is not linked."
}

// addVulnResults adds a rule per advisory (once per run) and a result per
// finding. deployment, when set, names the deployment the findings are of
// (scan with several): it goes in the properties and the fingerprint.
func addVulnResults(run *sarif.Run, fs []vuln.Finding, g Gate, deployment string) {
	unkAs := g.UnknownAs
	for _, f := range fs {
		if _, err := run.GetRuleById(f.ID); err != nil {
			addVulnRule(run, f, unkAs)
		}
		msg := fmt.Sprintf("%s %s is affected by %s", f.Name, f.Version, f.ID)
		if len(f.Aliases) > 0 {
			msg += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
		if f.Summary != "" {
			msg += ": " + f.Summary
		}
		msg += "."
		if f.Fixed != "" {
			msg += " Fixed in " + f.Fixed + "."
		} else {
			msg += " No fix is known."
		}
		if t := reachText(f.Reachability); t != "" {
			msg += " " + t
		}
		props := sarif.Properties{"package": f.Name, "installed": f.Version, "ecosystem": f.Ecosystem, "severity": string(f.Rating.Level)}
		if f.PURL != "" {
			props["purl"] = f.PURL
		}
		if f.Fixed != "" {
			props["fixed"] = f.Fixed
		}
		if f.Reachability != nil {
			props["reachability"] = f.Reachability
		}
		r := run.CreateResultForRule(f.ID).
			WithLevel(sarifLevel(f, unkAs)).
			WithMessage(sarif.NewTextMessage(msg))
		where := ""
		for i, l := range f.Locations {
			pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(sarifURI(l.Path)))
			if l.Line > 0 {
				pl.WithRegion(sarif.NewRegion().WithStartLine(l.Line))
			}
			r.AddLocation(sarif.NewLocationWithPhysicalLocation(pl).WithLogicalLocations(artifactLocation(l.Origin)))
			if i == 0 {
				where = l.Path
				props["origin"] = l.Origin.String()
				if l.Origin.Layer != "" {
					props["layer"] = l.Origin.Layer
				}
			}
		}
		key := f.ID + "\x00" + f.Name + "\x00" + f.Version + "\x00" + where
		if deployment != "" {
			props["deployment"] = deployment
			key += "\x00" + deployment
		}
		r.Properties = props
		sum := sha256.Sum256([]byte(key))
		fp := hex.EncodeToString(sum[:16])
		r.WithPartialFingerPrints(map[string]any{"shipcheck/v1": fp}) // SetPartialFingerPrint writes to a nil map
		if s := f.Suppressed; s != nil {
			just := s.Reason
			if s.Justification != "" {
				just = s.Justification + ": " + s.Reason
			}
			// go-sarif writes a suppression's location and guid even when
			// unset (as null, which the schema refuses): give both.
			where := "an ignore rule of shipcheck's configuration"
			if s.By == "vex" {
				where = "a VEX statement"
			}
			guid := uuidFor(fp + "\x00" + s.By + "\x00" + just)
			r.AddSuppression(sarif.NewSuppression("external").WithStatus("accepted").WithJustifcation(just).
				WithGuid(guid).WithLocation(sarif.NewLocation().WithDescriptionText(where)))
		}
	}
}

func addVulnRule(run *sarif.Run, f vuln.Finding, unknownAs vuln.Level) {
	short := f.Summary
	if short == "" {
		short = f.ID
	}
	rule := run.AddRule(f.ID).WithName(f.ID).
		WithShortDescription(sarif.NewMultiformatMessageString(short))
	details := f.Details
	if details == "" {
		details = short
	}
	rule.WithFullDescription(sarif.NewMultiformatMessageString(details))
	var md strings.Builder
	fmt.Fprintf(&md, "**%s**", f.ID)
	if len(f.Aliases) > 0 {
		fmt.Fprintf(&md, " (%s)", strings.Join(f.Aliases, ", "))
	}
	fmt.Fprintf(&md, ": %s\n\n", short)
	fmt.Fprintf(&md, "| Package | Fixed version |\n|---|---|\n| %s | %s |\n", f.Name, orNone(f.Fixed))
	if len(f.References) > 0 {
		md.WriteString("\nReferences:\n")
		for _, r := range f.References {
			fmt.Fprintf(&md, "- %s\n", r)
		}
	}
	text := fmt.Sprintf("%s: %s. Package %s, fixed in %s.", f.ID, short, f.Name, orNone(f.Fixed))
	rule.WithHelp(sarif.NewMultiformatMessageString(text).WithMarkdown(md.String()))
	rule.WithHelpURI("https://osv.dev/vulnerability/" + url.PathEscape(f.ID))
	rule.WithProperties(sarif.Properties{
		"security-severity": securitySeverity(f.Rating, unknownAs),
		"precision":         "very-high",
		"tags":              []string{"security", "vulnerability", string(f.Rating.Level)},
	})
}

func orNone(s string) string {
	if s == "" {
		return "no fix"
	}
	return s
}

// uuidFor is a name-based UUID, stable across runs, for SARIF's guid fields.
func uuidFor(name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(name)).String()
}

// addSecretResults adds one rule per secret rule and one result per
// finding: the first location is the finding's runtime path and line, the
// origin (artifact, layer, chain) in the result's properties.
func addSecretResults(run *sarif.Run, fs []secrets.Finding, g Gate, deployment string) {
	thirdParty := g.ThirdPartySecrets
	for _, f := range fs {
		if _, err := run.GetRuleById(f.RuleID); err != nil {
			run.AddRule(f.RuleID).WithName(f.RuleID).
				WithShortDescription(sarif.NewMultiformatMessageString(f.Description)).
				WithHelp(sarif.NewMultiformatMessageString("A credential baked into the artifact: revoke it, then load it at run time from a secret store (AWS Secrets Manager or SSM Parameter Store, Azure Key Vault, Google Secret Manager) instead of shipping it.")).
				WithProperties(sarif.Properties{"security-severity": "8.0", "precision": string(f.Confidence), "tags": []string{"security", "secret"}})
		}
		msg := fmt.Sprintf("%s: %s (%d chars)", f.Description, f.Redacted, f.Length)
		if f.Variable != "" {
			msg += " in variable " + f.Variable
		}
		level := "error"
		if f.ThirdParty != nil && f.ThirdParty.Internal {
			msg += fmt.Sprintf(", inside the internal package %s %s", f.ThirdParty.Name, f.ThirdParty.Version)
		} else if f.ThirdParty != nil {
			msg += fmt.Sprintf(", inside the third-party package %s %s", f.ThirdParty.Name, f.ThirdParty.Version)
			if !thirdParty {
				level = "warning"
			}
		}
		if f.Status != "" {
			msg += ", in a file " + f.Status + " by a later image layer (it still ships)"
		}
		r := run.CreateResultForRule(f.RuleID).WithLevel(level).WithMessage(sarif.NewTextMessage(msg + "."))
		pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(sarifURI(f.Path)))
		if f.Line > 0 {
			pl.WithRegion(sarif.NewRegion().WithStartLine(f.Line))
		}
		r.AddLocation(sarif.NewLocationWithPhysicalLocation(pl).WithLogicalLocations(artifactLocation(f.Origin)))
		props := sarif.Properties{"origin": f.Origin.String(), "artifact": f.Origin.Artifact, "confidence": string(f.Confidence),
			"fingerprint": f.Fingerprint, "redacted": f.Redacted, "length": f.Length}
		if len(f.Origin.Chain) > 1 {
			props["chain"] = f.Origin.Chain
		}
		if f.Origin.Layer != "" {
			props["layer"] = f.Origin.Layer
		}
		if f.Status != "" {
			props["status"] = f.Status
		}
		if f.ThirdParty != nil {
			props["third_party"] = f.ThirdParty
		}
		if f.Variable != "" {
			props["variable"], props["format"] = f.Variable, f.Config
		}
		if f.Encoding != "" {
			props["encoding"] = f.Encoding
		}
		if deployment != "" {
			props["deployment"] = deployment
		}
		r.Properties = props
		r.WithPartialFingerPrints(map[string]any{"shipcheck/v1": f.Fingerprint})
		if s := f.Suppressed; s != nil {
			r.AddSuppression(sarif.NewSuppression("external").WithStatus("accepted").WithJustifcation(s.Reason).
				WithGuid(uuidFor(f.Fingerprint + "\x00" + s.Reason)).WithLocation(sarif.NewLocation().WithDescriptionText("an ignore rule of shipcheck's configuration")))
		}
	}
}
