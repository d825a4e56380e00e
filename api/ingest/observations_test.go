package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"cxbacklog/domain"
)

// readObservations reads every observation of body, stopping at the first
// error.
func readObservations(t testing.TB, body io.Reader, mediaType string, kind domain.MetricKind) ([]domain.Observation, error) {
	t.Helper()
	r, err := Observations(body, mediaType, kind)
	if err != nil {
		return nil, err
	}
	var out []domain.Observation
	for {
		o, err := r.Next()
		if err == io.EOF {
			if r.Rows() != len(out) {
				t.Fatalf("Rows() = %d, returned %d", r.Rows(), len(out))
			}
			return out, nil
		}
		if err != nil {
			if again, _ := r.Next(); again != (domain.Observation{}) {
				t.Fatalf("Next after an error returned %+v", again)
			}
			if _, again := r.Next(); again != err {
				t.Fatalf("Next after %v returned %v", err, again)
			}
			return out, err
		}
		out = append(out, o)
	}
}

func obs(g domain.Group, p domain.Period, v float64, unit string) domain.Observation {
	return domain.Observation{Group: g, Period: p, Value: v, UnitID: unit}
}

const (
	pilot   = domain.GroupPilot
	control = domain.GroupControl
	before  = domain.PeriodBefore
	after   = domain.PeriodAfter
)

// readerCase is one upload: either the observations it yields or the error
// it ends with.
type readerCase struct {
	name string
	kind domain.MetricKind // mean if empty
	body string
	want []domain.Observation // read before the error, if any

	code    domain.ErrorCode // "" when the upload is fine
	line    int              // of the row error; 0 for an error without fields
	pointer string
	detail  string // a substring of the field error's detail, or of the message
}

func runReaderCases(t *testing.T, mediaType string, tests []readerCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind := tt.kind
			if kind == "" {
				kind = domain.KindMean
			}
			got, err := readObservations(t, strings.NewReader(tt.body), mediaType, kind)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d observations %+v (err %v), want %d", len(got), got, err, len(tt.want))
			}
			for n := range got {
				if got[n] != tt.want[n] {
					t.Errorf("observation %d = %+v, want %+v", n, got[n], tt.want[n])
				}
			}
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			checkUploadError(t, err, tt.code, tt.line, tt.pointer, tt.detail)
		})
	}
}

func checkUploadError(t *testing.T, err error, code domain.ErrorCode, line int, pointer, detail string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	if line == 0 {
		if len(de.Fields) != 0 || !strings.Contains(de.Message, detail) {
			t.Fatalf("error = %+v, want no fields and a message containing %q", de, detail)
		}
		return
	}
	if len(de.Fields) != 1 {
		t.Fatalf("fields = %+v, want one", de.Fields)
	}
	f := de.Fields[0]
	if f.Line != line || f.Pointer != pointer || !strings.Contains(f.Detail, detail) {
		t.Fatalf("field error = %+v, want line %d, pointer %q, detail containing %q", f, line, pointer, detail)
	}
	if want := fmt.Sprintf("line %d: %s", line, f.Detail); de.Message != want {
		t.Fatalf("message = %q, want %q", de.Message, want)
	}
}

func TestObservationReaderNDJSON(t *testing.T) {
	row := `{"group":"pilot","period":"before","value":1}`
	long := strings.Repeat("x", maxLine)
	tests := []readerCase{
		{name: "rows with and without unit ids",
			body: `{"group":"pilot","period":"before","value":312.5,"unit_id":"agent-17"}` + "\n" +
				`{"group":"control","period":"after","value":-1}` + "\n" +
				`{"value":3e2,"period":"after","group":"pilot","unit_id":null}` + "\n" +
				`{"group":"control","period":"before","value":0,"unit_id":""}`,
			want: []domain.Observation{obs(pilot, before, 312.5, "agent-17"), obs(control, after, -1, ""), obs(pilot, after, 300, ""), obs(control, before, 0, "")}},
		{name: "CRLF, blank lines and white space",
			body: "\r\n  \t\r\n" + ` { "group" : "pilot" , "period":"after",` + "\t" + `"value" : 2 } ` + "\r\n\n" + row + "\r\n",
			want: []domain.Observation{obs(pilot, after, 2, ""), obs(pilot, before, 1, "")}},
		{name: "byte order mark", body: "\xef\xbb\xbf" + row + "\n", want: []domain.Observation{obs(pilot, before, 1, "")}},
		{name: "escapes and unicode",
			body: `{"group":"pil\u006ft","period":"before","value":1,"unit_id":"a\"b\\c-ñ-日本"}`,
			want: []domain.Observation{obs(pilot, before, 1, `a"b\c-ñ-日本`)}},
		{name: "proportion", kind: domain.KindProportion,
			body: row + "\n" + `{"group":"pilot","period":"before","value":0}` + "\n" + `{"group":"pilot","period":"before","value":0.5}`,
			want: []domain.Observation{obs(pilot, before, 1, ""), obs(pilot, before, 0, "")},
			code: domain.EInvalid, line: 3, pointer: "/value", detail: "value must be 0 or 1 for a proportion metric, not 0.5"},
		{name: "nps", kind: domain.KindNPS,
			body: `{"group":"pilot","period":"before","value":10}` + "\n" + `{"group":"pilot","period":"before","value":0}` + "\n\n" + `{"group":"pilot","period":"before","value":11}`,
			want: []domain.Observation{obs(pilot, before, 10, ""), obs(pilot, before, 0, "")},
			code: domain.EInvalid, line: 4, pointer: "/value", detail: "whole number from 0 to 10"},
		{name: "nps fraction", kind: domain.KindNPS, body: `{"group":"pilot","period":"before","value":7.5}`,
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "not 7.5"},
		{name: "count", kind: domain.KindCount,
			body: `{"group":"pilot","period":"before","value":3}` + "\n" + `{"group":"pilot","period":"before","value":-1}`,
			want: []domain.Observation{obs(pilot, before, 3, "")},
			code: domain.EInvalid, line: 2, pointer: "/value", detail: "whole number from 0 to 1000000000"},
		{name: "mean takes any value up to the magnitude limit", body: `{"group":"pilot","period":"before","value":-1.5e12}` + "\n" +
			`{"group":"pilot","period":"before","value":-1e12}`,
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "value must be between -1e+12 and 1e+12, not -1.5e+12"},
		{name: "mean at the magnitude limit", body: `{"group":"pilot","period":"before","value":-1e12}`,
			want: []domain.Observation{obs(pilot, before, -1e12, "")}},
		{name: "bad group", body: row + "\n" + row + "\n" + `{"group":"Pilot","period":"before","value":1}`,
			want: []domain.Observation{obs(pilot, before, 1, ""), obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 3, pointer: "/group", detail: `group must be one of pilot, control, not "Pilot"`},
		{name: "missing group", body: `{"period":"before","value":1}`,
			code: domain.EInvalid, line: 1, pointer: "/group", detail: "group is required"},
		{name: "group as number", body: `{"group":1,"period":"before","value":1}`,
			code: domain.EInvalid, line: 1, pointer: "/group", detail: "group must be a JSON string, not number"},
		{name: "bad period", body: "\n" + `{"group":"pilot","period":"during","value":1}`,
			code: domain.EInvalid, line: 2, pointer: "/period", detail: `not "during"`},
		{name: "unit id too long", body: `{"group":"pilot","period":"before","value":1,"unit_id":"` + strings.Repeat("é", 101) + `"}`,
			code: domain.EInvalid, line: 1, pointer: "/unit_id", detail: "at most 100 characters"},
		{name: "unit id with an escaped control character", body: `{"group":"pilot","period":"before","value":1,"unit_id":"a\u0001"}`,
			code: domain.EInvalid, line: 1, pointer: "/unit_id", detail: "control characters"},
		{name: "unit id as number", body: `{"group":"pilot","period":"before","value":1,"unit_id":17}`,
			code: domain.EInvalid, line: 1, pointer: "/unit_id", detail: "unit_id must be a JSON string, not number"},
		{name: "unknown field", body: row + "\n" + `{"group":"pilot","period":"before","value":1,"extra":true}`,
			want: []domain.Observation{obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 2, pointer: "/extra", detail: `unknown field "extra"`},
		{name: "field spelt in another case", body: `{"Group":"pilot","period":"before","value":1}`,
			code: domain.EInvalid, line: 1, pointer: "/Group", detail: `unknown field "Group"`},
		{name: "field given twice", body: `{"group":"pilot","period":"before","value":1,"value":0}`,
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "value is given more than once"},
		{name: "field given twice, once escaped", body: row + "\n" + `{"group":"pilot","period":"before","value":1,"valu\u0065":0}`,
			want: []domain.Observation{obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 2, pointer: "/value", detail: "value is given more than once"},
		{name: "field given twice with one value", body: `{"group":"pilot","group":"pilot","period":"before","value":1}`,
			code: domain.EInvalid, line: 1, pointer: "/group", detail: "group is given more than once"},
		{name: "unit id given twice, once null", body: `{"group":"pilot","period":"before","value":1,"unit_id":"a","unit_id":null}`,
			code: domain.EInvalid, line: 1, pointer: "/unit_id", detail: "unit_id is given more than once"},
		{name: "value as string", body: `{"group":"pilot","period":"before","value":"12"}`,
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "value must be a JSON number, not string"},
		{name: "value as bool", body: `{"group":"pilot","period":"before","value":true}`,
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "not bool"},
		{name: "missing value", body: `{"group":"pilot","period":"before"}`,
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "value is required"},
		{name: "null value", body: `{"group":"pilot","period":"before","value":null}`,
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "value is required"},
		{name: "bad group before missing value", body: `{"group":"x","period":"before"}`,
			code: domain.EInvalid, line: 1, pointer: "/group", detail: "group must be one of"},
		{name: "value out of range", body: `{"group":"pilot","period":"before","value":1e400}`,
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "value must be a finite number"},
		{name: "NaN", body: `{"group":"pilot","period":"before","value":NaN}`,
			code: domain.EInvalid, line: 1, pointer: "", detail: "not a JSON object: invalid character 'N'"},
		{name: "Infinity", body: `{"group":"pilot","period":"before","value":Infinity}`,
			code: domain.EInvalid, line: 1, pointer: "", detail: "not a JSON object"},
		{name: "leading zero", body: `{"group":"pilot","period":"before","value":01}`,
			code: domain.EInvalid, line: 1, pointer: "", detail: "not a JSON object"},
		{name: "invalid UTF-8", body: row + "\n" + `{"group":"pilot","period":"before","value":1,"unit_id":"a` + "\xff" + `"}`,
			want: []domain.Observation{obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 2, pointer: "", detail: "the line is not valid UTF-8"},
		{name: "array", body: `[1,2]`, code: domain.EInvalid, line: 1, pointer: "", detail: "not a JSON object"},
		{name: "string", body: `"pilot"`, code: domain.EInvalid, line: 1, pointer: "", detail: "not a JSON object"},
		{name: "garbage after the object", body: `{"group":"pilot","period":"before","value":1} x`, code: domain.EInvalid, line: 1, pointer: "", detail: "goes on after"},
		{name: "truncated", body: `{"group":"pilot"`, code: domain.EInvalid, line: 1, pointer: "", detail: "the line ends inside the object"},
		{name: "object across lines", body: "{\"group\":\"pilot\",\n\"period\":\"before\",\"value\":1}", code: domain.EInvalid, line: 1, pointer: ""},
		{name: "two objects on a line", body: row + " " + row, code: domain.EInvalid, line: 1, pointer: "", detail: "the line goes on after the object"},
		{name: "line at the limit", body: `{"group":"pilot","period":"before","value":1,"unit_id":"` + long[:maxLine-58] + `"}` + "\n",
			code: domain.EInvalid, line: 1, pointer: "/unit_id", detail: "at most 100 characters"},
		{name: "line over the limit", body: row + "\n" + `{"group":"pilot","period":"before","value":1,"unit_id":"` + long + `"}`,
			want: []domain.Observation{obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 2, pointer: "", detail: "the line is longer than 65536 bytes"},
		{name: "empty", body: "", code: domain.EInvalid, detail: "the upload holds no observations"},
		{name: "only blank lines", body: "\n \r\n\t\n", code: domain.EInvalid, detail: "the upload holds no observations"},
	}
	runReaderCases(t, "application/x-ndjson", tests)
}

func TestObservationReaderCSV(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	tests := []readerCase{
		{name: "rows with and without unit ids",
			body: "group,period,value,unit_id\npilot,before,312.5,agent-17\ncontrol,after,-1,\npilot,after,+3e2,\"agent, 7\"\n",
			want: []domain.Observation{obs(pilot, before, 312.5, "agent-17"), obs(control, after, -1, ""), obs(pilot, after, 300, "agent, 7")}},
		{name: "header in another order, case and spacing",
			body: " Value ,GROUP,period\n1,pilot,after\n.5,control,before\n2.,pilot,before",
			want: []domain.Observation{obs(pilot, after, 1, ""), obs(control, before, 0.5, ""), obs(pilot, before, 2, "")}},
		{name: "CRLF and blank lines",
			body: "group,period,value\r\n\r\npilot,before,1\r\n\r\ncontrol,after,2\r\n",
			want: []domain.Observation{obs(pilot, before, 1, ""), obs(control, after, 2, "")}},
		{name: "byte order mark", body: "\xef\xbb\xbfgroup,period,value\npilot,before,1\n",
			want: []domain.Observation{obs(pilot, before, 1, "")}},
		{name: "quoted fields", body: "\"group\",\"period\",\"value\"\n\"pilot\",\"before\",\"1e1\"\n",
			want: []domain.Observation{obs(pilot, before, 10, "")}},
		{name: "line numbers count blank lines",
			body: "group,period,value\n\npilot,before,1\n\npilot,before,x\n",
			want: []domain.Observation{obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 5, pointer: "/value", detail: `not "x"`},
		{name: "a row across lines is named by its first",
			body: "group,period,value,unit_id\n\"pilot\",before,1,a\npilot,before,1,\"a\nb\"\n",
			want: []domain.Observation{obs(pilot, before, 1, "a")},
			code: domain.EInvalid, line: 3, pointer: "/unit_id", detail: "control characters"},
		{name: "proportion", kind: domain.KindProportion, body: "group,period,value\npilot,before,1\npilot,before,0\npilot,before,0.5\n",
			want: []domain.Observation{obs(pilot, before, 1, ""), obs(pilot, before, 0, "")},
			code: domain.EInvalid, line: 4, pointer: "/value", detail: "value must be 0 or 1 for a proportion metric, not 0.5"},
		{name: "nps", kind: domain.KindNPS, body: "group,period,value\npilot,before,10\npilot,before,-1\n",
			want: []domain.Observation{obs(pilot, before, 10, "")},
			code: domain.EInvalid, line: 3, pointer: "/value", detail: "whole number from 0 to 10"},
		{name: "count", kind: domain.KindCount, body: "group,period,value\npilot,before,1000000000\npilot,before,1.5\n",
			want: []domain.Observation{obs(pilot, before, 1e9, "")},
			code: domain.EInvalid, line: 3, pointer: "/value", detail: "not 1.5"},
		{name: "bad group", body: "group,period,value\npilot,before,1\ncontrl,after,1\n",
			want: []domain.Observation{obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 3, pointer: "/group", detail: `not "contrl"`},
		{name: "bad period", body: "period,group,value\nafter ,pilot,1\n",
			code: domain.EInvalid, line: 2, pointer: "/period", detail: `not "after "`},
		{name: "bad unit id", body: "group,period,value,unit_id\npilot,before,1," + strings.Repeat("u", 101) + "\n",
			code: domain.EInvalid, line: 2, pointer: "/unit_id", detail: "at most 100 characters"},
		{name: "invalid UTF-8 unit id", body: "group,period,value,unit_id\npilot,before,1,a\xffb\n",
			code: domain.EInvalid, line: 2, pointer: "/unit_id", detail: "valid UTF-8"},
		{name: "invalid UTF-8 group", body: "group,period,value\npil\xffot,before,1\n",
			code: domain.EInvalid, line: 2, pointer: "/group", detail: `not "pil\xffot"`},
		{name: "empty value", body: "group,period,value\npilot,before,\n",
			code: domain.EInvalid, line: 2, pointer: "/value", detail: "value is required"},
		{name: "bad group before bad value", body: "group,period,value\nx,before,y\n",
			code: domain.EInvalid, line: 2, pointer: "/group", detail: "group must be one of"},
		{name: "value out of range", body: "group,period,value\npilot,before,-1e400\n",
			code: domain.EInvalid, line: 2, pointer: "/value", detail: "value must be a finite number"},
		{name: "unknown field", body: "group,period,value,agent\npilot,before,1,a\n",
			code: domain.EInvalid, line: 1, pointer: "", detail: `unknown column "agent"`},
		{name: "duplicate column", body: "group,period,value,Group\n",
			code: domain.EInvalid, line: 1, pointer: "/group", detail: "names the column group twice"},
		{name: "missing column", body: "group,period,unit_id\npilot,before,a\n",
			code: domain.EInvalid, line: 1, pointer: "/value", detail: "lacks the column value"},
		{name: "too few fields", body: "group,period,value\npilot,before,1\npilot,before\n",
			want: []domain.Observation{obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 3, pointer: "", detail: "the row has 2 fields but the header has 3"},
		{name: "too many fields", body: "group,period,value\npilot,before,1,x\n",
			code: domain.EInvalid, line: 2, pointer: "", detail: "the row has 4 fields"},
		{name: "bare quote", body: "group,period,value\npilot,before,1\npilot,bef\"ore,1\n",
			want: []domain.Observation{obs(pilot, before, 1, "")},
			code: domain.EInvalid, line: 3, pointer: "", detail: "not valid CSV: bare \""},
		{name: "unterminated quote", body: "group,period,value\npilot,before,\"1\n\n",
			code: domain.EInvalid, line: 3, pointer: "", detail: "not valid CSV"},
		{name: "line over the limit", body: "group,period,value,unit_id\npilot,before,1,a\npilot,before,1," + long + "\n",
			want: []domain.Observation{obs(pilot, before, 1, "a")},
			code: domain.EInvalid, line: 3, pointer: "", detail: "the line is longer than 65536 bytes"},
		{name: "header only", body: "group,period,value\r\n", code: domain.EInvalid, detail: "the upload holds no observations"},
		{name: "empty", body: "", code: domain.EInvalid, detail: "the upload holds no observations"},
	}
	for _, bad := range []string{"NaN", "nan", "Inf", "+Inf", "-Infinity", "infinity", "0x1p3", "1_000", "1,5", " 1", "1 ", "1e", "e5", ".", "-", "1.2.3", "１"} {
		tests = append(tests, readerCase{name: "value " + bad, body: "group,period,value\n\"pilot\",before,\"" + bad + "\"\n",
			code: domain.EInvalid, line: 2, pointer: "/value", detail: "value must be a number such as 12, -0.5 or 3e2"})
	}
	runReaderCases(t, "text/csv", tests)
}

// TestObservationReaderCSVBlankLines checks that blank lines, which
// csv.Reader skips, do not count towards the length of the line after them,
// while a long line is refused wherever it is, with its own line number.
func TestObservationReaderCSVBlankLines(t *testing.T) {
	const blank = 100_000
	rows := "pilot,before,1\ncontrol,after,2\n"
	two := []domain.Observation{obs(pilot, before, 1, ""), obs(control, after, 2, "")}
	// row is a line of exactly n bytes naming a unit id.
	row := func(n int) string { return "pilot,before,1," + strings.Repeat("u", n-len("pilot,before,1,")) }
	header := "group,period,value,unit_id\n"
	tests := []readerCase{
		{name: "LF blank lines after the header", body: "group,period,value\n" + strings.Repeat("\n", blank) + rows, want: two},
		{name: "CRLF blank lines after the header", body: "group,period,value\r\n" + strings.Repeat("\r\n", blank) + rows, want: two},
		{name: "blank lines before the header and between rows",
			body: strings.Repeat("\n", blank) + "group,period,value\n" + strings.Repeat("\r\n", blank) + "pilot,before,1\n" + strings.Repeat("\n", blank) + "control,after,2\n",
			want: two},
		{name: "blank lines at the end", body: "group,period,value\n" + rows + strings.Repeat("\r\n", blank), want: two},
		{name: "LF blank lines before a long line",
			body: header + strings.Repeat("\n", blank) + "pilot,before,1,a\n" + row(100<<10) + "\n",
			want: []domain.Observation{obs(pilot, before, 1, "a")},
			code: domain.EInvalid, line: 1 + blank + 2, pointer: "", detail: "the line is longer than 65536 bytes"},
		{name: "CRLF blank lines before a long line",
			body: header + strings.Repeat("\r\n", blank) + "pilot,before,1,a\r\n" + row(100<<10) + "\r\n",
			want: []domain.Observation{obs(pilot, before, 1, "a")},
			code: domain.EInvalid, line: 1 + blank + 2, pointer: "", detail: "the line is longer than 65536 bytes"},
		{name: "long line without a line break", body: header + strings.Repeat("\n", blank) + row(maxLine+1),
			code: domain.EInvalid, line: 1 + blank + 1, pointer: "", detail: "the line is longer than 65536 bytes"},
		// The limit is exact: a line at it is read (and refused for its unit id).
		{name: "line at the limit", body: header + row(maxLine) + "\n",
			code: domain.EInvalid, line: 2, pointer: "/unit_id", detail: "at most 100 characters"},
		{name: "line one byte over the limit", body: header + row(maxLine+1) + "\n",
			code: domain.EInvalid, line: 2, pointer: "", detail: "the line is longer than 65536 bytes"},
		// Line breaks inside quotes are the record's, which csv.Reader holds
		// whole: they count, so that quoted line breaks cannot fill memory.
		{name: "quoted line breaks count", body: header + `pilot,before,1,"` + strings.Repeat("\n", blank) + "\"\n",
			code: domain.EInvalid, line: 2 + maxLine - len(`pilot,before,1,"`), pointer: "", detail: "the line is longer than 65536 bytes"},
		{name: "blank lines after escaped quotes", body: header + `pilot,before,1,"a""b"` + "\n" + strings.Repeat("\n", blank) + "pilot,before,1,c\n",
			want: []domain.Observation{obs(pilot, before, 1, `a"b`), obs(pilot, before, 1, "c")}},
	}
	runReaderCases(t, "text/csv", tests)
}

func TestObservationReaderLimit(t *testing.T) {
	defer func(n int) { maxObservations = n }(maxObservations)
	maxObservations = 3
	ndjson := strings.Repeat(`{"group":"pilot","period":"before","value":1}`+"\n\n", 3)
	csv := "group,period,value\n" + strings.Repeat("pilot,before,1\n", 3)
	for _, tt := range []struct{ mediaType, body, extra string }{
		{"application/x-ndjson", ndjson, `{"group":"pilot","period":"before","value":1}`},
		{"text/csv", csv, "pilot,before,1\n"},
	} {
		t.Run(tt.mediaType, func(t *testing.T) {
			if got, err := readObservations(t, strings.NewReader(tt.body), tt.mediaType, domain.KindMean); err != nil || len(got) != 3 {
				t.Fatalf("at the limit: %d observations, %v", len(got), err)
			}
			got, err := readObservations(t, strings.NewReader(tt.body+tt.extra), tt.mediaType, domain.KindMean)
			if len(got) != 3 {
				t.Fatalf("over the limit: %d observations before the error", len(got))
			}
			checkUploadError(t, err, domain.ETooLarge, 0, "", "an upload holds at most 3 observations; split it into several requests")
		})
	}
}

func TestObservationReaderMediaType(t *testing.T) {
	body := "group,period,value\npilot,before,1\n"
	for _, mt := range []string{"text/csv", "TEXT/CSV", "text/csv; charset=utf-8", "text/csv;charset=\"UTF-8\"", "text/csv; header=present"} {
		if got, err := readObservations(t, strings.NewReader(body), mt, domain.KindMean); err != nil || len(got) != 1 {
			t.Errorf("%q: %d observations, %v", mt, len(got), err)
		}
	}
	if got, err := readObservations(t, strings.NewReader(`{"group":"pilot","period":"before","value":1}`), "application/x-ndjson; charset=utf-8", domain.KindMean); err != nil || len(got) != 1 {
		t.Errorf("ndjson: %d observations, %v", len(got), err)
	}
	for _, mt := range []string{"", "application/json", "application/jsonl", "application/ndjson", "text/plain", "text/csv; charset=latin1", "text/csv;;", "multipart/form-data; boundary=x"} {
		_, err := Observations(strings.NewReader(body), mt, domain.KindMean)
		if domain.ErrorCodeOf(err) != domain.EUnsupportedMedia || !strings.Contains(err.Error(), "application/x-ndjson") || !strings.Contains(err.Error(), "text/csv") {
			t.Errorf("%q: error = %v, want EUnsupportedMedia naming both types", mt, err)
		}
	}
	if _, err := Observations(strings.NewReader(body), "text/csv", "median"); domain.ErrorCodeOf(err) != domain.EInternal {
		t.Errorf("unknown kind: error = %v, want EInternal", err)
	}
}

// TestObservationReaderBodyErrors checks that a body that fails with a
// *domain.Error (as the API's request body does past the body limit) fails
// the upload with it, and with EMalformed otherwise.
func TestObservationReaderBodyErrors(t *testing.T) {
	row := `{"group":"pilot","period":"before","value":1}` + "\n"
	tooLarge := domain.Errorf(domain.ETooLarge, "the request body is larger than the limit of this endpoint")
	for _, mt := range []string{"application/x-ndjson", "text/csv"} {
		prefix := row
		if mt == "text/csv" {
			prefix = "group,period,value\npilot,before,1\n"
		}
		for _, tt := range []struct {
			err  error
			code domain.ErrorCode
		}{
			{errors.New("connection reset"), domain.EMalformed},
			{tooLarge, domain.ETooLarge},
			{fmt.Errorf("reading: %w", tooLarge), domain.ETooLarge},
		} {
			body := io.MultiReader(strings.NewReader(prefix), iotest.ErrReader(tt.err))
			got, err := readObservations(t, body, mt, domain.KindMean)
			if len(got) != 1 || domain.ErrorCodeOf(err) != tt.code {
				t.Errorf("%s, %v: %d observations, error %v; want 1 and %s", mt, tt.err, len(got), err, tt.code)
			}
		}
	}
}

// rowSource is an endless body of valid rows, made as it is read.
type rowSource struct {
	csv  bool
	rows int // left; the body ends after them
	buf  []byte
	n    int
	read int64
}

func (s *rowSource) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) && s.rows > 0 {
		g, per := "pilot", "before"
		if s.n%2 == 1 {
			g = "control"
		}
		if s.n%3 == 1 {
			per = "after"
		}
		if s.csv {
			if s.n == 0 {
				s.buf = append(s.buf, "group,period,value,unit_id\n"...)
			}
			s.buf = fmt.Appendf(s.buf, "%s,%s,%d.5,agent-%d\n", g, per, 100+s.n%400, s.n%500)
		} else {
			s.buf = fmt.Appendf(s.buf, `{"group":%q,"period":%q,"value":%d.5,"unit_id":"agent-%d"}`+"\n", g, per, 100+s.n%400, s.n%500)
		}
		s.n++
		s.rows--
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	s.read += int64(n)
	return n, nil
}

func TestObservationReaderStreams(t *testing.T) {
	for _, csv := range []bool{false, true} {
		src := &rowSource{csv: csv, rows: 1_000_000}
		mt := "application/x-ndjson"
		if csv {
			mt = "text/csv"
		}
		r, err := Observations(src, mt, domain.KindMean)
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		if src.read > 2*maxLine {
			t.Errorf("%s: read %d bytes of the body for 10 rows", mt, src.read)
		}
	}
}

// TestObservationReaderFastPath checks that the hand-written decoder agrees
// with encoding/json on every line it accepts, and leaves the rest to it.
func TestObservationReaderFastPath(t *testing.T) {
	lines := []struct {
		line string
		fast bool
	}{
		{`{"group":"pilot","period":"before","value":1}`, true},
		{` { "unit_id" : "a b" , "value" : -0.5e-3 , "period" : "after" , "group" : "control" } `, true},
		{`{"group":"pilot","period":"before","value":1,"unit_id":null}`, true},
		{`{"group":"x","period":"y","value":-0}`, true},
		{`{"group":"pilot","period":"before","value":1E+2}`, true},
		{`{"value":1}`, true},
		{`{"group":"pilot","period":"before"}`, false},
		{`{"group":"pilot","period":"before","value":1e400}`, false},
		{`{"group":"pilot","period":"before","value":01}`, false},
		{`{"group":"pilot","period":"before","value":1.}`, false},
		{`{"group":"pilot","period":"before","value":-}`, false},
		{`{"group":"pilot","period":"before","value":1,}`, false},
		{`{"group":"pilot","period":"before","value":1}x`, false},
		{`{"group":"pilot","period":"before","value":1,"value":2}`, false},
		{`{"group":"pilot","period":"before","value":1,"unit_id":nullx}`, false},
		{`{"group":"pilot","period":"before","value":1,"unit_id":"a\u0041"}`, false},
		{`{"Group":"pilot","period":"before","value":1}`, false},
		{`{"group":null,"period":"before","value":1}`, false},
		{`{"group":"pilot" "period":"before","value":1}`, false},
		{`{}`, false},
		{`{`, false},
	}
	r := &ObservationReader{kind: domain.KindMean, units: map[string]string{}}
	for _, tt := range lines {
		fast, ok := r.fastNDJSON([]byte(tt.line))
		if ok != tt.fast {
			t.Errorf("%s: fast path ok = %v, want %v", tt.line, ok, tt.fast)
		}
		if !ok {
			continue
		}
		slow, field, reason := r.slowNDJSON([]byte(tt.line))
		if reason != "" || slow != fast {
			t.Errorf("%s: fast %+v, slow %+v (%s %s)", tt.line, fast, slow, field, reason)
		}
	}
}

func TestObservationReaderAllocations(t *testing.T) {
	body, _ := io.ReadAll(&rowSource{rows: 10_000})
	allocs := testing.AllocsPerRun(5, func() {
		if got, err := countObservations(bytes.NewReader(body), "application/x-ndjson"); err != nil || got != 10_000 {
			t.Fatalf("%d observations, %v", got, err)
		}
	})
	// The reader's buffer and the interned unit ids; nothing per row.
	if allocs > 1_000 {
		t.Errorf("%v allocations for 10000 rows", allocs)
	}
}

func countObservations(body io.Reader, mediaType string) (int, error) {
	r, err := Observations(body, mediaType, domain.KindMean)
	if err != nil {
		return 0, err
	}
	for {
		if _, err := r.Next(); err == io.EOF {
			return r.Rows(), nil
		} else if err != nil {
			return r.Rows(), err
		}
	}
}

func benchmarkObservationReader(b *testing.B, csv bool, mediaType string) {
	const rows = 100_000
	body, _ := io.ReadAll(&rowSource{csv: csv, rows: rows})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := countObservations(bytes.NewReader(body), mediaType); err != nil || n != rows {
			b.Fatalf("%d observations, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}

func BenchmarkObservationReaderNDJSON(b *testing.B) {
	benchmarkObservationReader(b, false, "application/x-ndjson")
}

func BenchmarkObservationReaderCSV(b *testing.B) { benchmarkObservationReader(b, true, "text/csv") }

// fuzzObservationReader reads body to its end and checks the reader's
// promises: no panic, only upload errors, only valid observations, and an
// end.
func fuzzObservationReader(t *testing.T, body []byte, mediaType string, k uint8) {
	kind := domain.MetricKinds[int(k)%len(domain.MetricKinds)]
	r, err := Observations(bytes.NewReader(body), mediaType, kind)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; ; n++ {
		if n > len(body)+1 {
			t.Fatalf("%d observations from %d bytes", n, len(body))
		}
		o, err := r.Next()
		if err == io.EOF {
			if r.Rows() == 0 {
				t.Fatal("io.EOF for an upload without observations")
			}
			return
		}
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) {
				t.Fatalf("%T %v is not a *domain.Error", err, err)
			}
			switch de.Code {
			case domain.EInvalid, domain.ETooLarge, domain.EMalformed:
			default:
				t.Fatalf("error %v has code %s", err, de.Code)
			}
			for _, f := range de.Fields {
				if f.Line < 1 || de.Message != fmt.Sprintf("line %d: %s", f.Line, f.Detail) {
					t.Fatalf("field error %+v does not match the message %q", f, de.Message)
				}
			}
			if _, again := r.Next(); again != err {
				t.Fatalf("Next after %v returned %v", err, again)
			}
			return
		}
		if field, reason := domain.CheckObservation(kind, o); reason != "" {
			t.Fatalf("observation %+v is invalid: %s %s", o, field, reason)
		}
		if r.Rows() != n+1 {
			t.Fatalf("Rows() = %d after %d observations", r.Rows(), n+1)
		}
	}
}

func FuzzObservationReaderNDJSON(f *testing.F) {
	for _, s := range []string{
		`{"group":"pilot","period":"before","value":312.5,"unit_id":"agent-17"}` + "\n" + `{"group":"control","period":"after","value":1}`,
		"\xef\xbb\xbf\r\n" + `{ "value" : 1e2 , "period" : "after", "group" : "pilot", "unit_id": null }` + "\r\n\n",
		`{"group":"pil\u006ft","period":"before","value":-0,"unit_id":"a\"\u00e9"}`,
		`{"group":"pilot","period":"before","value":"1"}`,
		`{"group":"pilot","period":"before","value":1,"Value":2}`,
		`{"group":"pilot","period":"before","value":1e999}`,
		`{"group":"pilot","period":"before","value":NaN}`,
		`{"group":"pilot","period":"before","value":10,"unit_id":"` + "\xff" + `"}`,
		`{"group":"pilot","period":"before"}` + "\n" + `[1]`,
		`{"group":"pilot","period":"before","value":1}{}`,
		"\n\n \t\n",
		"",
	} {
		for k := range uint8(4) {
			f.Add([]byte(s), k)
		}
	}
	defer func(n int) { maxObservations = n }(maxObservations)
	maxObservations = 20
	f.Fuzz(func(t *testing.T, body []byte, k uint8) {
		fuzzObservationReader(t, body, "application/x-ndjson", k)
		// Every line the fast path decodes, encoding/json decodes alike.
		r := &ObservationReader{kind: domain.KindMean, units: map[string]string{}}
		for line := range bytes.SplitSeq(body, []byte("\n")) {
			if !utf8.Valid(line) {
				continue
			}
			fast, ok := r.fastNDJSON(line)
			if !ok {
				continue
			}
			slow, field, reason := r.slowNDJSON(line)
			if reason != "" || slow != fast {
				t.Fatalf("%q: fast %+v, slow %+v (%s %s)", line, fast, slow, field, reason)
			}
		}
	})
}

func FuzzObservationReaderCSV(f *testing.F) {
	for _, s := range []string{
		"group,period,value,unit_id\npilot,before,312.5,agent-17\ncontrol,after,1,\n",
		"\xef\xbb\xbf Value ,GROUP,period\r\n1,pilot,after\r\n\r\n",
		"group,period,value\n\"pilot\",\"before\",\"1e1\"\n",
		"group,period,value,unit_id\npilot,before,1,\"a\nb\"\n",
		"group,period,value\npilot,before,NaN\npilot,before,0x1p3\n",
		"group,period,value\npilot,bef\"ore,1\n",
		"group,period,value\npilot,before\n",
		"group,period,value,group\n",
		"group,period\n",
		"group,period,value\n",
		"",
	} {
		for k := range uint8(4) {
			f.Add([]byte(s), k)
		}
	}
	defer func(n int) { maxObservations = n }(maxObservations)
	maxObservations = 20
	f.Fuzz(func(t *testing.T, body []byte, k uint8) {
		fuzzObservationReader(t, body, "text/csv", k)
	})
}
