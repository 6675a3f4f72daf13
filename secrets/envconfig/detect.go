package envconfig

import (
	"bytes"
	"strings"
)

// Detect says which format a file is, from its name (a base name or a path
// with / or \ separators) and, where the name is ambiguous (template.yaml,
// any .yaml, .yml, .json or .template file), from head, the first bytes of
// the content. It returns "" for files no parser handles. It only compares
// names and looks for a few markers in head, so it may be called for every
// file of an artifact; head may be nil when the name decides.
//
// By name alone: .env, .env.<anything> (not .envrc, not .env.js and other
// code or data extensions), <name>.env; .env.yaml, .env.<stage>.yaml and
// <name>.env.yaml (and .yml) as env-yaml; serverless.yml, .yaml and .json;
// local.settings.json; *.tf and *.tf.json.
//
// By content: a YAML or JSON file with AWSTemplateFormatVersion, or with
// Resources and an AWS:: type, is CloudFormation; a YAML file with top-level
// service: and provider: keys is Serverless; a JSON file with Environment
// and Variables and FunctionName or FunctionArn is Lambda configuration.
func Detect(name string, head []byte) Format {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	base := strings.ToLower(name)
	ext := ""
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		ext = base[i+1:]
	}

	switch {
	case base == "local.settings.json":
		return AzureSettings
	case strings.HasSuffix(base, ".tf") || strings.HasSuffix(base, ".tf.json"):
		return Terraform
	case base == "serverless.yml" || base == "serverless.yaml" || base == "serverless.json":
		return Serverless
	}

	// .env.yaml, .env.prod.yaml, prod.env.yaml; env.yaml when flat.
	if ext == "yaml" || ext == "yml" {
		stem := strings.TrimSuffix(base, "."+ext)
		if stem == ".env" || strings.HasPrefix(stem, ".env.") || strings.HasSuffix(stem, ".env") {
			return EnvYAML
		}
	}
	if isDotenvName(base, ext) {
		return Dotenv
	}

	switch ext {
	case "yaml", "yml", "template":
		if bytes.Contains(head, []byte("AWSTemplateFormatVersion")) {
			return CloudFormation
		}
		if hasTopKey(head, "service") && hasTopKey(head, "provider") {
			return Serverless
		}
		if hasTopKey(head, "Resources") && bytes.Contains(head, []byte("AWS::")) {
			return CloudFormation
		}
		if jsonObject(head) {
			return detectJSON(head)
		}
		if base == "env.yaml" || base == "env.yml" {
			if flatYAML(head) {
				return EnvYAML
			}
		}
	case "json":
		return detectJSON(head)
	}
	return ""
}

// codeExts are extensions that make a .env.<ext> name a program or another
// format rather than a dotenv file.
var codeExts = map[string]bool{
	"js": true, "cjs": true, "mjs": true, "ts": true, "cts": true, "mts": true, "jsx": true, "tsx": true,
	"py": true, "pyc": true, "rb": true, "go": true, "java": true, "class": true, "php": true, "cs": true,
	"sh": true, "bash": true, "zsh": true, "fish": true, "ps1": true, "bat": true, "cmd": true,
	"json": true, "toml": true, "xml": true, "ini": true, "md": true, "html": true, "tpl": true,
	"swp": true, "swo": true, "gpg": true, "asc": true, "age": true, "enc": true, "d": true,
	"map": true, "lock": true,
}

func isDotenvName(base, ext string) bool {
	switch {
	case base == ".env":
		return true
	case strings.HasPrefix(base, ".env."):
		return !codeExts[ext]
	case strings.HasSuffix(base, ".env"):
		return len(base) > len(".env")
	}
	return false
}

// detectJSON tells CloudFormation from Lambda configuration JSON.
func detectJSON(head []byte) Format {
	if !jsonObject(head) {
		return ""
	}
	switch {
	case bytes.Contains(head, []byte(`"AWSTemplateFormatVersion"`)),
		bytes.Contains(head, []byte(`"Resources"`)) && bytes.Contains(head, []byte(`"AWS::`)):
		return CloudFormation
	case bytes.Contains(head, []byte(`"Environment"`)) && bytes.Contains(head, []byte(`"Variables"`)) &&
		(bytes.Contains(head, []byte(`"FunctionName"`)) || bytes.Contains(head, []byte(`"FunctionArn"`))):
		return LambdaConfig
	}
	return ""
}

// jsonObject reports whether head starts (after a byte order mark and
// space) with '{'.
func jsonObject(head []byte) bool {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(head) > 0 && head[0] == '{'
}

// hasTopKey reports whether a line of head starts with key followed by ':'
// (a top-level YAML key).
func hasTopKey(head []byte, key string) bool {
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		if rest, ok := bytes.CutPrefix(line, []byte(key)); ok {
			rest = bytes.TrimLeft(rest, " \t")
			if len(rest) > 0 && rest[0] == ':' {
				return true
			}
		}
	}
	return false
}

// flatYAML reports whether every line of head that is not blank or a comment
// is a top-level "key: value" with a value on the same line.
func flatYAML(head []byte) bool {
	seen := false
	for _, line := range bytes.Split(head, []byte("\n")) {
		t := bytes.TrimRight(line, " \t\r")
		if len(t) == 0 || t[0] == '#' || bytes.Equal(t, []byte("---")) {
			continue
		}
		if t[0] == ' ' || t[0] == '\t' || t[0] == '-' {
			return false
		}
		i := bytes.Index(t, []byte(": "))
		if i <= 0 {
			return false
		}
		seen = true
	}
	return seen
}
