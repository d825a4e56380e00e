package domain

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"time"
)

// WebSession is a signed-in browser of the web workspace. The browser
// holds the token; only its hash is kept. Every write the session makes must
// also carry CSRF, which a page of another site cannot read.
type WebSession struct {
	IDHash      []byte
	KeyID       string
	WorkspaceID string
	CSRF        string
	CreatedAt   time.Time
	LastSeenAt  time.Time
}

// SessionIdle is how long a session lives without a request.
const SessionIdle = 8 * time.Hour

// sessionTouchInterval is how stale last_seen_at may get before a request
// records it: recording every page view would turn every read into a write.
const sessionTouchInterval = time.Minute

// SessionStore keeps web sessions.
type SessionStore interface {
	// CreateSession stores s.
	CreateSession(ctx context.Context, s *WebSession) error
	// GetSession returns the session with idHash and the key it belongs
	// to. ENotFound.
	GetSession(ctx context.Context, idHash []byte) (*WebSession, *APIKey, error)
	// TouchSession records a request of the session at now.
	TouchSession(ctx context.Context, idHash []byte, now time.Time) error
	// DeleteSession ends the session (idempotent).
	DeleteSession(ctx context.Context, idHash []byte) error
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// StartSession signs in the holder of the key p was authenticated with:
// it stores a new session and answers the token for the browser's cookie.
func StartSession(ctx context.Context, store SessionStore, p *Principal, now time.Time) (token string, s *WebSession, err error) {
	token = randomToken()
	s = &WebSession{IDHash: HashToken(token), KeyID: p.KeyID, WorkspaceID: p.WorkspaceID, CSRF: randomToken(), CreatedAt: now, LastSeenAt: now}
	return token, s, store.CreateSession(ctx, s)
}

var errNoSession = Errorf(EUnauthorized, "not signed in, or the session ended; sign in again")

// ResumeSession finds the session of a browser's token at now, with the
// principal of its key: EUnauthorized when there is none, when it was idle
// longer than SessionIdle (it is then deleted), or when its key is revoked
// or expired.
func ResumeSession(ctx context.Context, store SessionStore, token string, now time.Time) (*Principal, *WebSession, error) {
	if token == "" {
		return nil, nil, errNoSession
	}
	s, key, err := store.GetSession(ctx, HashToken(token))
	if ErrorCodeOf(err) == ENotFound {
		return nil, nil, errNoSession
	}
	if err != nil {
		return nil, nil, err
	}
	if now.Sub(s.LastSeenAt) > SessionIdle {
		return nil, nil, firstErr(store.DeleteSession(ctx, s.IDHash), errNoSession)
	}
	if key.RevokedAt != nil || (key.ExpiresAt != nil && !now.Before(*key.ExpiresAt)) {
		return nil, nil, firstErr(store.DeleteSession(ctx, s.IDHash), errNoSession)
	}
	if now.Sub(s.LastSeenAt) >= sessionTouchInterval {
		if err := store.TouchSession(ctx, s.IDHash, now); err != nil {
			return nil, nil, err
		}
	}
	return &Principal{KeyID: key.ID, KeyName: key.Name, WorkspaceID: key.WorkspaceID, Role: key.Role}, s, nil
}

// CheckCSRF compares a form's token with the session's in constant time.
func (s *WebSession) CheckCSRF(token string) error {
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) != 1 {
		return Errorf(EForbidden, "the form's security token is missing or stale; reload the page and send it again")
	}
	return nil
}

// firstErr is a if it is an error, else b.
func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
