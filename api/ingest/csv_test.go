package ingest

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// refLineLimit is lineLimitReader byte by byte: how many bytes of body it
// passes on, with how many line breaks among them, and whether it stops
// there for a line over limit.
func refLineLimit(body []byte, limit int) (passed, lines int, stopped bool) {
	run, quoted := 0, false
	for i, c := range body {
		if c == '\n' && !quoted {
			run, lines = 0, lines+1
			continue
		}
		if c == '"' {
			quoted = !quoted
		}
		if run == limit {
			return i, lines, true
		}
		run++
		if c == '\n' {
			lines++
		}
	}
	return len(body), lines, false
}

// TestLineLimitReader checks lineLimitReader, fast path and line loop,
// against refLineLimit on random bodies of rows, blank lines, quotes and
// long lines, read in chunks of every size.
func TestLineLimitReader(t *testing.T) {
	pieces := []string{"a,b,1\n", "\n", "\r\n", `"`, `""`, "x", "\r", strings.Repeat("y", 7), strings.Repeat("z", 40), strings.Repeat("\n", 30)}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 3000 {
		var body []byte
		for range rng.IntN(60) {
			body = append(body, pieces[rng.IntN(len(pieces))]...)
		}
		limit := []int{1, 8, 16, 64, 1000}[n%5]
		chunk := []int{1, 3, 16, 17, 100, 4096}[rng.IntN(6)]
		wantPassed, wantLines, wantStop := refLineLimit(body, limit)

		l := &lineLimitReader{r: bytes.NewReader(body), limit: limit}
		buf := make([]byte, chunk)
		passed, err := 0, error(nil)
		for err == nil {
			var k int
			k, err = l.Read(buf)
			passed += k
		}
		if passed != wantPassed || l.lines != wantLines || (err == errLineTooLong) != wantStop || (!wantStop && err != io.EOF) {
			t.Fatalf("limit %d, chunks of %d, body %q: passed %d bytes with %d line breaks, then %v; want %d, %d, stopped %v",
				limit, chunk, body, passed, l.lines, err, wantPassed, wantLines, wantStop)
		}
		if wantStop {
			if k, again := l.Read(buf); k != 0 || again != errLineTooLong {
				t.Fatalf("read after the stop: %d, %v", k, again)
			}
		}
	}
}
