package repository

import (
	"context"
	"strings"
	"time"

	"cxbacklog/domain"
)

// ideaChunk is how many ideas (and history entries) one INSERT writes: 20
// parameters each stay well under PostgreSQL's 65,535; linkChunk is the
// same for touchpoint links, 7 parameters each.
const (
	ideaChunk = 1000
	linkChunk = 5000
)

// CreateIdeas implements domain.IdeaBatchStore: what CreateIdea does for
// each idea, for many ideas of one workspace in one transaction and a few
// statements per thousand ideas: the touchpoints checked (and held until
// commit, so none is deleted meanwhile), then the ideas, their touchpoint
// links and their "created" history entries chunk by chunk, then their
// events (last, see writeEvents). The ideas are made one microsecond
// apart in the order given, as one CreateIdea after another would make
// them, so that ideas of equal priority rank in that order.
func (s *Store) CreateIdeas(ctx context.Context, ideas []domain.Idea, actor string) error {
	if len(ideas) == 0 {
		return nil
	}
	ws := ideas[0].WorkspaceID
	for n := range ideas {
		if ideas[n].WorkspaceID != ws {
			return domain.Errorf(domain.EInternal, "ideas of several workspaces in one batch")
		}
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		sc, err := s.lockScoring(ctx, ws, false)
		if err != nil {
			return err
		}
		if err := s.holdIdeaTouchpoints(ctx, ws, ideas); err != nil {
			return err
		}
		at := s.now()
		rows := make([]ideaRow, len(ideas))
		var links []ideaTouchpointRow
		history := make([]map[string]any, len(ideas))
		events := make([]domain.Event, len(ideas))
		for n := range ideas {
			i := &ideas[n]
			i.ID = domain.NewID()
			i.CreatedAt = at.Add(time.Duration(n) * time.Microsecond)
			i.UpdatedAt, i.Version = i.CreatedAt, 1
			i.Rescore(sc.domain())
			rows[n] = ideaRowOf(i)
			for pos, tp := range i.TouchpointIDs {
				links = append(links, ideaTouchpointRow{WorkspaceID: ws, IdeaID: i.ID, TouchpointID: tp, Position: pos,
					Priority: i.Score.Priority, CreatedAt: i.CreatedAt, Status: string(i.Status)})
			}
			history[n] = map[string]any{"workspace_id": ws, "idea_id": i.ID, "seq": 1, "field": "created", "old_value": "",
				"new_value": i.Title, "actor": actor, "changed_at": i.CreatedAt}
			events[n] = domain.IdeaCreatedEvent(i, actor)
		}
		for from := 0; from < len(rows); from += ideaChunk {
			chunk := rows[from:min(from+ideaChunk, len(rows))]
			if err := s.conn(ctx).Create(&chunk).Error; err != nil {
				return translate(err)
			}
		}
		for from := 0; from < len(links); from += linkChunk {
			chunk := links[from:min(from+linkChunk, len(links))]
			if err := s.conn(ctx).Create(&chunk).Error; err != nil {
				return translate(err)
			}
		}
		for from := 0; from < len(history); from += ideaChunk {
			chunk := history[from:min(from+ideaChunk, len(history))]
			if err := s.conn(ctx).Table(historyRow{}.TableName()).Create(&chunk).Error; err != nil {
				return translate(err)
			}
		}
		return s.writeEvents(ctx, events) // last: see writeEvents
	})
}

// holdIdeaTouchpoints checks that every touchpoint of the ideas is one of
// the workspace's and locks them against deletion until the transaction
// ends. The first missing one is EInvalid naming /touchpoint_ids/N of the
// idea whose Line is its 1-based position in ideas.
func (s *Store) holdIdeaTouchpoints(ctx context.Context, ws string, ideas []domain.Idea) error {
	seen := map[string]bool{}
	var ids []string
	for _, i := range ideas {
		for _, id := range i.TouchpointIDs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	var found []string
	// The ids were checked to be UUIDs, so a comma-joined list is safe to
	// split; one parameter, however many there are.
	err := s.conn(ctx).Raw(`SELECT id::text FROM touchpoints
		WHERE workspace_id = ? AND id = ANY (string_to_array(?, ',')::uuid[]) ORDER BY id FOR KEY SHARE`,
		ws, strings.Join(ids, ",")).Scan(&found).Error
	if err != nil {
		return translate(err)
	}
	held := make(map[string]bool, len(found))
	for _, id := range found {
		held[id] = true
	}
	for n, i := range ideas {
		for k, id := range i.TouchpointIDs {
			if !held[id] {
				return domain.Invalid(domain.FieldError{Pointer: "/touchpoint_ids/" + itoa(k), Line: n + 1,
					Detail: "no touchpoint " + id + " in this workspace"})
			}
		}
	}
	return nil
}
