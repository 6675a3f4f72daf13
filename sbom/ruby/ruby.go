// Package ruby reads what osv-scalibr's Ruby extractors leave out: an
// installed gem's licenses and runtime dependencies from its gemspec, and
// the dependency graph of Gemfile.lock.
package ruby

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

	"github.com/shipcheck/shipcheck/sbom"
)

var (
	licenseField = regexp.MustCompile(`\.licenses?\s*=\s*(\[[^\]]*\]|"[^"]*"|'[^']*')`)
	quoted       = regexp.MustCompile(`"([^"]*)"|'([^']*)'`)
	// s.add_runtime_dependency(%q<rack>.freeze, [...]), s.add_dependency "rack"
	runtimeDep = regexp.MustCompile(`\.add_(?:runtime_)?dependency\s*\(?\s*(?:%q<([^>]+)>|"([^"]+)"|'([^']+)')`)
)

// Gemspec sets the licenses and runtime dependencies of the gem a
// specification describes.
func Gemspec(pkgs []*sbom.Package, content []byte) {
	if len(pkgs) != 1 {
		return
	}
	p := pkgs[0]
	if m := licenseField.FindSubmatch(content); m != nil {
		for _, q := range quoted.FindAllSubmatch(m[1], -1) {
			if l := sbom.NormalizeLicense(string(q[1]) + string(q[2])); l != "" {
				p.Licenses = append(p.Licenses, l)
			}
		}
	}
	for _, m := range runtimeDep.FindAllSubmatch(content, -1) {
		p.WithDeps(string(m[1]) + string(m[2]) + string(m[3]))
	}
}

// GemfileLock sets the dependencies each gem of a Gemfile.lock's specs
// lists: "    rack-protection (3.0.5)" then "      rack" below it.
func GemfileLock(pkgs []*sbom.Package, content []byte) {
	deps := map[string][]string{} // "name version" -> dependency names
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		indent := len(line) - len(strings.TrimLeft(line, " "))
		name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch indent {
		case 4:
			cur = name + " " + strings.Trim(rest, "()")
		case 6:
			if cur != "" {
				deps[cur] = append(deps[cur], name)
			}
		default:
			cur = ""
		}
	}
	for _, p := range pkgs {
		p.WithDeps(deps[p.Name+" "+p.Version]...)
	}
}
