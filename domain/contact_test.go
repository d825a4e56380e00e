package domain

import (
	"math"
	"strings"
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Wilson intervals as R's prop.test(x, n, correct = FALSE)$conf.int
// (domain/testdata/reference-values.md).
func TestWilsonInterval(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		x, n      int
		low, high float64
	}{
		{70, 100, 0.6041515, 0.7810511},
		{340, 500, 0.6378730, 0.7193822},
		{0, 20, 0, 0.1611252},
		{20, 20, 0.8388748, 1},
	} {
		got := WilsonInterval(c.x, c.n, 0.95)
		near(t, "low", got.Low, c.low, 1e-6)
		near(t, "high", got.High, c.high, 1e-6)
	}
	if got := WilsonInterval(0, 0, 0.95); got != (Interval{0, 1}) {
		t.Errorf("no trials: %v", got)
	}
}

func TestContactReasonsReport(t *testing.T) {
	t.Parallel()
	// 31 days that are not a calendar month: the previous window is the 31 days before.
	w := Window{From: date("2026-10-05"), To: date("2026-11-04")}
	cost := 4.5
	counts := []ReasonCounts{
		{Reason: ContactReason{ID: "c", Name: "Change of address"}, Contacts: 200, Resolved: 190, PreviousContacts: 180},
		{Reason: ContactReason{ID: "a", Name: "Invoice unclear", Avoidable: true}, Contacts: 500, Resolved: 340, PreviousContacts: 400, OpenIdeas: 1},
		{Reason: ContactReason{ID: "b", Name: "Where is my refund?", Avoidable: true}, Contacts: 300, Resolved: 150, PreviousContacts: 300},
		{Reason: ContactReason{ID: "d", Name: "Password reset", Avoidable: true}, Contacts: 0, PreviousContacts: 0},
	}
	r := NewContactReasonsReport(w, counts, &cost, "EUR", 10)
	if r.PreviousWindow != (Window{From: date("2026-09-04"), To: date("2026-10-04")}) {
		t.Errorf("previous window %v", r.PreviousWindow)
	}
	if r.Contacts != 1000 || r.AvoidableContacts != 800 || r.Resolved != 680 {
		t.Fatalf("totals %d contacts, %d avoidable, %d resolved", r.Contacts, r.AvoidableContacts, r.Resolved)
	}
	near(t, "failure demand share", *r.FailureDemandShare, 0.8, 1e-12)
	near(t, "overall FCR", *r.FCR, 0.68, 1e-12)
	near(t, "overall FCR low", r.FCRCI.Low, 0.6504464, 1e-6) // prop.test(680, 1000, correct = FALSE)
	near(t, "overall FCR high", r.FCRCI.High, 0.7081760, 1e-6)
	near(t, "cost", *r.Cost, 4500, 1e-9)
	near(t, "avoidable cost", *r.AvoidableCost, 3600, 1e-9)

	wantOrder := []struct {
		name              string
		share, cumulative float64
	}{{"Invoice unclear", 0.5, 0.5}, {"Where is my refund?", 0.3, 0.8}, {"Change of address", 0.2, 1}, {"Password reset", 0, 1}}
	for n, want := range wantOrder {
		got := r.Reasons[n]
		if got.Reason.Name != want.name {
			t.Fatalf("reason %d is %q, want %q", n, got.Reason.Name, want.name)
		}
		near(t, want.name+" share", got.Share, want.share, 1e-12)
		near(t, want.name+" cumulative share", got.CumulativeShare, want.cumulative, 1e-12)
	}
	invoice := r.Reasons[0]
	near(t, "invoice FCR", *invoice.FCR, 0.68, 1e-12)
	near(t, "invoice FCR low", invoice.FCRCI.Low, 0.6378730, 1e-6)
	near(t, "invoice cost", *invoice.Cost, 2250, 1e-9)
	// 500 against 400 over equal windows: binom.test(500, 900, 0.5)$p.value = 0.000956
	if c := invoice.Change; c == nil || c.Direction != VolumeUp || math.Abs(c.PValue-0.00095644) > 1e-7 || c.RateRatio != 1.25 {
		t.Errorf("invoice change %+v", c)
	}
	if c := r.Reasons[1].Change; c == nil || c.Direction != VolumeNoChange || c.PValue != 1 {
		t.Errorf("refund change %+v", c)
	}
	// 200 against 180: binom.test(200, 380, 0.5)$p.value = 0.3297: no change
	if c := r.Reasons[2].Change; c == nil || c.Direction != VolumeNoChange || math.Abs(c.PValue-0.32972) > 1e-5 {
		t.Errorf("address change %+v", c)
	}
	if r.Reasons[3].Change != nil || r.Reasons[3].FCR != nil {
		t.Errorf("a reason without contacts in either window: %+v", r.Reasons[3])
	}
	if len(r.Unaddressed) != 1 || r.Unaddressed[0].Reason.Name != "Where is my refund?" {
		t.Errorf("unaddressed %+v", r.Unaddressed)
	}

	top := NewContactReasonsReport(w, counts, &cost, "EUR", 1)
	if len(top.Reasons) != 1 || top.OtherReasons != 3 || top.OtherContacts != 500 || top.Contacts != 1000 ||
		len(top.Unaddressed) != 1 || top.Unaddressed[0].Change == nil || top.Unaddressed[0].CumulativeShare != 0.8 {
		t.Errorf("limit 1: %d listed, %d more with %d contacts; unaddressed %+v", len(top.Reasons), top.OtherReasons, top.OtherContacts, top.Unaddressed)
	}

	empty := NewContactReasonsReport(w, nil, nil, "EUR", 10)
	if empty.FailureDemandShare != nil || empty.FCR != nil || empty.Cost != nil || len(empty.Reasons) != 0 {
		t.Errorf("empty report %+v", empty)
	}
}

// Whole calendar months are compared with as many months before, their
// lengths in days being the exposures; other windows with as many days.
func TestPreviousWindowAndExposures(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		w, previous Window
	}{
		{Window{date("2026-11-01"), date("2026-11-30")}, Window{date("2026-10-01"), date("2026-10-31")}},
		{Window{date("2026-03-01"), date("2026-03-31")}, Window{date("2026-02-01"), date("2026-02-28")}},
		{Window{date("2026-10-01"), date("2026-12-31")}, Window{date("2026-07-01"), date("2026-09-30")}},
		{Window{date("2026-11-02"), date("2026-11-30")}, Window{date("2026-10-04"), date("2026-11-01")}},
		{Window{date("2026-11-01"), date("2026-11-29")}, Window{date("2026-10-03"), date("2026-10-31")}},
	} {
		if got := c.w.Previous(); got != c.previous {
			t.Errorf("%v: previous %v, want %v", c.w, got, c.previous)
		}
	}
	// November (30 days) with 300 contacts against October (31 days) with 310:
	// the same 10 a day, so rate ratio 1 and p = 1 (binom.test(300, 610, 30/61)).
	w := Window{date("2026-11-01"), date("2026-11-30")}
	r := NewContactReasonsReport(w, []ReasonCounts{{Reason: ContactReason{ID: "a", Name: "A"}, Contacts: 300, PreviousContacts: 310}}, nil, "EUR", 10)
	if c := r.Reasons[0].Change; c == nil || math.Abs(c.RateRatio-1) > 1e-12 || math.Abs(c.PValue-1) > 1e-9 || c.Direction != VolumeNoChange {
		t.Errorf("equal daily rates over months of 30 and 31 days: %+v", c)
	}
}

func TestContactsPerMonth(t *testing.T) {
	t.Parallel()
	month := func(start string, contacts int) ContactVolume {
		s := date(start)
		return ContactVolume{PeriodStart: s, PeriodEnd: s.AddDate(0, 1, -1), Contacts: contacts}
	}
	var year []ContactVolume
	for m := 1; m <= 12; m++ {
		year = append(year, month(time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), 100*m))
	}
	// Twelve months of 100..1,200 contacts: 7,800 ÷ 12.
	near(t, "a year", ContactsPerMonth(year), 650, 1e-9)
	// Two more years before it do not count: only the year up to the latest period.
	older := append([]ContactVolume{month("2024-06-01", 99999), month("2025-12-01", 5000)}, year...)
	near(t, "older records", ContactsPerMonth(older), 650, 1e-9)
	// Three months recorded (90 days, 2.96 months of 30.4375 days, rounded to 3): 600 ÷ 3.
	near(t, "a quarter", ContactsPerMonth(year[:3]), 200, 1e-9)
	// One week counts as one month, not a fraction.
	week := ContactVolume{PeriodStart: date("2026-03-02"), PeriodEnd: date("2026-03-08"), Contacts: 70}
	near(t, "a week", ContactsPerMonth([]ContactVolume{week}), 70, 1e-9)
	if ContactsPerMonth(nil) != 0 {
		t.Error("no records, no contacts")
	}
}

func TestContactValidation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v       ContactVolume
		pointer string
	}{
		{ContactVolume{ReasonID: "x", PeriodStart: date("2026-10-01"), PeriodEnd: date("2026-10-31")}, "/reason_id"},
		{ContactVolume{ReasonID: NewID(), PeriodStart: date("2026-10-31"), PeriodEnd: date("2026-10-01")}, "/period_end"},
		{ContactVolume{ReasonID: NewID(), PeriodStart: date("1999-10-01"), PeriodEnd: date("2026-10-31")}, "/period_start"},
		{ContactVolume{ReasonID: NewID(), PeriodStart: date("2026-10-01"), PeriodEnd: date("2026-10-31"), Channel: "fax"}, "/channel"},
		{ContactVolume{ReasonID: NewID(), PeriodStart: date("2026-10-01"), PeriodEnd: date("2026-10-31"), Contacts: -1}, "/contacts"},
		{ContactVolume{ReasonID: NewID(), PeriodStart: date("2026-10-01"), PeriodEnd: date("2026-10-31"), Contacts: 5, ResolvedFirstContact: 6}, "/resolved_first_contact"},
	} {
		if fields := FieldsOf(c.v.Validate()); len(fields) != 1 || fields[0].Pointer != c.pointer {
			t.Errorf("want one error at %s, got %v", c.pointer, fields)
		}
	}
	r := ContactReason{Name: "  ", TouchpointID: "nope", Description: strings.Repeat("x", MaxDescriptionLength+1)}
	if fields := FieldsOf(r.Validate()); len(fields) != 3 {
		t.Errorf("reason errors %v", fields)
	}

	f := func(x float64) *float64 { return &x }
	valid := func() Feedback {
		return Feedback{TouchpointID: NewID(), Source: FeedbackSurvey, Text: "The soup was cold", ReceivedAt: date("2026-10-03")}
	}
	for _, c := range []struct {
		change  func(*Feedback)
		pointer string
	}{
		{func(x *Feedback) { x.Source = "letter" }, "/source"},
		{func(x *Feedback) { x.Text = "" }, "/text"},
		{func(x *Feedback) { x.Text = strings.Repeat("x", MaxFeedbackText+1) }, "/text"},
		{func(x *Feedback) { x.Score = f(3) }, "/score_max"},
		{func(x *Feedback) { x.ScoreMin, x.ScoreMax = f(1), f(5) }, "/score"},
		{func(x *Feedback) { x.Score, x.ScoreMin, x.ScoreMax = f(6), f(1), f(5) }, "/score"},
		{func(x *Feedback) { x.Score, x.ScoreMin, x.ScoreMax = f(3), f(5), f(1) }, "/score_max"},
		{func(x *Feedback) { x.Language = "klingon" }, "/language"},
		{func(x *Feedback) { x.ReceivedAt = time.Time{} }, "/received_at"},
	} {
		x := valid()
		c.change(&x)
		if fields := FieldsOf(x.Validate()); len(fields) != 1 || fields[0].Pointer != c.pointer {
			t.Errorf("want one error at %s, got %v", c.pointer, fields)
		}
	}
	x := valid()
	if err := x.Validate(); err != nil || x.Language != DefaultTextLanguage {
		t.Errorf("valid feedback: %v, language %q", err, x.Language)
	}
}
