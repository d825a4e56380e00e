package api

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// Writing answers: the helpers every resource's handlers share (their
// readers are in bind.go).

// created answers 201 with Location and ETag.
func created(c echo.Context, location string, version int, body any) error {
	c.Response().Header().Set(echo.HeaderLocation, location)
	setETag(c, version)
	return c.JSON(http.StatusCreated, body)
}

func setETag(c echo.Context, version int) {
	c.Response().Header().Set("ETag", `"`+strconv.Itoa(version)+`"`)
}

// writeJSON writes v with the given status and media type, encoded as
// every body is (see jsonSerializer).
func writeJSON(c echo.Context, status int, mediaType string, v any) error {
	var body bytes.Buffer
	if err := encodeJSON(&body, v, ""); err != nil {
		return err
	}
	return c.Blob(status, mediaType, body.Bytes())
}

// jsonSerializer is Echo's, writing JSON as people read it: "<", ">" and
// "&" as themselves rather than \u003c (an API body is never HTML), and a
// final newline on every body, success or problem.
type jsonSerializer struct{ echo.DefaultJSONSerializer }

func (jsonSerializer) Serialize(c echo.Context, v any, indent string) error {
	if list, ok := v.(IdeaList); ok && indent == "" {
		return writeIdeaList(c.Response(), &list)
	}
	return encodeJSON(c.Response(), v, indent)
}

func encodeJSON(w io.Writer, v any, indent string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(v)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func dateOut(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(dateLayout)
	return &s
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// The backlog page, the API's busiest answer, is written by hand: 50 ideas
// with their explanations took a fifth of the process's CPU time per
// request in encoding/json's reflection. The bytes are exactly what
// encodeJSON writes (TestIdeaListEncoding holds them to it).

// ideaListBuffers keeps the pages' buffers for the next page.
var ideaListBuffers = sync.Pool{New: func() any { return new([]byte) }}

// writeIdeaList writes l as encodeJSON(w, l, "") would; a value encoding/json
// refuses (a NaN, a year past 9999) goes to encodeJSON for its error.
func writeIdeaList(w io.Writer, l *IdeaList) error {
	buf := ideaListBuffers.Get().(*[]byte)
	defer ideaListBuffers.Put(buf)
	var j jsonAppender
	j.b = (*buf)[:0]
	j.ideaList(l)
	*buf = j.b
	if j.bad {
		return encodeJSON(w, *l, "")
	}
	_, err := w.Write(j.b)
	return err
}

// jsonAppender appends JSON as encodeJSON writes it; bad records a value it
// cannot encode.
type jsonAppender struct {
	b   []byte
	bad bool
}

func (j *jsonAppender) raw(s string) { j.b = append(j.b, s...) }

// str is encoding/json's appendString without HTML escaping.
func (j *jsonAppender) str(s string) {
	b := append(j.b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	j.b = append(b, '"')
}

const hexDigits = "0123456789abcdef"

// num is encoding/json's float64 encoding.
func (j *jsonAppender) num(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		j.bad = true
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(j.b, f, format, -1, 64)
	if format == 'e' { // e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	j.b = b
}

func (j *jsonAppender) numPtr(f *float64) {
	if f == nil {
		j.raw("null")
		return
	}
	j.num(*f)
}

func (j *jsonAppender) int(n int) { j.b = strconv.AppendInt(j.b, int64(n), 10) }

// time is time.Time's MarshalJSON.
func (j *jsonAppender) time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 {
		j.bad = true
		return
	}
	j.b = append(j.b, '"')
	j.b = t.AppendFormat(j.b, time.RFC3339Nano)
	j.b = append(j.b, '"')
}

func (j *jsonAppender) strs(s []string) {
	if s == nil {
		j.raw("null")
		return
	}
	j.b = append(j.b, '[')
	for n, v := range s {
		if n > 0 {
			j.b = append(j.b, ',')
		}
		j.str(v)
	}
	j.b = append(j.b, ']')
}

func (j *jsonAppender) ideaList(l *IdeaList) {
	j.raw(`{"items":`)
	if l.Items == nil {
		j.raw("null")
	} else {
		j.b = append(j.b, '[')
		for n := range l.Items {
			if n > 0 {
				j.b = append(j.b, ',')
			}
			j.idea(&l.Items[n])
		}
		j.b = append(j.b, ']')
	}
	j.raw(`,"next_cursor":`)
	if l.NextCursor == nil {
		j.raw("null")
	} else {
		j.str(*l.NextCursor)
	}
	j.raw("}\n")
}

func (j *jsonAppender) idea(i *Idea) {
	j.raw(`{"id":`)
	j.str(i.ID)
	j.raw(`,"title":`)
	j.str(i.Title)
	j.raw(`,"problem":`)
	j.str(i.Problem)
	j.raw(`,"proposal":`)
	j.str(i.Proposal)
	j.raw(`,"touchpoint_ids":`)
	j.strs(i.TouchpointIDs)
	j.raw(`,"impact":`)
	j.int(i.Impact)
	j.raw(`,"experience":`)
	j.int(i.Experience)
	j.raw(`,"effort":`)
	j.int(i.Effort)
	j.raw(`,"confidence":`)
	j.num(i.Confidence)
	j.raw(`,"owner":`)
	j.str(i.Owner)
	j.raw(`,"tags":`)
	j.strs(i.Tags)
	j.raw(`,"source":`)
	j.str(i.Source)
	j.raw(`,"status":`)
	j.str(i.Status)
	j.raw(`,"score":{"value":`)
	j.num(i.Score.Value)
	j.raw(`,"priority":`)
	j.num(i.Score.Priority)
	j.raw(`,"quadrant":`)
	j.str(i.Score.Quadrant)
	j.raw(`,"explanation":`)
	j.str(i.Score.Explanation)
	j.raw(`,"summary":`)
	j.str(i.Score.Summary)
	j.raw(`},"one_off_cost":`)
	j.numPtr(i.OneOffCost)
	j.raw(`,"annual_running_cost":`)
	j.numPtr(i.AnnualRunningCost)
	j.raw(`,"expected_improvements":`)
	if i.ExpectedImprovements == nil {
		j.raw("null")
	} else {
		j.b = append(j.b, '[')
		for n, e := range i.ExpectedImprovements {
			if n > 0 {
				j.b = append(j.b, ',')
			}
			j.raw(`{"value_driver_id":`)
			j.str(e.ValueDriverID)
			j.raw(`,"improvement":`)
			j.num(e.Improvement)
			j.b = append(j.b, '}')
		}
		j.b = append(j.b, ']')
	}
	j.raw(`,"business_case":`)
	j.businessCase(i.BusinessCase)
	j.raw(`,"evidence":{"feedback_count":`)
	j.int(i.Evidence.FeedbackCount)
	j.raw(`,"contact_reasons":`)
	j.int(i.Evidence.ContactReasons)
	j.raw(`,"contacts_per_month":`)
	j.num(i.Evidence.ContactsPerMonth)
	j.raw(`},"created_at":`)
	j.time(i.CreatedAt)
	j.raw(`,"updated_at":`)
	j.time(i.UpdatedAt)
	j.raw(`,"version":`)
	j.int(i.Version)
	j.b = append(j.b, '}')
}

func (j *jsonAppender) businessCase(c *BusinessCase) {
	if c == nil {
		j.raw("null")
		return
	}
	j.raw(`{"expected_annual_value":`)
	j.num(c.ExpectedAnnualValue)
	j.raw(`,"expected_net_annual_value":`)
	j.num(c.ExpectedNetAnnualValue)
	j.raw(`,"payback_months":`)
	j.numPtr(c.PaybackMonths)
	j.raw(`,"first_year_roi":`)
	j.numPtr(c.FirstYearROI)
	j.raw(`,"currency":`)
	j.str(c.Currency)
	j.raw(`,"explanation":`)
	j.str(c.Explanation)
	j.raw(`,"realised_annual_value":`)
	if r := c.RealisedAnnualValue; r == nil {
		j.raw("null")
	} else {
		j.raw(`{"annual_value":`)
		j.num(r.AnnualValue)
		j.raw(`,"ci_low":`)
		j.num(r.CILow)
		j.raw(`,"ci_high":`)
		j.num(r.CIHigh)
		j.raw(`,"pilot_id":`)
		j.str(r.PilotID)
		j.raw(`,"realised_at":`)
		j.time(r.RealisedAt)
		j.b = append(j.b, '}')
	}
	j.b = append(j.b, '}')
}
