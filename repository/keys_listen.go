package repository

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cxbacklog/domain"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// KeyRevocationChannel is the PostgreSQL notification channel RevokeKey
// notifies, in the transaction that revokes, with the key's id as payload.
const KeyRevocationChannel = "cxb_api_keys"

// KeyListenOptions tunes the revocation listener. A zero value takes the
// default in brackets.
type KeyListenOptions struct {
	// Heartbeat is how long the listener waits for a notification before it
	// checks that its connection still answers; one that does not is
	// reported down (sink.Live(false)) within about two heartbeats [1 s].
	Heartbeat time.Duration
	// Retry is the pause before connecting again after a failure [1 s].
	Retry time.Duration
}

// WatchKeyRevocations implements domain.KeyRevocationWatcher with the
// default options.
func (s *Store) WatchKeyRevocations(ctx context.Context, sink domain.KeyRevocationSink) {
	s.ListenKeyRevocations(ctx, sink, KeyListenOptions{})
}

// ListenKeyRevocations LISTENs on KeyRevocationChannel over a connection of
// its own (outside the pool, so it never takes one from requests) and feeds
// sink until ctx ends: Live(true) once listening, Revoked for each
// notification, Live(false) as soon as the connection fails or stops
// answering, then it connects again after opts.Retry.
func (s *Store) ListenKeyRevocations(ctx context.Context, sink domain.KeyRevocationSink, opts KeyListenOptions) {
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = time.Second
	}
	if opts.Retry <= 0 {
		opts.Retry = time.Second
	}
	for {
		_ = s.listenKeys(ctx, sink, opts) // a failure only means: not live until the next connection
		sink.Live(false)
		select {
		case <-ctx.Done():
			return
		case <-time.After(opts.Retry):
		}
	}
}

// listenKeys is one connection's life: it returns when the connection
// fails or ctx ends.
func (s *Store) listenKeys(ctx context.Context, sink domain.KeyRevocationSink, opts KeyListenOptions) error {
	cfg, err := s.ListenConfig(ctx)
	if err != nil {
		return err
	}
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(connectCtx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+KeyRevocationChannel); err != nil {
		return err
	}
	sink.Live(true)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, opts.Heartbeat)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case n != nil:
			sink.Revoked(n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// Quiet: make sure the silence is not a dead connection's.
			pingCtx, cancel := context.WithTimeout(ctx, opts.Heartbeat)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return err
			}
		case err != nil:
			return err
		}
	}
}

// ListenConfig is the pool's connection settings (from one of its
// connections, so they are exactly what requests use) for a connection of
// its own, named cxbacklog-keys in pg_stat_activity.
func (s *Store) ListenConfig(ctx context.Context) (*pgx.ConnConfig, error) {
	c, err := s.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var cfg *pgx.ConnConfig
	err = c.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the pool's driver is %T, not pgx", driverConn)
		}
		cfg = sc.Conn().Config() // a copy
		return nil
	})
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["application_name"] = "cxbacklog-keys"
	// The copy keeps the pool connection's notification handler: without
	// this, that connection's buffer would receive the notifications.
	cfg.OnNotification = nil
	return cfg, nil
}
