package domain

import "time"

// Page limits, shared by every list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Cursor marks the last item of a page in (created_at, id) order, so the next
// page starts strictly after it: keyset pagination, never OFFSET.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// Page asks for Limit items after After (nil: from the start).
type Page struct {
	Limit int
	After *Cursor
}
