package sbom

import (
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
)

// licenseAliases maps license names that metadata commonly gives to their
// SPDX identifiers.
var licenseAliases = map[string]string{
	"apache 2.0":                  "Apache-2.0",
	"apache-2":                    "Apache-2.0",
	"apache 2":                    "Apache-2.0",
	"apache license 2.0":          "Apache-2.0",
	"apache license, version 2.0": "Apache-2.0",
	"apache software license":     "Apache-2.0",
	"the apache software license, version 2.0": "Apache-2.0",
	"mit license":                          "MIT",
	"the mit license":                      "MIT",
	"bsd license":                          "BSD-3-Clause",
	"new bsd license":                      "BSD-3-Clause",
	"bsd-3":                                "BSD-3-Clause",
	"isc license":                          "ISC",
	"mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
	"gpl":                                  "GPL-2.0-or-later",
	"lgpl":                                 "LGPL-2.1-or-later",
	"python software foundation license":   "PSF-2.0",
	"psf":                                  "PSF-2.0",
	"ruby":                                 "Ruby",
}

// NormalizeLicense returns an SPDX identifier or expression for what a
// package's metadata says of its license, or the text itself, trimmed, when
// it is neither.
func NormalizeLicense(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if ok, id := spdxexp.ActiveLicense(s); ok {
		return id
	}
	if id, ok := licenseAliases[strings.ToLower(s)]; ok {
		return id
	}
	if IsLicenseExpression(s) {
		return s
	}
	return s
}

// IsLicenseID reports whether s is an SPDX license identifier.
func IsLicenseID(s string) bool {
	ok, id := spdxexp.ActiveLicense(s)
	return ok && id == s
}

// IsLicenseExpression reports whether s is a valid SPDX expression of more
// than one identifier ("MIT OR Apache-2.0").
func IsLicenseExpression(s string) bool {
	if !strings.ContainsAny(s, " ()") {
		return false
	}
	ok, _ := spdxexp.ValidateLicenses([]string{s})
	return ok
}
