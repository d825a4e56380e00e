package domain

import (
	"strings"
	"testing"
	"time"
)

func TestBlindSpots(t *testing.T) {
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	csat := CatalogueMetric{ID: "csat", Name: "CSAT", Kind: KindProportion, Direction: HigherIsBetter, Target: ptrTo(0.8)}
	measured := func(successes int, end time.Time) map[string]Measurement {
		return map[string]Measurement{"csat": {PeriodEnd: end, Sample: Sample{N: 1000, Successes: successes}}}
	}
	recent := now.AddDate(0, 0, -10)
	facts := []TouchpointFacts{
		{Touchpoint: Touchpoint{Name: "Healthy door"}, Latest: measured(900, recent)},
		{Touchpoint: Touchpoint{Name: "Failing queue"}, Latest: measured(600, recent)},
		{Touchpoint: Touchpoint{Name: "Failing but worked on"}, OpenIdeas: 1, Ideas: 1, IdeasByStatus: map[IdeaStatus]int{StatusPlanned: 1}, Latest: measured(600, recent)},
		{Touchpoint: Touchpoint{Name: "Failing, ideas rejected"}, Ideas: 2, IdeasByStatus: map[IdeaStatus]int{StatusRejected: 2}, Latest: measured(600, recent)},
		{Touchpoint: Touchpoint{Name: "At-risk menu"}, Latest: measured(790, recent)},
		{Touchpoint: Touchpoint{Name: "Stale invoice"}, Latest: measured(900, now.AddDate(0, 0, -200))},
		{Touchpoint: Touchpoint{Name: "Unjudged app"}, Ideas: 3, OpenIdeas: 3},
		{Touchpoint: Touchpoint{Name: "Dark corner"}},
	}
	spots := BlindSpots(facts, []CatalogueMetric{csat}, now, 90, OpenIdeaStatuses)
	got := map[string]string{}
	var order []string
	for _, s := range spots {
		got[s.Facts.Touchpoint.Name] = strings.Join(s.Reasons, "; ")
		order = append(order, s.Facts.Touchpoint.Name)
	}
	want := map[string]string{
		"Failing queue":           "failing on CSAT and no open idea targets it",
		"Failing, ideas rejected": "failing on CSAT and no open idea targets it",
		"At-risk menu":            "at_risk on CSAT and no open idea targets it",
		"Stale invoice":           "not measured in the last 90 days (latest period ended 2026-05-08)",
		"Unjudged app":            "3 idea(s) target it but it has no measurement to judge them by",
		"Dark corner":             "never measured",
	}
	if len(got) != len(want) {
		t.Fatalf("blind spots %v, want %v", got, want)
	}
	for name, reason := range want {
		if got[name] != reason {
			t.Errorf("%s: %q, want %q", name, got[name], reason)
		}
	}
	if order[0] != "Failing queue" || order[1] != "Failing, ideas rejected" {
		t.Errorf("failing touchpoints come first: %v", order)
	}

	// Counting only planned or piloting ideas, or any idea at all.
	reasons := func(addressing []IdeaStatus) map[string]string {
		out := map[string]string{}
		for _, s := range BlindSpots(facts, []CatalogueMetric{csat}, now, 90, addressing) {
			out[s.Facts.Touchpoint.Name] = strings.Join(s.Reasons, "; ")
		}
		return out
	}
	if got := reasons([]IdeaStatus{StatusPiloting}); got["Failing but worked on"] != "failing on CSAT and no piloting idea targets it" {
		t.Errorf("with piloting ideas only: %q", got["Failing but worked on"])
	}
	if got := reasons(nil); got["Failing, ideas rejected"] != "" || got["Failing queue"] != "failing on CSAT and no idea targets it" {
		t.Errorf("with every status: %v", got)
	}
}

func TestCoverageOf(t *testing.T) {
	m := map[string]Measurement{"x": {}}
	facts := []TouchpointFacts{
		{Touchpoint: Touchpoint{Owner: "Contact centre", Channel: ChannelPhone}, Latest: m, Ideas: 2, Pilots: 1},
		{Touchpoint: Touchpoint{Owner: "Contact centre", Channel: ChannelEmail}, Ideas: 1},
		{Touchpoint: Touchpoint{Owner: "Facilities", Channel: ChannelPhysicalEnvironment}, Latest: m},
		{Touchpoint: Touchpoint{Channel: ChannelPhone}},
	}
	c := CoverageOf(facts)
	if c.Overall != (CoverageRow{Group: "all", Touchpoints: 4, Measured: 2, WithIdeas: 2, WithPilots: 1}) {
		t.Errorf("overall %+v", c.Overall)
	}
	wantOwners := []CoverageRow{{"", 1, 0, 0, 0}, {"Contact centre", 2, 1, 2, 1}, {"Facilities", 1, 1, 0, 0}}
	for n, w := range wantOwners {
		if c.ByOwner[n] != w {
			t.Errorf("owner %d: %+v, want %+v", n, c.ByOwner[n], w)
		}
	}
	if len(c.ByChannel) != 3 || c.ByChannel[0].Group != "email" || c.ByChannel[1] != (CoverageRow{"phone", 2, 1, 1, 1}) {
		t.Errorf("channels %+v", c.ByChannel)
	}
}

func TestReportMetric(t *testing.T) {
	metrics := []CatalogueMetric{{ID: "a", Key: "nps"}, {ID: "b", Key: "csat"}}
	other := "a"
	unknown := "z"
	for _, tt := range []struct {
		name string
		id   *string
		want string // id of the metric, "" for an error naming metric_id
	}{{"default is csat", nil, "b"}, {"named", &other, "a"}, {"unknown", &unknown, ""}} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReportMetric(metrics, tt.id)
			if tt.want == "" {
				if ErrorCodeOf(err) != EMalformed || FieldsOf(err)[0].Parameter != "metric_id" {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || m.ID != tt.want {
				t.Fatalf("ReportMetric = %+v, %v; want %s", m, err, tt.want)
			}
		})
	}
	if _, err := ReportMetric(metrics[:1], nil); ErrorCodeOf(err) != EMalformed {
		t.Fatalf("a catalogue without csat: %v", err)
	}
}

func TestLastFullMonth(t *testing.T) {
	t.Parallel()
	for now, want := range map[string][2]string{
		"2026-11-15T10:00:00Z": {"2026-10-01", "2026-10-31"},
		"2026-11-01T00:00:00Z": {"2026-10-01", "2026-10-31"},
		"2026-03-31T23:59:59Z": {"2026-02-01", "2026-02-28"},
		"2024-03-10T12:00:00Z": {"2024-02-01", "2024-02-29"},
		"2027-01-01T00:30:00Z": {"2026-12-01", "2026-12-31"},
		// Read in UTC: 23:30 on 31 January in New York is February in UTC.
		"2026-01-31T23:30:00-05:00": {"2026-01-01", "2026-01-31"},
	} {
		at, err := time.Parse(time.RFC3339, now)
		if err != nil {
			t.Fatal(err)
		}
		w := LastFullMonth(at)
		if got := [2]string{w.From.Format(time.DateOnly), w.To.Format(time.DateOnly)}; got != want || w.From.Location() != time.UTC {
			t.Errorf("LastFullMonth(%s) = %v, want %v", now, got, want)
		}
	}
}
