package repository

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"cxbacklog/domain"

	"github.com/jackc/pgx/v5/pgconn"
)

// A streaming standby of the primary (Options.ReplicaURL) answers the reads
// that opted in with domain.WithReplicaReads, when it is usable: it answered
// the last check, its replay lag is under the bound, and it has replayed the
// caller's last write. Everything else runs on the primary: writes,
// transactions, reads without the opt-in. A standby that fails a read hands
// it to the primary and is not used again until a check succeeds.

// replica is the standby's pool and what the checks found out about it.
type replica struct {
	sql     *sql.DB // the standby
	primary *sql.DB
	maxLag  time.Duration
	every   time.Duration
	log     *slog.Logger

	state atomic.Pointer[replicaState]
	// samples are the primary's log positions at the recent checks, oldest
	// first; only the checker touches them.
	samples []positionSample
	reads   [2]atomic.Uint64 // by target: statements answered by the standby, by the primary

	stop func()
	done chan struct{}
	once sync.Once
}

// replicaState is the outcome of the last check, replaced whole.
type replicaState struct {
	replayed domain.WALPosition // the standby's replay position
	// freshUntil is when the standby's lag reaches the bound unless a next
	// check finds it has moved on; zero while it is down.
	freshUntil time.Time
}

type positionSample struct {
	at  time.Time
	pos domain.WALPosition
}

const (
	targetReplica = iota
	targetPrimary
)

// startReplica opens the standby's pool and checks it every r.every in the
// background, the first time before it returns. A standby that does not
// answer is no reason to fail: reads stay on the primary until it does.
func startReplica(ctx context.Context, standby, primary *sql.DB, maxLag, every time.Duration, log *slog.Logger) *replica {
	r := &replica{sql: standby, primary: primary, maxLag: maxLag, every: every, log: log, done: make(chan struct{})}
	r.state.Store(&replicaState{})
	r.check(ctx)
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = cancel
	go r.loop(loopCtx)
	return r
}

func (r *replica) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.check(ctx)
		}
	}
}

// close stops the checks and the standby's pool.
func (r *replica) close() error {
	r.once.Do(func() { r.stop(); <-r.done })
	return r.sql.Close()
}

// usable tells whether a read that needs position after may run on the
// standby now.
func (r *replica) usable(after domain.WALPosition) bool {
	st := r.state.Load()
	return st.replayed >= after && time.Now().Before(st.freshUntil)
}

// check samples the primary's log position, then the standby's replay
// position, and derives how far behind the standby may be. Positions, not
// replay timestamps: an idle primary writes nothing, and its standby, which
// has replayed everything, must not look as if it lagged.
func (r *replica) check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, max(r.every, time.Second))
	defer cancel()
	at := time.Now()
	var pos int64
	if err := r.primary.QueryRowContext(ctx, `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&pos); err != nil {
		// Without the primary's position there is no telling the lag: the
		// standby stays usable until its last bound passes.
		r.log.Debug("read replica check: the primary's position", "error", err.Error())
		return
	}
	r.samples = append(r.samples, positionSample{at: at, pos: domain.WALPosition(pos)})
	var inRecovery bool
	var replayed int64
	err := r.sql.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), coalesce((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0)`).
		Scan(&inRecovery, &replayed)
	if err == nil && !inRecovery {
		err = errors.New("the server is not a standby (promoted, or DATABASE_REPLICA_URL names a primary)")
	}
	if err != nil {
		r.down("check", err)
		return
	}
	// Every write before the newest sample the standby has replayed is on
	// it, so what it misses was written after that sample's time.
	var caughtUp time.Time
	for _, s := range r.samples {
		if s.pos <= domain.WALPosition(replayed) {
			caughtUp = s.at
		}
	}
	// Samples older than the bound can only make the standby stale; the
	// newest one is kept whatever its age.
	cut := 0
	for cut < len(r.samples)-1 && time.Since(r.samples[cut].at) > r.maxLag+r.every {
		cut++
	}
	r.samples = append(r.samples[:0], r.samples[cut:]...)
	next := &replicaState{replayed: domain.WALPosition(replayed)}
	if !caughtUp.IsZero() {
		next.freshUntil = caughtUp.Add(r.maxLag)
	}
	was := r.state.Swap(next)
	switch fresh := time.Now().Before(next.freshUntil); {
	case fresh && !time.Now().Before(was.freshUntil):
		r.log.Info("read replica in use")
	case !fresh && time.Now().Before(was.freshUntil):
		r.log.Warn("read replica lags the primary by more than the bound: reads go to the primary", "max_lag", r.maxLag.String())
	}
}

// down takes the standby out of use until a check succeeds.
func (r *replica) down(what string, err error) {
	for {
		was := r.state.Load()
		if was.freshUntil.IsZero() {
			return
		}
		if r.state.CompareAndSwap(was, &replicaState{replayed: was.replayed}) {
			r.log.Warn("read replica failed: reads go to the primary until it answers a check", "during", what, "error", err.Error())
			return
		}
	}
}

// fallBack tells whether a statement the standby failed with err should run
// on the primary instead, and takes the standby out of use when err says it
// is unreachable or shutting down. A refusal the primary would give as well
// (bad SQL, a constraint) is the answer; so is the caller's end.
func (r *replica) fallBack(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		r.down("read", err) // no answer from the server: the connection
		return true
	}
	switch {
	case pg.Code == "40001" || pg.Code == "40P01": // cancelled by a conflict with recovery
		return true
	case pg.Code == "25006": // a write sent to the standby
		r.log.Error("a write ran with replica reads; it was retried on the primary: use the primary for it", "error", err.Error())
		return true
	case pg.Code[:2] == "42":
		// An object the standby does not know (yet): a migration it has
		// not replayed; the primary's answer is the one that counts.
		r.log.Warn("read replica refused a statement; it was retried on the primary", "error", err.Error())
		return true
	case pg.Code[:2] == "08", pg.Code[:2] == "57" && pg.Code != "57014", pg.Code == "53300":
		// connection failures, shutdown or start-up, too many connections
		r.down("read", err)
		return true
	}
	return false
}

// readPool is the connection pool of a read that opted into the standby:
// each statement runs there when onReplica, and runs on the primary when
// the standby fails it (see fallBack) or when not onReplica.
type readPool struct {
	r         *replica
	route     *domain.ReplicaRoute
	onReplica bool
}

// fallBack is replica.fallBack, which also sends the request's later reads
// to the primary.
func (p readPool) fallBack(ctx context.Context, err error) bool {
	if !p.r.fallBack(ctx, err) {
		return false
	}
	p.route.Leave()
	return true
}

func (p readPool) served(target int) { p.r.reads[target].Add(1) }

func (p readPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.r.primary.PrepareContext(ctx, query)
}

func (p readPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return onePool(ctx, p, func(db *sql.DB) (sql.Result, error) { return db.ExecContext(ctx, query, args...) })
}

func (p readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return onePool(ctx, p, func(db *sql.DB) (*sql.Rows, error) { return db.QueryContext(ctx, query, args...) })
}

func (p readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	row, _ := onePool(ctx, p, func(db *sql.DB) (*sql.Row, error) {
		row := db.QueryRowContext(ctx, query, args...)
		return row, row.Err()
	})
	return row
}

// onePool runs a statement on the standby when p is on it and the standby
// answers it (see fallBack), else on the primary, and counts where it ran.
func onePool[T any](ctx context.Context, p readPool, run func(*sql.DB) (T, error)) (T, error) {
	if p.onReplica {
		v, err := run(p.r.sql)
		if !p.fallBack(ctx, err) {
			p.served(targetReplica)
			return v, err
		}
	}
	p.served(targetPrimary)
	return run(p.r.primary)
}
