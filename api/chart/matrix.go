package chart

// The value/effort matrix.

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MatrixPoint is one idea on the value/effort matrix.
type MatrixPoint struct {
	Label    string  // idea title
	Value    float64 // 1–5 (weighted mean of impact and experience)
	Effort   int     // 1–5
	Priority float64 // 0–100
	Quadrant string  // quick_win, big_bet, fill_in, money_pit
}

// maxMatrixPoints is how many ideas the matrix draws at most; beyond it
// only the highest-priority ones are drawn and the title says so.
const maxMatrixPoints = 2000

type quadrant struct {
	key, name string
	clr       color.RGBA
}

var quadrants = []quadrant{
	{"quick_win", "Quick wins", green},
	{"big_bet", "Big bets", blue},
	{"fill_in", "Fill-ins", orange},
	{"money_pit", "Money pits", vermilion},
}

func quadrantColor(key string) color.RGBA {
	for _, q := range quadrants {
		if q.key == key {
			return q.clr
		}
	}
	return grey
}

func tint(c color.RGBA, alpha uint8) color.RGBA {
	// Non-premultiplied tint over white, returned opaque.
	mix := func(v uint8) uint8 { return uint8(255 - (int(255-v) * int(alpha) / 255)) }
	return color.RGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xFF}
}

// Matrix draws the value/effort matrix as an SVG document: x = effort (1–5,
// low effort left), y = value (1–5); dashed lines at the thresholds; the
// four quadrants labelled ("Quick wins" top-left, "Big bets" top-right,
// "Fill-ins" bottom-left, "Money pits" bottom-right); points coloured by
// quadrant, sized by priority, jittered deterministically so equal (effort,
// value) pairs do not hide each other; the top 10 by priority labelled with
// their (truncated) title. Beyond 2,000 points only the 2,000
// highest-priority ones are drawn and the title says so. total is the number
// of ideas the points were picked from (0: just the points), so that a chart
// of the top ideas of a large backlog says how large it is; kind says which
// ideas they are ("open", "planned or piloting"; "" for all of them).
func Matrix(points []MatrixPoint, total int, kind string, valueThreshold, effortThreshold float64) ([]byte, error) {
	const w, h = 720, 520
	title := "Value / effort matrix"

	pts := make([]MatrixPoint, 0, len(points))
	for _, p := range points {
		if !finite(p.Value) {
			continue
		}
		if !finite(p.Priority) {
			p.Priority = 0
		}
		p.Value = clamp(p.Value, 1, 5)
		p.Effort = min(max(p.Effort, 1), 5)
		p.Priority = clamp(p.Priority, 0, 100)
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return noData(w, h, title, "no ideas with a value and an effort score yet")
	}
	// Highest priority first; ties broken by title so the order (and so the
	// jitter and the labels) is deterministic.
	slices.SortStableFunc(pts, func(a, b MatrixPoint) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return strings.Compare(a.Label, b.Label)
	})
	total = max(total, len(pts))
	if len(pts) > maxMatrixPoints {
		pts = pts[:maxMatrixPoints]
	}
	if kind != "" {
		kind += " "
	}
	if total > len(pts) {
		title = fmt.Sprintf("Value / effort matrix — the %s highest-priority of %s %sideas",
			thousands(len(pts)), thousands(total), kind)
	} else {
		title = fmt.Sprintf("Value / effort matrix — %s %s%s", thousands(total), kind, plural(total, "idea", "ideas"))
	}
	if !finite(valueThreshold) {
		valueThreshold = 3 // the default scoring's
	}
	if !finite(effortThreshold) {
		effortThreshold = 2
	}
	// Value is continuous: value ≥ threshold is high value, the line is at
	// the threshold. Effort is a whole score: effort ≤ threshold is low
	// effort, so the line goes between the last low and the first high column.
	vt, et := clamp(valueThreshold, 1, 5), clamp(effortThreshold, 1, 5)
	etLine := math.Floor(et+1e-9) + 0.5
	nLabels := min(10, len(pts))
	subtitle := fmt.Sprintf("Quick wins: value ≥ %s and effort ≤ %s (dashed lines) · marker size = priority (0–100) · numbers = rank by priority",
		num(vt, false), num(math.Floor(et+1e-9), false))
	const panelW = 230

	return render(w, h, title, func(c draw.Canvas) {
		area := header(c, title, subtitle)
		plotArea := draw.Crop(area, 12, -panelW, 14, 0)
		p := newPlot()
		p.X.Min, p.X.Max = 0.45, 5.55
		p.Y.Min, p.Y.Max = 0.45, 5.55
		p.X.Label.Text = "effort  (1 = low · 5 = high)"
		p.Y.Label.Text = "value  (1 = low · 5 = high)"
		ticks := make(plot.ConstantTicks, 0, 5)
		for i := 1; i <= 5; i++ {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: strconv.Itoa(i)})
		}
		p.X.Tick.Marker, p.Y.Tick.Marker = ticks, ticks
		p.Add(&matrixPlotter{pts: pts, vt: vt, et: etLine, labels: nLabels})
		p.Draw(plotArea)

		// The list of the top ideas beside the plot.
		dc := p.DataCanvas(plotArea)
		x0, x1 := plotArea.Max.X+18, area.Max.X-16
		y := dc.Max.Y
		c.FillText(style(11.5, true, ink, draw.XLeft, draw.YTop), vg.Point{X: x0, Y: y},
			fmt.Sprintf("Top %d by priority", nLabels))
		hsty := style(9, false, muted, draw.XRight, draw.YTop)
		c.FillText(hsty, vg.Point{X: x1, Y: y + 1}, "priority")
		y -= 28
		tsty := style(10, false, ink, draw.XLeft, draw.YCenter)
		psty := style(10, false, muted, draw.XRight, draw.YCenter)
		nsty := style(8.5, true, white, draw.XCenter, draw.YCenter)
		for i := range nLabels {
			pt := pts[i]
			rankDisc(c, nsty, vg.Point{X: x0 + 8, Y: y}, 8, quadrantColor(pt.Quadrant), i+1)
			prio := num(math.Round(pt.Priority), false)
			label := clean(pt.Label)
			if label == "" {
				label = "(untitled)"
			}
			label = fit(tsty, truncate(label, 60), x1-(x0+22)-psty.Width(prio)-8)
			c.FillText(tsty, vg.Point{X: x0 + 22, Y: y}, label)
			c.FillText(psty, vg.Point{X: x1, Y: y}, prio)
			y -= 24
		}
	})
}

type matrixPlotter struct {
	pts    []MatrixPoint // highest priority first
	vt, et float64       // where the threshold lines go
	labels int
}

type placement struct {
	at vg.Point
	r  vg.Length
}

// jitter places the matrix markers so that they do not hide each other,
// deterministically: in priority order (so the top ideas sit where their
// scores put them), each marker takes the first spot free of the markers
// already placed among candidate offsets on a sunflower spiral around its
// true position, squashed vertically because effort is a whole score (a
// sideways shift distorts less than a vertical one). If no spot is free
// (very crowded charts) it takes the one with the least overlap. A spatial
// grid keeps this fast for thousands of markers.
func jitter(pts []MatrixPoint, ranked int, bounds vg.Rectangle, trX, trY func(float64) vg.Length, radius func(float64) vg.Length) []placement {
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
	placed := make([]placement, len(pts))
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
		placed[i] = placement{at: best, r: r}
		cx, cy := cellOf(best)
		grid[cy*nx+cx] = append(grid[cy*nx+cx], int32(i))
	}
	return placed
}

func (m *matrixPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	bounds := c.Rectangle
	xT, yT := trX(m.et), trY(m.vt)

	// Quadrant tints.
	quadTint := func(q int) color.RGBA { return tint(quadrants[q].clr, 22) }
	fillRect(c, rect(bounds.Min.X, yT, xT, bounds.Max.Y), quadTint(0))
	fillRect(c, rect(xT, yT, bounds.Max.X, bounds.Max.Y), quadTint(1))
	fillRect(c, rect(bounds.Min.X, bounds.Min.Y, xT, yT), quadTint(2))
	fillRect(c, rect(xT, bounds.Min.Y, bounds.Max.X, yT), quadTint(3))

	// Light grid at the integer scores, then the thresholds.
	for i := 1; i <= 5; i++ {
		strokeLine(c, faint, 0.5, nil, vg.Point{X: trX(float64(i)), Y: bounds.Min.Y}, vg.Point{X: trX(float64(i)), Y: bounds.Max.Y})
		strokeLine(c, faint, 0.5, nil, vg.Point{X: bounds.Min.X, Y: trY(float64(i))}, vg.Point{X: bounds.Max.X, Y: trY(float64(i))})
	}
	dash := []vg.Length{5, 4}
	strokeLine(c, muted, 1, dash, vg.Point{X: xT, Y: bounds.Min.Y}, vg.Point{X: xT, Y: bounds.Max.Y})
	strokeLine(c, muted, 1, dash, vg.Point{X: bounds.Min.X, Y: yT}, vg.Point{X: bounds.Max.X, Y: yT})

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
	for i, q := range quadrants {
		sty := style(13, true, darken(q.clr), corners[i].xa, corners[i].ya)
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

	placed := jitter(m.pts, m.labels, bounds, trX, trY, radius)

	// Markers, lowest priority first so the important ones are on top. The
	// top ideas carry their rank, which the list beside the plot explains.
	outline := len(m.pts) <= 600
	numSty := style(8.5, true, white, draw.XCenter, draw.YCenter)
	for i := len(m.pts) - 1; i >= 0; i-- {
		pl := placed[i]
		clr := quadrantColor(m.pts[i].Quadrant)
		if i >= m.labels {
			c.SetColor(withAlpha(clr, 0xD0))
			c.Fill(circlePath(pl.at, pl.r))
			if outline {
				c.SetLineStyle(draw.LineStyle{Color: white, Width: 0.8})
				c.Stroke(circlePath(pl.at, pl.r))
			}
			continue
		}
		rankDisc(c, numSty, pl.at, pl.r, clr, i+1)
	}
}

// rankDisc draws a marker with a rank number in it.
func rankDisc(c draw.Canvas, sty text.Style, at vg.Point, r vg.Length, clr color.RGBA, rank int) {
	c.SetColor(clr)
	c.Fill(circlePath(at, r))
	c.SetLineStyle(draw.LineStyle{Color: ink, Width: 1.1})
	c.Stroke(circlePath(at, r))
	sty.Color = white
	if clr == orange || clr == grey {
		sty.Color = ink // white on orange or grey is too faint
	}
	c.FillText(sty, vg.Point{X: at.X, Y: at.Y - 0.5}, strconv.Itoa(rank))
}
