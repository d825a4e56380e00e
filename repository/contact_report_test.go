package repository_test

import (
	"context"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// contactFixture writes reasons, volume records and evidence links with
// SQL, so that the report's sums are tested apart from the stores that
// write them.
type contactFixture struct {
	t     *testing.T
	store *repository.Store
	ws    string
	tp    *domain.Touchpoint
}

func newContactFixture(t *testing.T, store *repository.Store, slug string) *contactFixture {
	t.Helper()
	ws := newWorkspace(t, store, slug)
	j := createJourney(t, store, ws, "Calling about a bill", "Bill")
	return &contactFixture{t: t, store: store, ws: ws, tp: createTouchpoint(t, store, j, 0, tp{name: "Invoice", channel: domain.ChannelMail})}
}

func (f *contactFixture) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := f.store.SQL().ExecContext(context.Background(), query, args...); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
}

func (f *contactFixture) reason(name string, avoidable bool) string {
	f.t.Helper()
	id := domain.NewID()
	f.exec(`INSERT INTO contact_reasons (id, workspace_id, name, touchpoint_id, avoidable, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, now(), now(), 1)`, id, f.ws, name, f.tp.ID, avoidable)
	return id
}

func (f *contactFixture) volume(reason, start, end, channel string, contacts, resolved int) {
	f.t.Helper()
	f.exec(`INSERT INTO contact_volumes (id, workspace_id, reason_id, period_start, period_end, channel, contacts, resolved_first_contact,
		created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now(), 1)`,
		domain.NewID(), f.ws, reason, start, end, channel, contacts, resolved)
}

// link makes an idea with status evidence of the reason.
func (f *contactFixture) link(reason string, status domain.IdeaStatus) {
	f.t.Helper()
	i := storeIdea(f.t, f.store, newTestIdea(f.ws, "Idea "+domain.NewID()[:8], f.tp.ID))
	f.exec(`UPDATE ideas SET status = $2 WHERE id = $1`, i.ID, string(status))
	f.exec(`INSERT INTO idea_contact_reasons (idea_id, reason_id, workspace_id, created_at) VALUES ($1, $2, $3, now())`, i.ID, reason, f.ws)
}

func reportDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestContactReasonCounts(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	f := newContactFixture(t, store, "acme")
	other := newContactFixture(t, store, "other")

	// October 2026; the previous window is September (whole months compare with as many months).
	w := domain.Window{From: reportDate("2026-10-01"), To: reportDate("2026-10-31")}
	invoice, refund, address, quiet := f.reason("Invoice unclear", true), f.reason("Where is my refund?", true),
		f.reason("Change of address", false), f.reason("Password reset", true)
	// Channels are summed: 300 by phone and 200 by email.
	f.volume(invoice, "2026-10-01", "2026-10-31", "phone", 300, 200)
	f.volume(invoice, "2026-10-01", "2026-10-31", "email", 200, 140)
	f.volume(invoice, "2026-09-01", "2026-09-30", "", 400, 250)
	// Weeks inside the window count; one straddling its end counts in neither.
	f.volume(refund, "2026-10-05", "2026-10-11", "", 100, 50)
	f.volume(refund, "2026-10-12", "2026-10-18", "", 200, 100)
	f.volume(refund, "2026-10-26", "2026-11-01", "", 999, 999)
	// One straddling the start of the window counts in neither window.
	f.volume(address, "2026-09-20", "2026-10-05", "", 777, 700)
	f.volume(address, "2026-10-06", "2026-10-31", "chat", 200, 190)
	f.volume(address, "2026-09-01", "2026-09-15", "", 180, 100)
	// Before the previous window and after the window: not counted.
	f.volume(address, "2026-08-01", "2026-08-30", "", 5000, 5000)
	f.volume(address, "2026-11-01", "2026-11-30", "", 6000, 6000)
	// Open ideas only: new and piloting count, adopted, rejected and parked do not.
	f.link(invoice, domain.StatusNew)
	f.link(invoice, domain.StatusPiloting)
	f.link(invoice, domain.StatusAdopted)
	f.link(refund, domain.StatusRejected)
	f.link(refund, domain.StatusParked)
	f.link(address, domain.StatusPlanned)
	// Another workspace's reason, records and ideas in the same windows.
	theirs := other.reason("Invoice unclear", true)
	other.volume(theirs, "2026-10-01", "2026-10-31", "", 12345, 1)
	other.volume(theirs, "2026-09-01", "2026-09-30", "", 54321, 1)
	other.link(theirs, domain.StatusNew)

	counts, err := store.ContactReasonCounts(ctx, f.ws, w)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		contacts, resolved, previous, open int
		avoidable                          bool
	}
	wants := map[string]want{
		"Invoice unclear":     {500, 340, 400, 2, true},
		"Where is my refund?": {300, 150, 0, 0, true},
		"Change of address":   {200, 190, 180, 1, false},
		"Password reset":      {0, 0, 0, 0, true},
	}
	if len(counts) != len(wants) {
		t.Fatalf("%d reasons, want %d: %+v", len(counts), len(wants), counts)
	}
	ids := map[string]string{"Invoice unclear": invoice, "Where is my refund?": refund, "Change of address": address, "Password reset": quiet}
	for _, c := range counts {
		wt, ok := wants[c.Reason.Name]
		if !ok {
			t.Fatalf("unexpected reason %q", c.Reason.Name)
		}
		got := want{c.Contacts, c.Resolved, c.PreviousContacts, c.OpenIdeas, c.Reason.Avoidable}
		if got != wt {
			t.Errorf("%s: got %+v, want %+v", c.Reason.Name, got, wt)
		}
		if c.Reason.ID != ids[c.Reason.Name] || c.Reason.WorkspaceID != f.ws || c.Reason.TouchpointID != f.tp.ID || c.TouchpointName != "Invoice" {
			t.Errorf("%s: reason %+v at %q", c.Reason.Name, c.Reason, c.TouchpointName)
		}
	}

	// The previous window is the one of equal length before: November's
	// (30 days) is 2026-10-02..2026-10-31, which holds the chat record.
	nov, err := store.ContactReasonCounts(ctx, f.ws, domain.Window{From: reportDate("2026-11-01"), To: reportDate("2026-11-30")})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range nov {
		if c.Reason.Name == "Change of address" && (c.Contacts != 6000 || c.Resolved != 6000 || c.PreviousContacts != 200) {
			t.Errorf("November: %+v", c)
		}
	}

	// The other workspace sees only its own.
	theirCounts, err := store.ContactReasonCounts(ctx, other.ws, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(theirCounts) != 1 || theirCounts[0].Contacts != 12345 || theirCounts[0].PreviousContacts != 54321 || theirCounts[0].OpenIdeas != 1 {
		t.Fatalf("other workspace: %+v", theirCounts)
	}
	// A workspace without reasons has an empty report.
	empty, err := store.ContactReasonCounts(ctx, newWorkspace(t, store, "empty"), w)
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty workspace: %+v, %v", empty, err)
	}
}
