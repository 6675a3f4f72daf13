package vuln

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// goDBPrefix names the Go vulnerability database folders written beside
// the advisory database, in the layout govulncheck reads
// (https://go.dev/security/vuln/database#api): index/db.json,
// index/modules.json, ID/<id>.json. One is written per database build, so
// a scan never writes one.
const goDBPrefix = "govulndb-"

// writeGoDB writes the Go records in the layout govulncheck reads, into a
// new folder of dir, and returns its name.
func writeGoDB(dir string, records map[string][]byte, newest time.Time) (string, error) {
	name := fmt.Sprintf("%s%d", goDBPrefix, time.Now().UnixNano())
	root := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Join(root, "index"), 0o755); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(root, "ID"), 0o755); err != nil {
		return "", err
	}
	type modVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		// Fixed is left empty: govulncheck then reads every entry of the
		// module and evaluates its ranges itself, which is never wrong.
	}
	type module struct {
		Path  string    `json:"path"`
		Vulns []modVuln `json:"vulns"`
	}
	mods := map[string]*module{}
	ids := make([]string, 0, len(records))
	for id := range records {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		b := records[id]
		if strings.ContainsAny(id, `/\`) || id == "" || id[0] == '.' {
			continue
		}
		var r struct {
			Modified time.Time `json:"modified"`
			Affected []struct {
				Package Package `json:"package"`
			} `json:"affected"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(root, "ID", id+".json"), b, 0o644); err != nil {
			return "", err
		}
		seen := map[string]bool{}
		for _, a := range r.Affected {
			if BaseEcosystem(a.Package.Ecosystem) != "Go" || seen[a.Package.Name] {
				continue
			}
			seen[a.Package.Name] = true
			m := mods[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name}
				mods[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, modVuln{ID: id, Modified: r.Modified})
		}
	}
	list := make([]*module, 0, len(mods))
	for _, m := range mods {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	mb, err := json.Marshal(list)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(root, "index", "modules.json"), mb, 0o644); err != nil {
		return "", err
	}
	db, _ := json.Marshal(map[string]time.Time{"modified": newest.UTC()})
	if err := os.WriteFile(filepath.Join(root, "index", "db.json"), db, 0o644); err != nil {
		return "", err
	}
	return name, nil
}

// removeOldGoDBs removes the Go databases of earlier builds.
func removeOldGoDBs(dir, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, goDBPrefix+"*"))
	for _, o := range old {
		if filepath.Base(o) != keep {
			os.RemoveAll(o)
		}
	}
}

// GoDB returns the folder of the Go vulnerability database written with
// the database, "" if it has none.
func (d *DB) GoDB() string {
	if d.info.GoDB == "" {
		return ""
	}
	p := filepath.Join(filepath.Dir(d.info.Path), d.info.GoDB)
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		return ""
	}
	return p
}
