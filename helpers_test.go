package shipcheck

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/sbom"
)

var update = flag.Bool("update", false, "rewrite the generated files in testdata")

func packagingOptions(layers []string) packaging.Options { return packaging.Options{Layers: layers} }

// files is a small artifact's content: name -> bytes.
type files map[string]string

// zipOf writes the files as a zip, in name order.
func zipOf(t testing.TB, fs files) []byte {
	t.Helper()
	var names []string
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		fw, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(fs[n]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func write(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// inventoryOf takes the inventory of a zip made of fs (and of layers).
func inventoryOf(t testing.TB, fs files, layers ...files) *sbom.Inventory {
	t.Helper()
	var lp []string
	for i, l := range layers {
		lp = append(lp, write(t, "layer"+string(rune('1'+i))+".zip", zipOf(t, l)))
	}
	inv, err := SBOM(context.Background(), write(t, "fn.zip", zipOf(t, fs)), Options{Options: packaging.Options{Layers: lp}})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func byPURL(inv *sbom.Inventory) map[string]*sbom.Package {
	m := map[string]*sbom.Package{}
	for _, p := range inv.Packages {
		m[p.PURL] = p
	}
	return m
}

func purls(inv *sbom.Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		out = append(out, p.PURL)
	}
	return out
}
