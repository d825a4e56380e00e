package api_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"
)

// TestMetricSeriesBounded sends what an anonymous client controls — method
// names and paths — and checks that /metrics gains no series from it: before
// the fix each invented method became a series of its own.
func TestMetricSeriesBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Without limits a kind of request keeps its status all along (with
	// them, 429s would start mid-way: a new series, but a bounded one).
	cfg := api.DefaultConfig
	cfg.Limits = api.Limits{}
	e.srv = api.New(e.store, slog.New(slog.DiscardHandler), cfg)
	rng := rand.New(rand.NewPCG(12, 2))
	token := func(n int) string {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, 1+rng.IntN(n))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	// Each kind of request answers one status whatever its random parts, so
	// one warm-up round of every kind creates every series the noise can.
	methods := []func() string{
		func() string { return "X" + token(12) },
		func() string { return http.MethodGet }, func() string { return http.MethodHead }, func() string { return http.MethodPost },
		func() string { return http.MethodPut }, func() string { return http.MethodPatch }, func() string { return http.MethodDelete },
		func() string { return http.MethodOptions }, func() string { return http.MethodTrace },
	}
	paths := []func() string{
		func() string { return "/" + token(20) },
		func() string { return "/" + token(8) + "/" + token(8) },
		func() string { return "/api/v1/" + token(20) },
		func() string { return "/api/v1/ideas/" + token(20) },
		func() string { return "/swagger/" + token(8) + ".x" },
		func() string { return "/healthz" },
		func() string { return "/metrics" },
	}
	keys := []string{"", e.viewer}
	send := func(method, path, key string) {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		e.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
	series := func() (int, string) {
		t.Helper()
		body := string(e.do(http.MethodGet, "/metrics", "", nil).want(t, http.StatusOK).Body)
		n := 0
		for line := range strings.Lines(body) {
			if !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
				n++
			}
		}
		return n, body
	}

	for _, m := range methods {
		for _, p := range paths {
			for _, k := range keys {
				send(m(), p(), k)
			}
		}
	}
	series() // the scrape itself is a series too
	before, _ := series()
	for range 10_000 {
		send(methods[rng.IntN(len(methods))](), paths[rng.IntN(len(paths))](), keys[rng.IntN(len(keys))])
	}
	after, body := series()
	if after != before {
		t.Errorf("random methods and paths grew /metrics from %d to %d series", before, after)
	}

	// Every label value comes from a fixed set.
	known := map[string]bool{"unmatched": true}
	for _, r := range e.srv.Routes() {
		known[r.Path] = true
	}
	labels := func(name string) map[string]bool {
		set := map[string]bool{}
		for _, m := range regexp.MustCompile(name+`="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			set[m[1]] = true
		}
		return set
	}
	for url := range labels("url") {
		if !known[url] {
			t.Errorf("url label %q is neither a route nor \"unmatched\"", url)
		}
	}
	var odd []string
	for method := range labels("method") {
		switch method {
		case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other":
		default:
			odd = append(odd, method)
		}
	}
	if len(odd) > 0 {
		t.Errorf("%d method labels outside the fixed set, e.g. %q", len(odd), odd[0])
	}
}

// TestSecurityHeaders checks the headers of each kind of answer: data,
// problems, the Swagger UI page, a chart and the one answer with a secret.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const dataCSP = "default-src 'none'; frame-ancestors 'none'"
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		contentType               string
		csp                       string // exact, unless empty (then checked by the case's own check)
		cacheControl              string
	}{
		{"json", http.MethodGet, "/api/v1/me", e.viewer, nil, http.StatusOK, "application/json", dataCSP, "no-store"},
		{"problem 404", http.MethodGet, "/no/such/path", "", nil, http.StatusNotFound, "application/problem+json", dataCSP, "no-store"},
		{"problem 401", http.MethodGet, "/api/v1/me", "", nil, http.StatusUnauthorized, "application/problem+json", dataCSP, "no-store"},
		{"swagger ui", http.MethodGet, "/swagger/index.html", "", nil, http.StatusOK, "text/html", "", "no-store"},
		{"chart", http.MethodGet, "/api/v1/reports/matrix.svg", e.viewer, nil, http.StatusOK, "image/svg+xml",
			"default-src 'none'; style-src 'unsafe-inline'", "private, no-cache"},
		{"new key", http.MethodPost, "/api/v1/api-keys", e.admin, api.APIKeyCreate{Name: "ci", Role: "viewer"}, http.StatusCreated,
			"application/json", dataCSP, "no-store"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.token, tc.body).want(t, tc.status)
			want := map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "no-referrer",
				"Cache-Control":          tc.cacheControl,
			}
			if tc.csp != "" {
				want["Content-Security-Policy"] = tc.csp
			}
			for name, value := range want {
				if got := r.Header.Get(name); got != value {
					t.Errorf("%s = %q, want %q", name, got, value)
				}
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
				t.Errorf("Content-Type = %q, want %s", ct, tc.contentType)
			}
			if tc.csp == "" {
				checkSwaggerCSP(t, r)
			}
		})
	}
}

// checkSwaggerCSP checks that the Swagger UI page may not be framed and may
// run its inline bootstrap script, allowed by that script's hash alone.
func checkSwaggerCSP(t *testing.T, r response) {
	t.Helper()
	csp := r.Header.Get("Content-Security-Policy")
	m := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllSubmatch(r.Body, -1)
	if len(m) != 1 {
		t.Fatalf("want one inline script in the Swagger UI page, found %d", len(m))
	}
	sum := sha256.Sum256(m[0][1])
	for _, directive := range []string{
		"script-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "';",
		"frame-ancestors 'none'",
		"default-src 'none'",
	} {
		if !strings.Contains(csp, directive) {
			t.Errorf("Swagger UI's Content-Security-Policy %q lacks %q", csp, directive)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("Swagger UI's Content-Security-Policy allows any script: %q", csp)
	}
}

// TestClientRequestID checks that a client's X-Request-Id is used only when
// it is a short, safe token; otherwise a generated one replaces it in the
// answer, the problem's instance and the log.
func TestClientRequestID(t *testing.T) {
	t.Parallel()
	store, _ := pgtest.NewStore(t)
	long64 := strings.Repeat("a1.B_-", 10) + "abcd"
	cases := []struct {
		name, id string
		kept     bool
	}{
		{"safe", "req-42_retry.1", true},
		{"64 characters", long64, true},
		{"65 characters", long64 + "x", false},
		{"900 KB", strings.Repeat("A", 900<<10), false},
		{"space", "abc def", false},
		{"newline", "abc\nlevel=ERROR msg=forged", false},
		{"unicode", "idé", false},
		{"quote", `abc"def`, false},
		{"none", "", false},
	}
	generated := regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer // one request at a time writes to it
			srv := api.New(store, slog.New(slog.NewJSONHandler(&logs, nil)), api.DefaultConfig)
			req := httptest.NewRequest(http.MethodGet, "/no/such/path", nil)
			if tc.id != "" {
				req.Header.Set("X-Request-Id", tc.id)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			r := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
			p := r.problem(t, http.StatusNotFound) // also: instance == X-Request-Id
			switch {
			case tc.kept && p.Instance != tc.id:
				t.Errorf("instance = %q, want the client's %q", p.Instance, tc.id)
			case !tc.kept && !generated.MatchString(p.Instance):
				t.Errorf("instance = %.100q, want a generated id", p.Instance)
			}
			if !strings.Contains(logs.String(), `"request_id":"`+p.Instance+`"`) {
				t.Errorf("log does not carry the request id %q: %.300s", p.Instance, logs.String())
			}
			if !tc.kept && tc.id != "" {
				escaped, _ := json.Marshal(tc.id)
				if strings.Contains(logs.String(), tc.id) || strings.Contains(logs.String(), string(escaped[1:len(escaped)-1])) {
					t.Errorf("log carries the refused id: %.300s", logs.String())
				}
			}
		})
	}
}

// TestHeadLikeGet walks the route table and asks every GET route with HEAD
// too, over a real connection: same status and Content-Type, no body.
func TestHeadLikeGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	adminKeyID, _ := domain.KeyIDFromToken(e.admin)
	ids := e.routeObjects(adminKeyID)
	srv := httptest.NewServer(e.srv.Handler())
	t.Cleanup(srv.Close)

	checked := 0
	for _, r := range e.srv.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		path, _ := concretePath(t, r, ids)
		path = strings.Replace(path, "*", "index.html", 1)
		t.Run(r.Path, func(t *testing.T) {
			get := rawExchange(t, srv.Listener.Addr().String(), http.MethodGet, path, e.admin)
			head := rawExchange(t, srv.Listener.Addr().String(), http.MethodHead, path, e.admin)
			if head.Status != get.Status {
				t.Errorf("HEAD status %d, GET %d", head.Status, get.Status)
			}
			if hct, gct := head.Header.Get("Content-Type"), get.Header.Get("Content-Type"); hct != gct {
				t.Errorf("HEAD Content-Type %q, GET %q", hct, gct)
			}
			if len(head.Body) != 0 {
				t.Errorf("HEAD sent a body: %.100q", head.Body)
			}
			if get.Status != http.StatusOK { // the fixtures above serve every GET route
				t.Errorf("GET answered %d: %.200s", get.Status, get.Body)
			}
		})
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d GET routes checked", checked)
	}
}

// rawExchange sends one request on its own connection and returns the
// status, headers and the bytes after the header block as they came on the
// wire: a Go client would not read a body after HEAD, even one sent.
func rawExchange(t *testing.T, addr, method, path, token string) response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: cxbacklog\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n", method, path, token); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	head, body, found := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !found {
		t.Fatalf("%s %s: no header block in %.200q", method, path, raw)
	}
	res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...))), &http.Request{Method: http.MethodHead})
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: body}
}
