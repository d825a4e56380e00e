package pgcluster

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

func TestCluster(t *testing.T) {
	binDir, err := FindPostgresBinaries()
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := filepath.Join(clusterTempDir(t), "data", "postgres")
	opts := Options{Dir: dir, Fast: true}

	c := startTestCluster(ctx, t, opts)
	assertQueryable(t, binDir, c)

	if _, err := Start(ctx, opts); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Start on a locked dir: err = %v, want an \"in use\" error", err)
	}
	shared := opts
	shared.Shared = true
	client := startTestCluster(ctx, t, shared)
	if got, want := client.URL("x"), c.URL("x"); got != want {
		t.Fatalf("shared client URL = %s, want %s", got, want)
	}
	if err := client.Stop(ctx); err != nil {
		t.Fatalf("stop shared client: %v", err)
	}
	assertQueryable(t, binDir, c) // the client's Stop must not stop the server
	stopTestCluster(ctx, t, c)

	// Restart on the existing data directory: no initdb this time.
	c = startTestCluster(ctx, t, opts)
	assertQueryable(t, binDir, c)
	stopTestCluster(ctx, t, c)
}

// clusterTempDir returns a temp dir that the postgres user can traverse when
// the test runs as root (t.TempDir creates its dirs 0700).
func clusterTempDir(t *testing.T) string {
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		for _, d := range []string{filepath.Dir(dir), dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func startTestCluster(ctx context.Context, t *testing.T, opts Options) *Cluster {
	t.Helper()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start(%+v): %v", opts, err)
	}
	// Stop is idempotent, so this only matters when the test fails early;
	// it must run before t.TempDir's cleanup removes the data directory.
	t.Cleanup(func() { c.Stop(context.Background()) })
	return c
}

func stopTestCluster(ctx context.Context, t *testing.T, c *Cluster) {
	t.Helper()
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", clusterHost(t, c), time.Second); err == nil {
		conn.Close()
		t.Fatalf("server still accepts connections after Stop")
	}
}

func assertQueryable(t *testing.T, binDir string, c *Cluster) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", clusterHost(t, c), time.Second)
	if err != nil {
		t.Fatalf("connect to cluster: %v", err)
	}
	conn.Close()
	psql := filepath.Join(binDir, "psql")
	if _, err := os.Stat(psql); err != nil {
		return
	}
	out, err := exec.Command(psql, "-X", "-tA", "-c", "select 1", c.URL("postgres")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Fatalf("psql select 1: %v: %s", err, out)
	}
}

func clusterHost(t *testing.T, c *Cluster) string {
	t.Helper()
	u, err := url.Parse(c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"9.6", "15", -1},
		{"15", "16", -1},
		{"16", "9", 1},
		{"15", "15", 0},
		{"9", "9.6", -1},
	} {
		got := compareVersions(tc.a, tc.b)
		if got < 0 {
			got = -1
		} else if got > 0 {
			got = 1
		}
		if got != tc.want {
			t.Errorf("compareVersions(%q, %q) sign = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// Data created by a major version that is not installed stops the start
// with one line naming the version, the versions found and the fix, before
// any server runs against it.
func TestStartRefusesDataOfAnotherVersion(t *testing.T) {
	if _, err := FindPostgresBinaries(); err != nil {
		t.Skip(err)
	}
	t.Setenv("PG_BIN", "")
	dir := filepath.Join(clusterTempDir(t), "data", "postgres")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err == nil {
		t.Fatal("a start on PostgreSQL 7's data succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"created by PostgreSQL 7", "installed: ", "apt-get install -y postgresql-7", "PG_BIN"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is more than one line: %q", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); err == nil {
		t.Error("a server was started on the data")
	}
}

func TestMajorVersion(t *testing.T) {
	for line, want := range map[string]string{
		"pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n": "15",
		"pg_ctl (PostgreSQL) 9.6.24\n":                         "9.6",
		"pg_ctl (PostgreSQL) 17devel":                          "17devel",
		"nonsense":                                             "",
	} {
		if got := majorVersion(line); got != want {
			t.Errorf("majorVersion(%q) = %q, want %q", line, got, want)
		}
	}
}

// A standby copies its primary, answers reads in recovery, streams what the
// primary writes after the copy, and starts again from its copy.
func TestStandby(t *testing.T) {
	if _, err := FindPostgresBinaries(); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	dir := clusterTempDir(t)
	primary := startTestCluster(ctx, t, Options{Dir: filepath.Join(dir, "primary"), Fast: true})
	pdb := openDB(t, primary)
	if _, err := pdb.ExecContext(ctx, "CREATE TABLE copied (n int); INSERT INTO copied VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	standbyOpts := Options{Dir: filepath.Join(dir, "standby"), Fast: true}
	standby, err := primary.StartStandby(ctx, standbyOpts)
	if err != nil {
		t.Fatalf("StartStandby: %v", err)
	}
	t.Cleanup(func() { standby.Stop(context.Background()) })
	if standby.Port() == primary.Port() {
		t.Fatalf("the standby listens on the primary's port %d", primary.Port())
	}
	sdb := openDB(t, standby)
	var inRecovery bool
	if err := sdb.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil || !inRecovery {
		t.Fatalf("standby: pg_is_in_recovery() = %v, %v; want true", inRecovery, err)
	}
	waitForRow := func(n int) {
		t.Helper()
		if _, err := pdb.ExecContext(ctx, "INSERT INTO copied VALUES ($1)", n); err != nil {
			t.Fatal(err)
		}
		err := retry(ctx, 30*time.Second, func() error {
			var found bool
			if err := sdb.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM copied WHERE n = $1)", n).Scan(&found); err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("row %d not on the standby", n)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("streaming: %v", err)
		}
	}
	waitForRow(2)
	if _, err := sdb.ExecContext(ctx, "INSERT INTO copied VALUES (3)"); err == nil {
		t.Fatal("the standby accepted a write")
	}

	stopTestCluster(ctx, t, standby)
	standby, err = primary.StartStandby(ctx, standbyOpts)
	if err != nil {
		t.Fatalf("StartStandby on its copy: %v", err)
	}
	t.Cleanup(func() { standby.Stop(context.Background()) })
	sdb = openDB(t, standby)
	waitForRow(4)
}

func openDB(t *testing.T, c *Cluster) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
