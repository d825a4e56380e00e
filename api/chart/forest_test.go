package chart

import (
	"math"
	"testing"
)

func sampleHeadset() []ForestRow {
	return []ForestRow{
		{Label: "Average handle time (primary)", Improvement: 8.8, Low: 3.1, High: 14.2, Verdict: "improved"},
		{Label: "CSAT", Improvement: 16.8, Low: 5.2, High: 28.9, Verdict: "improved"},
		{Label: "Complaints (guardrail)", Improvement: 59, Low: -20, High: 86, Verdict: "inconclusive"},
		{Label: "First-contact resolution", Improvement: 19, Low: 7.5, High: 31, Verdict: "improved"},
	}
}

func TestForest(t *testing.T) {
	rows := sampleHeadset()
	cases := []struct {
		name      string
		title     string
		rows      []ForestRow
		markers   int
		wantTexts []string
		hostile   bool
	}{
		{"headset pilot", "Headset pilot — results", rows, 4, []string{
			"Headset pilot — results", "Average handle time (primary)", "CSAT", "Complaints (guardrail)",
			"First-contact resolution", "improved", "inconclusive", "no change",
			"improvement, % of before level (95 % CI)", "+16.8 %  [+5.2, +28.9]", "+59 %  [−20, +86]",
		}, false},
		{"worsened and odd values", "T", []ForestRow{
			{Label: "Got worse", Improvement: -12, Low: -20, High: -4, Verdict: "worsened"},
			{Label: "Swapped bounds", Improvement: 1, Low: 5, High: -3, Verdict: "inconclusive"},
			{Label: "No interval", Improvement: 2, Low: math.NaN(), High: math.Inf(1), Verdict: "inconclusive"},
			{Label: "No estimate", Improvement: math.NaN(), Low: -1, High: 1, Verdict: ""},
			{Label: "Absurd", Improvement: 5, Low: -1e9, High: 1e9, Verdict: "inconclusive"},
		}, 4, []string{"Got worse", "worsened", "+1 %  [−3, +5]", "no estimate", "—", "Absurd"}, false},
		{"hostile", hostileText, []ForestRow{{Label: hostileText, Improvement: 1, Low: 0, High: 2, Verdict: hostileText}}, 1, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Forest(tc.title, "improvement, % of before level (95 % CI)", tc.rows)
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
	// Verdicts are written once per row (plus the column header).
	b, _ := Forest("x", "y", rows)
	doc := parseChart(t, b)
	n := 0
	for _, s := range doc.texts {
		if s == "improved" || s == "inconclusive" {
			n++
		}
	}
	if n != len(rows) {
		t.Errorf("%d verdicts written, want %d", n, len(rows))
	}
}
