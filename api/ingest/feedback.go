package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cxbacklog/domain"
)

// feedbackColumns are the fields of a feedback item, in the order they are
// checked, and the columns of a CSV import: what an item needs, then what
// it may have.
var feedbackColumns = &columns{names: []string{"touchpoint_id", "source", "text", "received_at",
	"score", "score_min", "score_max", "customer_ref", "language"}, required: 4}

// Positions in feedbackColumns.names.
const (
	fcTouchpoint = iota
	fcSource
	fcText
	fcReceived
	fcScore
	fcScoreMin
	fcScoreMax
	fcCustomerRef
	fcLanguage
)

// maxFeedbackLine bounds one NDJSON line of a feedback import: room for a
// text of domain.MaxFeedbackText characters each written as an escaped
// surrogate pair (12 bytes, as JSON encoders that escape everything
// non-ASCII write an emoji), with the other fields. A CSV record needs no
// more than maxLine: a character is at most 4 bytes, and only 1-byte
// quotes are doubled.
const maxFeedbackLine = 128 << 10

// FeedbackReader streams feedback items out of an import body, NDJSON or
// CSV, one validated item at a time; it holds one line in memory, never the
// whole body.
type FeedbackReader struct {
	ws    string
	rows  int   // items returned
	line  int   // physical line of the last row read (NDJSON)
	err   error // sticky
	lines *bufio.Reader
	table *table
}

// Feedback reads the feedback items of workspace workspaceID out of body in
// the format of mediaType, which may carry parameters (a charset must be
// UTF-8): application/x-ndjson, one JSON object per line with the fields
// of the create body, or text/csv with a header naming the columns
// touchpoint_id, source, text and received_at, and optionally score,
// score_min, score_max, customer_ref and language, in any order and case;
// else EUnsupportedMedia. Nothing is read before the first call of Next.
func Feedback(body io.Reader, mediaType, workspaceID string) (*FeedbackReader, error) {
	mt, params, err := mime.ParseMediaType(mediaType)
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		err = errors.New("charset")
	}
	r := &FeedbackReader{ws: workspaceID}
	switch {
	case err != nil:
	case mt == MediaNDJSON:
		r.lines = bufio.NewReaderSize(body, maxFeedbackLine+1)
		skipBOM(r.lines)
		return r, nil
	case mt == MediaCSV:
		r.table = newTable(body, feedbackColumns)
		return r, nil
	}
	return nil, domain.Errorf(domain.EUnsupportedMedia,
		"send the feedback as Content-Type: %s (one JSON object per line) or %s (with a header row), in UTF-8", MediaNDJSON, MediaCSV)
}

// Next returns the next valid item (its default language filled in) and
// the physical line it starts on, io.EOF after the last one, or a
// *domain.Error: EInvalid naming the line and field of a bad row (or for an
// import without items), ETooLarge past domain.MaxFeedbackImport items, the
// body's own *domain.Error as it is, or EMalformed for any other failure to
// read the body. After an error every call returns it again.
func (r *FeedbackReader) Next() (domain.Feedback, int, error) {
	if r.err != nil {
		return domain.Feedback{}, 0, r.err
	}
	var f domain.Feedback
	var line int
	var err error
	if r.table != nil {
		f, line, err = r.nextCSV()
	} else {
		f, line, err = r.nextNDJSON()
	}
	if err != nil {
		if err == io.EOF && r.rows == 0 {
			err = domain.Errorf(domain.EInvalid, "the import holds no feedback items")
		}
		r.err = err
		return domain.Feedback{}, 0, err
	}
	r.rows++
	return f, line, nil
}

func tooManyFeedback() error {
	return domain.Errorf(domain.ETooLarge, "an import holds at most %d feedback items; split it into several requests", domain.MaxFeedbackImport)
}

func (r *FeedbackReader) nextNDJSON() (domain.Feedback, int, error) {
	for {
		b, err := r.lines.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			return domain.Feedback{}, 0, rowError(r.line+1, "", fmt.Sprintf("the line is longer than %d bytes", maxFeedbackLine))
		case err == io.EOF && len(b) == 0:
			return domain.Feedback{}, 0, io.EOF
		case err != nil && err != io.EOF:
			return domain.Feedback{}, 0, readError(err)
		}
		r.line++
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		if skipSpace(b, 0) == len(b) {
			continue // blank
		}
		if r.rows >= domain.MaxFeedbackImport {
			return domain.Feedback{}, 0, tooManyFeedback()
		}
		f, err := r.parseNDJSON(b)
		return f, r.line, err
	}
}

// feedbackLine is an NDJSON line as encoding/json decodes it.
type feedbackLine struct {
	TouchpointID *string  `json:"touchpoint_id"`
	Source       *string  `json:"source"`
	Text         *string  `json:"text"`
	ReceivedAt   *string  `json:"received_at"`
	Score        *float64 `json:"score"`
	ScoreMin     *float64 `json:"score_min"`
	ScoreMax     *float64 `json:"score_max"`
	CustomerRef  *string  `json:"customer_ref"`
	Language     *string  `json:"language"`
}

// parseNDJSON reads one non-blank line into a validated item. Unlike
// encoding/json it takes keys only as spelt in feedbackColumns and each at
// most once, as the create body does.
func (r *FeedbackReader) parseNDJSON(b []byte) (domain.Feedback, error) {
	if !utf8.Valid(b) {
		return domain.Feedback{}, rowError(r.line, "", "the line is not valid UTF-8")
	}
	if i := skipSpace(b, 0); i == len(b) || b[i] != '{' {
		return domain.Feedback{}, rowError(r.line, "", `not a JSON object: each line must hold one object such as {"touchpoint_id":"…","source":"survey","text":"…","received_at":"2026-10-01T09:30:00Z"}`)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var row feedbackLine
	if err := dec.Decode(&row); err != nil {
		field, reason := feedbackJSONProblem(err)
		return domain.Feedback{}, rowError(r.line, field, reason)
	}
	if end := int(dec.InputOffset()); skipSpace(b, end) != len(b) {
		return domain.Feedback{}, rowError(r.line, "", "not a JSON object: the line goes on after the object")
	}
	if field, reason := checkKeys(b, feedbackColumns.names, unknownFeedbackField); reason != "" {
		return domain.Feedback{}, rowError(r.line, field, reason)
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for n, s := range []*string{row.TouchpointID, row.Source, row.Text, row.ReceivedAt, nil, nil, nil, row.CustomerRef, row.Language} {
		if s != nil && strings.ContainsRune(*s, 0) {
			return domain.Feedback{}, rowError(r.line, feedbackColumns.names[n], "must not contain the character U+0000")
		}
	}
	f := domain.Feedback{WorkspaceID: r.ws, TouchpointID: str(row.TouchpointID), Source: domain.FeedbackSource(str(row.Source)),
		Text: str(row.Text), Score: row.Score, ScoreMin: row.ScoreMin, ScoreMax: row.ScoreMax,
		CustomerRef: str(row.CustomerRef), Language: str(row.Language)}
	return f, finishFeedback(&f, r.line, str(row.ReceivedAt))
}

// feedbackJSONProblem explains a line encoding/json does not decode.
func feedbackJSONProblem(err error) (field, reason string) {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return "", fmt.Sprintf("not a JSON object: %s (at byte %d)", syntax.Error(), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "", "not a JSON object: the line ends inside the object"
	case errors.As(err, &typeErr) && slices.Contains(feedbackColumns.names, typeErr.Field):
		want := "a JSON string"
		if strings.HasPrefix(typeErr.Field, "score") {
			if strings.HasPrefix(typeErr.Value, "number") {
				return typeErr.Field, typeErr.Field + " must be a finite number" // beyond ±1.8e308
			}
			want = "a JSON number"
		}
		return typeErr.Field, fmt.Sprintf("%s must be %s, not %s", typeErr.Field, want, typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		if name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field ")); uerr == nil {
			return unknownFeedbackField(name)
		}
	}
	return "", "not a JSON object: the line is not valid JSON"
}

func unknownFeedbackField(name string) (field, reason string) {
	reason = fmt.Sprintf("unknown field %s; %s", domain.QuoteInput(name), strings.Replace(feedbackColumns.list(), "columns", "fields", 1))
	if utf8.RuneCountInString(name) > 64 || strings.ContainsRune(name, 0) {
		return "", reason // too long to echo as a pointer
	}
	return name, reason
}

func (r *FeedbackReader) nextCSV() (domain.Feedback, int, error) {
	if r.table.index == nil {
		if err := r.table.header(); err != nil {
			return domain.Feedback{}, 0, err
		}
	}
	rec, line, err := r.table.next()
	if err != nil {
		return domain.Feedback{}, 0, err
	}
	if r.rows >= domain.MaxFeedbackImport {
		return domain.Feedback{}, 0, tooManyFeedback()
	}
	cell := func(c int) string {
		if n := r.table.index[c]; n >= 0 {
			if c == fcText {
				return rec[n] // the customer's words as written
			}
			return strings.TrimSpace(rec[n])
		}
		return ""
	}
	for c, name := range feedbackColumns.names {
		if s := cell(c); !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return domain.Feedback{}, 0, rowError(line, name, "must be UTF-8 text without the character U+0000")
		}
	}
	f := domain.Feedback{WorkspaceID: r.ws, TouchpointID: cell(fcTouchpoint), Source: domain.FeedbackSource(cell(fcSource)),
		Text: cell(fcText), CustomerRef: cell(fcCustomerRef), Language: cell(fcLanguage)}
	for _, s := range []struct {
		col int
		dst **float64
	}{{fcScore, &f.Score}, {fcScoreMin, &f.ScoreMin}, {fcScoreMax, &f.ScoreMax}} {
		v := cell(s.col)
		if v == "" {
			continue
		}
		x, ok := parseDecimal(v)
		if !ok {
			return domain.Feedback{}, 0, rowError(line, feedbackColumns.names[s.col], "must be a number such as 4, 0.5 or 1e1, not "+domain.QuoteInput(v))
		}
		*s.dst = &x
	}
	return f, line, finishFeedback(&f, line, cell(fcReceived))
}

// ParseReceivedAt reads the time a verbatim was received: RFC 3339, kept to
// the microsecond in UTC as PostgreSQL stores it.
func ParseReceivedAt(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC().Truncate(time.Microsecond), true
}

// ReceivedAtDetail says what received_at takes, for a field error.
const ReceivedAtDetail = "must be a date and time in RFC 3339, like 2026-10-01T09:30:00Z"

// CheckFeedback sets the item's received_at from its wire form and
// validates the item with Feedback.Validate, the one judge of an item's
// values, answering every field at fault in the order of the fields (nil
// when none): what the create body and each row of an import are checked by.
func CheckFeedback(f *domain.Feedback, receivedAt string) []domain.FieldError {
	var fields []domain.FieldError
	switch t, ok := ParseReceivedAt(receivedAt); {
	case receivedAt == "":
		fields = append(fields, domain.FieldError{Pointer: "/received_at", Detail: "is required"})
	case !ok:
		fields = append(fields, domain.FieldError{Pointer: "/received_at", Detail: ReceivedAtDetail})
	default:
		f.ReceivedAt = t
	}
	fresh := len(fields) == 0 // else Validate's say on received_at is about the zero time
	for _, fe := range domain.FieldsOf(f.Validate()) {
		if fe.Pointer != "/received_at" || fresh {
			fields = append(fields, fe)
		}
	}
	slices.SortStableFunc(fields, func(a, b domain.FieldError) int {
		return slices.Index(feedbackColumns.names, a.Pointer[1:]) - slices.Index(feedbackColumns.names, b.Pointer[1:])
	})
	return fields
}

// finishFeedback is CheckFeedback for the row on line: an EInvalid error
// naming the line and every field at fault.
func finishFeedback(f *domain.Feedback, line int, receivedAt string) error {
	fields := CheckFeedback(f, receivedAt)
	if len(fields) == 0 {
		return nil
	}
	for n := range fields {
		fields[n].Line = line
	}
	return &domain.Error{Code: domain.EInvalid, Message: "line " + strconv.Itoa(line) + ": " + fields[0].Pointer[1:] + " " + fields[0].Detail,
		Fields: fields}
}
