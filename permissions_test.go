package shipcheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/vuln"
)

// TestTemplatesInTheArtifact: with the format readers of this build, scan
// reads the templates of a format that is read and leaves the others out
// without a problem (no artifact that ships a template fails while its
// reader is being written), and the permissions view, asked for them,
// reports one it cannot read as a problem that makes the read partial.
func TestTemplatesInTheArtifact(t *testing.T) {
	fn := t.TempDir()
	os.WriteFile(filepath.Join(fn, "index.js"), []byte("exports.handler = async () => 'ok'\n"), 0o644)
	os.WriteFile(filepath.Join(fn, "template.yaml"), []byte(`AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Policies:
        - Statement:
            - Effect: Allow
              Action: "s3:*"
              Resource: "*"
`), 0o644)
	opt := ScanOptions{Kind: report.KindScan, NoSecrets: true, Source: vuln.SourceOptions{Advisories: filepath.Join("testdata", "osv"), Offline: true, TempDir: t.TempDir()}, Gate: report.DefaultGate}
	r, err := Run(context.Background(), []Target{{Artifact: fn}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	d := r.Deployments[0]
	if d.Permissions == nil || len(d.Permissions.Findings) != 1 || len(d.Problems) > 0 {
		t.Fatalf("scan: permissions %+v, problems %v; want the s3:* statement", d.Permissions, d.Problems)
	}
	if f := d.Permissions.Findings[0]; f.Rule != "SC-IAM-002" || f.Function != "Orders" || f.Line != 11 || f.File != "/var/task/template.yaml" {
		t.Errorf("the s3:* statement: %+v", f)
	}
	opt.Kind = report.KindPermissions
	r, err = Run(context.Background(), []Target{{Artifact: fn}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	d = r.Deployments[0]
	if d.Permissions == nil || len(d.Permissions.Findings) != 1 {
		t.Fatalf("the permissions view: %+v", d.Permissions)
	}
	if len(d.Packages) != 0 || d.Vulns != nil || d.Secrets != nil {
		t.Errorf("the permissions view took an inventory, advisories or secrets: %d packages", len(d.Packages))
	}

	// A template that does not parse: its grants are unknown, the read is
	// partial (exit 2 unless --allow-partial).
	os.WriteFile(filepath.Join(fn, "template.yaml"), []byte("AWSTemplateFormatVersion: \"2010-09-09\"\nResources: [\n"), 0o644)
	opt.Kind = report.KindScan
	r, err = Run(context.Background(), []Target{{Artifact: fn}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	d = r.Deployments[0]
	if !d.Partial || len(d.Problems) != 1 || !strings.Contains(d.Problems[0].Note, "permissions") {
		t.Errorf("a broken template: partial %v, problems %v", d.Partial, d.Problems)
	}
}
