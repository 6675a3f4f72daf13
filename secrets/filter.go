package secrets

import (
	"regexp"
	"strings"
	"unicode"
)

// Decoys are values that look like secrets and are not: placeholders,
// documentation examples, references to where a secret is kept, checksums,
// identifiers, images. None is ever reported.

var (
	// placeholder matches a whole value that stands for a secret to fill
	// in.
	placeholder = regexp.MustCompile(`(?i)^(?:` +
		`change[_-]?me|change[_-]?it|replace[_-]?me|fill[_-]?me|set[_-]?me|` +
		`password\d*|passwd|secret|token|api[_-]?key|key|pass|pwd|` +
		`example|sample|dummy|test|testing|todo|tbd|fixme|none|null|nil|undefined|empty|default|` +
		`redacted|hidden|masked|placeholder|insert[_-]?\w*|enter[_-]?\w*|` +
		`your[_-].*|my[_-]?(?:secret|password|token|key).*|(?:some|foo|bar|baz)[_-]?\w*|` +
		`x{3,}|\*{3,}|\.{3,}|-{3,}|_{3,}|#{3,}|0{4,}|1234\d*|abc\d*|` +
		`<[^>]*>|\[[^\]]*\]|\{[^}]*\}` +
		`)$`)
	// reference matches a value that names where the secret is, or reads
	// it at run time.
	reference = regexp.MustCompile(`(?i)(?:` +
		`^\$\{[^}]*\}$|^\$\([^)]*\)$|^\$[A-Za-z_][A-Za-z0-9_]*$|^\{\{.*\}\}$|^%[A-Za-z_][\w]*%$|` +
		`\{\{\s*resolve:|^@Microsoft\.KeyVault\(|^arn:aws[\w-]*:(?:secretsmanager|ssm|kms):|` +
		`^projects/[^/]+/secrets/[^/]+(?:/versions/[^/]+)?$|^vault:|^ssm:|^secretsmanager:|^sm://|^gcpsm://|^akv://|` +
		`process\.env\b|os\.environ|os\.getenv|getenv\(|System\.getenv|ENV\[|ENV\.fetch|Environment\.GetEnvironmentVariable` +
		`)`)
	uuid      = regexp.MustCompile(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	integrity = regexp.MustCompile(`^sha(?:1|256|384|512)-[A-Za-z0-9+/=]{20,}$`)
	// imageBase64 is the start of a base64-encoded PNG, JPEG, GIF, WebP or
	// a data: URL.
	imageBase64 = regexp.MustCompile(`^(?:iVBORw0KGgo|/9j/|R0lGOD|UklGR|data:image/)`)
	hexDigest   = regexp.MustCompile(`(?i)^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$|^[0-9a-f]{128}$`)
)

// isDecoy reports whether a value found by a rule is not a secret.
// Provider-prefixed tokens (high-confidence rules) are judged only on
// placeholders and documentation examples; generic matches also on their
// shape.
func isDecoy(value string, conf Confidence) bool {
	v := strings.TrimSpace(value)
	if v == "" {
		return true
	}
	if strings.Contains(v, "EXAMPLE") || placeholder.MatchString(v) || reference.MatchString(v) || oneChar(v) {
		return true
	}
	if conf == High {
		return false
	}
	return uuid.MatchString(v) || integrity.MatchString(v) || imageBase64.MatchString(v)
}

// oneChar: "aaaaaaaa", "00000000".
func oneChar(v string) bool {
	for _, r := range v[1:] {
		if r != rune(v[0]) {
			return false
		}
	}
	return true
}

var (
	// secretName matches a variable name that says it holds a secret.
	secretName = regexp.MustCompile(`(?i)(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|` +
		`priv[_-]?key|credential|creds|auth[_-]?key|access[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|` +
		`client[_-]?secret|conn(?:ection)?[_-]?str(?:ing)?|database[_-]?url|db[_-]?url|dsn|webhook|` +
		`account[_-]?key|sas[_-]?key|shared[_-]?access|cookie[_-]?secret|session[_-]?secret|salt)`)
	// notSecretName matches names that mention a secret but hold something
	// else: where it is, how it is used, its identifier.
	notSecretName = regexp.MustCompile(`(?i)(?:_|-|^)(?:arn|name|id|path|file|dir|url|uri|endpoint|region|ttl|expiry|expires|` +
		`length|len|size|enabled|enable|disabled|type|version|algorithm|alg|issuer|audience|header|param|parameter|` +
		`ref|reference|location|mode|format|rotation|hint|policy|provider|store|count|max|min|timeout|prefix)$`)
)

// secretLiteral reports whether a variable's literal value is a secret by
// its name: the name says so, and the value looks like one (not a number,
// a boolean, a placeholder, a reference, an identifier or a URL without
// credentials).
func secretLiteral(name, value string) bool {
	if !secretName.MatchString(name) || notSecretName.MatchString(name) {
		return false
	}
	v := strings.TrimSpace(value)
	if len(v) < 6 || isDecoy(v, Medium) || hexDigest.MatchString(v) && strings.Contains(strings.ToLower(name), "hash") {
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "enabled", "disabled":
		return false
	}
	if isNumber(v) || strings.Contains(v, "://") && !strings.Contains(v, "@") {
		return false
	}
	return classes(v) >= 2
}

func isNumber(v string) bool {
	for _, r := range v {
		if !unicode.IsDigit(r) && r != '.' && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// classes counts the kinds of characters in v: lower, upper, digit, other.
func classes(v string) int {
	var lo, up, di, ot int
	for _, r := range v {
		switch {
		case unicode.IsLower(r):
			lo = 1
		case unicode.IsUpper(r):
			up = 1
		case unicode.IsDigit(r):
			di = 1
		default:
			ot = 1
		}
	}
	return lo + up + di + ot
}
