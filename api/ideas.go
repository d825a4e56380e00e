package api

import (
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// IdeaCreate is the body of POST /ideas.
type IdeaCreate struct {
	Title         string   `json:"title" binding:"required,max=200" example:"Headsets and sound barriers for agents"`
	Problem       string   `json:"problem" binding:"max=10000" example:"Agents strain to hear callers; calls run long"`
	Proposal      string   `json:"proposal" binding:"max=10000" example:"Noise-cancelling headsets and desk barriers"`
	TouchpointIDs []string `json:"touchpoint_ids" binding:"required,min=1,max=50,dive,uuid" format:"uuid"`
	Impact        int      `json:"impact" binding:"required,min=1,max=5" minimum:"1" maximum:"5" example:"4"`     // How much it moves a measured outcome: 1 = barely moves a measured outcome (cost, revenue, a target metric); 3 = a clear change on one key metric at one touchpoint; 5 = a large change on a key metric across a journey or most customers
	Experience    int      `json:"experience" binding:"required,min=1,max=5" minimum:"1" maximum:"5" example:"5"` // How much customers feel it: 1 = few customers would notice; 3 = removes a known irritation for many customers; 5 = removes a pain that drives complaints, repeat contacts or churn
	Effort        int      `json:"effort" binding:"required,min=1,max=5" minimum:"1" maximum:"5" example:"2"`     // What it takes to deliver: 1 = days of one team, no new systems or contracts; 3 = weeks, a few teams, or a change with a vendor; 5 = months, several teams, new systems or contracts
	Confidence    *float64 `json:"confidence" minimum:"0" maximum:"1" example:"0.8"`                              // default 0.5
	Owner         string   `json:"owner" binding:"max=200" example:"Contact centre"`
	Tags          []string `json:"tags" example:"noise,agents"`
	Source        string   `json:"source" enums:"customer_feedback,employee,data,research,other" example:"employee"`
} // @name IdeaCreate

// IdeaPatch is a JSON Merge Patch of an idea. Changing status moves the idea
// through the workflow and is refused (409) when the move is not allowed.
type IdeaPatch struct {
	Title         *string   `json:"title"`
	Problem       *string   `json:"problem"`
	Proposal      *string   `json:"proposal"`
	TouchpointIDs *[]string `json:"touchpoint_ids" format:"uuid"`
	Impact        *int      `json:"impact" minimum:"1" maximum:"5"`     // How much it moves a measured outcome: 1 = barely moves a measured outcome (cost, revenue, a target metric); 3 = a clear change on one key metric at one touchpoint; 5 = a large change on a key metric across a journey or most customers
	Experience    *int      `json:"experience" minimum:"1" maximum:"5"` // How much customers feel it: 1 = few customers would notice; 3 = removes a known irritation for many customers; 5 = removes a pain that drives complaints, repeat contacts or churn
	Effort        *int      `json:"effort" minimum:"1" maximum:"5"`     // What it takes to deliver: 1 = days of one team, no new systems or contracts; 3 = weeks, a few teams, or a change with a vendor; 5 = months, several teams, new systems or contracts
	Confidence    *float64  `json:"confidence" minimum:"0" maximum:"1"`
	Owner         *string   `json:"owner"`
	Tags          *[]string `json:"tags"`
	Source        *string   `json:"source" enums:"customer_feedback,employee,data,research,other"`
	Status        *string   `json:"status" enums:"new,under_review,planned,piloting,adopted,rejected,parked" example:"under_review"`
} // @name IdeaPatch

// Score explains an idea's rank.
type Score struct {
	Value       float64 `json:"value" example:"4.5"`   // weighted mean of impact and experience
	Priority    float64 `json:"priority" example:"36"` // 20 · value · confidence / effort, 0–100
	Quadrant    string  `json:"quadrant" enums:"quick_win,big_bet,fill_in,money_pit" example:"quick_win"`
	Explanation string  `json:"explanation" example:"value = (1×4 + 1×5) / (1 + 1) = 4.5; priority = 20 × 4.5 × 0.8 / 2 = 36; quick_win because value 4.5 ≥ 3 and effort 2 ≤ 2"`
	// Why it ranks where it does, in words: the quadrant read as advice,
	// and a low confidence when it holds the priority down.
	Summary string `json:"summary" example:"Quick win: high value for little effort, so it ranks near the top; do these first."`
} // @name Score

// Idea is an improvement idea with its computed score.
type Idea struct {
	ID            string    `json:"id" format:"uuid"`
	Title         string    `json:"title" example:"Headsets and sound barriers for agents"`
	Problem       string    `json:"problem"`
	Proposal      string    `json:"proposal"`
	TouchpointIDs []string  `json:"touchpoint_ids" format:"uuid"`
	Impact        int       `json:"impact" example:"4"`     // How much it moves a measured outcome: 1 = barely moves a measured outcome (cost, revenue, a target metric); 3 = a clear change on one key metric at one touchpoint; 5 = a large change on a key metric across a journey or most customers
	Experience    int       `json:"experience" example:"5"` // How much customers feel it: 1 = few customers would notice; 3 = removes a known irritation for many customers; 5 = removes a pain that drives complaints, repeat contacts or churn
	Effort        int       `json:"effort" example:"2"`     // What it takes to deliver: 1 = days of one team, no new systems or contracts; 3 = weeks, a few teams, or a change with a vendor; 5 = months, several teams, new systems or contracts
	Confidence    float64   `json:"confidence" example:"0.8"`
	Owner         string    `json:"owner" example:"Contact centre"`
	Tags          []string  `json:"tags"`
	Source        string    `json:"source" enums:"customer_feedback,employee,data,research,other,"`
	Status        string    `json:"status" enums:"new,under_review,planned,piloting,adopted,rejected,parked" example:"new"`
	Score         Score     `json:"score"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int       `json:"version" example:"1"`
} // @name Idea

// IdeaList is one page of the backlog.
type IdeaList struct {
	Items      []Idea  `json:"items"`
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
} // @name IdeaList

// HistoryEntry is one recorded change of an idea.
type HistoryEntry struct {
	Field     string    `json:"field" example:"status"`
	Old       string    `json:"old" example:"new"`
	New       string    `json:"new" example:"under_review"`
	Actor     string    `json:"actor" example:"ci pipeline"` // the API key's name
	ChangedAt time.Time `json:"changed_at"`
} // @name HistoryEntry

// HistoryList is one page of an idea's history, newest first.
type HistoryList struct {
	Items      []HistoryEntry `json:"items"`
	NextCursor *string        `json:"next_cursor" extensions:"x-nullable"`
} // @name HistoryList

func ideaOut(i *domain.Idea) Idea {
	return Idea{
		ID: i.ID, Title: i.Title, Problem: i.Problem, Proposal: i.Proposal, TouchpointIDs: i.TouchpointIDs,
		Impact: i.Impact, Experience: i.Experience, Effort: i.Effort, Confidence: i.Confidence, Owner: i.Owner,
		Tags: i.Tags, Source: string(i.Source), Status: string(i.Status), Score: scoreOut(i),
		CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC(), Version: i.Version,
	}
}

func scoreOut(i *domain.Idea) Score {
	s := i.Score
	return Score{Value: s.Value, Priority: s.Priority, Quadrant: string(s.Quadrant), Explanation: s.Explanation, Summary: i.WhyRanked()}
}

// createIdea godoc
//
//	@Summary		Create an idea
//	@Description	Scored at once with the workspace's weights; every touchpoint must be in the workspace (else 422 naming /touchpoint_ids/N). Status starts at new.
//	@Tags			ideas
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string		false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			idea			body		IdeaCreate	true	"The idea"
//	@Success		201				{object}	Idea
//	@Header			201				{string}	Location	"URL of the new idea"
//	@Header			201				{string}	ETag		"Version, for If-Match"
//	@Failure	400,401,403,413,415,422,503	{object}	Problem
//	@Failure		409				{object}	Problem	"The same Idempotency-Key is in flight"
//	@Router			/api/v1/ideas [post]
func (s *Server) createIdea(c echo.Context) error {
	var in IdeaCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	i := &domain.Idea{
		WorkspaceID: principal(c).WorkspaceID, Title: in.Title, Problem: in.Problem, Proposal: in.Proposal,
		TouchpointIDs: in.TouchpointIDs, Impact: in.Impact, Experience: in.Experience, Effort: in.Effort,
		Confidence: domain.DefaultConfidence, Owner: in.Owner, Tags: in.Tags, Source: domain.IdeaSource(in.Source),
		Status: domain.StatusNew,
	}
	if in.Confidence != nil {
		i.Confidence = *in.Confidence
	}
	if i.Tags == nil {
		i.Tags = []string{}
	}
	if err := i.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateIdea(c.Request().Context(), i, principal(c).KeyName); err != nil {
		return err
	}
	return created(c, "/api/v1/ideas/"+i.ID, i.Version, ideaOut(i))
}

// listIdeas godoc
//
//	@Summary		The ranked backlog: open ideas by default
//	@Description	Default order: priority descending, ties by created_at then id, so paging never skips or repeats an idea. Without status, the open ideas (new, under_review, planned, piloting); status=all for every status. Every filter takes several values, any of which matches: repeat the parameter (status=new&status=planned) or, for statuses, quadrants and ids, separate them with commas (status=new,planned). Different filters all apply.
//	@Tags			ideas
//	@Produce		json
//	@Security		BearerAuth
//	@Param			sort			query		string		false	"Order"	Enums(-priority,priority,created_at,-created_at,updated_at,-updated_at,title)	default(-priority)
//	@Param			status			query		[]string	false	"Statuses to list (default open; all for every status; open stands for new, under_review, planned, piloting)"	Enums(open,all,new,under_review,planned,piloting,adopted,rejected,parked)	collectionFormat(csv)
//	@Param			touchpoint_id	query		[]string	false	"Ideas targeting any of these touchpoints"	collectionFormat(csv)
//	@Param			journey_id		query		[]string	false	"Ideas targeting a touchpoint of any of these journeys"	collectionFormat(csv)
//	@Param			quadrant		query		[]string	false	"Ideas in any of these quadrants"	Enums(quick_win,big_bet,fill_in,money_pit)	collectionFormat(csv)
//	@Param			tag				query		[]string	false	"Ideas with any of these tags (repeat the parameter for several)"	collectionFormat(multi)
//	@Param			owner			query		[]string	false	"Ideas of any of these owners, exact (repeat the parameter for several)"	collectionFormat(multi)
//	@Param			q				query		string		false	"Case-insensitive search in title, problem and proposal"
//	@Param			limit			query		int			false	"Page size, 1–100"	default(20)
//	@Param			cursor			query		string		false	"next_cursor of the previous page (same sort and filters)"
//	@Success		200				{object}	IdeaList
//	@Failure		400				{object}	Problem	"Bad or unknown query parameter, or unknown sort"
//	@Failure	401,503	{object}	Problem
//	@Router			/api/v1/ideas [get]
func (s *Server) listIdeas(c echo.Context) error {
	q := newListQuery(c, "sort", "status", "touchpoint_id", "journey_id", "quadrant", "tag", "owner", "q")
	f := domain.IdeaFilter{
		Statuses: ideaStatuses(q), TouchpointIDs: q.ids("touchpoint_id"), JourneyIDs: q.ids("journey_id"),
		Quadrants: enumList(q, "quadrant", domain.Quadrants), Tags: q.texts("tag", domain.MaxTagLength),
		Owners: q.texts("owner", domain.MaxOwnerLength), Query: q.text("q", domain.MaxNameLength),
		Sort: domain.SortPriorityDesc,
	}
	if sort := enumParam(q, "sort", domain.IdeaSorts); sort != nil {
		f.Sort = *sort
	}
	limit, after := q.ideaPage(f.Sort)
	if err := q.err(); err != nil {
		return err
	}
	ideas, next, err := s.store.ListIdeas(c.Request().Context(), principal(c).WorkspaceID, f, after, limit)
	if err != nil {
		return err
	}
	out := IdeaList{Items: make([]Idea, len(ideas)), NextCursor: encodeIdeaCursor(next)}
	for n := range ideas {
		out.Items[n] = ideaOut(&ideas[n])
	}
	return c.JSON(http.StatusOK, out)
}

// getIdea godoc
//
//	@Summary	Get an idea, with its score explained
//	@Tags		ideas
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"Idea id"	format(uuid)
//	@Success	200	{object}	Idea
//	@Header		200	{string}	ETag	"Version, for If-Match"
//	@Failure	401,503	{object}	Problem
//	@Failure	404	{object}	Problem	"Unknown, or in another workspace"
//	@Router		/api/v1/ideas/{id} [get]
func (s *Server) getIdea(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	i, err := s.store.GetIdea(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	setETag(c, i.Version)
	return c.JSON(http.StatusOK, ideaOut(i))
}

// patchIdea godoc
//
//	@Summary		Change an idea or move it through the workflow (JSON Merge Patch)
//	@Description	Status moves: new→under_review|rejected|parked; under_review→planned|rejected|parked; planned→piloting|adopted|rejected|parked; piloting→adopted|planned|rejected|parked; parked→under_review; rejected→under_review. Any other move is 409 naming the allowed ones. Every changed field is recorded in the history with the key's name.
//	@Tags			ideas
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string		true	"Idea id"	format(uuid)
//	@Param			If-Match	header		string		true	"ETag of the version the change is based on, e.g. \"1\""
//	@Param			patch		body		IdeaPatch	true	"Fields to change"
//	@Success		200			{object}	Idea
//	@Header			200			{string}	ETag	"The new version"
//	@Failure	400,401,403,404,413,415,422,503	{object}	Problem
//	@Failure		409			{object}	Problem	"Status move not allowed"
//	@Failure		412			{object}	Problem	"If-Match is stale"
//	@Failure		428			{object}	Problem	"If-Match missing"
//	@Router			/api/v1/ideas/{id} [patch]
func (s *Server) patchIdea(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in IdeaPatch
	p, err := bindPatch(c, &in)
	if err != nil {
		return err
	}
	i, err := s.store.UpdateIdea(c.Request().Context(), principal(c).WorkspaceID, id, version, principal(c).KeyName, func(i *domain.Idea) error {
		setField(p, "title", in.Title, &i.Title)
		setField(p, "problem", in.Problem, &i.Problem)
		setField(p, "proposal", in.Proposal, &i.Proposal)
		setField(p, "touchpoint_ids", in.TouchpointIDs, &i.TouchpointIDs)
		setField(p, "impact", in.Impact, &i.Impact)
		setField(p, "experience", in.Experience, &i.Experience)
		setField(p, "effort", in.Effort, &i.Effort)
		setField(p, "owner", in.Owner, &i.Owner)
		setField(p, "tags", in.Tags, &i.Tags)
		setField(p, "source", (*domain.IdeaSource)(in.Source), &i.Source)
		if _, ok := p["confidence"]; ok {
			i.Confidence = domain.DefaultConfidence // null resets to the default
			deref(in.Confidence, &i.Confidence)
		}
		if i.Tags == nil {
			i.Tags = []string{}
		}
		if err := i.Validate(); err != nil {
			return err
		}
		if _, ok := p["status"]; ok && (in.Status == nil || domain.IdeaStatus(*in.Status) != i.Status) {
			return moveIdea(i, in.Status)
		}
		return nil
	})
	if err != nil {
		return err
	}
	setETag(c, i.Version)
	return c.JSON(http.StatusOK, ideaOut(i))
}

// moveIdea applies a status from a patch: an unknown status is invalid
// input (422), a known one that is not an allowed move is a conflict (409).
func moveIdea(i *domain.Idea, to *string) error {
	if to == nil {
		return domain.Invalid(domain.FieldError{Pointer: "/status", Detail: "cannot be cleared"})
	}
	status, ok := domain.ParseIdeaStatus(*to)
	if !ok {
		return domain.Invalid(domain.FieldError{Pointer: "/status", Detail: "must be one of new, under_review, planned, piloting, adopted, rejected, parked"})
	}
	return i.MoveTo(status)
}

// deleteIdea godoc
//
//	@Summary	Delete an idea (and its history)
//	@Tags		ideas
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Idea id"	format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted"
//	@Success	204
//	@Failure	400,401,403,404,412,428,503	{object}	Problem
//	@Router		/api/v1/ideas/{id} [delete]
func (s *Server) deleteIdea(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteIdea(c.Request().Context(), principal(c).WorkspaceID, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ideaHistory godoc
//
//	@Summary	An idea's history, newest first
//	@Tags		ideas
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Idea id"	format(uuid)
//	@Param		limit	query		int		false	"Page size, 1–100"	default(20)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"
//	@Success	200		{object}	HistoryList
//	@Failure	400,401,404,503	{object}	Problem
//	@Router		/api/v1/ideas/{id}/history [get]
func (s *Server) ideaHistory(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	q := newListQuery(c)
	limit, before := q.historyPage()
	if err := q.err(); err != nil {
		return err
	}
	entries, next, err := s.store.IdeaHistory(c.Request().Context(), principal(c).WorkspaceID, id, before, limit)
	if err != nil {
		return err
	}
	out := HistoryList{Items: []HistoryEntry{}}
	if next != nil {
		out.NextCursor = encodeHistoryCursor(*next)
	}
	for _, h := range entries {
		out.Items = append(out.Items, HistoryEntry{Field: h.Field, Old: h.Old, New: h.New, Actor: h.Actor, ChangedAt: h.ChangedAt.UTC()})
	}
	return c.JSON(http.StatusOK, out)
}
