package shipcheck

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/secrets"
)

// Two secrets of each kind the third-party policy tells apart: a
// credential in a provider's own format, and a generic assignment.
var (
	providerToken = "ghp_" + strings.Repeat("Q7mZ2xK9pL", 3) + "aB4cD6"
	genericLine   = `api_key: "Hq7vR2pLm9xK4tW8zN3b"` + "\n"
	providerLine  = `const gh = "` + providerToken + `";` + "\n"
)

// partyFindings scans a function zip of fs with a policy and internal
// patterns, and returns each finding as "path:rule -> party", the party
// "first", "internal <name>" or "third <name>".
func partyFindings(t *testing.T, fs files, policy secrets.Policy, internal ...string) map[string]string {
	t.Helper()
	rep, err := Secrets(context.Background(), write(t, "fn.zip", zipOf(t, fs)), SecretsOptions{ThirdParty: policy, Internal: internal})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		if f.RuleID == "password-assignment" {
			continue // shipcheck's own generic rule: the same finding as generic-api-key's
		}
		party := "first"
		switch {
		case f.ThirdParty != nil && f.ThirdParty.Internal:
			party = "internal " + f.ThirdParty.Name
		case f.ThirdParty != nil:
			party = "third " + f.ThirdParty.Name
		}
		got[fmt.Sprintf("%s:%s", strings.TrimPrefix(f.Path, "/var/task/"), f.RuleID)] = party
	}
	return got
}

func npmPackage(name string, lines ...string) files {
	dir := "node_modules/" + name + "/"
	return files{
		dir + "package.json": `{"name": "` + name + `", "version": "1.0.0"}`,
		dir + "index.js":     strings.Join(lines, ""),
	}
}

func merge(fss ...files) files {
	out := files{}
	for _, fs := range fss {
		for k, v := range fs {
			out[k] = v
		}
	}
	return out
}

// TestThirdPartyPolicyNPM: the application's own code is scanned with
// every rule; a package of its npm scope, or one secrets.internal names,
// is the organisation's own and scanned the same (first-party, marked
// internal); another installed package is scanned for provider formats
// only by default, with every rule under full, not at all under off.
func TestThirdPartyPolicyNPM(t *testing.T) {
	fn := merge(
		files{"package.json": `{"name": "@acme/orders", "version": "2.0.0", "dependencies": {"@acme/common": "1.0.0", "lodash": "1.0.0"}}`,
			"index.js": genericLine},
		npmPackage("@acme/common", genericLine, providerLine),
		npmPackage("lodash", genericLine, providerLine),
	)
	for _, c := range []struct {
		policy   secrets.Policy
		internal []string
		want     map[string]string
	}{
		{secrets.ThirdPartyProvider, nil, map[string]string{
			"index.js:generic-api-key":                           "first",
			"node_modules/@acme/common/index.js:generic-api-key": "internal @acme/common",
			"node_modules/@acme/common/index.js:github-pat":      "internal @acme/common",
			"node_modules/lodash/index.js:github-pat":            "third lodash",
		}},
		{secrets.ThirdPartyFull, nil, map[string]string{
			"index.js:generic-api-key":                           "first",
			"node_modules/@acme/common/index.js:generic-api-key": "internal @acme/common",
			"node_modules/@acme/common/index.js:github-pat":      "internal @acme/common",
			"node_modules/lodash/index.js:generic-api-key":       "third lodash",
			"node_modules/lodash/index.js:github-pat":            "third lodash",
		}},
		{secrets.ThirdPartyOff, nil, map[string]string{
			"index.js:generic-api-key":                           "first",
			"node_modules/@acme/common/index.js:generic-api-key": "internal @acme/common",
			"node_modules/@acme/common/index.js:github-pat":      "internal @acme/common",
		}},
		{secrets.ThirdPartyProvider, []string{"lodash"}, map[string]string{
			"index.js:generic-api-key":                           "first",
			"node_modules/@acme/common/index.js:generic-api-key": "internal @acme/common",
			"node_modules/@acme/common/index.js:github-pat":      "internal @acme/common",
			"node_modules/lodash/index.js:generic-api-key":       "internal lodash",
			"node_modules/lodash/index.js:github-pat":            "internal lodash",
		}},
	} {
		t.Run(fmt.Sprintf("%s %v", c.policy, c.internal), func(t *testing.T) {
			if diff := cmp.Diff(c.want, partyFindings(t, fn, c.policy, c.internal...)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestThirdPartyPolicyPython: a Python function's packages sit at the
// top of the zip next to their metadata; one that installs into a folder
// of the application's own code (the namespace package acme/) is the
// organisation's; another is third-party, scanned for provider formats.
func TestThirdPartyPolicyPython(t *testing.T) {
	fn := files{
		"acme/orders/handler.py":             genericLine,
		"acme/common/db.py":                  genericLine + providerLine,
		"acme_common-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: acme-common\nVersion: 1.0\n",
		"acme_common-1.0.dist-info/RECORD":   "acme/common/db.py,,\nacme_common-1.0.dist-info/METADATA,,\n",
		"requests/api.py":                    genericLine + providerLine,
		"requests-2.31.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n",
		"requests-2.31.0.dist-info/RECORD":   "requests/api.py,,\nrequests-2.31.0.dist-info/METADATA,,\n",
	}
	want := map[string]string{
		"acme/orders/handler.py:generic-api-key": "first",
		"acme/common/db.py:generic-api-key":      "internal acme-common",
		"acme/common/db.py:github-pat":           "internal acme-common",
		"requests/api.py:github-pat":             "third requests",
	}
	if diff := cmp.Diff(want, partyFindings(t, fn, "")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestThirdPartyPolicyVendorAndJars: a Go module's vendored packages of
// its own owner (go.mod) are the organisation's; a Java function's
// library jars are third-party unless their Maven group shares the
// application's (its own pom.properties) or secrets.internal names them.
func TestThirdPartyPolicyVendorAndJars(t *testing.T) {
	jar := func(group, artifact string, extra string) string {
		return string(zipOf(t, files{
			"META-INF/maven/" + group + "/" + artifact + "/pom.properties": "groupId=" + group + "\nartifactId=" + artifact + "\nversion=1.0\n",
			"config/app.properties": extra,
		}))
	}
	fn := files{
		"go.mod":                            "module github.com/acme/billing\n\ngo 1.22\n",
		"main.go":                           genericLine,
		"vendor/github.com/acme/kit/db.go":  genericLine,
		"vendor/github.com/other/kit/db.go": genericLine + providerLine,
		"vendor/modules.txt":                "# github.com/acme/kit v1.0.0\n# github.com/other/kit v1.0.0\n",
		"META-INF/maven/com.acme.billing/billing/pom.properties": "groupId=com.acme.billing\nartifactId=billing\nversion=3.0\n",
		"lib/acme-util-1.0.jar":                                  jar("com.acme.util", "acme-util", genericLine),
		"lib/other-lib-1.0.jar":                                  jar("org.other", "other-lib", genericLine+"gh="+providerToken+"\n"),
		"lib/vendor-sdk-2.0.jar":                                 jar("io.vendor", "vendor-sdk", genericLine),
	}
	got := partyFindings(t, fn, "", "io.vendor*")
	want := map[string]string{
		"main.go:generic-api-key":                                      "first",
		"vendor/github.com/acme/kit/db.go:generic-api-key":             "internal github.com/acme/kit",
		"vendor/github.com/other/kit/db.go:github-pat":                 "third github.com/other/kit",
		"lib/acme-util-1.0.jar!config/app.properties:generic-api-key":  "internal com.acme.util:acme-util",
		"lib/other-lib-1.0.jar!config/app.properties:github-pat":       "third org.other:other-lib",
		"lib/vendor-sdk-2.0.jar!config/app.properties:generic-api-key": "internal io.vendor:vendor-sdk",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestEarlyFilesFirst: the walk hands out the files Early picks before any
// other, with several workers.
func TestEarlyFilesFirst(t *testing.T) {
	fs := files{}
	for i := range 200 {
		fs[fmt.Sprintf("node_modules/p%03d/index.js", i)] = "x"
	}
	fs["package.json"] = "{}"
	fs["zz/package.json"] = "{}"
	v, err := packaging.Open(context.Background(), write(t, "fn.zip", zipOf(t, fs)), packaging.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var order []string
	var mu = make(chan struct{}, 1)
	err = v.Walk(context.Background(), packaging.WalkOptions{Workers: 4, Early: secrets.Early}, func(ctx context.Context, f *packaging.File) error {
		mu <- struct{}{}
		order = append(order, f.Path)
		<-mu
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	early := map[string]bool{order[0]: true, order[1]: true}
	if !early["/var/task/package.json"] || !early["/var/task/zz/package.json"] {
		t.Errorf("first files handed out: %v", order[:3])
	}
}
