package web

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"
)

// funcs are the helpers templates format with.
var funcs = template.FuncMap{
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"datep":    datePtr,
	"num":      num,
	"pct":      func(x float64) string { return num(100*x) + " %" },
	"words":    func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"title":    titleWords,
	"contains": func(set []string, s string) bool { return contains(set, s) },
}

func datePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006")
}

// num prints x with at most 2 decimals and no trailing zeros.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	s := fmt.Sprintf("%.2f", x)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// titleWords turns an enum value into words with a capital: quick_win →
// Quick win.
func titleWords(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// figure prints x with 2 decimals at most, or 3 significant digits when
// it is below 1 (a rate of 0.0729 complaints per agent-week).
func figure(x float64) string {
	if math.Abs(x) >= 1 || x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return num(x)
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if r := strconv.FormatFloat(x, 'g', 3, 64); !strings.ContainsRune(r, 'e') {
		s = r
	}
	return s
}

// changeText writes a computed metric's change (after − before) and its
// interval for people, signed, in the unit MetricResult.ChangeScale gives.
func changeText(m *domain.MetricResult) (estimate, interval string) {
	scale, unit := m.ChangeScale()
	if unit != "" {
		unit = "\u00a0" + unit
	}
	estimate = withSign(figure(m.Estimate*scale)) + unit
	interval = withSign(figure(m.CI.Low*scale)) + " to " + withSign(figure(m.CI.High*scale)) + unit
	return estimate, interval
}

// money prints an amount as the API's explanations write it.
func money(x float64) string { return domain.FormatMoney(x) }

// valueText writes an annual value and its interval for people:
// "41,400 EUR a year" and "19,530 to 63,270".
func valueText(amount float64, ci domain.Interval, currency string) (value, interval string) {
	return money(amount) + " " + currency + " a year", money(ci.Low) + " to " + money(ci.High)
}

// chanceText writes a probability in percent, its spaces unbreakable.
func chanceText(p float64) string { return strings.ReplaceAll(domain.FormatChance(p), " ", "\u00a0") }

// signed prints x as num does, with + or a minus sign (none on 0).
func signed(x float64) string { return withSign(num(x)) }

// withSign puts + or a true minus sign on a printed number.
func withSign(s string) string {
	switch {
	case s == "0" || s == "—":
		return s
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	}
	return "+" + s
}

func contains(set []string, s string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

// encodeCursor and decodeCursor carry a list's position (a domain cursor)
// in a link; complete tells a cursor this site made from a forged one.
func encodeCursor[T any](c *T) string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(c) // plain fields: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor[T any](s string, complete func(*T) bool) (*T, bool) {
	if s == "" {
		return nil, true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c T
	if err != nil || json.Unmarshal(b, &c) != nil || !complete(&c) {
		return nil, false
	}
	return &c, true
}

// ideaCursorComplete and cursorComplete check decoded cursors: an id, and
// no U+0000, which PostgreSQL refuses.
func ideaCursorComplete(c *domain.IdeaCursor) bool {
	return domain.IsID(c.ID) && !strings.ContainsRune(c.Title, 0)
}

func cursorComplete(c *domain.Cursor) bool { return domain.IsID(c.ID) }
