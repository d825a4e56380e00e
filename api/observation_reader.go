package api

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// MaxObservationsPerRequest bounds one upload.
const MaxObservationsPerRequest = 1_000_000

// maxObservations is MaxObservationsPerRequest; tests lower it.
var maxObservations = MaxObservationsPerRequest

// Media types of an observation upload.
const (
	mediaNDJSON = "application/x-ndjson"
	mediaCSV    = "text/csv"
)

const (
	// maxObservationLine bounds one line of an upload, in bytes without its
	// line break; a real row is well under 200.
	maxObservationLine = 64 << 10
	// csvReadAhead is the buffer the CSV reader reads through.
	csvReadAhead = 4096
	// maxInternedUnits bounds the unit ids shared between rows.
	maxInternedUnits = 1 << 14
)

// observationFields are the fields of a row, in the order they are checked.
var observationFields = []string{"group", "period", "value", "unit_id"}

// observationReader streams raw observations out of an upload body, NDJSON
// or CSV, one validated row at a time; it holds one line in memory, never
// the whole body.
type observationReader struct {
	kind  domain.MetricKind
	rows  int   // observations returned
	line  int   // physical line of the last row read (NDJSON)
	err   error // sticky: once a row fails, so does every later call
	units map[string]string

	// NDJSON
	lines *bufio.Reader

	// CSV
	csv     *csv.Reader
	limit   *lineLimitReader
	columns [4]int // index of each of observationFields; -1 for an absent unit_id
	header  bool   // read
}

// newObservationReader picks the format from the media type, which may carry
// parameters (a charset must be UTF-8): application/x-ndjson or text/csv.
func newObservationReader(body io.Reader, mediaType string, kind domain.MetricKind) (*observationReader, error) {
	if _, ok := domain.ParseMetricKind(string(kind)); !ok {
		return nil, domain.Wrap(domain.EInternal, fmt.Errorf("observation reader: unknown metric kind %q", kind), "internal error")
	}
	mt, params, err := mime.ParseMediaType(mediaType)
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		err = errors.New("charset")
	}
	r := &observationReader{kind: kind, units: map[string]string{}}
	switch {
	case err != nil:
	case mt == mediaNDJSON:
		r.lines = bufio.NewReaderSize(body, maxObservationLine+1)
		skipBOM(r.lines)
		return r, nil
	case mt == mediaCSV:
		r.limit = &lineLimitReader{r: body, limit: maxObservationLine}
		br := bufio.NewReaderSize(r.limit, csvReadAhead)
		skipBOM(br)
		r.csv = csv.NewReader(br) // reads through br; FieldsPerRecord 0 makes the header's width binding
		r.csv.ReuseRecord = true
		return r, nil
	}
	return nil, domain.Errorf(domain.EUnsupportedMedia,
		"send the observations as Content-Type: %s (one JSON object per line) or %s (with a header row), in UTF-8", mediaNDJSON, mediaCSV)
}

// skipBOM drops a UTF-8 byte order mark, which spreadsheet exports put first.
func skipBOM(br *bufio.Reader) {
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
}

// Next returns the next valid observation, io.EOF after the last one, or a
// *domain.Error: EInvalid naming the line and field of a bad row (or for an
// upload without observations), ETooLarge past maxObservations rows or the
// body limit, EMalformed when the body cannot be read.
func (r *observationReader) Next() (domain.Observation, error) {
	if r.err != nil {
		return domain.Observation{}, r.err
	}
	var o domain.Observation
	var err error
	if r.csv != nil {
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
func (r *observationReader) Rows() int { return r.rows }

func (r *observationReader) nextNDJSON() (domain.Observation, error) {
	for {
		line, err := r.lines.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			return domain.Observation{}, rowError(r.line+1, "", fmt.Sprintf("the line is longer than %d bytes", maxObservationLine))
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
func (r *observationReader) parseNDJSON(line []byte) (o domain.Observation, field, reason string) {
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
func (r *observationReader) fastNDJSON(b []byte) (o domain.Observation, ok bool) {
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
func (r *observationReader) slowNDJSON(b []byte) (o domain.Observation, field, reason string) {
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
	if field, reason := checkKeys(b); reason != "" {
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

// checkKeys finds a key of an already decoded line that is not spelt as in
// observationFields (encoding/json matches keys case-insensitively) or that
// is repeated (encoding/json keeps the last).
func checkKeys(b []byte) (field, reason string) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return "", ""
	}
	var seen [4]bool
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return "", ""
		}
		n := slices.Index(observationFields, key)
		if n < 0 {
			return unknownField(key)
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
	reason = fmt.Sprintf("unknown field %s; the fields are group, period, value and unit_id", quoteInput(name))
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

func (r *observationReader) nextCSV() (domain.Observation, error) {
	if !r.header {
		if err := r.readHeader(); err != nil {
			return domain.Observation{}, err
		}
	}
	rec, err := r.csv.Read()
	if err != nil {
		return domain.Observation{}, r.csvError(err, rec)
	}
	line, _ := r.csv.FieldPos(0)
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
		field, reason = valueProblem(r.kind, o, "value must be a number such as 12, -0.5 or 3e2, not "+quoteInput(s))
	} else {
		o.Value = v
		field, reason = domain.CheckObservation(r.kind, o)
	}
	if reason != "" {
		return domain.Observation{}, rowError(line, field, reason)
	}
	return o, nil
}

// readHeader maps the header's columns, named in any order and case.
func (r *observationReader) readHeader() error {
	rec, err := r.csv.Read()
	if err != nil {
		return r.csvError(err, rec)
	}
	line, _ := r.csv.FieldPos(0)
	r.columns = [4]int{-1, -1, -1, -1}
	for n, name := range rec {
		c := slices.Index(observationFields, strings.ToLower(strings.TrimSpace(name)))
		switch {
		case c < 0:
			return rowError(line, "", fmt.Sprintf("the header names an unknown column %s; the columns are group, period, value and optionally unit_id", quoteInput(name)))
		case r.columns[c] >= 0:
			return rowError(line, observationFields[c], fmt.Sprintf("the header names the column %s twice", observationFields[c]))
		}
		r.columns[c] = n
	}
	for c, name := range observationFields[:3] {
		if r.columns[c] < 0 {
			return rowError(line, name, fmt.Sprintf("the header lacks the column %s; the columns are group, period, value and optionally unit_id", name))
		}
	}
	r.header = true
	return nil
}

// csvError turns an error of csv.Reader.Read into an upload error.
func (r *observationReader) csvError(err error, rec []string) error {
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, errLineTooLong):
		return rowError(r.limit.lines+1, "", fmt.Sprintf("the line is longer than %d bytes", maxObservationLine))
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
		return rowError(pe.Line, "", fmt.Sprintf("the row has %d fields but the header has %d", len(rec), r.csv.FieldsPerRecord))
	case errors.As(err, &pe):
		return rowError(pe.Line, "", "not valid CSV: "+pe.Err.Error())
	}
	return readError(err)
}

var errLineTooLong = errors.New("line too long")

// lineLimitReader stops the body at the first CSV line longer than limit
// bytes (its line break not counted), so that a body without line breaks
// cannot fill csv.Reader's memory; it counts the line breaks it passes on.
//
// It measures lines itself rather than the bytes csv.Reader takes for a
// record: csv.Reader skips blank lines inside one Read, so 77,000 of them
// before a row once added up to a "line" longer than the limit. A line
// break ends a line only outside quotes: inside a quoted field the record
// goes on, is held whole by csv.Reader, and so counts whole, its line
// breaks included. Quotes are matched by parity, which is exact for CSV
// that csv.Reader accepts ("" inside a field toggles twice); a stray quote
// is refused by csv.Reader on its own line.
type lineLimitReader struct {
	r       io.Reader
	limit   int
	run     int  // bytes of the current line so far (of the record, across quoted line breaks)
	quoted  bool // inside a quoted field
	lines   int  // line breaks passed on
	tooLong bool // sticky: the bytes passed on end inside a line over limit
}

func (l *lineLimitReader) Read(p []byte) (int, error) {
	if l.tooLong {
		return 0, errLineTooLong
	}
	n, err := l.r.Read(p)
	if l.unquoted(p[:n]) {
		return n, err
	}
	// Otherwise line by line with IndexByte and Count, which are
	// vectorised, rather than byte by byte: every byte of up to 256 MiB
	// passes here.
	for i := 0; i < n; {
		end := n
		if j := bytes.IndexByte(p[i:n], '\n'); j >= 0 {
			end = i + j
		}
		if l.run+end-i > l.limit {
			// Pass on what fits, so that csv.Reader asks for more inside
			// this line and the error names it.
			return l.stop(i + l.limit - l.run)
		}
		l.run += end - i
		if bytes.Count(p[i:end], []byte{'"'})%2 == 1 {
			l.quoted = !l.quoted
		}
		if end == n {
			break
		}
		if l.quoted {
			if l.run == l.limit {
				return l.stop(end)
			}
			l.run++
		} else {
			l.run = 0
		}
		l.lines++
		i = end + 1
	}
	return n, err
}

// unquoted accounts for b, and reports true, in the usual case of a read
// outside quotes and without any, no longer than limit and so without a
// whole line over it: only the line it continues and the line it starts
// need measuring. On rows of 33 bytes the loop in Read takes 20 ns a row,
// this 2.
func (l *lineLimitReader) unquoted(b []byte) bool {
	if l.quoted || len(b) > l.limit || bytes.IndexByte(b, '"') >= 0 {
		return false
	}
	first := bytes.IndexByte(b, '\n')
	if first < 0 {
		first = len(b)
	}
	if l.run+first > l.limit {
		return false // Read stops it
	}
	if first == len(b) {
		l.run += len(b)
		return true
	}
	l.lines += bytes.Count(b[first:], []byte{'\n'})
	l.run = len(b) - bytes.LastIndexByte(b, '\n') - 1
	return true
}

// stop passes on the first n bytes of the last read and fails every later
// read.
func (l *lineLimitReader) stop(n int) (int, error) {
	l.tooLong = true
	if n == 0 {
		return 0, errLineTooLong
	}
	return n, nil
}

// rowError is the error of a bad row: line and reason in the message, and
// one field error naming the field by JSON Pointer ("" for the whole row).
func rowError(line int, field, reason string) *domain.Error {
	pointer := ""
	if field != "" {
		pointer = "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(field)
	}
	return &domain.Error{
		Code:    domain.EInvalid,
		Message: fmt.Sprintf("line %d: %s", line, reason),
		Fields:  []domain.FieldError{{Pointer: pointer, Line: line, Detail: reason}},
	}
}

func tooManyObservations() error {
	return domain.Errorf(domain.ETooLarge, "an upload holds at most %d observations; split it into several requests", maxObservations)
}

// readError turns a failed read of the body into ETooLarge (over the body
// limit) or EMalformed.
func readError(err error) error {
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	if (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) || errors.As(err, &mbe) {
		return domain.Errorf(domain.ETooLarge, "the request body is larger than the limit of this endpoint")
	}
	return domain.Wrap(domain.EMalformed, err, "the request body could not be read")
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
func (r *observationReader) internBytes(b []byte) string {
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

func (r *observationReader) internString(id string) string {
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

// maxQuoted bounds how much of a client's bad input is echoed in a reason.
const maxQuoted = 40

// quoteInput quotes s for a message, escaping control characters and invalid
// UTF-8 and cutting it to maxQuoted characters.
func quoteInput(s string) string {
	n := 0
	for i := range s {
		if n == maxQuoted {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
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

// parseDecimal reads a CSV value in plain decimal or exponent notation,
// optionally signed: not NaN, Inf, hex floats or digit separators, which
// strconv.ParseFloat would take. A value beyond ±1.8e308 comes back infinite,
// for domain.CheckObservation to refuse.
func parseDecimal(s string) (float64, bool) {
	i, digits := 0, 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == start {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}
