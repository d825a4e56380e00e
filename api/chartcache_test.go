package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/api/web"
	"cxbacklog/domain"
	"cxbacklog/domain/demo"
)

// chartAnswers reads from /metrics how many requests of a chart route were
// answered how (drawn, cached, not_modified).
func (e *env) chartAnswers(t *testing.T, route, answer string) int {
	t.Helper()
	body := string(e.do(http.MethodGet, "/metrics", "", nil).want(t, http.StatusOK).Body)
	line := regexp.MustCompile(`(?m)^cxbacklog_chart_answers_total\{answer="` + answer + `",route="` + regexp.QuoteMeta(route) + `"\} (\d+)$`)
	m := line.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// chartCacheBytes reads the cache's size from /metrics.
func (e *env) chartCacheBytes(t *testing.T) int {
	t.Helper()
	body := string(e.do(http.MethodGet, "/metrics", "", nil).want(t, http.StatusOK).Body)
	m := regexp.MustCompile(`(?m)^cxbacklog_chart_cache_bytes (\d+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no cxbacklog_chart_cache_bytes in /metrics")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// A chart is drawn once per state of its workspace's data: the second view
// is the kept drawing with the same ETag; a write to the workspace draws it
// anew under another ETag; a write to another workspace does not; the
// current ETag in If-None-Match is 304 without a body or a drawing.
func TestChartDrawnOncePerDataVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const route, path = "/api/v1/reports/matrix.svg", "/api/v1/reports/matrix.svg?status=all"
	tp := e.touchpoint(e.journey("Lunch", "Arrive"), "Entrance", "web", "")
	e.idea("Automatic doors", 2, 4, 4, 0.7, tp)
	draws := func() int { t.Helper(); return e.chartAnswers(t, route, "drawn") }
	view := func(what string, headers ...string) response {
		t.Helper()
		r := e.do(http.MethodGet, path, e.viewer, nil, headers...)
		if r.Status == http.StatusOK && !strings.HasPrefix(r.Header.Get("Content-Type"), "image/svg+xml") {
			t.Fatalf("%s: Content-Type %q", what, r.Header.Get("Content-Type"))
		}
		if cc := r.Header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Fatalf("%s: Cache-Control %q, want private, no-cache", what, cc)
		}
		if etag := r.Header.Get("ETag"); !regexp.MustCompile(`^"[0-9a-f]{32}(-gzip)?"$`).MatchString(etag) {
			t.Fatalf("%s: ETag %q, want a strong one", what, etag)
		}
		return r
	}

	first := view("first view").want(t, http.StatusOK)
	second := view("second view").want(t, http.StatusOK)
	if draws() != 1 || e.chartAnswers(t, route, "cached") != 1 {
		t.Fatalf("two views drew %d times, answered %d from the cache; want 1 and 1", draws(), e.chartAnswers(t, route, "cached"))
	}
	if string(second.Body) != string(first.Body) || second.Header.Get("ETag") != first.Header.Get("ETag") {
		t.Fatal("the second view is not the first drawing with its ETag")
	}
	// Another workspace's write keeps this workspace's chart.
	e.do(http.MethodPost, "/api/v1/journeys", e.other, map[string]any{"name": "Elsewhere", "stages": []map[string]string{{"name": "S"}}}).
		want(t, http.StatusCreated)
	if r := view("after another workspace's write").want(t, http.StatusOK); r.Header.Get("ETag") != first.Header.Get("ETag") || draws() != 1 {
		t.Fatalf("another workspace's write: ETag %s → %s, %d draws; want the same ETag and 1 draw",
			first.Header.Get("ETag"), r.Header.Get("ETag"), draws())
	}

	// Revalidation with the current ETag: 304, nothing drawn, nothing sent.
	nm := view("revalidation", "If-None-Match", `"0000", `+first.Header.Get("ETag")).want(t, http.StatusNotModified)
	if len(nm.Body) != 0 || nm.Header.Get("ETag") != first.Header.Get("ETag") || draws() != 1 {
		t.Fatalf("304: body %d bytes, ETag %q, %d draws", len(nm.Body), nm.Header.Get("ETag"), draws())
	}
	if e.chartAnswers(t, route, "not_modified") != 1 {
		t.Fatal("the 304 is not counted as not_modified")
	}

	// A write to the workspace: another drawing under another ETag, and the
	// old ETag no longer answers 304.
	e.idea("Umbrella stand", 1, 2, 1, 0.5, tp)
	after := view("after a write", "If-None-Match", first.Header.Get("ETag")).want(t, http.StatusOK)
	if after.Header.Get("ETag") == first.Header.Get("ETag") || !strings.Contains(string(after.Body), "Umbrella stand") || draws() != 2 {
		t.Fatalf("after a write: ETag %s → %s, drawing has the new idea: %v, %d draws; want a new ETag, the idea, 2 draws",
			first.Header.Get("ETag"), after.Header.Get("ETag"), strings.Contains(string(after.Body), "Umbrella stand"), draws())
	}
	// Gzipped for a client that takes it, under the ETag of that encoding,
	// which revalidates too.
	gz := view("gzipped", "Accept-Encoding", "gzip, deflate").want(t, http.StatusOK)
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") != strings.TrimSuffix(after.Header.Get("ETag"), `"`)+`-gzip"` {
		t.Fatalf("gzipped: Content-Encoding %q, ETag %q (identity %q)", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"), after.Header.Get("ETag"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body))
	if err != nil {
		t.Fatal(err)
	}
	if inflated, err := io.ReadAll(zr); err != nil || !bytes.Equal(inflated, after.Body) {
		t.Fatalf("the gzipped chart inflates to %d bytes (%v), the identity one has %d", len(inflated), err, len(after.Body))
	}
	view("gzipped, revalidated", "Accept-Encoding", "gzip", "If-None-Match", gz.Header.Get("ETag")).want(t, http.StatusNotModified)
	view("identity, revalidated with the gzip ETag", "If-None-Match", gz.Header.Get("ETag")).want(t, http.StatusNotModified)
	if draws() != 2 {
		t.Fatalf("%d draws, want 2", draws())
	}

	// The parameters' order does not make another chart.
	one := e.do(http.MethodGet, route+"?status=new&status=planned", e.viewer, nil).want(t, http.StatusOK)
	other := e.do(http.MethodGet, route+"?status=planned&status=new", e.viewer, nil).want(t, http.StatusOK)
	if one.Header.Get("ETag") != other.Header.Get("ETag") || draws() != 3 {
		t.Fatalf("status=new&status=planned and status=planned&status=new: ETags %s and %s, %d draws; want one chart drawn once",
			one.Header.Get("ETag"), other.Header.Get("ETag"), draws()-2)
	}
	// HEAD answers the same validators without a body.
	if r := e.do(http.MethodHead, path, e.viewer, nil).want(t, http.StatusOK); r.Header.Get("ETag") != after.Header.Get("ETag") || draws() != 3 {
		t.Fatalf("HEAD: ETag %q, %d draws", r.Header.Get("ETag"), draws())
	}
	// An error is no drawing: no validators, nothing kept.
	bad := e.do(http.MethodGet, "/api/v1/reports/matrix.svg?status=nonsense", e.viewer, nil)
	bad.problem(t, http.StatusBadRequest)
	if bad.Header.Get("ETag") != "" || bad.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a 400 has ETag %q and Cache-Control %q", bad.Header.Get("ETag"), bad.Header.Get("Cache-Control"))
	}
}

// Every chart route goes through the cache, for a bearer key and for a web
// session's cookie alike: the ETag of one is 304 for the other (the key is
// what the chart depicts, not who asks).
func TestEveryChartRevalidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if err := demo.Load(ctx, e.store, e.wsID, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	links, err := demo.Links(ctx, e.store, e.wsID)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := domain.KeyIDFromToken(e.viewer)
	key, err := e.store.GetKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.Authenticate(key, e.viewer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	session, _, err := domain.StartSession(ctx, e.store, p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cookie := web.SessionCookie + "=" + session

	covered := map[string]int{}
	for _, l := range links {
		if !strings.Contains(l.Path, ".svg") {
			continue
		}
		route := regexp.MustCompile(`/[0-9a-f-]{36}/`).ReplaceAllString(strings.SplitN(l.Path, "?", 2)[0], "/:id/")
		covered[route]++
		r := e.do(http.MethodGet, l.Path, e.viewer, nil).want(t, http.StatusOK)
		etag := r.Header.Get("ETag")
		if etag == "" || r.Header.Get("Cache-Control") != "private, no-cache" {
			t.Errorf("%s: ETag %q, Cache-Control %q", l.Path, etag, r.Header.Get("Cache-Control"))
			continue
		}
		for who, auth := range map[string][]string{"key": {"Authorization", "Bearer " + e.viewer}, "session": {"Cookie", cookie}} {
			nm := e.do(http.MethodGet, l.Path, "", nil, append(auth, "If-None-Match", etag)...)
			if nm.Status != http.StatusNotModified || nm.Header.Get("ETag") != etag || len(nm.Body) != 0 {
				t.Errorf("%s by %s with If-None-Match: %d, ETag %q, %d bytes; want 304 with the ETag", l.Path, who, nm.Status, nm.Header.Get("ETag"), len(nm.Body))
			}
		}
		if got := e.do(http.MethodGet, l.Path, "", nil, "Cookie", cookie).want(t, http.StatusOK); string(got.Body) != string(r.Body) {
			t.Errorf("%s: the session's drawing differs from the key's", l.Path)
		}
		if n := e.chartAnswers(t, route, "drawn"); n != covered[route] {
			t.Errorf("%s: %d draws of %d charts of the route, want one each", l.Path, n, covered[route])
		}
	}
	for _, r := range e.srv.Routes() {
		if strings.HasSuffix(r.Path, ".svg") && covered[r.Path] == 0 {
			t.Errorf("chart route %s is not in the demo's links", r.Path)
		}
	}
}

// The cache keeps charts within its byte bound, evicting the least
// recently used: with room for one of two charts, alternating between them
// draws each time; with room for both, each is drawn once.
func TestChartCacheBound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("Lunch", "Arrive"), "Entrance", "web", "")
	e.idea("Automatic doors", 2, 4, 4, 0.7, tp)
	const route = "/api/v1/reports/matrix.svg"
	a, b := route+"?status=open", route+"?status=all"
	e.do(http.MethodGet, a, e.viewer, nil).want(t, http.StatusOK)
	sizeA := e.chartCacheBytes(t)
	e.do(http.MethodGet, b, e.viewer, nil).want(t, http.StatusOK)
	sizeB := e.chartCacheBytes(t) - sizeA
	if sizeA < 500 || sizeB < 500 {
		t.Fatalf("charts of %d and %d bytes kept", sizeA, sizeB)
	}
	for _, tc := range []struct {
		limit int64
		draws int
	}{
		{int64(max(sizeA, sizeB)), 6},
		{int64(sizeA + sizeB), 2},
	} {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			cfg := api.DefaultConfig
			cfg.ChartCacheBytes = tc.limit
			e := newEnvConfig(t, cfg)
			e.idea("Automatic doors", 2, 4, 4, 0.7, e.touchpoint(e.journey("Lunch", "Arrive"), "Entrance", "web", ""))
			for range 3 {
				e.do(http.MethodGet, a, e.viewer, nil).want(t, http.StatusOK)
				e.do(http.MethodGet, b, e.viewer, nil).want(t, http.StatusOK)
				if size := e.chartCacheBytes(t); size > int(tc.limit) || size == 0 {
					t.Fatalf("the cache holds %d bytes, bound %d", size, tc.limit)
				}
			}
			if n := e.chartAnswers(t, route, "drawn"); n != tc.draws {
				t.Fatalf("three rounds of two charts with a bound of %d bytes drew %d times, want %d", tc.limit, n, tc.draws)
			}
		})
	}
}

// The reports' JSON is kept like a chart: made once per data version,
// revalidated with 304, made anew after a write, sent gzipped to a client
// that accepts it.
func TestReportsAreKeptPerDataVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if err := demo.Load(ctx, e.store, e.wsID, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	var journeys struct {
		Items []struct{ ID string } `json:"items"`
	}
	e.do(http.MethodGet, "/api/v1/journeys", e.viewer, nil).want(t, http.StatusOK).json(t, &journeys)
	if len(journeys.Items) == 0 {
		t.Fatal("the demo has no journey")
	}
	reports := map[string]string{
		"/api/v1/reports/matrix": "", "/api/v1/reports/blind-spots": "", "/api/v1/reports/coverage": "", "/api/v1/reports/impact": "",
		"/api/v1/reports/value": "", "/api/v1/reports/contact-reasons": "", "/api/v1/journeys/:id/heatmap": "/api/v1/journeys/" + journeys.Items[0].ID + "/heatmap",
	}
	for route, path := range reports {
		if path == "" {
			path = route
		}
		first := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
		etag := first.Header.Get("ETag")
		if etag == "" || !strings.HasPrefix(first.Header.Get("Content-Type"), "application/json") || !json.Valid(first.Body) {
			t.Errorf("%s: ETag %q, Content-Type %q, valid JSON %v", path, etag, first.Header.Get("Content-Type"), json.Valid(first.Body))
			continue
		}
		if again := e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK); string(again.Body) != string(first.Body) || again.Header.Get("ETag") != etag {
			t.Errorf("%s: the second answer differs from the first", path)
		}
		if drawn, cached := e.chartAnswers(t, route, "drawn"), e.chartAnswers(t, route, "cached"); drawn != 1 || cached != 1 {
			t.Errorf("%s: made %d times and kept %d times for two reads, want 1 and 1", path, drawn, cached)
		}
		if nm := e.do(http.MethodGet, path, e.viewer, nil, "If-None-Match", etag); nm.Status != http.StatusNotModified || len(nm.Body) != 0 {
			t.Errorf("%s with If-None-Match: %d, %d bytes; want 304", path, nm.Status, len(nm.Body))
		}
		gz := e.do(http.MethodGet, path, e.viewer, nil, "Accept-Encoding", "gzip").want(t, http.StatusOK)
		if gz.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: a client accepting gzip got Content-Encoding %q", path, gz.Header.Get("Content-Encoding"))
		} else if zr, err := gzip.NewReader(bytes.NewReader(gz.Body)); err != nil {
			t.Errorf("%s: %v", path, err)
		} else if body, err := io.ReadAll(zr); err != nil || string(body) != string(first.Body) {
			t.Errorf("%s: the gzipped answer is not the report (%v)", path, err)
		}
	}
	var tps struct {
		Items []struct{ ID string } `json:"items"`
	}
	e.do(http.MethodGet, "/api/v1/touchpoints", e.viewer, nil).want(t, http.StatusOK).json(t, &tps)
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, map[string]any{"title": "A new idea", "impact": 5, "experience": 5, "effort": 1,
		"touchpoint_ids": []string{tps.Items[0].ID}}).want(t, http.StatusCreated)
	for route, path := range reports {
		if path == "" {
			path = route
		}
		e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK)
		if drawn := e.chartAnswers(t, route, "drawn"); drawn != 2 {
			t.Errorf("%s: made %d times after a write, want 2", path, drawn)
		}
	}
}
