// Package dpkg reads what osv-scalibr's dpkg extractor leaves out of a
// status file: each package's dependencies (Depends, Pre-Depends).
package dpkg

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/shipcheck/shipcheck/sbom"
)

// Status sets the dependencies of the packages found in a dpkg status file
// (or a status.d file).
func Status(pkgs []*sbom.Package, content []byte) {
	deps := map[string][]string{}
	var name string
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			name = ""
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") {
			continue
		}
		switch k {
		case "Package":
			name = strings.TrimSpace(v)
		case "Depends", "Pre-Depends":
			for _, alt := range strings.Split(v, ",") {
				// "libc6 (>= 2.34) | libc6-udeb": the first alternative.
				first, _, _ := strings.Cut(alt, "|")
				first, _, _ = strings.Cut(strings.TrimSpace(first), " ")
				first, _, _ = strings.Cut(first, ":") // libfoo:any
				if first != "" && name != "" {
					deps[name] = append(deps[name], first)
				}
			}
		}
	}
	for _, p := range pkgs {
		p.WithDeps(deps[p.Name]...)
	}
}
