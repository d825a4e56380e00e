package domain

import (
	"strings"
	"testing"
	"time"
)

func TestPilotMoves(t *testing.T) {
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		from, to PilotStatus
		ok       bool
	}{
		{PilotPlanned, PilotRunning, true},
		{PilotPlanned, PilotCancelled, true},
		{PilotPlanned, PilotCompleted, false},
		{PilotRunning, PilotCompleted, true},
		{PilotRunning, PilotCancelled, true},
		{PilotRunning, PilotPlanned, false},
		{PilotRunning, PilotRunning, false},
		{PilotCompleted, PilotCancelled, false},
		{PilotCompleted, PilotRunning, false},
		{PilotCancelled, PilotRunning, false},
		{PilotCancelled, PilotPlanned, false},
	}
	for _, tt := range tests {
		p := Pilot{Status: tt.from}
		err := p.MoveTo(tt.to, at)
		if tt.ok != (err == nil) {
			t.Errorf("%s → %s: err %v, want ok=%v", tt.from, tt.to, err, tt.ok)
			continue
		}
		if !tt.ok {
			if ErrorCodeOf(err) != EConflict || p.Status != tt.from || p.StartedAt != nil || p.EndedAt != nil {
				t.Errorf("%s → %s: refused move changed the pilot or is not a conflict: %v, %+v", tt.from, tt.to, err, p)
			}
			continue
		}
		stamp := p.EndedAt
		if tt.to == PilotRunning {
			stamp = p.StartedAt
		}
		if p.Status != tt.to || stamp == nil || !stamp.Equal(at) {
			t.Errorf("%s → %s: pilot %+v", tt.from, tt.to, p)
		}
	}
}

func TestPilotStartMovesIdea(t *testing.T) {
	at := time.Now()
	tests := []struct {
		idea IdeaStatus
		ok   bool
	}{
		{StatusPlanned, true},
		{StatusPiloting, true}, // another pilot of the idea is running
		{StatusNew, false},
		{StatusUnderReview, false},
		{StatusAdopted, false},
		{StatusRejected, false},
	}
	for _, tt := range tests {
		p, i := Pilot{Status: PilotPlanned}, Idea{Status: tt.idea}
		err := p.Start(&i, at)
		if tt.ok != (err == nil) {
			t.Errorf("idea %s: err %v, want ok=%v", tt.idea, err, tt.ok)
		}
		if tt.ok && i.Status != StatusPiloting {
			t.Errorf("idea %s: moved to %s, want piloting", tt.idea, i.Status)
		}
		if !tt.ok && (ErrorCodeOf(err) != EConflict || !strings.Contains(err.Error(), string(tt.idea))) {
			t.Errorf("idea %s: error %v should be a conflict naming the idea's status", tt.idea, err)
		}
	}
}

func TestPilotComplete(t *testing.T) {
	at := time.Now()
	result := func(primary Verdict) PilotResult {
		return PilotResult{Metrics: []MetricResult{{Name: "CSAT", Verdict: VerdictWorsened}, {Name: "AHT", Primary: true, Verdict: primary}}}
	}
	tests := []struct {
		decision   Decision
		verdict    Verdict
		confidence float64 // before
		status     IdeaStatus
		want       float64 // after
	}{
		{DecisionAdopt, VerdictImproved, 0.5, StatusAdopted, 0.8},
		{DecisionAdopt, VerdictImproved, 0.9, StatusAdopted, 0.9}, // max: never lowered by good news
		{DecisionIterate, VerdictInconclusive, 0.5, StatusPlanned, 0.5},
		{DecisionAbandon, VerdictWorsened, 0.5, StatusRejected, 0.3},
		{DecisionAbandon, VerdictWorsened, 0.1, StatusRejected, 0.1}, // min: never raised by bad news
		{DecisionIterate, VerdictImproved, 0.2, StatusPlanned, 0.8},
	}
	for _, tt := range tests {
		p, i := Pilot{Status: PilotRunning}, Idea{Status: StatusPiloting, Confidence: tt.confidence}
		if err := p.Complete(&i, tt.decision, result(tt.verdict), at); err != nil {
			t.Fatalf("%s/%s: %v", tt.decision, tt.verdict, err)
		}
		if p.Status != PilotCompleted || p.Decision != tt.decision || p.Results == nil || p.EndedAt == nil {
			t.Errorf("%s/%s: pilot %+v", tt.decision, tt.verdict, p)
		}
		if i.Status != tt.status || i.Confidence != tt.want {
			t.Errorf("%s/%s: idea %s %g, want %s %g", tt.decision, tt.verdict, i.Status, i.Confidence, tt.status, tt.want)
		}
	}
}

func TestPilotCompleteRefusals(t *testing.T) {
	at := time.Now()
	withPrimary := PilotResult{Metrics: []MetricResult{{Primary: true, Verdict: VerdictImproved}}}
	tests := []struct {
		name   string
		pilot  PilotStatus
		idea   IdeaStatus
		result PilotResult
		want   string
	}{
		{"not running", PilotPlanned, StatusPiloting, withPrimary, "allowed"},
		{"no primary metric", PilotRunning, StatusPiloting, PilotResult{Metrics: []MetricResult{{Verdict: VerdictImproved}}}, "primary"},
		{"idea cannot move", PilotRunning, StatusNew, withPrimary, "new"},
	}
	for _, tt := range tests {
		p, i := Pilot{Status: tt.pilot}, Idea{Status: tt.idea, Confidence: 0.5}
		err := p.Complete(&i, DecisionAdopt, tt.result, at)
		if ErrorCodeOf(err) != EConflict || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want a conflict mentioning %q", tt.name, err, tt.want)
		}
		if p.Status != tt.pilot || p.Results != nil || p.Decision != "" {
			t.Errorf("%s: refused completion changed the pilot: %+v", tt.name, p)
		}
	}
}

func TestSampleValidate(t *testing.T) {
	tests := []struct {
		kind    MetricKind
		s       Sample
		pointer string // "" when valid
	}{
		{KindMean, Sample{N: 2, Mean: -5, SD: 0}, ""},
		{KindMean, Sample{N: 1, Mean: 5, SD: 1}, "/n"},
		{KindMean, Sample{N: 10, Mean: 5, SD: -0.1}, "/sd"},
		{KindProportion, Sample{N: 10, Successes: 10}, ""},
		{KindProportion, Sample{N: 10, Successes: 11}, "/successes"},
		{KindProportion, Sample{N: 0}, "/n"},
		{KindNPS, Sample{Promoters: 1}, ""},
		{KindNPS, Sample{}, "/promoters"},
		{KindNPS, Sample{Promoters: 3, Detractors: -1}, "/detractors"},
		{KindCount, Sample{Events: 0, Exposure: 0.5}, ""},
		{KindCount, Sample{Events: 3, Exposure: 0}, "/exposure"},
		{KindCount, Sample{Events: -1, Exposure: 1}, "/events"},
	}
	for _, tt := range tests {
		err := tt.s.Validate(tt.kind)
		if tt.pointer == "" {
			if err != nil {
				t.Errorf("%s %+v: %v", tt.kind, tt.s, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Code != EInvalid || len(e.Fields) == 0 || e.Fields[0].Pointer != tt.pointer {
			t.Errorf("%s %+v: error %v, want one naming %s", tt.kind, tt.s, err, tt.pointer)
		}
	}
}
