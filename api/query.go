package api

import (
	"slices"

	"github.com/labstack/echo/v4"
)

// newQuery is newListQuery for an endpoint that answers no page: it knows
// only the parameters named, not limit and cursor, so that ?limit=5 on a
// single resource or ?mode=replace on an import is an error rather than
// silently nothing.
func newQuery(c echo.Context, known ...string) *listQuery {
	q := &listQuery{c: c}
	params := c.QueryParams()
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names) // every bad parameter, in a stable order
	for _, name := range names {
		if !slices.Contains(known, name) {
			q.fail(name, "is not a parameter of this endpoint")
		}
	}
	return q
}

// newListQuery is newQuery for a list: it knows limit and cursor besides
// the parameters named.
func newListQuery(c echo.Context, known ...string) *listQuery {
	return newQuery(c, append(known, "limit", "cursor")...)
}

// refuseQuery answers 400 naming any query parameter of an endpoint that
// takes none (see Server.route).
func refuseQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := newQuery(c).err(); err != nil {
			return err
		}
		return next(c)
	}
}
