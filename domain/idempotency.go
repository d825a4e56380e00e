package domain

import (
	"context"
	"time"
)

// IdempotencyTTL is how long a stored response is replayed for its key.
const IdempotencyTTL = 24 * time.Hour

// IdempotentResponse is the first response to a POST with an Idempotency-Key,
// replayed verbatim for retries with the same key and body.
type IdempotentResponse struct {
	RequestHash []byte
	Status      int
	Headers     map[string]string
	Body        []byte
}

// Transactor runs fn in one database transaction. Store calls made with the
// context fn receives join that transaction.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// IdempotencyStore keeps first responses. Both methods must be called inside
// Transactor.InTx, so the response is stored with the change it describes.
type IdempotencyStore interface {
	// ClaimIdempotencyKey holds key for the current transaction and returns
	// the response stored for it within IdempotencyTTL, or nil if there is
	// none. EConflict if another request holds the key right now.
	ClaimIdempotencyKey(ctx context.Context, workspaceID, key string) (*IdempotentResponse, error)
	// SaveIdempotencyKey stores the response for key.
	SaveIdempotencyKey(ctx context.Context, workspaceID, key string, r *IdempotentResponse) error
}
