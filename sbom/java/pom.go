package java

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"path"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/packaging/archive"
	"github.com/shipcheck/shipcheck/sbom"
)

// Project finds the function's own Maven project: a pom.xml of the
// deployment itself (a source zip), not one inside a jar, is an
// application component.
type Project struct{}

func (Project) Name() string { return "java/pom.xml" }

func (Project) Match(f *packaging.File) bool {
	return f.Readable() && f.Size < 4<<20 && path.Base(f.Path) == "pom.xml" && sbom.AtTop(f)
}

func (p Project) Extract(_ context.Context, f *packaging.File) ([]*sbom.Package, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var pom struct {
		GroupID    string `xml:"groupId"`
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
		Parent     struct {
			GroupID string `xml:"groupId"`
			Version string `xml:"version"`
		} `xml:"parent"`
		Licenses []struct {
			Name string `xml:"name"`
		} `xml:"licenses>license"`
	}
	if err := xml.NewDecoder(io.LimitReader(rc, 4<<20)).Decode(&pom); err != nil {
		return nil, fmt.Errorf("%w: pom.xml: %v", archive.ErrUnparsable, err)
	}
	g, v := pom.GroupID, pom.Version
	if g == "" {
		g = pom.Parent.GroupID
	}
	if v == "" {
		v = pom.Parent.Version
	}
	if g == "" || pom.ArtifactID == "" {
		return nil, nil
	}
	pkg := &sbom.Package{
		Ecosystem: "Maven", Name: g + ":" + pom.ArtifactID, Version: v, PURL: PURL(g, pom.ArtifactID, v),
		Type: sbom.Application, FoundBy: []string{p.Name()},
	}
	for _, l := range pom.Licenses {
		if s := sbom.NormalizeLicense(l.Name); s != "" {
			pkg.Licenses = append(pkg.Licenses, s)
		}
	}
	return []*sbom.Package{pkg}, nil
}
