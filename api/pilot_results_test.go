package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"cxbacklog/api"
)

// headsetMetrics adds the headset pilot's handle time (seconds, lower is
// better, primary) and CSAT (a share, higher is better) with their four
// samples: handle time fell by 28 s against the control, CSAT rose.
func (e *env) headsetMetrics(p api.Pilot) (aht, csat api.Metric) {
	e.t.Helper()
	for _, m := range []struct {
		in  api.MetricCreate
		out *api.Metric
	}{
		{api.MetricCreate{Name: "Handle time", Unit: "seconds", Kind: "mean", Direction: "lower_is_better", Primary: true}, &aht},
		{api.MetricCreate{Name: "CSAT", Kind: "proportion", Direction: "higher_is_better"}, &csat},
	} {
		e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, m.in).want(e.t, http.StatusCreated).json(e.t, m.out)
	}
	e.samples(p, aht, `{"n":400,"mean":320,"sd":75}`, `{"n":410,"mean":290,"sd":70}`, `{"n":420,"mean":318,"sd":76}`, `{"n":415,"mean":316,"sd":74}`)
	e.samples(p, csat, `{"n":400,"successes":300}`, `{"n":410,"successes":360}`, `{"n":420,"successes":315}`, `{"n":415,"successes":312}`)
	return aht, csat
}

// headsetPilot is a planned pilot of a planned idea, ending on 2026-11-30,
// with the headset metrics.
func (e *env) headsetPilot() api.Pilot {
	e.t.Helper()
	tp := e.touchpoint(e.journey("Support call", "Call"), "Phone conversation", "phone", "Contact centre")
	idea := e.moveIdea(e.idea("Headsets", 4, 5, 2, 0.5, tp), "under_review", "planned")
	end := "2026-11-30"
	in := api.PilotCreate{IdeaID: idea.ID, Title: "Headsets for team B", Hypothesis: "Clearer audio shortens calls", EndDate: &end}
	var p api.Pilot
	e.do(http.MethodPost, "/api/v1/pilots", e.editor, in).want(e.t, http.StatusCreated).json(e.t, &p)
	e.headsetMetrics(p)
	return p
}

// A pilot's results are interim, with a warning about peeking, until the
// pilot is completed; the chart says so under its title.
func TestPilotResultsInterim(t *testing.T) {
	t.Parallel()
	peeking := []string{"false-positive rate", "repeatedly", "stopping the pilot when a result looks good",
		"final only when the pilot is completed", "2026-11-30"}
	cases := []struct {
		name     string
		actions  []string // POSTed to /pilots/{id}/…, in order
		interim  bool
		frozen   bool
		label    string
		mustSay  []string
		notLabel []string // labels the chart must not show
	}{
		{"planned", nil, true, false, "interim — pilot not started yet", append([]string{"not started"}, peeking...), nil},
		{"running", []string{"start"}, true, false, "interim — pilot still running",
			append([]string{"still running", "will change as data arrive"}, peeking...), nil},
		{"cancelled", []string{"start", "cancel"}, true, false, "interim — pilot cancelled",
			[]string{"cancelled before it was completed", "false-positive rate"}, []string{"still running"}},
		{"completed", []string{"start", "complete"}, false, true, "", nil, []string{"interim", "Interim"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.headsetPilot()
			for _, a := range tc.actions {
				var body any
				if a == "complete" {
					body = `{"decision":"adopt"}`
				}
				e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/"+a, e.editor, body).want(t, http.StatusOK)
			}
			res := e.do(http.MethodGet, "/api/v1/pilots/"+p.ID+"/results", e.viewer, nil).want(t, http.StatusOK)
			var r api.PilotResults
			res.json(t, &r)
			if r.Verdict == nil || *r.Verdict != "improved" {
				t.Fatalf("verdict %v, want improved", r.Verdict)
			}
			if r.Interim != tc.interim || r.Frozen != tc.frozen {
				t.Errorf("interim %v, frozen %v; want %v, %v", r.Interim, r.Frozen, tc.interim, tc.frozen)
			}
			// warning is null, not missing or "", when the results are final.
			var raw map[string]json.RawMessage
			res.json(t, &raw)
			switch {
			case tc.interim && r.Warning == nil:
				t.Fatal("interim results without a warning")
			case !tc.interim && string(raw["warning"]) != "null":
				t.Fatalf("final results: warning = %s, want null", raw["warning"])
			}
			if r.Warning != nil {
				for _, s := range tc.mustSay {
					if !strings.Contains(strings.ToLower(*r.Warning), strings.ToLower(s)) {
						t.Errorf("warning does not say %q: %q", s, *r.Warning)
					}
				}
			}

			chart := string(e.do(http.MethodGet, r.SVG, e.viewer, nil).want(t, http.StatusOK).Body)
			if tc.label != "" && !strings.Contains(chart, ">"+tc.label+"<") {
				t.Errorf("the chart does not show %q", tc.label)
			}
			if tc.interim && !strings.Contains(chart, "false-positive rate") {
				t.Error("the chart does not carry the warning")
			}
			for _, s := range tc.notLabel {
				if strings.Contains(chart, s) {
					t.Errorf("the chart shows %q", s)
				}
			}
		})
	}
}

// The JSON and the chart give a change the same sign, after − before,
// whatever the metric's direction: the handle time that fell by 28 s is −28
// (−8.75 %) in both, and improved.
func TestPilotResultsSignsAgree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.headsetPilot()
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/start", e.editor, nil).want(t, http.StatusOK)
	r := e.results(p)
	chart := string(e.do(http.MethodGet, r.SVG, e.viewer, nil).want(t, http.StatusOK).Body)

	cases := []struct {
		metric      string
		direction   string
		estimate    float64 // after − before
		relative    float64
		improvement float64 // positive = better
		chartText   string  // the absolute change in the metric's unit and the relative change, as the chart writes them
		detail      string  // the interval's sign and the direction under it
	}{
		// (290 − 320) − (316 − 318) = −28 s; −28/320 = −8.75 %.
		{"Handle time", "lower_is_better", -28, -28.0 / 320, 28, "−28 s  (−8.75 %)", "·  lower is better"},
		// (360/410 − 0.75) − (312/415 − 0.75) = +12.6 percentage points; /0.75 = +16.8 %.
		{"CSAT", "higher_is_better", 360.0/410 - 312.0/415, (360.0/410 - 312.0/415) / 0.75, 360.0/410 - 312.0/415,
			"+12.6 pp  (+16.8 %)", "·  higher is better"},
	}
	for n, tc := range cases {
		t.Run(tc.metric, func(t *testing.T) {
			m := r.Metrics[n]
			if m.Name != tc.metric || m.Direction != tc.direction || m.Verdict != "improved" ||
				!near(m.Estimate, tc.estimate, 1e-9) || !near(m.RelativeChange, tc.relative, 1e-9) || !near(m.Improvement, tc.improvement, 1e-9) {
				t.Fatalf("JSON %+v", m)
			}
			// Same sign in the JSON's estimate and relative change and in the chart.
			if (*m.Estimate < 0) != (*m.RelativeChange < 0) || (*m.Estimate < 0) != strings.HasPrefix(tc.chartText, "−") {
				t.Fatalf("signs disagree: estimate %g, relative %g, chart %q", *m.Estimate, *m.RelativeChange, tc.chartText)
			}
			if !strings.Contains(chart, ">"+tc.chartText+"<") {
				t.Errorf("the chart does not write %q", tc.chartText)
			}
			// The interval drawn has the estimate's sign: wholly below 0 for
			// the handle time that fell, wholly above for CSAT.
			sign := "+"
			if *m.CIHigh < 0 {
				sign = "−"
			}
			line := regexp.MustCompile(`>([^<>]*)` + regexp.QuoteMeta(tc.detail) + `<`).FindStringSubmatch(chart)
			if line == nil || !strings.HasPrefix(line[1], "["+sign) || strings.Count(line[1], sign) != 2 {
				t.Errorf("the chart's interval above %q is %q, want both bounds %s", tc.detail, line, sign)
			}
		})
	}
	// The handle time's improvement (+28, +8.75 %) is not what the chart writes.
	for _, s := range []string{"+28 s", "+8.75 %", "+28<"} {
		if strings.Contains(chart, s) {
			t.Errorf("the chart writes the direction-adjusted %q", s)
		}
	}
	if !strings.Contains(chart, "change, after − before") {
		t.Error("the chart does not say its convention")
	}
}
