package repository

import (
	"context"
	"time"

	"cxbacklog/domain"
)

// The contact reasons report's sums (issue 18).

// ContactReasonCounts implements domain.ContactReportStore: every reason of
// the workspace with its contacts and first-contact resolutions in w and its
// contacts in the window before it (a record counts in a window when its
// whole period lies in it, as domain.Window says), the name of its
// touchpoint and the open ideas linked to it, in one statement.
//
// The volumes are read from one range of contact_volumes_period_idx
// (workspace_id, period_start, period_end) INCLUDE (reason_id, contacts,
// resolved_first_contact): the workspace's records starting from the first
// day of the previous window to the last day of w, as an index-only scan;
// the FILTERs split them into the two windows. Channels are summed.
func (s *Store) ContactReasonCounts(ctx context.Context, workspaceID string, w domain.Window) ([]domain.ReasonCounts, error) {
	prev := w.Previous()
	rows, err := s.conn(ctx).Raw(`
		WITH v AS (
			SELECT reason_id,
			       sum(contacts) FILTER (WHERE period_start >= @from AND period_end <= @to) AS contacts,
			       sum(resolved_first_contact) FILTER (WHERE period_start >= @from AND period_end <= @to) AS resolved,
			       sum(contacts) FILTER (WHERE period_start >= @prev_from AND period_end <= @prev_to) AS previous_contacts
			FROM contact_volumes
			WHERE workspace_id = @ws AND period_start >= @prev_from AND period_start <= @to AND period_end <= @to
			GROUP BY reason_id
		), l AS (
			SELECT l.reason_id, count(*) AS open_ideas
			FROM contact_reasons r2
			JOIN idea_contact_reasons l ON l.reason_id = r2.id
			JOIN ideas i ON i.id = l.idea_id
			WHERE r2.workspace_id = @ws AND i.status IN @open
			GROUP BY l.reason_id
		)
		SELECT r.id, r.workspace_id, r.name, r.touchpoint_id, r.avoidable, r.description, r.contacts_per_month,
		       r.created_at, r.updated_at, r.version, t.name,
		       COALESCE(v.contacts, 0), COALESCE(v.resolved, 0), COALESCE(v.previous_contacts, 0), COALESCE(l.open_ideas, 0)
		FROM contact_reasons r
		JOIN touchpoints t ON t.id = r.touchpoint_id
		LEFT JOIN v ON v.reason_id = r.id
		LEFT JOIN l ON l.reason_id = r.id
		WHERE r.workspace_id = @ws
		ORDER BY r.name, r.id`,
		map[string]any{"ws": workspaceID, "from": day(w.From), "to": day(w.To), "prev_from": day(prev.From), "prev_to": day(prev.To),
			"open": openStatusNames()}).Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	// Scanned by hand: GORM's reflection took longer than the query at a
	// thousand reasons.
	out := []domain.ReasonCounts{}
	for rows.Next() {
		var c domain.ReasonCounts
		r := &c.Reason
		if err := rows.Scan(&r.ID, &r.WorkspaceID, &r.Name, &r.TouchpointID, &r.Avoidable, &r.Description, &r.ContactsPerMonth,
			&r.CreatedAt, &r.UpdatedAt, &r.Version, &c.TouchpointName, &c.Contacts, &c.Resolved, &c.PreviousContacts, &c.OpenIdeas); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// day is t's calendar date as PostgreSQL's date type reads it.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func openStatusNames() []string {
	out := make([]string, len(domain.OpenIdeaStatuses))
	for n, st := range domain.OpenIdeaStatuses {
		out[n] = string(st)
	}
	return out
}
