package domain

import (
	"fmt"
	"time"
)

// The calendar dates cxbacklog accepts, wherever a date is given (a pilot's
// start and end dates, a measurement's period): 2000-01-01 to 2100-12-31.
// A date outside is a client's mistake, not a plan: "0001-01-01" is the zero
// value a generated client sends for a date it did not mean to set.
const (
	MinDateYear = 2000
	MaxDateYear = 2100
)

// ValidDate reports whether t falls on a calendar date from MinDateYear to
// MaxDateYear (inclusive), read in UTC.
func ValidDate(t time.Time) bool {
	y := t.UTC().Year()
	return y >= MinDateYear && y <= MaxDateYear
}

// DateRangeDetail says which dates are accepted, for a field error.
var DateRangeDetail = fmt.Sprintf("must be a date from %d-01-01 to %d-12-31", MinDateYear, MaxDateYear)

// validateDate records pointer when t is outside the accepted dates.
func validateDate(fe *fieldErrors, pointer string, t time.Time) {
	if !ValidDate(t) {
		fe.add(pointer, "%s", DateRangeDetail)
	}
}
