// Package unused is in the module but never imported by the app.
package unused

// Anything is never linked.
func Anything() {}
