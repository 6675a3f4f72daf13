// Package vulndep is a module the reachability tests mark vulnerable at
// several depths.
package vulndep

// Called is called by the app: the advisory naming it is reachable.
//
//go:noinline
func Called(s string) string { return "called " + s }

// NotCalled is never called: the linker drops it.
//
//go:noinline
func NotCalled(s string) string { return "not called " + s }
