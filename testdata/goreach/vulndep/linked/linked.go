// Package linked is linked into the app, but its vulnerable function is not.
package linked

// Used is called by the app.
//
//go:noinline
func Used() int { return 42 }

// Vulnerable is never called.
//
//go:noinline
func Vulnerable() int { return 7 }
