package repository

import (
	"context"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm/clause"
)

// Evidence on ideas: the contact reasons and feedback items linked to an
// idea (idea_contact_reasons, idea_feedback), always of the idea's
// workspace.

// lockIdeaForEvidence locks the idea's row until the transaction in ctx
// ends, so that its history is numbered by one writer at a time (see
// recordHistory), and returns the idea as far as history needs it.
// ENotFound.
func (s *Store) lockIdeaForEvidence(ctx context.Context, workspaceID, ideaID string) (*domain.Idea, error) {
	var row ideaRow
	err := s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Select("id", "workspace_id").
		Where("workspace_id = ? AND id = ?", workspaceID, ideaID).Take(&row).Error
	if err != nil {
		return nil, notFound(err, "idea", ideaID)
	}
	return &domain.Idea{ID: row.ID, WorkspaceID: row.WorkspaceID}, nil
}

// LinkEvidence implements domain.EvidenceStore.
func (s *Store) LinkEvidence(ctx context.Context, workspaceID, ideaID string, reasonIDs, feedbackIDs []string, actor string) (*domain.Evidence, error) {
	var out *domain.Evidence
	err := s.InTx(ctx, func(ctx context.Context) error {
		idea, err := s.lockIdeaForEvidence(ctx, workspaceID, ideaID)
		if err != nil {
			return err
		}
		reasonIDs, feedbackIDs, err := domain.ValidateEvidenceLinks(reasonIDs, feedbackIDs)
		if err != nil {
			return err
		}
		reasons, err := s.evidenceReasons(ctx, workspaceID, reasonIDs)
		if err != nil {
			return err
		}
		feedback, err := s.evidenceFeedback(ctx, workspaceID, feedbackIDs)
		if err != nil {
			return err
		}
		var fields []domain.FieldError
		fields = append(fields, missingEvidence("/contact_reason_ids", "contact reason", reasonIDs, reasons)...)
		fields = append(fields, missingEvidence("/feedback_ids", "feedback item", feedbackIDs, feedback)...)
		if len(fields) > 0 {
			return domain.Invalid(fields...)
		}
		at := s.now()
		var changes []domain.Change
		if len(reasonIDs) > 0 {
			var linked []string
			err := s.conn(ctx).Raw(`INSERT INTO idea_contact_reasons (idea_id, reason_id, workspace_id, created_at)
				SELECT ?::uuid, unnest(string_to_array(?, ',')::uuid[]), ?::uuid, ?::timestamptz
				ON CONFLICT DO NOTHING RETURNING reason_id::text`, ideaID, strings.Join(reasonIDs, ","), workspaceID, at).Scan(&linked).Error
			if err != nil {
				return translate(err)
			}
			for _, id := range inOrder(reasonIDs, linked) {
				changes = append(changes, domain.ReasonLinked(reasons[id].Name, true))
			}
		}
		if len(feedbackIDs) > 0 {
			var linked []string
			err := s.conn(ctx).Raw(`INSERT INTO idea_feedback (idea_id, feedback_id, workspace_id, created_at)
				SELECT ?::uuid, unnest(string_to_array(?, ',')::uuid[]), ?::uuid, ?::timestamptz
				ON CONFLICT DO NOTHING RETURNING feedback_id::text`, ideaID, strings.Join(feedbackIDs, ","), workspaceID, at).Scan(&linked).Error
			if err != nil {
				return translate(err)
			}
			for _, id := range inOrder(feedbackIDs, linked) {
				f := feedback[id]
				changes = append(changes, domain.FeedbackLinked(f.Source, f.ReceivedAt, f.Text, true))
			}
		}
		if len(changes) > 0 {
			if err := s.refreshIdeaContacts(ctx, []string{ideaID}); err != nil {
				return err
			}
			if err := s.recordHistory(ctx, idea, actor, changes); err != nil {
				return err
			}
		}
		out, err = s.readEvidence(ctx, workspaceID, ideaID)
		return err
	})
	return out, err
}

// inOrder is the ids of some that are in all, in all's order.
func inOrder(all, some []string) []string {
	in := make(map[string]bool, len(some))
	for _, id := range some {
		in[id] = true
	}
	var out []string
	for _, id := range all {
		if in[id] {
			out = append(out, id)
		}
	}
	return out
}

// missingEvidence names, under pointer/N, each id of ids that found lacks.
func missingEvidence[T any](pointer, kind string, ids []string, found map[string]T) []domain.FieldError {
	var out []domain.FieldError
	for n, id := range ids {
		if _, ok := found[id]; !ok {
			out = append(out, domain.FieldError{Pointer: pointer + "/" + strconv.Itoa(n), Detail: "no " + kind + " " + id + " in this workspace"})
		}
	}
	return out
}

// evidenceReasons are the workspace's reasons among ids by id, locked
// against deletion until the transaction in ctx ends.
func (s *Store) evidenceReasons(ctx context.Context, workspaceID string, ids []string) (map[string]contactReasonRow, error) {
	out := make(map[string]contactReasonRow, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []contactReasonRow
	err := s.conn(ctx).Raw(`SELECT id::text AS id, name FROM contact_reasons
		WHERE workspace_id = ? AND id = ANY (string_to_array(?, ',')::uuid[]) FOR KEY SHARE`, workspaceID, strings.Join(ids, ",")).
		Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// evidenceFeedback are the workspace's feedback items among ids by id
// (source, received_at and text), locked against deletion until the
// transaction in ctx ends.
func (s *Store) evidenceFeedback(ctx context.Context, workspaceID string, ids []string) (map[string]domain.EvidenceFeedback, error) {
	out := make(map[string]domain.EvidenceFeedback, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID         string
		Source     string
		Text       string
		ReceivedAt time.Time
	}
	err := s.conn(ctx).Raw(`SELECT id::text AS id, source, text, received_at FROM feedback
		WHERE workspace_id = ? AND id = ANY (string_to_array(?, ',')::uuid[]) FOR KEY SHARE`, workspaceID, strings.Join(ids, ",")).
		Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	for _, r := range rows {
		out[r.ID] = domain.EvidenceFeedback{FeedbackID: r.ID, Source: domain.FeedbackSource(r.Source), Text: r.Text, ReceivedAt: r.ReceivedAt}
	}
	return out, nil
}

// UnlinkContactReason implements domain.EvidenceStore.
func (s *Store) UnlinkContactReason(ctx context.Context, workspaceID, ideaID, reasonID, actor string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		idea, err := s.lockIdeaForEvidence(ctx, workspaceID, ideaID)
		if err != nil {
			return err
		}
		var names []string
		err = s.conn(ctx).Raw(`DELETE FROM idea_contact_reasons l USING contact_reasons r
			WHERE l.idea_id = ? AND l.reason_id = ? AND r.id = l.reason_id RETURNING r.name`, ideaID, reasonID).Scan(&names).Error
		if err != nil {
			return translate(err)
		}
		if len(names) == 0 {
			return domain.Errorf(domain.ENotFound, "contact reason %s is not linked to idea %s", reasonID, ideaID)
		}
		if err := s.refreshIdeaContacts(ctx, []string{ideaID}); err != nil {
			return err
		}
		return s.recordHistory(ctx, idea, actor, []domain.Change{domain.ReasonLinked(names[0], false)})
	})
}

// UnlinkFeedback implements domain.EvidenceStore.
func (s *Store) UnlinkFeedback(ctx context.Context, workspaceID, ideaID, feedbackID, actor string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		idea, err := s.lockIdeaForEvidence(ctx, workspaceID, ideaID)
		if err != nil {
			return err
		}
		var rows []struct {
			Source     string
			Text       string
			ReceivedAt time.Time
		}
		err = s.conn(ctx).Raw(`DELETE FROM idea_feedback l USING feedback f
			WHERE l.idea_id = ? AND l.feedback_id = ? AND f.id = l.feedback_id RETURNING f.source, f.text, f.received_at`, ideaID, feedbackID).
			Scan(&rows).Error
		if err != nil {
			return translate(err)
		}
		if len(rows) == 0 {
			return domain.Errorf(domain.ENotFound, "feedback item %s is not linked to idea %s", feedbackID, ideaID)
		}
		if err := s.refreshIdeaContacts(ctx, []string{ideaID}); err != nil {
			return err
		}
		f := rows[0]
		return s.recordHistory(ctx, idea, actor, []domain.Change{domain.FeedbackLinked(domain.FeedbackSource(f.Source), f.ReceivedAt, f.Text, false)})
	})
}

// IdeaEvidence implements domain.EvidenceStore.
func (s *Store) IdeaEvidence(ctx context.Context, workspaceID, ideaID string) (*domain.Evidence, error) {
	return s.readEvidence(ctx, workspaceID, ideaID)
}

// readEvidence reads the idea's evidence (in the transaction in ctx, if any).
func (s *Store) readEvidence(ctx context.Context, workspaceID, ideaID string) (*domain.Evidence, error) {
	var perMonth []float64
	err := s.conn(ctx).Model(&ideaRow{}).Where("workspace_id = ? AND id = ?", workspaceID, ideaID).Pluck("contacts_per_month", &perMonth).Error
	if err != nil {
		return nil, translate(err)
	}
	if len(perMonth) == 0 {
		return nil, domain.Errorf(domain.ENotFound, "no idea %s in this workspace", ideaID)
	}
	var reasons []struct {
		ID               string
		Name             string
		TouchpointID     string
		Avoidable        bool
		ContactsPerMonth float64
		LinkedAt         time.Time
	}
	err = s.conn(ctx).Raw(`SELECT r.id::text AS id, r.name, r.touchpoint_id::text AS touchpoint_id, r.avoidable, r.contacts_per_month,
			l.created_at AS linked_at
		FROM idea_contact_reasons l JOIN contact_reasons r ON r.id = l.reason_id
		WHERE l.workspace_id = ? AND l.idea_id = ?
		ORDER BY r.contacts_per_month DESC, lower(r.name), r.id`, workspaceID, ideaID).Scan(&reasons).Error
	if err != nil {
		return nil, translate(err)
	}
	var feedback []struct {
		ID                 string
		TouchpointID       string
		Source             string
		Text               string
		Score              *float64
		ScoreMin, ScoreMax *float64
		ReceivedAt         time.Time
		LinkedAt           time.Time
	}
	err = s.conn(ctx).Raw(`SELECT f.id::text AS id, f.touchpoint_id::text AS touchpoint_id, f.source, f.text, f.score, f.score_min, f.score_max,
			f.received_at, l.created_at AS linked_at
		FROM idea_feedback l JOIN feedback f ON f.id = l.feedback_id
		WHERE l.workspace_id = ? AND l.idea_id = ?
		ORDER BY f.received_at DESC, f.id DESC`, workspaceID, ideaID).Scan(&feedback).Error
	if err != nil {
		return nil, translate(err)
	}
	out := &domain.Evidence{Reasons: make([]domain.EvidenceReason, len(reasons)), Feedback: make([]domain.EvidenceFeedback, len(feedback)),
		Summary: domain.IdeaEvidence{FeedbackCount: len(feedback), ContactReasons: len(reasons), ContactsPerMonth: perMonth[0]}}
	for n, r := range reasons {
		out.Reasons[n] = domain.EvidenceReason{ReasonID: r.ID, Name: r.Name, TouchpointID: r.TouchpointID, Avoidable: r.Avoidable,
			ContactsPerMonth: r.ContactsPerMonth, LinkedAt: r.LinkedAt}
	}
	for n, f := range feedback {
		out.Feedback[n] = domain.EvidenceFeedback{FeedbackID: f.ID, TouchpointID: f.TouchpointID, Source: domain.FeedbackSource(f.Source),
			Text: f.Text, Score: f.Score, ScoreMin: f.ScoreMin, ScoreMax: f.ScoreMax, ReceivedAt: f.ReceivedAt, LinkedAt: f.LinkedAt}
	}
	return out, nil
}

var _ domain.EvidenceStore = (*Store)(nil)
