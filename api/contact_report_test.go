package api_test

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
)

// contactReportNow is the server's clock in these tests: the last full
// calendar month before it is October 2026, the window of the figures
// below, and not the real last month.
var contactReportNow = time.Date(2026, 11, 15, 9, 30, 0, 0, time.UTC)

func newContactReportEnv(t *testing.T) *env {
	t.Helper()
	cfg := api.DefaultConfig
	cfg.AuthFailureRate = 0
	cfg.Clock = func() time.Time { return contactReportNow }
	return newEnvConfig(t, cfg)
}

// The report's fixtures are written with SQL, apart from the APIs that
// create reasons, volumes and evidence.

func (e *env) sqlExec(query string, args ...any) {
	e.t.Helper()
	if _, err := e.store.SQL().ExecContext(context.Background(), query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

// sqlReason stores a contact reason at touchpoint tp and returns its id.
func (e *env) sqlReason(tp api.Touchpoint, name string, avoidable bool) string {
	e.t.Helper()
	id := domain.NewID()
	e.sqlExec(`INSERT INTO contact_reasons (id, workspace_id, name, touchpoint_id, avoidable, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, now(), now(), 1)`, id, e.wsID, name, tp.ID, avoidable)
	return id
}

// sqlVolume stores a volume record of the reason.
func (e *env) sqlVolume(reason, start, end, channel string, contacts, resolved int) {
	e.t.Helper()
	e.sqlExec(`INSERT INTO contact_volumes (id, workspace_id, reason_id, period_start, period_end, channel, contacts, resolved_first_contact,
		created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now(), 1)`,
		domain.NewID(), e.wsID, reason, start, end, channel, contacts, resolved)
}

// sqlEvidence links the idea to the reason.
func (e *env) sqlEvidence(idea api.Idea, reason string) {
	e.t.Helper()
	e.sqlExec(`INSERT INTO idea_contact_reasons (idea_id, reason_id, workspace_id, created_at) VALUES ($1, $2, $3, now())`, idea.ID, reason, e.wsID)
}

// invoiceReasons are the hand-computed case: in October 2026 three reasons
// with 500, 300 and 200 contacts (340, 150 and 190 resolved at the first
// contact), 400, 300 and 180 in the previous window (September), the first
// two avoidable; and a fourth, avoidable, without
// contacts. An open idea works on the invoice, an adopted one on refunds.
// October is compared with September, the windows' days (31 and 30) being
// the exposures.
func invoiceReasons(e *env) map[string]string {
	e.t.Helper()
	j := e.journey("Calling about a bill", "Bill", "Call")
	invoiceTp := e.touchpoint(j, "Invoice", "mail", "Billing")
	refundTp := e.touchpoint(j, "Refunds", "web", "Billing")
	ids := map[string]string{
		"invoice": e.sqlReason(invoiceTp, "Where is my invoice?", true),
		"refund":  e.sqlReason(refundTp, "Where is my refund?", true),
		"address": e.sqlReason(invoiceTp, "Change of address", false),
		"reset":   e.sqlReason(refundTp, "Password reset", true),
	}
	// The invoice's October by channel: 300 + 200 contacts, 200 + 140 resolved.
	e.sqlVolume(ids["invoice"], "2026-10-01", "2026-10-31", "phone", 300, 200)
	e.sqlVolume(ids["invoice"], "2026-10-01", "2026-10-31", "email", 200, 140)
	e.sqlVolume(ids["invoice"], "2026-09-01", "2026-09-30", "", 400, 250)
	e.sqlVolume(ids["refund"], "2026-10-01", "2026-10-31", "", 300, 150)
	e.sqlVolume(ids["refund"], "2026-09-01", "2026-09-30", "", 300, 200)
	e.sqlVolume(ids["address"], "2026-10-01", "2026-10-15", "", 120, 110)
	e.sqlVolume(ids["address"], "2026-10-16", "2026-10-31", "", 80, 80)
	e.sqlVolume(ids["address"], "2026-09-01", "2026-09-30", "", 180, 170)
	// Straddling the window's end: in neither window.
	e.sqlVolume(ids["address"], "2026-10-25", "2026-11-07", "chat", 9999, 0)
	open := e.idea("Plain-language invoice", 4, 4, 2, 0.8, invoiceTp)
	e.sqlEvidence(open, ids["invoice"])
	adopted := e.idea("Refund tracker", 3, 3, 3, 0.5, refundTp)
	e.sqlExec(`UPDATE ideas SET status = 'adopted' WHERE id = $1`, adopted.ID)
	e.sqlEvidence(adopted, ids["refund"])
	return ids
}

func wantNear(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %v, want %v (± %g)", what, got, want, tol)
	}
}

func wantNearPtr(t *testing.T, what string, got *float64, want, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s is null, want %v", what, want)
		return
	}
	wantNear(t, what, *got, want, tol)
}

func TestContactReasonsReport(t *testing.T) {
	t.Parallel()
	e := newContactReportEnv(t)
	ids := invoiceReasons(e)
	e.do(http.MethodPut, "/api/v1/economics", e.admin, `{"currency":"EUR","cost_per_contact":4.5}`, "If-Match", `"1"`).want(t, http.StatusOK)

	const path = "/api/v1/reports/contact-reasons?from=2026-10-01&to=2026-10-31"
	var r api.ContactReasonsReport
	e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &r)
	if r.Window != (api.ReportWindow{From: "2026-10-01", To: "2026-10-31"}) || r.PreviousWindow != (api.ReportWindow{From: "2026-09-01", To: "2026-09-30"}) {
		t.Fatalf("windows %+v, previous %+v", r.Window, r.PreviousWindow)
	}
	if r.Contacts != 1000 || r.AvoidableContacts != 800 || r.ResolvedFirstContact != 680 || r.Currency != "EUR" {
		t.Fatalf("totals %+v", r)
	}
	wantNearPtr(t, "failure demand share", r.FailureDemandShare, 0.8, 1e-12)
	if r.FCR == nil {
		t.Fatal("no overall FCR")
	}
	// prop.test(680, 1000, correct = FALSE)$conf.int = 0.6504464 0.7081760
	wantNear(t, "FCR", r.FCR.Rate, 0.68, 1e-12)
	wantNear(t, "FCR low", r.FCR.CILow, 0.6504464, 1e-6)
	wantNear(t, "FCR high", r.FCR.CIHigh, 0.7081760, 1e-6)
	wantNearPtr(t, "cost per contact", r.CostPerContact, 4.5, 0)
	wantNearPtr(t, "cost", r.Cost, 4500, 1e-9)
	wantNearPtr(t, "avoidable cost", r.AvoidableCost, 3600, 1e-9)

	wants := []struct {
		name, key, touchpoint string
		avoidable             bool
		contacts, resolved    int
		share, cumulative     float64
		previous              int
		cost                  float64
		openIdeas             int
	}{
		{"Where is my invoice?", "invoice", "Invoice", true, 500, 340, 0.5, 0.5, 400, 2250, 1},
		{"Where is my refund?", "refund", "Refunds", true, 300, 150, 0.3, 0.8, 300, 1350, 0},
		{"Change of address", "address", "Invoice", false, 200, 190, 0.2, 1, 180, 900, 0},
		{"Password reset", "reset", "Refunds", true, 0, 0, 0, 1, 0, 0, 0},
	}
	if len(r.Reasons) != len(wants) {
		t.Fatalf("%d reasons, want %d", len(r.Reasons), len(wants))
	}
	for n, want := range wants {
		got := r.Reasons[n]
		if got.Name != want.name || got.ReasonID != ids[want.key] || got.Touchpoint.Name != want.touchpoint || got.Avoidable != want.avoidable ||
			got.Contacts != want.contacts || got.ResolvedFirstContact != want.resolved || got.OpenIdeas != want.openIdeas {
			t.Fatalf("reason %d = %+v, want %+v", n, got, want)
		}
		wantNear(t, want.name+" share", got.Share, want.share, 1e-12)
		wantNear(t, want.name+" cumulative share", got.CumulativeShare, want.cumulative, 1e-12)
		wantNearPtr(t, want.name+" cost", got.Cost, want.cost, 1e-9)
		if want.contacts > 0 && (got.Change == nil || got.Change.PreviousContacts != want.previous) {
			t.Errorf("%s change %+v, want previous %d", want.name, got.Change, want.previous)
		}
	}
	invoice := r.Reasons[0]
	// prop.test(340, 500, correct = FALSE)$conf.int[1] = 0.6378730
	if invoice.FCR == nil {
		t.Fatal("no invoice FCR")
	}
	wantNear(t, "invoice FCR", invoice.FCR.Rate, 0.68, 1e-12)
	wantNear(t, "invoice FCR low", invoice.FCR.CILow, 0.6378730, 1e-6)
	// poisson.test(c(500, 400), c(31, 30)): p = binom.test(500, 900, 31/61)$p.value = 0.0045864,
	// rate ratio (500/31) / (400/30) = 1.2096774
	if c := invoice.Change; c.Direction != "up" || c.RateRatio == nil || math.Abs(*c.RateRatio-1.2096774) > 1e-6 || c.CIHigh == nil || c.CILow <= 1 {
		t.Errorf("invoice change %+v", c)
	}
	wantNear(t, "invoice change p", invoice.Change.PValue, 0.0045864, 1e-6)
	// 300 against 300, but over 31 and 30 days: rate ratio 30/31, binom.test(300, 600, 31/61)$p.value = 0.71330
	if c := r.Reasons[1].Change; c.Direction != "no_change" || math.Abs(c.PValue-0.71330) > 1e-5 || math.Abs(*c.RateRatio-30.0/31) > 1e-12 {
		t.Errorf("refund change %+v", c)
	}
	// binom.test(200, 380, 31/61)$p.value = 0.50487
	wantNear(t, "address change p", r.Reasons[2].Change.PValue, 0.50487, 1e-5)
	if r.Reasons[2].Change.Direction != "no_change" {
		t.Errorf("address change %+v", r.Reasons[2].Change)
	}
	if reset := r.Reasons[3]; reset.FCR != nil || reset.Change != nil {
		t.Errorf("a reason without contacts: %+v", reset)
	}
	// Unaddressed: avoidable, with contacts, no open idea (the adopted one does not count).
	if len(r.Unaddressed) != 1 || r.Unaddressed[0].ReasonID != ids["refund"] || r.Unaddressed[0].Contacts != 300 {
		t.Errorf("unaddressed %+v", r.Unaddressed)
	}
	for what, s := range map[string]string{"window": r.Explanation.Window, "fcr": r.Explanation.FCR, "change": r.Explanation.Change,
		"cost": r.Explanation.Cost, "shares": r.Explanation.Shares, "unaddressed": r.Explanation.Unaddressed} {
		if s == "" {
			t.Errorf("no %s explanation", what)
		}
	}
	for _, s := range []string{"whole period"} {
		if !strings.Contains(r.Explanation.Window, s) {
			t.Errorf("window explanation %q does not say %q", r.Explanation.Window, s)
		}
	}
	if !strings.Contains(r.Explanation.FCR, "Wilson") || !strings.Contains(r.Explanation.Change, "poisson.test(c(contacts, previous_contacts), c(31, 30))") ||
		!strings.Contains(r.Explanation.Cost, "4.5 EUR per contact") {
		t.Errorf("explanations %+v", r.Explanation)
	}
	if r.SVG != "/api/v1/reports/contact-reasons.svg?from=2026-10-01&to=2026-10-31" {
		t.Errorf("svg %q", r.SVG)
	}

	// limit lists the biggest; the totals still count every reason.
	var top api.ContactReasonsReport
	e.do(http.MethodGet, path+"&limit=1", e.viewer, nil).want(t, http.StatusOK).json(t, &top)
	if len(top.Reasons) != 1 || top.OtherReasons != 3 || top.OtherContacts != 500 || top.Contacts != 1000 || len(top.Unaddressed) != 1 {
		t.Errorf("limit=1: %d listed, %d more with %d contacts, %d unaddressed", len(top.Reasons), top.OtherReasons, top.OtherContacts, len(top.Unaddressed))
	}
	for _, bad := range []string{"&limit=0", "&limit=1001", "&limit=x"} {
		e.do(http.MethodGet, path+bad, e.viewer, nil).problem(t, http.StatusBadRequest)
	}

	// Nullable numbers are null, not left out; a reason new in the window
	// has no finite rate ratio or upper bound. 2026-11-01..29 (29 days, not
	// whole months) compares with 2026-10-03..31, where no record lies whole.
	e.sqlVolume(ids["reset"], "2026-11-01", "2026-11-29", "", 50, 10)
	raw := e.do(http.MethodGet, "/api/v1/reports/contact-reasons?from=2026-11-01&to=2026-11-29", e.viewer, nil).want(t, http.StatusOK)
	var nov api.ContactReasonsReport
	raw.json(t, &nov)
	if nov.Contacts != 50 || nov.Reasons[0].Name != "Password reset" || nov.Reasons[0].Change == nil {
		t.Fatalf("November: %+v", nov)
	}
	if c := nov.Reasons[0].Change; c.RateRatio != nil || c.CIHigh != nil || c.PreviousContacts != 0 || c.Direction != "up" {
		t.Errorf("a reason new in the window: %+v", c)
	}
	for _, s := range []string{`"rate_ratio":null`, `"ci_high":null`, `"fcr":null`, `"change":null`} {
		if !strings.Contains(string(raw.Body), s) {
			t.Errorf("November's report has no %s", s)
		}
	}

	// Without a cost per contact there is no cost; another workspace has none of these reasons.
	e.do(http.MethodPut, "/api/v1/economics", e.admin, `{"currency":"GBP"}`, "If-Match", `"2"`).want(t, http.StatusOK)
	raw = e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
	raw.json(t, &r)
	if r.Currency != "GBP" || r.CostPerContact != nil || r.Cost != nil || r.AvoidableCost != nil || r.Reasons[0].Cost != nil ||
		!strings.Contains(string(raw.Body), `"avoidable_cost":null`) || !strings.Contains(r.Explanation.Cost, "no cost per contact") {
		t.Errorf("without a cost per contact: %s", raw.Body)
	}
	var theirs api.ContactReasonsReport
	e.do(http.MethodGet, path, e.other, nil).want(t, http.StatusOK).json(t, &theirs)
	if theirs.Contacts != 0 || len(theirs.Reasons) != 0 || len(theirs.Unaddressed) != 0 || theirs.FailureDemandShare != nil || theirs.FCR != nil {
		t.Errorf("other workspace: %+v", theirs)
	}
}

func TestContactReasonsReportWindow(t *testing.T) {
	t.Parallel()
	e := newContactReportEnv(t)
	j := e.journey("Calling about a bill", "Bill")
	invoice := e.sqlReason(e.touchpoint(j, "Invoice", "mail", "Billing"), "Where is my invoice?", true)
	e.sqlVolume(invoice, "2026-10-01", "2026-10-31", "", 70, 35)
	e.sqlVolume(invoice, "2026-11-01", "2026-11-30", "", 1000, 35)

	// The default: the last full calendar month before the server's today (2026-11-15).
	var r api.ContactReasonsReport
	e.do(http.MethodGet, "/api/v1/reports/contact-reasons", e.viewer, nil).want(t, http.StatusOK).json(t, &r)
	if r.Window != (api.ReportWindow{From: "2026-10-01", To: "2026-10-31"}) || r.Contacts != 70 ||
		r.SVG != "/api/v1/reports/contact-reasons.svg?from=2026-10-01&to=2026-10-31" {
		t.Fatalf("default window %+v, %d contacts, svg %s", r.Window, r.Contacts, r.SVG)
	}
	// Three years is the longest window.
	e.do(http.MethodGet, "/api/v1/reports/contact-reasons?from=2024-01-01&to=2026-12-31", e.viewer, nil).want(t, http.StatusOK).json(t, &r)
	if r.Contacts != 1070 || r.PreviousWindow != (api.ReportWindow{From: "2021-01-01", To: "2023-12-31"}) {
		t.Fatalf("three years: %d contacts, previous %+v", r.Contacts, r.PreviousWindow)
	}
	for _, c := range []struct{ query, param string }{
		{"from=2026-10-01", "to"},
		{"to=2026-10-31", "from"},
		{"from=&to=2026-10-31", "from"},
		{"from=2026-10-31&to=2026-10-01", "to"},
		{"from=2024-01-01&to=2027-01-01", "to"},
		{"from=2026-13-01&to=2026-12-31", "from"},
		{"from=2026-10-01&to=31.10.2026", "to"},
		{"from=1999-12-01&to=1999-12-31", "from"},
		{"from=2026-10-01&from=2026-09-01&to=2026-10-31", "from"},
		{"since=2026-10-01", "since"},
	} {
		for _, p := range []string{"/api/v1/reports/contact-reasons?", "/api/v1/reports/contact-reasons.svg?"} {
			t.Run(p+c.query, func(t *testing.T) {
				wantNames(t, e.do(http.MethodGet, p+c.query, e.viewer, nil).problem(t, http.StatusBadRequest), c.param)
			})
		}
	}
	// A single day is a window; the previous one is the day before.
	e.do(http.MethodGet, "/api/v1/reports/contact-reasons?from=2026-10-31&to=2026-10-31", e.viewer, nil).want(t, http.StatusOK).json(t, &r)
	if r.PreviousWindow != (api.ReportWindow{From: "2026-10-30", To: "2026-10-30"}) || r.Contacts != 0 {
		t.Fatalf("one day: %+v", r)
	}
}

func TestContactReasonsChart(t *testing.T) {
	t.Parallel()
	e := newContactReportEnv(t)
	invoiceReasons(e)
	res := e.do(http.MethodGet, "/api/v1/reports/contact-reasons.svg?from=2026-10-01&to=2026-10-31", e.viewer, nil).want(t, http.StatusOK)
	body := string(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "image/svg+xml" {
		t.Fatalf("Content-Type %q", ct)
	}
	for _, s := range []string{"<title>Why customers contacted us, 2026-10-01 to 2026-10-31</title>", "Where is my invoice?",
		"Change of address", "80 %", "avoidable (failure demand)", "1,000 contacts; failure demand 80 %"} {
		if !strings.Contains(body, s) {
			t.Errorf("the chart has no %q", s)
		}
	}
	// Reasons without contacts are not drawn.
	if strings.Contains(body, "Password reset") {
		t.Error("a reason without contacts is drawn")
	}
	// The default window, and one without contacts.
	res = e.do(http.MethodGet, "/api/v1/reports/contact-reasons.svg", e.viewer, nil).want(t, http.StatusOK)
	if !strings.Contains(string(res.Body), "2026-10-01 to 2026-10-31") {
		t.Errorf("default window chart: %.400s", res.Body)
	}
	res = e.do(http.MethodGet, "/api/v1/reports/contact-reasons.svg?from=2025-01-01&to=2025-01-31", e.viewer, nil).want(t, http.StatusOK)
	if !strings.Contains(string(res.Body), "no contacts in this window") {
		t.Errorf("empty window chart: %.400s", res.Body)
	}
}

func TestBlindSpotsUnaddressedDemand(t *testing.T) {
	t.Parallel()
	e := newContactReportEnv(t)
	raw := e.do(http.MethodGet, "/api/v1/reports/blind-spots", e.viewer, nil).want(t, http.StatusOK)
	if !strings.Contains(string(raw.Body), `"unaddressed_demand":[]`) {
		t.Fatalf("no empty unaddressed_demand: %s", raw.Body)
	}
	ids := invoiceReasons(e)
	e.do(http.MethodPut, "/api/v1/economics", e.admin, `{"currency":"EUR","cost_per_contact":4.5}`, "If-Match", `"1"`).want(t, http.StatusOK)
	// A bigger avoidable reason whose only contacts are in another month.
	j := e.journey("Moving home", "Move")
	other := e.sqlReason(e.touchpoint(j, "Move form", "web", "Digital"), "Moving is hard", true)
	e.sqlVolume(other, "2026-11-01", "2026-11-30", "", 5000, 0)

	var spots api.BlindSpots
	e.do(http.MethodGet, "/api/v1/reports/blind-spots", e.viewer, nil).want(t, http.StatusOK).json(t, &spots)
	if spots.UnaddressedDemandWindow != (api.ReportWindow{From: "2026-10-01", To: "2026-10-31"}) {
		t.Fatalf("window %+v", spots.UnaddressedDemandWindow)
	}
	if len(spots.UnaddressedDemand) != 1 {
		t.Fatalf("unaddressed demand %+v", spots.UnaddressedDemand)
	}
	refund := spots.UnaddressedDemand[0]
	if refund.ReasonID != ids["refund"] || refund.Contacts != 300 || refund.Touchpoint.Name != "Refunds" || refund.OpenIdeas != 0 ||
		refund.Change == nil || refund.Change.PreviousContacts != 300 {
		t.Errorf("refund %+v", refund)
	}
	wantNear(t, "refund share", refund.Share, 0.3, 1e-12)
	wantNearPtr(t, "refund cost", refund.Cost, 1350, 1e-9)
	// The touchpoints' items are still there: the new touchpoints were never measured.
	if len(spots.Items) == 0 || spots.StaleDays != 90 {
		t.Errorf("items %+v", spots)
	}

	// An open idea on the refunds takes them off the list; the status
	// parameter does not change what counts as looking after a reason.
	refunds := e.idea("Refund tracker in the app", 4, 4, 2, 0.8, e.touchpoint(j, "Refund page", "web", "Digital"))
	e.sqlEvidence(refunds, ids["refund"])
	e.do(http.MethodGet, "/api/v1/reports/blind-spots?status=all", e.viewer, nil).want(t, http.StatusOK).json(t, &spots)
	if len(spots.UnaddressedDemand) != 0 {
		t.Errorf("after an open idea: %+v", spots.UnaddressedDemand)
	}
	var theirs api.BlindSpots
	e.do(http.MethodGet, "/api/v1/reports/blind-spots", e.other, nil).want(t, http.StatusOK).json(t, &theirs)
	if len(theirs.UnaddressedDemand) != 0 {
		t.Errorf("other workspace: %+v", theirs.UnaddressedDemand)
	}
}
