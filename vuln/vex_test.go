package vuln

import (
	"strings"
	"testing"
	"time"
)

// TestReadVEX: CycloneDX VEX in JSON and XML (read with cyclonedx-go,
// nested components' purls included) and OpenVEX give the same statement;
// a status neither format knows is an error naming it, never a statement
// silently dropped.
func TestReadVEX(t *testing.T) {
	docs := map[string]string{
		"cdx.json": `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
			"components": [{"type": "application", "name": "app", "bom-ref": "app", "components": [
				{"type": "library", "name": "lodash", "version": "4.17.15", "bom-ref": "lodash-ref", "purl": "pkg:npm/lodash@4.17.15"}]}],
			"vulnerabilities": [{"id": "GHSA-p6mc-m468-83gw", "analysis": {"state": "not_affected", "justification": "code_not_reachable", "detail": "templates are ours"},
				"affects": [{"ref": "lodash-ref"}]}]}`,
		"cdx.xml": `<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <components>
    <component type="library" bom-ref="lodash-ref"><name>lodash</name><version>4.17.15</version><purl>pkg:npm/lodash@4.17.15</purl></component>
  </components>
  <vulnerabilities>
    <vulnerability>
      <id>GHSA-p6mc-m468-83gw</id>
      <analysis><state>not_affected</state><justification>code_not_reachable</justification><detail>templates are ours</detail></analysis>
      <affects><target><ref>lodash-ref</ref></target></affects>
    </vulnerability>
  </vulnerabilities>
</bom>`,
		"openvex.json": `{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "GHSA-p6mc-m468-83gw"},
			"products": [{"@id": "lodash-ref", "identifiers": {"purl": "pkg:npm/lodash@4.17.15"}}], "status": "not_affected",
			"justification": "code_not_reachable", "impact_statement": "templates are ours"}]}`,
	}
	for name, doc := range docs {
		st, err := ReadVEX(strings.NewReader(doc), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(st) != 1 || st[0].Vulnerability != "GHSA-p6mc-m468-83gw" || st[0].Status != "not_affected" || st[0].Justification != "code_not_reachable" ||
			st[0].Detail != "templates are ours" || strings.Join(st[0].Products, " ") != "lodash-ref pkg:npm/lodash@4.17.15" {
			t.Errorf("%s: %+v", name, st)
		}
		fs := []Finding{{ID: "GHSA-p6mc-m468-83gw", Name: "lodash", Version: "4.17.15", Ecosystem: "npm", PURL: "pkg:npm/lodash@4.17.15"}}
		Suppress(fs, nil, st, time.Now())
		if fs[0].Suppressed == nil || fs[0].Suppressed.By != "vex" {
			t.Errorf("%s: the finding is not suppressed: %+v", name, fs[0].Suppressed)
		}
	}
	for name, doc := range map[string]string{
		"cdx.json":     strings.Replace(docs["cdx.json"], `"state": "not_affected"`, `"state": "not_affectd"`, 1),
		"openvex.json": strings.Replace(docs["openvex.json"], `"status": "not_affected"`, `"status": "not_affectd"`, 1),
	} {
		if _, err := ReadVEX(strings.NewReader(doc), name); err == nil || !strings.Contains(err.Error(), "not_affectd") {
			t.Errorf("%s with a misspelled status: %v", name, err)
		}
	}
}
