// Command cxbacklog serves the cxbacklog API: a ranked backlog of customer
// experience improvement ideas, their pilots and the touchpoints they target.
//
//	@title						cxbacklog API
//	@version					1.0
//	@description				System of record for customer-experience improvement work: journeys, touchpoints, ideas and pilots. Every error is RFC 9457 application/problem+json. Writes need If-Match (ETag) where they change an existing resource; POSTs accept an Idempotency-Key. Each API key is rate limited (50 requests/s sustained, bursts of 100 by default), and all keys of a workspace together (100/s, bursts of 200); failed authentications are throttled per client address: past a budget, 429 with Retry-After.
//	@BasePath					/
//	@tag.name					api-keys
//	@tag.description			Who is calling (GET /api/v1/me) and the workspace's API keys: create one (its secret is shown once), list, get, revoke. Keys need role admin; /me any role.
//	@tag.name					journeys
//	@tag.description			Customer journeys and their ordered stages, where the work starts: every touchpoint sits in a journey's stage.
//	@tag.name					touchpoints
//	@tag.description			The moments where customers meet the organisation, each in a stage of a journey, with a channel and an owner (team or partner).
//	@tag.name					measurements
//	@tag.description			What a touchpoint measured on a catalogue metric, period by period (one at a time, or many touchpoints at once as CSV), and the health and trend that follow: per touchpoint and metric (JSON) and the trend chart (SVG).
//	@tag.name					metrics
//	@tag.description			The metric catalogue touchpoints are measured by (CSAT, NPS, handle time, ...), each with its kind, direction and target.
//	@tag.name					scoring
//	@tag.description			The workspace's weights and quadrant thresholds that score and rank every idea, and what a 1, 3 and 5 mean on each scale.
//	@tag.name					ideas
//	@tag.description			Improvement ideas targeting touchpoints: scored, ranked, moved through the workflow (new, under review, planned, piloting, adopted, rejected, parked), with the history of every change.
//	@tag.name					roadmap
//	@tag.description			The roadmap (now, next, later) and the value/effort matrix, both as JSON and the matrix as a chart (SVG).
//	@tag.name					money
//	@tag.description			Workspace economics, value drivers: what an improvement is worth.
//	@tag.name					contacts
//	@tag.description			Why customers contact us: contact reasons and their volumes, and customer feedback.
//	@tag.name					pilots
//	@tag.description			Time-boxed tests of an idea: size them, define their metrics, enter samples or upload raw observations, start, complete with a decision, and read the results (JSON and forest plot).
//	@tag.name					reports
//	@tag.description			The Monday reports: blind spots, coverage, the impact ledger, and a journey's heatmap (JSON and chart).
//	@tag.name					webhooks
//	@tag.description			Integrate: the event feed (GET /api/v1/events, every change in commit order, any role) and webhooks (admin) that POST each event to your URL, signed as Standard Webhooks asks, at least once: de-duplicate by the event id (the webhook-id header).
//	@tag.name					monitoring
//	@tag.description			Liveness, readiness and Prometheus metrics, for load balancers and monitoring systems: no API key needed.
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				API key of a workspace, sent as "Bearer <key>". Roles: viewer (read), editor (write), admin (keys).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/domain/demo"
	"cxbacklog/repository"
	"cxbacklog/repository/backup"
	"cxbacklog/repository/pgcluster"
)

const usage = `usage: cxbacklog [command]

commands:
  serve                         run the HTTP API (default)
  migrate up|down|status        apply, roll back one, or list migrations
  keys create --workspace SLUG --role admin|editor|viewer [--name NAME] [--create-workspace]
                                create an API key in a workspace (a new workspace only with
                                --create-workspace); prints the key
  keys revoke KEY_ID            revoke an API key
  demo [--new-key]              create workspace "demo" with sample data (loaded once), print
                                an admin key for it the first time (again with --new-key) and
                                URLs to try at the address the running server listens on
  backup [--out FILE]           a consistent backup of the database while the service runs
                                (pg_dump custom format; default ./cxbacklog-YYYYMMDD-HHMMSS.dump);
                                prints the file, its size and what it holds
  restore FILE [--force]        restore a backup into a new data directory ($CXB_DATA_DIR) or
                                the empty database at DATABASE_URL (--force: replace what it
                                holds), then apply the migrations; not while serve runs on it
  upgrade                       move the private cluster to the newest installed PostgreSQL
                                major version (PG_BIN_NEW names another bin dir), keeping the
                                old cluster beside it; not while serve runs on it

environment:
  DATABASE_URL   PostgreSQL URL; unset: a private cluster under $CXB_DATA_DIR/postgres
  DATABASE_REPLICA_URL  a streaming standby of DATABASE_URL for the API's reads (default none)
  REPLICA_MAX_LAG       reads go to the primary while the standby lags more (default 1s)
  HTTP_ADDR      listen address (default :8080)
  CXB_DATA_DIR   data directory for the private cluster (default ./.data)
  LOG_LEVEL      debug, info, warn or error (default info)
  TRUSTED_PROXIES  comma-separated CIDRs of proxies whose X-Forwarded-For names the client
                 (default none: the client is the connection's peer)

webhooks:
  WEBHOOK_ALLOW_HOSTS    comma-separated host, host:port or CIDR a webhook may reach although
                         private or loopback, and over http (tests and development only;
                         default none: https to public addresses only)
  WEBHOOK_POLL_INTERVAL  how often the dispatcher looks for new events and due deliveries
                         (default 1s)
  WEBHOOK_RETENTION      how long delivered and failed deliveries are kept (default 720h,
                         30 days); pending ones are kept until they end

housekeeping:
  HOUSEKEEPING_EVERY     how often expired Idempotency-Key responses, ended sessions and old
                         webhook deliveries are purged (default 10m; 0 disables); with several
                         replicas one at a time does it (a PostgreSQL advisory lock)

limits (per process; 0 disables one; with N replicas a client gets N times each):
  RATE_LIMIT_KEY_RPS, RATE_LIMIT_KEY_BURST              per API key (default 50, 100)
  RATE_LIMIT_WORKSPACE_RPS, RATE_LIMIT_WORKSPACE_BURST  all keys of a workspace together (default 100, 200)
  RATE_LIMIT_WORKSPACE_IN_FLIGHT   requests of one workspace served at once; more wait up to 2 s
                                   (default half the CPUs, at least 1)
  RATE_LIMIT_AUTH_FAILURE_RPS, RATE_LIMIT_AUTH_FAILURE_BURST
                                   failed authentications per client address (default 1, 20)
  RATE_LIMIT_ACTIVE_KEYS           active API keys per workspace (default 100)
  RATE_LIMIT_UPLOADS, RATE_LIMIT_UPLOADS_PER_WORKSPACE
                                   observation uploads in flight (default 16, 4)

scheduled backups (serve):
  BACKUP_DIR     directory for a backup every BACKUP_EVERY (default unset: none); with several
                 replicas one at a time backs up (a PostgreSQL advisory lock)
  BACKUP_EVERY   interval between backups (default 24h, at least 1m)
  BACKUP_KEEP    backups kept in BACKUP_DIR; older ones are removed (default 7)

API key cache:
  KEY_CACHE_TTL  how long a verified key is used without a database lookup (default 5s; 0
                 disables); a revocation by any replica reaches every cache at once
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cxbacklog:", err)
		os.Exit(exitCode(err))
	}
}

// config is read from the environment once, and checked.
type config struct {
	databaseURL string
	replicaURL  string        // DATABASE_REPLICA_URL; serve alone uses it
	replicaLag  time.Duration // REPLICA_MAX_LAG
	httpAddr    string
	dataDir     string
	logLevel    slog.Level
	api         api.Config
}

func loadConfig() (config, error) {
	cfg := config{
		databaseURL: os.Getenv("DATABASE_URL"),
		replicaURL:  os.Getenv("DATABASE_REPLICA_URL"),
		replicaLag:  time.Second,
		httpAddr:    envOr("HTTP_ADDR", ":8080"),
		dataDir:     envOr("CXB_DATA_DIR", "./.data"),
	}
	if _, _, err := net.SplitHostPort(cfg.httpAddr); err != nil {
		return cfg, fmt.Errorf("HTTP_ADDR %q is not host:port (e.g. :8080 or 127.0.0.1:8080)", cfg.httpAddr)
	}
	if cfg.replicaURL != "" && cfg.databaseURL == "" {
		return cfg, errors.New("DATABASE_REPLICA_URL needs DATABASE_URL: a standby of the private cluster is not supported")
	}
	if v := os.Getenv("REPLICA_MAX_LAG"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond || d > time.Minute {
			return cfg, fmt.Errorf("REPLICA_MAX_LAG=%q: want a duration from 100ms to 1m, e.g. 1s", v)
		}
		cfg.replicaLag = d
	}
	if err := cfg.logLevel.UnmarshalText([]byte(envOr("LOG_LEVEL", "info"))); err != nil {
		return cfg, fmt.Errorf("LOG_LEVEL %q is not one of debug, info, warn, error", os.Getenv("LOG_LEVEL"))
	}
	var err error
	cfg.api, err = apiConfig()
	return cfg, err
}

// apiConfig is api.DefaultConfig with the limits the environment sets.
func apiConfig() (api.Config, error) {
	c := api.DefaultConfig
	c.Clock = time.Now // one clock for the API and the store
	l := &c.Limits
	for _, f := range []struct {
		name string
		dst  any
	}{
		{"RATE_LIMIT_KEY_RPS", &l.RatePerKey}, {"RATE_LIMIT_KEY_BURST", &l.BurstPerKey},
		{"RATE_LIMIT_WORKSPACE_RPS", &l.RatePerWorkspace}, {"RATE_LIMIT_WORKSPACE_BURST", &l.BurstPerWorkspace},
		{"RATE_LIMIT_WORKSPACE_IN_FLIGHT", &l.InFlightPerWorkspace},
		{"RATE_LIMIT_AUTH_FAILURE_RPS", &l.AuthFailureRate}, {"RATE_LIMIT_AUTH_FAILURE_BURST", &l.AuthFailureBurst},
		{"RATE_LIMIT_ACTIVE_KEYS", &l.ActiveKeys},
		{"RATE_LIMIT_UPLOADS", &c.UploadsInFlight}, {"RATE_LIMIT_UPLOADS_PER_WORKSPACE", &c.UploadsPerWorkspace},
	} {
		if err := envNumber(f.name, f.dst); err != nil {
			return c, err
		}
	}
	for _, cidr := range strings.FieldsFunc(os.Getenv("TRUSTED_PROXIES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			return c, fmt.Errorf("TRUSTED_PROXIES: %q is not a CIDR such as 10.0.0.0/8", cidr)
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	allow, err := domain.ParseHostAllowList(os.Getenv("WEBHOOK_ALLOW_HOSTS"))
	if err != nil {
		return c, fmt.Errorf("WEBHOOK_ALLOW_HOSTS: %w", err)
	}
	c.WebhookAllow = allow
	if v := os.Getenv("WEBHOOK_POLL_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Millisecond || d > time.Hour {
			return c, fmt.Errorf("WEBHOOK_POLL_INTERVAL=%q: want a duration from 10ms to 1h, e.g. 1s or 500ms", v)
		}
		c.WebhookPoll = d
	}
	if v := os.Getenv("KEY_CACHE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return c, fmt.Errorf("KEY_CACHE_TTL=%q: want 0 (off) or a duration up to 1m, e.g. 5s", v)
		}
		c.KeyCacheTTL = d
	}
	if v := os.Getenv("HOUSEKEEPING_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d != 0 && (d < 100*time.Millisecond || d > 24*time.Hour) {
			return c, fmt.Errorf("HOUSEKEEPING_EVERY=%q: want 0 (off) or a duration from 100ms to 24h, e.g. 10m", v)
		}
		c.HousekeepingEvery = d
	}
	if v := os.Getenv("WEBHOOK_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Hour {
			return c, fmt.Errorf("WEBHOOK_RETENTION=%q: want a duration of at least 1h, e.g. 720h (30 days)", v)
		}
		c.WebhookRetention = d
	}
	return c, nil
}

// envNumber sets *dst (an *int or *float64) from the variable name when it
// is set; it must be a number of at least 0.
func envNumber(name string, dst any) error {
	v := os.Getenv(name)
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		return fmt.Errorf("%s=%q: want a number of at least 0 (0 disables the limit)", name, v)
	}
	switch d := dst.(type) {
	case *float64:
		*d = f
	case *int:
		if f != math.Trunc(f) || f > math.MaxInt32 {
			return fmt.Errorf("%s=%q: want a whole number of at least 0 (0 disables the limit)", name, v)
		}
		*d = int(f)
	}
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(cfg, log, stdout)
	case "migrate":
		return migrate(cfg, log, args, stdout)
	case "keys":
		return keys(cfg, log, args, stdout)
	case "demo":
		return loadDemo(cfg, log, args, stdout)
	case "backup":
		return backupCommand(cfg, log, args, stdout)
	case "restore":
		return restoreCommand(cfg, log, args, stdout)
	case "upgrade":
		return upgradeCluster(cfg, log, args, stdout)
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	return fmt.Errorf("unknown command %q; run 'cxbacklog help'", cmd)
}

// database opens the configured database, or the private cluster when
// DATABASE_URL is unset. shared lets a CLI command use the cluster a running
// server already manages. close stops whatever was started.
func database(ctx context.Context, cfg config, log *slog.Logger, shared bool) (store *repository.Store, close func(), err error) {
	if cfg.databaseURL != "" {
		opts := repository.Options{Clock: cfg.api.Clock}
		if !shared { // the server; the CLI's commands write, on the primary
			opts.ReplicaURL, opts.ReplicaMaxLag, opts.Log = cfg.replicaURL, cfg.replicaLag, log
		}
		store, err := repository.Open(ctx, cfg.databaseURL, opts)
		if err != nil {
			return nil, nil, err
		}
		return store, func() { _ = store.Close() }, nil
	}
	dbURL, stop, err := databaseURL(ctx, cfg, log, shared)
	if err != nil {
		return nil, nil, err
	}
	store, err = repository.Open(ctx, dbURL, repository.Options{Clock: cfg.api.Clock})
	if err != nil {
		stop()
		return nil, nil, err
	}
	return store, func() { _ = store.Close(); stop() }, nil
}

func serve(cfg config, log *slog.Logger, stdout io.Writer) error {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	if _, err := backupSchedule(); err != nil { // before anything starts
		return err
	}
	// The port first: a first start that created the workspace and printed
	// its one-time key, then failed to listen, would leave the next start
	// nothing to print.
	ln, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return listenError(cfg.httpAddr, err)
	}
	defer ln.Close()
	base := "http://" + hostPort(ln.Addr().String())
	store, closeDB, err := database(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := store.MigrateUp(ctx); err != nil {
		return err
	}
	if err := bootstrap(ctx, store, base, stdout); err != nil {
		return err
	}
	forget, err := rememberAddress(cfg.dataDir, base)
	if err != nil {
		return err
	}
	defer forget()
	apiServer := api.New(store, log, cfg.api)
	// The cache of verified keys hears of revocations by any replica while
	// its watcher runs (without it the cache is not used); it stops with the server.
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { apiServer.WatchKeys(watchCtx); close(watched) }()
	defer func() { stopWatch(); <-watched }()
	srv := &http.Server{
		Handler:           apiServer.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	// The webhook dispatcher runs beside the server and stops with it; the
	// deferred wait comes before the database closes.
	dispatchCtx, stopDispatch := context.WithCancel(ctx)
	dispatched := make(chan struct{})
	go func() { api.NewDispatcher(store, log, cfg.api).Run(dispatchCtx); close(dispatched) }()
	defer func() { stopDispatch(); <-dispatched }()
	// So do scheduled backups, when BACKUP_DIR is set.
	stopBackups, err := scheduleBackups(dispatchCtx, cfg, log, store)
	if err != nil {
		return err
	}
	defer stopBackups()
	// So does housekeeping; every replica runs it, one at a time purges.
	housekept := make(chan struct{})
	go func() { api.NewHousekeeper(store, log, cfg.api).Run(dispatchCtx); close(housekept) }()
	defer func() { stopDispatch(); <-housekept }()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "swagger", base+"/swagger/index.html")
	fmt.Fprintf(stdout, "Listening on %s (web workspace: %s/)\nDemo data: run ./cxbacklog demo in another terminal (workspace \"demo\"; prints an admin key and URLs to try)\n", base, base)
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, done := context.WithTimeout(context.Background(), 25*time.Second)
	defer done()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// listenError says what to do when the address cannot be had.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s is in use by another program; set HTTP_ADDR to a free address, e.g. HTTP_ADDR=:8081 make run", addr)
	}
	return fmt.Errorf("listen on %s: %w (set HTTP_ADDR to another address)", addr, err)
}

// addressFile holds, while a server runs, the base URL it listens on, so
// that the CLI (cxbacklog demo) prints links that work.
func addressFile(dataDir string) string { return filepath.Join(dataDir, "server-address") }

// rememberAddress writes the base URL to the address file; forget removes it.
func rememberAddress(dataDir, base string) (forget func(), err error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	path := addressFile(dataDir)
	if err := os.WriteFile(path, []byte(base+"\n"), 0o600); err != nil {
		return nil, err
	}
	return func() { _ = os.Remove(path) }, nil
}

// serverBase is the base URL of the running server, from the address file;
// without one (no server running), the one HTTP_ADDR gives, and false.
func serverBase(cfg config) (string, bool) {
	if b, err := os.ReadFile(addressFile(cfg.dataDir)); err == nil {
		if base := strings.TrimSpace(string(b)); base != "" {
			return base, true
		}
	}
	return "http://" + hostPort(cfg.httpAddr), false
}

// bootstrap gives an empty database its first workspace and admin key, and
// prints them once: the only way in on a fresh install.
func bootstrap(ctx context.Context, store *repository.Store, base string, stdout io.Writer) error {
	n, err := store.CountWorkspaces(ctx)
	if err != nil || n > 0 {
		return err
	}
	ws, _, err := store.EnsureWorkspace(ctx, domain.DefaultWorkspaceSlug)
	if err != nil {
		return err
	}
	token, err := createKey(ctx, store, ws.ID, domain.RoleAdmin, "bootstrap admin")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, `
First start: created workspace %q with an admin API key (shown only this once):

  export CXB_KEY=%s
  curl -H "Authorization: Bearer $CXB_KEY" %s/api/v1/journeys

Web workspace: %s/ (sign in with the key)
Swagger UI:    %s/swagger/index.html

`, ws.Slug, token, base, base, base)
	return err
}

// hostPort turns a listen address into one a local client can use.
func hostPort(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func createKey(ctx context.Context, store *repository.Store, workspaceID string, role domain.Role, name string) (string, error) {
	id, token := domain.NewKeyToken()
	key := &domain.APIKey{ID: id, WorkspaceID: workspaceID, Name: name, Role: role, SecretHash: domain.HashToken(token)}
	if err := key.Validate(time.Now()); err != nil {
		return "", err
	}
	return token, store.CreateKey(ctx, key)
}

func migrate(cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: cxbacklog migrate up|down|status")
	}
	ctx := context.Background()
	store, closeDB, err := database(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer closeDB()
	switch args[0] {
	case "up":
		return store.MigrateUp(ctx)
	case "down":
		return store.MigrateDown(ctx)
	case "status":
		return store.MigrationStatus(ctx, stdout)
	}
	return fmt.Errorf("unknown migrate command %q; use up, down or status", args[0])
}

func keys(cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: cxbacklog keys create|revoke ...")
	}
	switch args[0] {
	case "create":
		return keysCreate(cfg, log, args[1:], stdout)
	case "revoke":
		return keysRevoke(cfg, log, args[1:], stdout)
	}
	return fmt.Errorf("unknown keys command %q; use create or revoke", args[0])
}

func keysCreate(cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slug := fs.String("workspace", "", "workspace slug")
	roleName := fs.String("role", "", "admin, editor or viewer")
	name := fs.String("name", "", "a name for the key (default: the role)")
	create := fs.Bool("create-workspace", false, "create the workspace if it does not exist")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errors.New("usage: cxbacklog keys create --workspace SLUG --role admin|editor|viewer [--name NAME] [--create-workspace]")
	}
	role, ok := domain.ParseRole(*roleName)
	if !ok {
		return fmt.Errorf("--role %q is not one of admin, editor, viewer", *roleName)
	}
	if err := domain.ValidateSlug(*slug); err != nil {
		return fmt.Errorf("--workspace: %w", err)
	}
	if *name == "" {
		*name = string(role)
	}
	ctx := context.Background()
	store, closeDB, err := database(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := store.MigrateUp(ctx); err != nil {
		return err
	}
	ws, err := keyWorkspace(ctx, store, *slug, *create)
	if err != nil {
		return err
	}
	token, err := createKey(ctx, store, ws.ID, role, *name)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

// keyWorkspace is the workspace a new key goes to. A slug that names none is
// refused unless create is set: a typo (--workspace defualt) must not
// quietly make a new, empty workspace.
func keyWorkspace(ctx context.Context, store *repository.Store, slug string, create bool) (*domain.Workspace, error) {
	all, err := store.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	slugs := make([]string, len(all))
	for n, ws := range all {
		if ws.Slug == slug {
			return &all[n], nil
		}
		slugs[n] = ws.Slug
	}
	if !create {
		return nil, fmt.Errorf("no workspace %q (there are: %s); to create it, add --create-workspace", slug, strings.Join(slugs, ", "))
	}
	ws, _, err := store.EnsureWorkspace(ctx, slug)
	return ws, err
}

func keysRevoke(cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || !domain.IsID(args[0]) {
		return errors.New("usage: cxbacklog keys revoke KEY_ID (the key's id, a UUID)")
	}
	ctx := context.Background()
	store, closeDB, err := database(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer closeDB()
	key, err := store.GetKey(ctx, args[0])
	if err != nil {
		return err
	}
	if _, err := store.RevokeKey(ctx, key.WorkspaceID, key.ID); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "revoked key %s (%s)\n", key.ID, key.Name)
	return err
}

// usageError is a command line the command cannot take: main exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitCode is 2 for a bad command line, else 1.
func exitCode(err error) int {
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

// backupSchedule reads BACKUP_DIR, BACKUP_EVERY and BACKUP_KEEP; Dir ""
// means no scheduled backups.
func backupSchedule() (backup.Schedule, error) {
	s := backup.Schedule{Dir: os.Getenv("BACKUP_DIR"), Every: 24 * time.Hour, Keep: 7}
	if v := os.Getenv("BACKUP_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return s, fmt.Errorf("BACKUP_EVERY=%q: want a duration of at least 1m, e.g. 24h or 6h", v)
		}
		s.Every = d
	}
	if v := os.Getenv("BACKUP_KEEP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s, fmt.Errorf("BACKUP_KEEP=%q: want a whole number of at least 1", v)
		}
		s.Keep = n
	}
	return s, nil
}

// scheduleBackups starts scheduled backups into BACKUP_DIR, if set, beside
// the server; stop ends them and waits (a backup in progress is abandoned,
// its temporary file removed).
func scheduleBackups(ctx context.Context, cfg config, log *slog.Logger, store *repository.Store) (stop func(), err error) {
	sched, err := backupSchedule()
	if err != nil || sched.Dir == "" {
		return func() {}, err
	}
	if err := os.MkdirAll(sched.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("BACKUP_DIR: %w", err)
	}
	dbURL, closeURL, err := databaseURL(ctx, cfg, log, true)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { backup.NewScheduler(store.SQL(), dbURL, sched, log).Run(ctx); close(done) }()
	log.Info("scheduled backups", "dir", sched.Dir, "every", sched.Every.String(), "keep", sched.Keep)
	return func() { cancel(); <-done; closeURL() }, nil
}

// databaseURL is the URL of the service's database: DATABASE_URL, or that
// of the private cluster, started (or, when shared, attached to if another
// process runs it) with the database created; close stops what was started.
func databaseURL(ctx context.Context, cfg config, log *slog.Logger, shared bool) (dbURL string, close func(), err error) {
	if cfg.databaseURL != "" {
		return cfg.databaseURL, func() {}, nil
	}
	cluster, err := pgcluster.Start(ctx, pgcluster.Options{
		Dir: filepath.Join(cfg.dataDir, "postgres"), Logger: log, Shared: shared,
	})
	if err != nil {
		return "", nil, err
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(ctx); err != nil {
			log.Error("stop PostgreSQL", "error", err.Error())
		}
	}
	if err := repository.EnsureDatabase(ctx, cluster.URL("postgres"), "cxbacklog"); err != nil {
		stop()
		return "", nil, err
	}
	return cluster.URL("cxbacklog"), stop, nil
}

// backupCommand dumps the database into a file while the service may run.
func backupCommand(cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "the file to write")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{"usage: cxbacklog backup [--out FILE]"}
	}
	if *out == "" {
		*out = backup.FileName(time.Now())
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists; choose another --out or remove it", *out)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	dbURL, closeURL, err := databaseURL(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer closeURL()
	start := time.Now()
	size, counts, err := backup.DumpFileCounts(ctx, dbURL, *out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: %s in %.1fs\nit holds %s\nrestore it with: cxbacklog restore %s\n",
		*out, byteSize(size), time.Since(start).Seconds(), counts, *out)
	return err
}

// restoreCommand restores a backup into a new data directory or an empty
// database, then migrates it to the current schema.
func restoreCommand(cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	force := fs.Bool("force", false, "replace what the database holds")
	err := fs.Parse(args)
	var file string
	if err == nil && fs.NArg() > 0 { // flags may follow the file too
		file = fs.Arg(0)
		err = fs.Parse(fs.Args()[1:])
	}
	if err != nil || file == "" || fs.NArg() > 0 {
		return usageError{"usage: cxbacklog restore FILE [--force]"}
	}
	if fi, err := os.Stat(file); err != nil || fi.IsDir() {
		return fmt.Errorf("restore: %s is not a backup file: %v", file, err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	where := "the database at " + backup.Describe(cfg.databaseURL)
	if cfg.databaseURL == "" {
		where = "the private cluster in " + filepath.Join(cfg.dataDir, "postgres")
	}
	// Not shared: restoring under a running server would mix its writes in.
	dbURL, closeURL, err := databaseURL(ctx, cfg, log, false)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer closeURL()
	start := time.Now()
	if err := backup.Restore(ctx, dbURL, file, *force); err != nil {
		return fmt.Errorf("restore into %s: %w", where, err)
	}
	store, err := repository.Open(ctx, dbURL, repository.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.MigrateUp(ctx); err != nil {
		return fmt.Errorf("restore: restored, but the migrations failed: %w", err)
	}
	counts, err := backup.Summary(ctx, store.SQL())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "restored %s into %s in %.1fs (migrations applied)\nit holds %s\n", file, where, time.Since(start).Seconds(), counts)
	return err
}

// byteSize is n in B, kB, MB or GB.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, prefix := float64(n), ""
	for _, p := range []string{"kB", "MB", "GB", "TB"} {
		f, prefix = f/unit, p
		if f < unit {
			break
		}
	}
	return fmt.Sprintf("%.1f %s", f, prefix)
}

// loadDemo creates workspace "demo", loads the demo data into it unless it has
// journeys already, and prints requests to try, with a new admin key when
// the data was loaded now or when asked for one.
func loadDemo(cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	newKey := fs.Bool("new-key", false, "print a new admin key even if the demo was loaded before")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errors.New("usage: cxbacklog demo [--new-key]")
	}
	ctx := context.Background()
	store, closeDB, err := database(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := store.MigrateUp(ctx); err != nil {
		return err
	}
	ws, _, err := store.EnsureWorkspace(ctx, demo.Workspace)
	if err != nil {
		return err
	}
	loaded := true
	switch err := demo.Load(ctx, store, ws.ID, "demo", time.Now()); {
	case errors.Is(err, demo.ErrNotEmpty):
		loaded = false
	case err != nil:
		return err
	}
	links, err := demo.Links(ctx, store, ws.ID)
	if err != nil {
		return err
	}
	base, running := serverBase(cfg)
	if loaded {
		fmt.Fprintf(stdout, "Workspace %q: loaded %s.\n", ws.Slug, demo.Summary())
	} else {
		fmt.Fprintf(stdout, "Workspace %q has journeys already: nothing loaded (the demo loads only into an empty workspace).\n", ws.Slug)
	}
	if loaded || *newKey {
		token, err := createKey(ctx, store, ws.ID, domain.RoleAdmin, "demo admin")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nA new admin API key for it (shown only this once):\n\n  export CXB_KEY=%s\n", token)
	} else {
		fmt.Fprintln(stdout, "\nUse the admin key printed when it was loaded (export CXB_KEY=...), or run ./cxbacklog demo --new-key for a new one.")
	}
	fmt.Fprintf(stdout, "\nIn a browser: %s/ (sign in with the key).\n", base)
	if !running {
		fmt.Fprintf(stdout, "\nNo server is running on this data directory: start one with make run (the links assume %s).\n", base)
	}
	fmt.Fprintln(stdout, "\nRequests to try:")
	for _, l := range links {
		save := ""
		if l.File != "" {
			save = " -o " + l.File
		}
		fmt.Fprintf(stdout, "\n  # %s\n  curl -fsSH \"Authorization: Bearer $CXB_KEY\"%s '%s%s'\n", l.Title, save, base, l.Path)
	}
	_, err = fmt.Fprintln(stdout, "\nOpen the saved .svg charts in a browser.")
	return err
}

// upgradeCluster moves the private cluster to the newest installed
// PostgreSQL major version (or PG_BIN_NEW's) and says what it did.
func upgradeCluster(cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return errors.New("usage: cxbacklog upgrade (PG_BIN_NEW=DIR names the bin directory to upgrade to; default the newest installed)")
	}
	if cfg.databaseURL != "" {
		return errors.New("DATABASE_URL is set: cxbacklog upgrade upgrades only the private cluster under CXB_DATA_DIR; " +
			"a managed PostgreSQL server is upgraded by its operator, or move the data with cxbacklog backup and cxbacklog restore")
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	res, err := pgcluster.Upgrade(ctx, pgcluster.UpgradeOptions{
		Dir: filepath.Join(cfg.dataDir, "postgres"), NewBin: os.Getenv("PG_BIN_NEW"), Database: "cxbacklog",
		Logger: log, Progress: stdout,
		// The service's own view of the new cluster: it connects, reads
		// the migrations applied and the workspaces.
		Check: func(ctx context.Context, url string) error {
			store, err := repository.Open(ctx, url, repository.Options{Clock: cfg.api.Clock})
			if err != nil {
				return err
			}
			defer store.Close()
			if err := store.MigrationStatus(ctx, io.Discard); err != nil {
				return err
			}
			_, err = store.CountWorkspaces(ctx)
			return err
		},
	})
	if err != nil {
		return err
	}
	installed := strings.Join(res.Installed, ", ")
	if !res.Upgraded {
		next := "NN"
		if n, err := strconv.Atoi(res.To); err == nil {
			next = strconv.Itoa(n + 1)
		}
		_, err := fmt.Fprintf(stdout, "The data is already on PostgreSQL %s (installed: %s); nothing to do.\n"+
			"To move to a newer major version, install it beside this one (on Debian: apt-get install -y postgresql-%s), then run cxbacklog upgrade again.\n",
			res.To, installed, next)
		return err
	}
	held := "no cxbacklog database yet"
	if res.Rows != nil {
		held = fmt.Sprintf("%d ideas, %d tables, the same rows as before", res.Rows["ideas"], len(res.Rows))
	}
	_, err = fmt.Fprintf(stdout, "Upgraded %s from PostgreSQL %s to %s (%s); start the service as before.\n"+
		"The old cluster is kept, untouched, in %s: once the service runs well on PostgreSQL %s, delete it with: rm -rf '%s'\n",
		filepath.Join(cfg.dataDir, "postgres"), res.From, res.To, held, res.OldDir, res.To, res.OldDir)
	return err
}
