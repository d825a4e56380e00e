package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cxbacklog/api"
)

func TestJourneyAndTouchpointLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	created := e.do(http.MethodPost, "/api/v1/journeys", e.editor,
		`{"name":"Lunch at the restaurant","description":"menu to bill","stages":[{"name":"Arrive"},{"name":"Order"},{"name":"Pay"}]}`).
		want(t, http.StatusCreated)
	var j api.Journey
	created.json(t, &j)
	if loc := created.Header.Get("Location"); loc != "/api/v1/journeys/"+j.ID {
		t.Fatalf("Location = %q", loc)
	}
	if created.Header.Get("ETag") != `"1"` || j.Version != 1 || len(j.Stages) != 3 || j.Stages[2].Name != "Pay" {
		t.Fatalf("created journey = %+v, ETag %s", j, created.Header.Get("ETag"))
	}

	var got api.Journey
	e.do(http.MethodGet, "/api/v1/journeys/"+j.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if fmt.Sprint(got) != fmt.Sprint(j) {
		t.Fatalf("GET = %+v, want what POST returned %+v", got, j)
	}

	tp := e.touchpoint(j, "Entrance", "physical_environment", "Facilities")
	patched := e.do(http.MethodPatch, "/api/v1/touchpoints/"+tp.ID, e.editor,
		fmt.Sprintf(`{"stage_id":%q,"description":null,"owner":"Front of house"}`, j.Stages[1].ID), "If-Match", `"1"`).
		want(t, http.StatusOK)
	var tp2 api.Touchpoint
	patched.json(t, &tp2)
	if tp2.Version != 2 || patched.Header.Get("ETag") != `"2"` || tp2.StageID != j.Stages[1].ID || tp2.Owner != "Front of house" || tp2.Name != "Entrance" {
		t.Fatalf("patched = %+v", tp2)
	}

	// Reorder stages and rename one, keeping ids; removing the used stage is refused.
	reorder := fmt.Sprintf(`{"stages":[{"id":%q,"name":"Pay at table"},{"id":%q,"name":"Order"}]}`, j.Stages[2].ID, j.Stages[1].ID)
	var j2 api.Journey
	e.do(http.MethodPatch, "/api/v1/journeys/"+j.ID, e.editor, reorder, "If-Match", `"1"`).want(t, http.StatusOK).json(t, &j2)
	if len(j2.Stages) != 2 || j2.Stages[0].ID != j.Stages[2].ID || j2.Stages[0].Name != "Pay at table" || j2.Version != 2 {
		t.Fatalf("reordered = %+v", j2)
	}
	dropUsed := fmt.Sprintf(`{"stages":[{"id":%q,"name":"Pay"}]}`, j.Stages[2].ID)
	e.do(http.MethodPatch, "/api/v1/journeys/"+j.ID, e.editor, dropUsed, "If-Match", `"2"`).problem(t, http.StatusConflict)

	e.do(http.MethodDelete, "/api/v1/journeys/"+j.ID, e.editor, nil, "If-Match", `"2"`).problem(t, http.StatusConflict)
	e.do(http.MethodDelete, "/api/v1/touchpoints/"+tp.ID, e.editor, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
	e.do(http.MethodDelete, "/api/v1/journeys/"+j.ID, e.editor, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
	e.do(http.MethodGet, "/api/v1/journeys/"+j.ID, e.viewer, nil).problem(t, http.StatusNotFound)
}

func TestTouchpointListFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lunch := e.journey("Lunch", "Arrive")
	support := e.journey("Support", "Call")
	for i := 0; i < 5; i++ {
		e.touchpoint(lunch, fmt.Sprintf("Greeting %d", i), "in_person", "Floor team")
	}
	e.touchpoint(support, "Phone queue", "phone", "Contact centre")
	e.touchpoint(support, "Invoice 100% clear", "mail", "Billing")

	tests := []struct {
		query string
		want  int
	}{
		{"", 7},
		{"journey_id=" + lunch.ID, 5},
		{"stage_id=" + support.Stages[0].ID, 2},
		{"channel=phone", 1},
		{"owner=" + url.QueryEscape("Contact centre"), 1},
		{"q=GREETING", 5},
		{"q=" + url.QueryEscape("100%"), 1},
		{"q=" + url.QueryEscape("0%"), 1},
		{"channel=in_person&q=greeting+3", 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if got := len(e.pageAll(t, "/api/v1/touchpoints", tt.query+"&limit=2")); got != tt.want {
				t.Fatalf("got %d touchpoints, want %d", got, tt.want)
			}
		})
	}
}

func TestMergePatchNullClearsAndRequiredFieldsStay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Lunch", "Arrive")
	var cleared api.Journey
	e.do(http.MethodPatch, "/api/v1/journeys/"+j.ID, e.editor, `{"description":null}`, "If-Match", `"1"`).want(t, http.StatusOK).json(t, &cleared)
	if cleared.Description != "" || cleared.Name != "Lunch" || cleared.Version != 2 {
		t.Fatalf("after clearing description: %+v", cleared)
	}
	p := e.do(http.MethodPatch, "/api/v1/journeys/"+j.ID, e.editor, `{"name":null,"stages":[]}`, "If-Match", `"2"`).problem(t, http.StatusUnprocessableEntity)
	if len(p.Errors) != 2 || p.Errors[0].Pointer != "/name" || p.Errors[1].Pointer != "/stages" {
		t.Fatalf("errors = %+v, want /name and /stages", p.Errors)
	}
	var after api.Journey
	e.do(http.MethodGet, "/api/v1/journeys/"+j.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &after)
	if after.Version != 2 || after.Name != "Lunch" {
		t.Fatalf("a refused patch changed the journey: %+v", after)
	}
	// application/merge-patch+json is the RFC 7396 media type and is accepted.
	e.do(http.MethodPatch, "/api/v1/journeys/"+j.ID, e.editor, `{"name":"Dinner"}`, "If-Match", `"2"`, "Content-Type", "application/merge-patch+json").want(t, http.StatusOK)
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	created := e.do(http.MethodPost, "/api/v1/api-keys", e.admin, `{"name":"ci","role":"viewer"}`, "Idempotency-Key", "key-1").want(t, http.StatusCreated)
	var k api.APIKeyCreated
	created.json(t, &k)
	if k.Key == "" || k.Role != "viewer" || created.Header.Get("Location") != "/api/v1/api-keys/"+k.ID {
		t.Fatalf("created key = %+v, Location %s", k, created.Header.Get("Location"))
	}
	var stored int
	if err := e.store.SQL().QueryRow("SELECT count(*) FROM idempotency_keys").Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("a key's creation was stored for replay (%d rows, %v): the secret would sit in the database", stored, err)
	}
	var me api.Me
	e.do(http.MethodGet, "/api/v1/me", k.Key, nil).want(t, http.StatusOK).json(t, &me)
	if me.KeyID != k.ID || me.Role != "viewer" || me.WorkspaceID != e.wsID {
		t.Fatalf("me = %+v", me)
	}
	list := e.do(http.MethodGet, "/api/v1/api-keys?limit=100", e.admin, nil).want(t, http.StatusOK)
	if strings.Contains(string(list.Body), k.Key) || strings.Contains(string(list.Body), `"key"`) {
		t.Fatalf("the key list shows a secret: %s", list.Body)
	}
	var keys api.APIKeyList
	list.json(t, &keys)
	if len(keys.Items) != 4 { // admin, editor, viewer from newEnv, plus ci
		t.Fatalf("listed %d keys, want 4", len(keys.Items))
	}
	var used api.APIKey
	e.do(http.MethodGet, "/api/v1/api-keys/"+k.ID, e.admin, nil).want(t, http.StatusOK).json(t, &used)
	if used.LastUsedAt == nil {
		t.Fatal("last_used_at not recorded after the key was used")
	}
	e.do(http.MethodGet, "/api/v1/api-keys/"+k.ID, e.other, nil).problem(t, http.StatusNotFound)
	e.do(http.MethodPost, "/api/v1/api-keys/"+k.ID+"/revoke", e.other, nil).problem(t, http.StatusNotFound)
	var revoked api.APIKey
	e.do(http.MethodPost, "/api/v1/api-keys/"+k.ID+"/revoke", e.admin, nil).want(t, http.StatusOK).json(t, &revoked)
	if revoked.RevokedAt == nil {
		t.Fatal("revoked_at not set")
	}
	r := e.do(http.MethodGet, "/api/v1/me", k.Key, nil)
	r.problem(t, http.StatusUnauthorized)
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	e.do(http.MethodPost, "/api/v1/api-keys", e.admin, `{"name":"old","role":"viewer","expires_at":"2001-01-01T00:00:00Z"}`).problem(t, http.StatusUnprocessableEntity)
}
