package ingest

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"
)

// MaxMeasurements bounds one measurement import.
const MaxMeasurements = 10_000

// measurementColumns are the columns of a measurement import: where, what
// and when, then the summary columns of every kind, then the source.
var measurementColumns = &columns{names: []string{"touchpoint_id", "metric", "period_start", "period_end",
	"n", "mean", "sd", "successes", "promoters", "passives", "detractors", "events", "exposure", "source"}, required: 4}

// Positions in measurementColumns.names.
const (
	colTouchpoint = iota
	colMetric
	colStart
	colEnd
	colSummary // the first of the summary columns, which run up to colSource
	colSource  = 13
)

// MeasurementRows are the measurements of an import, in the order of their
// rows.
type MeasurementRows = Rows[domain.Measurement]

// Measurements reads a CSV import of touchpoint measurements of workspace
// workspaceID: a header naming the columns touchpoint_id, metric,
// period_start and period_end, and any of n, mean, sd, successes,
// promoters, passives, detractors, events, exposure and source, in any order
// and case; then one measurement per row, with the summary columns of its
// metric's kind filled and the others empty. A metric is named by a key of
// catalogue, which the caller fills with the workspace's metrics by id and
// by key, in lower case.
//
// It reads the whole body and validates every row. The first bad row is an
// EInvalid *domain.Error whose one FieldError names its physical line and
// the column at fault; more than MaxMeasurements rows are ETooLarge; a
// failure to read the body is the body's own *domain.Error or EMalformed.
func Measurements(body io.Reader, workspaceID string, catalogue map[string]domain.CatalogueMetric) (*MeasurementRows, error) {
	return readRows(body, measurementColumns, MaxMeasurements, func(rec []string, index []int, line int) (*domain.Measurement, error) {
		return measurementOf(rec, index, line, workspaceID, catalogue)
	})
}

// measurementOf turns the record on line into a measurement, or names the
// first field at fault.
func measurementOf(rec []string, index []int, line int, ws string, catalogue map[string]domain.CatalogueMetric) (*domain.Measurement, error) {
	cell := func(c int) string {
		if n := index[c]; n >= 0 {
			return strings.TrimSpace(rec[n])
		}
		return ""
	}
	metric, ok := catalogue[strings.ToLower(cell(colMetric))]
	if !ok {
		return nil, rowErrorAt(line, "/metric", "no catalogue metric "+domain.QuoteInput(cell(colMetric)))
	}
	tp := strings.ToLower(cell(colTouchpoint))
	if !domain.IsID(tp) {
		return nil, rowErrorAt(line, "/touchpoint_id", "must be a UUID")
	}
	smp := domain.Sample{MetricID: metric.ID}
	var given []string
	for c := colSummary; c < colSource; c++ {
		s := cell(c)
		if s == "" {
			continue
		}
		name := measurementColumns.names[c]
		given = append(given, name)
		if reason := setSummary(&smp, name, s); reason != "" {
			return nil, rowErrorAt(line, "/"+name, reason)
		}
	}
	start, err := time.Parse(time.DateOnly, cell(colStart))
	if err != nil {
		return nil, rowErrorAt(line, "/period_start", "must be a date like 2026-09-01")
	}
	end, err := time.Parse(time.DateOnly, cell(colEnd))
	if err != nil {
		return nil, rowErrorAt(line, "/period_end", "must be a date like 2026-09-01")
	}
	if fe := domain.SampleFieldErrors(metric.Kind, func(name string) bool { return slices.Contains(given, name) }); fe != nil {
		return nil, rowErrorAt(line, fe[0].Pointer, fe[0].Detail)
	}
	m := &domain.Measurement{WorkspaceID: ws, TouchpointID: tp, MetricID: metric.ID, PeriodStart: start, PeriodEnd: end,
		Sample: smp, Source: cell(colSource)}
	// The sample first, as for a measurement sent as JSON.
	err = smp.Validate(metric.Kind)
	if err == nil {
		err = m.Validate(metric.Kind)
	}
	var de *domain.Error
	switch {
	case errors.As(err, &de) && len(de.Fields) > 0:
		return nil, rowErrorAt(line, de.Fields[0].Pointer, de.Fields[0].Detail)
	case err != nil:
		return nil, err
	}
	return m, nil
}

// setSummary sets the summary field name of smp to the number s, or says
// why s is not one.
func setSummary(smp *domain.Sample, name, s string) (reason string) {
	if name == "mean" || name == "sd" || name == "exposure" {
		v, ok := parseDecimal(s)
		if !ok {
			return "must be a number"
		}
		switch name {
		case "mean":
			smp.Mean = v
		case "sd":
			smp.SD = v
		default:
			smp.Exposure = v
		}
		return ""
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return "must be a whole number"
	}
	switch name {
	case "n":
		smp.N = v
	case "successes":
		smp.Successes = v
	case "promoters":
		smp.Promoters = v
	case "passives":
		smp.Passives = v
	case "detractors":
		smp.Detractors = v
	default:
		smp.Events = v
	}
	return ""
}
