package repository

import (
	"context"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm/clause"
)

type workspaceRow struct {
	ID        string
	Slug      string
	Name      string
	CreatedAt time.Time
}

func (workspaceRow) TableName() string { return "workspaces" }

type apiKeyRow struct {
	ID          string
	WorkspaceID string
	Name        string
	Role        string
	SecretHash  []byte
	CreatedAt   time.Time
	ExpiresAt   *time.Time
	RevokedAt   *time.Time
	LastUsedAt  *time.Time
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r apiKeyRow) domain() domain.APIKey {
	return domain.APIKey{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Role: domain.Role(r.Role), SecretHash: r.SecretHash,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, LastUsedAt: r.LastUsedAt,
	}
}

// EnsureWorkspace implements domain.KeyStore.
func (s *Store) EnsureWorkspace(ctx context.Context, slug string) (*domain.Workspace, bool, error) {
	if err := domain.ValidateSlug(slug); err != nil {
		return nil, false, err
	}
	row := workspaceRow{ID: domain.NewID(), Slug: slug, Name: slug, CreatedAt: s.now()}
	created := false
	err := s.InTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "slug"}}, DoNothing: true}).Create(&row)
		if res.Error != nil || res.RowsAffected == 0 {
			return translate(res.Error)
		}
		created = true
		// Every workspace starts with the default metric catalogue (defined
		// once, in the migration that created it).
		return translate(s.conn(ctx).Exec("SELECT seed_metric_catalogue(?)", row.ID).Error)
	})
	if err != nil {
		return nil, false, err
	}
	if !created {
		// A fresh row: gorm would add the unused new id to the condition.
		row = workspaceRow{}
		if err := s.conn(ctx).Where("slug = ?", slug).Take(&row).Error; err != nil {
			return nil, false, translate(err)
		}
	}
	return row.domain(), created, nil
}

func (r workspaceRow) domain() *domain.Workspace {
	return &domain.Workspace{ID: r.ID, Slug: r.Slug, Name: r.Name, CreatedAt: r.CreatedAt}
}

// CountWorkspaces implements domain.KeyStore.
func (s *Store) CountWorkspaces(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&workspaceRow{}).Count(&n).Error
	return n, translate(err)
}

// GetWorkspace implements domain.KeyStore.
func (s *Store) GetWorkspace(ctx context.Context, id string) (*domain.Workspace, error) {
	var row workspaceRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, notFound(err, "workspace", id)
	}
	return row.domain(), nil
}

// ListWorkspaces implements domain.KeyStore.
func (s *Store) ListWorkspaces(ctx context.Context) ([]domain.Workspace, error) {
	var rows []workspaceRow
	if err := s.conn(ctx).Order("slug").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Workspace, len(rows))
	for n, r := range rows {
		out[n] = *r.domain()
	}
	return out, nil
}

// CreateKey implements domain.KeyStore.
func (s *Store) CreateKey(ctx context.Context, key *domain.APIKey) error {
	key.CreatedAt = s.now()
	if key.ExpiresAt != nil { // PostgreSQL keeps microseconds: return what a read will return
		e := key.ExpiresAt.UTC().Truncate(time.Microsecond)
		key.ExpiresAt = &e
	}
	row := apiKeyRow{
		ID: key.ID, WorkspaceID: key.WorkspaceID, Name: key.Name, Role: string(key.Role),
		SecretHash: key.SecretHash, CreatedAt: key.CreatedAt, ExpiresAt: key.ExpiresAt,
	}
	return translate(s.conn(ctx).Create(&row).Error)
}

// ActiveKeys implements domain.KeyStore. The advisory lock serialises key
// creations of one workspace (and nothing else) until the transaction ends.
func (s *Store) ActiveKeys(ctx context.Context, workspaceID string, now time.Time) (int, error) {
	db := s.conn(ctx)
	if err := db.Exec("SELECT pg_advisory_xact_lock(hashtextextended('api_keys/' || ?, 0))", workspaceID).Error; err != nil {
		return 0, translate(err)
	}
	var n int64
	err := db.Model(&apiKeyRow{}).Where("workspace_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", workspaceID, now).
		Count(&n).Error
	return int(n), translate(err)
}

// GetKey implements domain.KeyStore.
func (s *Store) GetKey(ctx context.Context, id string) (*domain.APIKey, error) {
	var row apiKeyRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, translate(err)
	}
	k := row.domain()
	return &k, nil
}

// ListKeys implements domain.KeyStore.
func (s *Store) ListKeys(ctx context.Context, workspaceID string, page domain.Page) ([]domain.APIKey, *domain.Cursor, error) {
	var rows []apiKeyRow
	q := s.conn(ctx).Where("workspace_id = ?", workspaceID)
	if err := keyset(q, "api_keys", page).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, page.Limit, func(r apiKeyRow) domain.Cursor { return domain.Cursor{CreatedAt: r.CreatedAt, ID: r.ID} })
	keys := make([]domain.APIKey, len(rows))
	for i, r := range rows {
		keys[i] = r.domain()
	}
	return keys, next, nil
}

// RevokeKey implements domain.KeyStore. Revoking twice keeps the first time.
// The same statement notifies KeyRevocationChannel with the key's id, so
// every process's cache of verified keys forgets it once this commits.
func (s *Store) RevokeKey(ctx context.Context, workspaceID, id string) (*domain.APIKey, error) {
	var row apiKeyRow
	err := s.conn(ctx).Raw(`WITH revoked AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?)
			WHERE workspace_id = ? AND id = ? RETURNING *)
		SELECT revoked.*, pg_notify(?, revoked.id::text) FROM revoked`,
		s.now(), workspaceID, id, KeyRevocationChannel).Scan(&row).Error
	if err != nil {
		return nil, translate(err)
	}
	if row.ID == "" {
		return nil, domain.Errorf(domain.ENotFound, "no API key %s in this workspace", id)
	}
	k := row.domain()
	return &k, nil
}

// TouchKey implements domain.KeyStore.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time) error {
	err := s.conn(ctx).Model(&apiKeyRow{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, at.Add(-domain.KeyTouchInterval)).
		UpdateColumn("last_used_at", at.UTC().Truncate(time.Microsecond)).Error
	return translate(err)
}

var _ domain.KeyStore = (*Store)(nil)
