package clienttest

import (
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cxbacklog/api"
	"cxbacklog/docs/clienttest/gen/client"
	"cxbacklog/docs/clienttest/gen/client/ideas"
	"cxbacklog/docs/clienttest/gen/client/journeys"
	"cxbacklog/docs/clienttest/gen/client/pilots"
	"cxbacklog/docs/clienttest/gen/client/roadmap"
	"cxbacklog/docs/clienttest/gen/client/touchpoints"
	"cxbacklog/docs/clienttest/gen/models"
	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newClient serves the API on a fresh database and answers a generated
// client with a workspace's editor and viewer keys.
func newClient(t *testing.T) (*client.Cxbacklog, runtime.ClientAuthInfoWriter, runtime.ClientAuthInfoWriter) {
	t.Helper()
	store, _ := pgtest.NewStore(t)
	cfg := api.DefaultConfig
	cfg.AuthFailureRate = 0
	srv := httptest.NewServer(api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg).Handler())
	t.Cleanup(srv.Close)
	ws, editor := pgtest.Workspace(t, store, "acme", domain.RoleEditor)
	viewer := pgtest.Key(t, store, ws, domain.RoleViewer)
	u, _ := url.Parse(srv.URL)
	rt := httptransport.New(u.Host, client.DefaultBasePath, []string{"http"})
	// What an integrator adds: the runtime knows JSON, not its problem+json
	// suffix, nor images.
	rt.Consumers["application/problem+json"] = runtime.JSONConsumer()
	rt.Consumers["image/svg+xml"] = runtime.ByteStreamConsumer()
	auth := func(key string) runtime.ClientAuthInfoWriter {
		return httptransport.APIKeyAuth("Authorization", "header", "Bearer "+key)
	}
	return client.New(rt, strfmt.Default), auth(editor), auth(viewer)
}

// problemOf extracts the typed Problem a generated error response carries;
// a response the client could not decode has none.
func problemOf(t *testing.T, err error) *models.Problem {
	t.Helper()
	if err == nil {
		t.Fatal("the call succeeded; want an error")
	}
	var p interface{ GetPayload() *models.Problem }
	if !errors.As(err, &p) || p.GetPayload() == nil {
		t.Fatalf("the error is not a typed Problem (%T): %v", err, err)
	}
	return p.GetPayload()
}

func ptr[T any](v T) *T { return &v }

// A scenario as an integrator writes it: every answer, success or error,
// must decode into the types generated from docs/swagger.json.
func TestGeneratedClient(t *testing.T) {
	t.Parallel()
	c, editor, viewer := newClient(t)

	j, err := c.Journeys.CreateJourney(journeys.NewCreateJourneyParams().WithJourney(&models.JourneyCreate{
		Name: ptr("Calling about a bill"), Stages: []*models.StageInput{{Name: ptr("Call")}}}), editor)
	if err != nil {
		t.Fatalf("createJourney: %v", err)
	}
	tp, err := c.Touchpoints.CreateTouchpoint(touchpoints.NewCreateTouchpointParams().WithTouchpoint(&models.TouchpointCreate{
		JourneyID: ptr(strfmt.UUID(*j.Payload.ID)), StageID: ptr(strfmt.UUID(*j.Payload.Stages[0].ID)),
		Name: ptr("Phone queue"), Channel: ptr("phone")}), editor)
	if err != nil {
		t.Fatalf("createTouchpoint: %v", err)
	}
	idea, err := c.Ideas.CreateIdea(ideas.NewCreateIdeaParams().WithIdea(&models.IdeaCreate{
		Title: ptr("Headsets for agents"), TouchpointIds: []strfmt.UUID{strfmt.UUID(*tp.Payload.ID)},
		Impact: ptr(int64(4)), Experience: ptr(int64(5)), Effort: ptr(int64(2)), Confidence: ptr(0.8)}), editor)
	if err != nil {
		t.Fatalf("createIdea: %v", err)
	}
	if idea.ETag == "" || idea.Location == "" || *idea.Payload.Score.Quadrant != "quick_win" {
		t.Fatalf("createIdea answered ETag %q, Location %q, score %+v", idea.ETag, idea.Location, idea.Payload.Score)
	}
	id := string(*idea.Payload.ID)

	list, err := c.Ideas.ListIdeas(ideas.NewListIdeasParams().WithStatus([]string{"new", "planned"}), viewer)
	if err != nil || len(list.Payload.Items) != 1 || *list.Payload.Items[0].Title != "Headsets for agents" {
		t.Fatalf("listIdeas: %+v, %v", list, err)
	}

	// A status-only patch from the generated model sends only the status.
	moved, err := c.Ideas.PatchIdea(ideas.NewPatchIdeaParams().WithID(strfmt.UUID(id)).WithIfMatch(idea.ETag).
		WithPatch(&models.IdeaPatch{Status: ptr("under_review")}), editor)
	if err != nil || *moved.Payload.Status != "under_review" || len(moved.Payload.TouchpointIds) != 1 || len(moved.Payload.Tags) != 0 {
		t.Fatalf("patchIdea status only: %+v, %v", moved, err)
	}
	moved, err = c.Ideas.PatchIdea(ideas.NewPatchIdeaParams().WithID(strfmt.UUID(id)).WithIfMatch(moved.ETag).
		WithPatch(&models.IdeaPatch{Status: ptr("planned")}), editor)
	if err != nil {
		t.Fatalf("patchIdea to planned: %v", err)
	}

	// An error of each class arrives as the typed Problem, with its status.
	missing := strfmt.UUID("00000000-0000-4000-8000-000000000000")
	errorsWanted := []struct {
		name   string
		status int64
		call   func() error
	}{
		{"400 unknown parameter", 400, func() error {
			_, err := c.Ideas.ListIdeas(ideas.NewListIdeasParams().WithStatus([]string{"done"}), viewer)
			return err
		}},
		{"401 bad key", 401, func() error {
			_, err := c.Ideas.GetIdea(ideas.NewGetIdeaParams().WithID(strfmt.UUID(id)), httptransport.APIKeyAuth("Authorization", "header", "Bearer cxb_x"))
			return err
		}},
		{"403 viewer writes", 403, func() error {
			_, err := c.Ideas.CreateIdea(ideas.NewCreateIdeaParams().WithIdea(&models.IdeaCreate{Title: ptr("x"),
				TouchpointIds: []strfmt.UUID{strfmt.UUID(*tp.Payload.ID)}, Impact: ptr(int64(3)), Experience: ptr(int64(3)), Effort: ptr(int64(3))}), viewer)
			return err
		}},
		{"404 unknown idea", 404, func() error {
			_, err := c.Ideas.GetIdea(ideas.NewGetIdeaParams().WithID(missing), viewer)
			return err
		}},
		{"409 move not allowed", 409, func() error {
			_, err := c.Ideas.PatchIdea(ideas.NewPatchIdeaParams().WithID(strfmt.UUID(id)).WithIfMatch(moved.ETag).
				WithPatch(&models.IdeaPatch{Status: ptr("new")}), editor)
			return err
		}},
		{"412 stale If-Match", 412, func() error {
			_, err := c.Ideas.PatchIdea(ideas.NewPatchIdeaParams().WithID(strfmt.UUID(id)).WithIfMatch(idea.ETag).
				WithPatch(&models.IdeaPatch{Owner: ptr("CX team")}), editor)
			return err
		}},
		{"422 invalid values", 422, func() error {
			_, err := c.Ideas.CreateIdea(ideas.NewCreateIdeaParams().WithIdea(&models.IdeaCreate{Title: ptr("x"),
				TouchpointIds: []strfmt.UUID{strfmt.UUID(*tp.Payload.ID)}, Impact: ptr(int64(9)), Experience: ptr(int64(3)), Effort: ptr(int64(3))}), editor)
			return err
		}},
		{"428 no If-Match", 428, func() error {
			_, err := c.Ideas.DeleteIdea(ideas.NewDeleteIdeaParams().WithID(strfmt.UUID(id)), editor)
			return err
		}},
	}
	for _, tc := range errorsWanted {
		t.Run(tc.name, func(t *testing.T) {
			p := problemOf(t, tc.call())
			if *p.Status != tc.status || !strings.HasPrefix(*p.Type, "urn:cxbacklog:problem:") || *p.Detail == "" {
				t.Fatalf("problem %+v, want status %d", p, tc.status)
			}
		})
	}

	// A pilot with a metric and samples, started: interim results decode.
	pilot, err := c.Pilots.CreatePilot(pilots.NewCreatePilotParams().WithPilot(&models.PilotCreate{
		IdeaID: ptr(strfmt.UUID(id)), Hypothesis: ptr("Agents who hear callers finish sooner"), Title: ptr("Headsets for team B")}), editor)
	if err != nil {
		t.Fatalf("createPilot without dates: %v", err)
	}
	pid := strfmt.UUID(*pilot.Payload.ID)
	metric, err := c.Pilots.CreatePilotMetric(pilots.NewCreatePilotMetricParams().WithID(pid).WithMetric(&models.MetricCreate{
		Name: ptr("Handle time"), Kind: ptr("mean"), Direction: ptr("lower_is_better"), Primary: ptr(true), Unit: ptr("seconds")}), editor)
	if err != nil {
		t.Fatalf("createPilotMetric: %v", err)
	}
	for period, s := range map[string]*models.SampleInput{"before": {N: ptr(int64(400)), Mean: ptr(320.0), Sd: ptr(75.0)},
		"after": {N: ptr(int64(410)), Mean: ptr(290.0), Sd: ptr(70.0)}} {
		if _, _, err := c.Pilots.PutPilotSample(pilots.NewPutPilotSampleParams().WithID(pid).WithMetricID(strfmt.UUID(*metric.Payload.ID)).
			WithGroup("pilot").WithPeriod(period).WithSample(s), editor); err != nil {
			t.Fatalf("putPilotSample %s: %v", period, err)
		}
	}
	if _, err := c.Pilots.StartPilot(pilots.NewStartPilotParams().WithID(pid), editor); err != nil {
		t.Fatalf("startPilot: %v", err)
	}
	res, err := c.Pilots.GetPilotResults(pilots.NewGetPilotResultsParams().WithID(pid), viewer)
	if err != nil || !*res.Payload.Interim || len(res.Payload.Metrics) != 1 || *res.Payload.Metrics[0].Estimate != -30 {
		t.Fatalf("getPilotResults: %+v, %v", res, err)
	}

	chart, err := c.Roadmap.GetMatrixChart(roadmap.NewGetMatrixChartParams(), viewer)
	if err != nil || !strings.Contains(chart.Payload, "<svg") {
		t.Fatalf("getMatrixChart: %v", err)
	}
}
