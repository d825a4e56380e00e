package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/domain/demo"
	"cxbacklog/repository"
	"cxbacklog/repository/pgcluster"
	"cxbacklog/repository/pgtest"
)

// replicaEnv is an env whose store reads from a real streaming standby of
// its real primary.
type replicaEnv struct {
	*env
	primary, standby *pgcluster.Cluster
	standbyOpts      pgcluster.Options
	replay           *sql.DB // on the standby: pause and resume its replay
	log              *logBuffer
}

// newReplicaEnv checks the standby every check.
func newReplicaEnv(t *testing.T, maxLag, check time.Duration) *replicaEnv {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	r := pgtest.NewReplicaPair(t, repository.Options{ReplicaMaxLag: maxLag, ReplicaCheck: check}, log)
	e := &replicaEnv{primary: r.Primary, standby: r.Standby, standbyOpts: r.StandbyOpts, replay: r.Replay, log: logs}
	store := r.Store
	wsID, admin := pgtest.Workspace(t, store, "acme", domain.RoleAdmin)
	cfg := api.DefaultConfig
	cfg.Limits = api.Limits{} // a stream of requests from one key
	e.env = &env{t: t, srv: api.New(store, log, cfg), store: store, wsID: wsID, admin: admin,
		editor: pgtest.Key(t, store, wsID, domain.RoleEditor), viewer: pgtest.Key(t, store, wsID, domain.RoleViewer)}
	return e
}

func (e *replicaEnv) setReplay(on bool) {
	e.t.Helper()
	fn := "pg_wal_replay_pause()"
	if on {
		fn = "pg_wal_replay_resume()"
	}
	if _, err := e.replay.Exec("SELECT " + fn); err != nil {
		e.t.Fatal(err)
	}
}

var readsMetric = regexp.MustCompile(`(?m)^cxbacklog_db_reads_total\{target="(replica|primary)"\} (\S+)$`)

// reads is cxbacklog_db_reads_total by target, from /metrics.
func (e *replicaEnv) reads() map[string]float64 {
	e.t.Helper()
	r := e.do(http.MethodGet, "/metrics", "", nil).want(e.t, http.StatusOK)
	out := map[string]float64{}
	for _, m := range readsMetric.FindAllStringSubmatch(string(r.Body), -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			e.t.Fatal(err)
		}
		out[m[1]] = v
	}
	if len(out) != 2 {
		e.t.Fatalf("/metrics lacks cxbacklog_db_reads_total by target:\n%s", r.Body)
	}
	return out
}

// journeys lists the workspace's journey names as token sees them, and
// which server answered: "replica", "primary" or "none" (not eligible).
func (e *replicaEnv) journeys(token string, headers ...string) (names []string, target string) {
	e.t.Helper()
	before := e.reads()
	var page struct {
		Items []api.Journey `json:"items"`
	}
	e.do(http.MethodGet, "/api/v1/journeys", token, nil, headers...).want(e.t, http.StatusOK).json(e.t, &page)
	after := e.reads()
	switch replica, primary := after["replica"] > before["replica"], after["primary"] > before["primary"]; {
	case replica && !primary:
		target = "replica"
	case primary && !replica:
		target = "primary"
	case !primary && !replica:
		target = "none"
	default:
		target = "both"
	}
	for _, j := range page.Items {
		names = append(names, j.Name)
	}
	return names, target
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %s", what)
		}
	}
}

// Reads are served by the standby; a key reads its own writes at once;
// conditional reads and writes stay on the primary.
func TestReadReplicaRouting(t *testing.T) {
	e := newReplicaEnv(t, 5*time.Second, 50*time.Millisecond)
	e.journey("first", "s")
	waitFor(t, "the standby serves the journeys", func() bool {
		names, target := e.journeys(e.viewer)
		return target == "replica" && slices.Contains(names, "first")
	})

	// The standby's replay paused, what is written next is not on it: who
	// sees "second" tells who answered.
	e.setReplay(false)
	e.journey("second", "s")
	for _, tc := range []struct {
		name       string
		token      string
		headers    []string
		wantSecond bool
		wantTarget string
	}{
		{"the writing key reads its write", e.editor, nil, true, "primary"},
		{"another key reads from the standby, within its lag bound", e.viewer, nil, false, "replica"},
		{"a conditional read (If-None-Match)", e.viewer, []string{"If-None-Match", `"1"`}, true, "none"},
		{"a conditional read (If-Match)", e.viewer, []string{"If-Match", `"1"`}, true, "none"},
	} {
		names, target := e.journeys(tc.token, tc.headers...)
		if slices.Contains(names, "second") != tc.wantSecond || target != tc.wantTarget {
			t.Errorf("%s: got %v from %s, want second=%v from %s", tc.name, names, target, tc.wantSecond, tc.wantTarget)
		}
	}
	e.setReplay(true)
	waitFor(t, "the resumed standby serves the writing key its write", func() bool {
		names, target := e.journeys(e.editor)
		return target == "replica" && slices.Contains(names, "second")
	})
}

// Every GET of the API runs on the standby without a write refused there
// (each would have been retried on the primary and logged), on the demo
// workspace's data.
func TestReadReplicaServesEveryRead(t *testing.T) {
	e := newReplicaEnv(t, 5*time.Second, 50*time.Millisecond)
	ctx := context.Background()
	wsID, admin := pgtest.Workspace(t, e.store, "demo", domain.RoleAdmin)
	if err := demo.Load(ctx, e.store, wsID, "demo", time.Now()); err != nil {
		t.Fatal(err)
	}
	links, err := demo.Links(ctx, e.store, wsID)
	if err != nil {
		t.Fatal(err)
	}
	pos, err := e.store.WritePosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the standby replays the demo", func() bool {
		var replayed bool
		err := e.replay.QueryRow("SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn >= $1", int64(pos)).Scan(&replayed)
		return err == nil && replayed
	})
	var paths []string
	for _, l := range links {
		paths = append(paths, l.Path)
	}
	// Each route with one :id, for the first item its list gives.
	for _, r := range e.srv.Routes() {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		switch strings.Count(r.Path, ":") {
		case 0:
			paths = append(paths, r.Path)
		case 1:
			list, rest, _ := strings.Cut(r.Path, "/:id")
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			if res := e.do(http.MethodGet, list, admin, nil); res.Status == http.StatusOK && json.Unmarshal(res.Body, &page) == nil && len(page.Items) > 0 {
				paths = append(paths, list+"/"+page.Items[0].ID+rest)
			}
		}
	}
	before := e.reads()
	for _, p := range paths {
		if r := e.do(http.MethodGet, p, admin, nil); r.Status >= 500 || r.Status == http.StatusNotFound {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
	}
	after := e.reads()
	if after["replica"]-before["replica"] < float64(len(paths)) || after["primary"] != before["primary"] {
		t.Errorf("%d reads: %v statements by the replica, %v by the primary; want one at least each by the replica, none by the primary",
			len(paths), after["replica"]-before["replica"], after["primary"]-before["primary"])
	}
	if logs := e.log.String(); strings.Contains(logs, "a write ran with replica reads") {
		t.Errorf("a GET wrote on the replica path:\n%s", logs)
	}
	t.Logf("%d GETs served by the replica", len(paths))
}

// A standby stopped and started again under a stream of reads and writes
// fails none of them. The standby is checked once a minute: the reads are
// the first to find it gone.
func TestReadReplicaOutage(t *testing.T) {
	e := newReplicaEnv(t, 2*time.Minute, time.Minute)
	j := e.journey("first", "s")
	waitFor(t, "the standby serves the journeys", func() bool {
		names, target := e.journeys(e.viewer)
		return target == "replica" && slices.Contains(names, "first")
	})
	var (
		mu       sync.Mutex
		failures []string
		served   int
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	send := func(method, path, token, body string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, req)
		mu.Lock()
		defer mu.Unlock()
		served++
		if rec.Code >= 300 {
			failures = append(failures, fmt.Sprintf("%s %s: %d %s", method, path, rec.Code, rec.Body))
		}
	}
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
				switch n % 4 {
				case 0:
					send(http.MethodGet, "/api/v1/journeys", e.viewer, "")
				case 1:
					send(http.MethodGet, "/api/v1/journeys/"+j.ID, e.editor, "")
				case 2:
					send(http.MethodGet, "/api/v1/reports/coverage", e.viewer, "")
				default:
					if w == 0 {
						send(http.MethodPost, "/api/v1/journeys", e.editor, fmt.Sprintf(`{"name":"j%d","stages":[{"name":"s"}]}`, n))
					} else {
						send(http.MethodGet, "/api/v1/ideas", e.viewer, "")
					}
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	beforeStop := e.reads()
	ctx := context.Background()
	t.Logf("%s stopping the standby", time.Now().Format(time.StampMilli))
	if err := e.standby.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	t.Logf("%s starting the standby", time.Now().Format(time.StampMilli))
	down := e.reads()
	var err error
	if e.standby, err = e.primary.StartStandby(ctx, e.standbyOpts); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		var errs []string
		for _, l := range strings.Split(e.log.String(), "\n") {
			if strings.Contains(l, "level=ERROR") {
				errs = append(errs, l)
			}
		}
		t.Fatalf("%d of %d requests failed, e.g. %s\nerrors logged:\n%s", len(failures), served, failures[0], strings.Join(errs, "\n"))
	}
	if down["primary"] <= beforeStop["primary"] {
		t.Errorf("with the standby stopped, no read went to the primary: %v then %v", beforeStop, down)
	}
	t.Logf("%d requests, none failed; reads by target before the stop %v, at the restart %v, at the end %v", served, beforeStop, down, e.reads())
}
