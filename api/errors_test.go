package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"cxbacklog/api"
)

// TestErrorClasses drives every error class through the real router and
// checks status, problem+json shape and the field named.
func TestErrorClasses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Lunch", "Arrive", "Pay")
	tp := e.touchpoint(j, "Entrance", "in_person", "Facilities")
	_, revokedKey := revokedKey(t, e)
	tpBody := func(mod string) string {
		return fmt.Sprintf(`{"journey_id":%q,"stage_id":%q,"name":"Menu","channel":"web"%s}`, j.ID, j.Stages[0].ID, mod)
	}
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `","stages":[{"name":"a"}]}`

	tests := []struct {
		name      string
		method    string
		path      string
		token     string
		body      any
		headers   []string
		status    int
		field     string // pointer or parameter expected in errors[]
		noContent bool   // send the body without Content-Type
	}{
		{"malformed JSON", "POST", "/api/v1/journeys", e.editor, `{"name":`, nil, 400, "", false},
		{"unknown field", "POST", "/api/v1/touchpoints", e.editor, tpBody(`,"colour":"red"`), nil, 400, "/colour", false},
		{"wrong JSON type", "POST", "/api/v1/touchpoints", e.editor, tpBody(`,"owner":7`), nil, 400, "/owner", false},
		{"two JSON values", "POST", "/api/v1/journeys", e.editor, `{"name":"a","stages":[{"name":"a"}]} {}`, nil, 400, "", false},
		{"empty body", "POST", "/api/v1/journeys", e.editor, " ", nil, 400, "", false},
		{"bad limit", "GET", "/api/v1/touchpoints?limit=1000", e.viewer, nil, nil, 400, "limit", false},
		{"bad cursor", "GET", "/api/v1/journeys?cursor=nope", e.viewer, nil, nil, 400, "cursor", false},
		{"unknown parameter", "GET", "/api/v1/touchpoints?chanel=web", e.viewer, nil, nil, 400, "chanel", false},
		{"bad channel filter", "GET", "/api/v1/touchpoints?channel=fax", e.viewer, nil, nil, 400, "channel", false},
		{"bad If-Match", "PATCH", "/api/v1/journeys/" + j.ID, e.editor, `{}`, []string{"If-Match", "*"}, 400, "If-Match", false},
		{"no key", "GET", "/api/v1/journeys", "", nil, nil, 401, "", false},
		{"malformed key", "GET", "/api/v1/journeys", "not-a-key", nil, nil, 401, "", false},
		{"revoked key", "GET", "/api/v1/journeys", revokedKey, nil, nil, 401, "", false},
		{"viewer writes", "POST", "/api/v1/journeys", e.viewer, `{"name":"a","stages":[{"name":"a"}]}`, nil, 403, "", false},
		{"editor manages keys", "GET", "/api/v1/api-keys", e.editor, nil, nil, 403, "", false},
		{"other workspace's journey", "GET", "/api/v1/journeys/" + j.ID, e.other, nil, nil, 404, "", false},
		{"other workspace's touchpoint", "PATCH", "/api/v1/touchpoints/" + tp.ID, e.other, `{"name":"x"}`, []string{"If-Match", `"1"`}, 404, "", false},
		{"other workspace deletes", "DELETE", "/api/v1/journeys/" + j.ID, e.other, nil, []string{"If-Match", `"1"`}, 404, "", false},
		{"id that is not a UUID", "GET", "/api/v1/touchpoints/42", e.viewer, nil, nil, 404, "", false},
		{"unknown route", "GET", "/api/v1/nowhere", e.viewer, nil, nil, 404, "", false},
		{"journey with touchpoints", "DELETE", "/api/v1/journeys/" + j.ID, e.editor, nil, []string{"If-Match", `"1"`}, 409, "", false},
		{"stale If-Match", "PATCH", "/api/v1/touchpoints/" + tp.ID, e.editor, `{"name":"x"}`, []string{"If-Match", `"7"`}, 412, "", false},
		{"body too large", "POST", "/api/v1/journeys", e.editor, big, nil, 413, "", false},
		{"not JSON", "POST", "/api/v1/journeys", e.editor, `name=a`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "", false},
		{"no content type", "POST", "/api/v1/journeys", e.editor, `{"name":"a"}`, nil, 415, "", true},
		{"invalid values", "POST", "/api/v1/touchpoints", e.editor, strings.Replace(tpBody(""), `"web"`, `"fax"`, 1), nil, 422, "/channel", false},
		{"missing required", "POST", "/api/v1/journeys", e.editor, `{"stages":[{"name":"a"},{"name":""}]}`, nil, 422, "/stages/1/name", false},
		{"other workspace's journey id", "POST", "/api/v1/touchpoints", e.other, tpBody(""), nil, 422, "/journey_id", false},
		{"stage of no journey", "POST", "/api/v1/touchpoints", e.editor, fmt.Sprintf(`{"journey_id":%q,"stage_id":%q,"name":"x","channel":"web"}`, j.ID, j.ID), nil, 422, "/stage_id", false},
		{"missing If-Match", "PATCH", "/api/v1/touchpoints/" + tp.ID, e.editor, `{"name":"x"}`, nil, 428, "", false},
		{"missing If-Match on delete", "DELETE", "/api/v1/touchpoints/" + tp.ID, e.editor, nil, nil, 428, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := tt.headers
			r := e.doRaw(tt.method, tt.path, tt.token, tt.body, tt.noContent, headers...)
			p := r.problem(t, tt.status)
			if tt.field != "" && !namesField(p, tt.field) {
				t.Fatalf("errors %+v do not name %s", p.Errors, tt.field)
			}
		})
	}
	// Nothing above changed the touchpoint or the journey.
	var after api.Touchpoint
	e.do(http.MethodGet, "/api/v1/touchpoints/"+tp.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &after)
	if after.Version != 1 || after.Name != "Entrance" {
		t.Fatalf("a refused request changed the touchpoint: %+v", after)
	}
	var journeys api.JourneyList
	e.do(http.MethodGet, "/api/v1/journeys", e.viewer, nil).want(t, http.StatusOK).json(t, &journeys)
	if len(journeys.Items) != 1 {
		t.Fatalf("refused creates left %d journeys, want 1", len(journeys.Items))
	}
}

func namesField(p api.Problem, field string) bool {
	for _, f := range p.Errors {
		if f.Pointer == field || f.Parameter == field {
			return true
		}
	}
	return false
}

// doRaw is do with control over the Content-Type header.
func (e *env) doRaw(method, path, token string, body any, noContentType bool, headers ...string) response {
	e.t.Helper()
	if noContentType {
		headers = append(headers, "Content-Type", "")
	}
	return e.do(method, path, token, body, headers...)
}

// revokedKey creates a viewer key through the API and revokes it.
func revokedKey(t *testing.T, e *env) (string, string) {
	t.Helper()
	var k api.APIKeyCreated
	e.do(http.MethodPost, "/api/v1/api-keys", e.admin, `{"name":"temp","role":"viewer"}`).want(t, http.StatusCreated).json(t, &k)
	e.do(http.MethodPost, "/api/v1/api-keys/"+k.ID+"/revoke", e.admin, nil).want(t, http.StatusOK)
	return k.ID, k.Key
}

func TestIdempotentCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"name":"Lunch","stages":[{"name":"Arrive"}]}`
	first := e.do(http.MethodPost, "/api/v1/journeys", e.editor, body, "Idempotency-Key", "k-1").want(t, http.StatusCreated)
	again := e.do(http.MethodPost, "/api/v1/journeys", e.editor, body, "Idempotency-Key", "k-1").want(t, http.StatusCreated)
	if string(first.Body) != string(again.Body) || first.Header.Get("Location") != again.Header.Get("Location") || first.Header.Get("ETag") != again.Header.Get("ETag") {
		t.Fatalf("replay differs:\n%s %v\n%s %v", first.Body, first.Header, again.Body, again.Header)
	}
	if again.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("Idempotent-Replayed header wrong")
	}
	e.do(http.MethodPost, "/api/v1/journeys", e.editor, `{"name":"Dinner","stages":[{"name":"Arrive"}]}`, "Idempotency-Key", "k-1").problem(t, http.StatusUnprocessableEntity)
	// The same key in another workspace is another key.
	e.do(http.MethodPost, "/api/v1/journeys", e.other, body, "Idempotency-Key", "k-1").want(t, http.StatusCreated)
	// A failed request stores nothing: fixing the body and retrying with the same key works.
	e.do(http.MethodPost, "/api/v1/journeys", e.editor, `{"name":"","stages":[{"name":"a"}]}`, "Idempotency-Key", "k-2").problem(t, http.StatusUnprocessableEntity)
	e.do(http.MethodPost, "/api/v1/journeys", e.editor, body, "Idempotency-Key", "k-2").want(t, http.StatusCreated)

	var list api.JourneyList
	e.do(http.MethodGet, "/api/v1/journeys", e.viewer, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d journeys in acme, want 2 (k-1 once, k-2 once)", len(list.Items))
	}
}

func TestIdempotencyKeyInFlight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Hold the key's lock from another session, as a first request still running would.
	conn, err := e.store.SQL().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lock := "SELECT pg_advisory_lock(hashtextextended($1 || '/' || $2, 0))"
	if _, err := conn.ExecContext(context.Background(), lock, e.wsID, "busy"); err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodPost, "/api/v1/journeys", e.editor, `{"name":"a","stages":[{"name":"a"}]}`, "Idempotency-Key", "busy").problem(t, http.StatusConflict)
	if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock_all()"); err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodPost, "/api/v1/journeys", e.editor, `{"name":"a","stages":[{"name":"a"}]}`, "Idempotency-Key", "busy").want(t, http.StatusCreated)
}

func TestConcurrentRetriesCreateOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 10
	var wg sync.WaitGroup
	bodies := make([]response, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bodies[i] = e.do(http.MethodPost, "/api/v1/journeys", e.editor, `{"name":"once","stages":[{"name":"a"}]}`, "Idempotency-Key", "same")
		}()
	}
	wg.Wait()
	var firstOK []byte
	for _, r := range bodies {
		switch r.Status {
		case http.StatusCreated:
			if firstOK != nil && string(firstOK) != string(r.Body) {
				t.Fatalf("two different 201 bodies:\n%s\n%s", firstOK, r.Body)
			}
			firstOK = r.Body
		case http.StatusConflict: // still in flight: the client retries later
		default:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	var list api.JourneyList
	e.do(http.MethodGet, "/api/v1/journeys", e.viewer, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d journeys created, want exactly 1", len(list.Items))
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(http.MethodGet, "/healthz", "", nil).want(t, http.StatusOK)
	e.do(http.MethodGet, "/readyz", "", nil).want(t, http.StatusOK)
	j := e.journey("Lunch", "Arrive")
	e.do(http.MethodGet, "/api/v1/journeys/"+j.ID, e.viewer, nil).want(t, http.StatusOK)
	e.do(http.MethodGet, "/no/such/path/"+j.ID, "", nil).problem(t, http.StatusNotFound)
	metrics := string(e.do(http.MethodGet, "/metrics", "", nil).want(t, http.StatusOK).Body)
	if !strings.Contains(metrics, `url="/api/v1/journeys/:id"`) {
		t.Fatal("metrics lack the route template label")
	}
	if strings.Contains(metrics, j.ID) {
		t.Fatal("metrics carry a raw path with an id")
	}
	if !strings.Contains(e.do(http.MethodGet, "/swagger/index.html", "", nil).want(t, http.StatusOK).Header.Get("Content-Type"), "text/html") {
		t.Fatal("swagger UI is not HTML")
	}
	var spec map[string]any
	e.do(http.MethodGet, "/swagger/doc.json", "", nil).want(t, http.StatusOK).json(t, &spec)
	if spec["swagger"] != "2.0" {
		t.Fatalf("doc.json is not a Swagger 2.0 spec: %v", spec["swagger"])
	}

	// With the database gone, readiness and requests say 503 with Retry-After.
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.do(http.MethodGet, "/readyz", "", nil)
	r.problem(t, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
}
