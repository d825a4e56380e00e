package ingest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"cxbacklog/domain"
)

func ideaIndex() *domain.TouchpointIndex {
	x := domain.NewTouchpointIndex()
	x.Add(tp1, "Support", "Phone queue")
	x.Add(tp2, "Support", "Chat")
	return x
}

func TestIdeasReadsRows(t *testing.T) {
	body := "Touchpoints,Title,Impact,Experience,Effort,Tags,Confidence,Source\n" +
		"Support / Chat;" + tp1 + ",Headsets,4,5,2,a; b ;,0.8,employee\n" +
		"\n" +
		"support/phone queue,\"Callback, later\",3,3,1,,,\n"
	rows, err := Ideas(strings.NewReader(body), "ws", ideaIndex())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.Ideas) != 2 || !slices.Equal(rows.Lines, []int{2, 4}) {
		t.Fatalf("%d ideas on lines %v", len(rows.Ideas), rows.Lines)
	}
	h, c := rows.Ideas[0], rows.Ideas[1]
	if h.Title != "Headsets" || h.Impact != 4 || h.Experience != 5 || h.Effort != 2 || h.Confidence != 0.8 ||
		h.Source != domain.SourceEmployee || !slices.Equal(h.Tags, []string{"a", "b"}) ||
		!slices.Equal(h.TouchpointIDs, []string{tp2, tp1}) || h.Status != domain.StatusNew || h.WorkspaceID != "ws" {
		t.Errorf("first idea: %+v", h)
	}
	if c.Title != "Callback, later" || c.Confidence != domain.DefaultConfidence || len(c.Tags) != 0 || c.Tags == nil ||
		!slices.Equal(c.TouchpointIDs, []string{tp1}) {
		t.Errorf("second idea: %+v", c)
	}
}

// A store's refusal of the n-th idea becomes the refusal of its row.
func TestIdeaRowsLocate(t *testing.T) {
	rows := &IdeaRows{Lines: []int{2, 5, 9}}
	for _, tc := range []struct {
		in            domain.FieldError
		line          int
		pointer, text string
	}{
		{domain.FieldError{Pointer: "/touchpoint_ids/1", Line: 2, Detail: "no touchpoint x"}, 5, "/touchpoints", "touchpoint 2: no touchpoint x"},
		{domain.FieldError{Pointer: "/tags/0", Line: 3, Detail: "too long"}, 9, "/tags", "tag 1: too long"},
		{domain.FieldError{Pointer: "/title", Line: 1, Detail: "taken"}, 2, "/title", "taken"},
		{domain.FieldError{Pointer: "/title", Line: 0, Detail: "no line"}, 0, "/title", "no line"},
	} {
		err := rows.Locate(domain.Invalid(tc.in))
		var de *domain.Error
		if !errors.As(err, &de) || de.Fields[0].Line != tc.line || de.Fields[0].Pointer != tc.pointer || de.Fields[0].Detail != tc.text {
			t.Errorf("Locate(%+v) = %+v", tc.in, de.Fields)
		}
		if tc.line > 0 && !strings.HasPrefix(de.Message, "line ") {
			t.Errorf("message %q does not name the line", de.Message)
		}
	}
}
