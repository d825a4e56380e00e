package domain

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestScore(t *testing.T) {
	def := DefaultScoring()
	custom := func(wI, wE, v, e float64) Scoring {
		return Scoring{WeightImpact: wI, WeightExperience: wE, ValueThreshold: v, EffortThreshold: e}
	}
	tests := []struct {
		name                       string
		s                          Scoring
		impact, experience, effort int
		confidence                 float64
		value, priority            float64
		quadrant                   Quadrant
	}{
		// Default weights, boundaries of the 0–100 range.
		{"lowest possible", def, 1, 1, 5, 0, 1, 0, QuadrantMoneyPit},
		{"highest possible", def, 5, 5, 1, 1, 5, 100, QuadrantQuickWin},
		{"worked example", def, 4, 5, 2, 0.8, 4.5, 36, QuadrantQuickWin},
		{"zero confidence", def, 5, 5, 1, 0, 5, 0, QuadrantQuickWin},
		// The four quadrants, at and around the default thresholds V=3, E=2.
		{"quick win at both thresholds", def, 3, 3, 2, 0.5, 3, 15, QuadrantQuickWin},
		{"quick win well inside", def, 5, 4, 1, 0.5, 4.5, 45, QuadrantQuickWin},
		{"big bet at value threshold", def, 3, 3, 3, 0.5, 3, 10, QuadrantBigBet},
		{"big bet well inside", def, 5, 5, 5, 1, 5, 20, QuadrantBigBet},
		{"fill in at effort threshold", def, 2, 3, 2, 0.5, 2.5, 12.5, QuadrantFillIn},
		{"fill in just below value threshold", def, 2, 3, 1, 1, 2.5, 50, QuadrantFillIn},
		{"money pit", def, 2, 3, 3, 0.5, 2.5, 8.33, QuadrantMoneyPit},
		// Rounding to 2 decimals.
		{"float noise rounds away", def, 4, 5, 3, 0.7, 4.5, 21, QuadrantBigBet},
		{"priority rounds down", def, 3, 4, 3, 0.7, 3.5, 16.33, QuadrantBigBet},
		{"priority rounds up", def, 2, 3, 3, 1, 2.5, 16.67, QuadrantMoneyPit},
		// Custom weights.
		{"impact weighs double", custom(2, 1, 3, 2), 5, 2, 2, 1, 4, 40, QuadrantQuickWin},
		{"experience weighs double", custom(1, 2, 3, 2), 5, 2, 2, 1, 3, 30, QuadrantQuickWin},
		{"priority from unrounded value", custom(1, 2, 3, 2), 3, 4, 1, 1, 3.67, 73.33, QuadrantQuickWin},
		{"impact weight zero", custom(0, 1, 3, 2), 1, 5, 2, 1, 5, 50, QuadrantQuickWin},
		{"experience weight zero", custom(1, 0, 3, 2), 1, 5, 2, 1, 1, 10, QuadrantFillIn},
		// Float noise must not flip a quadrant at the value threshold.
		{"weights 0.1/0.2 at V", custom(0.1, 0.2, 3, 2), 3, 3, 2, 1, 3, 30, QuadrantQuickWin},
		{"weights 0.1/0.7 at V (2.9999999999999996)", custom(0.1, 0.7, 3, 2), 3, 3, 3, 1, 3, 20, QuadrantBigBet},
		{"weights 0.1/0.2 at V=5 (4.999999999999999)", custom(0.1, 0.2, 5, 2), 5, 5, 2, 1, 5, 50, QuadrantQuickWin},
		// Custom thresholds.
		{"V=4 E=3 quick win at both", custom(1, 1, 4, 3), 4, 4, 3, 1, 4, 26.67, QuadrantQuickWin},
		{"V=4 E=3 fill in", custom(1, 1, 4, 3), 3, 4, 3, 1, 3.5, 23.33, QuadrantFillIn},
		{"V=4 E=3 big bet", custom(1, 1, 4, 3), 4, 4, 4, 1, 4, 20, QuadrantBigBet},
		{"V=4 E=3 money pit", custom(1, 1, 4, 3), 4, 3, 4, 1, 3.5, 17.5, QuadrantMoneyPit},
		{"V=1 E=5 everything is a quick win", custom(1, 1, 1, 5), 1, 1, 5, 1, 1, 4, QuadrantQuickWin},
		{"V=5 E=1 only the best", custom(1, 1, 5, 1), 5, 4, 1, 1, 4.5, 90, QuadrantFillIn},
		{"fractional thresholds", custom(1, 1, 3.5, 2.5), 3, 4, 3, 1, 3.5, 23.33, QuadrantBigBet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.Score(tt.impact, tt.experience, tt.effort, tt.confidence)
			if got.Value != tt.value || got.Priority != tt.priority || got.Quadrant != tt.quadrant {
				t.Fatalf("Score(%d, %d, %d, %v) = value %v priority %v %s, want value %v priority %v %s (%s)",
					tt.impact, tt.experience, tt.effort, tt.confidence,
					got.Value, got.Priority, got.Quadrant, tt.value, tt.priority, tt.quadrant, got.Explanation)
			}
			if !strings.Contains(got.Explanation, string(tt.quadrant)+" because") {
				t.Fatalf("explanation %q does not name quadrant %s", got.Explanation, tt.quadrant)
			}
		})
	}
}

func TestScoreQuadrantsCoverAllValues(t *testing.T) {
	seen := map[Quadrant]bool{}
	for impact := 1; impact <= 5; impact++ {
		for experience := 1; experience <= 5; experience++ {
			for effort := 1; effort <= 5; effort++ {
				s := DefaultScoring().Score(impact, experience, effort, 1)
				if !slices.Contains(Quadrants, s.Quadrant) {
					t.Fatalf("unknown quadrant %q", s.Quadrant)
				}
				if s.Priority < 0 || s.Priority > 100 {
					t.Fatalf("priority %v out of 0–100", s.Priority)
				}
				seen[s.Quadrant] = true
			}
		}
	}
	if len(seen) != len(Quadrants) {
		t.Fatalf("quadrants reached: %v", seen)
	}
}

func TestScoreExplanation(t *testing.T) {
	tests := []struct {
		name                       string
		s                          Scoring
		impact, experience, effort int
		confidence                 float64
		want                       string
	}{
		{"worked example", DefaultScoring(), 4, 5, 2, 0.8,
			"value = (1×4 + 1×5) / (1 + 1) = 4.5; priority = 20 × 4.5 × 0.8 / 2 = 36; quick_win because value 4.5 ≥ 3 and effort 2 ≤ 2"},
		{"big bet", DefaultScoring(), 4, 5, 3, 0.7,
			"value = (1×4 + 1×5) / (1 + 1) = 4.5; priority = 20 × 4.5 × 0.7 / 3 = 21; big_bet because value 4.5 ≥ 3 and effort 3 > 2"},
		{"fill in", DefaultScoring(), 2, 3, 2, 0.5,
			"value = (1×2 + 1×3) / (1 + 1) = 2.5; priority = 20 × 2.5 × 0.5 / 2 = 12.5; fill_in because value 2.5 < 3 and effort 2 ≤ 2"},
		{"money pit", DefaultScoring(), 1, 1, 5, 0,
			"value = (1×1 + 1×1) / (1 + 1) = 1; priority = 20 × 1 × 0 / 5 = 0; money_pit because value 1 < 3 and effort 5 > 2"},
		{"custom weights and thresholds", Scoring{WeightImpact: 2, WeightExperience: 0.5, ValueThreshold: 3.5, EffortThreshold: 2.5}, 3, 4, 2, 0.25,
			"value = (2×3 + 0.5×4) / (2 + 0.5) = 3.2; priority = 20 × 3.2 × 0.25 / 2 = 8; fill_in because value 3.2 < 3.5 and effort 2 ≤ 2.5"},
		{"repeating decimals are rounded", Scoring{WeightImpact: 1, WeightExperience: 2, ValueThreshold: 3, EffortThreshold: 2}, 3, 4, 1, 1,
			"value = (1×3 + 2×4) / (1 + 2) = 3.67; priority = 20 × 3.67 × 1 / 1 = 73.33; quick_win because value 3.67 ≥ 3 and effort 1 ≤ 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.Score(tt.impact, tt.experience, tt.effort, tt.confidence).Explanation
			if got != tt.want {
				t.Fatalf("explanation\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestScoringValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Scoring)
		want   []string
	}{
		{"defaults are valid", func(*Scoring) {}, nil},
		{"one weight zero", func(s *Scoring) { s.WeightExperience = 0 }, nil},
		{"fractional weights", func(s *Scoring) { s.WeightImpact, s.WeightExperience = 0.1, 0.2 }, nil},
		{"largest weights", func(s *Scoring) { s.WeightImpact, s.WeightExperience = 100, 100 }, nil},
		{"thresholds at the bounds", func(s *Scoring) { s.ValueThreshold, s.EffortThreshold = 1, 5 }, nil},
		{"both weights zero", func(s *Scoring) { s.WeightImpact, s.WeightExperience = 0, 0 }, []string{"/weight_impact"}},
		{"negative impact weight", func(s *Scoring) { s.WeightImpact = -1 }, []string{"/weight_impact"}},
		{"negative experience weight", func(s *Scoring) { s.WeightExperience = -0.5 }, []string{"/weight_experience"}},
		{"weight too large", func(s *Scoring) { s.WeightExperience = 100.5 }, []string{"/weight_experience"}},
		{"NaN weight", func(s *Scoring) { s.WeightImpact = math.NaN() }, []string{"/weight_impact"}},
		{"infinite weight", func(s *Scoring) { s.WeightExperience = math.Inf(1) }, []string{"/weight_experience"}},
		{"value threshold below 1", func(s *Scoring) { s.ValueThreshold = 0.99 }, []string{"/value_threshold"}},
		{"value threshold above 5", func(s *Scoring) { s.ValueThreshold = 5.01 }, []string{"/value_threshold"}},
		{"value threshold NaN", func(s *Scoring) { s.ValueThreshold = math.NaN() }, []string{"/value_threshold"}},
		{"effort threshold zero", func(s *Scoring) { s.EffortThreshold = 0 }, []string{"/effort_threshold"}},
		{"effort threshold infinite", func(s *Scoring) { s.EffortThreshold = math.Inf(1) }, []string{"/effort_threshold"}},
		{"all wrong", func(s *Scoring) {
			*s = Scoring{WeightImpact: -1, WeightExperience: math.NaN(), ValueThreshold: 6, EffortThreshold: -2}
		},
			[]string{"/weight_impact", "/weight_experience", "/value_threshold", "/effort_threshold"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultScoring()
			tt.change(&s)
			got := pointers(t, s.Validate())
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("pointers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScoringValidateBothWeightsZeroDetail(t *testing.T) {
	err := Scoring{ValueThreshold: 3, EffortThreshold: 2}.Validate()
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Detail, "at least one weight must be above 0") {
		t.Fatalf("got %#v", err)
	}
}

func TestDefaultScoring(t *testing.T) {
	want := Scoring{WeightImpact: 1, WeightExperience: 1, ValueThreshold: 3, EffortThreshold: 2}
	if got := DefaultScoring(); got != want {
		t.Fatalf("DefaultScoring() = %+v, want %+v", got, want)
	}
}

func TestParseIdeaStatusAndSource(t *testing.T) {
	if len(IdeaStatuses) != 7 || len(IdeaSources) != 5 || len(Quadrants) != 4 {
		t.Fatalf("lists: %v %v %v", IdeaStatuses, IdeaSources, Quadrants)
	}
	for _, s := range IdeaStatuses {
		if got, ok := ParseIdeaStatus(string(s)); !ok || got != s {
			t.Fatalf("ParseIdeaStatus(%q) = %q, %v", s, got, ok)
		}
	}
	for _, s := range IdeaSources {
		if got, ok := ParseIdeaSource(string(s)); !ok || got != s {
			t.Fatalf("ParseIdeaSource(%q) = %q, %v", s, got, ok)
		}
	}
	for _, bad := range []string{"", "New", " new", "done"} {
		if _, ok := ParseIdeaStatus(bad); ok {
			t.Fatalf("ParseIdeaStatus(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "Employee", "customer-feedback"} {
		if _, ok := ParseIdeaSource(bad); ok {
			t.Fatalf("ParseIdeaSource(%q) accepted", bad)
		}
	}
}

// allowedMoves is the workflow, written out independently of the code.
var allowedMoves = map[IdeaStatus][]IdeaStatus{
	StatusNew:         {StatusUnderReview, StatusRejected, StatusParked},
	StatusUnderReview: {StatusPlanned, StatusRejected, StatusParked},
	StatusPlanned:     {StatusPiloting, StatusAdopted, StatusRejected, StatusParked},
	StatusPiloting:    {StatusAdopted, StatusPlanned, StatusRejected, StatusParked},
	StatusParked:      {StatusUnderReview},
	StatusRejected:    {StatusUnderReview},
	StatusAdopted:     nil,
}

func TestIdeaStatusTransitions(t *testing.T) {
	for _, from := range IdeaStatuses {
		if got := from.Moves(); !slices.Equal(got, allowedMoves[from]) {
			t.Errorf("%s.Moves() = %v, want %v", from, got, allowedMoves[from])
		}
		for _, to := range IdeaStatuses {
			want := slices.Contains(allowedMoves[from], to)
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				if got := from.CanMoveTo(to); got != want {
					t.Fatalf("CanMoveTo = %v, want %v", got, want)
				}
				i := Idea{Status: from}
				err := i.MoveTo(to)
				switch {
				case want && (err != nil || i.Status != to):
					t.Fatalf("MoveTo: err %v, status %s", err, i.Status)
				case !want && (ErrorCodeOf(err) != EConflict || i.Status != from):
					t.Fatalf("MoveTo: err %v, status %s; want EConflict and status unchanged", err, i.Status)
				}
			})
		}
	}
}

func TestIdeaStatusMovesIsACopy(t *testing.T) {
	m := StatusNew.Moves()
	m[0] = StatusAdopted
	if StatusNew.CanMoveTo(StatusAdopted) {
		t.Fatal("changing the result of Moves changed the workflow")
	}
	if IdeaStatus("bogus").Moves() != nil || IdeaStatus("bogus").CanMoveTo(StatusNew) {
		t.Fatal("an unknown status has moves")
	}
}

func TestIdeaMoveToError(t *testing.T) {
	tests := []struct {
		from, to IdeaStatus
		want     string
	}{
		{StatusNew, StatusAdopted, `cannot move an idea from "new" to "adopted"; allowed: under_review, rejected, parked`},
		{StatusNew, StatusNew, `cannot move an idea from "new" to "new"; allowed: under_review, rejected, parked`},
		{StatusPiloting, StatusNew, `cannot move an idea from "piloting" to "new"; allowed: adopted, planned, rejected, parked`},
		{StatusParked, StatusPlanned, `cannot move an idea from "parked" to "planned"; allowed: under_review`},
		{StatusAdopted, StatusParked, `cannot move an idea from "adopted" to "parked"; allowed: none, adopted is final`},
		{StatusNew, "done", `cannot move an idea from "new" to "done"; allowed: under_review, rejected, parked`},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"→"+string(tt.to), func(t *testing.T) {
			i := Idea{Status: tt.from}
			err := i.MoveTo(tt.to)
			var e *Error
			if !errors.As(err, &e) || e.Code != EConflict {
				t.Fatalf("want an EConflict *Error, got %v", err)
			}
			if e.Message != tt.want {
				t.Fatalf("message\n got %q\nwant %q", e.Message, tt.want)
			}
		})
	}
}

func validIdea() Idea {
	return Idea{
		Title:         "Shorter phone queue",
		Problem:       "Callers wait 20 minutes",
		Proposal:      "Offer a call back",
		TouchpointIDs: []string{NewID(), NewID()},
		Impact:        4,
		Experience:    5,
		Effort:        2,
		Confidence:    DefaultConfidence,
		Owner:         "Contact centre",
		Tags:          []string{"phone", "waiting"},
		Source:        SourceCustomerFeedback,
		Status:        StatusNew,
	}
}

func manyIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = NewID()
	}
	return ids
}

func manyTags(n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = "tag " + NewID()[:8]
	}
	return tags
}

func TestIdeaValidate(t *testing.T) {
	id := NewID()
	tests := []struct {
		name   string
		change func(*Idea)
		want   []string
	}{
		{"valid", func(*Idea) {}, nil},
		{"minimal", func(i *Idea) {
			*i = Idea{Title: "x", TouchpointIDs: []string{id}, Impact: 1, Experience: 1, Effort: 1, Status: StatusNew}
		}, nil},
		{"upper-case touchpoint id", func(i *Idea) { i.TouchpointIDs = []string{strings.ToUpper(id)} }, nil},
		{"limits reached", func(i *Idea) {
			i.Title = strings.Repeat("é", MaxNameLength)
			i.TouchpointIDs = manyIDs(MaxIdeaTouchpoints)
			i.Tags = manyTags(MaxIdeaTags)
			i.Tags[0] = strings.Repeat("t", MaxTagLength)
			i.Owner = strings.Repeat("o", MaxOwnerLength)
			i.Impact, i.Experience, i.Effort, i.Confidence = 5, 5, 5, 1
		}, nil},
		{"confidence zero", func(i *Idea) { i.Confidence = 0 }, nil},
		{"no source", func(i *Idea) { i.Source = "" }, nil},
		{"empty title", func(i *Idea) { i.Title = " " }, []string{"/title"}},
		{"long title", func(i *Idea) { i.Title = strings.Repeat("é", MaxNameLength+1) }, []string{"/title"}},
		{"long problem", func(i *Idea) { i.Problem = strings.Repeat("p", MaxDescriptionLength+1) }, []string{"/problem"}},
		{"long proposal", func(i *Idea) { i.Proposal = strings.Repeat("p", MaxDescriptionLength+1) }, []string{"/proposal"}},
		{"no touchpoints", func(i *Idea) { i.TouchpointIDs = nil }, []string{"/touchpoint_ids"}},
		{"too many touchpoints", func(i *Idea) { i.TouchpointIDs = manyIDs(MaxIdeaTouchpoints + 1) }, []string{"/touchpoint_ids"}},
		{"bad touchpoint id", func(i *Idea) { i.TouchpointIDs = []string{id, "nope"} }, []string{"/touchpoint_ids/1"}},
		{"duplicate touchpoint id", func(i *Idea) { i.TouchpointIDs = []string{id, NewID(), strings.ToUpper(id)} }, []string{"/touchpoint_ids/2"}},
		{"impact zero", func(i *Idea) { i.Impact = 0 }, []string{"/impact"}},
		{"experience six", func(i *Idea) { i.Experience = 6 }, []string{"/experience"}},
		{"effort negative", func(i *Idea) { i.Effort = -1 }, []string{"/effort"}},
		{"confidence above 1", func(i *Idea) { i.Confidence = 1.01 }, []string{"/confidence"}},
		{"confidence negative", func(i *Idea) { i.Confidence = -0.1 }, []string{"/confidence"}},
		{"confidence NaN", func(i *Idea) { i.Confidence = math.NaN() }, []string{"/confidence"}},
		{"long owner", func(i *Idea) { i.Owner = strings.Repeat("o", MaxOwnerLength+1) }, []string{"/owner"}},
		{"too many tags", func(i *Idea) { i.Tags = manyTags(MaxIdeaTags + 1) }, []string{"/tags"}},
		{"blank tag", func(i *Idea) { i.Tags = []string{"a", "  "} }, []string{"/tags/1"}},
		{"long tag", func(i *Idea) { i.Tags = []string{strings.Repeat("t", MaxTagLength+1)} }, []string{"/tags/0"}},
		{"duplicate tag", func(i *Idea) { i.Tags = []string{"Phone", "x", " phone "} }, []string{"/tags/2"}},
		{"unknown source", func(i *Idea) { i.Source = "rumour" }, []string{"/source"}},
		{"empty status", func(i *Idea) { i.Status = "" }, []string{"/status"}},
		{"unknown status", func(i *Idea) { i.Status = "done" }, []string{"/status"}},
		{"several at once", func(i *Idea) { i.Title = ""; i.Impact = 9; i.Status = "x" }, []string{"/title", "/impact", "/status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := validIdea()
			tt.change(&i)
			got := pointers(t, i.Validate())
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("pointers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIdeaValidateNormalises(t *testing.T) {
	i := validIdea()
	upper := strings.ToUpper(NewID())
	i.TouchpointIDs = []string{upper}
	i.Tags = []string{"  phone ", "waiting"}
	if err := i.Validate(); err != nil {
		t.Fatal(err)
	}
	if i.TouchpointIDs[0] != strings.ToLower(upper) {
		t.Fatalf("touchpoint id not lower-cased: %q", i.TouchpointIDs[0])
	}
	if !slices.Equal(i.Tags, []string{"phone", "waiting"}) {
		t.Fatalf("tags not trimmed: %q", i.Tags)
	}
}

func TestIdeaValidateDetails(t *testing.T) {
	i := validIdea()
	i.Impact = 0
	var e *Error
	if err := i.Validate(); !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Detail != "must be between 1 and 5" {
		t.Fatalf("got %#v", err)
	}
}

func TestIdeaRescore(t *testing.T) {
	i := validIdea()
	i.Confidence = 0.8
	i.Rescore(DefaultScoring())
	if i.Score.Value != 4.5 || i.Score.Priority != 36 || i.Score.Quadrant != QuadrantQuickWin || i.Score.Explanation == "" {
		t.Fatalf("Score = %+v", i.Score)
	}
	i.Rescore(Scoring{WeightImpact: 1, WeightExperience: 1, ValueThreshold: 5, EffortThreshold: 1})
	if i.Score.Quadrant != QuadrantMoneyPit {
		t.Fatalf("Score = %+v, want money_pit with stricter thresholds", i.Score)
	}
}

func TestDiffIdeas(t *testing.T) {
	a, b := NewID(), NewID()
	base := func() *Idea {
		i := validIdea()
		i.TouchpointIDs = []string{a, b}
		i.Rescore(DefaultScoring())
		return &i
	}
	tests := []struct {
		name   string
		change func(*Idea)
		want   []Change
	}{
		{"no change", func(*Idea) {}, nil},
		{"timestamps and version are not history", func(i *Idea) { i.Version++; i.ID = NewID() }, nil},
		{"touchpoint reorder", func(i *Idea) { i.TouchpointIDs = []string{b, a} }, nil},
		{"touchpoint added", func(i *Idea) { i.TouchpointIDs = []string{b, a, "c"} },
			[]Change{{"touchpoint_ids", sortedJoin(a, b), sortedJoin(a, b, "c")}}},
		{"tag reorder is a change", func(i *Idea) { i.Tags = []string{"waiting", "phone"} },
			[]Change{{"tags", "phone, waiting", "waiting, phone"}}},
		{"status and priority", func(i *Idea) {
			i.Status = StatusUnderReview
			i.Confidence = 1
			i.Rescore(DefaultScoring())
		}, []Change{{"confidence", "0.5", "1"}, {"status", "new", "under_review"}, {"priority", "22.5", "45"}}},
		{"weights change shows as priority only", func(i *Idea) {
			i.Rescore(Scoring{WeightImpact: 2, WeightExperience: 1, ValueThreshold: 3, EffortThreshold: 2})
		}, []Change{{"priority", "22.5", "21.67"}}},
		{"every field, in order", func(i *Idea) {
			*i = Idea{Title: "t", Problem: "p", Proposal: "q", TouchpointIDs: []string{a}, Impact: 1, Experience: 2, Effort: 3,
				Confidence: 0.25, Owner: "o", Tags: []string{"x"}, Source: SourceData, Status: StatusParked}
		}, []Change{
			{"title", "Shorter phone queue", "t"},
			{"problem", "Callers wait 20 minutes", "p"},
			{"proposal", "Offer a call back", "q"},
			{"touchpoint_ids", sortedJoin(a, b), a},
			{"impact", "4", "1"},
			{"experience", "5", "2"},
			{"effort", "2", "3"},
			{"confidence", "0.5", "0.25"},
			{"owner", "Contact centre", "o"},
			{"tags", "phone, waiting", "x"},
			{"source", "customer_feedback", "data"},
			{"status", "new", "parked"},
			{"priority", "22.5", "0"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := base(), base()
			tt.change(after)
			got := DiffIdeas(before, after)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("DiffIdeas =\n %v\nwant\n %v", got, tt.want)
			}
		})
	}
}

func TestDiffIdeasDoesNotReorderInput(t *testing.T) {
	before := validIdea()
	after := validIdea()
	after.TouchpointIDs = []string{"b", "a"}
	before.TouchpointIDs = []string{"a", "b"}
	if got := DiffIdeas(&before, &after); len(got) != 0 {
		t.Fatalf("DiffIdeas = %v", got)
	}
	if !slices.Equal(after.TouchpointIDs, []string{"b", "a"}) {
		t.Fatalf("DiffIdeas sorted its input: %v", after.TouchpointIDs)
	}
}

func sortedJoin(ids ...string) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return strings.Join(s, ", ")
}

func TestWhyRanked(t *testing.T) {
	sc := DefaultScoring()
	for _, tt := range []struct {
		impact, experience, effort int
		confidence                 float64
		want, notWant              string
	}{
		{4, 5, 2, 0.8, "Quick win: high value for little effort", "Confidence is low"},
		{5, 5, 5, 0.8, "Big bet", "Confidence is low"},
		{1, 2, 1, 0.5, "Fill-in", "Confidence is low"},
		{1, 1, 5, 0.5, "Money pit", "Confidence is low"},
		{4, 5, 2, 0.2, "Confidence is low (0.2)", "Money pit"},
	} {
		i := Idea{Impact: tt.impact, Experience: tt.experience, Effort: tt.effort, Confidence: tt.confidence}
		i.Score = sc.Score(i.Impact, i.Experience, i.Effort, i.Confidence)
		got := i.WhyRanked()
		if !strings.Contains(got, tt.want) || strings.Contains(got, tt.notWant) {
			t.Errorf("%d/%d/%d conf %v: %q; want it to say %q and not %q", tt.impact, tt.experience, tt.effort, tt.confidence, got, tt.want, tt.notWant)
		}
	}
}
