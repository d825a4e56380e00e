package repository_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// evReason inserts a contact reason with its contacts a month by SQL (the
// reasons' own store is another's) and returns its id.
func evReason(t *testing.T, store *repository.Store, ws, touchpointID, name string, perMonth float64) string {
	t.Helper()
	id := domain.NewID()
	_, err := store.SQL().ExecContext(context.Background(), `INSERT INTO contact_reasons
		(id, workspace_id, name, touchpoint_id, avoidable, description, contacts_per_month, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, true, '', $5, now(), now(), 1)`, id, ws, name, touchpointID, perMonth)
	if err != nil {
		t.Fatalf("insert contact reason %q: %v", name, err)
	}
	return id
}

// evFeedback inserts a feedback item by SQL, scored 2 on 1..5, and returns its id.
func evFeedback(t *testing.T, store *repository.Store, ws, touchpointID, text string, received time.Time) string {
	t.Helper()
	id := domain.NewID()
	_, err := store.SQL().ExecContext(context.Background(), `INSERT INTO feedback
		(id, workspace_id, touchpoint_id, source, text, score, score_min, score_max, received_at, customer_ref, language, created_at, updated_at, version)
		VALUES ($1, $2, $3, 'complaint', $4, 2, 1, 5, $5, '', 'english', now(), now(), 1)`, id, ws, touchpointID, text, received)
	if err != nil {
		t.Fatalf("insert feedback %q: %v", text, err)
	}
	return id
}

// link links reasons and feedback to the idea, which must succeed.
func link(t *testing.T, store *repository.Store, ws, ideaID string, reasons, feedback []string) *domain.Evidence {
	t.Helper()
	e, err := store.LinkEvidence(context.Background(), ws, ideaID, reasons, feedback, ideaActor)
	if err != nil {
		t.Fatalf("LinkEvidence: %v", err)
	}
	return e
}

func reasonIDsOf(e *domain.Evidence) []string {
	var out []string
	for _, r := range e.Reasons {
		out = append(out, r.ReasonID)
	}
	return out
}

func feedbackIDsOf(e *domain.Evidence) []string {
	var out []string
	for _, f := range e.Feedback {
		out = append(out, f.FeedbackID)
	}
	return out
}

func TestEvidenceLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "Billing", "Invoice")
	invoice := createTouchpoint(t, store, j, 0, tp{name: "Invoice"})
	oj := createJourney(t, store, other, "Billing", "Invoice")
	foreignTP := createTouchpoint(t, store, oj, 0, tp{name: "Invoice"})

	idea := storeIdea(t, store, newTestIdea(ws, "Plain-language invoice", invoice.ID))
	spare := storeIdea(t, store, newTestIdea(ws, "Invoice by e-mail", invoice.ID))
	foreignIdea := storeIdea(t, store, newTestIdea(other, "Their idea", foreignTP.ID))
	created := getIdea(t, store, ws, idea.ID)

	where := evReason(t, store, ws, invoice.ID, "Where is my invoice?", 1200)
	wrong := evReason(t, store, ws, invoice.ID, "Wrong amount", 300.5)
	foreignReason := evReason(t, store, other, foreignTP.ID, "Where is my invoice?", 999)
	day := time.Date(2026, 10, 3, 9, 30, 0, 0, time.UTC)
	longText := strings.Repeat("I phoned three times about my invoice. ", 30)
	fb1 := evFeedback(t, store, ws, invoice.ID, longText, day)
	fb2 := evFeedback(t, store, ws, invoice.ID, "The invoice is unreadable", day.AddDate(0, 0, 1))
	foreignFB := evFeedback(t, store, other, foreignTP.ID, "Theirs", day)

	// A first link: the evidence and the idea's summary show it.
	e := link(t, store, ws, idea.ID, []string{where}, []string{fb1})
	if !slices.Equal(reasonIDsOf(e), []string{where}) || !slices.Equal(feedbackIDsOf(e), []string{fb1}) {
		t.Fatalf("evidence after the first link: %+v", e)
	}
	if want := (domain.IdeaEvidence{FeedbackCount: 1, ContactReasons: 1, ContactsPerMonth: 1200}); e.Summary != want {
		t.Fatalf("summary %+v, want %+v", e.Summary, want)
	}
	r := e.Reasons[0]
	if r.Name != "Where is my invoice?" || r.TouchpointID != invoice.ID || !r.Avoidable || r.ContactsPerMonth != 1200 || r.LinkedAt.IsZero() {
		t.Fatalf("linked reason %+v", r)
	}
	f := e.Feedback[0]
	if f.Text != longText || f.Source != domain.FeedbackComplaint || f.TouchpointID != invoice.ID || !f.ReceivedAt.Equal(day) ||
		f.Score == nil || *f.Score != 2 || f.ScoreMin == nil || *f.ScoreMin != 1 || f.ScoreMax == nil || *f.ScoreMax != 5 {
		t.Fatalf("linked feedback %+v", f)
	}
	got := getIdea(t, store, ws, idea.ID)
	if got.Evidence != e.Summary {
		t.Fatalf("GetIdea evidence %+v, want %+v", got.Evidence, e.Summary)
	}
	// Links change neither the version nor updated_at.
	if got.Version != created.Version || !got.UpdatedAt.Equal(created.UpdatedAt) {
		t.Fatalf("a link bumped the idea: version %d → %d, updated_at %v → %v", created.Version, got.Version, created.UpdatedAt, got.UpdatedAt)
	}

	// Linking again is idempotent; repeats within a request too; the ids
	// may be in capitals.
	e = link(t, store, ws, idea.ID, []string{strings.ToUpper(where), wrong, wrong}, []string{fb1, fb2})
	if !slices.Equal(reasonIDsOf(e), []string{where, wrong}) || !slices.Equal(feedbackIDsOf(e), []string{fb2, fb1}) {
		t.Fatalf("evidence after linking again: reasons %v, feedback %v", reasonIDsOf(e), feedbackIDsOf(e))
	}
	if want := (domain.IdeaEvidence{FeedbackCount: 2, ContactReasons: 2, ContactsPerMonth: 1500.5}); e.Summary != want {
		t.Fatalf("summary %+v, want %+v", e.Summary, want)
	}
	if n := countSQL(t, store, "SELECT count(*) FROM idea_contact_reasons WHERE idea_id = $1", idea.ID); n != 2 {
		t.Fatalf("%d reason links, want 2", n)
	}
	if n := countSQL(t, store, "SELECT count(*) FROM idea_feedback WHERE idea_id = $1", idea.ID); n != 2 {
		t.Fatalf("%d feedback links, want 2", n)
	}

	// Refused links name the field and link nothing.
	refused := []struct {
		name              string
		ideaID            string
		reasons, feedback []string
		code              domain.ErrorCode
		pointers          []string
	}{
		{"another workspace's reason", spare.ID, []string{where, foreignReason}, nil, domain.EInvalid, []string{"/contact_reason_ids/1"}},
		{"another workspace's feedback", spare.ID, []string{where}, []string{foreignFB}, domain.EInvalid, []string{"/feedback_ids/0"}},
		{"an unknown reason", spare.ID, []string{domain.NewID()}, nil, domain.EInvalid, []string{"/contact_reason_ids/0"}},
		{"a feedback id that is a reason's", spare.ID, nil, []string{fb1, where}, domain.EInvalid, []string{"/feedback_ids/1"}},
		{"not a UUID", spare.ID, []string{"where-is-my-invoice"}, nil, domain.EInvalid, []string{"/contact_reason_ids/0"}},
		{"nothing to link", spare.ID, nil, []string{}, domain.EInvalid, []string{"/contact_reason_ids", "/feedback_ids"}},
		{"101 reasons", spare.ID, slices.Repeat([]string{where}, 101), nil, domain.EInvalid, []string{"/contact_reason_ids"}},
		{"101 feedback items", spare.ID, nil, slices.Repeat([]string{fb1}, 101), domain.EInvalid, []string{"/feedback_ids"}},
		{"an unknown idea", domain.NewID(), []string{where}, nil, domain.ENotFound, nil},
		{"another workspace's idea", foreignIdea.ID, []string{where}, nil, domain.ENotFound, nil},
	}
	for _, c := range refused {
		_, err := store.LinkEvidence(ctx, ws, c.ideaID, c.reasons, c.feedback, ideaActor)
		wantCode(t, c.name, err, c.code)
		if fields := domain.FieldsOf(err); c.pointers != nil && !slices.Equal(pointersOf(fields), c.pointers) {
			t.Fatalf("%s: fields %+v, want pointers %v", c.name, fields, c.pointers)
		}
	}
	if n := countSQL(t, store, "SELECT count(*) FROM idea_contact_reasons WHERE idea_id = $1", spare.ID) +
		countSQL(t, store, "SELECT count(*) FROM idea_feedback WHERE idea_id = $1", spare.ID); n != 0 {
		t.Fatalf("refused links left %d links", n)
	}
	if n := countSQL(t, store, "SELECT count(*) FROM idea_contact_reasons WHERE idea_id = $1", foreignIdea.ID); n != 0 {
		t.Fatalf("another workspace's idea got %d links", n)
	}
	// 100 of each is the limit, not a refusal.
	if _, err := store.LinkEvidence(ctx, ws, spare.ID, slices.Repeat([]string{where}, 100), slices.Repeat([]string{fb2}, 100), ideaActor); err != nil {
		t.Fatalf("100 ids of each: %v", err)
	}

	// The idea's contacts a month is its reasons' at the last link change.
	if _, err := store.SQL().ExecContext(ctx, "UPDATE contact_reasons SET contacts_per_month = 250 WHERE id = $1", wrong); err != nil {
		t.Fatal(err)
	}
	mail := evReason(t, store, ws, invoice.ID, "Invoice never arrived", 49.5)
	e = link(t, store, ws, idea.ID, []string{mail}, []string{})
	if want := (domain.IdeaEvidence{FeedbackCount: 2, ContactReasons: 3, ContactsPerMonth: 1200 + 250 + 49.5}); e.Summary != want {
		t.Fatalf("summary %+v, want %+v", e.Summary, want)
	}

	// Unlinking: the summary follows; what is not linked is not found.
	if err := store.UnlinkContactReason(ctx, ws, idea.ID, where, ideaActor); err != nil {
		t.Fatalf("UnlinkContactReason: %v", err)
	}
	if err := store.UnlinkFeedback(ctx, ws, idea.ID, fb1, ideaActor); err != nil {
		t.Fatalf("UnlinkFeedback: %v", err)
	}
	e, err := store.IdeaEvidence(ctx, ws, idea.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(reasonIDsOf(e), []string{wrong, mail}) || !slices.Equal(feedbackIDsOf(e), []string{fb2}) {
		t.Fatalf("evidence after unlinking: reasons %v, feedback %v", reasonIDsOf(e), feedbackIDsOf(e))
	}
	if want := (domain.IdeaEvidence{FeedbackCount: 1, ContactReasons: 2, ContactsPerMonth: 299.5}); e.Summary != want || getIdea(t, store, ws, idea.ID).Evidence != want {
		t.Fatalf("summary %+v, idea %+v, want %+v", e.Summary, getIdea(t, store, ws, idea.ID).Evidence, want)
	}
	for name, err := range map[string]error{
		"a reason unlinked already":        store.UnlinkContactReason(ctx, ws, idea.ID, where, ideaActor),
		"a reason never linked":            store.UnlinkContactReason(ctx, ws, spare.ID, wrong, ideaActor),
		"feedback unlinked already":        store.UnlinkFeedback(ctx, ws, idea.ID, fb1, ideaActor),
		"another workspace's idea":         store.UnlinkContactReason(ctx, other, idea.ID, wrong, ideaActor),
		"feedback of another workspace":    store.UnlinkFeedback(ctx, ws, idea.ID, foreignFB, ideaActor),
		"the evidence of an unknown idea":  func() error { _, err := store.IdeaEvidence(ctx, ws, domain.NewID()); return err }(),
		"another workspace's idea's links": func() error { _, err := store.IdeaEvidence(ctx, other, idea.ID); return err }(),
	} {
		wantCode(t, name, err, domain.ENotFound)
	}
	if n := countSQL(t, store, "SELECT count(*) FROM idea_contact_reasons WHERE idea_id = $1", idea.ID); n != 2 {
		t.Fatalf("%d reason links after the refused unlinks, want 2", n)
	}

	// Each change is in the history, with the actor; the idea's version never moved.
	entries := ideaHistorySince(t, store, ws, idea.ID, 1)
	fbLabel := func(received time.Time, text string) string {
		return "feedback (complaint, " + received.Format(time.DateOnly) + `) "` + text + `"`
	}
	longLabel := fbLabel(day, strings.TrimSpace(longText[:79])+"…")
	want := []domain.Change{
		{Field: "evidence", New: "linked contact reason Where is my invoice?"},
		{Field: "evidence", New: "linked " + longLabel},
		{Field: "evidence", New: "linked contact reason Wrong amount"},
		{Field: "evidence", New: "linked " + fbLabel(day.AddDate(0, 0, 1), "The invoice is unreadable")},
		{Field: "evidence", New: "linked contact reason Invoice never arrived"},
		{Field: "evidence", Old: "linked contact reason Where is my invoice?", New: "unlinked contact reason Where is my invoice?"},
		{Field: "evidence", Old: "linked " + longLabel, New: "unlinked " + longLabel},
	}
	if len(entries) != len(want) {
		t.Fatalf("%d history entries %+v, want %d", len(entries), entries, len(want))
	}
	for n, h := range entries {
		if h.Field != want[n].Field || h.Old != want[n].Old || h.New != want[n].New || h.Actor != ideaActor {
			t.Fatalf("history entry %d is %+v, want %+v by %q", n, h, want[n], ideaActor)
		}
	}
	if v := getIdea(t, store, ws, idea.ID).Version; v != created.Version {
		t.Fatalf("version %d after evidence changes, want %d", v, created.Version)
	}
	// A refused or idempotent link writes no history.
	if n := len(ideaHistorySince(t, store, ws, spare.ID, 1)); n != 2 { // the two links of 100 ids
		t.Fatalf("spare idea: %d history entries after refused links and one of 100 ids, want 2", n)
	}
}

// Every read path of ideas carries the evidence summary: one idea, the
// list (also searched), the ranked lanes; and an update answers it too.
func TestIdeaEvidenceOnEveryRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Billing", "Invoice")
	invoice := createTouchpoint(t, store, j, 0, tp{name: "Invoice"})
	reasons := []string{
		evReason(t, store, ws, invoice.ID, "Where is my invoice?", 1000),
		evReason(t, store, ws, invoice.ID, "Wrong amount", 200.25),
		evReason(t, store, ws, invoice.ID, "Cannot pay", 7),
	}
	var feedback []string
	for n := range 5 {
		feedback = append(feedback, evFeedback(t, store, ws, invoice.ID, fmt.Sprintf("verbatim %d", n), time.Date(2026, 10, n+1, 0, 0, 0, 0, time.UTC)))
	}
	// Idea n links reasons[:n%4] and feedback[:n%6]; statuses vary for the lanes.
	statuses := []domain.IdeaStatus{domain.StatusNew, domain.StatusUnderReview, domain.StatusPlanned}
	want := map[string]domain.IdeaEvidence{}
	for n := range 8 {
		i := newTestIdea(ws, fmt.Sprintf("Invoice idea %d", n), invoice.ID)
		i.Status = statuses[n%3]
		storeIdea(t, store, i)
		rs, fs := reasons[:n%4], feedback[:n%6]
		var perMonth float64
		for _, r := range rs {
			perMonth += map[string]float64{reasons[0]: 1000, reasons[1]: 200.25, reasons[2]: 7}[r]
		}
		if len(rs)+len(fs) > 0 {
			link(t, store, ws, i.ID, rs, fs)
		}
		want[i.ID] = domain.IdeaEvidence{FeedbackCount: len(fs), ContactReasons: len(rs), ContactsPerMonth: perMonth}
	}
	check := func(what string, ideas []domain.Idea) {
		t.Helper()
		if len(ideas) == 0 {
			t.Fatalf("%s: no ideas", what)
		}
		for _, i := range ideas {
			if i.Evidence != want[i.ID] {
				t.Fatalf("%s: %q has evidence %+v, want %+v", what, i.Title, i.Evidence, want[i.ID])
			}
		}
	}
	for id := range want {
		check("GetIdea", []domain.Idea{*getIdea(t, store, ws, id)})
	}
	check("ListIdeas", pageIdeas(t, store, ws, domain.IdeaFilter{}, 3))
	check("ListIdeas searched", pageIdeas(t, store, ws, domain.IdeaFilter{Query: ptr("idea")}, 3))
	check("ListIdeas by contacts", pageIdeas(t, store, ws, domain.IdeaFilter{Sort: domain.SortContactsDesc}, 2))
	lanes, err := store.RankedIdeas(ctx, ws, statuses, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ranked []domain.Idea
	for _, lane := range lanes {
		for _, r := range lane {
			ranked = append(ranked, r.Idea)
		}
	}
	if len(ranked) != 8 {
		t.Fatalf("RankedIdeas: %d ideas, want 8", len(ranked))
	}
	check("RankedIdeas", ranked)
	// An update answers the idea with its evidence.
	id := ranked[0].ID
	for _, i := range ranked {
		if want[i.ID].ContactReasons > 0 {
			id = i.ID
		}
	}
	before := getIdea(t, store, ws, id)
	after, err := store.UpdateIdea(ctx, ws, id, before.Version, ideaActor, func(i *domain.Idea) error { i.Title += " (renamed)"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	check("UpdateIdea", []domain.Idea{*after})
}

// The backlog sorted by the volume an idea addresses: contacts a month
// descending, ties (and ideas without reasons) by created_at then id, the
// same through every page size, with filters and with a search.
func TestIdeasSortedByContacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "Billing", "Invoice")
	invoice := createTouchpoint(t, store, j, 0, tp{name: "Invoice"})
	oj := createJourney(t, store, other, "Billing", "Invoice")
	foreignTP := createTouchpoint(t, store, oj, 0, tp{name: "Invoice"})
	perMonth := []float64{500, 120.25, 1000, 0.5}
	reasons := make([]string, len(perMonth))
	for n, v := range perMonth {
		reasons[n] = evReason(t, store, ws, invoice.ID, fmt.Sprintf("Reason %d", n), v)
	}
	// Which reasons each idea links: equal sums (1000, 620.25 and 500
	// twice each) make ties, and three ideas link none.
	links := [][]int{{0}, {1}, {}, {0}, {2}, {0, 1}, {}, {1, 0}, {3}, {2}, {}}
	base := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	var all []domain.Idea
	for n, ls := range links {
		i := newTestIdea(ws, fmt.Sprintf("Idea %02d", n), invoice.ID)
		if n%4 == 3 {
			i.Status = domain.StatusPlanned
		}
		if n%5 == 0 {
			i.Title += " about refunds"
		}
		storeIdea(t, store, i)
		var rs []string
		for _, k := range ls {
			rs = append(rs, reasons[k])
		}
		if len(rs) > 0 {
			link(t, store, ws, i.ID, rs, nil)
		}
		// Ties on created_at too, so that id decides.
		if _, err := store.SQL().ExecContext(ctx, "UPDATE ideas SET created_at = $1 WHERE id = $2", base.Add(time.Duration(n%3)*time.Second), i.ID); err != nil {
			t.Fatal(err)
		}
		all = append(all, *getIdea(t, store, ws, i.ID))
	}
	// Look-alikes in another workspace, with more volume, never show.
	foreign := storeIdea(t, store, newTestIdea(other, "Idea 99 about refunds", foreignTP.ID))
	link(t, store, other, foreign.ID, []string{evReason(t, store, other, foreignTP.ID, "Theirs", 1e6)}, nil)

	byVolume := func(a, b domain.Idea) int {
		return cmp.Or(-cmp.Compare(a.Evidence.ContactsPerMonth, b.Evidence.ContactsPerMonth), a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	}
	want := slices.Clone(all)
	slices.SortFunc(want, byVolume)
	// The expected order is really by volume: the hand-computed sums.
	var volumes []float64
	for _, i := range want {
		volumes = append(volumes, i.Evidence.ContactsPerMonth)
	}
	if wantVolumes := []float64{1000, 1000, 620.25, 620.25, 500, 500, 120.25, 0.5, 0, 0, 0}; !slices.Equal(volumes, wantVolumes) {
		t.Fatalf("volumes %v, want %v", volumes, wantVolumes)
	}
	filtered := func(keep func(domain.Idea) bool) []domain.Idea {
		var out []domain.Idea
		for _, i := range want {
			if keep(i) {
				out = append(out, i)
			}
		}
		return out
	}
	cases := []struct {
		name string
		f    domain.IdeaFilter
		want []domain.Idea
	}{
		{"all", domain.IdeaFilter{}, want},
		{"planned", domain.IdeaFilter{Statuses: []domain.IdeaStatus{domain.StatusPlanned}},
			filtered(func(i domain.Idea) bool { return i.Status == domain.StatusPlanned })},
		{"searched", domain.IdeaFilter{Query: ptr("refunds")},
			filtered(func(i domain.Idea) bool { return strings.Contains(i.Title, "refunds") })},
	}
	for _, c := range cases {
		c.f.Sort = domain.SortContactsDesc
		for _, limit := range []int{1, 2, 3, 4, 100} {
			got := pageIdeas(t, store, ws, c.f, limit)
			if !slices.Equal(ideaIDs(got), ideaIDs(c.want)) {
				t.Fatalf("%s, limit %d:\n got %v\nwant %v", c.name, limit, contactsTitles(got), contactsTitles(c.want))
			}
		}
	}
	// A cursor carries the volume: the page after the second idea starts
	// with the third, although the first two tie on volume.
	page, next, err := store.ListIdeas(ctx, ws, domain.IdeaFilter{Sort: domain.SortContactsDesc}, nil, 2)
	if err != nil || next == nil || next.ContactsPerMonth != 1000 || next.Sort != domain.SortContactsDesc || page[1].ID != want[1].ID {
		t.Fatalf("first page %v, cursor %+v, %v", contactsTitles(page), next, err)
	}
	page, _, err = store.ListIdeas(ctx, ws, domain.IdeaFilter{Sort: domain.SortContactsDesc}, next, 1)
	if err != nil || len(page) != 1 || page[0].ID != want[2].ID {
		t.Fatalf("after the cursor: %v, %v; want %s", contactsTitles(page), err, want[2].Title)
	}
}

func contactsTitles(ideas []domain.Idea) []string {
	out := make([]string, len(ideas))
	for n, i := range ideas {
		out[n] = fmt.Sprintf("%s/%g/%.8s", i.Title, i.Evidence.ContactsPerMonth, i.ID)
	}
	return out
}

func pointersOf(fields []domain.FieldError) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.Pointer)
	}
	return out
}
