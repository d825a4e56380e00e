package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"cxbacklog/api"
)

// feedbackBody is a create body at touchpoint tp received on day d of
// October 2026, with extra fields (",\"score\":2" ...) appended.
func feedbackBody(tp, source, text string, d int, extra string) string {
	return fmt.Sprintf(`{"touchpoint_id":%q,"source":%q,"text":%q,"received_at":"2026-10-%02dT09:30:00Z"%s}`, tp, source, text, d, extra)
}

func (e *env) createFeedback(body string) api.Feedback {
	e.t.Helper()
	var f api.Feedback
	e.do(http.MethodPost, "/api/v1/feedback", e.editor, body).want(e.t, http.StatusCreated).json(e.t, &f)
	return f
}

// feedbackList answers one page of GET /feedback?query.
func (e *env) feedbackList(t *testing.T, query string) api.FeedbackList {
	t.Helper()
	var l api.FeedbackList
	e.do(http.MethodGet, "/api/v1/feedback?"+query, e.viewer, nil).want(t, http.StatusOK).json(t, &l)
	return l
}

// feedbackTexts follows every page of GET /feedback?query and returns the
// texts in order.
func (e *env) feedbackTexts(t *testing.T, query string) []string {
	t.Helper()
	var out []string
	for _, id := range e.pageAll(t, "/api/v1/feedback", query) {
		var f api.Feedback
		e.do(http.MethodGet, "/api/v1/feedback/"+id, e.viewer, nil).want(t, http.StatusOK).json(t, &f)
		out = append(out, f.Text)
	}
	return out
}

func TestFeedbackCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Calling about a bill", "Call")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	invoice := e.touchpoint(j, "Invoice", "email", "Billing")

	body := feedbackBody(invoice.ID, "complaint", "Third month my invoice arrives late", 1,
		`,"score":2,"score_min":1,"score_max":5,"customer_ref":"case-4711","language":"english"`)
	res := e.do(http.MethodPost, "/api/v1/feedback", e.editor, body, "Idempotency-Key", "fb-1").want(t, http.StatusCreated)
	var f api.Feedback
	res.json(t, &f)
	if res.Header.Get("Location") != "/api/v1/feedback/"+f.ID || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("Location %q, ETag %q", res.Header.Get("Location"), res.Header.Get("ETag"))
	}
	if f.TouchpointID != invoice.ID || f.Source != "complaint" || f.Text != "Third month my invoice arrives late" || *f.Score != 2 ||
		*f.ScoreMin != 1 || *f.ScoreMax != 5 || *f.CustomerRef != "case-4711" || f.Language != "english" || f.Version != 1 ||
		f.ReceivedAt.Format("2006-01-02T15:04:05Z07:00") != "2026-10-01T09:30:00Z" || f.Rank != nil {
		t.Fatalf("created %+v", f)
	}
	again := e.do(http.MethodPost, "/api/v1/feedback", e.editor, body, "Idempotency-Key", "fb-1").want(t, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(res.Body) {
		t.Fatalf("retry not replayed: %s", again.Body)
	}
	// The optional fields left out: no score, no customer_ref at all, english.
	res = e.do(http.MethodPost, "/api/v1/feedback", e.editor, feedbackBody(queue.ID, "survey", "Waited forty minutes on hold", 2, "")).
		want(t, http.StatusCreated)
	var bare api.Feedback
	res.json(t, &bare)
	if bare.Score != nil || bare.ScoreMin != nil || bare.ScoreMax != nil || bare.CustomerRef != nil || bare.Language != "english" ||
		strings.Contains(string(res.Body), "customer_ref") || !strings.Contains(string(res.Body), `"score":null`) {
		t.Fatalf("bare item: %s", res.Body)
	}
	// Stemmed in german; null for the optional fields is the same as leaving them out.
	german := e.createFeedback(feedbackBody(invoice.ID, "review", "Die Rechnungen kommen immer zu spät", 3,
		`,"language":"german","customer_ref":null,"score":null`))
	note := e.createFeedback(feedbackBody(queue.ID, "agent_note", "Caller asked twice where the invoice is", 4, `,"score":9,"score_min":0,"score_max":10`))

	res = e.do(http.MethodGet, "/api/v1/feedback/"+f.ID, e.viewer, nil).want(t, http.StatusOK)
	var got api.Feedback
	res.json(t, &got)
	if got.ID != f.ID || got.Text != f.Text || res.Header.Get("ETag") != `"1"` || got.Rank != nil {
		t.Fatalf("GET %+v, ETag %s", got, res.Header.Get("ETag"))
	}

	all := []string{note.Text, german.Text, bare.Text, f.Text} // newest received first
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", all},
		{"touchpoint_id=" + queue.ID, []string{note.Text, bare.Text}},
		{"touchpoint_id=" + strings.ToUpper(queue.ID) + "," + invoice.ID, all},
		{"source=complaint,review", []string{german.Text, f.Text}},
		{"source=complaint&source=agent_note", []string{note.Text, f.Text}},
		{"received_from=2026-10-02&received_to=2026-10-03", []string{german.Text, bare.Text}},
		{"received_from=2026-10-02T09:30:00Z&received_to=2026-10-03T09:29:59Z", []string{bare.Text}},
		{"received_from=" + url.QueryEscape("2026-10-02T11:30:00+02:00"), []string{note.Text, german.Text, bare.Text}},
		// Full text: stemmed, in the query's language, web search syntax.
		{"q=invoices", []string{note.Text, f.Text}},
		{"q=invoices&language=simple", nil},
		{"q=rechnung&language=german", []string{german.Text}},
		{"q=invoice+-caller", []string{f.Text}},
		{"q=" + url.QueryEscape(`"invoice arrives"`), []string{f.Text}},
		{"q=" + url.QueryEscape(`"arrives invoice"`), nil},
		{"q=invoice&touchpoint_id=" + invoice.ID, []string{f.Text}},
		{"q=+&source=survey", []string{bare.Text}}, // a blank search searches nothing
	} {
		if got := e.feedbackTexts(t, c.query+"&limit=1"); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.query, got, c.want)
		}
	}
	// With q, each item carries its rank; without, none.
	withQ := e.feedbackList(t, "q=invoice")
	if len(withQ.Items) != 2 || withQ.Items[0].Rank == nil || *withQ.Items[0].Rank <= 0 || withQ.Items[1].Rank == nil {
		t.Fatalf("ranks with q: %+v", withQ.Items)
	}
	raw := e.do(http.MethodGet, "/api/v1/feedback", e.viewer, nil).want(t, http.StatusOK)
	if strings.Contains(string(raw.Body), `"rank"`) {
		t.Fatalf("a list without q has ranks: %s", raw.Body)
	}
	// By relevance, page by page: the text saying it twice first.
	twice := e.createFeedback(feedbackBody(invoice.ID, "social", "invoice late, invoice wrong", 1, ""))
	if got := e.feedbackTexts(t, "q=invoice&sort=relevance&limit=1"); !slices.Equal(got, []string{twice.Text, note.Text, f.Text}) {
		t.Fatalf("by relevance: %q", got)
	}
	first := e.feedbackList(t, "q=invoice&sort=relevance&limit=1")
	if *first.Items[0].Rank != 0.2 || first.NextCursor == nil {
		t.Fatalf("first page %+v: rank %v, want 0.2 (ts_rank_cd, as a float4 writes it)", first, *first.Items[0].Rank)
	}

	// Merge patch: a value, null clearing the score with its scale, null
	// clearing the reference.
	res = e.do(http.MethodPatch, "/api/v1/feedback/"+f.ID, e.editor,
		`{"text":"Fourth month my invoice arrives late","score":null,"customer_ref":null,"source":"survey"}`, "If-Match", `"1"`).want(t, http.StatusOK)
	got = api.Feedback{} // json leaves what the answer leaves out
	res.json(t, &got)
	if got.Text != "Fourth month my invoice arrives late" || got.Score != nil || got.ScoreMin != nil || got.ScoreMax != nil ||
		got.CustomerRef != nil || got.Source != "survey" || got.Version != 2 || res.Header.Get("ETag") != `"2"` || got.TouchpointID != invoice.ID {
		t.Fatalf("patched %s", res.Body)
	}
	// A new scale with a score, another touchpoint, another language.
	res = e.do(http.MethodPatch, "/api/v1/feedback/"+f.ID, e.editor, `{"score":8,"score_min":0,"score_max":10,"touchpoint_id":"`+
		queue.ID+`","language":"simple","received_at":"2026-10-09T10:00:00+02:00"}`, "Content-Type", "application/merge-patch+json", "If-Match", `"2"`).want(t, http.StatusOK)
	res.json(t, &got)
	if *got.Score != 8 || *got.ScoreMax != 10 || got.TouchpointID != queue.ID || got.Language != "simple" || got.Version != 3 ||
		got.ReceivedAt.UTC().Format("2006-01-02T15:04") != "2026-10-09T08:00" {
		t.Fatalf("patched again %+v", got)
	}
	if got := e.feedbackTexts(t, "q=month&language=simple"); !slices.Equal(got, []string{"Fourth month my invoice arrives late"}) {
		t.Fatalf("search after the patch: %q", got)
	}

	e.do(http.MethodDelete, "/api/v1/feedback/"+f.ID, e.editor, nil, "If-Match", `"3"`).want(t, http.StatusNoContent)
	e.do(http.MethodGet, "/api/v1/feedback/"+f.ID, e.viewer, nil).problem(t, http.StatusNotFound)
	// A touchpoint that feedback is about cannot be deleted.
	p := e.do(http.MethodDelete, "/api/v1/touchpoints/"+queue.ID, e.editor, nil, "If-Match", `"1"`).problem(t, http.StatusConflict)
	if !strings.Contains(p.Detail, "feedback") {
		t.Fatalf("the conflict does not say why: %s", p.Detail)
	}
}

func TestFeedbackErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Calling about a bill", "Call")
	tp := e.touchpoint(j, "Invoice", "email", "Billing")
	var oj api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.other, `{"name":"Theirs","stages":[{"name":"S"}]}`).want(t, http.StatusCreated).json(t, &oj)
	var otp api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", e.other, fmt.Sprintf(`{"journey_id":%q,"stage_id":%q,"name":"Theirs","channel":"web"}`, oj.ID, oj.Stages[0].ID)).
		want(t, http.StatusCreated).json(t, &otp)
	f := e.createFeedback(feedbackBody(tp.ID, "complaint", "Late invoice", 1, `,"score":2,"score_min":1,"score_max":5`))
	one := "/api/v1/feedback/" + f.ID
	create := func(extra string) string { return feedbackBody(tp.ID, "survey", "Fine", 1, extra) }
	e.createFeedback(feedbackBody(tp.ID, "survey", "Late again", 2, ""))
	newestCursor := e.feedbackList(t, "limit=1&q=late").NextCursor // made for the newest-first order
	if newestCursor == nil {
		t.Fatal("no second page")
	}

	for _, c := range []struct {
		name, method, path, token, body, ifMatch string
		status                                   int
		field                                    string
	}{
		{"unknown list parameter", "GET", "/api/v1/feedback?text=late", e.viewer, "", "", 400, "text"},
		{"language not offered", "GET", "/api/v1/feedback?q=late&language=klingon", e.viewer, "", "", 400, "language"},
		{"language given twice", "GET", "/api/v1/feedback?q=late&language=english&language=german", e.viewer, "", "", 400, "language"},
		{"unknown sort", "GET", "/api/v1/feedback?sort=received_at", e.viewer, "", "", 400, "sort"},
		{"relevance without q", "GET", "/api/v1/feedback?sort=relevance", e.viewer, "", "", 400, "sort"},
		{"unknown source", "GET", "/api/v1/feedback?source=survey,letter", e.viewer, "", "", 400, "source"},
		{"bad touchpoint filter", "GET", "/api/v1/feedback?touchpoint_id=nope", e.viewer, "", "", 400, "touchpoint_id"},
		{"bad received_from", "GET", "/api/v1/feedback?received_from=yesterday", e.viewer, "", "", 400, "received_from"},
		{"to before from", "GET", "/api/v1/feedback?received_from=2026-10-02&received_to=2026-10-01", e.viewer, "", "", 400, "received_to"},
		{"bad cursor", "GET", "/api/v1/feedback?cursor=abc", e.viewer, "", "", 400, "cursor"},
		{"cursor of another sort", "GET", "/api/v1/feedback?q=late&sort=relevance&cursor=" + *newestCursor, e.viewer, "", "", 400, "cursor"},
		{"q too long", "GET", "/api/v1/feedback?q=" + strings.Repeat("a", 1001), e.viewer, "", "", 400, "q"},
		{"limit on one", "GET", one + "?limit=1", e.viewer, "", "", 400, "limit"},
		{"query on import", "POST", "/api/v1/feedback/import?mode=upsert", e.editor, "", "", 400, "mode"},
		{"unknown field", "POST", "/api/v1/feedback", e.editor, create(`,"rating":3`), "", 400, "/rating"},
		{"repeated field", "POST", "/api/v1/feedback", e.editor, create(`,"text":"again"`), "", 400, "/text"},
		{"score as text", "POST", "/api/v1/feedback", e.editor, create(`,"score":"2"`), "", 400, "/score"},
		{"malformed If-Match", "PATCH", one, e.editor, `{"text":"x"}`, "one", 400, "If-Match"},

		{"viewer creates", "POST", "/api/v1/feedback", e.viewer, create(""), "", 403, ""},
		{"viewer patches", "PATCH", one, e.viewer, `{"text":"x"}`, `"1"`, 403, ""},
		{"viewer deletes", "DELETE", one, e.viewer, "", `"1"`, 403, ""},
		{"viewer imports", "POST", "/api/v1/feedback/import", e.viewer, create(""), "", 403, ""},

		{"other workspace gets", "GET", one, e.other, "", "", 404, ""},
		{"other workspace patches", "PATCH", one, e.other, `{"text":"x"}`, `"1"`, 404, ""},
		{"other workspace deletes", "DELETE", one, e.other, "", `"1"`, 404, ""},
		{"unknown id", "GET", "/api/v1/feedback/00000000-0000-4000-8000-000000000000", e.viewer, "", "", 404, ""},
		{"not an id", "GET", "/api/v1/feedback/import", e.viewer, "", "", 404, ""},

		{"stale patch", "PATCH", one, e.editor, `{"text":"x"}`, `"2"`, 412, ""},
		{"stale delete", "DELETE", one, e.editor, "", `"2"`, 412, ""},

		{"touchpoint not a UUID", "POST", "/api/v1/feedback", e.editor, feedbackBody("nope", "survey", "x", 1, ""), "", 422, "/touchpoint_id"},
		{"their touchpoint", "POST", "/api/v1/feedback", e.editor, feedbackBody(otp.ID, "survey", "x", 1, ""), "", 422, "/touchpoint_id"},
		{"unknown source", "POST", "/api/v1/feedback", e.editor, feedbackBody(tp.ID, "letter", "x", 1, ""), "", 422, "/source"},
		{"empty text", "POST", "/api/v1/feedback", e.editor, feedbackBody(tp.ID, "survey", "  ", 1, ""), "", 422, "/text"},
		{"text over 10,000 characters", "POST", "/api/v1/feedback", e.editor, feedbackBody(tp.ID, "survey", strings.Repeat("é", 10001), 1, ""), "", 422, "/text"},
		{"score above its scale", "POST", "/api/v1/feedback", e.editor, create(`,"score":6,"score_min":1,"score_max":5`), "", 422, "/score"},
		{"score below its scale", "POST", "/api/v1/feedback", e.editor, create(`,"score":-1,"score_min":0,"score_max":10`), "", 422, "/score"},
		{"score without its scale", "POST", "/api/v1/feedback", e.editor, create(`,"score":4`), "", 422, "/score_max"},
		{"scale upside down", "POST", "/api/v1/feedback", e.editor, create(`,"score":4,"score_min":5,"score_max":1`), "", 422, "/score_max"},
		{"scale without a score", "POST", "/api/v1/feedback", e.editor, create(`,"score_min":1,"score_max":5`), "", 422, "/score"},
		{"received_at not RFC 3339", "POST", "/api/v1/feedback", e.editor,
			`{"touchpoint_id":"` + tp.ID + `","source":"survey","text":"x","received_at":"01/10/2026"}`, "", 422, "/received_at"},
		{"received_at missing", "POST", "/api/v1/feedback", e.editor, `{"touchpoint_id":"` + tp.ID + `","source":"survey","text":"x"}`, "", 422, "/received_at"},
		{"received_at before 2000", "POST", "/api/v1/feedback", e.editor,
			`{"touchpoint_id":"` + tp.ID + `","source":"survey","text":"x","received_at":"1999-12-31T23:00:00Z"}`, "", 422, "/received_at"},
		{"customer_ref too long", "POST", "/api/v1/feedback", e.editor, create(`,"customer_ref":"` + strings.Repeat("x", 201) + `"`), "", 422, "/customer_ref"},
		{"language not offered", "POST", "/api/v1/feedback", e.editor, create(`,"language":"klingon"`), "", 422, "/language"},
		{"null text", "PATCH", one, e.editor, `{"text":null}`, `"1"`, 422, "/text"},
		{"null source", "PATCH", one, e.editor, `{"source":null}`, `"1"`, 422, "/source"},
		{"null touchpoint", "PATCH", one, e.editor, `{"touchpoint_id":null}`, `"1"`, 422, "/touchpoint_id"},
		{"null received_at", "PATCH", one, e.editor, `{"received_at":null}`, `"1"`, 422, "/received_at"},
		{"null language", "PATCH", one, e.editor, `{"language":null}`, `"1"`, 422, "/language"},
		{"scale cleared under a score", "PATCH", one, e.editor, `{"score_max":null}`, `"1"`, 422, "/score_max"},
		{"score beyond the scale", "PATCH", one, e.editor, `{"score":7}`, `"1"`, 422, "/score"},
		{"patch to their touchpoint", "PATCH", one, e.editor, `{"touchpoint_id":"` + otp.ID + `"}`, `"1"`, 422, "/touchpoint_id"},
		{"patch received_at not RFC 3339", "PATCH", one, e.editor, `{"received_at":"2026-10-01"}`, `"1"`, 422, "/received_at"},

		{"patch without If-Match", "PATCH", one, e.editor, `{"text":"x"}`, "", 428, ""},
		{"delete without If-Match", "DELETE", one, e.editor, "", "", 428, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			var headers []string
			if c.ifMatch != "" {
				headers = []string{"If-Match", c.ifMatch}
			}
			p := e.do(c.method, c.path, c.token, body, headers...).problem(t, c.status)
			if c.field != "" {
				wantNames(t, p, c.field)
			}
		})
	}
	e.do(http.MethodPost, "/api/v1/feedback", e.editor, create(""), "Content-Type", "text/plain").problem(t, http.StatusUnsupportedMediaType)
	e.do(http.MethodPost, "/api/v1/feedback", e.editor, create(""), "Idempotency-Key", "k").want(t, http.StatusCreated)
	e.do(http.MethodPost, "/api/v1/feedback", e.editor, create(`,"score":1,"score_min":1,"score_max":5`), "Idempotency-Key", "k").
		problem(t, http.StatusUnprocessableEntity)
	// Nothing above changed the item.
	var after api.Feedback
	e.do(http.MethodGet, one, e.viewer, nil).want(t, http.StatusOK).json(t, &after)
	if after.Version != 1 || after.Text != "Late invoice" || *after.Score != 2 {
		t.Fatalf("a refused request changed the item: %+v", after)
	}
}

// importFeedback posts body as mediaType to the import.
func (e *env) importFeedback(mediaType, body string, headers ...string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/feedback/import", e.editor, body, append([]string{"Content-Type", mediaType}, headers...)...)
}

// feedbackCount is how many items the workspace has.
func (e *env) feedbackCount(t *testing.T) int {
	t.Helper()
	return len(e.pageAll(t, "/api/v1/feedback", "limit=100"))
}

func TestFeedbackImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Calling about a bill", "Call")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	invoice := e.touchpoint(j, "Invoice", "email", "Billing")
	var oj api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.other, `{"name":"Theirs","stages":[{"name":"S"}]}`).want(t, http.StatusCreated).json(t, &oj)
	var theirs api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", e.other, fmt.Sprintf(`{"journey_id":%q,"stage_id":%q,"name":"Theirs","channel":"web"}`, oj.ID, oj.Stages[0].ID)).
		want(t, http.StatusCreated).json(t, &theirs)

	// NDJSON: the create body, one per line; blank lines and a BOM are fine.
	ndjson := "\ufeff" + feedbackBody(queue.ID, "survey", "Forty minutes on hold", 1, `,"score":1,"score_min":1,"score_max":5`) + "\n\n" +
		feedbackBody(invoice.ID, "complaint", "Invoice \"final\" notice, again\nSecond line", 2, `,"customer_ref":"case-1","language":"english"`) + "\r\n" +
		feedbackBody(invoice.ID, "review", "Rechnungen kommen zu spät", 3, `,"language":"german","customer_ref":null`) // no final line break
	res := e.importFeedback("application/x-ndjson", ndjson, "Idempotency-Key", "nd-1").want(t, http.StatusOK)
	var out api.FeedbackImport
	res.json(t, &out)
	if out.Stored != 3 || e.feedbackCount(t) != 3 {
		t.Fatalf("NDJSON import: %s, %d stored", res.Body, e.feedbackCount(t))
	}
	if again := e.importFeedback("application/x-ndjson", ndjson, "Idempotency-Key", "nd-1").want(t, http.StatusOK); again.Header.Get("Idempotent-Replayed") != "true" ||
		e.feedbackCount(t) != 3 {
		t.Fatalf("retry not replayed: %s", again.Body)
	}
	if got := e.feedbackTexts(t, "q=rechnung&language=german"); !slices.Equal(got, []string{"Rechnungen kommen zu spät"}) {
		t.Fatalf("imported german: %q", got)
	}

	// CSV: columns in any order and case; texts with commas, quotes and
	// line breaks, quoted, come back exactly as written.
	tricky := []string{
		`Waited, waited, and waited`,
		`They said "it's in the post"`,
		"Line one\nLine two, with a comma\r\nand \"quotes\"",
		`  spaces around  `,
		`=1+2, not a formula`,
	}
	var csv strings.Builder
	csv.WriteString("Received_At,text,SOURCE,touchpoint_id,score,score_min,score_max,customer_ref,language\r\n")
	for n, text := range tricky {
		fmt.Fprintf(&csv, "2026-11-%02dT08:00:00+01:00,\"%s\",social,%s,%s,%s,%s,%s,%s\r\n", n+1, strings.ReplaceAll(text, `"`, `""`), queue.ID,
			[]string{"", "4", "", "9", ""}[n], []string{"", "1", "", "0", ""}[n], []string{"", "5", "", "10", ""}[n],
			[]string{"", "ref-2", "", "", ""}[n], []string{"", "", "simple", "", "english"}[n])
	}
	res = e.importFeedback("text/csv; charset=utf-8", csv.String()).want(t, http.StatusOK)
	res.json(t, &out)
	if out.Stored != len(tricky) {
		t.Fatalf("CSV import: %s", res.Body)
	}
	got := e.feedbackTexts(t, "source=social&limit=2")
	slices.Reverse(got) // the list is newest first, the rows oldest first
	// A CRLF inside a quoted text is stored as LF, as CSV readers take it.
	tricky[2] = strings.ReplaceAll(tricky[2], "\r\n", "\n")
	if !slices.Equal(got, tricky) {
		t.Fatalf("CSV texts:\n%q\nwant\n%q", got, tricky)
	}
	l := e.feedbackList(t, "source=social&limit=100")
	second := l.Items[len(l.Items)-2] // 2026-11-02
	if *second.Score != 4 || *second.ScoreMin != 1 || *second.ScoreMax != 5 || *second.CustomerRef != "ref-2" || second.Language != "english" ||
		second.ReceivedAt.UTC().Format("2006-01-02T15:04") != "2026-11-02T07:00" || l.Items[2].Language != "simple" || l.Items[0].Score != nil {
		t.Fatalf("CSV values: %+v", l.Items)
	}

	// A bad line anywhere: 422 naming its line and field, and nothing stored.
	before := e.feedbackCount(t)
	lines := []string{}
	for n := range 2100 { // more than one batch of the store
		lines = append(lines, feedbackBody(queue.ID, "survey", fmt.Sprintf("verbatim %d", n), 1+n%28, ""))
	}
	bad := func(line int, replace string) string {
		l := slices.Clone(lines)
		l[line-1] = replace
		return strings.Join(l, "\n")
	}
	for _, c := range []struct {
		name, mediaType, body string
		status, line          int
		pointer               string
	}{
		{"bad source", "application/x-ndjson", bad(7, feedbackBody(queue.ID, "letter", "x", 1, "")), 422, 7, "/source"},
		{"score outside its scale", "application/x-ndjson", bad(8, feedbackBody(queue.ID, "survey", "x", 1, `,"score":6,"score_min":1,"score_max":5`)), 422, 8, "/score"},
		{"text over 10,000 characters", "application/x-ndjson", bad(9, feedbackBody(queue.ID, "survey", strings.Repeat("x", 10001), 1, "")), 422, 9, "/text"},
		{"unknown field", "application/x-ndjson", bad(10, `{"touchpoint_id":"`+queue.ID+`","rating":3}`), 422, 10, "/rating"},
		{"field in the wrong case", "application/x-ndjson", bad(11, strings.Replace(lines[10], `"text"`, `"Text"`, 1)), 422, 11, "/Text"},
		{"repeated field", "application/x-ndjson", bad(12, strings.Replace(lines[11], `}`, `,"text":"again"}`, 1)), 422, 12, "/text"},
		{"not JSON", "application/x-ndjson", bad(13, "touchpoint_id,source"), 422, 13, ""},
		{"bad received_at", "application/x-ndjson", bad(14, strings.Replace(lines[13], "T09:30:00Z", "", 1)), 422, 14, "/received_at"},
		{"their touchpoint, after the first batch", "application/x-ndjson", bad(2050, feedbackBody(theirs.ID, "survey", "x", 1, "")), 422, 2050, "/touchpoint_id"},
		{"CSV: bad score after a quoted line break", "text/csv", "touchpoint_id,source,text,received_at,score,score_min,score_max\n" +
			queue.ID + ",survey,\"one\ntwo\",2026-10-01T09:00:00Z,,,\n" + queue.ID + ",survey,three,2026-10-01T09:00:00Z,high,1,5\n", 422, 4, "/score"},
		{"CSV: their touchpoint", "text/csv", "touchpoint_id,source,text,received_at\n" + queue.ID + ",survey,a,2026-10-01T09:00:00Z\n" +
			theirs.ID + ",survey,b,2026-10-01T09:00:00Z\n", 422, 3, "/touchpoint_id"},
		{"CSV: missing column", "text/csv", "touchpoint_id,source,text\n" + queue.ID + ",survey,a\n", 422, 1, "/received_at"},
		{"CSV: unknown column", "text/csv", "touchpoint_id,source,text,received_at,rating\n", 422, 1, ""},
		{"CSV: a row too short", "text/csv", "touchpoint_id,source,text,received_at\n" + queue.ID + ",survey,a\n", 422, 2, ""},
		{"empty", "application/x-ndjson", "\n\n", 422, 0, ""},
		{"header only", "text/csv", "touchpoint_id,source,text,received_at\n", 422, 0, ""},
		{"JSON is not NDJSON", "application/json", lines[0], 415, 0, ""},
		{"another charset", "text/csv; charset=latin1", "touchpoint_id,source,text,received_at\n", 415, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.importFeedback(c.mediaType, c.body).problem(t, c.status)
			if c.line > 0 || c.pointer != "" {
				if len(p.Errors) == 0 || p.Errors[0].Line != c.line || p.Errors[0].Pointer != c.pointer {
					t.Fatalf("errors %+v, want line %d pointer %q (%s)", p.Errors, c.line, c.pointer, p.Detail)
				}
				if c.line > 0 && !strings.HasPrefix(p.Detail, fmt.Sprintf("line %d: ", c.line)) {
					t.Fatalf("detail %q does not name line %d", p.Detail, c.line)
				}
			}
		})
	}
	if n := e.feedbackCount(t); n != before {
		t.Fatalf("refused imports stored %d items", n-before)
	}
	// The same 2,100 lines, good, are stored whole.
	res = e.importFeedback("application/x-ndjson", strings.Join(lines, "\n")).want(t, http.StatusOK)
	if res.json(t, &out); out.Stored != 2100 || e.feedbackCount(t) != before+2100 {
		t.Fatalf("2,100 lines: %s", res.Body)
	}
}
