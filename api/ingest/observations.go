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
	"unicode/utf8"

	"cxbacklog/domain"
)

// MaxObservations bounds one observation upload.
const MaxObservations = 1_000_000

// maxObservations is MaxObservations; tests lower it.
var maxObservations = MaxObservations

// maxInternedUnits bounds the unit ids shared between rows.
const maxInternedUnits = 1 << 14

// observationColumns are the fields of a row, in the order they are
// checked, and the columns of a CSV upload.
var observationColumns = &columns{names: []string{"group", "period", "value", "unit_id"}, required: 3}

// observationFields are the fields of a row, in the order they are checked.
var observationFields = observationColumns.names

// ObservationReader streams raw observations out of an upload body, NDJSON
// or CSV, one validated row at a time; it holds one line in memory, never
// the whole body.
type ObservationReader struct {
	kind  domain.MetricKind
	rows  int   // observations returned
	line  int   // physical line of the last row read (NDJSON)
	err   error // sticky: once a row fails, so does every later call
	units map[string]string

	// NDJSON
	lines *bufio.Reader

	// CSV
	table   *table
	columns [4]int // table.index, copied for the row loop; -1 for an absent unit_id
}

// Observations reads the raw observations of a metric of kind out of body
// in the format of mediaType, which may carry parameters (a charset must be
// UTF-8): application/x-ndjson or text/csv, else EUnsupportedMedia. Nothing
// is read before the first call of Next.
func Observations(body io.Reader, mediaType string, kind domain.MetricKind) (*ObservationReader, error) {
	if _, ok := domain.ParseMetricKind(string(kind)); !ok {
		return nil, domain.Wrap(domain.EInternal, fmt.Errorf("observation reader: unknown metric kind %q", kind), "internal error")
	}
	mt, params, err := mime.ParseMediaType(mediaType)
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		err = errors.New("charset")
	}
	r := &ObservationReader{kind: kind, units: map[string]string{}}
	switch {
	case err != nil:
	case mt == MediaNDJSON:
		r.lines = bufio.NewReaderSize(body, maxLine+1)
		skipBOM(r.lines)
		return r, nil
	case mt == MediaCSV:
		r.table = newTable(body, observationColumns)
		return r, nil
	}
	return nil, domain.Errorf(domain.EUnsupportedMedia,
		"send the observations as Content-Type: %s (one JSON object per line) or %s (with a header row), in UTF-8", MediaNDJSON, MediaCSV)
}

// Next returns the next valid observation, io.EOF after the last one, or a
// *domain.Error: EInvalid naming the line and field of a bad row (or for an
// upload without observations), ETooLarge past MaxObservations rows, the
// body's own *domain.Error as it is (ETooLarge over a body limit, say), or
// EMalformed for any other failure to read the body. After an error every
// call returns it again.
func (r *ObservationReader) Next() (domain.Observation, error) {
	if r.err != nil {
		return domain.Observation{}, r.err
	}
	var o domain.Observation
	var err error
	if r.table != nil {
		o, err = r.nextCSV()
	} else {
		o, err = r.nextNDJSON()
	}
	if err != nil {
		if err == io.EOF && r.rows == 0 {
			err = domain.Errorf(domain.EInvalid, "the upload holds no observations")
		}
		r.err = err
		return domain.Observation{}, err
	}
	r.rows++
	return o, nil
}

// Rows is the number of observations returned so far.
func (r *ObservationReader) Rows() int { return r.rows }

func (r *ObservationReader) nextNDJSON() (domain.Observation, error) {
	for {
		line, err := r.lines.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			return domain.Observation{}, rowError(r.line+1, "", fmt.Sprintf("the line is longer than %d bytes", maxLine))
		case err == io.EOF && len(line) == 0:
			return domain.Observation{}, io.EOF
		case err != nil && err != io.EOF:
			return domain.Observation{}, readError(err)
		}
		r.line++
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if skipSpace(line, 0) == len(line) {
			continue // blank
		}
		if r.rows >= maxObservations {
			return domain.Observation{}, tooManyObservations()
		}
		o, field, reason := r.parseNDJSON(line)
		if reason == "" {
			field, reason = domain.CheckObservation(r.kind, o)
		}
		if reason != "" {
			return domain.Observation{}, rowError(r.line, field, reason)
		}
		return o, nil
	}
}

// parseNDJSON reads one non-blank line. A reason is a structural problem;
// the values are checked by the caller.
func (r *ObservationReader) parseNDJSON(line []byte) (o domain.Observation, field, reason string) {
	if !utf8.Valid(line) {
		return o, "", "the line is not valid UTF-8"
	}
	if o, ok := r.fastNDJSON(line); ok {
		return o, "", ""
	}
	return r.slowNDJSON(line)
}

// fastNDJSON decodes the usual shape of a row without encoding/json: one
// object of distinct, exactly spelt keys whose values are strings without
// escapes, a number for value, and a string or null for unit_id. For any
// other line it reports false and slowNDJSON, which accepts a superset,
// decodes or explains it. Both agree on every line fastNDJSON accepts.
func (r *ObservationReader) fastNDJSON(b []byte) (o domain.Observation, ok bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return o, false
	}
	var seen uint8
	i = skipSpace(b, i+1)
	for {
		key, j, ok := plainString(b, i)
		if !ok {
			return o, false
		}
		i = skipSpace(b, j)
		if i == len(b) || b[i] != ':' {
			return o, false
		}
		i = skipSpace(b, i+1)
		var bit uint8
		switch string(key) {
		case "group":
			bit = 1
			var s []byte
			if s, i, ok = plainString(b, i); !ok {
				return o, false
			}
			o.Group = groupOf(s)
		case "period":
			bit = 2
			var s []byte
			if s, i, ok = plainString(b, i); !ok {
				return o, false
			}
			o.Period = periodOf(s)
		case "value":
			bit = 4
			j, ok := jsonNumber(b, i)
			if !ok {
				return o, false
			}
			v, err := strconv.ParseFloat(string(b[i:j]), 64)
			if err != nil {
				return o, false // out of range: the slow path says so
			}
			o.Value, i = v, j
		case "unit_id":
			bit = 8
			if bytes.HasPrefix(b[i:], []byte("null")) {
				o.UnitID, i = "", i+4
				break
			}
			var s []byte
			if s, i, ok = plainString(b, i); !ok {
				return o, false
			}
			o.UnitID = r.internBytes(s)
		default:
			return o, false
		}
		if seen&bit != 0 {
			return o, false
		}
		seen |= bit
		i = skipSpace(b, i)
		if i == len(b) {
			return o, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return o, skipSpace(b, i+1) == len(b) && seen&4 != 0
		default:
			return o, false
		}
	}
}

// ndjsonRow is a row as encoding/json decodes it.
type ndjsonRow struct {
	Group  string   `json:"group"`
	Period string   `json:"period"`
	Value  *float64 `json:"value"`
	UnitID *string  `json:"unit_id"`
}

// slowNDJSON decodes a line with encoding/json and names what is wrong with
// it. Unlike encoding/json it takes keys only as spelt in observationFields
// and each at most once.
func (r *ObservationReader) slowNDJSON(b []byte) (o domain.Observation, field, reason string) {
	if i := skipSpace(b, 0); i == len(b) || b[i] != '{' {
		return o, "", `not a JSON object: each line must hold one object such as {"group":"pilot","period":"before","value":1}`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var row ndjsonRow
	if err := dec.Decode(&row); err != nil {
		field, reason := ndjsonProblem(err)
		if field == "value" { // the rest of the row was decoded: group and period come first
			o := domain.Observation{Group: domain.Group(row.Group), Period: domain.Period(row.Period)}
			field, reason = valueProblem(r.kind, o, reason)
		}
		return o, field, reason
	}
	if end := int(dec.InputOffset()); skipSpace(b, end) != len(b) {
		return o, "", "not a JSON object: the line goes on after the object"
	}
	if field, reason := checkKeys(b, observationFields, unknownField); reason != "" {
		return o, field, reason
	}
	o = domain.Observation{Group: domain.Group(row.Group), Period: domain.Period(row.Period)}
	if row.UnitID != nil {
		o.UnitID = r.internString(*row.UnitID)
	}
	if row.Value == nil {
		field, reason := valueProblem(r.kind, o, "value is required")
		return o, field, reason
	}
	o.Value = *row.Value
	return o, "", ""
}

// ndjsonProblem explains a line encoding/json does not decode.
func ndjsonProblem(err error) (field, reason string) {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return "", fmt.Sprintf("not a JSON object: %s (at byte %d)", syntax.Error(), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "", "not a JSON object: the line ends inside the object"
	case errors.As(err, &typeErr) && slices.Contains(observationFields, typeErr.Field):
		if typeErr.Field != "value" {
			return typeErr.Field, fmt.Sprintf("%s must be a JSON string, not %s", typeErr.Field, typeErr.Value)
		}
		if strings.HasPrefix(typeErr.Value, "number") {
			return "value", "value must be a finite number" // beyond ±1.8e308
		}
		return "value", "value must be a JSON number, not " + typeErr.Value
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr == nil {
			return unknownField(name)
		}
	}
	return "", "not a JSON object: the line is not valid JSON"
}

// checkKeys finds a key of an already decoded line that is not spelt as one
// of fields (encoding/json matches keys case-insensitively) or that is
// repeated (encoding/json keeps the last); unknown words the reason for a
// key that is not a field.
func checkKeys(b []byte, fields []string, unknown func(string) (field, reason string)) (field, reason string) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return "", ""
	}
	seen := make([]bool, len(fields))
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return "", ""
		}
		n := slices.Index(fields, key)
		if n < 0 {
			return unknown(key)
		}
		if seen[n] {
			return key, key + " is given more than once"
		}
		seen[n] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", ""
		}
	}
	return "", ""
}

func unknownField(name string) (field, reason string) {
	reason = fmt.Sprintf("unknown field %s; the fields are group, period, value and unit_id", domain.QuoteInput(name))
	if utf8.RuneCountInString(name) > domain.MaxUnitIDLength {
		return "", reason // too long to echo as a pointer
	}
	return name, reason
}

// valueProblem reports a value that could not be read, unless group or
// period, which come first, are wrong too.
func valueProblem(kind domain.MetricKind, o domain.Observation, reason string) (string, string) {
	o.Value, o.UnitID = 0, ""
	if f, r := domain.CheckObservation(kind, o); f == "group" || f == "period" {
		return f, r
	}
	return "value", reason
}

func (r *ObservationReader) nextCSV() (domain.Observation, error) {
	if r.table.index == nil {
		if err := r.table.header(); err != nil {
			return domain.Observation{}, err
		}
		copy(r.columns[:], r.table.index)
	}
	rec, line, err := r.table.next()
	if err != nil {
		return domain.Observation{}, err
	}
	if r.rows >= maxObservations {
		return domain.Observation{}, tooManyObservations()
	}
	o := domain.Observation{Group: groupOf(rec[r.columns[0]]), Period: periodOf(rec[r.columns[1]])}
	if u := r.columns[3]; u >= 0 {
		o.UnitID = r.internString(rec[u])
	}
	var field, reason string
	if s := rec[r.columns[2]]; s == "" {
		field, reason = valueProblem(r.kind, o, "value is required")
	} else if v, ok := parseDecimal(s); !ok {
		field, reason = valueProblem(r.kind, o, "value must be a number such as 12, -0.5 or 3e2, not "+domain.QuoteInput(s))
	} else {
		o.Value = v
		field, reason = domain.CheckObservation(r.kind, o)
	}
	if reason != "" {
		return domain.Observation{}, rowError(line, field, reason)
	}
	return o, nil
}

func tooManyObservations() error {
	return domain.Errorf(domain.ETooLarge, "an upload holds at most %d observations; split it into several requests", maxObservations)
}

// groupOf and periodOf return the constants for valid names without
// allocating, and anything else as is for domain.CheckObservation to refuse.
func groupOf[T string | []byte](s T) domain.Group {
	switch string(s) {
	case "pilot":
		return domain.GroupPilot
	case "control":
		return domain.GroupControl
	}
	return domain.Group(s)
}

func periodOf[T string | []byte](s T) domain.Period {
	switch string(s) {
	case "before":
		return domain.PeriodBefore
	case "after":
		return domain.PeriodAfter
	}
	return domain.Period(s)
}

// internBytes and internString share the string of a unit id between its
// rows, saving an allocation per row and, for CSV, not keeping each row's
// line alive.
func (r *ObservationReader) internBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := r.units[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(r.units) < maxInternedUnits {
		r.units[s] = s
	}
	return s
}

func (r *ObservationReader) internString(id string) string {
	if id == "" {
		return ""
	}
	if s, ok := r.units[id]; ok {
		return s
	}
	s := strings.Clone(id)
	if len(r.units) < maxInternedUnits {
		r.units[s] = s
	}
	return s
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// plainString reads a JSON string at b[i] that has no escapes, returning its
// contents and the index after its closing quote.
func plainString(b []byte, i int) (s []byte, end int, ok bool) {
	if i == len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return nil, i, false
		}
	}
	return nil, i, false
}

// jsonNumber returns the end of the JSON number at b[i].
func jsonNumber(b []byte, i int) (end int, ok bool) {
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i == len(b):
		return i, false
	case b[i] == '0':
		i++
	case !digits():
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return i, false
		}
	}
	return i, true
}
