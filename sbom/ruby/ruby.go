// Package ruby reads what osv-scalibr's gemspec extractor leaves out of an
// installed gem's specification: its licenses.
package ruby

import (
	"regexp"

	"github.com/shipcheck/shipcheck/sbom"
)

var (
	licenseField = regexp.MustCompile(`\.licenses?\s*=\s*(\[[^\]]*\]|"[^"]*"|'[^']*')`)
	quoted       = regexp.MustCompile(`"([^"]*)"|'([^']*)'`)
)

// Licenses sets p's licenses from a gemspec's `s.licenses = [...]` or
// `s.license = "..."`.
func Licenses(p *sbom.Package, content []byte) {
	m := licenseField.FindSubmatch(content)
	if m == nil {
		return
	}
	for _, q := range quoted.FindAllSubmatch(m[1], -1) {
		l := string(q[1]) + string(q[2])
		if l = sbom.NormalizeLicense(l); l != "" {
			p.Licenses = append(p.Licenses, l)
		}
	}
}
