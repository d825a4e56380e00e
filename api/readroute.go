package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// replicaStore is a store with a read replica (repository.Store with
// DATABASE_REPLICA_URL).
type replicaStore interface {
	// ReplicaMaxLag is the replica's lag bound; 0 without a replica.
	ReplicaMaxLag() time.Duration
	// WritePosition is the primary's log position now.
	WritePosition(ctx context.Context) (domain.WALPosition, error)
	// ReadsServed counts the statements of replica-eligible reads by the
	// server that answered them.
	ReadsServed() (replica, primary uint64)
}

// readRouter lets the API's reads use the read replica: a GET or HEAD made
// with an API key, without If-Match or If-None-Match, opts into it (after
// authenticate, whose writes stay on the primary). Writes, conditional
// requests and the web workspace's session-authenticated charts stay on
// the primary.
//
// A key reads its own writes: after each write request, the primary's log
// position is recorded for the key, and the key's reads go to the primary
// until the standby has replayed it. The record lives in this process: with
// several API processes, a read served by another one than the write sees
// writes older than the lag bound only (REPLICA_MAX_LAG).
type readRouter struct {
	store  replicaStore
	log    *slog.Logger
	maxLag time.Duration

	mu      sync.Mutex
	written map[string]keyWrite // by key id
	pruned  time.Time
}

type keyWrite struct {
	pos domain.WALPosition
	at  time.Time
}

// newReadRouter returns nil when store has no read replica.
func newReadRouter(store Store, log *slog.Logger) *readRouter {
	rs, ok := store.(replicaStore)
	if !ok || rs.ReplicaMaxLag() <= 0 {
		return nil
	}
	return &readRouter{store: rs, log: log, maxLag: rs.ReplicaMaxLag(), written: map[string]keyWrite{}}
}

// middleware routes the request's reads; without a replica it does nothing.
func (rr *readRouter) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	if rr == nil {
		return next
	}
	return func(c echo.Context) error {
		req := c.Request()
		keyID := principal(c).KeyID
		if keyID == "" || bearerToken(c) == "" {
			return next(c) // the web workspace's session: its pages read from the primary too
		}
		switch req.Method {
		case http.MethodGet, http.MethodHead:
			if req.Header.Get("If-Match") == "" && req.Header.Get("If-None-Match") == "" {
				c.SetRequest(req.WithContext(domain.WithReplicaReads(req.Context(), rr.after(keyID))))
			}
			return next(c)
		}
		err := next(c)
		rr.wrote(req.Context(), keyID)
		return err
	}
}

// after is the log position the replica must have replayed to answer the
// key: its last write's, or 0.
func (rr *readRouter) after(keyID string) domain.WALPosition {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.written[keyID].pos
}

// wrote records the primary's position after a write request of the key.
// Without it (the primary fails), the key reads from the primary until the
// lag bound has passed.
func (rr *readRouter) wrote(ctx context.Context, keyID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	pos, err := rr.store.WritePosition(ctx)
	if err != nil {
		rr.log.Warn("read replica: the primary's position after a write", "error", err.Error())
		pos = ^domain.WALPosition(0)
	}
	now := time.Now()
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.written[keyID] = keyWrite{pos: pos, at: now}
	// A replica in use has replayed every write older than the lag bound
	// (repository/replica.go), so those records can go.
	if now.Sub(rr.pruned) > rr.maxLag {
		for id, w := range rr.written {
			if now.Sub(w.at) > rr.maxLag {
				delete(rr.written, id)
			}
		}
		rr.pruned = now
	}
}

// collectors expose which server answered the reads that could use the
// replica, as cxbacklog_db_reads_total{target="replica|primary"}.
func (rr *readRouter) collectors() []prometheus.Collector {
	if rr == nil {
		return nil
	}
	counter := func(target string, pick func(replica, primary uint64) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "cxbacklog", Name: "db_reads_total",
			Help:        "Statements of API reads that may use the read replica, by the server that answered them.",
			ConstLabels: prometheus.Labels{"target": target}},
			func() float64 { return float64(pick(rr.store.ReadsServed())) })
	}
	return []prometheus.Collector{
		counter("replica", func(r, _ uint64) uint64 { return r }),
		counter("primary", func(_, p uint64) uint64 { return p }),
	}
}
