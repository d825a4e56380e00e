package repository_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// feedbackAt is a valid verbatim at touchpoint tpID received at day d of
// October 2026, in language lang ("" for the default).
func feedbackAt(ws, tpID string, d int, text, lang string) domain.Feedback {
	return domain.Feedback{WorkspaceID: ws, TouchpointID: tpID, Source: domain.FeedbackSurvey, Text: text, Language: lang,
		ReceivedAt: time.Date(2026, 10, d, 9, 30, 0, 0, time.UTC)}
}

func createFeedback(t *testing.T, store *repository.Store, f domain.Feedback) *domain.Feedback {
	t.Helper()
	if err := f.Validate(); err != nil {
		t.Fatalf("validate %q: %v", f.Text, err)
	}
	if err := store.CreateFeedback(context.Background(), &f); err != nil {
		t.Fatalf("create %q: %v", f.Text, err)
	}
	return &f
}

// feedbackTexts lists every page of the search and returns the texts in
// order, failing if an item repeats.
func feedbackTexts(t *testing.T, store *repository.Store, ws string, f domain.FeedbackFilter, byRelevance bool, limit int) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	page, rank := domain.Page{Limit: limit}, 0.0
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		items, ranks, next, err := store.SearchFeedback(context.Background(), ws, f, byRelevance, page, rank)
		if err != nil {
			t.Fatalf("search %+v: %v", f, err)
		}
		if (f.Query != "") != (ranks != nil) || (ranks != nil && len(ranks) != len(items)) {
			t.Fatalf("search %+v: %d ranks for %d items", f, len(ranks), len(items))
		}
		for n, it := range items {
			if seen[it.ID] {
				t.Fatalf("search %+v: %q repeated", f, it.Text)
			}
			seen[it.ID] = true
			out = append(out, it.Text)
			if ranks != nil && ranks[n] <= 0 {
				t.Fatalf("search %+v: %q ranked %v", f, it.Text, ranks[n])
			}
		}
		if next == nil {
			return out
		}
		page.After = next
		if ranks != nil {
			rank = ranks[len(ranks)-1]
		}
	}
}

func TestFeedbackFullTextSearch(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Lunch", "Eat")
	food := createTouchpoint(t, store, j, 0, tp{name: "Food"})
	for d, text := range []string{
		"I never got the invoice for my lunch",      // 1: english
		"The soup was cold and the bread was stale", // 2
		"Cold drinks were great",                    // 3
		"The cold soup was awful",                   // 4
		"Lovely hot soup, cold soup is no soup",     // 5
	} {
		createFeedback(t, store, feedbackAt(ws, food.ID, d+1, text, ""))
	}
	createFeedback(t, store, feedbackAt(ws, food.ID, 6, "Second invoice still missing", "simple"))

	for _, c := range []struct {
		name, q, lang string
		want          []string // newest first
	}{
		// Stemmed in english both ways: "invoices" finds "invoice"; the
		// verbatim stored in simple keeps "invoice" unstemmed.
		{"english stems", "invoices", "english", []string{"I never got the invoice for my lunch"}},
		{"default is english", "invoices", "", []string{"I never got the invoice for my lunch"}},
		{"simple does not stem", "invoices", "simple", nil},
		{"simple matches its own words", "invoice", "simple", []string{"Second invoice still missing"}},
		{"not", "cold -soup", "", []string{"Cold drinks were great"}},
		{"phrase", `"cold soup"`, "", []string{"Lovely hot soup, cold soup is no soup", "The cold soup was awful"}},
		{"or", "stale or drinks", "", []string{"Cold drinks were great", "The soup was cold and the bread was stale"}},
		{"stop words only", "the", "", nil},
		{"case and punctuation", "COLD, SOUP!", "", []string{"Lovely hot soup, cold soup is no soup", "The cold soup was awful",
			"The soup was cold and the bread was stale"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := feedbackTexts(t, store, ws, domain.FeedbackFilter{Query: c.q, Language: c.lang}, false, 2)
			if !slices.Equal(got, c.want) {
				t.Fatalf("q=%q language=%q: %q, want %q", c.q, c.lang, got, c.want)
			}
		})
	}

	// By relevance: the verbatim saying it most ranks first, ties newest first.
	got := feedbackTexts(t, store, ws, domain.FeedbackFilter{Query: "soup"}, true, 1)
	want := []string{"Lovely hot soup, cold soup is no soup", "The cold soup was awful", "The soup was cold and the bread was stale"}
	if !slices.Equal(got, want) {
		t.Fatalf("soup by relevance: %q, want %q", got, want)
	}
	items, ranks, _, err := store.SearchFeedback(context.Background(), ws, domain.FeedbackFilter{Query: "soup"}, true, domain.Page{Limit: 5}, 0)
	if err != nil || len(items) != 3 || !(ranks[0] > ranks[1] && ranks[1] == ranks[2]) {
		t.Fatalf("ranks %v, %v", ranks, err)
	}

	// A language PostgreSQL has but the API does not offer is refused
	// before it reaches SQL; so is relevance without a query.
	_, _, _, err = store.SearchFeedback(context.Background(), ws, domain.FeedbackFilter{Query: "soup", Language: "english'; --"}, false, domain.Page{}, 0)
	wantCode(t, "bad language", err, domain.EMalformed)
	_, _, _, err = store.SearchFeedback(context.Background(), ws, domain.FeedbackFilter{}, true, domain.Page{}, 0)
	wantCode(t, "relevance without q", err, domain.EMalformed)
}

func TestFeedbackFiltersAndPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Calling about a bill", "Call")
	phone := createTouchpoint(t, store, j, 0, tp{name: "Phone queue", channel: domain.ChannelPhone})
	bill := createTouchpoint(t, store, j, 0, tp{name: "Invoice"})
	// Day d: source and touchpoint.
	var all []*domain.Feedback
	for d := 1; d <= 9; d++ {
		f := feedbackAt(ws, phone.ID, d, fmt.Sprintf("day %d", d), "")
		if d%3 == 0 {
			f.TouchpointID = bill.ID
		}
		f.Source = domain.FeedbackSources[d%len(domain.FeedbackSources)]
		all = append(all, createFeedback(t, store, f))
	}
	// Two on the same instant: the id breaks the tie, never repeating one.
	twin := feedbackAt(ws, phone.ID, 5, "day 5 again", "")
	twin.Source = domain.FeedbackSources[5%len(domain.FeedbackSources)]
	twinID := createFeedback(t, store, twin).ID

	texts := func(f domain.FeedbackFilter, limit int) []string {
		t.Helper()
		return feedbackTexts(t, store, ws, f, false, limit)
	}
	day5 := []string{"day 5", "day 5 again"}
	if all[4].ID < twinID { // id descending breaks the tie
		day5 = []string{"day 5 again", "day 5"}
	}
	newest := append(append([]string{"day 9", "day 8", "day 7", "day 6"}, day5...), "day 4", "day 3", "day 2", "day 1")
	for _, limit := range []int{1, 3, 100} {
		if got := texts(domain.FeedbackFilter{}, limit); !slices.Equal(got, newest) {
			t.Fatalf("limit %d: %q, want %q", limit, got, newest)
		}
	}
	from, to := time.Date(2026, 10, 3, 9, 30, 0, 0, time.UTC), time.Date(2026, 10, 6, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		f    domain.FeedbackFilter
		want []string
	}{
		{"touchpoint", domain.FeedbackFilter{TouchpointIDs: []string{bill.ID}}, []string{"day 9", "day 6", "day 3"}},
		{"both touchpoints", domain.FeedbackFilter{TouchpointIDs: []string{bill.ID, phone.ID}}, newest},
		{"source", domain.FeedbackFilter{Sources: []domain.FeedbackSource{domain.FeedbackComplaint}}, []string{"day 7", "day 1"}},
		{"sources", domain.FeedbackFilter{Sources: []domain.FeedbackSource{domain.FeedbackComplaint, domain.FeedbackReview}},
			[]string{"day 8", "day 7", "day 2", "day 1"}},
		{"received from and to, both included", domain.FeedbackFilter{From: &from, To: &to}, append(append([]string{"day 6"}, day5...), "day 4", "day 3")},
		// Day 3 is an agent note but about the invoice; day 4 is social, day 5 and its twin other.
		{"all together", domain.FeedbackFilter{From: &from, To: &to, TouchpointIDs: []string{phone.ID},
			Sources: []domain.FeedbackSource{domain.FeedbackAgentNote, domain.FeedbackSocial, domain.FeedbackOther}}, append(slices.Clone(day5), "day 4")},
		{"search and filter", domain.FeedbackFilter{Query: "day", TouchpointIDs: []string{bill.ID}}, []string{"day 9", "day 6", "day 3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := texts(c.f, 2); !slices.Equal(got, c.want) {
				t.Fatalf("%q, want %q", got, c.want)
			}
		})
	}
	// ListFeedback is the same list without ranks.
	items, _, next, err := store.SearchFeedback(ctx, ws, domain.FeedbackFilter{Query: "day"}, false, domain.Page{Limit: 2}, 0)
	if err != nil || len(items) != 2 || items[0].Text != "day 9" || next == nil || next.ID != items[1].ID || !next.CreatedAt.Equal(items[1].ReceivedAt) {
		t.Fatalf("ListFeedback: %+v, %+v, %v", items, next, err)
	}
}

// Relevance pages hold every match once, in rank order, even when many
// share a rank and a time.
func TestFeedbackRelevancePagingWithTies(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	food := createTouchpoint(t, store, j, 0, tp{name: "Food"})
	var items []domain.Feedback
	for n := range 30 {
		text := "cold soup"
		switch n % 3 {
		case 1:
			text = "soup soup soup, cold"
		case 2:
			text = "soup"
		}
		f := feedbackAt(ws, food.ID, 1+n%2, fmt.Sprintf("%s #%02d", text, n), "")
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
		items = append(items, f)
	}
	if _, err := store.ImportFeedback(context.Background(), ws, items); err != nil {
		t.Fatal(err)
	}
	first, ranks, _, err := store.SearchFeedback(context.Background(), ws, domain.FeedbackFilter{Query: "soup"}, true, domain.Page{Limit: 100}, 0)
	if err != nil || len(first) != 30 {
		t.Fatalf("one page: %d, %v", len(first), err)
	}
	for n := 1; n < len(first); n++ {
		a, b := first[n-1], first[n]
		ordered := ranks[n-1] > ranks[n] || ranks[n-1] == ranks[n] &&
			(a.ReceivedAt.After(b.ReceivedAt) || a.ReceivedAt.Equal(b.ReceivedAt) && a.ID > b.ID)
		if !ordered {
			t.Fatalf("items %d and %d out of order: %v %v", n-1, n, ranks[n-1], ranks[n])
		}
	}
	var want []string
	for _, f := range first {
		want = append(want, f.Text)
	}
	for _, limit := range []int{1, 4, 7} {
		if got := feedbackTexts(t, store, ws, domain.FeedbackFilter{Query: "soup"}, true, limit); !slices.Equal(got, want) {
			t.Fatalf("limit %d: pages differ from one page:\n%q\n%q", limit, got, want)
		}
	}
}

func TestFeedbackCRUDAndIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "Calling about a bill", "Call")
	phone := createTouchpoint(t, store, j, 0, tp{name: "Phone queue", channel: domain.ChannelPhone})
	bill := createTouchpoint(t, store, j, 0, tp{name: "Invoice"})
	oj := createJourney(t, store, other, "Theirs", "S")
	theirs := createTouchpoint(t, store, oj, 0, tp{name: "Theirs"})

	f := feedbackAt(ws, phone.ID, 1, "Waited 40 minutes to ask about my invoice", "")
	f.Source, f.Score, f.ScoreMin, f.ScoreMax, f.CustomerRef = domain.FeedbackComplaint, ptr(1.0), ptr(1.0), ptr(5.0), "crm-4711"
	f.ReceivedAt = f.ReceivedAt.Add(123456789 * time.Nanosecond) // kept to the microsecond
	created := createFeedback(t, store, f)
	if !domain.IsID(created.ID) || created.Version != 1 || !created.CreatedAt.Equal(created.UpdatedAt) ||
		!created.ReceivedAt.Equal(time.Date(2026, 10, 1, 9, 30, 0, 123456000, time.UTC)) {
		t.Fatalf("created %+v", created)
	}
	got, err := store.GetFeedback(ctx, ws, created.ID)
	if err != nil || got.Text != f.Text || got.Source != domain.FeedbackComplaint || *got.Score != 1 || *got.ScoreMin != 1 || *got.ScoreMax != 5 ||
		got.CustomerRef != "crm-4711" || got.Language != "english" || !got.ReceivedAt.Equal(created.ReceivedAt) || got.TouchpointID != phone.ID {
		t.Fatalf("GetFeedback = %+v, %v", got, err)
	}

	// Another workspace's touchpoint is not this workspace's.
	bad := feedbackAt(ws, theirs.ID, 2, "Not yours", "")
	if err := bad.Validate(); err != nil {
		t.Fatal(err)
	}
	wantField(t, "create at their touchpoint", store.CreateFeedback(ctx, &bad), "/touchpoint_id")
	// Their feedback, and ours seen from there.
	createFeedback(t, store, feedbackAt(other, theirs.ID, 3, "Their invoice", ""))
	for _, w := range []string{ws, other} {
		items, _, _, err := store.SearchFeedback(ctx, w, domain.FeedbackFilter{Query: "invoice"}, false, domain.Page{}, 0)
		if err != nil || len(items) != 1 || items[0].WorkspaceID != w {
			t.Fatalf("workspace %s lists %+v, %v", w, items, err)
		}
	}
	_, err = store.GetFeedback(ctx, other, created.ID)
	wantCode(t, "get from another workspace", err, domain.ENotFound)
	_, err = store.UpdateFeedback(ctx, other, created.ID, 1, func(*domain.Feedback) error { return nil })
	wantCode(t, "update from another workspace", err, domain.ENotFound)
	wantCode(t, "delete from another workspace", store.DeleteFeedback(ctx, other, created.ID, 1), domain.ENotFound)

	// Update: the text and language change what it is found by.
	updated, err := store.UpdateFeedback(ctx, ws, created.ID, 1, func(f *domain.Feedback) error {
		f.Text, f.Language, f.TouchpointID, f.Score, f.ScoreMin, f.ScoreMax, f.CustomerRef = "Rechnungen kommen zu spät", "german", bill.ID, nil, nil, nil, ""
		return f.Validate()
	})
	if err != nil || updated.Version != 2 || updated.Language != "german" || updated.Score != nil || updated.CustomerRef != "" || updated.TouchpointID != bill.ID {
		t.Fatalf("updated %+v, %v", updated, err)
	}
	for _, c := range []struct {
		q, lang string
		want    int
	}{{"invoice", "english", 0}, {"Rechnung", "german", 1}, {"rechnungen", "english", 0}} {
		items, _, _, err := store.SearchFeedback(ctx, ws, domain.FeedbackFilter{Query: c.q, Language: c.lang}, false, domain.Page{}, 0)
		if err != nil || len(items) != c.want {
			t.Fatalf("after update, %q in %s: %d items, want %d (%v)", c.q, c.lang, len(items), c.want, err)
		}
	}
	_, err = store.UpdateFeedback(ctx, ws, created.ID, 1, func(*domain.Feedback) error { return nil })
	wantCode(t, "stale update", err, domain.EPreconditionFailed)
	_, err = store.UpdateFeedback(ctx, ws, created.ID, 2, func(f *domain.Feedback) error { f.TouchpointID = theirs.ID; return nil })
	wantField(t, "move to their touchpoint", err, "/touchpoint_id")

	// A touchpoint that feedback is about cannot be deleted.
	err = store.DeleteTouchpoint(ctx, ws, bill.ID, bill.Version)
	wantCode(t, "delete a touchpoint with feedback", err, domain.EConflict)
	if !strings.Contains(err.Error(), "feedback") {
		t.Fatalf("the conflict does not say why: %v", err)
	}

	wantCode(t, "stale delete", store.DeleteFeedback(ctx, ws, created.ID, 1), domain.EPreconditionFailed)
	wantCode(t, "delete", store.DeleteFeedback(ctx, ws, created.ID, 2), "")
	_, err = store.GetFeedback(ctx, ws, created.ID)
	wantCode(t, "get deleted", err, domain.ENotFound)
	wantCode(t, "delete the touchpoint now", store.DeleteTouchpoint(ctx, ws, bill.ID, bill.Version), "")
}

func TestFeedbackImportAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "J", "S")
	food := createTouchpoint(t, store, j, 0, tp{name: "Food"})
	oj := createJourney(t, store, other, "Theirs", "S")
	theirs := createTouchpoint(t, store, oj, 0, tp{name: "Theirs"})

	// 2,500 items: three INSERTs of up to 1,000 rows.
	items := make([]domain.Feedback, 2500)
	for n := range items {
		items[n] = feedbackAt(ws, food.ID, 1+n%28, fmt.Sprintf("verbatim %d", n), "")
		if err := items[n].Validate(); err != nil {
			t.Fatal(err)
		}
	}
	bad := slices.Clone(items)
	bad[2099].TouchpointID = theirs.ID
	_, err := store.ImportFeedback(ctx, ws, bad)
	wantField(t, "import naming their touchpoint", err, "/touchpoint_id")
	var de *domain.Error
	if errors.As(err, &de); de.Fields[0].Line != 2100 {
		t.Fatalf("line %d, want 2100 (the position)", de.Fields[0].Line)
	}
	if n, _, _, _ := store.SearchFeedback(ctx, ws, domain.FeedbackFilter{}, false, domain.Page{Limit: 1}, 0); len(n) != 0 {
		t.Fatal("a refused import stored items")
	}

	stored, err := store.ImportFeedback(ctx, ws, items)
	if err != nil || stored != 2500 {
		t.Fatalf("import: %d, %v", stored, err)
	}
	if got := feedbackTexts(t, store, ws, domain.FeedbackFilter{}, false, 100); len(got) != 2500 {
		t.Fatalf("%d items stored", len(got))
	}
	if got := feedbackTexts(t, store, ws, domain.FeedbackFilter{Query: "2499"}, false, 100); !slices.Equal(got, []string{"verbatim 2499"}) {
		t.Fatalf("search after import: %q", got)
	}
	_, err = store.ImportFeedback(ctx, ws, make([]domain.Feedback, domain.MaxFeedbackImport+1))
	wantCode(t, "over the limit", err, domain.ETooLarge)
}
