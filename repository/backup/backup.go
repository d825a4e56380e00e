// Package backup dumps the service's database with pg_dump (custom format)
// and restores such a dump with pg_restore, using the host's client
// binaries of the server's major version; Scheduler takes backups at an
// interval for `serve`.
package backup

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cxbacklog/repository/pgcluster"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Counts is what a database holds, for printing.
type Counts struct {
	Workspaces, Ideas, Pilots, Observations int64
}

func (c Counts) String() string {
	return fmt.Sprintf("%d workspaces, %d ideas, %d pilots, %d observations", c.Workspaces, c.Ideas, c.Pilots, c.Observations)
}

// querier is a *sql.DB, *sql.Conn or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Summary counts the workspaces, ideas, pilots and pilot observations in db.
func Summary(ctx context.Context, db querier) (Counts, error) {
	var c Counts
	err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM workspaces), (SELECT count(*) FROM ideas),
		(SELECT count(*) FROM pilots), (SELECT count(*) FROM pilot_observations)`).
		Scan(&c.Workspaces, &c.Ideas, &c.Pilots, &c.Observations)
	if err != nil {
		return c, fmt.Errorf("count what the database holds: %w", err)
	}
	return c, nil
}

// Dump writes a pg_dump custom-format archive of the database at dbURL to w
// and answers what it holds. pg_dump reads one snapshot, exported by a
// transaction that also counts, so the counts are the archive's; the
// service keeps serving meanwhile (pg_dump takes only ACCESS SHARE locks).
func Dump(ctx context.Context, dbURL string, w io.Writer) (Counts, error) {
	db, err := open(dbURL)
	if err != nil {
		return Counts{}, err
	}
	defer db.Close()
	binDir, err := clientBinaries(ctx, db, "pg_dump")
	if err != nil {
		return Counts{}, err
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Counts{}, fmt.Errorf("connect to the database %s: %w", Describe(dbURL), err)
	}
	defer tx.Rollback()
	var snapshot string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
		return Counts{}, fmt.Errorf("export a snapshot: %w", err)
	}
	counts, err := Summary(ctx, tx)
	if err != nil {
		return counts, err
	}
	err = runTool(ctx, binDir, "pg_dump", dbURL, w, "--format=custom", "--snapshot="+snapshot, "--lock-wait-timeout=60000")
	return counts, err
}

// ErrNotEmpty is returned by Restore into a database that holds tables.
var ErrNotEmpty = errors.New("the database is not empty")

// Restore restores the archive file into the database at dbURL, which must
// hold no table, unless force: then its schema public is dropped and
// created again first. pg_restore runs in one transaction and stops at the
// first error, so a failed restore leaves the database as it was (empty,
// or, with force, emptied). Owners and privileges are not restored: the
// objects belong to the user of dbURL. The caller runs the migrations
// afterwards, so an older archive comes up on the current schema.
func Restore(ctx context.Context, dbURL, file string, force bool) error {
	if _, err := os.Stat(file); err != nil {
		return err
	}
	db, err := open(dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	binDir, err := clientBinaries(ctx, db, "pg_restore")
	if err != nil {
		return err
	}
	var tables []string
	rows, err := db.QueryContext(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
		ORDER BY c.relname = 'ideas' DESC, c.relname`)
	if err == nil {
		tables, err = collect(rows)
	}
	if err != nil {
		return fmt.Errorf("look at the database %s: %w", Describe(dbURL), err)
	}
	if len(tables) > 0 && !force {
		names := strings.Join(tables[:min(3, len(tables))], ", ")
		if len(tables) > 3 {
			names += ", ..."
		}
		return fmt.Errorf("%w: it holds %d tables (%s); restore into an empty database or a new data directory, or add --force to replace what it holds",
			ErrNotEmpty, len(tables), names)
	}
	if len(tables) > 0 {
		if _, err := db.ExecContext(ctx, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"); err != nil {
			return fmt.Errorf("empty the database %s: %w", Describe(dbURL), err)
		}
	}
	return runTool(ctx, binDir, "pg_restore", dbURL, io.Discard, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", file)
}

func collect(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func open(dbURL string) (*sql.DB, error) {
	if _, err := pgx.ParseConfig(dbURL); err != nil {
		return nil, fmt.Errorf("not a valid PostgreSQL URL: %w", err)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	return db, nil
}

// runTool runs pg_dump or pg_restore from binDir on the database at dbURL,
// its standard output to stdout. The password, if the URL has one, goes in
// PGPASSWORD rather than on the command line, where ps would show it.
func runTool(ctx context.Context, binDir, tool, dbURL string, stdout io.Writer, args ...string) error {
	conn, password := withoutPassword(dbURL)
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, tool), append([]string{"--dbname=" + conn}, args...)...)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := strings.Join(strings.Fields(stderr.String()), " ")
		if len(msg) > 600 {
			msg = msg[:600] + "..."
		}
		return fmt.Errorf("%s: %v: %s", tool, err, msg)
	}
	return nil
}

// withoutPassword splits a URL's password off; key=value strings and URLs
// without one come back as they are.
func withoutPassword(dbURL string) (string, string) {
	u, err := url.Parse(dbURL)
	if err != nil || u.User == nil || !strings.HasPrefix(u.Scheme, "postgres") {
		return dbURL, ""
	}
	password, ok := u.User.Password()
	if !ok {
		return dbURL, ""
	}
	u.User = url.User(u.User.Username())
	return u.String(), password
}

// Describe names the user, server and database of dbURL, without the
// password.
func Describe(dbURL string) string {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// clientBinaries finds the directory holding tool for the server db talks
// to: $PG_BIN; else Debian's /usr/lib/postgresql/<major>/bin of the
// server's major version; else `pg_config --bindir` or an installed newer
// major version (pg_dump and pg_restore work with servers older than they
// are, not newer).
func clientBinaries(ctx context.Context, db *sql.DB, tool string) (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		if !isFile(filepath.Join(dir, tool)) {
			return "", fmt.Errorf("PG_BIN=%s does not contain %s", dir, tool)
		}
		return dir, nil
	}
	var num int
	if err := db.QueryRowContext(ctx, "SHOW server_version_num").Scan(&num); err != nil {
		return "", fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	major := majorOf(num)
	installed := pgcluster.InstalledBinaries(tool)
	if dir, ok := installed[major]; ok {
		return dir, nil
	}
	var found []string
	best, bestDir := 0, ""
	for v, dir := range installed {
		found = append(found, v)
		if n, _ := strconv.Atoi(v); n > best && n >= num/10000 {
			best, bestDir = n, dir
		}
	}
	if bestDir != "" {
		return bestDir, nil
	}
	slices.Sort(found)
	list := strings.Join(found, ", ")
	if list == "" {
		list = "none"
	}
	return "", fmt.Errorf("%s for PostgreSQL %s (the server's version) is not installed here (found: %s); install it (on Debian: apt-get install -y postgresql-client-%s) or set PG_BIN to its bin directory",
		tool, major, list, major)
}

// majorOf turns server_version_num (150010) into a major version as
// PG_VERSION writes it ("15"; "9.6" before 10).
func majorOf(num int) string {
	if num >= 100000 {
		return strconv.Itoa(num / 10000)
	}
	return fmt.Sprintf("%d.%d", num/10000, num/100%100)
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}
