package chart

import (
	"fmt"
	"strings"
	"testing"
)

func sampleReasons() []ParetoBar {
	return []ParetoBar{
		{Label: "Where is my invoice?", Contacts: 500, CumulativeShare: 0.5, Avoidable: true},
		{Label: "Where is my refund?", Contacts: 300, CumulativeShare: 0.8, Avoidable: true},
		{Label: "Change of address", Contacts: 200, CumulativeShare: 1},
	}
}

func TestPareto(t *testing.T) {
	long := make([]ParetoBar, 20)
	for n := range long {
		long[n] = ParetoBar{Label: fmt.Sprintf("Reason number %d with a rather long name that goes on and on", n+1),
			Contacts: 1000 - 40*n, CumulativeShare: float64(n+1) / 25, Avoidable: n%3 == 0}
	}
	cases := []struct {
		name, title string
		bars        []ParetoBar
		more        int
		want        []string
		absent      []string
		hostile     bool
	}{
		{"three reasons", "Why customers contacted us, 2026-10-01 to 2026-10-31", sampleReasons(), 0,
			[]string{"Where is my invoice?", "Where is my refund?", "Change of address", "contacts", "cumulative share of contacts",
				"0 %", "20 %", "100 %", "80 %", "avoidable (failure demand)", "other reasons", "cumulative share", "80 % of contacts",
				"1,000 contacts"},
			[]string{"not drawn", "no data"}, false},
		{"the top 20 of 33", "T", long, 13, []string{"Reason number 1 ", "Reason number 20", "13 more reasons with contacts not drawn"},
			nil, false},
		{"one more", "T", sampleReasons()[:1], 1, []string{"1 more reason with contacts not drawn"}, nil, false},
		{"hostile", hostileText, []ParetoBar{{Label: hostileText, Contacts: 3, CumulativeShare: 1}}, 0, nil, nil, true},
		{"no contacts", "Why customers contacted us, 2025-01-01 to 2025-01-31", nil, 0, []string{"no data", "no contacts in this window"}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Pareto(tc.title, "1,000 contacts", tc.bars, tc.more)
			if err != nil {
				t.Fatal(err)
			}
			doc := parseChart(t, b)
			for _, s := range tc.want {
				if !doc.hasText(s) {
					t.Errorf("no text %q in %q", s, doc.texts)
				}
			}
			for _, s := range tc.absent {
				if doc.hasText(s) {
					t.Errorf("text %q should not be there: %q", s, doc.texts)
				}
			}
			if tc.hostile {
				checkHostile(t, b, doc, true)
			} else if doc.title != tc.title {
				t.Errorf("document title %q, want %q", doc.title, tc.title)
			}
		})
	}
}

// The names are rotated, one per bar, and every bar is drawn in the colour
// of its kind.
func TestParetoBarsAndNames(t *testing.T) {
	b, err := Pareto("T", "", sampleReasons(), 0)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)
	if n := strings.Count(svg, "rotate("); n < 3 {
		t.Errorf("%d rotated texts, want the 3 names (and the right axis' label)", n)
	}
	// Two avoidable bars and the legend's swatch; one other bar and its swatch.
	for clr, want := range map[string]int{"#D45D00": 3, "#0071B1": 2} { // vermilion and blue, at the bars' opacity
		if got := strings.Count(svg, "fill:"+clr); got != want {
			t.Errorf("%d shapes filled with %s, want %d", got, clr, want)
		}
	}
}
