package api

import (
	"fmt"
	"net/http"
	"slices"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// ScoringSettings are a workspace's weights and quadrant thresholds.
type ScoringSettings struct {
	WeightImpact     float64 `json:"weight_impact" minimum:"0" example:"1" binding:"required"`
	WeightExperience float64 `json:"weight_experience" minimum:"0" example:"1" binding:"required"`
	ValueThreshold   float64 `json:"value_threshold" minimum:"1" maximum:"5" example:"3" binding:"required"`  // V: value ≥ V is high value
	EffortThreshold  float64 `json:"effort_threshold" minimum:"1" maximum:"5" example:"2" binding:"required"` // E: effort ≤ E is low effort
	Version          int     `json:"version" example:"1" binding:"required"`
	// What a 1, 3 and 5 mean on each scale an idea is scored on (read-only).
	Scales []ScaleAnchors `json:"scales" binding:"required"`
} // @name ScoringSettings

// ScaleAnchors says what the 1, 3 and 5 of one scoring scale mean.
type ScaleAnchors struct {
	Scale string `json:"scale" enums:"impact,experience,effort" example:"effort" binding:"required"`
	Low   string `json:"1" example:"days of one team, no new systems or contracts" binding:"required"`
	Mid   string `json:"3" example:"weeks, a few teams, or a change with a vendor" binding:"required"`
	High  string `json:"5" example:"months, several teams, new systems or contracts" binding:"required"`
} // @name ScaleAnchors

// ScoringUpdate is the body of PUT /scoring: the weights and thresholds are
// required. It may be the document GET /scoring returned, changed: its
// version must then be the one in If-Match, and its scales, which cannot be
// changed, as they were.
type ScoringUpdate struct {
	WeightImpact     *float64       `json:"weight_impact" binding:"required" example:"2"`
	WeightExperience *float64       `json:"weight_experience" binding:"required" example:"1"`
	ValueThreshold   *float64       `json:"value_threshold" binding:"required" example:"3"`
	EffortThreshold  *float64       `json:"effort_threshold" binding:"required" example:"2"`
	Version          *int           `json:"version" example:"1"`
	Scales           []ScaleAnchors `json:"scales"`
} // @name ScoringUpdate

// RoadmapIdea is an idea on the roadmap with its touchpoints' names.
type RoadmapIdea struct {
	Idea
	Touchpoints []TouchpointRef `json:"touchpoints" binding:"required"`
} // @name RoadmapIdea

// TouchpointRef names a touchpoint.
type TouchpointRef struct {
	ID   string `json:"id" format:"uuid" binding:"required"`
	Name string `json:"name" example:"Phone queue" binding:"required"`
} // @name TouchpointRef

// Roadmap has three lanes, each ranked by priority.
type Roadmap struct {
	Now   []RoadmapIdea `json:"now" binding:"required"`   // piloting
	Next  []RoadmapIdea `json:"next" binding:"required"`  // planned
	Later []RoadmapIdea `json:"later" binding:"required"` // under_review
} // @name Roadmap

// MatrixPoint is one idea on the impact/effort matrix.
type MatrixPoint struct {
	ID       string  `json:"id" format:"uuid" binding:"required"`
	Title    string  `json:"title" binding:"required"`
	Value    float64 `json:"value" example:"4.5" binding:"required"`
	Effort   int     `json:"effort" example:"2" binding:"required"`
	Priority float64 `json:"priority" example:"36" binding:"required"`
	Status   string  `json:"status" example:"new" binding:"required"`
} // @name MatrixPoint

// Quadrant is one quadrant of the matrix: how many ideas fall in it and
// the top ones by priority.
type Quadrant struct {
	Count int           `json:"count" example:"3" binding:"required"`
	Ideas []MatrixPoint `json:"ideas" binding:"required"` // at most limit, by priority
} // @name Quadrant

// Matrix is the value/effort matrix of the workspace's ideas.
type Matrix struct {
	Statuses        []string `json:"statuses" example:"new,under_review,planned,piloting" binding:"required"` // the statuses of the ideas counted and shown
	ValueThreshold  float64  `json:"value_threshold" example:"3" binding:"required"`
	EffortThreshold float64  `json:"effort_threshold" example:"2" binding:"required"`
	QuickWin        Quadrant `json:"quick_win" binding:"required"`
	BigBet          Quadrant `json:"big_bet" binding:"required"`
	FillIn          Quadrant `json:"fill_in" binding:"required"`
	MoneyPit        Quadrant `json:"money_pit" binding:"required"`
	SVG             string   `json:"svg" example:"/api/v1/reports/matrix.svg" binding:"required"` // the same as a chart
} // @name Matrix

func scoringOut(sc domain.Scoring, version int) ScoringSettings {
	return ScoringSettings{WeightImpact: sc.WeightImpact, WeightExperience: sc.WeightExperience,
		ValueThreshold: sc.ValueThreshold, EffortThreshold: sc.EffortThreshold, Version: version, Scales: scalesOut()}
}

func scalesOut() []ScaleAnchors {
	out := make([]ScaleAnchors, len(domain.Scales))
	for n, a := range domain.Scales {
		out[n] = ScaleAnchors{Scale: a.Scale, Low: a.Low, Mid: a.Mid, High: a.High}
	}
	return out
}

// readOnlyScoring refuses a PUT /scoring body whose read-only fields say
// something other than the settings the change is based on: a version other
// than If-Match's, or other scales, would be silently ignored otherwise.
func readOnlyScoring(in *ScoringUpdate, version int) error {
	var fields []domain.FieldError
	if in.Version != nil && *in.Version != version {
		fields = append(fields, domain.FieldError{Pointer: "/version", Detail: fmt.Sprintf("is %d but If-Match names version %d; send both from the same GET", *in.Version, version)})
	}
	if in.Scales != nil && !slices.Equal(in.Scales, scalesOut()) {
		fields = append(fields, domain.FieldError{Pointer: "/scales", Detail: "cannot be changed; leave it out or send it as GET /scoring returns it"})
	}
	if fields != nil {
		return domain.Invalid(fields...)
	}
	return nil
}

// getScoring godoc
//
//	@Summary	The workspace's scoring weights and thresholds
//	@ID			getScoring
//	@Tags		scoring
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Success	200		{object}	ScoringSettings
//	@Header		200		{string}	ETag				"Version, for If-Match"
//	@Failure	400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/scoring [get]
func (s *Server) getScoring(c echo.Context) error {
	sc, version, err := s.store.GetScoring(c.Request().Context(), principal(c).WorkspaceID)
	if err != nil {
		return err
	}
	setETag(c, version)
	return c.JSON(http.StatusOK, scoringOut(sc, version))
}

// putScoring godoc
//
//	@Summary		Change the scoring weights and thresholds
//	@Description	Re-scores every idea of the workspace in the same transaction, so the ranking changes at once. Weights ≥ 0 and not both 0; thresholds within 1–5. The body may be the document GET /scoring returned, changed: its version must equal If-Match's and its scales (read-only) must be unchanged, else 422.
//	@ID				updateScoring
//	@Tags			scoring
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			If-Match	header		string			true	"ETag of the settings the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			scoring		body		ScoringUpdate	true	"New settings"
//	@Success		200			{object}	ScoringSettings
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
//	@Router			/api/v1/scoring [put]
func (s *Server) putScoring(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in ScoringUpdate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	if err := readOnlyScoring(&in, version); err != nil {
		return err
	}
	if err := requirePresent(presence{"/weight_impact", in.WeightImpact != nil}, presence{"/weight_experience", in.WeightExperience != nil},
		presence{"/value_threshold", in.ValueThreshold != nil}, presence{"/effort_threshold", in.EffortThreshold != nil}); err != nil {
		return err
	}
	sc := domain.Scoring{WeightImpact: *in.WeightImpact, WeightExperience: *in.WeightExperience,
		ValueThreshold: *in.ValueThreshold, EffortThreshold: *in.EffortThreshold}
	if err := sc.Validate(); err != nil {
		return err
	}
	newVersion, err := s.store.UpdateScoring(c.Request().Context(), principal(c).WorkspaceID, version, sc)
	if err != nil {
		return err
	}
	setETag(c, newVersion)
	return c.JSON(http.StatusOK, scoringOut(sc, newVersion))
}

// roadmap godoc
//
//	@Summary		The roadmap: now (piloting), next (planned), later (under review)
//	@Description	Each lane ranked by priority, each idea with its touchpoints' names. status picks lanes (default all three); a lane not asked for is an empty list.
//	@ID				getRoadmap
//	@Tags			roadmap
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			status	query		[]string	false	"Lanes to fill, by their status (repeat, or separate with commas)"	Enums(piloting,planned,under_review)	collectionFormat(csv)	extensions(x-example=planned)
//	@Param			limit	query		int			false	"Ideas per lane, 1–100"												default(20)								extensions(x-example=5)
//	@Success		200		{object}	Roadmap
//	@Failure		400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/roadmap [get]
func (s *Server) roadmap(c echo.Context) error {
	q := newListQuery(c, "status")
	limit := q.limit()
	if q.one("cursor") != "" {
		q.fail("cursor", "the roadmap is not paged; use limit")
	}
	statuses := enumList(q, "status", domain.RoadmapStatuses)
	if len(statuses) == 0 {
		statuses = domain.RoadmapStatuses
	}
	if err := q.err(); err != nil {
		return err
	}
	var out Roadmap
	lanes := []struct {
		status domain.IdeaStatus
		dst    *[]RoadmapIdea
	}{{domain.StatusPiloting, &out.Now}, {domain.StatusPlanned, &out.Next}, {domain.StatusUnderReview, &out.Later}}
	ranked, err := s.store.RankedIdeas(c.Request().Context(), principal(c).WorkspaceID, statuses, limit)
	if err != nil {
		return err
	}
	for _, lane := range lanes {
		ideas := ranked[lane.status]
		*lane.dst = make([]RoadmapIdea, len(ideas))
		for n, i := range ideas {
			r := RoadmapIdea{Idea: ideaOut(&i.Idea), Touchpoints: make([]TouchpointRef, len(i.Touchpoints))}
			for k, tp := range i.Touchpoints {
				r.Touchpoints[k] = TouchpointRef(tp)
			}
			(*lane.dst)[n] = r
		}
	}
	return c.JSON(http.StatusOK, out)
}

// matrix godoc
//
//	@Summary		The value/effort matrix: the four quadrants with their counts and top ideas, open ideas by default
//	@Description	Without status, the open ideas (new, under_review, planned, piloting); status=all for every status; several statuses by repeating the parameter or separating them with commas.
//	@ID				getMatrix
//	@Tags			roadmap
//	@Param		If-None-Match	header	string	false	"The ETag of a report already held: 304 while it is still the current one"
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			status	query		[]string	false	"Statuses to count and show (default open; all for every status)"	Enums(open,all,new,under_review,planned,piloting,adopted,rejected,parked)	collectionFormat(csv)	extensions(x-example=all)
//	@Param			limit	query		int			false	"Ideas per quadrant, by priority, 1–100"							default(20)																	extensions(x-example=10)
//	@Success		200		{object}	Matrix
//	@Success		304	"Not modified: the report named in If-None-Match is current"
//	@Failure		400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The report's strong validator, for If-None-Match; it changes with any write to the workspace's data the report depends on"
//	@Router			/api/v1/reports/matrix [get]
func (s *Server) matrix(c echo.Context) error {
	q := newListQuery(c, "status")
	limit := q.limit()
	if q.one("cursor") != "" {
		q.fail("cursor", "the matrix is not paged; use limit")
	}
	statuses := ideaStatuses(q)
	if err := q.err(); err != nil {
		return err
	}
	m, err := domain.ReadMatrix(c.Request().Context(), s.store, principal(c).WorkspaceID, statuses, limit)
	if err != nil {
		return err
	}
	out := Matrix{Statuses: statusNames(statuses), ValueThreshold: m.Scoring.ValueThreshold, EffortThreshold: m.Scoring.EffortThreshold, SVG: "/api/v1/reports/matrix.svg"}
	quadrants := map[domain.Quadrant]*Quadrant{
		domain.QuadrantQuickWin: &out.QuickWin, domain.QuadrantBigBet: &out.BigBet,
		domain.QuadrantFillIn: &out.FillIn, domain.QuadrantMoneyPit: &out.MoneyPit,
	}
	for name, q := range quadrants {
		q.Ideas, q.Count = []MatrixPoint{}, m.Counts[name]
	}
	for _, i := range m.Ideas {
		q := quadrants[i.Score.Quadrant]
		if q == nil {
			continue
		}
		q.Ideas = append(q.Ideas, MatrixPoint{ID: i.ID, Title: i.Title, Value: i.Score.Value, Effort: i.Effort, Priority: i.Score.Priority, Status: string(i.Status)})
	}
	return report(c, out)
}

// statusNames lists a status filter as sent back to the client: every
// status for none.
func statusNames(statuses []domain.IdeaStatus) []string {
	if len(statuses) == 0 {
		statuses = domain.IdeaStatuses
	}
	out := make([]string, len(statuses))
	for n, s := range statuses {
		out[n] = string(s)
	}
	return out
}
