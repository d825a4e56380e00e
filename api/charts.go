package api

// Server-side SVG charts, drawn with gonum/plot (axes, ticks, grids, text
// metrics) on its SVG canvas (vg/vgsvg). These are pure functions: data in,
// a standalone SVG document out. The HTTP handlers that load the data live
// elsewhere.
//
// Conventions shared by all charts:
//   - Colours come from the Okabe–Ito palette, which stays distinguishable
//     for the common forms of colour blindness; where colour carries meaning
//     a text label or a shape says the same thing.
//   - Text is Liberation Sans, measured with its real metrics; the SVG names
//     Arial/Helvetica as fallbacks, which are metric-compatible, so the
//     layout holds in browsers without Liberation. No font data is embedded.
//   - All user text is cleaned (control and bidi-override characters
//     dropped, whitespace collapsed, invalid UTF-8 replaced) and truncated;
//     the SVG canvas escapes it for XML.
//   - Rendering never panics: a panic inside the plotting library is turned
//     into an error.

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	xfnt "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// matrixPoint is one idea on the value/effort matrix.
type matrixPoint struct {
	Label    string  // idea title
	Value    float64 // 1–5 (weighted mean of impact and experience)
	Effort   int     // 1–5
	Priority float64 // 0–100
	Quadrant string  // quick_win, big_bet, fill_in, money_pit
}

// heatCell is one touchpoint of a journey on one metric.
type heatCell struct {
	Stage         string   // stage name
	Touchpoint    string   // touchpoint name
	Value         *float64 // latest value in the metric's scale; nil = not measured
	Display       string   // the value formatted for people, e.g. "78 %" or "312 s"; "–" when nil
	Health        string   // healthy, at_risk, failing, unknown
	OpenIdeas     int
	RunningPilots int
}

// forestRow is one pilot metric's result on a common scale.
type forestRow struct {
	Label       string  // metric name (+ "(guardrail)" or "(primary)" already added by the caller if needed)
	Improvement float64 // direction-adjusted: positive = better, in percent of the before level
	Low, High   float64 // its confidence interval, same scale
	Verdict     string  // improved, worsened, inconclusive
}

// trendPoint is one measured period.
type trendPoint struct {
	End       time.Time // end of the period
	Value     float64
	Low, High float64 // 95 % interval
}

// chartMatrixMaxPoints is how many ideas the matrix draws at most; beyond it
// only the highest-priority ones are drawn and the title says so.
const chartMatrixMaxPoints = 2000

// ---------------------------------------------------------------------------
// Shared look and helpers.

var (
	chartInk       = color.RGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xFF}
	chartMuted     = color.RGBA{R: 0x5F, G: 0x5F, B: 0x5F, A: 0xFF}
	chartFaint     = color.RGBA{R: 0xE4, G: 0xE4, B: 0xE4, A: 0xFF}
	chartWhite     = color.RGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	chartBlue      = color.RGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF} // Okabe–Ito blue
	chartGreen     = color.RGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF} // Okabe–Ito bluish green
	chartOrange    = color.RGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF} // Okabe–Ito orange
	chartVermilion = color.RGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF} // Okabe–Ito vermilion
	chartGrey      = color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xFF}
)

// chartText is the text handler: plain text (no LaTeX), gonum's font cache
// (which holds the Liberation fonts).
var chartText = text.Plain{Fonts: font.DefaultCache}

func chartFont(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfnt.WeightBold
	}
	return f
}

func chartStyle(size vg.Length, bold bool, clr color.Color, xa draw.XAlignment, ya draw.YAlignment) text.Style {
	return text.Style{Color: clr, Font: chartFont(size, bold), XAlign: xa, YAlign: ya, Handler: chartText}
}

// chartClean makes user text safe and tidy for a chart: invalid UTF-8
// replaced, control, bidi-override and XML-illegal characters dropped,
// whitespace runs collapsed to one space, at most 300 runes kept.
func chartClean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	pendingSpace, n := false, 0
	for _, r := range s {
		switch {
		case r == 0xFFFE || r == 0xFFFF:
			continue
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			pendingSpace = b.Len() > 0
			continue
		}
		if n >= 300 {
			break
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// chartTruncate shortens s to at most n runes, ending in "…" when cut.
func chartTruncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:max(n-1, 0)]), unicode.IsSpace) + "…"
}

// chartWidth is the width of s in sty as a browser will draw it. Characters
// the Liberation font lacks (emoji, most non-Latin scripts) are drawn from a
// fallback font: they count as 1.25 em, a little more than most such glyphs
// take, and combining marks, variation selectors and skin-tone modifiers as
// nothing.
func chartWidth(sty text.Style, s string) vg.Length {
	w := sty.Width(s)
	face := chartText.Fonts.Lookup(sty.Font, sty.Font.Size)
	if face.Face == nil {
		return w
	}
	var buf sfnt.Buffer
	for _, r := range s {
		if r < 0x250 { // Latin: all in the font
			continue
		}
		if idx, err := face.Face.GlyphIndex(&buf, r); err != nil || idx != 0 {
			continue
		}
		w -= face.Width(string(r)) // what sty.Width counted: the .notdef box
		if !unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Variation_Selector) && !(r >= 0x1F3FB && r <= 0x1F3FF) {
			w += sty.Font.Size * 1.25
		}
	}
	return w
}

// chartFit shortens s (ending in "…") until it is at most width wide in sty.
func chartFit(sty text.Style, s string, width vg.Length) string {
	if s == "" || chartWidth(sty, s) <= width {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // the longest prefix that fits is in [lo, hi)
	for lo < hi-1 {
		mid := (lo + hi) / 2
		if chartWidth(sty, string(r[:mid])+"…") <= width {
			lo = mid
		} else {
			hi = mid
		}
	}
	return strings.TrimRightFunc(string(r[:lo]), unicode.IsSpace) + "…"
}

// chartWrap breaks s into at most maxLines lines of at most width, at
// spaces where possible; the last line is shortened with "…" if needed.
func chartWrap(sty text.Style, s string, width vg.Length, maxLines int) []string {
	var lines []string
	words := strings.Fields(s)
	for len(words) > 0 && len(lines) < maxLines {
		if len(lines) == maxLines-1 {
			lines = append(lines, chartFit(sty, strings.Join(words, " "), width))
			break
		}
		n := 1
		for n < len(words) && chartWidth(sty, strings.Join(words[:n+1], " ")) <= width {
			n++
		}
		line := strings.Join(words[:n], " ")
		if chartWidth(sty, line) > width { // one word too long for a line
			line = chartFit(sty, line, width)
		}
		lines = append(lines, line)
		words = words[n:]
	}
	return lines
}

// chartNum formats v for people: thousands kept short, "−" as minus sign.
func chartNum(v float64, signed bool) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	prec := 1
	a := math.Abs(v)
	switch {
	case a >= 100:
		prec = 0
	case a != 0 && a < 0.095:
		prec = 3
	case a < 10 && math.Abs(v-math.Round(v*10)/10) > 1e-9:
		prec = 2
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	switch {
	case s == "0" || s == "-0":
		return "0"
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case signed:
		return "+" + s
	}
	return s
}

func chartFinite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func chartClamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func chartRect(x0, y0, x1, y1 vg.Length) vg.Rectangle {
	return vg.Rectangle{Min: vg.Point{X: min(x0, x1), Y: min(y0, y1)}, Max: vg.Point{X: max(x0, x1), Y: max(y0, y1)}}
}

func chartRectPath(r vg.Rectangle) vg.Path {
	var p vg.Path
	p.Move(r.Min)
	p.Line(vg.Point{X: r.Max.X, Y: r.Min.Y})
	p.Line(r.Max)
	p.Line(vg.Point{X: r.Min.X, Y: r.Max.Y})
	p.Close()
	return p
}

func chartCirclePath(at vg.Point, r vg.Length) vg.Path {
	var p vg.Path
	p.Move(vg.Point{X: at.X + r, Y: at.Y})
	p.Arc(at, r, 0, 2*math.Pi)
	p.Close()
	return p
}

func chartFillRect(c draw.Canvas, r vg.Rectangle, clr color.Color) {
	c.SetColor(clr)
	c.Fill(chartRectPath(r))
}

func chartLine(c draw.Canvas, clr color.Color, width vg.Length, dashes []vg.Length, pts ...vg.Point) {
	c.StrokeLines(draw.LineStyle{Color: clr, Width: width, Dashes: dashes}, pts)
}

// chartTextBox is the rectangle text occupies when drawn at pt with sty.
func chartTextBox(sty text.Style, pt vg.Point, s string) vg.Rectangle {
	r := sty.Rectangle(s)
	return vg.Rectangle{Min: r.Min.Add(pt), Max: r.Max.Add(pt)}
}

// chartNewPlot is a gonum plot with the chart fonts and no title (titles are
// drawn by chartHeader so that all four charts look alike).
func chartNewPlot() *plot.Plot {
	p := plot.New()
	p.TextHandler = chartText
	p.BackgroundColor = nil
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle = chartStyle(11.5, false, chartInk, ax.Label.TextStyle.XAlign, ax.Label.TextStyle.YAlign)
		ax.Label.Padding = 6
		ax.Tick.Label = chartStyle(10.5, false, chartMuted, ax.Tick.Label.XAlign, ax.Tick.Label.YAlign)
		ax.Tick.Color = chartGrey
		ax.Tick.Width = 0.6
		ax.Tick.Length = 4
		ax.Color = chartGrey
		ax.Width = 0.6
	}
	p.Legend.TextStyle = chartStyle(10, false, chartInk, draw.XLeft, draw.YCenter)
	return p
}

// chartHeader draws the title (and a subtitle when given) at the top of c
// and returns the area below them.
func chartHeader(c draw.Canvas, title, subtitle string) draw.Canvas {
	const pad = 16
	width := c.Max.X - c.Min.X - 2*pad
	y := c.Max.Y - pad
	if t := chartClean(title); t != "" {
		ts := chartStyle(16, true, chartInk, draw.XLeft, draw.YTop)
		t = chartFit(ts, chartTruncate(t, 140), width)
		c.FillText(ts, vg.Point{X: c.Min.X + pad, Y: y}, t)
		y -= ts.Height(t) + 4
	}
	if s := chartClean(subtitle); s != "" {
		ss := chartStyle(10.5, false, chartMuted, draw.XLeft, draw.YTop)
		s = chartFit(ss, s, width)
		c.FillText(ss, vg.Point{X: c.Min.X + pad, Y: y}, s)
		y -= ss.Height(s) + 2
	}
	c.Max.Y = y - 8
	return c
}

// chartHeaderHeight is the height chartHeader takes.
func chartHeaderHeight(title, subtitle string) vg.Length {
	h := vg.Length(16 + 8)
	if chartClean(title) != "" {
		h += chartStyle(16, true, chartInk, draw.XLeft, draw.YTop).Height("Tg") + 4
	}
	if chartClean(subtitle) != "" {
		h += chartStyle(10.5, false, chartMuted, draw.XLeft, draw.YTop).Height("Tg") + 2
	}
	return h
}

// chartRender draws a chart of w×h points and returns the SVG document.
func chartRender(w, h vg.Length, title string, paint func(c draw.Canvas)) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("chart: rendering failed: %v", r)
		}
	}()
	cv := vgsvg.NewWith(vgsvg.UseWH(w, h))
	c := draw.New(cv)
	chartFillRect(c, c.Rectangle, chartWhite)
	paint(c)
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	return chartFinish(buf.Bytes(), title), nil
}

// chartFinish adds font fallbacks and an accessible <title> to the SVG.
func chartFinish(svg []byte, title string) []byte {
	svg = bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
	const open = `xmlns:xlink="http://www.w3.org/1999/xlink">`
	if t := chartClean(title); t != "" {
		if i := bytes.Index(svg, []byte(open)); i >= 0 {
			var esc bytes.Buffer
			esc.WriteString("\n<title>")
			_ = xml.EscapeText(&esc, []byte(chartTruncate(t, 200)))
			esc.WriteString("</title>")
			i += len(open)
			svg = slices.Concat(svg[:i], esc.Bytes(), svg[i:])
		}
	}
	return svg
}

// chartNoData is the chart for empty input: the title and "no data".
func chartNoData(w, h vg.Length, title, detail string) ([]byte, error) {
	return chartRender(w, h, title, func(c draw.Canvas) {
		area := chartHeader(c, title, "")
		mid := area.Center()
		c.FillText(chartStyle(20, true, chartGrey, draw.XCenter, draw.YCenter), mid, "no data")
		if detail != "" {
			c.FillText(chartStyle(11, false, chartMuted, draw.XCenter, draw.YTop), vg.Point{X: mid.X, Y: mid.Y - 18}, detail)
		}
	})
}

// ---------------------------------------------------------------------------
// Value/effort matrix.

type chartQuadrant struct {
	key, name string
	clr       color.RGBA
}

var chartQuadrants = []chartQuadrant{
	{"quick_win", "Quick wins", chartGreen},
	{"big_bet", "Big bets", chartBlue},
	{"fill_in", "Fill-ins", chartOrange},
	{"money_pit", "Money pits", chartVermilion},
}

func chartQuadrantColor(key string) color.RGBA {
	for _, q := range chartQuadrants {
		if q.key == key {
			return q.clr
		}
	}
	return chartGrey
}

func chartTint(c color.RGBA, alpha uint8) color.RGBA {
	// Non-premultiplied tint over white, returned opaque.
	mix := func(v uint8) uint8 { return uint8(255 - (int(255-v) * int(alpha) / 255)) }
	return color.RGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xFF}
}

func chartAlpha(c color.RGBA, a uint8) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: a}
}

// matrixSVG: x = effort (1–5, low effort left), y = value (1–5); dashed lines
// at the thresholds; the four quadrants labelled ("Quick wins" top-left,
// "Big bets" top-right, "Fill-ins" bottom-left, "Money pits" bottom-right);
// points coloured by quadrant, sized by priority, jittered deterministically
// so equal (effort, value) pairs do not hide each other; the top 10 by
// priority labelled with their (truncated) title. Beyond 2,000 points only
// the 2,000 highest-priority ones are drawn and the title says so. total is
// the number of ideas the points were picked from (0: just the points), so
// that a chart of the top ideas of a large backlog says how large it is.
func matrixSVG(points []matrixPoint, total int, valueThreshold, effortThreshold float64) ([]byte, error) {
	const w, h = 720, 520
	title := "Value / effort matrix"

	pts := make([]matrixPoint, 0, len(points))
	for _, p := range points {
		if !chartFinite(p.Value) {
			continue
		}
		if !chartFinite(p.Priority) {
			p.Priority = 0
		}
		p.Value = chartClamp(p.Value, 1, 5)
		p.Effort = min(max(p.Effort, 1), 5)
		p.Priority = chartClamp(p.Priority, 0, 100)
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return chartNoData(w, h, title, "no ideas with a value and an effort score yet")
	}
	// Highest priority first; ties broken by title so the order (and so the
	// jitter and the labels) is deterministic.
	slices.SortStableFunc(pts, func(a, b matrixPoint) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return strings.Compare(a.Label, b.Label)
	})
	total = max(total, len(pts))
	if len(pts) > chartMatrixMaxPoints {
		pts = pts[:chartMatrixMaxPoints]
	}
	if total > len(pts) {
		title = fmt.Sprintf("Value / effort matrix — the %s highest-priority of %s ideas",
			chartThousands(len(pts)), chartThousands(total))
	} else {
		title = fmt.Sprintf("Value / effort matrix — %s %s", chartThousands(total), chartPlural(total, "idea", "ideas"))
	}
	if !chartFinite(valueThreshold) {
		valueThreshold = 3 // the default scoring's
	}
	if !chartFinite(effortThreshold) {
		effortThreshold = 2
	}
	// Value is continuous: value ≥ threshold is high value, the line is at
	// the threshold. Effort is a whole score: effort ≤ threshold is low
	// effort, so the line goes between the last low and the first high column.
	vt, et := chartClamp(valueThreshold, 1, 5), chartClamp(effortThreshold, 1, 5)
	etLine := math.Floor(et+1e-9) + 0.5
	nLabels := min(10, len(pts))
	subtitle := fmt.Sprintf("Quick wins: value ≥ %s and effort ≤ %s (dashed lines) · marker size = priority (0–100) · numbers = rank by priority",
		chartNum(vt, false), chartNum(math.Floor(et+1e-9), false))
	const panelW = 230

	return chartRender(w, h, title, func(c draw.Canvas) {
		area := chartHeader(c, title, subtitle)
		plotArea := draw.Crop(area, 12, -panelW, 14, 0)
		p := chartNewPlot()
		p.X.Min, p.X.Max = 0.45, 5.55
		p.Y.Min, p.Y.Max = 0.45, 5.55
		p.X.Label.Text = "effort  (1 = low · 5 = high)"
		p.Y.Label.Text = "value  (1 = low · 5 = high)"
		ticks := make(plot.ConstantTicks, 0, 5)
		for i := 1; i <= 5; i++ {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: strconv.Itoa(i)})
		}
		p.X.Tick.Marker, p.Y.Tick.Marker = ticks, ticks
		p.Add(&chartMatrixPlotter{pts: pts, vt: vt, et: etLine, labels: nLabels})
		p.Draw(plotArea)

		// The list of the top ideas beside the plot.
		dc := p.DataCanvas(plotArea)
		x0, x1 := plotArea.Max.X+18, area.Max.X-16
		y := dc.Max.Y
		c.FillText(chartStyle(11.5, true, chartInk, draw.XLeft, draw.YTop), vg.Point{X: x0, Y: y},
			fmt.Sprintf("Top %d by priority", nLabels))
		hsty := chartStyle(9, false, chartMuted, draw.XRight, draw.YTop)
		c.FillText(hsty, vg.Point{X: x1, Y: y + 1}, "priority")
		y -= 28
		tsty := chartStyle(10, false, chartInk, draw.XLeft, draw.YCenter)
		psty := chartStyle(10, false, chartMuted, draw.XRight, draw.YCenter)
		nsty := chartStyle(8.5, true, chartWhite, draw.XCenter, draw.YCenter)
		for i := range nLabels {
			pt := pts[i]
			chartRankDisc(c, nsty, vg.Point{X: x0 + 8, Y: y}, 8, chartQuadrantColor(pt.Quadrant), i+1)
			prio := chartNum(math.Round(pt.Priority), false)
			label := chartClean(pt.Label)
			if label == "" {
				label = "(untitled)"
			}
			label = chartFit(tsty, chartTruncate(label, 60), x1-(x0+22)-psty.Width(prio)-8)
			c.FillText(tsty, vg.Point{X: x0 + 22, Y: y}, label)
			c.FillText(psty, vg.Point{X: x1, Y: y}, prio)
			y -= 24
		}
	})
}

func chartPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// chartThousands formats n with a thousands separator: 2,000.
func chartThousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

type chartMatrixPlotter struct {
	pts    []matrixPoint // highest priority first
	vt, et float64       // where the threshold lines go
	labels int
}

type chartPlaced struct {
	at vg.Point
	r  vg.Length
}

// chartJitter places the matrix markers so that they do not hide each other,
// deterministically: in priority order (so the top ideas sit where their
// scores put them), each marker takes the first spot free of the markers
// already placed among candidate offsets on a sunflower spiral around its
// true position, squashed vertically because effort is a whole score (a
// sideways shift distorts less than a vertical one). If no spot is free
// (very crowded charts) it takes the one with the least overlap. A spatial
// grid keeps this fast for thousands of markers.
func chartJitter(pts []matrixPoint, ranked int, bounds vg.Rectangle, trX, trY func(float64) vg.Length, radius func(float64) vg.Length) []chartPlaced {
	limit := 0.42 * min(trX(2)-trX(1), trY(2)-trY(1))
	const nCand = 96
	const golden = 2.399963229728653 // radians
	cands := make([]vg.Point, nCand)
	for k := 1; k < nCand; k++ {
		r := float64(limit) * math.Sqrt(float64(k)/float64(nCand-1))
		s, c := math.Sincos(float64(k) * golden)
		cands[k] = vg.Point{X: vg.Length(r * c), Y: vg.Length(0.45 * r * s)}
	}
	// Spatial grid: cells at least as wide as two of the largest markers, so
	// that any overlap is with a marker in the same or a neighbouring cell.
	cell := 2*max(radius(100), 7.5) + 1
	nx := int(float64((bounds.Max.X-bounds.Min.X)/cell)) + 1
	ny := int(float64((bounds.Max.Y-bounds.Min.Y)/cell)) + 1
	grid := make([][]int32, nx*ny)
	cellOf := func(p vg.Point) (int, int) {
		x := min(max(int(float64((p.X-bounds.Min.X)/cell)), 0), nx-1)
		y := min(max(int(float64((p.Y-bounds.Min.Y)/cell)), 0), ny-1)
		return x, y
	}
	placed := make([]chartPlaced, len(pts))
	for i, pt := range pts {
		r := radius(pt.Priority)
		if i < ranked {
			r = max(r, 7.5) // room for the rank number
		}
		home := vg.Point{X: trX(float64(pt.Effort)), Y: trY(pt.Value)}
		best, bestOverlap := home, math.Inf(1)
		for _, off := range cands {
			at := home.Add(off)
			at.X = max(bounds.Min.X+r, min(bounds.Max.X-r, at.X))
			at.Y = max(bounds.Min.Y+r, min(bounds.Max.Y-r, at.Y))
			overlap := 0.0
			cx, cy := cellOf(at)
			for x := max(cx-1, 0); x <= min(cx+1, nx-1); x++ {
				for y := max(cy-1, 0); y <= min(cy+1, ny-1); y++ {
					for _, j := range grid[y*nx+x] {
						o := placed[j]
						need := float64(r + o.r + 0.5)
						dx, dy := float64(at.X-o.at.X), float64(at.Y-o.at.Y)
						if d2 := dx*dx + dy*dy; d2 < need*need {
							overlap += need - math.Sqrt(d2)
						}
					}
				}
			}
			if overlap < bestOverlap {
				best, bestOverlap = at, overlap
				if overlap == 0 {
					break
				}
			}
		}
		placed[i] = chartPlaced{at: best, r: r}
		cx, cy := cellOf(best)
		grid[cy*nx+cx] = append(grid[cy*nx+cx], int32(i))
	}
	return placed
}

func (m *chartMatrixPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	bounds := c.Rectangle
	xT, yT := trX(m.et), trY(m.vt)

	// Quadrant tints.
	tint := func(q int) color.RGBA { return chartTint(chartQuadrants[q].clr, 22) }
	chartFillRect(c, chartRect(bounds.Min.X, yT, xT, bounds.Max.Y), tint(0))
	chartFillRect(c, chartRect(xT, yT, bounds.Max.X, bounds.Max.Y), tint(1))
	chartFillRect(c, chartRect(bounds.Min.X, bounds.Min.Y, xT, yT), tint(2))
	chartFillRect(c, chartRect(xT, bounds.Min.Y, bounds.Max.X, yT), tint(3))

	// Light grid at the integer scores, then the thresholds.
	for i := 1; i <= 5; i++ {
		chartLine(c, chartFaint, 0.5, nil, vg.Point{X: trX(float64(i)), Y: bounds.Min.Y}, vg.Point{X: trX(float64(i)), Y: bounds.Max.Y})
		chartLine(c, chartFaint, 0.5, nil, vg.Point{X: bounds.Min.X, Y: trY(float64(i))}, vg.Point{X: bounds.Max.X, Y: trY(float64(i))})
	}
	dash := []vg.Length{5, 4}
	chartLine(c, chartMuted, 1, dash, vg.Point{X: xT, Y: bounds.Min.Y}, vg.Point{X: xT, Y: bounds.Max.Y})
	chartLine(c, chartMuted, 1, dash, vg.Point{X: bounds.Min.X, Y: yT}, vg.Point{X: bounds.Max.X, Y: yT})

	// Quadrant names in the corners, with their counts.
	counts := map[string]int{}
	for _, pt := range m.pts {
		counts[pt.Quadrant]++
	}
	const inset = 7
	corners := []struct {
		at vg.Point
		xa draw.XAlignment
		ya draw.YAlignment
	}{
		{vg.Point{X: bounds.Min.X + inset, Y: bounds.Max.Y - inset}, draw.XLeft, draw.YTop},
		{vg.Point{X: bounds.Max.X - inset, Y: bounds.Max.Y - inset}, draw.XRight, draw.YTop},
		{vg.Point{X: bounds.Min.X + inset, Y: bounds.Min.Y + inset}, draw.XLeft, draw.YBottom},
		{vg.Point{X: bounds.Max.X - inset, Y: bounds.Min.Y + inset}, draw.XRight, draw.YBottom},
	}
	for i, q := range chartQuadrants {
		sty := chartStyle(13, true, chartDarken(q.clr), corners[i].xa, corners[i].ya)
		c.FillText(sty, corners[i].at, fmt.Sprintf("%s (%d)", q.name, counts[q.key]))
	}

	// Marker sizes: area grows with priority; smaller when crowded.
	scale := vg.Length(1)
	switch n := len(m.pts); {
	case n > 1000:
		scale = 0.5
	case n > 300:
		scale = 0.65
	case n > 100:
		scale = 0.8
	}
	radius := func(pr float64) vg.Length { return scale * vg.Length(3.5+6*math.Sqrt(pr/100)) }

	placed := chartJitter(m.pts, m.labels, bounds, trX, trY, radius)

	// Markers, lowest priority first so the important ones are on top. The
	// top ideas carry their rank, which the list beside the plot explains.
	outline := len(m.pts) <= 600
	numSty := chartStyle(8.5, true, chartWhite, draw.XCenter, draw.YCenter)
	for i := len(m.pts) - 1; i >= 0; i-- {
		pl := placed[i]
		clr := chartQuadrantColor(m.pts[i].Quadrant)
		if i >= m.labels {
			c.SetColor(chartAlpha(clr, 0xD0))
			c.Fill(chartCirclePath(pl.at, pl.r))
			if outline {
				c.SetLineStyle(draw.LineStyle{Color: chartWhite, Width: 0.8})
				c.Stroke(chartCirclePath(pl.at, pl.r))
			}
			continue
		}
		chartRankDisc(c, numSty, pl.at, pl.r, clr, i+1)
	}
}

// chartRankDisc draws a marker with a rank number in it.
func chartRankDisc(c draw.Canvas, sty text.Style, at vg.Point, r vg.Length, clr color.RGBA, rank int) {
	c.SetColor(clr)
	c.Fill(chartCirclePath(at, r))
	c.SetLineStyle(draw.LineStyle{Color: chartInk, Width: 1.1})
	c.Stroke(chartCirclePath(at, r))
	sty.Color = chartWhite
	if clr == chartOrange || clr == chartGrey {
		sty.Color = chartInk // white on orange or grey is too faint
	}
	c.FillText(sty, vg.Point{X: at.X, Y: at.Y - 0.5}, strconv.Itoa(rank))
}

// chartDarken returns a darker shade of c for text on light backgrounds.
func chartDarken(c color.RGBA) color.RGBA {
	return color.RGBA{R: uint8(int(c.R) * 7 / 10), G: uint8(int(c.G) * 7 / 10), B: uint8(int(c.B) * 7 / 10), A: 0xFF}
}

// ---------------------------------------------------------------------------
// Journey heatmap.

type chartHealth struct {
	key, label string
	fill       color.RGBA // cell background
	strong     color.RGBA // stripe and icon
}

// chartHealths: fills chosen to stay apart for the common colour-vision
// deficiencies, mostly by lightness and blue–yellow contrast (simulated for
// deuteranopia, protanopia and tritanopia: teal stays bluish grey, amber
// yellow, the vermilion darker and brownish, unknown near white), and dark
// enough text on all of them. Health is also written and shown by shape.
var chartHealths = []chartHealth{
	{"healthy", "healthy", color.RGBA{R: 0x78, G: 0xC6, B: 0xBE, A: 0xFF}, chartGreen},
	{"at_risk", "at risk", color.RGBA{R: 0xF6, G: 0xD3, B: 0x7A, A: 0xFF}, chartOrange},
	{"failing", "failing", color.RGBA{R: 0xE8, G: 0x84, B: 0x5F, A: 0xFF}, chartVermilion},
	{"unknown", "unknown", color.RGBA{R: 0xF1, G: 0xF1, B: 0xF1, A: 0xFF}, chartGrey},
}

func chartHealthOf(key string) chartHealth {
	for _, h := range chartHealths {
		if h.key == key {
			return h
		}
	}
	return chartHealths[3]
}

// chartHealthFill fills a cell; the near-white "unknown" gets an outline.
func chartHealthFill(c draw.Canvas, h chartHealth, r vg.Rectangle) {
	chartFillRect(c, r, h.fill)
	if h.key == "unknown" {
		c.SetLineStyle(draw.LineStyle{Color: color.RGBA{R: 0xC4, G: 0xC4, B: 0xC4, A: 0xFF}, Width: 0.8})
		c.Stroke(chartRectPath(r))
	}
}

// chartHealthIcon draws the health's shape (healthy a disc, at risk a
// triangle, failing a cross, unknown a ring) so that health is told by shape
// and text as well as by colour.
func chartHealthIcon(c draw.Canvas, h chartHealth, at vg.Point, r vg.Length) {
	clr := chartDarken(h.strong)
	switch h.key {
	case "healthy":
		c.SetColor(clr)
		c.Fill(chartCirclePath(at, r))
	case "at_risk":
		c.FillPolygon(clr, []vg.Point{{X: at.X, Y: at.Y + r*1.1}, {X: at.X - r*1.05, Y: at.Y - r*0.75}, {X: at.X + r*1.05, Y: at.Y - r*0.75}})
	case "failing":
		clr = chartDarken(clr) // on the vermilion fill it needs more contrast
		d := r * 0.8
		chartLine(c, clr, 1.8, nil, vg.Point{X: at.X - d, Y: at.Y - d}, vg.Point{X: at.X + d, Y: at.Y + d})
		chartLine(c, clr, 1.8, nil, vg.Point{X: at.X - d, Y: at.Y + d}, vg.Point{X: at.X + d, Y: at.Y - d})
	default:
		c.SetLineStyle(draw.LineStyle{Color: clr, Width: 1.6})
		c.Stroke(chartCirclePath(at, r*0.85))
	}
}

// heatmapSVG: a grid, one column per stage (in the given order), the stage's
// touchpoints stacked as cells in its column; each cell coloured by health
// with the health also written (and shown as a shape), showing the
// touchpoint name, the Display value and the counts of open ideas and
// running pilots; a legend; the title on top. Cells of stages not in stages
// get columns after the given ones.
func heatmapSVG(title string, stages []string, cells []heatCell) ([]byte, error) {
	const (
		margin     = 16
		gap        = 6
		cellH      = 80
		legendH    = 30
		maxPerCol  = 40
		maxColumns = 30
	)
	if chartClean(title) == "" {
		title = "Journey heatmap"
	}
	if len(cells) == 0 {
		return chartNoData(720, 300, title, "no touchpoints in this journey yet")
	}

	// Columns: the given stages in order, then any other stage the cells name.
	type column struct {
		name  string
		cells []heatCell
	}
	var cols []*column
	byName := map[string]*column{}
	addCol := func(name string) *column {
		if col, ok := byName[name]; ok {
			return col
		}
		col := &column{name: name}
		byName[name] = col
		cols = append(cols, col)
		return col
	}
	for _, s := range stages {
		addCol(s)
	}
	for _, cell := range cells {
		col := addCol(cell.Stage)
		col.cells = append(col.cells, cell)
	}
	more := 0
	if len(cols) > maxColumns {
		more = len(cols) - maxColumns
		cols = cols[:maxColumns]
	}
	rows := 1
	for _, col := range cols {
		rows = max(rows, min(len(col.cells), maxPerCol+1))
	}

	n := vg.Length(len(cols))
	colW := vg.Length(math.Max(124, math.Min(190, float64((720-2*margin-(n-1)*gap)/n))))
	w := max(2*margin+n*colW+(n-1)*gap, 560)
	subtitle := ""
	if more > 0 {
		subtitle = fmt.Sprintf("showing the first %d stages; %d more not shown", maxColumns, more)
	}
	// Stage names get a second line if any needs it.
	stageSty := chartStyle(12, true, chartInk, draw.XLeft, draw.YBottom)
	stageNames := make([]string, len(cols))
	headH := vg.Length(26)
	for i, col := range cols {
		name := chartClean(col.name)
		if name == "" {
			name = "(no stage)"
		}
		lines := chartWrap(stageSty, name, colW-4, 2)
		if len(lines) > 1 {
			headH = 40
		}
		stageNames[i] = strings.Join(lines, "\n")
	}
	// The legend: the health swatches and a note on the counts, on one line
	// if they fit, else the note goes on a line of its own below.
	lsty := chartStyle(10, false, chartInk, draw.XLeft, draw.YCenter)
	legendLabel := func(hl chartHealth) string {
		if hl.key == "unknown" {
			return "unknown / not measured"
		}
		return hl.label
	}
	note := "ideas = open ideas · pilots = running pilots"
	nsty := chartStyle(10, false, chartMuted, draw.XLeft, draw.YCenter)
	legendW := vg.Length(50)
	for _, hl := range chartHealths {
		legendW += 28 + lsty.Width(legendLabel(hl)) + 16
	}
	noteOwnLine := margin+legendW+8+nsty.Width(note) > w-margin
	h := chartHeaderHeight(title, subtitle) + headH + vg.Length(rows)*(cellH+gap) + legendH + margin
	if noteOwnLine {
		h += 18
	}

	return chartRender(w, h, title, func(c draw.Canvas) {
		area := chartHeader(c, title, subtitle)
		top := area.Max.Y
		nameSty := chartStyle(11, true, chartInk, draw.XLeft, draw.YTop)
		valueSty := chartStyle(17, true, chartInk, draw.XLeft, draw.YBottom)
		healthSty := chartStyle(8.5, true, chartInk, draw.XRight, draw.YBottom)
		countSty := chartStyle(9, false, chartInk, draw.XLeft, draw.YBottom)
		valueSmall := chartStyle(13, true, chartInk, draw.XLeft, draw.YBottom)
		for i, col := range cols {
			x0 := margin + vg.Length(i)*(colW+gap)
			lines := strings.Split(stageNames[i], "\n")
			for k, line := range lines {
				c.FillText(stageSty, vg.Point{X: x0 + 2, Y: top - headH + 8 + vg.Length(len(lines)-1-k)*14}, line)
			}
			chartLine(c, chartInk, 1.2, nil, vg.Point{X: x0, Y: top - headH + 3}, vg.Point{X: x0 + colW, Y: top - headH + 3})
			if len(col.cells) == 0 {
				c.FillText(chartStyle(9.5, false, chartMuted, draw.XLeft, draw.YTop), vg.Point{X: x0 + 4, Y: top - headH - 6}, "no touchpoints")
			}
			for j, cell := range col.cells {
				y1 := top - headH - vg.Length(j)*(cellH+gap)
				box := chartRect(x0, y1-cellH, x0+colW, y1)
				if j == maxPerCol {
					chartFillRect(c, chartRect(x0, y1-24, x0+colW, y1), chartFaint)
					c.FillText(chartStyle(10, false, chartInk, draw.XLeft, draw.YCenter), vg.Point{X: x0 + 10, Y: y1 - 12},
						fmt.Sprintf("+ %d more", len(col.cells)-maxPerCol))
					break
				}
				hl := chartHealthOf(cell.Health)
				chartHealthFill(c, hl, box)
				chartFillRect(c, chartRect(x0, box.Min.Y, x0+4, box.Max.Y), hl.strong)
				inner := x0 + 11
				// The name on top (up to two lines); value and health above the counts.
				tp := chartClean(cell.Touchpoint)
				if tp == "" {
					tp = "(unnamed)"
				}
				for k, line := range chartWrap(nameSty, tp, box.Max.X-inner-6, 2) {
					c.FillText(nameSty, vg.Point{X: inner, Y: y1 - 7 - vg.Length(k)*13}, line)
				}
				hlabel := strings.ToUpper(hl.label)
				hw := healthSty.Width(hlabel)
				valueY := box.Min.Y + 22
				c.FillText(healthSty, vg.Point{X: box.Max.X - 7, Y: valueY + 1}, hlabel)
				chartHealthIcon(c, hl, vg.Point{X: box.Max.X - 7 - hw - 8, Y: valueY + 5}, 4)
				disp := chartClean(cell.Display)
				if disp == "" {
					disp = "–"
					if cell.Value != nil && chartFinite(*cell.Value) {
						disp = chartNum(*cell.Value, false)
					}
				}
				room := box.Max.X - inner - hw - 24
				if valueSty.Width(disp) <= room {
					c.FillText(valueSty, vg.Point{X: inner, Y: valueY}, disp)
				} else {
					c.FillText(valueSmall, vg.Point{X: inner, Y: valueY}, chartFit(valueSmall, disp, room))
				}
				counts := fmt.Sprintf("ideas %d · pilots %d", max(cell.OpenIdeas, 0), max(cell.RunningPilots, 0))
				c.FillText(countSty, vg.Point{X: inner, Y: box.Min.Y + 7}, chartFit(countSty, counts, box.Max.X-inner-6))
			}
		}

		// Legend.
		ly := vg.Length(margin) + 8
		if noteOwnLine {
			c.FillText(nsty, vg.Point{X: margin, Y: ly}, note)
			ly += 18
		}
		lx := vg.Length(margin)
		c.FillText(chartStyle(10, true, chartInk, draw.XLeft, draw.YCenter), vg.Point{X: lx, Y: ly}, "Health:")
		lx += 50
		for _, hl := range chartHealths {
			chartHealthFill(c, hl, chartRect(lx, ly-8, lx+22, ly+8))
			chartFillRect(c, chartRect(lx, ly-8, lx+3, ly+8), hl.strong)
			chartHealthIcon(c, hl, vg.Point{X: lx + 13, Y: ly}, 4)
			label := legendLabel(hl)
			c.FillText(lsty, vg.Point{X: lx + 28, Y: ly}, label)
			lx += 28 + lsty.Width(label) + 16
		}
		if !noteOwnLine {
			c.FillText(nsty, vg.Point{X: lx + 8, Y: ly}, note)
		}
	})
}

// ---------------------------------------------------------------------------
// Forest plot of pilot results.

func chartVerdictColor(v string) color.RGBA {
	switch v {
	case "improved":
		return chartGreen
	case "worsened":
		return chartVermilion
	}
	return chartGrey
}

// forestSVG: the classic forest plot: one row per metric (top to bottom in
// the given order), a point at Improvement with a horizontal interval line
// and caps, a vertical zero line ("no change"), the x axis labelled xLabel,
// colours by verdict and the verdict written at the right of each row; the
// labels on the left.
func forestSVG(title, xLabel string, rows []forestRow) ([]byte, error) {
	const (
		w       = 720
		rowH    = 34
		maxRows = 60
		rightW  = 200
	)
	if chartClean(title) == "" {
		title = "Pilot results"
	}
	if len(rows) == 0 {
		return chartNoData(w, 300, title, "no metric results yet")
	}
	subtitle := ""
	if len(rows) > maxRows {
		subtitle = fmt.Sprintf("showing the first %d of %d metrics", maxRows, len(rows))
		rows = rows[:maxRows]
	}
	n := len(rows)
	h := chartHeaderHeight(title, subtitle) + 22 + vg.Length(n)*rowH + 74

	// X range: zero, every estimate (within ±1000 %) and every interval bound
	// within ±150 %, with some air, so that one huge interval cannot squash
	// the others: intervals reaching beyond the axis end in an arrow.
	lo, hi := 0.0, 0.0
	for _, r := range rows {
		if chartFinite(r.Improvement) {
			lo, hi = math.Min(lo, r.Improvement), math.Max(hi, r.Improvement)
		}
		for _, v := range []float64{r.Low, r.High} {
			if chartFinite(v) {
				v = chartClamp(v, -150, 150)
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

	return chartRender(w, h, title, func(c draw.Canvas) {
		area := chartHeader(c, title, subtitle)
		// Row labels on the left, up to two lines each.
		lsty := chartStyle(11, false, chartInk, draw.XRight, draw.YCenter)
		labels := make([][]string, n)
		labelW := vg.Length(40)
		for i, r := range rows {
			label := chartClean(r.Label)
			if label == "" {
				label = "(unnamed metric)"
			}
			labels[i] = chartWrap(lsty, chartTruncate(label, 90), 200, 2)
			for _, line := range labels[i] {
				labelW = max(labelW, chartWidth(lsty, line))
			}
		}
		plotArea := draw.Crop(area, 16+labelW+12, -rightW, 18, -22)
		p := chartNewPlot()
		p.X.Min, p.X.Max = lo, hi
		p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
		p.HideY()
		p.X.Label.Text = chartTruncate(chartClean(xLabel), 120)
		p.X.Tick.Marker = chartTicks{want: 6, signed: true}
		p.X.Padding = 0
		p.Add(&chartForestPlotter{rows: rows, lo: lo, hi: hi})
		p.Draw(plotArea)

		// The right-hand columns: estimate with interval, and the verdict.
		dc := p.DataCanvas(plotArea)
		_, trY := p.Transforms(&dc)
		xEst := plotArea.Max.X + 14
		xVer := plotArea.Max.X + rightW - 18
		hsty := chartStyle(9.5, true, chartMuted, draw.XLeft, draw.YBottom)
		c.FillText(hsty, vg.Point{X: xEst, Y: dc.Max.Y + 6}, "estimate [95 % CI]")
		hsty.XAlign = draw.XRight
		c.FillText(hsty, vg.Point{X: xVer, Y: dc.Max.Y + 6}, "verdict")
		esty := chartStyle(10.5, false, chartInk, draw.XLeft, draw.YCenter)
		for i, r := range rows {
			y := trY(float64(n - 1 - i))
			for k, line := range labels[i] {
				off := (vg.Length(len(labels[i])-1)/2 - vg.Length(k)) * 13.5
				c.FillText(lsty, vg.Point{X: plotArea.Min.X - 12, Y: y + off}, line)
			}
			est := "n/a"
			if chartFinite(r.Improvement) {
				est = chartNum(r.Improvement, true) + " %"
			}
			if chartFinite(r.Low, r.High) {
				l, u := math.Min(r.Low, r.High), math.Max(r.Low, r.High)
				est += "  [" + chartNum(l, true) + ", " + chartNum(u, true) + "]"
			}
			c.FillText(esty, vg.Point{X: xEst, Y: y}, chartFit(esty, est, rightW-90))
			verdict := chartClean(r.Verdict)
			if verdict == "" {
				verdict = "—"
			}
			vsty := chartStyle(10.5, true, chartDarken(chartVerdictColor(r.Verdict)), draw.XRight, draw.YCenter)
			c.FillText(vsty, vg.Point{X: xVer, Y: y}, chartFit(vsty, chartTruncate(verdict, 20), 80))
		}
	})
}

// chartTicks are evenly spaced round ticks (steps of 1, 2, 2.5 or 5 times a
// power of ten), about want of them, all labelled with the same number of
// decimals; signed labels read −20, 0, +20.
type chartTicks struct {
	want   int
	signed bool
}

func (t chartTicks) Ticks(lo, hi float64) []plot.Tick {
	if !chartFinite(lo, hi) || hi <= lo {
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

type chartForestPlotter struct {
	rows   []forestRow
	lo, hi float64
}

func (f *chartForestPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(f.rows)
	// Zebra bands.
	for i := range f.rows {
		if i%2 == 1 {
			continue
		}
		y := trY(float64(n - 1 - i))
		half := (trY(1) - trY(0)) / 2
		chartFillRect(c, chartRect(c.Min.X, y-half, c.Max.X, y+half), color.RGBA{R: 0xF4, G: 0xF4, B: 0xF4, A: 0xFF})
	}
	// Vertical grid at the ticks.
	for _, t := range (chartTicks{want: 6, signed: true}).Ticks(f.lo, f.hi) {
		if t.Value == 0 {
			continue
		}
		chartLine(c, chartFaint, 0.6, nil, vg.Point{X: trX(t.Value), Y: c.Min.Y}, vg.Point{X: trX(t.Value), Y: c.Max.Y})
	}
	// Zero line and the "worse / better" guide above it.
	x0 := trX(0)
	chartLine(c, chartInk, 1.1, []vg.Length{4, 3}, vg.Point{X: x0, Y: c.Min.Y}, vg.Point{X: x0, Y: c.Max.Y + 4})
	gsty := chartStyle(9.5, false, chartMuted, draw.XCenter, draw.YBottom)
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
		clr := chartVerdictColor(r.Verdict)
		if chartFinite(r.Low, r.High) {
			l, u := math.Min(r.Low, r.High), math.Max(r.Low, r.High)
			xl, cutL := clampX(l)
			xu, cutU := clampX(u)
			chartLine(c, clr, 2.2, nil, vg.Point{X: xl, Y: y}, vg.Point{X: xu, Y: y})
			for _, end := range []struct {
				x   vg.Length
				cut bool
				dir vg.Length
			}{{xl, cutL, -1}, {xu, cutU, 1}} {
				if end.cut { // an arrow ending at the edge of the axis
					c.FillPolygon(clr, []vg.Point{{X: end.x, Y: y}, {X: end.x - end.dir*7, Y: y + 4.5}, {X: end.x - end.dir*7, Y: y - 4.5}})
				} else {
					chartLine(c, clr, 2.2, nil, vg.Point{X: end.x, Y: y - 6}, vg.Point{X: end.x, Y: y + 6})
				}
			}
		}
		if !chartFinite(r.Improvement) {
			c.FillText(chartStyle(9.5, false, chartMuted, draw.XLeft, draw.YCenter), vg.Point{X: trX(0) + 6, Y: y}, "no estimate")
		}
		if chartFinite(r.Improvement) && r.Improvement >= f.lo && r.Improvement <= f.hi {
			at := vg.Point{X: trX(r.Improvement), Y: y}
			if r.Verdict == "improved" || r.Verdict == "worsened" {
				c.SetColor(clr)
				c.Fill(chartCirclePath(at, 5.5))
			} else {
				c.SetColor(chartWhite)
				c.Fill(chartCirclePath(at, 5.5))
			}
			c.SetLineStyle(draw.LineStyle{Color: clr, Width: 2})
			c.Stroke(chartCirclePath(at, 5.5))
		}
	}
}

// ---------------------------------------------------------------------------
// Trend of a touchpoint metric.

// trendSVG: values over time as a line with points and vertical error bars, a
// horizontal dashed target line labelled "target" when target != nil, the y
// axis labelled yLabel, dates on the x axis.
func trendSVG(title, yLabel string, points []trendPoint, target *float64) ([]byte, error) {
	const w, h = 720, 400
	if chartClean(title) == "" {
		title = "Trend"
	}
	pts := make([]trendPoint, 0, len(points))
	for _, p := range points {
		if p.End.IsZero() || !chartFinite(p.Value) {
			continue
		}
		if !chartFinite(p.Low, p.High) {
			p.Low, p.High = math.NaN(), math.NaN()
		} else if p.Low > p.High {
			p.Low, p.High = p.High, p.Low
		}
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return chartNoData(w, h, title, "no measurements yet")
	}
	slices.SortStableFunc(pts, func(a, b trendPoint) int { return a.End.Compare(b.End) })
	var tgt *float64
	if target != nil && chartFinite(*target) {
		tgt = target
	}

	// Ranges.
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		for _, v := range []float64{p.Value, p.Low, p.High} {
			if chartFinite(v) {
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
			if len(pts) <= chartTrendMaxBars { // a small tick for each period
				ticks = append(ticks, plot.Tick{Value: float64(p.End.Unix())})
			}
			continue
		}
		ticks = append(ticks, plot.Tick{Value: float64(p.End.Unix()), Label: label})
	}
	band := len(pts) > chartTrendMaxBars
	subtitle := fmt.Sprintf("%d %s · bars: 95 %% interval", len(pts), chartPlural(len(pts), "period", "periods"))
	if band {
		subtitle = fmt.Sprintf("%d periods · shaded: 95 %% interval", len(pts))
	}
	if tgt != nil {
		subtitle += " · dashed line: target " + chartNum(*tgt, false)
	}

	return chartRender(w, h, title, func(c draw.Canvas) {
		area := chartHeader(c, title, subtitle)
		area = draw.Crop(area, 12, -62, 16, 0)
		p := chartNewPlot()
		p.X.Padding, p.Y.Padding = 0, 0
		p.X.Min, p.X.Max = xlo, xhi
		p.Y.Min, p.Y.Max = ylo, yhi
		p.X.Tick.Marker = ticks
		p.Y.Label.Text = chartTruncate(chartClean(yLabel), 80)
		p.Y.Tick.Marker = chartTicks{want: 6}
		p.Add(&chartTrendPlotter{pts: pts, target: tgt, labelValues: len(pts) <= 16, band: band})
		p.Draw(area)
	})
}

// chartTrendMaxBars: with more periods than this the intervals are drawn as
// a shaded band instead of error bars, which would crowd each other.
const chartTrendMaxBars = 40

type chartTrendPlotter struct {
	pts         []trendPoint
	target      *float64
	labelValues bool
	band        bool
}

func (t *chartTrendPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	// Horizontal grid.
	for _, tk := range (chartTicks{want: 6}).Ticks(p.Y.Min, p.Y.Max) {
		y := trY(tk.Value)
		chartLine(c, chartFaint, 0.6, nil, vg.Point{X: c.Min.X, Y: y}, vg.Point{X: c.Max.X, Y: y})
	}
	errClr := chartAlpha(chartBlue, 0x90)
	if t.band {
		// One polygon per run of periods with an interval.
		var upper, lower []vg.Point
		flush := func() {
			if len(upper) > 1 {
				slices.Reverse(lower)
				c.FillPolygon(chartAlpha(chartBlue, 0x38), append(upper, lower...))
			}
			upper, lower = nil, nil
		}
		for _, pt := range t.pts {
			if !chartFinite(pt.Low, pt.High) {
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
		chartLine(c, chartVermilion, 1.4, []vg.Length{6, 4}, vg.Point{X: c.Min.X, Y: y}, vg.Point{X: c.Max.X, Y: y})
		// Labelled in the margin right of the plot, where no data can be.
		ts := chartStyle(10, true, chartDarken(chartVermilion), draw.XLeft, draw.YBottom)
		c.FillText(ts, vg.Point{X: c.Max.X + 5, Y: y + 1}, "target")
		ts.YAlign, ts.Font.Weight = draw.YTop, xfnt.WeightNormal
		c.FillText(ts, vg.Point{X: c.Max.X + 5, Y: y - 2}, chartNum(*t.target, false))
	}
	line := make([]vg.Point, 0, len(t.pts))
	for _, pt := range t.pts {
		x := trX(float64(pt.End.Unix()))
		line = append(line, vg.Point{X: x, Y: trY(pt.Value)})
		if !t.band && chartFinite(pt.Low, pt.High) {
			yl, yh := trY(pt.Low), trY(pt.High)
			chartLine(c, errClr, 1.6, nil, vg.Point{X: x, Y: yl}, vg.Point{X: x, Y: yh})
			chartLine(c, errClr, 1.6, nil, vg.Point{X: x - 4, Y: yl}, vg.Point{X: x + 4, Y: yl})
			chartLine(c, errClr, 1.6, nil, vg.Point{X: x - 4, Y: yh}, vg.Point{X: x + 4, Y: yh})
		}
	}
	if len(line) > 1 {
		chartLine(c, chartBlue, 2, nil, line...)
	}
	r := vg.Length(4.5)
	if len(t.pts) > 60 {
		r = 2.5
	}
	vsty := chartStyle(9.5, false, chartInk, draw.XLeft, draw.YCenter)
	for _, at := range line {
		c.SetColor(chartBlue)
		c.Fill(chartCirclePath(at, r))
		c.SetLineStyle(draw.LineStyle{Color: chartWhite, Width: 1.2})
		c.Stroke(chartCirclePath(at, r))
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
			label := chartNum(t.pts[i].Value, false)
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
				if !hits(chartTextBox(sp.sty, sp.pt, label), i) {
					choice = sp
					break
				}
			}
			c.FillText(choice.sty, choice.pt, label)
		}
	}
}
