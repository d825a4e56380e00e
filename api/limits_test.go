package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

// TestWorkspaceRateLimit: keys of one workspace share its budget, so minting
// keys does not lift it; another workspace keeps its own.
func TestWorkspaceRateLimit(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.RatePerWorkspace, cfg.BurstPerWorkspace = 0.5, 4
	e := newEnvConfig(t, cfg)
	keys := []string{e.admin, e.editor, e.viewer, pgtest.Key(t, e.store, e.wsID, domain.RoleViewer)}
	for _, k := range keys {
		e.do(http.MethodGet, "/api/v1/me", k, nil).want(t, http.StatusOK)
	}
	extra := pgtest.Key(t, e.store, e.wsID, domain.RoleViewer) // a fresh key: its own budget is full
	r := e.do(http.MethodGet, "/api/v1/me", extra, nil)
	if p := r.problem(t, http.StatusTooManyRequests); !strings.Contains(p.Detail, "workspace") {
		t.Fatalf("429 detail %q does not say it is the workspace's budget", p.Detail)
	}
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	e.do(http.MethodGet, "/api/v1/me", e.other, nil).want(t, http.StatusOK)
}

// TestFailedAuthenticationThrottle: an address that keeps sending bad keys
// is refused with 429 before any look-up, while other addresses are served.
func TestFailedAuthenticationThrottle(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.AuthFailureRate, cfg.AuthFailureBurst = 0.001, 3
	e := newEnvConfig(t, cfg)
	from := func(addr, token string) response {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		req.RemoteAddr = addr
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-For", "198.51.100.7") // not from a trusted proxy: ignored
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, req)
		return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	}
	bad := "cxb_00000000000000000000000000000000_nope"
	from("203.0.113.9:3999", e.viewer).want(t, http.StatusOK) // used before its address fails
	for n := range 3 {
		if got := from("203.0.113.9:4000", bad).Status; got != http.StatusUnauthorized {
			t.Fatalf("bad key %d: status %d, want 401", n+1, got)
		}
	}
	r := from("203.0.113.9:4001", bad)
	r.problem(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	from("203.0.113.10:4000", bad).want(t, http.StatusUnauthorized) // another address has its own budget
	// A key that authenticated recently still gets through from the
	// blocked address (a colleague behind the same NAT); an unknown one,
	// or a known key id with a wrong secret, does not.
	from("203.0.113.9:4002", e.viewer).want(t, http.StatusOK)
	from("203.0.113.10:4000", e.viewer).want(t, http.StatusOK)
	from("203.0.113.9:4002", e.editor).problem(t, http.StatusTooManyRequests)
	from("203.0.113.9:4002", e.viewer[:len(e.viewer)-2]+"xx").problem(t, http.StatusTooManyRequests)
}

// TestActiveKeyQuota: a workspace holds at most ActiveKeys active keys;
// revoking one makes room.
func TestActiveKeyQuota(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.ActiveKeys = 3 // newEnv made admin, editor and viewer
	e := newEnvConfig(t, cfg)
	p := e.do(http.MethodPost, "/api/v1/api-keys", e.admin, api.APIKeyCreate{Name: "fourth", Role: "viewer"}).problem(t, http.StatusConflict)
	if !strings.Contains(p.Detail, "3 active API keys") {
		t.Fatalf("quota problem = %+v", p)
	}
	viewerID, _ := domain.KeyIDFromToken(e.viewer)
	e.do(http.MethodPost, "/api/v1/api-keys/"+viewerID+"/revoke", e.admin, nil).want(t, http.StatusOK)
	e.do(http.MethodPost, "/api/v1/api-keys", e.admin, api.APIKeyCreate{Name: "fourth", Role: "viewer"}).want(t, http.StatusCreated)
	// The other workspace counts its own.
	e.do(http.MethodPost, "/api/v1/api-keys", e.other, api.APIKeyCreate{Name: "second", Role: "viewer"}).want(t, http.StatusCreated)
}

// TestForeignKeyLooksUnknown: another workspace's key and a key that never
// existed get the same answer, so ids cannot be probed across workspaces.
func TestForeignKeyLooksUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreign, _ := domain.KeyIDFromToken(e.other)
	unknown := domain.NewID()
	for _, op := range []struct{ method, suffix string }{{http.MethodGet, ""}, {http.MethodPost, "/revoke"}} {
		a := e.do(op.method, "/api/v1/api-keys/"+foreign+op.suffix, e.admin, nil).problem(t, http.StatusNotFound)
		b := e.do(op.method, "/api/v1/api-keys/"+unknown+op.suffix, e.admin, nil).problem(t, http.StatusNotFound)
		if strings.ReplaceAll(a.Detail, foreign, "ID") != strings.ReplaceAll(b.Detail, unknown, "ID") || a.Type != b.Type {
			t.Fatalf("%s %s: foreign key %q, unknown key %q", op.method, op.suffix, a.Detail, b.Detail)
		}
	}
	e.do(http.MethodGet, "/api/v1/me", e.other, nil).want(t, http.StatusOK) // not revoked by the attempt
}

// countingKeys is the store, counting key look-ups.
type countingKeys struct {
	*repository.Store
	lookups atomic.Int64
}

func (s *countingKeys) GetKey(ctx context.Context, id string) (*domain.APIKey, error) {
	s.lookups.Add(1)
	return s.Store.GetKey(ctx, id)
}

// TestSpentBudgetCostsNoLookup: once a key's budget is spent, its further
// requests are refused without a database look-up (at thousands a second
// those took most of a core); an impostor with the key's id but another
// secret still gets the look-up and its 401.
func TestSpentBudgetCostsNoLookup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	store := &countingKeys{Store: e.store}
	cfg := api.DefaultConfig
	cfg.RatePerKey, cfg.BurstPerKey = 0.001, 2
	srv := api.New(store, slog.New(slog.DiscardHandler), cfg)
	get := func(token string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	for range 2 {
		if got := get(e.viewer); got != http.StatusOK {
			t.Fatalf("within the burst: %d", got)
		}
	}
	if got := get(e.viewer); got != http.StatusTooManyRequests {
		t.Fatalf("past the burst: %d", got)
	}
	before := store.lookups.Load()
	for range 50 {
		if got := get(e.viewer); got != http.StatusTooManyRequests {
			t.Fatalf("spent key: %d", got)
		}
	}
	if n := store.lookups.Load() - before; n != 0 {
		t.Fatalf("%d key look-ups for 50 requests of a spent key, want 0", n)
	}
	if got := get(e.viewer[:len(e.viewer)-2] + "xx"); got != http.StatusUnauthorized {
		t.Fatalf("the key's id with another secret: %d, want 401", got)
	}
}
