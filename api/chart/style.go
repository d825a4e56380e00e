package chart

// The shared look: colours, fonts, and the cleaning, measuring, fitting and
// formatting of text.

import (
	"image/color"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	xfnt "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	ink       = color.RGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xFF}
	muted     = color.RGBA{R: 0x5F, G: 0x5F, B: 0x5F, A: 0xFF}
	faint     = color.RGBA{R: 0xE4, G: 0xE4, B: 0xE4, A: 0xFF}
	white     = color.RGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	blue      = color.RGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF} // Okabe–Ito blue
	green     = color.RGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF} // Okabe–Ito bluish green
	orange    = color.RGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF} // Okabe–Ito orange
	vermilion = color.RGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF} // Okabe–Ito vermilion
	grey      = color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xFF}
)

// textHandler is the text handler: plain text (no LaTeX), gonum's font cache
// (which holds the Liberation fonts).
var textHandler = text.Plain{Fonts: font.DefaultCache}

func fontOf(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfnt.WeightBold
	}
	return f
}

func style(size vg.Length, bold bool, clr color.Color, xa draw.XAlignment, ya draw.YAlignment) text.Style {
	return text.Style{Color: clr, Font: fontOf(size, bold), XAlign: xa, YAlign: ya, Handler: textHandler}
}

// clean makes user text safe and tidy for a chart: invalid UTF-8
// replaced, control, bidi-override and XML-illegal characters dropped,
// whitespace runs collapsed to one space, at most 300 runes kept.
func clean(s string) string {
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

// truncate shortens s to at most n runes, ending in "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:max(n-1, 0)]), unicode.IsSpace) + "…"
}

// textWidth is the width of s in sty as a browser will draw it. Characters
// the Liberation font lacks (emoji, most non-Latin scripts) are drawn from a
// fallback font: they count as 1.25 em, a little more than most such glyphs
// take, and combining marks, variation selectors and skin-tone modifiers as
// nothing.
func textWidth(sty text.Style, s string) vg.Length {
	w := sty.Width(s)
	face := textHandler.Fonts.Lookup(sty.Font, sty.Font.Size)
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

// fit shortens s (ending in "…") until it is at most width wide in sty.
func fit(sty text.Style, s string, width vg.Length) string {
	if s == "" || textWidth(sty, s) <= width {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // the longest prefix that fits is in [lo, hi)
	for lo < hi-1 {
		mid := (lo + hi) / 2
		if textWidth(sty, string(r[:mid])+"…") <= width {
			lo = mid
		} else {
			hi = mid
		}
	}
	return strings.TrimRightFunc(string(r[:lo]), unicode.IsSpace) + "…"
}

// wrap breaks s into at most maxLines lines of at most width, at
// spaces where possible; the last line is shortened with "…" if needed.
func wrap(sty text.Style, s string, width vg.Length, maxLines int) []string {
	var lines []string
	words := strings.Fields(s)
	for len(words) > 0 && len(lines) < maxLines {
		if len(lines) == maxLines-1 {
			lines = append(lines, fit(sty, strings.Join(words, " "), width))
			break
		}
		n := 1
		for n < len(words) && textWidth(sty, strings.Join(words[:n+1], " ")) <= width {
			n++
		}
		line := strings.Join(words[:n], " ")
		if textWidth(sty, line) > width { // one word too long for a line
			line = fit(sty, line, width)
		}
		lines = append(lines, line)
		words = words[n:]
	}
	return lines
}

// num formats v for people: thousands kept short, "−" as minus sign.
func num(v float64, signed bool) string {
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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// thousands formats n with a thousands separator: 2,000.
func thousands(n int) string {
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

func withAlpha(c color.RGBA, a uint8) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: a}
}

// darken returns a darker shade of c for text on light backgrounds.
func darken(c color.RGBA) color.RGBA {
	return color.RGBA{R: uint8(int(c.R) * 7 / 10), G: uint8(int(c.G) * 7 / 10), B: uint8(int(c.B) * 7 / 10), A: 0xFF}
}
