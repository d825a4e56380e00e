package web

import (
	"github.com/labstack/echo/v4"

	"cxbacklog/domain"
)

// pageRoutes registers every page and form action with the least role it
// needs: the whole workspace in one place, one area per line below.
func (h *handler) pageRoutes(e *echo.Echo) {
	const viewer = domain.RoleViewer
	h.post(e, "/sign-out", h.signOut, viewer)
	h.backlogRoutes(e)
	h.ideaRoutes(e)
	h.journeyRoutes(e)
	h.viewsRoutes(e)
	h.pilotRoutes(e)
}
