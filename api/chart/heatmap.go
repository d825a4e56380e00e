package chart

// The journey heatmap.

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatCell is one touchpoint of a journey on one metric.
type HeatCell struct {
	Stage         string   // stage name
	Touchpoint    string   // touchpoint name
	Value         *float64 // latest value in the metric's scale; nil = not measured
	Display       string   // the value formatted for people, e.g. "78 %" or "312 s"; "–" when nil
	Health        string   // healthy, at_risk, failing, unknown
	OpenIdeas     int
	RunningPilots int
	// Stale: the value is too old to say how the touchpoint does now. The
	// cell is hatched and says "STALE", with PeriodEnd (e.g. "2026-05-31")
	// when given.
	Stale     bool
	PeriodEnd string
}

type health struct {
	key, label string
	fill       color.RGBA // cell background
	strong     color.RGBA // stripe and icon
}

// healths: fills chosen to stay apart for the common colour-vision
// deficiencies, mostly by lightness and blue–yellow contrast (simulated for
// deuteranopia, protanopia and tritanopia: teal stays bluish grey, amber
// yellow, the vermilion darker and brownish, unknown near white), and dark
// enough text on all of them. Health is also written and shown by shape.
var healths = []health{
	{"healthy", "healthy", color.RGBA{R: 0x78, G: 0xC6, B: 0xBE, A: 0xFF}, green},
	{"at_risk", "at risk", color.RGBA{R: 0xF6, G: 0xD3, B: 0x7A, A: 0xFF}, orange},
	{"failing", "failing", color.RGBA{R: 0xE8, G: 0x84, B: 0x5F, A: 0xFF}, vermilion},
	{"unknown", "unknown", color.RGBA{R: 0xF1, G: 0xF1, B: 0xF1, A: 0xFF}, grey},
}

func healthOf(key string) health {
	for _, h := range healths {
		if h.key == key {
			return h
		}
	}
	return healths[3]
}

// healthFill fills a cell; the near-white "unknown" gets an outline.
func healthFill(c draw.Canvas, h health, r vg.Rectangle) {
	fillRect(c, r, h.fill)
	if h.key == "unknown" {
		c.SetLineStyle(draw.LineStyle{Color: color.RGBA{R: 0xC4, G: 0xC4, B: 0xC4, A: 0xFF}, Width: 0.8})
		c.Stroke(rectPath(r))
	}
}

// healthIcon draws the health's shape (healthy a disc, at risk a
// triangle, failing a cross, unknown a ring) so that health is told by shape
// and text as well as by colour.
func healthIcon(c draw.Canvas, h health, at vg.Point, r vg.Length) {
	clr := darken(h.strong)
	switch h.key {
	case "healthy":
		c.SetColor(clr)
		c.Fill(circlePath(at, r))
	case "at_risk":
		c.FillPolygon(clr, []vg.Point{{X: at.X, Y: at.Y + r*1.1}, {X: at.X - r*1.05, Y: at.Y - r*0.75}, {X: at.X + r*1.05, Y: at.Y - r*0.75}})
	case "failing":
		clr = darken(clr) // on the vermilion fill it needs more contrast
		d := r * 0.8
		strokeLine(c, clr, 1.8, nil, vg.Point{X: at.X - d, Y: at.Y - d}, vg.Point{X: at.X + d, Y: at.Y + d})
		strokeLine(c, clr, 1.8, nil, vg.Point{X: at.X - d, Y: at.Y + d}, vg.Point{X: at.X + d, Y: at.Y - d})
	default:
		c.SetLineStyle(draw.LineStyle{Color: clr, Width: 1.6})
		c.Stroke(circlePath(at, r*0.85))
	}
}

// staleInk hatches stale cells: dark enough to show on every health fill,
// light enough to read the text over it.
var staleInk = withAlpha(ink, 0x40)

// hatch draws diagonal lines (lower left to upper right) every step across r.
func hatch(c draw.Canvas, r vg.Rectangle, step vg.Length) {
	w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
	sty := draw.LineStyle{Color: staleInk, Width: 1.1}
	// The line x − y = k (relative to r.Min), clipped to r.
	for k := -h + step/2; k < w; k += step {
		x0, y0 := max(k, 0), max(-k, 0)
		x1, y1 := min(w, k+h), min(h, w-k)
		if x1 <= x0 || y1 <= y0 {
			continue
		}
		c.StrokeLines(sty, []vg.Point{{X: r.Min.X + x0, Y: r.Min.Y + y0}, {X: r.Min.X + x1, Y: r.Min.Y + y1}})
	}
}

// Heatmap draws a journey's heatmap as an SVG document: a grid, one column
// per stage (in the given order), the stage's touchpoints stacked as cells
// in its column; each cell coloured by health with the health also written
// (and shown as a shape), showing the touchpoint name, the Display value and
// the counts of open ideas and running pilots; stale cells hatched and
// labelled STALE; a legend; the title on top. Cells of stages not in stages
// get columns after the given ones.
func Heatmap(title string, stages []string, cells []HeatCell) ([]byte, error) {
	return HeatmapStaleAfter(title, stages, cells, 0)
}

// HeatmapStaleAfter is Heatmap with the stale window in days, which the
// legend states when a cell is stale (0: the legend does not say).
func HeatmapStaleAfter(title string, stages []string, cells []HeatCell, staleDays int) ([]byte, error) {
	const (
		margin     = 16
		gap        = 6
		legendH    = 30
		maxPerCol  = 40
		maxColumns = 30
	)
	if clean(title) == "" {
		title = "Journey heatmap"
	}
	if len(cells) == 0 {
		return noData(720, 300, title, "no touchpoints in this journey yet")
	}

	// Columns: the given stages in order, then any other stage the cells name.
	type column struct {
		name  string
		cells []HeatCell
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
	anyStale := false
	for _, col := range cols {
		rows = max(rows, min(len(col.cells), maxPerCol+1))
		for j, cell := range col.cells {
			anyStale = anyStale || (cell.Stale && j < maxPerCol)
		}
	}
	// Stale cells get a line of their own for the note: all cells grow.
	cellH := vg.Length(80)
	if anyStale {
		cellH = 98
	}
	staleLegend := "hatched and labelled STALE: the latest value is too old to say how the touchpoint does now"
	if staleDays > 0 {
		staleLegend = fmt.Sprintf("hatched and labelled STALE: the latest period ended %d or more days ago", staleDays)
	}

	n := vg.Length(len(cols))
	colW := vg.Length(math.Max(124, math.Min(190, float64((720-2*margin-(n-1)*gap)/n))))
	w := max(2*margin+n*colW+(n-1)*gap, 560)
	subtitle := ""
	if more > 0 {
		subtitle = fmt.Sprintf("showing the first %d stages; %d more not shown", maxColumns, more)
	}
	// Stage names get a second line if any needs it.
	stageSty := style(12, true, ink, draw.XLeft, draw.YBottom)
	stageNames := make([]string, len(cols))
	headH := vg.Length(26)
	for i, col := range cols {
		name := clean(col.name)
		if name == "" {
			name = "(no stage)"
		}
		lines := wrap(stageSty, name, colW-4, 2)
		if len(lines) > 1 {
			headH = 40
		}
		stageNames[i] = strings.Join(lines, "\n")
	}
	// The legend: the health swatches and a note on the counts, on one line
	// if they fit, else the note goes on a line of its own below.
	lsty := style(10, false, ink, draw.XLeft, draw.YCenter)
	legendLabel := func(hl health) string {
		if hl.key == "unknown" {
			return "unknown / not measured"
		}
		return hl.label
	}
	note := "ideas = open ideas · pilots = running pilots"
	nsty := style(10, false, muted, draw.XLeft, draw.YCenter)
	legendW := vg.Length(50)
	for _, hl := range healths {
		legendW += 28 + lsty.Width(legendLabel(hl)) + 16
	}
	noteOwnLine := margin+legendW+8+nsty.Width(note) > w-margin
	h := headerHeight(title, subtitle) + headH + vg.Length(rows)*(cellH+gap) + legendH + margin
	if noteOwnLine {
		h += 18
	}
	if anyStale {
		h += 22
	}

	return render(w, h, title, func(c draw.Canvas) {
		area := header(c, title, subtitle)
		top := area.Max.Y
		nameSty := style(11, true, ink, draw.XLeft, draw.YTop)
		valueSty := style(17, true, ink, draw.XLeft, draw.YBottom)
		healthSty := style(8.5, true, ink, draw.XRight, draw.YBottom)
		countSty := style(9, false, ink, draw.XLeft, draw.YBottom)
		staleTagSty := style(8.5, true, ink, draw.XLeft, draw.YBottom)
		staleNoteSty := style(8.5, false, ink, draw.XLeft, draw.YBottom)
		valueSmall := style(13, true, ink, draw.XLeft, draw.YBottom)
		for i, col := range cols {
			x0 := margin + vg.Length(i)*(colW+gap)
			lines := strings.Split(stageNames[i], "\n")
			for k, line := range lines {
				c.FillText(stageSty, vg.Point{X: x0 + 2, Y: top - headH + 8 + vg.Length(len(lines)-1-k)*14}, line)
			}
			strokeLine(c, ink, 1.2, nil, vg.Point{X: x0, Y: top - headH + 3}, vg.Point{X: x0 + colW, Y: top - headH + 3})
			if len(col.cells) == 0 {
				c.FillText(style(9.5, false, muted, draw.XLeft, draw.YTop), vg.Point{X: x0 + 4, Y: top - headH - 6}, "no touchpoints")
			}
			for j, cell := range col.cells {
				y1 := top - headH - vg.Length(j)*(cellH+gap)
				box := rect(x0, y1-cellH, x0+colW, y1)
				if j == maxPerCol {
					fillRect(c, rect(x0, y1-24, x0+colW, y1), faint)
					c.FillText(style(10, false, ink, draw.XLeft, draw.YCenter), vg.Point{X: x0 + 10, Y: y1 - 12},
						fmt.Sprintf("+ %d more", len(col.cells)-maxPerCol))
					break
				}
				hl := healthOf(cell.Health)
				healthFill(c, hl, box)
				if cell.Stale {
					hatch(c, rect(x0+4, box.Min.Y, box.Max.X, box.Max.Y), 7)
				}
				fillRect(c, rect(x0, box.Min.Y, x0+4, box.Max.Y), hl.strong)
				inner := x0 + 11
				// The name on top (up to two lines); value and health above the counts.
				tp := clean(cell.Touchpoint)
				if tp == "" {
					tp = "(unnamed)"
				}
				for k, line := range wrap(nameSty, tp, box.Max.X-inner-6, 2) {
					c.FillText(nameSty, vg.Point{X: inner, Y: y1 - 7 - vg.Length(k)*13}, line)
				}
				hlabel := strings.ToUpper(hl.label)
				hw := healthSty.Width(hlabel)
				valueY := box.Min.Y + 22
				if cell.Stale {
					// "STALE" and the period's end, on a white tag above the value.
					label, period := "STALE", ""
					if pe := clean(cell.PeriodEnd); pe != "" {
						room := box.Max.X - inner - 6 - staleTagSty.Width(label) - 14
						period = "ended " + pe
						if textWidth(staleNoteSty, period) > room {
							period = fit(staleNoteSty, pe, room)
						}
					}
					tagW := staleTagSty.Width(label) + 8
					if period != "" {
						tagW += 4 + staleNoteSty.Width(period)
					}
					tagY := box.Min.Y + 45
					fillRect(c, rect(inner-3, tagY-2, inner-3+tagW, tagY+10), white)
					c.SetLineStyle(draw.LineStyle{Color: muted, Width: 0.6})
					c.Stroke(rectPath(rect(inner-3, tagY-2, inner-3+tagW, tagY+10)))
					c.FillText(staleTagSty, vg.Point{X: inner + 1, Y: tagY}, label)
					if period != "" {
						c.FillText(staleNoteSty, vg.Point{X: inner + 1 + staleTagSty.Width(label) + 4, Y: tagY}, period)
					}
				}
				c.FillText(healthSty, vg.Point{X: box.Max.X - 7, Y: valueY + 1}, hlabel)
				healthIcon(c, hl, vg.Point{X: box.Max.X - 7 - hw - 8, Y: valueY + 5}, 4)
				disp := clean(cell.Display)
				if disp == "" {
					disp = "–"
					if cell.Value != nil && finite(*cell.Value) {
						disp = num(*cell.Value, false)
					}
				}
				room := box.Max.X - inner - hw - 24
				if valueSty.Width(disp) <= room {
					c.FillText(valueSty, vg.Point{X: inner, Y: valueY}, disp)
				} else {
					c.FillText(valueSmall, vg.Point{X: inner, Y: valueY}, fit(valueSmall, disp, room))
				}
				counts := fmt.Sprintf("ideas %d · pilots %d", max(cell.OpenIdeas, 0), max(cell.RunningPilots, 0))
				c.FillText(countSty, vg.Point{X: inner, Y: box.Min.Y + 7}, fit(countSty, counts, box.Max.X-inner-6))
			}
		}

		// Legend.
		ly := vg.Length(margin) + 8
		if anyStale {
			c.FillText(style(10, true, ink, draw.XLeft, draw.YCenter), vg.Point{X: margin, Y: ly}, "Stale:")
			sw := rect(margin+50, ly-8, margin+72, ly+8)
			healthFill(c, healths[3], sw)
			hatch(c, sw, 7)
			c.FillText(lsty, vg.Point{X: margin + 78, Y: ly}, fit(lsty, staleLegend, w-2*margin-78))
			ly += 22
		}
		if noteOwnLine {
			c.FillText(nsty, vg.Point{X: margin, Y: ly}, note)
			ly += 18
		}
		lx := vg.Length(margin)
		c.FillText(style(10, true, ink, draw.XLeft, draw.YCenter), vg.Point{X: lx, Y: ly}, "Health:")
		lx += 50
		for _, hl := range healths {
			healthFill(c, hl, rect(lx, ly-8, lx+22, ly+8))
			fillRect(c, rect(lx, ly-8, lx+3, ly+8), hl.strong)
			healthIcon(c, hl, vg.Point{X: lx + 13, Y: ly}, 4)
			label := legendLabel(hl)
			c.FillText(lsty, vg.Point{X: lx + 28, Y: ly}, label)
			lx += 28 + lsty.Width(label) + 16
		}
		if !noteOwnLine {
			c.FillText(nsty, vg.Point{X: lx + 8, Y: ly}, note)
		}
	})
}
