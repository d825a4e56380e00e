//go:build bench

package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"cxbacklog/repository"
	"cxbacklog/repository/backup"
)

// backupCases time what `cxbacklog backup` and `cxbacklog restore` do with
// the bench data set: the dump of one snapshot while the API keeps serving
// the ranked list (its latencies meanwhile are the row's p50 and p99), then
// the restore of that file into an empty database with the migrations after.
func (e *benchEnv) backupCases(ctx context.Context, add func(*benchRow) *benchRow, rankedPath string) {
	file := filepath.Join(e.work, "bench.dump")
	defer os.Remove(file)
	counts, ok := e.backupCase(ctx, add, file, rankedPath)
	if ok {
		e.restoreCase(ctx, add, file, counts)
	}
}

func (e *benchEnv) backupCase(ctx context.Context, add func(*benchRow) *benchRow, file, rankedPath string) (backup.Counts, bool) {
	benchProgress("case backup while the ranked list is read at concurrency 4")
	row := add(&benchRow{name: "backup (`cxbacklog backup`: pg_dump custom format of one snapshot); p50 and p99 are the ranked list's, read at concurrency 4 during the dump",
		fatalErrs: true, target: "—"})
	cpu0 := e.cpu()
	load := e.loadUntil(4, rankedPath)
	start := time.Now()
	size, counts, err := backup.DumpFileCounts(ctx, e.cluster.URL("cxbacklog"), file)
	took := time.Since(start)
	res := load(took)
	row.cpu = benchShareText(cpu0, e.cpu())
	row.p50, row.p99, row.errs, row.samples = benchMs(res.pct(50)), benchMs(res.pct(99)), res.errs, res.samples
	if err != nil {
		row.errs++
		row.samples = append(row.samples, "backup: "+err.Error())
		return counts, false
	}
	row.throughput = fmt.Sprintf("%s in %.1f s", benchMB(size), took.Seconds())
	row.compare = fmt.Sprintf("the file holds %s; the ranked list answered %s req/s meanwhile", counts, benchNum(res.rps()))
	benchProgress("  %s; %s; ranked list %s req/s, p99 %s", row.throughput, counts, benchNum(res.rps()), row.p99)
	return counts, true
}

func (e *benchEnv) restoreCase(ctx context.Context, add func(*benchRow) *benchRow, file string, want backup.Counts) {
	t := e.t
	benchProgress("case restore into an empty database")
	row := add(&benchRow{name: "restore (`cxbacklog restore`: pg_restore in one transaction into an empty database, then the migrations)",
		fatalErrs: true, target: "—", p50: "—", p99: "—"})
	const name = "cxb_restore"
	if err := repository.EnsureDatabase(ctx, e.cluster.URL("postgres"), name); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := e.admin.ExecContext(ctx, "DROP DATABASE "+name); err != nil {
			t.Errorf("drop the restored database: %v", err)
		}
	}()
	cpu0 := e.cpu()
	start := time.Now()
	got, err := restoreAndMigrate(ctx, e.cluster.URL(name), file)
	took := time.Since(start)
	row.cpu = benchShareText(cpu0, e.cpu())
	if err == nil && got != want {
		err = fmt.Errorf("the restored database holds %s, the backup %s", got, want)
	}
	if err != nil {
		row.errs++
		row.samples = append(row.samples, "restore: "+err.Error())
		return
	}
	row.throughput = fmt.Sprintf("%.1f s", took.Seconds())
	row.compare = "the restored database holds " + got.String()
	benchProgress("  %s; %s", row.throughput, got)
}

// restoreAndMigrate is what `cxbacklog restore` does after choosing the
// database, answering what the restored database holds.
func restoreAndMigrate(ctx context.Context, dbURL, file string) (backup.Counts, error) {
	if err := backup.Restore(ctx, dbURL, file, false); err != nil {
		return backup.Counts{}, err
	}
	store, err := repository.Open(ctx, dbURL, repository.Options{})
	if err != nil {
		return backup.Counts{}, err
	}
	defer store.Close()
	if err := store.MigrateUp(ctx); err != nil {
		return backup.Counts{}, err
	}
	return backup.Summary(ctx, store.SQL())
}

// loadUntil reads path with conc workers from now on, and answers what
// stops them and reports their requests over elapsed.
func (e *benchEnv) loadUntil(conc int, path string) func(elapsed time.Duration) benchResult {
	newWorker := e.getWorkers(func(*rand.Rand) string { return path })
	stop := make(chan struct{})
	var (
		mu  sync.Mutex
		res benchResult
		wg  sync.WaitGroup
	)
	for n := range conc {
		work := newWorker(n)
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				err := work()
				el := time.Since(t0)
				mu.Lock()
				if err != nil {
					res.errs++
					if len(res.samples) < 2 {
						res.samples = append(res.samples, err.Error())
					}
				} else {
					res.lat = append(res.lat, el)
				}
				mu.Unlock()
			}
		})
	}
	return func(elapsed time.Duration) benchResult {
		close(stop)
		wg.Wait()
		slices.Sort(res.lat)
		res.ok, res.elapsed = len(res.lat), elapsed
		return res
	}
}

func benchMB(n int64) string {
	return fmt.Sprintf("%.0f MB", float64(n)/1e6)
}
