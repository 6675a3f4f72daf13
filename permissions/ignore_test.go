package permissions

import (
	"testing"
	"time"
)

// TestApply: an ignore rule suppresses the findings of its rule, narrowed
// by function and file when given; past its date it suppresses nothing
// and is returned as expired.
func TestApply(t *testing.T) {
	fs := func() []Finding {
		return []Finding{
			{Rule: "SC-IAM-002", Function: "Orders", Position: Position{File: "stacks/orders.yaml", Line: 3}},
			{Rule: "SC-IAM-002", Function: "Reports", Position: Position{File: "stacks/reports.yaml", Line: 3}},
			{Rule: "SC-LAMBDA-001", Function: "Orders", Position: Position{File: "stacks/orders.yaml", Line: 9}},
		}
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name        string
		ignore      Ignore
		want        [3]bool
		wantExpired int
	}{
		{"rule", Ignore{Rule: "SC-IAM-002", Reason: "r"}, [3]bool{true, true, false}, 0},
		{"function", Ignore{Rule: "SC-IAM-002", Function: "Reports", Reason: "r"}, [3]bool{false, true, false}, 0},
		{"file glob", Ignore{Rule: "SC-IAM-002", File: "stacks/o*.yaml", Reason: "r"}, [3]bool{true, false, false}, 0},
		{"expires today", Ignore{Rule: "SC-LAMBDA-001", Reason: "r", Expires: "2026-12-01"}, [3]bool{false, false, true}, 0},
		{"expired", Ignore{Rule: "SC-LAMBDA-001", Reason: "r", Expires: "2026-11-30"}, [3]bool{false, false, false}, 1},
	} {
		got := fs()
		expired := Apply(got, []Ignore{c.ignore}, now)
		for k, f := range got {
			if (f.Suppressed != nil) != c.want[k] {
				t.Errorf("%s: finding %d suppressed %v, want %v", c.name, k, f.Suppressed != nil, c.want[k])
			}
		}
		if len(expired) != c.wantExpired {
			t.Errorf("%s: %d expired, want %d", c.name, len(expired), c.wantExpired)
		}
	}
	for _, bad := range []Ignore{
		{Rule: "SC-IAM-999", Reason: "r"},
		{Rule: "SC-IAM-001"},
		{Rule: "SC-IAM-001", Reason: "r", Expires: "soon"},
		{Rule: "SC-IAM-001", Reason: "r", File: "["},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := (Ignore{Rule: "SC-IAM-001", Reason: "r", File: "a/*.yaml", Expires: "2027-01-01"}).Validate(); err != nil {
		t.Errorf("a valid rule refused: %v", err)
	}
}
