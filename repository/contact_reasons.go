package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"cxbacklog/domain"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Contact reasons and their volume records (issue 18, items 1 and 2). The
// row of a reason and the refresh of the derived contacts a month are in
// contact_shared.go, which the report and the evidence links share.
//
// Every volume write first locks its reason's row (FOR NO KEY UPDATE, which
// the foreign keys' KEY SHARE checks do not wait for): writes of one reason's
// volumes run one after another, so each refresh of the reason's contacts a
// month sees the records the one before it committed. Imports lock their
// reasons in id order, so two of them cannot deadlock.

type contactVolumeRow struct {
	ID                   string
	WorkspaceID          string
	ReasonID             string
	PeriodStart          time.Time
	PeriodEnd            time.Time
	Channel              string
	Contacts             int
	ResolvedFirstContact int
	CreatedAt            time.Time
	UpdatedAt            time.Time
	Version              int
}

func (contactVolumeRow) TableName() string { return "contact_volumes" }

func contactVolumeRowOf(v *domain.ContactVolume) contactVolumeRow {
	return contactVolumeRow{ID: v.ID, WorkspaceID: v.WorkspaceID, ReasonID: v.ReasonID, PeriodStart: v.PeriodStart, PeriodEnd: v.PeriodEnd,
		Channel: string(v.Channel), Contacts: v.Contacts, ResolvedFirstContact: v.ResolvedFirstContact,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, Version: v.Version}
}

func (r contactVolumeRow) domain() domain.ContactVolume {
	return domain.ContactVolume{ID: r.ID, WorkspaceID: r.WorkspaceID, ReasonID: r.ReasonID,
		PeriodStart: *utcDate(&r.PeriodStart), PeriodEnd: *utcDate(&r.PeriodEnd), Channel: domain.Channel(r.Channel),
		Contacts: r.Contacts, ResolvedFirstContact: r.ResolvedFirstContact, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
}

// Constraints the contact stores answer for.
const (
	contactReasonNameIdx       = "contact_reasons_name_idx"
	contactReasonTouchpointFK  = "contact_reasons_touchpoint_id_fkey"
	contactVolumeKeyIdx        = "contact_volumes_key_idx"
	contactReasonNameTaken     = "the workspace already has a contact reason with this name (names compare case-insensitively)"
	contactReasonNoTouchpoint  = "no such touchpoint in this workspace"
	contactVolumeRecordedTaken = "the reason already has a record for this period and channel; replace that one (PUT) instead"
)

// uniqueViolation tells whether err is a unique violation of constraint.
func uniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

// contactReasonWriteError names the field a refused reason write is about.
func contactReasonWriteError(err error) error {
	switch {
	case uniqueViolation(err, contactReasonNameIdx):
		return &domain.Error{Code: domain.EConflict, Message: "a contact reason with this name already exists",
			Fields: []domain.FieldError{{Pointer: "/name", Detail: contactReasonNameTaken}}, Err: err}
	case foreignKeyViolation(err, contactReasonTouchpointFK):
		return domain.Invalid(domain.FieldError{Pointer: "/touchpoint_id", Detail: contactReasonNoTouchpoint})
	}
	return translate(err)
}

// checkReasonTouchpoint refuses a touchpoint that is not in the workspace
// (the foreign key alone would take another workspace's). FOR KEY SHARE, as
// the foreign key takes it: the touchpoint cannot go before the reason is
// written.
func (s *Store) checkReasonTouchpoint(ctx context.Context, workspaceID, touchpointID string) error {
	var n int64
	err := s.conn(ctx).Raw("SELECT count(*) FROM (SELECT 1 FROM touchpoints WHERE workspace_id = ? AND id = ? FOR KEY SHARE) x",
		workspaceID, touchpointID).Scan(&n).Error
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return domain.Invalid(domain.FieldError{Pointer: "/touchpoint_id", Detail: contactReasonNoTouchpoint})
	}
	return nil
}

// CreateContactReason implements domain.ContactStore.
func (s *Store) CreateContactReason(ctx context.Context, r *domain.ContactReason) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkReasonTouchpoint(ctx, r.WorkspaceID, r.TouchpointID); err != nil {
			return err
		}
		r.ID = domain.NewID()
		r.CreatedAt = s.now()
		r.UpdatedAt, r.Version, r.ContactsPerMonth = r.CreatedAt, 1, 0
		row := contactReasonRowOf(r)
		return contactReasonWriteError(s.conn(ctx).Create(&row).Error)
	})
}

// GetContactReason implements domain.ContactStore.
func (s *Store) GetContactReason(ctx context.Context, workspaceID, id string) (*domain.ContactReason, error) {
	return s.loadContactReason(ctx, workspaceID, id, "")
}

// loadContactReason reads a reason, locked with strength ("" for none).
func (s *Store) loadContactReason(ctx context.Context, workspaceID, id, strength string) (*domain.ContactReason, error) {
	var row contactReasonRow
	q := s.conn(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id)
	if strength != "" {
		q = q.Clauses(clause.Locking{Strength: strength})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "contact reason", id)
	}
	r := row.domain()
	return &r, nil
}

// lockReasonForVolumes takes the reason's row before a write of its volume
// records (see the top of this file); ENotFound outside the workspace.
func (s *Store) lockReasonForVolumes(ctx context.Context, workspaceID, id string) error {
	_, err := s.loadContactReason(ctx, workspaceID, id, "NO KEY UPDATE")
	return err
}

// ListContactReasons implements domain.ContactStore: oldest first.
func (s *Store) ListContactReasons(ctx context.Context, workspaceID string, f domain.ContactReasonFilter, page domain.Page) ([]domain.ContactReason, *domain.Cursor, error) {
	q := anyOf(s.conn(ctx).Where("workspace_id = ?", workspaceID), "touchpoint_id", f.TouchpointIDs)
	if f.Avoidable != nil {
		q = q.Where("avoidable = ?", *f.Avoidable)
	}
	var rows []contactReasonRow
	if err := keyset(q, "contact_reasons", page).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, page.Limit, func(r contactReasonRow) domain.Cursor { return domain.Cursor{CreatedAt: r.CreatedAt, ID: r.ID} })
	out := make([]domain.ContactReason, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, next, nil
}

// UpdateContactReason implements domain.ContactStore. contacts_per_month is
// derived from the volumes and stays as it is.
func (s *Store) UpdateContactReason(ctx context.Context, workspaceID, id string, version int, change func(*domain.ContactReason) error) (*domain.ContactReason, error) {
	var touchpointID string
	load := func(ctx context.Context) (*domain.ContactReason, error) {
		r, err := s.loadContactReason(ctx, workspaceID, id, "UPDATE")
		if r != nil {
			touchpointID = r.TouchpointID
		}
		return r, err
	}
	rev := func(r *domain.ContactReason) (*int, *time.Time) { return &r.Version, &r.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, r *domain.ContactReason) error {
		if r.TouchpointID != touchpointID {
			if err := s.checkReasonTouchpoint(ctx, workspaceID, r.TouchpointID); err != nil {
				return err
			}
		}
		return contactReasonWriteError(s.conn(ctx).Model(&contactReasonRow{}).Where("id = ?", id).Updates(map[string]any{
			"name": r.Name, "touchpoint_id": r.TouchpointID, "avoidable": r.Avoidable, "description": r.Description,
			"updated_at": r.UpdatedAt, "version": r.Version,
		}).Error)
	})
}

// DeleteContactReason implements domain.ContactStore. The reason's volume
// records go with it (ON DELETE CASCADE): deleting a reason means its
// history too. While ideas stand on it as evidence it is refused. A link
// being added takes KEY SHARE on the reason, which the lock here excludes,
// so the check cannot miss one.
func (s *Store) DeleteContactReason(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		r, err := s.loadContactReason(ctx, workspaceID, id, "UPDATE")
		if err != nil {
			return err
		}
		if err := checkVersion(r.Version, version); err != nil {
			return err
		}
		if err := s.reasonUnlinked(ctx, id); err != nil {
			return err
		}
		return translate(s.conn(ctx).Where("id = ?", id).Delete(&contactReasonRow{}).Error)
	})
}

// reasonUnlinked answers EConflict naming up to three of the ideas that
// link the reason as evidence, and how many there are.
func (s *Store) reasonUnlinked(ctx context.Context, id string) error {
	count, names, err := s.ideasLinking(ctx, "idea_contact_reasons", "reason_id", id)
	switch {
	case err != nil || count == 0:
		return err
	case count == 1:
		return domain.Errorf(domain.EConflict, "idea %s links this contact reason as evidence; unlink it there first", names)
	}
	return domain.Errorf(domain.EConflict, "%d ideas link this contact reason as evidence (%s); unlink it there first", count, names)
}

// volumeTaken is the conflict of a record whose (reason, period, channel)
// is recorded already; line is its position in a batch (0 for one record).
func volumeTaken(line int, err error) *domain.Error {
	return &domain.Error{Code: domain.EConflict, Message: "this contact reason already has a record for this period and channel",
		Fields: []domain.FieldError{{Pointer: "/period_start", Line: line, Detail: contactVolumeRecordedTaken}}, Err: err}
}

// CreateContactVolume implements domain.ContactStore.
func (s *Store) CreateContactVolume(ctx context.Context, v *domain.ContactVolume) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.lockReasonForVolumes(ctx, v.WorkspaceID, v.ReasonID); err != nil {
			return err
		}
		at := s.now()
		v.ID, v.CreatedAt, v.UpdatedAt, v.Version = domain.NewID(), at, at, 1
		row := contactVolumeRowOf(v)
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			if uniqueViolation(err, contactVolumeKeyIdx) {
				return volumeTaken(0, err)
			}
			return translate(err)
		}
		return s.refreshReasonContacts(ctx, []string{v.ReasonID})
	})
}

// GetContactVolume implements domain.ContactStore.
func (s *Store) GetContactVolume(ctx context.Context, workspaceID, reasonID, id string) (*domain.ContactVolume, error) {
	return s.loadContactVolume(s.conn(ctx), workspaceID, reasonID, id)
}

// loadContactVolume reads record id of the reason through q.
func (s *Store) loadContactVolume(q *gorm.DB, workspaceID, reasonID, id string) (*domain.ContactVolume, error) {
	var row contactVolumeRow
	if err := q.Where("workspace_id = ? AND reason_id = ? AND id = ?", workspaceID, reasonID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "volume record", id+" of contact reason "+reasonID)
	}
	v := row.domain()
	return &v, nil
}

// ListContactVolumes implements domain.ContactStore: by period_start, then
// id. The cursor's CreatedAt holds the last record's period_start.
func (s *Store) ListContactVolumes(ctx context.Context, workspaceID, reasonID string, f domain.ContactVolumeFilter, page domain.Page) ([]domain.ContactVolume, *domain.Cursor, error) {
	if _, err := s.GetContactReason(ctx, workspaceID, reasonID); err != nil {
		return nil, nil, err
	}
	q := s.conn(ctx).Where("workspace_id = ? AND reason_id = ?", workspaceID, reasonID)
	if f.From != nil {
		q = q.Where("period_start >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("period_end <= ?", *f.To)
	}
	q = anyOf(q, "channel", f.Channels)
	if page.After != nil {
		q = q.Where("(period_start, id) > (?, ?)", page.After.CreatedAt, page.After.ID)
	}
	limit := pageLimit(page.Limit)
	var rows []contactVolumeRow
	if err := q.Order("period_start, id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, limit, func(r contactVolumeRow) domain.Cursor {
		return domain.Cursor{CreatedAt: *utcDate(&r.PeriodStart), ID: r.ID}
	})
	out := make([]domain.ContactVolume, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, next, nil
}

// ReplaceContactVolume implements domain.ContactStore: v's period, channel
// and counts replace the record's; its reason, id and created_at stay.
func (s *Store) ReplaceContactVolume(ctx context.Context, workspaceID, reasonID, id string, version int, v *domain.ContactVolume) (*domain.ContactVolume, error) {
	load := func(ctx context.Context) (*domain.ContactVolume, error) {
		if err := s.lockReasonForVolumes(ctx, workspaceID, reasonID); err != nil {
			return nil, err
		}
		return s.loadContactVolume(s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), workspaceID, reasonID, id)
	}
	rev := func(v *domain.ContactVolume) (*int, *time.Time) { return &v.Version, &v.UpdatedAt }
	change := func(cur *domain.ContactVolume) error {
		cur.PeriodStart, cur.PeriodEnd, cur.Channel = v.PeriodStart, v.PeriodEnd, v.Channel
		cur.Contacts, cur.ResolvedFirstContact = v.Contacts, v.ResolvedFirstContact
		return nil
	}
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, cur *domain.ContactVolume) error {
		err := s.conn(ctx).Model(&contactVolumeRow{}).Where("id = ?", id).Updates(map[string]any{
			"period_start": cur.PeriodStart, "period_end": cur.PeriodEnd, "channel": string(cur.Channel),
			"contacts": cur.Contacts, "resolved_first_contact": cur.ResolvedFirstContact,
			"updated_at": cur.UpdatedAt, "version": cur.Version,
		}).Error
		switch {
		case uniqueViolation(err, contactVolumeKeyIdx):
			return volumeTaken(0, err)
		case err != nil:
			return translate(err)
		}
		return s.refreshReasonContacts(ctx, []string{reasonID})
	})
}

// DeleteContactVolume implements domain.ContactStore.
func (s *Store) DeleteContactVolume(ctx context.Context, workspaceID, reasonID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.lockReasonForVolumes(ctx, workspaceID, reasonID); err != nil {
			return err
		}
		v, err := s.loadContactVolume(s.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}), workspaceID, reasonID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(v.Version, version); err != nil {
			return err
		}
		if err := s.conn(ctx).Where("id = ?", id).Delete(&contactVolumeRow{}).Error; err != nil {
			return translate(err)
		}
		return s.refreshReasonContacts(ctx, []string{reasonID})
	})
}

// volumeKey is what makes a volume record unique.
type volumeKey struct {
	reasonID   string
	start, end time.Time
	channel    domain.Channel
}

// refreshChunk is how many reasons one refresh of contacts a month takes:
// refreshReasonContacts names them all in one IN list, and PostgreSQL takes
// at most 65,535 parameters.
const refreshChunk = 10_000

// ImportContactVolumes implements domain.ContactStore, all or nothing in
// one transaction. The records, validated by the caller, are copied into a
// temporary table (COPY) and written from there with one INSERT ... SELECT
// (ON CONFLICT ... DO UPDATE for upsert). Errors name the record by Line,
// its 1-based position in vs: a repeated key (EInvalid), a reason not in the
// workspace (EInvalid naming /reason), a key recorded already with upsert
// false (EConflict naming /period_start).
//
// How it writes was measured on 100,000 daily records of 100 reasons into
// an empty table and then upserted over them, on 2 cores shared with other
// work (load 2-6), three runs each: COPY into a temporary table then one
// INSERT ... SELECT 2.5-6.2 s; one INSERT from unnest() of arrays
// 2.6-7.1 s; multi-row VALUES of 1,000 records 1.9-5.7 s. None was faster
// consistently: the foreign keys' checks (1.1 s of the INSERT's 2.4 s in
// EXPLAIN ANALYZE) and the three indexes cost the same every way. The
// temporary table wins on what it answers: the first record whose key is
// taken, and how many upsert replaces, from one join, with no parsing of
// the database's error text.
func (s *Store) ImportContactVolumes(ctx context.Context, workspaceID string, vs []domain.ContactVolume, upsert bool) (domain.VolumeImport, error) {
	var res domain.VolumeImport
	if len(vs) == 0 {
		return res, nil
	}
	first := make(map[string]int) // each reason's first record, to name it
	seen := make(map[volumeKey]struct{}, len(vs))
	for n := range vs {
		v := &vs[n]
		k := volumeKey{v.ReasonID, v.PeriodStart, v.PeriodEnd, v.Channel}
		if _, dup := seen[k]; dup {
			return res, &domain.Error{Code: domain.EInvalid, Message: "two rows record the same reason, period and channel; give each once",
				Fields: []domain.FieldError{{Pointer: "/period_start", Line: n + 1, Detail: "repeats the reason, period and channel of an earlier row"}}}
		}
		seen[k] = struct{}{}
		if _, ok := first[v.ReasonID]; !ok {
			first[v.ReasonID] = n
		}
	}
	reasonIDs := make([]string, 0, len(first))
	for id := range first {
		reasonIDs = append(reasonIDs, id)
	}
	slices.Sort(reasonIDs) // the lock order
	err := s.InTx(ctx, func(ctx context.Context) error {
		conn, ok := ctx.Value(txConnKey{}).(*sql.Conn)
		if !ok {
			return domain.Errorf(domain.EInternal, "an import runs in a transaction of its own connection")
		}
		err := conn.Raw(func(driverConn any) error {
			var err error
			res, err = importVolumes(ctx, driverConn.(*stdlib.Conn).Conn(), workspaceID, vs, reasonIDs, first, upsert, s.now())
			return err
		})
		if err != nil {
			return err
		}
		for from := 0; from < len(reasonIDs); from += refreshChunk {
			if err := s.refreshReasonContacts(ctx, reasonIDs[from:min(from+refreshChunk, len(reasonIDs))]); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// importVolumes is ImportContactVolumes' work on the transaction's pgx
// connection.
func importVolumes(ctx context.Context, tx pgxTx, workspaceID string, vs []domain.ContactVolume, reasonIDs []string,
	first map[string]int, upsert bool, at time.Time) (domain.VolumeImport, error) {
	var res domain.VolumeImport
	// The foreign keys' checks run once per row through a cached plan, which
	// the session's force_custom_plan would re-plan every time (see
	// addObservations); they are about half of the INSERT's time. The
	// INSERT of 100,000 records took up to 2.4 s alone, so the session's
	// 10 s leaves too little room on a busy machine.
	if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = auto`); err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = '60s'`); err != nil {
		return res, err
	}
	// The reasons, locked in id order; one missing is not the workspace's.
	rows, err := tx.Query(ctx, `SELECT id::text FROM contact_reasons WHERE workspace_id = $1 AND id = ANY($2::uuid[])
		ORDER BY id FOR NO KEY UPDATE`, workspaceID, reasonIDs)
	if err != nil {
		return res, err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return res, err
	}
	if len(found) < len(reasonIDs) {
		for _, id := range reasonIDs { // the first row of the first reason missing
			if _, ok := slices.BinarySearch(found, id); !ok {
				return res, domain.Invalid(domain.FieldError{Pointer: "/reason", Line: first[id] + 1, Detail: "no such contact reason in this workspace"})
			}
		}
	}

	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE contact_volume_import (
			line integer NOT NULL, id uuid NOT NULL, reason_id uuid NOT NULL, period_start date NOT NULL, period_end date NOT NULL,
			channel text NOT NULL, contacts integer NOT NULL, resolved_first_contact integer NOT NULL) ON COMMIT DROP`); err != nil {
		return res, err
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"contact_volume_import"},
		[]string{"line", "id", "reason_id", "period_start", "period_end", "channel", "contacts", "resolved_first_contact"},
		pgx.CopyFromSlice(len(vs), func(n int) ([]any, error) {
			v := &vs[n]
			return []any{int32(n + 1), domain.NewID(), v.ReasonID, v.PeriodStart, v.PeriodEnd, string(v.Channel),
				int32(v.Contacts), int32(v.ResolvedFirstContact)}, nil
		}))
	if err != nil {
		return res, err
	}
	// Without statistics the planner guesses the temporary table's size.
	if _, err := tx.Exec(ctx, `ANALYZE contact_volume_import`); err != nil {
		return res, err
	}

	// The records whose key is recorded already: the first is a conflict
	// for insert, and their number is what upsert replaces.
	var taken, firstTaken int
	err = tx.QueryRow(ctx, `SELECT count(*), coalesce(min(i.line), 0) FROM contact_volume_import i
		JOIN contact_volumes v ON v.reason_id = i.reason_id AND v.period_start = i.period_start
		 AND v.period_end = i.period_end AND v.channel = i.channel`).Scan(&taken, &firstTaken)
	if err != nil {
		return res, err
	}
	if taken > 0 && !upsert {
		return res, volumeTaken(firstTaken, nil)
	}
	insert := `INSERT INTO contact_volumes (id, workspace_id, reason_id, period_start, period_end, channel, contacts,
			resolved_first_contact, created_at, updated_at, version)
		SELECT id, $1, reason_id, period_start, period_end, channel, contacts, resolved_first_contact, $2, $2, 1
		FROM contact_volume_import`
	if upsert {
		insert += ` ON CONFLICT (reason_id, period_start, period_end, channel) DO UPDATE SET
			contacts = excluded.contacts, resolved_first_contact = excluded.resolved_first_contact,
			updated_at = excluded.updated_at, version = contact_volumes.version + 1`
	}
	tag, err := tx.Exec(ctx, insert, workspaceID, at)
	if err != nil {
		if uniqueViolation(err, contactVolumeKeyIdx) { // cannot happen under the reasons' locks
			return res, volumeTaken(0, err)
		}
		return res, err
	}
	if int(tag.RowsAffected()) != len(vs) {
		return res, fmt.Errorf("import wrote %d of %d records", tag.RowsAffected(), len(vs))
	}
	res.Replaced = taken
	res.Inserted = len(vs) - taken
	_, err = tx.Exec(ctx, `DROP TABLE contact_volume_import`)
	return res, err
}

var _ domain.ContactStore = (*Store)(nil)
