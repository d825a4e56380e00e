package api

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The hand-written backlog page is byte for byte what encoding/json writes,
// for random pages with every field of the wire types filled (a field
// added to them and not to writeIdeaList fails here), tricky strings and
// numbers included; a value encoding/json refuses is refused the same way.
func TestIdeaListEncoding(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(19, 4))
	for n := range 2000 {
		var l IdeaList
		fillRandom(rng, reflect.ValueOf(&l).Elem())
		var want, got bytes.Buffer
		wantErr := encodeJSON(&want, l, "")
		gotErr := writeIdeaList(&got, &l)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("page %d: error %v, encoding/json's %v", n, gotErr, wantErr)
		}
		if wantErr == nil && !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := got.String(), want.String()
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Fatalf("page %d differs at byte %d:\n got …%s\nwant …%s", n, i, g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
		}
	}
}

var trickyStrings = []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
	"é ü 中文 🚀", "\u2028\u2029", "bad \xff\xfe utf-8", "\xe2\x80", "Proposal: fix the map pin; track CSAT (≥ 4 of 5)."}

var trickyFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 36, 4.2105, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e300, -2.5e-9,
	123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1)}

// fillRandom sets every field v can reach: nil or not, empty or not.
func fillRandom(rng *rand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeOf(time.Time{}) {
		sec := rng.Int64N(400 * 365 * 24 * 3600)
		if rng.IntN(200) == 0 {
			sec += 9000 * 365 * 24 * 3600 // past year 9999
		}
		v.Set(reflect.ValueOf(time.Unix(sec-200*365*24*3600, rng.Int64N(3)*rng.Int64N(1e9)).UTC()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if rng.IntN(3) == 0 {
			v.SetString(trickyStrings[rng.IntN(len(trickyStrings))])
		} else {
			var s strings.Builder
			for range rng.IntN(40) {
				s.WriteRune(rune(rng.IntN(0x3000)))
			}
			v.SetString(s.String())
		}
	case reflect.Float64:
		if rng.IntN(4) == 0 {
			v.SetFloat(trickyFloats[rng.IntN(len(trickyFloats)-2)]) // NaN and ±Inf below, rarely
		} else {
			v.SetFloat(math.Ldexp(rng.NormFloat64(), rng.IntN(160)-80))
		}
		if rng.IntN(3000) == 0 {
			v.SetFloat(trickyFloats[len(trickyFloats)-2+rng.IntN(2)])
		}
	case reflect.Int:
		v.SetInt(rng.Int64N(1<<40) - 1<<39)
	case reflect.Pointer:
		if rng.IntN(3) > 0 {
			p := reflect.New(v.Type().Elem())
			fillRandom(rng, p.Elem())
			v.Set(p)
		}
	case reflect.Slice:
		if rng.IntN(6) == 0 {
			return // nil
		}
		s := reflect.MakeSlice(v.Type(), rng.IntN(4), 4)
		for i := range s.Len() {
			fillRandom(rng, s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			fillRandom(rng, v.Field(i))
		}
	default:
		panic("fillRandom: no rule for " + v.Type().String())
	}
}
