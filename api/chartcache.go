package api

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"maps"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
)

// The charts are drawn once per state of what they depict. A chart is
// keyed by its workspace, route, path parameters, query (parameters sorted),
// the workspace's data version (bumped in the transaction of every write a
// chart depends on, migrations/00019), today's date (staleness, default
// windows) and the build; the key's hash is the chart's strong ETag, the
// same on every replica, so If-None-Match is answered with 304 before any
// drawing, and a repeated view costs one indexed read. No chart differs by
// the caller's role, so the role is not part of the key.
//
// A chart is kept gzipped (a tenth of its size; compressing a 180 KB matrix
// on every view cost 3 ms of CPU, as much as the rest of the request ten
// times over) and sent so to clients that accept gzip, under the ETag with
// "-gzip" (a strong ETag names one encoding); the rest get it inflated.

// DefaultChartCacheBytes bounds the drawn charts a process keeps.
const DefaultChartCacheBytes = 32 << 20

// chartEntryOverhead is what an entry costs beside its key and body: the
// list element, the map slot and the entry itself.
const chartEntryOverhead = 160

// chartBuild tells one build's drawings from another's, so a new version
// of the drawing code does not answer 304 to a chart the old one drew.
var chartBuild = func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	build := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
			build += " " + s.Value
		}
	}
	return build
}()

// chartCache is a least-recently-used cache of drawn charts bounded by
// their total size, and the draws in progress, so that concurrent misses
// of one chart draw it once.
type chartCache struct {
	limit   int64
	mu      sync.Mutex
	size    int64
	recent  *list.List // of *chartEntry, the most recently used first
	entries map[string]*list.Element
	drawing singleflight.Group
	answers *prometheus.CounterVec
	bytes   prometheus.GaugeFunc
	count   prometheus.GaugeFunc
}

type chartEntry struct {
	key         string
	contentType string
	gzipped     []byte
	size        int // inflated
}

// chartDrawing is where svg leaves the chart a handler drew, and report
// the JSON of a report.
type chartDrawing struct {
	body        []byte
	contentType string
}

const chartDrawingKey = "chartDrawing"

func newChartCache(limit int64) *chartCache {
	if limit <= 0 {
		limit = DefaultChartCacheBytes
	}
	cc := &chartCache{limit: limit, recent: list.New(), entries: map[string]*list.Element{}}
	cc.answers = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "cxbacklog", Name: "chart_answers_total",
		Help: "Chart requests answered, by route and how: drawn, cached (kept, or drawn by a concurrent request) or not_modified (304)."},
		[]string{"route", "answer"})
	cc.bytes = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "cxbacklog", Name: "chart_cache_bytes",
		Help: "Bytes of drawn charts kept, counted as keys, bodies and a fixed overhead per chart."},
		func() float64 { cc.mu.Lock(); defer cc.mu.Unlock(); return float64(cc.size) })
	cc.count = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "cxbacklog", Name: "chart_cache_charts",
		Help: "Drawn charts kept."},
		func() float64 { cc.mu.Lock(); defer cc.mu.Unlock(); return float64(len(cc.entries)) })
	return cc
}

// collectors are the cache's metrics, for the server's registry.
func (cc *chartCache) collectors() []prometheus.Collector {
	return []prometheus.Collector{cc.answers, cc.bytes, cc.count}
}

func (cc *chartCache) get(key string) (*chartEntry, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	el, ok := cc.entries[key]
	if !ok {
		return nil, false
	}
	cc.recent.MoveToFront(el)
	return el.Value.(*chartEntry), true
}

// put keeps chart e, evicting the least recently used charts to stay
// within the limit; a chart bigger than the whole limit is not kept.
func (cc *chartCache) put(e *chartEntry) {
	size := entrySize(e.key, e.gzipped)
	if size > cc.limit {
		return
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.entries[e.key]; ok {
		return
	}
	for cc.size+size > cc.limit {
		oldest := cc.recent.Remove(cc.recent.Back()).(*chartEntry)
		delete(cc.entries, oldest.key)
		cc.size -= entrySize(oldest.key, oldest.gzipped)
	}
	cc.entries[e.key] = cc.recent.PushFront(e)
	cc.size += size
}

func entrySize(key string, gzipped []byte) int64 {
	return int64(len(key) + len(gzipped) + chartEntryOverhead)
}

// cached is the middleware of every chart route and of the reports' JSON
// (server.go registers it for each GET of an .svg and of cachedReports, and
// leaves them out of the gzip middleware): 304 when
// If-None-Match names the current drawing, else the kept drawing, else the
// handler draws it (once for concurrent requests of one chart) through svg.
func (s *Server) cached(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cc := s.charts
		ws := principal(c).WorkspaceID
		version, err := s.store.DataVersion(c.Request().Context(), ws)
		if err != nil {
			return err
		}
		key := chartKey(c, ws, version, s.now().UTC().Format(dateLayout))
		sum := sha256.Sum256([]byte(key))
		tag := hex.EncodeToString(sum[:16])
		gzipped := strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip")
		etag := `"` + tag + `"`
		if gzipped {
			etag = `"` + tag + `-gzip"`
		}
		answer := cc.answers.WithLabelValues(c.Path(), "cached")
		if matchesETag(c.Request().Header.Get("If-None-Match"), tag) {
			setChartHeaders(c, etag)
			cc.answers.WithLabelValues(c.Path(), "not_modified").Inc()
			return c.NoContent(http.StatusNotModified)
		}
		chart, ok := cc.get(key)
		if !ok {
			leader := false
			v, err, _ := cc.drawing.Do(key, func() (any, error) {
				leader = true
				return s.draw(c, next, key)
			})
			switch {
			case leader:
				answer = cc.answers.WithLabelValues(c.Path(), "drawn")
			case err != nil:
				// The request that drew failed (its client left, or the
				// chart cannot be drawn): this one tries on its own.
				v, err = s.draw(c, next, key)
				answer = cc.answers.WithLabelValues(c.Path(), "drawn")
			}
			if err != nil {
				return err
			}
			chart = v.(*chartEntry)
		}
		answer.Inc()
		setChartHeaders(c, etag)
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, chart.contentType)
		if gzipped {
			h.Set(echo.HeaderContentEncoding, "gzip")
			h.Set(echo.HeaderContentLength, strconv.Itoa(len(chart.gzipped)))
			return c.Blob(http.StatusOK, chart.contentType, chart.gzipped)
		}
		zr, err := gzip.NewReader(bytes.NewReader(chart.gzipped))
		if err != nil {
			return domain.Wrap(domain.EInternal, err, "a kept chart could not be read")
		}
		h.Set(echo.HeaderContentLength, strconv.Itoa(chart.size))
		c.Response().WriteHeader(http.StatusOK)
		_, err = io.Copy(c.Response(), zr)
		return err
	}
}

// draw runs the chart's handler, which leaves the drawing to svg, and
// keeps it gzipped.
func (s *Server) draw(c echo.Context, handler echo.HandlerFunc, key string) (*chartEntry, error) {
	d := &chartDrawing{}
	c.Set(chartDrawingKey, d)
	if err := handler(c); err != nil {
		return nil, err
	}
	if d.body == nil {
		return nil, domain.Errorf(domain.EInternal, "the chart handler drew nothing")
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(d.body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	e := &chartEntry{key: key, contentType: d.contentType, gzipped: b.Bytes(), size: len(d.body)}
	s.charts.put(e)
	return e, nil
}

// report answers a report's JSON through the cache: its handler runs under
// cached (for the routes of cachedReports), which keeps the JSON as it
// keeps a chart.
func report(c echo.Context, v any) error {
	d, ok := c.Get(chartDrawingKey).(*chartDrawing)
	if !ok {
		return c.JSON(http.StatusOK, v)
	}
	indent := ""
	if _, pretty := c.QueryParams()["pretty"]; pretty {
		indent = "  "
	}
	var b bytes.Buffer
	if err := encodeJSON(&b, v, indent); err != nil {
		return err
	}
	d.body, d.contentType = b.Bytes(), echo.MIMEApplicationJSON
	return nil
}

// chartKey is everything a drawing depends on.
func chartKey(c echo.Context, workspaceID string, version int64, today string) string {
	var b strings.Builder
	b.WriteString(workspaceID)
	b.WriteByte('\n')
	b.WriteString(c.Path())
	for _, v := range c.ParamValues() {
		b.WriteByte('\n')
		b.WriteString(v)
	}
	b.WriteString("\n?")
	q := c.QueryParams()
	for _, name := range slices.Sorted(maps.Keys(q)) {
		for _, v := range slices.Sorted(slices.Values(q[name])) {
			b.WriteString(url.QueryEscape(name))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
			b.WriteByte('&')
		}
	}
	b.WriteString("\nversion ")
	b.WriteString(strconv.FormatInt(version, 10))
	b.WriteString("\nday ")
	b.WriteString(today)
	b.WriteString("\nbuild ")
	b.WriteString(chartBuild)
	return b.String()
}

// setChartHeaders lets the browser keep the chart but ask each time whether
// it is still current.
func setChartHeaders(c echo.Context, etag string) {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, no-cache")
	h.Set("ETag", etag)
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
}

// matchesETag tells whether an If-None-Match header names the drawing with
// hash tag in either encoding (or is *): If-None-Match compares weakly, so
// W/ is ignored, and both encodings are the same drawing.
func matchesETag(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == `"`+tag+`"` || t == `"`+tag+`-gzip"` || t == "*" {
			return true
		}
	}
	return false
}
