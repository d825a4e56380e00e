package chart

// The Pareto chart of contact reasons: bars of contacts, biggest first, and
// the cumulative share of all contacts as a line on a 0–100 % axis.

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ParetoBar is one reason of the Pareto chart.
type ParetoBar struct {
	Label           string
	Contacts        int
	CumulativeShare float64 // 0–1: this reason's and every bigger one's share of all contacts
	Avoidable       bool    // failure demand: drawn in its own colour
}

// paretoMarkShare is the share the Pareto chart marks with a line.
const paretoMarkShare = 0.8

// Pareto draws the bars in the order given (biggest first) against a left
// axis of contacts, the cumulative share as a line with points against a
// right axis of 0–100 %, a dashed line at 80 %, the reasons' names rotated
// under their bars, a legend, and a note when more reasons are not drawn.
// Without bars it says there were no contacts in the window.
func Pareto(title, subtitle string, bars []ParetoBar, more int) ([]byte, error) {
	const (
		w       = 900
		plotH   = 300
		maxBars = 40
		labelW  = 170 // the longest a rotated name may be
		legendH = 26
	)
	if clean(title) == "" {
		title = "Contact reasons"
	}
	if len(bars) == 0 {
		return noData(w, 340, title, "no contacts in this window")
	}
	if len(bars) > maxBars {
		more += len(bars) - maxBars
		bars = bars[:maxBars]
	}
	n := len(bars)
	hi := 0.0
	for _, b := range bars {
		hi = math.Max(hi, float64(b.Contacts))
	}
	if hi <= 0 {
		hi = 1
	}
	hi *= 1.08

	lsty := style(10, false, ink, draw.XRight, draw.YCenter)
	lsty.Rotation = math.Pi / 4
	labels := make([]string, n)
	var longest vg.Length
	for i, b := range bars {
		label := clean(b.Label)
		if label == "" {
			label = "(unnamed)"
		}
		labels[i] = fit(lsty, truncate(label, 60), labelW)
		longest = max(longest, textWidth(lsty, labels[i]))
	}
	labelsH := longest*vg.Length(math.Sin(math.Pi/4)) + 16
	noteH := vg.Length(0)
	if more > 0 {
		noteH = 18
	}
	h := headerHeight(title, subtitle) + plotH + labelsH + legendH + noteH + 16

	return render(w, h, title, func(c draw.Canvas) {
		area := header(c, title, subtitle)
		plotArea := draw.Crop(area, 12, -78, labelsH+legendH+noteH+6, 0)
		p := newPlot()
		p.X.Padding, p.Y.Padding = 0, 0
		p.X.Min, p.X.Max = -0.5, float64(n)-0.5
		p.Y.Min, p.Y.Max = 0, hi
		p.Y.Label.Text = "contacts"
		p.Y.Tick.Marker = roundTicks{want: 6}
		p.X.Tick.Marker = plot.ConstantTicks(nil) // the names are drawn rotated below
		p.Add(&paretoPlotter{bars: bars})
		p.Draw(plotArea)

		dc := p.DataCanvas(plotArea)
		trX, trY := p.Transforms(&dc)
		// The right-hand axis: the cumulative share, 0–100 %.
		ax := dc.Max.X
		strokeLine(c, grey, 0.6, nil, vg.Point{X: ax, Y: dc.Min.Y}, vg.Point{X: ax, Y: dc.Max.Y})
		tsty := style(10.5, false, muted, draw.XLeft, draw.YCenter)
		for pct := 0; pct <= 100; pct += 20 {
			y := trY(hi * float64(pct) / 100)
			strokeLine(c, grey, 0.6, nil, vg.Point{X: ax, Y: y}, vg.Point{X: ax + 4, Y: y})
			c.FillText(tsty, vg.Point{X: ax + 7, Y: y}, fmt.Sprintf("%d %%", pct))
		}
		asty := style(11.5, false, ink, draw.XCenter, draw.YTop)
		asty.Rotation = -math.Pi / 2
		c.FillText(asty, vg.Point{X: ax + 50, Y: (dc.Min.Y + dc.Max.Y) / 2}, "cumulative share of contacts")

		// The names, rotated, ending under their bars.
		for i := range bars {
			x := trX(float64(i))
			width := min(vg.Length(labelW), (x-c.Min.X-4)/vg.Length(math.Cos(math.Pi/4)))
			label := labels[i]
			if textWidth(lsty, label) > width {
				label = fit(lsty, label, width)
			}
			c.FillText(lsty, vg.Point{X: x + 3, Y: dc.Min.Y - 8}, label)
		}

		// The legend, then the note.
		y := plotArea.Min.Y - labelsH - legendH/2
		x := area.Min.X + 16
		legend := style(10, false, ink, draw.XLeft, draw.YCenter)
		for _, item := range []struct {
			label string
			clr   color.RGBA
		}{{"avoidable (failure demand)", vermilion}, {"other reasons", blue}} {
			fillRect(c, rect(x, y-5, x+14, y+5), withAlpha(item.clr, 0xD0))
			c.FillText(legend, vg.Point{X: x + 19, Y: y}, item.label)
			x += 19 + textWidth(legend, item.label) + 18
		}
		strokeLine(c, ink, 1.8, nil, vg.Point{X: x, Y: y}, vg.Point{X: x + 22, Y: y})
		c.SetColor(ink)
		c.Fill(circlePath(vg.Point{X: x + 11, Y: y}, 3))
		c.FillText(legend, vg.Point{X: x + 27, Y: y}, "cumulative share")
		x += 27 + textWidth(legend, "cumulative share") + 18
		strokeLine(c, grey, 1.2, []vg.Length{5, 3}, vg.Point{X: x, Y: y}, vg.Point{X: x + 22, Y: y})
		c.FillText(legend, vg.Point{X: x + 27, Y: y}, "80 % of contacts")
		if more > 0 {
			nsty := style(10, false, muted, draw.XLeft, draw.YCenter)
			c.FillText(nsty, vg.Point{X: area.Min.X + 16, Y: y - legendH/2 - noteH/2 + 2},
				fmt.Sprintf("%d more %s with contacts not drawn", more, plural(more, "reason", "reasons")))
		}
	})
}

type paretoPlotter struct{ bars []ParetoBar }

func (pp *paretoPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, t := range (roundTicks{want: 6}).Ticks(p.Y.Min, p.Y.Max) {
		y := trY(t.Value)
		strokeLine(c, faint, 0.6, nil, vg.Point{X: c.Min.X, Y: y}, vg.Point{X: c.Max.X, Y: y})
	}
	half := min((trX(1)-trX(0))*0.36, 28)
	for i, b := range pp.bars {
		clr := blue
		if b.Avoidable {
			clr = vermilion
		}
		x := trX(float64(i))
		fillRect(c, rect(x-half, trY(0), x+half, trY(float64(max(b.Contacts, 0)))), withAlpha(clr, 0xD0))
	}
	// The 80 % mark on the share axis, which spans the contacts axis (the
	// right-hand axis labels it, the legend says what it is).
	share := func(s float64) vg.Length { return trY(p.Y.Max * clamp(s, 0, 1)) }
	y80 := share(paretoMarkShare)
	strokeLine(c, grey, 1.2, []vg.Length{5, 3}, vg.Point{X: c.Min.X, Y: y80}, vg.Point{X: c.Max.X, Y: y80})
	line := make([]vg.Point, 0, len(pp.bars))
	for i, b := range pp.bars {
		if finite(b.CumulativeShare) {
			line = append(line, vg.Point{X: trX(float64(i)), Y: share(b.CumulativeShare)})
		}
	}
	if len(line) > 1 {
		strokeLine(c, ink, 1.8, nil, line...)
	}
	for _, at := range line {
		c.SetColor(ink)
		c.Fill(circlePath(at, 3))
		c.SetLineStyle(draw.LineStyle{Color: white, Width: 1})
		c.Stroke(circlePath(at, 3))
	}
}
