package web

// The read-only views: the roadmap, the value/effort matrix and the Monday
// report, on the same store calls and domain use cases as the API's
// roadmap, matrix, blind-spots, coverage and impact handlers.

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

func (h *handler) viewsRoutes(e *echo.Echo) {
	h.get(e, "/roadmap", h.roadmapPage, domain.RoleViewer)
	h.get(e, "/matrix", h.matrixPage, domain.RoleViewer)
	h.get(e, "/report", h.reportPage, domain.RoleViewer)
}

// ---- Roadmap ----

// roadmapPerLane is how many ideas a lane shows; the backlog has the rest.
const roadmapPerLane = 50

// roadmapLane is one column of the roadmap.
type roadmapLane struct {
	ID      string // now, next, later: the heading's id
	Name    string
	Status  domain.IdeaStatus
	Ideas   []domain.RankedIdea
	More    bool   // the lane has more ideas than it shows
	Backlog string // the backlog filtered on the lane's status
}

type roadmapView struct {
	Lanes   []roadmapLane
	PerLane int
	Empty   bool
}

// roadmapLaneNames name the lanes of domain.RoadmapStatuses, in its order.
var roadmapLaneNames = []string{"Now", "Next", "Later"}

// roadmapPage is the roadmap: now (piloting), next (planned) and later
// (under review), each ranked by priority.
func (h *handler) roadmapPage(c echo.Context) error {
	ws := principalOf(c).WorkspaceID
	// One more than shown, to know whether a lane has more.
	ranked, err := h.Store.RankedIdeas(ctx(c), ws, domain.RoadmapStatuses, roadmapPerLane+1)
	if err != nil {
		return err
	}
	v := roadmapView{PerLane: roadmapPerLane, Empty: true}
	for n, st := range domain.RoadmapStatuses {
		lane := roadmapLane{ID: strings.ToLower(roadmapLaneNames[n]), Name: roadmapLaneNames[n], Status: st,
			Ideas: ranked[st], Backlog: "/?" + url.Values{"status": {string(st)}}.Encode()}
		if len(lane.Ideas) > roadmapPerLane {
			lane.Ideas, lane.More = lane.Ideas[:roadmapPerLane], true
		}
		v.Empty = v.Empty && len(lane.Ideas) == 0
		v.Lanes = append(v.Lanes, lane)
	}
	return h.render(c, http.StatusOK, "roadmap", "Roadmap", v)
}

// ---- Matrix ----

// matrixPerQuadrant is how many ideas of each quadrant the table lists.
const matrixPerQuadrant = 10

// matrixQuadrant is one quadrant of the matrix table.
type matrixQuadrant struct {
	Quadrant domain.Quadrant
	Name     string // plural: Quick wins
	Rule     string // value and effort against the thresholds
	Count    int
	Ideas    []domain.Idea // the top ones by priority
	Backlog  string        // the backlog of the quadrant's ideas
}

type matrixView struct {
	Statuses        []domain.IdeaStatus // every status, for the filter
	Checked         []string            // the statuses ticked
	Words           string              // open, all, planned or piloting
	Caption         string              // Open ideas, All ideas, Planned or piloting ideas
	Chart           string              // the chart's URL, with the same statuses
	Alt             string
	ValueThreshold  float64
	EffortThreshold float64
	Quadrants       []matrixQuadrant
	Total           int
	PerQuadrant     int
}

var matrixNames = map[domain.Quadrant]string{
	domain.QuadrantQuickWin: "Quick wins", domain.QuadrantBigBet: "Big bets",
	domain.QuadrantFillIn: "Fill-ins", domain.QuadrantMoneyPit: "Money pits",
}

// readMatrixStatuses reads the status boxes. The API's rule: none ticked
// means the open ideas; every status ticked is every idea (nil).
func readMatrixStatuses(q url.Values) ([]string, []domain.IdeaStatus, error) {
	var statuses []domain.IdeaStatus
	var fields []domain.FieldError
	for _, s := range q["status"] {
		st, ok := domain.ParseIdeaStatus(s)
		if !ok {
			fields = append(fields, domain.FieldError{Parameter: "status", Detail: "is not a status: " + s})
			continue
		}
		if !slices.Contains(statuses, st) {
			statuses = append(statuses, st)
		}
	}
	if fields != nil {
		return nil, nil, &domain.Error{Code: domain.EMalformed, Message: "the filter has invalid values", Fields: fields}
	}
	if len(statuses) == 0 {
		statuses = domain.OpenIdeaStatuses
	}
	var checked []string
	for _, st := range domain.IdeaStatuses { // in the form's order
		if slices.Contains(statuses, st) {
			checked = append(checked, string(st))
		}
	}
	if len(checked) == len(domain.IdeaStatuses) {
		statuses = nil
	}
	return checked, statuses, nil
}

// matrixPage is the value/effort chart and the same data as a table.
func (h *handler) matrixPage(c echo.Context) error {
	checked, statuses, err := readMatrixStatuses(c.QueryParams())
	if err != nil {
		return err
	}
	m, err := domain.ReadMatrix(ctx(c), h.Store, principalOf(c).WorkspaceID, statuses, matrixPerQuadrant)
	if err != nil {
		return err
	}
	v := matrixView{Statuses: domain.IdeaStatuses, Checked: checked, ValueThreshold: m.Scoring.ValueThreshold,
		EffortThreshold: m.Scoring.EffortThreshold, Total: m.Total(), PerQuadrant: matrixPerQuadrant}
	words := domain.StatusesInWords(statuses)
	chartQuery := url.Values{}
	if words == "" {
		words = "all"
		chartQuery.Set("status", "all")
	}
	for _, st := range statuses {
		chartQuery.Add("status", string(st))
	}
	v.Words, v.Caption = words, titleWords(words)+" ideas"
	v.Chart = "/api/v1/reports/matrix.svg?" + chartQuery.Encode()
	vt, et := num(m.Scoring.ValueThreshold), num(m.Scoring.EffortThreshold)
	rules := map[domain.Quadrant]string{
		domain.QuadrantQuickWin: "value ≥ " + vt + ", effort ≤ " + et, domain.QuadrantBigBet: "value ≥ " + vt + ", effort > " + et,
		domain.QuadrantFillIn: "value < " + vt + ", effort ≤ " + et, domain.QuadrantMoneyPit: "value < " + vt + ", effort > " + et,
	}
	counts := make([]string, 0, len(domain.Quadrants))
	for _, q := range domain.Quadrants {
		mq := matrixQuadrant{Quadrant: q, Name: matrixNames[q], Rule: rules[q], Count: m.Counts[q]}
		bq := url.Values{"status": checked, "quadrant": {string(q)}}
		mq.Backlog = "/?" + bq.Encode()
		for _, i := range m.Ideas {
			if i.Score.Quadrant == q {
				mq.Ideas = append(mq.Ideas, i)
			}
		}
		v.Quadrants = append(v.Quadrants, mq)
		counts = append(counts, fmt.Sprintf("%d %s", mq.Count, strings.ToLower(mq.Name)))
	}
	v.Alt = fmt.Sprintf("Value/effort chart of %s ideas: %s. The table below lists the same data.", words, strings.Join(counts, ", "))
	return h.render(c, http.StatusOK, "matrix", "Value/effort matrix", v)
}

// ---- Monday report ----

// reportSpot is a blind spot as the page shows it.
type reportSpot struct {
	Touchpoint   domain.Touchpoint
	Failing      bool
	Reasons      []string
	LastMeasured string // a date, or "" when never measured
	Ideas        int
	OpenIdeas    int
}

// reportCoverage is a coverage row with its shares.
type reportCoverage struct {
	Group                                 string
	Label                                 string // the group for people
	Touchpoints                           int
	Measured, WithIdeas, WithPilots       int
	MeasuredPct, IdeasPct, PilotsPct      string
	MeasuredShare, IdeasShare, PilotShare float64
}

// viewsCoverageTable is coverage by owner or by channel.
type viewsCoverageTable struct {
	Caption, Head, Class string
	Rows                 []reportCoverage
}

// reportChange is one metric of a completed pilot's frozen results.
type reportChange struct {
	Metric    string
	Primary   bool
	Guardrail bool
	Change    string // signed, with its unit and the relative change
	Interval  string
	Verdict   domain.Verdict
	Breached  bool
	Warnings  []string
}

// reportPilot is a completed pilot in the impact ledger.
type reportPilot struct {
	Pilot       domain.Pilot
	IdeaTitle   string
	IdeaStatus  domain.IdeaStatus
	Touchpoints []domain.Touchpoint
	Level       string // the intervals' confidence level, as a percentage
	Changes     []reportChange
	Notes       []string // the metrics' warnings, each with its metric's name
}

type reportView struct {
	StaleDays   int
	Addressing  string // which ideas count as looking after a touchpoint
	Touchpoints int
	Spots       []reportSpot
	Overall     reportCoverage
	Coverage    []viewsCoverageTable // by owner, by channel
	Pilots      []reportPilot
	Adopted     []domain.Idea // adopted with no completed pilot measuring them
	Value       reportValue
	Contacts    reportContacts
}

// reportValue is what the work is worth, in words, beside the value chart.
type reportValue struct {
	Currency                   string
	Realised, RealisedInterval string
	RealisedCount              int
	Pipeline, Weighted         string
	PipelineCount              int
	FailingCost                string
	FailingCount               int
}

// reportContacts is last month's contact reasons: the totals and the
// biggest reasons, with the avoidable ones nobody works on.
type reportContacts struct {
	Window               string
	Contacts             string
	FailureDemand, FCR   string
	Reasons, Unaddressed []reportReason
	OtherReasons         int
	Chart                string
}

type reportReason struct {
	ID, Name          string
	Avoidable         bool
	Contacts          string
	Share, Cumulative string
	FCR, Change       string
	OpenIdeas         int
}

// reportReasonsListed is how many reasons the Monday report lists.
const reportReasonsListed = 10

// reportPage is the Monday report: blind spots, coverage and the impact
// ledger.
func (h *handler) reportPage(c echo.Context) error {
	ws := principalOf(c).WorkspaceID
	facts, err := h.Store.TouchpointFacts(ctx(c), ws, nil)
	if err != nil {
		return err
	}
	metrics, err := h.Store.ListCatalogueMetrics(ctx(c), ws)
	if err != nil {
		return err
	}
	pilots, err := h.Store.CompletedPilots(ctx(c), ws)
	if err != nil {
		return err
	}
	adopted, err := h.Store.AdoptedWithoutPilot(ctx(c), ws)
	if err != nil {
		return err
	}
	v := reportView{StaleDays: domain.StaleDays, Addressing: domain.StatusesInWords(domain.OpenIdeaStatuses),
		Touchpoints: len(facts), Adopted: adopted}
	for _, b := range domain.BlindSpots(facts, metrics, h.Clock(), domain.StaleDays, domain.OpenIdeaStatuses) {
		spot := reportSpot{Touchpoint: b.Facts.Touchpoint, Failing: b.Failing, Ideas: b.Facts.Ideas, OpenIdeas: b.Facts.OpenIdeas}
		if last := b.Facts.LastMeasured(); last != nil {
			spot.LastMeasured = datePtr(last)
		}
		for _, r := range b.Reasons { // "at_risk on CSAT …": the health in words
			spot.Reasons = append(spot.Reasons, strings.ReplaceAll(r, string(domain.HealthAtRisk), "at risk"))
		}
		v.Spots = append(v.Spots, spot)
	}
	cov := domain.CoverageOf(facts)
	v.Overall = viewsCoverageOf(cov.Overall, cov.Overall.Group)
	owners := viewsCoverageTable{Caption: "By owner", Head: "Owner", Class: "coverage-owner"}
	for _, r := range cov.ByOwner {
		label := r.Group
		if label == "" {
			label = "No owner"
		}
		owners.Rows = append(owners.Rows, viewsCoverageOf(r, label))
	}
	channels := viewsCoverageTable{Caption: "By channel", Head: "Channel", Class: "coverage-channel"}
	for _, r := range cov.ByChannel {
		channels.Rows = append(channels.Rows, viewsCoverageOf(r, titleWords(r.Group)))
	}
	v.Coverage = []viewsCoverageTable{owners, channels}
	for _, cp := range pilots {
		if cp.Pilot.Results == nil {
			continue
		}
		rp := reportPilot{Pilot: cp.Pilot, IdeaTitle: cp.IdeaTitle, IdeaStatus: cp.IdeaStatus, Touchpoints: cp.Touchpoints,
			Level: num(100*cp.Pilot.Results.ConfidenceLevel) + "\u00a0%"}
		for n := range cp.Pilot.Results.Metrics {
			ch := viewsChangeOf(&cp.Pilot.Results.Metrics[n])
			for _, w := range ch.Warnings {
				rp.Notes = append(rp.Notes, ch.Metric+": "+w)
			}
			rp.Changes = append(rp.Changes, ch)
		}
		v.Pilots = append(v.Pilots, rp)
	}
	if v.Value, err = h.reportValue(c); err != nil {
		return err
	}
	if v.Contacts, err = h.reportContacts(c); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "report", "Monday report", v)
}

// reportValue reads the portfolio's value for the report.
func (h *handler) reportValue(c echo.Context) (reportValue, error) {
	d, err := h.Store.ValueReportData(ctx(c), principalOf(c).WorkspaceID, 1)
	if err != nil {
		return reportValue{}, err
	}
	r := domain.NewValueReport(d, 1)
	realised, interval := valueText(r.Realised.AnnualValue, r.Realised.CI, r.Currency)
	return reportValue{Currency: r.Currency, Realised: realised, RealisedInterval: interval, RealisedCount: r.Realised.Count,
		Pipeline: money(r.Pipeline.ExpectedAnnualValue), Weighted: money(r.Pipeline.ConfidenceWeightedAnnualValue),
		PipelineCount: r.Pipeline.Count, FailingCost: money(r.FailingAnnualCost),
		FailingCount: len(r.FailingTouchpoints) + r.OtherFailing}, nil
}

// reportContacts reads last month's contact reasons for the report.
func (h *handler) reportContacts(c echo.Context) (reportContacts, error) {
	ws := principalOf(c).WorkspaceID
	w := domain.LastFullMonth(h.Clock())
	counts, err := h.Store.ContactReasonCounts(ctx(c), ws, w)
	if err != nil {
		return reportContacts{}, err
	}
	econ, _, err := h.Store.GetEconomics(ctx(c), ws)
	if err != nil {
		return reportContacts{}, err
	}
	r := domain.NewContactReasonsReport(w, counts, econ.CostPerContact, econ.Currency, reportReasonsListed)
	from, to := w.From.Format(time.DateOnly), w.To.Format(time.DateOnly)
	out := reportContacts{Window: datePtr(&w.From) + " to " + datePtr(&w.To), Contacts: money(float64(r.Contacts)),
		OtherReasons: r.OtherReasons, Chart: "/api/v1/reports/contact-reasons.svg?" + url.Values{"from": {from}, "to": {to}}.Encode()}
	if r.FailureDemandShare != nil {
		out.FailureDemand = pct(*r.FailureDemandShare)
	}
	if r.FCR != nil {
		out.FCR = pct(*r.FCR) + " (" + pct(r.FCRCI.Low) + " to " + pct(r.FCRCI.High) + ")"
	}
	for _, row := range r.Reasons {
		if row.Contacts > 0 {
			out.Reasons = append(out.Reasons, reasonOf(row))
		}
	}
	for _, row := range r.Unaddressed {
		out.Unaddressed = append(out.Unaddressed, reasonOf(row))
	}
	return out, nil
}

func reasonOf(row domain.ReasonRow) reportReason {
	out := reportReason{ID: row.Reason.ID, Name: row.Reason.Name, Avoidable: row.Reason.Avoidable, Contacts: money(float64(row.Contacts)),
		Share: pct(row.Share), Cumulative: pct(row.CumulativeShare), OpenIdeas: row.OpenIdeas}
	if row.FCR != nil {
		out.FCR = pct(*row.FCR)
	}
	if ch := row.Change; ch != nil {
		out.Change = map[string]string{domain.VolumeUp: "up", domain.VolumeDown: "down", domain.VolumeNoChange: "no clear change"}[ch.Direction] +
			" (" + money(float64(ch.Previous)) + " before)"
	}
	return out
}

// pct writes a share as a whole percentage.
func pct(x float64) string { return fmt.Sprintf("%.0f\u00a0%%", 100*x) }

// viewsCoverageOf is a coverage row with its shares (0 for an empty group, as
// in the API).
func viewsCoverageOf(r domain.CoverageRow, label string) reportCoverage {
	share := func(n int) float64 {
		if r.Touchpoints == 0 {
			return 0
		}
		return float64(n) / float64(r.Touchpoints)
	}
	pct := func(x float64) string { return fmt.Sprintf("%.0f\u00a0%%", 100*x) }
	out := reportCoverage{Group: r.Group, Label: label, Touchpoints: r.Touchpoints, Measured: r.Measured, WithIdeas: r.WithIdeas, WithPilots: r.WithPilots,
		MeasuredShare: share(r.Measured), IdeasShare: share(r.WithIdeas), PilotShare: share(r.WithPilots)}
	out.MeasuredPct, out.IdeasPct, out.PilotsPct = pct(out.MeasuredShare), pct(out.IdeasShare), pct(out.PilotShare)
	return out
}

// viewsChangeOf writes a metric's frozen result for people: the change after −
// before with its sign and unit (shares in percentage points, NPS in
// points), the relative change, and the interval.
func viewsChangeOf(m *domain.MetricResult) reportChange {
	out := reportChange{Metric: m.Name, Primary: m.Primary, Guardrail: m.Guardrail, Verdict: m.Verdict,
		Breached: m.GuardrailBreached, Warnings: m.Warnings}
	if !m.Computed {
		out.Change = "not computed"
		return out
	}
	out.Change, out.Interval = changeText(m)
	if m.RelativeChange != nil {
		out.Change += " (" + signed(100**m.RelativeChange) + "\u00a0%)"
	}
	return out
}

func init() {
	// viewsVerdict is a verdict in words, with the health class of its colour.
	funcs["viewsVerdict"] = func(v domain.Verdict) string {
		switch v {
		case domain.VerdictImproved:
			return "Improved"
		case domain.VerdictWorsened:
			return "Worsened"
		}
		return "Inconclusive"
	}
	funcs["viewsVerdictClass"] = func(v domain.Verdict) string {
		switch v {
		case domain.VerdictImproved:
			return "h-healthy"
		case domain.VerdictWorsened:
			return "h-failing"
		}
		return "h-unknown"
	}
	// viewsPlural is n with the noun, plural unless n is 1.
	funcs["viewsPlural"] = func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
}
