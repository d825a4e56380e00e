package repository

import (
	"strconv"

	"cxbacklog/domain"

	"gorm.io/gorm"
)

// keyset orders q by (created_at, id) and starts strictly after the page's
// cursor. It asks for one row more than the page holds, to know whether
// another page follows without counting.
func keyset(q *gorm.DB, table string, page domain.Page) *gorm.DB {
	page.Limit = pageLimit(page.Limit)
	if page.After != nil {
		q = q.Where("("+table+".created_at, "+table+".id) > (?, ?)", page.After.CreatedAt, page.After.ID)
	}
	return q.Order(table + ".created_at, " + table + ".id").Limit(page.Limit + 1)
}

// cutPage trims the extra row a list query asked for (limit+1) and returns
// the cursor of the page's last item, or nil when this is the last page.
func cutPage[T, C any](rows []T, limit int, cursorOf func(T) C) ([]T, *C) {
	limit = pageLimit(limit)
	if len(rows) <= limit {
		return rows, nil
	}
	rows = rows[:limit]
	c := cursorOf(rows[len(rows)-1])
	return rows, &c
}

// pageLimit is a page's size, with the default for an unset limit.
func pageLimit(limit int) int {
	if limit < 1 {
		return domain.DefaultPageSize
	}
	return limit
}

func itoa(i int) string { return strconv.Itoa(i) }
