package domain

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PilotStatus is where a pilot stands: planned → running → completed, or
// cancelled from planned or running.
type PilotStatus string

// Pilot statuses.
const (
	PilotPlanned   PilotStatus = "planned"
	PilotRunning   PilotStatus = "running"
	PilotCompleted PilotStatus = "completed"
	PilotCancelled PilotStatus = "cancelled"
)

// PilotStatuses lists every pilot status in workflow order.
var PilotStatuses = []PilotStatus{PilotPlanned, PilotRunning, PilotCompleted, PilotCancelled}

var pilotMoves = map[PilotStatus][]PilotStatus{
	PilotPlanned: {PilotRunning, PilotCancelled},
	PilotRunning: {PilotCompleted, PilotCancelled},
}

// ParsePilotStatus accepts exactly one of PilotStatuses.
func ParsePilotStatus(s string) (PilotStatus, bool) { return parseEnum(s, PilotStatuses) }

// Decision is what a completed pilot concluded about its idea.
type Decision string

// Decisions.
const (
	DecisionAdopt   Decision = "adopt"
	DecisionIterate Decision = "iterate"
	DecisionAbandon Decision = "abandon"
)

// Decisions lists every decision.
var Decisions = []Decision{DecisionAdopt, DecisionIterate, DecisionAbandon}

// ParseDecision accepts exactly one of Decisions.
func ParseDecision(s string) (Decision, bool) { return parseEnum(s, Decisions) }

// IdeaStatus is the status a decision moves the pilot's idea to.
func (d Decision) IdeaStatus() IdeaStatus {
	switch d {
	case DecisionAdopt:
		return StatusAdopted
	case DecisionIterate:
		return StatusPlanned
	default:
		return StatusRejected
	}
}

// Limits on pilot fields.
const (
	DefaultConfidenceLevel = 0.95
	MinConfidenceLevel     = 0.8
	MaxConfidenceLevel     = 0.99
	MaxPilotTouchpoints    = MaxIdeaTouchpoints
	MaxPilotMetrics        = 50
)

// Pilot is a small, time-boxed test of an idea.
type Pilot struct {
	ID              string
	WorkspaceID     string
	IdeaID          string
	Title           string
	Hypothesis      string
	Scope           string
	TouchpointIDs   []string   // defaults to the idea's
	StartDate       *time.Time // a calendar date (midnight UTC, ValidDate), optional
	EndDate         *time.Time // ≥ StartDate (ValidDate), optional
	Owner           string
	ConfidenceLevel float64 // of every interval in the results, 0.8–0.99
	Status          PilotStatus
	Decision        Decision     // set on completion
	Results         *PilotResult // frozen on completion
	StartedAt       *time.Time
	EndedAt         *time.Time // completed or cancelled
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int
}

// Validate checks the pilot's own fields and lower-cases its touchpoint ids.
// That the idea and the touchpoints exist in the workspace is the store's to
// check.
func (p *Pilot) Validate() error {
	var fe fieldErrors
	if !IsID(p.IdeaID) {
		fe.add("/idea_id", "must be a UUID")
	}
	validateText(&fe, "/title", p.Title, MaxNameLength)
	validateName(&fe, "/hypothesis", p.Hypothesis, MaxDescriptionLength)
	validateText(&fe, "/scope", p.Scope, MaxDescriptionLength)
	validateText(&fe, "/owner", p.Owner, MaxOwnerLength)
	if len(p.TouchpointIDs) > 0 { // none: the store takes the idea's
		validateIDList(&fe, "/touchpoint_ids", p.TouchpointIDs, MaxPilotTouchpoints, "touchpoint")
	}
	if p.StartDate != nil {
		validateDate(&fe, "/start_date", *p.StartDate)
	}
	if p.EndDate != nil {
		validateDate(&fe, "/end_date", *p.EndDate)
	}
	if p.StartDate != nil && p.EndDate != nil && ValidDate(*p.StartDate) && ValidDate(*p.EndDate) && p.EndDate.Before(*p.StartDate) {
		fe.add("/end_date", "must not be before start_date")
	}
	if math.IsNaN(p.ConfidenceLevel) || p.ConfidenceLevel < MinConfidenceLevel || p.ConfidenceLevel > MaxConfidenceLevel {
		fe.add("/confidence_level", "must be between %g and %g", MinConfidenceLevel, MaxConfidenceLevel)
	}
	return fe.err()
}

// validateIDList checks a list of UUIDs: count, format, no duplicates. It
// lower-cases the ids in place.
func validateIDList(fe *fieldErrors, pointer string, ids []string, max int, noun string) {
	validateCount(fe, pointer, len(ids), max, noun)
	seen := map[string]bool{}
	for n := range ids {
		id := strings.ToLower(ids[n])
		ids[n] = id
		p := pointer + "/" + strconv.Itoa(n)
		switch {
		case !IsID(id):
			fe.add(p, "must be a UUID")
		case seen[id]:
			fe.add(p, "is listed more than once")
		}
		seen[id] = true
	}
}

// Editable reports whether the pilot's plan, metrics and samples may still
// change: not once it is completed or cancelled.
func (p *Pilot) Editable() error {
	if p.Status == PilotCompleted || p.Status == PilotCancelled {
		return Errorf(EConflict, "the pilot is %s; its plan, metrics and samples can no longer change", p.Status)
	}
	return nil
}

// MoveTo changes the status if the workflow allows it, stamping StartedAt or
// EndedAt; otherwise it returns EConflict naming the allowed moves.
func (p *Pilot) MoveTo(to PilotStatus, at time.Time) error {
	if !slices.Contains(pilotMoves[p.Status], to) {
		allowed := "none, " + string(p.Status) + " is final"
		if moves := pilotMoves[p.Status]; len(moves) > 0 {
			allowed = joinValues(moves)
		}
		return Errorf(EConflict, "cannot move a pilot from %q to %q; allowed: %s", p.Status, to, allowed)
	}
	p.Status = to
	if to == PilotRunning {
		p.StartedAt = &at
	} else {
		p.EndedAt = &at
	}
	return nil
}

// MetricKind is the statistical kind of a metric; it decides the shape of
// its samples and the test that compares them.
type MetricKind string

// Metric kinds.
const (
	KindMean       MetricKind = "mean"       // e.g. handle time, CSAT score
	KindProportion MetricKind = "proportion" // e.g. first-contact resolution
	KindNPS        MetricKind = "nps"        // promoters, passives, detractors
	KindCount      MetricKind = "count"      // events over an exposure, e.g. complaints per agent-week
)

// MetricKinds lists every kind.
var MetricKinds = []MetricKind{KindMean, KindProportion, KindNPS, KindCount}

// ParseMetricKind accepts exactly one of MetricKinds.
func ParseMetricKind(s string) (MetricKind, bool) { return parseEnum(s, MetricKinds) }

// Direction says which way a metric improves.
type Direction string

// Directions.
const (
	HigherIsBetter Direction = "higher_is_better"
	LowerIsBetter  Direction = "lower_is_better"
)

// Directions lists both directions.
var Directions = []Direction{HigherIsBetter, LowerIsBetter}

// ParseDirection accepts exactly one of Directions.
func ParseDirection(s string) (Direction, bool) { return parseEnum(s, Directions) }

// Metric is what a pilot measures.
type Metric struct {
	ID          string
	WorkspaceID string
	PilotID     string
	Name        string
	Unit        string
	Kind        MetricKind
	Direction   Direction
	Primary     bool // exactly one per pilot before it can complete
	Guardrail   bool // must not get worse
	// CatalogueMetricID names the catalogue metric this one measures, if
	// any; it then shares its kind, direction and unit.
	CatalogueMetricID string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int
}

// Inherit takes the kind, direction and unit of catalogue metric c, and its
// name when m has none; a kind or direction that contradicts c is invalid.
func (m *Metric) Inherit(c *CatalogueMetric) error {
	var fe fieldErrors
	if m.Kind != "" && m.Kind != c.Kind {
		fe.add("/kind", "must be %s (or omitted) for catalogue metric %s", c.Kind, c.Key)
	}
	if m.Direction != "" && m.Direction != c.Direction {
		fe.add("/direction", "must be %s (or omitted) for catalogue metric %s", c.Direction, c.Key)
	}
	if m.Name == "" {
		m.Name = c.Name
	}
	m.CatalogueMetricID, m.Kind, m.Direction, m.Unit = c.ID, c.Kind, c.Direction, c.Unit
	return fe.err()
}

// MaxUnitLength bounds a metric's unit, e.g. "seconds" or "complaints per agent-week".
const MaxUnitLength = 100

// Validate checks the metric's fields.
func (m *Metric) Validate() error {
	var fe fieldErrors
	validateName(&fe, "/name", m.Name, MaxNameLength)
	validateText(&fe, "/unit", m.Unit, MaxUnitLength)
	if _, ok := ParseMetricKind(string(m.Kind)); !ok {
		fe.add("/kind", "must be one of %s", joinValues(MetricKinds))
	}
	if _, ok := ParseDirection(string(m.Direction)); !ok {
		fe.add("/direction", "must be one of %s", joinValues(Directions))
	}
	return fe.err()
}

// SampleFields names the summary statistics a sample of each kind is given
// by, in the order the API and CSV imports show them: exactly these, no
// more and no fewer.
var SampleFields = map[MetricKind][]string{
	KindMean:       {"n", "mean", "sd"},
	KindProportion: {"n", "successes"},
	KindNPS:        {"promoters", "passives", "detractors"},
	KindCount:      {"events", "exposure"},
}

// AllSampleFields are the summary fields of every kind, in the order the
// API and the CSV imports show them.
var AllSampleFields = []string{"n", "mean", "sd", "successes", "promoters", "passives", "detractors", "events", "exposure"}

// SampleFieldErrors checks which summary fields a sample of kind was given:
// each of SampleFields[kind] is required, and any other is refused (a
// field of another kind sent by mistake must not be silently dropped).
func SampleFieldErrors(kind MetricKind, given func(field string) bool) []FieldError {
	var fields []FieldError
	for _, name := range AllSampleFields {
		wanted := slices.Contains(SampleFields[kind], name)
		switch set := given(name); {
		case wanted && !set:
			fields = append(fields, FieldError{Pointer: "/" + name, Detail: "is required for a " + string(kind) + " metric"})
		case !wanted && set:
			fields = append(fields, FieldError{Pointer: "/" + name, Detail: "is not a field of a " + string(kind) + " metric; leave it out"})
		}
	}
	return fields
}

// Group is who a sample measures.
type Group string

// Groups.
const (
	GroupPilot   Group = "pilot"
	GroupControl Group = "control"
)

// Groups lists both groups.
var Groups = []Group{GroupPilot, GroupControl}

// ParseGroup accepts exactly one of Groups.
func ParseGroup(s string) (Group, bool) { return parseEnum(s, Groups) }

// Period is when a sample was measured.
type Period string

// Periods.
const (
	PeriodBefore Period = "before"
	PeriodAfter  Period = "after"
)

// Periods lists both periods.
var Periods = []Period{PeriodBefore, PeriodAfter}

// ParsePeriod accepts exactly one of Periods.
func ParsePeriod(s string) (Period, bool) { return parseEnum(s, Periods) }

// SampleSource says how a sample was obtained.
type SampleSource string

// Sample sources.
const (
	SourceSummary      SampleSource = "summary"      // entered as summary statistics
	SourceObservations SampleSource = "observations" // aggregated from raw observations
)

// Sample is the measurement of one metric for one group in one period. Which
// fields count depends on the metric's kind:
//
//	mean:       N, Mean, SD
//	proportion: N (trials), Successes
//	nps:        Promoters, Passives, Detractors
//	count:      Events, Exposure
type Sample struct {
	MetricID   string
	Group      Group
	Period     Period
	N          int
	Mean       float64
	SD         float64
	Successes  int
	Promoters  int
	Passives   int
	Detractors int
	Events     int
	Exposure   float64
	Source     SampleSource
	UpdatedAt  time.Time
	Version    int
}

// MaxSampleCount bounds every count in a sample, far above any real pilot,
// so that sums of counts cannot overflow.
const MaxSampleCount = 1_000_000_000_000

// Validate checks the fields that matter for kind, naming them by pointer.
func (s *Sample) Validate(kind MetricKind) error {
	var fe fieldErrors
	count := func(pointer string, v, min int) {
		if v < min || v > MaxSampleCount {
			fe.add(pointer, "must be between %d and %d", min, MaxSampleCount)
		}
	}
	finite := func(pointer string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			fe.add(pointer, "must be a finite number")
			return false
		}
		return true
	}
	switch kind {
	case KindMean:
		count("/n", s.N, 2)
		finite("/mean", s.Mean)
		if finite("/sd", s.SD) && s.SD < 0 {
			fe.add("/sd", "must not be negative")
		}
	case KindProportion:
		count("/n", s.N, 1)
		switch {
		case s.Successes < 0:
			fe.add("/successes", "must not be negative")
		case s.Successes > s.N:
			fe.add("/successes", "must not exceed n (%d)", s.N)
		}
	case KindNPS:
		count("/promoters", s.Promoters, 0)
		count("/passives", s.Passives, 0)
		count("/detractors", s.Detractors, 0)
		if len(fe) == 0 && s.Promoters+s.Passives+s.Detractors == 0 {
			fe.add("/promoters", "at least one answer is needed")
		}
	case KindCount:
		count("/events", s.Events, 0)
		if finite("/exposure", s.Exposure) && s.Exposure <= 0 {
			fe.add("/exposure", "must be greater than 0")
		}
	default:
		fe.add("/kind", "unknown metric kind %q", kind)
	}
	return fe.err()
}

// Size is the sample's number of observations: n, answers, or events for a
// count (whose precision rests on the number of events).
func (s *Sample) Size(kind MetricKind) int {
	switch kind {
	case KindNPS:
		return s.Promoters + s.Passives + s.Detractors
	case KindCount:
		return s.Events
	default:
		return s.N
	}
}

// Start moves a planned pilot to running and its idea to piloting (an idea
// already piloting, e.g. with another pilot running, stays there).
func (p *Pilot) Start(i *Idea, at time.Time) error {
	if err := p.MoveTo(PilotRunning, at); err != nil {
		return err
	}
	if i.Status == StatusPiloting {
		return nil
	}
	if err := i.MoveTo(StatusPiloting); err != nil {
		return Errorf(EConflict, "the pilot's idea is %s; only a planned idea can be piloted (move it to planned first)", i.Status)
	}
	return nil
}

// Confidence levels a pilot's primary metric moves its idea's confidence to.
const (
	ConfidenceAfterImprovement = 0.8
	ConfidenceAfterWorsening   = 0.3
)

// Complete ends a running pilot with a decision: it freezes the results,
// moves the idea as the decision says (adopt → adopted, iterate → planned,
// abandon → rejected) and updates the idea's confidence from the primary
// metric's verdict: improved → at least 0.8, worsened → at most 0.3,
// inconclusive → unchanged. Adopted with a valued result, the idea records
// the value as realised. The caller re-scores the idea. EConflict when the
// pilot is not running, has no primary metric, or the idea cannot make the
// move.
func (p *Pilot) Complete(i *Idea, d Decision, r PilotResult, at time.Time) error {
	if p.Status != PilotRunning {
		return p.MoveTo(PilotCompleted, at) // the conflict names the allowed moves
	}
	primary := r.Primary()
	if primary == nil {
		return Errorf(EConflict, "a pilot needs exactly one primary metric before it can complete; mark one metric primary")
	}
	if to := d.IdeaStatus(); i.Status != to {
		if err := i.MoveTo(to); err != nil {
			return Errorf(EConflict, "the pilot's idea is %s and cannot move to %s (allowed from %s: %s); move the idea to piloting or planned first", i.Status, to, i.Status, movesText(i.Status))
		}
	}
	switch primary.Verdict {
	case VerdictImproved:
		i.Confidence = math.Max(i.Confidence, ConfidenceAfterImprovement)
	case VerdictWorsened:
		i.Confidence = math.Min(i.Confidence, ConfidenceAfterWorsening)
	}
	if d == DecisionAdopt && r.ValueTotal != nil {
		i.Realised = &RealisedValue{AnnualValue: r.ValueTotal.AnnualValue, CI: r.ValueTotal.CI, PilotID: p.ID, At: at}
	}
	p.Decision = d
	p.Results = &r
	return p.MoveTo(PilotCompleted, at)
}

// movesText lists the moves an idea status allows, for messages.
func movesText(s IdeaStatus) string {
	if moves := s.Moves(); len(moves) > 0 {
		return joinValues(moves)
	}
	return "none"
}

// PilotData is everything a pilot's results are computed from.
type PilotData struct {
	Metrics []Metric                 // in creation order
	Samples map[string]MetricSamples // by metric id
	// Drivers are the value drivers at the pilot's touchpoints, in the
	// pilot's touchpoint order; Currency is the workspace's and RunningCost
	// the idea's annual running cost (0 when its case has none).
	Drivers     []ValueDriver
	Currency    string
	RunningCost float64
}

// driverFor returns the driver pricing catalogue metric id: the one at the
// first of the pilot's touchpoints that has one. The measured effect is
// valued once, not once per touchpoint.
func (d *PilotData) driverFor(metricID string) (ValueDriver, bool) {
	if metricID == "" {
		return ValueDriver{}, false
	}
	for _, v := range d.Drivers {
		if v.MetricID == metricID {
			return v, true
		}
	}
	return ValueDriver{}, false
}

// Analyze computes the results of every metric of the pilot at its
// confidence level.
func (p *Pilot) Analyze(d *PilotData, at time.Time) PilotResult {
	r := PilotResult{PilotID: p.ID, ConfidenceLevel: p.ConfidenceLevel, ComputedAt: at, Metrics: make([]MetricResult, len(d.Metrics))}
	var values []MetricValue
	for n, m := range d.Metrics {
		mr := AnalyzeMetric(m, d.Samples[m.ID], p.ConfidenceLevel)
		mr.CatalogueMetricID = m.CatalogueMetricID
		if driver, ok := d.driverFor(m.CatalogueMetricID); ok {
			if v, ok := ValueOfResult(mr, driver, d.Currency); ok {
				mr.Value = &v
				values = append(values, v)
			}
		}
		r.Metrics[n] = mr
	}
	if t, ok := TotalValue(values, d.RunningCost, p.ConfidenceLevel); ok {
		r.ValueTotal = &t
	}
	return r
}
