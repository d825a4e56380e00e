package api_test

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
)

// pilot plans a pilot of idea i.
func (e *env) pilot(i api.Idea, title string) api.Pilot {
	e.t.Helper()
	in := api.PilotCreate{IdeaID: i.ID, Title: title, Hypothesis: "Clearer audio shortens calls", Scope: "Team B"}
	var p api.Pilot
	e.do(http.MethodPost, "/api/v1/pilots", e.editor, in).want(e.t, http.StatusCreated).json(e.t, &p)
	return p
}

// metric adds a metric to pilot p.
func (e *env) metric(p api.Pilot, name, kind, direction string, primary bool) api.Metric {
	e.t.Helper()
	in := api.MetricCreate{Name: name, Kind: kind, Direction: direction, Primary: primary}
	var m api.Metric
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, in).want(e.t, http.StatusCreated).json(e.t, &m)
	return m
}

func samplePath(p api.Pilot, m api.Metric, group, period string) string {
	return "/api/v1/pilots/" + p.ID + "/metrics/" + m.ID + "/samples/" + group + "/" + period
}

// samples enters the four samples of a metric: pilot before, pilot after,
// control before, control after.
func (e *env) samples(p api.Pilot, m api.Metric, bodies ...string) {
	e.t.Helper()
	cells := [][2]string{{"pilot", "before"}, {"pilot", "after"}, {"control", "before"}, {"control", "after"}}
	for n, body := range bodies {
		e.do(http.MethodPut, samplePath(p, m, cells[n][0], cells[n][1]), e.editor, body).want(e.t, http.StatusCreated)
	}
}

func (e *env) moveIdea(i api.Idea, statuses ...string) api.Idea {
	e.t.Helper()
	for _, s := range statuses {
		e.do(http.MethodPatch, "/api/v1/ideas/"+i.ID, e.editor, `{"status":"`+s+`"}`, "If-Match", fmt.Sprintf(`"%d"`, i.Version)).
			want(e.t, http.StatusOK).json(e.t, &i)
	}
	return i
}

func (e *env) results(p api.Pilot) api.PilotResults {
	e.t.Helper()
	var r api.PilotResults
	e.do(http.MethodGet, "/api/v1/pilots/"+p.ID+"/results", e.viewer, nil).want(e.t, http.StatusOK).json(e.t, &r)
	return r
}

func near(got *float64, want, tol float64) bool {
	return got != nil && math.Abs(*got-want) <= tol
}

// TestHeadsetPilotEndToEnd logs the guide's headset example: an idea, a
// pilot with handle time, CSAT and complaints, samples for pilot and control
// before and after, results with verdicts, and completion updating the idea.
func TestHeadsetPilotEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support call", "Call")
	queue := e.touchpoint(j, "Phone conversation", "phone", "Contact centre")
	idea := e.idea("Headsets and sound barriers", 4, 5, 2, 0.5, queue)
	p := e.pilot(idea, "Headsets for team B")
	if p.Status != "planned" || p.ConfidenceLevel != 0.95 || len(p.TouchpointIDs) != 1 || p.TouchpointIDs[0] != queue.ID {
		t.Fatalf("pilot = %+v", p)
	}
	// A new idea cannot be piloted before it is planned.
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/start", e.editor, nil).problem(t, http.StatusConflict)
	idea = e.moveIdea(idea, "under_review", "planned")

	aht := e.metric(p, "Average handle time", "mean", "lower_is_better", true)
	csat := e.metric(p, "CSAT satisfied", "proportion", "higher_is_better", false)
	complaints := e.metric(p, "Complaints", "count", "lower_is_better", false)
	e.samples(p, aht, `{"n":400,"mean":320,"sd":75}`, `{"n":410,"mean":290,"sd":70}`, `{"n":420,"mean":318,"sd":76}`, `{"n":415,"mean":316,"sd":74}`)
	e.samples(p, csat, `{"n":400,"successes":300}`, `{"n":410,"successes":360}`, `{"n":420,"successes":315}`, `{"n":415,"successes":312}`)
	e.samples(p, complaints, `{"events":18,"exposure":96}`, `{"events":7,"exposure":96}`, `{"events":20,"exposure":100}`, `{"events":19,"exposure":100}`)

	var started api.Pilot
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/start", e.editor, nil).want(t, http.StatusOK).json(t, &started)
	if started.Status != "running" || started.StartedAt == nil {
		t.Fatalf("started = %+v", started)
	}
	var piloting api.Idea
	e.do(http.MethodGet, "/api/v1/ideas/"+idea.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &piloting)
	if piloting.Status != "piloting" {
		t.Fatalf("idea status after start = %s", piloting.Status)
	}

	r := e.results(p)
	if len(r.Metrics) != 3 || r.Frozen || r.Verdict == nil || *r.Verdict != "improved" {
		t.Fatalf("results = %+v", r)
	}
	// Handle time: DiD = (290 − 320) − (316 − 318) = −28 s; SE = √Σs²/n = 7.2774.
	h := r.Metrics[0]
	se := math.Sqrt(75*75/400.0 + 70*70/410.0 + 76*76/420.0 + 74*74/415.0)
	if h.Design != "difference_in_differences" || h.Verdict != "improved" || !near(h.Estimate, -28, 1e-9) ||
		!near(h.Improvement, 28, 1e-9) || !near(h.RelativeChange, -28.0/320, 1e-9) ||
		!near(h.CIHigh, -28+1.96*se, 0.05) || !near(h.CILow, -28-1.96*se, 0.05) || *h.PValue > 0.001 {
		t.Fatalf("handle time = %+v (se %g)", h, se)
	}
	// CSAT: DiD of shares = (360/410 − 300/400) − (312/415 − 315/420).
	c := r.Metrics[1]
	if c.Test == nil || *c.Test != "diff_in_diff_z" || c.Verdict != "improved" ||
		!near(c.Estimate, (360.0/410-0.75)-(312.0/415-0.75), 1e-12) || c.SampleSizes.ControlAfter != 415 {
		t.Fatalf("csat = %+v", c)
	}
	// Complaints fell (7 vs 18) but with so few events the interval still
	// includes no change: inconclusive, honestly.
	k := r.Metrics[2]
	if k.Verdict != "inconclusive" || k.Estimate == nil || *k.Estimate >= 0 || *k.RelativeChange >= 0 {
		t.Fatalf("complaints = %+v", k)
	}

	var done api.Pilot
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", e.editor, `{"decision":"adopt"}`).want(t, http.StatusOK).json(t, &done)
	if done.Status != "completed" || done.Decision == nil || *done.Decision != "adopt" || done.EndedAt == nil {
		t.Fatalf("completed = %+v", done)
	}
	var adopted api.Idea
	e.do(http.MethodGet, "/api/v1/ideas/"+idea.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &adopted)
	// improved → confidence max(0.5, 0.8) = 0.8; priority 20 × 4.5 × 0.8 / 2 = 36.
	if adopted.Status != "adopted" || adopted.Confidence != 0.8 || adopted.Score.Priority != 36 {
		t.Fatalf("idea after completion = %+v", adopted)
	}
	var history api.HistoryList
	e.do(http.MethodGet, "/api/v1/ideas/"+idea.ID+"/history", e.viewer, nil).want(t, http.StatusOK).json(t, &history)
	fields := map[string]string{}
	for _, h := range history.Items {
		fields[h.Field] += h.New + ";"
	}
	if !strings.Contains(fields["pilot"], "completed") || !strings.Contains(fields["pilot"], "adopt") ||
		!strings.Contains(fields["status"], "adopted") || !strings.Contains(fields["confidence"], "0.8") {
		t.Fatalf("history = %+v", fields)
	}

	forest := e.do(http.MethodGet, r.SVG, e.viewer, nil).want(t, http.StatusOK)
	if forest.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(forest.Body), "Average handle time (primary)") ||
		!strings.Contains(string(forest.Body), "inconclusive") {
		t.Fatalf("results.svg: %.400s", forest.Body)
	}

	// The snapshot is frozen: later requests see the same numbers, and the
	// pilot's data can no longer change.
	frozen := e.results(p)
	if !frozen.Frozen || *frozen.Metrics[0].Estimate != *h.Estimate || frozen.ComputedAt.IsZero() {
		t.Fatalf("frozen = %+v", frozen)
	}
	e.do(http.MethodPut, samplePath(p, aht, "pilot", "after"), e.editor, `{"n":410,"mean":200,"sd":70}`, "If-Match", `"1"`).problem(t, http.StatusConflict)
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, api.MetricCreate{Name: "x", Kind: "mean", Direction: "higher_is_better"}).problem(t, http.StatusConflict)
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/cancel", e.editor, nil).problem(t, http.StatusConflict)
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", e.editor, `{"decision":"adopt"}`).problem(t, http.StatusConflict)

	// The impact ledger shows what the pilot delivered, per touchpoint and metric.
	var ledger api.ImpactLedger
	e.do(http.MethodGet, "/api/v1/reports/impact", e.viewer, nil).want(t, http.StatusOK).json(t, &ledger)
	if len(ledger.Entries) != 3 || ledger.Entries[0].Touchpoint.Owner != "Contact centre" || ledger.Entries[0].Decision != "adopt" ||
		ledger.Entries[0].Result.Verdict != "improved" || *ledger.Entries[0].Result.Estimate != -28 || len(ledger.AdoptedWithoutPilot) != 0 {
		t.Fatalf("impact ledger = %+v", ledger)
	}

	var list api.PilotList
	e.do(http.MethodGet, "/api/v1/ideas/"+idea.ID+"/pilots", e.viewer, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != p.ID {
		t.Fatalf("idea pilots = %+v", list)
	}
	// An idea with pilots keeps its evidence: it cannot be deleted.
	e.do(http.MethodDelete, "/api/v1/ideas/"+idea.ID, e.editor, nil, "If-Match", fmt.Sprintf(`"%d"`, adopted.Version)).problem(t, http.StatusConflict)
}

func TestPilotCompletionDecisions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		decision, status string
		after            string // pilot after sample of a higher-is-better primary metric
		confidence       float64
	}{
		{"adopt", "adopted", `{"n":100,"mean":12,"sd":1}`, 0.8},      // improved: max(0.6, 0.8)
		{"iterate", "planned", `{"n":100,"mean":10,"sd":1}`, 0.6},    // inconclusive: unchanged
		{"abandon", "rejected", `{"n":100,"mean":8,"sd":1}`, 0.3},    // worsened: min(0.6, 0.3)
		{"iterate", "planned", `{"n":100,"mean":10.05,"sd":1}`, 0.6}, // inconclusive
	}
	for _, tc := range cases {
		t.Run(tc.decision+" "+tc.after, func(t *testing.T) {
			e := newEnv(t)
			tp := e.touchpoint(e.journey("J", "S"), "T", "web", "")
			idea := e.moveIdea(e.idea("I", 3, 3, 3, 0.6, tp), "under_review", "planned")
			p := e.pilot(idea, "P")
			m := e.metric(p, "CSAT", "mean", "higher_is_better", false)
			e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/start", e.editor, nil).want(t, http.StatusOK)
			e.samples(p, m, `{"n":100,"mean":10,"sd":1}`, tc.after)
			// No primary metric yet: completion is refused and nothing changes.
			e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", e.editor, `{"decision":"`+tc.decision+`"}`).problem(t, http.StatusConflict)
			e.do(http.MethodPatch, "/api/v1/pilots/"+p.ID+"/metrics/"+m.ID, e.editor, `{"primary":true}`, "If-Match", `"1"`).want(t, http.StatusOK)
			e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", e.editor, `{"decision":"maybe"}`).problem(t, http.StatusUnprocessableEntity)
			// The decision is judged before anything is looked up or locked:
			// the same answer for a pilot that does not exist.
			if p := e.do(http.MethodPost, "/api/v1/pilots/"+domain.NewID()+"/complete", e.editor, `{"decision":"maybe"}`).
				problem(t, http.StatusUnprocessableEntity); !hasPointer(p, "/decision") {
				t.Fatalf("problem %+v does not name /decision", p)
			}
			e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", e.editor, `{"decision":"`+tc.decision+`"}`, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
			e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", e.editor, `{"decision":"`+tc.decision+`"}`).want(t, http.StatusOK)
			var got api.Idea
			e.do(http.MethodGet, "/api/v1/ideas/"+idea.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
			if got.Status != tc.status || got.Confidence != tc.confidence {
				t.Fatalf("idea = %s, confidence %g; want %s, %g", got.Status, got.Confidence, tc.status, tc.confidence)
			}
		})
	}
}

func TestPilotValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("J", "S"), "T", "web", "")
	idea := e.idea("I", 3, 3, 3, 0.6, tp)
	cases := []struct {
		body, pointer string
	}{
		{`{"hypothesis":"h"}`, "/idea_id"},
		{`{"idea_id":"` + idea.ID + `"}`, "/hypothesis"},
		{`{"idea_id":"` + idea.ID + `","hypothesis":"h","confidence_level":0.5}`, "/confidence_level"},
		{`{"idea_id":"` + idea.ID + `","hypothesis":"h","start_date":"2026-09-01","end_date":"2026-08-01"}`, "/end_date"},
		{`{"idea_id":"` + idea.ID + `","hypothesis":"h","start_date":"1 Sept"}`, "/start_date"},
		{`{"idea_id":"00000000-0000-4000-8000-000000000000","hypothesis":"h"}`, "/idea_id"},
		{`{"idea_id":"` + idea.ID + `","hypothesis":"h","touchpoint_ids":["00000000-0000-4000-8000-000000000000"]}`, "/touchpoint_ids/0"},
	}
	for _, tc := range cases {
		prob := e.do(http.MethodPost, "/api/v1/pilots", e.editor, tc.body).problem(t, http.StatusUnprocessableEntity)
		if !hasPointer(prob, tc.pointer) {
			t.Errorf("%s: errors %+v do not name %s", tc.body, prob.Errors, tc.pointer)
		}
	}
	p := e.pilot(idea, "P")
	mean := e.metric(p, "AHT", "mean", "lower_is_better", true)
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, api.MetricCreate{Name: "AHT2", Kind: "mean", Direction: "lower_is_better", Primary: true}).problem(t, http.StatusConflict)
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, api.MetricCreate{Name: "AHT", Kind: "mean", Direction: "lower_is_better"}).problem(t, http.StatusConflict)
	prob := e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, `{"name":"x","kind":"median","direction":"up"}`).problem(t, http.StatusUnprocessableEntity)
	if !hasPointer(prob, "/kind") || !hasPointer(prob, "/direction") {
		t.Fatalf("metric errors = %+v", prob.Errors)
	}
	prop := e.metric(p, "FCR", "proportion", "higher_is_better", false)
	nps := e.metric(p, "NPS", "nps", "higher_is_better", false)
	count := e.metric(p, "Complaints", "count", "lower_is_better", false)
	samples := []struct {
		m             api.Metric
		body, pointer string
	}{
		{mean, `{"n":10,"mean":5,"sd":-1}`, "/sd"},
		{mean, `{"n":1,"mean":5,"sd":1}`, "/n"},
		{mean, `{"n":10,"mean":5}`, "/sd"},
		{mean, `{"n":10,"mean":5,"sd":1,"successes":3}`, "/successes"},
		{prop, `{"n":10,"successes":11}`, "/successes"},
		{prop, `{"n":0,"successes":0}`, "/n"},
		{nps, `{"promoters":0,"passives":0,"detractors":0}`, "/promoters"},
		{nps, `{"promoters":-1,"passives":0,"detractors":3}`, "/promoters"},
		{count, `{"events":3,"exposure":0}`, "/exposure"},
		{count, `{"events":-3,"exposure":10}`, "/events"},
	}
	for _, tc := range samples {
		prob := e.do(http.MethodPut, samplePath(p, tc.m, "pilot", "before"), e.editor, tc.body).problem(t, http.StatusUnprocessableEntity)
		if !hasPointer(prob, tc.pointer) {
			t.Errorf("%s %s: errors %+v do not name %s", tc.m.Kind, tc.body, prob.Errors, tc.pointer)
		}
	}
	e.do(http.MethodPut, samplePath(p, mean, "pilot", "before"), e.editor, `{"n":10,"mean":"five","sd":1}`).problem(t, http.StatusBadRequest)
	e.do(http.MethodPut, samplePath(p, mean, "treatment", "before"), e.editor, `{"n":10,"mean":5,"sd":1}`).problem(t, http.StatusNotFound)
	// Nothing of the refused writes was stored.
	var m api.Metric
	e.do(http.MethodGet, "/api/v1/pilots/"+p.ID+"/metrics/"+mean.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &m)
	if len(m.Samples) != 0 {
		t.Fatalf("refused samples were stored: %+v", m.Samples)
	}
	// Create without If-Match, then replacing needs it.
	path := samplePath(p, mean, "pilot", "before")
	e.do(http.MethodPut, path, e.editor, `{"n":10,"mean":5,"sd":1}`).want(t, http.StatusCreated)
	e.do(http.MethodPut, path, e.editor, `{"n":10,"mean":6,"sd":1}`).problem(t, http.StatusPreconditionRequired)
	e.do(http.MethodPut, path, e.editor, `{"n":10,"mean":6,"sd":1}`, "If-Match", `"2"`).problem(t, http.StatusPreconditionFailed)
	var smp api.Sample
	e.do(http.MethodPut, path, e.editor, `{"n":10,"mean":6,"sd":1}`, "If-Match", `"1"`).want(t, http.StatusOK).json(t, &smp)
	if smp.Version != 2 || *smp.Mean != 6 || smp.Successes != nil {
		t.Fatalf("replaced sample = %+v", smp)
	}
	e.do(http.MethodDelete, path, e.editor, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
	e.do(http.MethodGet, path, e.viewer, nil).problem(t, http.StatusNotFound)
	// Illegal moves are conflicts.
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/complete", e.editor, `{"decision":"adopt"}`).problem(t, http.StatusConflict)
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/cancel", e.editor, nil).want(t, http.StatusOK)
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/start", e.editor, nil).problem(t, http.StatusConflict)
	e.do(http.MethodPatch, "/api/v1/pilots/"+p.ID, e.editor, `{"scope":"all"}`, "If-Match", `"2"`).problem(t, http.StatusConflict)
}

func hasPointer(p api.Problem, pointer string) bool {
	for _, f := range p.Errors {
		if f.Pointer == pointer {
			return true
		}
	}
	return false
}

func TestPilotPlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var plan api.Plan
	// R power.t.test(delta = 1, sd = 1, power = .9): n = 22.02110.
	e.do(http.MethodPost, "/api/v1/pilots/plan", e.viewer, `{"kind":"mean","baseline_mean":10,"baseline_sd":1,"mde":1,"power":0.9}`).
		want(t, http.StatusOK).json(t, &plan)
	if plan.NPerGroup != 23 || math.Abs(plan.NExact-22.02110) > 1e-4 || plan.Method != "two_sample_t" {
		t.Fatalf("plan = %+v", plan)
	}
	// R power.prop.test(n = 50, p1 = .5, p2 = .75): power 0.7401659, so the
	// MDE at that power is 0.25.
	e.do(http.MethodPost, "/api/v1/pilots/plan", e.viewer, `{"kind":"proportion","baseline_proportion":0.5,"n_per_group":50,"power":0.7401659}`).
		want(t, http.StatusOK).json(t, &plan)
	if math.Abs(plan.MDE-0.25) > 1e-4 {
		t.Fatalf("plan = %+v", plan)
	}
	prob := e.do(http.MethodPost, "/api/v1/pilots/plan", e.viewer, `{"kind":"mean","baseline_mean":10,"baseline_sd":-1,"mde":1,"alpha":2}`).problem(t, http.StatusUnprocessableEntity)
	if !hasPointer(prob, "/baseline_sd") || !hasPointer(prob, "/alpha") {
		t.Fatalf("plan errors = %+v", prob.Errors)
	}
}

// upload posts raw observations with the given media type.
func (e *env) upload(p api.Pilot, m api.Metric, mediaType, body string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics/"+m.ID+"/observations", e.editor, body, "Content-Type", mediaType)
}

func TestObservationUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("J", "S"), "T", "phone", "")
	p := e.pilot(e.idea("Headsets", 3, 3, 3, 0.5, tp), "P")
	aht := e.metric(p, "AHT", "mean", "lower_is_better", true)

	// Three agents per group measured before and after: paired change scores.
	// Pilot changes: −30, −20, −40 (mean −30, sd 10); control: −2, 0, +2 (mean 0, sd 2).
	var nd strings.Builder
	for _, r := range []struct {
		group, unit   string
		before, after float64
	}{{"pilot", "a1", 330, 300}, {"pilot", "a2", 320, 300}, {"pilot", "a3", 340, 300}, {"control", "b1", 310, 308}, {"control", "b2", 300, 300}, {"control", "b3", 305, 307}} {
		fmt.Fprintf(&nd, `{"group":%q,"period":"before","value":%g,"unit_id":%q}`+"\n", r.group, r.before, r.unit)
		fmt.Fprintf(&nd, `{"group":%q,"period":"after","value":%g,"unit_id":%q}`+"\n", r.group, r.after, r.unit)
	}
	var up api.ObservationUpload
	e.upload(p, aht, "application/x-ndjson", nd.String()).want(t, http.StatusOK).json(t, &up)
	if up.Rows != 12 || !up.Paired || len(up.Samples) != 4 {
		t.Fatalf("upload = %+v", up)
	}
	h := e.results(p).Metrics[0]
	// Welch t on change scores: −30 − 0, SE = √(100/3 + 4/3).
	if h.Design != "paired_difference_in_differences" || !near(h.Estimate, -30, 1e-9) || h.SampleSizes.PilotUnits != 3 || h.Verdict != "improved" {
		t.Fatalf("paired result = %+v", h)
	}

	// A bad row names its line and nothing of that request is stored.
	bad := "group,period,value,unit_id\npilot,before,300,a4\npilot,after,abc,a4\n"
	prob := e.upload(p, aht, "text/csv", bad).problem(t, http.StatusUnprocessableEntity)
	if len(prob.Errors) != 1 || prob.Errors[0].Line != 3 || prob.Errors[0].Pointer != "/value" {
		t.Fatalf("bad row problem = %+v", prob)
	}
	var m api.Metric
	e.do(http.MethodGet, "/api/v1/pilots/"+p.ID+"/metrics/"+aht.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &m)
	if *m.Samples[0].N != 3 {
		t.Fatalf("a refused upload changed the samples: %+v", m.Samples[0])
	}
	// A unit seen in one period only ends the pairing: independent samples.
	e.upload(p, aht, "text/csv", "group,period,value,unit_id\npilot,after,290,a9\n").want(t, http.StatusOK).json(t, &up)
	if up.Paired || up.Rows != 1 {
		t.Fatalf("upload = %+v", up)
	}
	if d := e.results(p).Metrics[0].Design; d != "difference_in_differences" {
		t.Fatalf("design after unpaired upload = %s", d)
	}
	e.upload(p, aht, "application/json", `{"group":"pilot"}`).problem(t, http.StatusUnsupportedMediaType)

	// Summaries and observations do not mix in one group and period.
	fcr := e.metric(p, "FCR", "proportion", "higher_is_better", false)
	e.do(http.MethodPut, samplePath(p, fcr, "pilot", "before"), e.editor, `{"n":10,"successes":5}`).want(t, http.StatusCreated)
	e.upload(p, fcr, "application/x-ndjson", `{"group":"pilot","period":"before","value":1}`).problem(t, http.StatusConflict)
	e.do(http.MethodPut, samplePath(p, aht, "pilot", "before"), e.editor, `{"n":10,"mean":5,"sd":1}`, "If-Match", `"1"`).problem(t, http.StatusConflict)
	prob = e.upload(p, fcr, "application/x-ndjson", `{"group":"pilot","period":"after","value":0.5}`).problem(t, http.StatusUnprocessableEntity)
	if prob.Errors[0].Line != 1 {
		t.Fatalf("proportion value problem = %+v", prob)
	}

	var del api.ObservationsDeleted
	e.do(http.MethodDelete, "/api/v1/pilots/"+p.ID+"/metrics/"+aht.ID+"/observations", e.editor, nil).want(t, http.StatusOK).json(t, &del)
	e.do(http.MethodGet, "/api/v1/pilots/"+p.ID+"/metrics/"+aht.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &m)
	if del.Removed != 13 || len(m.Samples) != 0 {
		t.Fatalf("deleted %d, samples left %+v", del.Removed, m.Samples)
	}
}

// TestObservationUploadMillionRows sends the largest upload allowed in one
// request through the real router and COPY, and checks the aggregates
// against the values sent. The rate is logged, not asserted (make bench
// measures speed).
func TestObservationUploadMillionRows(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("1,000,000-row upload skipped in -short mode")
	}
	e := newEnv(t)
	tp := e.touchpoint(e.journey("J", "S"), "T", "phone", "")
	p := e.pilot(e.idea("Headsets", 3, 3, 3, 0.5, tp), "P")
	m := e.metric(p, "AHT", "mean", "lower_is_better", true)
	const rows = api.MaxObservationsPerRequest
	var b strings.Builder
	b.Grow(rows * 64)
	groups := []string{"pilot", "control"}
	periods := []string{"before", "after"}
	var sum [4]float64
	for n := 0; n < rows; n++ {
		cell := n % 4
		v := float64(200 + n%97)
		sum[cell] += v
		fmt.Fprintf(&b, `{"group":"%s","period":"%s","value":%g,"unit_id":"agent-%d"}`+"\n", groups[cell/2], periods[cell%2], v, n%5000)
	}
	start := time.Now()
	var up api.ObservationUpload
	e.upload(p, m, "application/x-ndjson", b.String()).want(t, http.StatusOK).json(t, &up)
	elapsed := time.Since(start)
	t.Logf("1,000,000 rows (%d MB) in %v: %.0f rows/s", b.Len()>>20, elapsed, rows/elapsed.Seconds())
	if up.Rows != rows || len(up.Samples) != 4 {
		t.Fatalf("upload = rows %d, %d samples", up.Rows, len(up.Samples))
	}
	for _, s := range up.Samples {
		cell := 2*map[string]int{"pilot": 0, "control": 1}[s.Group] + map[string]int{"before": 0, "after": 1}[s.Period]
		if *s.N != rows/4 || math.Abs(*s.Mean-sum[cell]/(rows/4)) > 1e-9 {
			t.Errorf("%s %s: n %d mean %g, want %d, %g", s.Group, s.Period, *s.N, *s.Mean, rows/4, sum[cell]/(rows/4))
		}
	}
	prob := e.upload(p, m, "application/x-ndjson", b.String()+`{"group":"pilot","period":"after","value":1}`+"\n").problem(t, http.StatusRequestEntityTooLarge)
	if !strings.Contains(prob.Detail, "1000000") {
		t.Fatalf("too many rows: %+v", prob)
	}
}

// TestObservationEdgeCases covers what review found: values any mean may
// take, concurrent uploads adding up, pairing only when it can be used, and
// touchpoints still targeted by a pilot.
func TestObservationEdgeCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("J", "S"), "T", "phone", "")
	p := e.pilot(e.idea("Headsets", 3, 3, 3, 0.5, tp), "P")

	temp := e.metric(p, "Temperature change", "mean", "higher_is_better", false)
	var up api.ObservationUpload
	e.upload(p, temp, "text/csv", "group,period,value\npilot,before,-5\npilot,before,-3\npilot,after,1e11\npilot,after,-1e11\n").
		want(t, http.StatusOK).json(t, &up)
	if up.Rows != 4 || *up.Samples[0].Mean != -4 {
		t.Fatalf("negative means: %+v", up)
	}
	e.upload(p, temp, "text/csv", "group,period,value\npilot,after,1e300\n").problem(t, http.StatusUnprocessableEntity)

	// Concurrent uploads to one metric take turns: every row counts.
	fcr := e.metric(p, "FCR", "proportion", "higher_is_better", false)
	rows := strings.Repeat(`{"group":"pilot","period":"before","value":1}`+"\n", 5000)
	replies := e.burst(t, 4, http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics/"+fcr.ID+"/observations", e.editor,
		func(int) string { return rows }, "Content-Type", "application/x-ndjson")
	statuses(t, replies, http.StatusOK)
	var m api.Metric
	e.do(http.MethodGet, "/api/v1/pilots/"+p.ID+"/metrics/"+fcr.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &m)
	if len(m.Samples) != 1 || *m.Samples[0].N != 20000 || *m.Samples[0].Successes != 20000 {
		t.Fatalf("after 4 concurrent uploads of 5000: %+v", m.Samples)
	}

	// Units paired in the pilot group but a control entered as summaries:
	// the analysis cannot pair, and the upload says so.
	aht := e.metric(p, "AHT", "mean", "lower_is_better", true)
	e.do(http.MethodPut, samplePath(p, aht, "control", "before"), e.editor, `{"n":50,"mean":300,"sd":60}`).want(t, http.StatusCreated)
	e.do(http.MethodPut, samplePath(p, aht, "control", "after"), e.editor, `{"n":50,"mean":300,"sd":60}`).want(t, http.StatusCreated)
	e.upload(p, aht, "text/csv", "group,period,value,unit_id\npilot,before,300,a\npilot,after,280,a\npilot,before,310,b\npilot,after,300,b\n").
		want(t, http.StatusOK).json(t, &up)
	if up.Paired {
		t.Fatal("upload claims pairing the analysis cannot use")
	}
	r := e.results(p)
	if r.Metrics[2].Design != "difference_in_differences" || !strings.Contains(strings.Join(r.Metrics[2].Warnings, ";"), "control group's were not") {
		t.Fatalf("AHT result = %+v", r.Metrics[2])
	}

	// A touchpoint a pilot targets cannot be deleted from under it.
	e.do(http.MethodPatch, "/api/v1/ideas/"+p.IdeaID, e.editor, `{"touchpoint_ids":["`+e.touchpoint(e.journey("K", "S"), "U", "web", "").ID+`"]}`, "If-Match", `"1"`).want(t, http.StatusOK)
	e.do(http.MethodDelete, "/api/v1/touchpoints/"+tp.ID, e.editor, nil, "If-Match", `"1"`).problem(t, http.StatusConflict)
}

func TestPilotMetricFromCatalogue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("J", "S"), "T", "phone", "")
	p := e.pilot(e.idea("I", 3, 3, 3, 0.5, tp), "P")
	csat := e.catalogueMetric("csat")
	var m api.Metric
	e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, `{"metric_id":"`+csat.ID+`","primary":true}`).want(t, http.StatusCreated).json(t, &m)
	if m.Name != csat.Name || m.Kind != "proportion" || m.Direction != "higher_is_better" || m.Unit != csat.Unit || m.MetricID == nil || *m.MetricID != csat.ID {
		t.Fatalf("metric = %+v", m)
	}
	prob := e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, `{"metric_id":"`+csat.ID+`","name":"CSAT 2","kind":"mean"}`).problem(t, http.StatusUnprocessableEntity)
	if !hasPointer(prob, "/kind") {
		t.Fatalf("errors = %+v", prob.Errors)
	}
	var other api.CatalogueMetricList
	e.do(http.MethodGet, "/api/v1/metrics", e.other, nil).want(t, http.StatusOK).json(t, &other)
	prob = e.do(http.MethodPost, "/api/v1/pilots/"+p.ID+"/metrics", e.editor, `{"metric_id":"`+other.Items[0].ID+`","name":"x"}`).problem(t, http.StatusUnprocessableEntity)
	if !hasPointer(prob, "/metric_id") {
		t.Fatalf("errors = %+v", prob.Errors)
	}
	// The catalogue metric is in use: it cannot be deleted.
	e.do(http.MethodDelete, "/api/v1/metrics/"+csat.ID, e.editor, nil, "If-Match", `"1"`).problem(t, http.StatusConflict)
}
