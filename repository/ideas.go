package repository

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type ideaRow struct {
	ID          string
	WorkspaceID string
	Title       string
	Problem     string
	Proposal    string
	Impact      int
	Experience  int
	Effort      int
	Confidence  float64
	Owner       string
	Tags        string // jsonb array
	Source      string
	Status      string
	Value       float64
	Priority    float64
	Quadrant    string
	Explanation string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
	// The business case's inputs (the expected improvements are rows of
	// idea_value_improvements), the case derived from them by
	// refreshBusinessCases (never written from here) and the realised value.
	OneOffCost             *float64
	AnnualRunningCost      *float64
	BusinessCase           *string `gorm:"column:business_case"` // jsonb, businessCaseDoc
	ExpectedAnnualValue    *float64
	ExpectedNetAnnualValue *float64
	RealisedAnnualValue    *float64   `gorm:"column:realised_annual_value"`
	RealisedCILow          *float64   `gorm:"column:realised_ci_low"`
	RealisedCIHigh         *float64   `gorm:"column:realised_ci_high"`
	RealisedPilotID        *string    `gorm:"column:realised_pilot_id"`
	RealisedAt             *time.Time `gorm:"column:realised_at"`
	// The contacts a month of the reasons linked as evidence, kept by
	// refreshIdeaContacts (never written from here).
	ContactsPerMonth float64 `gorm:"->"`
	// How many feedback items and contact reasons are linked: counted in the
	// list statement (ideaColumns), or by withEvidence for one idea.
	FeedbackCount, ContactReasonCount int `gorm:"-"`
}

func (ideaRow) TableName() string { return "ideas" }

type ideaTouchpointRow struct {
	WorkspaceID  string
	IdeaID       string
	TouchpointID string
	Position     int
	// The idea's rank keys, so that the backlog of one touchpoint is a range
	// of idea_touchpoints_ranked_idx (a trigger follows re-scoring).
	Priority  float64
	CreatedAt time.Time
	Status    string // and its status, for a backlog of some statuses
}

func (ideaTouchpointRow) TableName() string { return "idea_touchpoints" }

// historyRow is a history entry as read; recordHistory writes the table
// with its own numbering.
type historyRow struct {
	Seq       int64
	Field     string
	OldValue  string
	NewValue  string
	Actor     string
	ChangedAt time.Time
}

func (historyRow) TableName() string { return "idea_history" }

type scoringRow struct {
	WorkspaceID      string
	WeightImpact     float64
	WeightExperience float64
	ValueThreshold   float64
	EffortThreshold  float64
	UpdatedAt        time.Time
	Version          int
}

func (scoringRow) TableName() string { return "scoring_settings" }

func ideaRowOf(i *domain.Idea) ideaRow {
	tags := []byte("[]")
	if len(i.Tags) > 0 {
		tags, _ = json.Marshal(i.Tags) // a []string always marshals
	}
	row := ideaRow{
		ID: i.ID, WorkspaceID: i.WorkspaceID, Title: i.Title, Problem: i.Problem, Proposal: i.Proposal,
		Impact: i.Impact, Experience: i.Experience, Effort: i.Effort, Confidence: i.Confidence, Owner: i.Owner,
		Tags: string(tags), Source: string(i.Source), Status: string(i.Status), Value: i.Score.Value,
		Priority: i.Score.Priority, Quadrant: string(i.Score.Quadrant), Explanation: i.Score.Explanation,
		CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt, Version: i.Version,
		OneOffCost: i.Money.OneOffCost, AnnualRunningCost: i.Money.AnnualRunningCost,
	}
	if r := i.Realised; r != nil {
		row.RealisedAnnualValue, row.RealisedCILow, row.RealisedCIHigh = &r.AnnualValue, &r.CI.Low, &r.CI.High
		row.RealisedPilotID, row.RealisedAt = nilIfEmpty(r.PilotID), &r.At
	}
	return row
}

// realisedColumns are the columns of ideas.Realised, for an update.
func realisedColumns(r *domain.RealisedValue) map[string]any {
	if r == nil {
		return map[string]any{"realised_annual_value": nil, "realised_ci_low": nil, "realised_ci_high": nil,
			"realised_pilot_id": nil, "realised_at": nil}
	}
	return map[string]any{"realised_annual_value": r.AnnualValue, "realised_ci_low": r.CI.Low, "realised_ci_high": r.CI.High,
		"realised_pilot_id": nilIfEmpty(r.PilotID), "realised_at": r.At}
}

// orNull is *x, or NULL for nil.
func orNull(x *float64) any {
	if x == nil {
		return nil
	}
	return *x
}

// money fills the idea's business case inputs (but the expected
// improvements: ideaColumns reads them, loadIdea withImprovements), its
// derived case and its realised value from the row.
func (r ideaRow) money(i *domain.Idea) error {
	i.Money = domain.BusinessCaseInputs{OneOffCost: r.OneOffCost, AnnualRunningCost: r.AnnualRunningCost}
	c, err := decodeBusinessCase(r.BusinessCase)
	if err != nil {
		return err
	}
	i.BusinessCase = c
	i.Realised = nil
	if r.RealisedAnnualValue != nil {
		rv := &domain.RealisedValue{AnnualValue: *r.RealisedAnnualValue}
		if r.RealisedCILow != nil && r.RealisedCIHigh != nil {
			rv.CI = domain.Interval{Low: *r.RealisedCILow, High: *r.RealisedCIHigh}
		}
		if r.RealisedPilotID != nil {
			rv.PilotID = *r.RealisedPilotID
		}
		if r.RealisedAt != nil {
			rv.At = *r.RealisedAt
		}
		i.Realised = rv
	}
	return nil
}

func (r ideaRow) domain(touchpoints []string) domain.Idea {
	i := domain.Idea{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Title: r.Title, Problem: r.Problem, Proposal: r.Proposal,
		TouchpointIDs: touchpoints, Impact: r.Impact, Experience: r.Experience, Effort: r.Effort,
		Confidence: r.Confidence, Owner: r.Owner, Source: domain.IdeaSource(r.Source), Status: domain.IdeaStatus(r.Status),
		Score:     domain.Score{Value: r.Value, Priority: r.Priority, Quadrant: domain.Quadrant(r.Quadrant), Explanation: r.Explanation},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version, Tags: []string{},
		Evidence: domain.IdeaEvidence{ContactsPerMonth: r.ContactsPerMonth, FeedbackCount: r.FeedbackCount, ContactReasons: r.ContactReasonCount},
	}
	if tags, err := parseTags(r.Tags); err == nil { // written by ideaRowOf: always an array
		i.Tags = tags
	}
	if i.TouchpointIDs == nil {
		i.TouchpointIDs = []string{}
	}
	return i
}

// GetScoring implements domain.IdeaStore.
func (s *Store) GetScoring(ctx context.Context, workspaceID string) (domain.Scoring, int, error) {
	var rows []scoringRow
	if err := s.conn(ctx).Where("workspace_id = ?", workspaceID).Limit(1).Find(&rows).Error; err != nil {
		return domain.Scoring{}, 0, translate(err)
	}
	if len(rows) == 0 {
		return domain.DefaultScoring(), 1, nil
	}
	return rows[0].domain(), rows[0].Version, nil
}

func (r scoringRow) domain() domain.Scoring {
	return domain.Scoring{WeightImpact: r.WeightImpact, WeightExperience: r.WeightExperience,
		ValueThreshold: r.ValueThreshold, EffortThreshold: r.EffortThreshold}
}

// lockScoring returns the workspace's scoring, locked until the transaction
// in ctx ends: exclusively for a change of weights, shared for idea writes,
// so an idea is never scored with weights that are being replaced. The row
// is created with the defaults the first time it is needed; after that this
// is a single SELECT, not a write on every idea change.
func (s *Store) lockScoring(ctx context.Context, workspaceID string, exclusive bool) (scoringRow, error) {
	strength := "SHARE"
	if exclusive {
		strength = "UPDATE"
	}
	var rows []scoringRow
	lock := func() error {
		return s.conn(ctx).Clauses(clause.Locking{Strength: strength}).Where("workspace_id = ?", workspaceID).Limit(1).Find(&rows).Error
	}
	if err := lock(); err != nil || len(rows) == 1 {
		return firstRow(rows), translate(err)
	}
	d := domain.DefaultScoring()
	row := scoringRow{WorkspaceID: workspaceID, WeightImpact: d.WeightImpact, WeightExperience: d.WeightExperience,
		ValueThreshold: d.ValueThreshold, EffortThreshold: d.EffortThreshold, UpdatedAt: s.now(), Version: 1}
	// A concurrent first insert makes this wait for it, then do nothing.
	if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return row, translate(err)
	}
	if err := lock(); err != nil {
		return row, translate(err)
	}
	if len(rows) != 1 {
		return row, domain.Errorf(domain.EInternal, "scoring settings of workspace %s vanished", workspaceID)
	}
	return rows[0], nil
}

// firstRow returns the first row, or the zero row when there is none.
func firstRow[T any](rows []T) T {
	var zero T
	if len(rows) == 0 {
		return zero
	}
	return rows[0]
}

// UpdateScoring implements domain.IdeaStore. Scores depend only on (impact,
// experience, effort, confidence), so each distinct combination is scored
// once by the domain and written with one UPDATE.
func (s *Store) UpdateScoring(ctx context.Context, workspaceID string, version int, sc domain.Scoring) (int, error) {
	newVersion := 0
	err := s.InTx(ctx, func(ctx context.Context) error {
		row, err := s.lockScoring(ctx, workspaceID, true)
		if err != nil {
			return err
		}
		if err := checkVersion(row.Version, version); err != nil {
			return err
		}
		newVersion = row.Version + 1
		err = s.conn(ctx).Model(&scoringRow{}).Where("workspace_id = ?", workspaceID).Updates(map[string]any{
			"weight_impact": sc.WeightImpact, "weight_experience": sc.WeightExperience, "value_threshold": sc.ValueThreshold,
			"effort_threshold": sc.EffortThreshold, "updated_at": s.now(), "version": newVersion,
		}).Error
		if err != nil {
			return translate(err)
		}
		return s.rescoreAll(ctx, workspaceID, sc)
	})
	return newVersion, err
}

func (s *Store) rescoreAll(ctx context.Context, workspaceID string, sc domain.Scoring) error {
	var combos []struct {
		Impact, Experience, Effort int
		Confidence                 float64
	}
	err := s.conn(ctx).Model(&ideaRow{}).Distinct("impact", "experience", "effort", "confidence").
		Where("workspace_id = ?", workspaceID).Find(&combos).Error
	if err != nil {
		return translate(err)
	}
	for _, c := range combos {
		score := sc.Score(c.Impact, c.Experience, c.Effort, c.Confidence)
		err := s.conn(ctx).Model(&ideaRow{}).
			Where("workspace_id = ? AND impact = ? AND experience = ? AND effort = ? AND confidence = ?", workspaceID, c.Impact, c.Experience, c.Effort, c.Confidence).
			Updates(map[string]any{"value": score.Value, "priority": score.Priority, "quadrant": string(score.Quadrant), "explanation": score.Explanation}).Error
		if err != nil {
			return translate(err)
		}
	}
	return nil
}

// CreateIdea implements domain.IdeaStore.
func (s *Store) CreateIdea(ctx context.Context, i *domain.Idea, actor string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		sc, err := s.lockScoring(ctx, i.WorkspaceID, false)
		if err != nil {
			return err
		}
		i.ID = domain.NewID()
		i.CreatedAt = s.now()
		i.UpdatedAt, i.Version = i.CreatedAt, 1
		i.Rescore(sc.domain())
		row := ideaRowOf(i)
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return translate(err)
		}
		if err := ideaLinks.insert(ctx, s, i.WorkspaceID, i.ID, i.TouchpointIDs, i.Score.Priority, i.CreatedAt, string(i.Status)); err != nil {
			return err
		}
		if err := s.saveMoney(ctx, nil, i); err != nil {
			return err
		}
		if err := s.recordHistory(ctx, i, actor, []domain.Change{{Field: "created", Old: "", New: i.Title}}); err != nil {
			return err
		}
		return s.writeEvents(ctx, []domain.Event{domain.IdeaCreatedEvent(i, actor)}) // last: see writeEvents
	})
}

func (s *Store) recordHistory(ctx context.Context, i *domain.Idea, actor string, changes []domain.Change) error {
	if len(changes) == 0 {
		return nil
	}
	at := s.now()
	// The changes are numbered after the idea's last one in the same
	// statement: every row's subquery sees the history as it was before the
	// statement, hence the offset n. No other writer numbers in between:
	// every caller holds the idea's row lock until it commits (CreateIdea
	// inserted the row; UpdateIdea and TransitionPilot loaded it FOR UPDATE
	// and saveIdea updated it), and under READ COMMITTED this statement sees
	// whatever the previous holder committed. Were that ever broken,
	// idea_history_seq_idx makes the race an error rather than two entries
	// with one number.
	rows := make([]map[string]any, len(changes))
	for n, c := range changes {
		rows[n] = map[string]any{
			"workspace_id": i.WorkspaceID, "idea_id": i.ID,
			"seq":   gorm.Expr("(SELECT coalesce(max(seq), 0) FROM idea_history WHERE idea_id = ?) + ?", i.ID, n+1),
			"field": c.Field, "old_value": c.Old, "new_value": c.New, "actor": actor, "changed_at": at,
		}
	}
	return translate(s.conn(ctx).Table(historyRow{}.TableName()).Create(&rows).Error)
}

// GetIdea implements domain.IdeaStore.
func (s *Store) GetIdea(ctx context.Context, workspaceID, id string) (*domain.Idea, error) {
	return s.loadIdea(ctx, workspaceID, id, false)
}

func (s *Store) loadIdea(ctx context.Context, workspaceID, id string, forUpdate bool) (*domain.Idea, error) {
	var row ideaRow
	q := s.conn(ctx).Where("workspace_id = ? AND id = ?", workspaceID, id)
	if forUpdate {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "idea", id)
	}
	tps, err := s.touchpointsOf(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	i := row.domain(tps[id])
	if err := row.money(&i); err != nil {
		return nil, err
	}
	ideas := []domain.Idea{i}
	if err := s.withImprovements(ctx, ideas); err != nil {
		return nil, err
	}
	if err := s.withEvidence(ctx, ideas); err != nil {
		return nil, err
	}
	return &ideas[0], nil
}

// withImprovements fills the expected improvements of the ideas that have a
// business case (no other idea has any) with one query.
func (s *Store) withImprovements(ctx context.Context, ideas []domain.Idea) error {
	var ids []string
	for _, i := range ideas {
		if i.BusinessCase != nil {
			ids = append(ids, i.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	byIdea, err := s.improvementsOf(ctx, ids)
	if err != nil {
		return err
	}
	for n := range ideas {
		ideas[n].Money.ExpectedImprovements = byIdea[ideas[n].ID]
	}
	return nil
}

// withEvidence fills the counts of linked feedback items and contact reasons
// of ideas read without ideaColumns (which counts them in the same
// statement), with one query; their contacts a month come with the row.
func (s *Store) withEvidence(ctx context.Context, ideas []domain.Idea) error {
	if len(ideas) == 0 {
		return nil
	}
	ids := make([]string, len(ideas))
	for n, i := range ideas {
		ids[n] = i.ID
	}
	var counts []struct {
		IdeaID   string
		Feedback int
		Reasons  int
	}
	// The ids are the ideas' own, so a comma-joined list is safe to split:
	// one parameter, however long the page.
	err := s.conn(ctx).Raw(`SELECT idea_id::text AS idea_id, sum(feedback)::int AS feedback, sum(reasons)::int AS reasons FROM (
			SELECT idea_id, 1 AS feedback, 0 AS reasons FROM idea_feedback WHERE idea_id = ANY (string_to_array(@ids, ',')::uuid[])
			UNION ALL
			SELECT idea_id, 0, 1 FROM idea_contact_reasons WHERE idea_id = ANY (string_to_array(@ids, ',')::uuid[])
		) e GROUP BY idea_id`, sql.Named("ids", strings.Join(ids, ","))).Scan(&counts).Error
	if err != nil {
		return translate(err)
	}
	byIdea := make(map[string]int, len(counts))
	for n, c := range counts {
		byIdea[c.IdeaID] = n
	}
	for n := range ideas {
		if k, ok := byIdea[ideas[n].ID]; ok {
			ideas[n].Evidence.FeedbackCount, ideas[n].Evidence.ContactReasons = counts[k].Feedback, counts[k].Reasons
		}
	}
	return nil
}

// touchpointsOf loads the touchpoint ids of many ideas in one query.
func (s *Store) touchpointsOf(ctx context.Context, ideaIDs []string) (map[string][]string, error) {
	var rows []ideaTouchpointRow
	if err := s.conn(ctx).Where("idea_id IN ?", ideaIDs).Order("idea_id, position").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make(map[string][]string, len(ideaIDs))
	for _, r := range rows {
		out[r.IdeaID] = append(out[r.IdeaID], r.TouchpointID)
	}
	return out, nil
}

// ideaOrders is, for each sort but relevance (searchByRelevance), the
// ORDER BY and the keyset condition that starts strictly after a cursor.
// Every order ends in id, so it is total. Each order is also written with
// keys no index serves (search), which makes the planner find a rare
// search's matches through the trigram or full-text indexes and sort them
// (see Store.search).
var ideaOrders = map[domain.IdeaSort]struct {
	order, search string
	after         func(c *domain.IdeaCursor) (string, []any)
}{
	domain.SortPriorityDesc: {"-priority, created_at, id", "-priority + 0, created_at, id", func(c *domain.IdeaCursor) (string, []any) {
		return "(-priority, created_at, id) > (?, ?, ?)", []any{-c.Priority, c.CreatedAt, c.ID}
	}},
	domain.SortPriority: {"priority, created_at, id", "priority + 0, created_at, id", func(c *domain.IdeaCursor) (string, []any) {
		return "(priority > ? OR (priority = ? AND (created_at, id) > (?, ?)))", []any{c.Priority, c.Priority, c.CreatedAt, c.ID}
	}},
	domain.SortCreatedAt: {"created_at, id", "created_at + interval '0', id", func(c *domain.IdeaCursor) (string, []any) {
		return "(created_at, id) > (?, ?)", []any{c.CreatedAt, c.ID}
	}},
	domain.SortCreatedAtDesc: {"created_at DESC, id DESC", "created_at + interval '0' DESC, id DESC", func(c *domain.IdeaCursor) (string, []any) {
		return "(created_at, id) < (?, ?)", []any{c.CreatedAt, c.ID}
	}},
	domain.SortUpdatedAt: {"updated_at, id", "updated_at + interval '0', id", func(c *domain.IdeaCursor) (string, []any) {
		return "(updated_at, id) > (?, ?)", []any{c.UpdatedAt, c.ID}
	}},
	domain.SortUpdatedAtDesc: {"updated_at DESC, id DESC", "updated_at + interval '0' DESC, id DESC", func(c *domain.IdeaCursor) (string, []any) {
		return "(updated_at, id) < (?, ?)", []any{c.UpdatedAt, c.ID}
	}},
	domain.SortTitle: {"title, id", "title || '', id", func(c *domain.IdeaCursor) (string, []any) {
		return "(title, id) > (?, ?)", []any{c.Title, c.ID}
	}},
	// The keys of ideas_net_value_idx: ideas with a case first, by net
	// value descending, then those without one in creation order.
	domain.SortNetValueDesc: {netValueOrder, "(expected_net_annual_value IS NULL) OR false, -COALESCE(expected_net_annual_value, 0) + 0, created_at, id",
		func(c *domain.IdeaCursor) (string, []any) {
			var net float64
			if c.NetValue != nil {
				net = *c.NetValue
			}
			return "(" + netValueOrder + ") > (?, ?, ?, ?)", []any{c.NetValue == nil, -net, c.CreatedAt, c.ID}
		}},
	domain.SortContactsDesc: {contactsOrder, "-contacts_per_month + 0, created_at, id", func(c *domain.IdeaCursor) (string, []any) {
		return "(" + contactsOrder + ") > (?, ?, ?)", []any{-c.ContactsPerMonth, c.CreatedAt, c.ID}
	}},
}

const netValueOrder = "(expected_net_annual_value IS NULL), (-COALESCE(expected_net_annual_value, 0)), created_at, id"

// contactsOrder are the keys of ideas_contacts_idx: the volume an idea
// addresses, biggest first.
const contactsOrder = "(-contacts_per_month), created_at, id"

// ListIdeas implements domain.IdeaStore.
func (s *Store) ListIdeas(ctx context.Context, workspaceID string, f domain.IdeaFilter, after *domain.IdeaCursor, limit int) ([]domain.Idea, *domain.IdeaCursor, error) {
	if err := f.CheckSearch(); err != nil {
		return nil, nil, err
	}
	limit = pageLimit(limit)
	relevance := f.Sort == domain.SortRelevance
	sort, ok := ideaOrders[f.Sort]
	if !ok && !relevance {
		sort = ideaOrders[domain.SortPriorityDesc]
		f.Sort = domain.SortPriorityDesc
	}
	// rows are the ideas the page is taken from: every filter but a
	// search's, after the cursor (but in relevance order, whose keys are
	// the search's: see searchByRelevance).
	rows := func(db *gorm.DB) *gorm.DB {
		q := filterIdeas(db.Model(&ideaRow{}).Where("ideas.workspace_id = ?", workspaceID), f)
		if after != nil && !relevance {
			cond, args := sort.after(after)
			q = q.Where(cond, args...)
		}
		if onlyTouchpoint(f) {
			q = q.Where("ideas.id IN (?)", touchpointPage(db, f.TouchpointIDs[0], f.Statuses, after, limit+1))
		}
		return q
	}
	var ideas []domain.Idea
	var ranks []float64
	var err error
	switch {
	case f.Query == nil:
		ideas, err = scanIdeas(rows(s.conn(ctx)).Order(sort.order).Limit(limit + 1))
	case f.Match == domain.MatchSubstring:
		ideas, err = s.search(ctx, substringMatch(*f.Query), rows, sort.order, sort.search, limit+1)
	default:
		var m tsMatch
		if m, err = s.wordsMatch(ctx, workspaceID, *f.Query); err != nil {
			return nil, nil, err
		}
		if relevance {
			ideas, ranks, err = s.searchByRelevance(ctx, m, rows, after, limit+1)
		} else {
			ideas, err = scanIdeas(m.filter(rows(s.conn(ctx))).Order(sort.order).Limit(limit + 1))
		}
	}
	if err != nil {
		return nil, nil, err
	}
	ideas, next := cutPage(ideas, limit, func(last domain.Idea) domain.IdeaCursor {
		c := domain.IdeaCursor{Sort: f.Sort, Priority: last.Score.Priority, Title: last.Title, CreatedAt: last.CreatedAt, UpdatedAt: last.UpdatedAt, ID: last.ID,
			ContactsPerMonth: last.Evidence.ContactsPerMonth}
		if last.BusinessCase != nil {
			net := last.BusinessCase.ExpectedNetAnnualValue
			c.NetValue = &net
		}
		if relevance {
			c.Rank = ranks[limit-1]
		}
		return c
	})
	return ideas, next, nil
}

// searchWalk is how many ideas, in the order of the list, a search looks
// through for its page before it finds the matches through the trigram or
// full-text indexes instead.
const searchWalk = 5000

// search finds the first n ideas of rows that match a substring search, in
// order.
// Walking the index of the order and filtering is fastest for a common
// pattern (matches come early) and slowest for a rare one (every row is
// read); finding the matches through the trigram or full-text indexes and
// sorting them is the other way round, and the planner cannot tell which a
// pattern is (nor how many words a prefix stands for). So the walk is
// bounded: the first searchWalk rows in order, filtered. If they hold n
// matches, those are the first n of all; else the matches come from the
// indexes, sorted (by keys no index serves, so that the planner cannot walk
// instead). In make bench at 1,000,000 ideas, an unbounded walk took 2.8 s
// for a rare word, and always sorting 0.8 s for a common one.
func (s *Store) search(ctx context.Context, match func(*gorm.DB) *gorm.DB, rows func(*gorm.DB) *gorm.DB, walk, sorted string, n int) ([]domain.Idea, error) {
	db := s.conn(ctx)
	first := rows(db).Select("ideas.*").Order(walk).Limit(searchWalk)
	ideas, err := scanIdeas(match(db.Table("(?) AS ideas", first)).Order(walk).Limit(n))
	if err != nil || len(ideas) == n {
		return ideas, err
	}
	return scanIdeas(match(rows(db)).Order(sorted).Limit(n))
}

// ideaColumns are an idea's columns with its touchpoint ids in order,
// aggregated in the same statement: the list pages are the hottest path, and
// one statement scanned by hand costs far less than two scanned by GORM.
const ideaColumns = `ideas.id, ideas.workspace_id, ideas.title, ideas.problem, ideas.proposal, ideas.impact,
	ideas.experience, ideas.effort, ideas.confidence, ideas.owner, ideas.tags, ideas.source, ideas.status,
	ideas.value, ideas.priority, ideas.quadrant, ideas.explanation, ideas.created_at, ideas.updated_at, ideas.version,
	ideas.one_off_cost, ideas.annual_running_cost, ideas.business_case::text, ideas.realised_annual_value,
	ideas.realised_ci_low, ideas.realised_ci_high, ideas.realised_pilot_id::text, ideas.realised_at, ideas.contacts_per_month,
	(SELECT count(*) FROM idea_feedback f WHERE f.idea_id = ideas.id),
	(SELECT count(*) FROM idea_contact_reasons cr WHERE cr.idea_id = ideas.id),
	(SELECT string_agg(it.touchpoint_id::text, ',' ORDER BY it.position) FROM idea_touchpoints it WHERE it.idea_id = ideas.id),
	(SELECT string_agg(vi.value_driver_id::text || ':' || encode(float8send(vi.improvement), 'hex'), ',' ORDER BY vi.position)
		FROM idea_value_improvements vi WHERE vi.idea_id = ideas.id)`

// scanIdeas runs q (a query on ideas) selecting ideaColumns.
func scanIdeas(q *gorm.DB) ([]domain.Idea, error) {
	rows, err := q.Model(&ideaRow{}).Select(ideaColumns).Rows()
	if err != nil {
		return nil, translate(err)
	}
	return scanIdeaRows(rows, nil)
}

// scanIdeaRows reads rows of ideaColumns and closes them. Rows with a
// column after those are read with more, called for each row with where to
// scan it.
func scanIdeaRows(rows *sql.Rows, more func() any) ([]domain.Idea, error) {
	defer rows.Close()
	var out []domain.Idea
	for rows.Next() {
		var r ideaRow
		var tps, improvements sql.NullString
		dest := []any{&r.ID, &r.WorkspaceID, &r.Title, &r.Problem, &r.Proposal, &r.Impact, &r.Experience, &r.Effort,
			&r.Confidence, &r.Owner, &r.Tags, &r.Source, &r.Status, &r.Value, &r.Priority, &r.Quadrant, &r.Explanation,
			&r.CreatedAt, &r.UpdatedAt, &r.Version, &r.OneOffCost, &r.AnnualRunningCost, &r.BusinessCase,
			&r.RealisedAnnualValue, &r.RealisedCILow, &r.RealisedCIHigh, &r.RealisedPilotID, &r.RealisedAt, &r.ContactsPerMonth,
			&r.FeedbackCount, &r.ContactReasonCount, &tps, &improvements}
		if more != nil {
			dest = append(dest, more())
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, translate(err)
		}
		var ids []string
		if tps.Valid {
			ids = strings.Split(tps.String, ",")
		}
		i := r.domain(ids)
		if err := r.money(&i); err != nil {
			return nil, err
		}
		if i.BusinessCase != nil && improvements.Valid {
			var err error
			if i.Money.ExpectedImprovements, err = parseImprovements(improvements.String); err != nil {
				return nil, err
			}
		}
		out = append(out, i)
	}
	return out, translate(rows.Err())
}

// parseImprovements reads an idea's expected improvements as ideaColumns
// aggregates them: driver:bits,... with each improvement's float8 bits in
// hex, exact whatever the server's extra_float_digits.
func parseImprovements(s string) ([]domain.ExpectedImprovement, error) {
	parts := strings.Split(s, ",")
	out := make([]domain.ExpectedImprovement, len(parts))
	for n, p := range parts {
		driver, hex, ok := strings.Cut(p, ":")
		bits, err := strconv.ParseUint(hex, 16, 64)
		if !ok || err != nil {
			return nil, domain.Errorf(domain.EInternal, "stored expected improvement %q", p)
		}
		out[n] = domain.ExpectedImprovement{ValueDriverID: driver, Improvement: math.Float64frombits(bits)}
	}
	return out, nil
}

// parseTags reads an idea's tags as jsonb writes an array of strings. With
// no escape in it, a tag holds no quote, so the elements are exactly the
// runs between `", "`; anything else goes to encoding/json, which took 6% of
// the ranked list's CPU when it read every row's tags.
func parseTags(s string) ([]string, error) {
	if len(s) >= 4 && strings.IndexByte(s, '\\') < 0 && strings.HasPrefix(s, `["`) && strings.HasSuffix(s, `"]`) {
		return strings.Split(s[2:len(s)-2], `", "`), nil
	}
	tags := []string{}
	err := json.Unmarshal([]byte(s), &tags)
	return tags, err
}

// onlyTouchpoint reports whether the list is one touchpoint's ranked
// backlog, of some statuses or all, and nothing else, which touchpointPage
// answers from one index.
func onlyTouchpoint(f domain.IdeaFilter) bool {
	return len(f.TouchpointIDs) == 1 && f.Sort == domain.SortPriorityDesc && f.JourneyIDs == nil &&
		f.Quadrants == nil && f.Tags == nil && f.Owners == nil && f.Query == nil
}

// touchpointPage is the ids of one page of a touchpoint's ranked backlog of
// ideas with one of the statuses (any, when there are none), read from the
// links' copy of the rank keys and status.
func touchpointPage(db *gorm.DB, touchpointID string, statuses []domain.IdeaStatus, after *domain.IdeaCursor, n int) *gorm.DB {
	q := anyOf(db.Model(&ideaTouchpointRow{}).Select("idea_id").Where("touchpoint_id = ?", touchpointID), "status", statuses)
	if after != nil {
		q = q.Where("(-priority, created_at, idea_id) > (?, ?, ?)", -after.Priority, after.CreatedAt, after.ID)
	}
	return q.Order("-priority, created_at, idea_id").Limit(n)
}

// anyOf keeps the rows whose column holds one of values; no values, no filter.
func anyOf[T ~string](q *gorm.DB, column string, values []T) *gorm.DB {
	if cond, args := anyOfSQL(column, values); cond != "" {
		return q.Where(cond, args...)
	}
	return q
}

// anyOfSQL is the condition of anyOf and its arguments; "" for no values.
func anyOfSQL[T ~string](column string, values []T) (string, []any) {
	if len(values) == 0 {
		return "", nil
	}
	strs := make([]string, len(values))
	for n, v := range values {
		strs[n] = string(v)
	}
	return column + " IN ?", []any{strs}
}

// filterIdeas applies every filter of f but its search, which Store.search
// applies in the way that suits the pattern.
func filterIdeas(q *gorm.DB, f domain.IdeaFilter) *gorm.DB {
	q = anyOf(q, "status", f.Statuses)
	q = anyOf(q, "quadrant", f.Quadrants)
	q = anyOf(q, "owner", f.Owners)
	if len(f.Tags) > 0 {
		// One containment test per tag, so each is answered by ideas_tags_idx.
		conds, args := make([]string, len(f.Tags)), make([]any, len(f.Tags))
		for n, t := range f.Tags {
			tag, _ := json.Marshal([]string{t})
			conds[n], args[n] = "tags @> ?::jsonb", string(tag)
		}
		q = q.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if len(f.TouchpointIDs) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM idea_touchpoints it WHERE it.idea_id = ideas.id AND it.touchpoint_id IN ?)", f.TouchpointIDs)
	}
	if len(f.JourneyIDs) > 0 {
		q = q.Where(`EXISTS (SELECT 1 FROM idea_touchpoints it JOIN touchpoints t ON t.id = it.touchpoint_id
			WHERE it.idea_id = ideas.id AND t.journey_id IN ?)`, f.JourneyIDs)
	}
	return q
}

// UpdateIdea implements domain.IdeaStore.
func (s *Store) UpdateIdea(ctx context.Context, workspaceID, id string, version int, actor string, change func(*domain.Idea) error) (*domain.Idea, error) {
	var updated *domain.Idea
	err := s.InTx(ctx, func(ctx context.Context) error {
		sc, err := s.lockScoring(ctx, workspaceID, false)
		if err != nil {
			return err
		}
		before, err := s.loadIdea(ctx, workspaceID, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(before.Version, version); err != nil {
			return err
		}
		after := *before
		after.TouchpointIDs = slices.Clone(before.TouchpointIDs)
		after.Tags = slices.Clone(before.Tags)
		after.Money.ExpectedImprovements = slices.Clone(before.Money.ExpectedImprovements)
		if err := change(&after); err != nil {
			return err
		}
		// Nothing changed (e.g. PATCH {}): keep the version, so that other
		// clients' If-Match stays valid, and write no history.
		after.Rescore(sc.domain())
		if len(domain.DiffIdeas(before, &after)) == 0 && slices.Equal(before.TouchpointIDs, after.TouchpointIDs) {
			updated = before
			return nil
		}
		if err := s.saveIdea(ctx, before, &after, sc.domain(), actor, nil); err != nil {
			return err
		}
		updated = &after
		return s.writeEvents(ctx, domain.IdeaChangedEvents(before, &after, actor)) // last: see writeEvents
	})
	return updated, err
}

// saveIdea re-scores after and writes it over before (which must be locked
// in the transaction in ctx), recording every changed field and the extra
// changes in the history.
func (s *Store) saveIdea(ctx context.Context, before, after *domain.Idea, sc domain.Scoring, actor string, extra []domain.Change) error {
	after.Rescore(sc)
	after.UpdatedAt, after.Version = s.now(), before.Version+1
	row := ideaRowOf(after)
	// A map, not the struct: GORM would re-stamp updated_at from a struct
	// and skip zero values.
	updates := map[string]any{
		"title": row.Title, "problem": row.Problem, "proposal": row.Proposal, "impact": row.Impact,
		"experience": row.Experience, "effort": row.Effort, "confidence": row.Confidence, "owner": row.Owner,
		"tags": row.Tags, "source": row.Source, "status": row.Status, "value": row.Value, "priority": row.Priority,
		"quadrant": row.Quadrant, "explanation": row.Explanation, "updated_at": row.UpdatedAt, "version": row.Version,
		"one_off_cost": orNull(after.Money.OneOffCost), "annual_running_cost": orNull(after.Money.AnnualRunningCost),
	}
	for k, v := range realisedColumns(after.Realised) {
		updates[k] = v
	}
	if err := s.conn(ctx).Model(&ideaRow{}).Where("id = ?", after.ID).Updates(updates).Error; err != nil {
		return translate(err)
	}
	if !slices.Equal(before.TouchpointIDs, after.TouchpointIDs) {
		if err := ideaLinks.replace(ctx, s, after.WorkspaceID, after.ID, after.TouchpointIDs, after.Score.Priority, after.CreatedAt, string(after.Status)); err != nil {
			return err
		}
	}
	if err := s.saveMoney(ctx, before, after); err != nil {
		return err
	}
	return s.recordHistory(ctx, after, actor, append(domain.DiffIdeas(before, after), extra...))
}

// DeleteIdea implements domain.IdeaStore.
func (s *Store) DeleteIdea(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		i, err := s.loadIdea(ctx, workspaceID, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(i.Version, version); err != nil {
			return err
		}
		err = s.conn(ctx).Where("id = ?", id).Delete(&ideaRow{}).Error
		if foreignKeyViolation(err, "pilots_idea_fk") {
			return domain.Errorf(domain.EConflict, "the idea has pilots, which are its evidence; delete its pilots first")
		}
		return translate(err)
	})
}

// IdeaHistory implements domain.IdeaStore: a range of idea_history_seq_idx.
func (s *Store) IdeaHistory(ctx context.Context, workspaceID, id string, beforeSeq int64, limit int) ([]domain.HistoryEntry, *int64, error) {
	if _, err := s.GetIdea(ctx, workspaceID, id); err != nil {
		return nil, nil, err
	}
	q := s.conn(ctx).Where("workspace_id = ? AND idea_id = ?", workspaceID, id)
	if beforeSeq > 0 {
		q = q.Where("seq < ?", beforeSeq)
	}
	var rows []historyRow
	if err := q.Order("seq DESC").Limit(pageLimit(limit) + 1).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	rows, next := cutPage(rows, limit, func(r historyRow) int64 { return r.Seq })
	out := make([]domain.HistoryEntry, len(rows))
	for n, r := range rows {
		out[n] = domain.HistoryEntry{Seq: r.Seq, Field: r.Field, Old: r.OldValue, New: r.NewValue, Actor: r.Actor, ChangedAt: r.ChangedAt}
	}
	return out, next, nil
}

// RankedIdeas implements domain.IdeaStore: every status's top ideas in one
// statement (each an index range), then the touchpoints' names in another.
func (s *Store) RankedIdeas(ctx context.Context, workspaceID string, statuses []domain.IdeaStatus, limit int) (map[domain.IdeaStatus][]domain.RankedIdea, error) {
	limit = pageLimit(limit)
	out := make(map[domain.IdeaStatus][]domain.RankedIdea, len(statuses))
	if len(statuses) == 0 {
		return out, nil
	}
	parts := make([]string, len(statuses))
	args := make([]any, 0, 3*len(statuses))
	for n, st := range statuses {
		parts[n] = "(SELECT " + ideaColumns + " FROM ideas WHERE workspace_id = ? AND status = ? ORDER BY " +
			ideaOrders[domain.SortPriorityDesc].order + " LIMIT ?)"
		args = append(args, workspaceID, string(st), limit)
	}
	rows, err := s.conn(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Rows()
	if err != nil {
		return nil, translate(err)
	}
	ideas, err := scanIdeaRows(rows, nil)
	if err != nil || len(ideas) == 0 {
		return out, err
	}
	names, err := s.touchpointNames(ctx, ideas)
	if err != nil {
		return nil, err
	}
	for _, i := range ideas {
		r := domain.RankedIdea{Idea: i, Touchpoints: make([]domain.TouchpointRef, len(i.TouchpointIDs))}
		for k, tp := range i.TouchpointIDs {
			r.Touchpoints[k] = domain.TouchpointRef{ID: tp, Name: names[tp]}
		}
		out[i.Status] = append(out[i.Status], r)
	}
	return out, nil
}

func (s *Store) touchpointNames(ctx context.Context, ideas []domain.Idea) (map[string]string, error) {
	var ids []string
	for _, i := range ideas {
		ids = append(ids, i.TouchpointIDs...)
	}
	var rows []touchpointRow
	if err := s.conn(ctx).Select("id", "name").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	names := make(map[string]string, len(rows))
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	return names, nil
}

// MatrixIdeas implements domain.IdeaStore: each quadrant's top ideas are a
// range of ideas_quadrant_ranked_idx, and the counts per quadrant and status
// are kept by triggers, so the cost does not grow with the backlog.
func (s *Store) MatrixIdeas(ctx context.Context, workspaceID string, statuses []domain.IdeaStatus, perQuadrant int) ([]domain.Idea, map[domain.Quadrant]int, error) {
	parts := make([]string, len(domain.Quadrants))
	args := make([]any, 0, 4*len(domain.Quadrants))
	byStatus, statusArgs := anyOfSQL("status", statuses)
	if byStatus != "" {
		byStatus = " AND " + byStatus
	}
	for n, q := range domain.Quadrants {
		parts[n] = `(SELECT id, title, impact, experience, effort, confidence, value, priority, quadrant, status
			FROM ideas WHERE workspace_id = ? AND quadrant = ?` + byStatus + ` ORDER BY ` + ideaOrders[domain.SortPriorityDesc].order + ` LIMIT ?)`
		args = append(append(append(args, workspaceID, string(q)), statusArgs...), perQuadrant)
	}
	var rows []ideaRow
	if err := s.conn(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	out := make([]domain.Idea, len(rows))
	for n, r := range rows {
		out[n] = domain.Idea{ID: r.ID, Title: r.Title, Impact: r.Impact, Experience: r.Experience, Effort: r.Effort,
			Confidence: r.Confidence, Status: domain.IdeaStatus(r.Status),
			Score: domain.Score{Value: r.Value, Priority: r.Priority, Quadrant: domain.Quadrant(r.Quadrant)}}
	}
	var counts []struct {
		Quadrant string
		N        int
	}
	q := anyOf(s.conn(ctx).Table("idea_quadrant_counts").Select("quadrant, sum(n)::bigint AS n").Where("workspace_id = ?", workspaceID), "status", statuses)
	if err := q.Group("quadrant").Scan(&counts).Error; err != nil {
		return nil, nil, translate(err)
	}
	byQuadrant := make(map[domain.Quadrant]int, len(counts))
	for _, c := range counts {
		byQuadrant[domain.Quadrant(c.Quadrant)] = c.N
	}
	return out, byQuadrant, nil
}

// TouchpointIdeaCounts implements domain.IdeaStore.
func (s *Store) TouchpointIdeaCounts(ctx context.Context, workspaceID, touchpointID string) (map[domain.IdeaStatus]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	err := s.conn(ctx).Raw(`SELECT i.status, count(*) AS n FROM idea_touchpoints it JOIN ideas i ON i.id = it.idea_id
		WHERE it.workspace_id = ? AND it.touchpoint_id = ? GROUP BY i.status`, workspaceID, touchpointID).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	counts := make(map[domain.IdeaStatus]int, len(rows))
	for _, r := range rows {
		counts[domain.IdeaStatus(r.Status)] = r.N
	}
	return counts, nil
}

// saveMoney writes the business case's inputs of after where they differ
// from before's (nil for a new idea; the costs are columns its caller
// writes), checking first that every driver named exists in the workspace
// at a touchpoint the idea targets (also when only the touchpoints
// changed), and refreshes the idea's derived case, setting
// after.BusinessCase. It runs in the transaction in ctx, after the idea's
// row is written.
func (s *Store) saveMoney(ctx context.Context, before, after *domain.Idea) error {
	var was domain.BusinessCaseInputs
	if before != nil {
		was = before.Money
	}
	inputsChanged := optionalNumber(was.OneOffCost) != optionalNumber(after.Money.OneOffCost) ||
		optionalNumber(was.AnnualRunningCost) != optionalNumber(after.Money.AnnualRunningCost) ||
		!slices.Equal(was.ExpectedImprovements, after.Money.ExpectedImprovements)
	touchpointsChanged := before != nil && !slices.Equal(before.TouchpointIDs, after.TouchpointIDs)
	// A realised value makes a case of an idea without inputs (NewBusinessCase).
	realisedChanged := before != nil && (before.Realised == nil) != (after.Realised == nil)
	if !inputsChanged && !touchpointsChanged && !realisedChanged {
		return nil
	}
	if err := s.checkDrivers(ctx, after); err != nil {
		return err
	}
	if !inputsChanged && !realisedChanged {
		return nil
	}
	if !slices.Equal(was.ExpectedImprovements, after.Money.ExpectedImprovements) {
		if before != nil {
			if err := s.conn(ctx).Where("idea_id = ?", after.ID).Delete(&improvementRow{}).Error; err != nil {
				return translate(err)
			}
		}
		if es := after.Money.ExpectedImprovements; len(es) > 0 {
			rows := make([]improvementRow, len(es))
			for n, e := range es {
				rows[n] = improvementRow{IdeaID: after.ID, ValueDriverID: e.ValueDriverID, WorkspaceID: after.WorkspaceID,
					Position: n, Improvement: e.Improvement}
			}
			if err := s.conn(ctx).Create(&rows).Error; err != nil {
				return translate(err)
			}
		}
	}
	if err := s.refreshBusinessCases(ctx, after.WorkspaceID, []string{after.ID}); err != nil {
		return err
	}
	var doc sql.NullString
	if err := s.conn(ctx).Model(&ideaRow{}).Select("business_case").Where("id = ?", after.ID).Row().Scan(&doc); err != nil {
		return translate(err)
	}
	var stored *string
	if doc.Valid {
		stored = &doc.String
	}
	c, err := decodeBusinessCase(stored)
	after.BusinessCase = c
	return err
}

func optionalNumber(x *float64) string {
	if x == nil {
		return ""
	}
	return strconv.FormatFloat(*x, 'g', -1, 64)
}

// checkDrivers is EInvalid naming /expected_improvements/N/value_driver_id
// for each improvement whose driver is not in the idea's workspace or is at
// a touchpoint the idea does not target.
func (s *Store) checkDrivers(ctx context.Context, i *domain.Idea) error {
	es := i.Money.ExpectedImprovements
	if len(es) == 0 {
		return nil
	}
	ids := make([]string, len(es))
	for n, e := range es {
		ids[n] = e.ValueDriverID
	}
	var rows []valueDriverRow
	if err := s.conn(ctx).Select("id", "touchpoint_id").Where("workspace_id = ? AND id IN ?", i.WorkspaceID, ids).Find(&rows).Error; err != nil {
		return translate(err)
	}
	at := make(map[string]string, len(rows))
	for _, r := range rows {
		at[r.ID] = r.TouchpointID
	}
	var fields []domain.FieldError
	for n, e := range es {
		pointer := "/expected_improvements/" + strconv.Itoa(n) + "/value_driver_id"
		tp, ok := at[e.ValueDriverID]
		switch {
		case !ok:
			fields = append(fields, domain.FieldError{Pointer: pointer, Detail: "no value driver " + e.ValueDriverID + " in this workspace"})
		case !slices.Contains(i.TouchpointIDs, tp):
			fields = append(fields, domain.FieldError{Pointer: pointer, Detail: "the driver is at touchpoint " + tp +
				", which the idea does not target; add the touchpoint to touchpoint_ids or pick a driver at one it targets"})
		}
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	return nil
}

var _ domain.IdeaStore = (*Store)(nil)
