package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"cxbacklog/domain"
)

// csvReadAhead is the buffer the CSV reader reads through.
const csvReadAhead = 4096

// columns are the columns a CSV upload's header may name.
type columns struct {
	names    []string // lower case, in the order they are checked
	required int      // names[:required] must be in the header
}

// list names the columns for a message: "the columns are a, b and
// optionally c".
func (c *columns) list() string {
	and := func(names []string) string {
		if len(names) == 1 {
			return names[0]
		}
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	s := "the columns are " + and(c.names[:c.required])
	if c.required < len(c.names) {
		s += " and optionally " + and(c.names[c.required:])
	}
	return s
}

// table reads a CSV upload: a header naming columns, then one record per
// row. It is the one CSV reader of the package, so that every CSV upload
// takes the same byte order mark, blank lines, quoting and line length, and
// names a bad row by the same physical line.
type table struct {
	cols  *columns
	csv   *csv.Reader
	limit *lineLimitReader
	// index holds the position in a record of each of cols.names, -1 for
	// a column the header does not name; nil until the header is read.
	index []int
}

func newTable(body io.Reader, cols *columns) *table {
	limit := &lineLimitReader{r: body, limit: maxLine}
	br := bufio.NewReaderSize(limit, csvReadAhead)
	skipBOM(br)
	r := csv.NewReader(br) // reads through br; FieldsPerRecord 0 makes the header's width binding
	r.ReuseRecord = true
	return &table{cols: cols, csv: r, limit: limit}
}

// skipBOM drops a UTF-8 byte order mark, which spreadsheet exports put first.
func skipBOM(br *bufio.Reader) {
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
}

// header reads the header and maps its columns, named in any order and
// case; io.EOF for a body without one.
func (t *table) header() error {
	rec, err := t.csv.Read()
	if err != nil {
		return t.error(err, rec)
	}
	line, _ := t.csv.FieldPos(0)
	names := t.cols.names
	index := make([]int, len(names))
	for c := range index {
		index[c] = -1
	}
	for n, name := range rec {
		c := slices.Index(names, strings.ToLower(strings.TrimSpace(name)))
		switch {
		case c < 0:
			return rowError(line, "", fmt.Sprintf("the header names an unknown column %s; %s", domain.QuoteInput(name), t.cols.list()))
		case index[c] >= 0:
			return rowError(line, names[c], fmt.Sprintf("the header names the column %s twice", names[c]))
		}
		index[c] = n
	}
	for c, name := range names[:t.cols.required] {
		if index[c] < 0 {
			return rowError(line, name, fmt.Sprintf("the header lacks the column %s; %s", name, t.cols.list()))
		}
	}
	t.index = index
	return nil
}

// next returns the next record and the physical line it starts on, io.EOF
// after the last one, or a row error. The record is overwritten by the next
// call.
func (t *table) next() (rec []string, line int, err error) {
	rec, err = t.csv.Read()
	if err != nil {
		return nil, 0, t.error(err, rec)
	}
	line, _ = t.csv.FieldPos(0)
	return rec, line, nil
}

// error turns an error of csv.Reader.Read into an upload error.
func (t *table) error(err error, rec []string) error {
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, errLineTooLong):
		return rowError(t.limit.lines+1, "", fmt.Sprintf("the line is longer than %d bytes", maxLine))
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
		return rowError(pe.Line, "", fmt.Sprintf("the row has %d fields but the header has %d", len(rec), t.csv.FieldsPerRecord))
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

// Rows are the values an import read, in the order of their rows.
type Rows[T any] struct {
	Items []T
	lines []int // the physical line of each item
}

// readRows reads a CSV import of cols: the header, then one item per row,
// parsed by parse, which names the first field at fault on its line. More
// than most rows are ETooLarge, none is EInvalid; a failure to read the
// body is the body's own *domain.Error or EMalformed.
func readRows[T any](body io.Reader, cols *columns, most int, parse func(rec []string, index []int, line int) (*T, error)) (*Rows[T], error) {
	t := newTable(body, cols)
	err := t.header()
	out := &Rows[T]{}
	for err == nil {
		var rec []string
		var line int
		if rec, line, err = t.next(); err != nil {
			break
		}
		if len(out.Items) == most {
			return nil, domain.Errorf(domain.ETooLarge, "an import holds at most %d rows; split it", most)
		}
		item, err := parse(rec, t.index, line)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, *item)
		out.lines = append(out.lines, line)
	}
	if err != io.EOF {
		return nil, err
	}
	if len(out.Items) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "the import holds no rows")
	}
	return out, nil
}

// Locate rewrites the Line of err's field errors from a 1-based position in
// r.Items, as the domain and the store name an item they refuse, to the
// physical line of that item's row, and says so in the message. It
// returns err.
func (r *Rows[T]) Locate(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		for n, f := range de.Fields {
			if f.Line >= 1 && f.Line <= len(r.lines) {
				de.Fields[n].Line = r.lines[f.Line-1]
				if n == 0 {
					de.Message = "line " + strconv.Itoa(de.Fields[n].Line) + ": " + de.Message
				}
			}
		}
	}
	return err
}
