// Package spdx writes an inventory as an SPDX 2.3 JSON document with the
// SPDX project's own library (github.com/spdx/tools-golang): the artifact as
// the described package, every package it holds with its purl, license,
// checksums and where it was found, and CONTAINS / DEPENDS_ON relationships.
package spdx

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	v23 "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/shipcheck/shipcheck/sbom"
)

// Options tune the encoding.
type Options struct {
	// Time is the creation time written; zero means now.
	Time time.Time
	// Deterministic derives the document namespace from the content.
	Deterministic bool
	// Namespace, when set, is the UUID of the document namespace; it takes
	// precedence over Deterministic.
	Namespace   string
	ToolVersion string
}

const noAssertion = "NOASSERTION"

// The comment of a declared-only package, and of one that does not ship
// (Decode reads them back: SPDX 2.3 has no scope).
const (
	declaredComment = "declared only: no installed copy in the artifact"
	excludedComment = "; does not ship"
)

// Encode writes inv as SPDX 2.3 JSON.
func Encode(w io.Writer, inv *sbom.Inventory, opt Options) error {
	return spdxjson.Write(Document(inv, opt), w, spdxjson.Indent("  "))
}

// Document builds the SPDX document.
func Document(inv *sbom.Inventory, opt Options) *v23.Document {
	ts := opt.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	name := "artifact"
	if len(inv.Sources) > 0 {
		name = inv.Sources[0].Name
	}
	ns := uuid.New().String()
	if opt.Namespace != "" {
		ns = opt.Namespace
	} else if opt.Deterministic {
		h := sha256.New()
		for _, f := range inv.Files {
			fmt.Fprintf(h, "%s %s\n", f.Name, f.SHA256)
		}
		for _, p := range inv.Packages {
			fmt.Fprintf(h, "%s\n", p.ID)
		}
		ns = uuid.NewSHA1(uuid.NameSpaceURL, h.Sum(nil)).String()
	}
	doc := &v23.Document{
		SPDXVersion:       v23.Version,
		DataLicense:       v23.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: "https://github.com/shipcheck/shipcheck/spdx/" + url(name) + "-" + ns,
		CreationInfo: &v23.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "shipcheck-" + opt.ToolVersion}},
			Created:  ts.UTC().Format(time.RFC3339),
		},
	}
	root := &v23.Package{
		PackageName:             name,
		PackageSPDXIdentifier:   "Artifact",
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   "APPLICATION",
	}
	if len(inv.Files) > 0 && inv.Files[0].SHA256 != "" {
		root.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: inv.Files[0].SHA256}}
	}
	if len(inv.Sources) > 0 && inv.Sources[0].Image != nil {
		root.PrimaryPackagePurpose = "CONTAINER"
	}
	doc.Packages = append(doc.Packages, root)
	doc.Relationships = append(doc.Relationships, &v23.Relationship{
		RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", "Artifact"), Relationship: "DESCRIBES",
	})
	ids := map[string]common.ElementID{}
	for _, p := range inv.Packages {
		ids[p.ID] = elementID(p.ID)
	}
	for _, p := range inv.Packages {
		sp := &v23.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   ids[p.ID],
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  license(p.Licenses),
			PackageCopyrightText:    noAssertion,
			PrimaryPackagePurpose:   "LIBRARY",
		}
		if sp.PackageLicenseDeclared == noAssertion && len(p.Licenses) > 0 {
			sp.PackageLicenseComments = "as the package's metadata says: " + strings.Join(p.Licenses, "; ")
		}
		if p.Type == sbom.Application {
			sp.PrimaryPackagePurpose = "APPLICATION"
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*v23.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: p.PURL}}
		}
		for _, h := range p.Hashes {
			alg := common.SHA256
			if h.Alg == "SHA-1" {
				alg = common.SHA1
			}
			sp.PackageChecksums = append(sp.PackageChecksums, common.Checksum{Algorithm: alg, Value: h.Value})
		}
		var where []string
		for _, l := range p.Locations {
			kind := "installed at "
			if l.Declared {
				kind = "declared in "
			}
			where = append(where, kind+l.Path+" ("+l.Origin.String()+")")
		}
		sp.PackageSourceInfo = strings.Join(where, "; ")
		if p.DeclaredOnly {
			sp.PackageComment = declaredComment
			if p.Excluded {
				sp.PackageComment += excludedComment
			}
		}
		doc.Packages = append(doc.Packages, sp)
		if !p.Excluded {
			doc.Relationships = append(doc.Relationships, &v23.Relationship{
				RefA: common.MakeDocElementID("", "Artifact"), RefB: common.MakeDocElementID("", string(ids[p.ID])), Relationship: "CONTAINS",
			})
		}
		for _, d := range p.DependsOn {
			doc.Relationships = append(doc.Relationships, &v23.Relationship{
				RefA: common.MakeDocElementID("", string(ids[p.ID])), RefB: common.MakeDocElementID("", string(ids[d])), Relationship: "DEPENDS_ON",
			})
		}
	}
	return doc
}

var idChars = regexp.MustCompile(`[^a-zA-Z0-9.-]+`)

// elementID makes an SPDX identifier (letters, digits, '.', '-') from a
// package ID, with a short digest so that distinct IDs stay distinct.
func elementID(id string) common.ElementID {
	sum := sha256.Sum256([]byte(id))
	s := idChars.ReplaceAllString(strings.TrimPrefix(id, "pkg:"), "-")
	if len(s) > 60 {
		s = s[:60]
	}
	return common.ElementID("Package-" + strings.Trim(s, "-") + "-" + hex.EncodeToString(sum[:4]))
}

func url(s string) string { return idChars.ReplaceAllString(s, "-") }

// license returns an SPDX expression for the licenses, NOASSERTION when
// they are not all SPDX.
func license(ls []string) string {
	if len(ls) == 1 && (sbom.IsLicenseID(ls[0]) || sbom.IsLicenseExpression(ls[0])) {
		return ls[0]
	}
	var parts []string
	for _, l := range ls {
		switch {
		case sbom.IsLicenseID(l):
			parts = append(parts, l)
		case sbom.IsLicenseExpression(l):
			parts = append(parts, "("+l+")")
		default:
			return noAssertion
		}
	}
	if len(parts) == 0 {
		return noAssertion
	}
	return strings.Join(parts, " AND ")
}
