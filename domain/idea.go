package domain

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// IdeaStatus is where an idea stands in the backlog's workflow.
type IdeaStatus string

// Idea statuses.
const (
	StatusNew         IdeaStatus = "new"
	StatusUnderReview IdeaStatus = "under_review"
	StatusPlanned     IdeaStatus = "planned"
	StatusPiloting    IdeaStatus = "piloting"
	StatusAdopted     IdeaStatus = "adopted"
	StatusRejected    IdeaStatus = "rejected"
	StatusParked      IdeaStatus = "parked"
)

// IdeaStatuses lists every valid status in workflow order.
var IdeaStatuses = []IdeaStatus{
	StatusNew, StatusUnderReview, StatusPlanned, StatusPiloting, StatusAdopted, StatusRejected, StatusParked,
}

// ideaMoves holds the allowed status transitions, each list in a fixed order.
var ideaMoves = map[IdeaStatus][]IdeaStatus{
	StatusNew:         {StatusUnderReview, StatusRejected, StatusParked},
	StatusUnderReview: {StatusPlanned, StatusRejected, StatusParked},
	StatusPlanned:     {StatusPiloting, StatusAdopted, StatusRejected, StatusParked},
	StatusPiloting:    {StatusAdopted, StatusPlanned, StatusRejected, StatusParked},
	StatusParked:      {StatusUnderReview},
	StatusRejected:    {StatusUnderReview},
	StatusAdopted:     nil,
}

// ParseIdeaStatus accepts exactly one of IdeaStatuses.
func ParseIdeaStatus(s string) (IdeaStatus, bool) { return parseEnum(s, IdeaStatuses) }

// Moves returns the statuses an idea in status s may move to, in a fixed
// order; nil for adopted (final) and for unknown statuses. The slice is a copy.
func (s IdeaStatus) Moves() []IdeaStatus {
	return slices.Clone(ideaMoves[s])
}

// CanMoveTo reports whether an idea may move from s to to.
func (s IdeaStatus) CanMoveTo(to IdeaStatus) bool {
	return slices.Contains(ideaMoves[s], to)
}

// IdeaSource is where an idea came from.
type IdeaSource string

// Idea sources.
const (
	SourceCustomerFeedback IdeaSource = "customer_feedback"
	SourceEmployee         IdeaSource = "employee"
	SourceData             IdeaSource = "data"
	SourceResearch         IdeaSource = "research"
	SourceOther            IdeaSource = "other"
)

// IdeaSources lists every valid source in a stable order.
var IdeaSources = []IdeaSource{SourceCustomerFeedback, SourceEmployee, SourceData, SourceResearch, SourceOther}

// ParseIdeaSource accepts exactly one of IdeaSources.
func ParseIdeaSource(s string) (IdeaSource, bool) { return parseEnum(s, IdeaSources) }

// Quadrant places an idea on the value/effort matrix.
type Quadrant string

// Quadrants of the value/effort matrix.
const (
	QuadrantQuickWin Quadrant = "quick_win" // high value, low effort
	QuadrantBigBet   Quadrant = "big_bet"   // high value, high effort
	QuadrantFillIn   Quadrant = "fill_in"   // low value, low effort
	QuadrantMoneyPit Quadrant = "money_pit" // low value, high effort
)

// Quadrants lists every quadrant in a stable order.
var Quadrants = []Quadrant{QuadrantQuickWin, QuadrantBigBet, QuadrantFillIn, QuadrantMoneyPit}

// Limits on scoring settings.
const (
	MaxScoringWeight = 100
	minScale         = 1 // lowest impact, experience and effort, and lowest threshold
	maxScale         = 5 // highest impact, experience and effort, and highest threshold
)

// scoreTolerance absorbs float noise when a value is compared with the value
// threshold, so that e.g. (0.1×3 + 0.2×3) / 0.3 still counts as 3.
const scoreTolerance = 1e-9

// Scoring is a workspace's weights and thresholds.
type Scoring struct {
	WeightImpact     float64 // ≥ 0, not both 0
	WeightExperience float64 // ≥ 0, not both 0
	ValueThreshold   float64 // V: value ≥ V is high value; within 1..5
	EffortThreshold  float64 // E: effort ≤ E is low effort; within 1..5
}

// DefaultScoring returns equal weights, V = 3 and E = 2.
func DefaultScoring() Scoring {
	return Scoring{WeightImpact: 1, WeightExperience: 1, ValueThreshold: 3, EffortThreshold: 2}
}

// Validate checks the weights and thresholds.
func (s Scoring) Validate() error {
	var fe fieldErrors
	weightOK := func(pointer string, w float64) bool {
		switch {
		case math.IsNaN(w) || math.IsInf(w, 0):
			fe.add(pointer, "must be a finite number")
		case w < 0:
			fe.add(pointer, "must not be negative")
		case w > MaxScoringWeight:
			fe.add(pointer, "must be at most %d", MaxScoringWeight)
		default:
			return true
		}
		return false
	}
	okI := weightOK("/weight_impact", s.WeightImpact)
	okE := weightOK("/weight_experience", s.WeightExperience)
	if okI && okE && s.WeightImpact == 0 && s.WeightExperience == 0 {
		fe.add("/weight_impact", "at least one weight must be above 0")
	}
	for _, t := range []struct {
		pointer string
		v       float64
	}{{"/value_threshold", s.ValueThreshold}, {"/effort_threshold", s.EffortThreshold}} {
		if math.IsNaN(t.v) || t.v < minScale || t.v > maxScale {
			fe.add(t.pointer, "must be between %d and %d", minScale, maxScale)
		}
	}
	return fe.err()
}

// Score is an idea's computed value, priority and quadrant.
type Score struct {
	Value       float64  // weighted mean of impact and experience, 2 decimals
	Priority    float64  // 20 × value × confidence / effort, 2 decimals, 0–100
	Quadrant    Quadrant // from value against V and effort against E
	Explanation string   // the formula with the numbers plugged in
}

// Score computes the score of an idea with the given inputs. It expects a
// valid Scoring and inputs within the ranges Idea.Validate enforces; outside
// them the result is finite but meaningless (a zero divisor gives 0).
func (s Scoring) Score(impact, experience, effort int, confidence float64) Score {
	var value float64
	if sum := s.WeightImpact + s.WeightExperience; sum != 0 {
		value = (s.WeightImpact*float64(impact) + s.WeightExperience*float64(experience)) / sum
	}
	var priority float64
	if effort != 0 {
		priority = 20 * value * confidence / float64(effort)
	}
	highValue := value >= s.ValueThreshold-scoreTolerance
	lowEffort := float64(effort) <= s.EffortThreshold
	var q Quadrant
	switch {
	case highValue && lowEffort:
		q = QuadrantQuickWin
	case highValue:
		q = QuadrantBigBet
	case lowEffort:
		q = QuadrantFillIn
	default:
		q = QuadrantMoneyPit
	}

	v := formatScoreNumber(value)
	var b strings.Builder
	b.WriteString("value = (" + formatScoreNumber(s.WeightImpact) + "×" + strconv.Itoa(impact) +
		" + " + formatScoreNumber(s.WeightExperience) + "×" + strconv.Itoa(experience) +
		") / (" + formatScoreNumber(s.WeightImpact) + " + " + formatScoreNumber(s.WeightExperience) + ") = " + v)
	b.WriteString("; priority = 20 × " + v + " × " + formatScoreNumber(confidence) + " / " + strconv.Itoa(effort) +
		" = " + formatScoreNumber(priority))
	b.WriteString("; " + string(q) + " because value ")
	if highValue {
		b.WriteString(v + " ≥ ")
	} else {
		// A value just below V may round to V: show enough digits not to print "3 < 3".
		if round2(value) >= s.ValueThreshold {
			v = strconv.FormatFloat(value, 'f', -1, 64)
		}
		b.WriteString(v + " < ")
	}
	b.WriteString(formatScoreNumber(s.ValueThreshold) + " and effort " + strconv.Itoa(effort))
	if lowEffort {
		b.WriteString(" ≤ ")
	} else {
		b.WriteString(" > ")
	}
	b.WriteString(formatScoreNumber(s.EffortThreshold))

	return Score{Value: round2(value), Priority: round2(priority), Quadrant: q, Explanation: b.String()}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// formatScoreNumber rounds x to 2 decimals and prints it without trailing zeros.
func formatScoreNumber(x float64) string {
	r := round2(x)
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// Idea is a proposed improvement to one or more touchpoints.
type Idea struct {
	ID            string
	WorkspaceID   string
	Title         string
	Problem       string
	Proposal      string
	TouchpointIDs []string
	Impact        int     // 1..5
	Experience    int     // 1..5
	Effort        int     // 1..5
	Confidence    float64 // 0..1
	Owner         string
	Tags          []string
	Source        IdeaSource // optional
	Status        IdeaStatus
	Score         Score // derived: set by Rescore
	// Money is the optional business case's inputs; BusinessCase is derived
	// from them by the store (it needs the drivers), nil without inputs.
	Money        BusinessCaseInputs
	BusinessCase *BusinessCase
	// Realised is the annual value the pilot that got the idea adopted
	// measured, nil before (set by Pilot.Complete).
	Realised *RealisedValue
	// Evidence is derived by the store: the feedback and contact reasons
	// linked to the idea, and the contacts a month those reasons cause.
	Evidence  IdeaEvidence
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// DefaultConfidence is the confidence of an idea created without one.
const DefaultConfidence = 0.5

// Limits on idea fields.
const (
	MaxIdeaTouchpoints = 50
	MaxIdeaTags        = 20
	MaxTagLength       = 50
)

// Validate checks the idea's own fields, lower-cases its touchpoint ids and
// trims its tags. That the touchpoints exist in the workspace is the store's
// to check.
func (i *Idea) Validate() error {
	var fe fieldErrors
	validateName(&fe, "/title", i.Title, MaxNameLength)
	validateText(&fe, "/problem", i.Problem, MaxDescriptionLength)
	validateText(&fe, "/proposal", i.Proposal, MaxDescriptionLength)

	validateCount(&fe, "/touchpoint_ids", len(i.TouchpointIDs), MaxIdeaTouchpoints, "touchpoint")
	seenIDs := map[string]bool{}
	for n := range i.TouchpointIDs {
		id := strings.ToLower(i.TouchpointIDs[n])
		i.TouchpointIDs[n] = id
		p := "/touchpoint_ids/" + strconv.Itoa(n)
		switch {
		case !IsID(id):
			fe.add(p, "must be a UUID")
		case seenIDs[id]:
			fe.add(p, "is listed more than once")
		}
		seenIDs[id] = true
	}

	for _, r := range []struct {
		pointer string
		v       int
	}{{"/impact", i.Impact}, {"/experience", i.Experience}, {"/effort", i.Effort}} {
		if r.v < minScale || r.v > maxScale {
			fe.add(r.pointer, "must be between %d and %d", minScale, maxScale)
		}
	}
	if math.IsNaN(i.Confidence) || i.Confidence < 0 || i.Confidence > 1 {
		fe.add("/confidence", "must be between 0 and 1")
	}
	if i.Confidence == 0 {
		i.Confidence = 0 // -0 compares equal to 0 but prints as "-0"
	}
	validateText(&fe, "/owner", i.Owner, MaxOwnerLength)

	if len(i.Tags) > MaxIdeaTags {
		fe.add("/tags", "must have at most %d tags", MaxIdeaTags)
	}
	seenTags := map[string]bool{}
	for n := range i.Tags {
		tag := strings.TrimSpace(i.Tags[n])
		i.Tags[n] = tag
		p := "/tags/" + strconv.Itoa(n)
		key := strings.ToLower(tag)
		switch {
		case tag == "":
			fe.add(p, "must not be empty")
		case utf8.RuneCountInString(tag) > MaxTagLength:
			fe.add(p, "must be at most %d characters", MaxTagLength)
		case seenTags[key]:
			fe.add(p, "is listed more than once")
		}
		seenTags[key] = true
	}

	if i.Source != "" {
		if _, ok := ParseIdeaSource(string(i.Source)); !ok {
			fe.add("/source", "must be one of %s", joinValues(IdeaSources))
		}
	}
	if _, ok := ParseIdeaStatus(string(i.Status)); !ok {
		fe.add("/status", "must be one of %s", joinValues(IdeaStatuses))
	}
	fe = append(fe, FieldsOf(i.Money.Validate())...)
	return fe.err()
}

// Rescore sets i.Score from s and the idea's current inputs.
func (i *Idea) Rescore(s Scoring) {
	i.Score = s.Score(i.Impact, i.Experience, i.Effort, i.Confidence)
}

// MoveTo changes the status if the workflow allows it; otherwise it returns an
// EConflict *Error naming the current status and the allowed moves. Moving to
// the current status is a conflict too.
func (i *Idea) MoveTo(to IdeaStatus) error {
	if i.Status.CanMoveTo(to) {
		i.Status = to
		return nil
	}
	allowed := "none, " + string(i.Status) + " is final"
	if moves := i.Status.Moves(); len(moves) > 0 {
		allowed = joinValues(moves)
	}
	return Errorf(EConflict, "cannot move an idea from %q to %q; allowed: %s", i.Status, to, allowed)
}

// Change is one field's change, for the idea's history.
type Change struct {
	Field string
	Old   string
	New   string
}

// DiffIdeas lists the fields that differ between before and after, in a fixed
// order: title, problem, proposal, touchpoint_ids, impact, experience, effort,
// confidence, owner, tags, source, status, priority, one_off_cost,
// annual_running_cost, expected_improvements, realised_annual_value. Touchpoint ids are
// compared as a set; tags in order. A nil idea counts as the zero Idea.
func DiffIdeas(before, after *Idea) []Change {
	if before == nil {
		before = &Idea{}
	}
	if after == nil {
		after = &Idea{}
	}
	b, a := ideaFields(before), ideaFields(after)
	var changes []Change
	for n := range b {
		if b[n].value != a[n].value {
			changes = append(changes, Change{Field: b[n].name, Old: b[n].value, New: a[n].value})
		}
	}
	return changes
}

type ideaField struct{ name, value string }

func ideaFields(i *Idea) []ideaField {
	ids := slices.Clone(i.TouchpointIDs)
	slices.Sort(ids)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return []ideaField{
		{"title", i.Title},
		{"problem", i.Problem},
		{"proposal", i.Proposal},
		{"touchpoint_ids", strings.Join(ids, ", ")},
		{"impact", strconv.Itoa(i.Impact)},
		{"experience", strconv.Itoa(i.Experience)},
		{"effort", strconv.Itoa(i.Effort)},
		{"confidence", f(i.Confidence)},
		{"owner", i.Owner},
		{"tags", strings.Join(i.Tags, ", ")},
		{"source", string(i.Source)},
		{"status", string(i.Status)},
		{"priority", f(i.Score.Priority)},
		{"one_off_cost", optionalNumber(i.Money.OneOffCost)},
		{"annual_running_cost", optionalNumber(i.Money.AnnualRunningCost)},
		{"expected_improvements", improvementsText(i.Money.ExpectedImprovements)},
		{"realised_annual_value", realisedText(i.Realised)},
	}
}

func optionalNumber(x *float64) string {
	if x == nil {
		return ""
	}
	return strconv.FormatFloat(*x, 'f', -1, 64)
}

// improvementsText is "driver id: improvement" per expected improvement.
func improvementsText(es []ExpectedImprovement) string {
	parts := make([]string, len(es))
	for n, e := range es {
		parts[n] = e.ValueDriverID + ": " + strconv.FormatFloat(e.Improvement, 'f', -1, 64)
	}
	return strings.Join(parts, ", ")
}

// realisedText is the value with its interval, as history shows it.
func realisedText(r *RealisedValue) string {
	if r == nil {
		return ""
	}
	return FormatMoney(r.AnnualValue) + " (" + FormatMoney(r.CI.Low) + " to " + FormatMoney(r.CI.High) + ")"
}

// joinValues joins string-typed values with ", ".
func joinValues[T ~string](vs []T) string {
	names := make([]string, len(vs))
	for n, v := range vs {
		names[n] = string(v)
	}
	return strings.Join(names, ", ")
}

// ScaleAnchors says what the 1, 3 and 5 of one scoring scale mean, so that
// two people scoring the same idea mean the same thing.
type ScaleAnchors struct {
	Scale          string // impact, experience, effort
	Low, Mid, High string // what a 1, a 3 and a 5 mean
}

// Scales are the anchors of impact, experience and effort.
var Scales = []ScaleAnchors{
	{"impact",
		"barely moves a measured outcome (cost, revenue, a target metric)",
		"a clear change on one key metric at one touchpoint",
		"a large change on a key metric across a journey or most customers"},
	{"experience",
		"few customers would notice",
		"removes a known irritation for many customers",
		"removes a pain that drives complaints, repeat contacts or churn"},
	{"effort",
		"days of one team, no new systems or contracts",
		"weeks, a few teams, or a change with a vendor",
		"months, several teams, new systems or contracts"},
}

// lowConfidence is the confidence below which the reason an idea ranks
// where it does includes the doubt.
const lowConfidence = 0.5

// WhyRanked says in words why the idea ranks where it does: its quadrant
// read as advice, and a confidence low enough to hold its priority down.
func (i *Idea) WhyRanked() string {
	why := map[Quadrant]string{
		QuadrantQuickWin: "Quick win: high value for little effort, so it ranks near the top; do these first.",
		QuadrantBigBet:   "Big bet: high value but much effort; worth planning, ideally with a pilot first.",
		QuadrantFillIn:   "Fill-in: little effort but modest value; do it when a team has slack.",
		QuadrantMoneyPit: "Money pit: modest value for much effort, so it ranks low; rethink it or drop it.",
	}[i.Score.Quadrant]
	if i.Confidence < lowConfidence {
		why += " Confidence is low (" + formatScoreNumber(i.Confidence) + "), which holds its priority down; evidence or a pilot would settle it."
	}
	return why
}
