package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"
)

func TestRateLimitPerKey(t *testing.T) {
	t.Parallel()
	store, _ := pgtest.NewStore(t)
	_, noisy := pgtest.Workspace(t, store, "noisy", domain.RoleViewer)
	_, quiet := pgtest.Workspace(t, store, "quiet", domain.RoleViewer)
	cfg := api.DefaultConfig
	cfg.RatePerKey, cfg.BurstPerKey = 0.5, 3
	e := &env{t: t, srv: api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg), store: store}

	for n := range 3 {
		if got := e.do(http.MethodGet, "/api/v1/me", noisy, nil).Status; got != http.StatusOK {
			t.Fatalf("request %d within the burst: status %d", n+1, got)
		}
	}
	r := e.do(http.MethodGet, "/api/v1/me", noisy, nil)
	r.problem(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Another key has its own budget.
	e.do(http.MethodGet, "/api/v1/me", quiet, nil).want(t, http.StatusOK)
}
