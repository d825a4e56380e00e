package backup

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"
)

// Schedule is when and where Scheduler backs up.
type Schedule struct {
	Dir   string        // where the files go
	Every time.Duration // between backups
	Keep  int           // files of ours kept in Dir; older ones are removed
}

// scheduleLock is the advisory lock key of scheduled backups, one for the
// whole database (not housekeeping's: a backup must not wait for a purge).
const scheduleLock = "hashtextextended('cxbacklog:backup', 0)"

// FilePrefix and FileLayout name the backup files: cxbacklog-20060102-150405.dump.
const (
	FilePrefix = "cxbacklog-"
	FileLayout = "20060102-150405"
	FileSuffix = ".dump"
)

// FileName is the name of a backup taken at t.
func FileName(t time.Time) string { return FilePrefix + t.Format(FileLayout) + FileSuffix }

var ours = regexp.MustCompile(`^cxbacklog-\d{8}-\d{6}\.dump$`)

// Scheduler backs the database up into a directory every interval. Every
// replica runs one; a session advisory lock lets one of them back up at a
// time, and a replica finds a backup recent enough in the directory skips
// its turn.
type Scheduler struct {
	db    *sql.DB
	url   string
	sched Schedule
	log   *slog.Logger
	now   func() time.Time
}

// NewScheduler backs up the database at dbURL; db (a pool on the same
// database) holds the lock.
func NewScheduler(db *sql.DB, dbURL string, s Schedule, log *slog.Logger) *Scheduler {
	return &Scheduler{db: db, url: dbURL, sched: s, log: log, now: time.Now}
}

// Run backs up when the newest backup in the directory is an interval old
// (at once if there is none) and then every interval, until ctx ends; after
// a failure it tries again sooner (in a tenth of the interval, at most 10m).
func (s *Scheduler) Run(ctx context.Context) {
	wait := time.Duration(0)
	if last, ok := s.newest(); ok {
		wait = last.Add(s.sched.Every).Sub(s.now())
	}
	for {
		if wait > 0 {
			s.log.InfoContext(ctx, "next scheduled backup", slog.String("at", s.now().Add(wait).Format(time.RFC3339)), slog.String("dir", s.sched.Dir))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		wait = s.sched.Every
		if _, _, err := s.RunOnce(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = min(s.sched.Every/10, 10*time.Minute)
		}
	}
}

// RunOnce takes a backup unless another process holds the lock, removes
// the files beyond Keep, logs the outcome and answers the file written.
func (s *Scheduler) RunOnce(ctx context.Context) (file string, ran bool, err error) {
	start := time.Now()
	file, ran, size, err := s.once(ctx)
	took := slog.Float64("duration_s", time.Since(start).Seconds())
	switch {
	case err != nil:
		s.log.ErrorContext(ctx, "scheduled backup failed", slog.String("error", err.Error()), slog.String("dir", s.sched.Dir), took)
	case !ran:
		s.log.InfoContext(ctx, "scheduled backup skipped: another process is backing up or has just done so", took)
	default:
		s.log.InfoContext(ctx, "scheduled backup", slog.String("file", file), slog.Int64("bytes", size), took)
	}
	return file, ran, err
}

func (s *Scheduler) once(ctx context.Context) (file string, ran bool, size int64, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return "", false, 0, err
	}
	defer conn.Close()
	var locked bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock("+scheduleLock+")").Scan(&locked); err != nil {
		return "", false, 0, err
	}
	if !locked {
		return "", false, 0, nil
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var released bool
		if err := conn.QueryRowContext(unlockCtx, "SELECT pg_advisory_unlock("+scheduleLock+")").Scan(&released); err != nil || !released {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // drops the session, and the lock with it
		}
	}()
	// Another replica may have finished one just before we took the lock.
	if last, ok := s.newest(); ok && s.now().Sub(last) < s.sched.Every/2 {
		return "", false, 0, nil
	}
	file = filepath.Join(s.sched.Dir, FileName(s.now()))
	size, err = DumpFile(ctx, s.url, file)
	if err != nil {
		return "", true, 0, err
	}
	s.prune(ctx)
	return file, true, size, nil
}

// DumpFile dumps the database at dbURL into path through a temporary file
// in the same directory, renamed when complete: path never names half a
// backup. It answers the size.
func DumpFile(ctx context.Context, dbURL, path string) (int64, error) {
	size, _, err := dumpFile(ctx, dbURL, path)
	return size, err
}

// DumpFileCounts is DumpFile answering what the file holds too.
func DumpFileCounts(ctx context.Context, dbURL, path string) (int64, Counts, error) {
	return dumpFile(ctx, dbURL, path)
}

func dumpFile(ctx context.Context, dbURL, path string) (int64, Counts, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return 0, Counts{}, err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	counts, err := Dump(ctx, dbURL, tmp)
	if err != nil {
		return 0, counts, err
	}
	if err := tmp.Sync(); err != nil {
		return 0, counts, err
	}
	fi, err := tmp.Stat()
	if err != nil {
		return 0, counts, err
	}
	if err := tmp.Close(); err != nil {
		return 0, counts, err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return 0, counts, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, counts, err
	}
	done = true
	return fi.Size(), counts, nil
}

// files lists our backups in the directory, newest first.
func (s *Scheduler) files() []fs.FileInfo {
	entries, _ := os.ReadDir(s.sched.Dir)
	var out []fs.FileInfo
	for _, e := range entries {
		if !e.Type().IsRegular() || !ours.MatchString(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil {
			out = append(out, fi)
		}
	}
	slices.SortFunc(out, func(a, b fs.FileInfo) int { return b.ModTime().Compare(a.ModTime()) })
	return out
}

func (s *Scheduler) newest() (time.Time, bool) {
	f := s.files()
	if len(f) == 0 {
		return time.Time{}, false
	}
	return f[0].ModTime(), true
}

// prune removes our files beyond the newest Keep.
func (s *Scheduler) prune(ctx context.Context) {
	f := s.files()
	for _, fi := range f[min(len(f), max(s.sched.Keep, 1)):] {
		if err := os.Remove(filepath.Join(s.sched.Dir, fi.Name())); err != nil {
			s.log.WarnContext(ctx, "remove an old backup", slog.String("file", fi.Name()), slog.String("error", err.Error()))
		}
	}
}
