// Package repository stores cxbacklog's domain objects in PostgreSQL through
// GORM on pgx, and translates database errors into domain errors.
package repository

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"cxbacklog/domain"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Options tunes the connection pool and sessions.
type Options struct {
	// StatementTimeout bounds every statement so that one slow query cannot
	// hold a connection forever; 0 means 10 s.
	StatementTimeout time.Duration
	// MaxConns caps the pool; 0 means 4 per CPU (PostgreSQL runs on the same
	// cores here, so more connections only add contention).
	MaxConns int
	// Clock stamps stored records; nil means time.Now. main gives the API
	// and the store the same one.
	Clock func() time.Time

	// ReplicaURL names a streaming standby of the database (empty: none).
	// Reads that opt in with domain.WithReplicaReads run there while its
	// replay lag is under ReplicaMaxLag (0 means 1 s), checked every
	// ReplicaCheck (0 means 500 ms, at most half the bound). Log receives
	// the standby's changes of state; nil means slog.Default().
	ReplicaURL    string
	ReplicaMaxLag time.Duration
	ReplicaCheck  time.Duration
	Log           *slog.Logger
}

// Store implements the domain's store interfaces on one PostgreSQL database.
type Store struct {
	db      *gorm.DB
	sql     *sql.DB
	clock   func() time.Time
	replica *replica // nil without Options.ReplicaURL
}

// Open connects to the database at url and checks that it answers; with
// opts.ReplicaURL, it opens the standby's pool too, which need not answer.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.StatementTimeout == 0 {
		opts.StatementTimeout = 10 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 4 * runtime.GOMAXPROCS(0)
	}
	sqlDB, err := openPool(url, "DATABASE_URL", opts, false)
	if err != nil {
		return nil, err
	}
	var standby *sql.DB
	if opts.ReplicaURL != "" {
		if standby, err = openPool(opts.ReplicaURL, "DATABASE_REPLICA_URL", opts, true); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
	}

	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Discard, // failures reach the API's error log with the request id
		SkipDefaultTransaction: true,           // writes that need a transaction open one explicitly
	})
	if err != nil {
		err = fmt.Errorf("open database: %w", err)
	} else {
		pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err = sqlDB.PingContext(pingCtx); err != nil {
			err = fmt.Errorf("connect to database %s: %w", describe(url), err)
		}
	}
	if err != nil {
		_ = sqlDB.Close()
		if standby != nil {
			_ = standby.Close()
		}
		return nil, err
	}
	store := &Store{db: gdb, sql: sqlDB, clock: opts.Clock}
	gdb.Config.NowFunc = store.now
	if standby != nil {
		maxLag, every := opts.ReplicaMaxLag, opts.ReplicaCheck
		if maxLag <= 0 {
			maxLag = time.Second
		}
		if every <= 0 {
			every = 500 * time.Millisecond
		}
		log := opts.Log
		if log == nil {
			log = slog.Default()
		}
		store.replica = startReplica(ctx, standby, sqlDB, maxLag, min(every, maxLag/2), log)
	}
	return store, nil
}

// openPool opens a pool on the server at url (named by variable in errors)
// with the sessions' settings; it does not connect yet.
func openPool(url, variable string, opts Options, standby bool) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid PostgreSQL URL: %w", variable, err)
	}
	if standby && cfg.ConnectTimeout == 0 {
		// An unreachable standby must hand its reads to the primary quickly.
		cfg.ConnectTimeout = 2 * time.Second
	}
	if _, set := cfg.RuntimeParams["statement_timeout"]; !set {
		cfg.RuntimeParams["statement_timeout"] = fmt.Sprint(opts.StatementTimeout.Milliseconds())
	}
	cfg.RuntimeParams["application_name"] = "cxbacklog"
	// Plan each list query for its own values: a cached generic plan chose
	// the ranked-index walk for a rare search word too (1.8 s instead of a
	// few ms with the trigram index, in make bench).
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	cfg.RuntimeParams["timezone"] = "UTC"

	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// describe names the server and database of url for errors, without the
// password.
func describe(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// Close stops the standby's checks and releases the pools.
func (s *Store) Close() error {
	if s.replica != nil {
		_ = s.replica.close()
	}
	return s.sql.Close()
}

// SQL exposes the pool for migrations.
func (s *Store) SQL() *sql.DB { return s.sql }

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	return translate(s.sql.PingContext(ctx))
}

// now is the clock for stored timestamps, truncated to PostgreSQL's
// microseconds so that a value written equals the value read back.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

type txKey struct{}

// txConnKey carries the connection a transaction runs on, so that work GORM
// cannot do (COPY, through pgx) joins the same transaction.
type txConnKey struct{}

// conn returns the transaction carried by ctx, or the pool: the standby's
// for a read that opted in with domain.WithReplicaReads (replica.go), while
// the standby is usable for it, else the primary's.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	route := domain.ReplicaReads(ctx)
	if route == nil || s.replica == nil {
		return s.db.WithContext(ctx)
	}
	db := s.db.WithContext(ctx)
	onReplica := route.OnReplica(func() bool { return s.replica.usable(route.After) })
	db.Statement.ConnPool = readPool{r: s.replica, route: route, onReplica: onReplica} // WithContext cloned the statement
	return db
}

// ReplicaMaxLag is the bound on the read replica's lag, past which reads go
// to the primary; 0 without a replica (Options.ReplicaURL). A read that
// uses the replica sees every write committed that long before it.
func (s *Store) ReplicaMaxLag() time.Duration {
	if s.replica == nil {
		return 0
	}
	return s.replica.maxLag
}

// WritePosition is the primary's log position now: a standby that has
// replayed up to it shows every write committed before the call. It is the
// insert position, which a commit without synchronous_commit reaches
// before its record is flushed.
func (s *Store) WritePosition(ctx context.Context) (domain.WALPosition, error) {
	var pos int64
	err := s.sql.QueryRowContext(ctx, `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&pos)
	return domain.WALPosition(pos), translate(err)
}

// ReadsServed counts the statements of reads that opted into the replica,
// by the server that answered them.
func (s *Store) ReadsServed() (replica, primary uint64) {
	if s.replica == nil {
		return 0, 0
	}
	return s.replica.reads[targetReplica].Load(), s.replica.reads[targetPrimary].Load()
}

// InTx runs fn in a transaction; store calls made with the context fn gets
// join it. Inside an outer InTx, fn simply joins the outer transaction. The
// transaction runs on a connection of its own (not any of the pool's), which
// the context also carries: an upload's COPY and the Idempotency-Key stored
// with it commit or roll back together.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	db := s.db.WithContext(ctx)
	db.Statement.ConnPool = conn // WithContext cloned the statement: the pool's stays as it was
	err = db.Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), txConnKey{}, conn))
	})
	return translate(err)
}

// EnsureDatabase creates database name on the server at adminURL if it does
// not exist yet (the private cluster starts with only "postgres").
func EnsureDatabase(ctx context.Context, adminURL, name string) error {
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// updateVersioned is the one If-Match write of a resource: in one
// transaction, load reads it locked, its version must be version (else
// EPreconditionFailed), change edits it, and save writes it back with the
// version bumped and the store's clock as its update time. rev points at the
// resource's version and update time.
func updateVersioned[T any](ctx context.Context, s *Store, version int, load func(context.Context) (*T, error),
	rev func(*T) (*int, *time.Time), change func(*T) error, save func(context.Context, *T) error) (*T, error) {
	var updated *T
	err := s.InTx(ctx, func(ctx context.Context) error {
		v, err := load(ctx)
		if err != nil {
			return err
		}
		current, at := rev(v)
		if err := checkVersion(*current, version); err != nil {
			return err
		}
		if err := change(v); err != nil {
			return err
		}
		*current, *at = *current+1, s.now()
		if err := save(ctx, v); err != nil {
			return err
		}
		updated = v
		return nil
	})
	return updated, err
}
