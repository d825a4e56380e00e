package ingest

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"
)

// MaxContactVolumes bounds one import of contact volume records.
const MaxContactVolumes = 100_000

// volumeColumns are the columns of a contact volume import, as a contact
// centre's export has them; channel is optional (empty: all channels).
var volumeColumns = &columns{names: []string{"reason", "period_start", "period_end", "contacts", "resolved_first_contact", "channel"}, required: 5}

// Positions in volumeColumns.names.
const (
	volReason = iota
	volStart
	volEnd
	volContacts
	volResolved
	volChannel
)

// ContactVolumeRows are the records of an import, in the order of their
// rows.
type ContactVolumeRows = Rows[domain.ContactVolume]

// ContactVolumes reads a CSV import of contact volume records of workspace
// workspaceID: a header naming the columns reason, period_start,
// period_end, contacts, resolved_first_contact and optionally channel, in
// any order and case; then one record per row. A reason is named by its
// name, case-insensitively: reasons maps the workspace's reasons' names,
// in lower case, to their ids.
//
// It reads the whole body and validates every row. The first bad row is an
// EInvalid *domain.Error whose one FieldError names its physical line and
// the column at fault (an unknown reason is named with the name given);
// more than MaxContactVolumes rows are ETooLarge; a failure to read the
// body is the body's own *domain.Error or EMalformed.
func ContactVolumes(body io.Reader, workspaceID string, reasons map[string]string) (*ContactVolumeRows, error) {
	return readRows(body, volumeColumns, MaxContactVolumes, func(rec []string, index []int, line int) (*domain.ContactVolume, error) {
		return contactVolumeOf(rec, index, line, workspaceID, reasons)
	})
}

// contactVolumeOf turns the record on line into a volume record, or names
// the first field at fault.
func contactVolumeOf(rec []string, index []int, line int, ws string, reasons map[string]string) (*domain.ContactVolume, error) {
	cell := func(c int) string {
		if n := index[c]; n >= 0 {
			return strings.TrimSpace(rec[n])
		}
		return ""
	}
	name := cell(volReason)
	reasonID, ok := reasons[strings.ToLower(name)]
	if !ok {
		return nil, rowErrorAt(line, "/reason", "no contact reason named "+domain.QuoteInput(name)+" in this workspace")
	}
	start, err := time.Parse(time.DateOnly, cell(volStart))
	if err != nil {
		return nil, rowErrorAt(line, "/period_start", "must be a date like 2026-09-01")
	}
	end, err := time.Parse(time.DateOnly, cell(volEnd))
	if err != nil {
		return nil, rowErrorAt(line, "/period_end", "must be a date like 2026-09-30")
	}
	contacts, err := strconv.Atoi(cell(volContacts))
	if err != nil {
		return nil, rowErrorAt(line, "/contacts", "must be a whole number")
	}
	resolved, err := strconv.Atoi(cell(volResolved))
	if err != nil {
		return nil, rowErrorAt(line, "/resolved_first_contact", "must be a whole number")
	}
	v := &domain.ContactVolume{WorkspaceID: ws, ReasonID: reasonID, PeriodStart: start, PeriodEnd: end,
		Channel: domain.Channel(cell(volChannel)), Contacts: contacts, ResolvedFirstContact: resolved}
	err = v.Validate()
	var de *domain.Error
	switch {
	case errors.As(err, &de) && len(de.Fields) > 0:
		return nil, rowErrorAt(line, de.Fields[0].Pointer, de.Fields[0].Detail)
	case err != nil:
		return nil, err
	}
	return v, nil
}
