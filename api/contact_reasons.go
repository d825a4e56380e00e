package api

import (
	"context"
	"mime"
	"net/http"
	"strings"
	"time"

	"cxbacklog/api/ingest"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// Why customers contact us (issue 18): contact reasons, their volumes per
// period, and a bulk import of a contact centre's export.

// ContactReasonCreate is the body of POST /contact-reasons.
type ContactReasonCreate struct {
	Name string `json:"name" binding:"required,max=200" example:"Where is my invoice?"` // unique in the workspace, case-insensitively
	// Where the failure originates: the invoice, not the phone line the
	// customer called.
	TouchpointID string `json:"touchpoint_id" binding:"required,uuid" format:"uuid"`
	Avoidable    bool   `json:"avoidable" example:"true" extensions:"x-nullable,x-omitempty"` // failure demand: the contact should not have been needed; default false
	Description  string `json:"description" binding:"max=10000" example:"The invoice did not arrive, or arrived where the customer did not look" extensions:"x-nullable,x-omitempty"`
} // @name ContactReasonCreate

// ContactReasonPatch is a JSON Merge Patch of a contact reason: absent
// fields stay unchanged, null clears description, null on any other field
// is 422.
type ContactReasonPatch struct {
	Name         *string `json:"name" example:"Where is my invoice?" extensions:"x-nullable,x-omitempty"`
	TouchpointID *string `json:"touchpoint_id" format:"uuid" extensions:"x-nullable,x-omitempty"`
	Avoidable    *bool   `json:"avoidable" example:"true" extensions:"x-nullable,x-omitempty"`
	Description  *string `json:"description" extensions:"x-nullable,x-omitempty"`
} // @name ContactReasonPatch

// ContactReason is why customers contact the organisation, at the
// touchpoint where the failure originates.
type ContactReason struct {
	ID           string `json:"id" format:"uuid" binding:"required"`
	Name         string `json:"name" example:"Where is my invoice?" binding:"required"`
	TouchpointID string `json:"touchpoint_id" format:"uuid" binding:"required"` // where the failure originates
	Avoidable    bool   `json:"avoidable" example:"true" binding:"required"`    // failure demand
	Description  string `json:"description" binding:"required"`
	// Read-only, derived from the volume records: the contacts of the
	// records that end within the year up to the latest one, per month
	// those records cover (at least 1, at most 12). Twelve monthly records
	// of 100, 200, ..., 1,200 make 650; 0 without records.
	ContactsPerMonth float64   `json:"contacts_per_month" example:"650" binding:"required"`
	Version          int       `json:"version" example:"1" binding:"required"`
	CreatedAt        time.Time `json:"created_at" binding:"required"`
	UpdatedAt        time.Time `json:"updated_at" binding:"required"`
} // @name ContactReason

// ContactReasonList is one page of contact reasons, oldest first.
type ContactReasonList struct {
	Items      []ContactReason `json:"items" binding:"required"`
	NextCursor *string         `json:"next_cursor" extensions:"x-nullable"` // null on the last page
} // @name ContactReasonList

// ContactVolumeInput is one volume record: how many contacts a reason
// caused in a period, and how many of them were resolved at the first
// contact; per channel, or for all channels. The body of POST and PUT.
type ContactVolumeInput struct {
	PeriodStart string `json:"period_start" binding:"required" format:"date" example:"2026-10-01"`
	PeriodEnd   string `json:"period_end" binding:"required" format:"date" example:"2026-10-31"` // inclusive
	// Absent or null: all channels. One record per reason, period and
	// channel.
	Channel              *string `json:"channel" enums:"web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment" example:"phone" extensions:"x-nullable,x-omitempty"`
	Contacts             *int    `json:"contacts" binding:"required" minimum:"0" maximum:"1000000000" example:"1840"`
	ResolvedFirstContact *int    `json:"resolved_first_contact" binding:"required" minimum:"0" maximum:"1000000000" example:"1210"` // at most contacts
} // @name ContactVolumeInput

// ContactVolume is one reason's contacts in one period.
type ContactVolume struct {
	ID                   string    `json:"id" format:"uuid" binding:"required"`
	ReasonID             string    `json:"reason_id" format:"uuid" binding:"required"` // read-only: the reason of the path
	PeriodStart          string    `json:"period_start" format:"date" example:"2026-10-01" binding:"required"`
	PeriodEnd            string    `json:"period_end" format:"date" example:"2026-10-31" binding:"required"`
	Channel              *string   `json:"channel" enums:"web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment" example:"phone" extensions:"x-nullable"` // null: all channels
	Contacts             int       `json:"contacts" example:"1840" binding:"required"`
	ResolvedFirstContact int       `json:"resolved_first_contact" example:"1210" binding:"required"`
	Version              int       `json:"version" example:"1" binding:"required"` // the ETag, for If-Match
	CreatedAt            time.Time `json:"created_at" binding:"required"`
	UpdatedAt            time.Time `json:"updated_at" binding:"required"` // when last replaced; created_at until then
} // @name ContactVolume

// ContactVolumeList is one page of a reason's volume records, by
// period_start, then id.
type ContactVolumeList struct {
	Items      []ContactVolume `json:"items" binding:"required"`
	NextCursor *string         `json:"next_cursor" extensions:"x-nullable"` // null on the last page
} // @name ContactVolumeList

// ContactVolumeImport says what a bulk import stored.
type ContactVolumeImport struct {
	Stored   int `json:"stored" example:"100000" binding:"required"`  // inserted + replaced
	Inserted int `json:"inserted" example:"96000" binding:"required"` // new records
	Replaced int `json:"replaced" example:"4000" binding:"required"`  // records replaced (mode=upsert), each now one version further
} // @name ContactVolumeImport

func contactReasonOut(r *domain.ContactReason) ContactReason {
	return ContactReason{ID: r.ID, Name: r.Name, TouchpointID: r.TouchpointID, Avoidable: r.Avoidable, Description: r.Description,
		ContactsPerMonth: r.ContactsPerMonth, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func contactVolumeOut(v *domain.ContactVolume) ContactVolume {
	return ContactVolume{ID: v.ID, ReasonID: v.ReasonID, PeriodStart: v.PeriodStart.Format(dateLayout), PeriodEnd: v.PeriodEnd.Format(dateLayout),
		Channel: nilIfEmpty(string(v.Channel)), Contacts: v.Contacts, ResolvedFirstContact: v.ResolvedFirstContact,
		Version: v.Version, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
}

// contactReasonJSON answers reason r with its ETag.
func contactReasonJSON(c echo.Context, r *domain.ContactReason) error {
	setETag(c, r.Version)
	return c.JSON(http.StatusOK, contactReasonOut(r))
}

// contactVolumeOf builds and validates a volume record of the reason from
// its input; fields are named by pointer.
func contactVolumeOf(in *ContactVolumeInput, ws, reasonID string) (*domain.ContactVolume, error) {
	var fields []domain.FieldError
	start := parseDate(&fields, "/period_start", &in.PeriodStart)
	end := parseDate(&fields, "/period_end", &in.PeriodEnd)
	for _, f := range []presence{{"/contacts", in.Contacts != nil}, {"/resolved_first_contact", in.ResolvedFirstContact != nil}} {
		if !f.present {
			fields = append(fields, domain.FieldError{Pointer: f.pointer, Detail: "is required"})
		}
	}
	if len(fields) > 0 {
		return nil, domain.Invalid(fields...)
	}
	v := &domain.ContactVolume{WorkspaceID: ws, ReasonID: reasonID, PeriodStart: *start, PeriodEnd: *end,
		Contacts: *in.Contacts, ResolvedFirstContact: *in.ResolvedFirstContact}
	if in.Channel != nil {
		v.Channel = domain.Channel(*in.Channel)
	}
	return v, v.Validate()
}

// createContactReason godoc
//
//	@Summary		Create a contact reason: why customers contact us
//	@Description	A reason ("Where is my invoice?") at the touchpoint where the failure originates (the invoice, not the phone line). avoidable marks failure demand: contacts that should not have been needed (default false). Names are unique in the workspace, case-insensitively: a second is 409 naming /name. A touchpoint not in the workspace is 422 naming touchpoint_id. contacts_per_month starts at 0 and follows the reason's volume records.
//	@ID				createContactReason
//	@Tags			contacts
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string				false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			reason			body		ContactReasonCreate	true	"The contact reason"
//	@Success		201				{object}	ContactReason
//	@Header			201				{string}	Location			"URL of the new contact reason"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		409				{object}	Problem				"The workspace has a reason of this name (errors name /name); or the same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/contact-reasons [post]
func (s *Server) createContactReason(c echo.Context) error {
	var in ContactReasonCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	r := &domain.ContactReason{WorkspaceID: principal(c).WorkspaceID, Name: in.Name, TouchpointID: in.TouchpointID,
		Avoidable: in.Avoidable, Description: in.Description}
	if err := r.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateContactReason(c.Request().Context(), r); err != nil {
		return err
	}
	return created(c, "/api/v1/contact-reasons/"+r.ID, r.Version, contactReasonOut(r))
}

// listContactReasons godoc
//
//	@Summary		List contact reasons, oldest first
//	@Description	touchpoint_id takes several values, any of which matches: repeat the parameter or separate the ids with commas.
//	@ID				listContactReasons
//	@Tags			contacts
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			touchpoint_id	query		[]string	false	"Reasons originating at any of these touchpoints"				collectionFormat(csv)	extensions(x-example=3f6c2a9e-8b1d-4e7a-9c55-1d2e3f4a5b6c)
//	@Param			avoidable		query		bool		false	"Only failure demand (true) or only value demand (false)"	extensions(x-example=true)
//	@Param			limit			query		int			false	"Page size, 1–100"												default(20)				extensions(x-example=10)
//	@Param			cursor			query		string		false	"next_cursor of the previous page"								extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success		200				{object}	ContactReasonList
//	@Failure		400				{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/contact-reasons [get]
func (s *Server) listContactReasons(c echo.Context) error {
	q := newListQuery(c, "touchpoint_id", "avoidable")
	f := domain.ContactReasonFilter{TouchpointIDs: q.ids("touchpoint_id")}
	switch v := q.one("avoidable"); v {
	case "":
	case "true", "false":
		b := v == "true"
		f.Avoidable = &b
	default:
		q.fail("avoidable", "must be true or false")
	}
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	reasons, next, err := s.store.ListContactReasons(c.Request().Context(), principal(c).WorkspaceID, f, page)
	if err != nil {
		return err
	}
	out := ContactReasonList{Items: make([]ContactReason, len(reasons)), NextCursor: encodeCursor(next)}
	for n := range reasons {
		out.Items[n] = contactReasonOut(&reasons[n])
	}
	return c.JSON(http.StatusOK, out)
}

// getContactReason godoc
//
//	@Summary	Get a contact reason
//	@ID			getContactReason
//	@Tags		contacts
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Contact reason id"	format(uuid)
//	@Success	200		{object}	ContactReason
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
//	@Router		/api/v1/contact-reasons/{id} [get]
func (s *Server) getContactReason(c echo.Context) error {
	id, err := pathID(c, "contact reason")
	if err != nil {
		return err
	}
	r, err := s.store.GetContactReason(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	return contactReasonJSON(c, r)
}

// patchContactReason godoc
//
//	@Summary		Change a contact reason (JSON Merge Patch)
//	@Description	Absent fields stay unchanged; null clears description; null on name, touchpoint_id or avoidable is 422 naming the field (leave it out to keep it). A name another reason of the workspace has is 409 naming /name; a touchpoint not in the workspace is 422 naming touchpoint_id. contacts_per_month is derived from the volume records and cannot be set (400).
//	@ID				patchContactReason
//	@Tags			contacts
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"Contact reason id"																							format(uuid)
//	@Param			If-Match	header		string				true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		ContactReasonPatch	true	"Fields to change"
//	@Success		200			{object}	ContactReason
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"Another reason of the workspace has this name (errors name /name)"
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
//	@Router			/api/v1/contact-reasons/{id} [patch]
func (s *Server) patchContactReason(c echo.Context) error {
	id, err := pathID(c, "contact reason")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in ContactReasonPatch
	p, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	r, err := s.store.UpdateContactReason(c.Request().Context(), principal(c).WorkspaceID, id, version, func(r *domain.ContactReason) error {
		var fields []domain.FieldError
		setRequired(p, &fields, "name", in.Name, &r.Name)
		setRequired(p, &fields, "touchpoint_id", in.TouchpointID, &r.TouchpointID)
		setRequired(p, &fields, "avoidable", in.Avoidable, &r.Avoidable)
		setField(p, "description", in.Description, &r.Description)
		return withFields(fields, r.Validate())
	})
	if err != nil {
		return err
	}
	return contactReasonJSON(c, r)
}

// deleteContactReason godoc
//
//	@Summary		Delete a contact reason and its volume records
//	@Description	The reason's volume records go with it. While ideas link it as evidence, 409 naming up to three of them and how many there are.
//	@ID				deleteContactReason
//	@Tags			contacts
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path	string	true	"Contact reason id"																					format(uuid)
//	@Param			If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success		204
//	@Failure		400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409		{object}	Problem				"Ideas link the reason as evidence"
//	@Failure		412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		428		{object}	Problem				"If-Match is missing"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/contact-reasons/{id} [delete]
func (s *Server) deleteContactReason(c echo.Context) error {
	id, err := pathID(c, "contact reason")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteContactReason(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// createContactVolume godoc
//
//	@Summary		Record a contact reason's contacts in a period
//	@Description	How many contacts the reason caused in the period (dates, both included) and how many of them were resolved at the first contact (at most contacts); per channel, or for all channels when channel is absent or null. One record per reason, period and channel: a second is 409 naming /period_start. The reason's contacts_per_month, and that of the ideas linked to it, follow in the same transaction.
//	@ID				createContactVolume
//	@Tags			contacts
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"Contact reason id"	format(uuid)
//	@Param			Idempotency-Key	header		string				false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			volume			body		ContactVolumeInput	true	"The volume record"
//	@Success		201				{object}	ContactVolume
//	@Header			201				{string}	Location			"URL of the new volume record"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404				{object}	Problem				"Unknown reason, or in another workspace"
//	@Failure		409				{object}	Problem				"The reason has a record for this period and channel (errors name /period_start); or the same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/contact-reasons/{id}/volumes [post]
func (s *Server) createContactVolume(c echo.Context) error {
	reasonID, err := pathID(c, "contact reason")
	if err != nil {
		return err
	}
	var in ContactVolumeInput
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	if _, err := s.store.GetContactReason(ctx, ws, reasonID); err != nil {
		return err // another workspace's reason is 404 whatever the body
	}
	v, err := contactVolumeOf(&in, ws, reasonID)
	if err != nil {
		return err
	}
	if err := s.store.CreateContactVolume(ctx, v); err != nil {
		return err
	}
	return created(c, "/api/v1/contact-reasons/"+reasonID+"/volumes/"+v.ID, v.Version, contactVolumeOut(v))
}

// dayParam reads an optional date parameter.
func dayParam(q *listQuery, name string) *time.Time {
	s := q.one(name)
	if s == "" {
		return nil
	}
	d, err := time.Parse(dateLayout, s)
	if err != nil || !domain.ValidDate(d) {
		q.fail(name, "must be a date like 2026-10-01, from %d-01-01 to %d-12-31", domain.MinDateYear, domain.MaxDateYear)
		return nil
	}
	return &d
}

// listContactVolumes godoc
//
//	@Summary		List a contact reason's volume records, oldest period first
//	@Description	from and to keep the records whose whole period lies within them (both days included). channel takes several values, any of which matches: repeat the parameter or separate them with commas; it matches the records of those channels, not those for all channels.
//	@ID				listContactVolumes
//	@Tags			contacts
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string		true	"Contact reason id"									format(uuid)
//	@Param			from	query		string		false	"Records whose period starts on or after this date"	format(date)	extensions(x-example=2026-01-01)
//	@Param			to		query		string		false	"Records whose period ends on or before this date"	format(date)	extensions(x-example=2026-12-31)
//	@Param			channel	query		[]string	false	"Records of any of these channels"					Enums(web,mobile_app,phone,email,chat,in_person,social,mail,self_service,partner,physical_environment)	collectionFormat(csv)	extensions(x-example=phone)
//	@Param			limit	query		int			false	"Page size, 1–100"									default(20)																								extensions(x-example=12)
//	@Param			cursor	query		string		false	"next_cursor of the previous page"					extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwMDowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success		200		{object}	ContactVolumeList
//	@Failure		400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		404		{object}	Problem				"Unknown reason, or in another workspace"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/contact-reasons/{id}/volumes [get]
func (s *Server) listContactVolumes(c echo.Context) error {
	reasonID, err := pathID(c, "contact reason")
	if err != nil {
		return err
	}
	q := newListQuery(c, "from", "to", "channel")
	f := domain.ContactVolumeFilter{From: dayParam(q, "from"), To: dayParam(q, "to"), Channels: enumList(q, "channel", domain.Channels)}
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	vs, next, err := s.store.ListContactVolumes(c.Request().Context(), principal(c).WorkspaceID, reasonID, f, page)
	if err != nil {
		return err
	}
	out := ContactVolumeList{Items: make([]ContactVolume, len(vs)), NextCursor: encodeCursor(next)}
	for n := range vs {
		out.Items[n] = contactVolumeOut(&vs[n])
	}
	return c.JSON(http.StatusOK, out)
}

// getContactVolume godoc
//
//	@Summary	Get one of a contact reason's volume records
//	@ID			getContactVolume
//	@Tags		contacts
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"Contact reason id"	format(uuid)
//	@Param		volume_id	path		string	true	"Volume record id"	format(uuid)
//	@Success	200			{object}	ContactVolume
//	@Header		200			{string}	ETag				"Version, for If-Match"
//	@Failure	400			{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404			{object}	Problem				"Unknown, of another reason, or in another workspace"
//	@Failure	429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/contact-reasons/{id}/volumes/{volume_id} [get]
func (s *Server) getContactVolume(c echo.Context) error {
	reasonID, id, err := childPathIDs(c, "contact reason", "volume_id", "volume record")
	if err != nil {
		return err
	}
	v, err := s.store.GetContactVolume(c.Request().Context(), principal(c).WorkspaceID, reasonID, id)
	if err != nil {
		return err
	}
	setETag(c, v.Version)
	return c.JSON(http.StatusOK, contactVolumeOut(v))
}

// putContactVolume godoc
//
//	@Summary		Correct a volume record: replace it whole
//	@Description	The body is that of a new record (period, channel, contacts, resolved_first_contact), all of which replace the record's: a channel left out means all channels, other fields left out are 422. The reason, id and created_at stay; the version counts on. If-Match is required (428 without) and must be the current version (412). Another record of the reason with the new period and channel is 409 naming /period_start. The reason's contacts_per_month, and that of the ideas linked to it, follow in the same transaction.
//	@ID				replaceContactVolume
//	@Tags			contacts
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"Contact reason id"																					format(uuid)
//	@Param			volume_id	path		string				true	"Volume record id"																					format(uuid)
//	@Param			If-Match	header		string				true	"ETag of the version being replaced, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			volume		body		ContactVolumeInput	true	"The whole record"
//	@Success		200			{object}	ContactVolume
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, of another reason, or in another workspace"
//	@Failure		409			{object}	Problem				"Another record of the reason has this period and channel"
//	@Failure		412			{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is not application/json"
//	@Failure		422			{object}	Problem				"Invalid values; errors name the fields"
//	@Failure		428			{object}	Problem				"If-Match is missing"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/contact-reasons/{id}/volumes/{volume_id} [put]
func (s *Server) putContactVolume(c echo.Context) error {
	reasonID, id, err := childPathIDs(c, "contact reason", "volume_id", "volume record")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in ContactVolumeInput
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	// As a replacement judged after its record is read would be: 404, then
	// 412, then 422. The store checks the version again under its lock.
	cur, err := s.store.GetContactVolume(ctx, ws, reasonID, id)
	if err != nil {
		return err
	}
	if cur.Version != version {
		return domain.Errorf(domain.EPreconditionFailed, "the resource has changed: its version is %d, If-Match said %d; fetch it again and reapply your change", cur.Version, version)
	}
	with, err := contactVolumeOf(&in, ws, reasonID)
	if err != nil {
		return err
	}
	v, err := s.store.ReplaceContactVolume(ctx, ws, reasonID, id, version, with)
	if err != nil {
		return err
	}
	setETag(c, v.Version)
	return c.JSON(http.StatusOK, contactVolumeOut(v))
}

// deleteContactVolume godoc
//
//	@Summary		Delete a volume record
//	@Description	The reason's contacts_per_month, and that of the ideas linked to it, follow in the same transaction.
//	@ID				deleteContactVolume
//	@Tags			contacts
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path	string	true	"Contact reason id"																					format(uuid)
//	@Param			volume_id	path	string	true	"Volume record id"																					format(uuid)
//	@Param			If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success		204
//	@Failure		400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404		{object}	Problem				"Unknown, of another reason, or in another workspace"
//	@Failure		412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		428		{object}	Problem				"If-Match is missing"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/contact-reasons/{id}/volumes/{volume_id} [delete]
func (s *Server) deleteContactVolume(c echo.Context) error {
	reasonID, id, err := childPathIDs(c, "contact reason", "volume_id", "volume record")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteContactVolume(c.Request().Context(), principal(c).WorkspaceID, reasonID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// contactVolumeImportPath is the bulk import of volume records, which takes
// the upload machinery (upload.go) and its limits.
const contactVolumeImportPath = "/contact-volumes/import"

// volumeImportModeKey holds the mode checkVolumeImport read.
const volumeImportModeKey = "volume_import_mode"

// checkVolumeImport refuses a bad mode, an unknown parameter or a body that
// is not CSV before the upload is received, so a wrong request is answered
// at once rather than after its body.
func (s *Server) checkVolumeImport(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		q := newQuery(c, "mode")
		mode := domain.ImportModes[0]
		if m := enumParam(q, "mode", domain.ImportModes); m != nil {
			mode = *m
		} else if vs := c.QueryParams()["mode"]; len(vs) == 1 && vs[0] == "" {
			q.fail("mode", "must not be empty; leave it out for insert") // ?mode= names no mode
		}
		if err := q.err(); err != nil {
			return err
		}
		if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != ingest.MediaCSV {
			return domain.Errorf(domain.EUnsupportedMedia, "send the rows as Content-Type: text/csv")
		}
		c.Set(volumeImportModeKey, mode)
		return next(c)
	}
}

// contactReasonNames maps the workspace's reasons' names, in lower case, to
// their ids.
func (s *Server) contactReasonNames(ctx context.Context, ws string) (map[string]string, error) {
	names := map[string]string{}
	for page := (domain.Page{Limit: 1000}); ; {
		reasons, next, err := s.store.ListContactReasons(ctx, ws, domain.ContactReasonFilter{}, page)
		if err != nil {
			return nil, err
		}
		for _, r := range reasons {
			names[strings.ToLower(r.Name)] = r.ID
		}
		if next == nil {
			return names, nil
		}
		page.After = next
	}
}

// importContactVolumes godoc
//
//	@Summary		Import contact volume records from a contact centre's export (CSV)
//	@Description	text/csv with a header naming the columns reason, period_start, period_end, contacts, resolved_first_contact and optionally channel, in any order and case (the header is line 1). reason is a contact reason's name, case-insensitively; a name the workspace has no reason of is 422 naming the line and the name. An empty channel means all channels. Up to 100,000 rows; all or nothing: a bad row is 422 naming its line (errors[0].line) and column (pointer), and so is a row repeating the reason, period and channel of an earlier one; nothing is stored. With mode=insert (the default) a reason, period and channel recorded already is 409 naming its line; with mode=upsert it replaces that record (its version + 1) and the other rows are added. The reasons' contacts_per_month, and that of the ideas linked to them, follow in the same transaction. The body is received into a temporary file first (up to 256 MB, 5 minutes; a client sending slower than 16 KiB/s on average after the first 10 s is cut off with 408), as observation uploads are, and counts against the same caps on uploads in flight. With an Idempotency-Key, a retry replays the first response instead of importing again.
//	@ID				importContactVolumes
//	@Tags			contacts
//	@Accept			text/csv
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			mode			query		string	false	"What a row of a reason, period and channel recorded already does: insert refuses it (409), upsert replaces the record"	Enums(insert,upsert)	default(insert)	extensions(x-example=upsert)
//	@Param			Idempotency-Key	header		string	false	"Makes the import safe to retry: the first response is replayed for 24 h"
//	@Param			rows			body		string	true	"CSV rows"
//	@Success		200				{object}	ContactVolumeImport
//	@Header			200				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		408				{object}	Problem				"The body arrived too slowly"
//	@Failure		409				{object}	Problem				"mode=insert and a reason, period and channel is recorded already (errors[0].line names it); or the same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"More than 100,000 rows or the body limit"
//	@Failure		415				{object}	Problem				"The body is not text/csv"
//	@Failure		422				{object}	Problem				"A bad row (errors[0].line names it), or an Idempotency-Key reused for a different body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has as many uploads in flight as it may (4 by default); retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable, or the server takes no more uploads now (16 in flight by default); retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/contact-volumes/import [post]
func (s *Server) importContactVolumes(c echo.Context) error {
	mode, _ := c.Get(volumeImportModeKey).(domain.ImportMode)
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	reasons, err := s.contactReasonNames(ctx, ws)
	if err != nil {
		return err
	}
	rows, err := ingest.ContactVolumes(requestBody{c.Request().Body}, ws, reasons)
	if err != nil {
		return err
	}
	res, err := s.store.ImportContactVolumes(ctx, ws, rows.Items, mode == domain.ImportUpsert)
	if err != nil {
		return rows.Locate(err) // the store names a record by its position
	}
	return c.JSON(http.StatusOK, ContactVolumeImport{Stored: res.Inserted + res.Replaced, Inserted: res.Inserted, Replaced: res.Replaced})
}
