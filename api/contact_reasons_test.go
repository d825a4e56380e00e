package api_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
)

const contactReasons = "/api/v1/contact-reasons"

// contactReason creates a reason through the API.
func (e *env) contactReason(name string, tp api.Touchpoint, avoidable bool) api.ContactReason {
	e.t.Helper()
	var r api.ContactReason
	e.do(http.MethodPost, contactReasons, e.editor, api.ContactReasonCreate{Name: name, TouchpointID: tp.ID, Avoidable: avoidable}).
		want(e.t, http.StatusCreated).json(e.t, &r)
	return r
}

// contactVolume records a reason's contacts through the API; body is a
// ContactVolumeInput as JSON.
func (e *env) contactVolume(r api.ContactReason, body string) api.ContactVolume {
	e.t.Helper()
	var v api.ContactVolume
	e.do(http.MethodPost, contactReasons+"/"+r.ID+"/volumes", e.editor, body).want(e.t, http.StatusCreated).json(e.t, &v)
	return v
}

// reasonPerMonth reads a reason's contacts_per_month through the API.
func (e *env) reasonPerMonth(r api.ContactReason) float64 {
	e.t.Helper()
	var got api.ContactReason
	e.do(http.MethodGet, contactReasons+"/"+r.ID, e.viewer, nil).want(e.t, http.StatusOK).json(e.t, &got)
	return got.ContactsPerMonth
}

func (e *env) wantReasonPerMonth(what string, r api.ContactReason, want float64) {
	e.t.Helper()
	if got := e.reasonPerMonth(r); math.Abs(got-want) > 1e-9 {
		e.t.Fatalf("%s: contacts_per_month = %v, want %v", what, got, want)
	}
}

// importVolumes posts CSV rows to the volume import.
func (e *env) importVolumes(query, csv string, headers ...string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/contact-volumes/import"+query, e.editor, csv, append([]string{"Content-Type", "text/csv"}, headers...)...)
}

// month is the JSON of a record for month m of 2026 (all channels).
func month(m, contacts, resolved int) string {
	start := time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf(`{"period_start":%q,"period_end":%q,"contacts":%d,"resolved_first_contact":%d}`,
		start.Format(time.DateOnly), start.AddDate(0, 1, -1).Format(time.DateOnly), contacts, resolved)
}

func TestContactReasonCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Paying an invoice", "Receive", "Call")
	invoice := e.touchpoint(j, "Invoice", "mail", "Billing")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")

	body := `{"name":"Where is my invoice?","touchpoint_id":"` + strings.ToUpper(invoice.ID) + `","avoidable":true,"description":"It did not arrive"}`
	res := e.do(http.MethodPost, contactReasons, e.editor, body, "Idempotency-Key", "invoice-1").want(t, http.StatusCreated)
	var r api.ContactReason
	res.json(t, &r)
	if res.Header.Get("Location") != contactReasons+"/"+r.ID || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("Location %q, ETag %q", res.Header.Get("Location"), res.Header.Get("ETag"))
	}
	if r.Name != "Where is my invoice?" || r.TouchpointID != invoice.ID || !r.Avoidable || r.Description != "It did not arrive" ||
		r.ContactsPerMonth != 0 || r.Version != 1 || r.CreatedAt.IsZero() || !r.UpdatedAt.Equal(r.CreatedAt) {
		t.Fatalf("created %+v", r)
	}
	again := e.do(http.MethodPost, contactReasons, e.editor, body, "Idempotency-Key", "invoice-1").want(t, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(res.Body) {
		t.Fatalf("retry not replayed: %s", again.Body)
	}
	// Avoidable defaults to false; description to "".
	hold := e.contactReason("On hold too long", queue, false)
	var plain api.ContactReason
	e.do(http.MethodPost, contactReasons, e.editor, `{"name":"Change my address","touchpoint_id":"`+queue.ID+`"}`).
		want(t, http.StatusCreated).json(t, &plain)
	if plain.Avoidable || plain.Description != "" {
		t.Fatalf("defaults: %+v", plain)
	}

	res = e.do(http.MethodGet, contactReasons+"/"+r.ID, e.viewer, nil).want(t, http.StatusOK)
	var got api.ContactReason
	res.json(t, &got)
	if got.ID != r.ID || got.Name != r.Name || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("GET %+v, ETag %s", got, res.Header.Get("ETag"))
	}

	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{r.ID, hold.ID, plain.ID}},
		{"touchpoint_id=" + invoice.ID, []string{r.ID}},
		{"touchpoint_id=" + invoice.ID + "," + queue.ID, []string{r.ID, hold.ID, plain.ID}},
		{"touchpoint_id=" + strings.ToUpper(queue.ID), []string{hold.ID, plain.ID}},
		{"avoidable=true", []string{r.ID}},
		{"avoidable=false", []string{hold.ID, plain.ID}},
		{"avoidable=false&touchpoint_id=" + invoice.ID, nil},
	} {
		if got := e.pageAll(t, contactReasons, c.query+"&limit=1"); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}

	// Merge patch: values, null clearing the description, absent fields kept.
	res = e.do(http.MethodPatch, contactReasons+"/"+r.ID, e.editor, `{"name":"Where is my bill?","avoidable":false,"description":null}`,
		"If-Match", `"1"`, "Content-Type", "application/merge-patch+json").want(t, http.StatusOK)
	res.json(t, &got)
	if got.Name != "Where is my bill?" || got.Avoidable || got.Description != "" || got.TouchpointID != invoice.ID ||
		got.Version != 2 || res.Header.Get("ETag") != `"2"` || !got.UpdatedAt.After(got.CreatedAt) {
		t.Fatalf("patched %+v", got)
	}
	e.do(http.MethodPatch, contactReasons+"/"+r.ID, e.editor, `{"touchpoint_id":"`+queue.ID+`"}`, "If-Match", `"2"`).want(t, http.StatusOK).json(t, &got)
	if got.TouchpointID != queue.ID || got.Name != "Where is my bill?" || got.Version != 3 {
		t.Fatalf("moved %+v", got)
	}

	// Delete takes the volume records with it.
	v := e.contactVolume(got, month(1, 10, 5))
	e.do(http.MethodDelete, contactReasons+"/"+r.ID, e.editor, nil, "If-Match", `"3"`).want(t, http.StatusNoContent)
	e.do(http.MethodGet, contactReasons+"/"+r.ID, e.viewer, nil).problem(t, http.StatusNotFound)
	e.do(http.MethodGet, contactReasons+"/"+r.ID+"/volumes/"+v.ID, e.viewer, nil).problem(t, http.StatusNotFound)
	// The name is free again.
	e.contactReason("Where is my bill?", invoice, true)
}

func TestContactReasonErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Paying an invoice", "Receive")
	invoice := e.touchpoint(j, "Invoice", "mail", "Billing")
	r := e.contactReason("Where is my invoice?", invoice, true)
	taken := e.contactReason("Invoice arrived late", invoice, true)
	linked := e.contactReason("Wrong amount", invoice, true)
	idea := e.idea("Plain-language invoice", 4, 4, 2, 0.8, invoice)
	if _, err := e.store.SQL().ExecContext(context.Background(), `INSERT INTO idea_contact_reasons (idea_id, reason_id, workspace_id, created_at)
		VALUES ($1, $2, $3, now())`, idea.ID, linked.ID, e.wsID); err != nil {
		t.Fatal(err)
	}
	jan := e.contactVolume(r, month(1, 300, 200))
	e.contactVolume(r, month(2, 280, 190))
	// Another workspace's touchpoint.
	var oj api.Journey
	e.do(http.MethodPost, "/api/v1/journeys", e.other, `{"name":"Theirs","stages":[{"name":"S"}]}`).want(t, http.StatusCreated).json(t, &oj)
	var otp api.Touchpoint
	e.do(http.MethodPost, "/api/v1/touchpoints", e.other, fmt.Sprintf(`{"journey_id":%q,"stage_id":%q,"name":"Theirs","channel":"web"}`, oj.ID, oj.Stages[0].ID)).
		want(t, http.StatusCreated).json(t, &otp)

	one, vols, janPath := contactReasons+"/"+r.ID, contactReasons+"/"+r.ID+"/volumes", contactReasons+"/"+r.ID+"/volumes/"+jan.ID
	create := func(fields string) string { return `{"touchpoint_id":"` + invoice.ID + `",` + fields + `}` }
	const feb = `"period_start":"2026-02-01","period_end":"2026-02-28"`
	for _, c := range []struct {
		name, method, path, token, body, ifMatch string
		status                                   int
		field                                    string
	}{
		{"unknown list parameter", "GET", contactReasons + "?name=x", e.viewer, "", "", 400, "name"},
		{"bad avoidable", "GET", contactReasons + "?avoidable=yes", e.viewer, "", "", 400, "avoidable"},
		{"bad touchpoint filter", "GET", contactReasons + "?touchpoint_id=nope", e.viewer, "", "", 400, "touchpoint_id"},
		{"limit on one", "GET", one + "?limit=1", e.viewer, "", "", 400, "limit"},
		{"unknown volume list parameter", "GET", vols + "?reason=x", e.viewer, "", "", 400, "reason"},
		{"bad from", "GET", vols + "?from=2026-13-01", e.viewer, "", "", 400, "from"},
		{"to out of range", "GET", vols + "?to=1999-12-31", e.viewer, "", "", 400, "to"},
		{"bad channel filter", "GET", vols + "?channel=fax", e.viewer, "", "", 400, "channel"},
		{"unknown field", "POST", contactReasons, e.editor, create(`"name":"x","contacts_per_month":3`), "", 400, "/contacts_per_month"},
		{"read-only field in a patch", "PATCH", one, e.editor, `{"contacts_per_month":3}`, `"1"`, 400, "/contacts_per_month"},
		{"unknown volume field", "POST", vols, e.editor, `{` + feb + `,"contacts":1,"resolved_first_contact":1,"reason_id":"x"}`, "", 400, "/reason_id"},

		{"viewer creates", "POST", contactReasons, e.viewer, create(`"name":"x"`), "", 403, ""},
		{"viewer patches", "PATCH", one, e.viewer, `{"name":"x"}`, `"1"`, 403, ""},
		{"viewer deletes", "DELETE", one, e.viewer, "", `"1"`, 403, ""},
		{"viewer records", "POST", vols, e.viewer, `{` + feb + `,"contacts":1,"resolved_first_contact":1}`, "", 403, ""},
		{"viewer replaces", "PUT", janPath, e.viewer, month(1, 1, 1), `"1"`, 403, ""},
		{"viewer deletes a record", "DELETE", janPath, e.viewer, "", `"1"`, 403, ""},

		{"other workspace gets", "GET", one, e.other, "", "", 404, ""},
		{"other workspace patches", "PATCH", one, e.other, `{"name":"x"}`, `"1"`, 404, ""},
		{"other workspace deletes", "DELETE", one, e.other, "", `"1"`, 404, ""},
		{"other workspace lists records", "GET", vols, e.other, "", "", 404, ""},
		{"other workspace records", "POST", vols, e.other, `{}`, "", 404, ""},
		{"other workspace gets a record", "GET", janPath, e.other, "", "", 404, ""},
		{"other workspace replaces", "PUT", janPath, e.other, `{}`, `"1"`, 404, ""},
		{"a record through another reason", "GET", contactReasons + "/" + taken.ID + "/volumes/" + jan.ID, e.viewer, "", "", 404, ""},
		{"not a uuid", "GET", contactReasons + "/nope", e.viewer, "", "", 404, ""},

		{"duplicate name", "POST", contactReasons, e.editor, create(`"name":"WHERE IS MY INVOICE?"`), "", 409, "/name"},
		{"rename to a taken name", "PATCH", one, e.editor, `{"name":"invoice arrived LATE"}`, `"1"`, 409, "/name"},
		{"duplicate period", "POST", vols, e.editor, month(1, 5, 5), "", 409, "/period_start"},
		{"replace onto a taken period", "PUT", janPath, e.editor, month(2, 5, 5), `"1"`, 409, "/period_start"},
		{"delete a linked reason", "DELETE", contactReasons + "/" + linked.ID, e.editor, "", `"1"`, 409, ""},

		{"stale patch", "PATCH", one, e.editor, `{"name":"x"}`, `"2"`, 412, ""},
		{"stale delete", "DELETE", one, e.editor, "", `"2"`, 412, ""},
		{"stale replace", "PUT", janPath, e.editor, month(3, 1, 1), `"2"`, 412, ""},
		{"stale replace with a bad body", "PUT", janPath, e.editor, `{"contacts":-1}`, `"2"`, 412, ""},
		{"stale record delete", "DELETE", janPath, e.editor, "", `"2"`, 412, ""},

		{"empty name", "POST", contactReasons, e.editor, create(`"name":" "`), "", 422, "/name"},
		{"no touchpoint", "POST", contactReasons, e.editor, `{"name":"x"}`, "", 422, "/touchpoint_id"},
		{"touchpoint not a uuid", "POST", contactReasons, e.editor, `{"name":"x","touchpoint_id":"nope"}`, "", 422, "/touchpoint_id"},
		{"another workspace's touchpoint", "POST", contactReasons, e.editor, `{"name":"x","touchpoint_id":"` + otp.ID + `"}`, "", 422, "/touchpoint_id"},
		{"long description", "POST", contactReasons, e.editor, create(`"name":"x","description":"` + strings.Repeat("d", 10001) + `"`), "", 422, "/description"},
		{"null name", "PATCH", one, e.editor, `{"name":null}`, `"1"`, 422, "/name"},
		{"null touchpoint", "PATCH", one, e.editor, `{"touchpoint_id":null}`, `"1"`, 422, "/touchpoint_id"},
		{"null avoidable", "PATCH", one, e.editor, `{"avoidable":null}`, `"1"`, 422, "/avoidable"},
		{"move to another workspace's touchpoint", "PATCH", one, e.editor, `{"touchpoint_id":"` + otp.ID + `"}`, `"1"`, 422, "/touchpoint_id"},
		{"bad period_start", "POST", vols, e.editor, `{"period_start":"March","period_end":"2026-03-31","contacts":1,"resolved_first_contact":1}`, "", 422, "/period_start"},
		{"period_start out of range", "POST", vols, e.editor, `{"period_start":"1999-03-01","period_end":"2026-03-31","contacts":1,"resolved_first_contact":1}`, "", 422, "/period_start"},
		{"end before start", "POST", vols, e.editor, `{"period_start":"2026-03-31","period_end":"2026-03-01","contacts":1,"resolved_first_contact":1}`, "", 422, "/period_end"},
		{"no period_end", "POST", vols, e.editor, `{"period_start":"2026-03-01","contacts":1,"resolved_first_contact":1}`, "", 422, "/period_end"},
		{"bad channel", "POST", vols, e.editor, `{` + feb + `,"channel":"fax","contacts":1,"resolved_first_contact":1}`, "", 422, "/channel"},
		{"no contacts", "POST", vols, e.editor, `{` + feb + `,"resolved_first_contact":1}`, "", 422, "/contacts"},
		{"negative contacts", "POST", vols, e.editor, `{` + feb + `,"contacts":-1,"resolved_first_contact":0}`, "", 422, "/contacts"},
		{"too many contacts", "POST", vols, e.editor, `{` + feb + `,"contacts":1000000001,"resolved_first_contact":0}`, "", 422, "/contacts"},
		{"no resolved", "POST", vols, e.editor, `{` + feb + `,"contacts":1}`, "", 422, "/resolved_first_contact"},
		{"more resolved than contacts", "POST", vols, e.editor, `{` + feb + `,"contacts":3,"resolved_first_contact":4}`, "", 422, "/resolved_first_contact"},
		{"replace without contacts", "PUT", janPath, e.editor, `{` + feb + `,"resolved_first_contact":1}`, `"1"`, 422, "/contacts"},

		{"patch without If-Match", "PATCH", one, e.editor, `{"name":"x"}`, "", 428, ""},
		{"delete without If-Match", "DELETE", one, e.editor, "", "", 428, ""},
		{"replace without If-Match", "PUT", janPath, e.editor, month(3, 1, 1), "", 428, ""},
		{"record delete without If-Match", "DELETE", janPath, e.editor, "", "", 428, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var headers []string
			if c.ifMatch != "" {
				headers = []string{"If-Match", c.ifMatch}
			}
			var body any
			if c.body != "" {
				body = c.body
			}
			p := e.do(c.method, c.path, c.token, body, headers...).problem(t, c.status)
			if c.field != "" {
				wantNames(t, p, c.field)
			}
		})
	}

	// The delete of a linked reason names the idea; nothing refused changed anything.
	p := e.do(http.MethodDelete, contactReasons+"/"+linked.ID, e.editor, nil, "If-Match", `"1"`).problem(t, http.StatusConflict)
	if !strings.Contains(p.Detail, `"Plain-language invoice"`) {
		t.Errorf("detail %q does not name the idea", p.Detail)
	}
	var after api.ContactReason
	e.do(http.MethodGet, one, e.viewer, nil).want(t, http.StatusOK).json(t, &after)
	if after.Version != 1 || after.Name != "Where is my invoice?" {
		t.Fatalf("a refused request changed the reason: %+v", after)
	}
	var v api.ContactVolume
	e.do(http.MethodGet, janPath, e.viewer, nil).want(t, http.StatusOK).json(t, &v)
	if v.Version != 1 || v.Contacts != 300 {
		t.Fatalf("a refused request changed the record: %+v", v)
	}
	var list api.ContactVolumeList
	e.do(http.MethodGet, vols, e.viewer, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("refused requests left %d records", len(list.Items))
	}
	// The touchpoint a reason names cannot go.
	statement := e.touchpoint(j, "Statement", "mail", "Billing")
	e.contactReason("Statement unreadable", statement, true)
	p = e.do(http.MethodDelete, "/api/v1/touchpoints/"+statement.ID, e.editor, nil, "If-Match", `"1"`).problem(t, http.StatusConflict)
	if !strings.HasPrefix(p.Detail, "contact reasons originate at this touchpoint") {
		t.Errorf("touchpoint delete: %q", p.Detail)
	}
}

func TestContactVolumeCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Paying an invoice", "Receive")
	r := e.contactReason("Where is my invoice?", e.touchpoint(j, "Invoice", "mail", "Billing"), true)
	vols := contactReasons + "/" + r.ID + "/volumes"

	res := e.do(http.MethodPost, vols, e.editor, month(1, 100, 60), "Idempotency-Key", "jan").want(t, http.StatusCreated)
	var jan api.ContactVolume
	res.json(t, &jan)
	if res.Header.Get("Location") != vols+"/"+jan.ID || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("Location %q, ETag %q", res.Header.Get("Location"), res.Header.Get("ETag"))
	}
	if jan.ReasonID != r.ID || jan.PeriodStart != "2026-01-01" || jan.PeriodEnd != "2026-01-31" || jan.Channel != nil ||
		jan.Contacts != 100 || jan.ResolvedFirstContact != 60 || jan.Version != 1 {
		t.Fatalf("created %+v", jan)
	}
	if !strings.Contains(string(res.Body), `"channel":null`) {
		t.Errorf("all channels is not answered as null: %s", res.Body)
	}
	e.do(http.MethodPost, vols, e.editor, month(1, 100, 60), "Idempotency-Key", "jan").want(t, http.StatusCreated)
	e.wantReasonPerMonth("January", r, 100)

	// The same month by phone is a record of its own; null channel is all channels.
	phone := e.contactVolume(r, `{"period_start":"2026-01-01","period_end":"2026-01-31","channel":"phone","contacts":40,"resolved_first_contact":10}`)
	if phone.Channel == nil || *phone.Channel != "phone" {
		t.Fatalf("phone record %+v", phone)
	}
	mar := e.contactVolume(r, `{"period_start":"2026-03-01","period_end":"2026-03-31","channel":null,"contacts":300,"resolved_first_contact":0}`)
	// Jan 1 - Mar 31: 90 days, 3 months; 440 contacts.
	e.wantReasonPerMonth("three records", r, 440.0/3)

	res = e.do(http.MethodGet, vols+"/"+phone.ID, e.viewer, nil).want(t, http.StatusOK)
	var got api.ContactVolume
	res.json(t, &got)
	if got.ID != phone.ID || got.Contacts != 40 || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("GET %+v, ETag %s", got, res.Header.Get("ETag"))
	}
	janFirst := []string{jan.ID, phone.ID}
	if phone.ID < jan.ID {
		janFirst = []string{phone.ID, jan.ID}
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", append(janFirst, mar.ID)},
		{"from=2026-02-01", []string{mar.ID}},
		{"to=2026-01-31", janFirst},
		{"from=2026-01-02", []string{mar.ID}}, // a period must lie within
		{"channel=phone", []string{phone.ID}},
		{"channel=phone,chat&channel=web", []string{phone.ID}},
		{"from=2026-01-01&to=2026-03-30", janFirst},
	} {
		if got := e.pageAll(t, vols, c.query+"&limit=1"); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}

	// PUT replaces the record whole: a channel left out is all channels.
	res = e.do(http.MethodPut, vols+"/"+phone.ID, e.editor, `{"period_start":"2026-02-01","period_end":"2026-02-28","contacts":200,"resolved_first_contact":150}`,
		"If-Match", `"1"`).want(t, http.StatusOK)
	res.json(t, &got)
	if got.ID != phone.ID || got.Channel != nil || got.PeriodStart != "2026-02-01" || got.Contacts != 200 || got.ResolvedFirstContact != 150 ||
		got.Version != 2 || res.Header.Get("ETag") != `"2"` || !got.CreatedAt.Equal(phone.CreatedAt) || !got.UpdatedAt.After(got.CreatedAt) {
		t.Fatalf("replaced %+v", got)
	}
	e.wantReasonPerMonth("February replaced", r, 600.0/3)

	e.do(http.MethodDelete, vols+"/"+mar.ID, e.editor, nil, "If-Match", `"1"`).want(t, http.StatusNoContent)
	e.do(http.MethodGet, vols+"/"+mar.ID, e.viewer, nil).problem(t, http.StatusNotFound)
	// Jan 1 - Feb 28: 59 days, 2 months.
	e.wantReasonPerMonth("March deleted", r, 300.0/2)
	e.do(http.MethodDelete, vols+"/"+jan.ID, e.editor, nil, "If-Match", `"1"`).want(t, http.StatusNoContent)
	e.do(http.MethodDelete, vols+"/"+phone.ID, e.editor, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
	e.wantReasonPerMonth("all deleted", r, 0)
}

func TestContactVolumeImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Paying an invoice", "Receive", "Call")
	where := e.contactReason("Where is my invoice?", e.touchpoint(j, "Invoice", "mail", "Billing"), true)
	hold := e.contactReason("On hold, too long", e.touchpoint(j, "Phone queue", "phone", "Contact centre"), false)
	var theirs api.ContactReason
	{
		var oj api.Journey
		e.do(http.MethodPost, "/api/v1/journeys", e.other, `{"name":"Theirs","stages":[{"name":"S"}]}`).want(t, http.StatusCreated).json(t, &oj)
		var otp api.Touchpoint
		e.do(http.MethodPost, "/api/v1/touchpoints", e.other, fmt.Sprintf(`{"journey_id":%q,"stage_id":%q,"name":"Theirs","channel":"web"}`, oj.ID, oj.Stages[0].ID)).
			want(t, http.StatusCreated).json(t, &otp)
		e.do(http.MethodPost, contactReasons, e.other, api.ContactReasonCreate{Name: "Their reason", TouchpointID: otp.ID}).want(t, http.StatusCreated).json(t, &theirs)
	}
	count := func() int {
		var n int
		if err := e.store.SQL().QueryRowContext(context.Background(), "SELECT count(*) FROM contact_volumes WHERE workspace_id = $1", e.wsID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Columns in any order and case, reasons by name in any case, a quoted
	// name with a comma, an empty channel for all channels.
	csv := "Period_Start,reason,period_end,contacts,resolved_first_contact,channel\n" +
		"2026-01-01,where is my invoice?,2026-01-31,100,60,\n" +
		"2026-01-01,WHERE IS MY INVOICE?,2026-01-31,40,10,phone\n" +
		"2026-02-01,\"On hold, too long\",2026-02-28,80,80,phone\n"
	var imp api.ContactVolumeImport
	e.importVolumes("", csv).want(t, http.StatusOK).json(t, &imp)
	if imp != (api.ContactVolumeImport{Stored: 3, Inserted: 3}) || count() != 3 {
		t.Fatalf("import: %+v, %d stored", imp, count())
	}
	e.wantReasonPerMonth("imported", where, 140)
	e.wantReasonPerMonth("imported", hold, 80)
	// Without the channel column.
	e.importVolumes("?mode=insert", "reason,period_start,period_end,contacts,resolved_first_contact\n\"On hold, too long\",2026-03-01,2026-03-31,10,5\n").
		want(t, http.StatusOK).json(t, &imp)
	if imp != (api.ContactVolumeImport{Stored: 1, Inserted: 1}) || count() != 4 {
		t.Fatalf("import without channel: %+v, %d stored", imp, count())
	}

	const header = "reason,period_start,period_end,channel,contacts,resolved_first_contact\n"
	good := "Where is my invoice?,2026-03-01,2026-03-31,,90,45\n"
	for _, c := range []struct {
		name, query, csv string
		status           int
		pointer          string
		line             int
		detail           string
	}{
		{"bad contacts on line 4", "", header + good + "Where is my invoice?,2026-04-01,2026-04-30,,95,40\nWhere is my invoice?,2026-05-01,2026-05-31,,many,1\n", 422, "/contacts", 4, "whole number"},
		{"unknown reason", "", header + good + "Where is my parcel?,2026-04-01,2026-04-30,,1,1\n", 422, "/reason", 3, `"Where is my parcel?"`},
		{"another workspace's reason", "", header + "Their reason,2026-04-01,2026-04-30,,1,1\n", 422, "/reason", 2, `"Their reason"`},
		{"bad date", "", header + "Where is my invoice?,2026-04-31,2026-04-30,,1,1\n", 422, "/period_start", 2, "date"},
		{"end before start", "", header + "Where is my invoice?,2026-04-30,2026-04-01,,1,1\n", 422, "/period_end", 2, ""},
		{"bad channel", "", header + good + "Where is my invoice?,2026-04-01,2026-04-30,fax,1,1\n", 422, "/channel", 3, ""},
		{"more resolved than contacts", "", header + "Where is my invoice?,2026-04-01,2026-04-30,,1,2\n", 422, "/resolved_first_contact", 2, ""},
		{"a repeated row", "", header + good + "where is my invoice?,2026-03-01,2026-03-31,,1,1\n", 422, "/period_start", 3, ""},
		{"a blank line counts", "", header + "\n" + good + "\n" + "Where is my invoice?,2026-01-01,2026-01-31,,1,1\n", 409, "/period_start", 5, ""},
		{"recorded already", "?mode=insert", header + good + "Where is my invoice?,2026-01-01,2026-01-31,,1,1\n", 409, "/period_start", 3, ""},
		{"no header", "", good, 422, "", 1, ""},
		{"a missing column", "", "reason,period_start,period_end,contacts\n", 422, "/resolved_first_contact", 1, ""},
		{"no rows", "", header, 422, "", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.importVolumes(c.query, c.csv).problem(t, c.status)
			if c.line > 0 && (len(p.Errors) != 1 || p.Errors[0].Line != c.line || p.Errors[0].Pointer != c.pointer) {
				t.Fatalf("errors %+v, want %s at line %d (detail %q)", p.Errors, c.pointer, c.line, p.Detail)
			}
			if c.detail != "" && !strings.Contains(p.Errors[0].Detail, c.detail) {
				t.Errorf("detail %q lacks %q", p.Errors[0].Detail, c.detail)
			}
			if n := count(); n != 4 {
				t.Fatalf("a refused import left %d records", n)
			}
		})
	}
	for _, c := range []struct {
		name, query, ctype, token string
		status                    int
		param                     string
	}{
		{"unknown mode", "?mode=replace", "text/csv", e.editor, 400, "mode"},
		{"empty mode", "?mode=", "text/csv", e.editor, 400, "mode"},
		{"unknown parameter", "?dry_run=true", "text/csv", e.editor, 400, "dry_run"},
		{"JSON", "", "application/json", e.editor, 415, ""},
		{"viewer", "", "text/csv", e.viewer, 403, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.do(http.MethodPost, "/api/v1/contact-volumes/import"+c.query, c.token, header+good, "Content-Type", c.ctype).problem(t, c.status)
			if c.param != "" {
				wantNames(t, p, c.param)
			}
		})
	}
	if n := count(); n != 4 {
		t.Fatalf("refused imports left %d records", n)
	}

	// Upsert: January replaced (version 2), April added; an Idempotency-Key
	// makes the retry answer the first response instead of replacing again.
	upsert := header + "Where is my invoice?,2026-01-01,2026-01-31,,130,70\nWhere is my invoice?,2026-04-01,2026-04-30,,60,30\n"
	res := e.importVolumes("?mode=upsert", upsert, "Idempotency-Key", "april").want(t, http.StatusOK)
	res.json(t, &imp)
	if imp != (api.ContactVolumeImport{Stored: 2, Inserted: 1, Replaced: 1}) || count() != 5 {
		t.Fatalf("upsert: %+v, %d stored", imp, count())
	}
	again := e.importVolumes("?mode=upsert", upsert, "Idempotency-Key", "april").want(t, http.StatusOK)
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(res.Body) {
		t.Fatalf("retry not replayed: %s", again.Body)
	}
	var list api.ContactVolumeList
	e.do(http.MethodGet, contactReasons+"/"+where.ID+"/volumes?to=2026-01-31", e.viewer, nil).want(t, http.StatusOK).json(t, &list)
	for _, v := range list.Items {
		if v.Channel == nil && (v.Contacts != 130 || v.ResolvedFirstContact != 70 || v.Version != 2) {
			t.Errorf("January after the upsert: %+v", v)
		}
	}
	// Jan (130 + 40), Apr 60: 230 over Jan 1 - Apr 30, 4 months.
	e.wantReasonPerMonth("upserted", where, 230.0/4)
}

// An import of 100,000 rows, as the issue asks: 10 reasons × 10 channels ×
// 1,000 days.
func TestContactVolumeImportLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tp := e.touchpoint(e.journey("Paying an invoice", "Receive"), "Invoice", "mail", "Billing")
	const reasons, days = 10, 1000
	channels := []string{"web", "mobile_app", "phone", "email", "chat", "in_person", "social", "mail", "self_service", "partner"}
	rs := make([]api.ContactReason, reasons)
	for n := range rs {
		rs[n] = e.contactReason(fmt.Sprintf("Reason %02d", n), tp, n%2 == 0)
	}
	var b strings.Builder
	b.WriteString("reason,period_start,period_end,channel,contacts,resolved_first_contact\n")
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := range reasons {
		for d := range days {
			at := first.AddDate(0, 0, d).Format(time.DateOnly)
			for _, ch := range channels {
				fmt.Fprintf(&b, "Reason %02d,%s,%s,%s,%d,%d\n", n, at, at, ch, n+1, (n+1)/2)
			}
		}
	}
	t.Logf("%d bytes of CSV", b.Len())
	start := time.Now()
	var imp api.ContactVolumeImport
	e.importVolumes("", b.String()).want(t, http.StatusOK).json(t, &imp)
	t.Logf("imported %d rows in %s", imp.Stored, time.Since(start))
	if imp != (api.ContactVolumeImport{Stored: reasons * days * len(channels), Inserted: reasons * days * len(channels)}) {
		t.Fatalf("import: %+v", imp)
	}
	var n int
	if err := e.store.SQL().QueryRowContext(context.Background(), "SELECT count(*) FROM contact_volumes WHERE workspace_id = $1", e.wsID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != reasons*days*len(channels) {
		t.Fatalf("%d records stored", n)
	}
	// The last day is 2026-09-26; the year up to it holds 365 days of
	// 10 channels × 4 contacts for reason 3, over 12 months.
	e.wantReasonPerMonth("reason 3", rs[3], 365*10*4/12.0)
}
