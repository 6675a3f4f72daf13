package shipcheck

import (
	"context"
	"errors"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/secrets"
	"github.com/shipcheck/shipcheck/vuln"
)

// The tests of the pipeline read one deployment at a time; these adapt Run
// to the shapes they check.

// SBOM takes the inventory of one artifact (its problems with their
// errors, for errors.Is).
func SBOM(ctx context.Context, path string, opt Options) (*sbom.Inventory, error) {
	c, err := collect(ctx, path, opt, collectOptions{})
	if err != nil {
		return nil, err
	}
	return c.inv, nil
}

type VulnOptions struct {
	Options
	Source           vuln.SourceOptions
	NoGoReachability bool
}

type vulnResult struct {
	Inventory *sbom.Inventory
	Result    *vuln.Result
}

func Vulns(ctx context.Context, path string, opt VulnOptions) (*vulnResult, error) {
	d, err := one(ctx, path, ScanOptions{Options: opt.Options, Kind: report.KindVuln, Source: opt.Source, NoGoReachability: opt.NoGoReachability})
	if err != nil {
		return nil, err
	}
	return &vulnResult{Inventory: deploymentInventory(d), Result: &vuln.Result{Findings: d.Vulns.Findings, Queried: d.Vulns.Checked}}, nil
}

type SecretsOptions struct {
	Options
	ThirdParty secrets.Policy
	Internal   []string
}

type secretsResult struct {
	Inventory *sbom.Inventory
	Findings  []secrets.Finding
}

func Secrets(ctx context.Context, path string, opt SecretsOptions) (*secretsResult, error) {
	d, err := one(ctx, path, ScanOptions{Options: opt.Options, Kind: report.KindSecrets, ThirdParty: opt.ThirdParty, Internal: opt.Internal})
	if err != nil {
		return nil, err
	}
	return &secretsResult{Inventory: deploymentInventory(d), Findings: d.Secrets.Findings}, nil
}

type scanResult struct {
	Inventory *sbom.Inventory
	Reads     packaging.ReadStats
}

func Scan(ctx context.Context, path string, opt ScanOptions) (*scanResult, error) {
	d, err := one(ctx, path, opt)
	if err != nil {
		return nil, err
	}
	return &scanResult{Inventory: deploymentInventory(d), Reads: d.Reads}, nil
}

func one(ctx context.Context, path string, opt ScanOptions) (*report.Deployment, error) {
	r, err := Run(ctx, []Target{{Artifact: path}}, opt)
	if err != nil {
		return nil, err
	}
	return r.Deployments[0], nil
}

func deploymentInventory(d *report.Deployment) *sbom.Inventory {
	inv := d.Inventory()
	for _, p := range d.Problems {
		inv.Problems = append(inv.Problems, packaging.Problem{Path: p.Path, Origin: p.Origin, Err: errors.New(p.Note)})
	}
	return inv
}
