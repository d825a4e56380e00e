package domain

import (
	"fmt"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// MaxObservedCount bounds one raw observation of a count metric: the events
// seen in one exposure unit (e.g. one agent-week).
const MaxObservedCount = 1_000_000_000

// MaxObservedMagnitude bounds the absolute value of any raw observation, far
// beyond a real measurement, so that sums of a million of them cannot
// overflow in the database.
const MaxObservedMagnitude = 1e12

// CheckObservation validates one raw value for a metric kind and returns a
// client-safe reason ("" if fine). field is the wire name of the first
// offending field ("group", "period", "value" or "unit_id"), and reason
// starts with it, e.g. "value must be 0 or 1 for a proportion metric, not 2".
//
// The value must be finite and within ±MaxObservedMagnitude for every kind;
// beyond that a mean takes any such value, a proportion exactly 0 or 1, an nps answer a whole number from 0 to
// 10 and a count a whole number from 0 to MaxObservedCount. The unit id is
// optional; when given it must be valid UTF-8 of at most MaxUnitIDLength
// characters without control characters.
//
// An unknown kind is a programming error; it is reported as field "kind".
func CheckObservation(kind MetricKind, o Observation) (field, reason string) {
	if _, ok := ParseMetricKind(string(kind)); !ok {
		return "kind", enumReason("kind", string(kind), MetricKinds)
	}
	if _, ok := ParseGroup(string(o.Group)); !ok {
		return "group", enumReason("group", string(o.Group), Groups)
	}
	if _, ok := ParsePeriod(string(o.Period)); !ok {
		return "period", enumReason("period", string(o.Period), Periods)
	}
	if r := valueReason(kind, o.Value); r != "" {
		return "value", r
	}
	if r := unitIDReason(o.UnitID); r != "" {
		return "unit_id", r
	}
	return "", ""
}

func valueReason(kind MetricKind, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "value must be a finite number"
	}
	if math.Abs(v) > MaxObservedMagnitude {
		return fmt.Sprintf("value must be between %g and %g, not %s", -MaxObservedMagnitude, MaxObservedMagnitude, formatValue(v))
	}
	whole := func(max float64) bool { return v >= 0 && v <= max && v == math.Trunc(v) }
	switch kind {
	case KindProportion:
		if v != 0 && v != 1 {
			return "value must be 0 or 1 for a proportion metric, not " + formatValue(v)
		}
	case KindNPS:
		if !whole(10) {
			return "value must be a whole number from 0 to 10 for an nps metric, not " + formatValue(v)
		}
	case KindCount:
		if !whole(MaxObservedCount) {
			return fmt.Sprintf("value must be a whole number from 0 to %d for a count metric, not %s", MaxObservedCount, formatValue(v))
		}
	}
	return ""
}

func unitIDReason(id string) string {
	if !utf8.ValidString(id) {
		return "unit_id must be valid UTF-8"
	}
	n := 0
	for _, r := range id {
		if unicode.IsControl(r) {
			return "unit_id must not contain control characters"
		}
		n++
	}
	if n > MaxUnitIDLength {
		return fmt.Sprintf("unit_id must be at most %d characters", MaxUnitIDLength)
	}
	return ""
}

func enumReason[T ~string](field, got string, values []T) string {
	if got == "" {
		return fmt.Sprintf("%s is required: one of %s", field, joinValues(values))
	}
	return fmt.Sprintf("%s must be one of %s, not %s", field, joinValues(values), QuoteInput(got))
}

// formatValue prints a number the way a client would write it.
func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// maxQuoted bounds how much of a client's bad input is echoed in a reason.
const maxQuoted = 40

// QuoteInput quotes a client's input for a message, escaping control characters and invalid
// UTF-8 and cutting it to maxQuoted characters.
func QuoteInput(s string) string {
	n := 0
	for i := range s {
		if n == maxQuoted {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}
