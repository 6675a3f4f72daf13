package shipcheck

import (
	"runtime/debug"
	"strings"
)

// modulePath is shipcheck's module.
const modulePath = "github.com/shipcheck/shipcheck"

// version is set by release builds (-X, see .goreleaser.yaml), for the
// builds that do not stamp the module's version themselves.
var version string

// Version is shipcheck's module version, as reports record it: the main
// module's when shipcheck is the program (go install ...@v1.2.0 gives
// v1.2.0), the version of this module a program embedding the library was
// built with, "(devel)" from a checkout.
func Version() string {
	if version != "" {
		return "v" + strings.TrimPrefix(version, "v") // as the module's own
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	m := &bi.Main
	for _, d := range bi.Deps {
		if d.Path == modulePath && m.Path != modulePath {
			m = d
		}
	}
	if m.Replace != nil {
		m = m.Replace
	}
	if m.Version == "" {
		return "(devel)"
	}
	return m.Version
}

// VersionLine says which shipcheck this is: its version, the commit it was
// built from when known, and the Go it was built with.
func VersionLine() string {
	parts := []string{"shipcheck " + Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && bi.Main.Path == modulePath {
				parts = append(parts, "commit "+s.Value[:min(len(s.Value), 12)])
			}
		}
		parts = append(parts, bi.GoVersion)
	}
	return strings.Join(parts, ", ")
}
