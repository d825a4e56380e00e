package domain

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// ContactReason is why customers contact the organisation ("Where is my
// invoice?"), at the touchpoint where the failure originates (the invoice,
// not the phone line). An avoidable reason is failure demand: the contact
// should not have been needed.
type ContactReason struct {
	ID           string
	WorkspaceID  string
	Name         string // unique in the workspace, case-insensitively
	TouchpointID string
	Avoidable    bool
	Description  string
	// ContactsPerMonth is derived by the store: the reason's contacts in the
	// year up to its latest recorded period, per month of that year covered.
	ContactsPerMonth float64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Version          int
}

// Validate checks the reason's own fields and lower-cases its touchpoint id.
func (r *ContactReason) Validate() error {
	var fe fieldErrors
	r.Name = strings.TrimSpace(r.Name)
	validateName(&fe, "/name", r.Name, MaxNameLength)
	r.TouchpointID = strings.ToLower(r.TouchpointID)
	if !IsID(r.TouchpointID) {
		fe.add("/touchpoint_id", "must be a UUID")
	}
	validateText(&fe, "/description", r.Description, MaxDescriptionLength)
	return fe.err()
}

// MaxContacts bounds the contacts of one volume record.
const MaxContacts = 1_000_000_000

// ContactVolume is how many contacts one reason caused in one period, and
// how many of them were resolved at the first contact; per channel, or for
// all channels when Channel is "". One record per (reason, period, channel).
type ContactVolume struct {
	ID                   string
	WorkspaceID          string
	ReasonID             string
	PeriodStart          time.Time // a date
	PeriodEnd            time.Time // a date, inclusive
	Channel              Channel   // optional
	Contacts             int
	ResolvedFirstContact int // ≤ Contacts
	CreatedAt            time.Time
	UpdatedAt            time.Time
	Version              int
}

// Validate checks the record's own fields and truncates the dates to days.
func (v *ContactVolume) Validate() error {
	var fe fieldErrors
	v.ReasonID = strings.ToLower(v.ReasonID)
	if !IsID(v.ReasonID) {
		fe.add("/reason_id", "must be a UUID")
	}
	v.PeriodStart, v.PeriodEnd = dayOf(v.PeriodStart), dayOf(v.PeriodEnd)
	validateDate(&fe, "/period_start", v.PeriodStart)
	validateDate(&fe, "/period_end", v.PeriodEnd)
	if v.PeriodEnd.Before(v.PeriodStart) {
		fe.add("/period_end", "must not be before period_start")
	}
	if v.Channel != "" {
		if _, ok := ParseChannel(string(v.Channel)); !ok {
			fe.add("/channel", "must be one of %s (or omitted for all channels)", joinValues(Channels))
		}
	}
	switch {
	case v.Contacts < 0:
		fe.add("/contacts", "must not be negative")
	case v.Contacts > MaxContacts:
		fe.add("/contacts", "must be at most %d", MaxContacts)
	}
	switch {
	case v.ResolvedFirstContact < 0:
		fe.add("/resolved_first_contact", "must not be negative")
	case v.ResolvedFirstContact > v.Contacts && v.Contacts >= 0:
		fe.add("/resolved_first_contact", "must not be more than contacts (%d)", v.Contacts)
	}
	return fe.err()
}

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ContactsPerMonth is what a reason's records say it costs a month: the
// contacts of the records that end within the year up to the latest end,
// divided by the whole months (of 30.4375 days, rounded) those records span,
// at least one and at most twelve. Their order does not matter.
func ContactsPerMonth(records []ContactVolume) float64 {
	if len(records) == 0 {
		return 0
	}
	latest := records[0].PeriodEnd
	for _, r := range records {
		if r.PeriodEnd.After(latest) {
			latest = r.PeriodEnd
		}
	}
	since := latest.AddDate(-1, 0, 0)
	earliest, contacts := latest, 0
	for _, r := range records {
		if !r.PeriodEnd.After(since) {
			continue
		}
		contacts += r.Contacts
		if r.PeriodStart.Before(earliest) {
			earliest = r.PeriodStart
		}
	}
	if earliest.Before(since) {
		earliest = since
	}
	months := math.Round((latest.Sub(earliest).Hours()/24 + 1) / 30.4375)
	return float64(contacts) / math.Min(12, math.Max(1, months))
}

// WilsonInterval is the Wilson score interval of x successes of n at the
// confidence level: the interval R's prop.test(x, n, correct = FALSE)
// reports. It stays within 0..1 and behaves at x = 0 and x = n, where the
// Wald interval collapses.
func WilsonInterval(x, n int, confidence float64) Interval {
	if n <= 0 {
		return Interval{Low: 0, High: 1}
	}
	z := distuv.UnitNormal.Quantile(0.5 + confidence/2)
	fn, p := float64(n), float64(x)/float64(n)
	z2 := z * z
	centre := (p + z2/(2*fn)) / (1 + z2/fn)
	half := z / (1 + z2/fn) * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn))
	return Interval{Low: math.Max(0, centre-half), High: math.Min(1, centre+half)}
}

// ReportConfidence is the confidence level of the contact reasons report's
// intervals and tests.
const ReportConfidence = 0.95

// Window is a report's period: the days From to To, both included. A
// volume record counts in the window its whole period lies in (the store's
// ContactReasonCounts applies this).
type Window struct{ From, To time.Time }

// Days is the window's length in days.
func (w Window) Days() int { return int(w.To.Sub(w.From).Hours()/24) + 1 }

// Previous is the window before w: the same number of calendar months when
// w is whole months (October against September, a quarter against the one
// before), else the same number of days; it ends the day before w.
func (w Window) Previous() Window {
	if months, ok := w.wholeMonths(); ok {
		return Window{From: w.From.AddDate(0, -months, 0), To: w.From.AddDate(0, 0, -1)}
	}
	return Window{From: w.From.AddDate(0, 0, -w.Days()), To: w.From.AddDate(0, 0, -1)}
}

// wholeMonths is the number of calendar months w spans when it starts on a
// first and ends on a last day of a month.
func (w Window) wholeMonths() (int, bool) {
	if w.From.Day() != 1 || w.To.AddDate(0, 0, 1).Day() != 1 {
		return 0, false
	}
	return (w.To.Year()-w.From.Year())*12 + int(w.To.Month()-w.From.Month()) + 1, true
}

// ReasonCounts are one reason's contacts in a window and the one before it,
// as the store adds them up.
type ReasonCounts struct {
	Reason           ContactReason
	TouchpointName   string
	Contacts         int
	Resolved         int // resolved at the first contact
	PreviousContacts int
	OpenIdeas        int // open ideas linked to the reason as evidence
}

// Direction of a reason's volume against the previous window.
const (
	VolumeUp       = "up"
	VolumeDown     = "down"
	VolumeNoChange = "no_change" // no difference the exact test can tell from chance
)

// VolumeChange compares a reason's contacts with the previous window's,
// the exposures being the windows' lengths in days (equal, or whole months
// of different lengths): the exact conditional Poisson test, as for pilot
// counts. RateRatio is the ratio of contacts a day.
type VolumeChange struct {
	Previous  int
	RateRatio float64 // contacts ÷ previous contacts
	CI        Interval
	PValue    float64
	Direction string
}

// ReasonRow is one reason in the report.
type ReasonRow struct {
	ReasonCounts
	Share           float64 // of all contacts in the window
	CumulativeShare float64 // of this reason and every bigger one
	FCR             *float64
	FCRCI           *Interval // Wilson, 95 %
	Change          *VolumeChange
	Cost            *float64 // contacts × cost per contact, when the workspace set one
}

// How many reasons the report lists unless asked, and at most.
const (
	DefaultReasonsListed = 50
	MaxReasonsListed     = 1000
)

// ContactReasonsReport is the contact reasons report of a window.
type ContactReasonsReport struct {
	Window, PreviousWindow Window
	Contacts               int
	AvoidableContacts      int
	FailureDemandShare     *float64 // avoidable ÷ all contacts; nil without contacts
	Resolved               int
	FCR                    *float64
	FCRCI                  *Interval
	Currency               string
	CostPerContact         *float64
	Cost, AvoidableCost    *float64
	Reasons                []ReasonRow // by contacts, biggest first (the Pareto order), the first limit
	OtherReasons           int         // reasons beyond the limit
	OtherContacts          int         // their contacts
	// Unaddressed are the avoidable reasons with contacts in the window and
	// no open idea linked to them, biggest first, the first limit.
	Unaddressed      []ReasonRow
	OtherUnaddressed int
}

// NewContactReasonsReport computes the totals over every reason, and for
// the first limit reasons by contacts (and the first limit unaddressed ones)
// their shares, cumulative shares, first-contact resolution with its Wilson
// interval, the change against the previous window and the cost: the exact
// test is what costs, so only the rows listed get one. costPerContact may
// be nil.
func NewContactReasonsReport(w Window, counts []ReasonCounts, costPerContact *float64, currency string, limit int) ContactReasonsReport {
	r := ContactReasonsReport{Window: w, PreviousWindow: w.Previous(), Currency: currency, CostPerContact: costPerContact,
		Reasons: []ReasonRow{}, Unaddressed: []ReasonRow{}}
	rows := make([]ReasonRow, len(counts))
	for n, c := range counts {
		rows[n] = ReasonRow{ReasonCounts: c}
		r.Contacts += c.Contacts
		r.Resolved += c.Resolved
		if c.Reason.Avoidable {
			r.AvoidableContacts += c.Contacts
		}
	}
	slices.SortFunc(rows, func(a, b ReasonRow) int {
		return cmp.Or(cmp.Compare(b.Contacts, a.Contacts), cmp.Compare(a.Reason.Name, b.Reason.Name), cmp.Compare(a.Reason.ID, b.Reason.ID))
	})
	cumulative := 0
	for n := range rows {
		row := &rows[n]
		cumulative += row.Contacts
		if r.Contacts > 0 {
			row.Share = float64(row.Contacts) / float64(r.Contacts)
			row.CumulativeShare = float64(cumulative) / float64(r.Contacts)
		}
		unaddressed := row.Reason.Avoidable && row.Contacts > 0 && row.OpenIdeas == 0
		listed, listedUnaddressed := n < limit, unaddressed && len(r.Unaddressed) < limit
		if listed || listedUnaddressed {
			r.describe(row)
		}
		switch {
		case listed:
			r.Reasons = append(r.Reasons, *row)
		default:
			r.OtherReasons++
			r.OtherContacts += row.Contacts
		}
		switch {
		case listedUnaddressed:
			r.Unaddressed = append(r.Unaddressed, *row)
		case unaddressed:
			r.OtherUnaddressed++
		}
	}
	if r.Contacts > 0 {
		s := float64(r.AvoidableContacts) / float64(r.Contacts)
		r.FailureDemandShare = &s
	}
	r.FCR, r.FCRCI = rateWithInterval(r.Resolved, r.Contacts)
	if costPerContact != nil {
		all, avoidable := float64(r.Contacts)**costPerContact, float64(r.AvoidableContacts)**costPerContact
		r.Cost, r.AvoidableCost = &all, &avoidable
	}
	return r
}

// describe fills a listed row's first-contact resolution, change and cost.
func (r *ContactReasonsReport) describe(row *ReasonRow) {
	row.FCR, row.FCRCI = rateWithInterval(row.Resolved, row.Contacts)
	row.Change = volumeChange(row.Contacts, row.PreviousContacts, r.Window.Days(), r.PreviousWindow.Days())
	if r.CostPerContact != nil {
		c := float64(row.Contacts) * *r.CostPerContact
		row.Cost = &c
	}
}

// rateWithInterval is x ÷ n with its Wilson interval; nil without n.
func rateWithInterval(x, n int) (*float64, *Interval) {
	if n <= 0 {
		return nil, nil
	}
	rate, ci := float64(x)/float64(n), WilsonInterval(x, n, ReportConfidence)
	return &rate, &ci
}

// volumeChange tests contacts over days against previous over prevDays;
// nil when neither window has a contact (nothing to compare).
func volumeChange(contacts, previous, days, prevDays int) *VolumeChange {
	res, err := PoissonRateRatio(contacts, float64(days), previous, float64(prevDays), ReportConfidence)
	if err != nil {
		return nil
	}
	c := &VolumeChange{Previous: previous, RateRatio: res.Estimate, CI: res.CI, PValue: res.PValue, Direction: VolumeNoChange}
	if res.PValue < 1-ReportConfidence {
		c.Direction = VolumeDown
		if res.Estimate > 1 {
			c.Direction = VolumeUp
		}
	}
	if previous == 0 {
		c.RateRatio = math.Inf(1) // no finite ratio: the wire says null
	}
	return c
}

// FeedbackSource is where a verbatim came from.
type FeedbackSource string

// Feedback sources.
const (
	FeedbackSurvey    FeedbackSource = "survey"
	FeedbackComplaint FeedbackSource = "complaint"
	FeedbackReview    FeedbackSource = "review"
	FeedbackAgentNote FeedbackSource = "agent_note"
	FeedbackSocial    FeedbackSource = "social"
	FeedbackOther     FeedbackSource = "other"
)

// FeedbackSources lists every source in a stable order.
var FeedbackSources = []FeedbackSource{FeedbackSurvey, FeedbackComplaint, FeedbackReview, FeedbackAgentNote, FeedbackSocial, FeedbackOther}

// TextLanguages are the PostgreSQL text search configurations feedback can
// be stemmed in; "simple" only lower-cases.
var TextLanguages = []string{"simple", "danish", "dutch", "english", "finnish", "french", "german", "hungarian", "italian",
	"norwegian", "portuguese", "romanian", "russian", "spanish", "swedish", "turkish"}

// DefaultTextLanguage is the language of feedback given without one.
const DefaultTextLanguage = "english"

// Limits on feedback.
const (
	MaxFeedbackText   = 10000
	MaxCustomerRef    = 200
	MaxFeedbackImport = 100000
)

// Feedback is one thing a customer said, verbatim.
type Feedback struct {
	ID           string
	WorkspaceID  string
	TouchpointID string
	Source       FeedbackSource
	Text         string
	// Score is optional; when given, so is its scale ScoreMin..ScoreMax
	// (1..5 for CSAT, 0..10 for a recommendation question).
	Score              *float64
	ScoreMin, ScoreMax *float64
	ReceivedAt         time.Time
	CustomerRef        string // opaque; never required
	Language           string // one of TextLanguages
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Version            int
}

// Validate checks the item's own fields and fills the default language.
func (f *Feedback) Validate() error {
	var fe fieldErrors
	f.TouchpointID = strings.ToLower(f.TouchpointID)
	if !IsID(f.TouchpointID) {
		fe.add("/touchpoint_id", "must be a UUID")
	}
	if _, ok := parseEnum(string(f.Source), FeedbackSources); !ok {
		fe.add("/source", "must be one of %s", joinValues(FeedbackSources))
	}
	validateName(&fe, "/text", f.Text, MaxFeedbackText)
	switch {
	case f.Score == nil && (f.ScoreMin != nil || f.ScoreMax != nil):
		fe.add("/score", "is required with score_min and score_max")
	case f.Score != nil && (f.ScoreMin == nil || f.ScoreMax == nil):
		fe.add("/score_max", "a score needs its scale: score_min and score_max")
	case f.Score != nil:
		lo, hi, s := *f.ScoreMin, *f.ScoreMax, *f.Score
		switch {
		case !finite(lo) || !finite(hi) || lo >= hi:
			fe.add("/score_max", "must be above score_min")
		case !finite(s) || s < lo || s > hi:
			fe.add("/score", "must be within the scale %s to %s", formatQuantity(lo), formatQuantity(hi))
		}
	}
	validateDate(&fe, "/received_at", f.ReceivedAt)
	validateText(&fe, "/customer_ref", f.CustomerRef, MaxCustomerRef)
	if f.Language == "" {
		f.Language = DefaultTextLanguage
	}
	if !slices.Contains(TextLanguages, f.Language) {
		fe.add("/language", "must be one of %s", strings.Join(TextLanguages, ", "))
	}
	return fe.err()
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// IdeaEvidence is what an idea can show for itself: the feedback items and
// contact reasons linked to it, and the contacts a month those reasons
// cause (derived by the store).
type IdeaEvidence struct {
	FeedbackCount    int
	ContactReasons   int
	ContactsPerMonth float64
}

// ContactReasonFilter narrows the reason list.
type ContactReasonFilter struct {
	TouchpointIDs []string
	Avoidable     *bool
}

// ContactVolumeFilter narrows a reason's volume list.
type ContactVolumeFilter struct {
	From, To *time.Time // records whose period lies within
	Channels []Channel
}

// FeedbackFilter narrows the feedback list.
type FeedbackFilter struct {
	TouchpointIDs []string
	Sources       []FeedbackSource
	From, To      *time.Time // received within
	Query         string     // full-text, websearch syntax
	Language      string     // the query's text search configuration
}

// VolumeImport is the outcome of a bulk import of volume records.
type VolumeImport struct{ Inserted, Replaced int }

// ContactStore keeps contact reasons, their volumes and the report's sums.
type ContactStore interface {
	CreateContactReason(ctx context.Context, r *ContactReason) error // EConflict naming /name; EInvalid naming /touchpoint_id
	GetContactReason(ctx context.Context, workspaceID, id string) (*ContactReason, error)
	ListContactReasons(ctx context.Context, workspaceID string, f ContactReasonFilter, page Page) ([]ContactReason, *Cursor, error)
	UpdateContactReason(ctx context.Context, workspaceID, id string, version int, change func(*ContactReason) error) (*ContactReason, error)
	DeleteContactReason(ctx context.Context, workspaceID, id string, version int) error // its volumes go with it; EConflict while ideas link it

	CreateContactVolume(ctx context.Context, v *ContactVolume) error // EConflict for a (reason, period, channel) recorded already
	GetContactVolume(ctx context.Context, workspaceID, reasonID, id string) (*ContactVolume, error)
	ListContactVolumes(ctx context.Context, workspaceID, reasonID string, f ContactVolumeFilter, page Page) ([]ContactVolume, *Cursor, error)
	ReplaceContactVolume(ctx context.Context, workspaceID, reasonID, id string, version int, v *ContactVolume) (*ContactVolume, error)
	DeleteContactVolume(ctx context.Context, workspaceID, reasonID, id string, version int) error
	// ImportContactVolumes stores every record or none; upsert replaces a
	// (reason, period, channel) recorded already, else that is EConflict.
	ImportContactVolumes(ctx context.Context, workspaceID string, vs []ContactVolume, upsert bool) (VolumeImport, error)
}

// ContactReportStore reads the contact reasons report's sums.
type ContactReportStore interface {
	// ContactReasonCounts adds up each reason's contacts in w and in the
	// window before it, with the open ideas linked to it.
	ContactReasonCounts(ctx context.Context, workspaceID string, w Window) ([]ReasonCounts, error)
}

// FeedbackStore keeps customer feedback.
type FeedbackStore interface {
	CreateFeedback(ctx context.Context, f *Feedback) error
	GetFeedback(ctx context.Context, workspaceID, id string) (*Feedback, error)
	// SearchFeedback pages the items matching f, newest received first, or
	// with f.Query set and byRelevance by rank (then received_at, id); a
	// relevance page starts after page.After with rank afterRank. ranks are
	// parallel to the items (nil without a query).
	SearchFeedback(ctx context.Context, workspaceID string, f FeedbackFilter, byRelevance bool, page Page, afterRank float64) (
		items []Feedback, ranks []float64, next *Cursor, err error)
	UpdateFeedback(ctx context.Context, workspaceID, id string, version int, change func(*Feedback) error) (*Feedback, error)
	DeleteFeedback(ctx context.Context, workspaceID, id string, version int) error
	ImportFeedback(ctx context.Context, workspaceID string, items []Feedback) (int, error) // all or nothing
}
