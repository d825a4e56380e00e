package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"cxbacklog/domain"

	"github.com/PuerkitoBio/goquery"
)

// ideaIn stores an idea with the given scores and status in the site's
// workspace, targeting touchpoint.
func (s *site) ideaIn(title string, impact, experience, effort int, status domain.IdeaStatus, touchpoint string) {
	s.t.Helper()
	ctx := context.Background()
	sc, _, err := s.store.GetScoring(ctx, s.wsID)
	if err != nil {
		s.t.Fatal(err)
	}
	i := &domain.Idea{ID: domain.NewID(), WorkspaceID: s.wsID, Title: title, TouchpointIDs: []string{touchpoint},
		Impact: impact, Experience: experience, Effort: effort, Confidence: 0.5, Status: status, Owner: "Contact centre", Tags: []string{"cx"}}
	i.Rescore(sc)
	if err := s.store.CreateIdea(ctx, i, "test"); err != nil {
		s.t.Fatal(err)
	}
}

// touchpoint stores a journey with one stage and a touchpoint in it.
func (s *site) touchpoint(name string) string {
	s.t.Helper()
	ctx := context.Background()
	j := &domain.Journey{ID: domain.NewID(), WorkspaceID: s.wsID, Name: name + " journey", Stages: []domain.Stage{{ID: domain.NewID(), Name: "Stage"}}}
	if err := s.store.CreateJourney(ctx, j); err != nil {
		s.t.Fatal(err)
	}
	tp := &domain.Touchpoint{ID: domain.NewID(), WorkspaceID: s.wsID, JourneyID: j.ID, StageID: j.Stages[0].ID, Name: name, Channel: domain.ChannelPhone}
	if err := s.store.CreateTouchpoint(ctx, tp); err != nil {
		s.t.Fatal(err)
	}
	return tp.ID
}

func TestBacklogRanksOpenIdeas(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	queue := s.touchpoint("Phone queue")
	s.ideaIn("Rejected but high", 5, 5, 1, domain.StatusRejected, queue)
	s.ideaIn("Headsets", 4, 5, 1, domain.StatusPlanned, queue)
	s.ideaIn("Callback", 3, 3, 2, domain.StatusNew, queue)
	s.ideaIn("=cmd|' /C calc'!A0", 1, 1, 5, domain.StatusNew, queue)

	viewer := s.signIn(domain.RoleViewer)
	doc := viewer.page("/", http.StatusOK)
	var titles []string
	doc.Find("ol.ideas li .idea-title").Each(func(_ int, sel *goquery.Selection) { titles = append(titles, text(sel)) })
	if want := []string{"Headsets", "Callback", "=cmd|' /C calc'!A0"}; strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Fatalf("backlog %q, want the open ideas by priority %q", titles, want)
	}
	if why := text(doc.Find("ol.ideas li .why").First()); !strings.HasPrefix(why, "Quick win") {
		t.Errorf("the first idea's reason in words: %q", why)
	}
	if doc.Find(`a[href="/ideas/new"]`).Length() != 0 {
		t.Error("a viewer is offered to create an idea")
	}
	if s.signIn(domain.RoleEditor).page("/", http.StatusOK).Find(`a[href="/ideas/new"]`).Length() != 1 {
		t.Error("an editor is not offered to create an idea")
	}

	all := viewer.page("/?status=rejected&status=planned", http.StatusOK)
	if n := all.Find("ol.ideas li").Length(); n != 2 {
		t.Errorf("rejected and planned: %d ideas, want 2", n)
	}
	if !all.Find(`input[name=status][value=rejected]`).Is("[checked]") || all.Find(`input[name=status][value=new]`).Is("[checked]") {
		t.Error("the status boxes do not show the filter")
	}
	if n := viewer.page("/?q=head", http.StatusOK).Find("ol.ideas li").Length(); n != 1 {
		t.Errorf("search head: %d ideas, want 1", n)
	}
	// The search matches words as the API's does, the last one typed as a prefix: the start of a word, not a part inside.
	if n := viewer.page("/?q=eadset", http.StatusOK).Find("ol.ideas li").Length(); n != 0 {
		t.Errorf("search eadset: %d ideas, want none", n)
	}
	viewer.page("/?status=bogus", http.StatusBadRequest)

	// The CSV is what is shown, in rank order; a formula-looking title stays text.
	r := viewer.get("/ideas.csv")
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(r.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[1][1] != "Headsets" || rows[1][0] != "1" || rows[3][1] != "'=cmd|' /C calc'!A0" || rows[1][12] != "Phone queue journey / Phone queue" {
		t.Fatalf("CSV rows: %q", rows)
	}
}

func TestBacklogPagesThroughEveryIdea(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	queue := s.touchpoint("Phone queue")
	for n := range 30 {
		s.ideaIn(fmt.Sprintf("Idea %02d", n), 1+n%5, 3, 1+n%3, domain.StatusNew, queue)
	}
	b := s.signIn(domain.RoleViewer)
	seen, path, rank := map[string]bool{}, "/", 1
	for path != "" {
		doc := b.page(path, http.StatusOK)
		if start, _ := doc.Find("ol.ideas").Attr("start"); start != fmt.Sprint(rank) {
			t.Fatalf("page %s starts at rank %s, want %d", path, start, rank)
		}
		doc.Find("ol.ideas li .idea-title").Each(func(_ int, sel *goquery.Selection) {
			if seen[text(sel)] {
				t.Errorf("%s shown twice", text(sel))
			}
			seen[text(sel)] = true
			rank++
		})
		path, _ = doc.Find(`a[rel=next]`).Attr("href")
	}
	if len(seen) != 30 {
		t.Fatalf("paged through %d ideas, want 30", len(seen))
	}
}
