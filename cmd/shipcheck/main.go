// Command shipcheck looks inside what a team is about to deploy (a Lambda
// function and its layers, an Azure or Google Cloud Functions package, a
// container image) and answers: what is inside, is any of it known to be
// vulnerable, and did anyone bake a credential into it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
