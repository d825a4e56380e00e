package repository

import (
	"context"
	"time"

	"cxbacklog/domain"
)

type webSessionRow struct {
	IDHash      []byte
	KeyID       string
	WorkspaceID string
	CSRFToken   string `gorm:"column:csrf_token"`
	CreatedAt   time.Time
	LastSeenAt  time.Time
}

func (webSessionRow) TableName() string { return "web_sessions" }

// CreateSession implements domain.SessionStore.
func (s *Store) CreateSession(ctx context.Context, ws *domain.WebSession) error {
	row := webSessionRow{IDHash: ws.IDHash, KeyID: ws.KeyID, WorkspaceID: ws.WorkspaceID, CSRFToken: ws.CSRF,
		CreatedAt: ws.CreatedAt, LastSeenAt: ws.LastSeenAt}
	return translate(s.conn(ctx).Create(&row).Error)
}

// GetSession implements domain.SessionStore: the session and its key in one
// statement.
func (s *Store) GetSession(ctx context.Context, idHash []byte) (*domain.WebSession, *domain.APIKey, error) {
	var r struct {
		IDHash, SecretHash                        []byte
		KeyID, WorkspaceID, CSRFToken, Name, Role string
		CreatedAt, LastSeenAt, KeyCreatedAt       time.Time
		ExpiresAt, RevokedAt, LastUsedAt          *time.Time
	}
	err := s.conn(ctx).Raw(`SELECT ws.id_hash, ws.key_id, ws.workspace_id, ws.csrf_token, ws.created_at, ws.last_seen_at,
			k.name, k.role, k.secret_hash, k.created_at AS key_created_at, k.expires_at, k.revoked_at, k.last_used_at
		FROM web_sessions ws JOIN api_keys k ON k.id = ws.key_id WHERE ws.id_hash = ?`, idHash).Scan(&r).Error
	if err != nil {
		return nil, nil, translate(err)
	}
	if r.IDHash == nil {
		return nil, nil, domain.Errorf(domain.ENotFound, "no such session")
	}
	key := domain.APIKey{ID: r.KeyID, WorkspaceID: r.WorkspaceID, Name: r.Name, Role: domain.Role(r.Role), SecretHash: r.SecretHash,
		CreatedAt: r.KeyCreatedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, LastUsedAt: r.LastUsedAt}
	return &domain.WebSession{IDHash: r.IDHash, KeyID: r.KeyID, WorkspaceID: r.WorkspaceID, CSRF: r.CSRFToken,
		CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt}, &key, nil
}

// TouchSession implements domain.SessionStore.
func (s *Store) TouchSession(ctx context.Context, idHash []byte, now time.Time) error {
	return translate(s.conn(ctx).Model(&webSessionRow{}).Where("id_hash = ?", idHash).Update("last_seen_at", now).Error)
}

// DeleteSession implements domain.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	return translate(s.conn(ctx).Where("id_hash = ?", idHash).Delete(&webSessionRow{}).Error)
}

var _ domain.SessionStore = (*Store)(nil)
