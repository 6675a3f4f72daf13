package shipcheck

import (
	"context"
	"os"
	"testing"
)

// BenchmarkSecretsArtifact runs the secret scan (and the inventory it
// shares the walk with) over the artifact SHIPCHECK_BENCH_ARTIFACT names,
// as `shipcheck secrets` does: go test -run '^$' -bench SecretsArtifact
// -benchtime 1x -cpuprofile cpu.out . (testdata/bench/real-artifacts.sh
// builds real ones).
func BenchmarkSecretsArtifact(b *testing.B) {
	p := os.Getenv("SHIPCHECK_BENCH_ARTIFACT")
	if p == "" {
		b.Skip("set SHIPCHECK_BENCH_ARTIFACT to an artifact")
	}
	for b.Loop() {
		if _, err := Secrets(context.Background(), p, SecretsOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
