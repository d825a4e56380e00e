package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"
)

// TestGracefulShutdown builds the real binary, sends it SIGTERM in the
// middle of a stream of writes and checks that every write that got a 2xx
// is stored, none that got an error is, and the process exits in time.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	store, dbURL := pgtest.NewStore(t)
	_, key := pgtest.Workspace(t, store, "acme", domain.RoleEditor)
	bin := t.TempDir() + "/cxbacklog"
	if out, err := exec.Command("go", "build", "-o", bin, "cxbacklog").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "HTTP_ADDR="+addr, "LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitHealthy(t, "http://"+addr)

	var mu sync.Mutex
	acked, failed := map[string]string{}, []string{} // name → id; names of failed writes
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for n := 0; ; n++ {
				name := fmt.Sprintf("w%d-%d", w, n)
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/journeys",
					strings.NewReader(`{"name":"`+name+`","stages":[{"name":"a"},{"name":"b"}]}`))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				mu.Lock()
				if err != nil || res.StatusCode != http.StatusCreated {
					failed = append(failed, name)
				} else {
					var j struct{ ID string }
					_ = json.NewDecoder(res.Body).Decode(&j)
					acked[name] = j.ID
				}
				mu.Unlock()
				if res != nil {
					res.Body.Close()
				}
				if err != nil { // the server is gone
					return
				}
				time.Sleep(200 * time.Millisecond) // 8 writers at 5/s stay under the per-key rate limit
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the process exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the process did not exit within the shutdown timeout")
	}
	took := time.Since(sent)
	wg.Wait()

	ctx := context.Background()
	var stored int
	if err := store.SQL().QueryRowContext(ctx, "SELECT count(*) FROM journeys").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	for name, id := range acked {
		var n int
		if err := store.SQL().QueryRowContext(ctx, "SELECT count(*) FROM journey_stages WHERE journey_id = $1", id).Scan(&n); err != nil || n != 2 {
			t.Errorf("acknowledged %s (%s) is not stored whole: %d stages, %v", name, id, n, err)
		}
	}
	for _, name := range failed {
		var n int
		if err := store.SQL().QueryRowContext(ctx, "SELECT count(*) FROM journeys WHERE name = $1", name).Scan(&n); err != nil || n != 0 {
			t.Errorf("failed write %s is stored", name)
		}
	}
	if len(acked) == 0 || stored != len(acked) {
		t.Fatalf("%d acknowledged, %d stored", len(acked), stored)
	}
	t.Logf("SIGTERM → exit in %v; %d writes acknowledged and stored, %d refused and absent", took.Round(time.Millisecond), len(acked), len(failed))
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the service did not become healthy within 30 s")
}
