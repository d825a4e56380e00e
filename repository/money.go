package repository

import (
	"context"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm/clause"
)

// The workspace's economics and its value drivers (issue 17). The pieces
// that other stores share (rows, the refresh of derived business cases) are
// in business_case.go.

// GetEconomics implements domain.MoneyStore.
func (s *Store) GetEconomics(ctx context.Context, workspaceID string) (domain.Economics, int, error) {
	return s.loadEconomics(ctx, workspaceID)
}

// lockEconomics returns the workspace's economics row, locked until the
// transaction in ctx ends: exclusively for a change of currency, shared for
// writes that must not run while it changes. The row is created with the
// defaults the first time it is needed, as lockScoring does.
func (s *Store) lockEconomics(ctx context.Context, workspaceID string, exclusive bool) (economicsRow, error) {
	strength := "SHARE"
	if exclusive {
		strength = "UPDATE"
	}
	var rows []economicsRow
	lock := func() error {
		return s.conn(ctx).Clauses(clause.Locking{Strength: strength}).Where("workspace_id = ?", workspaceID).Limit(1).Find(&rows).Error
	}
	if err := lock(); err != nil || len(rows) == 1 {
		return firstRow(rows), translate(err)
	}
	row := economicsRow{WorkspaceID: workspaceID, Currency: domain.DefaultCurrency, UpdatedAt: s.now(), Version: 1}
	// A concurrent first insert makes this wait for it, then do nothing.
	if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return row, translate(err)
	}
	if err := lock(); err != nil {
		return row, translate(err)
	}
	if len(rows) != 1 {
		return row, domain.Errorf(domain.EInternal, "economics of workspace %s vanished", workspaceID)
	}
	return rows[0], nil
}

// UpdateEconomics implements domain.MoneyStore. Every stored business case
// carries the currency, so each is recomputed in the same transaction.
func (s *Store) UpdateEconomics(ctx context.Context, workspaceID string, version int, e domain.Economics) (int, error) {
	newVersion := 0
	err := s.InTx(ctx, func(ctx context.Context) error {
		// Idea writes take the scoring row shared before anything else, so
		// taking it exclusively first waits for them and keeps new ones out
		// until every case carries the new currency: no idea is costed in
		// the old one, and no lock order can deadlock.
		if _, err := s.lockScoring(ctx, workspaceID, true); err != nil {
			return err
		}
		row, err := s.lockEconomics(ctx, workspaceID, true)
		if err != nil {
			return err
		}
		if err := checkVersion(row.Version, version); err != nil {
			return err
		}
		newVersion = row.Version + 1
		err = s.conn(ctx).Model(&economicsRow{}).Where("workspace_id = ?", workspaceID).Updates(map[string]any{
			"currency": e.Currency, "cost_per_contact": e.CostPerContact, "updated_at": s.now(), "version": newVersion,
		}).Error
		if err != nil {
			return translate(err)
		}
		return s.refreshBusinessCases(ctx, workspaceID, nil)
	})
	return newVersion, err
}

// checkDriverRefs refuses a driver whose touchpoint or catalogue metric is
// not in its workspace (the foreign keys alone would accept another
// workspace's), naming each field at fault.
func (s *Store) checkDriverRefs(ctx context.Context, d *domain.ValueDriver) error {
	var fields []domain.FieldError
	for _, ref := range []struct {
		table, id, pointer, detail string
	}{
		{"touchpoints", d.TouchpointID, "/touchpoint_id", "no such touchpoint in this workspace"},
		{"catalogue_metrics", d.MetricID, "/metric_id", "no such catalogue metric in this workspace"},
	} {
		var n int64
		// FOR KEY SHARE, as the foreign key takes it: the row cannot be
		// deleted before the driver is written.
		err := s.conn(ctx).Raw("SELECT count(*) FROM (SELECT 1 FROM "+ref.table+" WHERE workspace_id = ? AND id = ? FOR KEY SHARE) x",
			d.WorkspaceID, ref.id).Scan(&n).Error
		if err != nil {
			return translate(err)
		}
		if n == 0 {
			fields = append(fields, domain.FieldError{Pointer: ref.pointer, Detail: ref.detail})
		}
	}
	if fields != nil {
		return domain.Invalid(fields...)
	}
	return nil
}

// CreateValueDriver implements domain.MoneyStore.
func (s *Store) CreateValueDriver(ctx context.Context, d *domain.ValueDriver) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkDriverRefs(ctx, d); err != nil {
			return err
		}
		d.ID = domain.NewID()
		d.CreatedAt = s.now()
		d.UpdatedAt, d.Version = d.CreatedAt, 1
		row := valueDriverRowOf(d)
		return translate(s.conn(ctx).Create(&row).Error)
	})
}

// GetValueDriver implements domain.MoneyStore.
func (s *Store) GetValueDriver(ctx context.Context, workspaceID, id string) (*domain.ValueDriver, error) {
	return s.loadValueDriver(ctx, workspaceID, id, false)
}

func (s *Store) loadValueDriver(ctx context.Context, workspaceID, id string, forUpdate bool) (*domain.ValueDriver, error) {
	var row valueDriverRow
	q := s.conn(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id)
	if forUpdate {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "value driver", id)
	}
	d := row.domain()
	return &d, nil
}

// ListValueDrivers implements domain.MoneyStore: oldest first.
func (s *Store) ListValueDrivers(ctx context.Context, workspaceID string, touchpointIDs []string, page domain.Page) ([]domain.ValueDriver, *domain.Cursor, error) {
	q := anyOf(s.conn(ctx).Where("workspace_id = ?", workspaceID), "touchpoint_id", touchpointIDs)
	var rows []valueDriverRow
	if err := keyset(q, "value_drivers", page).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, page.Limit, func(r valueDriverRow) domain.Cursor { return domain.Cursor{CreatedAt: r.CreatedAt, ID: r.ID} })
	out := make([]domain.ValueDriver, len(rows))
	for n, r := range rows {
		out[n] = r.domain()
	}
	return out, next, nil
}

// driverPairFixed is the detail of a change to a driver's touchpoint or
// metric: the pair is what the driver prices.
const driverPairFixed = "cannot be changed; create a new driver for another touchpoint or metric"

// UpdateValueDriver implements domain.MoneyStore. The touchpoint and metric
// are fixed; the business cases of the ideas naming the driver are
// recomputed in the same transaction.
func (s *Store) UpdateValueDriver(ctx context.Context, workspaceID, id string, version int, change func(*domain.ValueDriver) error) (*domain.ValueDriver, error) {
	var touchpointID, metricID string
	load := func(ctx context.Context) (*domain.ValueDriver, error) {
		// As in UpdateEconomics: no idea write runs while the cases naming
		// the driver are recomputed, so none is costed with the old values.
		if _, err := s.lockScoring(ctx, workspaceID, true); err != nil {
			return nil, err
		}
		d, err := s.loadValueDriver(ctx, workspaceID, id, true)
		if d != nil {
			touchpointID, metricID = d.TouchpointID, d.MetricID
		}
		return d, err
	}
	rev := func(d *domain.ValueDriver) (*int, *time.Time) { return &d.Version, &d.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, d *domain.ValueDriver) error {
		var fields []domain.FieldError
		if d.TouchpointID != touchpointID {
			fields = append(fields, domain.FieldError{Pointer: "/touchpoint_id", Detail: driverPairFixed})
		}
		if d.MetricID != metricID {
			fields = append(fields, domain.FieldError{Pointer: "/metric_id", Detail: driverPairFixed})
		}
		if fields != nil {
			return domain.Invalid(fields...)
		}
		err := s.conn(ctx).Model(&valueDriverRow{}).Where("id = ?", id).Updates(map[string]any{
			"unit_value": d.UnitValue, "exposure_per_year": d.ExposurePerYear, "exposure_unit": d.ExposureUnit,
			"note": d.Note, "updated_at": d.UpdatedAt, "version": d.Version,
		}).Error
		if err != nil {
			return translate(err)
		}
		var ideaIDs []string
		if err := s.conn(ctx).Model(&improvementRow{}).Where("value_driver_id = ?", id).Pluck("idea_id", &ideaIDs).Error; err != nil {
			return translate(err)
		}
		if len(ideaIDs) == 0 {
			return nil // nil would refresh every case of the workspace
		}
		return s.refreshBusinessCases(ctx, workspaceID, ideaIDs)
	})
}

// DeleteValueDriver implements domain.MoneyStore. An idea naming the driver
// takes a key-share lock on it, which the driver's lock here excludes, so
// the check below cannot miss one being added.
func (s *Store) DeleteValueDriver(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		d, err := s.loadValueDriver(ctx, workspaceID, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(d.Version, version); err != nil {
			return err
		}
		if err := s.driverUnused(ctx, id); err != nil {
			return err
		}
		err = s.conn(ctx).Where("id = ?", id).Delete(&valueDriverRow{}).Error
		if foreignKeyViolation(err, "idea_value_improvements_value_driver_id_fkey") {
			return domain.Errorf(domain.EConflict, "ideas' business cases name this value driver; remove it from their expected_improvements first")
		}
		return translate(err)
	})
}

// driverUnused answers EConflict naming up to three of the ideas whose
// business case names the driver, and how many there are.
func (s *Store) driverUnused(ctx context.Context, id string) error {
	count, names, err := s.ideasLinking(ctx, "idea_value_improvements", "value_driver_id", id)
	switch {
	case err != nil || count == 0:
		return err
	case count == 1:
		return domain.Errorf(domain.EConflict, "the business case of idea %s names this value driver; remove it from its expected_improvements first", names)
	}
	return domain.Errorf(domain.EConflict, "the business cases of %d ideas name this value driver (%s); remove it from their expected_improvements first", count, names)
}

// ideasLinking counts the ideas that link table's row id in column (a link
// table keyed by idea_id) and names up to three of them, oldest first:
// `"Headsets", "Callback" and 3 more`.
func (s *Store) ideasLinking(ctx context.Context, table, column, id string) (int, string, error) {
	var count int64
	if err := s.conn(ctx).Table(table).Where(column+" = ?", id).Count(&count).Error; err != nil || count == 0 {
		return 0, "", translate(err)
	}
	var titles []string
	err := s.conn(ctx).Model(&ideaRow{}).Joins("JOIN "+table+" l ON l.idea_id = ideas.id").
		Where("l."+column+" = ?", id).Order("ideas.created_at, ideas.id").Limit(3).Pluck("ideas.title", &titles).Error
	if err != nil {
		return 0, "", translate(err)
	}
	for n, t := range titles {
		titles[n] = strconv.Quote(t)
	}
	names := strings.Join(titles, ", ")
	if rest := int(count) - len(titles); rest > 0 {
		names += " and " + strconv.Itoa(rest) + " more"
	}
	return int(count), names, nil
}

var _ domain.MoneyStore = (*Store)(nil)
