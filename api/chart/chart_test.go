package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests shared by all charts, and the helpers that parse their output.

func ptr(v float64) *float64 { return &v }

// ---------------------------------------------------------------------------
// Parsing the output.

type svgDoc struct {
	root        xml.StartElement
	texts       []string // content of every <text>, unescaped
	title       string   // content of <title>
	elements    map[string]int
	filledArcs  int // filled paths that contain an arc: markers
	sizeInBytes int
}

func (d svgDoc) allText() string { return strings.Join(d.texts, "\n") }

func (d svgDoc) hasText(s string) bool {
	for _, t := range d.texts {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// parseChart checks that b is a well-formed standalone SVG document and
// collects what the tests look at.
func parseChart(t *testing.T, b []byte) svgDoc {
	t.Helper()
	doc := svgDoc{elements: map[string]int{}, sizeInBytes: len(b)}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	depth := 0
	var stack []string
	var cur strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, excerpt(b))
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if doc.root.Name.Local != "" {
					t.Fatalf("more than one root element")
				}
				doc.root = tk
			}
			depth++
			stack = append(stack, tk.Name.Local)
			doc.elements[tk.Name.Local]++
			cur.Reset()
			if tk.Name.Local == "path" {
				var d, style string
				for _, a := range tk.Attr {
					switch a.Name.Local {
					case "d":
						d = a.Value
					case "style":
						style = a.Value
					}
				}
				if strings.Contains(d, "A") && !strings.Contains(style, "fill:none") {
					doc.filledArcs++
				}
			}
		case xml.CharData:
			cur.Write(tk)
		case xml.EndElement:
			switch tk.Name.Local {
			case "text":
				doc.texts = append(doc.texts, cur.String())
			case "title":
				doc.title = cur.String()
			}
			cur.Reset()
			depth--
			stack = stack[:len(stack)-1]
		}
	}
	if doc.root.Name.Local != "svg" || doc.root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element is %v, want svg in the SVG namespace", doc.root.Name)
	}
	attrs := map[string]string{}
	for _, a := range doc.root.Attr {
		attrs[a.Name.Local] = a.Value
	}
	for _, a := range []string{"width", "height", "viewBox"} {
		if attrs[a] == "" {
			t.Errorf("root <svg> has no %s attribute", a)
		}
	}
	for name := range doc.elements {
		switch name {
		case "svg", "g", "path", "text", "title":
		default:
			t.Errorf("unexpected element <%s> in the chart", name)
		}
	}
	if bytes.Contains(b, []byte("@font-face")) || bytes.Contains(b, []byte("base64")) {
		t.Errorf("chart embeds font or image data")
	}
	return doc
}

func excerpt(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// The hostile text every chart gets somewhere a user can put it.
const hostileText = "<script>alert(\"x\")</script> & 'quotes' ]]> <!-- 🍕🚀 --> \x00\x07\x1b[31m\u202Eevil\uFFFE end"

func checkHostile(t *testing.T, b []byte, doc svgDoc, inTitle bool) {
	t.Helper()
	if bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("<!-- 🍕")) {
		t.Errorf("hostile text not escaped:\n%s", excerpt(b))
	}
	if !doc.hasText(`<script>alert("x")</script> &`) {
		t.Errorf("hostile text should appear as text (escaped, unchanged), texts: %q", doc.texts)
	}
	if strings.ContainsAny(doc.allText(), "\x00\x07\x1b\u202E\uFFFE") {
		t.Errorf("control characters reached the SVG: %q", doc.allText())
	}
	if inTitle && !strings.Contains(doc.title, "<script>") {
		t.Errorf("<title> = %q, want the (escaped) title", doc.title)
	}
}

func TestEmptyInput(t *testing.T) {
	renders := map[string]func() ([]byte, error){
		"matrix nil": func() ([]byte, error) { return Matrix(nil, 0, "", 3, 3) },
		"matrix no value": func() ([]byte, error) {
			return Matrix([]MatrixPoint{{Value: math.NaN()}}, 0, "", math.NaN(), math.Inf(1))
		},
		"heatmap nil":       func() ([]byte, error) { return Heatmap("Journey <x>", nil, nil) },
		"heatmap no cells":  func() ([]byte, error) { return Heatmap("", []string{"A", "B"}, nil) },
		"forest nil":        func() ([]byte, error) { return Forest("", "", nil) },
		"trend nil":         func() ([]byte, error) { return Trend("CSAT & co", "", nil, ptr(1)) },
		"trend only zeroes": func() ([]byte, error) { return Trend("t", "", []TrendPoint{{}}, nil) },
	}
	for name, render := range renders {
		t.Run(name, func(t *testing.T) {
			b, err := render()
			if err != nil {
				t.Fatal(err)
			}
			doc := parseChart(t, b)
			if !doc.hasText("no data") {
				t.Errorf("empty chart does not say so: %q", doc.texts)
			}
		})
	}
}

// The charts are rendered by concurrent requests.
func TestConcurrent(t *testing.T) {
	ideas := sampleIdeas()
	stages, cells := sampleRestaurant()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 8 {
		wg.Go(func() {
			for _, f := range []func() ([]byte, error){
				func() ([]byte, error) { return Matrix(ideas, 0, "", 3, 3) },
				func() ([]byte, error) { return Heatmap("h", stages, cells) },
				func() ([]byte, error) { return Forest("f", "x", sampleHeadset()) },
				func() ([]byte, error) { return Trend("t", "y", sampleCSAT(), ptr(0.8)) },
			} {
				if _, err := f(); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestChartSamples writes the sample charts to $CHART_SAMPLES_DIR for a look
// in a browser (e.g. chromium --headless --screenshot); skipped otherwise.
func TestSamples(t *testing.T) {
	dir := os.Getenv("CHART_SAMPLES_DIR")
	if dir == "" {
		t.Skip("set CHART_SAMPLES_DIR to write sample charts")
	}
	stages, cells := sampleRestaurant()
	samples := map[string]func() ([]byte, error){
		"matrix":      func() ([]byte, error) { return Matrix(sampleIdeas(), 0, "", 3, 2) },
		"matrix-2000": func() ([]byte, error) { return Matrix(manyIdeas(2500), 0, "", 3, 3) },
		"heatmap":     func() ([]byte, error) { return Heatmap("Restaurant visit · CSAT by touchpoint", stages, cells) },
		"forest": func() ([]byte, error) {
			return Forest("Headset pilot — results", "improvement, % of before level (95 % CI)", sampleHeadset())
		},
		"trend": func() ([]byte, error) {
			return Trend("Paying the bill · CSAT", "CSAT (share satisfied)", sampleCSAT(), ptr(0.8))
		},
		"empty": func() ([]byte, error) { return Forest("Headset pilot — results", "x", nil) },
		"forest-odd": func() ([]byte, error) {
			return Forest("Self-service kiosk pilot at the three city-centre restaurants — final results after twelve weeks", "improvement, % of before level (95 % CI)", []ForestRow{
				{Label: "Average time from entering the restaurant to placing the order (primary)", Improvement: -12, Low: -20, High: -4, Verdict: "worsened"},
				{Label: "CSAT", Improvement: 3, Low: -2, High: 8, Verdict: "inconclusive"},
				{Label: "Complaints (guardrail)", Improvement: 40, Low: -900, High: 5000, Verdict: "inconclusive"},
				{Label: "Basket size", Improvement: math.NaN(), Low: math.NaN(), High: math.NaN(), Verdict: "inconclusive"},
				{Label: "Staff overtime (guardrail)", Improvement: 22, Low: 10, High: 34, Verdict: "improved"},
			})
		},
		"trend-daily": func() ([]byte, error) {
			var pts []TrendPoint
			for i := range 120 {
				v := 280 + 40*math.Sin(float64(i)/9) - float64(i)/3
				pts = append(pts, TrendPoint{End: time.Date(2025, 1, 1+i, 0, 0, 0, 0, time.UTC), Value: v, Low: v - 25, High: v + 25})
			}
			return Trend("Phone queue · average wait (daily)", "wait, seconds", pts, ptr(240))
		},
		"heatmap-wide": func() ([]byte, error) {
			var st []string
			var cs []HeatCell
			hs := []string{"healthy", "at_risk", "failing", "unknown"}
			for i, name := range []string{"Become aware", "Consider and compare offers", "Book", "Arrive", "Order", "Eat", "Pay", "Leave", "Come back"} {
				st = append(st, name)
				for j := range 1 + i%3 {
					cs = append(cs, HeatCell{Stage: name, Touchpoint: fmt.Sprintf("First-contact resolution on invoice questions %d", j), Value: ptr(0.5), Display: "50 %", Health: hs[(i+j)%4], OpenIdeas: i, RunningPilots: j})
				}
			}
			return Heatmap("Contact centre · FCR", st, cs)
		},
		"hostile": func() ([]byte, error) {
			return Heatmap(hostileText+strings.Repeat(" long", 50), []string{hostileText}, []HeatCell{{Stage: hostileText, Touchpoint: hostileText, Display: hostileText, Health: "failing"}})
		},
	}
	for name, render := range samples {
		b, err := render()
		if err != nil {
			t.Fatal(name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".svg"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s.svg: %d bytes", name, len(b))
	}
}
