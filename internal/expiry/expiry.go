// Package expiry reads the expiry dates of ignore rules (vulnerabilities,
// secrets, permissions): YYYY-MM-DD, the day itself still covered.
package expiry

import (
	"fmt"
	"time"
)

// Check says whether date, if given, is a date.
func Check(date string) error {
	if date == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return fmt.Errorf("expires %q is not a date (YYYY-MM-DD)", date)
	}
	return nil
}

// Passed reports whether a rule expiring on date has expired at now: the
// day after date has begun (UTC). A date that does not parse has passed:
// it protects nothing. No date never passes.
func Passed(date string, now time.Time) bool {
	if date == "" {
		return false
	}
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return true
	}
	return !now.Before(t.AddDate(0, 0, 1))
}
