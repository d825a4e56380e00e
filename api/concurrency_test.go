package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// reply is one response of a concurrent burst.
type reply struct {
	status int
	body   string
}

// burst sends n requests at once over real TCP, all released together, and
// returns their replies. body(i) and headers are per request.
func (e *env) burst(t *testing.T, n int, method, path, token string, body func(i int) string, headers ...string) []reply {
	t.Helper()
	srv := httptest.NewServer(e.srv.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	start := make(chan struct{})
	out := make([]reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body(i)))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			for h := 0; h+1 < len(headers); h += 2 {
				req.Header.Set(headers[h], headers[h+1])
			}
			<-start
			res, err := client.Do(req)
			if err != nil {
				out[i] = reply{status: -1, body: err.Error()}
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			out[i] = reply{status: res.StatusCode, body: string(b)}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// statuses counts replies by status and fails on any status outside want.
func statuses(t *testing.T, replies []reply, want ...int) map[int]int {
	t.Helper()
	counts := map[int]int{}
	for _, r := range replies {
		counts[r.status]++
	}
	for status := range counts {
		allowed := false
		for _, w := range want {
			allowed = allowed || status == w
		}
		if !allowed {
			for _, r := range replies {
				if r.status == status {
					t.Fatalf("unexpected status %d: %s (all: %v)", status, r.body, counts)
				}
			}
		}
	}
	return counts
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.store.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNoLostUpdates: 50 writers read version 1 and write at once; exactly
// one wins, the rest get 412, and the stored state and history agree with
// the winner.
func TestNoLostUpdates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("J", "S"), "T", "web", "")
	idea := e.idea("Original", 3, 3, 3, 0.5, tp)

	t.Run("idea patch", func(t *testing.T) {
		replies := e.burst(t, 50, http.MethodPatch, "/api/v1/ideas/"+idea.ID, e.editor,
			func(i int) string { return fmt.Sprintf(`{"title":"Writer %d"}`, i) }, "If-Match", `"1"`)
		counts := statuses(t, replies, http.StatusOK, http.StatusPreconditionFailed)
		if counts[http.StatusOK] != 1 || counts[http.StatusPreconditionFailed] != 49 {
			t.Fatalf("statuses %v, want one 200 and 49 412", counts)
		}
		var stored struct {
			Title   string `json:"title"`
			Version int    `json:"version"`
		}
		e.do(http.MethodGet, "/api/v1/ideas/"+idea.ID, e.viewer, nil).want(t, http.StatusOK).json(t, &stored)
		winner := winnerBody(replies)
		if stored.Version != 2 || !strings.Contains(winner, `"title":"`+stored.Title+`"`) {
			t.Fatalf("stored %+v, winner %s", stored, winner)
		}
		if n := e.count(t, "SELECT count(*) FROM idea_history WHERE idea_id = $1 AND field = 'title'", idea.ID); n != 1 {
			t.Fatalf("%d title changes in the history, want 1", n)
		}
	})

	t.Run("pilot sample", func(t *testing.T) {
		p := e.pilot(idea, "P")
		m := e.metric(p, "AHT", "mean", "lower_is_better", true)
		path := samplePath(p, m, "pilot", "before")
		e.do(http.MethodPut, path, e.editor, `{"n":10,"mean":1,"sd":1}`).want(t, http.StatusCreated)
		replies := e.burst(t, 50, http.MethodPut, path, e.editor,
			func(i int) string { return fmt.Sprintf(`{"n":10,"mean":%d,"sd":1}`, 100+i) }, "If-Match", `"1"`)
		counts := statuses(t, replies, http.StatusOK, http.StatusPreconditionFailed)
		if counts[http.StatusOK] != 1 || counts[http.StatusPreconditionFailed] != 49 {
			t.Fatalf("statuses %v, want one 200 and 49 412", counts)
		}
		var stored struct {
			Mean    float64 `json:"mean"`
			Version int     `json:"version"`
		}
		e.do(http.MethodGet, path, e.viewer, nil).want(t, http.StatusOK).json(t, &stored)
		if stored.Version != 2 || !strings.Contains(winnerBody(replies), fmt.Sprintf(`"mean":%g`, stored.Mean)) {
			t.Fatalf("stored %+v, winner %s", stored, winnerBody(replies))
		}
	})

	t.Run("scoring weights", func(t *testing.T) {
		replies := e.burst(t, 50, http.MethodPut, "/api/v1/scoring", e.admin, func(i int) string {
			return fmt.Sprintf(`{"weight_impact":%d,"weight_experience":1,"value_threshold":3,"effort_threshold":2}`, i+1)
		}, "If-Match", `"1"`)
		counts := statuses(t, replies, http.StatusOK, http.StatusPreconditionFailed)
		if counts[http.StatusOK] != 1 || counts[http.StatusPreconditionFailed] != 49 {
			t.Fatalf("statuses %v, want one 200 and 49 412", counts)
		}
		var sc struct {
			WeightImpact float64 `json:"weight_impact"`
			Version      int     `json:"version"`
		}
		e.do(http.MethodGet, "/api/v1/scoring", e.viewer, nil).want(t, http.StatusOK).json(t, &sc)
		if sc.Version != 2 || !strings.Contains(winnerBody(replies), fmt.Sprintf(`"weight_impact":%g`, sc.WeightImpact)) {
			t.Fatalf("stored %+v, winner %s", sc, winnerBody(replies))
		}
	})
}

func winnerBody(replies []reply) string {
	for _, r := range replies {
		if r.status == http.StatusOK {
			return r.body
		}
	}
	return ""
}

// TestSafeRetries: 20 concurrent POSTs with one Idempotency-Key create one
// object; every 2xx is the same response; a different body with the key is
// 422; after 24 h the key is forgotten.
func TestSafeRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("J", "S"), "T", "web", "")
	body := fmt.Sprintf(`{"title":"Retried idea","touchpoint_ids":["%s"],"impact":3,"experience":3,"effort":3}`, tp.ID)
	replies := e.burst(t, 20, http.MethodPost, "/api/v1/ideas", e.editor, func(int) string { return body }, "Idempotency-Key", "retry-1")
	// A retry that arrives while the first is still running is told so (409);
	// all others get the first response.
	counts := statuses(t, replies, http.StatusCreated, http.StatusConflict)
	if counts[http.StatusCreated] == 0 {
		t.Fatalf("no request succeeded: %v", counts)
	}
	first := ""
	for _, r := range replies {
		if r.status != http.StatusCreated {
			continue
		}
		if first == "" {
			first = r.body
		}
		if r.body != first {
			t.Fatalf("2xx responses differ:\n%s\n%s", first, r.body)
		}
	}
	if n := e.count(t, "SELECT count(*) FROM ideas WHERE title = 'Retried idea'"); n != 1 {
		t.Fatalf("%d ideas created, want 1", n)
	}
	// Every late retry replays the same response.
	again := e.do(http.MethodPost, "/api/v1/ideas", e.editor, body, "Idempotency-Key", "retry-1").want(t, http.StatusCreated)
	if !bytes.Equal(again.Body, []byte(first)) {
		t.Fatalf("replay differs:\n%s\n%s", first, again.Body)
	}
	other := strings.Replace(body, "Retried idea", "Another idea", 1)
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, other, "Idempotency-Key", "retry-1").problem(t, http.StatusUnprocessableEntity)

	// 24 hours later the key is forgotten: the same key makes a new object.
	if _, err := e.store.SQL().ExecContext(context.Background(),
		"UPDATE idempotency_keys SET created_at = created_at - interval '24 hours 1 second' WHERE key = 'retry-1'"); err != nil {
		t.Fatal(err)
	}
	e.do(http.MethodPost, "/api/v1/ideas", e.editor, other, "Idempotency-Key", "retry-1").want(t, http.StatusCreated)
	if n := e.count(t, "SELECT count(*) FROM ideas"); n != 2 {
		t.Fatalf("%d ideas, want 2", n)
	}
}
