//go:build bench

// TestBench measures the API at a million ideas, on loopback, against what
// PostgreSQL itself does on the same machine with the same SQL. It starts a
// private PostgreSQL cluster, seeds a deterministic data set with set-based
// SQL, serves the API on a real http.Server and drives it from an in-process
// load generator at fixed concurrency, then prints one Markdown table with
// the machine description, ready for docs/performance.md.
//
//	go test -tags bench -run '^TestBench$' -count=1 -v -timeout 30m ./api/
//
// Knobs (environment): BENCH_DURATION (10s per case), BENCH_WARMUP (2s per
// case), BENCH_BULK_RUNS (3 uploads and 3 \copy runs, median reported),
// BENCH_EXPLAIN_MS (2: statements
// at least this slow in a traced request get EXPLAIN ANALYZE), BENCH_FAST=1
// (fsync off, like the test clusters; by default the cluster is durable, like
// `cxbacklog serve`), BENCH_PROFILE_DIR (write a Go CPU profile of each case
// there: server and load generator share the process), BENCH_HOLD (keep the
// cluster and the server up this long after the report, to inspect them).
//
// Targets are reported, never asserted: the test fails only when the harness
// cannot do its work or the API answers with errors.
package api_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/api/web"
	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgcluster"
	"cxbacklog/repository/pgtest"
)

// The data set and the load.
const (
	benchConcurrency      = 16
	benchIdeas            = 1_000_000
	benchJourneys         = 20
	benchTouchpoints      = 5_000
	benchSmallWorkspaces  = 9
	benchSmallIdeas       = 1_000
	benchSmallJourneys    = 2
	benchSmallTouchpoints = 50
	benchPageLimit        = 50
	benchDeepAfter        = 500_000 // the deep page starts after this many ideas
	benchObservations     = 1_000_000
	benchUnits            = 2_000 // agents: the first half pilot, the rest control
	benchPatchPool        = 40_000
	benchPgbenchJobs      = 2
	benchSeed             = 0.42 // setseed
	benchClientTimeout    = 5 * time.Minute
	benchStatementLogWait = 300 * time.Millisecond // for the server processes to pick up a reload
)

// Vocabulary of the seeded ideas. Each title object appears in about 1/40 of
// the titles: the "common word" searches; "GDPR" is in about 0.05% of the
// proposals: the "rare word" search.
var (
	benchVerbs = []string{"Simplify", "Automate", "Redesign", "Shorten", "Personalise", "Clarify", "Speed up",
		"Confirm", "Explain", "Digitise", "Remove", "Streamline", "Merge", "Prefill", "Track", "Rethink"}
	benchObjects = []string{"refund requests", "password reset", "delivery slots", "phone queue", "invoice layout",
		"address change", "onboarding emails", "contract renewal", "payment reminders", "chat hand-over",
		"store pickup", "returns label", "meter reading", "appointment booking", "claim status",
		"card replacement", "loyalty points", "plan upgrade", "complaint handling", "identity check",
		"welcome call", "price change letter", "direct debit setup", "cancellation flow", "order tracking",
		"installation visit", "warranty claim", "account closure", "statement download", "fault reporting",
		"callback booking", "consent settings", "moving home", "bereavement support", "roaming alerts",
		"outage updates", "bill explanation", "device trade-in", "parking permit", "accessibility settings"}
	benchPlaces = []string{"in the app", "on the website", "at the counter", "by phone", "in branch", "by email",
		"via chat", "at checkout", "in the portal", "on first contact", "for new customers", "for business customers"}
	benchPains = []string{"wait too long", "call back twice", "cannot find the form", "get conflicting answers",
		"abandon halfway", "do not trust the estimate", "receive duplicate letters", "miss the deadline",
		"are transferred three times", "repeat their details"}
	benchContexts = []string{"during peak hours", "after moving house", "on mobile", "when the order is late",
		"at month end", "in the first week", "after a price change", "when paying by card"}
	benchMetricNames = []string{"first-contact resolution", "handle time", "CSAT", "repeat contacts", "NPS",
		"complaints", "abandonment", "effort score"}
	benchSources  = []string{"customer_feedback", "employee", "data", "research", "other", ""}
	benchChannels = []string{"web", "mobile_app", "phone", "email", "chat", "in_person", "social", "mail",
		"self_service", "partner", "physical_environment"}
	benchTagVocab = []string{"mobile", "billing", "self-service", "onboarding", "accessibility", "queue", "digital",
		"retention", "complaints", "delivery", "payments", "trust"}

	benchSearchCommon = []string{"refund", "queue", "invoice", "password"}
	benchSearchRare   = "GDPR"
	// Two words from different parts of a title: an object and a place.
	benchSearchTwoWords = []string{"refund app", "invoice website", "password phone"}
	benchFilterStatus   = []string{"new", "under_review", "planned", "piloting"}
	benchFilterTags     = []string{"mobile", "accessibility", "retention", "trust"}
)

func benchProgress(format string, args ...any) {
	fmt.Printf("bench %s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// benchEnv is the private cluster, the server and the client.
type benchEnv struct {
	t       *testing.T
	dir     string
	work    string // scratch files, readable and writable by the server's OS user
	pgLog   string
	cluster *pgcluster.Cluster
	binDir  string
	cred    *syscall.Credential // nil: run the client tools as ourselves
	store   *repository.Store   // the API's
	admin   *sql.DB             // a separate pool without statement timeout, for seeding and EXPLAIN
	base    string
	client  *http.Client
	token   string
	session string // the web workspace's session of the same key
	wsID    string
	sink    *benchLogSink
	cfg     api.Config
}

func benchStart(t *testing.T, fast bool) *benchEnv {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cxbacklog-bench-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	// The server runs as user postgres when we are root: it must reach the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := &benchEnv{t: t, dir: dir, work: filepath.Join(dir, "work"), pgLog: filepath.Join(dir, "pg.log")}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.cluster, err = pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg"), Logger: quiet, Fast: fast})
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = e.cluster.Stop(stopCtx)
	})
	if e.binDir, err = pgcluster.FindPostgresBinaries(); err != nil {
		t.Fatal(err)
	}
	if e.cred, err = benchCredential(); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(e.work, 0o755); err != nil {
		t.Fatal(err)
	}
	if e.cred != nil {
		if err := os.Chown(e.work, int(e.cred.Uid), int(e.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	if err := repository.EnsureDatabase(ctx, e.cluster.URL("postgres"), "cxbacklog"); err != nil {
		t.Fatal(err)
	}
	if e.store, err = repository.Open(ctx, e.cluster.URL("cxbacklog"), repository.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.store.Close() })
	if err := e.store.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	adminStore, err := repository.Open(ctx, e.cluster.URL("cxbacklog"), repository.Options{StatementTimeout: time.Hour, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = adminStore.Close() })
	e.admin = adminStore.SQL()
	return e
}

// serve starts the API on loopback, as `cxbacklog serve` does, with the
// per-key rate limit out of the way.
func (e *benchEnv) serve() { e.serveWith(e.store) }

// serveWith starts the API on store, and points the load generator at it.
func (e *benchEnv) serveWith(store *repository.Store) {
	t := e.t
	e.cfg = api.DefaultConfig
	e.cfg.Limits = api.Limits{} // every rate and concurrency limit off: the bench measures the service, not its budgets
	// Request lines are formatted as in production (JSON at info level) but
	// written nowhere; error lines are kept to be shown.
	e.sink = &benchLogSink{json: slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})}
	srv := api.New(store, slog.New(e.sink), e.cfg)
	// The verified-key cache is on only while revocations are watched, as
	// in `cxbacklog serve`.
	watch, stopWatching := context.WithCancel(context.Background())
	go srv.WatchKeys(watch)
	t.Cleanup(stopWatching)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	})
	transport := &http.Transport{MaxIdleConns: 4 * benchConcurrency, MaxIdleConnsPerHost: 4 * benchConcurrency,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true}
	t.Cleanup(transport.CloseIdleConnections)
	e.client = &http.Client{Transport: transport, Timeout: benchClientTimeout}
	e.base = "http://" + ln.Addr().String()
}

// benchCredential is the OS user the PostgreSQL client tools run as: the
// server's (postgres) when we are root, else ourselves.
func benchCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and OS user postgres is unavailable: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// tool runs a PostgreSQL client binary (pgbench, psql) in the scratch dir.
func (e *benchEnv) tool(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(e.binDir, name), args...)
	cmd.Dir = e.work
	if e.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: e.cred}
	}
	cmd.Env = append(os.Environ(), "HOME="+e.work, "PGAPPNAME=bench-"+name)
	return cmd
}

// writeFile writes a scratch file the client tools can read.
func (e *benchEnv) writeFile(name string, data []byte) string {
	path := filepath.Join(e.work, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// benchLogSink formats every record like the production JSON handler (to
// io.Discard) and keeps the error lines other than the per-request ones.
type benchLogSink struct {
	json  slog.Handler
	mu    sync.Mutex
	lines []string
	count int
}

func (s *benchLogSink) Enabled(ctx context.Context, l slog.Level) bool { return s.json.Enabled(ctx, l) }

func (s *benchLogSink) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError && r.Message != "request" {
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%q", a.Key, a.Value.String())
			return true
		})
		s.mu.Lock()
		s.count++
		if len(s.lines) < 20 {
			s.lines = append(s.lines, b.String())
		}
		s.mu.Unlock()
	}
	return s.json.Handle(ctx, r)
}

func (s *benchLogSink) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s *benchLogSink) WithGroup(string) slog.Handler      { return s }

// ---------------------------------------------------------------- seeding

// benchWorld is what the seed made and the cases use.
type benchWorld struct {
	touchpoints []string // of workspace "bench"
	journeys    []string // of workspace "bench"
	patchPool   []string // ideas of "bench" to PATCH, one per request
	deepCursor  string
	deepFirstID string // the idea right after the cursor
}

// benchQuote is a SQL string literal.
func benchQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func benchArray(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = benchQuote(v)
	}
	return "ARRAY[" + strings.Join(q, ",") + "]::text[]"
}

// benchTagSets are 500 tag lists (0–3 tags, Zipf-like popularity) that the
// seed picks from; deterministic.
func benchTagSets() []string {
	rng := rand.New(rand.NewPCG(42, 42))
	weights := make([]float64, len(benchTagVocab))
	var total float64
	for i := range weights {
		weights[i] = 1 / float64(i+1)
		total += weights[i]
	}
	pick := func() string {
		x := rng.Float64() * total
		for i, w := range weights {
			if x < w {
				return benchTagVocab[i]
			}
			x -= w
		}
		return benchTagVocab[len(benchTagVocab)-1]
	}
	sets := make([]string, 500)
	for n := range sets {
		var count int
		switch r := rng.Float64(); {
		case r < 0.15:
		case r < 0.55:
			count = 1
		case r < 0.85:
			count = 2
		default:
			count = 3
		}
		tags := []string{}
		for len(tags) < count {
			if tag := pick(); !slices.Contains(tags, tag) {
				tags = append(tags, tag)
			}
		}
		b, _ := json.Marshal(tags)
		sets[n] = string(b)
	}
	return sets
}

// benchScoreRows is every (impact, experience, effort, confidence in tenths)
// with the score the domain computes under the default scoring, as VALUES.
func benchScoreRows() string {
	sc := domain.DefaultScoring()
	var rows []string
	for i := 1; i <= 5; i++ {
		for x := 1; x <= 5; x++ {
			for f := 1; f <= 5; f++ {
				for k := 1; k <= 10; k++ {
					s := sc.Score(i, x, f, float64(k)/10)
					rows = append(rows, fmt.Sprintf("(%d,%d,%d,%d,%s::float8,%s::float8,%s,%s)", i, x, f, k,
						benchQuote(strconv.FormatFloat(s.Value, 'g', -1, 64)), benchQuote(strconv.FormatFloat(s.Priority, 'g', -1, 64)),
						benchQuote(string(s.Quadrant)), benchQuote(s.Explanation)))
				}
			}
		}
	}
	return strings.Join(rows, ",\n")
}

func benchExec(ctx context.Context, t *testing.T, conn *sql.Conn, what, query string, args ...any) int64 {
	t.Helper()
	res, err := conn.ExecContext(ctx, query, args...)
	if err != nil {
		t.Fatalf("seed: %s: %v", what, err)
	}
	n, _ := res.RowsAffected()
	return n
}

// seedWorkspace fills one workspace: journeys of 5 stages, touchpoints
// spread over them, ideas with 1–3 touchpoints each and a created history
// row. Ids are md5 of the workspace slug and a number, so runs agree.
func seedWorkspace(ctx context.Context, t *testing.T, conn *sql.Conn, wsID, slug string, ideas, journeys, touchpoints int) {
	t.Helper()
	step := time.Now()
	lap := func(what string) {
		if ideas >= benchIdeas {
			benchProgress("  %s: %v", what, time.Since(step).Round(time.Millisecond))
		}
		step = time.Now()
	}
	defer lap("idea history")
	benchExec(ctx, t, conn, "journeys", `
		INSERT INTO journeys (id, workspace_id, name, description, created_at, updated_at)
		SELECT md5($2::text || '/journey/' || j)::uuid, $1::uuid,
		       'Journey ' || j || ': ' || (ARRAY['Onboarding','Billing','Support','Delivery','Renewal'])[1 + (j - 1) % 5],
		       'Seeded for the benchmark', ts, ts
		FROM generate_series(1, $3::int) j,
		     LATERAL (SELECT timestamptz '2021-12-01 00:00:00+00' + j * interval '1 minute') AS x(ts)`,
		wsID, slug, journeys)
	benchExec(ctx, t, conn, "journey stages", `
		INSERT INTO journey_stages (journey_id, id, position, name)
		SELECT md5($1::text || '/journey/' || j)::uuid, md5($1::text || '/stage/' || j || '/' || s)::uuid, s - 1,
		       (ARRAY['Discover','Choose','Buy','Use','Get help'])[s]
		FROM generate_series(1, $2::int) j, generate_series(1, 5) s`, slug, journeys)
	benchExec(ctx, t, conn, "touchpoints", fmt.Sprintf(`
		INSERT INTO touchpoints (id, workspace_id, journey_id, stage_id, name, description, channel, owner, created_at, updated_at)
		SELECT md5($2::text || '/tp/' || t)::uuid, $1::uuid, md5($2::text || '/journey/' || j)::uuid,
		       md5($2::text || '/stage/' || j || '/' || s)::uuid, 'Touchpoint ' || t, 'Seeded for the benchmark',
		       (%s)[1 + t %% %d], 'Team ' || lpad((1 + t %% 40)::text, 2, '0'),
		       timestamptz '2021-12-02 00:00:00+00' + t * interval '1 minute',
		       timestamptz '2021-12-02 00:00:00+00' + t * interval '1 minute'
		FROM (SELECT t, 1 + (t - 1) %% $3::int AS j, 1 + ((t - 1) / $3::int) %% 5 AS s
		      FROM generate_series(1, $4::int) t) x`, benchArray(benchChannels), len(benchChannels)),
		wsID, slug, journeys, touchpoints)

	lap("journeys, stages, touchpoints")

	// Ideas, in creation order on disk as a real table would be. Statuses:
	// 40% new, 30% under review, 10% planned, 5% piloting, 5% adopted, 6%
	// rejected, 4% parked. Impact, experience and effort lean to the middle;
	// confidence in tenths, 0.5 the most common (the API's default).
	benchExec(ctx, t, conn, "setseed", `SELECT setseed($1)`, benchSeed)
	benchExec(ctx, t, conn, "ideas", fmt.Sprintf(`
		INSERT INTO ideas (id, workspace_id, title, problem, proposal, impact, experience, effort, confidence, owner, tags,
		                   source, status, value, priority, quadrant, explanation, created_at, updated_at, version)
		SELECT md5($2::text || '/idea/' || r.g)::uuid, $1::uuid,
		       (%[1]s)[r.v] || ' ' || (%[2]s)[r.o] || ' ' || (%[3]s)[r.p],
		       'Customers ' || (%[4]s)[r.pa] || ' ' || (%[5]s)[r.cx] || '.',
		       'Proposal: ' || lower((%[1]s)[r.v2]) || ' the ' || (%[2]s)[r.o] || ' and track ' || (%[6]s)[r.m] || '.'
		           || CASE WHEN r.rare < 0.0005 THEN ' Needs a GDPR review first.' ELSE '' END,
		       r.impact, r.experience, r.effort, r.tenth::float8 / 10,
		       'Team ' || lpad(r.owner::text, 2, '0'), (%[7]s)[r.tg]::jsonb, (%[8]s)[r.src],
		       CASE WHEN r.st < 0.40 THEN 'new' WHEN r.st < 0.70 THEN 'under_review' WHEN r.st < 0.80 THEN 'planned'
		            WHEN r.st < 0.85 THEN 'piloting' WHEN r.st < 0.90 THEN 'adopted' WHEN r.st < 0.96 THEN 'rejected'
		            ELSE 'parked' END,
		       s.value, s.priority, s.quadrant, s.explanation,
		       r.created, r.created + r.upd * interval '30 days', 1
		FROM (SELECT g,
		             1 + floor(random() * %[9]d)::int AS v,
		             1 + floor(random() * %[10]d)::int AS o,
		             1 + floor(random() * %[11]d)::int AS p,
		             1 + floor(random() * %[12]d)::int AS pa,
		             1 + floor(random() * %[13]d)::int AS cx,
		             1 + floor(random() * %[9]d)::int AS v2,
		             1 + floor(random() * %[14]d)::int AS m,
		             random() AS rare,
		             (ARRAY[1,2,2,3,3,3,4,4,4,5])[1 + floor(random() * 10)::int] AS impact,
		             (ARRAY[1,2,2,3,3,3,4,4,5,5])[1 + floor(random() * 10)::int] AS experience,
		             (ARRAY[1,1,2,2,2,3,3,3,4,5])[1 + floor(random() * 10)::int] AS effort,
		             (ARRAY[1,2,3,4,5,5,5,5,6,7,8,9,10])[1 + floor(random() * 13)::int] AS tenth,
		             1 + floor(power(random(), 2) * 40)::int AS owner,
		             1 + floor(random() * %[15]d)::int AS tg,
		             1 + floor(random() * %[16]d)::int AS src,
		             random() AS st,
		             timestamptz '2025-01-01 00:00:00+00' - random() * interval '1095 days' AS created,
		             random() AS upd
		      FROM generate_series(1, $3::int) g
		      ORDER BY created) r
		JOIN bench_scores s ON s.impact = r.impact AND s.experience = r.experience AND s.effort = r.effort AND s.tenth = r.tenth`,
		benchArray(benchVerbs), benchArray(benchObjects), benchArray(benchPlaces), benchArray(benchPains),
		benchArray(benchContexts), benchArray(benchMetricNames), benchArray(benchTagSets()), benchArray(benchSources),
		len(benchVerbs), len(benchObjects), len(benchPlaces), len(benchPains), len(benchContexts), len(benchMetricNames),
		len(benchTagSets()), len(benchSources)),
		wsID, slug, ideas)

	lap("ideas")

	// Touchpoints per idea: 1–3, the first skewed towards popular ones.
	benchExec(ctx, t, conn, "setseed", `SELECT setseed($1)`, benchSeed/2)
	benchExec(ctx, t, conn, "idea touchpoints", `
		INSERT INTO idea_touchpoints (workspace_id, idea_id, touchpoint_id, position, priority, created_at, status)
		SELECT $1::uuid, i.id,
		       md5($2::text || '/tp/' || (1 + (s.base + p.pos * $5::int) % $4::int))::uuid, p.pos, i.priority, i.created_at, i.status
		FROM (SELECT g, 1 + floor(random() * 3)::int AS k, floor(power(random(), 1.5) * $4::int)::int AS base
		      FROM generate_series(1, $3::int) g) s
		JOIN ideas i ON i.id = md5($2::text || '/idea/' || s.g)::uuid
		CROSS JOIN LATERAL generate_series(0, s.k - 1) AS p(pos)`,
		wsID, slug, ideas, touchpoints, touchpoints/3+1)
	lap("idea touchpoints")
	benchExec(ctx, t, conn, "idea history", `
		INSERT INTO idea_history (workspace_id, idea_id, seq, field, old_value, new_value, actor, changed_at)
		SELECT workspace_id, id, 1, 'created', '', title, 'bench seed', created_at
		FROM ideas WHERE workspace_id = $1::uuid ORDER BY created_at, id`, wsID)
}

// seed creates the workspaces and their data, returning the bench
// workspace's world and how long it took.
func (e *benchEnv) seed(ctx context.Context) (*benchWorld, time.Duration) {
	t := e.t
	start := time.Now()
	var token string
	e.wsID, token = pgtest.Workspace(t, e.store, "bench", domain.RoleEditor)
	e.token = token
	e.session = benchSession(t, e.store, token)
	type ws struct {
		id, slug                     string
		ideas, journeys, touchpoints int
	}
	all := []ws{{e.wsID, "bench", benchIdeas, benchJourneys, benchTouchpoints}}
	for n := 1; n <= benchSmallWorkspaces; n++ {
		slug := fmt.Sprintf("bench-small-%d", n)
		w, _, err := e.store.EnsureWorkspace(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ws{w.ID, slug, benchSmallIdeas, benchSmallJourneys, benchSmallTouchpoints})
	}

	conn, err := e.admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The rows are consistent by construction: no foreign key triggers.
	benchExec(ctx, t, conn, "settings", `SET session_replication_role = replica`)
	benchExec(ctx, t, conn, "settings", `SET maintenance_work_mem = '512MB'`)
	benchExec(ctx, t, conn, "settings", `SET work_mem = '256MB'`)
	benchExec(ctx, t, conn, "scores", `CREATE TEMP TABLE bench_scores AS SELECT * FROM (VALUES `+benchScoreRows()+`)
		AS v (impact, experience, effort, tenth, value, priority, quadrant, explanation)`)

	// Secondary indexes are built once after the load rather than row by row;
	// those backing constraints stay. Whatever the migrations define is kept.
	rows, err := conn.QueryContext(ctx, `
		SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid IN ('ideas'::regclass, 'idea_touchpoints'::regclass, 'idea_history'::regclass)
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var indexes [][2]string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, [2]string{name, def})
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	for _, ix := range indexes {
		benchExec(ctx, t, conn, "drop index", `DROP INDEX `+ix[0])
	}
	for _, w := range all {
		step := time.Now()
		seedWorkspace(ctx, t, conn, w.id, w.slug, w.ideas, w.journeys, w.touchpoints)
		if w.slug == "bench" {
			benchProgress("seeded workspace bench (%d ideas) in %v", w.ideas, time.Since(step).Round(time.Millisecond))
		}
	}
	step := time.Now()
	benchSeedValue(ctx, t, conn, e.wsID, "bench")
	benchProgress("business cases, value drivers and realised values in %v", time.Since(step).Round(time.Millisecond))
	step = time.Now()
	benchSeedContacts(ctx, t, conn, e.wsID, "bench", benchTouchpoints)
	benchProgress("%d contact reasons × %d monthly volume records in %v", benchContactReasons, benchContactMonths, time.Since(step).Round(time.Millisecond))
	step = time.Now()
	n := benchSeedMeasurements(ctx, t, conn, e.wsID)
	benchProgress("%d monthly CSAT measurements in %v", n, time.Since(step).Round(time.Millisecond))
	step = time.Now()
	// The load ran with triggers off: the reports' counters from scratch.
	benchExec(ctx, t, conn, "report counters", `SELECT rebuild_report_counts()`)
	benchProgress("touchpoint report counters in %v", time.Since(step).Round(time.Millisecond))
	step = time.Now()
	for _, ix := range indexes {
		benchExec(ctx, t, conn, "create index", ix[1])
	}
	benchProgress("rebuilt %d secondary indexes in %v", len(indexes), time.Since(step).Round(time.Millisecond))
	// The pool is reused for EXPLAIN: leave it with the server's defaults.
	benchExec(ctx, t, conn, "settings", `RESET ALL`)
	benchExec(ctx, t, conn, "scores", `DROP TABLE bench_scores`)
	step = time.Now()
	// As autovacuum would have done on a table that grew over time; it would
	// otherwise start in the middle of the measurements.
	benchExec(ctx, t, conn, "vacuum", `VACUUM (ANALYZE) journeys, journey_stages, touchpoints, ideas, idea_touchpoints, idea_history, workspaces, api_keys,
		contact_reasons, contact_volumes, idea_contact_reasons, touchpoint_measurements`)
	benchExec(ctx, t, conn, "checkpoint", `CHECKPOINT`)
	benchProgress("VACUUM ANALYZE and CHECKPOINT in %v", time.Since(step).Round(time.Millisecond))
	seedTime := time.Since(start)

	// What the seed made, checked.
	var nIdeas, nLinks, nHistory, nTps int
	err = conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM ideas WHERE workspace_id = $1),
		(SELECT count(*) FROM idea_touchpoints WHERE workspace_id = $1),
		(SELECT count(*) FROM idea_history WHERE workspace_id = $1),
		(SELECT count(*) FROM touchpoints WHERE workspace_id = $1)`, e.wsID).Scan(&nIdeas, &nLinks, &nHistory, &nTps)
	if err != nil {
		t.Fatal(err)
	}
	if nIdeas != benchIdeas || nHistory != benchIdeas || nTps != benchTouchpoints {
		t.Fatalf("seed: workspace bench has %d ideas, %d history rows, %d touchpoints", nIdeas, nHistory, nTps)
	}
	benchProgress("workspace bench: %d ideas, %d idea-touchpoint links, %d history rows, %d touchpoints; plus %d workspaces of %d ideas",
		nIdeas, nLinks, nHistory, nTps, benchSmallWorkspaces, benchSmallIdeas)
	e.checkScores(ctx, conn)

	w := &benchWorld{}
	e.queryStrings(ctx, &w.touchpoints, `SELECT id::text FROM touchpoints WHERE workspace_id = $1 ORDER BY id`, e.wsID)
	e.queryStrings(ctx, &w.journeys, `SELECT id::text FROM journeys WHERE workspace_id = $1 ORDER BY id`, e.wsID)
	e.queryStrings(ctx, &w.patchPool, `SELECT id::text FROM ideas WHERE workspace_id = $1 ORDER BY id LIMIT $2`, e.wsID, benchPatchPool)

	// The deep page's cursor: the sort keys of the 500,000th idea, as
	// api/bind.go's wireIdeaCursor encodes them.
	var c struct {
		Sort      string    `json:"s"`
		Priority  float64   `json:"p"`
		Title     string    `json:"n"`
		CreatedAt time.Time `json:"c"`
		UpdatedAt time.Time `json:"u"`
		ID        string    `json:"i"`
	}
	c.Sort = string(domain.SortPriorityDesc)
	err = conn.QueryRowContext(ctx, `SELECT id::text, title, priority, created_at, updated_at FROM ideas WHERE workspace_id = $1
		ORDER BY -priority, created_at, id OFFSET $2 LIMIT 1`, e.wsID, benchDeepAfter-1).
		Scan(&c.ID, &c.Title, &c.Priority, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		t.Fatal(err)
	}
	err = conn.QueryRowContext(ctx, `SELECT id::text FROM ideas WHERE workspace_id = $1
		ORDER BY -priority, created_at, id OFFSET $2 LIMIT 1`, e.wsID, benchDeepAfter).Scan(&w.deepFirstID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	w.deepCursor = base64.RawURLEncoding.EncodeToString(b)
	return w, seedTime
}

// checkScores compares every stored score combination with the domain's.
func (e *benchEnv) checkScores(ctx context.Context, conn *sql.Conn) {
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT impact, experience, effort, confidence, value, priority, quadrant
		FROM ideas WHERE workspace_id = $1`, e.wsID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	sc := domain.DefaultScoring()
	combos := 0
	for rows.Next() {
		var i, x, f int
		var conf, value, priority float64
		var quadrant string
		if err := rows.Scan(&i, &x, &f, &conf, &value, &priority, &quadrant); err != nil {
			e.t.Fatal(err)
		}
		combos++
		s := sc.Score(i, x, f, conf)
		if s.Value != value || s.Priority != priority || string(s.Quadrant) != quadrant {
			e.t.Fatalf("seeded score of (%d, %d, %d, %v) is %v/%v/%s, the domain computes %v/%v/%s",
				i, x, f, conf, value, priority, quadrant, s.Value, s.Priority, s.Quadrant)
		}
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	benchProgress("scores: %d distinct (impact, experience, effort, confidence) combinations, all as the domain computes them", combos)
}

func (e *benchEnv) queryStrings(ctx context.Context, dst *[]string, query string, args ...any) {
	rows, err := e.admin.QueryContext(ctx, query, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		*dst = append(*dst, s)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
}

// ---------------------------------------------------------------- HTTP

// call sends one request and reads the whole answer into buf.
func (e *benchEnv) call(buf *bytes.Buffer, method, path string, body []byte, ctype string, headers ...string) (int, http.Header, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if !strings.HasPrefix(path, "/api/") { // a page of the web workspace: read as a browser does
		req.Header.Set("Cookie", web.SessionCookie+"="+e.session)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	buf.Reset()
	_, err = buf.ReadFrom(res.Body)
	return res.StatusCode, res.Header, err
}

// benchSession signs the bench's key in to the web workspace, as a browser
// would, and answers the session cookie's value.
func benchSession(t *testing.T, store *repository.Store, token string) string {
	ctx := context.Background()
	id, _ := domain.KeyIDFromToken(token)
	key, err := store.GetKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.Authenticate(key, token, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	session, _, err := domain.StartSession(ctx, store, p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return session
}

// benchStatusErr turns an unexpected answer into an error naming it.
func benchStatusErr(method, path string, status int, body []byte) error {
	return fmt.Errorf("%s %s: %d %s", method, benchTrunc(path, 120), status, benchTrunc(string(body), 300))
}

// mustJSON sends a request that must answer want, decoding the answer into out.
func (e *benchEnv) mustJSON(method, path string, in any, want int, out any) http.Header {
	e.t.Helper()
	var body []byte
	ctype := ""
	if in != nil {
		body, _ = json.Marshal(in)
		ctype = "application/json"
	}
	var buf bytes.Buffer
	status, header, err := e.call(&buf, method, path, body, ctype)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		e.t.Fatal(benchStatusErr(method, path, status, buf.Bytes()))
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			e.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return header
}

func benchTrunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ---------------------------------------------------------------- load

// benchWorker sends one request; an error is a failed request.
type benchWorker func() error

type benchResult struct {
	ok, errs   int
	elapsed    time.Duration
	lat        []time.Duration // of the successful requests, sorted
	samples    []string
	cpu0, cpu1 benchCPU // around the measured run
}

func (r benchResult) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// pct is the p-th percentile (nearest rank) of the latencies.
func (r benchResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	k := int(math.Ceil(p/100*float64(len(r.lat)))) - 1
	return r.lat[min(max(k, 0), len(r.lat)-1)]
}

// benchLoad runs conc workers for warm, then for dur; requests started
// within dur count, and the window lasts until the last of them ends.
func benchLoad(conc int, warm, dur time.Duration, probe func() benchCPU, newWorker func(n int) benchWorker) benchResult {
	workers := make([]benchWorker, conc)
	for n := range workers {
		workers[n] = newWorker(n)
	}
	run := func(d time.Duration) benchResult {
		lats := make([][]time.Duration, conc)
		errs := make([]int, conc)
		samples := make([][]string, conc)
		ends := make([]time.Time, conc)
		start := time.Now()
		deadline := start.Add(d)
		var wg sync.WaitGroup
		for n := range conc {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					t0 := time.Now()
					err := workers[n]()
					el := time.Since(t0)
					if err != nil {
						errs[n]++
						if len(samples[n]) < 2 {
							samples[n] = append(samples[n], err.Error())
						}
						continue
					}
					lats[n] = append(lats[n], el)
				}
				ends[n] = time.Now()
			})
		}
		wg.Wait()
		var r benchResult
		for n := range conc {
			r.lat = append(r.lat, lats[n]...)
			r.errs += errs[n]
			r.samples = append(r.samples, samples[n]...)
			r.elapsed = max(r.elapsed, ends[n].Sub(start))
		}
		r.ok = len(r.lat)
		slices.Sort(r.lat)
		return r
	}
	if warm > 0 {
		run(warm)
	}
	cpu0 := probe()
	r := run(dur)
	r.cpu0, r.cpu1 = cpu0, probe()
	return r
}

// benchCPU is a snapshot of CPU time spent, in seconds: by the machine, by
// this process (server and load generator, plus its waited-for children such
// as pgbench and psql) and by the PostgreSQL cluster. The machine is shared:
// what neither of us spent went to other processes, and is reported.
type benchCPU struct {
	at                  time.Time
	busy, self, cluster float64
}

const benchClockTicks = 100 // USER_HZ of /proc

// benchProcTicks reads utime+stime (own) and cutime+cstime (reaped
// children) of /proc/<pid>/stat, and the parent pid.
func benchProcTicks(pid string) (ppid int, own, children float64, ok bool) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := strings.Fields(string(data[i+1:])) // state ppid … utime(12th) stime cutime cstime
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	num := func(s string) float64 { x, _ := strconv.ParseFloat(s, 64); return x }
	ppid, _ = strconv.Atoi(f[1])
	return ppid, num(f[11]) + num(f[12]), num(f[13]) + num(f[14]), true
}

func (e *benchEnv) cpu() benchCPU {
	s := benchCPU{at: time.Now()}
	if data, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal guest guest_nice
		var busy float64
		for i := 1; i < len(f) && i <= 8; i++ {
			if i != 4 && i != 5 { // idle, iowait
				x, _ := strconv.ParseFloat(f[i], 64)
				busy += x
			}
		}
		s.busy = busy / benchClockTicks
	}
	if _, own, children, ok := benchProcTicks("self"); ok {
		s.self = (own + children) / benchClockTicks
	}
	pidFile, err := os.ReadFile(filepath.Join(e.dir, "pg", "postmaster.pid"))
	if err != nil {
		return s
	}
	pm, _, _ := strings.Cut(string(pidFile), "\n")
	pmPid, _ := strconv.Atoi(strings.TrimSpace(pm))
	entries, _ := os.ReadDir("/proc")
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		ppid, own, children, ok := benchProcTicks(en.Name())
		switch {
		case !ok:
		case pid == pmPid: // its children's time once they exit, too
			s.cluster += (own + children) / benchClockTicks
		case ppid == pmPid:
			s.cluster += own / benchClockTicks
		}
	}
	return s
}

// benchShare is the CPU spent between a and b by us (process and cluster)
// and by other processes, as shares of the whole machine.
func benchShare(a, b benchCPU) (ours, others float64) {
	capacity := b.at.Sub(a.at).Seconds() * float64(runtime.NumCPU())
	if capacity <= 0 {
		return 0, 0
	}
	o := (b.self - a.self) + (b.cluster - a.cluster)
	return o / capacity, max(0, (b.busy-a.busy)-o) / capacity
}

func benchShareText(a, b benchCPU) string {
	ours, others := benchShare(a, b)
	return fmt.Sprintf("%.0f%% / %.0f%%", 100*ours, 100*others)
}

// getWorkers make workers that GET the path path(rng) returns.
func (e *benchEnv) getWorkers(path func(rng *rand.Rand) string) func(n int) benchWorker {
	return func(n int) benchWorker {
		rng := rand.New(rand.NewPCG(uint64(n), 0xbe))
		var buf bytes.Buffer
		return func() error {
			p := path(rng)
			status, _, err := e.call(&buf, http.MethodGet, p, nil, "")
			if err != nil {
				return err
			}
			if status != http.StatusOK {
				return benchStatusErr(http.MethodGet, p, status, buf.Bytes())
			}
			return nil
		}
	}
}

// ---------------------------------------------------------------- traces

// benchStmt is one statement the server ran, from its log.
type benchStmt struct {
	kind   string  // parse, bind, execute or statement
	ms     float64 // as logged
	sql    string
	params []string // $1.. as text
}

var (
	benchLogLine     = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] ([A-Z]+):  (.*)$`)
	benchLogDur      = regexp.MustCompile(`(?s)^duration: ([0-9.]+) ms  (parse|bind|execute|statement)(?: [^:]*)?: (.*)$`)
	benchLogParams   = regexp.MustCompile(`\$(\d+) = ('(?:[^']|'')*'|NULL)`)
	benchPlaceholder = regexp.MustCompile(`\$(\d+)\b`)
	benchSpaces      = regexp.MustCompile(`\s+`)
)

// statementLog turns logging of every statement with its duration on or off.
func (e *benchEnv) statementLog(ctx context.Context, on bool) error {
	q := `ALTER SYSTEM RESET log_min_duration_statement`
	if on {
		q = `ALTER SYSTEM SET log_min_duration_statement = 0`
	}
	if _, err := e.admin.ExecContext(ctx, q); err != nil {
		return err
	}
	if _, err := e.admin.ExecContext(ctx, `SELECT pg_reload_conf()`); err != nil {
		return err
	}
	time.Sleep(benchStatementLogWait)
	return nil
}

// trace runs do with every statement logged and returns what the server
// ran meanwhile.
func (e *benchEnv) trace(ctx context.Context, do func() error) ([]benchStmt, error) {
	if err := e.statementLog(ctx, true); err != nil {
		return nil, err
	}
	fi, err := os.Stat(e.pgLog)
	if err != nil {
		return nil, err
	}
	doErr := do()
	time.Sleep(100 * time.Millisecond)
	if err := e.statementLog(ctx, false); err != nil {
		return nil, err
	}
	f, err := os.Open(e.pgLog)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(fi.Size(), io.SeekStart); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return benchParseLog(string(data)), doErr
}

func benchParseLog(text string) []benchStmt {
	type entry struct{ pid, level, msg string }
	var entries []entry
	for _, line := range strings.Split(text, "\n") {
		if m := benchLogLine.FindStringSubmatch(line); m != nil {
			entries = append(entries, entry{m[1], m[2], m[3]})
		} else if len(entries) > 0 && line != "" {
			entries[len(entries)-1].msg += "\n" + line
		}
	}
	var out []benchStmt
	last := map[string]int{} // pid → index in out of its last statement
	for _, en := range entries {
		switch {
		case en.level == "LOG":
			m := benchLogDur.FindStringSubmatch(en.msg)
			if m == nil {
				continue
			}
			ms, _ := strconv.ParseFloat(m[1], 64)
			sqlText := strings.TrimSpace(m[3])
			if strings.Contains(sqlText, "ALTER SYSTEM") || strings.Contains(sqlText, "pg_reload_conf") {
				delete(last, en.pid)
				continue
			}
			out = append(out, benchStmt{kind: m[2], ms: ms, sql: sqlText})
			last[en.pid] = len(out) - 1
		case en.level == "DETAIL" && strings.HasPrefix(en.msg, "parameters: "):
			n, ok := last[en.pid]
			if !ok {
				continue
			}
			params := map[int]string{}
			highest := 0
			for _, p := range benchLogParams.FindAllStringSubmatch(en.msg, -1) {
				k, _ := strconv.Atoi(p[1])
				v := p[2]
				if v != "NULL" {
					v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
				}
				params[k] = v
				highest = max(highest, k)
			}
			out[n].params = make([]string, highest)
			for k := 1; k <= highest; k++ {
				out[n].params[k-1] = params[k]
			}
		}
	}
	return out
}

// benchRun filters a trace down to the statements executed (not the parse
// and bind steps of the extended protocol).
func benchRun(trace []benchStmt) []benchStmt {
	return slices.DeleteFunc(slices.Clone(trace), func(s benchStmt) bool { return s.kind == "parse" || s.kind == "bind" })
}

// benchSQLSummary is "N statements, X ms": server time of one request.
func benchSQLSummary(trace []benchStmt) string {
	if len(trace) == 0 {
		return "—"
	}
	var total float64
	for _, s := range trace {
		total += s.ms
	}
	return fmt.Sprintf("%d stmts, %.2f ms", len(benchRun(trace)), total)
}

// ---------------------------------------------------------------- pgbench and psql

type benchPgbench struct {
	tps      float64
	p50, p99 time.Duration
	script   string
	others   float64 // share of the machine's CPU other processes used meanwhile
}

// pgbench runs the statements as one transaction script with their logged
// parameters, prepared, at the same concurrency, for dur.
func (e *benchEnv) pgbench(ctx context.Context, name string, stmts []benchStmt, dur time.Duration) (benchPgbench, error) {
	var out benchPgbench
	var script strings.Builder
	var vars []string
	for i, s := range stmts {
		text := benchPlaceholder.ReplaceAllStringFunc(s.sql, func(m string) string {
			k, _ := strconv.Atoi(m[1:])
			return fmt.Sprintf(":s%d_%d", i, k)
		})
		script.WriteString(benchSpaces.ReplaceAllString(text, " ") + ";\n")
		for k, v := range s.params {
			vars = append(vars, "-D", fmt.Sprintf("s%d_%d=%s", i, k+1, v))
		}
	}
	out.script = script.String()
	path := e.writeFile(name+".sql", []byte(out.script))
	secs := max(1, int(math.Ceil(dur.Seconds())))
	args := func(seconds int, extra ...string) []string {
		a := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(e.cluster.Port()), "-U", "postgres", "-n", "-M", "prepared",
			"-c", strconv.Itoa(benchConcurrency), "-j", strconv.Itoa(benchPgbenchJobs), "-T", strconv.Itoa(seconds), "-f", path}
		a = append(a, extra...)
		a = append(a, vars...)
		return append(a, "cxbacklog")
	}
	if res, err := e.tool(ctx, "pgbench", args(2)...).CombinedOutput(); err != nil { // warm-up
		return out, fmt.Errorf("pgbench warm-up: %v\n%s", err, res)
	}
	prefix := filepath.Join(e.work, "pgbench_"+name)
	cpu0 := e.cpu()
	res, err := e.tool(ctx, "pgbench", args(secs, "-l", "--log-prefix="+prefix)...).CombinedOutput()
	_, out.others = benchShare(cpu0, e.cpu())
	if err != nil {
		return out, fmt.Errorf("pgbench: %v\n%s", err, res)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(res)
	if m == nil {
		return out, fmt.Errorf("pgbench printed no tps:\n%s", res)
	}
	out.tps, _ = strconv.ParseFloat(string(m[1]), 64)
	files, _ := filepath.Glob(prefix + ".*")
	var lat []time.Duration
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return out, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 3 {
				if us, err := strconv.ParseInt(fields[2], 10, 64); err == nil {
					lat = append(lat, time.Duration(us)*time.Microsecond)
				}
			}
		}
		f.Close()
	}
	slices.Sort(lat)
	r := benchResult{lat: lat}
	out.p50, out.p99 = r.pct(50), r.pct(99)
	return out, nil
}

// ---------------------------------------------------------------- report

type benchRow struct {
	name       string
	throughput string
	p50, p99   string
	sql        string
	compare    string
	target     string
	errs       int
	samples    []string
	trace      []benchStmt
	cpu        string // ours / others
	fatalErrs  bool   // errors here make the test fail
}

func benchMs(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d == 0:
		return "—"
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.1f ms", ms)
	default:
		return fmt.Sprintf("%.2f s", ms/1000)
	}
}

func benchNum(x float64) string {
	s := strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func benchVerdict(ok bool, what string) string {
	if ok {
		return what + ": met"
	}
	return what + ": **missed**"
}

func (e *benchEnv) machine(ctx context.Context, fast bool) []string {
	model := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				f := strings.Fields(line)
				if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB", kb/1024/1024)
				}
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	var version, sharedBuffers, workMem, fsync, syncCommit string
	_ = e.admin.QueryRowContext(ctx, `SELECT version(), current_setting('shared_buffers'), current_setting('work_mem'),
		current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&version, &sharedBuffers, &workMem, &fsync, &syncCommit)
	durability := "durable (fsync on), as `cxbacklog serve`"
	if fast {
		durability = "BENCH_FAST: fsync, synchronous_commit and full_page_writes off"
	}
	return []string{
		fmt.Sprintf("CPU: %d × %s (GOMAXPROCS %d), shared by the load generator, the API and PostgreSQL", runtime.NumCPU(), model, runtime.GOMAXPROCS(0)),
		fmt.Sprintf("Memory: %s; kernel %s", mem, strings.TrimSpace(string(kernel))),
		fmt.Sprintf("Go: %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH),
		fmt.Sprintf("PostgreSQL: %s", version),
		fmt.Sprintf("PostgreSQL settings: those of the private cluster `make run` starts (shared_buffers %s, work_mem %s); fsync %s, synchronous_commit %s; %s",
			sharedBuffers, workMem, fsync, syncCommit, durability),
		fmt.Sprintf("API: api.DefaultConfig with every rate and concurrency limit off; pool of %d connections (4 × GOMAXPROCS); JSON request log formatted, written to io.Discard", 4*runtime.GOMAXPROCS(0)),
		fmt.Sprintf("Load: %d goroutines, keep-alive HTTP/1.1 on loopback, no gzip", benchConcurrency),
	}
}

// ---------------------------------------------------------------- the test

func TestBench(t *testing.T) {
	wall := time.Now()
	loadBefore, _ := os.ReadFile("/proc/loadavg")
	dur := envDuration(t, "BENCH_DURATION", 10*time.Second)
	warm := envDuration(t, "BENCH_WARMUP", 2*time.Second)
	bulkRuns := envInt(t, "BENCH_BULK_RUNS", 3)
	explainMs := float64(envInt(t, "BENCH_EXPLAIN_MS", 2))
	fast := os.Getenv("BENCH_FAST") == "1"
	profileDir := os.Getenv("BENCH_PROFILE_DIR")
	var hold time.Duration
	if os.Getenv("BENCH_HOLD") != "" {
		hold = envDuration(t, "BENCH_HOLD", 0)
	}
	ctx := context.Background()

	e := benchStart(t, fast)
	benchProgress("PostgreSQL on port %d (%s); seeding", e.cluster.Port(), e.dir)
	world, seedTime := e.seed(ctx)
	benchProgress("seeding took %v", seedTime.Round(time.Millisecond))
	e.serve()

	var rows []*benchRow
	add := func(r *benchRow) *benchRow {
		rows = append(rows, r)
		return r
	}
	measure := func(name string, workers func(n int) benchWorker, traceOne func() error) (*benchRow, benchResult) {
		benchProgress("case %s", name)
		stopProfile := benchProfile(t, profileDir, len(rows))
		res := benchLoad(benchConcurrency, warm, dur, e.cpu, workers)
		stopProfile()
		row := add(&benchRow{name: name, throughput: benchNum(res.rps()) + " req/s", p50: benchMs(res.pct(50)),
			p99: benchMs(res.pct(99)), errs: res.errs, samples: res.samples, fatalErrs: true, cpu: benchShareText(res.cpu0, res.cpu1)})
		if traceOne != nil {
			tr, err := e.trace(ctx, traceOne)
			if err != nil {
				t.Errorf("%s: traced request: %v", name, err)
			}
			row.trace, row.sql = tr, benchSQLSummary(tr)
		}
		benchProgress("  %s, p50 %s, p99 %s, %d errors; CPU ours / others %s", row.throughput, row.p50, row.p99, res.errs, row.cpu)
		return row, res
	}
	one := func(path string) func() error {
		return func() error {
			var buf bytes.Buffer
			status, _, err := e.call(&buf, http.MethodGet, path, nil, "")
			if err == nil && status != http.StatusOK {
				err = benchStatusErr(http.MethodGet, path, status, buf.Bytes())
			}
			return err
		}
	}
	// The page's own SQL for pgbench: every statement on ideas and their
	// touchpoints the handler sent (today one statement reads both).
	pageSQL := func(row *benchRow) []benchStmt {
		var stmts []benchStmt
		for _, s := range benchRun(row.trace) {
			if strings.Contains(s.sql, `FROM "ideas"`) || strings.Contains(s.sql, `FROM "idea_touchpoints"`) {
				stmts = append(stmts, s)
			}
		}
		if len(stmts) == 0 {
			t.Errorf("%s: the traced request shows no ideas query: %v", row.name, row.trace)
		}
		return stmts
	}
	compareWithPgbench := func(row *benchRow, res benchResult, name string) float64 {
		stmts := pageSQL(row)
		if stmts == nil {
			return 0
		}
		benchProgress("  pgbench -M prepared -c %d -j %d of the same SQL", benchConcurrency, benchPgbenchJobs)
		pg, err := e.pgbench(ctx, name, stmts, dur)
		if err != nil {
			t.Errorf("%s: %v", row.name, err)
			return 0
		}
		ratio := res.rps() / pg.tps
		row.compare = fmt.Sprintf("pgbench %s tps (p50 %s, p99 %s; others %.0f%% CPU) → **%.2f×**",
			benchNum(pg.tps), benchMs(pg.p50), benchMs(pg.p99), 100*pg.others, ratio)
		benchProgress("  pgbench %.0f tps, ratio %.2f; script:\n%s", pg.tps, ratio, pg.script)
		return ratio
	}

	// Ranked backlog, first page and the page after 500,000 ideas.
	firstPath := fmt.Sprintf("/api/v1/ideas?limit=%d", benchPageLimit)
	var first api.IdeaList
	e.mustJSON(http.MethodGet, firstPath, nil, http.StatusOK, &first)
	if len(first.Items) != benchPageLimit || first.NextCursor == nil {
		t.Fatalf("first page: %d items", len(first.Items))
	}
	deepPath := firstPath + "&cursor=" + url.QueryEscape(world.deepCursor)
	var deep api.IdeaList
	e.mustJSON(http.MethodGet, deepPath, nil, http.StatusOK, &deep)
	if len(deep.Items) != benchPageLimit || deep.Items[0].ID != world.deepFirstID {
		t.Fatalf("deep page has %d items, want %d starting with idea %s (number %d)", len(deep.Items), benchPageLimit, world.deepFirstID, benchDeepAfter+1)
	}
	fixed := func(p string) func(*rand.Rand) string { return func(*rand.Rand) string { return p } }
	row, firstRes := measure("ranked backlog, first page (`GET /ideas?limit=50`)", e.getWorkers(fixed(firstPath)), one(firstPath))
	ratio := compareWithPgbench(row, firstRes, "first_page")
	row.target = benchVerdict(ratio >= 0.6 && firstRes.pct(99) <= 20*time.Millisecond, "≥ 0.6× pgbench and p99 ≤ 20 ms")
	row, res := measure("who am I (`GET /me`: authentication and a small answer, no list)", e.getWorkers(fixed("/api/v1/me")), one("/api/v1/me"))
	row.compare = fmt.Sprintf("the ranked first page runs at **%.2f×** of this", firstRes.rps()/res.rps())
	row.target = "—"
	row, res = measure("web workspace: the backlog page (`GET /`, 25 open ideas as HTML)", e.getWorkers(fixed("/")), one("/"))
	row.target = benchVerdict(res.pct(99) <= 100*time.Millisecond, "p99 ≤ 100 ms")
	row, deepRes := measure("ranked backlog, page after 500,000 ideas (cursor)", e.getWorkers(fixed(deepPath)), one(deepPath))
	compareWithPgbench(row, deepRes, "deep_page")
	row.target = benchVerdict(float64(deepRes.pct(50)) <= 1.3*float64(firstRes.pct(50)) && deepRes.pct(99) <= 50*time.Millisecond,
		fmt.Sprintf("p50 ≤ 1.3 × first page (%.2f×) and p99 ≤ 50 ms", float64(deepRes.pct(50))/float64(firstRes.pct(50))))

	// Filtered lists.
	listTarget := func(row *benchRow, res benchResult) {
		row.target = benchVerdict(res.pct(99) <= 50*time.Millisecond, "p99 ≤ 50 ms")
	}
	tpPath := func(rng *rand.Rand) string {
		return fmt.Sprintf("/api/v1/ideas?limit=%d&touchpoint_id=%s", benchPageLimit, world.touchpoints[rng.IntN(len(world.touchpoints))])
	}
	row, res = measure("filter by touchpoint (random one of 5,000)", e.getWorkers(tpPath), one(tpPath(rand.New(rand.NewPCG(1, 1)))))
	listTarget(row, res)
	statusTagPath := func(rng *rand.Rand) string {
		return fmt.Sprintf("/api/v1/ideas?limit=%d&status=%s&tag=%s", benchPageLimit,
			benchFilterStatus[rng.IntN(len(benchFilterStatus))], benchFilterTags[rng.IntN(len(benchFilterTags))])
	}
	row, res = measure(fmt.Sprintf("filter by status + tag (status ∈ %v × tag ∈ %v)", benchFilterStatus, benchFilterTags),
		e.getWorkers(statusTagPath), one(fmt.Sprintf("/api/v1/ideas?limit=%d&status=piloting&tag=trust", benchPageLimit)))
	row.sql += " (piloting + trust)"
	listTarget(row, res)
	searchPath := func(rng *rand.Rand) string {
		return fmt.Sprintf("/api/v1/ideas?limit=%d&q=%s", benchPageLimit, benchSearchCommon[rng.IntN(len(benchSearchCommon))])
	}
	row, res = measure(fmt.Sprintf("text search, common word (`q=` one of %v, ~2.5%% of ideas)", benchSearchCommon),
		e.getWorkers(searchPath), one(searchPath(rand.New(rand.NewPCG(1, 1)))))
	listTarget(row, res)
	rarePath := fmt.Sprintf("/api/v1/ideas?limit=%d&q=%s", benchPageLimit, benchSearchRare)
	row, res = measure("text search, rare word (`q=GDPR`, ~0.05% of ideas)", e.getWorkers(fixed(rarePath)), one(rarePath))
	listTarget(row, res)
	twoWordPath := func(rng *rand.Rand) string {
		return fmt.Sprintf("/api/v1/ideas?limit=%d&q=%s", benchPageLimit, url.QueryEscape(benchSearchTwoWords[rng.IntN(len(benchSearchTwoWords))]))
	}
	row, res = measure(fmt.Sprintf("text search, two words (`q=` one of %q)", benchSearchTwoWords),
		e.getWorkers(twoWordPath), one(twoWordPath(rand.New(rand.NewPCG(1, 1)))))
	listTarget(row, res)
	relevance := func(path func(*rand.Rand) string) func(*rand.Rand) string {
		return func(rng *rand.Rand) string { return path(rng) + "&sort=relevance" }
	}
	for _, c := range []struct {
		name string
		path func(*rand.Rand) string
	}{{"common word", searchPath}, {"rare word", fixed(rarePath)}, {"two words", twoWordPath}} {
		p := relevance(c.path)
		row, res = measure("text search by relevance, "+c.name+" (`&sort=relevance`)", e.getWorkers(p), one(p(rand.New(rand.NewPCG(1, 1)))))
		listTarget(row, res)
	}

	// Reports.
	row, res = measure("roadmap (`GET /roadmap`, 3 lanes × 20)", e.getWorkers(fixed("/api/v1/roadmap")), one("/api/v1/roadmap"))
	listTarget(row, res)
	row, res = measure("value/effort matrix (`GET /reports/matrix`: counts + top 20 per quadrant)", e.getWorkers(fixed("/api/v1/reports/matrix")), one("/api/v1/reports/matrix"))
	listTarget(row, res)
	row, res = measure("value/effort matrix chart, repeated views (`GET /reports/matrix.svg`: top 150 per quadrant drawn once, then from the cache)", e.getWorkers(fixed("/api/v1/reports/matrix.svg")), one("/api/v1/reports/matrix.svg"))
	listTarget(row, res)
	e.chartCases(ctx, add, measure, world.journeys[0])
	valueTarget := func(row *benchRow, res benchResult) {
		row.target = benchVerdict(res.pct(99) <= 50*time.Millisecond, "value report p99 ≤ 50 ms")
	}
	row, res = measure("portfolio value report (`GET /reports/value`: realised, pipeline, by owner, by touchpoint, failing touchpoints)",
		e.getWorkers(fixed("/api/v1/reports/value")), one("/api/v1/reports/value"))
	valueTarget(row, res)
	row, res = measure("portfolio value chart (`GET /reports/value.svg`)", e.getWorkers(fixed("/api/v1/reports/value.svg")), one("/api/v1/reports/value.svg"))
	valueTarget(row, res)
	contactTarget := func(row *benchRow, res benchResult) {
		row.target = benchVerdict(res.pct(99) <= 50*time.Millisecond, "contact reasons report p99 ≤ 50 ms")
	}
	contactPath := "/api/v1/reports/contact-reasons?" + benchContactWindow
	var contactReport api.ContactReasonsReport
	e.mustJSON(http.MethodGet, contactPath, nil, http.StatusOK, &contactReport)
	if len(contactReport.Reasons)+contactReport.OtherReasons != benchContactReasons || contactReport.Contacts == 0 || len(contactReport.Unaddressed) == 0 {
		t.Fatalf("contact reasons report: %d reasons listed and %d more, %d contacts, %d unaddressed",
			len(contactReport.Reasons), contactReport.OtherReasons, contactReport.Contacts, len(contactReport.Unaddressed))
	}
	row, res = measure(fmt.Sprintf("contact reasons report (`GET /reports/contact-reasons`, 3 months of %d reasons × %d monthly records, top 50 listed)", benchContactReasons, benchContactMonths),
		e.getWorkers(fixed(contactPath)), one(contactPath))
	contactTarget(row, res)
	contactChart := "/api/v1/reports/contact-reasons.svg?" + benchContactWindow
	row, res = measure("contact reasons Pareto chart (`GET /reports/contact-reasons.svg`, top 20 drawn)", e.getWorkers(fixed(contactChart)), one(contactChart))
	contactTarget(row, res)

	// Touchpoint reports over 5,000 touchpoints and ~2,000,000 idea links.
	for _, c := range []struct{ name, path string }{
		{"blind spots (`GET /reports/blind-spots`, 5,000 touchpoints)", "/api/v1/reports/blind-spots"},
		{"coverage (`GET /reports/coverage`)", "/api/v1/reports/coverage"},
		{"impact ledger (`GET /reports/impact`)", "/api/v1/reports/impact"},
		{"journey heatmap (`GET /journeys/{id}/heatmap`, 250 touchpoints)", "/api/v1/journeys/" + world.journeys[0] + "/heatmap"},
		{"journey heatmap chart (`GET /journeys/{id}/heatmap.svg`)", "/api/v1/journeys/" + world.journeys[0] + "/heatmap.svg"},
	} {
		row, res = measure(c.name, e.getWorkers(fixed(c.path)), one(c.path))
		listTarget(row, res)
	}

	e.replicaCases(ctx, fast, measure, one)

	// The whole backlog as CSV, before the writes add ideas to it.
	e.exportCase(add)

	// Writes.
	createBody := func(rng *rand.Rand, n, seq int) []byte {
		tps := []string{world.touchpoints[rng.IntN(len(world.touchpoints))]}
		for k := rng.IntN(3); k > 0; k-- {
			if tp := world.touchpoints[rng.IntN(len(world.touchpoints))]; !slices.Contains(tps, tp) {
				tps = append(tps, tp)
			}
		}
		confidence := float64(1+rng.IntN(10)) / 10
		body, _ := json.Marshal(map[string]any{
			"title": fmt.Sprintf("%s %s %s (bench %d-%d)", benchVerbs[rng.IntN(len(benchVerbs))], benchObjects[rng.IntN(len(benchObjects))],
				benchPlaces[rng.IntN(len(benchPlaces))], n, seq),
			"problem": "Customers " + benchPains[rng.IntN(len(benchPains))] + ".", "proposal": "Created by the benchmark.",
			"touchpoint_ids": tps, "impact": 1 + rng.IntN(5), "experience": 1 + rng.IntN(5), "effort": 1 + rng.IntN(5),
			"confidence": confidence, "owner": "Bench team", "tags": []string{benchTagVocab[rng.IntN(len(benchTagVocab))]}, "source": "employee",
		})
		return body
	}
	createWorkers := func(n int) benchWorker {
		rng := rand.New(rand.NewPCG(uint64(n), 0xc0))
		var buf bytes.Buffer
		seq := 0
		return func() error {
			seq++
			status, _, err := e.call(&buf, http.MethodPost, "/api/v1/ideas", createBody(rng, n, seq), "application/json")
			if err == nil && status != http.StatusCreated {
				err = benchStatusErr(http.MethodPost, "/api/v1/ideas", status, buf.Bytes())
			}
			return err
		}
	}
	traceCreate := func() error {
		var buf bytes.Buffer
		status, _, err := e.call(&buf, http.MethodPost, "/api/v1/ideas", createBody(rand.New(rand.NewPCG(9, 9)), 99, 1), "application/json")
		if err == nil && status != http.StatusCreated {
			err = benchStatusErr(http.MethodPost, "/api/v1/ideas", status, buf.Bytes())
		}
		return err
	}
	row, _ = measure("create idea (`POST /ideas`, 1–3 touchpoints)", createWorkers, traceCreate)
	row.target = "—"

	// PATCH: every request on another idea of the pool, with the ETag this
	// worker last saw for it (1 for a seeded idea).
	versions := make([]int, len(world.patchPool))
	for n := range versions {
		versions[n] = 1
	}
	patchOne := func(buf *bytes.Buffer, k, seq int) error {
		id := world.patchPool[k]
		path := "/api/v1/ideas/" + id
		body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("Retitled by the benchmark (%d)", seq), "impact": 1 + seq%5})
		status, header, err := e.call(buf, http.MethodPatch, path, body, "application/merge-patch+json",
			"If-Match", `"`+strconv.Itoa(versions[k])+`"`)
		if err != nil {
			return err
		}
		if v, err := strconv.Atoi(strings.Trim(header.Get("ETag"), `"`)); err == nil {
			versions[k] = v
		}
		if status != http.StatusOK {
			if status == http.StatusPreconditionFailed { // re-read the ETag, as a client would
				if st, h, err := e.call(buf, http.MethodGet, path, nil, ""); err == nil && st == http.StatusOK {
					if v, err := strconv.Atoi(strings.Trim(h.Get("ETag"), `"`)); err == nil {
						versions[k] = v
					}
				}
			}
			return benchStatusErr(http.MethodPatch, path, status, buf.Bytes())
		}
		return nil
	}
	patchWorkers := func(n int) benchWorker {
		var buf bytes.Buffer
		next := 1 + n // idea 0 is kept for the trace; worker n owns ideas n+1, n+1+16, …
		seq := 0
		return func() error {
			k := next
			next += benchConcurrency
			if next >= len(world.patchPool) {
				next = 1 + n
			}
			seq++
			return patchOne(&buf, k, seq)
		}
	}
	var patchBuf bytes.Buffer
	row, _ = measure("patch idea with If-Match (`PATCH /ideas/{id}`, title + impact)", patchWorkers,
		func() error { return patchOne(&patchBuf, 0, 1) })
	row.target = "—"

	// Bulk observations and the pilot's results.
	resultsPilot := e.bulkCase(ctx, add, world, bulkRuns)
	resultsPath := "/api/v1/pilots/" + resultsPilot + "/results"
	row, res = measure("pilot results, metric with 1,000,000 observations (`GET /pilots/{id}/results`)",
		e.getWorkers(fixed(resultsPath)), one(resultsPath))
	row.target = benchVerdict(res.pct(99) <= 250*time.Millisecond, "≤ 250 ms (p99)")

	// Backup and restore of all of it.
	e.backupCases(ctx, add, firstPath)

	// EXPLAIN ANALYZE of the slow statements of every traced request.
	benchProgress("EXPLAIN ANALYZE of statements ≥ %.0f ms", explainMs)
	explains := e.explainSlow(ctx, rows, explainMs)

	// The report.
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("")
	p("## Benchmark, %s", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	p("")
	for _, line := range e.machine(ctx, fast) {
		p("- %s", line)
	}
	p("- Load average before the run (1, 5, 15 min): %s", strings.Join(strings.Fields(string(loadBefore))[:3], ", "))
	p("- Data: workspace `bench` with %s ideas (%s touchpoints in %d journeys × 5 stages, 1–3 per idea, one history row each) + %d workspaces of %s ideas; seeded in %v (set-based SQL, indexes built after the load, VACUUM ANALYZE)",
		benchNum(benchIdeas), benchNum(benchTouchpoints), benchJourneys, benchSmallWorkspaces, benchNum(benchSmallIdeas), seedTime.Round(100*time.Millisecond))
	p("- Each case: %v warm-up, then %v at concurrency %d; \"SQL per request\" is what the server logged for one request of the case run alone (executed statements, total of parse+bind+execute); \"CPU ours / others\" is the share of the machine's CPU used during the measurement by this process + the cluster, and by other processes (the machine is shared: a high second figure means the case was starved)",
		warm, dur, benchConcurrency)
	p("")
	p("| case | throughput | p50 | p99 | SQL per request | CPU ours / others | comparison | target |")
	p("|---|---:|---:|---:|---|---:|---|---|")
	for _, r := range rows {
		name := r.name
		if r.errs > 0 {
			name += fmt.Sprintf(" — **%d errors**", r.errs)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s |", name, r.throughput, r.p50, r.p99, cmp.Or(r.sql, "—"), cmp.Or(r.cpu, "—"),
			cmp.Or(r.compare, "—"), cmp.Or(r.target, "—"))
	}
	p("")
	p("### SQL per case (one request, as logged by PostgreSQL)")
	for _, r := range rows {
		if len(r.trace) == 0 {
			continue
		}
		p("")
		p("%s:", r.name)
		for _, s := range benchRun(r.trace) {
			p("    %8.3f ms  %s", s.ms, benchTrunc(benchSpaces.ReplaceAllString(s.sql, " "), 220))
		}
	}
	if len(explains) > 0 {
		p("")
		p("### EXPLAIN (ANALYZE, BUFFERS) of statements that took ≥ %.0f ms in a traced request", explainMs)
		for _, ex := range explains {
			p("")
			p("%s", ex)
		}
	}
	var failures []string
	for _, r := range rows {
		for _, s := range r.samples {
			failures = append(failures, r.name+": "+s)
		}
		if r.errs > 0 && r.fatalErrs {
			t.Errorf("%s: %d failed requests, e.g. %v", r.name, r.errs, r.samples)
		}
	}
	if len(failures) > 0 {
		p("")
		p("### Failed requests (samples)")
		for _, f := range failures {
			p("- %s", benchTrunc(f, 400))
		}
	}
	e.sink.mu.Lock()
	if e.sink.count > 0 {
		p("")
		p("### Server errors logged: %d", e.sink.count)
		for _, l := range e.sink.lines {
			p("- %s", benchTrunc(l, 400))
		}
	}
	e.sink.mu.Unlock()
	p("")
	p("Total wall time of the run (seeding included, build excluded): %v", time.Since(wall).Round(time.Second))
	fmt.Print(b.String())
	if hold > 0 {
		benchProgress("holding for %v: psql -h 127.0.0.1 -p %d -U postgres cxbacklog; API %s with Authorization: Bearer %s",
			hold, e.cluster.Port(), e.base, e.token)
		time.Sleep(hold)
	}
}

// benchProfile starts a CPU profile of case number n when dir is set, and
// returns what stops it.
func benchProfile(t *testing.T, dir string, n int) func() {
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("case%02d.pprof", n+1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

// benchObservationRows are 1,000,000 deterministic observations of a mean
// metric (handle time in seconds): 2,000 agents, half of them in the pilot
// group, each observed in both periods, so the design is paired.
type benchObservationRows struct {
	grp, period []string
	value       []float64
	unit        []string
}

func newBenchObservationRows() *benchObservationRows {
	rng := rand.New(rand.NewPCG(7, 7))
	base := make([]float64, benchUnits)
	units := make([]string, benchUnits)
	for u := range base {
		base[u] = 320 + 40*rng.NormFloat64()
		units[u] = fmt.Sprintf("agent-%04d", u+1)
	}
	r := &benchObservationRows{grp: make([]string, benchObservations), period: make([]string, benchObservations),
		value: make([]float64, benchObservations), unit: make([]string, benchObservations)}
	for i := range benchObservations {
		u := i % benchUnits
		r.grp[i], r.period[i], r.unit[i] = "pilot", "before", units[u]
		if u >= benchUnits/2 {
			r.grp[i] = "control"
		}
		v := base[u] + 60*rng.NormFloat64()
		if (i/benchUnits)%2 == 1 {
			r.period[i] = "after"
			if r.grp[i] == "pilot" {
				v -= 25
			}
		}
		r.value[i] = math.Round(max(v, 1)*10) / 10
	}
	return r
}

func (r *benchObservationRows) ndjson() []byte {
	b := make([]byte, 0, 80*len(r.value))
	for i := range r.value {
		b = append(b, `{"group":"`...)
		b = append(b, r.grp[i]...)
		b = append(b, `","period":"`...)
		b = append(b, r.period[i]...)
		b = append(b, `","value":`...)
		b = strconv.AppendFloat(b, r.value[i], 'f', -1, 64)
		b = append(b, `,"unit_id":"`...)
		b = append(b, r.unit[i]...)
		b = append(b, "\"}\n"...)
	}
	return b
}

func (r *benchObservationRows) csv(metricID string) []byte {
	b := make([]byte, 0, 80*len(r.value))
	for i := range r.value {
		b = append(b, metricID...)
		b = append(b, ',')
		b = append(b, r.grp[i]...)
		b = append(b, ',')
		b = append(b, r.period[i]...)
		b = append(b, ',')
		b = strconv.AppendFloat(b, r.value[i], 'f', -1, 64)
		b = append(b, ',')
		b = append(b, r.unit[i]...)
		b = append(b, '\n')
	}
	return b
}

// bulkCase uploads 1,000,000 NDJSON observations through the API and
// \copy-loads the same rows with psql, runs times each into fresh metrics
// (so every metric holds exactly 1,000,000), and reports the medians. It
// returns the pilot whose only metric got the first upload.
func (e *benchEnv) bulkCase(ctx context.Context, add func(*benchRow) *benchRow, world *benchWorld, runs int) string {
	t := e.t
	name := fmt.Sprintf("bulk observations, 1,000,000 NDJSON rows in one request (median of %d)", runs)
	benchProgress("case %s", name)
	row := add(&benchRow{name: name, fatalErrs: true})
	cpu0 := e.cpu()
	defer func() { row.cpu = benchShareText(cpu0, e.cpu()) }()
	idea := world.patchPool[len(world.patchPool)-1]
	var resultsPilot, ingestPilot api.Pilot
	e.mustJSON(http.MethodPost, "/api/v1/pilots", map[string]any{"idea_id": idea, "title": "Bench results",
		"hypothesis": "Headsets shorten calls"}, http.StatusCreated, &resultsPilot)
	e.mustJSON(http.MethodPost, "/api/v1/pilots", map[string]any{"idea_id": idea, "title": "Bench ingest",
		"hypothesis": "Headsets shorten calls"}, http.StatusCreated, &ingestPilot)
	metric := func(pilot, name string, primary bool) string {
		var m api.Metric
		e.mustJSON(http.MethodPost, "/api/v1/pilots/"+pilot+"/metrics", map[string]any{"name": name, "unit": "seconds",
			"kind": "mean", "direction": "lower_is_better", "primary": primary}, http.StatusCreated, &m)
		return m.ID
	}
	obs := newBenchObservationRows()
	body := obs.ndjson()
	var apiTimes, copyTimes []time.Duration
	for run := range runs {
		// Through the API.
		pilot, metricID := ingestPilot.ID, ""
		if run == 0 {
			pilot, metricID = resultsPilot.ID, metric(resultsPilot.ID, "Handle time", true)
		} else {
			metricID = metric(ingestPilot.ID, fmt.Sprintf("Handle time, upload %d", run+1), false)
		}
		path := "/api/v1/pilots/" + pilot + "/metrics/" + metricID + "/observations"
		upload := func() error {
			var buf bytes.Buffer
			start := time.Now()
			status, _, err := e.call(&buf, http.MethodPost, path, body, "application/x-ndjson")
			el := time.Since(start)
			if err != nil {
				return err
			}
			if status != http.StatusOK {
				return benchStatusErr(http.MethodPost, path, status, buf.Bytes())
			}
			var out api.ObservationUpload
			if err := json.Unmarshal(buf.Bytes(), &out); err != nil || out.Rows != benchObservations {
				return fmt.Errorf("upload stored %d rows (%v): %s", out.Rows, err, benchTrunc(buf.String(), 300))
			}
			apiTimes = append(apiTimes, el)
			benchProgress("  API upload %d: %v (%s rows/s), paired %v", run+1, el.Round(time.Millisecond),
				benchNum(benchObservations/el.Seconds()), out.Paired)
			return nil
		}
		var err error
		if run == 0 { // traced: the COPY and the aggregates are a handful of statements
			row.trace, err = e.trace(ctx, upload)
			row.sql = benchSQLSummary(row.trace)
		} else {
			err = upload()
		}
		if err != nil {
			row.errs++
			row.samples = append(row.samples, err.Error())
		}
		runtime.GC()

		// The same rows with psql \copy, into another metric of the same table.
		copyMetric := metric(ingestPilot.ID, fmt.Sprintf("Handle time, copy %d", run+1), false)
		file := e.writeFile(fmt.Sprintf("observations_%d.csv", run+1), obs.csv(copyMetric))
		start := time.Now()
		out, err := e.tool(ctx, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", strconv.Itoa(e.cluster.Port()),
			"-U", "postgres", "-d", "cxbacklog",
			"-c", `\copy pilot_observations (metric_id, grp, period, value, unit_id) FROM '`+file+`' CSV`).CombinedOutput()
		el := time.Since(start)
		if err != nil {
			t.Fatalf("psql \\copy: %v\n%s", err, out)
		}
		var n int
		if err := e.admin.QueryRowContext(ctx, `SELECT count(*) FROM pilot_observations WHERE metric_id = $1`, copyMetric).Scan(&n); err != nil || n != benchObservations {
			t.Fatalf("\\copy loaded %d rows (%v)", n, err)
		}
		copyTimes = append(copyTimes, el)
		benchProgress("  psql \\copy %d: %v (%s rows/s)", run+1, el.Round(time.Millisecond), benchNum(benchObservations/el.Seconds()))
		_ = os.Remove(file)
	}
	if len(apiTimes) == 0 {
		row.throughput = "—"
		return resultsPilot.ID
	}
	median := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	apiRate := benchObservations / median(apiTimes).Seconds()
	copyRate := benchObservations / median(copyTimes).Seconds()
	ratio := apiRate / copyRate
	row.throughput = benchNum(apiRate) + " rows/s"
	row.p50, row.p99 = benchMs(median(apiTimes)), benchMs(slices.Max(apiTimes))+" (max)"
	row.compare = fmt.Sprintf("psql `\\copy` %s rows/s (median %s) → **%.2f×**", benchNum(copyRate), benchMs(median(copyTimes)), ratio)
	row.target = benchVerdict(ratio >= 0.5, "≥ 0.5× \\copy")
	return resultsPilot.ID
}

// explainSlow runs EXPLAIN (ANALYZE, BUFFERS) on every traced statement that
// took at least minMs, once per distinct SQL and parameters, with the
// parameters it was run with. The request's earlier statements are replayed first in the same
// transaction (each under a savepoint, a failure skipped), so that e.g. an
// INSERT after a DELETE meets the rows it met; the transaction is rolled back.
func (e *benchEnv) explainSlow(ctx context.Context, rows []*benchRow, minMs float64) []string {
	conn, err := e.admin.Conn(ctx)
	if err != nil {
		e.t.Errorf("explain: %v", err)
		return nil
	}
	defer conn.Close()
	explainable := func(sqlText string) bool {
		verb := strings.ToUpper(strings.Fields(sqlText + " x")[0])
		return slices.Contains([]string{"SELECT", "WITH", "INSERT", "UPDATE", "DELETE"}, verb)
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		stmts := benchRun(r.trace)
		key := func(s benchStmt) string { return s.sql + "\x00" + strings.Join(s.params, "\x00") }
		if !slices.ContainsFunc(stmts, func(s benchStmt) bool { return s.ms >= minMs && !seen[key(s)] && explainable(s.sql) }) {
			continue
		}
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			e.t.Errorf("explain: %v", err)
			return out
		}
		for n, s := range stmts {
			if !explainable(s.sql) {
				continue
			}
			explain := s.ms >= minMs && !seen[key(s)]
			args := make([]string, len(s.params))
			for i, v := range s.params {
				args[i] = benchQuote(v)
			}
			call := "EXECUTE bench_stmt"
			if len(args) > 0 {
				call += "(" + strings.Join(args, ", ") + ")"
			}
			run := func() ([]string, error) {
				if _, err := conn.ExecContext(ctx, "PREPARE bench_stmt AS "+s.sql); err != nil {
					return nil, err
				}
				defer func() { _, _ = conn.ExecContext(ctx, "DEALLOCATE bench_stmt") }()
				if !explain {
					_, err := conn.ExecContext(ctx, call)
					return nil, err
				}
				rs, err := conn.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+call)
				if err != nil {
					return nil, err
				}
				defer rs.Close()
				var lines []string
				for rs.Next() {
					var line string
					if err := rs.Scan(&line); err != nil {
						return nil, err
					}
					lines = append(lines, line)
				}
				return lines, rs.Err()
			}
			sp := fmt.Sprintf("bench_sp_%d", n)
			_, _ = conn.ExecContext(ctx, "SAVEPOINT "+sp)
			plan, err := run()
			if err != nil {
				_, _ = conn.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+sp)
			}
			_, _ = conn.ExecContext(ctx, "RELEASE SAVEPOINT "+sp)
			if !explain {
				continue
			}
			seen[key(s)] = true
			var b strings.Builder
			fmt.Fprintf(&b, "%s — %.1f ms in the traced request:\n\n    %s\n", r.name, s.ms, benchSpaces.ReplaceAllString(s.sql, " "))
			if len(args) > 0 {
				fmt.Fprintf(&b, "    -- parameters: %s\n", benchTrunc(strings.Join(args, ", "), 600))
			}
			b.WriteString("\n")
			if err != nil {
				fmt.Fprintf(&b, "    (EXPLAIN failed: %v)\n", err)
			}
			for _, line := range plan {
				b.WriteString("    " + line + "\n")
			}
			out = append(out, strings.TrimRight(b.String(), "\n"))
		}
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
	}
	return out
}

// exportCase downloads the whole backlog of workspace bench as CSV (GET
// /ideas.csv?status=all: 1,000,000 rows in one response) at concurrency 1,
// counting the rows as they arrive without keeping them, and samples the
// server's memory meanwhile, every 50 ms: the Go heap in use (the server
// runs in this process; the reader here holds one 64 KiB buffer) and the
// process's resident set (/proc/self/status). A download that streams page
// by page keeps both flat however many rows it sends.
func (e *benchEnv) exportCase(add func(*benchRow) *benchRow) {
	const path = "/api/v1/ideas.csv?status=all"
	name := "backlog as CSV, 1,000,000 rows in one download (`GET /ideas.csv?status=all`, concurrency 1)"
	benchProgress("case %s", name)
	row := add(&benchRow{name: name, fatalErrs: true, sql: "—"})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rssBefore := benchRSS()
	peakHeap, peakRSS := before.HeapInuse, rssBefore
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peakHeap, peakRSS = max(peakHeap, m.HeapInuse), max(peakRSS, benchRSS())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	cpu0 := e.cpu()
	start := time.Now()
	lines, size, err := e.download(path)
	el := time.Since(start)
	close(stop)
	<-sampled
	row.cpu = benchShareText(cpu0, e.cpu())
	if err == nil && lines != benchIdeas+1 {
		err = fmt.Errorf("%s: %d lines, want a header and %d rows", path, lines, benchIdeas)
	}
	if err != nil {
		row.errs++
		row.samples = append(row.samples, err.Error())
		row.throughput = "—"
		return
	}
	mib := func(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
	growth := peakHeap - min(peakHeap, before.HeapInuse)
	row.throughput = benchNum(benchIdeas/el.Seconds()) + " rows/s"
	row.p50, row.p99 = benchMs(el), "—"
	row.compare = fmt.Sprintf("%s MB of CSV; server memory while streaming: peak Go heap in use %s (%s before the request), peak RSS %s (%s before)",
		benchNum(float64(size)/1e6), mib(peakHeap), mib(before.HeapInuse), mib(peakRSS), mib(rssBefore))
	row.target = benchVerdict(growth <= 64<<20, fmt.Sprintf("flat memory: heap grows ≤ 64 MiB (%s)", mib(growth)))
	benchProgress("  %s in %v, %s", row.throughput, el.Round(time.Millisecond), row.compare)
}

// download GETs path and reads the answer through a 64 KiB buffer,
// counting its lines and bytes.
func (e *benchEnv) download(path string) (lines int, size int64, err error) {
	req, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	res, err := e.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 1000))
		return 0, 0, benchStatusErr(http.MethodGet, path, res.StatusCode, body)
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := res.Body.Read(buf)
		lines += bytes.Count(buf[:n], []byte{'\n'})
		size += int64(n)
		if err == io.EOF {
			return lines, size, nil
		}
		if err != nil {
			return lines, size, err
		}
	}
}

// benchRSS is this process's resident set size in bytes (VmRSS of
// /proc/self/status); 0 where there is none.
func benchRSS() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchSeedValue gives about a third of the workspace's ideas a business
// case: costs on every third idea, and expected improvements priced by value
// drivers (first-contact resolution at every 4th touchpoint, handle time at
// every 20th) at the touchpoints they target; the derived columns as
// domain.NewBusinessCase computes them (the stored explanation is a short
// placeholder); about 1 in 20 adopted ideas with a case gets a realised
// value (without a pilot: no pilot results are seeded). The seed loads rows
// with triggers off, so the value report's counters are rebuilt at the end.
func benchSeedValue(ctx context.Context, t *testing.T, conn *sql.Conn, wsID, slug string) {
	t.Helper()
	benchExec(ctx, t, conn, "value drivers", `
		INSERT INTO value_drivers (id, workspace_id, touchpoint_id, metric_id, unit_value, exposure_per_year, exposure_unit, note, created_at, updated_at, version)
		SELECT md5($2::text || '/driver/' || m.key || '/' || t)::uuid, $1::uuid, md5($2::text || '/tp/' || t)::uuid, m.id,
		       CASE m.key WHEN 'fcr' THEN 4.5 ELSE 0.015 END, 120000, 'calls', 'Seeded for the benchmark',
		       timestamptz '2022-01-01 00:00:00+00', timestamptz '2022-01-01 00:00:00+00', 1
		FROM catalogue_metrics m CROSS JOIN generate_series(1, (SELECT count(*) FROM touchpoints WHERE workspace_id = $1)::int) t
		WHERE m.workspace_id = $1 AND ((m.key = 'fcr' AND t % 4 = 0) OR (m.key = 'aht' AND t % 20 = 0))`, wsID, slug)
	benchExec(ctx, t, conn, "business case costs", `
		UPDATE ideas i SET one_off_cost = (1 + x.g % 50) * 1000, annual_running_cost = (x.g % 7) * 500
		FROM (SELECT g, md5($2::text || '/idea/' || g)::uuid AS id FROM generate_series(3, (SELECT count(*) FROM ideas WHERE workspace_id = $1)::int, 3) g) x
		WHERE i.id = x.id`, wsID, slug)
	benchExec(ctx, t, conn, "expected improvements", `
		INSERT INTO idea_value_improvements (idea_id, value_driver_id, workspace_id, position, improvement, annual_value, touchpoint_id, status, confidence)
		SELECT idea_id, driver_id, $1::uuid, (row_number() OVER (PARTITION BY idea_id ORDER BY driver_id)) - 1, improvement,
		       improvement * unit_value * exposure_per_year, touchpoint_id, status, confidence
		FROM (SELECT i.id AS idea_id, d.id AS driver_id, d.unit_value, d.exposure_per_year, d.touchpoint_id, i.status, i.confidence,
		             CASE WHEN d.unit_value = 4.5 THEN (1 + ('x' || substr(md5(i.id::text), 1, 4))::bit(16)::int % 8) / 100.0
		                  ELSE 5 + ('x' || substr(md5(i.id::text), 1, 4))::bit(16)::int % 30 END::float8 AS improvement
		      FROM ideas i JOIN idea_touchpoints it ON it.idea_id = i.id JOIN value_drivers d ON d.touchpoint_id = it.touchpoint_id
		      WHERE i.workspace_id = $1 AND i.one_off_cost IS NOT NULL) x`, wsID)
	benchExec(ctx, t, conn, "derived business cases", `
		UPDATE ideas i SET expected_annual_value = s.v, expected_net_annual_value = s.v - i.annual_running_cost,
		       business_case = jsonb_build_object('one_off_cost', i.one_off_cost, 'annual_running_cost', i.annual_running_cost,
		           'expected_annual_value', s.v, 'expected_net_annual_value', s.v - i.annual_running_cost,
		           'payback_months', CASE WHEN s.v - i.annual_running_cost > 0 THEN i.one_off_cost / ((s.v - i.annual_running_cost) / 12) END,
		           'first_year_roi', (s.v - i.annual_running_cost - i.one_off_cost) / (i.one_off_cost + i.annual_running_cost),
		           'currency', 'EUR', 'explanation', 'seeded for the benchmark')
		FROM (SELECT i2.id, COALESCE(sum(v.annual_value), 0) AS v FROM ideas i2 LEFT JOIN idea_value_improvements v ON v.idea_id = i2.id
		      WHERE i2.workspace_id = $1 AND i2.one_off_cost IS NOT NULL GROUP BY i2.id) s
		WHERE i.id = s.id`, wsID)
	benchExec(ctx, t, conn, "realised values", `
		UPDATE ideas SET realised_annual_value = 0.8 * expected_annual_value, realised_ci_low = 0.5 * expected_annual_value,
		       realised_ci_high = 1.1 * expected_annual_value, realised_at = updated_at
		WHERE workspace_id = $1 AND status = 'adopted' AND expected_annual_value IS NOT NULL AND ('x' || substr(md5(id::text), 5, 4))::bit(16)::int % 20 = 0`, wsID)
	benchExec(ctx, t, conn, "value counters", `SELECT rebuild_idea_value_counts()`)
	benchExec(ctx, t, conn, "analyze", `ANALYZE value_drivers, idea_value_improvements, idea_value_counts, idea_value_touchpoint_counts`)
}

// The contact reasons of the bench workspace (issue 18): benchContactReasons
// reasons at touchpoints spread over the workspace, a third of them
// avoidable, each with benchContactMonths monthly volume records (one for
// all channels) from January 2023; every fourth reason is evidence for an
// idea (of any status), so some avoidable reasons are unaddressed.
const (
	benchContactReasons = 1_000
	benchContactMonths  = 36
	// The report's window: the last quarter seeded, against the one before.
	benchContactWindow = "from=2025-10-01&to=2025-12-31"
)

// chartCases measures charts and reports made cold (one request at a time,
// each after the workspace's data version moved, as a write moves it), and
// the matrix chart revalidated with If-None-Match.
func (e *benchEnv) chartCases(ctx context.Context, add func(*benchRow) *benchRow, measure func(string, func(int) benchWorker, func() error) (*benchRow, benchResult), journeyID string) {
	t := e.t
	const draws = 9
	var buf bytes.Buffer
	for _, path := range []string{"/api/v1/reports/matrix.svg", "/api/v1/reports/blind-spots", "/api/v1/reports/coverage",
		"/api/v1/reports/contact-reasons?" + benchContactWindow, "/api/v1/journeys/" + journeyID + "/heatmap", "/api/v1/reports/impact"} {
		var walls []time.Duration
		cpu0 := e.cpu()
		for range draws {
			if _, err := e.admin.ExecContext(ctx, `UPDATE workspace_data_versions SET version = version + 1 WHERE workspace_id = $1`, e.wsID); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			status, h, err := e.call(&buf, http.MethodGet, path, nil, "")
			if err == nil && status != http.StatusOK {
				err = benchStatusErr(http.MethodGet, path, status, buf.Bytes())
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Get("ETag") == "" {
				t.Fatalf("%s: no ETag", path)
			}
			walls = append(walls, time.Since(start))
		}
		cpu1 := e.cpu()
		slices.Sort(walls)
		row := add(&benchRow{name: fmt.Sprintf("made cold: `%s` (one at a time, %d times, each after the data version moved)", path, draws),
			throughput: "—", p50: benchMs(walls[draws/2]), p99: benchMs(walls[draws-1]) + " (max)", sql: "—", cpu: benchShareText(cpu0, cpu1), target: "—"})
		row.compare = fmt.Sprintf("CPU per request in the API's process (client included): %s", benchMs(time.Duration(float64(time.Second)*(cpu1.self-cpu0.self)/draws)))
	}
	path := "/api/v1/reports/matrix.svg"
	_, h, err := e.call(&buf, http.MethodGet, path, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	etag := h.Get("ETag")
	workers := func(int) benchWorker {
		var buf bytes.Buffer
		return func() error {
			status, _, err := e.call(&buf, http.MethodGet, path, nil, "", "If-None-Match", etag)
			if err == nil && status != http.StatusNotModified {
				err = benchStatusErr(http.MethodGet, path, status, buf.Bytes())
			}
			return err
		}
	}
	row, res := measure("value/effort matrix chart, revalidated (`If-None-Match` → 304)", workers, nil)
	row.target = benchVerdict(res.pct(99) <= 50*time.Millisecond, "p99 ≤ 50 ms")
}

// replicaCases starts a streaming standby of the seeded cluster
// (pg_basebackup -R), serves the API on a store that reads from it, repeats
// three read cases there and reports which server answered their reads;
// then the load generator goes back to the primary-only server.
func (e *benchEnv) replicaCases(ctx context.Context, fast bool, measure func(string, func(int) benchWorker, func() error) (*benchRow, benchResult),
	one func(string) func() error) {
	t := e.t
	benchProgress("starting a streaming standby (pg_basebackup -R)")
	step := time.Now()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	standby, err := e.cluster.StartStandby(ctx, pgcluster.Options{Dir: filepath.Join(e.dir, "standby"), Logger: quiet, Fast: fast})
	if err != nil {
		t.Fatalf("start the standby: %v", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = standby.Stop(stopCtx)
	}()
	store, err := repository.Open(ctx, e.cluster.URL("cxbacklog"), repository.Options{ReplicaURL: standby.URL("cxbacklog"), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	e.waitForReplay(ctx, standby)
	benchProgress("standby copied and caught up in %v", time.Since(step).Round(time.Millisecond))
	base, client := e.base, e.client
	defer func() { e.base, e.client = base, client }()
	e.serveWith(store)
	fixed := func(p string) func(*rand.Rand) string { return func(*rand.Rand) string { return p } }
	for _, c := range []struct{ name, path string }{
		{"ranked backlog, first page", fmt.Sprintf("/api/v1/ideas?limit=%d", benchPageLimit)},
		{"coverage", "/api/v1/reports/coverage"},
		{"blind spots", "/api/v1/reports/blind-spots"},
	} {
		replica0, primary0 := store.ReadsServed()
		row, _ := measure("with a streaming standby: "+c.name+" (`"+c.path+"`)", e.getWorkers(fixed(c.path)), one(c.path))
		replica1, primary1 := store.ReadsServed()
		replica, primary := replica1-replica0, primary1-primary0
		row.compare = fmt.Sprintf("reads answered by the standby: %s of %s statements (%.1f%%)", benchNum(float64(replica)),
			benchNum(float64(replica+primary)), 100*float64(replica)/float64(max(1, replica+primary)))
		row.target = "—"
	}
}

// waitForReplay waits until standby has replayed everything the primary
// has written so far.
func (e *benchEnv) waitForReplay(ctx context.Context, standby *pgcluster.Cluster) {
	t := e.t
	db, err := sql.Open("pgx", standby.URL("cxbacklog"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var target string
	if err := e.admin.QueryRowContext(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Minute); ; {
		var done bool
		err := db.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, target).Scan(&done)
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby has not replayed %s after 10 minutes (%v)", target, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// benchSeedMeasurements gives nine touchpoints in ten twelve monthly CSAT
// measurements ending with last month (the rest none: blind spots), so that
// the heatmap, blind spots and coverage read real latest values. It returns
// how many it inserted.
func benchSeedMeasurements(ctx context.Context, t *testing.T, conn *sql.Conn, wsID string) int64 {
	t.Helper()
	return benchExec(ctx, t, conn, "measurements", `
		INSERT INTO touchpoint_measurements (id, workspace_id, touchpoint_id, metric_id, period_start, period_end, n, successes, source, created_at, updated_at)
		SELECT gen_random_uuid(), t.workspace_id, t.id, m.id,
		       (date_trunc('month', now()) - make_interval(months => k))::date,
		       (date_trunc('month', now()) - make_interval(months => k - 1) - interval '1 day')::date,
		       200, 130 + abs(hashtext(t.id::text || k::text)) % 60, 'bench', now(), now()
		FROM touchpoints t JOIN catalogue_metrics m ON m.workspace_id = t.workspace_id AND m.key = 'csat'
		CROSS JOIN generate_series(1, 12) k
		WHERE t.workspace_id = $1 AND abs(hashtext(t.id::text)) % 10 <> 0`, wsID)
}

// benchSeedContacts seeds the reasons, their volumes and evidence links,
// and the contacts a month derived from them (the last twelve months'
// contacts ÷ 12, as domain.ContactsPerMonth makes of twelve whole months) on
// the reasons and the ideas linked to them.
func benchSeedContacts(ctx context.Context, t *testing.T, conn *sql.Conn, wsID, slug string, touchpoints int) {
	t.Helper()
	benchExec(ctx, t, conn, "contact reasons", `
		INSERT INTO contact_reasons (id, workspace_id, name, touchpoint_id, avoidable, description, created_at, updated_at, version)
		SELECT md5($2::text || '/reason/' || g)::uuid, $1::uuid, 'Reason ' || g || ': ' || ($4::text[])[1 + g % array_length($4::text[], 1)],
		       md5($2::text || '/tp/' || (1 + (g * 7919) % $3::int))::uuid, g % 3 = 0, 'Seeded for the benchmark',
		       timestamptz '2022-12-01 00:00:00+00', timestamptz '2022-12-01 00:00:00+00', 1
		FROM generate_series(1, $5::int) g`, wsID, slug, touchpoints, benchArrayParam(benchObjects), benchContactReasons)
	benchExec(ctx, t, conn, "contact volumes", `
		INSERT INTO contact_volumes (id, workspace_id, reason_id, period_start, period_end, channel, contacts, resolved_first_contact,
		                             created_at, updated_at, version)
		SELECT md5($2::text || '/volume/' || g || '/' || m)::uuid, $1::uuid, md5($2::text || '/reason/' || g)::uuid,
		       (date '2023-01-01' + make_interval(months => m))::date, (date '2023-01-01' + make_interval(months => m + 1) - interval '1 day')::date, '',
		       x.contacts, x.contacts * (40 + x.h % 50) / 100,
		       timestamptz '2023-01-01 00:00:00+00' + make_interval(months => m + 1), timestamptz '2023-01-01 00:00:00+00' + make_interval(months => m + 1), 1
		FROM generate_series(1, $3::int) g CROSS JOIN generate_series(0, $4::int - 1) m
		CROSS JOIN LATERAL (SELECT ('x' || substr(md5($2::text || '/volume/' || g || '/' || m), 1, 4))::bit(16)::int AS h) hh
		CROSS JOIN LATERAL (SELECT 20 + (1000000 / (g + 20)) + hh.h % 200 AS contacts, hh.h) x`, wsID, slug, benchContactReasons, benchContactMonths)
	benchExec(ctx, t, conn, "reasons' contacts a month", `
		UPDATE contact_reasons r SET contacts_per_month = v.total / 12.0
		FROM (SELECT reason_id, sum(contacts) AS total FROM contact_volumes
		      WHERE workspace_id = $1 AND period_end > (SELECT max(period_end) FROM contact_volumes WHERE workspace_id = $1) - interval '1 year'
		      GROUP BY reason_id) v
		WHERE r.id = v.reason_id`, wsID)
	benchExec(ctx, t, conn, "evidence links", `
		INSERT INTO idea_contact_reasons (idea_id, reason_id, workspace_id, created_at)
		SELECT md5($2::text || '/idea/' || (1 + (g * 104729) % (SELECT count(*) FROM ideas WHERE workspace_id = $1)::int))::uuid,
		       md5($2::text || '/reason/' || g)::uuid, $1::uuid, timestamptz '2023-06-01 00:00:00+00'
		FROM generate_series(4, $3::int, 4) g`, wsID, slug, benchContactReasons)
	benchExec(ctx, t, conn, "ideas' contacts a month", `
		UPDATE ideas i SET contacts_per_month = s.total
		FROM (SELECT l.idea_id, sum(r.contacts_per_month) AS total FROM idea_contact_reasons l JOIN contact_reasons r ON r.id = l.reason_id
		      WHERE l.workspace_id = $1 GROUP BY l.idea_id) s
		WHERE i.id = s.idea_id`, wsID)
}

// benchArrayParam is vals as a PostgreSQL text array literal, for a $n::text[] parameter.
func benchArrayParam(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
	}
	return "{" + strings.Join(q, ",") + "}"
}
