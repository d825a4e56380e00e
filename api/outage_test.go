package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgcluster"
	"cxbacklog/repository/pgtest"
)

// ownCluster starts a private PostgreSQL that the test may stop and start
// again on the same port, with a migrated database and an editor key.
func ownCluster(t *testing.T) (*pgcluster.Cluster, *repository.Store, string, func() *pgcluster.Cluster) {
	t.Helper()
	ctx := context.Background()
	// The server runs as OS user postgres, which must reach the data directory.
	base, err := os.MkdirTemp("", "cxb-outage-")
	if err != nil || os.Chmod(base, 0o755) != nil {
		t.Fatalf("temp dir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	dir := base + "/pg"
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Fast: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	current := c
	t.Cleanup(func() { _ = current.Stop(context.Background()) })
	if err := repository.EnsureDatabase(ctx, c.URL("postgres"), "cxbacklog"); err != nil {
		t.Fatal(err)
	}
	store, err := repository.Open(ctx, c.URL("cxbacklog"), repository.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if err := store.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	_, key := pgtest.Workspace(t, store, "outage", domain.RoleEditor)
	restart := func() *pgcluster.Cluster {
		t.Helper()
		c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Fast: true, Logger: quiet, Port: current.Port()})
		if err != nil {
			t.Fatal(err)
		}
		current = c
		return c
	}
	return c, store, key, restart
}

// TestDatabaseOutage stops PostgreSQL under a stream of writes: readiness
// and requests answer 503 with Retry-After quickly, the service recovers by
// itself when the database returns, and no acknowledged write is lost or
// half-written.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts and restarts its own PostgreSQL")
	}
	cluster, store, key, restart := ownCluster(t)
	srv := httptest.NewServer(api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), api.DefaultConfig).Handler())
	defer srv.Close()
	call := func(method, path, body string) (int, http.Header, []byte, time.Duration) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return -1, nil, []byte(err.Error()), time.Since(start)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, b, time.Since(start)
	}

	var mu sync.Mutex
	var acked []string
	var served5xx atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				status, _, body, took := call(http.MethodPost, "/api/v1/journeys", fmt.Sprintf(`{"name":"w%d-%d","stages":[{"name":"a"},{"name":"b"}]}`, w, n))
				if status >= 500 && status != http.StatusServiceUnavailable || took > api.DefaultConfig.RequestTimeout {
					served5xx.Add(1)
					t.Errorf("write answered %d after %v: %s", status, took, body)
				}
				if status == http.StatusCreated {
					var j struct{ ID string }
					_ = json.Unmarshal(body, &j)
					mu.Lock()
					acked = append(acked, j.ID)
					mu.Unlock()
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}

	time.Sleep(300 * time.Millisecond)
	if err := cluster.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, _, _, took := call(http.MethodGet, "/readyz", ""); status != http.StatusServiceUnavailable || took > 3*time.Second {
		t.Errorf("readyz during the outage: %d after %v", status, took)
	}
	status, header, body, took := call(http.MethodGet, "/api/v1/journeys", "")
	if status != http.StatusServiceUnavailable || header.Get("Retry-After") == "" || took > 3*time.Second ||
		header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("request during the outage: %d after %v, Retry-After %q: %s", status, took, header.Get("Retry-After"), body)
	}
	time.Sleep(time.Second)

	restart()
	recovered := time.Now()
	for {
		if status, _, _, _ := call(http.MethodGet, "/readyz", ""); status == http.StatusOK {
			break
		}
		if time.Since(recovered) > 20*time.Second {
			t.Fatal("the service did not recover within 20 s of the database's return")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("ready again %v after the database restarted", time.Since(recovered).Round(time.Millisecond))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if status, _, _, _ := call(http.MethodGet, "/api/v1/journeys", ""); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("requests still fail 10 s after readiness returned")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	ctx := context.Background()
	for _, id := range acked {
		var stages int
		if err := store.SQL().QueryRowContext(ctx, "SELECT count(*) FROM journey_stages WHERE journey_id = $1", id).Scan(&stages); err != nil {
			t.Fatal(err)
		}
		if stages != 2 {
			t.Errorf("acknowledged journey %s has %d stages, want 2 (lost or half-written)", id, stages)
		}
	}
	var half int
	if err := store.SQL().QueryRowContext(ctx, `SELECT count(*) FROM journeys j
		WHERE (SELECT count(*) FROM journey_stages s WHERE s.journey_id = j.id) <> 2`).Scan(&half); err != nil {
		t.Fatal(err)
	}
	if half != 0 || len(acked) == 0 || served5xx.Load() != 0 {
		t.Fatalf("%d half-written journeys, %d acknowledged, %d bad 5xx", half, len(acked), served5xx.Load())
	}
	t.Logf("%d writes acknowledged, all stored whole", len(acked))
}
