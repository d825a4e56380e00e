// Package api is cxbacklog's HTTP interface: routes, middleware, wire types,
// Swagger annotations, and the mapping of domain errors to problem+json.
package api

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"cxbacklog/api/web"
	_ "cxbacklog/docs" // registers the generated spec served at /swagger/doc.json
	"cxbacklog/domain"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	echoSwagger "github.com/swaggo/echo-swagger"
)

// Store is everything the API needs from storage.
type Store interface {
	domain.KeyStore
	domain.KeyRevocationWatcher
	domain.JourneyStore
	domain.TouchpointStore
	domain.Transactor
	domain.IdempotencyStore
	domain.IdeaStore
	domain.PilotStore
	domain.CatalogueStore
	domain.MeasurementStore
	domain.ReportStore
	domain.SessionStore
	domain.WebhookStore
	domain.MoneyStore
	domain.ValueReportStore
	domain.ContactStore
	domain.ContactReportStore
	domain.EvidenceStore
	domain.FeedbackStore
	domain.DataVersionStore
	Ping(ctx context.Context) error
}

// Config holds the HTTP limits.
type Config struct {
	BodyLimit      string        // e.g. "1M"
	RequestTimeout time.Duration // per request, including database work
	BulkBodyLimit  string        // for raw observation uploads (up to 1,000,000 rows)
	BulkTimeout    time.Duration // for raw observation uploads
	Limits                       // rate and concurrency budgets (limits.go)
	// TrustedProxies are the networks (CIDR) of proxies whose
	// X-Forwarded-For names the client; without them the client is the
	// connection's peer, which a client cannot forge.
	TrustedProxies []*net.IPNet
	// Clock is the time of the server's decisions (pilot results, key
	// expiry, rate budgets); nil means time.Now. main gives the API and the
	// store the same one.
	Clock func() time.Time

	// Uploads are received into a temporary file first; only then do they
	// take one of UploadsStoring database connections, so a slow client
	// never holds one. A client sending slower than MinUploadRate bytes/s on
	// average after UploadGrace is cut off with 408.
	UploadsInFlight     int // uploads being received or stored at once, overall
	UploadsPerWorkspace int // uploads being received or stored at once, per workspace
	UploadsStoring      int // uploads holding a database connection at once
	MinUploadRate       int64
	UploadGrace         time.Duration

	// Webhooks (webhooks.go, webhooks_dispatch.go). WebhookAllow names the
	// hosts and networks a webhook may reach although they are private or
	// loopback, and over http (WEBHOOK_ALLOW_HOSTS: tests and development).
	// A zero value below takes the default in brackets.
	WebhookAllow        domain.HostAllowList
	WebhookPoll         time.Duration // how often the dispatcher looks for events and due deliveries [1 s]
	WebhookTimeout      time.Duration // one delivery attempt, from connecting to the answer's headers [15 s]
	WebhookRetryBase    time.Duration // the delay after a first failed attempt; each next one is 3 times longer [10 s]
	WebhookRetryMax     time.Duration // the longest delay between attempts [4 h]
	WebhookRetryFor     time.Duration // how long a delivery is retried before it fails for good [24 h]
	WebhookDisableAfter int           // deliveries failed for good in a row that turn a webhook off [5]

	// ChartCacheBytes bounds the drawn charts kept for repeated views
	// (chartcache.go) [32 MiB].
	ChartCacheBytes int64

	// Verified API keys are cached for KeyCacheTTL (0: not at all), up to
	// KeyCacheSize of them, while WatchKeys runs (keycache.go).
	KeyCacheTTL  time.Duration
	KeyCacheSize int

	// Housekeeping (housekeeping.go): how often a replica purges expired
	// Idempotency-Key responses, ended sessions and old webhook deliveries
	// (0 disables it), and how long a finished delivery is kept [30 days].
	HousekeepingEvery time.Duration
	WebhookRetention  time.Duration
}

// DefaultConfig is what the service runs with unless told otherwise. Two
// storing uploads leave 6 of the default pool's 8 connections to ordinary
// requests.
var DefaultConfig = Config{BodyLimit: "1M", RequestTimeout: 15 * time.Second, BulkBodyLimit: "256M", BulkTimeout: 5 * time.Minute,
	Limits:          DefaultLimits,
	UploadsInFlight: 16, UploadsPerWorkspace: 4, UploadsStoring: 2, MinUploadRate: 16 << 10, UploadGrace: 10 * time.Second,
	HousekeepingEvery: domain.DefaultHousekeepingEvery,
	KeyCacheTTL:       5 * time.Second, KeyCacheSize: 10_000}

// Server is the HTTP interface on top of a Store.
type Server struct {
	store    Store
	log      *slog.Logger
	echo     *echo.Echo
	routes   []Route
	now      func() time.Time
	cfg      Config
	uploads  *uploadGate
	failures *failureThrottle
	budgets  *budgets
	charts   *chartCache
	keys     *keyCache
	pilots   domain.PilotActions
	pages    []web.Route
}

// Route is one registered endpoint and the least role it needs ("" for
// public endpoints). Tests walk this table so that no route escapes them.
type Route struct {
	Method string
	Path   string
	Role   domain.Role
}

// New builds the router with its middleware and every route.
func New(store Store, log *slog.Logger, cfg Config) *Server {
	s := &Server{store: store, log: log, echo: echo.New(), now: cfg.Clock, cfg: cfg,
		uploads: newUploadGate(cfg), failures: newFailureThrottle(cfg.Limits), budgets: newBudgets(cfg.Limits), charts: newChartCache(cfg.ChartCacheBytes), keys: newKeyCache(cfg.KeyCacheTTL, cfg.KeyCacheSize), pilots: domain.PilotActions{Store: store}}
	if s.now == nil {
		s.now = time.Now
	}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.JSONSerializer = jsonSerializer{}
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = clientAddress(cfg.TrustedProxies)

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registry.MustRegister(s.charts.collectors()...)
	reads := newReadRouter(store, log) // nil without a read replica
	registry.MustRegister(reads.collectors()...)

	e.Use(securityHeaders)
	e.Use(dropUnsafeRequestID, middleware.RequestID())
	e.Use(s.requestLogger())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.ErrorContext(c.Request().Context(), "panic", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"error", err.Error(), "stack", string(stack))
			return err // rendered by the error handler as a generic 500 problem
		},
	}))
	e.Use(echoprometheus.NewMiddlewareWithConfig(echoprometheus.MiddlewareConfig{
		Namespace:  "cxbacklog",
		Registerer: registry,
		// Labels from fixed sets: the client's method, path and Host would
		// let anyone create unbounded series.
		LabelFuncs:         metricLabels(e),
		StatusCodeResolver: func(c echo.Context, err error) int { return responseStatus(c, err) },
	}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024, Skipper: isCached})) // charts and reports are kept gzipped (chartcache.go)
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: cfg.BodyLimit, Skipper: isUpload}))
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: cfg.RequestTimeout, Skipper: isUpload}))

	getAndHead(e, "/healthz", s.healthz)
	getAndHead(e, "/readyz", s.readyz)
	getAndHead(e, "/metrics", echoprometheus.NewHandlerWithConfig(echoprometheus.HandlerConfig{Gatherer: registry}))
	getAndHead(e, swaggerRoute, headAsGet(echoSwagger.WrapHandler))
	// The table lists the documented operations; HEAD rides along with each GET.
	s.routes = append(s.routes,
		Route{http.MethodGet, "/healthz", ""}, Route{http.MethodGet, "/readyz", ""},
		Route{http.MethodGet, "/metrics", ""}, Route{http.MethodGet, swaggerRoute, ""})

	// A workspace cannot hold every connection while another waits.
	v1 := e.Group("/api/v1", s.authenticate, newWorkspaceTurns(cfg.InFlightPerWorkspace).middleware, checkContentType, reads.middleware)
	s.apiRoutes(v1)

	s.pages = web.Register(e, web.Deps{Store: store, StatusOf: statusOfError, Clock: s.clock, Log: log,
		SignIn: func(c echo.Context, token string) (*domain.Principal, error) { return s.checkKey(c, token, s.now()) }})
	return s
}

// route registers an endpoint that takes no query parameters: one sent is
// refused, naming it, so that ?mode=replace on an import or ?limit=5 on a
// single resource is an error rather than silently nothing.
func (s *Server) route(g *echo.Group, method, path string, h echo.HandlerFunc, role domain.Role, mw ...echo.MiddlewareFunc) {
	s.routeQuery(g, method, path, h, role, append([]echo.MiddlewareFunc{refuseQuery}, mw...)...)
}

// routeQuery registers an endpoint whose handler reads its query parameters
// with newQuery or newListQuery, which refuse the ones it does not know,
// with the role it needs; for a GET also HEAD with the same role and
// middleware.
func (s *Server) routeQuery(g *echo.Group, method, path string, h echo.HandlerFunc, role domain.Role, mw ...echo.MiddlewareFunc) {
	mw = append([]echo.MiddlewareFunc{requireRole(role)}, mw...)
	if method == http.MethodGet && (strings.HasSuffix(path, ".svg") || cachedReports[path]) {
		mw = append(mw, s.cached) // every chart and report is made once per state of its data
	}
	if method == http.MethodGet {
		getAndHead(g, path, h, mw...)
	} else {
		g.Add(method, path, h, mw...)
	}
	s.routes = append(s.routes, Route{Method: method, Path: "/api/v1" + path, Role: role})
}

// cachedReports are the reports whose JSON is kept like a chart (see
// cached): each reads thousands of rows or does a test per row, and each
// depends only on its workspace's data, its query and the day.
var cachedReports = map[string]bool{"/reports/matrix": true, "/reports/blind-spots": true, "/reports/coverage": true,
	"/reports/impact": true, "/reports/value": true, "/reports/contact-reasons": true, "/journeys/:id/heatmap": true}

// isCached picks out the routes answered by cached, which sends what it
// keeps gzipped itself.
func isCached(c echo.Context) bool {
	m := c.Request().Method
	return (m == http.MethodGet || m == http.MethodHead) &&
		(strings.HasSuffix(c.Path(), ".svg") || cachedReports[strings.TrimPrefix(c.Path(), "/api/v1")])
}

// isUpload picks out the uploads, the only routes with larger limits: raw
// observations, the feedback import and the contact volume import.
func isUpload(c echo.Context) bool {
	return c.Path() == "/api/v1"+observationsPath || c.Path() == "/api/v1"+feedbackImportPath ||
		c.Path() == "/api/v1"+contactVolumeImportPath
}

// isBulk picks out the routes that read their own media types (NDJSON,
// CSV): the observation upload and the measurement and idea imports.
func isBulk(c echo.Context) bool {
	return isUpload(c) || c.Path() == "/api/v1"+measurementImportPath || c.Path() == "/api/v1"+ideaImportPath
}

// clock is the time stamped on records, in UTC and truncated to the
// microseconds PostgreSQL keeps, so a value answered equals the value stored.
func (s *Server) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Handler is the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.echo }

// Routes lists every registered endpoint.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Pages lists the web workspace's pages and form actions.
func (s *Server) Pages() []web.Route { return append([]web.Route(nil), s.pages...) }

// responseStatus is the status a request ended with, including errors not
// yet written by the error handler.
func responseStatus(c echo.Context, err error) int {
	if err != nil {
		return statusOfError(err)
	}
	return c.Response().Status
}

// requestLogger writes one structured line per request.
func (s *Server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURIPath: true, LogRoutePath: true, LogStatus: true, LogLatency: true,
		LogRequestID: true, LogError: true, HandleError: false,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			status := v.Status
			if v.Error != nil {
				status = statusOfError(v.Error)
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("request_id", v.RequestID), slog.String("method", clip(v.Method, 16)),
				slog.String("path", clip(v.URIPath, 512)), slog.String("route", v.RoutePath),
				slog.Int("status", status), slog.Float64("latency_ms", float64(v.Latency.Microseconds())/1000))
			return nil
		},
	})
}

// clip shortens what a client chose (a path, a method) for the log: one
// request must not write a megabyte-long line.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// healthz godoc
//
//	@Summary	Liveness: the process is up
//	@ID			checkLiveness
//	@Tags		monitoring
//	@Produce	json,application/problem+json
//	@Security
//	@Success	200		{object}	Health
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Router		/healthz [get]
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, Health{Status: "ok"})
}

// readyz godoc
//
//	@Summary	Readiness: the database answers
//	@ID			checkReadiness
//	@Tags		monitoring
//	@Produce	json,application/problem+json
//	@Security
//	@Success	200		{object}	Health
//	@Failure	503		{object}	Problem		"the database is unavailable"
//	@Failure	default	{object}	Problem		"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		503		{integer}	Retry-After	"Seconds to wait before retrying"
//	@Router		/readyz [get]
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "the database is unavailable; retry shortly")
	}
	return c.JSON(http.StatusOK, Health{Status: "ok"})
}

// Health is the body of the health endpoints.
type Health struct {
	Status string `json:"status" example:"ok" binding:"required"`
} // @name Health
