package chart

// Shared drawing: shapes, the gonum plot set-up, the title header, the
// rendering into a standalone SVG document, the "no data" chart and the
// round axis ticks.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func rect(x0, y0, x1, y1 vg.Length) vg.Rectangle {
	return vg.Rectangle{Min: vg.Point{X: min(x0, x1), Y: min(y0, y1)}, Max: vg.Point{X: max(x0, x1), Y: max(y0, y1)}}
}

func rectPath(r vg.Rectangle) vg.Path {
	var p vg.Path
	p.Move(r.Min)
	p.Line(vg.Point{X: r.Max.X, Y: r.Min.Y})
	p.Line(r.Max)
	p.Line(vg.Point{X: r.Min.X, Y: r.Max.Y})
	p.Close()
	return p
}

func circlePath(at vg.Point, r vg.Length) vg.Path {
	var p vg.Path
	p.Move(vg.Point{X: at.X + r, Y: at.Y})
	p.Arc(at, r, 0, 2*math.Pi)
	p.Close()
	return p
}

func fillRect(c draw.Canvas, r vg.Rectangle, clr color.Color) {
	c.SetColor(clr)
	c.Fill(rectPath(r))
}

func strokeLine(c draw.Canvas, clr color.Color, width vg.Length, dashes []vg.Length, pts ...vg.Point) {
	c.StrokeLines(draw.LineStyle{Color: clr, Width: width, Dashes: dashes}, pts)
}

// textBox is the rectangle text occupies when drawn at pt with sty.
func textBox(sty text.Style, pt vg.Point, s string) vg.Rectangle {
	r := sty.Rectangle(s)
	return vg.Rectangle{Min: r.Min.Add(pt), Max: r.Max.Add(pt)}
}

// newPlot is a gonum plot with the chart fonts and no title (titles are
// drawn by header so that all four charts look alike).
func newPlot() *plot.Plot {
	p := plot.New()
	p.TextHandler = textHandler
	p.BackgroundColor = nil
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle = style(11.5, false, ink, ax.Label.TextStyle.XAlign, ax.Label.TextStyle.YAlign)
		ax.Label.Padding = 6
		ax.Tick.Label = style(10.5, false, muted, ax.Tick.Label.XAlign, ax.Tick.Label.YAlign)
		ax.Tick.Color = grey
		ax.Tick.Width = 0.6
		ax.Tick.Length = 4
		ax.Color = grey
		ax.Width = 0.6
	}
	p.Legend.TextStyle = style(10, false, ink, draw.XLeft, draw.YCenter)
	return p
}

// header draws the title (and a subtitle when given) at the top of c
// and returns the area below them.
func header(c draw.Canvas, title, subtitle string) draw.Canvas {
	const pad = 16
	width := c.Max.X - c.Min.X - 2*pad
	y := c.Max.Y - pad
	if t := clean(title); t != "" {
		ts := style(16, true, ink, draw.XLeft, draw.YTop)
		t = fit(ts, truncate(t, 140), width)
		c.FillText(ts, vg.Point{X: c.Min.X + pad, Y: y}, t)
		y -= ts.Height(t) + 4
	}
	if s := clean(subtitle); s != "" {
		ss := style(10.5, false, muted, draw.XLeft, draw.YTop)
		s = fit(ss, s, width)
		c.FillText(ss, vg.Point{X: c.Min.X + pad, Y: y}, s)
		y -= ss.Height(s) + 2
	}
	c.Max.Y = y - 8
	return c
}

// headerHeight is the height header takes.
func headerHeight(title, subtitle string) vg.Length {
	h := vg.Length(16 + 8)
	if clean(title) != "" {
		h += style(16, true, ink, draw.XLeft, draw.YTop).Height("Tg") + 4
	}
	if clean(subtitle) != "" {
		h += style(10.5, false, muted, draw.XLeft, draw.YTop).Height("Tg") + 2
	}
	return h
}

// render draws a chart of w×h points and returns the SVG document.
func render(w, h vg.Length, title string, paint func(c draw.Canvas)) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("chart: rendering failed: %v", r)
		}
	}()
	cv := vgsvg.NewWith(vgsvg.UseWH(w, h))
	c := draw.New(cv)
	fillRect(c, c.Rectangle, white)
	paint(c)
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	return finish(buf.Bytes(), title), nil
}

// finish adds font fallbacks and an accessible <title> to the SVG.
func finish(svg []byte, title string) []byte {
	svg = bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	const open = `xmlns:xlink="http://www.w3.org/1999/xlink">`
	if t := clean(title); t != "" {
		if i := bytes.Index(svg, []byte(open)); i >= 0 {
			var esc bytes.Buffer
			esc.WriteString("\n<title>")
			_ = xml.EscapeText(&esc, []byte(truncate(t, 200)))
			esc.WriteString("</title>")
			i += len(open)
			svg = slices.Concat(svg[:i], esc.Bytes(), svg[i:])
		}
	}
	return svg
}

// noData is the chart for empty input: the title and "no data".
func noData(w, h vg.Length, title, detail string) ([]byte, error) {
	return render(w, h, title, func(c draw.Canvas) {
		area := header(c, title, "")
		mid := area.Center()
		c.FillText(style(20, true, grey, draw.XCenter, draw.YCenter), mid, "no data")
		if detail != "" {
			c.FillText(style(11, false, muted, draw.XCenter, draw.YTop), vg.Point{X: mid.X, Y: mid.Y - 18}, detail)
		}
	})
}

// roundTicks are evenly spaced round ticks (steps of 1, 2, 2.5 or 5 times a
// power of ten), about want of them, all labelled with the same number of
// decimals; signed labels read −20, 0, +20.
type roundTicks struct {
	want   int
	signed bool
}

func (t roundTicks) Ticks(lo, hi float64) []plot.Tick {
	if !finite(lo, hi) || hi <= lo {
		return nil
	}
	raw := (hi - lo) / float64(max(t.want, 2))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if (hi-lo)/(m*mag) <= float64(t.want)+1 {
			step = m * mag
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if math.Abs(step/math.Pow(10, -float64(decimals))-math.Round(step/math.Pow(10, -float64(decimals)))) > 1e-6 {
		decimals++ // 2.5, 0.25, …
	}
	first := math.Ceil(lo/step - 1e-9)
	var ticks []plot.Tick
	for i := first; i*step <= hi+step*1e-9 && len(ticks) < 40; i++ {
		v := i * step
		label := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
		switch {
		case math.Abs(v) < step*1e-9:
			v, label = 0, strconv.FormatFloat(0, 'f', decimals, 64)
		case v < 0:
			label = "−" + label
		case t.signed:
			label = "+" + label
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	return ticks
}
