package repository

import (
	"context"
	"slices"
	"strings"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Customer feedback (issue 18): verbatims at a touchpoint, stemmed in
// their own language by the generated tsv column for full-text search.

type feedbackRow struct {
	ID           string
	WorkspaceID  string
	TouchpointID string
	Source       string
	Text         string
	Score        *float64
	ScoreMin     *float64
	ScoreMax     *float64
	ReceivedAt   time.Time
	CustomerRef  string
	Language     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

func (feedbackRow) TableName() string { return "feedback" }

// feedbackHit is a row of a search, with its rank.
type feedbackHit struct {
	Row        feedbackRow `gorm:"embedded"`
	SearchRank float64
}

// feedbackColumns are the columns a feedbackRow is read from: the language
// as its name (a regconfig is an OID underneath).
const feedbackColumns = `feedback.id, feedback.workspace_id, feedback.touchpoint_id, feedback.source, feedback.text,
	feedback.score, feedback.score_min, feedback.score_max, feedback.received_at, feedback.customer_ref,
	feedback.language::text AS language, feedback.created_at, feedback.updated_at, feedback.version`

func (r feedbackRow) domain() domain.Feedback {
	return domain.Feedback{ID: r.ID, WorkspaceID: r.WorkspaceID, TouchpointID: r.TouchpointID, Source: domain.FeedbackSource(r.Source),
		Text: r.Text, Score: r.Score, ScoreMin: r.ScoreMin, ScoreMax: r.ScoreMax, ReceivedAt: r.ReceivedAt.UTC(),
		CustomerRef: r.CustomerRef, Language: r.Language, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
}

// feedbackChunk is how many items one multi-row INSERT writes: 14 columns
// each, well under PostgreSQL's 65,535 parameters.
const feedbackChunk = 1000

// insertFeedback writes items (their ids and times set) with multi-row
// INSERTs. The language is cast to regconfig explicitly rather than left
// to the driver, which does not know the type.
func (s *Store) insertFeedback(ctx context.Context, items []domain.Feedback) error {
	const cols = `INSERT INTO feedback (id, workspace_id, touchpoint_id, source, text, score, score_min, score_max,
		received_at, customer_ref, language, created_at, updated_at, version) VALUES `
	const one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::regconfig, ?, ?, ?)"
	for from := 0; from < len(items); from += feedbackChunk {
		chunk := items[from:min(from+feedbackChunk, len(items))]
		var sql strings.Builder
		sql.WriteString(cols)
		args := make([]any, 0, 14*len(chunk))
		for n := range chunk {
			f := &chunk[n]
			if n > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString(one)
			args = append(args, f.ID, f.WorkspaceID, f.TouchpointID, string(f.Source), f.Text, f.Score, f.ScoreMin, f.ScoreMax,
				f.ReceivedAt, f.CustomerRef, f.Language, f.CreatedAt, f.UpdatedAt, f.Version)
		}
		if err := s.conn(ctx).Exec(sql.String(), args...).Error; err != nil {
			return translate(err)
		}
	}
	return nil
}

// holdFeedbackTouchpoints checks that every item's touchpoint is one of the
// workspace's and locks them against deletion until the transaction ends
// (FOR KEY SHARE, as the foreign key would). The first item naming another
// is EInvalid naming /touchpoint_id, with Line its 1-based position when
// positions is set (an import's items, not one sent alone).
func (s *Store) holdFeedbackTouchpoints(ctx context.Context, ws string, items []domain.Feedback, positions bool) error {
	var ids []string
	seen := map[string]bool{}
	for _, f := range items {
		if domain.IsID(f.TouchpointID) && !seen[f.TouchpointID] {
			seen[f.TouchpointID] = true
			ids = append(ids, f.TouchpointID)
		}
	}
	var found []string
	if len(ids) > 0 {
		// The ids are UUIDs, so a comma-joined list is safe to split: one
		// parameter however many there are.
		err := s.conn(ctx).Raw(`SELECT id::text FROM touchpoints
			WHERE workspace_id = ? AND id = ANY (string_to_array(?, ',')::uuid[]) ORDER BY id FOR KEY SHARE`,
			ws, strings.Join(ids, ",")).Scan(&found).Error
		if err != nil {
			return translate(err)
		}
	}
	for n, f := range items {
		if !slices.Contains(found, f.TouchpointID) {
			line := 0
			if positions {
				line = n + 1
			}
			return domain.Invalid(domain.FieldError{Pointer: "/touchpoint_id", Line: line, Detail: "no such touchpoint in this workspace"})
		}
	}
	return nil
}

// stamp gives new items their ids, times and first version.
func (s *Store) stampFeedback(items []domain.Feedback) {
	at := s.now()
	for n := range items {
		f := &items[n]
		f.ID = domain.NewID()
		f.ReceivedAt = f.ReceivedAt.UTC().Truncate(time.Microsecond)
		f.CreatedAt, f.UpdatedAt, f.Version = at, at, 1
	}
}

// CreateFeedback implements domain.FeedbackStore: a touchpoint that is not
// the workspace's is EInvalid naming /touchpoint_id.
func (s *Store) CreateFeedback(ctx context.Context, f *domain.Feedback) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		items := []domain.Feedback{*f}
		if err := s.holdFeedbackTouchpoints(ctx, f.WorkspaceID, items, false); err != nil {
			return err
		}
		s.stampFeedback(items)
		if err := s.insertFeedback(ctx, items); err != nil {
			return err
		}
		*f = items[0]
		return nil
	})
}

// ImportFeedback implements domain.FeedbackStore: every item or none, in
// one transaction (or in the caller's, which a large import spreads over
// several calls), with multi-row INSERTs. A touchpoint that is not the
// workspace's is EInvalid naming /touchpoint_id with the item's 1-based
// position as its Line; more than domain.MaxFeedbackImport items are
// ETooLarge.
func (s *Store) ImportFeedback(ctx context.Context, workspaceID string, items []domain.Feedback) (int, error) {
	if len(items) > domain.MaxFeedbackImport {
		return 0, domain.Errorf(domain.ETooLarge, "an import holds at most %d feedback items; split it", domain.MaxFeedbackImport)
	}
	for n := range items {
		if items[n].WorkspaceID != workspaceID {
			return 0, domain.Errorf(domain.EInternal, "feedback of another workspace in an import")
		}
	}
	if len(items) == 0 {
		return 0, nil
	}
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.holdFeedbackTouchpoints(ctx, workspaceID, items, true); err != nil {
			return err
		}
		s.stampFeedback(items)
		return s.insertFeedback(ctx, items)
	})
	if err != nil {
		return 0, err
	}
	return len(items), nil
}

// GetFeedback implements domain.FeedbackStore.
func (s *Store) GetFeedback(ctx context.Context, workspaceID, id string) (*domain.Feedback, error) {
	return s.loadFeedback(ctx, workspaceID, id, false)
}

func (s *Store) loadFeedback(ctx context.Context, workspaceID, id string, forUpdate bool) (*domain.Feedback, error) {
	var row feedbackRow
	q := s.conn(ctx).Select(feedbackColumns).Where("workspace_id = ? AND id = ?", workspaceID, id)
	if forUpdate {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "feedback item", id)
	}
	f := row.domain()
	return &f, nil
}

// feedbackQuery is the workspace's feedback narrowed by every filter of f
// but its search.
func (s *Store) feedbackQuery(ctx context.Context, workspaceID string, f domain.FeedbackFilter) *gorm.DB {
	q := s.conn(ctx).Model(&feedbackRow{}).Where("feedback.workspace_id = ?", workspaceID)
	q = anyOf(q, "feedback.touchpoint_id", f.TouchpointIDs)
	q = anyOf(q, "feedback.source", f.Sources)
	if f.From != nil {
		q = q.Where("feedback.received_at >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("feedback.received_at <= ?", *f.To)
	}
	return q
}

// tsQuery is the websearch_to_tsquery expression of f's search and its
// arguments: the language goes in as a parameter cast to regconfig, never
// into the SQL text.
func tsQuery(f domain.FeedbackFilter) (string, []any, error) {
	lang := f.Language
	if lang == "" {
		lang = domain.DefaultTextLanguage
	}
	if !slices.Contains(domain.TextLanguages, lang) {
		return "", nil, &domain.Error{Code: domain.EMalformed, Message: "the query has invalid parameters",
			Fields: []domain.FieldError{{Parameter: "language", Detail: "must be one of " + strings.Join(domain.TextLanguages, ", ")}}}
	}
	return "websearch_to_tsquery(?::regconfig, ?)", []any{lang, f.Query}, nil
}

// SearchFeedback implements domain.FeedbackStore: newest received first
// (received_at, then id, both descending), paged by keyset; the cursor's
// CreatedAt holds the last item's received_at. With f.Query only the items
// whose text matches it (websearch syntax, stemmed in f.Language) are
// listed, with each item's rank (ts_rank_cd of its text for the query; ranks are
// parallel to the items, nil without a query), and ordering by relevance
// when byRelevance is set: rank, then received_at, then id, all
// descending. A relevance page starts after page.After with rank
// afterRank, the last item of the previous page: keyset paging that no
// insertion or deletion shifts (an item whose text changes between pages
// moves with its new rank).
func (s *Store) SearchFeedback(ctx context.Context, workspaceID string, f domain.FeedbackFilter, byRelevance bool, page domain.Page,
	afterRank float64) ([]domain.Feedback, []float64, *domain.Cursor, error) {
	if byRelevance && f.Query == "" {
		return nil, nil, nil, &domain.Error{Code: domain.EMalformed, Message: "the query has invalid parameters",
			Fields: []domain.FieldError{{Parameter: "sort", Detail: "relevance needs a search (q)"}}}
	}
	q := s.feedbackQuery(ctx, workspaceID, f)
	limit := pageLimit(page.Limit)
	var rows []feedbackHit
	if f.Query == "" {
		if page.After != nil {
			q = q.Where("(feedback.received_at, feedback.id) < (?, ?)", page.After.CreatedAt, page.After.ID)
		}
		err := q.Select(feedbackColumns).Order("feedback.received_at DESC, feedback.id DESC").Limit(limit + 1).Scan(&rows).Error
		if err != nil {
			return nil, nil, nil, translate(err)
		}
	} else {
		tsq, args, err := tsQuery(f)
		if err != nil {
			return nil, nil, nil, err
		}
		rank := "ts_rank_cd(feedback.tsv, " + tsq + ")"
		q = q.Where("feedback.tsv @@ "+tsq, args...)
		order := "feedback.received_at DESC, feedback.id DESC"
		switch {
		case byRelevance:
			order = "search_rank DESC, " + order
			if page.After != nil {
				q = q.Where("("+rank+", feedback.received_at, feedback.id) < (?::float8, ?, ?)",
					append(slices.Clone(args), afterRank, page.After.CreatedAt, page.After.ID)...)
			}
		case page.After != nil:
			q = q.Where("(feedback.received_at, feedback.id) < (?, ?)", page.After.CreatedAt, page.After.ID)
		}
		err = q.Select(feedbackColumns+", "+rank+"::float8 AS search_rank", args...).Order(order).Limit(limit + 1).Scan(&rows).Error
		if err != nil {
			return nil, nil, nil, translate(err)
		}
	}
	var next *domain.Cursor
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1].Row
		next = &domain.Cursor{CreatedAt: last.ReceivedAt.UTC(), ID: last.ID}
	}
	items := make([]domain.Feedback, len(rows))
	var ranks []float64
	if f.Query != "" {
		ranks = make([]float64, len(rows))
	}
	for n, r := range rows {
		items[n] = r.Row.domain()
		if ranks != nil {
			ranks[n] = r.SearchRank
		}
	}
	return items, ranks, next, nil
}

// UpdateFeedback implements domain.FeedbackStore: change edits the item
// read for update; a touchpoint that is not the workspace's is EInvalid
// naming /touchpoint_id. The tsv follows the text and language by itself.
func (s *Store) UpdateFeedback(ctx context.Context, workspaceID, id string, version int, change func(*domain.Feedback) error) (*domain.Feedback, error) {
	load := func(ctx context.Context) (*domain.Feedback, error) { return s.loadFeedback(ctx, workspaceID, id, true) }
	rev := func(f *domain.Feedback) (*int, *time.Time) { return &f.Version, &f.UpdatedAt }
	return updateVersioned(ctx, s, version, load, rev, change, func(ctx context.Context, f *domain.Feedback) error {
		if err := s.holdFeedbackTouchpoints(ctx, workspaceID, []domain.Feedback{*f}, false); err != nil {
			return err
		}
		f.ReceivedAt = f.ReceivedAt.UTC().Truncate(time.Microsecond)
		return translate(s.conn(ctx).Model(&feedbackRow{}).Where("id = ?", id).Updates(map[string]any{
			"touchpoint_id": f.TouchpointID, "source": string(f.Source), "text": f.Text,
			"score": f.Score, "score_min": f.ScoreMin, "score_max": f.ScoreMax, "received_at": f.ReceivedAt,
			"customer_ref": f.CustomerRef, "language": gorm.Expr("?::regconfig", f.Language),
			"updated_at": f.UpdatedAt, "version": f.Version,
		}).Error)
	})
}

// DeleteFeedback implements domain.FeedbackStore. Ideas that cite the item
// as evidence lose it (idea_feedback cascades): a verbatim is the
// customer's words, not the idea's.
func (s *Store) DeleteFeedback(ctx context.Context, workspaceID, id string, version int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		f, err := s.loadFeedback(ctx, workspaceID, id, true)
		if err != nil {
			return err
		}
		if err := checkVersion(f.Version, version); err != nil {
			return err
		}
		return translate(s.conn(ctx).Where("id = ?", id).Delete(&feedbackRow{}).Error)
	})
}

var _ domain.FeedbackStore = (*Store)(nil)
