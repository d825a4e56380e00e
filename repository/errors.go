package repository

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"cxbacklog/domain"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// constraintErrors says, for constraints a client can violate, which field is
// at fault. The database is the judge (no look-ups before writing); this
// table turns its verdict into a useful message.
var constraintErrors = map[string]domain.FieldError{
	"touchpoints_journey_fk":           {Pointer: "/journey_id", Detail: "no such journey in this workspace"},
	"touchpoints_stage_fk":             {Pointer: "/stage_id", Detail: "is not a stage of the touchpoint's journey"},
	"pilots_idea_fk":                   {Pointer: "/idea_id", Detail: "no such idea in this workspace"},
	"pilot_metrics_catalogue_fk":       {Pointer: "/metric_id", Detail: "no such catalogue metric in this workspace"},
	"value_drivers_touchpoint_id_fkey": {Pointer: "/touchpoint_id", Detail: "no such touchpoint in this workspace"},
	"value_drivers_metric_id_fkey":     {Pointer: "/metric_id", Detail: "no such catalogue metric in this workspace"},
}

// conflictErrors says, for unique constraints a client can run into, which
// field clashes with an existing resource (409, not 422: the value is fine,
// another resource holds it).
var conflictErrors = map[string]domain.FieldError{
	"pilot_metrics_primary_key": {Pointer: "/primary", Detail: "the pilot already has a primary metric; unmark it first"},
	"pilot_metrics_name_key":    {Pointer: "/name", Detail: "the pilot already has a metric with this name"},
	"catalogue_metrics_key_key": {Pointer: "/key", Detail: "the catalogue already has a metric with this key"},
	"value_drivers_pair_idx":    {Pointer: "/metric_id", Detail: "the touchpoint already has a value driver for this metric; change that one instead"},
}

// translate turns database errors into domain errors; domain errors pass
// through unchanged.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Wrap(domain.ENotFound, err, "not found")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return translatePg(pgErr)
	}
	// A client that hangs up cancels the request's context; database/sql then
	// rolls the transaction back under the handler (ErrTxDone). Neither is a
	// server fault, and nobody is left to read the answer.
	if errors.Is(err, context.Canceled) || errors.Is(err, sql.ErrTxDone) {
		return domain.Wrap(domain.EUnavailable, err, "the request was cancelled before the database answered")
	}
	if isConnectionError(err) {
		return domain.Wrap(domain.EUnavailable, err, "the database is unavailable; retry shortly")
	}
	return domain.Wrap(domain.EInternal, err, "internal error")
}

func translatePg(pgErr *pgconn.PgError) error {
	switch {
	case pgErr.Code == "23503" || pgErr.Code == "23505" || pgErr.Code == "23514":
		if fe, ok := conflictErrors[pgErr.ConstraintName]; ok && pgErr.Code == "23505" {
			return &domain.Error{Code: domain.EConflict, Message: "a resource with these values already exists", Fields: []domain.FieldError{fe}, Err: pgErr}
		}
		if fe, ok := constraintErrors[pgErr.ConstraintName]; ok {
			return &domain.Error{Code: domain.EInvalid, Message: "the request has invalid values", Fields: []domain.FieldError{fe}, Err: pgErr}
		}
		if pgErr.Code == "23505" {
			return domain.Wrap(domain.EConflict, pgErr, "a resource with these values already exists")
		}
		return domain.Wrap(domain.EInternal, pgErr, "internal error")
	case pgErr.Code == "57014": // statement_timeout or cancelled request
		return domain.Wrap(domain.EUnavailable, pgErr, "the database took too long to answer; retry shortly")
	case strings.HasPrefix(pgErr.Code, "08"), pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03":
		return domain.Wrap(domain.EUnavailable, pgErr, "the database is unavailable; retry shortly")
	}
	return domain.Wrap(domain.EInternal, pgErr, "internal error")
}

// isConnectionError recognises a database that cannot be reached, as opposed
// to a query that failed.
func isConnectionError(err error) bool {
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &connErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.SafeToRetry(err)
}

// foreignKeyViolation reports whether err is a foreign key violation of constraint.
func foreignKeyViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503" && pgErr.ConstraintName == constraint
}
