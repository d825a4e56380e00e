package repository_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// A search takes one plan when few ideas match and another when many do
// (Store.search); both must give the ideas that match, in rank order, page
// after page.
func TestSearchRareAndDense(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "T"})
	sc, _, err := store.GetScoring(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	// 3,200 ideas: every one mentions "queue" (dense: the ranked index is
	// walked), 1 in 400 "GDPR" (rare: its matches are sorted).
	ideas := make([]domain.Idea, 3200)
	for n := range ideas {
		i := newTestIdea(ws, fmt.Sprintf("Queue idea %04d", n), tpt.ID)
		i.Impact, i.Experience, i.Effort = 1+n%5, 1+n%3, 1+n%4
		if n%400 == 7 {
			i.Proposal = "Needs a GDPR review first."
		}
		i.Rescore(sc)
		ideas[n] = *i
	}
	if err := store.CreateIdeas(ctx, ideas, "test"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		match domain.SearchMatch
		want  int
	}{{"GDPR", domain.MatchWords, 8}, {"queue", domain.MatchWords, 3200}, {"GDPR", domain.MatchSubstring, 8}, {"queue", domain.MatchSubstring, 3200}} {
		t.Run(tc.query+" "+string(tc.match), func(t *testing.T) {
			var want []domain.Idea
			for _, i := range ideas {
				if strings.Contains(strings.ToLower(i.Title+" "+i.Problem+" "+i.Proposal), strings.ToLower(tc.query)) {
					want = append(want, i)
				}
			}
			slices.SortFunc(want, func(a, b domain.Idea) int {
				return cmp.Or(cmp.Compare(b.Score.Priority, a.Score.Priority), a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
			})
			got := pageIdeas(t, store, ws, domain.IdeaFilter{Query: ptr(tc.query), Match: tc.match}, 100)
			if len(got) != tc.want || !slices.Equal(ideaIDs(got), ideaIDs(want)) {
				t.Fatalf("search %q: %d ideas, want %d in rank order", tc.query, len(got), tc.want)
			}
		})
	}
}

// searchFixture stores ideas with the texts given (title, problem,
// proposal) and the priorities their scales give, in workspace ws.
func searchFixture(t *testing.T, store *repository.Store, ws string, texts [][3]string) []domain.Idea {
	t.Helper()
	j := createJourney(t, store, ws, "J", "S")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "T"})
	out := make([]domain.Idea, len(texts))
	for n, text := range texts {
		i := newTestIdea(ws, text[0], tpt.ID)
		i.Problem, i.Proposal = text[1], text[2]
		i.Impact, i.Effort = 1+n%5, 1+n%3
		out[n] = *storeIdea(t, store, i)
	}
	return out
}

// searchTitles lists the titles of the ideas a search finds, paging by 2.
func searchTitles(t *testing.T, store *repository.Store, ws string, f domain.IdeaFilter) []string {
	t.Helper()
	got := pageIdeas(t, store, ws, f, 2)
	titles := make([]string, len(got))
	for n, i := range got {
		titles[n] = i.Title
	}
	slices.Sort(titles)
	return titles
}

// A words search matches stemmed words in web search syntax, its last word
// a prefix when it ends in *; a substring search matches parts of words.
func TestSearchWords(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	searchFixture(t, store, ws, [][3]string{
		{"Refund requests by chat", "Customers wait for refunds", ""},
		{"Faster refunding", "", "Refunded within a day"},
		{"Phone queue", "Callers queue too long", "A callback instead of the queue"},
		{"Invoice layout", "Nobody reads the invoice", "Plain-language invoice with a refund box"},
		{"Password reset", "", "Self-service reset of the password"},
		{`O'Brien's C:\\temp`, "", ""},
	})
	for _, tc := range []struct {
		name  string
		q     string
		match domain.SearchMatch
		want  []string
	}{
		{"stemmed: refund finds refunds, refunding, refunded", "refund ", "", []string{"Faster refunding", "Invoice layout", "Refund requests by chat"}},
		{"any case", "QUEUE", domain.MatchWords, []string{"Phone queue"}},
		{"all words", "refund chat", "", []string{"Refund requests by chat"}},
		{"or", "queue or password", "", []string{"Password reset", "Phone queue"}},
		{"excluded", "refund -invoice", "", []string{"Faster refunding", "Refund requests by chat"}},
		{"quoted phrase", `"plain language invoice"`, "", []string{"Invoice layout"}},
		{"phrase in another order (none)", `"invoice plain"`, "", nil},
		{"a last word ending in * is a prefix", "refu*", "", []string{"Faster refunding", "Invoice layout", "Refund requests by chat"}},
		{"prefix after other words", "invoice pla*", "", []string{"Invoice layout"}},
		{"a word without * is no prefix (none)", "refu", "", nil},
		{"an excluded word is no prefix", "reset -passwo*", "", []string{"Password reset"}},
		{"part of a word is not a word (none)", "fund", "", nil},
		{"substring: part of a word", "fund", domain.MatchSubstring, []string{"Faster refunding", "Invoice layout", "Refund requests by chat"}},
		{"substring: no syntax", "refund -invoice", domain.MatchSubstring, nil},
		{"only stop words (none)", "the", "", nil},
		{"quotes and backslashes survive the tsquery's text", `o'brien's "c:\\temp"`, "", []string{`O'Brien's C:\\temp`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := searchTitles(t, store, ws, domain.IdeaFilter{Query: ptr(tc.q), Match: tc.match})
			if !slices.Equal(got, tc.want) {
				t.Fatalf("q=%q match=%q: %q, want %q", tc.q, tc.match, got, tc.want)
			}
		})
	}
}

// Relevance: a word in the title outranks it in the problem, which
// outranks it in the proposal; more occurrences rank higher; ties by
// priority, then id; paging by a cursor carrying the rank gives the same
// order as one page.
func TestSearchRelevance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	ideas := searchFixture(t, store, ws, [][3]string{
		{"In the proposal", "", "Track the queue"},
		{"Queue in the title", "", ""},
		{"In the problem", "The queue is long", ""},
		{"Twice in the problem", "The queue, and the queue again", ""},
		{"Tie one", "The queue is long", ""},
		{"Tie two", "The queue is long", ""},
		{"Tie three", "The queue is long", ""},
		{"Unrelated", "Nothing to see", ""},
	})
	tied := []domain.Idea{ideas[2], ideas[4], ideas[5], ideas[6]}
	slices.SortFunc(tied, func(a, b domain.Idea) int {
		return cmp.Or(-cmp.Compare(a.Score.Priority, b.Score.Priority), strings.Compare(a.ID, b.ID))
	})
	want := []string{"Queue in the title", "Twice in the problem"}
	for _, i := range tied {
		want = append(want, i.Title)
	}
	want = append(want, "In the proposal")
	f := domain.IdeaFilter{Query: ptr("queue"), Sort: domain.SortRelevance}
	for _, limit := range []int{1, 2, 3, 100} {
		got := pageIdeas(t, store, ws, f, limit)
		titles := make([]string, len(got))
		for n, i := range got {
			titles[n] = i.Title
		}
		if !slices.Equal(titles, want) {
			t.Fatalf("relevance by pages of %d:\n got %q\nwant %q", limit, titles, want)
		}
	}
	// Relevance ranks a words search, and nothing else.
	for _, f := range []domain.IdeaFilter{{Sort: domain.SortRelevance}, {Query: ptr("queue"), Match: domain.MatchSubstring, Sort: domain.SortRelevance}} {
		_, _, err := store.ListIdeas(ctx, ws, f, nil, 10)
		var e *domain.Error
		if !errors.As(err, &e) || e.Code != domain.EMalformed || len(e.Fields) != 1 || e.Fields[0].Parameter != "sort" {
			t.Fatalf("relevance with match %q and no words: %v, want malformed naming sort", f.Match, err)
		}
	}
}

// The search language: english by default; a change re-stems every idea of
// the workspace, and new ideas take it; other workspaces keep theirs.
func TestSearchLanguage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	searchFixture(t, store, ws, [][3]string{{"Schnellere Rückerstattungen", "", ""}})
	searchFixture(t, store, other, [][3]string{{"Schnellere Rückerstattungen", "", ""}})
	find := func(ws, q string) []string {
		return searchTitles(t, store, ws, domain.IdeaFilter{Query: ptr(q)})
	}
	set, version, err := store.GetSearchSettings(ctx, ws)
	if err != nil || set.Language != "english" || version != 1 {
		t.Fatalf("defaults: %+v v%d %v", set, version, err)
	}
	// The German stem of "Rückerstattung" is "ruckerstatt": english does not find the singular.
	if got := find(ws, "Rückerstattung "); len(got) != 0 {
		t.Fatalf("english stems German: %q", got)
	}
	if _, err := store.UpdateSearchSettings(ctx, ws, 2, domain.SearchSettings{Language: "german"}); domain.ErrorCodeOf(err) != domain.EPreconditionFailed {
		t.Fatalf("stale version: %v", err)
	}
	if version, err = store.UpdateSearchSettings(ctx, ws, 1, domain.SearchSettings{Language: "german"}); err != nil || version != 2 {
		t.Fatalf("update: v%d %v", version, err)
	}
	if set, version, err = store.GetSearchSettings(ctx, ws); err != nil || set.Language != "german" || version != 2 {
		t.Fatalf("after update: %+v v%d %v", set, version, err)
	}
	searchFixture(t, store, ws, [][3]string{{"Rückerstattung per Chat", "", ""}})
	if got, want := find(ws, "Rückerstattung "), []string{"Rückerstattung per Chat", "Schnellere Rückerstattungen"}; !slices.Equal(got, want) {
		t.Fatalf("german: %q, want %q (the idea stored before and the one after the change)", got, want)
	}
	if got := find(other, "Rückerstattung "); len(got) != 0 {
		t.Fatalf("the other workspace was re-stemmed: %q", got)
	}
	if version, err = store.UpdateSearchSettings(ctx, ws, 2, domain.SearchSettings{Language: "simple"}); err != nil || version != 3 {
		t.Fatalf("update to simple: v%d %v", version, err)
	}
	if got, want := find(ws, "rückerstattungen "), []string{"Schnellere Rückerstattungen"}; !slices.Equal(got, want) {
		t.Fatalf("simple (no stemming): %q, want %q", got, want)
	}
}

// Every language domain.SearchLanguages offers is a text search
// configuration of this PostgreSQL, and every Snowball one it has is offered.
func TestSearchLanguagesExist(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	rows, err := store.SQL().QueryContext(context.Background(), `SELECT c.cfgname FROM pg_ts_config c
		JOIN pg_namespace n ON n.oid = c.cfgnamespace WHERE n.nspname = 'pg_catalog' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var have []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		have = append(have, name)
	}
	offered := slices.Sorted(slices.Values(domain.SearchLanguages))
	if !slices.Equal(have, offered) {
		t.Fatalf("PostgreSQL has %q, the domain offers %q", have, offered)
	}
}
