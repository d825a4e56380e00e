package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// IdeaSort is an order of the idea list.
type IdeaSort string

// Idea list orders. The default ranks the backlog: priority descending, ties
// by created_at then id, so the order is total and pages never overlap.
const (
	SortPriorityDesc  IdeaSort = "-priority"
	SortPriority      IdeaSort = "priority"
	SortCreatedAt     IdeaSort = "created_at"
	SortCreatedAtDesc IdeaSort = "-created_at"
	SortUpdatedAt     IdeaSort = "updated_at"
	SortUpdatedAtDesc IdeaSort = "-updated_at"
	SortTitle         IdeaSort = "title"
	// SortNetValueDesc ranks by the business case: ideas with a case first,
	// by expected net annual value descending (ties by created_at then id),
	// then the ideas without a case in creation order.
	SortNetValueDesc IdeaSort = "-expected_net_annual_value"
	// SortContactsDesc ranks by the volume an idea addresses: the contacts
	// a month of the contact reasons linked to it, biggest first (ties, and
	// the ideas without evidence, by created_at then id).
	SortContactsDesc IdeaSort = "-contacts_per_month"
	// SortRelevance ranks the matches of a words search (MatchWords) by
	// how well they match: ts_rank_cd of the words, weighted by where they
	// occur (title 1, problem 0.4, proposal 0.2), descending; ties by
	// priority descending, then id.
	SortRelevance IdeaSort = "relevance"
)

// IdeaSorts lists every accepted order; "" means SortPriorityDesc.
var IdeaSorts = []IdeaSort{SortPriorityDesc, SortPriority, SortCreatedAt, SortCreatedAtDesc, SortUpdatedAt, SortUpdatedAtDesc, SortTitle, SortNetValueDesc, SortContactsDesc, SortRelevance}

// IdeaFilter narrows the idea list. A filter of several values keeps an
// idea matching any of them; an empty one does not filter.
type IdeaFilter struct {
	Statuses      []IdeaStatus
	TouchpointIDs []string // linked to any of them
	JourneyIDs    []string // linked to a touchpoint of any of them
	Quadrants     []Quadrant
	Tags          []string // has any of them
	Owners        []string
	Query         *string     // a search of title, problem and proposal, as Match says
	Match         SearchMatch // "" means MatchWords
	Sort          IdeaSort    // SortRelevance only with a words search (CheckSearch)
}

// IdeaCursor marks the last idea of a page under one sort order.
type IdeaCursor struct {
	Sort      IdeaSort
	Priority  float64
	Title     string
	CreatedAt time.Time
	UpdatedAt time.Time
	ID        string
	// NetValue is the expected net annual value of the idea's business
	// case, nil when it has none (SortNetValueDesc).
	NetValue *float64
	// ContactsPerMonth is the idea's evidence's contacts a month (SortContactsDesc).
	ContactsPerMonth float64
	// Rank is how well the idea matched the search (SortRelevance).
	Rank float64
}

// HistoryEntry is one recorded change of an idea.
type HistoryEntry struct {
	// Seq numbers the idea's changes 1, 2, 3 ... in the order they were
	// made; the changes of one update share a time but not a number. It is
	// the idea's own count, so a cursor made of it says nothing about other
	// ideas or workspaces.
	Seq       int64
	Field     string
	Old, New  string
	Actor     string // the API key's name
	ChangedAt time.Time
}

// TouchpointRef names a touchpoint an idea targets.
type TouchpointRef struct {
	ID   string
	Name string
}

// RankedIdea is an idea with the names of its touchpoints, for views.
type RankedIdea struct {
	Idea
	Touchpoints []TouchpointRef
}

// IdeaStore keeps ideas, their history and the workspace's scoring, scoped
// to one workspace like the other stores.
type IdeaStore interface {
	// GetScoring returns the workspace's scoring (defaults if never set) and its version.
	GetScoring(ctx context.Context, workspaceID string) (Scoring, int, error)
	// UpdateScoring stores s at version and re-scores every idea of the
	// workspace in the same transaction. EPreconditionFailed.
	UpdateScoring(ctx context.Context, workspaceID string, version int, s Scoring) (int, error)
	// CreateIdea scores and stores a validated idea. EInvalid naming
	// /touchpoint_ids/N when a touchpoint is not in the workspace.
	CreateIdea(ctx context.Context, i *Idea, actor string) error
	// GetIdea returns one idea. ENotFound.
	GetIdea(ctx context.Context, workspaceID, id string) (*Idea, error)
	// ListIdeas pages in f.Sort order; the cursor is nil on the last page.
	ListIdeas(ctx context.Context, workspaceID string, f IdeaFilter, after *IdeaCursor, limit int) ([]Idea, *IdeaCursor, error)
	// UpdateIdea is load–change–rescore–save at version, recording every
	// changed field in the history in the same transaction. ENotFound,
	// EPreconditionFailed, EInvalid, and errors of change (EConflict for an
	// illegal status move).
	UpdateIdea(ctx context.Context, workspaceID, id string, version int, actor string, change func(*Idea) error) (*Idea, error)
	// DeleteIdea removes it at version. ENotFound, EPreconditionFailed.
	DeleteIdea(ctx context.Context, workspaceID, id string, version int) error
	// IdeaHistory pages through an idea's changes, newest first: those with
	// Seq below beforeSeq, or from the newest when it is 0. next is the
	// beforeSeq of the next page, nil on the last. ENotFound.
	IdeaHistory(ctx context.Context, workspaceID, id string, beforeSeq int64, limit int) (entries []HistoryEntry, next *int64, err error)
	// RankedIdeas returns, for each status, up to limit ideas with that
	// status, by priority, with their touchpoints' names.
	RankedIdeas(ctx context.Context, workspaceID string, statuses []IdeaStatus, limit int) (map[IdeaStatus][]RankedIdea, error)
	// MatrixIdeas returns up to perQuadrant ideas of each quadrant (id,
	// title, scores, status) with one of the statuses (any, when there are
	// none), by priority, and the number of such ideas in each quadrant.
	MatrixIdeas(ctx context.Context, workspaceID string, statuses []IdeaStatus, perQuadrant int) ([]Idea, map[Quadrant]int, error)
	// TouchpointIdeaCounts counts the ideas targeting a touchpoint by status.
	TouchpointIdeaCounts(ctx context.Context, workspaceID, touchpointID string) (map[IdeaStatus]int, error)
	// GetSearchSettings returns the workspace's search settings (defaults
	// if never set) and their version.
	GetSearchSettings(ctx context.Context, workspaceID string) (SearchSettings, int, error)
	// UpdateSearchSettings stores validated settings at version and
	// re-stems every idea of the workspace in the new language in the same
	// transaction. EPreconditionFailed.
	UpdateSearchSettings(ctx context.Context, workspaceID string, version int, s SearchSettings) (int, error)
}

// StatusesInWords names a set of idea statuses for a title: "open" for the
// OpenIdeaStatuses, "" for none (every status), else the statuses joined
// by "or" ("planned or piloting").
func StatusesInWords(statuses []IdeaStatus) string {
	if len(statuses) == 0 {
		return ""
	}
	set := slices.Clone(statuses)
	slices.Sort(set)
	open := slices.Clone(OpenIdeaStatuses)
	slices.Sort(open)
	if slices.Equal(slices.Compact(set), open) {
		return "open"
	}
	words := make([]string, len(statuses))
	for n, s := range statuses {
		words[n] = strings.ReplaceAll(string(s), "_", " ")
	}
	return strings.Join(words, " or ")
}

// RoadmapStatuses are the statuses of the roadmap's lanes: now, next, later.
var RoadmapStatuses = []IdeaStatus{StatusPiloting, StatusPlanned, StatusUnderReview}
