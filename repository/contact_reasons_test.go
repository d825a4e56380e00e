package repository_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// reasonFixture is a workspace with two touchpoints, and another
// workspace with one of its own.
type reasonFixture struct {
	store          *repository.Store
	ws, otherWS    string
	invoice, queue *domain.Touchpoint
	otherTP        *domain.Touchpoint
	ctx            context.Context
}

func newReasonFixture(t *testing.T) *reasonFixture {
	t.Helper()
	store := newStore(t)
	f := &reasonFixture{store: store, ctx: context.Background()}
	f.ws, f.otherWS = newWorkspace(t, store, "acme"), newWorkspace(t, store, "other")
	j := createJourney(t, store, f.ws, "Paying an invoice", "Receive", "Call")
	f.invoice = createTouchpoint(t, store, j, 0, tp{name: "Invoice", channel: domain.ChannelMail})
	f.queue = createTouchpoint(t, store, j, 1, tp{name: "Phone queue", channel: domain.ChannelPhone})
	f.otherTP = createTouchpoint(t, store, createJourney(t, store, f.otherWS, "Theirs", "S"), 0, tp{name: "Theirs"})
	return f
}

// reason creates a valid reason in the fixture's workspace.
func (f *reasonFixture) reason(t *testing.T, name, touchpointID string, avoidable bool) *domain.ContactReason {
	t.Helper()
	r := &domain.ContactReason{WorkspaceID: f.ws, Name: name, TouchpointID: touchpointID, Avoidable: avoidable, Description: "about " + name}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateContactReason(f.ctx, r); err != nil {
		t.Fatalf("create reason %q: %v", name, err)
	}
	return r
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// volume makes a valid record of the reason for the days from..to.
func volume(ws, reasonID, from, to string, channel domain.Channel, contacts, resolved int) domain.ContactVolume {
	v := domain.ContactVolume{WorkspaceID: ws, ReasonID: reasonID, PeriodStart: day(from), PeriodEnd: day(to), Channel: channel,
		Contacts: contacts, ResolvedFirstContact: resolved}
	if err := v.Validate(); err != nil {
		panic(err)
	}
	return v
}

// monthly is a record per month of 2026, with contacts[n] in month n+1.
func monthly(ws, reasonID string, contacts ...int) []domain.ContactVolume {
	out := make([]domain.ContactVolume, len(contacts))
	for n, c := range contacts {
		start := time.Date(2026, time.Month(n+1), 1, 0, 0, 0, 0, time.UTC)
		out[n] = volume(ws, reasonID, start.Format(time.DateOnly), start.AddDate(0, 1, -1).Format(time.DateOnly), "", c, c/2)
	}
	return out
}

// perMonth reads the stored contacts a month of a reason (table
// contact_reasons) or an idea (table ideas).
func perMonth(t *testing.T, store *repository.Store, table, id string) float64 {
	t.Helper()
	var v float64
	if err := store.SQL().QueryRowContext(context.Background(), "SELECT contacts_per_month FROM "+table+" WHERE id = $1", id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func wantPerMonth(t *testing.T, what string, store *repository.Store, table, id string, want float64) {
	t.Helper()
	if got := perMonth(t, store, table, id); math.Abs(got-want) > 1e-9 {
		t.Fatalf("%s: %s contacts_per_month = %v, want %v", what, table, got, want)
	}
}

// wantLine fails unless err has code and one field error at pointer and line.
func wantLine(t *testing.T, what string, err error, code domain.ErrorCode, pointer string, line int) {
	t.Helper()
	wantCode(t, what, err, code)
	fields := domain.FieldsOf(err)
	if len(fields) != 1 || fields[0].Pointer != pointer || fields[0].Line != line {
		t.Fatalf("%s: fields %+v, want %s at line %d", what, fields, pointer, line)
	}
}

func TestContactReasonCRUD(t *testing.T) {
	t.Parallel()
	f := newReasonFixture(t)
	ctx, store := f.ctx, f.store
	invoice := f.reason(t, "Where is my invoice?", f.invoice.ID, true)
	if invoice.ID == "" || invoice.Version != 1 || invoice.CreatedAt.IsZero() || !invoice.UpdatedAt.Equal(invoice.CreatedAt) {
		t.Fatalf("created %+v", invoice)
	}
	got, err := store.GetContactReason(ctx, f.ws, invoice.ID)
	if err != nil || got.Name != "Where is my invoice?" || got.TouchpointID != f.invoice.ID || !got.Avoidable ||
		got.Description != "about Where is my invoice?" || got.ContactsPerMonth != 0 || !got.CreatedAt.Equal(invoice.CreatedAt) {
		t.Fatalf("get: %+v, %v", got, err)
	}

	// Names are unique per workspace, case-insensitively; another workspace may reuse one.
	dup := &domain.ContactReason{WorkspaceID: f.ws, Name: "WHERE IS MY INVOICE?", TouchpointID: f.queue.ID}
	err = store.CreateContactReason(ctx, dup)
	wantCode(t, "duplicate name", err, domain.EConflict)
	if fs := domain.FieldsOf(err); len(fs) != 1 || fs[0].Pointer != "/name" {
		t.Fatalf("duplicate name fields %+v", fs)
	}
	theirs := &domain.ContactReason{WorkspaceID: f.otherWS, Name: "Where is my invoice?", TouchpointID: f.otherTP.ID}
	if err := store.CreateContactReason(ctx, theirs); err != nil {
		t.Fatalf("the same name in another workspace: %v", err)
	}
	// A touchpoint of another workspace, or none at all.
	for _, tpID := range []string{f.otherTP.ID, domain.NewID()} {
		err := store.CreateContactReason(ctx, &domain.ContactReason{WorkspaceID: f.ws, Name: "Elsewhere " + tpID, TouchpointID: tpID})
		wantField(t, "foreign touchpoint", err, "/touchpoint_id")
	}

	hold := f.reason(t, "On hold too long", f.queue.ID, false)
	late := f.reason(t, "Invoice arrived late", f.invoice.ID, true)
	list := func(fl domain.ContactReasonFilter) string {
		items := pageAll(t, 1, func(p domain.Page) ([]domain.ContactReason, *domain.Cursor, error) {
			return store.ListContactReasons(ctx, f.ws, fl, p)
		}, func(r domain.ContactReason) string { return r.ID })
		names := make([]string, len(items))
		for n, r := range items {
			names[n] = r.Name
		}
		return strings.Join(names, "|")
	}
	yes, no := true, false
	for _, c := range []struct {
		name string
		f    domain.ContactReasonFilter
		want string
	}{
		{"all, oldest first", domain.ContactReasonFilter{}, "Where is my invoice?|On hold too long|Invoice arrived late"},
		{"touchpoint", domain.ContactReasonFilter{TouchpointIDs: []string{f.invoice.ID}}, "Where is my invoice?|Invoice arrived late"},
		{"touchpoints", domain.ContactReasonFilter{TouchpointIDs: []string{f.invoice.ID, f.queue.ID}}, "Where is my invoice?|On hold too long|Invoice arrived late"},
		{"avoidable", domain.ContactReasonFilter{Avoidable: &yes}, "Where is my invoice?|Invoice arrived late"},
		{"value demand", domain.ContactReasonFilter{Avoidable: &no}, "On hold too long"},
		{"both", domain.ContactReasonFilter{TouchpointIDs: []string{f.queue.ID}, Avoidable: &yes}, ""},
	} {
		if got := list(c.f); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}

	// Update: the fields change, the version counts on; a taken name is 409,
	// a foreign touchpoint 422, a stale version 412.
	up, err := store.UpdateContactReason(ctx, f.ws, hold.ID, 1, func(r *domain.ContactReason) error {
		r.Name, r.TouchpointID, r.Avoidable, r.Description = "Kept on hold", f.invoice.ID, true, ""
		return r.Validate()
	})
	if err != nil || up.Version != 2 || up.Name != "Kept on hold" || up.TouchpointID != f.invoice.ID || !up.Avoidable || up.Description != "" ||
		!up.UpdatedAt.After(up.CreatedAt) {
		t.Fatalf("update: %+v, %v", up, err)
	}
	_, err = store.UpdateContactReason(ctx, f.ws, hold.ID, 2, func(r *domain.ContactReason) error { r.Name = "invoice ARRIVED late"; return nil })
	wantCode(t, "rename to a taken name", err, domain.EConflict)
	_, err = store.UpdateContactReason(ctx, f.ws, hold.ID, 2, func(r *domain.ContactReason) error { r.TouchpointID = f.otherTP.ID; return nil })
	wantField(t, "move to a foreign touchpoint", err, "/touchpoint_id")
	_, err = store.UpdateContactReason(ctx, f.ws, hold.ID, 1, func(r *domain.ContactReason) error { return nil })
	wantCode(t, "stale update", err, domain.EPreconditionFailed)
	if got, _ := store.GetContactReason(ctx, f.ws, hold.ID); got.Version != 2 || got.Name != "Kept on hold" {
		t.Fatalf("a refused update changed the reason: %+v", got)
	}

	// Another workspace sees none of it.
	_, err = store.GetContactReason(ctx, f.otherWS, invoice.ID)
	wantCode(t, "get from another workspace", err, domain.ENotFound)
	_, err = store.UpdateContactReason(ctx, f.otherWS, invoice.ID, 1, func(*domain.ContactReason) error { return nil })
	wantCode(t, "update from another workspace", err, domain.ENotFound)
	wantCode(t, "delete from another workspace", store.DeleteContactReason(ctx, f.otherWS, invoice.ID, 1), domain.ENotFound)
	if items, _, err := store.ListContactReasons(ctx, f.otherWS, domain.ContactReasonFilter{}, domain.Page{Limit: 10}); err != nil || len(items) != 1 || items[0].ID != theirs.ID {
		t.Fatalf("other workspace's list: %+v, %v", items, err)
	}

	// Delete: stale is 412; the volumes go with the reason.
	if err := store.CreateContactVolume(ctx, ptr(volume(f.ws, late.ID, "2026-01-01", "2026-01-31", "", 10, 5))); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "stale delete", store.DeleteContactReason(ctx, f.ws, late.ID, 2), domain.EPreconditionFailed)
	if err := store.DeleteContactReason(ctx, f.ws, late.ID, 1); err != nil {
		t.Fatalf("delete a reason with volumes: %v", err)
	}
	_, err = store.GetContactReason(ctx, f.ws, late.ID)
	wantCode(t, "get deleted", err, domain.ENotFound)
	if n := countSQL(t, store, "SELECT count(*) FROM contact_volumes WHERE reason_id = $1", late.ID); n != 0 {
		t.Fatalf("%d volume records outlived their reason", n)
	}
}

// An idea standing on a reason keeps it; a touchpoint a reason names cannot
// be deleted.
func TestContactReasonInUse(t *testing.T) {
	t.Parallel()
	f := newReasonFixture(t)
	ctx, store := f.ctx, f.store
	r := f.reason(t, "Where is my invoice?", f.invoice.ID, true)
	link := func(title string) {
		i := storeIdea(t, store, newTestIdea(f.ws, title, f.queue.ID))
		if _, err := store.SQL().ExecContext(ctx, `INSERT INTO idea_contact_reasons (idea_id, reason_id, workspace_id, created_at)
			VALUES ($1, $2, $3, now())`, i.ID, r.ID, f.ws); err != nil {
			t.Fatal(err)
		}
	}
	link("Plain-language invoice")
	err := store.DeleteContactReason(ctx, f.ws, r.ID, 1)
	wantCode(t, "delete linked", err, domain.EConflict)
	if msg := err.Error(); !strings.Contains(msg, `idea "Plain-language invoice" links this contact reason`) {
		t.Fatalf("message %q does not name the idea", msg)
	}
	for _, title := range []string{"E-mail the invoice", "Invoice in the app", "Due-date reminder"} {
		link(title)
	}
	err = store.DeleteContactReason(ctx, f.ws, r.ID, 1)
	wantCode(t, "delete linked to four", err, domain.EConflict)
	want := `4 ideas link this contact reason as evidence ("Plain-language invoice", "E-mail the invoice", "Invoice in the app" and 1 more)`
	if msg := err.Error(); !strings.Contains(msg, want) {
		t.Fatalf("message %q, want it to say %q", msg, want)
	}
	if _, err := store.GetContactReason(ctx, f.ws, r.ID); err != nil {
		t.Fatalf("a refused delete removed the reason: %v", err)
	}

	err = store.DeleteTouchpoint(ctx, f.ws, f.invoice.ID, f.invoice.Version)
	wantCode(t, "delete the touchpoint a reason names", err, domain.EConflict)
	if !strings.Contains(err.Error(), "contact reasons originate at this touchpoint") {
		t.Fatalf("message %q", err)
	}
	// Once no reason names it, the invoice can go.
	if _, err := store.UpdateContactReason(ctx, f.ws, r.ID, 1, func(r *domain.ContactReason) error { r.TouchpointID = f.queue.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteTouchpoint(ctx, f.ws, f.invoice.ID, f.invoice.Version); err != nil {
		t.Fatalf("delete a touchpoint no reason names: %v", err)
	}
}

func TestContactVolumes(t *testing.T) {
	t.Parallel()
	f := newReasonFixture(t)
	ctx, store := f.ctx, f.store
	r := f.reason(t, "Where is my invoice?", f.invoice.ID, true)
	other := f.reason(t, "On hold too long", f.queue.ID, false)

	jan := volume(f.ws, r.ID, "2026-01-01", "2026-01-31", "", 300, 200)
	if err := store.CreateContactVolume(ctx, &jan); err != nil {
		t.Fatal(err)
	}
	if jan.ID == "" || jan.Version != 1 || jan.CreatedAt.IsZero() {
		t.Fatalf("created %+v", jan)
	}
	// One record per (reason, period, channel): a channel of its own, or
	// another reason, is another record.
	again := volume(f.ws, r.ID, "2026-01-01", "2026-01-31", "", 1, 1)
	wantLine(t, "the same key", store.CreateContactVolume(ctx, &again), domain.EConflict, "/period_start", 0)
	janPhone := volume(f.ws, r.ID, "2026-01-01", "2026-01-31", domain.ChannelPhone, 120, 60)
	janOther := volume(f.ws, other.ID, "2026-01-01", "2026-01-31", "", 50, 50)
	feb := volume(f.ws, r.ID, "2026-02-01", "2026-02-28", "", 280, 190)
	febMail := volume(f.ws, r.ID, "2026-02-01", "2026-02-28", domain.ChannelMail, 10, 9)
	for _, v := range []*domain.ContactVolume{&janPhone, &janOther, &feb, &febMail} {
		if err := store.CreateContactVolume(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	foreign := volume(f.otherWS, r.ID, "2026-03-01", "2026-03-31", "", 1, 1)
	wantCode(t, "a record of another workspace's reason", store.CreateContactVolume(ctx, &foreign), domain.ENotFound)

	got, err := store.GetContactVolume(ctx, f.ws, r.ID, janPhone.ID)
	if err != nil || got.Channel != domain.ChannelPhone || got.Contacts != 120 || got.ResolvedFirstContact != 60 ||
		!got.PeriodStart.Equal(day("2026-01-01")) || !got.PeriodEnd.Equal(day("2026-01-31")) || got.Version != 1 {
		t.Fatalf("get: %+v, %v", got, err)
	}
	_, err = store.GetContactVolume(ctx, f.ws, other.ID, janPhone.ID)
	wantCode(t, "get through another reason", err, domain.ENotFound)
	_, err = store.GetContactVolume(ctx, f.otherWS, r.ID, janPhone.ID)
	wantCode(t, "get from another workspace", err, domain.ENotFound)

	list := func(fl domain.ContactVolumeFilter) []string {
		items := pageAll(t, 1, func(p domain.Page) ([]domain.ContactVolume, *domain.Cursor, error) {
			return store.ListContactVolumes(ctx, f.ws, r.ID, fl, p)
		}, func(v domain.ContactVolume) string { return v.ID })
		ids := make([]string, len(items))
		for n, v := range items {
			ids[n] = v.ID
		}
		return ids
	}
	byID := func(vs ...domain.ContactVolume) []string {
		ids := make([]string, len(vs))
		for n, v := range vs {
			ids[n] = v.ID
		}
		return ids
	}
	sortedJan := byID(jan, janPhone)
	if janPhone.ID < jan.ID {
		sortedJan = byID(janPhone, jan)
	}
	sortedFeb := byID(feb, febMail)
	if febMail.ID < feb.ID {
		sortedFeb = byID(febMail, feb)
	}
	from, to, midJan := day("2026-02-01"), day("2026-01-31"), day("2026-01-15")
	for _, c := range []struct {
		name string
		f    domain.ContactVolumeFilter
		want []string
	}{
		{"all, by period then id", domain.ContactVolumeFilter{}, append(sortedJan, sortedFeb...)},
		{"from", domain.ContactVolumeFilter{From: &from}, sortedFeb},
		{"to", domain.ContactVolumeFilter{To: &to}, sortedJan},
		{"a period must lie within", domain.ContactVolumeFilter{From: &midJan}, sortedFeb},
		{"channel", domain.ContactVolumeFilter{Channels: []domain.Channel{domain.ChannelPhone}}, byID(janPhone)},
		{"channels", domain.ContactVolumeFilter{Channels: []domain.Channel{domain.ChannelPhone, domain.ChannelMail}}, byID(janPhone, febMail)},
		{"nothing", domain.ContactVolumeFilter{From: &from, To: &to}, nil},
	} {
		if got := list(c.f); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	_, _, err = store.ListContactVolumes(ctx, f.otherWS, r.ID, domain.ContactVolumeFilter{}, domain.Page{})
	wantCode(t, "list another workspace's reason", err, domain.ENotFound)

	// Replace: the record takes the new period, channel and counts.
	with := volume(f.ws, r.ID, "2026-03-01", "2026-03-31", domain.ChannelChat, 40, 40)
	rep, err := store.ReplaceContactVolume(ctx, f.ws, r.ID, janPhone.ID, 1, &with)
	if err != nil || rep.ID != janPhone.ID || rep.Version != 2 || rep.Channel != domain.ChannelChat || rep.Contacts != 40 ||
		!rep.PeriodStart.Equal(day("2026-03-01")) || !rep.CreatedAt.Equal(janPhone.CreatedAt) || !rep.UpdatedAt.After(rep.CreatedAt) {
		t.Fatalf("replace: %+v, %v", rep, err)
	}
	taken := volume(f.ws, r.ID, "2026-02-01", "2026-02-28", "", 1, 0)
	_, err = store.ReplaceContactVolume(ctx, f.ws, r.ID, janPhone.ID, 2, &taken)
	wantLine(t, "replace onto a taken key", err, domain.EConflict, "/period_start", 0)
	_, err = store.ReplaceContactVolume(ctx, f.ws, r.ID, janPhone.ID, 1, &with)
	wantCode(t, "stale replace", err, domain.EPreconditionFailed)
	_, err = store.ReplaceContactVolume(ctx, f.otherWS, r.ID, janPhone.ID, 2, &with)
	wantCode(t, "replace from another workspace", err, domain.ENotFound)

	wantCode(t, "stale delete", store.DeleteContactVolume(ctx, f.ws, r.ID, janPhone.ID, 1), domain.EPreconditionFailed)
	wantCode(t, "delete through another reason", store.DeleteContactVolume(ctx, f.ws, other.ID, janPhone.ID, 2), domain.ENotFound)
	if err := store.DeleteContactVolume(ctx, f.ws, r.ID, janPhone.ID, 2); err != nil {
		t.Fatal(err)
	}
	_, err = store.GetContactVolume(ctx, f.ws, r.ID, janPhone.ID)
	wantCode(t, "get deleted", err, domain.ENotFound)
}

// contacts_per_month follows every kind of volume write, for the reason and
// for the ideas linked to it.
func TestContactsPerMonthDerived(t *testing.T) {
	t.Parallel()
	f := newReasonFixture(t)
	ctx, store := f.ctx, f.store
	r := f.reason(t, "Where is my invoice?", f.invoice.ID, true)
	hold := f.reason(t, "On hold too long", f.queue.ID, false)
	idea := storeIdea(t, store, newTestIdea(f.ws, "Plain-language invoice", f.invoice.ID))
	for _, reasonID := range []string{r.ID, hold.ID} {
		if _, err := store.SQL().ExecContext(ctx, `INSERT INTO idea_contact_reasons (idea_id, reason_id, workspace_id, created_at)
			VALUES ($1, $2, $3, now())`, idea.ID, reasonID, f.ws); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, reason, ideaWant float64) {
		t.Helper()
		wantPerMonth(t, what, store, "contact_reasons", r.ID, reason)
		wantPerMonth(t, what, store, "ideas", idea.ID, ideaWant)
	}

	// Twelve months of 100, 200, ..., 1,200: 7,800 in twelve months.
	records := monthly(f.ws, r.ID, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200)
	for n := range records[:11] {
		if err := store.CreateContactVolume(ctx, &records[n]); err != nil {
			t.Fatal(err)
		}
	}
	check("eleven months created", 6600.0/11, 6600.0/11)
	if err := store.CreateContactVolume(ctx, &records[11]); err != nil {
		t.Fatal(err)
	}
	check("twelve months created", 650, 650)

	// December corrected to 0: 6,600 in the same twelve months.
	dec := records[11]
	dec.Contacts, dec.ResolvedFirstContact = 0, 0
	if _, err := store.ReplaceContactVolume(ctx, f.ws, r.ID, records[11].ID, 1, &dec); err != nil {
		t.Fatal(err)
	}
	check("December replaced", 550, 550)
	// Deleting December: eleven months up to November.
	if err := store.DeleteContactVolume(ctx, f.ws, r.ID, records[11].ID, 2); err != nil {
		t.Fatal(err)
	}
	check("December deleted", 600, 600)

	// An import adds December back (1,200) and 300 a month of the other
	// reason, whose months the idea adds up too.
	batch := []domain.ContactVolume{monthly(f.ws, r.ID, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200)[11]}
	batch = append(batch, monthly(f.ws, hold.ID, 300, 300, 300)...)
	res, err := store.ImportContactVolumes(ctx, f.ws, batch, false)
	if err != nil || res.Inserted != 4 || res.Replaced != 0 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	check("imported", 650, 950)
	wantPerMonth(t, "imported", store, "contact_reasons", hold.ID, 300)

	// Upsert: January becomes 1,300.
	res, err = store.ImportContactVolumes(ctx, f.ws, monthly(f.ws, r.ID, 1300), true)
	if err != nil || res.Inserted != 0 || res.Replaced != 1 {
		t.Fatalf("upsert: %+v, %v", res, err)
	}
	check("upserted", 750, 1050)
	// A reason without records is back to 0, and so is its share of the idea.
	vs, _, err := store.ListContactVolumes(ctx, f.ws, hold.ID, domain.ContactVolumeFilter{}, domain.Page{Limit: 10})
	if err != nil || len(vs) != 3 {
		t.Fatalf("the other reason's records: %+v, %v", vs, err)
	}
	for _, v := range vs {
		if err := store.DeleteContactVolume(ctx, f.ws, hold.ID, v.ID, v.Version); err != nil {
			t.Fatal(err)
		}
	}
	wantPerMonth(t, "records deleted", store, "contact_reasons", hold.ID, 0)
	check("the other reason emptied", 750, 750)
}

func TestImportContactVolumes(t *testing.T) {
	t.Parallel()
	f := newReasonFixture(t)
	ctx, store := f.ctx, f.store
	r := f.reason(t, "Where is my invoice?", f.invoice.ID, true)
	hold := f.reason(t, "On hold too long", f.queue.ID, false)
	theirs := &domain.ContactReason{WorkspaceID: f.otherWS, Name: "Theirs", TouchpointID: f.otherTP.ID}
	if err := store.CreateContactReason(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		return countSQL(t, store, "SELECT count(*) FROM contact_volumes WHERE workspace_id = $1", f.ws)
	}

	base := append(monthly(f.ws, r.ID, 10, 20, 30), monthly(f.ws, hold.ID, 5, 6)...)
	res, err := store.ImportContactVolumes(ctx, f.ws, base, false)
	if err != nil || res.Inserted != 5 || res.Replaced != 0 || count() != 5 {
		t.Fatalf("first import: %+v, %v, %d stored", res, err, count())
	}
	for _, v := range base {
		if v.ID != "" {
			t.Fatal("the import set ids on its input")
		}
	}

	// All or nothing: a record of a key recorded already (row 3), a repeated
	// key (row 3), a reason of another workspace (row 2).
	april := monthly(f.ws, r.ID, 1, 2, 3, 4)[3]
	jan := monthly(f.ws, r.ID, 99)[0]
	janPhone := jan
	janPhone.Channel = domain.ChannelPhone
	foreign := volume(f.ws, theirs.ID, "2026-01-01", "2026-01-31", "", 1, 1)
	for _, c := range []struct {
		name    string
		vs      []domain.ContactVolume
		upsert  bool
		code    domain.ErrorCode
		pointer string
		line    int
	}{
		{"recorded already", []domain.ContactVolume{april, janPhone, jan}, false, domain.EConflict, "/period_start", 3},
		{"repeated", []domain.ContactVolume{april, janPhone, janPhone}, true, domain.EInvalid, "/period_start", 3},
		{"another workspace's reason", []domain.ContactVolume{april, foreign}, true, domain.EInvalid, "/reason", 2},
		{"an unknown reason", []domain.ContactVolume{volume(f.ws, domain.NewID(), "2026-01-01", "2026-01-31", "", 1, 1)}, false, domain.EInvalid, "/reason", 1},
	} {
		_, err := store.ImportContactVolumes(ctx, f.ws, c.vs, c.upsert)
		wantLine(t, c.name, err, c.code, c.pointer, c.line)
		if n := count(); n != 5 {
			t.Fatalf("%s: a refused import left %d records", c.name, n)
		}
	}
	if n := countSQL(t, store, "SELECT count(*) FROM contact_volumes WHERE reason_id = $1", theirs.ID); n != 0 {
		t.Fatalf("%d records were added to another workspace's reason", n)
	}

	// Upsert replaces January (version 2) and adds the rest.
	res, err = store.ImportContactVolumes(ctx, f.ws, []domain.ContactVolume{april, janPhone, jan}, true)
	if err != nil || res.Inserted != 2 || res.Replaced != 1 || count() != 7 {
		t.Fatalf("upsert: %+v, %v, %d stored", res, err, count())
	}
	vs, _, err := store.ListContactVolumes(ctx, f.ws, r.ID, domain.ContactVolumeFilter{To: ptr(day("2026-01-31")), Channels: nil}, domain.Page{Limit: 10})
	if err != nil || len(vs) != 2 {
		t.Fatalf("January: %+v, %v", vs, err)
	}
	for _, v := range vs {
		switch {
		case v.Channel == "" && (v.Contacts != 99 || v.ResolvedFirstContact != 49 || v.Version != 2 || !v.UpdatedAt.After(v.CreatedAt)):
			t.Errorf("replaced January: %+v", v)
		case v.Channel == domain.ChannelPhone && (v.Contacts != 99 || v.Version != 1):
			t.Errorf("added January by phone: %+v", v)
		}
	}
}

// A larger import, to see what it costs at the store.
func TestImportContactVolumesMany(t *testing.T) {
	t.Parallel()
	f := newReasonFixture(t)
	ctx, store := f.ctx, f.store
	const reasons, days = 20, 1000
	var vs []domain.ContactVolume
	ids := make([]string, reasons)
	for n := range reasons {
		ids[n] = f.reason(t, fmt.Sprintf("Reason %02d", n), f.invoice.ID, n%2 == 0).ID
		for d := range days {
			at := day("2024-01-01").AddDate(0, 0, d).Format(time.DateOnly)
			vs = append(vs, volume(f.ws, ids[n], at, at, "", n+1, 0))
		}
	}
	start := time.Now()
	res, err := store.ImportContactVolumes(ctx, f.ws, vs, false)
	if err != nil || res.Inserted != reasons*days {
		t.Fatalf("import: %+v, %v", res, err)
	}
	t.Logf("%d records of %d reasons imported in %s", len(vs), reasons, time.Since(start))
	start = time.Now()
	res, err = store.ImportContactVolumes(ctx, f.ws, vs, true)
	if err != nil || res.Replaced != reasons*days || res.Inserted != 0 {
		t.Fatalf("upsert: %+v, %v", res, err)
	}
	t.Logf("%d records upserted in %s", len(vs), time.Since(start))
	// Days 2024-01-01 .. 2026-09-26; the year up to the last: 365 days of
	// n+1 contacts over 12 months.
	wantPerMonth(t, "after the import", store, "contact_reasons", ids[3], 4*365.0/12)
}
