// Package csvout writes the CSV downloads of the API and of the web
// workspace: one rule that keeps a cell from being read as a formula, one
// way to write numbers and times, and one row layout per download, so the
// backlog downloaded from either is the same file. It knows nothing of
// HTTP: rows go to an io.Writer, and the caller says what to do after each
// page (flush it to the client).
package csvout

import (
	"context"
	"encoding/csv"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"
)

// MediaType is the Content-Type of a download.
const MediaType = "text/csv; charset=utf-8"

// Safe keeps a cell that a spreadsheet would run as a formula (starting with
// =, +, -, @, a tab or a carriage return) as text, by putting an apostrophe
// before it. Every cell a person wrote goes through it; numbers do not (a
// negative number stays a number).
func Safe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Number writes x as encoding/json does: the shortest decimal that reads
// back as x, in exponent form only below 1e-6 or from 1e21 up; NaN and
// infinities (which JSON cannot hold) as an empty cell.
func Number(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	format := byte('f')
	if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	s := strconv.FormatFloat(x, format, -1, 64)
	if format == 'e' { // 1e-07 → 1e-7, as JSON writes it
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
	}
	return s
}

// OptionalNumber is Number of *x, an empty cell for nil (JSON's null).
func OptionalNumber(x *float64) string {
	if x == nil {
		return ""
	}
	return Number(*x)
}

// Time writes t as the JSON bodies do: RFC 3339 in UTC.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// IdeaColumns are the columns of the backlog download, in order. rank is
// the row's place in the download's order; touchpoints are the
// "Journey / Touchpoint" labels of the idea's touchpoints and touchpoint_ids
// their ids, in the same order, separated by "; " as tags are; why is why
// the idea ranks where it does, in words; the money columns are empty for an
// idea without a business case (or, for realised_annual_value, before a pilot
// got it adopted), in the workspace's currency.
var IdeaColumns = []string{"rank", "title", "status", "priority", "value", "quadrant", "impact", "experience",
	"effort", "confidence", "owner", "tags", "touchpoints", "touchpoint_ids", "why", "source", "problem", "proposal",
	"one_off_cost", "annual_running_cost", "expected_annual_value", "expected_net_annual_value", "realised_annual_value",
	"created_at", "updated_at", "id"}

// listSeparator joins the values of one cell (tags, touchpoints).
const listSeparator = "; "

// ideaRow is the row of idea i at rank, its touchpoints named by labels.
func ideaRow(rank int, i *domain.Idea, labels map[string]string) []string {
	names := make([]string, len(i.TouchpointIDs))
	for n, id := range i.TouchpointIDs {
		names[n] = labels[id]
	}
	return []string{strconv.Itoa(rank), Safe(i.Title), string(i.Status), Number(i.Score.Priority), Number(i.Score.Value),
		string(i.Score.Quadrant), strconv.Itoa(i.Impact), strconv.Itoa(i.Experience), strconv.Itoa(i.Effort),
		Number(i.Confidence), Safe(i.Owner), Safe(strings.Join(i.Tags, listSeparator)), Safe(strings.Join(names, listSeparator)),
		strings.Join(i.TouchpointIDs, listSeparator), i.WhyRanked(), string(i.Source), Safe(i.Problem), Safe(i.Proposal),
		OptionalNumber(i.Money.OneOffCost), OptionalNumber(i.Money.AnnualRunningCost), caseNumber(i, expectedValue),
		caseNumber(i, netValue), realisedValue(i), Time(i.CreatedAt), Time(i.UpdatedAt), i.ID}
}

func expectedValue(c *domain.BusinessCase) float64 { return c.ExpectedAnnualValue }
func netValue(c *domain.BusinessCase) float64      { return c.ExpectedNetAnnualValue }

// caseNumber is one figure of the idea's business case, empty without one.
func caseNumber(i *domain.Idea, figure func(*domain.BusinessCase) float64) string {
	if i.BusinessCase == nil {
		return ""
	}
	return Number(figure(i.BusinessCase))
}

func realisedValue(i *domain.Idea) string {
	if i.Realised == nil {
		return ""
	}
	return Number(i.Realised.AnnualValue)
}

// IdeaStore is what the backlog download reads.
type IdeaStore interface {
	ListIdeas(ctx context.Context, workspaceID string, f domain.IdeaFilter, after *domain.IdeaCursor, limit int) ([]domain.Idea, *domain.IdeaCursor, error)
	ListTouchpoints(ctx context.Context, workspaceID string, f domain.TouchpointFilter, page domain.Page) ([]domain.Touchpoint, *domain.Cursor, error)
	GetJourney(ctx context.Context, workspaceID, id string) (*domain.Journey, error)
}

// PageSize is how many ideas the backlog download reads at a time: each
// page is one keyset query, written and handed to AfterPage before the next
// is read, so the memory a download takes does not grow with its rows.
const PageSize = 1000

// Options tune a backlog download.
type Options struct {
	MaxRows int // stop after this many rows; 0: every matching idea
	// AfterPage runs after each page is written to w (and once after the
	// header): to flush it to the client. An error stops the download.
	AfterPage func() error
}

// Ideas writes the ideas of workspace ws that f selects, in f's order, to w
// as CSV: a header of IdeaColumns, then one row per idea. It reads them a
// page at a time with the keyset cursor and returns how many rows it
// wrote. Once it has written, an error leaves w with a partial download.
func Ideas(ctx context.Context, w io.Writer, store IdeaStore, ws string, f domain.IdeaFilter, opt Options) (int, error) {
	out := csv.NewWriter(w)
	page := func() error {
		out.Flush()
		if err := out.Error(); err != nil {
			return err
		}
		if opt.AfterPage != nil {
			return opt.AfterPage()
		}
		return nil
	}
	_ = out.Write(IdeaColumns) // errors stick to out and come back from Error
	if err := page(); err != nil {
		return 0, err
	}
	names := &labels{store: store, ws: ws, tps: map[string]string{}, journeys: map[string]string{}}
	rows := 0
	var after *domain.IdeaCursor
	for opt.MaxRows <= 0 || rows < opt.MaxRows {
		limit := PageSize
		if opt.MaxRows > 0 {
			limit = min(limit, opt.MaxRows-rows)
		}
		ideas, next, err := store.ListIdeas(ctx, ws, f, after, limit)
		if err != nil {
			return rows, err
		}
		if err := names.load(ctx, ideas); err != nil {
			return rows, err
		}
		for n := range ideas {
			rows++
			_ = out.Write(ideaRow(rows, &ideas[n], names.tps))
		}
		if err := page(); err != nil {
			return rows, err
		}
		if next == nil {
			break
		}
		after = next
	}
	return rows, nil
}

// labels are the "Journey / Touchpoint" labels of the touchpoints met so
// far, read as the pages need them: at most one read of touchpoints per
// page, and each journey once. They grow with the workspace's touchpoints,
// not with the rows.
type labels struct {
	store    IdeaStore
	ws       string
	tps      map[string]string // touchpoint id → label
	journeys map[string]string // journey id → name
}

// load reads the labels of the ideas' touchpoints not met yet. A
// touchpoint deleted meanwhile is labelled with its id.
func (l *labels) load(ctx context.Context, ideas []domain.Idea) error {
	var missing []string
	for _, i := range ideas {
		for _, id := range i.TouchpointIDs {
			if _, ok := l.tps[id]; !ok {
				l.tps[id] = id // until read; also marks it as asked for
				missing = append(missing, id)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	tps, _, err := l.store.ListTouchpoints(ctx, l.ws, domain.TouchpointFilter{IDs: missing}, domain.Page{Limit: len(missing)})
	if err != nil {
		return err
	}
	for _, t := range tps {
		journey, ok := l.journeys[t.JourneyID]
		if !ok {
			j, err := l.store.GetJourney(ctx, l.ws, t.JourneyID)
			switch {
			case err == nil:
				journey = j.Name
			case domain.ErrorCodeOf(err) != domain.ENotFound:
				return err
			}
			l.journeys[t.JourneyID] = journey
		}
		l.tps[t.ID] = domain.TouchpointLabel(journey, t.Name)
	}
	return nil
}
