package repository_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"cxbacklog/domain"
	"cxbacklog/migrations"
	"cxbacklog/repository"
)

// migrateDownAll rolls back every migration, one MigrateDown per file.
func migrateDownAll(t *testing.T, store *repository.Store) {
	t.Helper()
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files: %v", err)
	}
	for range files {
		if err := store.MigrateDown(context.Background()); err != nil {
			t.Fatalf("MigrateDown: %v", err)
		}
	}
}

// migrateDownBelow rolls back every migration from number first on, one
// MigrateDown per file, so a test of one migration's backfill keeps working
// as later migrations are added.
func migrateDownBelow(t *testing.T, store *repository.Store, first int) {
	t.Helper()
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		var n int
		if _, err := fmt.Sscanf(f, "%05d_", &n); err != nil {
			t.Fatalf("migration file %s: %v", f, err)
		}
		if n < first {
			continue
		}
		if err := store.MigrateDown(context.Background()); err != nil {
			t.Fatalf("MigrateDown: %v", err)
		}
	}
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)

	status := func(t *testing.T) string {
		t.Helper()
		var buf bytes.Buffer
		if err := store.MigrationStatus(ctx, &buf); err != nil {
			t.Fatalf("MigrationStatus: %v", err)
		}
		return buf.String()
	}
	tableExists := func(t *testing.T, name string) bool {
		t.Helper()
		var exists bool
		if err := store.SQL().QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		return exists
	}

	out := status(t)
	if !strings.Contains(out, "applied") || strings.Contains(out, "pending") || !strings.Contains(out, "00001") {
		t.Fatalf("status of a fresh database:\n%s", out)
	}

	migrateDownAll(t, store)
	if tableExists(t, "journeys") || tableExists(t, "ideas") {
		t.Fatal("journeys still exists after MigrateDown")
	}
	if out := status(t); !strings.Contains(out, "pending") || strings.Contains(out, "applied") {
		t.Fatalf("status after MigrateDown:\n%s", out)
	}

	if err := store.MigrateUp(ctx); err != nil {
		t.Fatalf("MigrateUp: %v", err)
	}
	if err := store.MigrateUp(ctx); err != nil {
		t.Fatalf("second MigrateUp (nothing pending): %v", err)
	}
	for _, table := range []string{"workspaces", "api_keys", "journeys", "journey_stages", "touchpoints", "idempotency_keys", "ideas", "idea_touchpoints", "idea_history", "scoring_settings"} {
		if !tableExists(t, table) {
			t.Fatalf("%s missing after MigrateUp", table)
		}
	}
	out = status(t)
	if !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Fatalf("status after MigrateUp:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, line := range lines {
		if !strings.Contains(line, "applied") {
			t.Fatalf("status line without \"applied\": %q", line)
		}
	}

	// The schema works again.
	ws, created, err := store.EnsureWorkspace(ctx, "after-migrations")
	if err != nil || !created {
		t.Fatalf("EnsureWorkspace after MigrateUp: %v, %v", created, err)
	}
	j := &domain.Journey{WorkspaceID: ws.ID, Name: "Back", Stages: []domain.Stage{{Name: "A"}}}
	if err := j.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateJourney(ctx, j); err != nil {
		t.Fatalf("CreateJourney after MigrateUp: %v", err)
	}
}

// TestMigrateDownPastFirst checks that rolling back with nothing applied is
// refused and leaves the database able to migrate up again.
func TestMigrateDownPastFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	migrateDownAll(t, store)
	if err := store.MigrateDown(ctx); err == nil {
		t.Fatal("MigrateDown with nothing applied returned nil, want an error")
	}
	if err := store.MigrateUp(ctx); err != nil {
		t.Fatalf("MigrateUp after rolling everything back: %v", err)
	}
}
