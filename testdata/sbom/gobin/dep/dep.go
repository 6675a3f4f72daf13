// Package dep is a dependency replaced by a local folder.
package dep

// Greeting returns a greeting.
func Greeting() string { return "hello" }
