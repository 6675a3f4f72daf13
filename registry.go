package shipcheck

import (
	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/depsjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagelockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/pnpmlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/yarnlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/php/composerlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/pipfilelock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/poetrylock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/uvlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/wheelegg"
	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemfilelock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemspec"
	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargoauditable"
	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargolock"
	"github.com/google/osv-scalibr/extractor/filesystem/os/apk"
	"github.com/google/osv-scalibr/extractor/filesystem/os/dpkg"
	"github.com/google/osv-scalibr/extractor/filesystem/os/rpm"

	"github.com/shipcheck/shipcheck/sbom"
	sbomdpkg "github.com/shipcheck/shipcheck/sbom/dpkg"
	"github.com/shipcheck/shipcheck/sbom/golang"
	"github.com/shipcheck/shipcheck/sbom/java"
	"github.com/shipcheck/shipcheck/sbom/npm"
	"github.com/shipcheck/shipcheck/sbom/php"
	"github.com/shipcheck/shipcheck/sbom/python"
	"github.com/shipcheck/shipcheck/sbom/ruby"
	"github.com/shipcheck/shipcheck/sbom/scalibr"
)

// pinned keeps the requirements.txt lines that pin one version (== or
// ===): for "requests>=2.0" osv-scalibr reports the lower bound as if it
// were the version, which is not what will be installed.
func pinned(p *extractor.Package) bool {
	m, ok := p.Metadata.(*requirements.Metadata)
	return !ok || m.VersionComparator == "==" || m.VersionComparator == "==="
}

// Extractors returns the inventory's extractors, one line each: ours where
// osv-scalibr has none or reads a file wrongly for us (each package says
// why), osv-scalibr's through the adapter everywhere else.
func Extractors() []sbom.Extractor {
	cfg := &cpb.PluginConfig{}
	return []sbom.Extractor{
		// npm
		npm.Extractor{},
		scalibr.Declared(packagelockjson.New(cfg)).Enrich(npm.Lockfile),
		scalibr.Declared(yarnlock.New(cfg)),
		scalibr.Declared(pnpmlock.New(cfg)),
		// Python
		scalibr.Installed(wheelegg.New(cfg)).Enrich(python.Metadata),
		python.Project{},
		scalibr.Declared(requirements.New(cfg)).Keep(pinned),
		scalibr.Declared(pipfilelock.New(cfg)),
		scalibr.Declared(poetrylock.New(cfg)),
		scalibr.Declared(uvlock.New(cfg)),
		// Java, Go
		java.New(),
		java.Project{},
		golang.Extractor{},
		// .NET, Ruby, PHP, Rust
		scalibr.Installed(depsjson.New(cfg)),
		scalibr.Installed(gemspec.New(cfg)).Enrich(ruby.Gemspec),
		scalibr.Declared(gemfilelock.New(cfg)).Enrich(ruby.GemfileLock),
		php.Extractor{},
		scalibr.Declared(composerlock.New(cfg)),
		scalibr.Declared(cargolock.New(cfg)),
		scalibr.Installed(cargoauditable.New(cfg)).MatchExecutables(),
		// OS packages
		scalibr.Installed(dpkg.New(cfg)).Enrich(sbomdpkg.Status),
		scalibr.Installed(apk.New(cfg)),
		scalibr.Installed(rpm.New(cfg)).NeedsRealPath(),
	}
}
