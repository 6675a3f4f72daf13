package envconfig

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/joho/godotenv"
)

// FuzzParse parses arbitrary bytes as every format: no panic (parse is
// called without Parse's recover), no variables with an error, lines within
// the file. Seeded with testdata, each file under the format it is.
//
//	go test ./secrets/envconfig -run '^$' -fuzz FuzzParse -fuzztime 20s
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil || len(b) > 1<<16 {
			continue
		}
		format := Detect(p, b)
		for i, x := range Formats() {
			if x == format {
				f.Add(uint8(i), b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		formats := Formats()
		format := formats[int(which)%len(formats)]
		vars, err := parse(format, b)
		if err != nil && vars != nil {
			t.Fatalf("%s: %d variables with error %v", format, len(vars), err)
		}
		lines := strings.Count(string(b), "\n") + 1
		for _, x := range vars {
			if x.Line < 1 || x.Line > lines {
				t.Fatalf("%s: %s at line %d of %d", format, x.Name, x.Line, lines)
			}
		}
		// Detect must not panic on any name or head either.
		Detect(string(b[:min(len(b), 40)]), b)
	})
}

// FuzzDotenv compares the dotenv scanner with godotenv, whose syntax it
// follows, where they are meant to agree: files without '$' (godotenv
// expands variables, this package does not) and without backslashes
// (godotenv ends a double-quoted value at \" even after \\), in ASCII
// (godotenv reads each byte of a key as a Latin-1 letter), that godotenv
// reads. The scanner may accept more (keys with '-').
//
//	go test ./secrets/envconfig -run '^$' -fuzz FuzzDotenv -fuzztime 20s
func FuzzDotenv(f *testing.F) {
	if b, err := os.ReadFile("testdata/production.env"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("A=1\nexport B='2'\nC=\"3 # x\" # y\nD: 4 #z\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if bytes.ContainsAny(b, `$\`) || !isASCII(b) {
			return
		}
		want, err := godotenv.UnmarshalBytes(b)
		if err != nil {
			return
		}
		delete(want, "") // a value without a name sets no variable here
		vars, err := parse(Dotenv, b)
		if err != nil {
			t.Fatalf("godotenv reads %q, we fail: %v", b, err)
		}
		got := map[string]string{}
		for _, x := range vars {
			got[x.Name] = x.Value
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%q (-godotenv +ours):\n%s", b, diff)
		}
	})
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
