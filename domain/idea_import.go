package domain

import (
	"context"
	"strconv"
	"strings"
)

// MaxIdeaImportRows bounds one idea import (a CSV of ideas created at once,
// all or nothing).
const MaxIdeaImportRows = 10_000

// IdeaBatchStore creates many ideas at once.
type IdeaBatchStore interface {
	// CreateIdeas is IdeaStore.CreateIdea for validated ideas of one
	// workspace, all or none, in one transaction: each is scored, stored
	// with its touchpoints, its "created" history entry and its event. A
	// touchpoint not in the workspace is EInvalid naming
	// /touchpoint_ids/N, with Line the 1-based position of its idea in
	// ideas.
	CreateIdeas(ctx context.Context, ideas []Idea, actor string) error
}

// TouchpointLabel names a touchpoint for people, with its journey:
// "Journey / Touchpoint". The CSV downloads write touchpoints so, and an
// import finds a touchpoint by it.
func TouchpointLabel(journey, touchpoint string) string { return journey + " / " + touchpoint }

// TouchpointIndex finds a workspace's touchpoints by id or by label, for an
// import written by people.
type TouchpointIndex struct {
	ids     map[string]bool
	byLabel map[string][]string
}

// NewTouchpointIndex is an empty index.
func NewTouchpointIndex() *TouchpointIndex {
	return &TouchpointIndex{ids: map[string]bool{}, byLabel: map[string][]string{}}
}

// Add indexes touchpoint id, named name, of the journey named journey.
func (x *TouchpointIndex) Add(id, journey, name string) {
	id = strings.ToLower(id)
	if x.ids[id] {
		return
	}
	x.ids[id] = true
	key := labelKey(TouchpointLabel(journey, name))
	x.byLabel[key] = append(x.byLabel[key], id)
}

// Find returns the id of the touchpoint ref names: one of the index's ids
// (in any case), or a label "Journey / Touchpoint" compared regardless of
// case, of runs of spaces and of spaces around the slash. Otherwise it
// says why not: no touchpoint has that id or label, or the label names
// several (two journeys, or two touchpoints of one journey, of the same
// names), which only their ids tell apart.
func (x *TouchpointIndex) Find(ref string) (id, reason string) {
	ref = strings.TrimSpace(ref)
	if IsID(strings.ToLower(ref)) {
		if id := strings.ToLower(ref); x.ids[id] {
			return id, ""
		}
		return "", "no touchpoint of this workspace has the id " + QuoteInput(ref)
	}
	switch ids := x.byLabel[labelKey(ref)]; len(ids) {
	case 0:
		return "", "no touchpoint is named " + QuoteInput(ref) + `; name one as "Journey / Touchpoint" or give its id`
	case 1:
		return ids[0], ""
	default:
		return "", QuoteInput(ref) + " names " + strconv.Itoa(len(ids)) + " touchpoints; give the id of the one meant"
	}
}

// labelKey is a label as Find compares it.
func labelKey(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	return strings.ReplaceAll(strings.ReplaceAll(s, " /", "/"), "/ ", "/")
}
