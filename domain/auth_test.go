package domain

import (
	"testing"
	"time"
)

func TestKeyTokenRoundTrip(t *testing.T) {
	id, token := NewKeyToken()
	got, ok := KeyIDFromToken(token)
	if !ok || got != id {
		t.Fatalf("KeyIDFromToken(%q) = %q, %v; want %q", token, got, ok, id)
	}
	for _, bad := range []string{"", "cxb_", token + "x", "Bearer " + token, token[:len(token)-1]} {
		if _, ok := KeyIDFromToken(bad); ok {
			t.Errorf("KeyIDFromToken(%q) accepted a malformed token", bad)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	id, token := NewKeyToken()
	_, other := NewKeyToken()
	key := func(mod func(*APIKey)) *APIKey {
		k := &APIKey{ID: id, WorkspaceID: NewID(), Name: "ci", Role: RoleEditor, SecretHash: HashToken(token)}
		mod(k)
		return k
	}
	tests := []struct {
		name  string
		key   *APIKey
		token string
		ok    bool
	}{
		{"valid", key(func(*APIKey) {}), token, true},
		{"valid until expiry", key(func(k *APIKey) { k.ExpiresAt = &future }), token, true},
		{"wrong secret", key(func(*APIKey) {}), other, false},
		{"no key", nil, token, false},
		{"revoked", key(func(k *APIKey) { k.RevokedAt = &past }), token, false},
		{"expired", key(func(k *APIKey) { k.ExpiresAt = &past }), token, false},
		{"expires now", key(func(k *APIKey) { k.ExpiresAt = &now }), token, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Authenticate(tt.key, tt.token, now)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && ErrorCodeOf(err) != EUnauthorized {
				t.Fatalf("code = %s, want %s", ErrorCodeOf(err), EUnauthorized)
			}
			if tt.ok && (p.KeyID != id || p.Role != RoleEditor) {
				t.Fatalf("principal = %+v", p)
			}
		})
	}
}

func TestRoleAllows(t *testing.T) {
	tests := []struct {
		have, need Role
		want       bool
	}{
		{RoleViewer, RoleViewer, true}, {RoleViewer, RoleEditor, false}, {RoleViewer, RoleAdmin, false},
		{RoleEditor, RoleViewer, true}, {RoleEditor, RoleEditor, true}, {RoleEditor, RoleAdmin, false},
		{RoleAdmin, RoleViewer, true}, {RoleAdmin, RoleEditor, true}, {RoleAdmin, RoleAdmin, true},
		{Role("root"), RoleViewer, false},
	}
	for _, tt := range tests {
		if got := tt.have.Allows(tt.need); got != tt.want {
			t.Errorf("%s.Allows(%s) = %v, want %v", tt.have, tt.need, got, tt.want)
		}
	}
}

func TestAPIKeyValidate(t *testing.T) {
	now := time.Now()
	past := now.Add(-time.Hour)
	tests := []struct {
		name string
		key  APIKey
		want []string
	}{
		{"valid", APIKey{Name: "ci", Role: RoleViewer}, nil},
		{"no name, bad role", APIKey{Role: "root"}, []string{"/name", "/role"}},
		{"expired at birth", APIKey{Name: "ci", Role: RoleAdmin, ExpiresAt: &past}, []string{"/expires_at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pointers(t, tt.key.Validate(now))
			if len(got) != len(tt.want) {
				t.Fatalf("pointers = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("pointers = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestValidateSlug(t *testing.T) {
	for _, s := range []string{"default", "cx-team-2", "a"} {
		if err := ValidateSlug(s); err != nil {
			t.Errorf("ValidateSlug(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "-x", "Upper", "with space", "x'; drop table"} {
		if err := ValidateSlug(s); err == nil {
			t.Errorf("ValidateSlug(%q) accepted", s)
		}
	}
}

func TestUseIsStale(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	tests := []struct {
		last *time.Time
		want bool
	}{{nil, true}, {at(10 * time.Second), false}, {at(KeyTouchInterval), true}, {at(time.Hour), true}}
	for _, tt := range tests {
		if got := (&APIKey{LastUsedAt: tt.last}).UseIsStale(now); got != tt.want {
			t.Errorf("last used %v: UseIsStale = %v, want %v", tt.last, got, tt.want)
		}
	}
}
