package api

import (
	"context"
	"mime"
	"net/http"
	"time"

	"cxbacklog/api/ingest"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// SampleInput is the body of PUT .../samples/{group}/{period}. Send exactly
// the fields of the metric's kind: mean {n, mean, sd}; proportion
// {n, successes}; nps {promoters, passives, detractors}; count
// {events, exposure}. Which fields are required depends on the metric's
// kind, which Swagger 2 cannot express: a missing one, or one of another
// kind, is 422 naming it.
type SampleInput struct {
	N          *int     `json:"n" example:"412" extensions:"x-nullable,x-omitempty"`          // required for mean (≥ 2) and proportion (≥ 1) metrics, else absent
	Mean       *float64 `json:"mean" example:"318.4" extensions:"x-nullable,x-omitempty"`     // required for mean metrics, else absent
	SD         *float64 `json:"sd" example:"74.2" extensions:"x-nullable,x-omitempty"`        // required for mean metrics (≥ 0), else absent
	Successes  *int     `json:"successes" example:"301" extensions:"x-nullable,x-omitempty"`  // required for proportion metrics (0..n), else absent
	Promoters  *int     `json:"promoters" example:"120" extensions:"x-nullable,x-omitempty"`  // required for nps metrics, else absent
	Passives   *int     `json:"passives" example:"60" extensions:"x-nullable,x-omitempty"`    // required for nps metrics, else absent
	Detractors *int     `json:"detractors" example:"40" extensions:"x-nullable,x-omitempty"`  // required for nps metrics, else absent
	Events     *int     `json:"events" example:"9" extensions:"x-nullable,x-omitempty"`       // required for count metrics (≥ 0), else absent
	Exposure   *float64 `json:"exposure" example:"288.0" extensions:"x-nullable,x-omitempty"` // required for count metrics (> 0, e.g. agent-weeks), else absent
} // @name SampleInput

// Sample is one metric's measurement for one group in one period; only the
// fields of the metric's kind are present. A pilot's sample always has
// group, period and source; a touchpoint measurement's summary has none of
// them (the measurement has its own period and source).
type Sample struct {
	Group      string    `json:"group,omitempty" enums:"pilot,control" example:"pilot"`           // always in a pilot's sample; absent in a measurement's summary
	Period     string    `json:"period,omitempty" enums:"before,after" example:"before"`          // always in a pilot's sample; absent in a measurement's summary
	Source     string    `json:"source,omitempty" enums:"summary,observations" example:"summary"` // entered as summary statistics or computed from raw observations; absent in a measurement's summary
	N          *int      `json:"n,omitempty" example:"412"`                                       // mean and proportion metrics
	Mean       *float64  `json:"mean,omitempty" example:"318.4"`                                  // mean metrics
	SD         *float64  `json:"sd,omitempty" example:"74.2"`                                     // mean metrics
	Successes  *int      `json:"successes,omitempty"`                                             // proportion metrics
	Promoters  *int      `json:"promoters,omitempty"`                                             // nps metrics
	Passives   *int      `json:"passives,omitempty"`                                              // nps metrics
	Detractors *int      `json:"detractors,omitempty"`                                            // nps metrics
	Events     *int      `json:"events,omitempty"`                                                // count metrics
	Exposure   *float64  `json:"exposure,omitempty"`                                              // count metrics
	UpdatedAt  time.Time `json:"updated_at" binding:"required"`
	Version    int       `json:"version" example:"1" binding:"required"`
} // @name Sample

// ObservationUpload says what an upload of raw observations did.
type ObservationUpload struct {
	Rows    int      `json:"rows" example:"1000000" binding:"required"` // stored by this upload
	Paired  bool     `json:"paired" binding:"required"`                 // every observation of the metric has a unit_id seen in both periods: per-unit change scores are analysed
	Samples []Sample `json:"samples" binding:"required"`                // recomputed from all of the metric's observations
} // @name ObservationUpload

// ObservationsDeleted says how many observations were removed.
type ObservationsDeleted struct {
	Removed int `json:"removed" example:"1000000" binding:"required"`
} // @name ObservationsDeleted

// MaxObservationsPerRequest bounds one observation upload.
const MaxObservationsPerRequest = ingest.MaxObservations

// sampleOf checks that in has exactly the fields of kind and builds the
// sample, naming every missing or foreign field.
func sampleOf(in *SampleInput, kind domain.MetricKind, g domain.Group, p domain.Period) (*domain.Sample, error) {
	present := map[string]bool{"n": in.N != nil, "mean": in.Mean != nil, "sd": in.SD != nil, "successes": in.Successes != nil,
		"promoters": in.Promoters != nil, "passives": in.Passives != nil, "detractors": in.Detractors != nil,
		"events": in.Events != nil, "exposure": in.Exposure != nil}
	fields := domain.SampleFieldErrors(kind, func(name string) bool { return present[name] })
	if len(fields) > 0 {
		return nil, domain.Invalid(fields...)
	}
	smp := &domain.Sample{Group: g, Period: p}
	deref(in.N, &smp.N)
	deref(in.Mean, &smp.Mean)
	deref(in.SD, &smp.SD)
	deref(in.Successes, &smp.Successes)
	deref(in.Promoters, &smp.Promoters)
	deref(in.Passives, &smp.Passives)
	deref(in.Detractors, &smp.Detractors)
	deref(in.Events, &smp.Events)
	deref(in.Exposure, &smp.Exposure)
	return smp, nil
}

func deref[T any](p *T, dst *T) {
	if p != nil {
		*dst = *p
	}
}

func sampleOut(kind domain.MetricKind, s *domain.Sample) Sample {
	out := Sample{Group: string(s.Group), Period: string(s.Period), Source: string(s.Source), UpdatedAt: s.UpdatedAt.UTC(), Version: s.Version}
	switch kind {
	case domain.KindMean:
		out.N, out.Mean, out.SD = &s.N, &s.Mean, &s.SD
	case domain.KindProportion:
		out.N, out.Successes = &s.N, &s.Successes
	case domain.KindNPS:
		out.Promoters, out.Passives, out.Detractors = &s.Promoters, &s.Passives, &s.Detractors
	case domain.KindCount:
		out.Events, out.Exposure = &s.Events, &s.Exposure
	}
	return out
}

// observationsPath is the bulk upload route, which gets its own body limit,
// timeout and media types.
const observationsPath = "/pilots/:id/metrics/:metric_id/observations"

// sampleAt reads a sample's path: pilot, metric, group and period; an
// unknown group or period names no sample, so it is answered with 404.
func sampleAt(c echo.Context) (pilotID string, key domain.Sample, err error) {
	pilotID, metricID, err := pilotAndMetric(c)
	if err != nil {
		return "", key, err
	}
	g, okG := domain.ParseGroup(c.Param("group"))
	p, okP := domain.ParsePeriod(c.Param("period"))
	if !okG || !okP {
		return "", key, domain.Errorf(domain.ENotFound, "samples are addressed as .../samples/{pilot|control}/{before|after}")
	}
	return pilotID, domain.Sample{MetricID: metricID, Group: g, Period: p}, nil
}

// putSample godoc
//
//	@Summary		Enter a sample as summary statistics
//	@Description	The body holds exactly the fields of the metric's kind: mean {n, mean, sd}; proportion {n, successes}; nps {promoters, passives, detractors}; count {events, exposure}. Impossible values (sd < 0, successes > n, n < 2 for a mean, exposure ≤ 0) are 422 naming the field. Without If-Match the sample must not exist yet (201; 428 if it does); with If-Match it replaces the version named (200; 412 if stale). A sample computed from raw observations cannot be replaced (409). Only while the pilot is planned or running.
//	@ID				putPilotSample
//	@Tags			pilots
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string		true	"Pilot id"																											format(uuid)
//	@Param			metric_id	path		string		true	"Metric id"																											format(uuid)
//	@Param			group		path		string		true	"Group"																												Enums(pilot,control)
//	@Param			period		path		string		true	"Period"																											Enums(before,after)
//	@Param			If-Match	header		string		false	"ETag of the sample being replaced, as its ETag header gave it: a version number in double quotes; omit to create"	extensions(x-example="1")
//	@Param			sample		body		SampleInput	true	"Summary statistics"
//	@Success		200			{object}	Sample
//	@Success		201			{object}	Sample
//	@Header			200			{string}	ETag				"The sample's version"
//	@Header			201			{string}	Location			"URL of the new sample: the path of this request"
//	@Header			201			{string}	ETag				"The sample's version, for If-Match"
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"The pilot is completed or cancelled, or the sample comes from observations"
//	@Failure		412			{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is not application/json"
//	@Failure		422			{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		428			{object}	Problem				"The sample exists and If-Match is missing"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots/{id}/metrics/{metric_id}/samples/{group}/{period} [put]
func (s *Server) putSample(c echo.Context) error {
	pilotID, key, err := sampleAt(c)
	if err != nil {
		return err
	}
	version, err := optionalIfMatch(c)
	if err != nil {
		return err
	}
	var in SampleInput
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	smp, kind, created, err := s.pilots.PutSample(c.Request().Context(), principal(c).WorkspaceID, pilotID, key.MetricID, version,
		func(kind domain.MetricKind) (*domain.Sample, error) {
			return sampleOf(&in, kind, key.Group, key.Period)
		})
	if err != nil {
		return err
	}
	setETag(c, smp.Version)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Response().Header().Set(echo.HeaderLocation, c.Request().URL.Path)
	}
	return c.JSON(status, sampleOut(kind, smp))
}

// getSample godoc
//
//	@Summary	Get one sample
//	@ID			getPilotSample
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path		string	true	"Pilot id"	format(uuid)
//	@Param		metric_id	path		string	true	"Metric id"	format(uuid)
//	@Param		group		path		string	true	"Group"		Enums(pilot,control)
//	@Param		period		path		string	true	"Period"	Enums(before,after)
//	@Success	200			{object}	Sample
//	@Header		200			{string}	ETag				"The sample's version"
//	@Failure	400			{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/pilots/{id}/metrics/{metric_id}/samples/{group}/{period} [get]
func (s *Server) getSample(c echo.Context) error {
	pilotID, key, err := sampleAt(c)
	if err != nil {
		return err
	}
	m, samples, err := s.store.MetricSamples(c.Request().Context(), principal(c).WorkspaceID, pilotID, key.MetricID)
	if err != nil {
		return err
	}
	for n := range samples {
		if samples[n].Group == key.Group && samples[n].Period == key.Period {
			setETag(c, samples[n].Version)
			return c.JSON(http.StatusOK, sampleOut(m.Kind, &samples[n]))
		}
	}
	return domain.Errorf(domain.ENotFound, "there is no %s %s sample of this metric", key.Group, key.Period)
}

// deleteSample godoc
//
//	@Summary	Delete a summary sample
//	@ID			deletePilotSample
//	@Tags		pilots
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id			path	string	true	"Pilot id"																			format(uuid)
//	@Param		metric_id	path	string	true	"Metric id"																			format(uuid)
//	@Param		group		path	string	true	"Group"																				Enums(pilot,control)
//	@Param		period		path	string	true	"Period"																			Enums(before,after)
//	@Param		If-Match	header	string	true	"ETag of the sample, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Success	204
//	@Failure	400		{object}	Problem				"Bad request: a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	409		{object}	Problem				"The pilot is completed or cancelled, or the sample comes from observations"
//	@Failure	412		{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure	428		{object}	Problem				"If-Match is missing"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/pilots/{id}/metrics/{metric_id}/samples/{group}/{period} [delete]
func (s *Server) deleteSample(c echo.Context) error {
	pilotID, key, err := sampleAt(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	err = s.editPilot(c, pilotID, func(ctx context.Context) error {
		return s.store.DeleteSample(ctx, principal(c).WorkspaceID, pilotID, key, version)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// uploadObservations godoc
//
//	@Summary		Upload raw observations (NDJSON or CSV, up to 1,000,000 rows)
//	@Description	Rows {group, period, value, unit_id?}: NDJSON objects one per line, or CSV with a header naming the columns group,period,value[,unit_id]. Values by kind: mean any number; proportion 0 or 1; nps 0–10; count the events in one unit of exposure (each row is one unit, e.g. one agent-week). Once the whole body has arrived (into a temporary file: a slow client never holds a database connection), it is copied into PostgreSQL with COPY; a bad row is 422 naming its line, and then nothing of the request is stored. Afterwards every observed group and period of the metric is recomputed in SQL from all its observations (uploads add up). When every observation of a mean metric has a unit_id seen in both periods, the results use per-unit change scores (paired designs). A group and period entered as a summary cannot also get observations (409). By default a client sending slower than 16 KiB/s on average after the first 10 s is cut off (408); a workspace has at most 4 uploads in flight (429 beyond), the server 16 (503 beyond), both with Retry-After. With an Idempotency-Key, a retry replays the first response instead of adding the rows again.
//	@ID				uploadObservations
//	@Tags			pilots
//	@Accept			application/x-ndjson
//	@Accept			text/csv
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"Pilot id"	format(uuid)
//	@Param			metric_id		path		string	true	"Metric id"	format(uuid)
//	@Param			rows			body		string	true	"NDJSON or CSV rows"
//	@Param			Idempotency-Key	header		string	false	"Makes the upload safe to retry: the first response is replayed for 24 h"
//	@Success		200				{object}	ObservationUpload
//	@Header			200				{string}	Idempotent-Replayed	"true when this answers a retry: the stored first response to the same Idempotency-Key"
//	@Failure		400				{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404				{object}	Problem				"Unknown, or in another workspace"
//	@Failure		408				{object}	Problem				"The body arrived too slowly"
//	@Failure		409				{object}	Problem				"The pilot is completed or cancelled, a summary sample is in the way, or the same Idempotency-Key is in flight"
//	@Failure		413				{object}	Problem				"More than 1,000,000 rows or the body limit"
//	@Failure		415				{object}	Problem				"The body is neither application/x-ndjson nor text/csv"
//	@Failure		422				{object}	Problem				"A bad row (errors[0].line names it), or an Idempotency-Key reused for a different body"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has as many uploads in flight as it may (4 by default); retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable, or the server takes no more uploads now (16 in flight by default); retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots/{id}/metrics/{metric_id}/observations [post]
func (s *Server) uploadObservations(c echo.Context) error {
	pilotID, metricID, err := pilotAndMetric(c)
	if err != nil {
		return err
	}
	mediaType, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	load, kind, err := s.pilots.AddObservations(c.Request().Context(), principal(c).WorkspaceID, pilotID, metricID,
		func(kind domain.MetricKind) (func() (domain.Observation, error), error) {
			rows, err := ingest.Observations(requestBody{c.Request().Body}, mediaType, kind)
			if err != nil {
				return nil, err
			}
			return rows.Next, nil
		})
	if err != nil {
		return err
	}
	out := ObservationUpload{Rows: load.Rows, Paired: load.Paired, Samples: make([]Sample, len(load.Samples))}
	for n := range load.Samples {
		out.Samples[n] = sampleOut(kind, &load.Samples[n])
	}
	return c.JSON(http.StatusOK, out)
}

// deleteObservations godoc
//
//	@Summary		Delete a metric's raw observations
//	@Description	Also removes the samples and change scores computed from them. Only while the pilot is planned or running.
//	@ID				deleteObservations
//	@Tags			pilots
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string	true	"Pilot id"	format(uuid)
//	@Param			metric_id	path		string	true	"Metric id"	format(uuid)
//	@Success		200			{object}	ObservationsDeleted
//	@Failure		400			{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown, or in another workspace"
//	@Failure		409			{object}	Problem				"The pilot is completed or cancelled"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/pilots/{id}/metrics/{metric_id}/observations [delete]
func (s *Server) deleteObservations(c echo.Context) error {
	pilotID, metricID, err := pilotAndMetric(c)
	if err != nil {
		return err
	}
	var removed int
	err = s.editPilot(c, pilotID, func(ctx context.Context) error {
		removed, err = s.store.DeleteObservations(ctx, principal(c).WorkspaceID, pilotID, metricID)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ObservationsDeleted{Removed: removed})
}
