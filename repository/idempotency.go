package repository

import (
	"context"
	"encoding/json"
	"time"

	"cxbacklog/domain"
)

type idempotencyRow struct {
	WorkspaceID     string
	Key             string
	RequestHash     []byte
	ResponseStatus  int
	ResponseHeaders []byte
	ResponseBody    []byte
	CreatedAt       time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// ClaimIdempotencyKey implements domain.IdempotencyStore. A transaction-level
// advisory lock marks the key as in flight: a concurrent request with the
// same key fails to take it and gets EConflict instead of waiting.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, workspaceID, key string) (*domain.IdempotentResponse, error) {
	var locked bool
	err := s.conn(ctx).Raw("SELECT pg_try_advisory_xact_lock(hashtextextended(? || '/' || ?, 0))", workspaceID, key).Scan(&locked).Error
	if err != nil {
		return nil, translate(err)
	}
	if !locked {
		return nil, domain.Errorf(domain.EConflict, "a request with this Idempotency-Key is still in progress; retry when it has finished")
	}
	var rows []idempotencyRow
	err = s.conn(ctx).Where("workspace_id = ? AND key = ? AND created_at > ?", workspaceID, key, s.now().Add(-domain.IdempotencyTTL)).
		Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, translate(err)
	}
	r := rows[0]
	resp := &domain.IdempotentResponse{RequestHash: r.RequestHash, Status: r.ResponseStatus, Body: r.ResponseBody}
	if err := json.Unmarshal(r.ResponseHeaders, &resp.Headers); err != nil {
		return nil, translate(err)
	}
	return resp, nil
}

// SaveIdempotencyKey implements domain.IdempotencyStore. An expired entry for
// the same key is replaced.
func (s *Store) SaveIdempotencyKey(ctx context.Context, workspaceID, key string, r *domain.IdempotentResponse) error {
	headers, err := json.Marshal(r.Headers)
	if err != nil {
		return translate(err)
	}
	return translate(s.conn(ctx).Exec(`INSERT INTO idempotency_keys
		(workspace_id, key, request_hash, response_status, response_headers, response_body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, key) DO UPDATE SET request_hash = excluded.request_hash,
			response_status = excluded.response_status, response_headers = excluded.response_headers,
			response_body = excluded.response_body, created_at = excluded.created_at`,
		workspaceID, key, r.RequestHash, r.Status, string(headers), r.Body, s.now()).Error)
}

var _ domain.IdempotencyStore = (*Store)(nil)
var _ domain.Transactor = (*Store)(nil)
