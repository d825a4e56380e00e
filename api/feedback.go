package api

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cxbacklog/api/ingest"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// Customer feedback (issue 18): verbatims at a touchpoint, searched in
// full text, imported in bulk.

// feedbackImportPath is the bulk import, which takes the upload route's
// limits (upload.go): a body spooled to a temporary file, up to 256 MB.
const feedbackImportPath = "/feedback/import"

// feedbackImportBatch is how many items of an import go to the store at a
// time, all in one transaction: memory holds one batch, not the import.
const feedbackImportBatch = 1000

// maxFeedbackQuery bounds the q parameter.
const maxFeedbackQuery = 1000

// The orders of the feedback list.
const (
	feedbackNewest    = "-received_at" // newest received first
	feedbackRelevance = "relevance"    // best match first (needs q)
)

var feedbackSorts = []string{feedbackNewest, feedbackRelevance}

// FeedbackCreate is the body of POST /feedback and one line of an NDJSON
// import: what a customer said, verbatim, at a touchpoint.
type FeedbackCreate struct {
	TouchpointID string `json:"touchpoint_id" binding:"required,uuid" format:"uuid"` // what the feedback is about
	Source       string `json:"source" binding:"required" enums:"survey,complaint,review,agent_note,social,other" example:"complaint"`
	Text         string `json:"text" binding:"required,max=10000" example:"Third month my invoice arrives late, and nobody can tell me why."`
	// A score given with the feedback, within its scale score_min to
	// score_max, which it needs (1 to 5 for CSAT, 0 to 10 for a
	// recommendation question).
	Score      *float64 `json:"score" example:"2" extensions:"x-nullable,x-omitempty"`
	ScoreMin   *float64 `json:"score_min" example:"1" extensions:"x-nullable,x-omitempty"`
	ScoreMax   *float64 `json:"score_max" example:"5" extensions:"x-nullable,x-omitempty"`
	ReceivedAt string   `json:"received_at" binding:"required" format:"date-time" example:"2026-10-01T09:30:00Z"` // RFC 3339
	// Your reference for the customer or the case, opaque to cxbacklog and
	// never required. Do not put personal data in it (a name, an e-mail
	// address): use an id only your own systems can resolve.
	CustomerRef string `json:"customer_ref" binding:"max=200" example:"case-20261001-4711" extensions:"x-nullable,x-omitempty"`
	// The text search configuration the text is stemmed in (default english;
	// simple only lower-cases).
	Language string `json:"language" enums:"simple,danish,dutch,english,finnish,french,german,hungarian,italian,norwegian,portuguese,romanian,russian,spanish,swedish,turkish" example:"english" extensions:"x-nullable,x-omitempty"`
} // @name FeedbackCreate

// FeedbackPatch is a JSON Merge Patch of a feedback item: absent fields
// stay unchanged; null on score clears the score and its scale; null
// clears score_min, score_max (only with the score) and customer_ref; null
// on any other field is 422.
type FeedbackPatch struct {
	TouchpointID *string  `json:"touchpoint_id" format:"uuid" extensions:"x-nullable,x-omitempty"`
	Source       *string  `json:"source" enums:"survey,complaint,review,agent_note,social,other" extensions:"x-nullable,x-omitempty"`
	Text         *string  `json:"text" extensions:"x-nullable,x-omitempty"`
	Score        *float64 `json:"score" example:"3" extensions:"x-nullable,x-omitempty"`
	ScoreMin     *float64 `json:"score_min" extensions:"x-nullable,x-omitempty"`
	ScoreMax     *float64 `json:"score_max" extensions:"x-nullable,x-omitempty"`
	ReceivedAt   *string  `json:"received_at" format:"date-time" extensions:"x-nullable,x-omitempty"`
	CustomerRef  *string  `json:"customer_ref" extensions:"x-nullable,x-omitempty"`
	Language     *string  `json:"language" enums:"simple,danish,dutch,english,finnish,french,german,hungarian,italian,norwegian,portuguese,romanian,russian,spanish,swedish,turkish" extensions:"x-nullable,x-omitempty"`
} // @name FeedbackPatch

// Feedback is one thing a customer said, verbatim, at a touchpoint.
type Feedback struct {
	ID           string    `json:"id" format:"uuid" binding:"required"`
	TouchpointID string    `json:"touchpoint_id" format:"uuid" binding:"required"`
	Source       string    `json:"source" enums:"survey,complaint,review,agent_note,social,other" example:"complaint" binding:"required"`
	Text         string    `json:"text" example:"Third month my invoice arrives late, and nobody can tell me why." binding:"required"`
	Score        *float64  `json:"score" example:"2" extensions:"x-nullable"`     // null without a score
	ScoreMin     *float64  `json:"score_min" example:"1" extensions:"x-nullable"` // the score's scale; null without a score
	ScoreMax     *float64  `json:"score_max" example:"5" extensions:"x-nullable"`
	ReceivedAt   time.Time `json:"received_at" binding:"required"`
	// Your opaque reference, left out when none was given.
	CustomerRef *string `json:"customer_ref,omitempty" example:"case-20261001-4711" extensions:"x-nullable,x-omitempty"`
	Language    string  `json:"language" enums:"simple,danish,dutch,english,finnish,french,german,hungarian,italian,norwegian,portuguese,romanian,russian,spanish,swedish,turkish" example:"english" binding:"required"`
	// With q only: how well the text matches the search (PostgreSQL's
	// ts_rank_cd, higher is better; comparable within one search).
	Rank      *float64  `json:"rank,omitempty" example:"0.2" extensions:"x-nullable,x-omitempty"`
	Version   int       `json:"version" example:"1" binding:"required"`
	CreatedAt time.Time `json:"created_at" binding:"required"`
	UpdatedAt time.Time `json:"updated_at" binding:"required"`
} // @name Feedback

// FeedbackList is one page of feedback: newest received first, or with
// sort=relevance the best match first.
type FeedbackList struct {
	Items      []Feedback `json:"items" binding:"required"`
	NextCursor *string    `json:"next_cursor" extensions:"x-nullable"` // null on the last page
} // @name FeedbackList

// FeedbackImport says what an import stored.
type FeedbackImport struct {
	Stored int `json:"stored" example:"12000" binding:"required"` // feedback items created
} // @name FeedbackImport

func feedbackOut(f *domain.Feedback) Feedback {
	return Feedback{ID: f.ID, TouchpointID: f.TouchpointID, Source: string(f.Source), Text: f.Text, Score: f.Score,
		ScoreMin: f.ScoreMin, ScoreMax: f.ScoreMax, ReceivedAt: f.ReceivedAt.UTC(), CustomerRef: nilIfEmpty(f.CustomerRef),
		Language: f.Language, Version: f.Version, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC()}
}

// rankOut is a rank as PostgreSQL computed it, a real (float4): written
// with the digits a float4 needs, 0.1 rather than 0.10000000149011612.
func rankOut(r float64) *float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(r, 'g', -1, 32), 64)
	return &v
}

// wireFeedbackCursor is the JSON inside a feedback list cursor: the order
// it was made for and the last item's values of its sort keys; the rank
// exactly as the store answered it (not rounded as the wire shows it).
type wireFeedbackCursor struct {
	Sort       string    `json:"s"`
	Rank       *float64  `json:"r,omitempty"`
	ReceivedAt time.Time `json:"t"`
	ID         string    `json:"i"`
}

// instant reads an optional date-time parameter: RFC 3339, or a date, which
// means its first moment, or with endOfDay its last (received_to=2026-10-31
// includes the whole day).
func (q *listQuery) instant(name string, endOfDay bool) *time.Time {
	s := q.one(name)
	if s == "" {
		return nil
	}
	if t, ok := ingest.ParseReceivedAt(s); ok {
		return &t
	}
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		q.fail(name, "must be a date like 2026-10-01 or a date and time in RFC 3339 like 2026-10-01T09:30:00Z")
		return nil
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1).Add(-time.Microsecond)
	}
	return &d
}

// createFeedback godoc
//
//	@Summary		Record a piece of customer feedback
//	@Description	A verbatim (text up to 10,000 characters) at the touchpoint it is about, from a source (survey, complaint, review, agent_note, social, other), received at a moment (RFC 3339). A score is optional, but needs its scale: score_min and score_max, with score within them (else 422 naming score or score_max). customer_ref is your opaque reference, never required: do not put personal data in it. language is the text search configuration the text is stemmed in for search (default english). A touchpoint not in the workspace is 422 naming touchpoint_id.
//	@ID				createFeedback
//	@Tags			contacts
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string			false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			feedback		body		FeedbackCreate	true	"The feedback item"
//	@Success		201				{object}	Feedback
//	@Header			201				{string}	Location			"URL of the new feedback item"
//	@Header			201				{string}	ETag				"Version, for If-Match"
//	@Header			201				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		409				{object}	Problem				"The same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/feedback [post]
func (s *Server) createFeedback(c echo.Context) error {
	var in FeedbackCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	f := &domain.Feedback{WorkspaceID: principal(c).WorkspaceID, TouchpointID: in.TouchpointID, Source: domain.FeedbackSource(in.Source),
		Text: in.Text, Score: in.Score, ScoreMin: in.ScoreMin, ScoreMax: in.ScoreMax, CustomerRef: in.CustomerRef, Language: in.Language}
	if fields := ingest.CheckFeedback(f, in.ReceivedAt); fields != nil {
		return domain.Invalid(fields...)
	}
	if err := s.store.CreateFeedback(c.Request().Context(), f); err != nil {
		return err
	}
	return created(c, "/api/v1/feedback/"+f.ID, f.Version, feedbackOut(f))
}

// listFeedback godoc
//
//	@Summary		List and search customer feedback
//	@Description	Newest received first (received_at, then id, both descending). q searches the texts in PostgreSQL full text, in web search syntax: words all match (stemmed: invoices finds invoice in english), "a quoted phrase" matches the words in that order, or between words matches either, -word excludes; punctuation and case do not matter. The query is stemmed in language (default english), each text in its own language. With q each item carries its rank, and sort=relevance orders by it (best match first, ties newest first; without q it is 400). touchpoint_id and source take several values, any of which matches: repeat the parameter or separate them with commas. received_from and received_to take a date and time in RFC 3339 or a date (received_to's date includes the whole day), both included. Paging is by keyset in every order: a page never repeats or skips an item that was there when paging started (an item whose text changes between pages moves with its new rank).
//	@ID				listFeedback
//	@Tags			contacts
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			q				query		string		false	"Full-text search, web search syntax"																						extensions(x-example=late invoice)
//	@Param			language		query		string		false	"The text search configuration q is stemmed in"																				Enums(simple,danish,dutch,english,finnish,french,german,hungarian,italian,norwegian,portuguese,romanian,russian,spanish,swedish,turkish)	default(english)	extensions(x-example=english)
//	@Param			sort			query		string		false	"Order: newest received first, or (with q) best match first"																Enums(-received_at,relevance)	default(-received_at)	extensions(x-example=relevance)
//	@Param			touchpoint_id	query		[]string	false	"Feedback about any of these touchpoints"																					collectionFormat(csv)	extensions(x-example=3f6c2a9e-8b1d-4e7a-9c55-1d2e3f4a5b6c)
//	@Param			source			query		[]string	false	"Feedback from any of these sources"																						Enums(survey,complaint,review,agent_note,social,other)	collectionFormat(csv)	extensions(x-example=complaint)
//	@Param			received_from	query		string		false	"Received at or after (RFC 3339, or a date: from its start)"																extensions(x-example=2026-01-01)
//	@Param			received_to		query		string		false	"Received at or before (RFC 3339, or a date: to its end)"																	extensions(x-example=2026-12-31)
//	@Param			limit			query		int			false	"Page size, 1–100"																											default(20)	extensions(x-example=10)
//	@Param			cursor			query		string		false	"next_cursor of the previous page (same sort and filters)"																	extensions(x-example=eyJzIjoicmVsZXZhbmNlIiwiciI6MC4xLCJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success		200				{object}	FeedbackList
//	@Failure		400				{object}	Problem				"Bad request: a bad or unknown query parameter (sort=relevance without q, a language not offered, a cursor made for another sort)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/feedback [get]
func (s *Server) listFeedback(c echo.Context) error {
	q := newListQuery(c, "q", "language", "sort", "touchpoint_id", "source", "received_from", "received_to")
	f := domain.FeedbackFilter{TouchpointIDs: q.ids("touchpoint_id"), Sources: enumList(q, "source", domain.FeedbackSources),
		From: q.instant("received_from", false), To: q.instant("received_to", true)}
	if text := q.text("q", maxFeedbackQuery); text != nil {
		f.Query = strings.TrimSpace(*text)
	}
	if lang := enumParam(q, "language", domain.TextLanguages); lang != nil {
		f.Language = *lang
	}
	sort := feedbackNewest
	if v := enumParam(q, "sort", feedbackSorts); v != nil {
		sort = *v
	}
	if sort == feedbackRelevance && f.Query == "" {
		q.fail("sort", "relevance orders by how well a search matches; give q")
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		q.fail("received_to", "must not be before received_from")
	}
	page := domain.Page{Limit: q.limit()}
	var w wireFeedbackCursor
	var afterRank float64
	if q.cursor(&w, func() bool {
		return domain.IsID(w.ID) && !w.ReceivedAt.IsZero() && (w.Rank == nil || !math.IsNaN(*w.Rank) && !math.IsInf(*w.Rank, 0))
	}) {
		switch {
		case w.Sort != sort:
			q.fail("cursor", "was made for sort %s; keep the same sort while paging", w.Sort)
		case sort == feedbackRelevance && w.Rank == nil:
			q.fail("cursor", "is not a cursor this API returned")
		default:
			page.After = &domain.Cursor{CreatedAt: w.ReceivedAt, ID: w.ID}
			if w.Rank != nil {
				afterRank = *w.Rank
			}
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	items, ranks, next, err := s.store.SearchFeedback(c.Request().Context(), principal(c).WorkspaceID, f, sort == feedbackRelevance, page, afterRank)
	if err != nil {
		return err
	}
	out := FeedbackList{Items: make([]Feedback, len(items))}
	for n := range items {
		out.Items[n] = feedbackOut(&items[n])
		if ranks != nil {
			out.Items[n].Rank = rankOut(ranks[n])
		}
	}
	if next != nil {
		cur := wireFeedbackCursor{Sort: sort, ReceivedAt: next.CreatedAt, ID: next.ID}
		if sort == feedbackRelevance {
			cur.Rank = &ranks[len(ranks)-1]
		}
		out.NextCursor = opaque(&cur)
	}
	return c.JSON(http.StatusOK, out)
}

// getFeedback godoc
//
//	@Summary	Get a feedback item
//	@ID			getFeedback
//	@Tags		contacts
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Feedback item id"	format(uuid)
//	@Success	200		{object}	Feedback
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
//	@Router		/api/v1/feedback/{id} [get]
func (s *Server) getFeedback(c echo.Context) error {
	id, err := pathID(c, "feedback item")
	if err != nil {
		return err
	}
	f, err := s.store.GetFeedback(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	setETag(c, f.Version)
	return c.JSON(http.StatusOK, feedbackOut(f))
}

// patchFeedback godoc
//
//	@Summary		Change a feedback item (JSON Merge Patch)
//	@Description	Absent fields stay unchanged. null on score clears the score with its scale (score_min and score_max); null clears customer_ref, and score_min or score_max only together with the score (a score needs its scale: else 422 naming score_max). null on touchpoint_id, source, text, received_at or language is 422 naming the field (leave it out to keep it). A touchpoint not in the workspace is 422 naming touchpoint_id; a new text or language changes what the item is found by at once.
//	@ID				patchFeedback
//	@Tags			contacts
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"Feedback item id"																							format(uuid)
//	@Param			If-Match	header		string			true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		FeedbackPatch	true	"Fields to change"
//	@Success		200			{object}	Feedback
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
//	@Router			/api/v1/feedback/{id} [patch]
func (s *Server) patchFeedback(c echo.Context) error {
	id, err := pathID(c, "feedback item")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in FeedbackPatch
	p, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	f, err := s.store.UpdateFeedback(c.Request().Context(), principal(c).WorkspaceID, id, version, func(f *domain.Feedback) error {
		var fields []domain.FieldError
		setRequired(p, &fields, "touchpoint_id", in.TouchpointID, &f.TouchpointID)
		source := string(f.Source)
		setRequired(p, &fields, "source", in.Source, &source)
		f.Source = domain.FeedbackSource(source)
		setRequired(p, &fields, "text", in.Text, &f.Text)
		setRequired(p, &fields, "language", in.Language, &f.Language) // "" is the default, as on create
		p.refuseNull(&fields, "received_at")
		if in.ReceivedAt != nil {
			if t, ok := ingest.ParseReceivedAt(*in.ReceivedAt); ok {
				f.ReceivedAt = t
			} else {
				fields = append(fields, domain.FieldError{Pointer: "/received_at", Detail: ingest.ReceivedAtDetail})
			}
		}
		setField(p, "score", &in.Score, &f.Score)
		setField(p, "score_min", &in.ScoreMin, &f.ScoreMin)
		setField(p, "score_max", &in.ScoreMax, &f.ScoreMax)
		if p.isNull("score") {
			f.ScoreMin, f.ScoreMax = nil, nil // the scale goes with the score
		}
		setField(p, "customer_ref", in.CustomerRef, &f.CustomerRef)
		return withFields(fields, f.Validate())
	})
	if err != nil {
		return err
	}
	setETag(c, f.Version)
	return c.JSON(http.StatusOK, feedbackOut(f))
}

// deleteFeedback godoc
//
//	@Summary		Delete a feedback item
//	@Description	Ideas that cite the item as evidence lose it with it (their feedback_count drops); nothing else refers to a verbatim.
//	@ID				deleteFeedback
//	@Tags			contacts
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path	string	true	"Feedback item id"																					format(uuid)
//	@Param			If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success		204
//	@Failure		400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure		412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		428		{object}	Problem				"If-Match is missing"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/feedback/{id} [delete]
func (s *Server) deleteFeedback(c echo.Context) error {
	id, err := pathID(c, "feedback item")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteFeedback(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// importFeedback godoc
//
//	@Summary		Import customer feedback in bulk (NDJSON or CSV, up to 100,000 items)
//	@Description	application/x-ndjson: one JSON object per line, each the body of POST /api/v1/feedback. text/csv: a header naming the columns touchpoint_id, source, text and received_at, and optionally score, score_min, score_max, customer_ref and language, in any order and case; then one item per row, an empty cell for an absent value. Quote a text holding commas, line breaks or quotes ("" for a quote), as spreadsheets write it: it is stored as written (a CRLF line break inside it as LF). All or nothing: a bad row (a value the create body would refuse, a touchpoint not in the workspace) is 422 whose errors name its line (the header is line 1; a quoted line break starts a new line) and its field (pointer), and nothing of the request is stored. Once the whole body has arrived (into a temporary file: a slow client never holds a database connection), the items are stored in one transaction. The limits of an observation upload apply: 256 MB, a client sending slower than 16 KiB/s on average after the first 10 s is cut off (408), at most 4 uploads in flight per workspace (429) and 16 per server (503). With an Idempotency-Key, a retry replays the first response instead of storing the items again.
//	@ID				importFeedback
//	@Tags			contacts
//	@Accept			application/x-ndjson
//	@Accept			text/csv
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string	false	"Makes the import safe to retry: the first response is replayed for 24 h"
//	@Param			rows			body		string	true	"NDJSON or CSV rows"
//	@Success		200				{object}	FeedbackImport
//	@Header			200				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		408				{object}	Problem				"The body arrived too slowly"
//	@Failure		409				{object}	Problem				"The same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"More than 100,000 items or the body limit"
//	@Failure		415				{object}	Problem				"The body is neither application/x-ndjson nor text/csv"
//	@Failure		422				{object}	Problem				"A bad row (errors[0].line and errors[0].pointer name it), an import without items, or an Idempotency-Key reused for a different body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has as many uploads in flight as it may (4 by default); retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable, or the server takes no more uploads now (16 in flight by default); retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/feedback/import [post]
func (s *Server) importFeedback(c echo.Context) error {
	ws := principal(c).WorkspaceID
	rows, err := ingest.Feedback(requestBody{c.Request().Body}, c.Request().Header.Get(echo.HeaderContentType), ws)
	if err != nil {
		return err
	}
	stored := 0
	err = s.store.InTx(c.Request().Context(), func(ctx context.Context) error {
		batch := make([]domain.Feedback, 0, feedbackImportBatch)
		lines := make([]int, 0, feedbackImportBatch)
		flush := func() error {
			n, err := s.store.ImportFeedback(ctx, ws, batch)
			if err != nil {
				return locateFeedback(err, lines)
			}
			stored += n
			batch, lines = batch[:0], lines[:0]
			return nil
		}
		for {
			f, line, err := rows.Next()
			if err == io.EOF {
				return flush()
			}
			if err != nil {
				return err
			}
			batch, lines = append(batch, f), append(lines, line)
			if len(batch) == feedbackImportBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, FeedbackImport{Stored: stored})
}

// locateFeedback rewrites the Line of err's field errors from a 1-based
// position in a batch, as the store names an item it refuses, to the
// physical line of that item's row, and says it in the message.
func locateFeedback(err error, lines []int) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	for n, f := range de.Fields {
		if f.Line >= 1 && f.Line <= len(lines) {
			de.Fields[n].Line = lines[f.Line-1]
		}
	}
	if len(de.Fields) > 0 && de.Fields[0].Line > 0 {
		de.Message = "line " + strconv.Itoa(de.Fields[0].Line) + ": " + strings.TrimPrefix(de.Fields[0].Pointer, "/") + " " + de.Fields[0].Detail
	}
	return err
}
