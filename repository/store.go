// Package repository stores cxbacklog's domain objects in PostgreSQL through
// GORM on pgx, and translates database errors into domain errors.
package repository

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"time"

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
}

// Store implements the domain's store interfaces on one PostgreSQL database.
type Store struct {
	db    *gorm.DB
	sql   *sql.DB
	clock func() time.Time
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	if opts.StatementTimeout == 0 {
		opts.StatementTimeout = 10 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 4 * runtime.GOMAXPROCS(0)
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

	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(opts.MaxConns)
	sqlDB.SetMaxIdleConns(opts.MaxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)

	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Discard, // failures reach the API's error log with the request id
		SkipDefaultTransaction: true,           // writes that need a transaction open one explicitly
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to database %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	store := &Store{db: gdb, sql: sqlDB, clock: opts.Clock}
	gdb.Config.NowFunc = store.now
	return store, nil
}

// Close releases the pool.
func (s *Store) Close() error { return s.sql.Close() }

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

// conn returns the transaction carried by ctx, or the pool.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.db.WithContext(ctx)
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
