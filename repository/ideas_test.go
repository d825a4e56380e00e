package repository_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// ideaActor is the key name CreateIdea and UpdateIdea record in the history
// unless a test says otherwise.
const ideaActor = "alice key"

// newTestIdea returns a valid idea in ws targeting tpIDs, with middling
// scores, no tags and status new; tests adjust it before storeIdea.
func newTestIdea(ws, title string, tpIDs ...string) *domain.Idea {
	return &domain.Idea{
		WorkspaceID: ws, Title: title, TouchpointIDs: tpIDs,
		Impact: 3, Experience: 3, Effort: 3, Confidence: domain.DefaultConfidence,
		Tags: []string{}, Status: domain.StatusNew,
	}
}

// storeIdea validates i and creates it as ideaActor.
func storeIdea(t *testing.T, store *repository.Store, i *domain.Idea) *domain.Idea {
	t.Helper()
	if err := i.Validate(); err != nil {
		t.Fatalf("validate idea %q: %v", i.Title, err)
	}
	if err := store.CreateIdea(context.Background(), i, ideaActor); err != nil {
		t.Fatalf("create idea %q: %v", i.Title, err)
	}
	return i
}

// getIdea loads an idea that must exist.
func getIdea(t *testing.T, store *repository.Store, ws, id string) *domain.Idea {
	t.Helper()
	i, err := store.GetIdea(context.Background(), ws, id)
	if err != nil {
		t.Fatalf("GetIdea %s: %v", id, err)
	}
	return i
}

// cloneIdea copies i, slices included.
func cloneIdea(i *domain.Idea) *domain.Idea {
	c := *i
	c.TouchpointIDs = slices.Clone(i.TouchpointIDs)
	c.Tags = slices.Clone(i.Tags)
	return &c
}

// ideaDiff compares ideas field by field (times with Equal, slices in order,
// nil equal to empty) and describes the first difference.
func ideaDiff(got, want *domain.Idea) string {
	if got == nil || want == nil {
		if got != want {
			return "one idea is nil"
		}
		return ""
	}
	diffs := []struct {
		name      string
		same      bool
		got, want any
	}{
		{"ID", got.ID == want.ID, got.ID, want.ID},
		{"WorkspaceID", got.WorkspaceID == want.WorkspaceID, got.WorkspaceID, want.WorkspaceID},
		{"Title", got.Title == want.Title, got.Title, want.Title},
		{"Problem", got.Problem == want.Problem, got.Problem, want.Problem},
		{"Proposal", got.Proposal == want.Proposal, got.Proposal, want.Proposal},
		{"TouchpointIDs", slices.Equal(got.TouchpointIDs, want.TouchpointIDs), got.TouchpointIDs, want.TouchpointIDs},
		{"Impact", got.Impact == want.Impact, got.Impact, want.Impact},
		{"Experience", got.Experience == want.Experience, got.Experience, want.Experience},
		{"Effort", got.Effort == want.Effort, got.Effort, want.Effort},
		{"Confidence", got.Confidence == want.Confidence, got.Confidence, want.Confidence},
		{"Owner", got.Owner == want.Owner, got.Owner, want.Owner},
		{"Tags", slices.Equal(got.Tags, want.Tags), got.Tags, want.Tags},
		{"Source", got.Source == want.Source, got.Source, want.Source},
		{"Status", got.Status == want.Status, got.Status, want.Status},
		{"Score", got.Score == want.Score, got.Score, want.Score},
		{"CreatedAt", got.CreatedAt.Equal(want.CreatedAt), got.CreatedAt, want.CreatedAt},
		{"UpdatedAt", got.UpdatedAt.Equal(want.UpdatedAt), got.UpdatedAt, want.UpdatedAt},
		{"Version", got.Version == want.Version, got.Version, want.Version},
	}
	for _, d := range diffs {
		if !d.same {
			return fmt.Sprintf("%s: got %v, want %v", d.name, d.got, d.want)
		}
	}
	return ""
}

func wantIdea(t *testing.T, what string, got, want *domain.Idea) {
	t.Helper()
	if d := ideaDiff(got, want); d != "" {
		t.Fatalf("%s: %s\n got: %+v\nwant: %+v", what, d, got, want)
	}
}

// wantScored fails unless i carries the score sc gives its inputs.
func wantScored(t *testing.T, what string, i *domain.Idea, sc domain.Scoring) {
	t.Helper()
	if want := sc.Score(i.Impact, i.Experience, i.Effort, i.Confidence); i.Score != want {
		t.Fatalf("%s: idea %q scored %+v, want %+v (scoring %+v)", what, i.Title, i.Score, want, sc)
	}
}

// countSQL runs a count(*) query.
func countSQL(t *testing.T, store *repository.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := store.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// ideaHistorySince returns the idea's history entries numbered above
// afterSeq, oldest first.
func ideaHistorySince(t *testing.T, store *repository.Store, ws, id string, afterSeq int64) []domain.HistoryEntry {
	t.Helper()
	all, _, err := store.IdeaHistory(context.Background(), ws, id, 0, 10000)
	if err != nil {
		t.Fatalf("IdeaHistory %s: %v", id, err)
	}
	var out []domain.HistoryEntry
	for _, h := range all {
		if h.Seq > afterSeq {
			out = append(out, h)
		}
	}
	slices.Reverse(out)
	return out
}

// lastHistorySeq is the highest number among entries, or afterSeq if there
// are none.
func lastHistorySeq(entries []domain.HistoryEntry, afterSeq int64) int64 {
	for _, h := range entries {
		afterSeq = max(afterSeq, h.Seq)
	}
	return afterSeq
}

// wantHistory fails unless entries (oldest first) record exactly changes, in
// order, by actor, all at one time.
func wantHistory(t *testing.T, what string, entries []domain.HistoryEntry, changes []domain.Change, actor string) {
	t.Helper()
	if len(entries) != len(changes) {
		t.Fatalf("%s: %d history entries %+v, want %d for %+v", what, len(entries), entries, len(changes), changes)
	}
	for n, h := range entries {
		c := changes[n]
		if h.Field != c.Field || h.Old != c.Old || h.New != c.New || h.Actor != actor {
			t.Fatalf("%s: entry %d is %+v, want %+v by %q", what, n, h, c, actor)
		}
		if h.ChangedAt.IsZero() || !h.ChangedAt.Equal(entries[0].ChangedAt) {
			t.Fatalf("%s: entry %d changed at %v, entry 0 at %v", what, n, h.ChangedAt, entries[0].ChangedAt)
		}
	}
}

// wantTagsArray fails unless the stored tags are a JSON array and GetIdea
// returns them as a non-nil slice.
func wantTagsArray(t *testing.T, store *repository.Store, ws, id string) {
	t.Helper()
	if n := countSQL(t, store, "SELECT count(*) FROM ideas WHERE id = $1 AND jsonb_typeof(tags) = 'array'", id); n != 1 {
		var raw string
		_ = store.SQL().QueryRowContext(context.Background(), "SELECT tags::text FROM ideas WHERE id = $1", id).Scan(&raw)
		t.Fatalf("idea %s: stored tags are %s, want a JSON array", id, raw)
	}
	if i := getIdea(t, store, ws, id); i.Tags == nil {
		t.Fatalf("idea %s: GetIdea returns nil Tags, want a non-nil slice", id)
	}
}

// pageIdeas walks every page of ListIdeas with limit, failing on a repeated
// id, an idea of another workspace, a page larger than limit, a non-final
// short page or too many pages.
func pageIdeas(t *testing.T, store *repository.Store, ws string, f domain.IdeaFilter, limit int) []domain.Idea {
	t.Helper()
	var all []domain.Idea
	seen := map[string]bool{}
	var after *domain.IdeaCursor
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatalf("more than 100 pages: the cursor does not advance")
		}
		items, next, err := store.ListIdeas(context.Background(), ws, f, after, limit)
		if err != nil {
			t.Fatalf("ListIdeas page %d: %v", page, err)
		}
		if len(items) > limit {
			t.Fatalf("page %d has %d ideas, limit %d", page, len(items), limit)
		}
		for _, i := range items {
			if seen[i.ID] {
				t.Fatalf("page %d repeats %s (%q)", page, i.ID, i.Title)
			}
			if i.WorkspaceID != ws {
				t.Fatalf("page %d has idea %s of workspace %s", page, i.ID, i.WorkspaceID)
			}
			seen[i.ID] = true
		}
		all = append(all, items...)
		if next == nil {
			return all
		}
		if len(items) != limit {
			t.Fatalf("page %d has %d ideas and a cursor; only the last page may be short", page, len(items))
		}
		after = next
	}
}

func ideaIDs(ideas []domain.Idea) []string {
	ids := make([]string, len(ideas))
	for n, i := range ideas {
		ids[n] = i.ID
	}
	return ids
}

// ideaTitles names ideas by "title id-prefix" for failure messages.
func ideaTitles(ideas []domain.Idea) []string {
	out := make([]string, len(ideas))
	for n, i := range ideas {
		out[n] = fmt.Sprintf("%s/%.8s/p%g", i.Title, i.ID, i.Score.Priority)
	}
	return out
}

// byRank is the default order: priority descending, then created_at, then id.
func byRank(a, b domain.Idea) int {
	return cmp.Or(-cmp.Compare(a.Score.Priority, b.Score.Priority), a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
}

func TestCreateIdea(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "Buy", "Browse", "Pay")
	tpA := createTouchpoint(t, store, j, 0, tp{name: "Search"})
	tpB := createTouchpoint(t, store, j, 1, tp{name: "Checkout"})
	tpC := createTouchpoint(t, store, j, 1, tp{name: "Receipt"})
	foreign := createTouchpoint(t, store, createJourney(t, store, other, "Theirs", "Only"), 0, tp{name: "Theirs"})

	in := newTestIdea(ws, "One-click reorder", tpC.ID, tpA.ID, tpB.ID)
	in.Problem, in.Proposal = "Reordering takes nine clicks", "A reorder button on the receipt"
	in.Impact, in.Experience, in.Effort, in.Confidence = 4, 5, 2, 0.8
	in.Owner, in.Tags, in.Source = "Dana", []string{"checkout", "cx"}, domain.SourceCustomerFeedback
	created := storeIdea(t, store, in)
	if !domain.IsID(created.ID) || created.Version != 1 || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Fatalf("after create: %+v", created)
	}
	wantMicroseconds(t, "CreatedAt", created.CreatedAt)
	wantScored(t, "CreateIdea with scoring never set", created, domain.DefaultScoring())

	got := getIdea(t, store, ws, created.ID)
	wantIdea(t, "GetIdea after create", got, created)
	if want := []string{tpC.ID, tpA.ID, tpB.ID}; !slices.Equal(got.TouchpointIDs, want) {
		t.Fatalf("touchpoint ids %v, want the request's order %v", got.TouchpointIDs, want)
	}
	wantHistory(t, "history after create", ideaHistorySince(t, store, ws, created.ID, 0),
		[]domain.Change{{Field: "created", Old: "", New: created.Title}}, ideaActor)
	if sc, v, err := store.GetScoring(ctx, ws); err != nil || sc != domain.DefaultScoring() || v != 1 {
		t.Fatalf("GetScoring after a create: %+v, %d, %v; want the defaults at version 1", sc, v, err)
	}
	if _, err := store.GetIdea(ctx, other, created.ID); domain.ErrorCodeOf(err) != domain.ENotFound {
		t.Fatalf("GetIdea from another workspace: %v, want not found", err)
	}

	t.Run("scored with the workspace's current scoring", func(t *testing.T) {
		custom := domain.Scoring{WeightImpact: 1, WeightExperience: 3, ValueThreshold: 4, EffortThreshold: 1}
		if _, err := store.UpdateScoring(ctx, other, 1, custom); err != nil {
			t.Fatalf("UpdateScoring: %v", err)
		}
		theirs := newTestIdea(other, "Theirs", foreign.ID)
		theirs.Impact, theirs.Experience, theirs.Effort, theirs.Confidence = 5, 2, 1, 0.3
		theirs = storeIdea(t, store, theirs)
		wantScored(t, "CreateIdea after UpdateScoring", theirs, custom)
		wantScored(t, "GetIdea after UpdateScoring", getIdea(t, store, other, theirs.ID), custom)
		// ws still scores with the defaults.
		mine := storeIdea(t, store, newTestIdea(ws, "Mine", tpA.ID))
		wantScored(t, "CreateIdea in a workspace whose scoring was never set", mine, domain.DefaultScoring())
	})

	t.Run("touchpoint not in the workspace", func(t *testing.T) {
		missing := domain.NewID()
		cases := []struct {
			name    string
			tps     []string
			pointer string
		}{
			{"missing only", []string{missing}, "/touchpoint_ids/0"},
			{"missing first", []string{missing, tpA.ID}, "/touchpoint_ids/0"},
			{"missing last", []string{tpA.ID, tpB.ID, missing}, "/touchpoint_ids/2"},
			{"missing in upper case", []string{tpA.ID, strings.ToUpper(missing)}, "/touchpoint_ids/1"},
			{"other workspace's only", []string{foreign.ID}, "/touchpoint_ids/0"},
			{"other workspace's in the middle", []string{tpA.ID, foreign.ID, tpB.ID}, "/touchpoint_ids/1"},
			{"other workspace's last", []string{tpC.ID, tpB.ID, tpA.ID, foreign.ID}, "/touchpoint_ids/3"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ideas := countSQL(t, store, "SELECT count(*) FROM ideas")
				links := countSQL(t, store, "SELECT count(*) FROM idea_touchpoints")
				history := countSQL(t, store, "SELECT count(*) FROM idea_history")
				i := newTestIdea(ws, "Refused "+tc.name, slices.Clone(tc.tps)...)
				if err := i.Validate(); err != nil {
					t.Fatal(err)
				}
				wantField(t, "CreateIdea", store.CreateIdea(ctx, i, ideaActor), tc.pointer)
				if n := countSQL(t, store, "SELECT count(*) FROM ideas"); n != ideas {
					t.Fatalf("%d ideas after a refused create, want %d", n, ideas)
				}
				if n := countSQL(t, store, "SELECT count(*) FROM ideas WHERE title = $1", i.Title); n != 0 {
					t.Fatalf("the refused idea was stored")
				}
				if n := countSQL(t, store, "SELECT count(*) FROM idea_touchpoints"); n != links {
					t.Fatalf("%d touchpoint links after a refused create, want %d", n, links)
				}
				if n := countSQL(t, store, "SELECT count(*) FROM idea_history"); n != history {
					t.Fatalf("%d history rows after a refused create, want %d", n, history)
				}
			})
		}
	})
}

func TestIdeaScoring(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	tpOurs := createTouchpoint(t, store, createJourney(t, store, ws, "Ours", "One"), 0, tp{name: "Ours"})
	tpTheirs := createTouchpoint(t, store, createJourney(t, store, other, "Theirs", "One"), 0, tp{name: "Theirs"})

	wantScoring := func(t *testing.T, what, ws string, want domain.Scoring, wantVersion int) {
		t.Helper()
		sc, v, err := store.GetScoring(ctx, ws)
		if err != nil || sc != want || v != wantVersion {
			t.Fatalf("%s: GetScoring = %+v, %d, %v; want %+v, %d", what, sc, v, err, want, wantVersion)
		}
	}
	wantScoring(t, "never set", ws, domain.DefaultScoring(), 1)

	// A stale version changes nothing, even before the first write.
	for _, stale := range []int{0, 2} {
		_, err := store.UpdateScoring(ctx, ws, stale, domain.Scoring{WeightImpact: 5, WeightExperience: 5, ValueThreshold: 5, EffortThreshold: 5})
		wantCode(t, fmt.Sprintf("UpdateScoring at version %d of unset scoring", stale), err, domain.EPreconditionFailed)
	}
	wantScoring(t, "after stale updates", ws, domain.DefaultScoring(), 1)

	// 30 ideas with distinct confidences (most not exact in binary) and
	// varied inputs, and a few in another workspace.
	const nOurs = 30
	for n := range nOurs {
		i := newTestIdea(ws, fmt.Sprintf("Idea %02d", n), tpOurs.ID)
		i.Impact, i.Experience, i.Effort = 1+n%5, 1+(n/5)%5, 1+(n*3)%5
		i.Confidence = float64(n+1) / 31
		wantScored(t, "CreateIdea", storeIdea(t, store, i), domain.DefaultScoring())
	}
	var theirs []*domain.Idea
	for n := range 5 {
		i := newTestIdea(other, fmt.Sprintf("Their idea %d", n), tpTheirs.ID)
		i.Impact, i.Experience, i.Effort, i.Confidence = 1+n, 5-n, 1+(n*2)%5, float64(n+1)/7
		theirs = append(theirs, storeIdea(t, store, i))
	}

	listOurs := func(t *testing.T) []domain.Idea {
		t.Helper()
		ideas, next, err := store.ListIdeas(ctx, ws, domain.IdeaFilter{}, nil, 100)
		if err != nil || next != nil || len(ideas) != nOurs {
			t.Fatalf("ListIdeas: %d ideas, next %v, err %v; want %d on one page", len(ideas), next, err, nOurs)
		}
		return ideas
	}

	steps := []struct {
		name string
		sc   domain.Scoring
	}{
		{"impact-heavy", domain.Scoring{WeightImpact: 3, WeightExperience: 1, ValueThreshold: 3.5, EffortThreshold: 3}},
		{"experience only", domain.Scoring{WeightImpact: 0, WeightExperience: 2, ValueThreshold: 2, EffortThreshold: 1}},
		{"fractional weights", domain.Scoring{WeightImpact: 0.1, WeightExperience: 0.2, ValueThreshold: 3, EffortThreshold: 4.5}},
		{"back to defaults", domain.DefaultScoring()},
	}
	version, previous := 1, listOurs(t)
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			newVersion, err := store.UpdateScoring(ctx, ws, version, step.sc)
			if err != nil || newVersion != version+1 {
				t.Fatalf("UpdateScoring at %d: version %d, %v; want %d", version, newVersion, err, version+1)
			}
			// The old version is now stale and changes nothing.
			_, err = store.UpdateScoring(ctx, ws, version, domain.Scoring{WeightImpact: 5, WeightExperience: 5, ValueThreshold: 5, EffortThreshold: 5})
			wantCode(t, "UpdateScoring at the old version", err, domain.EPreconditionFailed)
			version = newVersion
			wantScoring(t, "after UpdateScoring", ws, step.sc, version)

			ideas := listOurs(t)
			changed := 0
			for n := range ideas {
				wantScored(t, "after UpdateScoring", &ideas[n], step.sc)
				k := slices.IndexFunc(previous, func(p domain.Idea) bool { return p.ID == ideas[n].ID })
				if k < 0 {
					t.Fatalf("idea %s was not listed before", ideas[n].ID)
				}
				if previous[k].Score != ideas[n].Score {
					changed++
				}
			}
			if changed == 0 {
				t.Fatalf("no score changed: the step does not test re-scoring")
			}
			previous = ideas

			// The other workspace is untouched.
			wantScoring(t, "other workspace", other, domain.DefaultScoring(), 1)
			for _, i := range theirs {
				wantIdea(t, "other workspace's idea", getIdea(t, store, other, i.ID), i)
			}
		})
	}

	t.Run("creates and updates use the new scoring", func(t *testing.T) {
		sc := domain.Scoring{WeightImpact: 2, WeightExperience: 1, ValueThreshold: 2.5, EffortThreshold: 2}
		if _, err := store.UpdateScoring(ctx, ws, version, sc); err != nil {
			t.Fatal(err)
		}
		created := storeIdea(t, store, newTestIdea(ws, "After the change", tpOurs.ID))
		wantScored(t, "CreateIdea", created, sc)
		updated, err := store.UpdateIdea(ctx, ws, created.ID, created.Version, ideaActor, func(i *domain.Idea) error {
			i.Impact, i.Effort = 5, 1
			return i.Validate()
		})
		if err != nil {
			t.Fatal(err)
		}
		wantScored(t, "UpdateIdea", updated, sc)
		wantScored(t, "GetIdea after UpdateIdea", getIdea(t, store, ws, created.ID), sc)
	})
}

func TestUpdateIdea(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "Return", "Ask", "Refund")
	tpA := createTouchpoint(t, store, j, 0, tp{name: "Form"})
	tpB := createTouchpoint(t, store, j, 1, tp{name: "Refund"})
	tpC := createTouchpoint(t, store, j, 1, tp{name: "Email"})

	in := newTestIdea(ws, "Faster refunds", tpA.ID, tpB.ID)
	in.Tags, in.Owner = []string{"cx"}, "Dana"
	current := storeIdea(t, store, in)
	lastHist := lastHistorySeq(ideaHistorySince(t, store, ws, current.ID, 0), 0)
	sc := domain.DefaultScoring()

	const actor = "bob key"
	steps := []struct {
		name   string
		edit   func(*domain.Idea) error
		fields []string // what domain.DiffIdeas must report, as a sanity check of the step
	}{
		{"title", func(i *domain.Idea) error { i.Title = "Instant refunds"; return nil }, []string{"title"}},
		{"impact moves the priority", func(i *domain.Idea) error { i.Impact = 5; return nil }, []string{"impact", "priority"}},
		{"touchpoints reordered", func(i *domain.Idea) error { i.TouchpointIDs = []string{tpB.ID, tpA.ID}; return nil }, nil},
		{"touchpoint replaced", func(i *domain.Idea) error { i.TouchpointIDs = []string{tpB.ID, tpC.ID}; return nil }, []string{"touchpoint_ids"}},
		{"owner and tags", func(i *domain.Idea) error {
			i.Owner, i.Tags = "Eve", []string{"cx", "refunds"}
			return nil
		}, []string{"owner", "tags"}},
		{"status", func(i *domain.Idea) error { return i.MoveTo(domain.StatusUnderReview) }, []string{"status"}},
		{"effort and confidence", func(i *domain.Idea) error {
			i.Effort, i.Confidence = 1, 0.9
			return nil
		}, []string{"effort", "confidence", "priority"}},
		{"texts and source", func(i *domain.Idea) error {
			i.Problem, i.Proposal, i.Source = "Refunds take 10 days", "Refund on scan", domain.SourceData
			return nil
		}, []string{"problem", "proposal", "source"}},
		{"experience only, same priority", func(i *domain.Idea) error {
			// (5+3)/2 = 4 = (5+3)/2 with impact and experience swapped.
			i.Impact, i.Experience = 3, 5
			return nil
		}, []string{"impact", "experience"}},
		{"nothing", func(*domain.Idea) error { return nil }, nil},
		{"tags cleared", func(i *domain.Idea) error { i.Tags = []string{}; return nil }, []string{"tags"}},
		{"title of an idea without tags", func(i *domain.Idea) error { i.Title = "Refunds in a click"; return nil }, []string{"title"}},
	}
	updatedAtReported := false
	for n, step := range steps {
		what := fmt.Sprintf("step %d (%s)", n, step.name)
		want := cloneIdea(current)
		if err := step.edit(want); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		want.Rescore(sc)
		changes := domain.DiffIdeas(current, want)
		var fields []string
		for _, c := range changes {
			fields = append(fields, c.Field)
		}
		if !slices.Equal(fields, step.fields) {
			t.Fatalf("%s: DiffIdeas reports %v, the step expects %v", what, fields, step.fields)
		}

		updated, err := store.UpdateIdea(ctx, ws, current.ID, current.Version, actor, func(i *domain.Idea) error {
			if err := step.edit(i); err != nil {
				return err
			}
			return i.Validate()
		})
		if err != nil {
			t.Fatalf("%s: UpdateIdea: %v", what, err)
		}
		if step.name == "nothing" { // a change of nothing keeps the version and writes no history
			if updated.Version != current.Version || !updated.UpdatedAt.Equal(current.UpdatedAt) {
				t.Fatalf("%s: version %d → %d, updated_at %v → %v; a no-op must not write", what, current.Version, updated.Version, current.UpdatedAt, updated.UpdatedAt)
			}
			continue
		}
		if updated.Version != current.Version+1 || updated.UpdatedAt.Before(current.UpdatedAt) {
			t.Fatalf("%s: version %d updated %v; want version %d, updated at or after %v", what, updated.Version, updated.UpdatedAt, current.Version+1, current.UpdatedAt)
		}
		wantMicroseconds(t, what+" UpdatedAt", updated.UpdatedAt)
		want.Version, want.UpdatedAt = updated.Version, updated.UpdatedAt
		wantIdea(t, what+": result", updated, want)
		stored := getIdea(t, store, ws, current.ID)
		if !stored.UpdatedAt.Equal(updated.UpdatedAt) {
			// Reported once; the rest of the comparison goes on.
			if !updatedAtReported {
				t.Errorf("%s: UpdateIdea returns UpdatedAt %v but GetIdea reads %v: the stored timestamp is not the one returned",
					what, updated.UpdatedAt, stored.UpdatedAt)
				updatedAtReported = true
			}
			updated.UpdatedAt = stored.UpdatedAt
		}
		wantIdea(t, what+": GetIdea", stored, updated)

		entries := ideaHistorySince(t, store, ws, current.ID, lastHist)
		wantHistory(t, what+": history", entries, changes, actor)
		lastHist = lastHistorySeq(entries, lastHist)
		wantTagsArray(t, store, ws, current.ID)
		current = updated
	}
}

func TestUpdateIdeaRefusedChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "Return", "Ask")
	tpA := createTouchpoint(t, store, j, 0, tp{name: "Form"})
	tpB := createTouchpoint(t, store, j, 0, tp{name: "Chat"})
	foreign := createTouchpoint(t, store, createJourney(t, store, other, "Theirs", "One"), 0, tp{name: "Theirs"})

	in := newTestIdea(ws, "Faster refunds", tpA.ID, tpB.ID)
	in.Tags = []string{"cx"}
	idea := storeIdea(t, store, in)
	if _, err := store.UpdateIdea(ctx, ws, idea.ID, idea.Version, ideaActor, func(i *domain.Idea) error { i.Owner = "Dana"; return nil }); err != nil {
		t.Fatal(err)
	}
	idea = getIdea(t, store, ws, idea.ID)
	history := countSQL(t, store, "SELECT count(*) FROM idea_history")

	errRefused := errors.New("refused")
	isRefused := func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, errRefused) {
			t.Fatalf("UpdateIdea: %v, want the change's error", err)
		}
	}
	code := func(c domain.ErrorCode) func(*testing.T, error) {
		return func(t *testing.T, err error) { t.Helper(); wantCode(t, "UpdateIdea", err, c) }
	}
	field := func(pointer string) func(*testing.T, error) {
		return func(t *testing.T, err error) { t.Helper(); wantField(t, "UpdateIdea", err, pointer) }
	}
	cases := []struct {
		name       string
		ws, id     string
		version    int
		change     func(*domain.Idea) error
		wantCalled bool
		check      func(*testing.T, error)
	}{
		{"change returns an error", ws, idea.ID, idea.Version, func(i *domain.Idea) error {
			i.Title, i.Impact, i.Tags = "Changed", 5, []string{"changed"}
			return errRefused
		}, true, isRefused},
		{"invalid after the change", ws, idea.ID, idea.Version, func(i *domain.Idea) error {
			i.Title, i.Impact = "", 5
			return i.Validate()
		}, true, field("/title")},
		{"illegal status move", ws, idea.ID, idea.Version, func(i *domain.Idea) error {
			i.Title = "Adopted right away"
			return i.MoveTo(domain.StatusAdopted)
		}, true, code(domain.EConflict)},
		{"move to the current status", ws, idea.ID, idea.Version, func(i *domain.Idea) error { return i.MoveTo(domain.StatusNew) }, true, code(domain.EConflict)},
		{"stale version", ws, idea.ID, idea.Version - 1, func(i *domain.Idea) error { i.Title = "Stale"; return nil }, false, code(domain.EPreconditionFailed)},
		{"future version", ws, idea.ID, idea.Version + 1, func(i *domain.Idea) error { i.Title = "Future"; return nil }, false, code(domain.EPreconditionFailed)},
		{"touchpoint of another workspace", ws, idea.ID, idea.Version, func(i *domain.Idea) error {
			i.Title, i.TouchpointIDs = "Theirs too", []string{tpA.ID, foreign.ID}
			return i.Validate()
		}, true, field("/touchpoint_ids/1")},
		{"missing touchpoint", ws, idea.ID, idea.Version, func(i *domain.Idea) error {
			i.TouchpointIDs = []string{domain.NewID(), tpB.ID}
			return i.Validate()
		}, true, field("/touchpoint_ids/0")},
		{"another workspace", other, idea.ID, idea.Version, func(i *domain.Idea) error { i.Title = "Hijacked"; return nil }, false, code(domain.ENotFound)},
		{"unknown id", ws, domain.NewID(), 1, func(i *domain.Idea) error { i.Title = "Ghost"; return nil }, false, code(domain.ENotFound)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			got, err := store.UpdateIdea(ctx, tc.ws, tc.id, tc.version, ideaActor, func(i *domain.Idea) error {
				called = true
				return tc.change(i)
			})
			tc.check(t, err)
			if got != nil {
				t.Fatalf("UpdateIdea returned %+v with an error", got)
			}
			if called != tc.wantCalled {
				t.Fatalf("change called: %v, want %v", called, tc.wantCalled)
			}
			wantIdea(t, "GetIdea after a refused update", getIdea(t, store, ws, idea.ID), idea)
			if n := countSQL(t, store, "SELECT count(*) FROM idea_history"); n != history {
				t.Fatalf("%d history rows after a refused update, want %d", n, history)
			}
			if n := countSQL(t, store, "SELECT count(*) FROM idea_touchpoints WHERE idea_id = $1", idea.ID); n != 2 {
				t.Fatalf("%d touchpoint links after a refused update, want 2", n)
			}
		})
	}
}

func TestUpdateIdeaConcurrentAtOneVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	tpA := createTouchpoint(t, store, createJourney(t, store, ws, "J", "S"), 0, tp{name: "T"})
	idea := storeIdea(t, store, newTestIdea(ws, "Contested", tpA.ID))
	lastHist := lastHistorySeq(ideaHistorySince(t, store, ws, idea.ID, 0), 0)

	const writers = 20
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			<-start
			_, errs[w] = store.UpdateIdea(ctx, ws, idea.ID, idea.Version, fmt.Sprintf("writer %d", w), func(i *domain.Idea) error {
				i.Title, i.Owner = fmt.Sprintf("Title by %d", w), fmt.Sprintf("Owner %d", w)
				return i.Validate()
			})
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for w, err := range errs {
		switch domain.ErrorCodeOf(err) {
		case "":
			if winner >= 0 {
				t.Fatalf("writers %d and %d both succeeded at version %d", winner, w, idea.Version)
			}
			winner = w
		case domain.EPreconditionFailed:
		default:
			t.Fatalf("writer %d: %v, want success or precondition failed", w, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no writer succeeded: %v", errs)
	}
	stored := getIdea(t, store, ws, idea.ID)
	if stored.Version != idea.Version+1 || stored.Title != fmt.Sprintf("Title by %d", winner) || stored.Owner != fmt.Sprintf("Owner %d", winner) {
		t.Fatalf("stored %+v, want writer %d's change at version %d", stored, winner, idea.Version+1)
	}
	wantHistory(t, "history after the race", ideaHistorySince(t, store, ws, idea.ID, lastHist), []domain.Change{
		{Field: "title", Old: "Contested", New: stored.Title},
		{Field: "owner", Old: "", New: stored.Owner},
	}, fmt.Sprintf("writer %d", winner))
}

func TestListIdeas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j1 := createJourney(t, store, ws, "Shop", "Browse", "Pay")
	j2 := createJourney(t, store, ws, "Support", "Ask")
	tpA := createTouchpoint(t, store, j1, 0, tp{name: "Search"})
	tpB := createTouchpoint(t, store, j1, 1, tp{name: "Checkout"})
	tpC := createTouchpoint(t, store, j2, 0, tp{name: "Chat"})
	journeyOf := map[string]string{tpA.ID: j1.ID, tpB.ID: j1.ID, tpC.ID: j2.ID}
	jOther := createJourney(t, store, other, "Theirs", "One")
	foreign := createTouchpoint(t, store, jOther, 0, tp{name: "Search"})

	// 25 ideas with many ties: 5 titles, 6 priorities, 4 creation times and 3
	// update times.
	titles := []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo"}
	statuses := []domain.IdeaStatus{domain.StatusNew, domain.StatusUnderReview, domain.StatusPlanned, domain.StatusParked}
	tagSets := [][]string{{"cx"}, {"cx2", "mobile"}, {}, {"mobile", "cx"}, {"xcx"}}
	owners := []string{"Dana", "Dana Scully", "", "Dan"}
	tpSets := [][]string{{tpA.ID}, {tpB.ID, tpC.ID}, {tpC.ID}}
	texts := map[int][3]string{ // title, problem, proposal overrides
		3:  {"", "Customers wait for REFUNDS", ""},
		7:  {"", "", "Auto-refund small orders"},
		11: {"", "", "Cut 50% of calls"},
		12: {"", "Only 50 percent finish", ""},
		13: {"", "", "Use snake_case names"},
		14: {"", "Where the cat sleeps", ""},
		20: {"Refund desk", "", ""},
	}
	base := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for n := range 25 {
		i := newTestIdea(ws, titles[n%5], slices.Clone(tpSets[n%3])...)
		i.Impact, i.Effort = 1+(n%3)*2, 1+n%2
		if n%7 == 6 {
			i.Confidence = 0 // priority 0
		}
		i.Status, i.Owner, i.Tags = statuses[n%4], owners[n%4], slices.Clone(tagSets[n%5])
		if o, ok := texts[n]; ok {
			i.Title = cmp.Or(o[0], i.Title)
			i.Problem, i.Proposal = o[1], o[2]
		}
		storeIdea(t, store, i)
		// Force ties on the timestamps.
		_, err := store.SQL().ExecContext(ctx, "UPDATE ideas SET created_at = $1, updated_at = $2 WHERE id = $3",
			base.Add(time.Duration(n%4)*time.Second), base.Add(time.Duration(n%3)*time.Minute), i.ID)
		if err != nil {
			t.Fatal(err)
		}
	}
	// The other workspace has look-alikes that must never show.
	for n := range 6 {
		i := newTestIdea(other, titles[n%5], foreign.ID)
		i.Problem, i.Tags, i.Owner, i.Status = "Refunds, 50% of calls", []string{"cx"}, "Dana", statuses[n%4]
		storeIdea(t, store, i)
	}

	all, _, err := store.ListIdeas(ctx, ws, domain.IdeaFilter{}, nil, 100)
	if err != nil || len(all) != 25 {
		t.Fatalf("ListIdeas with limit 100: %d ideas, %v; want 25", len(all), err)
	}
	for n := range all {
		wantIdea(t, "listed idea", &all[n], getIdea(t, store, ws, all[n].ID))
	}

	t.Run("sort orders", func(t *testing.T) {
		orders := map[domain.IdeaSort]func(a, b domain.Idea) int{
			domain.SortPriorityDesc: byRank,
			domain.SortPriority: func(a, b domain.Idea) int {
				return cmp.Or(cmp.Compare(a.Score.Priority, b.Score.Priority), a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
			},
			domain.SortCreatedAt: func(a, b domain.Idea) int {
				return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
			},
			domain.SortCreatedAtDesc: func(a, b domain.Idea) int {
				return -cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
			},
			domain.SortUpdatedAt: func(a, b domain.Idea) int {
				return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), strings.Compare(a.ID, b.ID))
			},
			domain.SortUpdatedAtDesc: func(a, b domain.Idea) int {
				return -cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), strings.Compare(a.ID, b.ID))
			},
			domain.SortTitle: func(a, b domain.Idea) int {
				return cmp.Or(strings.Compare(a.Title, b.Title), strings.Compare(a.ID, b.ID))
			},
			// Ideas with a case first, by net value descending (none here
			// has one: TestIdeasSortedByNetValue covers them).
			domain.SortNetValueDesc: func(a, b domain.Idea) int {
				net := func(i domain.Idea) (bool, float64) {
					if i.BusinessCase == nil {
						return true, 0
					}
					return false, -i.BusinessCase.ExpectedNetAnnualValue
				}
				aNone, aNet := net(a)
				bNone, bNet := net(b)
				return cmp.Or(map[bool]int{false: 0, true: 1}[aNone]-map[bool]int{false: 0, true: 1}[bNone], cmp.Compare(aNet, bNet),
					a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
			},
			// By the contacts a month of the linked reasons, biggest first
			// (none has any here: TestIdeasSortedByContacts covers them).
			domain.SortContactsDesc: func(a, b domain.Idea) int {
				return cmp.Or(-cmp.Compare(a.Evidence.ContactsPerMonth, b.Evidence.ContactsPerMonth),
					a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
			},
		}
		orders[""] = byRank // the default
		for _, s := range domain.IdeaSorts {
			if orders[s] == nil && s != domain.SortRelevance { // needs a search: search_test.go
				t.Fatalf("no expected order for sort %q", s)
			}
		}
		for sort, order := range orders {
			t.Run(cmp.Or(string(sort), "default"), func(t *testing.T) {
				want := slices.Clone(all)
				slices.SortFunc(want, order)
				got := pageIdeas(t, store, ws, domain.IdeaFilter{Sort: sort}, 4)
				if !slices.Equal(ideaIDs(got), ideaIDs(want)) {
					t.Fatalf("order\n got: %v\nwant: %v", ideaTitles(got), ideaTitles(want))
				}
			})
		}
	})

	t.Run("filters", func(t *testing.T) {
		has := func(ids []string, id string) bool { return slices.Contains(ids, id) }
		inJourney := func(jID string) func(domain.Idea) bool {
			return func(i domain.Idea) bool {
				return slices.ContainsFunc(i.TouchpointIDs, func(id string) bool { return journeyOf[id] == jID })
			}
		}
		cases := []struct {
			name  string
			f     domain.IdeaFilter
			match func(domain.Idea) bool
		}{
			{"status planned", domain.IdeaFilter{Statuses: []domain.IdeaStatus{domain.StatusPlanned}}, func(i domain.Idea) bool { return i.Status == domain.StatusPlanned }},
			{"status adopted (none)", domain.IdeaFilter{Statuses: []domain.IdeaStatus{domain.StatusAdopted}}, func(domain.Idea) bool { return false }},
			{"quadrant quick win", domain.IdeaFilter{Quadrants: []domain.Quadrant{domain.QuadrantQuickWin}}, func(i domain.Idea) bool { return i.Score.Quadrant == domain.QuadrantQuickWin }},
			{"quadrant fill-in", domain.IdeaFilter{Quadrants: []domain.Quadrant{domain.QuadrantFillIn}}, func(i domain.Idea) bool { return i.Score.Quadrant == domain.QuadrantFillIn }},
			{"tag cx, not cx2 or xcx", domain.IdeaFilter{Tags: []string{"cx"}}, func(i domain.Idea) bool { return slices.Contains(i.Tags, "cx") }},
			{"tag cx2", domain.IdeaFilter{Tags: []string{"cx2"}}, func(i domain.Idea) bool { return slices.Contains(i.Tags, "cx2") }},
			{"tag c, no prefix match (none)", domain.IdeaFilter{Tags: []string{"c"}}, func(domain.Idea) bool { return false }},
			{"owner Dana, exactly", domain.IdeaFilter{Owners: []string{"Dana"}}, func(i domain.Idea) bool { return i.Owner == "Dana" }},
			{"touchpoint A", domain.IdeaFilter{TouchpointIDs: []string{tpA.ID}}, func(i domain.Idea) bool { return has(i.TouchpointIDs, tpA.ID) }},
			{"touchpoint C", domain.IdeaFilter{TouchpointIDs: []string{tpC.ID}}, func(i domain.Idea) bool { return has(i.TouchpointIDs, tpC.ID) }},
			{"journey 1", domain.IdeaFilter{JourneyIDs: []string{j1.ID}}, inJourney(j1.ID)},
			{"journey 2", domain.IdeaFilter{JourneyIDs: []string{j2.ID}}, inJourney(j2.ID)},
			{"query in title, problem or proposal, any case", domain.IdeaFilter{Query: ptr("ReFuNd")}, func(i domain.Idea) bool {
				return slices.ContainsFunc([]string{i.Title, i.Problem, i.Proposal}, func(s string) bool { return strings.Contains(strings.ToLower(s), "refund") })
			}},
			{"query with a literal %", domain.IdeaFilter{Query: ptr("50%"), Match: domain.MatchSubstring}, func(i domain.Idea) bool { return strings.Contains(i.Proposal, "50%") }},
			{"query with a literal _", domain.IdeaFilter{Query: ptr("e_c"), Match: domain.MatchSubstring}, func(i domain.Idea) bool { return strings.Contains(i.Proposal, "e_c") }},
			{"status, tag and journey together", domain.IdeaFilter{Statuses: []domain.IdeaStatus{domain.StatusNew}, Tags: []string{"cx"}, JourneyIDs: []string{j1.ID}}, func(i domain.Idea) bool {
				return i.Status == domain.StatusNew && slices.Contains(i.Tags, "cx") && inJourney(j1.ID)(i)
			}},
			{"status new or planned", domain.IdeaFilter{Statuses: []domain.IdeaStatus{domain.StatusNew, domain.StatusPlanned}}, func(i domain.Idea) bool {
				return i.Status == domain.StatusNew || i.Status == domain.StatusPlanned
			}},
			{"tag cx or cx2", domain.IdeaFilter{Tags: []string{"cx", "cx2"}}, func(i domain.Idea) bool { return slices.Contains(i.Tags, "cx") || slices.Contains(i.Tags, "cx2") }},
			{"touchpoint A or B", domain.IdeaFilter{TouchpointIDs: []string{tpA.ID, tpB.ID}}, func(i domain.Idea) bool { return has(i.TouchpointIDs, tpA.ID) || has(i.TouchpointIDs, tpB.ID) }},
			{"touchpoint A, open statuses", domain.IdeaFilter{TouchpointIDs: []string{tpA.ID}, Statuses: []domain.IdeaStatus{domain.StatusNew, domain.StatusPlanned}}, func(i domain.Idea) bool {
				return has(i.TouchpointIDs, tpA.ID) && (i.Status == domain.StatusNew || i.Status == domain.StatusPlanned)
			}},
			{"journey 2 or a foreign journey", domain.IdeaFilter{JourneyIDs: []string{j2.ID, jOther.ID}}, inJourney(j2.ID)},
			{"touchpoint of another workspace", domain.IdeaFilter{TouchpointIDs: []string{foreign.ID}}, func(domain.Idea) bool { return false }},
			{"journey of another workspace", domain.IdeaFilter{JourneyIDs: []string{jOther.ID}}, func(domain.Idea) bool { return false }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var want []domain.Idea
				for _, i := range all { // all is in the default order
					if tc.match(i) {
						want = append(want, i)
					}
				}
				if len(want) == len(all) {
					t.Fatalf("the filter matches every idea: the case tests nothing")
				}
				if wantNone := strings.Contains(tc.name, "(none)") || strings.Contains(tc.name, "another workspace"); (len(want) == 0) != wantNone {
					t.Fatalf("the case expects %d ideas: check the fixtures", len(want))
				}
				got := pageIdeas(t, store, ws, tc.f, 3)
				if !slices.Equal(ideaIDs(got), ideaIDs(want)) {
					t.Fatalf("filter %s\n got: %v\nwant: %v", tc.name, ideaTitles(got), ideaTitles(want))
				}
			})
		}
	})

	t.Run("workspace isolation", func(t *testing.T) {
		theirs := pageIdeas(t, store, other, domain.IdeaFilter{}, 4)
		if len(theirs) != 6 {
			t.Fatalf("other workspace lists %d ideas, want its 6", len(theirs))
		}
		ours := pageIdeas(t, store, ws, domain.IdeaFilter{Query: ptr("refunds, 50%")}, 4)
		if len(ours) != 0 {
			t.Fatalf("a query only the other workspace's ideas match lists %v", ideaTitles(ours))
		}
		for _, i := range theirs {
			if _, err := store.GetIdea(ctx, ws, i.ID); domain.ErrorCodeOf(err) != domain.ENotFound {
				t.Fatalf("GetIdea of another workspace's idea: %v, want not found", err)
			}
		}
	})
}

func TestIdeaHistoryPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	tpA := createTouchpoint(t, store, createJourney(t, store, ws, "J", "S"), 0, tp{name: "T"})
	idea := storeIdea(t, store, newTestIdea(ws, "Title 0", tpA.ID))
	// A second idea's history interleaves and must not show.
	noise := storeIdea(t, store, newTestIdea(ws, "Noise 0", tpA.ID))
	for n := 1; n <= 6; n++ {
		var err error
		idea, err = store.UpdateIdea(ctx, ws, idea.ID, idea.Version, fmt.Sprintf("key %d", n), func(i *domain.Idea) error {
			i.Title = fmt.Sprintf("Title %d", n)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		noise, err = store.UpdateIdea(ctx, ws, noise.ID, noise.Version, ideaActor, func(i *domain.Idea) error {
			i.Title = fmt.Sprintf("Noise %d", n)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	var got []domain.HistoryEntry
	var before int64
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("the history does not end")
		}
		entries, _, err := store.IdeaHistory(ctx, ws, idea.ID, before, 3)
		if err != nil {
			t.Fatalf("IdeaHistory page %d: %v", page, err)
		}
		if len(entries) > 3 {
			t.Fatalf("page %d has %d entries, limit 3", page, len(entries))
		}
		if len(entries) == 0 {
			break
		}
		got = append(got, entries...)
		before = entries[len(entries)-1].Seq
	}
	if len(got) != 7 {
		t.Fatalf("%d history entries %+v, want 7 (created + 6 titles)", len(got), got)
	}
	for n, h := range got {
		if want := int64(7 - n); h.Seq != want {
			t.Fatalf("entry %d is number %d, want %d: the idea's changes count 1, 2, 3 ... whatever else is written", n, h.Seq, want)
		}
		k := 6 - n // newest first: Title 6 first, created last
		want := domain.HistoryEntry{Field: "title", Old: fmt.Sprintf("Title %d", k-1), New: fmt.Sprintf("Title %d", k), Actor: fmt.Sprintf("key %d", k)}
		if k == 0 {
			want = domain.HistoryEntry{Field: "created", Old: "", New: "Title 0", Actor: ideaActor}
		}
		if h.Field != want.Field || h.Old != want.Old || h.New != want.New || h.Actor != want.Actor {
			t.Fatalf("entry %d: %+v, want %+v", n, h, want)
		}
		if n > 0 && h.ChangedAt.After(got[n-1].ChangedAt) {
			t.Fatalf("entry %d changed at %v, after newer entry %d at %v", n, h.ChangedAt, n-1, got[n-1].ChangedAt)
		}
	}

	_, _, err := store.IdeaHistory(ctx, other, idea.ID, 0, 10)
	wantCode(t, "IdeaHistory from another workspace", err, domain.ENotFound)
	_, _, err = store.IdeaHistory(ctx, ws, domain.NewID(), 0, 10)
	wantCode(t, "IdeaHistory of an unknown idea", err, domain.ENotFound)
}

func TestRankedMatrixAndCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "Shop", "Pay", "Help")
	checkout := createTouchpoint(t, store, j, 0, tp{name: "Checkout"})
	chat := createTouchpoint(t, store, j, 1, tp{name: "Support chat"})
	faq := createTouchpoint(t, store, j, 1, tp{name: "FAQ"})
	foreign := createTouchpoint(t, store, createJourney(t, store, other, "Theirs", "One"), 0, tp{name: "Checkout"})

	mk := func(ws, title string, status domain.IdeaStatus, impact, effort int, tps ...string) *domain.Idea {
		i := newTestIdea(ws, title, tps...)
		i.Status, i.Impact, i.Effort = status, impact, effort
		return storeIdea(t, store, i)
	}
	p1 := mk(ws, "P1", domain.StatusPlanned, 5, 1, chat.ID, checkout.ID)
	p2 := mk(ws, "P2", domain.StatusPlanned, 3, 2, checkout.ID)
	p3 := mk(ws, "P3", domain.StatusPlanned, 3, 2, chat.ID) // ties with P2, created later
	p4 := mk(ws, "P4", domain.StatusPlanned, 1, 5, checkout.ID)
	n1 := mk(ws, "N1", domain.StatusNew, 4, 1, checkout.ID)
	r1 := mk(ws, "R1", domain.StatusRejected, 5, 1, chat.ID)
	a1 := mk(ws, "A1", domain.StatusAdopted, 2, 3, checkout.ID, chat.ID)
	t1 := mk(other, "Theirs", domain.StatusPlanned, 5, 1, foreign.ID)
	names := map[string]string{checkout.ID: "Checkout", chat.ID: "Support chat", foreign.ID: "Checkout"}

	t.Run("ranked", func(t *testing.T) {
		cases := []struct {
			ws     string
			status domain.IdeaStatus
			limit  int
			want   []*domain.Idea
		}{
			{ws, domain.StatusPlanned, 10, []*domain.Idea{p1, p2, p3, p4}},
			{ws, domain.StatusPlanned, 2, []*domain.Idea{p1, p2}},
			{ws, domain.StatusNew, 10, []*domain.Idea{n1}},
			{ws, domain.StatusRejected, 10, []*domain.Idea{r1}},
			{ws, domain.StatusAdopted, 10, []*domain.Idea{a1}},
			{ws, domain.StatusUnderReview, 10, nil},
			{other, domain.StatusPlanned, 10, []*domain.Idea{t1}},
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s limit %d in %.8s", tc.status, tc.limit, tc.ws), func(t *testing.T) {
				lanes, err := store.RankedIdeas(ctx, tc.ws, []domain.IdeaStatus{tc.status, domain.StatusParked}, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				got := lanes[tc.status]
				if len(got) != len(tc.want) {
					t.Fatalf("%d ideas, want %d", len(got), len(tc.want))
				}
				for n, r := range got {
					wantIdea(t, fmt.Sprintf("ranked idea %d", n), &r.Idea, getIdea(t, store, tc.ws, tc.want[n].ID))
					if len(r.Touchpoints) != len(r.TouchpointIDs) {
						t.Fatalf("idea %s: touchpoints %+v for ids %v", r.Title, r.Touchpoints, r.TouchpointIDs)
					}
					for k, ref := range r.Touchpoints {
						if ref.ID != r.TouchpointIDs[k] || ref.Name != names[ref.ID] {
							t.Fatalf("idea %s touchpoint %d: %+v, want %s named %q", r.Title, k, ref, r.TouchpointIDs[k], names[r.TouchpointIDs[k]])
						}
					}
				}
			})
		}
		// P1's touchpoints keep the idea's order: chat first.
		lanes, err := store.RankedIdeas(ctx, ws, []domain.IdeaStatus{domain.StatusPlanned}, 1)
		got := lanes[domain.StatusPlanned]
		if err != nil || len(got) != 1 {
			t.Fatalf("RankedIdeas: %v, %v", got, err)
		}
		want := []domain.TouchpointRef{{ID: chat.ID, Name: "Support chat"}, {ID: checkout.ID, Name: "Checkout"}}
		if !slices.Equal(got[0].Touchpoints, want) {
			t.Fatalf("P1's touchpoints %+v, want %+v", got[0].Touchpoints, want)
		}
	})

	t.Run("matrix", func(t *testing.T) {
		got, counts, err := store.MatrixIdeas(ctx, ws, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		var want []domain.Idea
		wantCounts := map[domain.Quadrant]int{}
		for _, i := range []*domain.Idea{p1, p2, p3, p4, n1, r1, a1} {
			want = append(want, *getIdea(t, store, ws, i.ID))
			wantCounts[want[len(want)-1].Score.Quadrant]++
		}
		// Quadrant by quadrant, each by rank.
		slices.SortStableFunc(want, byRank)
		slices.SortStableFunc(want, func(a, b domain.Idea) int {
			return slices.Index(domain.Quadrants, a.Score.Quadrant) - slices.Index(domain.Quadrants, b.Score.Quadrant)
		})
		if !maps.Equal(counts, wantCounts) {
			t.Fatalf("counts %v, want %v", counts, wantCounts)
		}
		top, _, err := store.MatrixIdeas(ctx, ws, nil, 1)
		if err != nil || len(top) != len(wantCounts) {
			t.Fatalf("one per quadrant: %d ideas, %v", len(top), err)
		}
		if !slices.Equal(ideaIDs(got), ideaIDs(want)) {
			t.Fatalf("matrix order\n got: %v\nwant: %v", ideaTitles(got), ideaTitles(want))
		}
		for n, g := range got {
			w := want[n]
			if g.Title != w.Title || g.Status != w.Status || g.Impact != w.Impact || g.Experience != w.Experience ||
				g.Effort != w.Effort || g.Confidence != w.Confidence || g.Score.Value != w.Score.Value ||
				g.Score.Priority != w.Score.Priority || g.Score.Quadrant != w.Score.Quadrant {
				t.Fatalf("matrix idea %d: %+v, want the values of %+v", n, g, w)
			}
		}
		theirs, theirCounts, err := store.MatrixIdeas(ctx, other, nil, 100)
		if err != nil || len(theirs) != 1 || theirs[0].ID != t1.ID || theirCounts[theirs[0].Score.Quadrant] != 1 {
			t.Fatalf("other workspace's matrix: %+v, %v; want only %s", theirs, err, t1.ID)
		}
	})

	t.Run("touchpoint counts", func(t *testing.T) {
		cases := []struct {
			name   string
			ws, tp string
			want   map[domain.IdeaStatus]int
		}{
			{"checkout", ws, checkout.ID, map[domain.IdeaStatus]int{domain.StatusPlanned: 3, domain.StatusNew: 1, domain.StatusAdopted: 1}},
			{"chat", ws, chat.ID, map[domain.IdeaStatus]int{domain.StatusPlanned: 2, domain.StatusRejected: 1, domain.StatusAdopted: 1}},
			{"no ideas", ws, faq.ID, map[domain.IdeaStatus]int{}},
			{"other workspace's touchpoint", ws, foreign.ID, map[domain.IdeaStatus]int{}},
			{"from the other workspace", other, checkout.ID, map[domain.IdeaStatus]int{}},
			{"theirs", other, foreign.ID, map[domain.IdeaStatus]int{domain.StatusPlanned: 1}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := store.TouchpointIdeaCounts(ctx, tc.ws, tc.tp)
				if err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(got, tc.want) {
					t.Fatalf("counts %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func TestDeleteIdea(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	other := newWorkspace(t, store, "other")
	j := createJourney(t, store, ws, "Shop", "Pay")
	tpA := createTouchpoint(t, store, j, 0, tp{name: "Checkout"})
	tpB := createTouchpoint(t, store, j, 0, tp{name: "Receipt"})

	idea := storeIdea(t, store, newTestIdea(ws, "Doomed", tpA.ID, tpB.ID))
	if _, err := store.UpdateIdea(ctx, ws, idea.ID, idea.Version, ideaActor, func(i *domain.Idea) error { i.Title = "Still doomed"; return nil }); err != nil {
		t.Fatal(err)
	}
	idea = getIdea(t, store, ws, idea.ID)
	keeper := storeIdea(t, store, newTestIdea(ws, "Keeper", tpB.ID))
	keeperHistory := ideaHistorySince(t, store, ws, keeper.ID, 0)

	// Refused deletes change nothing.
	wantCode(t, "DeleteIdea from another workspace", store.DeleteIdea(ctx, other, idea.ID, idea.Version), domain.ENotFound)
	wantCode(t, "DeleteIdea at a stale version", store.DeleteIdea(ctx, ws, idea.ID, idea.Version-1), domain.EPreconditionFailed)
	wantCode(t, "DeleteIdea of an unknown id", store.DeleteIdea(ctx, ws, domain.NewID(), 1), domain.ENotFound)
	wantIdea(t, "GetIdea after refused deletes", getIdea(t, store, ws, idea.ID), idea)

	// A targeted touchpoint cannot be deleted.
	wantCode(t, "DeleteTouchpoint targeted by an idea", store.DeleteTouchpoint(ctx, ws, tpA.ID, tpA.Version), domain.EConflict)
	if _, err := store.GetTouchpoint(ctx, ws, tpA.ID); err != nil {
		t.Fatalf("touchpoint after a refused delete: %v", err)
	}
	if n := countSQL(t, store, "SELECT count(*) FROM idea_touchpoints WHERE idea_id = $1", idea.ID); n != 2 {
		t.Fatalf("%d links after a refused touchpoint delete, want 2", n)
	}

	if err := store.DeleteIdea(ctx, ws, idea.ID, idea.Version); err != nil {
		t.Fatalf("DeleteIdea: %v", err)
	}
	_, err := store.GetIdea(ctx, ws, idea.ID)
	wantCode(t, "GetIdea after delete", err, domain.ENotFound)
	_, _, err = store.IdeaHistory(ctx, ws, idea.ID, 0, 10)
	wantCode(t, "IdeaHistory after delete", err, domain.ENotFound)
	wantCode(t, "DeleteIdea again", store.DeleteIdea(ctx, ws, idea.ID, idea.Version), domain.ENotFound)
	for table, query := range map[string]string{
		"ideas":            "SELECT count(*) FROM ideas WHERE id = $1",
		"idea_touchpoints": "SELECT count(*) FROM idea_touchpoints WHERE idea_id = $1",
		"idea_history":     "SELECT count(*) FROM idea_history WHERE idea_id = $1",
	} {
		if n := countSQL(t, store, query, idea.ID); n != 0 {
			t.Fatalf("%d rows left in %s after DeleteIdea", n, table)
		}
	}

	// The other idea is intact.
	wantIdea(t, "the other idea after the delete", getIdea(t, store, ws, keeper.ID), keeper)
	if h := ideaHistorySince(t, store, ws, keeper.ID, 0); !slices.Equal(h, keeperHistory) {
		t.Fatalf("the other idea's history changed: %+v, was %+v", h, keeperHistory)
	}
	if counts, err := store.TouchpointIdeaCounts(ctx, ws, tpB.ID); err != nil || !maps.Equal(counts, map[domain.IdeaStatus]int{domain.StatusNew: 1}) {
		t.Fatalf("counts for the kept touchpoint: %v, %v", counts, err)
	}

	// Untargeted now, A can go; B is still targeted by the other idea.
	if err := store.DeleteTouchpoint(ctx, ws, tpA.ID, tpA.Version); err != nil {
		t.Fatalf("DeleteTouchpoint no longer targeted: %v", err)
	}
	wantCode(t, "DeleteTouchpoint still targeted", store.DeleteTouchpoint(ctx, ws, tpB.ID, tpB.Version), domain.EConflict)
}
