package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// pilotRoutes are the pilot pages: the list, one pilot with its metrics,
// samples and results, its start, completion and cancellation, and the
// sizing calculator (a read-only calculation, so a viewer may use it).
func (h *handler) pilotRoutes(e *echo.Echo) {
	h.get(e, "/pilots", h.pilotList, domain.RoleViewer)
	h.get(e, "/pilots/plan", h.pilotPlanPage, domain.RoleViewer)
	h.post(e, "/pilots/plan", h.pilotPlanSubmit, domain.RoleViewer)
	h.get(e, "/pilots/:id", h.pilotPage, domain.RoleViewer)
	h.post(e, "/pilots/:id/start", h.pilotStart, domain.RoleEditor)
	h.post(e, "/pilots/:id/complete", h.pilotComplete, domain.RoleEditor)
	h.post(e, "/pilots/:id/cancel", h.pilotCancel, domain.RoleEditor)
}

// ---- The list ----

const pilotPageSize = 25

// pilotListItem is a pilot of the list with its idea's title.
type pilotListItem struct {
	domain.Pilot
	IdeaTitle string
}

// pilotListView is the pilot list's data.
type pilotListView struct {
	Statuses []domain.PilotStatus
	Selected []string // ticked statuses; none is every pilot, as in the API
	Pilots   []pilotListItem
	Next     string
}

// pilotList is the workspace's pilots, oldest first, filtered by status.
func (h *handler) pilotList(c echo.Context) error {
	q := c.QueryParams()
	v := pilotListView{Statuses: domain.PilotStatuses}
	var f domain.PilotFilter
	for _, s := range q["status"] {
		st, ok := domain.ParsePilotStatus(s)
		if !ok {
			return &domain.Error{Code: domain.EMalformed, Message: "the filter has invalid values",
				Fields: []domain.FieldError{{Parameter: "status", Detail: "is not a pilot status: " + s}}}
		}
		f.Statuses = append(f.Statuses, st)
		v.Selected = append(v.Selected, s)
	}
	after, ok := decodeCursor(q.Get("cursor"), cursorComplete)
	if !ok {
		return domain.Errorf(domain.EMalformed, "the page link is broken; start from the first page")
	}
	ws := principalOf(c).WorkspaceID
	pilots, next, err := h.Store.ListPilots(ctx(c), ws, f, domain.Page{Limit: pilotPageSize, After: after})
	if err != nil {
		return err
	}
	titles := map[string]string{}
	for _, p := range pilots {
		title, seen := titles[p.IdeaID]
		if !seen {
			if title, err = h.pilotIdeaTitle(c, p.IdeaID); err != nil {
				return err
			}
			titles[p.IdeaID] = title
		}
		v.Pilots = append(v.Pilots, pilotListItem{Pilot: p, IdeaTitle: title})
	}
	if next != nil {
		nq := url.Values{"status": v.Selected}
		nq.Set("cursor", encodeCursor(next))
		v.Next = "/pilots?" + nq.Encode()
	}
	return h.render(c, http.StatusOK, "pilots", "Pilots", v)
}

// pilotIdeaTitle is the title of a pilot's idea, "" if it is gone.
func (h *handler) pilotIdeaTitle(c echo.Context, ideaID string) (string, error) {
	i, err := h.Store.GetIdea(ctx(c), principalOf(c).WorkspaceID, ideaID)
	if domain.ErrorCodeOf(err) == domain.ENotFound {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return i.Title, nil
}

// ---- One pilot ----

// pilotView is a pilot page's data.
type pilotView struct {
	Pilot       *domain.Pilot
	IdeaTitle   string
	Touchpoints []domain.TouchpointRef
	Metrics     []pilotMetricView
	Results     []pilotResultRow
	Notice      domain.InterimNotice
	Frozen      bool
	ComputedAt  time.Time
	Level       string // the intervals' confidence, in percent: "95"
	Verdict     string // the primary metric's, "" without one
	Chart       string
	ChartAlt    string
	// What the results are worth a year: Value is nil when no metric is
	// priced; Unpriced names the metrics without a value.
	Value    *pilotValueView
	Unpriced []string

	// What the pilot's status allows, asked of the domain.
	CanStart, CanComplete, CanCancel bool
	Decisions                        []domain.Decision
	Done                             string // what the last action did
	Error                            string // why an action was refused
	DecisionError                    string
}

// pilotMetricView is a metric with its samples in the order of its kind's
// fields.
type pilotMetricView struct {
	domain.Metric
	Fields  []string
	Samples []pilotSampleRow
	Changes []pilotChangeRow // per-unit change scores of paired designs
}

type pilotSampleRow struct {
	Group, Period, Source string
	Values                []string
}

type pilotChangeRow struct {
	Group    string
	N        int
	Mean, SD string
}

// pilotResultRow is a metric's result as the table shows it: numbers
// formatted, the change in the unit people read it in.
type pilotResultRow struct {
	domain.MetricResult
	Estimate, Interval, Relative, RelativeInterval, P string
	// The metric's value a year and its interval, "" without one.
	Value, ValueInterval string
}

// pilotValueView is the total annual value of a pilot's priced metrics,
// written for people.
type pilotValueView struct {
	Value, Interval string // "63,000 EUR a year", "22,934 to 103,066"
	RunningCost     string // "12,000 EUR a year"
	ChanceNet       string // P(value > running cost): "99.9 %"
	Explanation     string
}

// pilotDone are the notices after a successful action.
var pilotDone = map[string]string{
	"started":   "The pilot is running; its idea is now piloting.",
	"completed": "The pilot is completed: its results are frozen and its idea moved as decided.",
	"cancelled": "The pilot is cancelled.",
}

func (h *handler) pilotPage(c echo.Context) error {
	id, err := pathID(c, "pilot")
	if err != nil {
		return err
	}
	return h.renderPilot(c, http.StatusOK, id, func(v *pilotView) { v.Done = pilotDone[c.QueryParam("done")] })
}

// renderPilot renders the pilot page with status; with reads the same
// store and domain calls as GET /pilots/{id}, /metrics and /results.
func (h *handler) renderPilot(c echo.Context, status int, id string, with func(*pilotView)) error {
	ws := principalOf(c).WorkspaceID
	p, data, err := h.Store.PilotData(ctx(c), ws, id)
	if err != nil {
		return err
	}
	v := pilotView{Pilot: p, Decisions: domain.Decisions, Notice: p.InterimNotice(), Frozen: p.Results != nil,
		Chart: "/api/v1/pilots/" + p.ID + "/results.svg"}
	if v.IdeaTitle, err = h.pilotIdeaTitle(c, p.IdeaID); err != nil {
		return err
	}
	for _, tid := range p.TouchpointIDs {
		t, err := h.Store.GetTouchpoint(ctx(c), ws, tid)
		if domain.ErrorCodeOf(err) == domain.ENotFound {
			continue
		} else if err != nil {
			return err
		}
		v.Touchpoints = append(v.Touchpoints, domain.TouchpointRef{ID: t.ID, Name: t.Name})
	}
	for _, m := range data.Metrics {
		v.Metrics = append(v.Metrics, pilotMetricOf(m, data.Samples[m.ID]))
	}
	// The results: the snapshot frozen at completion, else computed now, as
	// GET /pilots/{id}/results answers.
	r := p.Results
	if r == nil {
		live := p.Analyze(data, h.Clock())
		r = &live
	}
	v.ComputedAt, v.Level = r.ComputedAt, strconv.FormatFloat(r.ConfidenceLevel*100, 'f', -1, 64)
	for n := range r.Metrics {
		row := pilotResultOf(&r.Metrics[n])
		v.Results = append(v.Results, row)
		if row.Value == "" {
			v.Unpriced = append(v.Unpriced, row.Name)
		}
	}
	if t := r.ValueTotal; t != nil {
		v.Value = &pilotValueView{ChanceNet: chanceText(t.ProbabilityNetPositive), Explanation: t.Explanation,
			RunningCost: money(t.RunningCost) + " " + t.Currency + " a year"}
		v.Value.Value, v.Value.Interval = valueText(t.AnnualValue, t.CI, t.Currency)
	}
	if primary := r.Primary(); primary != nil {
		v.Verdict = string(primary.Verdict)
	}
	v.ChartAlt = "Forest plot of the results: each metric's change, after − before, in percent of its before level, with its " +
		v.Level + " % interval; the table above gives the same numbers."
	// The actions the pilot's status allows: the domain's workflow answers,
	// tried on a copy.
	now := h.Clock()
	for _, a := range []struct {
		to  domain.PilotStatus
		can *bool
	}{{domain.PilotRunning, &v.CanStart}, {domain.PilotCompleted, &v.CanComplete}, {domain.PilotCancelled, &v.CanCancel}} {
		cp := *p
		*a.can = cp.MoveTo(a.to, now) == nil
	}
	if with != nil {
		with(&v)
	}
	title := p.Title
	if title == "" {
		title = "Pilot"
	}
	return h.render(c, status, "pilot", title, v)
}

func pilotMetricOf(m domain.Metric, s domain.MetricSamples) pilotMetricView {
	mv := pilotMetricView{Metric: m, Fields: domain.SampleFields[m.Kind]}
	for _, x := range s.List() {
		row := pilotSampleRow{Group: string(x.Group), Period: string(x.Period), Source: string(x.Source)}
		for _, f := range mv.Fields {
			row.Values = append(row.Values, pilotSampleValue(&x, f))
		}
		mv.Samples = append(mv.Samples, row)
	}
	for _, ch := range []struct {
		group string
		s     *domain.MeanSummary
	}{{"pilot", s.PilotChange}, {"control", s.ControlChange}} {
		if ch.s != nil {
			mv.Changes = append(mv.Changes, pilotChangeRow{Group: ch.group, N: ch.s.N, Mean: figure(ch.s.Mean), SD: figure(ch.s.SD)})
		}
	}
	return mv
}

// pilotSampleValue is one summary statistic of a sample, by its API name.
func pilotSampleValue(s *domain.Sample, field string) string {
	switch field {
	case "n":
		return strconv.Itoa(s.N)
	case "mean":
		return figure(s.Mean)
	case "sd":
		return figure(s.SD)
	case "successes":
		return strconv.Itoa(s.Successes)
	case "promoters":
		return strconv.Itoa(s.Promoters)
	case "passives":
		return strconv.Itoa(s.Passives)
	case "detractors":
		return strconv.Itoa(s.Detractors)
	case "events":
		return strconv.Itoa(s.Events)
	case "exposure":
		return figure(s.Exposure)
	}
	return ""
}

// pilotResultOf formats a metric's result. The change (after − before) is
// written as the API's chart writes it: shares in percentage points, NPS in
// points, other kinds in the metric's unit.
func pilotResultOf(m *domain.MetricResult) pilotResultRow {
	row := pilotResultRow{MetricResult: *m}
	if m.Value != nil {
		row.Value, row.ValueInterval = valueText(m.Value.AnnualValue, m.Value.CI, m.Value.Currency)
	}
	if !m.Computed {
		return row
	}
	row.Estimate, row.Interval = changeText(m)
	if m.RelativeChange != nil {
		row.Relative = pilotPercentSigned(*m.RelativeChange)
	}
	if m.RelativeCI != nil {
		row.RelativeInterval = pilotPercentSigned(m.RelativeCI.Low) + " to " + pilotPercentSigned(m.RelativeCI.High)
	}
	row.P = pilotP(m.PValue)
	return row
}

// pilotPercentSigned writes a relative change in percent, 2 decimals at
// most, with its sign.
func pilotPercentSigned(x float64) string { return signed(100*x) + "\u00a0%" }

// pilotP writes a p-value: 3 decimals, or "< 0.001" (kept on one line).
func pilotP(p float64) string {
	if p < 0.001 {
		return "<\u00a00.001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// ---- Actions ----

// pilotAction runs one of domain.PilotActions, as POST /pilots/{id}/start,
// /complete and /cancel do, with the version the page showed (so a stale
// page is refused) and the signed-in key as the actor. A refusal the user
// can act on (a move the status does not allow, a stale page, no decision)
// is shown on the pilot page with its status.
func (h *handler) pilotAction(c echo.Context, done string, act func(ctx echo.Context, ws, id string, version int, actor string, at time.Time) (*domain.Pilot, error)) error {
	id, err := pathID(c, "pilot")
	if err != nil {
		return err
	}
	version := 0
	if s := c.FormValue("version"); s != "" {
		if version, err = strconv.Atoi(s); err != nil || version < 1 {
			return &domain.Error{Code: domain.EMalformed, Message: "the form is broken; reload the pilot's page",
				Fields: []domain.FieldError{{Parameter: "version", Detail: "is not a version"}}}
		}
	}
	p := principalOf(c)
	_, err = act(c, p.WorkspaceID, id, version, p.KeyName, h.Clock())
	switch code := domain.ErrorCodeOf(err); code {
	case "":
		return c.Redirect(http.StatusSeeOther, "/pilots/"+id+"?done="+done)
	case domain.EConflict, domain.EPreconditionFailed, domain.EInvalid:
		msg := pilotErrorText(err)
		if code == domain.EPreconditionFailed {
			msg = "The pilot changed since the page was loaded, so nothing was done. Here it is as it is now: check it and try again."
		}
		return h.renderPilot(c, h.StatusOf(err), id, func(v *pilotView) {
			v.Error = msg
			if fe := domain.FieldsOf(err); code == domain.EInvalid && len(fe) > 0 {
				v.Error, v.DecisionError = "Choose a decision to complete the pilot.", fe[0].Detail
			}
		})
	default:
		return err
	}
}

// pilotErrorText is an error's client-safe message.
func pilotErrorText(err error) string {
	var e *domain.Error
	if errors.As(err, &e) && e.Message != "" {
		return strings.ToUpper(e.Message[:1]) + e.Message[1:]
	}
	return http.StatusText(http.StatusInternalServerError)
}

func (h *handler) pilotStart(c echo.Context) error {
	return h.pilotAction(c, "started", func(c echo.Context, ws, id string, version int, actor string, at time.Time) (*domain.Pilot, error) {
		return h.pilots.Start(ctx(c), ws, id, version, actor, at)
	})
}

func (h *handler) pilotCancel(c echo.Context) error {
	return h.pilotAction(c, "cancelled", func(c echo.Context, ws, id string, version int, actor string, at time.Time) (*domain.Pilot, error) {
		return h.pilots.Cancel(ctx(c), ws, id, version, actor, at)
	})
}

func (h *handler) pilotComplete(c echo.Context) error {
	decision := domain.Decision(c.FormValue("decision"))
	return h.pilotAction(c, "completed", func(c echo.Context, ws, id string, version int, actor string, at time.Time) (*domain.Pilot, error) {
		return h.pilots.Complete(ctx(c), ws, id, version, actor, decision, at)
	})
}

// ---- The sizing calculator ----

// pilotPlanForm is the calculator's form as typed.
type pilotPlanForm struct {
	Kind               string
	BaselineMean       string
	BaselineSD         string
	BaselineProportion string
	MDE                string
	NPerGroup          string
	Alpha              string
	Power              string
}

// pilotPlanView is the calculator page's data.
type pilotPlanView struct {
	Form   pilotPlanForm
	Kinds  []domain.MetricKind
	Errors map[string]string // by field name
	Result *domain.PlanResult
	// What the result says, in words.
	SolvedForN            bool
	Alpha, Power          string
	MDE, NExact, Achieved string
	Total                 int
	Method                string
}

// pilotPlanKinds are the kinds domain.Plan sizes.
var pilotPlanKinds = []domain.MetricKind{domain.KindMean, domain.KindProportion}

var pilotPlanMethods = map[string]string{
	"two_sample_t":   "two-sample t-test, as R's power.t.test",
	"two_proportion": "two-proportion test, as R's power.prop.test",
}

func (h *handler) pilotPlanPage(c echo.Context) error {
	v := pilotPlanView{Form: pilotPlanForm{Kind: string(domain.KindMean), Alpha: "0.05", Power: "0.8"}, Kinds: pilotPlanKinds}
	return h.render(c, http.StatusOK, "plan", "Plan a pilot's size", v)
}

// pilotPlanSubmit sizes a pilot with domain.Plan, as POST /pilots/plan
// does, with the same defaults (alpha 0.05, power 0.8).
func (h *handler) pilotPlanSubmit(c echo.Context) error {
	f := pilotPlanForm{Kind: c.FormValue("kind")}
	v := pilotPlanView{Kinds: pilotPlanKinds, Errors: map[string]string{}}
	in := domain.PlanInput{Kind: domain.MetricKind(f.Kind), Alpha: 0.05, Power: 0.8}
	number := func(name string, typed *string, dst *float64) {
		*typed = strings.TrimSpace(c.FormValue(name))
		if *typed == "" {
			return
		}
		x, err := strconv.ParseFloat(*typed, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			v.Errors[name] = "must be a number"
			return
		}
		*dst = x
	}
	var mde float64
	number("baseline_mean", &f.BaselineMean, &in.BaselineMean)
	number("baseline_sd", &f.BaselineSD, &in.BaselineSD)
	number("baseline_proportion", &f.BaselineProportion, &in.BaselineProportion)
	number("mde", &f.MDE, &mde)
	number("alpha", &f.Alpha, &in.Alpha)
	number("power", &f.Power, &in.Power)
	if f.MDE != "" {
		in.MDE = &mde
	}
	if f.NPerGroup = strings.TrimSpace(c.FormValue("n_per_group")); f.NPerGroup != "" {
		n, err := strconv.Atoi(f.NPerGroup)
		if err != nil {
			v.Errors["n_per_group"] = "must be a whole number"
		}
		in.NPerGroup = &n
	}
	v.Form = f
	if len(v.Errors) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, "plan", "Plan a pilot's size", v)
	}
	plan, err := domain.Plan(in)
	if domain.ErrorCodeOf(err) == domain.EInvalid {
		for _, fe := range domain.FieldsOf(err) {
			name := strings.TrimPrefix(fe.Pointer, "/")
			if v.Errors[name] == "" {
				v.Errors[name] = fe.Detail
			}
		}
		return h.render(c, http.StatusUnprocessableEntity, "plan", "Plan a pilot's size", v)
	} else if err != nil {
		return err
	}
	v.Result, v.SolvedForN = &plan, in.MDE != nil
	v.Alpha, v.Power = num(in.Alpha), pilotPercent(in.Power)
	v.MDE, v.NExact, v.Achieved = figure(plan.MDE), figure(plan.NExact), pilotPercent(plan.Power)
	if in.Kind == domain.KindProportion {
		v.MDE += fmt.Sprintf(" (%s percentage points)", figure(math.Abs(plan.MDE)*100))
	}
	v.Total, v.Method = 2*plan.NPerGroup, pilotPlanMethods[plan.Method]
	return h.render(c, http.StatusOK, "plan", "Plan a pilot's size", v)
}

// pilotPercent writes a probability in percent with one decimal.
func pilotPercent(x float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(100*x, 'f', 1, 64), ".0") + " %"
}
