package chart

import (
	"math"
	"strings"
	"testing"
)

func TestTextHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"  a \t\n b  ":           "a b",
		"x\x00y\x1bz":            "x y z",
		"\u202Eevil\u2066":       "evil",
		"bad \xff utf8":          "bad \uFFFD utf8",
		"🍕 & <b>":                "🍕 & <b>",
		strings.Repeat("é", 500): strings.Repeat("é", 300),
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := truncate("abcdef", 4); got != "abc…" {
		t.Errorf("truncate = %q", got)
	}
	sty := style(10, false, ink, 0, 0)
	long := strings.Repeat("wide words ", 30)
	fitted := fit(sty, long, 100)
	if sty.Width(fitted) > 100 || !strings.HasSuffix(fitted, "…") {
		t.Errorf("fit = %q (%v wide)", fitted, sty.Width(fitted))
	}
	// Emoji are not in the font; the browser's emoji are about 1.2 em wide.
	if w := textWidth(sty, "🍕🍕"); w < 24 || w > 26 {
		t.Errorf("two emoji are %v wide, want 25", w)
	}
	if a, b := textWidth(sty, "a\u0301"), textWidth(sty, "a"); a != b {
		t.Errorf("a combining accent adds width: %v vs %v", a, b)
	}
	for v, want := range map[float64]string{0: "0", -8.8: "−8.8", 16.8: "16.8", 0.8: "0.8", 0.72: "0.72", 312: "312", 1234.6: "1235", 2.25: "2.25", math.NaN(): "n/a"} {
		if got := num(v, false); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
	if got := num(5, true); got != "+5" {
		t.Errorf("signed = %q", got)
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands = %q", got)
	}
}
