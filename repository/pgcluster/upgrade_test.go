package pgcluster

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// upgradeFixture is a stopped cluster in dir whose database "app" holds 500
// ideas and a table in another schema; binDir is the installed server.
func upgradeFixture(t *testing.T) (dir, binDir, version string) {
	t.Helper()
	binDir, err := FindPostgresBinaries()
	if err != nil {
		t.Skip(err)
	}
	t.Setenv("PG_BIN", "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir = filepath.Join(clusterTempDir(t), "data", "postgres")
	c := startTestCluster(ctx, t, Options{Dir: dir})
	if _, err := openDB(t, c).ExecContext(ctx, "CREATE DATABASE app"); err != nil {
		t.Fatal(err)
	}
	if _, err := openNamedDB(t, c, "app").ExecContext(ctx, `CREATE EXTENSION pg_trgm;
		CREATE TABLE ideas (id int PRIMARY KEY, title text, cfg regconfig NOT NULL DEFAULT 'english',
			search tsvector GENERATED ALWAYS AS (to_tsvector(cfg, title)) STORED);
		CREATE INDEX ON ideas USING gin (title gin_trgm_ops);
		INSERT INTO ideas (id, title) SELECT n, 'idea ' || n FROM generate_series(1, 500) n;
		CREATE SCHEMA other; CREATE TABLE other.notes (n int); INSERT INTO other.notes VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	stopTestCluster(ctx, t, c)
	return dir, binDir, binariesVersion(binDir, "pg_ctl")
}

func openNamedDB(t *testing.T, c *Cluster, name string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", c.URL(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ideasIn starts the cluster in dir, counts app's ideas and stops it.
func ideasIn(t *testing.T, dir string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := startTestCluster(ctx, t, Options{Dir: dir, Fast: true})
	defer stopTestCluster(ctx, t, c)
	var n int
	app := openNamedDB(t, c, "app")
	defer app.Close()
	if err := app.QueryRowContext(ctx, "SELECT count(*) FROM ideas").Scan(&n); err != nil {
		t.Fatalf("count ideas in %s: %v", dir, err)
	}
	return n
}

// The whole flow with the one installed major version as source and target:
// a new cluster, the data copied with pg_dump and pg_restore, the same row
// counts and a passing check, then the switch, the old cluster kept and
// still usable.
func TestUpgradeSameMajorRunsTheWholeFlow(t *testing.T) {
	dir, binDir, version := upgradeFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var progress strings.Builder
	checked := ""
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	res, err := Upgrade(ctx, UpgradeOptions{Dir: dir, NewBin: binDir, Database: "app", Progress: &progress,
		Now: func() time.Time { return at }, sameMajor: true,
		Check: func(ctx context.Context, url string) error { checked = url; return nil }})
	if err != nil {
		t.Fatalf("Upgrade: %v\nprogress:\n%s", err, progress.String())
	}
	wantOld := dir + ".old-" + version + "-20250304T050607Z"
	if !res.Upgraded || res.From != version || res.To != version || res.OldDir != wantOld {
		t.Fatalf("result %+v; want upgraded from and to %s, old cluster kept in %s", res, version, wantOld)
	}
	if res.Rows["ideas"] != 500 || res.Rows["other.notes"] != 2 || len(res.Rows) != 2 {
		t.Fatalf("rows %v; want ideas 500, other.notes 2", res.Rows)
	}
	if !strings.HasSuffix(checked, "/app?sslmode=disable") {
		t.Fatalf("Check was called with %q; want the URL of database app", checked)
	}
	for _, step := range []string{"Creating the new cluster", "Copying database app", "Checking the new cluster", "Switched"} {
		if !strings.Contains(progress.String(), step) {
			t.Errorf("progress lacks %q:\n%s", step, progress.String())
		}
	}
	if _, err := os.Stat(dir + "-" + version); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the new cluster's build directory is still there: %v", err)
	}
	if _, err := os.Stat(dir + "-" + version + ".dump"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dump is still there: %v", err)
	}
	if n := ideasIn(t, dir); n != 500 {
		t.Fatalf("the upgraded cluster holds %d ideas, want 500", n)
	}
	if n := ideasIn(t, wantOld); n != 500 {
		t.Fatalf("the kept old cluster holds %d ideas, want 500", n)
	}
}

// A failing check after pg_upgrade leaves the old cluster where it was and
// usable; nothing is switched.
func TestUpgradeFailureLeavesTheOldClusterInPlace(t *testing.T) {
	dir, binDir, version := upgradeFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	marker := filepath.Join(dir, "old-cluster-marker")
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Upgrade(ctx, UpgradeOptions{Dir: dir, NewBin: binDir, Database: "app", sameMajor: true,
		Check: func(context.Context, string) error { return errors.New("migrations unreadable") }})
	if err == nil {
		t.Fatal("Upgrade succeeded although the check failed")
	}
	for _, want := range []string{"migrations unreadable", "untouched", "still usable with PostgreSQL " + version, dir + "-" + version} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the old cluster is no longer in %s: %v", dir, err)
	}
	if kept, _ := filepath.Glob(dir + ".old-*"); len(kept) > 0 {
		t.Fatalf("directories were switched: %v", kept)
	}
	if n := ideasIn(t, dir); n != 500 {
		t.Fatalf("the old cluster holds %d ideas after the failed upgrade, want 500", n)
	}
	// The next attempt replaces the unfinished new cluster and gets through.
	if res, err := Upgrade(ctx, UpgradeOptions{Dir: dir, NewBin: binDir, Database: "app", sameMajor: true}); err != nil || !res.Upgraded {
		t.Fatalf("upgrade after a failed one: %+v, %v", res, err)
	}
}

// A cluster that a process runs (serve) is not upgraded under it.
func TestUpgradeRefusesWhileTheClusterRuns(t *testing.T) {
	dir, binDir, _ := upgradeFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := startTestCluster(ctx, t, Options{Dir: dir, Fast: true})
	_, err := Upgrade(ctx, UpgradeOptions{Dir: dir, NewBin: binDir, Database: "app", sameMajor: true})
	if err == nil || !strings.Contains(err.Error(), "in use by cxbacklog process") || !strings.Contains(err.Error(), "stop it") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Upgrade of a running cluster: %v; want one line saying it is in use", err)
	}
	assertQueryable(t, binDir, c)
	if _, err := os.Stat(dir + "-" + binariesVersion(binDir, "pg_ctl")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a new cluster was created beside the running one: %v", err)
	}
}

// What can be decided from the versions alone, without starting anything.
func TestUpgradeRefusals(t *testing.T) {
	binDir, err := FindPostgresBinaries()
	if err != nil {
		t.Skip(err)
	}
	t.Setenv("PG_BIN", "")
	installed := binariesVersion(binDir, "pg_ctl")
	for _, tc := range []struct {
		name, dataVersion, newBin string
		want                      []string // in the one-line error; none: no error
	}{
		{name: "data older, its version not installed", dataVersion: "7",
			want: []string{"created by PostgreSQL 7", "installed: " + installed, "needs both versions", "apt-get install -y postgresql-7"}},
		{name: "data newer than anything installed", dataVersion: "99",
			want: []string{"created by PostgreSQL 99", "newer than the newest installed", "installed: " + installed, "apt-get install -y postgresql-99"}},
		{name: "no cluster", want: []string{"no PostgreSQL cluster", "nothing to upgrade"}},
		{name: "PG_BIN_NEW without a server", dataVersion: "7", newBin: "/nonexistent", want: []string{"PG_BIN_NEW=/nonexistent"}},
		{name: "already on the newest", dataVersion: installed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "postgres")
			if tc.dataVersion != "" {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte(tc.dataVersion+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Upgrade(context.Background(), UpgradeOptions{Dir: dir, NewBin: tc.newBin, Database: "app"})
			if len(tc.want) == 0 {
				if err != nil || res.Upgraded || res.From != installed || res.To != installed {
					t.Fatalf("Upgrade: %+v, %v; want nothing done, from and to %s", res, err, installed)
				}
				return
			}
			if err == nil {
				t.Fatalf("Upgrade: %+v; want an error", res)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) > 1 {
				t.Errorf("Upgrade created files beside the data: %v", entries)
			}
		})
	}
}
