package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// Economics are the workspace's money settings. Every amount of the
// workspace (unit values, costs, annual values) is in its currency;
// changing it relabels them and converts nothing.
type Economics struct {
	Currency string `json:"currency" example:"EUR" binding:"required"` // ISO 4217, default EUR
	// What handling one customer contact costs, in the currency; the
	// contact reasons report prices contacts with it. null when not set.
	CostPerContact *float64 `json:"cost_per_contact" example:"4.5" extensions:"x-nullable"`
	Version        int      `json:"version" example:"1" binding:"required"`
} // @name Economics

// EconomicsUpdate is the body of PUT /economics. It may be the document
// GET /economics returned, changed: its version must then be If-Match's.
type EconomicsUpdate struct {
	Currency *string `json:"currency" binding:"required" example:"EUR"` // an active ISO 4217 code in capitals: EUR, USD, GBP, ...
	// What handling one customer contact costs, in the currency (above 0,
	// at most 10^12); absent or null: none.
	CostPerContact *float64 `json:"cost_per_contact" example:"4.5" minimum:"0" exclusiveMinimum:"true" maximum:"1000000000000" extensions:"x-nullable,x-omitempty"`
	Version        *int     `json:"version" example:"1" extensions:"x-nullable,x-omitempty"`
} // @name EconomicsUpdate

// ValueDriverCreate is the body of POST /value-drivers: how a change of one
// catalogue metric at one touchpoint turns into money. annual value =
// improvement × unit_value × exposure_per_year. Examples: handle time,
// 0.015 EUR per second × 120,000 calls a year; first-contact resolution,
// 4.50 EUR per contact resolved first time × 120,000 calls; churn, 480 EUR
// per customer kept × 50,000 customers; complaints per agent-week, 35 EUR
// per complaint × 2,600 agent-weeks.
type ValueDriverCreate struct {
	TouchpointID string `json:"touchpoint_id" binding:"required,uuid" format:"uuid"`
	MetricID     string `json:"metric_id" binding:"required,uuid" format:"uuid"` // a catalogue metric (GET /metrics), e.g. aht
	// Money per one unit of improvement of the metric, per exposure, in the
	// workspace's currency: 0.015 per second of handle time saved per call
	// (a proportion's unit is the whole share: 4.50 per contact resolved
	// first time is 4.50 per 1.0 of first-contact resolution per call).
	UnitValue       float64 `json:"unit_value" binding:"required" minimum:"0" exclusiveMinimum:"true" maximum:"1000000000000" example:"0.015"`
	ExposurePerYear float64 `json:"exposure_per_year" binding:"required" minimum:"0" exclusiveMinimum:"true" maximum:"1000000000000" example:"120000"` // how many exposures (calls, visits, customers) the touchpoint sees a year
	ExposureUnit    string  `json:"exposure_unit" binding:"required,max=100" example:"calls"`                                                          // what one exposure is: calls, visits, customers, agent-weeks
	Note            string  `json:"note" binding:"max=2000" example:"Loaded cost of an agent: 54 EUR an hour = 0.015 EUR a second" extensions:"x-nullable,x-omitempty"`
} // @name ValueDriverCreate

// ValueDriverPatch is a JSON Merge Patch of a value driver: absent fields
// stay unchanged, null clears note, null on any other field is 422.
// touchpoint_id and metric_id cannot change (422 unless the same value).
type ValueDriverPatch struct {
	TouchpointID    *string  `json:"touchpoint_id" format:"uuid" extensions:"x-nullable,x-omitempty"` // fixed: only its current value is accepted
	MetricID        *string  `json:"metric_id" format:"uuid" extensions:"x-nullable,x-omitempty"`     // fixed: only its current value is accepted
	UnitValue       *float64 `json:"unit_value" example:"0.018" extensions:"x-nullable,x-omitempty"`
	ExposurePerYear *float64 `json:"exposure_per_year" example:"130000" extensions:"x-nullable,x-omitempty"`
	ExposureUnit    *string  `json:"exposure_unit" example:"calls" extensions:"x-nullable,x-omitempty"`
	Note            *string  `json:"note" extensions:"x-nullable,x-omitempty"`
} // @name ValueDriverPatch

// ValueDriver prices the improvement of one catalogue metric at one
// touchpoint: annual value = improvement × unit_value × exposure_per_year,
// the improvement in the metric's unit and turned so that positive is
// better (a share 0–1 for proportions). Handle time at 0.015 EUR per second
// × 120,000 calls a year makes a 28-second cut worth 28 × 0.015 × 120,000 =
// 50,400 EUR a year.
type ValueDriver struct {
	ID              string  `json:"id" format:"uuid" binding:"required"`
	TouchpointID    string  `json:"touchpoint_id" format:"uuid" binding:"required"`
	MetricID        string  `json:"metric_id" format:"uuid" binding:"required"`
	UnitValue       float64 `json:"unit_value" example:"0.015" binding:"required"`         // money per unit of improvement per exposure
	ExposurePerYear float64 `json:"exposure_per_year" example:"120000" binding:"required"` // exposures a year
	ExposureUnit    string  `json:"exposure_unit" example:"calls" binding:"required"`
	Note            string  `json:"note" example:"Loaded cost of an agent: 54 EUR an hour = 0.015 EUR a second" binding:"required"`
	Currency        string  `json:"currency" example:"EUR" binding:"required"` // the workspace's (read-only; PUT /economics)
	// What one unit of improvement is worth a year: unit_value ×
	// exposure_per_year (one second of handle time: 0.015 × 120,000 = 1,800).
	AnnualValuePerUnit float64   `json:"annual_value_per_unit" example:"1800" binding:"required"`
	Version            int       `json:"version" example:"1" binding:"required"`
	CreatedAt          time.Time `json:"created_at" binding:"required"`
	UpdatedAt          time.Time `json:"updated_at" binding:"required"`
} // @name ValueDriver

// ValueDriverList is one page of value drivers, oldest first.
type ValueDriverList struct {
	Items      []ValueDriver `json:"items" binding:"required"`
	NextCursor *string       `json:"next_cursor" extensions:"x-nullable"` // null on the last page
} // @name ValueDriverList

func valueDriverOut(d *domain.ValueDriver, currency string) ValueDriver {
	return ValueDriver{ID: d.ID, TouchpointID: d.TouchpointID, MetricID: d.MetricID, UnitValue: d.UnitValue,
		ExposurePerYear: d.ExposurePerYear, ExposureUnit: d.ExposureUnit, Note: d.Note, Currency: currency,
		AnnualValuePerUnit: d.AnnualValue(1), Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

// currency is the workspace's currency, which every driver answered carries.
func (s *Server) currency(c echo.Context) (string, error) {
	e, _, err := s.store.GetEconomics(c.Request().Context(), principal(c).WorkspaceID)
	return e.Currency, err
}

// valueDriverJSON answers driver d with its ETag, in the workspace's currency.
func (s *Server) valueDriverJSON(c echo.Context, d *domain.ValueDriver) error {
	cur, err := s.currency(c)
	if err != nil {
		return err
	}
	setETag(c, d.Version)
	return c.JSON(http.StatusOK, valueDriverOut(d, cur))
}

// getEconomics godoc
//
//	@Summary		The workspace's economics: its currency and what a customer contact costs
//	@Description	Every amount of the workspace (value drivers' unit values, ideas' costs and values, the cost per contact) is in this currency. A workspace that never set it has EUR at version 1 and no cost per contact (null). cost_per_contact prices the contacts of the contact reasons report.
//	@ID				getEconomics
//	@Tags			money
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200		{object}	Economics
//	@Header			200		{string}	ETag				"Version, for If-Match"
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/economics [get]
func (s *Server) getEconomics(c echo.Context) error {
	e, version, err := s.store.GetEconomics(c.Request().Context(), principal(c).WorkspaceID)
	if err != nil {
		return err
	}
	setETag(c, version)
	return c.JSON(http.StatusOK, economicsOut(e, version))
}

func economicsOut(e domain.Economics, version int) Economics {
	return Economics{Currency: e.Currency, CostPerContact: e.CostPerContact, Version: version}
}

// putEconomics godoc
//
//	@Summary		Change the workspace's currency or its cost per contact
//	@Description	The whole settings: a currency change relabels every amount of the workspace (nothing is converted) and recomputes the ideas' business cases in the same transaction; cost_per_contact absent or null means none. The body may be the document GET /economics returned, changed: its version must equal If-Match's, else 422 naming /version. A currency that is not an active ISO 4217 code is 422 naming /currency; a cost per contact that is not above 0 and at most 10^12 is 422 naming /cost_per_contact.
//	@ID				updateEconomics
//	@Tags			money
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			If-Match	header		string			true	"ETag of the economics the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			economics	body		EconomicsUpdate	true	"New settings"
//	@Success		200			{object}	Economics
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role admin"
//	@Failure		412			{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is not application/json"
//	@Failure		422			{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		428			{object}	Problem				"If-Match is missing"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/economics [put]
func (s *Server) putEconomics(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in EconomicsUpdate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	if in.Version != nil && *in.Version != version {
		return domain.Invalid(domain.FieldError{Pointer: "/version", Detail: fmt.Sprintf("is %d but If-Match names version %d; send both from the same GET", *in.Version, version)})
	}
	if err := requirePresent(presence{"/currency", in.Currency != nil}); err != nil {
		return err
	}
	e := domain.Economics{Currency: *in.Currency, CostPerContact: in.CostPerContact}
	if err := e.Validate(); err != nil {
		return err
	}
	newVersion, err := s.store.UpdateEconomics(c.Request().Context(), principal(c).WorkspaceID, version, e)
	if err != nil {
		return err
	}
	setETag(c, newVersion)
	return c.JSON(http.StatusOK, economicsOut(e, newVersion))
}

// createValueDriver godoc
//
//	@Summary		Create a value driver: what one unit of a metric's improvement at a touchpoint is worth
//	@Description	annual value = improvement × unit_value × exposure_per_year, in the workspace's currency. Examples: handle time at 0.015 EUR per second × 120,000 calls a year; first-contact resolution at 4.50 EUR per contact resolved first time × 120,000 calls; churn at 480 EUR per customer kept × 50,000 customers; complaints at 35 EUR per complaint × 2,600 agent-weeks. One driver per touchpoint and metric: a second is 409 naming /metric_id. A touchpoint or catalogue metric not in the workspace is 422 naming touchpoint_id or metric_id.
//	@ID				createValueDriver
//	@Tags			money
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string				false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			driver			body		ValueDriverCreate	true	"The value driver"
//	@Success		201				{object}	ValueDriver
//	@Header			201				{string}	Location			"URL of the new value driver"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		409				{object}	Problem				"The touchpoint already has a driver for the metric (errors name /metric_id); or the same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/value-drivers [post]
func (s *Server) createValueDriver(c echo.Context) error {
	var in ValueDriverCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	d := &domain.ValueDriver{WorkspaceID: principal(c).WorkspaceID, TouchpointID: in.TouchpointID, MetricID: in.MetricID,
		UnitValue: in.UnitValue, ExposurePerYear: in.ExposurePerYear, ExposureUnit: in.ExposureUnit, Note: in.Note}
	if err := d.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateValueDriver(c.Request().Context(), d); err != nil {
		return err
	}
	cur, err := s.currency(c)
	if err != nil {
		return err
	}
	return created(c, "/api/v1/value-drivers/"+d.ID, d.Version, valueDriverOut(d, cur))
}

// listValueDrivers godoc
//
//	@Summary		List value drivers, oldest first
//	@Description	touchpoint_id takes several values, any of which matches: repeat the parameter or separate the ids with commas.
//	@ID				listValueDrivers
//	@Tags			money
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			touchpoint_id	query		[]string	false	"Drivers at any of these touchpoints"	collectionFormat(csv)	extensions(x-example=3f6c2a9e-8b1d-4e7a-9c55-1d2e3f4a5b6c)
//	@Param			limit			query		int			false	"Page size, 1–100"						default(20)				extensions(x-example=10)
//	@Param			cursor			query		string		false	"next_cursor of the previous page"		extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success		200				{object}	ValueDriverList
//	@Failure		400				{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/value-drivers [get]
func (s *Server) listValueDrivers(c echo.Context) error {
	q := newListQuery(c, "touchpoint_id")
	touchpoints := q.ids("touchpoint_id")
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	drivers, next, err := s.store.ListValueDrivers(c.Request().Context(), principal(c).WorkspaceID, touchpoints, page)
	if err != nil {
		return err
	}
	cur, err := s.currency(c)
	if err != nil {
		return err
	}
	out := ValueDriverList{Items: make([]ValueDriver, len(drivers)), NextCursor: encodeCursor(next)}
	for n := range drivers {
		out.Items[n] = valueDriverOut(&drivers[n], cur)
	}
	return c.JSON(http.StatusOK, out)
}

// getValueDriver godoc
//
//	@Summary	Get a value driver
//	@ID			getValueDriver
//	@Tags		money
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Value driver id"	format(uuid)
//	@Success	200		{object}	ValueDriver
//	@Header		200		{string}	ETag				"Version, for If-Match"
//	@Failure	400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/value-drivers/{id} [get]
func (s *Server) getValueDriver(c echo.Context) error {
	id, err := pathID(c, "value driver")
	if err != nil {
		return err
	}
	d, err := s.store.GetValueDriver(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	return s.valueDriverJSON(c, d)
}

// driverPairFixed is the detail of a patch that would move a driver to
// another touchpoint or metric: the pair is what the driver prices.
const driverPairFixed = "cannot be changed; create a new driver for another touchpoint or metric"

// patchValueDriver godoc
//
//	@Summary		Change a value driver (JSON Merge Patch)
//	@Description	Absent fields stay unchanged; null clears note; null on unit_value, exposure_per_year, exposure_unit, touchpoint_id or metric_id is 422 naming the field (leave it out to keep it). touchpoint_id and metric_id cannot change: another value is 422 naming the field (create a new driver for another touchpoint or metric). The business cases of the ideas naming the driver are recomputed in the same transaction.
//	@ID				patchValueDriver
//	@Tags			money
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"Value driver id"																							format(uuid)
//	@Param			If-Match	header		string				true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		ValueDriverPatch	true	"Fields to change"
//	@Success		200			{object}	ValueDriver
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		412			{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is neither application/json nor application/merge-patch+json"
//	@Failure		422			{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		428			{object}	Problem				"If-Match is missing"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/value-drivers/{id} [patch]
func (s *Server) patchValueDriver(c echo.Context) error {
	id, err := pathID(c, "value driver")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in ValueDriverPatch
	p, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	d, err := s.store.UpdateValueDriver(c.Request().Context(), principal(c).WorkspaceID, id, version, func(d *domain.ValueDriver) error {
		var fields []domain.FieldError
		fixed := func(name string, value *string, current string) {
			p.refuseNull(&fields, name)
			if value != nil && !strings.EqualFold(*value, current) {
				fields = append(fields, domain.FieldError{Pointer: "/" + name, Detail: driverPairFixed})
			}
		}
		fixed("touchpoint_id", in.TouchpointID, d.TouchpointID)
		fixed("metric_id", in.MetricID, d.MetricID)
		setRequired(p, &fields, "unit_value", in.UnitValue, &d.UnitValue)
		setRequired(p, &fields, "exposure_per_year", in.ExposurePerYear, &d.ExposurePerYear)
		setRequired(p, &fields, "exposure_unit", in.ExposureUnit, &d.ExposureUnit)
		setField(p, "note", in.Note, &d.Note)
		return withFields(fields, d.Validate())
	})
	if err != nil {
		return err
	}
	return s.valueDriverJSON(c, d)
}

// deleteValueDriver godoc
//
//	@Summary		Delete a value driver no idea's business case names
//	@Description	While ideas' business cases name the driver in expected_improvements, 409 naming up to three of them and how many there are.
//	@ID				deleteValueDriver
//	@Tags			money
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path	string	true	"Value driver id"																					format(uuid)
//	@Param			If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success		204
//	@Failure		400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409		{object}	Problem				"Ideas' business cases name the driver"
//	@Failure		412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		428		{object}	Problem				"If-Match is missing"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/value-drivers/{id} [delete]
func (s *Server) deleteValueDriver(c echo.Context) error {
	id, err := pathID(c, "value driver")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteValueDriver(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
