package repository

import (
	"context"
	"database/sql/driver"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm"
)

// housekeepingLock is the advisory lock key of the housekeeping job, one
// for the whole database (every replica computes the same).
const housekeepingLock = "hashtextextended('cxbacklog:housekeeping', 0)"

// lockConnKey carries the connection that holds the housekeeping lock: the
// purges inside WithHousekeepingLock run on it.
type lockConnKey struct{}

// WithHousekeepingLock implements domain.HousekeepingStore with a
// session-level advisory lock (pg_try_advisory_lock) on a connection of its
// own, held for the whole run and released at its end; fn's purges run on
// that connection, each DELETE its own short transaction, so the lock never
// makes them one long transaction. Should the process die, PostgreSQL ends
// the session and the lock with it. A transaction-level lock would have
// tied every batch to one transaction holding all their row locks to the
// end.
func (s *Store) WithHousekeepingLock(ctx context.Context, fn func(ctx context.Context) error) (bool, error) {
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return false, translate(err)
	}
	db := s.db.WithContext(ctx)
	db.Statement.ConnPool = conn // WithContext cloned the statement: the pool's stays as it was
	var locked bool
	if err := db.Raw("SELECT pg_try_advisory_lock(" + housekeepingLock + ")").Scan(&locked).Error; err != nil {
		_ = conn.Close()
		return false, translate(err)
	}
	if !locked {
		return false, translate(conn.Close())
	}
	err = fn(context.WithValue(ctx, lockConnKey{}, db))
	// Released even when ctx has ended; if that fails, the connection is
	// dropped, which ends the session and releases the lock all the same.
	unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var released bool
	if uerr := db.WithContext(unlockCtx).Raw("SELECT pg_advisory_unlock(" + housekeepingLock + ")").Scan(&released).Error; uerr != nil || !released {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = conn.Close()
	return true, translate(err)
}

// purgeConn is the connection holding the housekeeping lock, or the pool.
func (s *Store) purgeConn(ctx context.Context) *gorm.DB {
	if db, ok := ctx.Value(lockConnKey{}).(*gorm.DB); ok {
		return db.WithContext(ctx)
	}
	return s.conn(ctx)
}

// purge deletes the rows of table that the SELECT of their ctids picks, up
// to limit of them. The rows are locked with SKIP LOCKED: a row a request
// holds (a session being touched, a delivery being recorded) is left for the
// next run rather than waited for. ctid = ANY(ARRAY(...)) deletes by TID
// scan, where ctid IN (...) may plan a scan of the whole table.
func (s *Store) purge(ctx context.Context, table, where string, limit int, args ...any) (int, error) {
	res := s.purgeConn(ctx).Exec("DELETE FROM "+table+" WHERE ctid = ANY (ARRAY(SELECT ctid FROM "+table+" t WHERE "+where+
		" LIMIT ? FOR UPDATE OF t SKIP LOCKED))", append(args, limit)...)
	return int(res.RowsAffected), translate(res.Error)
}

// PurgeIdempotencyKeys implements domain.HousekeepingStore: a range of
// idempotency_keys_created_idx.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, createdBefore time.Time, limit int) (int, error) {
	return s.purge(ctx, "idempotency_keys", "t.created_at < ?", limit, createdBefore.UTC())
}

// PurgeSessions implements domain.HousekeepingStore: the idle ones by
// web_sessions_seen_idx, those of revoked or expired keys through the key.
func (s *Store) PurgeSessions(ctx context.Context, seenBefore, now time.Time, limit int) (int, error) {
	return s.purge(ctx, "web_sessions", `t.last_seen_at < ? OR EXISTS (SELECT 1 FROM api_keys k
		WHERE k.id = t.key_id AND (k.revoked_at IS NOT NULL OR k.expires_at <= ?))`, limit, seenBefore.UTC(), now.UTC())
}

// PurgeDeliveries implements domain.HousekeepingStore. Pending deliveries,
// including those waiting for a retry, are kept whatever their age; the
// ended ones are found through webhook_deliveries_finished_idx.
func (s *Store) PurgeDeliveries(ctx context.Context, finishedBefore time.Time, limit int) (int, error) {
	return s.purge(ctx, "webhook_deliveries", "t.state <> 'pending' AND t.updated_at < ?", limit, finishedBefore.UTC())
}

var _ domain.HousekeepingStore = (*Store)(nil)
