package chart

import (
	"fmt"
	"strings"
	"testing"
)

func sampleRestaurant() ([]string, []HeatCell) {
	stages := []string{"Discover", "Arrive", "Order", "Eat", "Pay"}
	cells := []HeatCell{
		{Stage: "Discover", Touchpoint: "Menu online", Value: ptr(0.82), Display: "82 %", Health: "healthy", OpenIdeas: 2},
		{Stage: "Discover", Touchpoint: "Opening hours", Value: ptr(0.71), Display: "71 %", Health: "at_risk", OpenIdeas: 1, Stale: true, PeriodEnd: "2026-05-31"},
		{Stage: "Discover", Touchpoint: "Location", Display: "–", Health: "unknown"},
		{Stage: "Arrive", Touchpoint: "Entrance", Value: ptr(0.64), Display: "64 %", Health: "failing"},
		{Stage: "Arrive", Touchpoint: "Greeting", Value: ptr(0.88), Display: "88 %", Health: "healthy", OpenIdeas: 1, RunningPilots: 1},
		{Stage: "Order", Touchpoint: "Ordering speed", Value: ptr(312), Display: "312 s", Health: "at_risk", OpenIdeas: 3, RunningPilots: 1},
		{Stage: "Eat", Touchpoint: "Taste of the food", Value: ptr(0.91), Display: "91 %", Health: "healthy"},
		{Stage: "Eat", Touchpoint: "Staff friendliness", Value: ptr(0.79), Display: "79 %", Health: "at_risk", OpenIdeas: 1},
		{Stage: "Pay", Touchpoint: "Paying the bill", Value: ptr(0.58), Display: "58 %", Health: "failing", OpenIdeas: 2, RunningPilots: 1},
	}
	return stages, cells
}

func TestHeatmap(t *testing.T) {
	stages, cells := sampleRestaurant()
	cases := []struct {
		name      string
		title     string
		stages    []string
		cells     []HeatCell
		wantTexts []string
		hostile   bool
	}{
		{"restaurant", "Restaurant visit · CSAT", stages, cells, []string{
			"Restaurant visit · CSAT", "Discover", "Arrive", "Order", "Eat", "Pay",
			"Menu online", "Opening hours", "Entrance", "Greeting", "Ordering speed", "Taste of the food",
			"Paying the bill", "Staff friendliness", "82 %", "312 s", "–",
			"HEALTHY", "AT RISK", "FAILING", "UNKNOWN", "ideas 3 · pilots 1", "ideas 0 · pilots 0",
			"healthy", "at risk", "failing", "unknown / not measured",
		}, false},
		{"stage without cells and cell without stage", "T", []string{"Empty stage", "Pay"}, []HeatCell{
			{Stage: "Pay", Touchpoint: "Paying", Display: "1", Health: "healthy"},
			{Stage: "Extra", Touchpoint: "Elsewhere", Display: "2", Health: "weird"},
		}, []string{"Empty stage", "no touchpoints", "Extra", "Elsewhere", "UNKNOWN"}, false},
		{"hostile", hostileText, []string{hostileText}, []HeatCell{
			{Stage: hostileText, Touchpoint: hostileText, Display: hostileText, Health: "failing", OpenIdeas: -3},
			{Stage: hostileText, Touchpoint: strings.Repeat("x", 10000), Value: ptr(3), Health: "at_risk"},
		}, []string{"ideas 0 · pilots 0"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Heatmap(tc.title, tc.stages, tc.cells)
			if err != nil {
				t.Fatal(err)
			}
			doc := parseChart(t, b)
			for _, s := range tc.wantTexts {
				if !doc.hasText(s) {
					t.Errorf("no text %q in %q", s, doc.texts)
				}
			}
			if tc.hostile {
				checkHostile(t, b, doc, true)
			}
			if doc.sizeInBytes > 300_000 {
				t.Errorf("SVG is %d bytes", doc.sizeInBytes)
			}
		})
	}

	// Every cell is drawn once: one health label per cell (plus the legend's).
	b, _ := Heatmap("x", stages, cells)
	doc := parseChart(t, b)
	healthLabels := 0
	for _, s := range doc.texts {
		switch s {
		case "HEALTHY", "AT RISK", "FAILING", "UNKNOWN":
			healthLabels++
		}
	}
	if healthLabels != len(cells) {
		t.Errorf("%d cells drawn, want %d", healthLabels, len(cells))
	}

	// Many touchpoints in one stage and many stages stay bounded.
	var many []HeatCell
	var manyStages []string
	for i := range 60 {
		manyStages = append(manyStages, fmt.Sprintf("Stage %d", i))
		for j := range 3 {
			many = append(many, HeatCell{Stage: "Stage 0", Touchpoint: fmt.Sprintf("TP %d.%d", i, j), Display: "–", Health: "unknown"})
		}
	}
	b, err := Heatmap("big", manyStages, many)
	if err != nil {
		t.Fatal(err)
	}
	doc = parseChart(t, b)
	if !doc.hasText("+ 140 more") || !doc.hasText("30 more not shown") {
		t.Errorf("overflow not reported: %q", doc.texts[:5])
	}
}

// hatchLines counts the lines that hatch stale cells (and the legend's swatch).
func hatchLines(b []byte) int {
	return strings.Count(string(b), "stroke-opacity:")
}

func TestHeatmapStale(t *testing.T) {
	fresh := func(name string) HeatCell {
		return HeatCell{Stage: "Resolve", Touchpoint: name, Value: ptr(0.72), Display: "72 %", Health: "at_risk", PeriodEnd: "2026-11-30"}
	}
	stale := func(name, end string) HeatCell {
		c := fresh(name)
		c.Stale, c.PeriodEnd = true, end
		return c
	}
	for _, tt := range []struct {
		name      string
		cells     []HeatCell
		staleDays int
		stale     int      // cells labelled STALE
		want      []string // texts that must be there
		wantNot   []string // texts that must not
	}{
		{"nothing stale", []HeatCell{fresh("Phone"), fresh("Chat")}, 90, 0, nil, []string{"Stale:", "2026-11-30"}},
		{"one stale cell with its period", []HeatCell{fresh("Phone"), stale("Chat", "2026-05-31")}, 90, 1,
			[]string{"Stale:", "ended 2026-05-31", "the latest period ended 90 or more days ago"}, []string{"2026-11-30"}},
		{"two stale, no window given", []HeatCell{stale("Phone", "2026-01-31"), stale("Chat", "")}, 0, 2,
			[]string{"Stale:", "ended 2026-01-31", "too old to say how the touchpoint does now"}, []string{"90 or more"}},
		// A narrow column keeps the date whole, without "ended".
		{"narrow columns", []HeatCell{stale("Phone", "2026-05-31"), {Stage: "B", Touchpoint: "x", Health: "healthy", Stale: true, PeriodEnd: "2026-05-31"},
			{Stage: "C", Touchpoint: "x", Health: "healthy"}, {Stage: "D", Touchpoint: "x", Health: "healthy"}, {Stage: "E", Touchpoint: "x", Health: "healthy"},
			{Stage: "F", Touchpoint: "x", Health: "healthy"}, {Stage: "G", Touchpoint: "x", Health: "healthy"}}, 90, 2, []string{"2026-05-31"}, []string{"2026-05…"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := HeatmapStaleAfter("Contact centre · FCR", []string{"Resolve"}, tt.cells, tt.staleDays)
			if err != nil {
				t.Fatal(err)
			}
			doc := parseChart(t, b)
			labels := 0
			for _, s := range doc.texts {
				if s == "STALE" {
					labels++
				}
			}
			if labels != tt.stale {
				t.Errorf("%d cells labelled STALE, want %d: %q", labels, tt.stale, doc.texts)
			}
			for _, s := range tt.want {
				if !doc.hasText(s) {
					t.Errorf("no text %q in %q", s, doc.texts)
				}
			}
			for _, s := range tt.wantNot {
				if doc.hasText(s) {
					t.Errorf("text %q should not be in %q", s, doc.texts)
				}
			}
			// Stale cells are hatched (a cell takes some 30 lines, 7 pt
			// apart); the legend's swatch too (some 5).
			if lines := hatchLines(b); (lines > 0) != (tt.stale > 0) || lines < 20*tt.stale {
				t.Errorf("%d hatch lines with %d stale cells", lines, tt.stale)
			}
		})
	}
	// Each stale cell adds its hatching.
	one, _ := HeatmapStaleAfter("t", nil, []HeatCell{stale("A", "2026-01-31"), fresh("B")}, 90)
	two, _ := HeatmapStaleAfter("t", nil, []HeatCell{stale("A", "2026-01-31"), stale("B", "2026-01-31")}, 90)
	if hatchLines(two) <= hatchLines(one) {
		t.Errorf("two stale cells draw %d hatch lines, one draws %d", hatchLines(two), hatchLines(one))
	}
	// Heatmap is HeatmapStaleAfter without a window.
	stages, cells := sampleRestaurant()
	b, _ := Heatmap("x", stages, cells)
	if doc := parseChart(t, b); !doc.hasText("ended 2026-05-31") || !doc.hasText("too old to say") {
		t.Errorf("the sample's stale cell is not marked: %q", doc.texts)
	}
}
