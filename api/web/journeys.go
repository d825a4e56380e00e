package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// The journeys area: the workspace's journeys, a journey's heatmap, and a
// touchpoint's health, trend, ideas and pilots, where an editor adds a
// measurement.

func (h *handler) journeyRoutes(e *echo.Echo) {
	h.get(e, "/journeys", h.journeys, domain.RoleViewer)
	h.get(e, "/journeys/:id", h.journey, domain.RoleViewer)
	h.get(e, "/touchpoints/:id", h.touchpoint, domain.RoleViewer)
	h.post(e, "/touchpoints/:id/measurements", h.addMeasurement, domain.RoleEditor)
}

func init() {
	funcs["jrnValue"] = jrnValue
	funcs["jrnPeriod"] = jrnPeriod
	funcs["jrnKind"] = func(k domain.MetricKind) string { return titleWords(jrnKindName(k)) }
	funcs["jrnField"] = func(f jrnMeasurementForm, name string) string { return f.Values[name] }
	funcs["jrnError"] = func(f jrnMeasurementForm, name string) string { return f.Errors[name] }
	for n := range jrnSampleFields {
		jrnSampleFields[n].Hint = "For " + jrnKindsOf(jrnSampleFields[n].Name) + " metrics: " + jrnSampleFields[n].Hint + "."
	}
}

// jrnValue formats a value of a metric of kind for people: shares in
// percent, the others as numbers (their unit is shown beside them).
func jrnValue(kind domain.MetricKind, v *float64) string {
	if v == nil {
		return "—"
	}
	if kind == domain.KindProportion {
		return num(100**v) + " %"
	}
	return num(*v)
}

// jrnPeriod is a measured period in words.
func jrnPeriod(start, end time.Time) string {
	return start.UTC().Format("2 Jan 2006") + " – " + end.UTC().Format("2 Jan 2006")
}

// jrnMetricParam reads the metric_id query parameter: nil when absent.
func jrnMetricParam(c echo.Context) *string {
	id := strings.ToLower(strings.TrimSpace(c.QueryParam("metric_id")))
	if id == "" {
		return nil
	}
	return &id
}

// --- GET /journeys

type jrnStageCount struct {
	Name        string
	Touchpoints int
}

type jrnJourneyItem struct {
	Journey     domain.Journey
	Stages      []jrnStageCount
	Touchpoints int
}

type journeysView struct {
	Journeys []jrnJourneyItem
}

func (h *handler) journeys(c echo.Context) error {
	journeys, tps, _, err := h.catalogue(c)
	if err != nil {
		return err
	}
	byStage := map[string]int{}
	for _, t := range tps {
		byStage[t.StageID]++
	}
	v := journeysView{Journeys: make([]jrnJourneyItem, len(journeys))}
	for n, j := range journeys {
		item := jrnJourneyItem{Journey: j, Stages: make([]jrnStageCount, len(j.Stages))}
		for k, st := range j.Stages {
			item.Stages[k] = jrnStageCount{Name: st.Name, Touchpoints: byStage[st.ID]}
			item.Touchpoints += byStage[st.ID]
		}
		v.Journeys[n] = item
	}
	return h.render(c, http.StatusOK, "journeys", "Journeys", v)
}

// --- GET /journeys/:id

// jrnHeatRow is one touchpoint of the heatmap on its metric.
type jrnHeatRow struct {
	Touchpoint    domain.Touchpoint
	Cell          domain.HealthCell
	Stale         bool
	OpenIdeas     int
	RunningPilots int
}

type jrnHeatStage struct {
	Name string
	Rows []jrnHeatRow
}

type journeyView struct {
	Journey   *domain.Journey
	Pick      domain.MetricPick
	Metrics   []domain.CatalogueMetric
	Stages    []jrnHeatStage
	Total     int // touchpoints of the journey
	Chart     string
	StaleDays int
}

// journey is a journey's heatmap: the chart and the same cells as a table,
// on the metric the API's heatmap shows (domain.HeatmapMetric).
func (h *handler) journey(c echo.Context) error {
	id, err := pathID(c, "journey")
	if err != nil {
		return err
	}
	ws := principalOf(c).WorkspaceID
	j, err := h.Store.GetJourney(ctx(c), ws, id)
	if err != nil {
		return err
	}
	metrics, err := h.Store.ListCatalogueMetrics(ctx(c), ws)
	if err != nil {
		return err
	}
	facts, err := h.Store.TouchpointFacts(ctx(c), ws, &id)
	if err != nil {
		return err
	}
	pick, err := domain.HeatmapMetric(metrics, facts, jrnMetricParam(c))
	if err != nil {
		return err
	}
	now, m := h.Clock(), pick.Metric
	v := journeyView{Journey: j, Pick: pick, Metrics: metrics, Total: len(facts), StaleDays: domain.StaleDays,
		Chart: "/api/v1/journeys/" + j.ID + "/heatmap.svg?metric_id=" + url.QueryEscape(m.ID)}
	for _, st := range j.Stages {
		stage := jrnHeatStage{Name: st.Name}
		for n := range facts {
			f := &facts[n]
			if f.Touchpoint.StageID != st.ID {
				continue
			}
			row := jrnHeatRow{Touchpoint: f.Touchpoint, Cell: f.HealthOn(*m), OpenIdeas: f.OpenIdeas, RunningPilots: f.RunningPilots}
			if row.Cell.Latest != nil {
				row.Stale = domain.IsStale(row.Cell.Latest.PeriodEnd, now)
			}
			stage.Rows = append(stage.Rows, row)
		}
		v.Stages = append(v.Stages, stage)
	}
	return h.render(c, http.StatusOK, "journey", j.Name, v)
}

// --- GET /touchpoints/:id

// jrnHealthRow is the touchpoint's health and trend on one metric, as
// GET /touchpoints/{id}/health judges it.
type jrnHealthRow struct {
	Cell  domain.HealthCell
	Stale bool
	Trend domain.Trend
}

// jrnTrendPoint is one measured period of the trend chart, as a table row.
type jrnTrendPoint struct {
	M     domain.Measurement
	Value float64
	CI    domain.Interval
}

// jrnSampleField is one summary field of the measurement form.
type jrnSampleField struct {
	Name, Label, Hint string
	Integer           bool
}

// jrnSampleFields are the summary fields of every kind, in domain.SampleFields'
// order; which kinds use each is said from domain.SampleFields.
var jrnSampleFields = []jrnSampleField{
	{"n", "Number measured (n)", "responses or contacts measured; at least 2 for a mean", true},
	{"mean", "Mean", "the average, in the metric's unit", false},
	{"sd", "Standard deviation (sd)", "the spread of the values, 0 or more", false},
	{"successes", "Successes", "how many of n count (satisfied, resolved, lost…), 0 to n", true},
	{"promoters", "Promoters", "answers of 9–10", true},
	{"passives", "Passives", "answers of 7–8", true},
	{"detractors", "Detractors", "answers of 0–6", true},
	{"events", "Events", "how many happened (contacts, complaints…), 0 or more", true},
	{"exposure", "Exposure", "what the events are counted per, in the metric's unit (e.g. thousands of customers), more than 0", false},
}

// jrnKindsOf names the metric kinds whose summary has field.
func jrnKindsOf(field string) string {
	var kinds []string
	for _, k := range domain.MetricKinds {
		if slices.Contains(domain.SampleFields[k], field) {
			kinds = append(kinds, jrnKindName(k))
		}
	}
	return strings.Join(kinds, " and ")
}

// jrnKindName is a metric kind in words.
func jrnKindName(k domain.MetricKind) string {
	if k == domain.KindNPS {
		return "NPS"
	}
	return string(k)
}

// jrnKindHelp says which fields each kind of metric takes and which catalogue
// metrics are of that kind.
type jrnKindHelp struct {
	Kind    domain.MetricKind
	Fields  string
	Metrics string
}

// jrnMeasurementForm is the add-a-measurement form as typed, with each
// field's problem by field name.
type jrnMeasurementForm struct {
	MetricID, PeriodStart, PeriodEnd, Source string
	Values                                   map[string]string
	Errors                                   map[string]string
	Alert                                    string
}

type touchpointView struct {
	Touchpoint  *domain.Touchpoint
	Journey     *domain.Journey
	Stage       string
	Overall     domain.Overall
	OverallOld  bool // the overall metric's latest value is stale
	Health      []jrnHealthRow
	StaleDays   int
	Metrics     []domain.CatalogueMetric
	Trend       *domain.CatalogueMetric // the chart's metric; nil for an empty catalogue
	TrendChart  string
	TrendPoints []jrnTrendPoint
	OpenIdeas   []domain.Idea
	MoreOpen    string // the backlog of the touchpoint, when there are more open ideas
	OtherIdeas  []domain.Idea
	Pilots      []domain.Pilot
	PilotNames  map[string]string // the idea's title for an untitled pilot
	Form        jrnMeasurementForm
	Fields      []jrnSampleField
	Kinds       []jrnKindHelp
	Added       bool
}

// jrnTouchpointIdeas is how many ideas of each kind the page lists.
const jrnTouchpointIdeas = 50

func (h *handler) touchpoint(c echo.Context) error {
	v, err := h.touchpointData(c, jrnMetricParam(c))
	if err != nil {
		return err
	}
	v.Added = c.QueryParam("added") == "1"
	if v.Trend != nil {
		v.Form.MetricID = v.Trend.ID
	}
	return h.render(c, http.StatusOK, "touchpoint", v.Touchpoint.Name, v)
}

// touchpointData loads the touchpoint page: its health as
// GET /touchpoints/{id}/health judges it, the trend of metricID (by
// default the metric that sets the overall health, else the reports'
// default metric), its ideas and pilots.
func (h *handler) touchpointData(c echo.Context, metricID *string) (*touchpointView, error) {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return nil, err
	}
	ws, now := principalOf(c).WorkspaceID, h.Clock()
	tp, err := h.Store.GetTouchpoint(ctx(c), ws, id)
	if err != nil {
		return nil, err
	}
	j, err := h.Store.GetJourney(ctx(c), ws, tp.JourneyID)
	if err != nil {
		return nil, err
	}
	metrics, err := h.Store.ListCatalogueMetrics(ctx(c), ws)
	if err != nil {
		return nil, err
	}
	recent, err := h.Store.RecentMeasurements(ctx(c), ws, id, domain.TrendPeriods)
	if err != nil {
		return nil, err
	}
	latest := make(map[string]domain.Measurement, len(recent))
	for metricID, ms := range recent {
		if len(ms) > 0 {
			latest[metricID] = ms[0]
		}
	}
	cells := domain.ApplicableHealth(metrics, latest)
	v := &touchpointView{Touchpoint: tp, Journey: j, Overall: domain.OverallHealth(cells), StaleDays: domain.StaleDays,
		Metrics: metrics, Fields: jrnSampleFields, Health: make([]jrnHealthRow, len(cells)), Form: jrnMeasurementForm{Values: map[string]string{}}}
	for _, st := range j.Stages {
		if st.ID == tp.StageID {
			v.Stage = st.Name
		}
	}
	if v.Overall.Latest != nil {
		v.OverallOld = domain.IsStale(v.Overall.Latest.PeriodEnd, now)
	}
	for n, cell := range cells {
		newestFirst := recent[cell.Metric.ID]
		oldestFirst := make([]domain.Measurement, len(newestFirst))
		for k := range newestFirst {
			oldestFirst[len(newestFirst)-1-k] = newestFirst[k]
		}
		row := jrnHealthRow{Cell: cell, Trend: domain.TrendOf(cell.Metric, oldestFirst)}
		if cell.Latest != nil {
			row.Stale = domain.IsStale(cell.Latest.PeriodEnd, now)
		}
		v.Health[n] = row
	}
	for _, k := range domain.MetricKinds {
		help := jrnKindHelp{Kind: k, Fields: strings.Join(domain.SampleFields[k], ", ")}
		var names []string
		for _, m := range metrics {
			if m.Kind == k {
				names = append(names, m.Name)
			}
		}
		help.Metrics = strings.Join(names, ", ")
		v.Kinds = append(v.Kinds, help)
	}

	if err := h.touchpointTrend(c, v, metricID); err != nil {
		return nil, err
	}
	if err := h.touchpointWork(c, v); err != nil {
		return nil, err
	}
	return v, nil
}

// touchpointTrend picks the trend's metric and reads what its chart draws.
func (h *handler) touchpointTrend(c echo.Context, v *touchpointView, metricID *string) error {
	m, err := domain.TrendMetric(v.Metrics, v.Overall, metricID)
	if err != nil {
		return err
	}
	v.Trend = m
	if v.Trend == nil {
		return nil
	}
	v.TrendChart = "/api/v1/touchpoints/" + v.Touchpoint.ID + "/trend.svg?metric_id=" + url.QueryEscape(v.Trend.ID)
	ms, err := h.Store.ListMeasurements(ctx(c), principalOf(c).WorkspaceID, v.Touchpoint.ID, &v.Trend.ID, domain.MaxPageSize)
	if err != nil {
		return err
	}
	v.TrendPoints = make([]jrnTrendPoint, len(ms))
	for n, m := range ms {
		val, ci := domain.LevelInterval(v.Trend.Kind, m.Sample)
		v.TrendPoints[n] = jrnTrendPoint{M: m, Value: val, CI: ci}
	}
	return nil
}

// touchpointWork reads the ideas and pilots targeting the touchpoint.
func (h *handler) touchpointWork(c echo.Context, v *touchpointView) error {
	ws, id := principalOf(c).WorkspaceID, v.Touchpoint.ID
	open, next, err := h.Store.ListIdeas(ctx(c), ws, domain.IdeaFilter{Statuses: domain.OpenIdeaStatuses, TouchpointIDs: []string{id},
		Sort: domain.SortPriorityDesc}, nil, jrnTouchpointIdeas)
	if err != nil {
		return err
	}
	v.OpenIdeas = open
	if next != nil {
		v.MoreOpen = "/?touchpoint_id=" + url.QueryEscape(id)
	}
	var closed []domain.IdeaStatus
	for _, st := range domain.IdeaStatuses {
		if !slices.Contains(domain.OpenIdeaStatuses, st) {
			closed = append(closed, st)
		}
	}
	if v.OtherIdeas, _, err = h.Store.ListIdeas(ctx(c), ws, domain.IdeaFilter{Statuses: closed, TouchpointIDs: []string{id},
		Sort: domain.SortPriorityDesc}, nil, jrnTouchpointIdeas); err != nil {
		return err
	}
	if v.Pilots, _, err = h.Store.ListPilots(ctx(c), ws, domain.PilotFilter{TouchpointIDs: []string{id}}, domain.Page{Limit: domain.MaxPageSize}); err != nil {
		return err
	}
	v.PilotNames = map[string]string{}
	for _, i := range slices.Concat(v.OpenIdeas, v.OtherIdeas) {
		v.PilotNames[i.ID] = i.Title
	}
	for _, p := range v.Pilots {
		if _, ok := v.PilotNames[p.IdeaID]; p.Title == "" && !ok {
			i, err := h.Store.GetIdea(ctx(c), ws, p.IdeaID)
			if err != nil {
				return err
			}
			v.PilotNames[i.ID] = i.Title
		}
	}
	return nil
}

// --- POST /touchpoints/:id/measurements

// jrnReadMeasurement reads the form into a measurement of the touchpoint: the
// fields of the metric's kind must be given and those of other kinds left
// empty (as the API's), then domain.Measurement.Validate judges the values.
func jrnReadMeasurement(c echo.Context, ws, touchpointID string, metrics []domain.CatalogueMetric) (jrnMeasurementForm, *domain.Measurement, *domain.CatalogueMetric, error) {
	f := jrnMeasurementForm{MetricID: strings.ToLower(strings.TrimSpace(c.FormValue("metric_id"))), PeriodStart: strings.TrimSpace(c.FormValue("period_start")),
		PeriodEnd: strings.TrimSpace(c.FormValue("period_end")), Source: c.FormValue("source"), Values: map[string]string{}}
	for _, sf := range jrnSampleFields {
		f.Values[sf.Name] = strings.TrimSpace(c.FormValue(sf.Name))
	}
	var fields []domain.FieldError
	bad := func(name, detail string) {
		fields = append(fields, domain.FieldError{Pointer: "/" + name, Detail: detail})
	}
	var metric *domain.CatalogueMetric
	for n := range metrics {
		if metrics[n].ID == f.MetricID {
			metric = &metrics[n]
		}
	}
	if metric == nil {
		bad("metric_id", "choose a metric of the catalogue")
	}
	date := func(name, s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			bad(name, "must be a date like 2026-09-01")
		}
		return t
	}
	m := &domain.Measurement{WorkspaceID: ws, TouchpointID: touchpointID, PeriodStart: date("period_start", f.PeriodStart),
		PeriodEnd: date("period_end", f.PeriodEnd), Source: f.Source}
	if metric == nil {
		return f, nil, nil, domain.Invalid(fields...)
	}
	m.MetricID = metric.ID
	smp := &m.Sample
	ints := map[string]*int{"n": &smp.N, "successes": &smp.Successes, "promoters": &smp.Promoters, "passives": &smp.Passives,
		"detractors": &smp.Detractors, "events": &smp.Events}
	floats := map[string]*float64{"mean": &smp.Mean, "sd": &smp.SD, "exposure": &smp.Exposure}
	fields = append(fields, domain.SampleFieldErrors(metric.Kind, func(name string) bool { return f.Values[name] != "" })...)
	for _, sf := range jrnSampleFields {
		s := f.Values[sf.Name]
		switch {
		case s == "" || !slices.Contains(domain.SampleFields[metric.Kind], sf.Name):
		case sf.Integer:
			x, err := strconv.Atoi(s)
			if err != nil {
				bad(sf.Name, "must be a whole number")
			}
			*ints[sf.Name] = x
		default:
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				bad(sf.Name, "must be a number like 318.4")
			}
			*floats[sf.Name] = x
		}
	}
	// The domain's rules, reported with what the form found.
	if err := m.Validate(metric.Kind); err != nil {
		de, ok := err.(*domain.Error)
		if !ok || de.Code != domain.EInvalid {
			return f, nil, nil, err
		}
		for _, fe := range de.Fields {
			if !slices.ContainsFunc(fields, func(x domain.FieldError) bool { return x.Pointer == fe.Pointer }) {
				fields = append(fields, fe)
			}
		}
	}
	if len(fields) > 0 {
		return f, nil, nil, domain.Invalid(fields...)
	}
	return f, m, metric, nil
}

// addMeasurement records a measurement through the store as the API does;
// invalid values re-render the page with 422, a period measured already
// with 409 and how to correct it.
func (h *handler) addMeasurement(c echo.Context) error {
	id, err := pathID(c, "touchpoint")
	if err != nil {
		return err
	}
	ws := principalOf(c).WorkspaceID
	if _, err := h.Store.GetTouchpoint(ctx(c), ws, id); err != nil {
		return err
	}
	metrics, err := h.Store.ListCatalogueMetrics(ctx(c), ws)
	if err != nil {
		return err
	}
	form, m, metric, err := jrnReadMeasurement(c, ws, id, metrics)
	if err == nil {
		ms := []domain.Measurement{*m}
		if err = h.Store.AddMeasurements(ctx(c), ms); err == nil {
			return c.Redirect(http.StatusSeeOther, "/touchpoints/"+id+"?added=1&metric_id="+url.QueryEscape(m.MetricID)+"#health")
		}
	}
	switch domain.ErrorCodeOf(err) {
	case domain.EInvalid:
		form.Alert = "The measurement was not added: correct the fields marked below."
		form.Errors = map[string]string{}
		for _, fe := range err.(*domain.Error).Fields {
			name := strings.TrimPrefix(fe.Pointer, "/")
			switch {
			case !jrnIsFormField(name):
				form.Alert += " " + strings.TrimPrefix(fe.Pointer+fe.Parameter+" ", "/") + fe.Detail + "."
			case form.Errors[name] == "":
				form.Errors[name] = fe.Detail
			}
		}
		return h.rerenderTouchpoint(c, http.StatusUnprocessableEntity, form)
	case domain.EConflict:
		form.Alert = h.duplicateAdvice(c, id, m, metric)
		form.Errors = map[string]string{"period_start": "this period is measured already"}
		return h.rerenderTouchpoint(c, http.StatusConflict, form)
	}
	return err
}

// jrnIsFormField says whether the measurement form has a field name.
func jrnIsFormField(name string) bool {
	return slices.Contains([]string{"metric_id", "period_start", "period_end", "source"}, name) ||
		slices.ContainsFunc(jrnSampleFields, func(f jrnSampleField) bool { return f.Name == name })
}

// duplicateAdvice says that the period is measured already and how to
// correct that measurement instead.
func (h *handler) duplicateAdvice(c echo.Context, touchpointID string, m *domain.Measurement, metric *domain.CatalogueMetric) string {
	msg := "This touchpoint already has a " + metric.Name + " measurement for " + jrnPeriod(m.PeriodStart, m.PeriodEnd) + "."
	how := " To correct it, replace that measurement through the API (PUT /api/v1/touchpoints/" + touchpointID + "/measurements/{id} with If-Match) or re-import the period with mode=upsert; or check the dates."
	existing, err := h.Store.ListMeasurements(ctx(c), principalOf(c).WorkspaceID, touchpointID, &metric.ID, domain.MaxPageSize)
	if err != nil {
		return msg + how
	}
	for _, e := range existing {
		if e.Key() == m.Key() {
			v, _ := domain.LevelInterval(metric.Kind, e.Sample)
			msg += " It records " + jrnValue(metric.Kind, &v) + " (added " + e.CreatedAt.UTC().Format("2 Jan 2006") + ")."
			how = " To correct it, replace it through the API: PUT /api/v1/touchpoints/" + touchpointID + "/measurements/" + e.ID +
				" with If-Match: \"" + strconv.Itoa(e.Version) + "\", or re-import the period with mode=upsert; or check the dates."
		}
	}
	return msg + how
}

// rerenderTouchpoint shows the touchpoint page again with the form as typed.
func (h *handler) rerenderTouchpoint(c echo.Context, status int, form jrnMeasurementForm) error {
	v, err := h.touchpointData(c, nil)
	if err != nil {
		return err
	}
	v.Form = form
	return h.render(c, status, "touchpoint", v.Touchpoint.Name, v)
}
