package domain

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// TouchpointFacts is what the reports know about one touchpoint.
type TouchpointFacts struct {
	Touchpoint    Touchpoint
	Ideas         int // any status
	OpenIdeas     int // new, under review, planned or piloting
	IdeasByStatus map[IdeaStatus]int
	Pilots        int // any status
	RunningPilots int
	// Latest holds the latest measurement of each catalogue metric the
	// touchpoint was measured on, by metric id.
	Latest map[string]Measurement
}

// IdeasIn counts the ideas targeting the touchpoint with one of the
// statuses; every idea for none.
func (f *TouchpointFacts) IdeasIn(statuses []IdeaStatus) int {
	if len(statuses) == 0 {
		return f.Ideas
	}
	n := 0
	for _, s := range statuses {
		n += f.IdeasByStatus[s]
	}
	return n
}

// OpenIdeaStatuses are the statuses of ideas still being worked on.
var OpenIdeaStatuses = []IdeaStatus{StatusNew, StatusUnderReview, StatusPlanned, StatusPiloting}

// LastMeasured is the end of the touchpoint's latest measured period, or nil.
func (f *TouchpointFacts) LastMeasured() *time.Time {
	var last *time.Time
	for _, m := range f.Latest {
		if last == nil || m.PeriodEnd.After(*last) {
			end := m.PeriodEnd
			last = &end
		}
	}
	return last
}

// HealthCell is one touchpoint's health on one metric.
type HealthCell struct {
	Metric CatalogueMetric
	Latest *Measurement
	Value  *float64
	Health Health
}

// HealthOn judges the touchpoint on metric m.
func (f *TouchpointFacts) HealthOn(m CatalogueMetric) HealthCell {
	if latest, ok := f.Latest[m.ID]; ok {
		return JudgeLatest(m, &latest)
	}
	return JudgeLatest(m, nil)
}

// BlindSpot is a touchpoint the CX lead should look at, with why.
type BlindSpot struct {
	Facts   TouchpointFacts
	Failing bool // failing on some metric with no open idea: listed first
	Reasons []string
}

// BlindSpots lists touchpoints that are failing or at risk on some metric
// with no idea working on them (one with a status of addressing: the
// OpenIdeaStatuses, as a CX lead means it, or any set; every status for
// none), that were not measured in the staleDays before now, or that have
// ideas but no measurement to judge them by. Failing touchpoints come first,
// then by name.
func BlindSpots(facts []TouchpointFacts, catalogue []CatalogueMetric, now time.Time, staleDays int, addressing []IdeaStatus) []BlindSpot {
	cutoff := now.AddDate(0, 0, -staleDays)
	noIdea := "no idea targets it"
	if words := StatusesInWords(addressing); words != "" {
		noIdea = "no " + words + " idea targets it"
	}
	var out []BlindSpot
	for _, f := range facts {
		spot := BlindSpot{Facts: f}
		if f.IdeasIn(addressing) == 0 {
			for _, m := range catalogue {
				if h := f.HealthOn(m).Health; h == HealthFailing || h == HealthAtRisk {
					spot.Reasons = append(spot.Reasons, fmt.Sprintf("%s on %s and %s", h, m.Name, noIdea))
					spot.Failing = spot.Failing || h == HealthFailing
				}
			}
		}
		last := f.LastMeasured()
		switch {
		case last == nil && f.Ideas > 0:
			spot.Reasons = append(spot.Reasons, fmt.Sprintf("%d idea(s) target it but it has no measurement to judge them by", f.Ideas))
		case last == nil:
			spot.Reasons = append(spot.Reasons, "never measured")
		case last.Before(cutoff):
			spot.Reasons = append(spot.Reasons, fmt.Sprintf("not measured in the last %d days (latest period ended %s)", staleDays, last.Format(time.DateOnly)))
		}
		if len(spot.Reasons) > 0 {
			out = append(out, spot)
		}
	}
	rank := func(b BlindSpot) int {
		if b.Failing {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b BlindSpot) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Facts.Touchpoint.Name, b.Facts.Touchpoint.Name))
	})
	return out
}

// LastFullMonth is the calendar month before the one now falls in (read in
// UTC): the window the blind spots' unaddressed demand is judged over, and
// the contact reasons report's default.
func LastFullMonth(now time.Time) Window {
	now = now.UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return Window{From: first.AddDate(0, -1, 0), To: first.AddDate(0, 0, -1)}
}

// CoverageRow counts touchpoints of one group (all, an owner or a channel)
// and how many are measured, targeted by ideas and by pilots.
type CoverageRow struct {
	Group       string
	Touchpoints int
	Measured    int
	WithIdeas   int
	WithPilots  int
}

// Coverage is the share of touchpoints measured, with ideas and with pilots.
type Coverage struct {
	Overall   CoverageRow
	ByOwner   []CoverageRow // by owner name; "" is the touchpoints without an owner
	ByChannel []CoverageRow
}

// CoverageCell counts the touchpoints of one owner on one channel, and how
// many of them are measured, targeted by ideas and by pilots: what coverage
// is added up from.
type CoverageCell struct {
	Owner   string
	Channel Channel
	CoverageRow
}

// CoverageOf counts coverage overall, per owner and per channel, each list
// sorted by group.
func CoverageOf(facts []TouchpointFacts) Coverage {
	cells := make([]CoverageCell, len(facts))
	for n, f := range facts {
		c := CoverageCell{Owner: f.Touchpoint.Owner, Channel: f.Touchpoint.Channel, CoverageRow: CoverageRow{Touchpoints: 1}}
		if len(f.Latest) > 0 {
			c.Measured = 1
		}
		if f.Ideas > 0 {
			c.WithIdeas = 1
		}
		if f.Pilots > 0 {
			c.WithPilots = 1
		}
		cells[n] = c
	}
	return CoverageOfCells(cells)
}

// CoverageOfCells adds cells up overall, per owner and per channel, each
// list sorted by group.
func CoverageOfCells(cells []CoverageCell) Coverage {
	c := Coverage{Overall: CoverageRow{Group: "all"}}
	owners, channels := map[string]*CoverageRow{}, map[string]*CoverageRow{}
	for _, cell := range cells {
		for _, row := range []*CoverageRow{&c.Overall, rowFor(owners, cell.Owner), rowFor(channels, string(cell.Channel))} {
			row.Touchpoints += cell.Touchpoints
			row.Measured += cell.Measured
			row.WithIdeas += cell.WithIdeas
			row.WithPilots += cell.WithPilots
		}
	}
	c.ByOwner, c.ByChannel = sortedRows(owners), sortedRows(channels)
	return c
}

func rowFor(rows map[string]*CoverageRow, group string) *CoverageRow {
	if rows[group] == nil {
		rows[group] = &CoverageRow{Group: group}
	}
	return rows[group]
}

func sortedRows(rows map[string]*CoverageRow) []CoverageRow {
	out := make([]CoverageRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b CoverageRow) int { return cmp.Compare(a.Group, b.Group) })
	return out
}

// CompletedPilot is a completed pilot with what the impact ledger shows of it.
type CompletedPilot struct {
	Pilot       Pilot // with its frozen Results
	IdeaTitle   string
	IdeaStatus  IdeaStatus
	Touchpoints []Touchpoint
}

// ReportStore answers the reports' questions in a few queries.
type ReportStore interface {
	// TouchpointFacts returns the facts of every touchpoint of the
	// workspace, or of one journey, by name.
	TouchpointFacts(ctx context.Context, workspaceID string, journeyID *string) ([]TouchpointFacts, error)
	// CoverageCells counts the workspace's touchpoints by owner and channel
	// (see CoverageOf, which counts the same from TouchpointFacts).
	CoverageCells(ctx context.Context, workspaceID string) ([]CoverageCell, error)
	// CompletedPilots returns the workspace's completed pilots, newest first.
	CompletedPilots(ctx context.Context, workspaceID string) ([]CompletedPilot, error)
	// AdoptedWithoutPilot returns adopted ideas that no completed pilot backs.
	AdoptedWithoutPilot(ctx context.Context, workspaceID string) ([]Idea, error)
}

// MatrixView is the value/effort matrix of a workspace: the thresholds that
// split it, each quadrant's count, and the top ideas of each quadrant by
// priority.
type MatrixView struct {
	Scoring Scoring
	Counts  map[Quadrant]int
	Ideas   []Idea
}

// Total is the number of ideas in the matrix.
func (m *MatrixView) Total() int {
	total := 0
	for _, n := range m.Counts {
		total += n
	}
	return total
}

// ReadMatrix reads the workspace's matrix of the ideas with one of the
// statuses, with up to perQuadrant ideas of each quadrant: the one reading
// behind the JSON report and the chart.
func ReadMatrix(ctx context.Context, store IdeaStore, workspaceID string, statuses []IdeaStatus, perQuadrant int) (*MatrixView, error) {
	sc, _, err := store.GetScoring(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	ideas, counts, err := store.MatrixIdeas(ctx, workspaceID, statuses, perQuadrant)
	if err != nil {
		return nil, err
	}
	return &MatrixView{Scoring: sc, Counts: counts, Ideas: ideas}, nil
}

// DefaultReportMetric is the catalogue key a report shows when none is
// named: satisfaction is what a CX lead reads first.
const DefaultReportMetric = "csat"

// ReportMetric is the metric of metrics (a workspace's catalogue) with id,
// or the DefaultReportMetric when id is nil. EMalformed naming the
// metric_id parameter when there is none such.
func ReportMetric(metrics []CatalogueMetric, id *string) (*CatalogueMetric, error) {
	for n, m := range metrics {
		if (id != nil && m.ID == *id) || (id == nil && m.Key == DefaultReportMetric) {
			return &metrics[n], nil
		}
	}
	if id == nil {
		return nil, &Error{Code: EMalformed, Message: "the catalogue has no " + DefaultReportMetric + " metric; name one",
			Fields: []FieldError{{Parameter: "metric_id", Detail: "is required"}}}
	}
	return nil, &Error{Code: EMalformed, Message: "no such catalogue metric",
		Fields: []FieldError{{Parameter: "metric_id", Detail: "is not a metric of this workspace's catalogue"}}}
}
