// Package pgcluster runs a private PostgreSQL cluster from the host's
// binaries: the embedded default behind make run, and the tests' server.
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configures Start.
type Options struct {
	// Dir is the cluster data directory, e.g. "./.data/postgres". It is made
	// absolute and created if missing. The lock file Dir+".lock" and the server
	// log Dir+".log" live next to it.
	Dir string
	// Logger may be nil, meaning slog.Default().
	Logger *slog.Logger
	// Shared makes Start connect as a client to a cluster that another
	// process already runs on Dir (e.g. `keys create` while `serve` runs)
	// instead of failing.
	Shared bool
	// Fast trades durability for speed (fsync, synchronous_commit and
	// full_page_writes off). Meant for tests; a crash may corrupt the data.
	Fast bool
	// Port to listen on; 0 picks a free one. Restarting a stopped cluster on
	// its old port lets clients reconnect by themselves (outage tests).
	Port int
}

// Cluster is a private PostgreSQL cluster started by Start, or a client
// handle on one that another process runs.
type Cluster struct {
	dir    string
	binDir string
	port   int
	cred   *syscall.Credential // nil: run the binaries as the current user
	logger *slog.Logger
	// primary is the cluster a standby streams from; nil for a primary.
	primary *Cluster

	mu   sync.Mutex
	lock *os.File // nil for a shared client or once stopped
}

const (
	startTimeout = 60 * time.Second
	retryEvery   = 100 * time.Millisecond
	logTailLines = 20
)

// Start creates the cluster on opts.Dir if needed and starts it on a
// free loopback port, or attaches to the one another process runs (Shared).
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	return start(ctx, opts, nil)
}

// StartStandby starts a streaming standby of c (hot: it answers reads) on
// opts.Dir, as Start starts a cluster. The first time, it copies c with
// pg_basebackup -R, which also configures the streaming from c; later
// starts on the same Dir resume from the copy. Stop stops it.
func (c *Cluster) StartStandby(ctx context.Context, opts Options) (*Cluster, error) {
	return start(ctx, opts, c)
}

func start(ctx context.Context, opts Options, primary *Cluster) (*Cluster, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", opts.Dir, err)
	}
	c := &Cluster{dir: dir, logger: opts.Logger, primary: primary}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if err := mkdirParents(dir); err != nil {
		return nil, err
	}
	lock, held, err := lockDataDir(dir)
	if err != nil {
		return nil, err
	}
	if held {
		return attach(ctx, c, opts.Shared)
	}
	c.lock = lock
	c.port = opts.Port
	if err := c.start(ctx, opts.Fast); err != nil {
		c.unlock()
		return nil, err
	}
	return c, nil
}

// Port is the port the cluster listens on.
func (c *Cluster) Port() int { return c.port }

// URL returns a connection URL for database dbname on the cluster.
func (c *Cluster) URL(dbname string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, url.PathEscape(dbname))
}

// Stop shuts the server down if this Cluster started it and releases the data
// directory lock. It is a no-op for a shared client and when called again.
// ctx bounds the shutdown: a cancelled ctx leaves the server running (the next
// Start on Dir stops such an orphan).
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lock == nil {
		return nil
	}
	c.logger.Info("stopping PostgreSQL", "dir", c.dir)
	err := c.run(ctx, "pg_ctl", "stop", "-D", c.dir, "-m", "fast", "-w")
	c.unlock()
	return err
}

// FindPostgresBinaries returns the directory holding the PostgreSQL server
// binaries: $PG_BIN, else `pg_config --bindir`, else the newest
// /usr/lib/postgresql/*/bin.
func FindPostgresBinaries() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		if !hasServerBinaries(dir) {
			return "", fmt.Errorf("PG_BIN=%s does not contain initdb and pg_ctl", dir)
		}
		return dir, nil
	}
	// Debian's pg_config may come from libpq-dev and name a dir without the
	// server, so its answer is only taken if the server is really there.
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasServerBinaries(dir) {
			return dir, nil
		}
	}
	if dir := newestDebianBinDir(); dir != "" {
		return dir, nil
	}
	return "", errors.New(`PostgreSQL server binaries not found (initdb, pg_ctl): install them with "apt-get install -y postgresql" or set PG_BIN or DATABASE_URL`)
}

// binariesFor returns the server binaries for the cluster in dir: $PG_BIN
// when set; for a cluster not created yet, FindPostgresBinaries; else those
// of the major version that created the data (dir/PG_VERSION). A server of
// another major version refuses the data ("database files are incompatible
// with server"), so when that version is not installed the error says which
// it is, which were found, and what to do, in one line.
func binariesFor(dir string) (string, error) {
	if os.Getenv("PG_BIN") != "" {
		return FindPostgresBinaries()
	}
	data, err := os.ReadFile(filepath.Join(dir, "PG_VERSION"))
	if errors.Is(err, fs.ErrNotExist) {
		return FindPostgresBinaries()
	}
	if err != nil {
		return "", fmt.Errorf("read the PostgreSQL version of the data in %s: %w", dir, err)
	}
	want := strings.TrimSpace(string(data))
	installed := installedBinaries()
	if bin, ok := installed[want]; ok {
		return bin, nil
	}
	found := slices.SortedFunc(maps.Keys(installed), compareVersions)
	list := strings.Join(found, ", ")
	if list == "" {
		list = "none"
	}
	return "", fmt.Errorf("the data in %s was created by PostgreSQL %s, whose server is not installed here (installed: %s); "+
		"install it (on Debian: apt-get install -y postgresql-%s) or set PG_BIN to its bin directory", dir, want, list, want)
}

// installedBinaries finds the server binaries installed, by major version.
func installedBinaries() map[string]string { return InstalledBinaries("initdb", "pg_ctl") }

// InstalledBinaries finds the bin directories holding every one of tools,
// by major version ("15"; "9.6" before 10): Debian's
// /usr/lib/postgresql/<major>/bin, and `pg_config --bindir` (its version
// from the first tool's --version).
func InstalledBinaries(tools ...string) map[string]string {
	out := map[string]string{}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for _, d := range dirs {
		if hasFiles(d, tools) {
			out[filepath.Base(filepath.Dir(d))] = d
		}
	}
	if b, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(b)); hasFiles(dir, tools) {
			if v := binariesVersion(dir, tools[0]); v != "" {
				if _, ok := out[v]; !ok {
					out[v] = dir
				}
			}
		}
	}
	return out
}

// binariesVersion is the major version of tool in dir, as PG_VERSION
// writes it ("15"; "9.6" before 10), from its --version.
func binariesVersion(dir, tool string) string {
	b, err := exec.Command(filepath.Join(dir, tool), "--version").Output()
	if err != nil {
		return ""
	}
	return majorVersion(string(b))
}

// majorVersion reads the major version from "pg_ctl (PostgreSQL) 15.18 (…)".
func majorVersion(versionLine string) string {
	fields := strings.Fields(versionLine)
	if len(fields) < 3 {
		return ""
	}
	parts := strings.Split(fields[2], ".")
	if n, err := strconv.Atoi(parts[0]); err != nil || n >= 10 || len(parts) < 2 {
		return parts[0]
	}
	return parts[0] + "." + parts[1]
}

func hasServerBinaries(dir string) bool { return hasFiles(dir, []string{"initdb", "pg_ctl"}) }

func hasFiles(dir string, names []string) bool {
	for _, name := range names {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

func newestDebianBinDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	dirs = slices.DeleteFunc(dirs, func(d string) bool { return !hasServerBinaries(d) })
	if len(dirs) == 0 {
		return ""
	}
	return slices.MaxFunc(dirs, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(a)), filepath.Base(filepath.Dir(b)))
	})
}

// compareVersions orders dotted versions numerically, so "9.6" < "15" < "16".
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range min(len(as), len(bs)) {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

// mkdirParents creates the missing ancestors of dir world-traversable, because
// the server may run as another user (postgres) that must reach dir.
func mkdirParents(dir string) error {
	var missing []string
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil || p == filepath.Dir(p) {
			break
		}
		missing = append(missing, p)
	}
	for _, p := range slices.Backward(missing) {
		if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		// Mkdir is subject to the umask; these dirs are ours to open up.
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// lockDataDir takes the exclusive lock on dir+".lock" and records our pid in
// it. held reports that another process (or another Cluster in this process)
// owns the lock; the lock is released when its holder exits, even if killed.
func lockDataDir(dir string) (lock *os.File, held bool, err error) {
	f, err := os.OpenFile(dir+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(pid, 0)
	}
	if err != nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		return nil, false, fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return f, false, nil
}

func (c *Cluster) unlock() {
	syscall.Flock(int(c.lock.Fd()), syscall.LOCK_UN)
	c.lock.Close()
	c.lock = nil
}

// attach turns c into a client of the cluster run by the lock holder.
func attach(ctx context.Context, c *Cluster, shared bool) (*Cluster, error) {
	if !shared {
		pid, _ := os.ReadFile(c.dir + ".lock")
		holder := strings.TrimSpace(string(pid))
		if holder == "" {
			holder = "unknown"
		}
		return nil, fmt.Errorf("data directory %s is in use by another cxbacklog process (pid %s); stop it or set CXB_DATA_DIR to another directory", c.dir, holder)
	}
	// The holder may still be running initdb or starting the server.
	err := retry(ctx, startTimeout, func() error {
		port, err := postmasterPort(c.dir)
		if err != nil {
			return err
		}
		c.port = port
		return dial(port)
	})
	if err != nil {
		return nil, fmt.Errorf("connect to the PostgreSQL cluster of the process holding %s.lock: %w", c.dir, err)
	}
	c.logger.Info("using PostgreSQL cluster of another process", "dir", c.dir, "port", c.port)
	return c, nil
}

// postmasterPort reads the port from line 4 of the running server's pid file.
func postmasterPort(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 4 {
		return 0, fmt.Errorf("%s/postmaster.pid has no port yet", dir)
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return 0, fmt.Errorf("%s/postmaster.pid: bad port: %w", dir, err)
	}
	return port, nil
}

// start initialises the cluster if needed and starts the server; c holds the lock.
func (c *Cluster) start(ctx context.Context, fast bool) error {
	versionDir := c.dir
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); err != nil && c.primary != nil {
		versionDir = c.primary.dir // a standby runs the binaries of its primary
	}
	binDir, err := binariesFor(versionDir)
	if err != nil {
		return err
	}
	c.binDir = binDir
	if c.cred, err = serverCredential(); err != nil {
		return err
	}
	if err := c.checkTraversable(); err != nil {
		return err
	}
	if c.primary != nil {
		err = c.baseBackup(ctx, fast)
	} else {
		err = c.initdb(ctx)
	}
	if err != nil {
		return err
	}
	logPath, err := c.prepareLog()
	if err != nil {
		return err
	}
	if err := c.stopOrphan(ctx); err != nil {
		return err
	}
	if c.port == 0 {
		if c.port, err = freePort(); err != nil {
			return err
		}
	}
	c.logger.Info("starting PostgreSQL", "dir", c.dir, "port", c.port)
	if err := c.run(ctx, "pg_ctl", "start", "-w", "-t", strconv.Itoa(int(startTimeout.Seconds())),
		"-D", c.dir, "-l", logPath, "-o", serverOptions(c.port, fast)); err != nil {
		return fmt.Errorf("%w\nlast lines of %s:\n%s", err, logPath, logTail(logPath))
	}
	if err := retry(ctx, startTimeout, func() error { return dial(c.port) }); err != nil {
		c.run(context.WithoutCancel(ctx), "pg_ctl", "stop", "-D", c.dir, "-m", "fast", "-w")
		return fmt.Errorf("PostgreSQL started but does not accept connections: %w", err)
	}
	return nil
}

// serverOptions listens on loopback TCP only: without a unix socket the server
// needs no /var/run/postgresql and cannot clash with a system cluster.
func serverOptions(port int, fast bool) string {
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", port)
	// initdb's defaults (128 MB of buffers, random_page_cost 4) are sized
	// for a small shared host; make bench measured the ranked and filtered
	// lists at 1,000,000 ideas reading from disk with them.
	opts += " -c shared_buffers=1GB -c effective_cache_size=4GB -c random_page_cost=1.1 -c max_wal_size=4GB -c work_mem=16MB"
	if fast {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	return opts
}

// serverCredential returns the account to run the binaries as: PostgreSQL
// refuses to run as root, so root delegates to OS user postgres.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf(`running as root, but PostgreSQL refuses to run as root and OS user "postgres" is unavailable (%v): "apt-get install -y postgresql" creates it, or run as a non-root user`, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("OS user postgres: %w", err)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	gids, _ := u.GroupIds()
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			cred.Groups = append(cred.Groups, uint32(n))
		}
	}
	return cred, nil
}

// checkTraversable fails early with a clear message where the server user
// could not reach the data directory, instead of an obscure initdb error.
func (c *Cluster) checkTraversable() error {
	if c.cred == nil {
		return nil
	}
	for p := filepath.Dir(c.dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !searchableBy(fi, c.cred) {
			return fmt.Errorf("PostgreSQL runs as OS user postgres, which cannot traverse %s (mode %v): make it traversable (chmod o+x) or choose another data directory", p, fi.Mode().Perm())
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func searchableBy(fi fs.FileInfo, cred *syscall.Credential) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case st.Uid == cred.Uid:
		return perm&0o100 != 0
	case st.Gid == cred.Gid || slices.Contains(cred.Groups, st.Gid):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// emptyDir reports whether Dir already holds a cluster, and otherwise
// makes sure Dir exists and belongs to the server's user.
func (c *Cluster) emptyDir() (exists bool, err error) {
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); err == nil {
		return true, nil
	}
	if err := os.Mkdir(c.dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return false, err
	}
	return false, c.chown(c.dir)
}

// initdb creates the cluster unless Dir already holds one.
func (c *Cluster) initdb(ctx context.Context) error {
	if exists, err := c.emptyDir(); exists || err != nil {
		return err
	}
	c.logger.Info("creating PostgreSQL cluster", "dir", c.dir)
	// C.UTF-8 keeps the cluster independent of the host's locale settings while
	// still folding case of non-ASCII letters (ILIKE search on "é" finds "É").
	return c.run(ctx, "initdb", "-D", c.dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
}

// baseBackup copies the primary into Dir unless Dir already holds a cluster.
// -R writes standby.signal and the primary's address, so the server starts as
// its standby; -X stream brings the log written during the copy.
func (c *Cluster) baseBackup(ctx context.Context, fast bool) error {
	if exists, err := c.emptyDir(); exists || err != nil {
		return err
	}
	c.logger.Info("copying the PostgreSQL cluster for a standby", "dir", c.dir, "primary", c.primary.dir)
	args := []string{"-D", c.dir, "-h", "127.0.0.1", "-p", strconv.Itoa(c.primary.port), "-U", "postgres",
		"-R", "-X", "stream", "--checkpoint=fast"}
	if fast {
		args = append(args, "--no-sync")
	}
	return c.run(ctx, "pg_basebackup", args...)
}

// prepareLog creates the server log next to Dir, owned by the server user, as
// that user may not be allowed to create files in Dir's parent.
func (c *Cluster) prepareLog() (string, error) {
	path := c.dir + ".log"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return "", err
	}
	f.Close()
	return path, c.chown(path)
}

func (c *Cluster) chown(path string) error {
	if c.cred == nil {
		return nil
	}
	return os.Chown(path, int(c.cred.Uid), int(c.cred.Gid))
}

// stopOrphan stops a server left running on Dir by a previous run of ours that
// was killed before it could stop it; holding the lock proves nobody owns it.
func (c *Cluster) stopOrphan(ctx context.Context) error {
	if c.command(ctx, "pg_ctl", "status", "-D", c.dir).Run() != nil {
		return nil
	}
	c.logger.Warn("stopping orphaned PostgreSQL server", "dir", c.dir)
	return c.run(ctx, "pg_ctl", "stop", "-D", c.dir, "-m", "fast", "-w")
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	// The server user may be unable to enter our working directory.
	cmd.Dir = filepath.Dir(c.dir)
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	out, err := c.command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, args[0], err, bytes.TrimSpace(out))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func dial(port int) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return err
	}
	return conn.Close()
}

// retry calls fn until it succeeds, ctx ends or timeout passes, and returns
// fn's last error.
func retry(ctx context.Context, timeout time.Duration, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := fn()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(retryEvery):
		}
	}
}

// logTail returns the last lines of the server log; it reads only the end,
// as the log grows across runs.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	const maxBytes = 16 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > maxBytes {
		f.Seek(fi.Size()-maxBytes, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-logTailLines):], "\n")
}
