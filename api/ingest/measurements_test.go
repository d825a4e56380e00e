package ingest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
)

const (
	tp1 = "0b8f4f4e-3c1a-4f59-9d7e-6a0f1c2b3d4e"
	tp2 = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
)

// catalogue is a workspace's catalogue as the API passes it: by id and by
// key.
func catalogue() map[string]domain.CatalogueMetric {
	out := map[string]domain.CatalogueMetric{}
	for _, m := range []domain.CatalogueMetric{
		{ID: "10000000-0000-4000-8000-000000000001", Key: "aht", Kind: domain.KindMean},
		{ID: "10000000-0000-4000-8000-000000000002", Key: "csat", Kind: domain.KindProportion},
		{ID: "10000000-0000-4000-8000-000000000003", Key: "nps", Kind: domain.KindNPS},
		{ID: "10000000-0000-4000-8000-000000000004", Key: "complaints", Kind: domain.KindCount},
	} {
		out[m.ID], out[m.Key] = m, m
	}
	return out
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestMeasurements(t *testing.T) {
	cat := catalogue()
	body := "\xef\xbb\xbf Touchpoint_ID ,METRIC,period_start,period_end,n,mean,sd,successes,promoters,passives,detractors,events,exposure,source\r\n" +
		"\r\n" +
		tp1 + ",aht,2026-10-01,2026-10-31,412,318.4,74.2,,,,,,,Post-call survey\r\n" +
		strings.ToUpper(tp2) + ", CSAT ,2026-10-01,2026-10-01, 400 ,,,301,,,,,, \r\n" +
		"\n\n" +
		tp1 + "," + cat["nps"].ID + ",2026-09-01,2026-09-30,,,,,120,60,40,,,\"NPS, \"\"Q3\"\"\nrelay\"\r\n" +
		tp2 + ",complaints,2026-09-01,2026-09-30,,,,,,,,9,288.0,\n"
	got, err := Measurements(strings.NewReader(body), "ws", cat)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.Measurement{
		{WorkspaceID: "ws", TouchpointID: tp1, MetricID: cat["aht"].ID, PeriodStart: date("2026-10-01"), PeriodEnd: date("2026-10-31"),
			Sample: domain.Sample{MetricID: cat["aht"].ID, N: 412, Mean: 318.4, SD: 74.2}, Source: "Post-call survey"},
		{WorkspaceID: "ws", TouchpointID: tp2, MetricID: cat["csat"].ID, PeriodStart: date("2026-10-01"), PeriodEnd: date("2026-10-01"),
			Sample: domain.Sample{MetricID: cat["csat"].ID, N: 400, Successes: 301}},
		{WorkspaceID: "ws", TouchpointID: tp1, MetricID: cat["nps"].ID, PeriodStart: date("2026-09-01"), PeriodEnd: date("2026-09-30"),
			Sample: domain.Sample{MetricID: cat["nps"].ID, Promoters: 120, Passives: 60, Detractors: 40}, Source: "NPS, \"Q3\"\nrelay"},
		{WorkspaceID: "ws", TouchpointID: tp2, MetricID: cat["complaints"].ID, PeriodStart: date("2026-09-01"), PeriodEnd: date("2026-09-30"),
			Sample: domain.Sample{MetricID: cat["complaints"].ID, Events: 9, Exposure: 288}},
	}
	if len(got.Items) != len(want) {
		t.Fatalf("got %d measurements %+v, want %d", len(got.Items), got.Items, len(want))
	}
	for n := range want {
		if g := got.Items[n]; g != want[n] {
			t.Errorf("measurement %d = %+v, want %+v", n, g, want[n])
		}
	}
	if wantLines := []int{3, 4, 7, 9}; fmt.Sprint(got.lines) != fmt.Sprint(wantLines) {
		t.Errorf("lines = %v, want %v", got.lines, wantLines)
	}
	// Only the columns of the header's choosing.
	got, err = Measurements(strings.NewReader("metric,touchpoint_id,period_end,period_start,n,successes\ncsat,"+tp1+",2026-10-31,2026-10-01,10,9\n"), "ws", cat)
	if err != nil || len(got.Items) != 1 || got.Items[0].Sample.Successes != 9 || got.Items[0].PeriodEnd != date("2026-10-31") {
		t.Fatalf("short header: %+v, %v", got, err)
	}
}

func TestMeasurementsErrors(t *testing.T) {
	const header = "touchpoint_id,metric,period_start,period_end,n,mean,sd,successes,promoters,passives,detractors,events,exposure,source\n"
	csat := func(n, successes string) string {
		return tp1 + ",csat,2026-10-01,2026-10-31," + n + ",,," + successes + ",,,,,,\n"
	}
	ok := csat("100", "50")
	tests := []struct {
		name    string
		body    string
		code    domain.ErrorCode
		line    int // 0 for an error without fields
		pointer string
		detail  string
	}{
		{"unknown metric", header + ok + tp1 + ",cast,2026-10-01,2026-10-31,100,,,50,,,,,,\n", domain.EInvalid, 3, "/metric", `no catalogue metric "cast"`},
		{"unknown metric, long", header + tp1 + "," + strings.Repeat("m", 100) + ",2026-10-01,2026-10-31,100,,,50,,,,,,\n",
			domain.EInvalid, 2, "/metric", `"` + strings.Repeat("m", 40) + `"…`},
		{"bad touchpoint", header + "tp-1,csat,2026-10-01,2026-10-31,100,,,50,,,,,,\n", domain.EInvalid, 2, "/touchpoint_id", "must be a UUID"},
		{"fractional count", header + csat("100.5", "50"), domain.EInvalid, 2, "/n", "must be a whole number"},
		{"bad number", header + tp1 + ",aht,2026-10-01,2026-10-31,10,NaN,1,,,,,,,\n", domain.EInvalid, 2, "/mean", "must be a number"},
		{"infinite number", header + tp1 + ",aht,2026-10-01,2026-10-31,10,1e400,1,,,,,,,\n", domain.EInvalid, 2, "/mean", "must be a finite number"},
		{"bad start", header + tp1 + ",csat,2026-10-1,2026-10-31,100,,,50,,,,,,\n", domain.EInvalid, 2, "/period_start", "must be a date like 2026-09-01"},
		{"missing end", header + tp1 + ",csat,2026-10-01,,100,,,50,,,,,,\n", domain.EInvalid, 2, "/period_end", "must be a date like 2026-09-01"},
		{"missing summary column", header + csat("100", ""), domain.EInvalid, 2, "/successes", "is required for a proportion metric"},
		{"foreign summary column", header + tp1 + ",csat,2026-10-01,2026-10-31,100,,,50,,,,3,,\n", domain.EInvalid, 2, "/events", "is not a field of a proportion metric"},
		{"impossible sample", header + ok + csat("100", "150"), domain.EInvalid, 3, "/successes", "must not exceed n (100)"},
		{"sample before period", header + tp1 + ",csat,2026-10-31,2026-10-01,100,,,150,,,,,,\n", domain.EInvalid, 2, "/successes", "must not exceed n"},
		{"end before start", header + tp1 + ",csat,2026-10-31,2026-10-01,100,,,50,,,,,,\n", domain.EInvalid, 2, "/period_end", "must not be before period_start"},
		{"source too long", header + tp1 + ",csat,2026-10-01,2026-10-31,100,,,50,,,,,," + strings.Repeat("s", 201) + "\n", domain.EInvalid, 2, "/source", "200"},
		// The line of a row is its physical line: blank lines and quoted
		// line breaks before it count (they once did not: the import
		// counted records).
		{"blank lines before a bad row", header + "\n" + ok + "\r\n\n" + ok + "\n" + csat("100", "150"), domain.EInvalid, 8, "/successes", "must not exceed n"},
		{"quoted line breaks before a bad row", header + tp1 + ",csat,2026-10-01,2026-10-31,100,,,50,,,,,,\"a\nb\nc\"\n" + csat("100", "x"),
			domain.EInvalid, 5, "/successes", "must be a whole number"},
		{"blank lines before the header", "\n\n" + "touchpoint_id,metric,period_start,period_end,n,successes,x\n", domain.EInvalid, 3, "", `unknown column "x"`},
		{"unknown column", "touchpoint_id,metric,period_start,period_end,n,successes,Source,agent\n", domain.EInvalid, 1, "",
			`the header names an unknown column "agent"; the columns are touchpoint_id, metric, period_start and period_end and optionally n, mean, sd, successes, promoters, passives, detractors, events, exposure and source`},
		{"repeated column", "touchpoint_id,metric,period_start,period_end,n,N\n", domain.EInvalid, 1, "/n", "the header names the column n twice"},
		{"missing column", "touchpoint_id,metric,period_start,n,successes\n" + tp1 + ",csat,2026-10-01,100,50\n", domain.EInvalid, 1, "/period_end", "the header lacks the column period_end"},
		{"too few fields", header + ok + tp1 + ",csat,2026-10-01\n", domain.EInvalid, 3, "", "the row has 3 fields but the header has 14"},
		{"bare quote", header + tp1 + ",cs\"at,2026-10-01,2026-10-31,100,,,50,,,,,,\n", domain.EInvalid, 2, "", "not valid CSV: bare \""},
		{"line over the limit", header + ok + strings.Repeat("x", maxLine+1) + "\n", domain.EInvalid, 3, "", "the line is longer than 65536 bytes"},
		{"header only", header, domain.EInvalid, 0, "", "the import holds no rows"},
		{"only blank lines", "\n\r\n", domain.EInvalid, 0, "", "the import holds no rows"},
		{"empty", "", domain.EInvalid, 0, "", "the import holds no rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Measurements(strings.NewReader(tt.body), "ws", catalogue())
			if got != nil {
				t.Errorf("got %+v with the error", got)
			}
			checkUploadError(t, err, tt.code, tt.line, tt.pointer, tt.detail)
		})
	}
}

func TestMeasurementsLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("touchpoint_id,metric,period_start,period_end,n,successes\n")
	for range MaxMeasurements {
		b.WriteString(tp1 + ",csat,2026-10-01,2026-10-31,100,50\n")
	}
	if got, err := Measurements(strings.NewReader(b.String()), "ws", catalogue()); err != nil || len(got.Items) != MaxMeasurements {
		t.Fatalf("at the limit: %v", err)
	}
	b.WriteString(tp1 + ",csat,2026-10-01,2026-10-31,100,50\n")
	_, err := Measurements(strings.NewReader(b.String()), "ws", catalogue())
	checkUploadError(t, err, domain.ETooLarge, 0, "", "an import holds at most 10000 rows; split it")
}

// TestMeasurementsLocate checks that a store error naming a measurement by
// its position names it by its line.
func TestMeasurementsLocate(t *testing.T) {
	row := tp1 + ",csat,2026-10-01,2026-10-31,100,50\n"
	body := "\ntouchpoint_id,metric,period_start,period_end,n,successes\n" + row + "\n\n" + row + "\r\n" + row
	rows, err := Measurements(strings.NewReader(body), "ws", catalogue())
	if err != nil {
		t.Fatal(err)
	}
	for pos, line := range map[int]int{1: 3, 2: 6, 3: 8, 0: 0, 4: 4} { // 0 and 4 name no measurement: kept
		err := &domain.Error{Code: domain.EConflict, Message: "already measured",
			Fields: []domain.FieldError{{Pointer: "/period_start", Line: pos, Detail: "already measured"}}}
		if got := rows.Locate(fmt.Errorf("store: %w", err)); !errors.Is(got, err) || err.Fields[0].Line != line {
			t.Errorf("position %d: line %d, want %d", pos, err.Fields[0].Line, line)
		}
	}
	plain := errors.New("connection refused")
	if got := rows.Locate(plain); got != plain {
		t.Errorf("Locate(%v) = %v", plain, got)
	}
	if rows.Locate(nil) != nil {
		t.Error("Locate(nil) != nil")
	}
}

// FuzzMeasurements checks the import's promises on any body: no panic, and
// either measurements each with the line of a row, or an upload error whose
// field error names a line.
func FuzzMeasurements(f *testing.F) {
	for _, s := range []string{
		"touchpoint_id,metric,period_start,period_end,n,successes\n" + tp1 + ",csat,2026-10-01,2026-10-31,100,50\n",
		"\xef\xbb\xbfmetric,touchpoint_id,period_end,period_start,events,exposure,source\r\n\r\ncomplaints," + tp2 + ",2026-10-31,2026-10-01,9,288.0,\"a\nb\"\r\n",
		"touchpoint_id,metric,period_start,period_end,n,mean,sd\n" + tp1 + ",aht,2026-10-01,2026-10-31,10,NaN,1\n",
		"touchpoint_id,metric,period_start,period_end,n,N\n",
		"touchpoint_id,metric\n\"a,b\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := Measurements(strings.NewReader(string(body)), "ws", catalogue())
		if err == nil {
			if len(rows.Items) == 0 || len(rows.lines) != len(rows.Items) {
				t.Fatalf("%d measurements, lines %v", len(rows.Items), rows.lines)
			}
			for n, line := range rows.lines {
				if line < 2 || (n > 0 && line <= rows.lines[n-1]) {
					t.Fatalf("lines %v", rows.lines)
				}
			}
			return
		}
		var de *domain.Error
		if !errors.As(err, &de) {
			t.Fatalf("%T %v is not a *domain.Error", err, err)
		}
		switch de.Code {
		case domain.EInvalid, domain.ETooLarge:
		default:
			t.Fatalf("error %v has code %s", err, de.Code)
		}
		for _, f := range de.Fields {
			if f.Line < 1 || de.Message != fmt.Sprintf("line %d: %s", f.Line, f.Detail) {
				t.Fatalf("field error %+v does not match the message %q", f, de.Message)
			}
		}
	})
}
