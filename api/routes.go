package api

import (
	"net/http"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// apiRoutes registers every /api/v1 endpoint with the least role it needs,
// one resource after another: the whole API in one place. The handlers live
// in the resource's file (journeys.go, ideas.go, ...). routeQuery marks the
// endpoints that read query parameters; every other one refuses any.
func (s *Server) apiRoutes(g *echo.Group) {
	const (
		viewer, editor, admin = domain.RoleViewer, domain.RoleEditor, domain.RoleAdmin
		get, post, put        = http.MethodGet, http.MethodPost, http.MethodPut
		patch, del            = http.MethodPatch, http.MethodDelete
	)
	s.route(g, get, "/me", s.me, viewer)

	s.route(g, post, "/api-keys", s.createKey, admin)
	s.routeQuery(g, get, "/api-keys", s.listKeys, admin)
	s.route(g, get, "/api-keys/:id", s.getKey, admin)
	s.route(g, post, "/api-keys/:id/revoke", s.revokeKey, admin)

	s.route(g, post, "/journeys", s.createJourney, editor, s.idempotent)
	s.routeQuery(g, get, "/journeys", s.listJourneys, viewer)
	s.route(g, get, "/journeys/:id", s.getJourney, viewer)
	s.route(g, patch, "/journeys/:id", s.patchJourney, editor)
	s.route(g, del, "/journeys/:id", s.deleteJourney, editor)
	s.routeQuery(g, get, "/journeys/:id/heatmap", s.heatmap, viewer)
	s.routeQuery(g, get, "/journeys/:id/heatmap.svg", s.heatmapChart, viewer)

	s.route(g, post, "/touchpoints", s.createTouchpoint, editor, s.idempotent)
	s.routeQuery(g, get, "/touchpoints", s.listTouchpoints, viewer)
	s.route(g, get, "/touchpoints/:id", s.getTouchpoint, viewer)
	s.route(g, patch, "/touchpoints/:id", s.patchTouchpoint, editor)
	s.route(g, del, "/touchpoints/:id", s.deleteTouchpoint, editor)
	s.route(g, get, "/touchpoints/:id/health", s.touchpointHealth, viewer)
	s.routeQuery(g, get, "/touchpoints/:id/trend.svg", s.trendChart, viewer)
	s.route(g, post, "/touchpoints/:id/measurements", s.addMeasurement, editor, s.idempotent)
	s.routeQuery(g, get, "/touchpoints/:id/measurements", s.listMeasurements, viewer)
	s.route(g, get, "/touchpoints/:id/measurements/:measurement_id", s.getMeasurement, viewer)
	s.route(g, put, "/touchpoints/:id/measurements/:measurement_id", s.putMeasurement, editor)
	s.route(g, del, "/touchpoints/:id/measurements/:measurement_id", s.deleteMeasurement, editor)
	s.routeQuery(g, post, measurementImportPath, s.importMeasurements, editor)

	s.route(g, post, "/metrics", s.createCatalogueMetric, editor, s.idempotent)
	s.route(g, get, "/metrics", s.listCatalogueMetrics, viewer)
	s.route(g, get, "/metrics/:id", s.getCatalogueMetric, viewer)
	s.route(g, patch, "/metrics/:id", s.patchCatalogueMetric, editor)
	s.route(g, del, "/metrics/:id", s.deleteCatalogueMetric, editor)

	s.route(g, get, "/scoring", s.getScoring, viewer)
	s.route(g, put, "/scoring", s.putScoring, admin)

	s.route(g, get, "/economics", s.getEconomics, viewer)
	s.route(g, put, "/economics", s.putEconomics, admin)
	s.route(g, get, "/search-settings", s.getSearchSettings, viewer)
	s.route(g, put, "/search-settings", s.putSearchSettings, admin)
	s.route(g, post, "/value-drivers", s.createValueDriver, editor, s.idempotent)
	s.routeQuery(g, get, "/value-drivers", s.listValueDrivers, viewer)
	s.route(g, get, "/value-drivers/:id", s.getValueDriver, viewer)
	s.route(g, patch, "/value-drivers/:id", s.patchValueDriver, editor)
	s.route(g, del, "/value-drivers/:id", s.deleteValueDriver, editor)

	s.route(g, post, "/ideas", s.createIdea, editor, s.idempotent)
	s.routeQuery(g, get, "/ideas", s.listIdeas, viewer, s.csvWhenAccepted)
	s.routeQuery(g, get, "/ideas.csv", s.exportIdeas, viewer)
	s.routeQuery(g, post, ideaImportPath, s.importIdeas, editor, s.idempotentImport)
	s.route(g, get, "/ideas/:id", s.getIdea, viewer)
	s.route(g, patch, "/ideas/:id", s.patchIdea, editor)
	s.route(g, del, "/ideas/:id", s.deleteIdea, editor)
	s.routeQuery(g, get, "/ideas/:id/history", s.ideaHistory, viewer)
	s.routeQuery(g, get, "/ideas/:id/pilots", s.ideaPilots, viewer)
	s.route(g, get, "/ideas/:id/evidence", s.ideaEvidence, viewer)
	s.route(g, post, "/ideas/:id/evidence", s.linkEvidence, editor)
	s.route(g, del, "/ideas/:id/evidence/contact-reasons/:reason_id", s.unlinkReason, editor)
	s.route(g, del, "/ideas/:id/evidence/feedback/:feedback_id", s.unlinkFeedback, editor)

	s.routeQuery(g, get, "/roadmap", s.roadmap, viewer)
	s.routeQuery(g, get, "/reports/matrix", s.matrix, viewer)
	s.routeQuery(g, get, "/reports/matrix.svg", s.matrixChart, viewer)
	s.routeQuery(g, get, "/reports/blind-spots", s.blindSpots, viewer)
	s.route(g, get, "/reports/coverage", s.coverage, viewer)
	s.route(g, get, "/reports/impact", s.impact, viewer)
	s.routeQuery(g, get, "/reports/value", s.valueReport, viewer)
	s.route(g, get, "/reports/value.svg", s.valueChart, viewer)
	s.routeQuery(g, get, "/reports/contact-reasons", s.contactReasons, viewer)
	s.routeQuery(g, get, "/reports/contact-reasons.svg", s.contactReasonsChart, viewer)

	s.route(g, post, "/pilots/plan", s.planPilot, viewer)
	s.route(g, post, "/pilots", s.createPilot, editor, s.idempotent)
	s.routeQuery(g, get, "/pilots", s.listPilots, viewer)
	s.route(g, get, "/pilots/:id", s.getPilot, viewer)
	s.route(g, patch, "/pilots/:id", s.patchPilot, editor)
	s.route(g, del, "/pilots/:id", s.deletePilot, editor)
	s.route(g, post, "/pilots/:id/start", s.startPilot, editor)
	s.route(g, post, "/pilots/:id/complete", s.completePilot, editor)
	s.route(g, post, "/pilots/:id/cancel", s.cancelPilot, editor)
	s.route(g, get, "/pilots/:id/results", s.pilotResults, viewer)
	s.route(g, get, "/pilots/:id/results.svg", s.resultsChart, viewer)
	s.route(g, get, "/pilots/:id/results.csv", s.pilotResultsCSV, viewer)

	s.route(g, post, "/pilots/:id/metrics", s.createMetric, editor, s.idempotent)
	s.routeQuery(g, get, "/pilots/:id/metrics", s.listMetrics, viewer)
	s.route(g, get, "/pilots/:id/metrics/:metric_id", s.getMetric, viewer)
	s.route(g, patch, "/pilots/:id/metrics/:metric_id", s.patchMetric, editor)
	s.route(g, del, "/pilots/:id/metrics/:metric_id", s.deleteMetric, editor)
	const sample = "/pilots/:id/metrics/:metric_id/samples/:group/:period"
	s.route(g, put, sample, s.putSample, editor)
	s.route(g, get, sample, s.getSample, viewer)
	s.route(g, del, sample, s.deleteSample, editor)
	s.route(g, post, observationsPath, s.uploadObservations, editor, s.uploadMiddleware()...)
	s.route(g, del, observationsPath, s.deleteObservations, editor)

	s.route(g, post, "/contact-reasons", s.createContactReason, editor, s.idempotent)
	s.routeQuery(g, get, "/contact-reasons", s.listContactReasons, viewer)
	s.route(g, get, "/contact-reasons/:id", s.getContactReason, viewer)
	s.route(g, patch, "/contact-reasons/:id", s.patchContactReason, editor)
	s.route(g, del, "/contact-reasons/:id", s.deleteContactReason, editor)
	s.route(g, post, "/contact-reasons/:id/volumes", s.createContactVolume, editor, s.idempotent)
	s.routeQuery(g, get, "/contact-reasons/:id/volumes", s.listContactVolumes, viewer)
	s.route(g, get, "/contact-reasons/:id/volumes/:volume_id", s.getContactVolume, viewer)
	s.route(g, put, "/contact-reasons/:id/volumes/:volume_id", s.putContactVolume, editor)
	s.route(g, del, "/contact-reasons/:id/volumes/:volume_id", s.deleteContactVolume, editor)
	s.routeQuery(g, post, contactVolumeImportPath, s.importContactVolumes, editor,
		append([]echo.MiddlewareFunc{s.checkVolumeImport}, s.uploadMiddleware()...)...)

	s.route(g, post, "/feedback", s.createFeedback, editor, s.idempotent)
	s.routeQuery(g, get, "/feedback", s.listFeedback, viewer)
	s.route(g, post, feedbackImportPath, s.importFeedback, editor, s.uploadMiddleware()...)
	s.route(g, get, "/feedback/:id", s.getFeedback, viewer)
	s.route(g, patch, "/feedback/:id", s.patchFeedback, editor)
	s.route(g, del, "/feedback/:id", s.deleteFeedback, editor)

	s.route(g, post, "/webhooks", s.createWebhook, admin) // no Idempotency-Key: the answer holds the secret
	s.routeQuery(g, get, "/webhooks", s.listWebhooks, admin)
	s.route(g, get, "/webhooks/:id", s.getWebhook, admin)
	s.route(g, patch, "/webhooks/:id", s.patchWebhook, admin)
	s.route(g, del, "/webhooks/:id", s.deleteWebhook, admin)
	s.routeQuery(g, get, "/webhooks/:id/deliveries", s.listDeliveries, admin)
	s.route(g, post, "/webhooks/:id/deliveries/:delivery_id/redeliver", s.redeliver, admin)
	s.routeQuery(g, get, "/events", s.listEvents, viewer)
}
