package repository

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"
)

// The pieces of issue 18 that several stores share: the derived contacts a
// month of reasons and of the ideas they are evidence for.

type contactReasonRow struct {
	ID               string
	WorkspaceID      string
	Name             string
	TouchpointID     string
	Avoidable        bool
	Description      string
	ContactsPerMonth float64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Version          int
}

func (contactReasonRow) TableName() string { return "contact_reasons" }

func contactReasonRowOf(r *domain.ContactReason) contactReasonRow {
	return contactReasonRow{ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, TouchpointID: r.TouchpointID, Avoidable: r.Avoidable,
		Description: r.Description, ContactsPerMonth: r.ContactsPerMonth, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
}

func (r contactReasonRow) domain() domain.ContactReason {
	return domain.ContactReason{ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, TouchpointID: r.TouchpointID, Avoidable: r.Avoidable,
		Description: r.Description, ContactsPerMonth: r.ContactsPerMonth, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
}

// refreshReasonContacts recomputes the contacts a month of the reasons
// (domain.ContactsPerMonth over their volume records) and then of every
// idea linked to them, in the transaction in ctx. Call it after any write
// of volume records.
func (s *Store) refreshReasonContacts(ctx context.Context, reasonIDs []string) error {
	if len(reasonIDs) == 0 {
		return nil
	}
	var records []struct {
		ReasonID    string
		PeriodStart time.Time
		PeriodEnd   time.Time
		Contacts    int
	}
	err := s.conn(ctx).Table("contact_volumes").Select("reason_id, period_start, period_end, contacts").
		Where("reason_id IN ?", reasonIDs).Scan(&records).Error
	if err != nil {
		return translate(err)
	}
	byReason := map[string][]domain.ContactVolume{}
	for _, r := range records {
		byReason[r.ReasonID] = append(byReason[r.ReasonID], domain.ContactVolume{PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, Contacts: r.Contacts})
	}
	// One statement for every reason: the ids and their values as two
	// parallel lists (the ids are uuids and the values printed exactly, so a
	// comma-joined list is safe to split).
	values := make([]string, len(reasonIDs))
	for n, id := range reasonIDs {
		values[n] = strconv.FormatFloat(domain.ContactsPerMonth(byReason[id]), 'g', -1, 64)
	}
	err = s.conn(ctx).Exec(`UPDATE contact_reasons r SET contacts_per_month = v.c
		FROM unnest(string_to_array(@ids, ',')::uuid[], string_to_array(@vals, ',')::float8[]) AS v(id, c) WHERE r.id = v.id`,
		sql.Named("ids", strings.Join(reasonIDs, ",")), sql.Named("vals", strings.Join(values, ","))).Error
	if err != nil {
		return translate(err)
	}
	var ideaIDs []string
	if err := s.conn(ctx).Table("idea_contact_reasons").Distinct("idea_id").Where("reason_id IN ?", reasonIDs).
		Pluck("idea_id", &ideaIDs).Error; err != nil {
		return translate(err)
	}
	return s.refreshIdeaContacts(ctx, ideaIDs)
}

// refreshIdeaContacts sets each idea's contacts a month to the sum over the
// reasons linked to it, in the transaction in ctx. Call it after links change.
func (s *Store) refreshIdeaContacts(ctx context.Context, ideaIDs []string) error {
	if len(ideaIDs) == 0 {
		return nil
	}
	// Lock the ideas first, in id order: two transactions refreshing the same
	// idea through different reasons then run one after the other, and the
	// second sums the first's new value instead of overwriting it with a sum
	// of the old.
	var locked []string
	if err := s.conn(ctx).Raw(`SELECT id FROM ideas WHERE id IN ? ORDER BY id FOR UPDATE`, ideaIDs).Scan(&locked).Error; err != nil {
		return translate(err)
	}
	return translate(s.conn(ctx).Exec(`UPDATE ideas i SET contacts_per_month = COALESCE(
			(SELECT sum(r.contacts_per_month) FROM idea_contact_reasons l JOIN contact_reasons r ON r.id = l.reason_id WHERE l.idea_id = i.id), 0)
		WHERE i.id IN ?`, ideaIDs).Error)
}
