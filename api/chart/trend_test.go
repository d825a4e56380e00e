package chart

import (
	"math"
	"testing"
	"time"
)

func sampleCSAT() []TrendPoint {
	vals := []float64{0.71, 0.73, 0.72, 0.76, 0.78, 0.77, 0.81, 0.83}
	out := make([]TrendPoint, len(vals))
	for i, v := range vals {
		end := time.Date(2025, time.Month(3+i), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
		hw := 0.025 + 0.005*float64(i%3)
		out[i] = TrendPoint{End: end, Value: v, Low: v - hw, High: v + hw}
	}
	return out
}

func TestTrend(t *testing.T) {
	pts := sampleCSAT()
	cases := []struct {
		name      string
		title     string
		points    []TrendPoint
		target    *float64
		markers   int
		wantTexts []string
		hostile   bool
	}{
		{"csat monthly", "Paying the bill · CSAT", pts, ptr(0.8), 8, []string{
			"Paying the bill · CSAT", "target", "0.8", "CSAT (share satisfied)",
			"Feb 2025", "Mar 2025", "Aug 2025", "Sep 2025", "0.71", "0.83",
		}, false},
		{"no target, one point", "T", pts[:1], nil, 1, []string{"Feb 2025", "0.71"}, false},
		{"unsorted, odd values", "T", []TrendPoint{
			{End: time.Date(2025, 5, 3, 0, 0, 0, 0, time.UTC), Value: 3, Low: 4, High: 2},
			{End: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), Value: 2, Low: math.NaN(), High: 1},
			{End: time.Date(2025, 5, 2, 0, 0, 0, 0, time.UTC), Value: math.NaN()},
			{Value: 7},
		}, ptr(math.Inf(1)), 2, []string{"1 May", "3 May"}, false},
		{"hostile", hostileText, pts, ptr(0.8), 8, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			label := "CSAT (share satisfied)"
			if tc.hostile {
				label = hostileText
			}
			b, err := Trend(tc.title, label, tc.points, tc.target)
			if err != nil {
				t.Fatal(err)
			}
			doc := parseChart(t, b)
			if doc.filledArcs != tc.markers {
				t.Errorf("drew %d markers, want %d", doc.filledArcs, tc.markers)
			}
			for _, s := range tc.wantTexts {
				if !doc.hasText(s) {
					t.Errorf("no text %q in %q", s, doc.texts)
				}
			}
			if tc.hostile {
				checkHostile(t, b, doc, true)
			}
		})
	}

	// Many points: date labels thinned, every point drawn.
	var many []TrendPoint
	for i := range 365 {
		many = append(many, TrendPoint{End: time.Date(2025, 1, 1+i, 0, 0, 0, 0, time.UTC), Value: float64(i % 17), Low: 0, High: 20})
	}
	b, err := Trend("daily", "n", many, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseChart(t, b)
	if doc.filledArcs != 365 {
		t.Errorf("drew %d markers, want 365", doc.filledArcs)
	}
	dates := 0
	for _, s := range doc.texts {
		if _, err := time.Parse("2 Jan", s); err == nil {
			dates++
		}
	}
	if dates < 5 || dates > 11 {
		t.Errorf("%d date labels, want 5–11", dates)
	}
}
