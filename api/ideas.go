package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// IdeaCreate is the body of POST /ideas.
type IdeaCreate struct {
	Title         string   `json:"title" binding:"required,max=200" example:"Headsets and sound barriers for agents"`
	Problem       string   `json:"problem" binding:"max=10000" example:"Agents strain to hear callers; calls run long" extensions:"x-nullable,x-omitempty"`
	Proposal      string   `json:"proposal" binding:"max=10000" example:"Noise-cancelling headsets and desk barriers" extensions:"x-nullable,x-omitempty"`
	TouchpointIDs []string `json:"touchpoint_ids" binding:"required,min=1,max=50,dive,uuid" format:"uuid"`
	Impact        int      `json:"impact" binding:"required,min=1,max=5" minimum:"1" maximum:"5" example:"4"`            // How much it moves a measured outcome: 1 = barely moves a measured outcome (cost, revenue, a target metric); 3 = a clear change on one key metric at one touchpoint; 5 = a large change on a key metric across a journey or most customers
	Experience    int      `json:"experience" binding:"required,min=1,max=5" minimum:"1" maximum:"5" example:"5"`        // How much customers feel it: 1 = few customers would notice; 3 = removes a known irritation for many customers; 5 = removes a pain that drives complaints, repeat contacts or churn
	Effort        int      `json:"effort" binding:"required,min=1,max=5" minimum:"1" maximum:"5" example:"2"`            // What it takes to deliver: 1 = days of one team, no new systems or contracts; 3 = weeks, a few teams, or a change with a vendor; 5 = months, several teams, new systems or contracts
	Confidence    *float64 `json:"confidence" minimum:"0" maximum:"1" example:"0.8" extensions:"x-nullable,x-omitempty"` // default 0.5
	Owner         string   `json:"owner" binding:"max=200" example:"Contact centre" extensions:"x-nullable,x-omitempty"`
	Tags          []string `json:"tags" example:"noise,agents" extensions:"x-nullable,x-omitempty"`
	Source        string   `json:"source" enums:"customer_feedback,employee,data,research,other" example:"employee" extensions:"x-nullable,x-omitempty"`
	// The business case, all optional: what the idea costs once and every
	// year, in the workspace's currency (≥ 0), and what it is expected to
	// improve, each improvement priced by a value driver at one of the
	// touchpoints the idea targets (else 422 naming
	// /expected_improvements/N/value_driver_id).
	OneOffCost           *float64                   `json:"one_off_cost" minimum:"0" maximum:"1000000000000" example:"20000" extensions:"x-nullable,x-omitempty"`
	AnnualRunningCost    *float64                   `json:"annual_running_cost" minimum:"0" maximum:"1000000000000" example:"6000" extensions:"x-nullable,x-omitempty"`
	ExpectedImprovements []ExpectedImprovementInput `json:"expected_improvements" binding:"max=20" extensions:"x-nullable,x-omitempty"`
} // @name IdeaCreate

// ExpectedImprovementInput is one improvement an idea is expected to make,
// priced by a value driver: its annual value is improvement × the driver's
// unit_value × exposure_per_year.
type ExpectedImprovementInput struct {
	ValueDriverID string `json:"value_driver_id" binding:"required,uuid" format:"uuid"` // a driver at a touchpoint the idea targets
	// In the driver's metric's unit, turned so that positive is better: 23
	// for 23 seconds less handle time, 0.04 for 4 points more first-contact
	// resolution (a share 0–1).
	Improvement *float64 `json:"improvement" binding:"required" example:"23"`
} // @name ExpectedImprovementInput

// ExpectedImprovement is one improvement an idea is expected to make,
// priced by the value driver named.
type ExpectedImprovement struct {
	ValueDriverID string  `json:"value_driver_id" format:"uuid" binding:"required"`
	Improvement   float64 `json:"improvement" example:"23" binding:"required"` // in the driver's metric's unit, positive is better
} // @name ExpectedImprovement

// BusinessCase is what an idea is expected to earn, derived from its
// one_off_cost, annual_running_cost and expected_improvements and the value
// drivers they name (a missing cost counts as 0), in the workspace's
// currency; null when the idea has none of those inputs. It follows the
// drivers and the currency when they change. realised_annual_value is the
// annual value the pilot that got the idea adopted measured, with its
// interval; null before.
type BusinessCase struct {
	// Σ improvement × unit_value × exposure_per_year over the expected
	// improvements: 23 s × 0.015 × 120,000 calls + 0.04 × 4.50 × 120,000
	// calls = 41,400 + 21,600 = 63,000.
	ExpectedAnnualValue float64 `json:"expected_annual_value" example:"63000" binding:"required"`
	// expected_annual_value − annual_running_cost: 63,000 − 6,000 = 57,000.
	ExpectedNetAnnualValue float64 `json:"expected_net_annual_value" example:"57000" binding:"required"`
	// one_off_cost ÷ (expected_net_annual_value ÷ 12): 20,000 ÷ (57,000 ÷ 12)
	// = 4.2105 months; null when the net annual value is not above 0 (it never pays back).
	PaybackMonths *float64 `json:"payback_months" example:"4.2105" extensions:"x-nullable"`
	// (expected_annual_value − annual_running_cost − one_off_cost) ÷
	// (one_off_cost + annual_running_cost): (63,000 − 6,000 − 20,000) ÷
	// (20,000 + 6,000) = 1.4231; null when both costs are 0.
	FirstYearROI *float64 `json:"first_year_roi" example:"1.4231" extensions:"x-nullable"`
	Currency     string   `json:"currency" example:"EUR" binding:"required"` // the workspace's (GET /economics)
	// The computation with the numbers plugged in.
	Explanation         string             `json:"explanation" example:"expected annual value = 23 × 0.015 × 120,000 calls = 41,400 + 0.04 × 4.5 × 120,000 calls = 21,600 = 63,000 EUR; net = 63,000 − 6,000 running = 57,000; payback = 20,000 ÷ (57,000 ÷ 12) = 4.2105 months; first-year ROI = (63,000 − 6,000 − 20,000) ÷ (20,000 + 6,000) = 1.4231" binding:"required"`
	RealisedAnnualValue *IdeaRealisedValue `json:"realised_annual_value"`
} // @name BusinessCase

// IdeaRealisedValue is the annual value a completed pilot measured for the
// idea it got adopted: the sum of its metrics' values, the interval's
// half-widths added as a root sum of squares (assuming the metrics' errors
// are independent).
type IdeaRealisedValue struct {
	AnnualValue float64   `json:"annual_value" example:"52000" binding:"required"`
	CILow       float64   `json:"ci_low" example:"31000" binding:"required"`
	CIHigh      float64   `json:"ci_high" example:"73000" binding:"required"`
	PilotID     string    `json:"pilot_id" format:"uuid" binding:"required"`
	RealisedAt  time.Time `json:"realised_at" binding:"required"` // when the pilot completed
} // @name IdeaRealisedValue

// IdeaPatch is a JSON Merge Patch of an idea: absent fields stay unchanged,
// null clears problem, proposal, owner, tags and source, null on any other
// field is 422. Changing status moves the idea through the workflow and is
// refused (409) when the move is not allowed.
type IdeaPatch struct {
	Title         *string   `json:"title" extensions:"x-nullable,x-omitempty"`
	Problem       *string   `json:"problem" extensions:"x-nullable,x-omitempty"`
	Proposal      *string   `json:"proposal" extensions:"x-nullable,x-omitempty"`
	TouchpointIDs *[]string `json:"touchpoint_ids" format:"uuid" extensions:"x-nullable,x-omitempty"`
	Impact        *int      `json:"impact" minimum:"1" maximum:"5" extensions:"x-nullable,x-omitempty"`     // How much it moves a measured outcome: 1 = barely moves a measured outcome (cost, revenue, a target metric); 3 = a clear change on one key metric at one touchpoint; 5 = a large change on a key metric across a journey or most customers
	Experience    *int      `json:"experience" minimum:"1" maximum:"5" extensions:"x-nullable,x-omitempty"` // How much customers feel it: 1 = few customers would notice; 3 = removes a known irritation for many customers; 5 = removes a pain that drives complaints, repeat contacts or churn
	Effort        *int      `json:"effort" minimum:"1" maximum:"5" extensions:"x-nullable,x-omitempty"`     // What it takes to deliver: 1 = days of one team, no new systems or contracts; 3 = weeks, a few teams, or a change with a vendor; 5 = months, several teams, new systems or contracts
	Confidence    *float64  `json:"confidence" minimum:"0" maximum:"1" extensions:"x-nullable,x-omitempty"`
	Owner         *string   `json:"owner" extensions:"x-nullable,x-omitempty"`
	Tags          *[]string `json:"tags" extensions:"x-nullable,x-omitempty"`
	Source        *string   `json:"source" enums:"customer_feedback,employee,data,research,other" extensions:"x-nullable,x-omitempty"`
	Status        *string   `json:"status" enums:"new,under_review,planned,piloting,adopted,rejected,parked" example:"under_review" extensions:"x-nullable,x-omitempty"`
	// The business case's inputs: null clears each; an array of
	// expected_improvements replaces the list, null or [] empties it.
	OneOffCost           *float64                    `json:"one_off_cost" minimum:"0" maximum:"1000000000000" example:"20000" extensions:"x-nullable,x-omitempty"`
	AnnualRunningCost    *float64                    `json:"annual_running_cost" minimum:"0" maximum:"1000000000000" example:"6000" extensions:"x-nullable,x-omitempty"`
	ExpectedImprovements *[]ExpectedImprovementInput `json:"expected_improvements" extensions:"x-nullable,x-omitempty"`
} // @name IdeaPatch

// Score explains an idea's rank.
type Score struct {
	Value       float64 `json:"value" example:"4.5" binding:"required"`   // weighted mean of impact and experience
	Priority    float64 `json:"priority" example:"36" binding:"required"` // 20 · value · confidence / effort, 0–100
	Quadrant    string  `json:"quadrant" enums:"quick_win,big_bet,fill_in,money_pit" example:"quick_win" binding:"required"`
	Explanation string  `json:"explanation" example:"value = (1×4 + 1×5) / (1 + 1) = 4.5; priority = 20 × 4.5 × 0.8 / 2 = 36; quick_win because value 4.5 ≥ 3 and effort 2 ≤ 2" binding:"required"`
	// Why it ranks where it does, in words: the quadrant read as advice,
	// and a low confidence when it holds the priority down.
	Summary string `json:"summary" example:"Quick win: high value for little effort, so it ranks near the top; do these first." binding:"required"`
} // @name Score

// Idea is an improvement idea with its computed score.
type Idea struct {
	ID            string   `json:"id" format:"uuid" binding:"required"`
	Title         string   `json:"title" example:"Headsets and sound barriers for agents" binding:"required"`
	Problem       string   `json:"problem" binding:"required"`
	Proposal      string   `json:"proposal" binding:"required"`
	TouchpointIDs []string `json:"touchpoint_ids" format:"uuid" binding:"required"`
	Impact        int      `json:"impact" example:"4" binding:"required"`     // How much it moves a measured outcome: 1 = barely moves a measured outcome (cost, revenue, a target metric); 3 = a clear change on one key metric at one touchpoint; 5 = a large change on a key metric across a journey or most customers
	Experience    int      `json:"experience" example:"5" binding:"required"` // How much customers feel it: 1 = few customers would notice; 3 = removes a known irritation for many customers; 5 = removes a pain that drives complaints, repeat contacts or churn
	Effort        int      `json:"effort" example:"2" binding:"required"`     // What it takes to deliver: 1 = days of one team, no new systems or contracts; 3 = weeks, a few teams, or a change with a vendor; 5 = months, several teams, new systems or contracts
	Confidence    float64  `json:"confidence" example:"0.8" binding:"required"`
	Owner         string   `json:"owner" example:"Contact centre" binding:"required"`
	Tags          []string `json:"tags" binding:"required"`
	Source        string   `json:"source" enums:"customer_feedback,employee,data,research,other," binding:"required"`
	Status        string   `json:"status" enums:"new,under_review,planned,piloting,adopted,rejected,parked" example:"new" binding:"required"`
	Score         Score    `json:"score" binding:"required"`
	// The business case's inputs, in the workspace's currency: null when not set.
	OneOffCost           *float64              `json:"one_off_cost" example:"20000" extensions:"x-nullable"`
	AnnualRunningCost    *float64              `json:"annual_running_cost" example:"6000" extensions:"x-nullable"`
	ExpectedImprovements []ExpectedImprovement `json:"expected_improvements" binding:"required"` // in the order given; [] when none
	BusinessCase         *BusinessCase         `json:"business_case"`
	Evidence             IdeaEvidence          `json:"evidence" binding:"required"`
	CreatedAt            time.Time             `json:"created_at" binding:"required"`
	UpdatedAt            time.Time             `json:"updated_at" binding:"required"`
	Version              int                   `json:"version" example:"1" binding:"required"`
} // @name Idea

// IdeaList is one page of the backlog.
type IdeaList struct {
	Items      []Idea  `json:"items" binding:"required"`
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
} // @name IdeaList

// HistoryEntry is one recorded change of an idea.
type HistoryEntry struct {
	Field     string    `json:"field" example:"status" binding:"required"`
	Old       string    `json:"old" example:"new" binding:"required"`
	New       string    `json:"new" example:"under_review" binding:"required"`
	Actor     string    `json:"actor" example:"ci pipeline" binding:"required"` // the API key's name
	ChangedAt time.Time `json:"changed_at" binding:"required"`
} // @name HistoryEntry

// HistoryList is one page of an idea's history, newest first.
type HistoryList struct {
	Items      []HistoryEntry `json:"items" binding:"required"`
	NextCursor *string        `json:"next_cursor" extensions:"x-nullable"`
} // @name HistoryList

func ideaOut(i *domain.Idea) Idea {
	out := Idea{
		ID: i.ID, Title: i.Title, Problem: i.Problem, Proposal: i.Proposal, TouchpointIDs: i.TouchpointIDs,
		Impact: i.Impact, Experience: i.Experience, Effort: i.Effort, Confidence: i.Confidence, Owner: i.Owner,
		Tags: i.Tags, Source: string(i.Source), Status: string(i.Status), Score: scoreOut(i),
		OneOffCost: i.Money.OneOffCost, AnnualRunningCost: i.Money.AnnualRunningCost,
		ExpectedImprovements: make([]ExpectedImprovement, len(i.Money.ExpectedImprovements)), BusinessCase: businessCaseOut(i),
		Evidence:  evidenceSummaryOut(i.Evidence),
		CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC(), Version: i.Version,
	}
	for n, e := range i.Money.ExpectedImprovements {
		out.ExpectedImprovements[n] = ExpectedImprovement{ValueDriverID: e.ValueDriverID, Improvement: e.Improvement}
	}
	return out
}

func businessCaseOut(i *domain.Idea) *BusinessCase {
	c := i.BusinessCase
	if c == nil {
		return nil
	}
	out := &BusinessCase{
		ExpectedAnnualValue: c.ExpectedAnnualValue, ExpectedNetAnnualValue: c.ExpectedNetAnnualValue,
		PaybackMonths: c.PaybackMonths, FirstYearROI: c.FirstYearROI, Currency: c.Currency, Explanation: c.Explanation,
	}
	if r := i.Realised; r != nil {
		out.RealisedAnnualValue = &IdeaRealisedValue{AnnualValue: r.AnnualValue, CILow: r.CI.Low, CIHigh: r.CI.High,
			PilotID: r.PilotID, RealisedAt: r.At.UTC()}
	}
	return out
}

// improvementsIn turns a body's expected improvements into the domain's,
// recording a missing improvement in fields (a missing or malformed driver
// id is the domain's to refuse).
func improvementsIn(fields *[]domain.FieldError, in []ExpectedImprovementInput) []domain.ExpectedImprovement {
	if len(in) == 0 {
		return nil
	}
	out := make([]domain.ExpectedImprovement, len(in))
	for n, e := range in {
		out[n].ValueDriverID = e.ValueDriverID
		if e.Improvement == nil {
			*fields = append(*fields, domain.FieldError{Pointer: "/expected_improvements/" + strconv.Itoa(n) + "/improvement", Detail: "is required"})
			continue
		}
		out[n].Improvement = *e.Improvement
	}
	return out
}

func scoreOut(i *domain.Idea) Score {
	s := i.Score
	return Score{Value: s.Value, Priority: s.Priority, Quadrant: string(s.Quadrant), Explanation: s.Explanation, Summary: i.WhyRanked()}
}

// createIdea godoc
//
//	@Summary		Create an idea
//	@Description	Scored at once with the workspace's weights; every touchpoint must be in the workspace (else 422 naming /touchpoint_ids/N). Status starts at new. The optional business case (one_off_cost, annual_running_cost, expected_improvements) gives business_case: expected annual value = Σ improvement × unit_value × exposure_per_year; net = value − running cost; payback months = one-off ÷ (net ÷ 12), null when net ≤ 0; first-year ROI = (value − running − one-off) ÷ (one-off + running), null when both costs are 0. Each expected improvement's driver must be in the workspace at a touchpoint the idea targets, and listed once (else 422 naming /expected_improvements/N/value_driver_id).
//	@ID				createIdea
//	@Tags			ideas
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string		false	"Makes the request safe to retry: the first response is replayed for 24 h"
//	@Param			idea			body		IdeaCreate	true	"The idea"
//	@Success		201				{object}	Idea
//	@Header			201				{string}	Location			"URL of the new idea"
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
	var fields []domain.FieldError
	i.Money = domain.BusinessCaseInputs{OneOffCost: in.OneOffCost, AnnualRunningCost: in.AnnualRunningCost,
		ExpectedImprovements: improvementsIn(&fields, in.ExpectedImprovements)}
	if err := withFields(fields, i.Validate()); err != nil {
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
//	@Description	Default order: priority descending, ties by created_at then id, so paging never skips or repeats an idea. sort=-expected_net_annual_value: the ideas with a business case first, by expected net annual value descending (ties by created_at then id), then the ideas without one in creation order. sort=-contacts_per_month: the backlog by the volume an idea addresses, the contacts a month of the contact reasons linked to it as evidence, biggest first (ties, and the ideas without linked reasons, by created_at then id). q searches title, problem and proposal: with match=words (the default) for words, stemmed in the workspace's search language (GET /api/v1/search-settings), in web search syntax ("a quoted phrase", or, -excluded), a last word ending in * a prefix (refu* finds refund; refund finds refund, refunds, refunded); with match=substring for a case-insensitive part of a word (fund finds refund). sort=relevance (only with q and match=words, else 400 naming sort) ranks the matches by ts_rank_cd with the weights title 1, problem 0.4, proposal 0.2, best first, ties by priority descending then id; its cost grows with the number of matches; the other orders work with q too. Without status, the open ideas (new, under_review, planned, piloting); status=all for every status. Every filter takes several values, any of which matches: repeat the parameter (status=new&status=planned) or, for statuses, quadrants and ids, separate them with commas (status=new,planned). Different filters all apply. With Accept: text/csv (preferred over application/json), every idea the filters select as CSV, as GET /api/v1/ideas.csv answers (limit and cursor are then refused).
//	@ID				listIdeas
//	@Tags			ideas
//	@Produce		json,text/csv,application/problem+json
//	@Security		BearerAuth
//	@Param			sort			query		string		false	"Order"																											Enums(-priority,priority,created_at,-created_at,updated_at,-updated_at,title,-expected_net_annual_value,-contacts_per_month,relevance)	default(-priority)		extensions(x-example=-priority)
//	@Param			status			query		[]string	false	"Statuses to list (default open; all for every status; open stands for new, under_review, planned, piloting)"	Enums(open,all,new,under_review,planned,piloting,adopted,rejected,parked)		collectionFormat(csv)	extensions(x-example=planned)
//	@Param			touchpoint_id	query		[]string	false	"Ideas targeting any of these touchpoints"																		collectionFormat(csv)															extensions(x-example=3f6c2a9e-8b1d-4e7a-9c55-1d2e3f4a5b6c)
//	@Param			journey_id		query		[]string	false	"Ideas targeting a touchpoint of any of these journeys"															collectionFormat(csv)															extensions(x-example=9b2e7d41-0c3a-4f8e-b6d2-7a1c5e9f3d20)
//	@Param			quadrant		query		[]string	false	"Ideas in any of these quadrants"																				Enums(quick_win,big_bet,fill_in,money_pit)										collectionFormat(csv)	extensions(x-example=quick_win)
//	@Param			tag				query		[]string	false	"Ideas with any of these tags (repeat the parameter for several)"												collectionFormat(multi)															extensions(x-example=noise)
//	@Param			owner			query		[]string	false	"Ideas of any of these owners, exact (repeat the parameter for several)"										collectionFormat(multi)															extensions(x-example=Contact centre)
//	@Param			q				query		string		false	"Search in title, problem and proposal, as match says (websearch syntax for words)"							extensions(x-example=headset)
//	@Param			match			query		string		false	"words: stemmed words in the workspace's language (a last word ending in * is a prefix); substring: a case-insensitive part of a word"	Enums(words,substring)	default(words)	extensions(x-example=words)
//	@Param			limit			query		int			false	"Page size, 1–100"																								default(20)	extensions(x-example=10)
//	@Param			cursor			query		string		false	"next_cursor of the previous page (same sort and filters)"														extensions(x-example=eyJzIjoiLXByaW9yaXR5IiwicCI6MzYsIm4iOiJIZWFkc2V0cyBhbmQgc291bmQgYmFycmllcnMgZm9yIGFnZW50cyIsImMiOiIyMDI2LTEwLTAxVDA5OjAwOjAwWiIsInUiOiIyMDI2LTEwLTAxVDA5OjAwOjAwWiIsImkiOiIzZjZjMmE5ZS04YjFkLTRlN2EtOWM1NS0xZDJlM2Y0YTViNmMifQ)
//	@Success		200				{object}	IdeaList
//	@Failure		400				{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/ideas [get]
func (s *Server) listIdeas(c echo.Context) error {
	q := newListQuery(c, ideaFilterParams()...)
	f := ideaFilter(q)
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

// ideaFilterParams are the query parameters of the backlog's filters and
// order, which the JSON list and the CSV download share.
func ideaFilterParams() []string {
	return []string{"sort", "status", "touchpoint_id", "journey_id", "quadrant", "tag", "owner", "q", "match"}
}

// ideaFilter reads the backlog's filters, search and order
// (ideaFilterParams) with their defaults: the open ideas, by priority
// descending, a search matching words.
func ideaFilter(q *listQuery) domain.IdeaFilter {
	f := domain.IdeaFilter{
		Statuses: ideaStatuses(q), TouchpointIDs: q.ids("touchpoint_id"), JourneyIDs: q.ids("journey_id"),
		Quadrants: enumList(q, "quadrant", domain.Quadrants), Tags: q.texts("tag", domain.MaxTagLength),
		Owners: q.texts("owner", domain.MaxOwnerLength), Query: q.text("q", domain.MaxNameLength),
		Match: domain.MatchWords, Sort: domain.SortPriorityDesc,
	}
	if match := enumParam(q, "match", domain.SearchMatches); match != nil {
		f.Match = *match
	}
	if sort := enumParam(q, "sort", domain.IdeaSorts); sort != nil {
		f.Sort = *sort
	}
	var e *domain.Error
	if errors.As(f.CheckSearch(), &e) {
		q.fields = append(q.fields, e.Fields...)
	}
	return f
}

// getIdea godoc
//
//	@Summary	Get an idea, with its score explained
//	@ID			getIdea
//	@Tags		ideas
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Idea id"	format(uuid)
//	@Success	200		{object}	Idea
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
//	@Description	Absent fields stay unchanged; null clears problem, proposal, owner, tags, source, one_off_cost, annual_running_cost and expected_improvements (so does []; an array replaces the list); null on title, touchpoint_ids, impact, experience, effort, confidence or status is 422 naming the field (leave it out to keep it). Status moves: new→under_review|rejected|parked; under_review→planned|rejected|parked; planned→piloting|adopted|rejected|parked; piloting→adopted|planned|rejected|parked; parked→under_review; rejected→under_review. Any other move is 409 naming the allowed ones. Each expected improvement's driver must be at a touchpoint the idea targets, also after a change of touchpoint_ids (else 422 naming /expected_improvements/N/value_driver_id). Every changed field is recorded in the history with the key's name.
//	@ID				patchIdea
//	@Tags			ideas
//	@Accept			json
//	@Accept			application/merge-patch+json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string		true	"Idea id"																									format(uuid)
//	@Param			If-Match	header		string		true	"ETag of the version the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			patch		body		IdeaPatch	true	"Fields to change"
//	@Success		200			{object}	Idea
//	@Header			200			{string}	ETag				"The new version"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"Status move not allowed"
//	@Failure		412			{object}	Problem				"If-Match is stale"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is neither application/json nor application/merge-patch+json"
//	@Failure		422			{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		428			{object}	Problem				"If-Match missing"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
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
		var fields []domain.FieldError
		setRequired(p, &fields, "title", in.Title, &i.Title)
		setField(p, "problem", in.Problem, &i.Problem)
		setField(p, "proposal", in.Proposal, &i.Proposal)
		setRequired(p, &fields, "touchpoint_ids", in.TouchpointIDs, &i.TouchpointIDs)
		setRequired(p, &fields, "impact", in.Impact, &i.Impact)
		setRequired(p, &fields, "experience", in.Experience, &i.Experience)
		setRequired(p, &fields, "effort", in.Effort, &i.Effort)
		setRequired(p, &fields, "confidence", in.Confidence, &i.Confidence)
		setField(p, "owner", in.Owner, &i.Owner)
		setField(p, "tags", in.Tags, &i.Tags)
		setField(p, "source", (*domain.IdeaSource)(in.Source), &i.Source)
		p.refuseNull(&fields, "status")
		if i.Tags == nil {
			i.Tags = []string{}
		}
		if p.has("one_off_cost") {
			i.Money.OneOffCost = in.OneOffCost
		}
		if p.has("annual_running_cost") {
			i.Money.AnnualRunningCost = in.AnnualRunningCost
		}
		if p.has("expected_improvements") {
			i.Money.ExpectedImprovements = nil
			if in.ExpectedImprovements != nil {
				i.Money.ExpectedImprovements = improvementsIn(&fields, *in.ExpectedImprovements)
			}
		}
		if err := withFields(fields, i.Validate()); err != nil {
			return err
		}
		if in.Status != nil && domain.IdeaStatus(*in.Status) != i.Status {
			return moveIdea(i, *in.Status)
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
// (null, which cannot clear the status, is refused before.)
func moveIdea(i *domain.Idea, to string) error {
	status, ok := domain.ParseIdeaStatus(to)
	if !ok {
		return domain.Invalid(domain.FieldError{Pointer: "/status", Detail: "must be one of new, under_review, planned, piloting, adopted, rejected, parked"})
	}
	return i.MoveTo(status)
}

// deleteIdea godoc
//
//	@Summary	Delete an idea (and its history)
//	@ID			deleteIdea
//	@Tags		ideas
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Idea id"																							format(uuid)
//	@Param		If-Match	header	string	true	"ETag of the version being deleted, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success	204
//	@Failure	400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure	428		{object}	Problem				"If-Match is missing"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
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
//	@ID			listIdeaHistory
//	@Tags		ideas
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Idea id"							format(uuid)
//	@Param		limit	query		int		false	"Page size, 1–100"					default(20)	extensions(x-example=10)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"	extensions(x-example=eyJxIjo0Mn0)
//	@Success	200		{object}	HistoryList
//	@Failure	400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
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
