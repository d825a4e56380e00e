package chart

// The forest plot of a pilot's results.

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ForestRow is one pilot metric's result on a common scale.
type ForestRow struct {
	Label       string  // metric name (+ "(guardrail)" or "(primary)" already added by the caller if needed)
	Improvement float64 // direction-adjusted: positive = better, in percent of the before level
	Low, High   float64 // its confidence interval, same scale
	Verdict     string  // improved, worsened, inconclusive
}

func verdictColor(v string) color.RGBA {
	switch v {
	case "improved":
		return green
	case "worsened":
		return vermilion
	}
	return grey
}

// Forest draws a pilot's results as an SVG document, the classic forest
// plot: one row per metric (top to bottom in the given order), a point at
// Improvement with a horizontal interval line and caps, a vertical zero line
// ("no change"), the x axis labelled xLabel, colours by verdict and the
// verdict written at the right of each row; the labels on the left.
func Forest(title, xLabel string, rows []ForestRow) ([]byte, error) {
	const (
		w       = 720
		rowH    = 34
		maxRows = 60
		rightW  = 200
	)
	if clean(title) == "" {
		title = "Pilot results"
	}
	if len(rows) == 0 {
		return noData(w, 300, title, "no metric results yet")
	}
	subtitle := ""
	if len(rows) > maxRows {
		subtitle = fmt.Sprintf("showing the first %d of %d metrics", maxRows, len(rows))
		rows = rows[:maxRows]
	}
	n := len(rows)
	h := headerHeight(title, subtitle) + 22 + vg.Length(n)*rowH + 74

	// X range: zero, every estimate (within ±1000 %) and every interval bound
	// within ±150 %, with some air, so that one huge interval cannot squash
	// the others: intervals reaching beyond the axis end in an arrow.
	lo, hi := 0.0, 0.0
	for _, r := range rows {
		if finite(r.Improvement) {
			lo, hi = math.Min(lo, r.Improvement), math.Max(hi, r.Improvement)
		}
		for _, v := range []float64{r.Low, r.High} {
			if finite(v) {
				v = clamp(v, -150, 150)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	lo, hi = math.Max(lo, -1000), math.Min(hi, 1000)
	if hi-lo < 1e-9 {
		lo, hi = lo-10, hi+10
	}
	pad := (hi - lo) * 0.08
	lo, hi = lo-pad, hi+pad

	return render(w, h, title, func(c draw.Canvas) {
		area := header(c, title, subtitle)
		// Row labels on the left, up to two lines each.
		lsty := style(11, false, ink, draw.XRight, draw.YCenter)
		labels := make([][]string, n)
		labelW := vg.Length(40)
		for i, r := range rows {
			label := clean(r.Label)
			if label == "" {
				label = "(unnamed metric)"
			}
			labels[i] = wrap(lsty, truncate(label, 90), 200, 2)
			for _, line := range labels[i] {
				labelW = max(labelW, textWidth(lsty, line))
			}
		}
		plotArea := draw.Crop(area, 16+labelW+12, -rightW, 18, -22)
		p := newPlot()
		p.X.Min, p.X.Max = lo, hi
		p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
		p.HideY()
		p.X.Label.Text = truncate(clean(xLabel), 120)
		p.X.Tick.Marker = roundTicks{want: 6, signed: true}
		p.X.Padding = 0
		p.Add(&forestPlotter{rows: rows, lo: lo, hi: hi})
		p.Draw(plotArea)

		// The right-hand columns: estimate with interval, and the verdict.
		dc := p.DataCanvas(plotArea)
		_, trY := p.Transforms(&dc)
		xEst := plotArea.Max.X + 14
		xVer := plotArea.Max.X + rightW - 18
		hsty := style(9.5, true, muted, draw.XLeft, draw.YBottom)
		c.FillText(hsty, vg.Point{X: xEst, Y: dc.Max.Y + 6}, "estimate [95 % CI]")
		hsty.XAlign = draw.XRight
		c.FillText(hsty, vg.Point{X: xVer, Y: dc.Max.Y + 6}, "verdict")
		esty := style(10.5, false, ink, draw.XLeft, draw.YCenter)
		for i, r := range rows {
			y := trY(float64(n - 1 - i))
			for k, line := range labels[i] {
				off := (vg.Length(len(labels[i])-1)/2 - vg.Length(k)) * 13.5
				c.FillText(lsty, vg.Point{X: plotArea.Min.X - 12, Y: y + off}, line)
			}
			est := "n/a"
			if finite(r.Improvement) {
				est = num(r.Improvement, true) + " %"
			}
			if finite(r.Low, r.High) {
				l, u := math.Min(r.Low, r.High), math.Max(r.Low, r.High)
				est += "  [" + num(l, true) + ", " + num(u, true) + "]"
			}
			c.FillText(esty, vg.Point{X: xEst, Y: y}, fit(esty, est, rightW-90))
			verdict := clean(r.Verdict)
			if verdict == "" {
				verdict = "—"
			}
			vsty := style(10.5, true, darken(verdictColor(r.Verdict)), draw.XRight, draw.YCenter)
			c.FillText(vsty, vg.Point{X: xVer, Y: y}, fit(vsty, truncate(verdict, 20), 80))
		}
	})
}

type forestPlotter struct {
	rows   []ForestRow
	lo, hi float64
}

func (f *forestPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(f.rows)
	// Zebra bands.
	for i := range f.rows {
		if i%2 == 1 {
			continue
		}
		y := trY(float64(n - 1 - i))
		half := (trY(1) - trY(0)) / 2
		fillRect(c, rect(c.Min.X, y-half, c.Max.X, y+half), color.RGBA{R: 0xF4, G: 0xF4, B: 0xF4, A: 0xFF})
	}
	// Vertical grid at the ticks.
	for _, t := range (roundTicks{want: 6, signed: true}).Ticks(f.lo, f.hi) {
		if t.Value == 0 {
			continue
		}
		strokeLine(c, faint, 0.6, nil, vg.Point{X: trX(t.Value), Y: c.Min.Y}, vg.Point{X: trX(t.Value), Y: c.Max.Y})
	}
	// Zero line and the "worse / better" guide above it.
	x0 := trX(0)
	strokeLine(c, ink, 1.1, []vg.Length{4, 3}, vg.Point{X: x0, Y: c.Min.Y}, vg.Point{X: x0, Y: c.Max.Y + 4})
	gsty := style(9.5, false, muted, draw.XCenter, draw.YBottom)
	c.FillText(gsty, vg.Point{X: x0, Y: c.Max.Y + 6}, "no change")
	half := gsty.Width("no change")/2 + 10
	gsty.XAlign = draw.XRight
	if x0-half-gsty.Width("← worse") > c.Min.X-4 {
		c.FillText(gsty, vg.Point{X: x0 - half, Y: c.Max.Y + 6}, "← worse")
	}
	gsty.XAlign = draw.XLeft
	if x0+half+gsty.Width("better →") < c.Max.X+4 {
		c.FillText(gsty, vg.Point{X: x0 + half, Y: c.Max.Y + 6}, "better →")
	}

	clampX := func(v float64) (vg.Length, bool) {
		if v < f.lo {
			return trX(f.lo), true
		}
		if v > f.hi {
			return trX(f.hi), true
		}
		return trX(v), false
	}
	for i, r := range f.rows {
		y := trY(float64(n - 1 - i))
		clr := verdictColor(r.Verdict)
		if finite(r.Low, r.High) {
			l, u := math.Min(r.Low, r.High), math.Max(r.Low, r.High)
			xl, cutL := clampX(l)
			xu, cutU := clampX(u)
			strokeLine(c, clr, 2.2, nil, vg.Point{X: xl, Y: y}, vg.Point{X: xu, Y: y})
			for _, end := range []struct {
				x   vg.Length
				cut bool
				dir vg.Length
			}{{xl, cutL, -1}, {xu, cutU, 1}} {
				if end.cut { // an arrow ending at the edge of the axis
					c.FillPolygon(clr, []vg.Point{{X: end.x, Y: y}, {X: end.x - end.dir*7, Y: y + 4.5}, {X: end.x - end.dir*7, Y: y - 4.5}})
				} else {
					strokeLine(c, clr, 2.2, nil, vg.Point{X: end.x, Y: y - 6}, vg.Point{X: end.x, Y: y + 6})
				}
			}
		}
		if !finite(r.Improvement) {
			c.FillText(style(9.5, false, muted, draw.XLeft, draw.YCenter), vg.Point{X: trX(0) + 6, Y: y}, "no estimate")
		}
		if finite(r.Improvement) && r.Improvement >= f.lo && r.Improvement <= f.hi {
			at := vg.Point{X: trX(r.Improvement), Y: y}
			if r.Verdict == "improved" || r.Verdict == "worsened" {
				c.SetColor(clr)
				c.Fill(circlePath(at, 5.5))
			} else {
				c.SetColor(white)
				c.Fill(circlePath(at, 5.5))
			}
			c.SetLineStyle(draw.LineStyle{Color: clr, Width: 2})
			c.Stroke(circlePath(at, 5.5))
		}
	}
}
