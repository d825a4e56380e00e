// Package pgtest gives each test its own migrated PostgreSQL database, cloned
// from a template, on TEST_DATABASE_URL or on a throwaway cluster it starts.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgcluster"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

var (
	setupOnce sync.Once
	setupErr  error
	adminURL  string
	admin     *sql.DB
	template  string
	cluster   *pgcluster.Cluster
	tmpDir    string
	counter   atomic.Int64
)

// Main runs the package's tests and then removes what setup created. Call
// it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	teardown()
	os.Exit(code)
}

// NewStore opens a Store on a fresh, migrated database that is dropped when
// the test ends, and returns the database's URL too.
func NewStore(t testing.TB) (*repository.Store, string) {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	ctx := context.Background()
	name := fmt.Sprintf("%s_t%d", template, counter.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize()); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	dbURL := withDatabase(adminURL, name)
	store, err := repository.Open(ctx, dbURL, repository.Options{})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		_ = store.Close()
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return store, dbURL
}

// Workspace creates a workspace and a key with role in it, returning the
// workspace id and the bearer token.
func Workspace(t testing.TB, store *repository.Store, slug string, role domain.Role) (string, string) {
	t.Helper()
	ctx := context.Background()
	ws, _, err := store.EnsureWorkspace(ctx, slug)
	if err != nil {
		t.Fatalf("create workspace %s: %v", slug, err)
	}
	return ws.ID, Key(t, store, ws.ID, role)
}

// Key creates a key with role in workspace wsID and returns its token.
func Key(t testing.TB, store *repository.Store, wsID string, role domain.Role) string {
	t.Helper()
	id, token := domain.NewKeyToken()
	key := &domain.APIKey{ID: id, WorkspaceID: wsID, Name: string(role) + " key", Role: role, SecretHash: domain.HashToken(token)}
	if err := store.CreateKey(context.Background(), key); err != nil {
		t.Fatalf("create key: %v", err)
	}
	return token
}

// setup finds or starts a server, then builds the migrated template.
func setup() error {
	ctx := context.Background()
	adminURL = os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		var err error
		tmpDir, err = os.MkdirTemp("", "cxbacklog-test-")
		if err != nil {
			return err
		}
		// The cluster runs as user postgres when we are root; it must reach its directory.
		if err := os.Chmod(tmpDir, 0o755); err != nil {
			return err
		}
		quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		cluster, err = pgcluster.Start(ctx, pgcluster.Options{Dir: tmpDir + "/pg", Logger: quiet, Fast: true})
		if err != nil {
			return err
		}
		adminURL = cluster.URL("postgres")
	}
	var err error
	if admin, err = sql.Open("pgx", adminURL); err != nil {
		return err
	}
	template = fmt.Sprintf("cxb_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{template}.Sanitize()); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	store, err := repository.Open(ctx, withDatabase(adminURL, template), repository.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	return store.MigrateUp(ctx)
}

func teardown() {
	if admin != nil && template != "" {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + pgx.Identifier{template}.Sanitize() + " WITH (FORCE)")
		_ = admin.Close()
	}
	if cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = cluster.Stop(ctx)
	}
	if tmpDir != "" {
		_ = os.RemoveAll(tmpDir)
	}
}

// withDatabase returns rawURL pointing at database name instead.
func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		return rawURL
	}
	u.Path = "/" + name
	return u.String()
}

// ReplicaPair is a primary cluster with database cxbacklog, migrated, a
// streaming standby of it (pg_basebackup -R), and a store that reads from
// the standby, each stopped when the test ends.
type ReplicaPair struct {
	Primary, Standby *pgcluster.Cluster
	StandbyOpts      pgcluster.Options // restart the standby with these: same port, where the store looks
	Store            *repository.Store
	Replay           *sql.DB // on the standby, to pause and resume its replay
}

// NewReplicaPair starts a ReplicaPair; opts are the store's, whose
// ReplicaURL and Log it sets. It skips the test without PostgreSQL's
// binaries.
func NewReplicaPair(t testing.TB, opts repository.Options, log *slog.Logger) *ReplicaPair {
	t.Helper()
	if _, err := pgcluster.FindPostgresBinaries(); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // the servers run as postgres when we are root
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p := &ReplicaPair{}
	var err error
	if p.Primary, err = pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "primary"), Fast: true, Logger: log}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Primary.Stop(context.Background()) })
	if err := repository.EnsureDatabase(ctx, p.Primary.URL("postgres"), "cxbacklog"); err != nil {
		t.Fatal(err)
	}
	p.StandbyOpts = pgcluster.Options{Dir: filepath.Join(dir, "standby"), Fast: true, Logger: log}
	if p.Standby, err = p.Primary.StartStandby(ctx, p.StandbyOpts); err != nil {
		t.Fatal(err)
	}
	p.StandbyOpts.Port = p.Standby.Port()
	t.Cleanup(func() { p.Standby.Stop(context.Background()) })
	opts.ReplicaURL, opts.Log = p.Standby.URL("cxbacklog"), log
	if p.Store, err = repository.Open(ctx, p.Primary.URL("cxbacklog"), opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Store.Close() })
	if err := p.Store.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Replay, err = sql.Open("pgx", p.Standby.URL("postgres")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Replay.Close() })
	return p
}
