package chart

// The forest plot of a pilot's results.

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ForestRow is one pilot metric's result on a common scale.
type ForestRow struct {
	Label string // metric name (+ "(guardrail)" or "(primary)" already added by the caller if needed)
	// Improvement is the change turned so that positive is better, in
	// percent of the before level; Low, High its confidence interval on the
	// same scale. The chart plots and prints the signed change, after −
	// before: Improvement itself, or −Improvement when LowerIsBetter.
	Improvement   float64
	Low, High     float64
	Verdict       string // improved, worsened, inconclusive
	LowerIsBetter bool   // the metric's direction
	// Change is the signed absolute change, after − before, in Unit (e.g.
	// −28 with Unit "s" for a handle time that fell by 28 seconds), written
	// before the relative change; nil when there is none.
	Change *float64
	Unit   string // of Change, short: "s", "pp", "pts", "per agent-week"; "" for none
}

// signed returns the row's relative change and its interval with the sign
// of after − before.
func (r ForestRow) signed() (change, low, high float64) {
	if r.LowerIsBetter {
		return -r.Improvement, -r.High, -r.Low
	}
	return r.Improvement, r.Low, r.High
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

// Forest is ForestWithNotice without a notice.
func Forest(title, xLabel string, rows []ForestRow) ([]byte, error) {
	return ForestWithNotice(title, Notice{}, xLabel, rows)
}

// Notice is a warning written under a chart's title: Label in bold in a
// warning colour on a tinted band, then Detail in plain text (up to three
// lines). Nothing is written when Label is "".
type Notice struct {
	Label, Detail string
}

const (
	noticeLabelSize  = 10.5
	noticeDetailSize = 9.5
	noticeDetailGap  = 2
	noticeMaxLines   = 3
)

// lines returns the notice's detail wrapped to width, and the height the
// notice takes (0 when there is none).
func (n Notice) lines(width vg.Length) ([]string, vg.Length) {
	if clean(n.Label) == "" {
		return nil, 0
	}
	h := style(noticeLabelSize, true, ink, draw.XLeft, draw.YTop).Height("Tg") + 8
	var lines []string
	if d := cleanLong(n.Detail, 600); d != "" {
		dsty := style(noticeDetailSize, false, ink, draw.XLeft, draw.YTop)
		lines = wrap(dsty, d, width, noticeMaxLines)
		h += vg.Length(len(lines)) * (dsty.Height("Tg") + noticeDetailGap)
	}
	return lines, h + 6
}

// cleanLong is clean for a text longer than clean's 300 runes: word by
// word, at most n runes in all.
func cleanLong(s string, n int) string {
	var words []string
	for _, w := range strings.Fields(s) {
		if w = clean(w); w != "" {
			words = append(words, w)
		}
	}
	return truncate(strings.Join(words, " "), n)
}

// draw writes the notice at the top of c and returns the canvas below it.
func (n Notice) draw(c draw.Canvas, lines []string, height vg.Length) draw.Canvas {
	if height == 0 {
		return c
	}
	const pad = 16
	width := c.Max.X - c.Min.X - 2*pad
	lsty := style(noticeLabelSize, true, darken(vermilion), draw.XLeft, draw.YTop)
	label := fit(lsty, truncate(clean(n.Label), 80), width-16)
	lh := lsty.Height("Tg")
	top := c.Max.Y
	fillRect(c, rect(c.Min.X+pad, top-lh-6, c.Min.X+pad+textWidth(lsty, label)+16, top), withAlpha(orange, 0x38))
	fillRect(c, rect(c.Min.X+pad, top-lh-6, c.Min.X+pad+3, top), vermilion)
	c.FillText(lsty, vg.Point{X: c.Min.X + pad + 9, Y: top - 3}, label)
	y := top - lh - 6 - 4
	dsty := style(noticeDetailSize, false, muted, draw.XLeft, draw.YTop)
	for _, line := range lines {
		c.FillText(dsty, vg.Point{X: c.Min.X + pad, Y: y}, line)
		y -= dsty.Height("Tg") + noticeDetailGap
	}
	c.Max.Y = top - height
	return c
}

// ForestWithNotice draws a pilot's results as an SVG document, the classic
// forest plot: one row per metric (top to bottom in the given order), a
// point at the signed change (after − before, in percent of the before
// level) with a horizontal interval line and caps, a vertical zero line
// ("no change"), the x axis labelled xLabel, colours by verdict; at the
// right of each row the absolute change with its unit and the relative
// change, both with the sign of after − before, the interval, the metric's
// direction and the verdict; the labels on the left. The notice, if any,
// is written under the title.
func ForestWithNotice(title string, notice Notice, xLabel string, rows []ForestRow) ([]byte, error) {
	const (
		w       = 840
		rowH    = 34
		maxRows = 60
		rightW  = 310
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
	noticeLines, noticeH := notice.lines(w - 32)
	docTitle := title
	if l := clean(notice.Label); l != "" {
		docTitle += " (" + l + ")"
	}
	n := len(rows)
	h := headerHeight(title, subtitle) + noticeH + 22 + vg.Length(n)*rowH + 74

	// X range: zero, every estimate (within ±1000 %) and every interval bound
	// within ±150 %, with some air, so that one huge interval cannot squash
	// the others: intervals reaching beyond the axis end in an arrow.
	lo, hi := 0.0, 0.0
	for _, r := range rows {
		change, low, high := r.signed()
		if finite(change) {
			lo, hi = math.Min(lo, change), math.Max(hi, change)
		}
		for _, v := range []float64{low, high} {
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

	return render(w, h, docTitle, func(c draw.Canvas) {
		area := notice.draw(header(c, title, subtitle), noticeLines, noticeH)
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

		// The right-hand columns: the change (absolute and relative) over
		// its interval and the metric's direction, and the verdict.
		dc := p.DataCanvas(plotArea)
		_, trY := p.Transforms(&dc)
		xEst := plotArea.Max.X + 14
		xVer := plotArea.Max.X + rightW - 18
		estW := vg.Length(rightW - 14 - 18 - 80 - 8)
		hsty := style(9.5, true, muted, draw.XLeft, draw.YBottom)
		c.FillText(hsty, vg.Point{X: xEst, Y: dc.Max.Y + 6}, "change, after − before")
		hsty.XAlign = draw.XRight
		c.FillText(hsty, vg.Point{X: xVer, Y: dc.Max.Y + 6}, "verdict")
		esty := style(10.5, false, ink, draw.XLeft, draw.YCenter)
		csty := style(9, false, muted, draw.XLeft, draw.YCenter)
		for i, r := range rows {
			y := trY(float64(n - 1 - i))
			for k, line := range labels[i] {
				off := (vg.Length(len(labels[i])-1)/2 - vg.Length(k)) * 13.5
				c.FillText(lsty, vg.Point{X: plotArea.Min.X - 12, Y: y + off}, line)
			}
			est, detail := changeText(r)
			c.FillText(esty, vg.Point{X: xEst, Y: y + 6}, fit(esty, est, estW))
			c.FillText(csty, vg.Point{X: xEst, Y: y - 7}, fit(csty, detail, estW))
			verdict := clean(r.Verdict)
			if verdict == "" {
				verdict = "—"
			}
			vsty := style(10.5, true, darken(verdictColor(r.Verdict)), draw.XRight, draw.YCenter)
			c.FillText(vsty, vg.Point{X: xVer, Y: y}, fit(vsty, truncate(verdict, 20), 80))
		}
	})
}

// changeText is a row's change as written at its right: the absolute change
// with its unit and the relative change, e.g. "−28 s (−8.8 %)", and under
// it the relative interval and the direction, e.g. "[−12.6, −5.1] % · lower
// is better". Every number has the sign of after − before.
func changeText(r ForestRow) (est, detail string) {
	change, low, high := r.signed()
	rel := ""
	if finite(change) {
		rel = num(change, true) + " %"
	}
	switch {
	case r.Change != nil && finite(*r.Change) && rel != "":
		est = num(*r.Change, true) + unitSuffix(r.Unit) + "  (" + rel + ")"
	case r.Change != nil && finite(*r.Change):
		est = num(*r.Change, true) + unitSuffix(r.Unit)
	case rel != "":
		est = rel
	default:
		est = "n/a"
	}
	if finite(low, high) {
		l, u := math.Min(low, high), math.Max(low, high)
		detail = "[" + num(l, true) + ", " + num(u, true) + "] %  ·  "
	}
	if r.LowerIsBetter {
		return est, detail + "lower is better"
	}
	return est, detail + "higher is better"
}

// unitSuffix is " unit", cleaned and kept short, or "" for no unit.
func unitSuffix(unit string) string {
	if u := truncate(clean(unit), 20); u != "" {
		return " " + u
	}
	return ""
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
	if x0-half-gsty.Width("← decrease") > c.Min.X-4 {
		c.FillText(gsty, vg.Point{X: x0 - half, Y: c.Max.Y + 6}, "← decrease")
	}
	gsty.XAlign = draw.XLeft
	if x0+half+gsty.Width("increase →") < c.Max.X+4 {
		c.FillText(gsty, vg.Point{X: x0 + half, Y: c.Max.Y + 6}, "increase →")
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
		change, low, high := r.signed()
		if finite(low, high) {
			l, u := math.Min(low, high), math.Max(low, high)
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
		if !finite(change) {
			c.FillText(style(9.5, false, muted, draw.XLeft, draw.YCenter), vg.Point{X: trX(0) + 6, Y: y}, "no estimate")
		}
		if finite(change) && change >= f.lo && change <= f.hi {
			at := vg.Point{X: trX(change), Y: y}
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
