package npm

import (
	"encoding/json"
	"strings"

	"github.com/shipcheck/shipcheck/sbom"
)

// Lockfile sets the dependencies a package-lock.json (versions 1 to 3)
// records for each of its entries, for the graph of a function whose
// node_modules the platform installs at deploy time.
func Lockfile(pkgs []*sbom.Package, content []byte) {
	var lock struct {
		Packages map[string]struct {
			Version      string            `json:"version"`
			Dependencies map[string]string `json:"dependencies"`
			Optional     map[string]string `json:"optionalDependencies"`
		} `json:"packages"`
		Dependencies map[string]lockV1 `json:"dependencies"`
	}
	if json.Unmarshal(content, &lock) != nil {
		return
	}
	deps := map[string][]string{} // "name@version" -> names
	for path, e := range lock.Packages {
		i := strings.LastIndex(path, "node_modules/")
		if i < 0 || e.Version == "" {
			continue
		}
		key := path[i+len("node_modules/"):] + "@" + e.Version
		for d := range e.Dependencies {
			deps[key] = append(deps[key], d)
		}
		for d := range e.Optional {
			deps[key] = append(deps[key], d)
		}
	}
	var walk func(map[string]lockV1)
	walk = func(m map[string]lockV1) {
		for name, e := range m {
			for d := range e.Requires {
				deps[name+"@"+e.Version] = append(deps[name+"@"+e.Version], d)
			}
			walk(e.Dependencies)
		}
	}
	walk(lock.Dependencies)
	for _, p := range pkgs {
		p.WithDeps(deps[p.Name+"@"+p.Version]...)
	}
}

type lockV1 struct {
	Version      string            `json:"version"`
	Requires     map[string]string `json:"requires"`
	Dependencies map[string]lockV1 `json:"dependencies"`
}
