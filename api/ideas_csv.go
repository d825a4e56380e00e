package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cxbacklog/api/csvout"
	"cxbacklog/api/ingest"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// CSV in and out: the backlog as a download, ideas created from a CSV, and
// a pilot's results as CSV. The backlog's row layout and the rule against
// formulas are api/csvout's, shared with the web workspace's download.

const ideaImportPath = "/ideas/import"

// downloadStall is how long a download waits for the client to take a
// page before it gives up on it: the connection's write deadline is moved
// this far ahead before every page.
const downloadStall = 30 * time.Second

// exportIdeas godoc
//
//	@Summary		The backlog as CSV: every idea the filters select, in rank order
//	@Description	The same filters, defaults and order as GET /api/v1/ideas (which answers the same CSV to Accept: text/csv), without a row limit: the download is read from the database a page at a time and streamed, so its size does not matter. Columns: rank, title, status, priority, value, quadrant, impact, experience, effort, confidence, owner, tags, touchpoints ("Journey / Touchpoint" labels), touchpoint_ids, why (why it ranks there, in words), source, problem, proposal, created_at, updated_at, id; several values in one cell are separated by "; ". A cell a person wrote that starts with =, +, -, @, a tab or a carriage return gets an apostrophe first, so a spreadsheet shows it rather than running it. limit and cursor page the JSON list and are refused here. A download cut short by a database failure ends without its last chunk, so the client sees an error rather than a shorter file.
//	@ID				exportIdeasCsv
//	@Tags			ideas
//	@Produce		text/csv,application/problem+json
//	@Security		BearerAuth
//	@Param			sort			query		string		false	"Order"	Enums(-priority,priority,created_at,-created_at,updated_at,-updated_at,title,-expected_net_annual_value,-contacts_per_month,relevance)	default(-priority)	extensions(x-example=-priority)
//	@Param			status			query		[]string	false	"Statuses to list (default open; all for every status; open stands for new, under_review, planned, piloting)"	Enums(open,all,new,under_review,planned,piloting,adopted,rejected,parked)	collectionFormat(csv)	extensions(x-example=all)
//	@Param			touchpoint_id	query		[]string	false	"Ideas targeting any of these touchpoints"	collectionFormat(csv)	extensions(x-example=3f6c2a9e-8b1d-4e7a-9c55-1d2e3f4a5b6c)
//	@Param			journey_id		query		[]string	false	"Ideas targeting a touchpoint of any of these journeys"	collectionFormat(csv)	extensions(x-example=9b2e7d41-0c3a-4f8e-b6d2-7a1c5e9f3d20)
//	@Param			quadrant		query		[]string	false	"Ideas in any of these quadrants"	Enums(quick_win,big_bet,fill_in,money_pit)	collectionFormat(csv)	extensions(x-example=quick_win)
//	@Param			tag				query		[]string	false	"Ideas with any of these tags (repeat the parameter for several)"	collectionFormat(multi)	extensions(x-example=noise)
//	@Param			owner			query		[]string	false	"Ideas of any of these owners, exact (repeat the parameter for several)"	collectionFormat(multi)	extensions(x-example=Contact centre)
//	@Param			q				query		string		false	"Search in title, problem and proposal, as match says (websearch syntax for words)"	extensions(x-example=headset)
//	@Param			match			query		string		false	"words: stemmed words in the workspace's language (a last word ending in * is a prefix); substring: a case-insensitive part of a word"	Enums(words,substring)	default(words)	extensions(x-example=words)
//	@Success		200				{string}	string				"A header row, then one row per idea"
//	@Header			200				{string}	Content-Disposition	"attachment; filename=backlog.csv"
//	@Failure		400				{object}	Problem				"Bad request: a bad or unknown query parameter (limit and cursor too), an unknown sort, or sort=relevance without q and match=words"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/ideas.csv [get]
func (s *Server) exportIdeas(c echo.Context) error {
	q := newListQuery(c, ideaFilterParams()...)
	f := ideaFilter(q)
	for _, name := range []string{"limit", "cursor"} {
		if _, ok := c.QueryParams()[name]; ok {
			q.fail(name, "pages the JSON list; the CSV holds every idea the filters select")
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, csvout.MediaType)
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="backlog.csv"`)
	if c.Request().Method == http.MethodHead {
		res.WriteHeader(http.StatusOK)
		return nil // the headers GET would send, without reading the backlog
	}
	ctx, cancel := s.downloadContext(c)
	defer cancel()
	rc := http.NewResponseController(res)
	stall := func() { _ = rc.SetWriteDeadline(time.Now().Add(downloadStall)) } // unsupported by test recorders
	stall()
	res.WriteHeader(http.StatusOK)
	rows, err := csvout.Ideas(ctx, res, s.store, principal(c).WorkspaceID, f, csvout.Options{AfterPage: func() error {
		stall()
		return rc.Flush()
	}})
	if err != nil {
		// The status is sent: all that is left is not to end the body
		// as if it were whole.
		s.log.WarnContext(c.Request().Context(), "download cut short", "request_id", res.Header().Get(echo.HeaderXRequestID),
			"route", c.Path(), "rows", rows, "error", err.Error())
		panic(http.ErrAbortHandler)
	}
	return nil
}

// downloadContext is the context of a download, which may take longer than
// the request timeout: it ends when the client goes away and after
// BulkTimeout, like an upload, but not at the request's own deadline.
func (s *Server) downloadContext(c echo.Context) (context.Context, context.CancelFunc) {
	req := c.Request().Context()
	var ctx context.Context
	var cancel context.CancelFunc
	if s.cfg.BulkTimeout > 0 {
		ctx, cancel = context.WithTimeout(context.WithoutCancel(req), s.cfg.BulkTimeout)
	} else {
		ctx, cancel = context.WithCancel(context.WithoutCancel(req))
	}
	stop := context.AfterFunc(req, func() {
		if errors.Is(req.Err(), context.Canceled) {
			cancel()
		}
	})
	return ctx, func() { stop(); cancel() }
}

// csvWhenAccepted answers a request for text/csv (Accept) with the CSV
// download instead of the JSON list, as GET /ideas.csv does.
func (s *Server) csvWhenAccepted(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Add(echo.HeaderVary, "Accept")
		if prefersCSV(c.Request().Header.Values("Accept")) {
			return s.exportIdeas(c)
		}
		return next(c)
	}
}

// prefersCSV reads Accept: text/csv named with a higher quality than
// application/json, or without it. Ranges with wildcards (*/*, text/*)
// choose nothing: they leave the default, JSON.
func prefersCSV(accept []string) bool {
	qCSV, qJSON := 0.0, -1.0
	for _, h := range accept {
		for _, r := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(r))
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			switch mt {
			case ingest.MediaCSV:
				qCSV = max(qCSV, q)
			case echo.MIMEApplicationJSON:
				qJSON = max(qJSON, q)
			}
		}
	}
	return qCSV > 0 && qCSV > qJSON
}

// IdeaImport says what an idea import created, or would create.
type IdeaImport struct {
	Created int  `json:"created" example:"120" binding:"required"` // ideas created; with dry_run, ideas that would be
	DryRun  bool `json:"dry_run" example:"false" binding:"required"`
	// The first ideas (up to 10) in row order, scored with the workspace's weights.
	Ideas []ImportedIdea `json:"ideas" binding:"required"`
} // @name IdeaImport

// ImportedIdea is one idea of an import.
type ImportedIdea struct {
	Line  int     `json:"line" example:"2" binding:"required"`      // its row's line (the header is line 1)
	ID    *string `json:"id" format:"uuid" extensions:"x-nullable"` // null with dry_run
	Title string  `json:"title" example:"Headsets and sound barriers for agents" binding:"required"`
	Score Score   `json:"score" binding:"required"`
} // @name ImportedIdea

// importShown is how many of the imported ideas the answer shows.
const importShown = 10

// importIdeas godoc
//
//	@Summary		Create many ideas at once from CSV
//	@Description	text/csv with a header naming the columns title, impact, experience and effort (1–5), touchpoints, and optionally problem, proposal, confidence (0–1, default 0.5), owner, tags and source, in any order and case. tags and touchpoints hold several values separated by ";"; a touchpoint is its id or its "Journey / Touchpoint" label (case and the spaces around the slash do not matter), as the backlog download writes it. Every idea starts as new and is scored with the workspace's weights. Up to 10,000 rows; all or nothing: a bad row (values the idea rules refuse, a touchpoint that is unknown or whose label names several) is 422 whose errors name its line (the header is line 1) and its column as the pointer (/impact, /touchpoints ...), and nothing is stored. dry_run=true checks every row the same way and answers what would be created, storing nothing (it takes no Idempotency-Key).
//	@ID				importIdeas
//	@Tags			ideas
//	@Accept			text/csv
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			dry_run			query		bool		false	"Check and answer what would be created, storing nothing"	default(false)	extensions(x-example=true)
//	@Param			Idempotency-Key	header		string		false	"Makes the request safe to retry: the first response is replayed for 24 h (not with dry_run)"
//	@Param			rows			body		string		true	"CSV rows"
//	@Success		200				{object}	IdeaImport
//	@Header			200				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: a bad or unknown query parameter (dry_run is true or false)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		409				{object}	Problem				"The same Idempotency-Key is still being answered"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB), or holds more than 10,000 rows"
//	@Failure		415				{object}	Problem				"The body is not text/csv"
//	@Failure		422				{object}	Problem				"A bad row: errors[] name its line and its column (pointer); or the Idempotency-Key was used before with another body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/ideas/import [post]
func (s *Server) importIdeas(c echo.Context) error {
	q := newQuery(c, "dry_run")
	dryRun := false
	switch v := q.one("dry_run"); v {
	case "", "false":
	case "true":
		dryRun = true
	default:
		q.fail("dry_run", "must be true or false")
	}
	if err := q.err(); err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != ingest.MediaCSV {
		return domain.Errorf(domain.EUnsupportedMedia, "send the rows as Content-Type: text/csv")
	}
	ctx, p := c.Request().Context(), principal(c)
	index, err := s.touchpointIndex(ctx, p.WorkspaceID)
	if err != nil {
		return err
	}
	rows, err := ingest.Ideas(requestBody{c.Request().Body}, p.WorkspaceID, index)
	if err != nil {
		return err
	}
	if dryRun {
		sc, _, err := s.store.GetScoring(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		for n := range rows.Ideas {
			rows.Ideas[n].Rescore(sc)
		}
	} else {
		batch, ok := s.store.(domain.IdeaBatchStore)
		if !ok {
			return domain.Errorf(domain.EInternal, "the store cannot create ideas in a batch")
		}
		if err := batch.CreateIdeas(ctx, rows.Ideas, p.KeyName); err != nil {
			return rows.Locate(err)
		}
	}
	out := IdeaImport{Created: len(rows.Ideas), DryRun: dryRun, Ideas: make([]ImportedIdea, min(len(rows.Ideas), importShown))}
	for n := range out.Ideas {
		i := &rows.Ideas[n]
		out.Ideas[n] = ImportedIdea{Line: rows.Lines[n], ID: nilIfEmpty(i.ID), Title: i.Title, Score: scoreOut(i)}
	}
	return c.JSON(http.StatusOK, out)
}

// idempotentImport honours an Idempotency-Key on an import that stores,
// not on a dry run: it stores nothing to protect, and its answer, replayed
// to the same body sent without dry_run, would claim ideas that were never
// created.
func (s *Server) idempotentImport(next echo.HandlerFunc) echo.HandlerFunc {
	idempotent := s.idempotent(next)
	return func(c echo.Context) error {
		if c.QueryParams().Get("dry_run") == "true" {
			return next(c)
		}
		return idempotent(c)
	}
}

// touchpointIndex indexes the workspace's touchpoints by id and label.
func (s *Server) touchpointIndex(ctx context.Context, ws string) (*domain.TouchpointIndex, error) {
	journeys := map[string]string{}
	for page := (domain.Page{Limit: csvout.PageSize}); ; {
		js, next, err := s.store.ListJourneys(ctx, ws, page)
		if err != nil {
			return nil, err
		}
		for _, j := range js {
			journeys[j.ID] = j.Name
		}
		if next == nil {
			break
		}
		page.After = next
	}
	index := domain.NewTouchpointIndex()
	for page := (domain.Page{Limit: csvout.PageSize}); ; {
		tps, next, err := s.store.ListTouchpoints(ctx, ws, domain.TouchpointFilter{}, page)
		if err != nil {
			return nil, err
		}
		for _, t := range tps {
			index.Add(t.ID, journeys[t.JourneyID], t.Name)
		}
		if next == nil {
			return index, nil
		}
		page.After = next
	}
}

// resultColumns are the columns of a pilot's results as CSV: the pilot's,
// then its metric's, named as in the JSON results.
var resultColumns = []string{"pilot_id", "status", "interim", "confidence_level", "computed_at", "metric_id", "name",
	"unit", "kind", "direction", "primary", "guardrail", "design", "test", "estimate", "ci_low", "ci_high",
	"relative_change", "relative_ci_low", "relative_ci_high", "p_value", "improvement", "improvement_ci_low",
	"improvement_ci_high", "verdict", "guardrail_breached", "pilot_before", "pilot_after", "control_before",
	"control_after", "pilot_units", "control_units", "warnings", "annual_value", "value_ci_low", "value_ci_high"}

// resultRow is metric m of results r, from the JSON results' own values so
// that the numbers are the same.
func resultRow(r *PilotResults, m *MetricResult) []string {
	test := ""
	if m.Test != nil {
		test = *m.Test
	}
	n := csvout.OptionalNumber
	z := m.SampleSizes
	var value [3]string // empty when the metric has no value
	if v := m.Value; v != nil {
		value = [3]string{csvout.Number(v.AnnualValue), csvout.Number(v.CILow), csvout.Number(v.CIHigh)}
	}
	return []string{r.PilotID, r.Status, strconv.FormatBool(r.Interim), csvout.Number(r.ConfidenceLevel),
		csvout.Time(r.ComputedAt), m.MetricID, csvout.Safe(m.Name), csvout.Safe(m.Unit), m.Kind, m.Direction,
		strconv.FormatBool(m.Primary), strconv.FormatBool(m.Guardrail), m.Design, test, n(m.Estimate), n(m.CILow),
		n(m.CIHigh), n(m.RelativeChange), n(m.RelativeCILow), n(m.RelativeCIHigh), n(m.PValue), n(m.Improvement),
		n(m.ImprovementCILow), n(m.ImprovementCIHigh), m.Verdict, strconv.FormatBool(m.GuardrailBreached),
		strconv.Itoa(z.PilotBefore), strconv.Itoa(z.PilotAfter), strconv.Itoa(z.ControlBefore),
		strconv.Itoa(z.ControlAfter), strconv.Itoa(z.PilotUnits), strconv.Itoa(z.ControlUnits),
		csvout.Safe(strings.Join(m.Warnings, " | ")), value[0], value[1], value[2]}
}

// pilotResultsCSV godoc
//
//	@Summary		A pilot's results as CSV, one row per metric
//	@Description	The numbers of GET /api/v1/pilots/{id}/results, written as the JSON writes them (an empty cell where it has null): the pilot's id, status, interim, confidence_level and computed_at on every row, then the metric's id, name, unit, kind, direction, primary, guardrail, design, test, estimate, ci_low, ci_high, relative_change, relative_ci_low, relative_ci_high, p_value, improvement, improvement_ci_low, improvement_ci_high, verdict, guardrail_breached, the six sample sizes, its warnings (separated by " | "), and its value in money a year with its interval (annual_value, value_ci_low, value_ci_high: value.annual_value, value.ci_low and value.ci_high of the JSON, empty when the metric has no value). Live while the pilot runs (interim true), the frozen snapshot once it is completed.
//	@ID				getPilotResultsCsv
//	@Tags			pilots
//	@Produce		text/csv,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string		true	"Pilot id"	format(uuid)
//	@Success		200				{string}	string				"A header row, then one row per metric"
//	@Header			200				{string}	Content-Disposition	"attachment; filename=pilot-{id}-results.csv"
//	@Failure		400				{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		404				{object}	Problem				"Unknown, or in another workspace"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots/{id}/results.csv [get]
func (s *Server) pilotResultsCSV(c echo.Context) error {
	p, r, err := s.resultsOf(c)
	if err != nil {
		return err
	}
	out := pilotResultsOut(p, r)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(resultColumns) // a bytes.Buffer does not fail
	for n := range out.Metrics {
		_ = w.Write(resultRow(&out, &out.Metrics[n]))
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="pilot-`+p.ID+`-results.csv"`)
	return c.Blob(http.StatusOK, csvout.MediaType, b.Bytes())
}
