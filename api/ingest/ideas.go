package ingest

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"cxbacklog/domain"
)

// ideaColumns are the columns of an idea import: what an idea needs, then
// what it may have.
var ideaColumns = &columns{names: []string{"title", "impact", "experience", "effort", "touchpoints",
	"problem", "proposal", "confidence", "owner", "tags", "source"}, required: 5}

// Positions in ideaColumns.names.
const (
	icTitle = iota
	icImpact
	icExperience
	icEffort
	icTouchpoints
	icProblem
	icProposal
	icConfidence
	icOwner
	icTags
	icSource
)

// listSeparator separates the tags and the touchpoints within one cell.
const listSeparator = ";"

// IdeaRows are the ideas of an import, in the order of their rows.
type IdeaRows struct {
	Ideas []domain.Idea
	Lines []int // the physical line of each idea's row
}

// Ideas reads a CSV import of ideas into workspace workspaceID: a header
// naming the columns title, impact, experience, effort and touchpoints, and
// any of problem, proposal, confidence, owner, tags and source, in any order
// and case; then one idea per row. Tags and touchpoints hold several values
// separated by ";"; a touchpoint is its id or its "Journey / Touchpoint"
// label, looked up in touchpoints. An empty confidence is
// domain.DefaultConfidence; every idea starts as new.
//
// It reads the whole body and validates every idea with Idea.Validate, the
// one judge of an idea's values. The first bad row is an EInvalid
// *domain.Error whose FieldErrors name its physical line and the column at
// fault (/impact, /tags, /touchpoints ...); more than
// domain.MaxIdeaImportRows rows are ETooLarge; a failure to read the body
// is the body's own *domain.Error or EMalformed.
func Ideas(body io.Reader, workspaceID string, touchpoints *domain.TouchpointIndex) (*IdeaRows, error) {
	t := newTable(body, ideaColumns)
	err := t.header()
	out := &IdeaRows{}
	for err == nil {
		var rec []string
		var line int
		if rec, line, err = t.next(); err != nil {
			break
		}
		if len(out.Ideas) == domain.MaxIdeaImportRows {
			return nil, domain.Errorf(domain.ETooLarge, "an import holds at most %d rows; split it", domain.MaxIdeaImportRows)
		}
		i, err := ideaOf(rec, t.index, line, workspaceID, touchpoints)
		if err != nil {
			return nil, err
		}
		out.Ideas = append(out.Ideas, *i)
		out.Lines = append(out.Lines, line)
	}
	if err != io.EOF {
		return nil, err
	}
	if len(out.Ideas) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "the import holds no rows")
	}
	return out, nil
}

// Locate rewrites err, which the store returned for these ideas, into the
// error of a row: a field error whose Line is a 1-based position in
// r.Ideas (as domain.IdeaBatchStore reports one) gets the physical line of
// that idea's row, and the column at fault as its pointer. It returns err.
func (r *IdeaRows) Locate(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	for k, f := range de.Fields {
		if f.Line >= 1 && f.Line <= len(r.Lines) {
			de.Fields[k] = ideaFieldError(r.Lines[f.Line-1], f)
		}
	}
	if len(de.Fields) > 0 && de.Fields[0].Line > 0 {
		de.Message = "line " + strconv.Itoa(de.Fields[0].Line) + ": " + de.Fields[0].Detail
	}
	return err
}

// ideaOf turns the record on line into a validated idea, or names what is
// wrong with it.
func ideaOf(rec []string, index []int, line int, ws string, touchpoints *domain.TouchpointIndex) (*domain.Idea, error) {
	cell := func(c int) string {
		if n := index[c]; n >= 0 {
			return strings.TrimSpace(rec[n])
		}
		return ""
	}
	for c, name := range ideaColumns.names {
		if s := cell(c); !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return nil, rowError(line, name, "must be UTF-8 text without the character U+0000")
		}
	}
	i := &domain.Idea{WorkspaceID: ws, Title: cell(icTitle), Problem: cell(icProblem), Proposal: cell(icProposal),
		Confidence: domain.DefaultConfidence, Owner: cell(icOwner), Tags: splitList(cell(icTags)),
		Source: domain.IdeaSource(cell(icSource)), Status: domain.StatusNew, TouchpointIDs: []string{}}
	for _, s := range []struct {
		col int
		dst *int
	}{{icImpact, &i.Impact}, {icExperience, &i.Experience}, {icEffort, &i.Effort}} {
		if v := cell(s.col); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, rowError(line, ideaColumns.names[s.col], "must be a whole number from 1 to 5")
			}
			*s.dst = n
		}
	}
	if v := cell(icConfidence); v != "" {
		x, ok := parseDecimal(v)
		if !ok {
			return nil, rowError(line, "confidence", "must be a number from 0 to 1")
		}
		i.Confidence = x
	}
	for n, ref := range splitList(cell(icTouchpoints)) {
		id, reason := touchpoints.Find(ref)
		if reason != "" {
			return nil, rowError(line, "touchpoints", "touchpoint "+strconv.Itoa(n+1)+": "+reason)
		}
		i.TouchpointIDs = append(i.TouchpointIDs, id)
	}
	if err := i.Validate(); err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || len(de.Fields) == 0 {
			return nil, err
		}
		fields := make([]domain.FieldError, len(de.Fields))
		for n, f := range de.Fields {
			fields[n] = ideaFieldError(line, f)
		}
		return nil, &domain.Error{Code: domain.EInvalid, Message: "line " + strconv.Itoa(line) + ": " + fields[0].Detail, Fields: fields}
	}
	return i, nil
}

// ideaFieldError names, on line, the column of an idea's field error: the
// idea's /touchpoint_ids/N and /tags/N are items of the touchpoints and
// tags columns.
func ideaFieldError(line int, f domain.FieldError) domain.FieldError {
	pointer, detail := f.Pointer, f.Detail
	for _, l := range []struct{ field, column, noun string }{
		{"/touchpoint_ids", "/touchpoints", "touchpoint"}, {"/tags", "/tags", "tag"},
	} {
		rest, ok := strings.CutPrefix(pointer, l.field)
		if !ok || (rest != "" && rest[0] != '/') {
			continue
		}
		pointer = l.column
		if n, err := strconv.Atoi(strings.TrimPrefix(rest, "/")); err == nil {
			detail = l.noun + " " + strconv.Itoa(n+1) + ": " + detail
		}
	}
	return domain.FieldError{Pointer: pointer, Line: line, Detail: detail}
}

// splitList splits a cell of several values at listSeparator, trimmed,
// without empty ones (a trailing separator is no value).
func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, listSeparator) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
