package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cxbacklog/api"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// env is a real router on a fresh database with keys of every role in
// workspace "acme" and an admin key in workspace "other".
type env struct {
	t      *testing.T
	srv    *api.Server
	store  *repository.Store
	wsID   string
	admin  string
	editor string
	viewer string
	other  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := api.DefaultConfig
	// Tests send many bad keys from httptest's one address;
	// TestFailedAuthenticationThrottle covers the throttle.
	cfg.AuthFailureRate = 0
	return newEnvConfig(t, cfg)
}

// newEnvConfig is newEnv with the server's limits set by cfg.
func newEnvConfig(t *testing.T, cfg api.Config) *env {
	t.Helper()
	return newEnvWith(t, cfg).boundTo(t)
}

// response is what a request got back.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// json decodes the body into v.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// request builds a request; body may be nil, a string (sent as is) or a value
// (sent as JSON). headers are name, value pairs.
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, reader)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// want fails the test unless the response has status.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// problem checks a problem+json response and returns it.
func (r response) problem(t *testing.T, status int) api.Problem {
	t.Helper()
	r.want(t, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p api.Problem
	r.json(t, &p)
	if p.Status != status || p.Title == "" || p.Detail == "" || p.Instance == "" || !strings.HasPrefix(p.Type, "urn:cxbacklog:problem:") {
		t.Fatalf("incomplete problem: %+v", p)
	}
	if p.Instance != r.Header.Get("X-Request-Id") {
		t.Fatalf("instance %q is not the request id %q", p.Instance, r.Header.Get("X-Request-Id"))
	}
	return p
}

// journey creates a journey with the given stage names in e's workspace.
func (e *env) journey(name string, stages ...string) api.Journey {
	e.t.Helper()
	in := api.JourneyCreate{Name: name}
	for _, s := range stages {
		in.Stages = append(in.Stages, api.StageInput{Name: s})
	}
	var j api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.editor, in).want(e.t, http.StatusCreated).json(e.t, &j)
	return j
}

// touchpoint creates a touchpoint in the journey's first stage.
func (e *env) touchpoint(j api.Journey, name, channel, owner string) api.Touchpoint {
	e.t.Helper()
	in := api.TouchpointCreate{JourneyID: j.ID, StageID: j.Stages[0].ID, Name: name, Channel: channel, Owner: owner}
	var tp api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", e.editor, in).want(e.t, http.StatusCreated).json(e.t, &tp)
	return tp
}

// pageAll follows next_cursor from path?query until the last page and returns
// the ids in order, failing if an id repeats or paging does not end.
func (e *env) pageAll(t *testing.T, path, query string) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("pagination does not end")
		}
		q := query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		e.do(http.MethodGet, path+"?"+q, e.viewer, nil).want(t, http.StatusOK).json(t, &page)
		for _, item := range page.Items {
			if seen[item.ID] {
				t.Fatalf("%s repeated across pages", item.ID)
			}
			seen[item.ID] = true
			ids = append(ids, item.ID)
		}
		if page.NextCursor == nil {
			return ids
		}
		cursor = *page.NextCursor
	}
}
