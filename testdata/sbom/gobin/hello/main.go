// Command hello is a tiny program for shipcheck's Go binary tests.
package main

import (
	"fmt"

	"example.com/dep"
)

func main() { fmt.Println(dep.Greeting()) }
