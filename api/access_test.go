package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"
)

// TestAccessControlMatrix walks the router's own route table, so a route
// added later cannot escape it: without a usable key every protected route
// is 401, a role below the route's is 403, and another workspace's object is
// 404 — never 403, never its data.
func TestAccessControlMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyID, revoked := revokedKey(t, e)
	expired := pgtest.Key(t, e.store, e.wsID, domain.RoleAdmin)
	if _, err := e.store.SQL().ExecContext(context.Background(),
		"UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE secret_hash = $1", domain.HashToken(expired)); err != nil {
		t.Fatal(err)
	}
	ids := e.routeObjects(keyID)
	roleKeys := map[domain.Role]string{domain.RoleViewer: e.viewer, domain.RoleEditor: e.editor, domain.RoleAdmin: e.admin}

	checked := 0
	for _, r := range e.srv.Routes() {
		if r.Role == "" {
			continue
		}
		path, objectRoute := concretePath(t, r, ids)
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			for name, token := range map[string]string{"no key": "", "revoked key": revoked, "expired key": expired, "garbage key": "cxb_x"} {
				if got := e.do(r.Method, path, token, bodyFor(r)).Status; got != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", name, got)
				}
			}
			for role, token := range roleKeys {
				if role.Allows(r.Role) {
					continue
				}
				if got := e.do(r.Method, path, token, bodyFor(r), "If-Match", `"1"`).Status; got != http.StatusForbidden {
					t.Errorf("%s key: status %d, want 403", role, got)
				}
			}
			if objectRoute {
				res := e.do(r.Method, path, e.other, bodyFor(r), "If-Match", `"1"`)
				res.problem(t, http.StatusNotFound)
				for _, secret := range []string{"Support", "Phone queue", "Headsets", "temp", "Handle time"} {
					if strings.Contains(string(res.Body), secret) {
						t.Errorf("cross-workspace 404 leaks %q: %s", secret, res.Body)
					}
				}
			}
		})
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d protected routes checked", checked)
	}
	// Nothing above changed the objects.
	var after api.Idea
	e.do(http.MethodGet, "/api/v1/ideas/"+ids["ideas"], e.viewer, nil).want(t, http.StatusOK).json(t, &after)
	if after.Version != 1 {
		t.Fatalf("a refused request changed the idea: version %d", after.Version)
	}
	var pAfter api.Pilot
	e.do(http.MethodGet, "/api/v1/pilots/"+ids["pilots"], e.viewer, nil).want(t, http.StatusOK).json(t, &pAfter)
	if pAfter.Version != 1 || pAfter.Status != "planned" {
		t.Fatalf("a refused request changed the pilot: version %d, status %s", pAfter.Version, pAfter.Status)
	}
}

// routeObjects makes one object of every kind a route's path names (a
// journey, touchpoint, idea, pilot with a metric and its pilot-before sample)
// and answers their ids by path segment, with keyID for "api-keys".
func (e *env) routeObjects(keyID string) map[string]string {
	e.t.Helper()
	j := e.journey("Support", "Call")
	tp := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	i := e.idea("Headsets", 4, 5, 2, 0.8, tp)
	p := e.pilot(i, "Headsets for team B")
	m := e.metric(p, "Handle time", "mean", "lower_is_better", true)
	e.samples(p, m, `{"n":400,"mean":320,"sd":75}`) // concretePath asks for the pilot group before
	var catalogue api.CatalogueMetricList
	e.do(http.MethodGet, "/api/v1/metrics", e.viewer, nil).want(e.t, http.StatusOK).json(e.t, &catalogue)
	var measurement api.Measurement
	e.do(http.MethodPost, "/api/v1/touchpoints/"+tp.ID+"/measurements", e.editor, `{"metric_id":"`+e.catalogueMetric("csat").ID+
		`","period_start":"2026-10-01","period_end":"2026-10-31","n":100,"successes":80}`).want(e.t, http.StatusCreated).json(e.t, &measurement)
	var hook api.WebhookCreated
	e.do(http.MethodPost, "/api/v1/webhooks", e.admin, `{"url":"https://93.184.216.34/hook","events":["idea.created"]}`).
		want(e.t, http.StatusCreated).json(e.t, &hook)
	var driver api.ValueDriver
	e.do(http.MethodPost, "/api/v1/value-drivers", e.editor, `{"touchpoint_id":"`+tp.ID+`","metric_id":"`+e.catalogueMetric("aht").ID+
		`","unit_value":0.015,"exposure_per_year":120000,"exposure_unit":"calls"}`).want(e.t, http.StatusCreated).json(e.t, &driver)
	reason, feedback := e.linkedEvidence(i, tp) // the idea's evidence: a reason and a feedback item linked to it
	var contactReason api.ContactReason
	e.do(http.MethodPost, "/api/v1/contact-reasons", e.editor, `{"name":"Where is my invoice?","touchpoint_id":"`+tp.ID+`","avoidable":true}`).
		want(e.t, http.StatusCreated).json(e.t, &contactReason)
	var volume api.ContactVolume
	e.do(http.MethodPost, "/api/v1/contact-reasons/"+contactReason.ID+"/volumes", e.editor,
		`{"period_start":"2026-10-01","period_end":"2026-10-31","contacts":300,"resolved_first_contact":200}`).want(e.t, http.StatusCreated).json(e.t, &volume)
	return map[string]string{"journeys": j.ID, "touchpoints": tp.ID, "ideas": i.ID, "api-keys": keyID, "pilots": p.ID,
		"metric_id": m.ID, "metrics": catalogue.Items[0].ID, "measurement_id": measurement.ID, "webhooks": hook.ID, "value-drivers": driver.ID,
		"reason_id": reason, "feedback_id": feedback, "feedback": feedback, "contact-reasons": contactReason.ID, "volume_id": volume.ID}
}

// concretePath fills the route's :id with an object of the right kind from
// the caller's workspace, and says whether the route names an object.
func concretePath(t *testing.T, r api.Route, ids map[string]string) (string, bool) {
	t.Helper()
	if !strings.Contains(r.Path, ":id") {
		return r.Path, false
	}
	rest := strings.TrimPrefix(r.Path, "/api/v1/")
	kind, _, _ := strings.Cut(rest, "/")
	id, ok := ids[kind]
	if !ok {
		t.Fatalf("no test object for route %s: add one to the matrix", r.Path)
	}
	path := strings.NewReplacer(":id", id, ":metric_id", ids["metric_id"], ":measurement_id", ids["measurement_id"],
		":reason_id", ids["reason_id"], ":feedback_id", ids["feedback_id"], ":volume_id", ids["volume_id"],
		":group", "pilot", ":period", "before").Replace(r.Path)
	return path, true
}

// bodyFor gives writes a JSON body, so that content checks do not answer first.
func bodyFor(r api.Route) any {
	// Completing a pilot judges its decision before looking the pilot up.
	if strings.HasSuffix(r.Path, "/complete") {
		return `{"decision":"adopt"}`
	}
	switch r.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut:
		return `{}`
	}
	return nil
}

// Every endpoint refuses a query parameter it does not know, naming it,
// before doing anything: a typo never silently does nothing.
func TestUnknownQueryParametersRefusedEverywhere(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.RatePerKey, cfg.RatePerWorkspace, cfg.AuthFailureRate = 0, 0, 0 // one key sends a request per route: more than a burst
	e := newEnvConfig(t, cfg)
	keyID, _ := revokedKey(t, e)
	ids := e.routeObjects(keyID)
	checked := 0
	for _, r := range e.srv.Routes() {
		if r.Role == "" {
			continue
		}
		path, _ := concretePath(t, r, ids)
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			p := e.do(r.Method, path+"?mode_typo=1", e.admin, bodyFor(r), "If-Match", `"1"`).problem(t, http.StatusBadRequest)
			if !namesField(p, "mode_typo") {
				t.Errorf("errors %+v do not name mode_typo", p.Errors)
			}
		})
		checked++
	}
	if checked < 60 {
		t.Fatalf("only %d routes checked", checked)
	}
	var after api.Idea
	e.do(http.MethodGet, "/api/v1/ideas/"+ids["ideas"], e.viewer, nil).want(t, http.StatusOK).json(t, &after)
	if after.Version != 1 {
		t.Fatalf("a refused request changed the idea: version %d", after.Version)
	}
}
