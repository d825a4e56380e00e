package repository

import (
	"context"
	"slices"
	"strings"

	"cxbacklog/domain"
)

// touchpointLinks is a table linking an owner (an idea, a pilot) to
// touchpoints in order, with any columns the owner copies onto its links.
type touchpointLinks struct {
	table, owner string
	copied       []string // further columns, given as values by the caller
}

var (
	ideaLinks  = touchpointLinks{table: "idea_touchpoints", owner: "idea_id", copied: []string{"priority", "created_at", "status"}}
	pilotLinks = touchpointLinks{table: "pilot_touchpoints", owner: "pilot_id"}
)

// replace makes the owner's links the touchpoints ids, in order (see insert).
func (l touchpointLinks) replace(ctx context.Context, s *Store, workspaceID, ownerID string, ids []string, copied ...any) error {
	if err := s.conn(ctx).Exec("DELETE FROM "+l.table+" WHERE "+l.owner+" = ?", ownerID).Error; err != nil {
		return translate(err)
	}
	return l.insert(ctx, s, workspaceID, ownerID, ids, copied...)
}

// insert links a new owner to the touchpoints ids, in order: a create need
// not delete first (a DELETE fires the links' statement triggers even for
// no row). The links are inserted from a join with the workspace's
// touchpoints, so an id that is none of them is simply not inserted; the
// first one missing is named by its position in the request
// (/touchpoint_ids/N), without reading the database's error text.
func (l touchpointLinks) insert(ctx context.Context, s *Store, workspaceID, ownerID string, ids []string, copied ...any) error {
	db := s.conn(ctx)
	if len(ids) == 0 {
		return nil
	}
	columns, values := "", ""
	for _, c := range l.copied {
		columns, values = columns+", "+c, values+", ?"
	}
	args := append([]any{workspaceID, ownerID}, copied...)
	// The ids were checked to be UUIDs, so a comma-joined list is safe to split.
	args = append(args, strings.Join(ids, ","), workspaceID)
	var positions []int
	err := db.Raw(`INSERT INTO `+l.table+` (workspace_id, `+l.owner+`, touchpoint_id, position`+columns+`)
		SELECT ?, ?, t.id, u.pos - 1`+values+`
		FROM unnest(string_to_array(?, ',')::uuid[]) WITH ORDINALITY AS u(id, pos)
		JOIN touchpoints t ON t.workspace_id = ? AND t.id = u.id
		RETURNING position`, args...).Scan(&positions).Error
	if err != nil {
		return translate(err)
	}
	for n, id := range ids {
		if !slices.Contains(positions, n) {
			return domain.Invalid(domain.FieldError{Pointer: "/touchpoint_ids/" + itoa(n), Detail: "no touchpoint " + id + " in this workspace"})
		}
	}
	return nil
}
