package ingest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"cxbacklog/domain"
)

const (
	reasonWhere = "20000000-0000-4000-8000-000000000001"
	reasonHold  = "20000000-0000-4000-8000-000000000002"
)

var reasonNames = map[string]string{"where is my invoice?": reasonWhere, "on hold, too long": reasonHold}

func TestContactVolumes(t *testing.T) {
	body := "\xef\xbb\xbf Contacts ,REASON,period_start,period_end,resolved_first_contact,channel\r\n" +
		"\r\n" +
		"120, Where Is My Invoice? ,2026-10-01,2026-10-31,80,\r\n" +
		"40,\"On hold, too long\",2026-10-01,2026-10-01, 40 ,phone\n"
	got, err := ContactVolumes(strings.NewReader(body), "ws", reasonNames)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.ContactVolume{
		{WorkspaceID: "ws", ReasonID: reasonWhere, PeriodStart: date("2026-10-01"), PeriodEnd: date("2026-10-31"), Contacts: 120, ResolvedFirstContact: 80},
		{WorkspaceID: "ws", ReasonID: reasonHold, PeriodStart: date("2026-10-01"), PeriodEnd: date("2026-10-01"), Channel: domain.ChannelPhone,
			Contacts: 40, ResolvedFirstContact: 40},
	}
	if !slices.Equal(got.Items, want) || !slices.Equal(got.lines, []int{3, 4}) {
		t.Fatalf("got %+v on lines %v", got.Items, got.lines)
	}

	// The store names a record by its position; Locate makes it the line.
	err = got.Locate(&domain.Error{Code: domain.EConflict, Message: "taken", Fields: []domain.FieldError{{Pointer: "/period_start", Line: 2}}})
	var de *domain.Error
	if !errors.As(err, &de) || de.Fields[0].Line != 4 || de.Message != "line 4: taken" {
		t.Fatalf("located %+v", err)
	}
}

func TestContactVolumesRefused(t *testing.T) {
	const header = "reason,period_start,period_end,channel,contacts,resolved_first_contact\n"
	for _, c := range []struct {
		name, body string
		code       domain.ErrorCode
		pointer    string
		line       int
	}{
		{"unknown reason", header + "Where is my parcel?,2026-10-01,2026-10-31,,1,1\n", domain.EInvalid, "/reason", 2},
		{"bad contacts", header + "\n" + "where is my invoice?,2026-10-01,2026-10-31,,1.5,1\n", domain.EInvalid, "/contacts", 3},
		{"bad resolved", header + "where is my invoice?,2026-10-01,2026-10-31,,1,\n", domain.EInvalid, "/resolved_first_contact", 2},
		{"bad end", header + "where is my invoice?,2026-10-01,31.10.2026,,1,1\n", domain.EInvalid, "/period_end", 2},
		{"bad channel", header + "where is my invoice?,2026-10-01,2026-10-31,Phone,1,1\n", domain.EInvalid, "/channel", 2},
		{"a column twice", "reason,reason,period_start,period_end,contacts,resolved_first_contact\n", domain.EInvalid, "/reason", 1},
		{"no rows", header, domain.EInvalid, "", 0},
		{"empty", "", domain.EInvalid, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ContactVolumes(strings.NewReader(c.body), "ws", reasonNames)
			if domain.ErrorCodeOf(err) != c.code {
				t.Fatalf("error %v, want code %s", err, c.code)
			}
			if fields := domain.FieldsOf(err); c.line > 0 && (len(fields) != 1 || fields[0].Pointer != c.pointer || fields[0].Line != c.line) {
				t.Fatalf("fields %+v, want %s at line %d", fields, c.pointer, c.line)
			}
		})
	}

	// At most MaxContactVolumes rows.
	var b strings.Builder
	b.WriteString(header)
	row := "where is my invoice?,2026-10-01,2026-10-31,,1,1\n"
	for range MaxContactVolumes {
		b.WriteString(row)
	}
	if _, err := ContactVolumes(strings.NewReader(b.String()), "ws", reasonNames); err != nil {
		t.Fatalf("%d rows: %v", MaxContactVolumes, err)
	}
	b.WriteString(row)
	if _, err := ContactVolumes(strings.NewReader(b.String()), "ws", reasonNames); domain.ErrorCodeOf(err) != domain.ETooLarge {
		t.Fatalf("%d rows: %v, want too large", MaxContactVolumes+1, err)
	}
}
