package backup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository/backup"
	"cxbacklog/repository/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// A restore into a database that holds tables is refused; with force it
// replaces them (extension pg_trgm included) with the archive's.
func TestRestoreRefusesANonEmptyDatabaseUnlessForced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, srcURL := pgtest.NewStore(t)
	for _, slug := range []string{"acme", "globex"} {
		pgtest.Workspace(t, src, slug, domain.RoleAdmin)
	}
	file := filepath.Join(t.TempDir(), "src.dump")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := backup.Dump(ctx, srcURL, f)
	if err := errors.Join(err, f.Close()); err != nil {
		t.Fatal(err)
	}
	if counts.Workspaces != 2 {
		t.Fatalf("dump counts %v, want 2 workspaces", counts)
	}
	dst, dstURL := pgtest.NewStore(t) // migrated: it holds our tables, empty ones
	pgtest.Workspace(t, dst, "initech", domain.RoleAdmin)
	err = backup.Restore(ctx, dstURL, file, false)
	if !errors.Is(err, backup.ErrNotEmpty) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore into a migrated database: %v; want ErrNotEmpty naming --force", err)
	}
	if err := backup.Restore(ctx, dstURL, file, true); err != nil {
		t.Fatalf("restore with force: %v", err)
	}
	if err := dst.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	var slugs []string
	rows, err := dst.SQL().QueryContext(ctx, "SELECT slug FROM workspaces ORDER BY slug")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		slugs = append(slugs, s)
	}
	if !slices.Equal(slugs, []string{"acme", "globex"}) {
		t.Fatalf("workspaces after restore --force: %v, want the archive's acme, globex", slugs)
	}
	var trgm bool
	if err := dst.SQL().QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')").Scan(&trgm); err != nil || !trgm {
		t.Fatalf("pg_trgm after restore --force: %v, %v", trgm, err)
	}
}

// A scheduled backup writes a whole file (no temporary one left), keeps
// the newest Keep of ours and leaves other files alone; while another
// process holds the backup lock it skips its turn.
func TestSchedulerKeepsTheNewestAndSkipsWhileLocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, url := pgtest.NewStore(t)
	dir := t.TempDir()
	old := []string{"cxbacklog-20200101-000000.dump", "cxbacklog-20200102-000000.dump", "cxbacklog-20200103-000000.dump"}
	for n, name := range append(old, "notes.txt") {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2020, 1, 1+n, 0, 0, 0, 0, time.UTC)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	s := backup.NewScheduler(store.SQL(), url, backup.Schedule{Dir: dir, Every: time.Hour, Keep: 2}, quiet)
	file, ran, err := s.RunOnce(ctx)
	if err != nil || !ran {
		t.Fatalf("RunOnce: ran %v, %v", ran, err)
	}
	head := make([]byte, 5)
	if f, err := os.Open(file); err != nil {
		t.Fatal(err)
	} else {
		_, err = io.ReadFull(f, head)
		f.Close()
		if err != nil || !bytes.Equal(head, []byte("PGDMP")) {
			t.Fatalf("%s is not a pg_dump archive: %q, %v", file, head, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{filepath.Base(file), old[2], "notes.txt"}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("files after a backup keeping 2: %v, want %v", names, want)
	}

	if err := os.Remove(file); err != nil { // not recent any more: only the lock stops the next
		t.Fatal(err)
	}
	conn, err := store.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtextextended('cxbacklog:backup', 0))"); err != nil {
		t.Fatal(err)
	}
	if file, ran, err := s.RunOnce(ctx); err != nil || ran {
		t.Fatalf("RunOnce while another process holds the lock: %q, ran %v, %v; want skipped", file, ran, err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(hashtextextended('cxbacklog:backup', 0))"); err != nil {
		t.Fatal(err)
	}
	if _, ran, err := s.RunOnce(ctx); err != nil || !ran {
		t.Fatalf("RunOnce once the lock is free: ran %v, %v", ran, err)
	}
}
