package shipcheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipcheck/shipcheck/permissions"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/secrets/envconfig"
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
	reads := permissions.Reads(envconfig.CloudFormation)
	opt := ScanOptions{Kind: report.KindScan, NoSecrets: true, Source: vuln.SourceOptions{Advisories: filepath.Join("testdata", "osv"), Offline: true, TempDir: t.TempDir()}, Gate: report.DefaultGate}
	r, err := Run(context.Background(), []Target{{Artifact: fn}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	d := r.Deployments[0]
	switch {
	case !reads && (d.Permissions != nil || len(d.Problems) > 0):
		t.Errorf("CloudFormation is not read yet: scan gave permissions %+v, problems %v", d.Permissions, d.Problems)
	case reads && (d.Permissions == nil || len(d.Permissions.Findings) != 1 || d.Permissions.Findings[0].Rule != "SC-IAM-002"):
		t.Errorf("CloudFormation is read: scan gave permissions %+v, problems %v; want the s3:* statement", d.Permissions, d.Problems)
	}
	opt.Kind = report.KindPermissions
	r, err = Run(context.Background(), []Target{{Artifact: fn}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	d = r.Deployments[0]
	if d.Permissions == nil {
		t.Fatal("the permissions view has no permissions section")
	}
	if got := d.Partial && len(d.Problems) == 1 && strings.Contains(d.Problems[0].Note, "permissions"); got == reads {
		t.Errorf("CloudFormation read %v: partial %v, problems %v", reads, d.Partial, d.Problems)
	}
	if len(d.Packages) != 0 || d.Vulns != nil || d.Secrets != nil {
		t.Errorf("the permissions view took an inventory, advisories or secrets: %d packages", len(d.Packages))
	}
}
