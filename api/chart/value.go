package chart

// The portfolio value chart: horizontal bars of annual value, with the
// realised value's interval as a whisker.

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ValueBar is one bar of the value chart.
type ValueBar struct {
	Label string
	Value float64
	// Low and High are the interval drawn as a whisker; nil for none.
	Low, High *float64
	Kind      string // realised, expected, weighted, touchpoint: the bar's colour
	Note      string // written under the amount, e.g. "3 ideas"
}

func valueColor(kind string) color.RGBA {
	switch kind {
	case "realised":
		return green
	case "expected":
		return orange
	case "weighted":
		return blue
	case "failing":
		return vermilion
	}
	return grey
}

// Value draws the bars (top to bottom in the given order) against a common
// axis of annual value in currency, a zero line, each bar's amount and note
// at its right, the whisker from Low to High where given.
func Value(title, currency string, bars []ValueBar) ([]byte, error) {
	const (
		w       = 840
		rowH    = 30
		maxRows = 40
		rightW  = 190
	)
	if clean(title) == "" {
		title = "Portfolio value"
	}
	if len(bars) == 0 {
		return noData(w, 300, title, "no business cases or realised values yet")
	}
	subtitle := "annual value in " + clean(currency) + "; the realised interval assumes the ideas' errors are independent"
	if len(bars) > maxRows {
		bars = bars[:maxRows]
	}
	n := len(bars)
	h := headerHeight(title, subtitle) + 22 + vg.Length(n)*rowH + 74

	lo, hi := 0.0, 0.0
	for _, b := range bars {
		for _, v := range []*float64{&b.Value, b.Low, b.High} {
			if v != nil && finite(*v) {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
	}
	if hi-lo < 1e-9 {
		hi = lo + 1
	}
	pad := (hi - lo) * 0.05
	if lo < 0 {
		lo -= pad
	}
	hi += pad

	return render(w, h, title, func(c draw.Canvas) {
		area := header(c, title, subtitle)
		lsty := style(11, false, ink, draw.XRight, draw.YCenter)
		labels := make([]string, n)
		labelW := vg.Length(40)
		for i, b := range bars {
			label := clean(b.Label)
			if label == "" {
				label = "(unnamed)"
			}
			labels[i] = fit(lsty, truncate(label, 60), 230)
			labelW = max(labelW, textWidth(lsty, labels[i]))
		}
		plotArea := draw.Crop(area, 16+labelW+12, -rightW, 18, -22)
		p := newPlot()
		p.X.Min, p.X.Max = lo, hi
		p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
		p.HideY()
		p.X.Label.Text = "annual value, " + truncate(clean(currency), 10)
		p.X.Tick.Marker = roundTicks{want: 6}
		p.X.Padding = 0
		p.Add(&valuePlotter{bars: bars, lo: lo, hi: hi})
		p.Draw(plotArea)

		dc := p.DataCanvas(plotArea)
		_, trY := p.Transforms(&dc)
		x := plotArea.Max.X + 14
		vsty := style(10.5, true, ink, draw.XLeft, draw.YCenter)
		nsty := style(9, false, muted, draw.XLeft, draw.YCenter)
		for i, b := range bars {
			y := trY(float64(n - 1 - i))
			c.FillText(lsty, vg.Point{X: plotArea.Min.X - 12, Y: y}, labels[i])
			amount := money(b.Value)
			if b.Low != nil && b.High != nil && finite(*b.Low, *b.High) {
				amount += "  [" + money(*b.Low) + ", " + money(*b.High) + "]"
			}
			c.FillText(vsty, vg.Point{X: x, Y: y + 5}, fit(vsty, amount, rightW-24))
			if note := clean(b.Note); note != "" {
				c.FillText(nsty, vg.Point{X: x, Y: y - 8}, fit(nsty, truncate(note, 60), rightW-24))
			}
		}
	})
}

type valuePlotter struct {
	bars   []ValueBar
	lo, hi float64
}

func (v *valuePlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(v.bars)
	for _, t := range (roundTicks{want: 6}).Ticks(v.lo, v.hi) {
		strokeLine(c, faint, 0.6, nil, vg.Point{X: trX(t.Value), Y: c.Min.Y}, vg.Point{X: trX(t.Value), Y: c.Max.Y})
	}
	half := (trY(1) - trY(0)) * 0.32
	x0 := trX(0)
	for i, b := range v.bars {
		y := trY(float64(n - 1 - i))
		clr := valueColor(b.Kind)
		if finite(b.Value) {
			fillRect(c, rect(x0, y-half, trX(clamp(b.Value, v.lo, v.hi)), y+half), withAlpha(clr, 0xD0))
		}
		if b.Low != nil && b.High != nil && finite(*b.Low, *b.High) {
			l, u := trX(clamp(math.Min(*b.Low, *b.High), v.lo, v.hi)), trX(clamp(math.Max(*b.Low, *b.High), v.lo, v.hi))
			strokeLine(c, ink, 1.6, nil, vg.Point{X: l, Y: y}, vg.Point{X: u, Y: y})
			strokeLine(c, ink, 1.6, nil, vg.Point{X: l, Y: y - 6}, vg.Point{X: l, Y: y + 6})
			strokeLine(c, ink, 1.6, nil, vg.Point{X: u, Y: y - 6}, vg.Point{X: u, Y: y + 6})
		}
	}
	strokeLine(c, ink, 1.1, nil, vg.Point{X: x0, Y: c.Min.Y}, vg.Point{X: x0, Y: c.Max.Y})
}

// money formats an amount: whole units with a thousands separator from 100
// up, else as num does.
func money(v float64) string {
	if !finite(v) || math.Abs(v) < 100 || math.Abs(v) > 1e15 {
		return num(v, false)
	}
	return thousands(int(math.Round(v)))
}
