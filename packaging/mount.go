package packaging

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shipcheck/shipcheck/packaging/archive"
)

// Role is what a deployment artifact is to the platform that runs it; it
// decides where the artifact's files are mounted in the view.
type Role string

const (
	Function Role = "function" // an AWS Lambda function zip: /var/task
	Layer    Role = "layer"    // an AWS Lambda layer: /opt
	Azure    Role = "azure"    // an Azure Functions zip-deploy package: /home/site/wwwroot
	GCF      Role = "gcf"      // a Google Cloud Functions source zip: /workspace
	Archive  Role = "archive"  // any archive, as it is: /
	Image    Role = "image"    // a container image: its layers merged at /
)

// Roles lists the roles a user may choose with --as.
var Roles = []Role{Function, Layer, Azure, GCF, Archive}

// Mount returns where files of the role are mounted.
func (r Role) Mount() string {
	switch r {
	case Function:
		return "/var/task"
	case Layer:
		return "/opt"
	case Azure:
		return "/home/site/wwwroot"
	case GCF:
		return "/workspace"
	}
	return "/"
}

// Describe names the role for people: "Lambda function".
func (r Role) Describe() string {
	switch r {
	case Function:
		return "Lambda function"
	case Layer:
		return "Lambda layer"
	case Azure:
		return "Azure Functions package"
	case GCF:
		return "Google Cloud Functions source"
	case Image:
		return "container image"
	}
	return "archive"
}

// ParseRole reads a --as value.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("unknown --as %q (one of %s)", s, strings.Join(names, ", "))
}

// runtimeDirs are the folders a Lambda layer holds a runtime's libraries in.
var runtimeDirs = map[string]bool{"nodejs": true, "python": true, "java": true, "ruby": true}

// layerExtras may sit beside a runtime folder in a layer.
var layerExtras = map[string]bool{"bin": true, "lib": true, "extensions": true}

// ignoredTop are top-level names that say nothing about the layout.
var ignoredTop = map[string]bool{"__MACOSX": true, ".DS_Store": true}

// GuessRole guesses what a zip, tar or folder is from its top-level names:
// an Azure Functions package when it has host.json at the top; a Lambda layer
// when it has a runtime folder (nodejs/, python/, java/, ruby/) with nothing
// beside it but bin/, lib/ or extensions/; else a Lambda function (a zip
// holding only lib/ or bin/ is a function, as Java and custom-runtime builds
// make them). It returns the role and the reason, for every output.
func GuessRole(x *archive.Index) (Role, string) {
	top := map[string]bool{} // name -> is a folder
	for _, e := range x.Entries {
		first, _, nested := strings.Cut(e.Name, "/")
		if ignoredTop[first] {
			continue
		}
		top[first] = top[first] || nested || e.Type == archive.TypeDir
	}
	if isDir, ok := top["host.json"]; ok && !isDir {
		return Azure, "host.json at the top"
	}
	var runtimes []string
	layer := true
	for name, isDir := range top {
		switch {
		case isDir && runtimeDirs[name]:
			runtimes = append(runtimes, name+"/")
		case isDir && layerExtras[name]:
		default:
			layer = false
		}
	}
	if layer && len(runtimes) > 0 {
		sort.Strings(runtimes)
		return Layer, "layer layout (" + strings.Join(runtimes, ", ") + " at the top)"
	}
	return Function, "no layer or Azure layout"
}
