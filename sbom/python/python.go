// Package python reads what osv-scalibr's Python extractors leave out of an
// installed package's METADATA or PKG-INFO: its license and its
// dependencies (Requires-Dist).
package python

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/shipcheck/shipcheck/sbom"
)

// classifiers maps the Trove license classifiers to SPDX identifiers.
var classifiers = map[string]string{
	"MIT License":                                             "MIT",
	"Apache Software License":                                 "Apache-2.0",
	"BSD License":                                             "BSD-3-Clause",
	"ISC License (ISCL)":                                      "ISC",
	"Mozilla Public License 2.0 (MPL 2.0)":                    "MPL-2.0",
	"Python Software Foundation License":                      "PSF-2.0",
	"The Unlicense (Unlicense)":                               "Unlicense",
	"zlib/libpng License":                                     "Zlib",
	"GNU General Public License v2 (GPLv2)":                   "GPL-2.0-only",
	"GNU General Public License v2 or later (GPLv2+)":         "GPL-2.0-or-later",
	"GNU General Public License v3 (GPLv3)":                   "GPL-3.0-only",
	"GNU General Public License v3 or later (GPLv3+)":         "GPL-3.0-or-later",
	"GNU Lesser General Public License v2 (LGPLv2)":           "LGPL-2.0-only",
	"GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
	"GNU Lesser General Public License v3 (LGPLv3)":           "LGPL-3.0-only",
	"GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
	"GNU Affero General Public License v3":                    "AGPL-3.0-only",
	"GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
	"Eclipse Public License 2.0 (EPL-2.0)":                    "EPL-2.0",
	"European Union Public Licence 1.2 (EUPL 1.2)":            "EUPL-1.2",
	"Universal Permissive License (UPL)":                      "UPL-1.0",
	"Boost Software License 1.0 (BSL-1.0)":                    "BSL-1.0",
	"CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":    "CC0-1.0",
}

// Metadata sets the licenses and dependencies of the package found in a
// METADATA or PKG-INFO file. Licenses: License-Expression (PEP 639), else a
// one-line License field, else the license classifiers. Dependencies: the
// Requires-Dist entries that no extra asks for.
func Metadata(pkgs []*sbom.Package, content []byte) {
	if len(pkgs) != 1 {
		return
	}
	p := pkgs[0]
	var expr, license string
	var fromClassifiers, deps []string
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break // the body starts: the headers are over
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "license-expression":
			expr = v
		case "license":
			license = v
		case "requires-dist":
			if !strings.Contains(v, "extra ==") && !strings.Contains(v, "extra==") {
				if n := requirementName(v); n != "" {
					deps = append(deps, n)
				}
			}
		case "classifier":
			if rest, ok := strings.CutPrefix(v, "License :: OSI Approved :: "); ok {
				if id, ok := classifiers[rest]; ok {
					fromClassifiers = append(fromClassifiers, id)
				}
			} else if rest, ok := strings.CutPrefix(v, "License :: "); ok {
				if id, ok := classifiers[rest]; ok {
					fromClassifiers = append(fromClassifiers, id)
				}
			}
		}
	}
	switch {
	case expr != "":
		p.Licenses = []string{sbom.NormalizeLicense(expr)}
	case license != "" && !strings.EqualFold(license, "UNKNOWN") && len(license) < 100:
		p.Licenses = []string{sbom.NormalizeLicense(license)}
	case len(fromClassifiers) > 0:
		p.Licenses = fromClassifiers
	}
	p.WithDeps(deps...)
}

// requirementName is the distribution name a requirement starts with:
// "idna (<4,>=2.5)", "urllib3<1.27,>=1.21.1; python_version >= '3'".
func requirementName(req string) string {
	end := strings.IndexAny(req, " ;(<>=!~[")
	if end < 0 {
		end = len(req)
	}
	return strings.TrimSpace(req[:end])
}
