// Package domain holds cxbacklog's business types and rules. It knows nothing
// about HTTP, JSON or SQL: those live in api and repository.
package domain

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an Error. The api package maps each code to one HTTP
// status in a single table; nothing else decides statuses.
type ErrorCode string

// Error codes used across the application.
const (
	EInvalid              ErrorCode = "invalid"               // well-formed input with invalid values
	EMalformed            ErrorCode = "malformed"             // input that cannot be parsed
	EUnauthorized         ErrorCode = "unauthorized"          // missing, unknown, revoked or expired key
	EForbidden            ErrorCode = "forbidden"             // the key's role is too low
	ENotFound             ErrorCode = "not_found"             // absent, or in another workspace
	EConflict             ErrorCode = "conflict"              // duplicate, in use, illegal transition, in flight
	EPreconditionFailed   ErrorCode = "precondition_failed"   // If-Match does not match the current version
	EPreconditionRequired ErrorCode = "precondition_required" // If-Match missing where required
	ETooLarge             ErrorCode = "too_large"             // body over the limit
	EUnsupportedMedia     ErrorCode = "unsupported_media"     // wrong Content-Type
	EUnavailable          ErrorCode = "unavailable"           // the database cannot be reached
	EInternal             ErrorCode = "internal"              // anything unexpected
)

// FieldError names one offending input field by JSON Pointer (RFC 6901),
// e.g. "/stages/1/name", or a query parameter by name; in a bulk upload the
// line number says which row.
type FieldError struct {
	Pointer   string
	Parameter string
	Line      int // 1-based line of a bulk upload (NDJSON or CSV); 0 otherwise
	Detail    string
}

// Error is the one application error type: a code, a message that is safe to
// show to the client, and optionally the fields at fault.
type Error struct {
	Code    ErrorCode
	Message string
	Fields  []FieldError
	Err     error // the underlying cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a formatted, client-safe message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap keeps cause for the logs while showing only message to the client.
func Wrap(code ErrorCode, cause error, message string) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// Invalid builds an EInvalid error for the given field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: EInvalid, Message: "the request has invalid values", Fields: fields}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// fieldErrors collects field errors while a value is validated.
type fieldErrors []FieldError

func (f *fieldErrors) add(pointer, format string, args ...any) {
	*f = append(*f, FieldError{Pointer: pointer, Detail: fmt.Sprintf(format, args...)})
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}

// FieldsOf returns the field errors of a validation error (nil for nil or
// any other error).
func FieldsOf(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
