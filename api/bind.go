package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// isTooLarge tells whether a body read stopped at the body limit (Echo's
// middleware or net/http's MaxBytesReader).
func isTooLarge(err error) bool {
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	return errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge || errors.As(err, &mbe)
}

// readBody reads the whole body and turns the body-limit error into ETooLarge.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		if isTooLarge(err) {
			return nil, domain.Errorf(domain.ETooLarge, "the request body is larger than the limit of this endpoint")
		}
		return nil, domain.Wrap(domain.EMalformed, err, "the request body could not be read")
	}
	return body, nil
}

// Request types describe their rules to the spec with binding: tags
// (required, max=200, min=1 ...), which swag reads; nothing here enforces
// them. The domain's Validate methods are the one place each rule is
// checked, so the API, the web pages and the demo loader cannot disagree.

// decodeStrict decodes one JSON value into dst, refusing unknown fields,
// repeated fields and trailing data: a typo in a field name must not
// silently do nothing, nor a second value silently win.
func decodeStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Errorf(domain.EMalformed, "the request body is empty; send a JSON object")
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD, storing
	// something other than what was sent.
	if !utf8.Valid(body) {
		return domain.Errorf(domain.EMalformed, "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Errorf(domain.EMalformed, "the request body holds more than one JSON value")
	}
	if ptr, ok := duplicateKey(body); ok {
		return &domain.Error{Code: domain.EMalformed, Message: "the request body gives a field more than once",
			Fields: []domain.FieldError{{Pointer: ptr, Detail: "is given more than once; send each field once"}}}
	}
	return checkShape(body, reflect.TypeOf(dst))
}

// duplicateKey finds a key given twice in one object of body and returns
// its JSON Pointer. encoding/json keeps the last of them, so
// {"role":"viewer","role":"admin"} would pass a check that reads the first
// and store the second. Keys compare as decoded: "rol\u0065" is "role".
//
// body must be one valid JSON value (decodeStrict has decoded it), so one
// pass over its bytes suffices: strings, and which of them are keys, are
// told apart by the delimiters alone. On a 1 MiB body of small objects
// (BenchmarkDuplicateKey), where decodeStrict takes 80–90 ms in all, a pass
// of json.Decoder.Token took 42 ms, this pass with a map of every key
// 10 ms, and as it is 1.2 ms.
func duplicateKey(body []byte) (pointer string, found bool) {
	type level struct {
		object  bool
		first   int             // where its keys (if an object) start in keys
		index   map[string]bool // in an object of many keys: all of them
		key     []byte          // in an object: the key of the value being read
		n       int             // in an array: the index of the value being read
		wantKey bool            // in an object: the next string is a key
	}
	// The keys of the open objects, outermost first: most objects have a
	// few keys, which a scan compares faster than a map finds them.
	const scanKeys = 16
	var keys [][]byte
	var stack []level
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{':
			stack = append(stack, level{object: true, first: len(keys), wantKey: true})
		case '[':
			stack = append(stack, level{first: len(keys)})
		case '}', ']':
			keys = keys[:stack[len(stack)-1].first]
			stack = stack[:len(stack)-1]
		case ',':
			if top := &stack[len(stack)-1]; top.object {
				top.wantKey = true
			} else {
				top.n++
			}
		case '"':
			end := i + 1
			for body[end] != '"' {
				if body[end] == '\\' {
					end++
				}
				end++
			}
			if len(stack) == 0 || !stack[len(stack)-1].wantKey {
				i = end
				continue
			}
			top := &stack[len(stack)-1]
			key := body[i+1 : end]
			if bytes.IndexByte(key, '\\') >= 0 {
				var s string
				_ = json.Unmarshal(body[i:end+1], &s) // a valid string: cannot fail
				key = []byte(s)
			}
			top.key, top.wantKey = key, false
			dup := top.index[string(key)]
			if top.index == nil {
				dup = slices.ContainsFunc(keys[top.first:], func(k []byte) bool { return bytes.Equal(k, key) })
			}
			if dup {
				var b strings.Builder
				for _, l := range stack {
					b.WriteByte('/')
					if l.object {
						b.WriteString(pointerEscaper.Replace(string(l.key)))
					} else {
						b.WriteString(strconv.Itoa(l.n))
					}
				}
				return b.String(), true
			}
			switch {
			case top.index != nil:
				top.index[string(key)] = true
			case len(keys)-top.first < scanKeys:
				keys = append(keys, key)
			default: // many keys: from now on a map
				top.index = map[string]bool{string(key): true}
				for _, k := range keys[top.first:] {
					top.index[string(k)] = true
				}
				keys = keys[:top.first]
			}
			i = end
		}
	}
	return "", false
}

// checkShape refuses what encoding/json lets through: a body of null, keys
// that match a field only when case is ignored (a merge patch looks its
// fields up by exact name, so {"Title": "x"} would answer 200 and change
// nothing), and strings holding U+0000, which PostgreSQL cannot store in
// text or jsonb.
func checkShape(body []byte, t reflect.Type) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return jsonProblem(err) // decoded once already; cannot happen
	}
	if v == nil {
		return domain.Errorf(domain.EMalformed, "the request body is null; send a JSON object")
	}
	var sc shapeCheck
	sc.walk(v, t, "")
	switch {
	case sc.unknown != nil:
		return &domain.Error{Code: domain.EMalformed, Message: "the request body has a field this endpoint does not know",
			Fields: []domain.FieldError{*sc.unknown}}
	case len(sc.invalid) > 0:
		return domain.Invalid(sc.invalid...)
	}
	return nil
}

type shapeCheck struct {
	unknown *domain.FieldError  // the first key that is not a field's exact name
	invalid []domain.FieldError // strings with U+0000
}

// walk checks the decoded value v against the Go type t it was decoded
// into (nil when unknown) at JSON Pointer ptr.
func (sc *shapeCheck) walk(v any, t reflect.Type, ptr string) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler)) {
		t = nil // decodes itself: only the strings are checked
	}
	switch v := v.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			sc.invalid = append(sc.invalid, domain.FieldError{Pointer: ptr, Detail: "must not contain the character U+0000"})
		}
	case []any:
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for n, item := range v {
			sc.walk(item, elem, ptr+"/"+strconv.Itoa(n))
		}
	case map[string]any:
		var fields map[string]reflect.Type
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			at := ptr + "/" + pointerEscaper.Replace(k)
			if fields != nil {
				ft, ok := fields[k]
				if !ok {
					if sc.unknown == nil {
						sc.unknown = &domain.FieldError{Pointer: at, Detail: "is not a field of this resource" + caseHint(fields, k)}
					}
					continue
				}
				elem = ft
			}
			if strings.ContainsRune(k, 0) {
				sc.invalid = append(sc.invalid, domain.FieldError{Pointer: at, Detail: "must not contain the character U+0000 in its name"})
			}
			sc.walk(v[k], elem, at)
		}
	}
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	pointerEscaper  = strings.NewReplacer("~", "~0", "/", "~1") // RFC 6901
)

// caseHint names the field a key matches when case is ignored.
func caseHint(fields map[string]reflect.Type, key string) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf(" (field names are case-sensitive: %q)", name)
		}
	}
	return ""
}

// jsonFields maps the JSON names of struct t's fields, as encoding/json
// sees them (embedded structs' fields promoted, the shallowest winning), to
// their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	depth := map[string]int{}
	for _, f := range reflect.VisibleFields(t) {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case tag == "-":
			continue
		case f.Anonymous && name == "" && ft.Kind() == reflect.Struct:
			continue // its fields are promoted: they are visible fields of t
		case !f.IsExported():
			continue
		case name == "":
			name = f.Name
		}
		if d, dup := depth[name]; dup && d <= len(f.Index) {
			continue
		}
		out[name], depth[name] = f.Type, len(f.Index)
	}
	return out
}

// jsonProblem names what is wrong with a body that does not decode.
func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return domain.Errorf(domain.EMalformed, "the request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typeErr):
		field := "/" + strings.ReplaceAll(typeErr.Field, ".", "/")
		return &domain.Error{Code: domain.EMalformed, Message: "a field has the wrong JSON type",
			Fields: []domain.FieldError{{Pointer: field, Detail: "must be " + jsonTypeName(typeErr.Type) + ", not " + typeErr.Value}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &domain.Error{Code: domain.EMalformed, Message: "the request body has a field this endpoint does not know",
			Fields: []domain.FieldError{{Pointer: "/" + name, Detail: "is not a field of this resource"}}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.EMalformed, "the request body is truncated JSON")
	}
	return domain.Wrap(domain.EMalformed, err, "the request body is not valid JSON")
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	}
	return "a number"
}

// bindCreate decodes a create request; malformed bodies fail here (400).
func bindCreate(c echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

// requirePresent refuses a body that leaves out a field the operation needs
// whole (PUT /scoring): 422 naming each one, in the order given.
func requirePresent(fields ...presence) error {
	var missing []domain.FieldError
	for _, f := range fields {
		if !f.present {
			missing = append(missing, domain.FieldError{Pointer: f.pointer, Detail: "is required"})
		}
	}
	if len(missing) > 0 {
		return domain.Invalid(missing...)
	}
	return nil
}

// presence is whether a body gave the field at pointer.
type presence struct {
	pointer string
	present bool
}

// mergePatch is a decoded JSON Merge Patch (RFC 7396): the fields present.
//
// The one contract of every PATCH, which a typed (generated) client can
// rely on: a field left out stays as it is; null clears a field that may be
// empty (setField: an optional text, list, date or target); null on a field
// that cannot be empty, because it is required or has no empty state (a
// name, a score, a boolean, a list that needs an item), is 422 naming the
// field (setRequired), never a silent clear. Each PATCH operation's
// description names its clearable fields.
type mergePatch map[string]json.RawMessage

// has reports whether the patch gives name, as a value or as null.
func (p mergePatch) has(name string) bool {
	_, ok := p[name]
	return ok
}

// isNull reports whether the patch gives name as null.
func (p mergePatch) isNull(name string) bool {
	v, ok := p[name]
	return ok && string(bytes.TrimSpace(v)) == "null"
}

// cannotClear is the detail of a null given for a field that cannot be
// cleared.
const cannotClear = "cannot be cleared; leave it out to keep it"

// refuseNull records a field error in fields for each of names the patch
// gives as null: fields that are changed by a value but never cleared.
func (p mergePatch) refuseNull(fields *[]domain.FieldError, names ...string) {
	for _, name := range names {
		if p.isNull(name) {
			*fields = append(*fields, domain.FieldError{Pointer: "/" + name, Detail: cannotClear})
		}
	}
}

// bindPatch decodes a merge patch into dst (a struct of pointer fields, for
// types and unknown-field checks) and returns which fields were present.
func bindPatch(c echo.Context, dst any) (mergePatch, error) {
	body, err := readBody(c)
	if err != nil {
		return nil, err
	}
	if err := decodeStrict(body, dst); err != nil {
		return nil, err
	}
	var present mergePatch
	if err := json.Unmarshal(body, &present); err != nil {
		return nil, domain.Errorf(domain.EMalformed, "a merge patch must be a JSON object")
	}
	return present, nil
}

// setField applies one merge-patch field that may be empty: absent leaves
// dst alone, null clears it to the zero value, a value replaces it.
func setField[T any](p mergePatch, name string, value *T, dst *T) {
	if !p.has(name) {
		return
	}
	if value == nil {
		var zero T
		*dst = zero
		return
	}
	*dst = *value
}

// setRequired applies one merge-patch field that cannot be cleared: absent
// leaves dst alone, a value replaces it, and null leaves it alone too and
// records in fields that it cannot be cleared, so the patch fails with 422
// naming it (with every other error found) and changes nothing.
func setRequired[T any](p mergePatch, fields *[]domain.FieldError, name string, value *T, dst *T) {
	switch {
	case !p.has(name):
	case value == nil:
		*fields = append(*fields, domain.FieldError{Pointer: "/" + name, Detail: cannotClear})
	default:
		*dst = *value
	}
}

// checkContentType answers 415 for bodies that are not JSON. PATCH also
// accepts application/merge-patch+json, the media type of RFC 7396.
func checkContentType(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodDelete || r.ContentLength == 0 || isBulk(c) {
			return next(c)
		}
		mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		if err == nil && (mt == echo.MIMEApplicationJSON || (r.Method == http.MethodPatch && mt == "application/merge-patch+json")) {
			return next(c)
		}
		return domain.Errorf(domain.EUnsupportedMedia, "send the body as Content-Type: application/json (PATCH also takes application/merge-patch+json)")
	}
}

// ifMatch reads the version a write is based on. Writes without it could
// silently overwrite someone else's change, so it is required.
func ifMatch(c echo.Context) (int, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		return 0, domain.Errorf(domain.EPreconditionRequired, "this write needs an If-Match header with the ETag of the version you read, e.g. If-Match: \"1\"")
	}
	v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(h, "W/"), `"`))
	if err != nil || v < 1 {
		return 0, &domain.Error{Code: domain.EMalformed, Message: "If-Match must be the ETag of a version, e.g. \"1\"",
			Fields: []domain.FieldError{{Parameter: "If-Match", Detail: "must be a quoted version number"}}}
	}
	return v, nil
}

// listQuery holds the query parameters of a list endpoint, checked once.
type listQuery struct {
	c      echo.Context
	fields []domain.FieldError
}

func (q *listQuery) fail(name, format string, args ...any) {
	q.fields = append(q.fields, domain.FieldError{Parameter: name, Detail: fmt.Sprintf(format, args...)})
}

// limit reads the page size.
func (q *listQuery) limit() int { return q.count("limit", domain.DefaultPageSize, domain.MaxPageSize) }

// count reads a whole number from 1 to most, def when absent.
func (q *listQuery) count(name string, def, most int) int {
	s := q.one(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		q.fail(name, "must be a whole number from 1 to %d", most)
		return def
	}
	return n
}

// page reads limit and cursor.
func (q *listQuery) page() domain.Page {
	p := domain.Page{Limit: q.limit()}
	var w wireCursor
	if q.cursor(&w, func() bool { return domain.IsID(w.ID) && !w.CreatedAt.IsZero() }) {
		p.After = &domain.Cursor{CreatedAt: w.CreatedAt, ID: w.ID}
	}
	return p
}

// cursor decodes the cursor parameter into w and reports whether one was
// given and complete; a bad one is recorded as a failure.
func (q *listQuery) cursor(w any, complete func() bool) bool {
	s := q.one("cursor")
	if s == "" {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, w)
	}
	if err != nil || !complete() {
		q.fail("cursor", "is not a cursor this API returned")
		return false
	}
	return true
}

// opaque encodes a cursor's wire form; nil stays nil (the last page).
func opaque[T any](w *T) *string {
	if w == nil {
		return nil
	}
	b, _ := json.Marshal(w) // cannot fail: plain fields
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

// The query's one rule for values: a filter takes several values, any of
// which matches, by repeating the parameter (status=new&status=planned) or,
// where no value can hold a comma (statuses, quadrants, channels, ids), by
// separating them with commas (status=new,planned). Every other parameter
// takes one value, and giving it twice is an error rather than a silent
// choice of one.

// one reads a parameter that takes one value; "" when absent.
func (q *listQuery) one(name string) string {
	vs := q.c.QueryParams()[name]
	if len(vs) > 1 {
		q.fail(name, "takes one value; it was given %d times", len(vs))
		return ""
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// list reads a filter of several values; split says whether a comma
// separates values. Empty values are skipped, as an absent parameter is:
// a form with a blank field sends owner= and means no owner filter.
func (q *listQuery) list(name string, split bool) []string {
	var out []string
	for _, v := range q.c.QueryParams()[name] {
		parts := []string{v}
		if split {
			parts = strings.Split(v, ",")
		}
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// enumParam reads an optional parameter that must be one of values.
func enumParam[T ~string](q *listQuery, name string, values []T) *T {
	s := q.one(name)
	if s == "" {
		return nil
	}
	v, ok := enumValue(q, name, s, values)
	if !ok {
		return nil
	}
	return &v
}

// enumList reads a filter of several values, each one of values.
func enumList[T ~string](q *listQuery, name string, values []T) []T {
	return enumsOf(q, name, q.list(name, true), values)
}

// enumsOf checks that every one of strs (parameter name's) is one of values.
func enumsOf[T ~string](q *listQuery, name string, strs []string, values []T) []T {
	var out []T
	for _, s := range strs {
		v, ok := enumValue(q, name, s, values)
		if !ok {
			return nil
		}
		out = append(out, v)
	}
	return out
}

func enumValue[T ~string](q *listQuery, name, s string, values []T) (T, bool) {
	if !slices.Contains(values, T(s)) {
		q.fail(name, "%q is not one of %s", s, joinEnums(values))
		return "", false
	}
	return T(s), true
}

func joinEnums[T ~string](values []T) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// Words a status filter of ideas takes besides the statuses.
const (
	statusOpen = "open" // new, under_review, planned, piloting
	statusAll  = "all"  // every status
)

// ideaStatuses reads the status filter of a view of ideas: the open ideas
// when absent (what a CX lead means by the backlog), every status for
// status=all, else the statuses given, where open stands for the four.
func ideaStatuses(q *listQuery) []domain.IdeaStatus {
	given := q.list("status", true)
	switch {
	case len(given) == 0:
		return domain.OpenIdeaStatuses
	case slices.Contains(given, statusAll):
		if len(given) > 1 {
			q.fail("status", "all means every status; give it alone")
		}
		return nil
	}
	var out []domain.IdeaStatus
	for _, s := range given {
		var add []domain.IdeaStatus
		switch {
		case s == statusOpen:
			add = domain.OpenIdeaStatuses
		case slices.Contains(domain.IdeaStatuses, domain.IdeaStatus(s)):
			add = []domain.IdeaStatus{domain.IdeaStatus(s)}
		default:
			q.fail("status", "%q is not one of open, all, %s", s, joinEnums(domain.IdeaStatuses))
			return nil
		}
		for _, st := range add {
			if !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
	}
	return out
}

// id reads an optional UUID parameter.
func (q *listQuery) id(name string) *string {
	s := strings.ToLower(q.one(name))
	if s == "" {
		return nil
	}
	if !domain.IsID(s) {
		q.fail(name, "must be a UUID")
		return nil
	}
	return &s
}

// ids reads a filter of several UUIDs.
func (q *listQuery) ids(name string) []string {
	var out []string
	for _, s := range q.list(name, true) {
		s = strings.ToLower(s)
		if !domain.IsID(s) {
			q.fail(name, "%q is not a UUID", s)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// text reads an optional free-text parameter of at most max characters.
func (q *listQuery) text(name string, max int) *string {
	s := q.one(name)
	if s == "" || !q.validText(name, s, max) {
		return nil
	}
	return &s
}

// texts reads a filter of several texts (which may hold commas, so only
// repeating the parameter gives several).
func (q *listQuery) texts(name string, max int) []string {
	out := q.list(name, false)
	for _, s := range out {
		if !q.validText(name, s, max) {
			return nil
		}
	}
	return out
}

// validText checks a text parameter. Invalid UTF-8 and U+0000 can match
// nothing stored, and PostgreSQL refuses them as parameters, so they are
// the client's mistake.
func (q *listQuery) validText(name, s string, max int) bool {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		q.fail(name, "must be UTF-8 text without the character U+0000")
		return false
	}
	if utf8.RuneCountInString(s) > max {
		q.fail(name, "must be at most %d characters", max)
		return false
	}
	return true
}

// err reports every bad parameter at once.
func (q *listQuery) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return &domain.Error{Code: domain.EMalformed, Message: "the query has invalid parameters", Fields: q.fields}
}

// wireCursor is the JSON inside an opaque cursor.
type wireCursor struct {
	CreatedAt time.Time `json:"t"`
	ID        string    `json:"i"`
}

func encodeCursor(c *domain.Cursor) *string {
	if c == nil {
		return nil
	}
	return opaque(&wireCursor{CreatedAt: c.CreatedAt, ID: c.ID})
}

// wireIdeaCursor is the JSON inside an idea list cursor: the sort it was made
// for and the last idea's values of every sort key.
type wireIdeaCursor struct {
	Sort             domain.IdeaSort `json:"s"`
	Priority         float64         `json:"p"`
	Title            string          `json:"n"`
	CreatedAt        time.Time       `json:"c"`
	UpdatedAt        time.Time       `json:"u"`
	ID               string          `json:"i"`
	NetValue         *float64        `json:"v,omitempty"`
	ContactsPerMonth float64         `json:"m,omitempty"`
	Rank             float64         `json:"r,omitempty"`
}

// ideaPage reads limit and an idea cursor, which must have been made for sort.
func (q *listQuery) ideaPage(sort domain.IdeaSort) (int, *domain.IdeaCursor) {
	limit := q.limit()
	var w wireIdeaCursor
	// A title with U+0000 was never stored, so no cursor holds one; sent to
	// PostgreSQL it would fail the query.
	if !q.cursor(&w, func() bool { return domain.IsID(w.ID) && !strings.ContainsRune(w.Title, 0) }) {
		return limit, nil
	}
	if w.Sort != sort {
		q.fail("cursor", "was made for sort %s; keep the same sort while paging", w.Sort)
		return limit, nil
	}
	c := domain.IdeaCursor(w)
	return limit, &c
}

func encodeIdeaCursor(c *domain.IdeaCursor) *string { return opaque((*wireIdeaCursor)(c)) }

// wireHistoryCursor is the JSON inside an idea history cursor: the number of
// the last change shown, counted within the idea, never a global row id
// (which every workspace's edits would advance).
type wireHistoryCursor struct {
	Seq int64 `json:"q"`
}

// historyPage reads limit and a history cursor: the change number to page
// below, 0 for the first page.
func (q *listQuery) historyPage() (limit int, beforeSeq int64) {
	limit = q.limit()
	var w wireHistoryCursor
	if q.cursor(&w, func() bool { return w.Seq > 0 }) {
		beforeSeq = w.Seq
	}
	return limit, beforeSeq
}

func encodeHistoryCursor(seq int64) *string { return opaque(&wireHistoryCursor{Seq: seq}) }

// pathID reads a UUID path parameter; anything else cannot name a resource,
// so it is answered like an unknown id.
func pathID(c echo.Context, kind string) (string, error) { return pathParamID(c, "id", kind) }

// pathParamID reads the UUID path parameter param naming a kind of resource.
// childPathIDs reads the path of a record under its parent: the parent's
// :id and the record's own param, either unknown being a 404.
func childPathIDs(c echo.Context, parentKind, param, kind string) (parentID, id string, err error) {
	if parentID, err = pathID(c, parentKind); err != nil {
		return "", "", err
	}
	if id, err = pathParamID(c, param, kind); err != nil {
		return "", "", err
	}
	return parentID, id, nil
}

func pathParamID(c echo.Context, param, kind string) (string, error) {
	id := strings.ToLower(c.Param(param))
	if !domain.IsID(id) {
		return "", domain.Errorf(domain.ENotFound, "no %s %s in this workspace", kind, id)
	}
	return id, nil
}

// optionalIfMatch reads If-Match when given (0 when absent): actions check
// the version only when the client asks them to.
func optionalIfMatch(c echo.Context) (int, error) {
	if c.Request().Header.Get("If-Match") == "" {
		return 0, nil
	}
	return ifMatch(c)
}

// parseDate reads an optional calendar date, recording a bad one under pointer.
func parseDate(fields *[]domain.FieldError, pointer string, s *string) *time.Time {
	if s == nil {
		return nil
	}
	t, err := time.Parse(dateLayout, *s)
	if err != nil {
		*fields = append(*fields, domain.FieldError{Pointer: pointer, Detail: "must be a date like 2026-09-01"})
		return nil
	}
	return &t
}

// withFields adds field errors found at the edge to a domain validation result.
func withFields(fields []domain.FieldError, err error) error {
	if len(fields) == 0 {
		return err
	}
	if err == nil {
		return domain.Invalid(fields...)
	}
	if de, ok := err.(*domain.Error); ok && de.Code == domain.EInvalid {
		return domain.Invalid(append(fields, de.Fields...)...)
	}
	return err
}
