package domain

import (
	"strings"
	"testing"
	"time"
)

func TestPilotInterimNotice(t *testing.T) {
	end := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	frozen := &PilotResult{PilotID: "p"}
	// What every interim warning must say, in plain words.
	peeking := []string{"checking the results repeatedly", "stopping the pilot when a result looks good", "false-positive rate"}
	tests := []struct {
		name       string
		pilot      Pilot
		interim    bool
		label      string
		mustSay    []string
		mustNotSay []string
	}{
		{
			name: "running with an end date", pilot: Pilot{Status: PilotRunning, EndDate: &end}, interim: true,
			label: "interim — pilot still running",
			mustSay: append([]string{"still running", "will change as data arrive", "final only when the pilot is completed",
				"2026-10-30", "sample size planned"}, peeking...),
		},
		{
			name: "running without an end date", pilot: Pilot{Status: PilotRunning}, interim: true,
			label:      "interim — pilot still running",
			mustSay:    append([]string{"still running", "final only when the pilot is completed", "sample size planned"}, peeking...),
			mustNotSay: []string{"until"},
		},
		{
			name: "planned", pilot: Pilot{Status: PilotPlanned, EndDate: &end}, interim: true,
			label:   "interim — pilot not started yet",
			mustSay: append([]string{"not started", "will change as data arrive", "final only when the pilot is completed"}, peeking...),
		},
		{
			name: "cancelled", pilot: Pilot{Status: PilotCancelled, EndDate: &end}, interim: true,
			label:      "interim — pilot cancelled",
			mustSay:    append([]string{"cancelled before it was completed", "never became final", "only a completed pilot"}, peeking...),
			mustNotSay: []string{"still running"},
		},
		{name: "completed and frozen", pilot: Pilot{Status: PilotCompleted, Results: frozen, EndDate: &end}, interim: false},
		{
			// Results are frozen on completion; without a snapshot they are
			// computed live, so not final.
			name: "completed without a snapshot", pilot: Pilot{Status: PilotCompleted}, interim: true,
			label: "interim — results not frozen", mustSay: append([]string{"not the results frozen"}, peeking...),
			mustNotSay: []string{"still running"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.pilot.InterimNotice()
			if n.Interim != tt.interim || n.Label != tt.label {
				t.Errorf("interim %v, label %q; want %v, %q", n.Interim, n.Label, tt.interim, tt.label)
			}
			if !tt.interim && n.Warning != "" {
				t.Errorf("final results warn: %q", n.Warning)
			}
			if tt.interim && n.Warning == "" {
				t.Error("interim results without a warning")
			}
			warning := strings.ToLower(n.Warning)
			for _, s := range tt.mustSay {
				if !strings.Contains(warning, strings.ToLower(s)) {
					t.Errorf("warning does not say %q: %q", s, n.Warning)
				}
			}
			for _, s := range tt.mustNotSay {
				if strings.Contains(warning, strings.ToLower(s)) {
					t.Errorf("warning says %q: %q", s, n.Warning)
				}
			}
		})
	}
}
