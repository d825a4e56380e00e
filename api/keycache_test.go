package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"
)

// cacheEnv is one API process (a "replica") on a test database, with an
// admin key and a viewer key in one workspace.
type cacheEnv struct {
	srv    *Server
	store  *repository.Store
	url    string // of the database
	wsID   string
	admin  string
	viewer string
}

// cacheConfig caches keys for a long time, so that only an eviction (never
// the TTL) can end an entry within a test; clock may be nil.
func cacheConfig(clock func() time.Time) Config {
	cfg := DefaultConfig
	cfg.AuthFailureRate = 0
	cfg.KeyCacheTTL = 10 * time.Minute
	cfg.Clock = clock
	return cfg
}

func newCacheEnv(t *testing.T, cfg Config) *cacheEnv {
	t.Helper()
	store, url := pgtest.NewStore(t)
	wsID, admin := pgtest.Workspace(t, store, "acme", domain.RoleAdmin)
	return &cacheEnv{srv: New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg), store: store, url: url,
		wsID: wsID, admin: admin, viewer: pgtest.Key(t, store, wsID, domain.RoleViewer)}
}

// status is the status of a request with token.
func (e *cacheEnv) status(t *testing.T, method, path, token string) int {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec.Code
}

// cached tells whether the token is served from the cache at now.
func (e *cacheEnv) cached(token string, now time.Time) bool {
	return e.srv.keys.get(domain.HashToken(token), now) != nil
}

// revokeInDatabase revokes the key behind token as another program would,
// without telling anyone (no notification).
func (e *cacheEnv) revokeInDatabase(t *testing.T, token string) {
	t.Helper()
	id, _ := domain.KeyIDFromToken(token)
	if _, err := e.store.SQL().Exec("UPDATE api_keys SET revoked_at = now() WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
}

func keyID(token string) string {
	id, _ := domain.KeyIDFromToken(token)
	return id
}

// A revocation through this process refuses the key on its next request,
// although the watcher (live here, but never notifying) says nothing.
func TestKeyCacheRevokedHereRefusedAtOnce(t *testing.T) {
	t.Parallel()
	e := newCacheEnv(t, cacheConfig(nil))
	e.srv.keys.Live(true)
	if got := e.status(t, http.MethodGet, "/api/v1/me", e.viewer); got != http.StatusOK {
		t.Fatalf("before revoking: %d", got)
	}
	if !e.cached(e.viewer, time.Now()) {
		t.Fatal("a verified key was not cached")
	}
	if got := e.status(t, http.MethodPost, "/api/v1/api-keys/"+keyID(e.viewer)+"/revoke", e.admin); got != http.StatusOK {
		t.Fatalf("revoke: %d", got)
	}
	if got := e.status(t, http.MethodGet, "/api/v1/me", e.viewer); got != http.StatusUnauthorized {
		t.Fatalf("after revoking here: %d, want 401", got)
	}
}

// Two replicas on one database, each with its watcher: a key revoked
// through one is refused by the other within the bound, although the other
// had it cached for ten minutes.
func TestKeyCacheRevokedElsewhereRefusedWithinBound(t *testing.T) {
	t.Parallel()
	a := newCacheEnv(t, cacheConfig(nil))
	storeB, err := repository.Open(context.Background(), a.url, repository.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = storeB.Close() })
	b := &cacheEnv{srv: New(storeB, a.srv.log, cacheConfig(nil)), store: storeB, wsID: a.wsID, admin: a.admin, viewer: a.viewer}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, r := range []*cacheEnv{a, b} {
		wg.Go(func() { r.srv.WatchKeys(ctx) })
	}
	waitLive(t, a.srv.keys, b.srv.keys)

	if got := b.status(t, http.MethodGet, "/api/v1/me", b.viewer); got != http.StatusOK {
		t.Fatalf("before revoking: %d", got)
	}
	if !b.cached(b.viewer, time.Now()) {
		t.Fatal("replica b did not cache the verified key")
	}
	const bound = 2 * time.Second
	if got := a.status(t, http.MethodPost, "/api/v1/api-keys/"+keyID(a.viewer)+"/revoke", a.admin); got != http.StatusOK {
		t.Fatalf("revoke through a: %d", got)
	}
	revoked := time.Now()
	for b.status(t, http.MethodGet, "/api/v1/me", b.viewer) != http.StatusUnauthorized {
		if time.Since(revoked) > bound {
			t.Fatalf("replica b still accepts the key %s after it was revoked through a", bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("replica b refused the key %s after the revocation through a", time.Since(revoked).Round(time.Millisecond))
}

// waitLive waits for the caches' watchers to be listening.
func waitLive(t *testing.T, caches ...*keyCache) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, c := range caches {
		for {
			c.mu.RLock()
			live := c.live
			c.mu.RUnlock()
			if live {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the key watcher did not start listening")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// testClock is a settable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// A cached key that expires is refused at its expiry, long before the
// entry's TTL ends; and a cached key's use is still recorded once
// domain.KeyTouchInterval has passed.
func TestKeyCacheExpiryAndTouch(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Now().UTC().Truncate(time.Microsecond)}
	e := newCacheEnv(t, cacheConfig(clock.Now))
	e.srv.keys.Live(true)
	id, token := domain.NewKeyToken()
	expires := clock.Now().Add(3 * domain.KeyTouchInterval)
	key := &domain.APIKey{ID: id, WorkspaceID: e.wsID, Name: "short-lived", Role: domain.RoleViewer,
		SecretHash: domain.HashToken(token), ExpiresAt: &expires}
	if err := e.store.CreateKey(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		k, err := e.store.GetKey(context.Background(), id)
		if err != nil || k.LastUsedAt == nil {
			t.Fatalf("last_used_at: %v, %v", k, err)
		}
		return k.LastUsedAt.UTC()
	}

	if got := e.status(t, http.MethodGet, "/api/v1/me", token); got != http.StatusOK {
		t.Fatalf("a fresh key: %d", got)
	}
	first := lastUsed()
	clock.advance(domain.KeyTouchInterval + time.Second)
	if !e.cached(token, clock.Now()) {
		t.Fatal("the key is not cached")
	}
	if got := e.status(t, http.MethodGet, "/api/v1/me", token); got != http.StatusOK {
		t.Fatalf("a cached key: %d", got)
	}
	if got, want := lastUsed(), clock.Now(); !got.Equal(want) {
		t.Fatalf("last_used_at = %s after a cached use at %s (first use %s); want it recorded", got, want, first)
	}

	clock.advance(2 * domain.KeyTouchInterval) // past the expiry, well within the TTL
	if got := e.status(t, http.MethodGet, "/api/v1/me", token); got != http.StatusUnauthorized {
		t.Fatalf("an expired cached key: %d, want 401", got)
	}
}

// A token with a cached key's id and a wrong secret is refused, and a
// refusal is never cached.
func TestKeyCacheWrongSecretRefused(t *testing.T) {
	t.Parallel()
	e := newCacheEnv(t, cacheConfig(nil))
	e.srv.keys.Live(true)
	if got := e.status(t, http.MethodGet, "/api/v1/me", e.viewer); got != http.StatusOK {
		t.Fatalf("the right secret: %d", got)
	}
	i := strings.LastIndexByte(e.viewer, '_') + 1
	forged := e.viewer[:i] + strings.Repeat("A", len(e.viewer)-i)
	for range 2 {
		if got := e.status(t, http.MethodGet, "/api/v1/me", forged); got != http.StatusUnauthorized {
			t.Fatalf("a wrong secret for a cached key id: %d, want 401", got)
		}
	}
	if e.cached(forged, time.Now()) {
		t.Fatal("a refused token was cached")
	}
}

// While the watcher is down the cache is bypassed: a key revoked by a
// process whose notification cannot arrive is refused on the next request.
func TestKeyCacheBypassedWhileWatcherDown(t *testing.T) {
	t.Parallel()
	e := newCacheEnv(t, cacheConfig(nil))
	e.srv.keys.Live(true)
	e.status(t, http.MethodGet, "/api/v1/me", e.admin)
	e.srv.keys.Live(false) // the connection is lost
	if e.cached(e.admin, time.Now()) {
		t.Fatal("entries survived the loss of the watcher")
	}
	if got := e.status(t, http.MethodGet, "/api/v1/me", e.viewer); got != http.StatusOK {
		t.Fatalf("before revoking: %d", got)
	}
	e.revokeInDatabase(t, e.viewer)
	if got := e.status(t, http.MethodGet, "/api/v1/me", e.viewer); got != http.StatusUnauthorized {
		t.Fatalf("a key revoked while the watcher was down: %d, want 401", got)
	}
}

// The cache's own rules, without a database: bounded size, and a lookup
// that began before an eviction does not put the key back.
func TestKeyCacheBoundsAndGenerations(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c := newKeyCache(time.Minute, 3)
	c.Live(true)
	put := func(gen uint64) []byte {
		id, token := domain.NewKeyToken()
		hash := domain.HashToken(token)
		c.put(hash, &domain.APIKey{ID: id}, &domain.Principal{KeyID: id}, nil, gen, now)
		return hash
	}
	for range 10 {
		put(c.generation())
	}
	if len(c.entries) != 3 {
		t.Fatalf("%d entries after 10 puts, want 3 (the bound)", len(c.entries))
	}

	gen := c.generation()
	c.Revoked("some other key") // an eviction while the lookup ran
	if h := put(gen); c.get(h, now) != nil {
		t.Fatal("a lookup older than an eviction was cached")
	}
	if h := put(c.generation()); c.get(h, now) == nil {
		t.Fatal("a current lookup was not cached")
	}
	if h := put(c.generation()); c.get(h, now.Add(time.Minute)) != nil {
		t.Fatal("an entry outlived its TTL")
	}
}
