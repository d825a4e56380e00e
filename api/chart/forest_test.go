package chart

import (
	"encoding/xml"
	"math"
	"testing"
)

// sampleHeadset is the headset pilot: handle time fell by 28 s (8.8 %), an
// improvement for a lower-is-better metric.
func sampleHeadset() []ForestRow {
	return []ForestRow{
		{Label: "Average handle time (primary)", Improvement: 8.8, Low: 3.1, High: 14.2, Verdict: "improved",
			LowerIsBetter: true, Change: ptr(-28), Unit: "s"},
		{Label: "CSAT", Improvement: 16.8, Low: 5.2, High: 28.9, Verdict: "improved", Change: ptr(12.6), Unit: "pp"},
		{Label: "Complaints (guardrail)", Improvement: 59, Low: -20, High: 86, Verdict: "inconclusive",
			LowerIsBetter: true, Change: ptr(-0.115), Unit: "per agent-week"},
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
		// Every number has the sign of after − before: the handle time that
		// improved by falling reads −28 s and −8.8 %, its interval too.
		{"headset pilot", "Headset pilot — results", rows, 4, []string{
			"Headset pilot — results", "Average handle time (primary)", "CSAT", "Complaints (guardrail)",
			"First-contact resolution", "improved", "inconclusive", "no change", "← decrease", "increase →",
			"change, % of before level (95 % CI)", "change, after − before",
			"−28 s  (−8.8 %)", "[−14.2, −3.1] %  ·  lower is better",
			"+12.6 pp  (+16.8 %)", "[+5.2, +28.9] %  ·  higher is better",
			"−0.12 per agent-week  (−59 %)", "[−86, +20] %  ·  lower is better",
			"+19 %", "[+7.5, +31] %",
		}, false},
		{"worsened and odd values", "T", []ForestRow{
			{Label: "Got worse", Improvement: -12, Low: -20, High: -4, Verdict: "worsened"},
			{Label: "Swapped bounds", Improvement: 1, Low: 5, High: -3, Verdict: "inconclusive"},
			{Label: "No interval", Improvement: 2, Low: math.NaN(), High: math.Inf(1), Verdict: "inconclusive"},
			{Label: "No estimate", Improvement: math.NaN(), Low: -1, High: 1, Verdict: ""},
			{Label: "Absurd", Improvement: 5, Low: -1e9, High: 1e9, Verdict: "inconclusive"},
		}, 4, []string{"Got worse", "worsened", "−12 %", "[−3, +5] %", "no estimate", "n/a", "—", "Absurd"}, false},
		{"hostile", hostileText, []ForestRow{{Label: hostileText, Improvement: 1, Low: 0, High: 2, Verdict: hostileText}}, 1, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Forest(tc.title, "change, % of before level (95 % CI)", tc.rows)
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
			// Nothing says the numbers are turned by direction.
			for _, s := range []string{"+8.8", "+14.2", "improvement", "interim"} {
				if doc.hasText(s) {
					t.Errorf("text %q in %q", s, doc.texts)
				}
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

func TestForestNotice(t *testing.T) {
	// Longer than the 300 runes clean keeps: the notice keeps it all.
	const detail = "Interim results: the pilot is still running, so these results will change as data arrive. " +
		"Checking the results repeatedly and stopping the pilot when a result looks good inflates the false-positive rate: " +
		"a difference that is only chance gets taken for a real effect. The verdict is final only when the pilot is " +
		"completed, after running as planned (until 2026-11-30, and to the sample size planned for it)."
	cases := []struct {
		name      string
		notice    Notice
		wantTexts []string
		wantTitle string
	}{
		{"interim", Notice{Label: "interim — pilot still running", Detail: detail},
			[]string{"interim — pilot still running", "Interim results: the pilot is still running", "false-positive rate",
				"planned for it)."},
			"Headset pilot — results (interim — pilot still running)"},
		{"label only", Notice{Label: "interim — pilot cancelled"}, []string{"interim — pilot cancelled"},
			"Headset pilot — results (interim — pilot cancelled)"},
		{"none", Notice{}, nil, "Headset pilot — results"},
		{"detail without a label is not drawn", Notice{Detail: detail}, nil, "Headset pilot — results"},
		{"hostile", Notice{Label: hostileText, Detail: hostileText}, nil, ""},
	}
	plain, err := Forest("Headset pilot — results", "change", sampleHeadset())
	if err != nil {
		t.Fatal(err)
	}
	plainHeight := parseChart(t, plain).root.Attr
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			title := "Headset pilot — results"
			b, err := ForestWithNotice(title, tc.notice, "change, % of before level (95 % CI)", sampleHeadset())
			if err != nil {
				t.Fatal(err)
			}
			doc := parseChart(t, b)
			for _, s := range append(tc.wantTexts, "−28 s  (−8.8 %)", "Average handle time (primary)") {
				if !doc.hasText(s) {
					t.Errorf("no text %q in %q", s, doc.texts)
				}
			}
			if tc.wantTitle != "" && doc.title != tc.wantTitle {
				t.Errorf("<title> = %q, want %q", doc.title, tc.wantTitle)
			}
			if len(tc.wantTexts) == 0 && tc.notice.Label == "" && (doc.hasText("interim") || doc.hasText("Interim")) {
				t.Errorf("a notice was drawn: %q", doc.texts)
			}
			// The notice makes room for itself rather than overlapping the plot.
			if tc.notice.Label != "" && attr(doc.root.Attr, "height") == attr(plainHeight, "height") {
				t.Errorf("height %s: the chart did not grow for its notice", attr(doc.root.Attr, "height"))
			}
			if tc.name == "hostile" {
				checkHostile(t, b, doc, true)
			}
		})
	}
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
