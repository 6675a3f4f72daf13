package packaging

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

const examplesDir = "../testdata/examples"

// examples are the artifacts shipped in testdata/examples for the README and
// the command-line tests; go test ./packaging -run Examples -update rewrites
// them.
var examples = map[string]func() []byte{
	"hello-function.zip": func() []byte {
		return buildZip(
			zf{name: "index.js", data: []byte("const leftPad = require('left-pad');\nexports.handler = async (event) => ({ statusCode: 200, body: leftPad(String(event.id || 1), 8, '0') });\n")},
			zf{name: "package.json", data: []byte(`{"name": "hello-fn", "version": "1.0.0", "main": "index.js", "dependencies": {"left-pad": "1.3.0"}}` + "\n")},
		)
	},
	"hello-layer.zip": func() []byte {
		return buildZip(
			zf{name: "nodejs/node_modules/left-pad/index.js", data: []byte("module.exports = (s, n, c) => String(s).padStart(n, c || ' ');\n")},
			zf{name: "nodejs/node_modules/left-pad/package.json", data: []byte(`{"name": "left-pad", "version": "1.3.0", "main": "index.js", "license": "WTFPL"}` + "\n")},
		)
	},
	// A Node.js function shipping a lodash that testdata/osv's NSWG-ECO-516
	// affects.
	"orders-api.zip": func() []byte {
		return buildZip(
			zf{name: "index.js", data: []byte("const _ = require('lodash');\nexports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(_.pick(event, ['id'])) });\n")},
			zf{name: "package.json", data: []byte(`{"name": "orders-api", "version": "1.0.0", "main": "index.js", "dependencies": {"lodash": "4.17.15"}}` + "\n")},
			zf{name: "node_modules/lodash/package.json", data: []byte(`{"name": "lodash", "version": "4.17.15", "license": "MIT", "main": "lodash.js"}` + "\n")},
			zf{name: "node_modules/lodash/lodash.js", data: []byte("module.exports = { pick: (o, ks) => Object.fromEntries(ks.map(k => [k, o[k]])) };\n")},
		)
	},
	// A container image function: a base layer, the app with a jar, and a
	// layer that deletes a file (.wh.) and empties a folder (opaque).
	"image.tar": func() []byte {
		base := buildTar(
			tf{name: "etc/", typ: '5'},
			tf{name: "etc/os-release", typ: '2', link: "../usr/lib/os-release"},
			tf{name: "usr/lib/os-release", data: []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")},
		)
		app := buildTar(
			tf{name: "var/task/app.py", data: []byte("def handler(event, context):\n    return {'ok': True}\n")},
			tf{name: "var/task/.env", data: []byte("DEBUG=1\n")},
			tf{name: "var/task/cache/warm.txt", data: []byte("warm\n")},
			tf{name: "var/task/lib/util.jar", data: buildZip(
				zf{name: "META-INF/MANIFEST.MF", data: []byte("Manifest-Version: 1.0\n")},
				zf{name: "META-INF/maven/com.example/util/pom.properties", data: []byte("groupId=com.example\nartifactId=util\nversion=1.2.0\n")},
			)},
		)
		cleanup := buildTar(tf{name: "var/task/.wh..env"}, tf{name: "var/task/cache/.wh..wh..opq"})
		return dockerSave([][]byte{base, app, cleanup}, nil)
	},
}

func TestExamples(t *testing.T) {
	for name, build := range examples {
		want := build()
		p := filepath.Join(examplesDir, name)
		if *update {
			must(os.WriteFile(p, want, 0o644))
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from what its builder makes (go test ./packaging -run Examples -update): %v", p, err)
		}
	}
}
