// Package ingest reads the bulk uploads of the API: raw observations of a
// pilot metric (NDJSON or CSV) and touchpoint measurements (CSV). It knows
// nothing of HTTP: a body comes in as an io.Reader, rows go out as domain
// values, and a bad row is a *domain.Error with one FieldError naming its
// physical line, the same model for every format.
package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"cxbacklog/domain"
)

// Media types of the uploads.
const (
	MediaNDJSON = "application/x-ndjson"
	MediaCSV    = "text/csv"
)

const (
	// maxLine bounds one line of an upload, in bytes without its line
	// break; a real row is well under 200.
	maxLine = 64 << 10
)

// rowError is the error of a bad row: line and reason in the message, and
// one field error naming the field by JSON Pointer ("" for the whole row).
func rowError(line int, field, reason string) *domain.Error {
	pointer := ""
	if field != "" {
		pointer = "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(field)
	}
	return rowErrorAt(line, pointer, reason)
}

// rowErrorAt is rowError for a field already named by pointer.
func rowErrorAt(line int, pointer, reason string) *domain.Error {
	return &domain.Error{
		Code:    domain.EInvalid,
		Message: fmt.Sprintf("line %d: %s", line, reason),
		Fields:  []domain.FieldError{{Pointer: pointer, Line: line, Detail: reason}},
	}
}

// readError turns a failed read of the body into an upload error. A
// *domain.Error is passed on as it is: that is how the caller, which knows
// the transport, says that the body went over its limit (ETooLarge); any
// other error is EMalformed.
func readError(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return domain.Wrap(domain.EMalformed, err, "the request body could not be read")
}

// parseDecimal reads a CSV number in plain decimal or exponent notation,
// optionally signed: not NaN, Inf, hex floats or digit separators, which
// strconv.ParseFloat would take. A value beyond ±1.8e308 comes back
// infinite, for the domain's checks to refuse.
func parseDecimal(s string) (float64, bool) {
	i, digits := 0, 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == start {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}
