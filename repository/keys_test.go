package repository_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// createKey stores a key in wsID and returns it with its token.
func createKey(t *testing.T, store *repository.Store, wsID, name string, role domain.Role, expires *time.Time) (*domain.APIKey, string) {
	t.Helper()
	id, token := domain.NewKeyToken()
	k := &domain.APIKey{ID: id, WorkspaceID: wsID, Name: name, Role: role, SecretHash: domain.HashToken(token), ExpiresAt: expires}
	if err := store.CreateKey(context.Background(), k); err != nil {
		t.Fatalf("CreateKey %q: %v", name, err)
	}
	return k, token
}

func TestKeyCreateGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")

	expires := time.Now().Add(48 * time.Hour).Truncate(time.Microsecond).In(time.FixedZone("UTC+5", 5*3600))
	key, token := createKey(t, store, ws, "CI pipeline", domain.RoleEditor, &expires)
	wantMicroseconds(t, "CreatedAt", key.CreatedAt)

	got, err := store.GetKey(ctx, key.ID)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	if got.ID != key.ID || got.WorkspaceID != ws || got.Name != "CI pipeline" || got.Role != domain.RoleEditor {
		t.Fatalf("GetKey = %+v, want %+v", got, key)
	}
	if !got.CreatedAt.Equal(key.CreatedAt) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) {
		t.Fatalf("GetKey times: created %v expires %v, want %v and %v", got.CreatedAt, got.ExpiresAt, key.CreatedAt, expires)
	}
	if got.RevokedAt != nil || got.LastUsedAt != nil {
		t.Fatalf("new key has revoked_at %v last_used_at %v", got.RevokedAt, got.LastUsedAt)
	}
	sum := sha256.Sum256([]byte(token))
	if !bytes.Equal(got.SecretHash, sum[:]) {
		t.Fatalf("SecretHash %x, want sha256 of the token %x", got.SecretHash, sum)
	}
	if p, err := domain.Authenticate(got, token, time.Now()); err != nil || p.WorkspaceID != ws || p.Role != domain.RoleEditor {
		t.Fatalf("Authenticate with the stored key: %+v, %v", p, err)
	}

	// Neither the token nor its secret part is anywhere in the stored row.
	var stored string
	var hash []byte
	if err := store.SQL().QueryRowContext(ctx, "SELECT row_to_json(k)::text, secret_hash FROM api_keys k WHERE id = $1", key.ID).Scan(&stored, &hash); err != nil {
		t.Fatal(err)
	}
	// cxb_<id>_<secret>; the secret is base64url and may hold '_' itself.
	secret := strings.SplitN(token, "_", 3)[2]
	if strings.Contains(stored, secret) || strings.Contains(stored, token) {
		t.Fatalf("the stored row holds the token: %s", stored)
	}
	if !bytes.Equal(hash, sum[:]) {
		t.Fatalf("secret_hash column %x, want %x", hash, sum)
	}

	_, err = store.GetKey(ctx, domain.NewID())
	wantCode(t, "GetKey unknown id", err, domain.ENotFound)

	// Keys without an expiry round-trip a nil ExpiresAt.
	forever, _ := createKey(t, store, ws, "forever", domain.RoleViewer, nil)
	if got, err := store.GetKey(ctx, forever.ID); err != nil || got.ExpiresAt != nil {
		t.Fatalf("GetKey without expiry: %+v, %v", got, err)
	}

	// A duplicate id is a conflict, not an internal error.
	dup := *forever
	wantCode(t, "CreateKey with a used id", store.CreateKey(ctx, &dup), domain.EConflict)
}

func TestListKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	wsA := newWorkspace(t, store, "team-a") // also creates one key
	wsB := newWorkspace(t, store, "team-b")

	initial, _, err := store.ListKeys(ctx, wsA, domain.Page{Limit: 10})
	if err != nil || len(initial) != 1 {
		t.Fatalf("ListKeys after pgtest.Workspace: %d keys, %v", len(initial), err)
	}
	want := []string{initial[0].ID}
	for i := range 6 {
		k, _ := createKey(t, store, wsA, fmt.Sprintf("a%d", i), domain.RoleViewer, nil)
		want = append(want, k.ID)
		createKey(t, store, wsB, fmt.Sprintf("b%d", i), domain.RoleViewer, nil)
	}
	idOf := func(k domain.APIKey) string { return k.ID }
	for _, limit := range []int{1, 2, 3, 7, 50} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			all := pageAll(t, limit, func(p domain.Page) ([]domain.APIKey, *domain.Cursor, error) {
				return store.ListKeys(ctx, wsA, p)
			}, idOf)
			if got := mapSlice(all, idOf); !slices.Equal(got, want) {
				t.Fatalf("ids %v, want oldest first %v", got, want)
			}
			for _, k := range all {
				if k.WorkspaceID != wsA {
					t.Fatalf("ListKeys(A) returned key %s of %s", k.Name, k.WorkspaceID)
				}
			}
		})
	}
	keys, _, err := store.ListKeys(ctx, domain.NewID(), domain.Page{Limit: 10})
	if err != nil || len(keys) != 0 {
		t.Fatalf("ListKeys of an unknown workspace: %v, %v", keys, err)
	}
}

func TestRevokeKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	wsA := newWorkspace(t, store, "team-a")
	wsB := newWorkspace(t, store, "team-b")
	key, token := createKey(t, store, wsA, "to revoke", domain.RoleAdmin, nil)

	wantCode(t, "RevokeKey from another workspace", errOnly(store.RevokeKey(ctx, wsB, key.ID)), domain.ENotFound)
	wantCode(t, "RevokeKey unknown id", errOnly(store.RevokeKey(ctx, wsA, domain.NewID())), domain.ENotFound)
	if got, err := store.GetKey(ctx, key.ID); err != nil || got.RevokedAt != nil {
		t.Fatalf("key after refused revocations: %+v, %v", got, err)
	}

	first, err := store.RevokeKey(ctx, wsA, key.ID)
	if err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	if first.ID != key.ID || first.WorkspaceID != wsA || first.Name != key.Name || first.RevokedAt == nil {
		t.Fatalf("RevokeKey returned %+v", first)
	}
	wantMicroseconds(t, "RevokedAt", *first.RevokedAt)
	if !bytes.Equal(first.SecretHash, key.SecretHash) || !first.CreatedAt.Equal(key.CreatedAt) {
		t.Fatalf("RevokeKey returned hash %x created %v, want %x %v", first.SecretHash, first.CreatedAt, key.SecretHash, key.CreatedAt)
	}

	time.Sleep(5 * time.Millisecond) // a rewrite would now give a later time
	second, err := store.RevokeKey(ctx, wsA, key.ID)
	if err != nil {
		t.Fatalf("second RevokeKey: %v", err)
	}
	if second.RevokedAt == nil || !second.RevokedAt.Equal(*first.RevokedAt) {
		t.Fatalf("second RevokeKey moved revoked_at from %v to %v", first.RevokedAt, second.RevokedAt)
	}
	stored, err := store.GetKey(ctx, key.ID)
	if err != nil || stored.RevokedAt == nil || !stored.RevokedAt.Equal(*first.RevokedAt) {
		t.Fatalf("GetKey after revocation: %+v, %v", stored, err)
	}
	if _, err := domain.Authenticate(stored, token, time.Now()); domain.ErrorCodeOf(err) != domain.EUnauthorized {
		t.Fatalf("Authenticate with a revoked key: %v", err)
	}
	wantCode(t, "RevokeKey revoked key from another workspace", errOnly(store.RevokeKey(ctx, wsB, key.ID)), domain.ENotFound)
}

func TestTouchKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	t0 := time.Now().UTC().Truncate(time.Microsecond)

	lastUsed := func(t *testing.T, id string) *time.Time {
		t.Helper()
		k, err := store.GetKey(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return k.LastUsedAt
	}

	tests := []struct {
		name  string
		touch []time.Time // in order
		want  time.Time
	}{
		{"first use", []time.Time{t0}, t0},
		{"again after 10 s keeps the first", []time.Time{t0, t0.Add(10 * time.Second)}, t0},
		{"again after exactly a minute keeps the first", []time.Time{t0, t0.Add(time.Minute)}, t0},
		{"again after more than a minute", []time.Time{t0, t0.Add(10 * time.Second), t0.Add(61 * time.Second)}, t0.Add(61 * time.Second)},
		{"an earlier time never goes back", []time.Time{t0, t0.Add(-5 * time.Minute)}, t0},
		{"sub-microseconds are dropped", []time.Time{t0.Add(789 * time.Nanosecond)}, t0},
		{"other time zones are the same instant", []time.Time{t0.In(time.FixedZone("x", -7*3600))}, t0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key, _ := createKey(t, store, ws, tc.name, domain.RoleViewer, nil)
			for _, at := range tc.touch {
				if err := store.TouchKey(ctx, key.ID, at); err != nil {
					t.Fatalf("TouchKey(%v): %v", at, err)
				}
			}
			got := lastUsed(t, key.ID)
			if got == nil || !got.Equal(tc.want) {
				t.Fatalf("last_used_at %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("unknown key", func(t *testing.T) {
		if err := store.TouchKey(ctx, domain.NewID(), t0); err != nil {
			t.Fatalf("TouchKey on an unknown key: %v", err)
		}
	})
	t.Run("touch does not change other keys", func(t *testing.T) {
		a, _ := createKey(t, store, ws, "a", domain.RoleViewer, nil)
		b, _ := createKey(t, store, ws, "b", domain.RoleViewer, nil)
		if err := store.TouchKey(ctx, a.ID, t0); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(t, b.ID); got != nil {
			t.Fatalf("untouched key has last_used_at %v", got)
		}
	})
}

func TestEnsureWorkspace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)

	n, err := store.CountWorkspaces(ctx)
	if err != nil || n != 0 {
		t.Fatalf("CountWorkspaces on a fresh database: %d, %v", n, err)
	}

	first, created, err := store.EnsureWorkspace(ctx, "acme")
	if err != nil || !created {
		t.Fatalf("first EnsureWorkspace: created %v, %v", created, err)
	}
	if !domain.IsID(first.ID) || first.Slug != "acme" || first.Name == "" {
		t.Fatalf("first EnsureWorkspace returned %+v", first)
	}
	wantMicroseconds(t, "CreatedAt", first.CreatedAt)
	again, created, err := store.EnsureWorkspace(ctx, "acme")
	if err != nil || created {
		t.Fatalf("second EnsureWorkspace: created %v, %v", created, err)
	}
	if again.ID != first.ID || again.Slug != first.Slug || again.Name != first.Name || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("second EnsureWorkspace returned %+v, want %+v", again, first)
	}

	if _, _, err := store.EnsureWorkspace(ctx, "acme-2"); err != nil {
		t.Fatal(err)
	}
	n, err = store.CountWorkspaces(ctx)
	if err != nil || n != 2 {
		t.Fatalf("CountWorkspaces: %d, %v; want 2", n, err)
	}

	for _, slug := range []string{"", "Acme", "-acme", "ac me", "acme_1", "é", strings.Repeat("a", 64)} {
		t.Run(fmt.Sprintf("invalid slug %q", slug), func(t *testing.T) {
			ws, created, err := store.EnsureWorkspace(ctx, slug)
			wantCode(t, "EnsureWorkspace", err, domain.EInvalid)
			if ws != nil || created {
				t.Fatalf("EnsureWorkspace(%q) returned %+v, %v with its error", slug, ws, created)
			}
		})
	}
	if _, created, err := store.EnsureWorkspace(ctx, strings.Repeat("a", 63)); err != nil || !created {
		t.Fatalf("EnsureWorkspace with a 63-character slug: %v, %v", created, err)
	}
	if n, err := store.CountWorkspaces(ctx); err != nil || n != 3 {
		t.Fatalf("CountWorkspaces after invalid slugs: %d, %v; want 3", n, err)
	}
}

func errOnly[T any](_ T, err error) error { return err }

// TestKeyExpiresAtRoundTrip: after CreateKey the caller's key must equal what
// is read back, as CreatedAt does; PostgreSQL keeps microseconds only.
func TestKeyExpiresAtRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")

	expires := time.Now().Add(time.Hour).Truncate(time.Microsecond).Add(999 * time.Nanosecond)
	key, _ := createKey(t, store, ws, "nanoseconds", domain.RoleViewer, &expires)
	got, err := store.GetKey(ctx, key.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ExpiresAt == nil || key.ExpiresAt == nil || !got.ExpiresAt.Equal(*key.ExpiresAt) {
		t.Fatalf("ExpiresAt after CreateKey %v, read back %v: CreateKey should store and return the same microsecond value", key.ExpiresAt, got.ExpiresAt)
	}
}

func TestEnsureWorkspaceConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)

	const n = 8
	type result struct {
		id      string
		created bool
		err     error
	}
	results := make(chan result, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			ws, created, err := store.EnsureWorkspace(ctx, "racy")
			r := result{created: created, err: err}
			if ws != nil {
				r.id = ws.ID
			}
			results <- r
		}()
	}
	close(start)
	ids := map[string]bool{}
	createdCount := 0
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatalf("concurrent EnsureWorkspace: %v", r.err)
		}
		ids[r.id] = true
		if r.created {
			createdCount++
		}
	}
	if len(ids) != 1 || createdCount != 1 {
		t.Fatalf("concurrent EnsureWorkspace: ids %v, %d created; want one id, created once", ids, createdCount)
	}
	if c, err := store.CountWorkspaces(ctx); err != nil || c != 1 {
		t.Fatalf("CountWorkspaces: %d, %v", c, err)
	}
}
