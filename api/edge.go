package api

import (
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
)

// The middleware here guards the HTTP edge against what anonymous clients
// control: method names, paths and request headers.

// unmatchedRoute is the one url label of every request no registered route
// answers (404, 405, invented methods), so that invented paths and methods
// cannot create series.
const unmatchedRoute = "unmatched"

// metricMethods are the method labels the metrics may carry; any other
// method is counted as "other". Each distinct label value is a series kept
// for the life of the process: with the raw method, 40,000 requests with
// invented methods took the process from 27 MB to 556 MB.
var metricMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodOptions: true, http.MethodConnect: true, http.MethodTrace: true,
}

// metricLabels replaces echoprometheus's default labels with values from
// fixed sets, so the number of series is bounded by registered routes ×
// methods × the statuses the server chooses, whatever clients send. The
// "code" label stays the exact status: the server, not the client, picks it.
//
// The endpoint serving these metrics is echoprometheus' handler, so its
// Swagger block is here:
//
//	@Summary		Prometheus metrics
//	@Description	The Prometheus text exposition format: request counts, latencies and sizes labelled by route template (or unmatched), standard method (or other) and status, and the Go runtime and process collectors. Needs no API key; keep it off the public network.
//	@ID				getPrometheusMetrics
//	@Tags			monitoring
//	@Produce		text/plain,application/problem+json
//	@Security
//	@Success	200		{string}	string	"Metrics in the Prometheus text format"
//	@Failure	default	{object}	Problem	"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Router		/metrics [get]
func metricLabels(e *echo.Echo) map[string]echoprometheus.LabelValueFunc {
	// Read on the first request, when every route is registered; Echo's
	// route table never changes after New.
	registered := sync.OnceValue(func() map[string]bool {
		set := map[string]bool{}
		for _, r := range e.Routes() {
			if metricMethods[r.Method] { // not the groups' catch-all 404 routes, listed under Echo's pseudo-method
				set[r.Method+" "+r.Path] = true
			}
		}
		return set
	})
	return map[string]echoprometheus.LabelValueFunc{
		// The Host header is the client's to choose.
		"host": func(echo.Context, error) string { return "" },
		"method": func(c echo.Context, _ error) string {
			if m := c.Request().Method; metricMethods[m] {
				return m
			}
			return "other"
		},
		// c.Path() alone is not enough: for a 405 it is the path of the route
		// that has other methods, and for a 404 under /api/v1 it is the
		// group's catch-all "/api/v1/*".
		"url": func(c echo.Context, _ error) string {
			if registered()[c.Request().Method+" "+c.Path()] {
				return c.Path()
			}
			return unmatchedRoute
		},
	}
}

// maxRequestIDLength bounds a client's X-Request-Id: it is echoed, logged
// with every line and shown as a problem's instance.
const maxRequestIDLength = 64

// dropUnsafeRequestID removes an X-Request-Id that is not a short token of
// [A-Za-z0-9._-], so that middleware.RequestID, which runs next, generates
// one instead. Removing it from the request matters: the request logger
// reads the request's header before the response's (a 900 KB id became a
// 900 KB log line).
func dropUnsafeRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if !isSafeRequestID(h.Get(echo.HeaderXRequestID)) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}

func isSafeRequestID(id string) bool {
	if len(id) > maxRequestIDLength {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Content security policies. A browser may be led to any URL of the
// service, so every response says what it may do when opened directly.
const (
	// Data answers (JSON, problems, text) run nothing and load nothing.
	cspData = "default-src 'none'; frame-ancestors 'none'"
	// A chart is styled by inline attributes; opened directly it must not
	// run script or load anything.
	cspSVG = "default-src 'none'; style-src 'unsafe-inline'"
	// Swagger UI (echo-swagger v1.4.1) needs, as checked in headless
	// Chromium: its bundle and preset scripts from 'self'; its one inline
	// bootstrap <script>, allowed by hash rather than 'unsafe-inline'
	// (TestSecurityHeaders recomputes the hash from the served page, so a
	// changed template fails the test); inline styles, for the page's <style>
	// block and the style attribute of its icon sprite (an attribute takes a
	// hash only with 'unsafe-hashes'; styles run no script); data: images,
	// the icons of swagger-ui.css; and connect-src 'self' to fetch doc.json
	// and send "Try it out" requests.
	cspSwagger = "default-src 'none'; script-src 'self' 'sha256-qIKVEJ65048l30QrbtKnxllv3jYdiAnCC1aw7CA93vY='; " +
		"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

// swaggerRoute is where the Swagger UI and the spec are served.
const swaggerRoute = "/swagger/*"

// securityHeaders sets the headers every response carries. The fixed ones
// are set before the handler runs, because echo-swagger writes its index
// page past echo.Response (whose Before hooks never see it); handlers may
// override them (the charts choose their own Cache-Control). The policy of
// an SVG depends on the final Content-Type, so a Before hook sets it.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		h := res.Header()
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		h.Set(echo.HeaderXFrameOptions, "DENY")
		h.Set(echo.HeaderReferrerPolicy, "no-referrer")
		// Answers are per key (and one carries a new key's secret): no cache
		// on the way may keep them.
		h.Set(echo.HeaderCacheControl, "no-store")
		if c.Path() == swaggerRoute {
			h.Set(echo.HeaderContentSecurityPolicy, cspSwagger)
		} else {
			h.Set(echo.HeaderContentSecurityPolicy, cspData)
			res.Before(func() {
				if strings.HasPrefix(h.Get(echo.HeaderContentType), "image/svg+xml") {
					h.Set(echo.HeaderContentSecurityPolicy, cspSVG)
				}
			})
		}
		return next(c)
	}
}

// adder is what routes are registered on: Echo itself or a group.
type adder interface {
	Add(method, path string, handler echo.HandlerFunc, middleware ...echo.MiddlewareFunc) *echo.Route
}

// getAndHead registers a GET route and HEAD on the same handler, since Echo
// answers HEAD only where it is registered. The handler's body is discarded
// by net/http for HEAD.
func getAndHead(r adder, path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	r.Add(http.MethodGet, path, h, mw...)
	r.Add(http.MethodHead, path, h, mw...)
}

// headAsGet presents a HEAD request to h as a GET, for handlers that refuse
// other methods themselves (echo-swagger answers 405 to anything but GET).
func headAsGet(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		orig := c.Request()
		if orig.Method != http.MethodHead {
			return h(c)
		}
		get := orig.Clone(orig.Context())
		get.Method = http.MethodGet
		c.SetRequest(get)
		defer c.SetRequest(orig) // the logger and the metrics report the method that came
		return h(c)
	}
}
