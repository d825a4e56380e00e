package pgcluster

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// UpgradeOptions configures Upgrade.
type UpgradeOptions struct {
	// Dir is the cluster's data directory, as Options.Dir.
	Dir string
	// NewBin is the bin directory of the PostgreSQL to upgrade to; "" means
	// the newest installed major version.
	NewBin string
	// Database, when it exists in the cluster, must hold as many rows in
	// every table after the upgrade as before.
	Database string
	// Check, if set, is run on Database of the new cluster while it runs,
	// before the switch; an error keeps the old cluster in place.
	Check func(ctx context.Context, url string) error
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
	// Logger may be nil, meaning slog.Default().
	Logger *slog.Logger
	// Now names the kept old cluster; nil means time.Now.
	Now func() time.Time

	// sameMajor lets the tests "upgrade" to the major version the data is
	// already on, so that the whole flow runs with only one version
	// installed.
	sameMajor bool
}

// UpgradeResult says what Upgrade did.
type UpgradeResult struct {
	From, To  string   // major versions of the data before, and of the binaries upgraded to
	Installed []string // the major versions installed, oldest first
	// Upgraded is false when the data was on To already: nothing was done.
	Upgraded bool
	// OldDir keeps the old cluster, untouched, once Upgraded.
	OldDir string
	// Rows counts the rows of each table of Database (none if it does not
	// exist), the same before and after.
	Rows map[string]int64
}

// Upgrade moves the stopped cluster in opts.Dir to a newer major version: it
// creates a new cluster next to Dir (Dir-<version>) with the settings Start
// uses, runs the old and the new server side by side, copies every database
// with the new version's pg_dump and pg_restore, updates the planner
// statistics, compares the row counts of every table of opts.Database with
// the old cluster's and runs opts.Check. (Not pg_upgrade: it refuses tables
// with regconfig columns, which the service's search needs.) Only then are the
// directories switched: Dir holds the new cluster and the old one is kept,
// as it was, in UpgradeResult.OldDir. Any failure before the switch leaves
// Dir as it was.
//
// It refuses, in one line, when the data is on the newest version already
// (not an error: Upgraded is false), when the data's own version or a newer
// one is not installed, and when another process holds Dir (a running serve).
func Upgrade(ctx context.Context, opts UpgradeOptions) (*UpgradeResult, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", opts.Dir, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "PG_VERSION"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no PostgreSQL cluster in %s (it has no PG_VERSION): nothing to upgrade; check CXB_DATA_DIR", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read the PostgreSQL version of the data in %s: %w", dir, err)
	}
	installed := installedBinaries()
	res := &UpgradeResult{From: strings.TrimSpace(string(data)), Installed: slices.SortedFunc(maps.Keys(installed), compareVersions)}
	list := strings.Join(res.Installed, ", ")
	if list == "" {
		list = "none"
	}
	newBin, err := upgradeTarget(opts.NewBin, installed)
	if err != nil {
		return nil, err
	}
	res.To = binariesVersion(newBin, "pg_ctl")
	if res.To == "" {
		return nil, fmt.Errorf("cannot tell the PostgreSQL version of %s (pg_ctl --version failed)", newBin)
	}
	switch cmp := compareVersions(res.From, res.To); {
	case cmp == 0 && !opts.sameMajor:
		return res, nil
	case cmp > 0:
		return nil, fmt.Errorf("the data in %s was created by PostgreSQL %s, newer than the newest installed (installed: %s): there is nothing to upgrade to; "+
			"install PostgreSQL %s to run it (on Debian: apt-get install -y postgresql-%s)", dir, res.From, list, res.From, res.From)
	}
	oldBin, err := upgradeSource(dir, res.From, installed, list)
	if err != nil {
		return nil, err
	}
	for _, tool := range []string{"pg_dump", "pg_restore", "vacuumdb"} {
		if !isFile(filepath.Join(newBin, tool)) {
			return nil, fmt.Errorf("%s has no %s: install PostgreSQL %s's client programs (on Debian: apt-get install -y postgresql-client-%s)", newBin, tool, res.To, res.To)
		}
	}
	lock, held, err := lockDataDir(dir)
	if err != nil {
		return nil, err
	}
	if held {
		pid, _ := os.ReadFile(dir + ".lock")
		return nil, fmt.Errorf("data directory %s is in use by cxbacklog process %s (a running serve): stop it, then run cxbacklog upgrade again", dir, strings.TrimSpace(string(pid)))
	}
	defer func() { syscall.Flock(int(lock.Fd()), syscall.LOCK_UN); lock.Close() }()
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	u := &upgrade{opts: opts, res: res, cred: cred,
		old:  &Cluster{dir: dir, binDir: oldBin, cred: cred, logger: opts.Logger},
		new:  &Cluster{dir: dir + "-" + res.To, binDir: newBin, cred: cred, logger: opts.Logger},
		logf: func(string, ...any) {}}
	if u.old.logger == nil {
		u.old.logger, u.new.logger = slog.Default(), slog.Default()
	}
	if opts.Progress != nil {
		u.logf = func(format string, args ...any) { fmt.Fprintf(opts.Progress, format+"\n", args...) }
	}
	if err := u.run(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// upgradeTarget is the bin directory to upgrade to: bin when given, else the
// newest installed major version's.
func upgradeTarget(bin string, installed map[string]string) (string, error) {
	if bin != "" {
		if !hasServerBinaries(bin) {
			return "", fmt.Errorf("PG_BIN_NEW=%s does not contain initdb and pg_ctl", bin)
		}
		return bin, nil
	}
	if len(installed) == 0 {
		return "", errors.New(`no PostgreSQL server binaries installed (none in /usr/lib/postgresql/*/bin): install the version to upgrade to, e.g. "apt-get install -y postgresql", or set PG_BIN_NEW`)
	}
	return installed[slices.MaxFunc(slices.Collect(maps.Keys(installed)), compareVersions)], nil
}

// upgradeSource is the bin directory of the data's own version, which
// the upgrade runs beside the new one to copy the data: PG_BIN when set (it must be of that
// version), else the installed one.
func upgradeSource(dir, version string, installed map[string]string, list string) (string, error) {
	if bin := os.Getenv("PG_BIN"); bin != "" {
		if !hasServerBinaries(bin) {
			return "", fmt.Errorf("PG_BIN=%s does not contain initdb and pg_ctl", bin)
		}
		if v := binariesVersion(bin, "pg_ctl"); v != version {
			return "", fmt.Errorf("PG_BIN=%s holds PostgreSQL %s, but the data in %s was created by PostgreSQL %s: point PG_BIN at that version's bin directory, or unset it", bin, v, dir, version)
		}
		return bin, nil
	}
	if bin, ok := installed[version]; ok {
		return bin, nil
	}
	return "", fmt.Errorf("the data in %s was created by PostgreSQL %s, whose server is not installed (installed: %s): the upgrade needs both versions to run; "+
		"install it beside the new one (on Debian: apt-get install -y postgresql-%s), then run cxbacklog upgrade again", dir, version, list, version)
}

type upgrade struct {
	opts     UpgradeOptions
	res      *UpgradeResult
	cred     *syscall.Credential
	old, new *Cluster
	logf     func(format string, args ...any)
}

func (u *upgrade) run(ctx context.Context) (err error) {
	old, nu := u.old, u.new
	if err := old.checkTraversable(); err != nil {
		return err
	}
	if err := old.stopOrphan(ctx); err != nil {
		return err
	}
	u.logf("Upgrading the PostgreSQL cluster in %s from PostgreSQL %s (%s) to %s (%s).", old.dir, u.res.From, old.binDir, u.res.To, nu.binDir)
	dump := nu.dir + ".dump"
	var oldUp, newUp, created bool
	defer func() {
		stop := context.WithoutCancel(ctx)
		if oldUp {
			old.run(stop, "pg_ctl", "stop", "-D", old.dir, "-m", "fast", "-w")
		}
		if newUp {
			nu.run(stop, "pg_ctl", "stop", "-D", nu.dir, "-m", "fast", "-w")
		}
		os.RemoveAll(dump)
		if err == nil {
			return
		}
		left := ""
		if created {
			left = fmt.Sprintf("; the unfinished new cluster is left in %s for inspection (the next cxbacklog upgrade replaces it; rm -rf it to free the space)", nu.dir)
		}
		err = fmt.Errorf("upgrade to PostgreSQL %s failed; the cluster in %s is untouched and still usable with PostgreSQL %s%s: %w", u.res.To, old.dir, u.res.From, left, err)
	}()

	if err := errors.Join(os.RemoveAll(nu.dir), os.RemoveAll(dump)); err != nil { // left by an earlier attempt
		return err
	}
	u.logf("Creating the new cluster in %s ...", nu.dir)
	created = true
	if err := nu.initdb(ctx); err != nil {
		return err
	}
	u.logf("Starting both clusters and counting the rows of every table ...")
	oldUp = true
	if err := u.startServer(ctx, old); err != nil {
		return err
	}
	if u.res.Rows, err = tableRows(ctx, old, u.opts.Database); err != nil {
		return err
	}
	dbs, err := databases(ctx, old)
	if err != nil {
		return err
	}
	newUp = true
	if err := u.startServer(ctx, nu); err != nil {
		return err
	}
	if err := os.Mkdir(dump, 0o700); err != nil {
		return err
	}
	for i, db := range dbs {
		u.logf("Copying database %s with PostgreSQL %s's pg_dump and pg_restore ...", db, u.res.To)
		if err := u.copyDatabase(ctx, db, filepath.Join(dump, strconv.Itoa(i))); err != nil {
			return err
		}
	}
	oldUp = false
	if err := old.run(ctx, "pg_ctl", "stop", "-D", old.dir, "-m", "fast", "-w"); err != nil {
		return err
	}
	u.logf("Checking the new cluster ...")
	if err := u.checkNew(ctx); err != nil {
		return err
	}
	newUp = false
	if err := nu.run(ctx, "pg_ctl", "stop", "-D", nu.dir, "-m", "fast", "-w"); err != nil {
		return err
	}
	return u.switchDirs()
}

func (u *upgrade) startServer(ctx context.Context, c *Cluster) error {
	logPath, err := u.old.prepareLog() // one log beside Dir, before and after the switch
	if err != nil {
		return err
	}
	if c.port, err = freePort(); err != nil {
		return err
	}
	if err := c.run(ctx, "pg_ctl", "start", "-w", "-t", strconv.Itoa(int(startTimeout.Seconds())),
		"-D", c.dir, "-l", logPath, "-o", serverOptions(c.port, false)); err != nil {
		return fmt.Errorf("%w\nlast lines of %s:\n%s", err, logPath, logTail(logPath))
	}
	return retry(ctx, startTimeout, func() error { return dial(c.port) })
}

// copyDatabase copies database db from the old server to the new one with
// the new version's pg_dump (which reads older servers) and pg_restore, in
// parallel, through a directory-format dump in path. pg_upgrade cannot be
// used: it refuses tables with reg* columns such as regconfig, which the
// service's search columns are.
func (u *upgrade) copyDatabase(ctx context.Context, db, path string) error {
	jobs := strconv.Itoa(max(1, min(runtime.NumCPU(), 8)))
	if err := u.client(ctx, "pg_dump", "--format=directory", "--jobs="+jobs, "--file="+path, "--dbname="+u.old.URL(db)); err != nil {
		return err
	}
	return u.client(ctx, "pg_restore", "--create", "--exit-on-error", "--jobs="+jobs, "--dbname="+u.new.URL("postgres"), path)
}

// client runs a client program of the new version as the current user.
func (u *upgrade) client(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(u.new.binDir, name), args...)
	cmd.Dir = filepath.Dir(u.old.dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		lines := strings.Split(string(bytes.TrimSpace(out)), "\n")
		return fmt.Errorf("%s: %w\n%s", name, err, strings.Join(lines[max(0, len(lines)-logTailLines):], "\n"))
	}
	return nil
}

// databases lists the databases to copy: all but the templates and
// "postgres", which initdb creates.
func databases(ctx context.Context, c *Cluster) ([]string, error) {
	db, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY datname")
	if err != nil {
		return nil, fmt.Errorf("list the databases: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

// checkNew refreshes the new cluster's planner statistics (a restore does
// not carry them), compares the row counts with the old cluster's and runs
// opts.Check.
func (u *upgrade) checkNew(ctx context.Context) error {
	if err := u.client(ctx, "vacuumdb", "--all", "--analyze-only", "--quiet",
		"-h", "127.0.0.1", "-p", strconv.Itoa(u.new.port), "-U", "postgres"); err != nil {
		return err
	}
	rows, err := tableRows(ctx, u.new, u.opts.Database)
	if err != nil {
		return err
	}
	if u.opts.Database != "" && !maps.Equal(rows, u.res.Rows) {
		return fmt.Errorf("check: the row counts of database %s differ after the upgrade: before %v, after %v", u.opts.Database, u.res.Rows, rows)
	}
	if u.opts.Check != nil && (u.res.Rows != nil || u.opts.Database == "") {
		if err := u.opts.Check(ctx, u.new.URL(u.opts.Database)); err != nil {
			return fmt.Errorf("check: %w", err)
		}
	}
	return nil
}

// switchDirs puts the new cluster in Dir and keeps the old one beside it.
func (u *upgrade) switchDirs() error {
	now := time.Now
	if u.opts.Now != nil {
		now = u.opts.Now
	}
	dir := u.old.dir
	kept := fmt.Sprintf("%s.old-%s-%s", dir, u.res.From, now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(dir, kept); err != nil {
		return fmt.Errorf("switch: %w", err)
	}
	if err := os.Rename(u.new.dir, dir); err != nil {
		if back := os.Rename(kept, dir); back != nil {
			return fmt.Errorf("switch: %w; and moving the old cluster back from %s failed: %v", err, kept, back)
		}
		return fmt.Errorf("switch: %w", err)
	}
	u.res.Upgraded, u.res.OldDir = true, kept
	u.logf("Switched: %s now holds PostgreSQL %s.", dir, u.res.To)
	return nil
}

// tableRows counts the rows of every table of database name on the running
// cluster c, by schema-qualified name ("public." left out); nil when the
// cluster has no such database.
func tableRows(ctx context.Context, c *Cluster, name string) (map[string]int64, error) {
	if name == "" {
		return nil, nil
	}
	admin, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL on port %d: %w", c.port, err)
	}
	if !exists {
		return nil, nil
	}
	db, err := sql.Open("pgx", c.URL(name))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("list the tables of %s: %w", name, err)
	}
	var tables []pgx.Identifier
	for rows.Next() {
		var schema, table string
		if err := rows.Scan(&schema, &table); err != nil {
			return nil, err
		}
		tables = append(tables, pgx.Identifier{schema, table})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+t.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("count the rows of %s: %w", t.Sanitize(), err)
		}
		key := strings.TrimPrefix(t[0]+"."+t[1], "public.")
		counts[key] = n
	}
	return counts, nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}
