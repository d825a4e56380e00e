package chart

// The trend of a touchpoint's metric over time.

import (
	"fmt"
	"math"
	"slices"
	"time"

	xfnt "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TrendPoint is one measured period.
type TrendPoint struct {
	End       time.Time // end of the period
	Value     float64
	Low, High float64 // 95 % interval
}

// Trend draws a metric's trend as an SVG document: values over time as a
// line with points and vertical error bars, a horizontal dashed target line
// labelled "target" when target != nil, the y axis labelled yLabel, dates on
// the x axis.
func Trend(title, yLabel string, points []TrendPoint, target *float64) ([]byte, error) {
	const w, h = 720, 400
	if clean(title) == "" {
		title = "Trend"
	}
	pts := make([]TrendPoint, 0, len(points))
	for _, p := range points {
		if p.End.IsZero() || !finite(p.Value) {
			continue
		}
		if !finite(p.Low, p.High) {
			p.Low, p.High = math.NaN(), math.NaN()
		} else if p.Low > p.High {
			p.Low, p.High = p.High, p.Low
		}
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return noData(w, h, title, "no measurements yet")
	}
	slices.SortStableFunc(pts, func(a, b TrendPoint) int { return a.End.Compare(b.End) })
	var tgt *float64
	if target != nil && finite(*target) {
		tgt = target
	}

	// Ranges.
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		for _, v := range []float64{p.Value, p.Low, p.High} {
			if finite(v) {
				ylo, yhi = math.Min(ylo, v), math.Max(yhi, v)
			}
		}
	}
	if tgt != nil {
		ylo, yhi = math.Min(ylo, *tgt), math.Max(yhi, *tgt)
	}
	if yhi-ylo < 1e-12 {
		d := math.Max(math.Abs(yhi)*0.1, 1)
		ylo, yhi = ylo-d, yhi+d
	}
	ypad := (yhi - ylo) * 0.12
	ylo, yhi = ylo-ypad, yhi+ypad

	first, last := pts[0].End, pts[len(pts)-1].End
	span := last.Sub(first).Seconds()
	xpad := span * 0.06
	if len(pts) > 1 {
		xpad = math.Max(xpad, span/float64(len(pts)-1)*0.5)
	}
	if xpad == 0 {
		xpad = 15 * 24 * 3600
	}
	xlo := float64(first.Unix()) - xpad
	xhi := float64(last.Unix()) + xpad

	// Date labels: at the points themselves, thinned to at most 10.
	minGap := math.Inf(1)
	for i := 1; i < len(pts); i++ {
		minGap = math.Min(minGap, pts[i].End.Sub(pts[i-1].End).Hours()/24)
	}
	layout := "2 Jan"
	switch {
	case minGap >= 27:
		layout = "Jan 2006"
	case first.Year() != last.Year():
		layout = "2 Jan 2006"
	}
	every := (len(pts) + 9) / 10
	var ticks plot.ConstantTicks
	for i, p := range pts {
		label := ""
		if i%every == 0 || (i == len(pts)-1 && (len(pts)-1)%every >= every/2+1) {
			label = p.End.UTC().Format(layout)
		}
		if label == "" {
			if len(pts) <= trendMaxBars { // a small tick for each period
				ticks = append(ticks, plot.Tick{Value: float64(p.End.Unix())})
			}
			continue
		}
		ticks = append(ticks, plot.Tick{Value: float64(p.End.Unix()), Label: label})
	}
	band := len(pts) > trendMaxBars
	subtitle := fmt.Sprintf("%d %s · bars: 95 %% interval", len(pts), plural(len(pts), "period", "periods"))
	if band {
		subtitle = fmt.Sprintf("%d periods · shaded: 95 %% interval", len(pts))
	}
	if tgt != nil {
		subtitle += " · dashed line: target " + num(*tgt, false)
	}

	return render(w, h, title, func(c draw.Canvas) {
		area := header(c, title, subtitle)
		area = draw.Crop(area, 12, -62, 16, 0)
		p := newPlot()
		p.X.Padding, p.Y.Padding = 0, 0
		p.X.Min, p.X.Max = xlo, xhi
		p.Y.Min, p.Y.Max = ylo, yhi
		p.X.Tick.Marker = ticks
		p.Y.Label.Text = truncate(clean(yLabel), 80)
		p.Y.Tick.Marker = roundTicks{want: 6}
		p.Add(&trendPlotter{pts: pts, target: tgt, labelValues: len(pts) <= 16, band: band})
		p.Draw(area)
	})
}

// trendMaxBars: with more periods than this the intervals are drawn as
// a shaded band instead of error bars, which would crowd each other.
const trendMaxBars = 40

type trendPlotter struct {
	pts         []TrendPoint
	target      *float64
	labelValues bool
	band        bool
}

func (t *trendPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	// Horizontal grid.
	for _, tk := range (roundTicks{want: 6}).Ticks(p.Y.Min, p.Y.Max) {
		y := trY(tk.Value)
		strokeLine(c, faint, 0.6, nil, vg.Point{X: c.Min.X, Y: y}, vg.Point{X: c.Max.X, Y: y})
	}
	errClr := withAlpha(blue, 0x90)
	if t.band {
		// One polygon per run of periods with an interval.
		var upper, lower []vg.Point
		flush := func() {
			if len(upper) > 1 {
				slices.Reverse(lower)
				c.FillPolygon(withAlpha(blue, 0x38), append(upper, lower...))
			}
			upper, lower = nil, nil
		}
		for _, pt := range t.pts {
			if !finite(pt.Low, pt.High) {
				flush()
				continue
			}
			x := trX(float64(pt.End.Unix()))
			upper = append(upper, vg.Point{X: x, Y: trY(pt.High)})
			lower = append(lower, vg.Point{X: x, Y: trY(pt.Low)})
		}
		flush()
	}
	if t.target != nil {
		y := trY(*t.target)
		strokeLine(c, vermilion, 1.4, []vg.Length{6, 4}, vg.Point{X: c.Min.X, Y: y}, vg.Point{X: c.Max.X, Y: y})
		// Labelled in the margin right of the plot, where no data can be.
		ts := style(10, true, darken(vermilion), draw.XLeft, draw.YBottom)
		c.FillText(ts, vg.Point{X: c.Max.X + 5, Y: y + 1}, "target")
		ts.YAlign, ts.Font.Weight = draw.YTop, xfnt.WeightNormal
		c.FillText(ts, vg.Point{X: c.Max.X + 5, Y: y - 2}, num(*t.target, false))
	}
	line := make([]vg.Point, 0, len(t.pts))
	for _, pt := range t.pts {
		x := trX(float64(pt.End.Unix()))
		line = append(line, vg.Point{X: x, Y: trY(pt.Value)})
		if !t.band && finite(pt.Low, pt.High) {
			yl, yh := trY(pt.Low), trY(pt.High)
			strokeLine(c, errClr, 1.6, nil, vg.Point{X: x, Y: yl}, vg.Point{X: x, Y: yh})
			strokeLine(c, errClr, 1.6, nil, vg.Point{X: x - 4, Y: yl}, vg.Point{X: x + 4, Y: yl})
			strokeLine(c, errClr, 1.6, nil, vg.Point{X: x - 4, Y: yh}, vg.Point{X: x + 4, Y: yh})
		}
	}
	if len(line) > 1 {
		strokeLine(c, blue, 2, nil, line...)
	}
	r := vg.Length(4.5)
	if len(t.pts) > 60 {
		r = 2.5
	}
	vsty := style(9.5, false, ink, draw.XLeft, draw.YCenter)
	for _, at := range line {
		c.SetColor(blue)
		c.Fill(circlePath(at, r))
		c.SetLineStyle(draw.LineStyle{Color: white, Width: 1.2})
		c.Stroke(circlePath(at, r))
	}
	if t.labelValues {
		// Right of the point, below the line if it rises to the next point,
		// above it if it falls.
		// Of the four spots beside the point, the first that is clear of
		// the line and the target line; the preferred one sits on the side
		// away from where the line goes next.
		hits := func(b vg.Rectangle, i int) bool {
			b.Min.X, b.Min.Y, b.Max.X, b.Max.Y = b.Min.X-1, b.Min.Y-1, b.Max.X+1, b.Max.Y+1
			if t.target != nil {
				if y := trY(*t.target); y > b.Min.Y && y < b.Max.Y {
					return true
				}
			}
			for _, j := range []int{i - 1, i + 1} {
				if j < 0 || j >= len(line) {
					continue
				}
				for k := 0; k <= 16; k++ { // sample the segment
					f := vg.Length(k) / 16
					p := vg.Point{X: line[i].X + f*(line[j].X-line[i].X), Y: line[i].Y + f*(line[j].Y-line[i].Y)}
					if p.X > b.Min.X && p.X < b.Max.X && p.Y > b.Min.Y && p.Y < b.Max.Y {
						return true
					}
				}
			}
			return false
		}
		for i, at := range line {
			label := num(t.pts[i].Value, false)
			type spot struct {
				sty text.Style
				pt  vg.Point
			}
			mk := func(xa draw.XAlignment, ya draw.YAlignment, dx, dy vg.Length) spot {
				sty := vsty
				sty.XAlign, sty.YAlign = xa, ya
				return spot{sty, vg.Point{X: at.X + dx, Y: at.Y + dy}}
			}
			belowR := mk(draw.XLeft, draw.YTop, r+3, -3)
			aboveR := mk(draw.XLeft, draw.YBottom, r+3, 3)
			belowL := mk(draw.XRight, draw.YTop, -r-3, -3)
			aboveL := mk(draw.XRight, draw.YBottom, -r-3, 3)
			spots := []spot{aboveR, belowR, aboveL, belowL}
			if i+1 < len(line) && line[i+1].Y >= at.Y {
				spots = []spot{belowR, aboveR, belowL, aboveL}
			}
			choice := spots[0]
			for _, sp := range spots {
				if !hits(textBox(sp.sty, sp.pt, label), i) {
					choice = sp
					break
				}
			}
			c.FillText(choice.sty, choice.pt, label)
		}
	}
}
