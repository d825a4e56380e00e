package repository

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"cxbacklog/migrations"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// newMigrator builds a goose provider over the embedded SQL files. The
// session locker (a PostgreSQL advisory lock) lets several instances start
// at once without applying a migration twice.
func newMigrator(db *sql.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
}

// MigrateUp applies every pending migration.
func (s *Store) MigrateUp(ctx context.Context) error {
	p, err := newMigrator(s.sql)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// MigrateDown rolls back the latest migration.
func (s *Store) MigrateDown(ctx context.Context) error {
	p, err := newMigrator(s.sql)
	if err != nil {
		return err
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("roll back migration: %w", err)
	}
	return nil
}

// MigrationStatus writes one line per migration: version, state, file.
func (s *Store) MigrationStatus(ctx context.Context, w io.Writer) error {
	p, err := newMigrator(s.sql)
	if err != nil {
		return err
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	for _, st := range statuses {
		applied := "pending"
		if st.State == goose.StateApplied {
			applied = "applied " + st.AppliedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		if _, err := fmt.Fprintf(w, "%05d  %-28s  %s\n", st.Source.Version, applied, st.Source.Path); err != nil {
			return err
		}
	}
	return nil
}
