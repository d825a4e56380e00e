package api

import (
	"errors"
	"net/http"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// Problem is an RFC 9457 problem detail, the body of every error response.
type Problem struct {
	Type     string         `json:"type" example:"urn:cxbacklog:problem:invalid" binding:"required"`
	Title    string         `json:"title" example:"Unprocessable Entity" binding:"required"`
	Status   int            `json:"status" example:"422" binding:"required"`
	Detail   string         `json:"detail" example:"the request has invalid values" binding:"required"`
	Instance string         `json:"instance" example:"hbWz4Ci3aZQsOBGS3d8iMZm4ZCQ2x4Ru" binding:"required"` // the request id, as in X-Request-Id
	Errors   []ProblemField `json:"errors,omitempty"`
} // @name Problem

// ProblemField names one offending body field (pointer) or query parameter,
// and for bulk uploads the line of the offending row.
type ProblemField struct {
	Pointer   string `json:"pointer,omitempty" example:"/name"`
	Parameter string `json:"parameter,omitempty" example:"limit"`
	Line      int    `json:"line,omitempty" example:"17"` // the row of an NDJSON or CSV upload (1 = first line)
	Detail    string `json:"detail" example:"must not be empty" binding:"required"`
} // @name ProblemField

// Codes of refusals only HTTP makes (budgets, slow clients); the domain
// never produces them.
const (
	eRateLimited domain.ErrorCode = "rate_limited" // over a rate or concurrency budget
	eTimeout     domain.ErrorCode = "timeout"      // the client sent its request too slowly
)

// statusOf is the one table from domain error code to HTTP status.
var statusOf = map[domain.ErrorCode]int{
	domain.EMalformed:            http.StatusBadRequest,
	domain.EUnauthorized:         http.StatusUnauthorized,
	domain.EForbidden:            http.StatusForbidden,
	domain.ENotFound:             http.StatusNotFound,
	domain.EConflict:             http.StatusConflict,
	domain.EPreconditionFailed:   http.StatusPreconditionFailed,
	domain.ETooLarge:             http.StatusRequestEntityTooLarge,
	domain.EUnsupportedMedia:     http.StatusUnsupportedMediaType,
	domain.EInvalid:              http.StatusUnprocessableEntity,
	domain.EPreconditionRequired: http.StatusPreconditionRequired,
	eRateLimited:                 http.StatusTooManyRequests,
	eTimeout:                     http.StatusRequestTimeout,
	domain.EInternal:             http.StatusInternalServerError,
	domain.EUnavailable:          http.StatusServiceUnavailable,
}

// retryAfterSeconds is what a client waiting on an unavailable database is told.
const retryAfterSeconds = "5"

// problemOf turns any error a handler returns into a problem.
func problemOf(err error) Problem {
	var he *echo.HTTPError
	if errors.As(err, &he) { // Echo's own: unknown route, method not allowed, body limit, rate limit
		detail := http.StatusText(he.Code)
		if msg, ok := he.Message.(string); ok {
			detail = msg
		}
		return newProblem(he.Code, codeOfStatus(he.Code), detail)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Code == domain.EInternal {
		return newProblem(http.StatusInternalServerError, domain.EInternal, "internal error; quote the instance when reporting it")
	}
	status, ok := statusOf[de.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := newProblem(status, de.Code, de.Message)
	for _, f := range de.Fields {
		p.Errors = append(p.Errors, ProblemField(f))
	}
	return p
}

func newProblem(status int, code domain.ErrorCode, detail string) Problem {
	return Problem{Type: "urn:cxbacklog:problem:" + string(code), Title: http.StatusText(status), Status: status, Detail: detail}
}

// codeOfStatus reverses statusOf for errors that arrive as a bare status.
func codeOfStatus(status int) domain.ErrorCode {
	for code, s := range statusOf {
		if s == status {
			return code
		}
	}
	return domain.ErrorCode(http.StatusText(status))
}

// statusOfError is the HTTP status an error will be answered with.
func statusOfError(err error) int { return problemOf(err).Status }

// errorHandler is Echo's central error handler: every error becomes
// application/problem+json; internal ones are logged, never shown.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := problemOf(err)
	p.Instance = c.Response().Header().Get(echo.HeaderXRequestID)
	h := c.Response().Header()
	// An upload may be refused before its body is read (a budget, a cap, a
	// bad key): closing the connection spares net/http reading and
	// discarding the rest first, from a client that may send a byte a second
	// (answers took 30 s in make soak).
	if isUpload(c) {
		h.Set(echo.HeaderConnection, "close")
	}
	switch p.Status {
	case http.StatusInternalServerError:
		s.log.ErrorContext(c.Request().Context(), "internal error", "request_id", p.Instance, "method", c.Request().Method, "route", c.Path(), "error", err.Error())
	case http.StatusServiceUnavailable:
		s.log.WarnContext(c.Request().Context(), "database unavailable", "request_id", p.Instance, "error", err.Error())
		h.Set("Retry-After", retryAfterSeconds)
	case http.StatusTooManyRequests:
		h.Set("Retry-After", "1")
	case http.StatusUnauthorized:
		h.Set(echo.HeaderWWWAuthenticate, `Bearer realm="cxbacklog"`)
	}
	// For HEAD, net/http drops the body and keeps the headers GET would get.
	if err := writeJSON(c, p.Status, "application/problem+json", p); err != nil {
		s.log.Error("write error response", "request_id", p.Instance, "error", err.Error())
	}
}
