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
		{Stage: "Discover", Touchpoint: "Opening hours", Value: ptr(0.71), Display: "71 %", Health: "at_risk", OpenIdeas: 1},
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
