package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"regexp"
	"strings"
	"time"
)

// Role is what an API key may do. Each role includes the ones below it.
type Role string

// Roles, from least to most privileged.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

var roleRank = map[Role]int{RoleViewer: 1, RoleEditor: 2, RoleAdmin: 3}

// Roles lists the valid roles, for documentation and validation messages.
var Roles = []Role{RoleViewer, RoleEditor, RoleAdmin}

// ParseRole accepts exactly one of the role names.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	_, ok := roleRank[r]
	return r, ok
}

// Allows reports whether a key with role r may act with role need.
func (r Role) Allows(need Role) bool { return roleRank[r] >= roleRank[need] }

// Workspace is one team's backlog; every object and key belongs to one.
type Workspace struct {
	ID        string
	Slug      string
	Name      string
	CreatedAt time.Time
}

// DefaultWorkspaceSlug names the workspace created on first start.
const DefaultWorkspaceSlug = "default"

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidateSlug checks a workspace slug: lower-case letters, digits and
// hyphens, 1–63 characters, starting with a letter or digit.
func ValidateSlug(slug string) error {
	if !slugPattern.MatchString(slug) {
		return Errorf(EInvalid, "workspace slug %q must be 1–63 lower-case letters, digits or hyphens, starting with a letter or digit", slug)
	}
	return nil
}

// APIKey is a credential of one workspace. The secret itself is never stored:
// only its SHA-256 hash.
type APIKey struct {
	ID          string
	WorkspaceID string
	Name        string
	Role        Role
	SecretHash  []byte
	CreatedAt   time.Time
	ExpiresAt   *time.Time
	RevokedAt   *time.Time
	LastUsedAt  *time.Time
}

// Validate checks the fields a client chooses.
func (k *APIKey) Validate(now time.Time) error {
	var fe fieldErrors
	if strings.TrimSpace(k.Name) == "" {
		fe.add("/name", "must not be empty")
	} else if len(k.Name) > 100 {
		fe.add("/name", "must be at most 100 characters")
	}
	if _, ok := ParseRole(string(k.Role)); !ok {
		fe.add("/role", "must be one of viewer, editor, admin")
	}
	if k.ExpiresAt != nil && !k.ExpiresAt.After(now) {
		fe.add("/expires_at", "must be in the future")
	}
	return fe.err()
}

// tokenPrefix makes keys recognisable in logs and secret scanners.
const tokenPrefix = "cxb_"

// tokenPattern is cxb_<key id without hyphens>_<43 base64url characters>.
var tokenPattern = regexp.MustCompile(`^cxb_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$`)

// NewKeyToken makes a new key id and the bearer token that carries it. The
// token is shown once; only HashToken(token) is kept.
func NewKeyToken() (id, token string) {
	id = NewID()
	var secret [32]byte
	_, _ = rand.Read(secret[:])
	token = tokenPrefix + strings.ReplaceAll(id, "-", "") + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	return id, token
}

// KeyIDFromToken extracts the key id so the key can be looked up by primary
// key; the secret is then checked against the stored hash.
func KeyIDFromToken(token string) (string, bool) {
	m := tokenPattern.FindStringSubmatch(token)
	if m == nil {
		return "", false
	}
	h := m[1]
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], true
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// KeyTouchInterval is how stale last_used_at may get: recording every use
// would turn every read into a write.
const KeyTouchInterval = time.Minute

// UseIsStale reports whether last_used_at is worth updating at now.
func (k *APIKey) UseIsStale(now time.Time) bool {
	return k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= KeyTouchInterval
}

// CheckKeyQuota refuses a new key when the workspace already has limit
// active (unrevoked, unexpired) keys: every key has its own rate budget, so
// an unbounded number of keys would be an unbounded budget. 0 means no limit.
func CheckKeyQuota(active, limit int) error {
	if limit > 0 && active >= limit {
		return Errorf(EConflict, "the workspace has %d active API keys, the most it may have; revoke one it no longer needs first", active)
	}
	return nil
}

// Principal is who is calling: the key, its workspace and role.
type Principal struct {
	KeyID       string
	KeyName     string
	WorkspaceID string
	Role        Role
}

var errBadKey = Errorf(EUnauthorized, "the API key is missing, unknown, revoked or expired")

// Authenticate checks token against key (looked up by KeyIDFromToken) in
// constant time and refuses revoked or expired keys. Every refusal gives the
// same message so that callers learn nothing about which keys exist.
func Authenticate(key *APIKey, token string, now time.Time) (*Principal, error) {
	if key == nil || subtle.ConstantTimeCompare(key.SecretHash, HashToken(token)) != 1 {
		return nil, errBadKey
	}
	if key.RevokedAt != nil || (key.ExpiresAt != nil && !now.Before(*key.ExpiresAt)) {
		return nil, errBadKey
	}
	return &Principal{KeyID: key.ID, KeyName: key.Name, WorkspaceID: key.WorkspaceID, Role: key.Role}, nil
}

// KeyStore keeps workspaces and API keys.
type KeyStore interface {
	// EnsureWorkspace returns the workspace with slug, creating it if missing.
	EnsureWorkspace(ctx context.Context, slug string) (ws *Workspace, created bool, err error)
	// CountWorkspaces tells whether the database is still empty.
	CountWorkspaces(ctx context.Context) (int64, error)
	// GetWorkspace returns the workspace with id. ENotFound.
	GetWorkspace(ctx context.Context, id string) (*Workspace, error)
	// ListWorkspaces returns every workspace, by slug.
	ListWorkspaces(ctx context.Context) ([]Workspace, error)
	// CreateKey stores key (ID and SecretHash set by the caller).
	CreateKey(ctx context.Context, key *APIKey) error
	// GetKey returns the key by id in any workspace, for authentication. ENotFound.
	GetKey(ctx context.Context, id string) (*APIKey, error)
	// ListKeys pages through a workspace's keys, oldest first; the cursor is nil on the last page.
	ListKeys(ctx context.Context, workspaceID string, page Page) ([]APIKey, *Cursor, error)
	// ActiveKeys counts the workspace's unrevoked, unexpired keys at now.
	// Inside InTx it also makes the transaction the only one counting that
	// workspace's keys until it ends, so a count and a CreateKey after it
	// cannot be overtaken by another key's creation.
	ActiveKeys(ctx context.Context, workspaceID string, now time.Time) (int, error)
	// RevokeKey marks the key revoked (idempotent). ENotFound.
	RevokeKey(ctx context.Context, workspaceID, id string) (*APIKey, error)
	// TouchKey records use of a key at now, unless another request recorded
	// one within KeyTouchInterval.
	TouchKey(ctx context.Context, id string, now time.Time) error
}

// KeyRevocationSink is told which verified keys to forget: a cache of them
// (api/keycache.go) trusts its entries only while it is Live.
type KeyRevocationSink interface {
	// Live reports whether every revocation from now on will reach Revoked.
	// While it is false, revocations may be missed: nothing cached may be used.
	Live(live bool)
	// Revoked names a key revoked by any process.
	Revoked(keyID string)
}

// KeyRevocationWatcher feeds a sink with the revocations of every process
// sharing the database.
type KeyRevocationWatcher interface {
	// WatchKeyRevocations feeds sink until ctx ends, reconnecting after
	// failures; it tells sink Live(false) before it returns.
	WatchKeyRevocations(ctx context.Context, sink KeyRevocationSink)
}
