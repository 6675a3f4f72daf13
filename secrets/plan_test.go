package secrets

import (
	"slices"
	"testing"
)

// TestPlans: every rule's expression is run where its keywords are, but
// for the few whose matches need not hold a keyword (gitleaks runs those
// when the keyword is anywhere in the file): those run around the long
// runs of characters their matches hold, or, the last ones, over the
// whole text. A rule that newly falls back (a planner regression, or a
// new rule the planner cannot prove) fails here. Every one of shipcheck's
// own rules is planned by keyword.
func TestPlans(t *testing.T) {
	rs, err := LoadRules()
	if err != nil {
		t.Fatal(err)
	}
	var anchored, whole []string
	for _, id := range sortedIDs(rs.All.Rules) {
		r := rs.All.Rules[id]
		if r.Regex == nil {
			continue
		}
		p := newPlan(r)
		switch {
		case !p.whole:
			continue
		case p.runs != nil:
			anchored = append(anchored, id)
		default:
			whole = append(whole, id)
		}
		if _, own := rs.Own[id]; own {
			t.Errorf("own rule %s is not planned by its keywords", id)
		}
	}
	wantAnchored := []string{"airtable-personnal-access-token", "facebook-access-token", "slack-config-access-token", "slack-webhook-url", "sourcegraph-access-token"}
	wantWhole := []string{"azure-ad-client-secret", "sidekiq-sensitive-url"}
	if !slices.Equal(anchored, wantAnchored) || !slices.Equal(whole, wantWhole) {
		t.Errorf("run around character runs: %v (want %v); over the whole text: %v (want %v)", anchored, wantAnchored, whole, wantWhole)
	}
}
