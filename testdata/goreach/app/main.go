// Command app is a Lambda-style bootstrap for shipcheck's Go reachability
// tests.
package main

import (
	"os"
	"strconv"

	"example.com/vulndep"
	"example.com/vulndep/linked"
)

func main() { os.Stdout.WriteString(vulndep.Called("x") + strconv.Itoa(linked.Used()) + "\n") }
