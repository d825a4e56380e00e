package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"

	"github.com/chromedp/chromedp"
)

// TestInABrowser drives a real headless Chromium through what a CX lead
// does first: sign in, find the ideas to do next, create an idea, move it
// to planned, see it on the roadmap, open a pilot's results. Screenshots go
// to $CXB_SCREENSHOTS, or to a new temporary directory named in the log.
func TestInABrowser(t *testing.T) {
	t.Parallel()
	exe := chromiumPath(t)
	s := newSite(t)
	queue := s.touchpoint("Phone queue")
	s.ideaIn("Callbacks instead of waiting", 5, 5, 1, domain.StatusNew, queue)
	pilot := s.runningPilot(t, queue)

	shots := os.Getenv("CXB_SCREENSHOTS")
	if shots == "" {
		var err error
		if shots, err = os.MkdirTemp("", "cxbacklog-browser-"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", shots)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 1000))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// The first run starts the browser and must not have a deadline (it
	// would stop the browser); each step after it gets one.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(browser, time.Minute) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	value := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		ctx, cancel := step()
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		}
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
	}

	// Sign in from the address make run prints.
	do("open the workspace", chromedp.Navigate(s.srv.URL+"/"), chromedp.WaitVisible(`#key`))
	if location := value("where it went", chromedp.Location()); !strings.Contains(location, "/sign-in") {
		t.Fatalf("the backlog without a session went to %s, not the sign-in page", location)
	}
	shot("01-sign-in")
	do("sign in", chromedp.SendKeys(`#key`, s.keys[domain.RoleEditor]), chromedp.Submit(`#key`), chromedp.WaitVisible(`ol.ideas`))
	shot("02-backlog")
	if first := value("read the backlog", chromedp.Text(`ol.ideas li .idea-title`)); first != "Callbacks instead of waiting" {
		t.Fatalf("the first idea to do is %q", first)
	}

	// Create an idea and move it to planned.
	const title = "Show the waiting time in the queue"
	do("open the new idea form", chromedp.Navigate(s.srv.URL+"/ideas/new"), chromedp.WaitVisible(`#title`))
	do("fill it in",
		chromedp.SendKeys(`#title`, title),
		chromedp.Click(fmt.Sprintf(`input[name=touchpoint_ids][value="%s"]`, queue)),
		chromedp.Click(`input[name=impact][value="4"]`),
		chromedp.Click(`input[name=experience][value="5"]`),
		chromedp.Click(`input[name=effort][value="2"]`),
	)
	shot("03-new-idea")
	do("create it", chromedp.Submit(`#title`), chromedp.WaitVisible(`form[action$="/status"]`))
	shot("04-idea")
	// Each move loads the idea again, now offering the moves of its new
	// status: under review can go to planned, planned to piloting.
	for _, move := range []struct{ to, then string }{{"under_review", "planned"}, {"planned", "piloting"}} {
		do("move the idea to "+move.to,
			chromedp.Click(fmt.Sprintf(`form[action$="/status"]:has(input[name=to][value=%s]) button`, move.to)),
			chromedp.WaitVisible(fmt.Sprintf(`form[action$="/status"]:has(input[name=to][value=%s]) button`, move.then)))
	}
	shot("05-idea-planned")

	do("open the roadmap", chromedp.Navigate(s.srv.URL+"/roadmap"), chromedp.WaitVisible(`main h1`))
	shot("06-roadmap")
	if next := value("read the next column", chromedp.Text(`#lane-next`)); !strings.Contains(next, title) {
		t.Fatalf("the roadmap's next column does not show the planned idea: %q", next)
	}

	do("open the pilot's results", chromedp.Navigate(s.srv.URL+"/pilots/"+pilot), chromedp.WaitVisible(`img.chart`))
	ctx, cancelPoll := step()
	loaded, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector("img.chart"); return i.complete && i.naturalWidth > 0; })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	cancelPoll()
	if err != nil || !loaded {
		t.Fatalf("the forest plot did not load in the page (the chart route must accept the session): %v", err)
	}
	shot("07-pilot")
	if banner := value("read the banner", chromedp.Text(`.notice`)); !strings.Contains(strings.ToLower(banner), "still running") {
		t.Fatalf("a running pilot's page has no interim banner: %q", banner)
	}

	do("the backlog at 375 px", chromedp.EmulateViewport(375, 800), chromedp.Navigate(s.srv.URL+"/"), chromedp.WaitVisible(`ol.ideas`))
	shot("08-backlog-375px")
	ctx, cancelEval := step()
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	cancelEval()
	if err != nil || overflow {
		t.Errorf("the backlog scrolls sideways at 375 px (%v)", err)
	}
}

// chromiumPath finds the browser; CI installs it (.ci/run).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium for the browser test: install it (apt-get install -y chromium; .ci/run does)")
	return ""
}

// api sends a JSON request with the editor's key and decodes the answer.
func (s *site) api(t *testing.T, method, path string, body any, out any, headers ...string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+"/api/v1"+path, r)
	req.Header.Set("Authorization", "Bearer "+s.keys[domain.RoleEditor])
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
}

// runningPilot makes the headset pilot at touchpoint, with samples, running.
func (s *site) runningPilot(t *testing.T, touchpoint string) string {
	t.Helper()
	var idea, pilot, metric struct{ ID string }
	s.api(t, http.MethodPost, "/ideas", map[string]any{"title": "Headsets for agents", "touchpoint_ids": []string{touchpoint},
		"impact": 4, "experience": 5, "effort": 2}, &idea)
	for n, status := range []string{"under_review", "planned"} { // a pilot starts from a planned idea
		s.api(t, http.MethodPatch, "/ideas/"+idea.ID, map[string]string{"status": status}, nil, "If-Match", fmt.Sprintf(`"%d"`, n+1))
	}
	s.api(t, http.MethodPost, "/pilots", map[string]any{"idea_id": idea.ID, "title": "Headsets for team B",
		"hypothesis": "Agents who hear callers finish calls sooner", "scope": "Team B"}, &pilot)
	s.api(t, http.MethodPost, "/pilots/"+pilot.ID+"/metrics", map[string]any{"name": "Handle time", "unit": "seconds",
		"kind": "mean", "direction": "lower_is_better", "primary": true}, &metric)
	for period, sample := range map[string]map[string]any{"before": {"n": 400, "mean": 320, "sd": 75}, "after": {"n": 410, "mean": 290, "sd": 70}} {
		s.api(t, http.MethodPut, "/pilots/"+pilot.ID+"/metrics/"+metric.ID+"/samples/pilot/"+period, sample, nil)
	}
	s.api(t, http.MethodPost, "/pilots/"+pilot.ID+"/start", nil, nil)
	return pilot.ID
}
