package repository

import (
	"context"
	"time"

	"cxbacklog/domain"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// searchSettingsRow is a workspace's search language (migration 00017); a
// workspace without one searches in domain.DefaultSearchLanguage.
type searchSettingsRow struct {
	WorkspaceID string
	Language    string `gorm:"->"` // a regconfig: read as text, written by UpdateSearchSettings
	UpdatedAt   time.Time
	Version     int
}

func (searchSettingsRow) TableName() string { return "search_settings" }

// searchSettingsColumns read the language by its name (a regconfig is an
// OID underneath).
const searchSettingsColumns = "workspace_id, language::text AS language, updated_at, version"

// GetSearchSettings implements domain.IdeaStore.
func (s *Store) GetSearchSettings(ctx context.Context, workspaceID string) (domain.SearchSettings, int, error) {
	var rows []searchSettingsRow
	if err := s.conn(ctx).Select(searchSettingsColumns).Where("workspace_id = ?", workspaceID).Limit(1).Find(&rows).Error; err != nil {
		return domain.SearchSettings{}, 0, translate(err)
	}
	if len(rows) == 0 {
		return domain.DefaultSearchSettings(), 1, nil
	}
	return domain.SearchSettings{Language: rows[0].Language}, rows[0].Version, nil
}

// UpdateSearchSettings implements domain.IdeaStore. Each idea is stemmed in
// its search_config, which a new idea copies from the settings (a trigger),
// so a change of language rewrites search_config of every idea of the
// workspace whose language differs, and PostgreSQL re-derives their
// tsvectors and index entries: a statement as costly as updating every such
// idea.
func (s *Store) UpdateSearchSettings(ctx context.Context, workspaceID string, version int, set domain.SearchSettings) (int, error) {
	newVersion := 0
	err := s.InTx(ctx, func(ctx context.Context) error {
		// Idea writes take the scoring row shared before anything else, so
		// taking it exclusively first waits for them and keeps new ones out
		// until every idea is stemmed in the new language.
		if _, err := s.lockScoring(ctx, workspaceID, true); err != nil {
			return err
		}
		// The first change creates the row at version 1; a concurrent one
		// waits for it, then does nothing. Either way the row is then locked.
		err := s.conn(ctx).Exec(`INSERT INTO search_settings (workspace_id, language, updated_at, version)
			VALUES (?, ?::regconfig, ?, 1) ON CONFLICT (workspace_id) DO NOTHING`, workspaceID, domain.DefaultSearchLanguage, s.now()).Error
		if err != nil {
			return translate(err)
		}
		var row searchSettingsRow
		err = s.conn(ctx).Select(searchSettingsColumns).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("workspace_id = ?", workspaceID).Take(&row).Error
		if err != nil {
			return translate(err)
		}
		if err := checkVersion(row.Version, version); err != nil {
			return err
		}
		newVersion = row.Version + 1
		err = s.conn(ctx).Exec(`UPDATE search_settings SET language = ?::regconfig, updated_at = ?, version = ? WHERE workspace_id = ?`,
			set.Language, s.now(), newVersion, workspaceID).Error
		if err != nil {
			return translate(err)
		}
		err = s.conn(ctx).Exec(`UPDATE ideas SET search_config = ?::regconfig WHERE workspace_id = ? AND search_config <> ?::regconfig`,
			set.Language, workspaceID, set.Language).Error
		return translate(err)
	})
	return newVersion, err
}

// tsMatch is a words search of ideas: the text of its tsquery, computed
// first and sent as a parameter, so that the planner sees a constant and
// estimates its matches from the statistics of ideas.search. Computed in
// the statement (from the workspace's settings, a stable expression), it
// got the default estimate of 0.5% of the backlog and walked the ranked
// index for a word in 0.05% of 1,000,000 ideas (p50 669 ms in make bench).
type tsMatch string

// wordsMatch is the words search q in the workspace's language (see
// domain.MatchWords), its last word a prefix as domain.PrefixLastWord says.
func (s *Store) wordsMatch(ctx context.Context, workspaceID, q string) (tsMatch, error) {
	var query string
	err := s.conn(ctx).Raw(`SELECT idea_search_query(coalesce((SELECT language FROM search_settings WHERE workspace_id = ?), ?::regconfig), ?, ?)::text`,
		workspaceID, domain.DefaultSearchLanguage, q, domain.PrefixLastWord(q)).Scan(&query).Error
	return tsMatch(query), translate(err)
}

// filter keeps the ideas that match.
func (m tsMatch) filter(q *gorm.DB) *gorm.DB {
	return q.Where("ideas.search @@ ?::tsquery", string(m))
}

// substringMatch keeps the ideas whose title, problem or proposal holds q,
// ignoring case (domain.MatchSubstring).
func substringMatch(q string) func(*gorm.DB) *gorm.DB {
	pattern := "%" + likeEscaper.Replace(q) + "%"
	return func(db *gorm.DB) *gorm.DB {
		return db.Where("(ideas.title ILIKE ? OR ideas.problem ILIKE ? OR ideas.proposal ILIKE ?)", pattern, pattern, pattern)
	}
}

// searchByRelevance returns the first n ideas of rows that match m, best
// first (domain.SortRelevance), after the cursor, and each one's rank. The
// matches come from ideas_search_idx; each is ranked and the best n kept,
// so the cost grows with the number of matches, not with the backlog. The
// cursor carries the last rank shown (a float4 that float8 holds exactly),
// so paging is exact keyset paging: no insertion or deletion shifts it; an
// idea whose text changes between pages moves with its new rank.
func (s *Store) searchByRelevance(ctx context.Context, m tsMatch, rows func(*gorm.DB) *gorm.DB, after *domain.IdeaCursor, n int) ([]domain.Idea, []float64, error) {
	db := s.conn(ctx)
	ranked := m.filter(rows(db).Select("ideas.*, ts_rank_cd(ideas.search, ?::tsquery)::float8 AS search_rank", string(m)))
	q := db.Table("(?) AS ideas", ranked)
	if after != nil {
		q = q.Where("(-ideas.search_rank, -ideas.priority, ideas.id) > (?::float8, ?::float8, ?)", -after.Rank, -after.Priority, after.ID)
	}
	res, err := q.Model(&ideaRow{}).Select(ideaColumns + ", ideas.search_rank").
		Order("ideas.search_rank DESC, ideas.priority DESC, ideas.id").Limit(n).Rows()
	if err != nil {
		return nil, nil, translate(err)
	}
	ranks := make([]float64, 0, n)
	ideas, err := scanIdeaRows(res, func() any {
		ranks = append(ranks, 0)
		return &ranks[len(ranks)-1]
	})
	return ideas, ranks, err
}
