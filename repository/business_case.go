package repository

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"cxbacklog/domain"
)

// The pieces of the money model (issue 17) that several stores share: the
// workspace's economics, value drivers as rows, and the refresh of ideas'
// derived business cases.

type economicsRow struct {
	WorkspaceID string
	Currency    string
	UpdatedAt   time.Time
	Version     int
}

func (economicsRow) TableName() string { return "workspace_economics" }

// loadEconomics returns the workspace's economics (the defaults at version 1
// when it never set any).
func (s *Store) loadEconomics(ctx context.Context, workspaceID string) (domain.Economics, int, error) {
	var rows []struct {
		Currency       string
		CostPerContact *float64
		Version        int
	}
	if err := s.conn(ctx).Table("workspace_economics").Select("currency, cost_per_contact, version").
		Where("workspace_id = ?", workspaceID).Limit(1).Scan(&rows).Error; err != nil {
		return domain.Economics{}, 0, translate(err)
	}
	if len(rows) == 0 {
		return domain.DefaultEconomics(), 1, nil
	}
	return domain.Economics{Currency: rows[0].Currency, CostPerContact: rows[0].CostPerContact}, rows[0].Version, nil
}

type valueDriverRow struct {
	ID              string
	WorkspaceID     string
	TouchpointID    string
	MetricID        string
	UnitValue       float64
	ExposurePerYear float64
	ExposureUnit    string
	Note            string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int
	// LatestMeasurementID is kept by the database's triggers
	// (migrations/00016): read, never written.
	LatestMeasurementID *string `gorm:"->"`
}

func (valueDriverRow) TableName() string { return "value_drivers" }

func valueDriverRowOf(d *domain.ValueDriver) valueDriverRow {
	return valueDriverRow{
		ID: d.ID, WorkspaceID: d.WorkspaceID, TouchpointID: d.TouchpointID, MetricID: d.MetricID,
		UnitValue: d.UnitValue, ExposurePerYear: d.ExposurePerYear, ExposureUnit: d.ExposureUnit, Note: d.Note,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Version: d.Version,
	}
}

func (r valueDriverRow) domain() domain.ValueDriver {
	return domain.ValueDriver{
		ID: r.ID, WorkspaceID: r.WorkspaceID, TouchpointID: r.TouchpointID, MetricID: r.MetricID,
		UnitValue: r.UnitValue, ExposurePerYear: r.ExposurePerYear, ExposureUnit: r.ExposureUnit, Note: r.Note,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
}

// improvementRow is one expected improvement of an idea's business case.
type improvementRow struct {
	IdeaID        string
	ValueDriverID string
	WorkspaceID   string
	Position      int
	Improvement   float64
	AnnualValue   float64 // derived: see storeBusinessCase
}

func (improvementRow) TableName() string { return "idea_value_improvements" }

// businessCaseDoc is the stored form of a derived domain.BusinessCase
// (ideas.business_case).
type businessCaseDoc struct {
	OneOffCost             float64  `json:"one_off_cost"`
	AnnualRunningCost      float64  `json:"annual_running_cost"`
	ExpectedAnnualValue    float64  `json:"expected_annual_value"`
	ExpectedNetAnnualValue float64  `json:"expected_net_annual_value"`
	PaybackMonths          *float64 `json:"payback_months"`
	FirstYearROI           *float64 `json:"first_year_roi"`
	Currency               string   `json:"currency"`
	Explanation            string   `json:"explanation"`
}

// decodeBusinessCase reads ideas.business_case; nil for NULL.
func decodeBusinessCase(doc *string) (*domain.BusinessCase, error) {
	if doc == nil {
		return nil, nil
	}
	var d businessCaseDoc
	if err := json.Unmarshal([]byte(*doc), &d); err != nil {
		return nil, domain.Errorf(domain.EInternal, "stored business case: %v", err)
	}
	c := domain.BusinessCase(d)
	return &c, nil
}

// improvementsOf returns the expected improvements of each idea, in order.
func (s *Store) improvementsOf(ctx context.Context, ideaIDs []string) (map[string][]domain.ExpectedImprovement, error) {
	out := map[string][]domain.ExpectedImprovement{}
	if len(ideaIDs) == 0 {
		return out, nil
	}
	var rows []improvementRow
	if err := s.conn(ctx).Where("idea_id IN ?", ideaIDs).Order("idea_id, position").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	for _, r := range rows {
		out[r.IdeaID] = append(out[r.IdeaID], domain.ExpectedImprovement{ValueDriverID: r.ValueDriverID, Improvement: r.Improvement})
	}
	return out, nil
}

// moneyInputsRow is what a business case is computed from.
type moneyInputsRow struct {
	ID                string
	OneOffCost        *float64
	AnnualRunningCost *float64
	Realised          bool
}

// refreshBusinessCases recomputes and stores the derived business case of
// the workspace's ideas ideaIDs, or of every idea with a case when ideaIDs
// is nil, in the transaction in ctx. Call it after any write a case depends
// on: the idea's inputs, a driver an idea names, the workspace's currency.
func (s *Store) refreshBusinessCases(ctx context.Context, workspaceID string, ideaIDs []string) error {
	q := s.conn(ctx).Model(&ideaRow{}).Select("id, one_off_cost, annual_running_cost, realised_annual_value IS NOT NULL AS realised").
		Where("workspace_id = ?", workspaceID)
	if ideaIDs == nil {
		q = q.Where("business_case IS NOT NULL")
	} else {
		q = q.Where("id IN ?", ideaIDs)
	}
	var rows []moneyInputsRow
	if err := q.Find(&rows).Error; err != nil {
		return translate(err)
	}
	if len(rows) == 0 {
		return nil
	}
	econ, _, err := s.loadEconomics(ctx, workspaceID)
	if err != nil {
		return err
	}
	ids := make([]string, len(rows))
	for n, r := range rows {
		ids[n] = r.ID
	}
	improvements, err := s.improvementsOf(ctx, ids)
	if err != nil {
		return err
	}
	drivers, err := s.driversNamedBy(ctx, improvements)
	if err != nil {
		return err
	}
	cases := make([]storedCase, len(rows))
	for n, r := range rows {
		in := domain.BusinessCaseInputs{OneOffCost: r.OneOffCost, AnnualRunningCost: r.AnnualRunningCost, ExpectedImprovements: improvements[r.ID]}
		cases[n] = storedCase{ID: r.ID}
		if c, ok := domain.NewBusinessCase(in, drivers, econ.Currency, r.Realised); ok {
			doc := businessCaseDoc(c)
			cases[n].BusinessCase, cases[n].Expected, cases[n].Net = &doc, &c.ExpectedAnnualValue, &c.ExpectedNetAnnualValue
		}
	}
	return s.storeBusinessCases(ctx, ids, cases)
}

// driversNamedBy loads every driver the improvements name, by id.
func (s *Store) driversNamedBy(ctx context.Context, improvements map[string][]domain.ExpectedImprovement) (map[string]domain.ValueDriver, error) {
	var ids []string
	for _, es := range improvements {
		for _, e := range es {
			ids = append(ids, e.ValueDriverID)
		}
	}
	out := map[string]domain.ValueDriver{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []valueDriverRow
	if err := s.conn(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	for _, r := range rows {
		out[r.ID] = r.domain()
	}
	return out, nil
}

// storedCase is one idea's derived columns; nil fields are NULL (no case).
type storedCase struct {
	ID           string           `json:"id"`
	BusinessCase *businessCaseDoc `json:"business_case"`
	Expected     *float64         `json:"expected"`
	Net          *float64         `json:"net"`
}

// storeBusinessCases writes the derived columns of the ideas and of their
// expected improvements: two statements however many ideas, since a change
// of currency rewrites every case of the workspace and each statement on
// ideas also runs the counters' triggers.
func (s *Store) storeBusinessCases(ctx context.Context, ids []string, cases []storedCase) error {
	// The ids are uuids: a comma-joined list is safe to split.
	err := s.conn(ctx).Exec(`UPDATE idea_value_improvements i SET annual_value = i.improvement * d.unit_value * d.exposure_per_year
		FROM value_drivers d WHERE d.id = i.value_driver_id AND i.idea_id = ANY (string_to_array(?, ',')::uuid[])`,
		strings.Join(ids, ",")).Error
	if err != nil {
		return translate(err)
	}
	rows, err := json.Marshal(cases)
	if err != nil {
		return domain.Errorf(domain.EInternal, "business cases: %v", err)
	}
	return translate(s.conn(ctx).Exec(`UPDATE ideas i SET business_case = v.business_case,
			expected_annual_value = v.expected, expected_net_annual_value = v.net
		FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, business_case jsonb, expected float8, net float8) WHERE i.id = v.id`,
		string(rows)).Error)
}
