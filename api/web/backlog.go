package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cxbacklog/api/csvout"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

func (h *handler) backlogRoutes(e *echo.Echo) {
	h.get(e, "/", h.backlog, domain.RoleViewer)
	h.get(e, "/ideas.csv", h.backlogCSV, domain.RoleViewer)
}

// backlogFilter is the backlog's filter form as sent (to fill the form
// again) and as the store reads it.
type backlogFilter struct {
	Statuses   []string
	Quadrant   string
	JourneyID  string
	Touchpoint string
	Owner      string
	Tag        string
	Query      string
	filter     domain.IdeaFilter
}

// readBacklogFilter reads the filter form. A status box ticked or not is
// the form's own rule: none ticked means the open ideas, as in the API.
func readBacklogFilter(q url.Values) (backlogFilter, error) {
	f := backlogFilter{Quadrant: q.Get("quadrant"), JourneyID: q.Get("journey_id"), Touchpoint: q.Get("touchpoint_id"),
		Owner: strings.TrimSpace(q.Get("owner")), Tag: strings.TrimSpace(q.Get("tag")), Query: strings.TrimSpace(q.Get("q"))}
	var fields []domain.FieldError
	for _, s := range q["status"] {
		st, ok := domain.ParseIdeaStatus(s)
		if !ok {
			fields = append(fields, domain.FieldError{Parameter: "status", Detail: "is not a status: " + s})
			continue
		}
		f.Statuses = append(f.Statuses, s)
		f.filter.Statuses = append(f.filter.Statuses, st)
	}
	if len(f.filter.Statuses) == 0 {
		f.filter.Statuses = domain.OpenIdeaStatuses
		for _, st := range domain.OpenIdeaStatuses {
			f.Statuses = append(f.Statuses, string(st))
		}
	}
	if f.Quadrant != "" {
		qd, ok := parseQuadrant(f.Quadrant)
		if !ok {
			fields = append(fields, domain.FieldError{Parameter: "quadrant", Detail: "is not a quadrant"})
		}
		f.filter.Quadrants = []domain.Quadrant{qd}
	}
	for _, id := range []struct {
		name, value string
		dst         *[]string
	}{{"journey_id", f.JourneyID, &f.filter.JourneyIDs}, {"touchpoint_id", f.Touchpoint, &f.filter.TouchpointIDs}} {
		if id.value == "" {
			continue
		}
		if !domain.IsID(id.value) {
			fields = append(fields, domain.FieldError{Parameter: id.name, Detail: "is not an id"})
			continue
		}
		*id.dst = []string{id.value}
	}
	if f.Owner != "" {
		f.filter.Owners = []string{f.Owner}
	}
	if f.Tag != "" {
		f.filter.Tags = []string{f.Tag}
	}
	if f.Query != "" {
		if len([]rune(f.Query)) > domain.MaxNameLength || strings.ContainsRune(f.Query, 0) {
			fields = append(fields, domain.FieldError{Parameter: "q", Detail: "is not a search of at most 200 characters"})
		}
		typed := domain.AsTyped(f.Query) // the box is typed in: its last word is a prefix
		f.filter.Query = &typed
	}
	f.filter.Sort = domain.SortPriorityDesc
	if fields != nil {
		return f, &domain.Error{Code: domain.EMalformed, Message: "the filter has invalid values", Fields: fields}
	}
	return f, nil
}

func parseQuadrant(s string) (domain.Quadrant, bool) {
	for _, q := range domain.Quadrants {
		if string(q) == s {
			return q, true
		}
	}
	return "", false
}

// query is the filter as a query string, for the next page and the CSV.
func (f backlogFilter) query() url.Values {
	q := url.Values{}
	for _, s := range f.Statuses {
		q.Add("status", s)
	}
	for k, v := range map[string]string{"quadrant": f.Quadrant, "journey_id": f.JourneyID, "touchpoint_id": f.Touchpoint, "owner": f.Owner, "tag": f.Tag, "q": f.Query} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// backlogView is the backlog page's data.
type backlogView struct {
	Filter      backlogFilter
	Ideas       []domain.Idea
	Rank        int // of the first idea on the page
	Next        string
	CSV         string
	Statuses    []domain.IdeaStatus
	Quadrants   []domain.Quadrant
	Journeys    []domain.Journey
	Touchpoints []domain.Touchpoint
	Names       map[string]string // touchpoint names by id
}

const backlogPageSize = 25

// backlog is the ranked backlog, open ideas by default.
func (h *handler) backlog(c echo.Context) error {
	q := c.QueryParams()
	f, err := readBacklogFilter(q)
	if err != nil {
		return err
	}
	after, ok := decodeCursor(q.Get("cursor"), ideaCursorComplete)
	if !ok {
		return domain.Errorf(domain.EMalformed, "the page link is broken; start from the first page")
	}
	rank, _ := strconv.Atoi(q.Get("rank"))
	ws := principalOf(c).WorkspaceID
	ideas, next, err := h.Store.ListIdeas(ctx(c), ws, f.filter, after, backlogPageSize)
	if err != nil {
		return err
	}
	v := backlogView{Filter: f, Ideas: ideas, Rank: max(rank, 0) + 1, Statuses: domain.IdeaStatuses, Quadrants: domain.Quadrants}
	if next != nil {
		nq := f.query()
		nq.Set("cursor", encodeCursor(next))
		nq.Set("rank", strconv.Itoa(v.Rank-1+len(ideas)))
		v.Next = "/?" + nq.Encode()
	}
	v.CSV = "/ideas.csv?" + f.query().Encode()
	if err := h.backlogChoices(c, &v); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "backlog", "Backlog", v)
}

// backlogChoices fills the filter's choices and the shown ideas' touchpoint
// names. A workspace may have thousands of touchpoints: the touchpoint
// choice lists the chosen journey's, and the names are read for the shown
// ideas only.
func (h *handler) backlogChoices(c echo.Context, v *backlogView) error {
	var err error
	if v.Journeys, err = h.allJourneys(c); err != nil {
		return err
	}
	if v.Filter.JourneyID != "" {
		if v.Touchpoints, err = h.allTouchpoints(c, domain.TouchpointFilter{JourneyIDs: []string{v.Filter.JourneyID}}); err != nil {
			return err
		}
	}
	var ids []string
	for _, i := range v.Ideas {
		ids = append(ids, i.TouchpointIDs...)
	}
	v.Names = map[string]string{}
	if len(ids) == 0 {
		return nil
	}
	tps, err := h.allTouchpoints(c, domain.TouchpointFilter{IDs: ids})
	for _, t := range tps {
		v.Names[t.ID] = t.Name
	}
	return err
}

// allJourneys reads every journey of the workspace.
func (h *handler) allJourneys(c echo.Context) ([]domain.Journey, error) {
	var out []domain.Journey
	for page := (domain.Page{Limit: domain.MaxPageSize}); ; {
		js, next, err := h.Store.ListJourneys(ctx(c), principalOf(c).WorkspaceID, page)
		if err != nil || next == nil {
			return append(out, js...), err
		}
		out = append(out, js...)
		page.After = next
	}
}

// allTouchpoints reads every touchpoint matching f.
func (h *handler) allTouchpoints(c echo.Context, f domain.TouchpointFilter) ([]domain.Touchpoint, error) {
	var out []domain.Touchpoint
	for page := (domain.Page{Limit: domain.MaxPageSize}); ; {
		ts, next, err := h.Store.ListTouchpoints(ctx(c), principalOf(c).WorkspaceID, f, page)
		if err != nil || next == nil {
			return append(out, ts...), err
		}
		out = append(out, ts...)
		page.After = next
	}
}

// catalogue reads the workspace's journeys and touchpoints, and the
// touchpoints' names by id.
func (h *handler) catalogue(c echo.Context) ([]domain.Journey, []domain.Touchpoint, map[string]string, error) {
	journeys, err := h.allJourneys(c)
	if err != nil {
		return nil, nil, nil, err
	}
	tps, err := h.allTouchpoints(c, domain.TouchpointFilter{})
	if err != nil {
		return nil, nil, nil, err
	}
	names := make(map[string]string, len(tps))
	for _, t := range tps {
		names[t.ID] = t.Name
	}
	return journeys, tps, names, nil
}

// maxCSVRows bounds a CSV download; the API pages through more.
const maxCSVRows = 10000

// backlogCSV is the filtered backlog as CSV, in rank order: the API's
// download (api/csvout), up to maxCSVRows rows.
func (h *handler) backlogCSV(c echo.Context) error {
	f, err := readBacklogFilter(c.QueryParams())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, csvout.MediaType)
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="backlog.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	_, err = csvout.Ideas(ctx(c), c.Response(), h.Store, principalOf(c).WorkspaceID, f.filter,
		csvout.Options{MaxRows: maxCSVRows, AfterPage: func() error { c.Response().Flush(); return nil }})
	return err // once the status is sent, the body stops short
}
