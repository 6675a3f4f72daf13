package permissions

import "fmt"

// errUnread is the placeholder parsers' error (removed when the last
// parser lands).
func errUnread(path, format string) error {
	return fmt.Errorf("%s: reading %s templates for permissions is not built yet", path, format)
}
