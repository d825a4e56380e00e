package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cxbacklog/api"
)

// uploadTarget is a server with cfg and the observations path of a mean
// metric of a running-to-be pilot in its workspace "acme".
func uploadTarget(t *testing.T, cfg api.Config) (*env, string) {
	t.Helper()
	e := newEnvConfig(t, cfg)
	tp := e.touchpoint(e.journey("J", "S"), "T", "phone", "")
	p := e.pilot(e.idea("Headsets", 3, 3, 3, 0.5, tp), "P")
	m := e.metric(p, "AHT", "mean", "lower_is_better", true)
	return e, "/api/v1/pilots/" + p.ID + "/metrics/" + m.ID + "/observations"
}

// slowUpload starts a POST of observations whose body arrives one byte a
// second until stop is closed; the response's status goes to statuses.
func slowUpload(t *testing.T, client *http.Client, url, token string, stop <-chan struct{}, statuses chan<- int) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		defer pw.Close()
		_, _ = pw.Write([]byte("group,period,value\n"))
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := pw.Write([]byte("p")); err != nil {
					return
				}
			}
		}
	}()
	req, err := http.NewRequest(http.MethodPost, url, pr)
	if err != nil {
		t.Error(err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	go func() {
		res, err := client.Do(req)
		if err != nil {
			statuses <- 0
			return
		}
		res.Body.Close()
		statuses <- res.StatusCode
	}()
}

// TestSlowUploadsDoNotStarveThePool holds 20 uploads that trickle in one byte
// a second (the limits raised so that all of them are let in) while another
// workspace reads: the reads stay fast and /readyz stays ready, because an
// upload takes a database connection only once its body has arrived.
func TestSlowUploadsDoNotStarveThePool(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.UploadsInFlight, cfg.UploadsPerWorkspace, cfg.UploadGrace = 20, 20, time.Minute
	e, path := uploadTarget(t, cfg)
	srv := httptest.NewServer(e.srv.Handler())
	defer srv.Close()

	stop, statuses := make(chan struct{}), make(chan int, 20)
	var stopOnce sync.Once
	finish := func() { stopOnce.Do(func() { close(stop) }) }
	defer finish() // a failed read must not leave uploads trickling
	client := &http.Client{}
	for range 20 {
		slowUpload(t, client, srv.URL+path, e.editor, stop, statuses)
	}
	time.Sleep(1500 * time.Millisecond) // every upload is in flight, sending

	reader := &http.Client{Timeout: 3 * time.Second}
	get := func(path, token string) (int, time.Duration) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		start := time.Now()
		res, err := reader.Do(req)
		if err != nil {
			t.Fatalf("GET %s while uploads trickle in: %v", path, err)
		}
		res.Body.Close()
		return res.StatusCode, time.Since(start)
	}
	for n := range 20 {
		if status, took := get("/api/v1/journeys", e.other); status != http.StatusOK || took > time.Second {
			t.Fatalf("read %d of another workspace: status %d in %s", n+1, status, took)
		}
	}
	if status, _ := get("/readyz", ""); status != http.StatusOK {
		t.Fatalf("/readyz = %d while slow uploads are in flight", status)
	}
	finish()
	for range 20 {
		if s := <-statuses; s != http.StatusUnprocessableEntity {
			t.Errorf("a finished slow upload (rows \"p\") answered %d, want 422", s)
		}
	}
}

// TestUploadLimits: a workspace's uploads in flight are capped (429), the
// server's too (503), both with Retry-After; an upload slower than the
// minimum rate after the grace period is cut off with 408.
func TestUploadLimits(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.UploadsInFlight, cfg.UploadsPerWorkspace = 3, 2
	cfg.MinUploadRate, cfg.UploadGrace = 1000, 2*time.Second
	e, path := uploadTarget(t, cfg)
	srv := httptest.NewServer(e.srv.Handler())
	defer srv.Close()
	url := srv.URL + path

	// post answers the status and Retry-After; 0 when the request failed.
	post := func(token string, body io.Reader) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url, body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "text/csv")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, ""
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode, res.Header.Get("Retry-After")
	}

	// Two stalled uploads fill the workspace's share: a third is 429.
	var wg sync.WaitGroup
	var stalled [2]int
	pipes := make([]*io.PipeWriter, 2)
	for n := range pipes {
		pr, pw := io.Pipe()
		pipes[n] = pw
		wg.Add(1)
		go func() {
			defer wg.Done()
			stalled[n], _ = post(e.editor, pr)
		}()
	}
	time.Sleep(300 * time.Millisecond)
	if status, retry := post(e.editor, strings.NewReader("group,period,value\npilot,before,1\n")); status != http.StatusTooManyRequests || retry == "" {
		t.Fatalf("third upload of one workspace: %d, Retry-After %q; want 429 with Retry-After", status, retry)
	}
	// A refused upload whose body stalls is answered at once, not after
	// the server has waited to read and discard its body.
	stalledBody, stall := io.Pipe()
	defer stall.Close()
	req, _ := http.NewRequest(http.MethodPost, url, stalledBody)
	req.Header.Set("Authorization", "Bearer "+e.editor)
	req.Header.Set("Content-Type", "text/csv")
	start := time.Now()
	res, err := (&http.Client{Timeout: 1500 * time.Millisecond}).Do(req)
	if err != nil {
		t.Fatalf("refused upload with a stalled body: %v after %s", err, time.Since(start))
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("refused upload with a stalled body: %d", res.StatusCode)
	}
	// The stalled ones send nothing: below the minimum rate they end in 408.
	wg.Wait()
	for n, s := range stalled {
		if s != http.StatusRequestTimeout {
			t.Fatalf("stalled upload %d answered %d, want 408", n+1, s)
		}
	}
	for _, pw := range pipes {
		pw.Close()
	}
	// Once they are gone, an upload at full speed goes through.
	if status, _ := post(e.editor, strings.NewReader("group,period,value\npilot,before,1\n")); status != http.StatusOK {
		t.Fatalf("upload after the stalled ones ended: %d", status)
	}
}

// TestUploadServerCap: past the server's uploads in flight, another
// workspace's upload is 503 with Retry-After.
func TestUploadServerCap(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.UploadsInFlight, cfg.UploadsPerWorkspace, cfg.UploadGrace = 1, 1, time.Minute
	e, path := uploadTarget(t, cfg)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	defer pw.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, pr)
		req.Header.Set("Authorization", "Bearer "+e.editor)
		req.Header.Set("Content-Type", "text/csv")
		e.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}()
	_, _ = pw.Write([]byte("group,period,value\n")) // returns once the server is reading
	// Another workspace's upload: the path's pilot is not its own, but the
	// server refuses it before looking.
	r := e.do(http.MethodPost, path, e.other, "group,period,value\n", "Content-Type", "text/csv")
	r.problem(t, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	pw.CloseWithError(io.ErrUnexpectedEOF)
	<-done
}

// TestIdempotentUpload: a retried upload with the same Idempotency-Key
// replays the first answer instead of adding the rows again; the same key
// with another body is 422.
func TestIdempotentUpload(t *testing.T) {
	t.Parallel()
	e, path := uploadTarget(t, api.DefaultConfig)
	body := "group,period,value\npilot,before,300\n"

	first := e.do(http.MethodPost, path, e.editor, body, "Content-Type", "text/csv", "Idempotency-Key", "upload-1").want(t, http.StatusOK)
	again := e.do(http.MethodPost, path, e.editor, body, "Content-Type", "text/csv", "Idempotency-Key", "upload-1").want(t, http.StatusOK)
	if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry answered %s (replayed %q), first %s", again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
	}
	var got api.Metric
	e.do(http.MethodGet, strings.TrimSuffix(path, "/observations"), e.viewer, nil).want(t, http.StatusOK).json(t, &got)
	if len(got.Samples) != 1 || *got.Samples[0].N != 1 {
		t.Fatalf("after a retried upload the samples are %+v, want one of n = 1", got.Samples)
	}
	e.do(http.MethodPost, path, e.editor, "group,period,value\npilot,before,301\n", "Content-Type", "text/csv", "Idempotency-Key", "upload-1").
		problem(t, http.StatusUnprocessableEntity)
	// A failed upload stores no key: its corrected retry is applied.
	e.do(http.MethodPost, path, e.editor, "group,period,value\npilot,after,x\n", "Content-Type", "text/csv", "Idempotency-Key", "upload-2").
		problem(t, http.StatusUnprocessableEntity)
	e.do(http.MethodPost, path, e.editor, "group,period,value\npilot,after,290\n", "Content-Type", "text/csv", "Idempotency-Key", "upload-2").
		want(t, http.StatusOK)
}

// TestRefusedUploadAnsweredAtOnce: an upload refused before its body is
// read (an unknown key, a spent budget) is answered at once even though its
// body stalls: the server closes the connection instead of reading the rest
// of the body first (30 s in make soak).
func TestRefusedUploadAnsweredAtOnce(t *testing.T) {
	t.Parallel()
	e, path := uploadTarget(t, api.DefaultConfig)
	cfg := api.DefaultConfig
	cfg.RatePerKey, cfg.BurstPerKey = 0.001, 1
	strict := api.New(e.store, slog.New(slog.DiscardHandler), cfg)
	srv := httptest.NewServer(strict.Handler())
	defer srv.Close()
	spend, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/me", nil)
	spend.Header.Set("Authorization", "Bearer "+e.editor)
	if res, err := http.DefaultClient.Do(spend); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("spending the budget: %v %v", res, err)
	}
	for _, tc := range []struct {
		name, token string
		status      int
	}{{"bad key", "cxb_x", http.StatusUnauthorized}, {"spent budget", e.editor, http.StatusTooManyRequests}} {
		t.Run(tc.name, func(t *testing.T) {
			body, stall := io.Pipe()
			defer stall.Close()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, body)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			req.Header.Set("Content-Type", "text/csv")
			status := make(chan int, 1)
			go func() {
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					status <- 0
					return
				}
				res.Body.Close()
				status <- res.StatusCode
			}()
			select {
			case got := <-status:
				if got != tc.status {
					t.Fatalf("status %d, want %d", got, tc.status)
				}
			case <-time.After(2 * time.Second):
				stall.CloseWithError(io.ErrUnexpectedEOF)
				t.Fatal("no answer within 2 s: the server is reading the refused body")
			}
		})
	}
}
