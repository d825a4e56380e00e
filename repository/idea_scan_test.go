package repository_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"cxbacklog/domain"
)

// The list reads tags from jsonb's text by hand when it can: every tag
// must come back as it was stored, in order, through the list and through
// the single read (encoding/json).
func TestTagsReadBack(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	j := createJourney(t, store, ws, "J", "S")
	tpt := createTouchpoint(t, store, j, 0, tp{name: "T"})
	for _, tags := range [][]string{
		{},
		{"a"},
		{"mobile", "billing"},
		{`say "hi"`, "plain"},
		{`a", "b`},
		{`back\slash`, "x"},
		{"a, b", "c"},
		{"ünïcode", "emoji 🎉", "tab\there"},
		{"[", "]"},
	} {
		i := newTestIdea(ws, fmt.Sprintf("Tags %q", tags), tpt.ID)
		i.Tags = slices.Clone(tags)
		stored := storeIdea(t, store, i)
		got, err := store.GetIdea(context.Background(), ws, stored.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Tags, tags) {
			t.Errorf("read: tags %q, want %q", got.Tags, tags)
		}
		listed := pageIdeas(t, store, ws, domain.IdeaFilter{}, 50)
		at := slices.IndexFunc(listed, func(l domain.Idea) bool { return l.ID == stored.ID })
		if at < 0 {
			t.Errorf("idea with tags %q not listed", tags)
		} else if !slices.Equal(listed[at].Tags, tags) {
			t.Errorf("listed: tags %q, want %q", listed[at].Tags, tags)
		}
	}
}
