package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/domain/demo"
	"cxbacklog/repository"
	"cxbacklog/repository/pgcluster"
	"cxbacklog/repository/pgtest"
)

// apiClient talks to an api.Server over HTTP with one key.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func serveStore(t *testing.T, store *repository.Store, token string) *apiClient {
	t.Helper()
	cfg := api.DefaultConfig
	cfg.Limits = api.Limits{} // the test's own requests are not what is tested
	srv := httptest.NewServer(api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg).Handler())
	t.Cleanup(srv.Close)
	return &apiClient{t: t, base: srv.URL, token: token}
}

// do sends a request and answers the status, the body and the ETag; it
// does not fail the test, so that a goroutine may use it.
func (c *apiClient) do(method, path, contentType string, body io.Reader, header ...string) (int, []byte, string, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for n := 0; n+1 < len(header); n += 2 {
		req.Header.Set(header[n], header[n+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("ETag"), err
}

// must sends a request that must answer 200 or 201, and decodes the body
// into out (if not nil); it answers the raw body.
func (c *apiClient) must(method, path, contentType string, body io.Reader, out any) []byte {
	c.t.Helper()
	status, b, _, err := c.do(method, path, contentType, body)
	if err != nil || status/100 != 2 {
		c.t.Fatalf("%s %s: %d %v\n%s", method, path, status, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return b
}

type listedIdea struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ranked is the whole backlog, every status, by priority: each idea's id
// and its JSON as the list shows it.
func (c *apiClient) ranked() (ids []string, items map[string]string) {
	c.t.Helper()
	items = map[string]string{}
	cursor := ""
	for {
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		c.must(http.MethodGet, "/api/v1/ideas?status=all&sort=-priority&limit=100"+cursor, "", nil, &page)
		for _, raw := range page.Items {
			var i listedIdea
			if err := json.Unmarshal(raw, &i); err != nil {
				c.t.Fatal(err)
			}
			ids = append(ids, i.ID)
			items[i.ID] = string(raw)
		}
		if page.NextCursor == nil {
			return ids, items
		}
		cursor = "&cursor=" + *page.NextCursor
	}
}

// snapshot is what the test compares before the backup and after the
// restore: the ranked backlog, every idea's history, every pilot's results.
type snapshot struct {
	order   []string          // idea ids by priority
	ideas   map[string]string // id: the list's JSON
	history map[string]string // idea id: GET .../history
	results map[string]string // pilot id: GET .../results
}

func (c *apiClient) snapshot(ideaIDs []string, pilotIDs []string) snapshot {
	c.t.Helper()
	s := snapshot{history: map[string]string{}, results: map[string]string{}}
	s.order, s.ideas = c.ranked()
	for _, id := range ideaIDs {
		s.history[id] = string(c.must(http.MethodGet, "/api/v1/ideas/"+id+"/history?limit=100", "", nil, nil))
	}
	for _, id := range pilotIDs {
		s.results[id] = string(c.must(http.MethodGet, "/api/v1/pilots/"+id+"/results", "", nil, nil))
	}
	return s
}

// The "Done when": a workspace with journeys, ideas with history,
// measurements and a completed pilot with 100,000 uploaded observations is
// backed up while ideas are being created and changed, restored into a new
// data directory, and the service on it shows the same backlog (every idea
// committed before the backup started, in the same order, with the same
// fields and history), the same pilot results, and, of the ideas written
// during the backup, only whole ones (each with the history of its
// version). A second restore into that directory is refused in one line.
func TestBackupWhileWritingAndRestoreIntoANewDataDirectory(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	store, err := repository.Open(ctx, os.Getenv("DATABASE_URL"), repository.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	wsID, token := pgtest.Workspace(t, store, "acme", domain.RoleAdmin)
	if err := demo.Load(ctx, store, wsID, "demo", time.Now()); err != nil {
		t.Fatal(err)
	}
	src := serveStore(t, store, token)

	// The running demo pilot gets a metric with 100,000 raw observations
	// (the bulk upload), then completes.
	var pilots struct {
		Items []struct{ ID, Status string } `json:"items"`
	}
	src.must(http.MethodGet, "/api/v1/pilots?limit=100", "", nil, &pilots)
	var pilotIDs []string
	running := ""
	for _, p := range pilots.Items {
		pilotIDs = append(pilotIDs, p.ID)
		if p.Status == "running" {
			running = p.ID
		}
	}
	if running == "" || len(pilotIDs) < 2 {
		t.Fatalf("want the demo's running and completed pilots: %+v", pilots)
	}
	var metric struct{ ID string }
	src.must(http.MethodPost, "/api/v1/pilots/"+running+"/metrics", "application/json",
		strings.NewReader(`{"name":"Basket value","unit":"EUR","kind":"mean","direction":"higher_is_better"}`), &metric)
	var csv bytes.Buffer
	csv.WriteString("group,period,value\n")
	const observations = 100_000
	for n := range observations {
		group, period := [2]string{"pilot", "control"}[n%2], [2]string{"before", "after"}[n/2%2]
		lift := 0.0
		if group == "pilot" && period == "after" {
			lift = 1.5
		}
		fmt.Fprintf(&csv, "%s,%s,%.2f\n", group, period, 20+lift+float64(n%37)/3)
	}
	var upload struct{ Rows int }
	src.must(http.MethodPost, "/api/v1/pilots/"+running+"/metrics/"+metric.ID+"/observations", "text/csv", &csv, &upload)
	if upload.Rows != observations {
		t.Fatalf("uploaded %d rows, want %d", upload.Rows, observations)
	}
	src.must(http.MethodPost, "/api/v1/pilots/"+running+"/complete", "application/json", strings.NewReader(`{"decision":"adopt"}`), nil)

	ideaIDs, _ := src.ranked()
	before := src.snapshot(ideaIDs, pilotIDs)
	var touchpoints struct{ Items []struct{ ID string } }
	src.must(http.MethodGet, "/api/v1/touchpoints?limit=1", "", nil, &touchpoints)

	// Writes go on while the backup runs: new ideas, each then changed once.
	var (
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		written atomic.Int64 // ideas created and changed
		during  atomic.Int64 // of them, while the backup ran
		backing atomic.Bool
		werr    atomic.Value
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			body := fmt.Sprintf(`{"title":"Written during the backup %d","touchpoint_ids":[%q],"impact":%d,"experience":3,"effort":2}`,
				n, touchpoints.Items[0].ID, 1+n%5)
			status, b, etag, err := src.do(http.MethodPost, "/api/v1/ideas", "application/json", strings.NewReader(body))
			var created listedIdea
			if err == nil && status == http.StatusCreated {
				err = json.Unmarshal(b, &created)
			}
			if err == nil && status == http.StatusCreated {
				status, b, _, err = src.do(http.MethodPatch, "/api/v1/ideas/"+created.ID, "application/merge-patch+json",
					strings.NewReader(`{"status":"under_review","effort":4}`), "If-Match", etag)
			}
			if err != nil || status/100 != 2 {
				werr.Store(fmt.Sprintf("write %d: %d %v %s", n, status, err, b))
				return
			}
			written.Add(1)
			if backing.Load() {
				during.Add(1)
			}
		}
	}()
	for written.Load() < 3 { // writes are under way when the backup starts
		time.Sleep(5 * time.Millisecond)
	}
	file := filepath.Join(t.TempDir(), "backlog.dump")
	backing.Store(true)
	start := time.Now()
	out, err := c.run("backup", "--out", file)
	took := time.Since(start)
	backing.Store(false)
	for during.Load() == 0 && werr.Load() == nil && time.Since(start) < 10*time.Second {
		time.Sleep(5 * time.Millisecond) // at least one write overlapped: the last one
	}
	close(stop)
	wg.Wait()
	if e := werr.Load(); e != nil {
		t.Fatal(e)
	}
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	t.Logf("backup in %v while %d ideas were written (%d in all):\n%s", took, during.Load(), written.Load(), out)
	if !strings.Contains(out, file) || !strings.Contains(out, "100000 observations") {
		t.Fatalf("backup output should name the file and what it holds:\n%s", out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}

	// Restore into a new data directory: a new private cluster.
	dataDir, err := os.MkdirTemp("", "cxb-restore-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dataDir) })
	if err := os.Chmod(dataDir, 0o755); err != nil { // the server may run as user postgres
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "")
	t.Setenv("CXB_DATA_DIR", dataDir)
	start = time.Now()
	out, err = c.run("restore", file)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	t.Logf("restore in %v:\n%s", time.Since(start), out)
	if !strings.Contains(out, "migrations applied") || !strings.Contains(out, "100000 observations") {
		t.Fatalf("restore output:\n%s", out)
	}

	// Again into the same, now non-empty, directory: refused in one line.
	_, err = c.run("restore", file)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "--force") ||
		strings.Contains(err.Error(), "\n") || exitCode(err) != 1 {
		t.Fatalf("restore into a non-empty data directory: %v; want one line saying so and naming --force, exit status 1", err)
	}
	if _, err := c.run("restore", file, "--forse"); err == nil || exitCode(err) != 2 {
		t.Fatalf("restore with a bad flag: %v; want exit status 2", err)
	}

	// The service on the restored data.
	cluster, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dataDir, "postgres"), Fast: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Stop(context.Background())
	restoredStore, err := repository.Open(ctx, cluster.URL("cxbacklog"), repository.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restoredStore.Close()
	dst := serveStore(t, restoredStore, token) // the same key: it was backed up too
	after := dst.snapshot(ideaIDs, pilotIDs)

	// Every idea of before, in the same order, the same as listed.
	var kept []string
	for _, id := range after.order {
		if _, ok := before.ideas[id]; ok {
			kept = append(kept, id)
		}
	}
	if !slices.Equal(kept, before.order) {
		t.Fatalf("the restored backlog's order of the ideas of before the backup:\n%v\nwant\n%v", kept, before.order)
	}
	for _, id := range before.order {
		if after.ideas[id] != before.ideas[id] {
			t.Fatalf("idea %s restored as\n%s\nwant\n%s", id, after.ideas[id], before.ideas[id])
		}
		if after.history[id] != before.history[id] {
			t.Fatalf("history of idea %s restored as\n%s\nwant\n%s", id, after.history[id], before.history[id])
		}
	}
	for _, id := range pilotIDs {
		if after.results[id] != before.results[id] {
			t.Fatalf("results of pilot %s restored as\n%s\nwant\n%s", id, after.results[id], before.results[id])
		}
	}
	// Ideas written during the backup: whole, as of one moment. Each was
	// created, then changed (status and effort, which moves its priority);
	// the restored one is either as created (version 1, its history the
	// creation) or as changed (version 2, with the history of the change),
	// never the idea of one with the history of the other.
	extra := 0
	for _, id := range after.order {
		if _, ok := before.ideas[id]; ok {
			continue
		}
		extra++
		var idea struct {
			Title   string `json:"title"`
			Version int    `json:"version"`
			Status  string `json:"status"`
		}
		if err := json.Unmarshal([]byte(after.ideas[id]), &idea); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(idea.Title, "Written during the backup") {
			t.Fatalf("restored an idea that was not there: %s", after.ideas[id])
		}
		var history struct {
			Items []struct{ Field string } `json:"items"`
		}
		dst.must(http.MethodGet, "/api/v1/ideas/"+id+"/history?limit=100", "", nil, &history)
		var fields []string
		for _, h := range history.Items {
			fields = append(fields, h.Field)
		}
		slices.Sort(fields)
		switch {
		case idea.Version == 1 && idea.Status == "new" && slices.Equal(fields, []string{"created"}):
		case idea.Version == 2 && idea.Status == "under_review" && slices.Equal(fields, []string{"created", "effort", "priority", "status"}):
		default:
			t.Fatalf("idea written during the backup restored torn: version %d, status %s, history of %v", idea.Version, idea.Status, fields)
		}
	}
	if extra > int(written.Load()) {
		t.Fatalf("%d ideas written during the backup restored, but only %d were written", extra, written.Load())
	}
	t.Logf("%d of the %d ideas written while the backup ran are in it", extra, written.Load())
}

func TestBackupScheduleFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    string // Dir/Every/Keep, or "" for an error
		wantErr bool
	}{
		{env: map[string]string{}, want: "/24h0m0s/7"},
		{env: map[string]string{"BACKUP_DIR": "/b", "BACKUP_EVERY": "6h", "BACKUP_KEEP": "3"}, want: "/b/6h0m0s/3"},
		{env: map[string]string{"BACKUP_EVERY": "30s"}, wantErr: true},
		{env: map[string]string{"BACKUP_EVERY": "daily"}, wantErr: true},
		{env: map[string]string{"BACKUP_KEEP": "0"}, wantErr: true},
		{env: map[string]string{"BACKUP_KEEP": "2.5"}, wantErr: true},
	} {
		t.Run(fmt.Sprint(tc.env), func(t *testing.T) {
			for _, name := range []string{"BACKUP_DIR", "BACKUP_EVERY", "BACKUP_KEEP"} {
				t.Setenv(name, tc.env[name])
			}
			s, err := backupSchedule()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got := fmt.Sprintf("%s/%v/%d", s.Dir, s.Every, s.Keep); !tc.wantErr && got != tc.want {
				t.Fatalf("schedule %s, want %s", got, tc.want)
			}
		})
	}
}
