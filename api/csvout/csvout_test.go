package csvout

import (
	"encoding/json"
	"math"
	"testing"
)

// Numbers are written as the JSON bodies write them.
func TestNumberAsJSON(t *testing.T) {
	for _, x := range []float64{0, 1, -28, 4.5, 0.1 + 0.2, -0.0875, 1e-6, 9.99e-7, 1.5e-12, 1e20, 1e21, -2.5e22,
		123456789.123, math.SmallestNonzeroFloat64, math.MaxFloat64, math.Copysign(0, -1)} {
		want, _ := json.Marshal(x)
		if got := Number(x); got != string(want) {
			t.Errorf("Number(%v) = %q, JSON %s", x, got, want)
		}
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := Number(x); got != "" {
			t.Errorf("Number(%v) = %q, want an empty cell", x, got)
		}
	}
	if OptionalNumber(nil) != "" {
		t.Error("nil is not an empty cell")
	}
}
