package chart

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// Sample data (also used to write the visual-check samples, see TestSamples).

func sampleIdeas() []MatrixPoint {
	type idea struct {
		title  string
		value  float64
		effort int
	}
	ideas := []idea{
		{"Show today's menu online", 4.4, 1}, {"Opening hours on Google Maps", 4.0, 1},
		{"Online table booking", 4.2, 3}, {"Greet guests within 30 seconds", 4.6, 1},
		{"QR code to order at the table", 3.8, 3}, {"Pay at the table with card", 4.5, 2},
		{"Split the bill in the app", 3.6, 2}, {"Allergen info on every dish", 4.1, 2},
		{"Bigger sign at the entrance", 3.2, 2}, {"Ramp for wheelchairs and prams", 3.9, 4},
		{"Redesign the dining room", 3.4, 5}, {"Loyalty programme", 3.1, 4},
		{"Own delivery fleet", 2.6, 5}, {"Self-service kiosks", 2.4, 5},
		{"New POS system", 2.9, 5}, {"Music volume policy", 2.2, 1},
		{"Fresh flowers on tables", 1.8, 1}, {"Branded napkins", 1.6, 2},
		{"Staff name badges", 2.5, 1}, {"Water served without asking", 3.3, 1},
		{"Kids' menu with crayons", 3.0, 1}, {"Call back missed phone bookings", 3.7, 2},
		{"Headsets for the phone team", 4.3, 3}, {"Train staff on complaints", 4.0, 3},
		{"Chatbot for reservations", 2.8, 4}, {"Rebuild the website", 3.5, 5},
		{"Invoice in plain language", 3.9, 2}, {"Email receipt option", 2.7, 2},
		{"Heated terrace", 2.9, 4}, {"Parking deal with the garage", 3.3, 4},
		{"Second espresso machine", 3.6, 3}, {"Dessert trolley", 2.1, 3},
		{"Hire a sommelier", 2.3, 5}, {"Open on Mondays", 3.0, 4},
		{"Faster kitchen printer", 3.6, 2}, {"Feedback card with the bill", 2.0, 1},
		{"Same-day reply to reviews", 3.8, 1}, {"Seasonal menu twice a year", 3.2, 3},
		// Same scores as others, to exercise the jitter.
		{"Menu photos online", 4.4, 1}, {"Menu translated to English", 4.4, 1},
		{"Contactless payment terminals", 4.5, 2},
	}
	out := make([]MatrixPoint, len(ideas))
	for i, it := range ideas {
		q := "fill_in"
		switch {
		case it.value >= 3 && it.effort <= 2:
			q = "quick_win"
		case it.value >= 3:
			q = "big_bet"
		case it.effort > 3:
			q = "money_pit"
		}
		prio := math.Round(100*((it.value-1)/4)*(0.35+0.65*float64(5-it.effort)/4)*10) / 10
		out[i] = MatrixPoint{Label: it.title, Value: it.value, Effort: it.effort, Priority: prio, Quadrant: q}
	}
	return out
}

func TestMatrix(t *testing.T) {
	ideas := sampleIdeas()
	long := strings.Repeat("Very long idea title that goes on ", 40)
	cases := []struct {
		name      string
		points    []MatrixPoint
		markers   int
		wantTexts []string
		hostile   bool
	}{
		{"restaurant ideas", ideas, len(ideas), []string{
			"Value / effort matrix — 41 ideas", "Quick wins (", "Big bets (", "Fill-ins (", "Money pits (",
			"Greet guests within 30 seconds", "effort", "value",
		}, false},
		{"one idea", []MatrixPoint{{Label: "Only one", Value: 3, Effort: 3, Priority: 50, Quadrant: "quick_win"}}, 1,
			[]string{"1 idea", "Only one"}, false},
		{"equal scores all drawn", []MatrixPoint{
			{Label: "A", Value: 4, Effort: 2, Priority: 60, Quadrant: "quick_win"},
			{Label: "B", Value: 4, Effort: 2, Priority: 60, Quadrant: "quick_win"},
			{Label: "C", Value: 4, Effort: 2, Priority: 60, Quadrant: "quick_win"},
		}, 3, []string{"A", "B", "C"}, false},
		{"hostile and odd values", []MatrixPoint{
			{Label: hostileText, Value: 9, Effort: 17, Priority: 1e9, Quadrant: "big_bet"},
			{Label: long, Value: -3, Effort: -1, Priority: -5, Quadrant: "nonsense"},
			{Label: "", Value: math.Inf(1), Effort: 2, Priority: math.NaN(), Quadrant: "fill_in"}, // dropped: no value
			{Label: "NaN priority", Value: 2, Effort: 2, Priority: math.NaN(), Quadrant: "fill_in"},
		}, 3, []string{"Very long idea title", "NaN priority"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Matrix(tc.points, 0, "", 3, 3)
			if err != nil {
				t.Fatal(err)
			}
			doc := parseChart(t, b)
			// One marker per idea, and a disc per top idea in the list.
			if want := tc.markers + min(tc.markers, 10); doc.filledArcs != want {
				t.Errorf("drew %d markers, want %d", doc.filledArcs, want)
			}
			for _, s := range tc.wantTexts {
				if !doc.hasText(s) {
					t.Errorf("no text %q in %q", s, doc.texts)
				}
			}
			for _, s := range doc.texts {
				if n := len([]rune(s)); n > 160 {
					t.Errorf("text of %d runes not truncated: %q", n, s)
				}
			}
			if tc.hostile {
				checkHostile(t, b, doc, false)
			}
			if doc.sizeInBytes > 300_000 {
				t.Errorf("SVG is %d bytes", doc.sizeInBytes)
			}
		})
	}

	// The ten highest-priority ideas are labelled, the others are not.
	b, _ := Matrix(ideas, 0, "", 3, 3)
	doc := parseChart(t, b)
	sorted := append([]MatrixPoint(nil), ideas...)
	sortIdeas(sorted)
	for i, p := range sorted {
		if got := doc.hasText(p.Label); got != (i < 10) {
			t.Errorf("idea %d %q (priority %v) labelled = %v", i, p.Label, p.Priority, got)
		}
	}
}

func sortIdeas(ps []MatrixPoint) {
	slices.SortStableFunc(ps, func(a, b MatrixPoint) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return strings.Compare(a.Label, b.Label)
	})
}

func manyIdeas(n int) []MatrixPoint {
	qs := []string{"quick_win", "big_bet", "fill_in", "money_pit"}
	out := make([]MatrixPoint, n)
	for i := range out {
		out[i] = MatrixPoint{
			Label:    fmt.Sprintf("Idea number %d with a title", i),
			Value:    1 + float64((i*37)%41)/10,
			Effort:   1 + (i*7)%5,
			Priority: float64((i * 53) % 1001 / 10),
			Quadrant: qs[i%4],
		}
	}
	return out
}

func TestMatrixManyPoints(t *testing.T) {
	for _, n := range []int{2000, 5000} {
		ideas := manyIdeas(n)
		start := time.Now()
		b, err := Matrix(ideas, 0, "", 3, 3)
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Matrix with %d points: %v, %d KB", n, took, len(b)/1024)
		doc := parseChart(t, b)
		if want := min(n, 2000) + 10; doc.filledArcs != want {
			t.Errorf("%d points: drew %d markers, want %d", n, doc.filledArcs, want)
		}
		if n > 2000 && !doc.hasText("the 2,000 highest-priority of 5,000 ideas") {
			t.Errorf("title does not say the points were cut: %q", doc.texts[0])
		}
		if took > 2*time.Second { // the target is < 200 ms; this bound only catches blow-ups under -race
			t.Errorf("Matrix with %d points took %v", n, took)
		}
	}
}

func BenchmarkMatrix2000(b *testing.B) {
	ideas := manyIdeas(2000)
	for b.Loop() {
		if _, err := Matrix(ideas, 0, "", 3, 3); err != nil {
			b.Fatal(err)
		}
	}
}
