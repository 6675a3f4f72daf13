// Command shipcheck looks inside what a team is about to deploy (a Lambda
// function and its layers, an Azure or Google Cloud Functions package, a
// container image) and answers: what is inside, is any of it known to be
// vulnerable, and did anyone bake a credential into it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/shipcheck/shipcheck/internal/console"
)

func main() {
	// The go commands libraries run (x/vuln asks `go env GOROOT` even for
	// a binary) keep their telemetry counters and settings in a private
	// folder, removed at exit: a run writes nothing outside the outputs
	// asked for and the cache folder. (On Linux and the BSDs, where
	// os.UserConfigDir follows XDG_CONFIG_HOME.)
	// Telemetry is off there, so that no go command starts its upload
	// process, which would write after we are gone.
	private, err := os.MkdirTemp("", "shipcheck-config-")
	if err == nil {
		tel := filepath.Join(private, "go", "telemetry")
		if os.MkdirAll(tel, 0o700) == nil && os.WriteFile(filepath.Join(tel, "mode"), []byte("off"), 0o600) == nil {
			os.Setenv("XDG_CONFIG_HOME", private)
		}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := onSignals(cancel, os.Stderr)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if private != "" {
		os.RemoveAll(private)
	}
	os.Exit(code)
}

// onSignals cancels the run on the first SIGINT or SIGTERM, with the
// signal as the cause (Run then exits 130 or 143), and ends the process at
// once on a second one, for work slow to notice. stop stops listening:
// a signal after it has its default effect.
func onSignals(cancel context.CancelCauseFunc, stderr *os.File) (stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var (
		mu      sync.Mutex
		stopped bool
	)
	go func() {
		cancel(interrupt{<-ch})
		sig := <-ch
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return // Run has returned, and said so
		}
		if console.IsTerminal(stderr) {
			fmt.Fprint(stderr, "\r"+console.ClearLine) // a status line
		}
		fmt.Fprintln(stderr, "shipcheck: interrupted")
		os.Exit(interrupt{sig}.code())
	}()
	return func() {
		mu.Lock()
		stopped = true
		signal.Stop(ch)
		mu.Unlock()
	}
}
