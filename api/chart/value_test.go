package chart

import (
	"math"
	"testing"
)

func TestValue(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	bars := []ValueBar{
		{Label: "Realised (2 adopted ideas)", Value: 63000, Low: f(45000), High: f(81000), Kind: "realised", Note: "net 58,000"},
		{Label: "Pipeline, expected", Value: 120000, Kind: "expected", Note: "12 open ideas"},
		{Label: "Pipeline, confidence-weighted", Value: 61000, Kind: "weighted"},
		{Label: "Phone conversation", Value: 40000, Kind: "touchpoint"},
	}
	cases := []struct {
		name    string
		title   string
		bars    []ValueBar
		want    []string
		hostile bool
	}{
		{"portfolio", "Portfolio value (EUR)", bars, []string{"Portfolio value (EUR)", "annual value in EUR",
			"Realised (2 adopted ideas)", "63,000  [45,000, 81,000]", "net 58,000", "Pipeline, expected", "120,000", "12 open ideas",
			"Pipeline, confidence-weighted", "61,000", "Phone conversation", "40,000", "annual value, EUR"}, false},
		{"negative and odd values", "T", []ValueBar{{Label: "Loss", Value: -5000, Kind: "weighted"},
			{Label: "NaN", Value: math.NaN(), Low: f(math.Inf(1)), High: f(3)}}, []string{"Loss", "−5,000", "n/a"}, false},
		{"hostile", hostileText, []ValueBar{{Label: hostileText, Value: 1, Note: hostileText}}, nil, true},
		{"empty", "Portfolio value (EUR)", nil, []string{"no data", "Portfolio value (EUR)"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Value(tc.title, "EUR", tc.bars)
			if err != nil {
				t.Fatal(err)
			}
			doc := parseChart(t, b)
			for _, s := range tc.want {
				if !doc.hasText(s) {
					t.Errorf("no text %q in %q", s, doc.texts)
				}
			}
			if tc.title != "" && !tc.hostile && doc.title != tc.title {
				t.Errorf("document title %q, want %q", doc.title, tc.title)
			}
			if tc.hostile {
				checkHostile(t, b, doc, true)
			}
		})
	}
}
