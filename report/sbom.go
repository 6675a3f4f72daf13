package report

import (
	"errors"
	"io"

	"github.com/google/uuid"

	"github.com/shipcheck/shipcheck/sbom/cyclonedx"
	"github.com/shipcheck/shipcheck/sbom/spdx"
	"github.com/shipcheck/shipcheck/vuln"
)

// NewSerial returns a random serial, or with deterministic set one derived
// from seed (the artifacts' digests), so that the same artifact gives the
// same documents.
func NewSerial(deterministic bool, seed string) string {
	if deterministic {
		return uuid.NewSHA1(uuid.NameSpaceURL, []byte("shipcheck:"+seed)).String()
	}
	return uuid.New().String()
}

func deriveSerial(serial, name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte(serial+"\x00"+name)).String()
}

// errSeveral is returned by a per-deployment format given a report of
// several deployments: the caller writes one document each (Report.One).
var errSeveral = errors.New("one SBOM document per deployment: write each with Report.One")

func (r *Report) single() (*Deployment, error) {
	if len(r.Deployments) != 1 {
		return nil, errSeveral
	}
	return r.Deployments[0], nil
}

func (r *Report) cdxOptions(o Options, xml bool) (cyclonedx.Options, *Deployment, error) {
	d, err := r.single()
	if err != nil {
		return cyclonedx.Options{}, nil, err
	}
	opt := cyclonedx.Options{SpecVersion: o.SpecVersion, XML: xml, Time: r.Created, Serial: r.Serial, ToolVersion: r.Tool.Version}
	if d.Vulns != nil {
		opt.Findings = d.Vulns.Findings
		opt.Advisories = r.Advisories
		if opt.Advisories == nil {
			opt.Advisories = &vuln.SourceInfo{}
		}
	}
	return opt, d, nil
}

func encodeCycloneDXJSON(w io.Writer, r *Report, o Options) error {
	opt, d, err := r.cdxOptions(o, false)
	if err != nil {
		return err
	}
	return cyclonedx.Encode(w, d.Inventory(), opt)
}

func encodeCycloneDXXML(w io.Writer, r *Report, o Options) error {
	opt, d, err := r.cdxOptions(o, true)
	if err != nil {
		return err
	}
	return cyclonedx.Encode(w, d.Inventory(), opt)
}

func encodeSPDX(w io.Writer, r *Report, _ Options) error {
	d, err := r.single()
	if err != nil {
		return err
	}
	return spdx.Encode(w, d.Inventory(), spdx.Options{Time: r.Created, Namespace: r.Serial, ToolVersion: r.Tool.Version})
}
