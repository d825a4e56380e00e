package web

import (
	"net/http"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// signInView is the sign-in page's data.
type signInView struct {
	Next  string
	Error string
}

func (h *handler) signInPage(c echo.Context) error {
	return h.render(c, http.StatusOK, "signin", "Sign in", signInView{Next: safeNext(c.QueryParam("next"))})
}

// signIn checks the key as the API would and starts a session for it. The
// key's name is who the history records.
func (h *handler) signIn(c echo.Context) error {
	next := safeNext(c.FormValue("next"))
	p, err := h.SignIn(c, strings.TrimSpace(c.FormValue("key")))
	if err != nil {
		status := h.StatusOf(err)
		msg := "That key was not accepted: it is unknown, revoked or expired. Ask an admin for a personal key."
		if status != http.StatusUnauthorized {
			msg = err.Error()
		}
		return h.render(c, status, "signin", "Sign in", signInView{Next: next, Error: msg})
	}
	token, _, err := domain.StartSession(ctx(c), h.Store, p, h.Clock())
	if err != nil {
		return h.renderError(c, err)
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Scheme() == "https", MaxAge: int(domain.SessionIdle / time.Second)})
	return c.Redirect(http.StatusSeeOther, next)
}

// signOut ends the session and forgets the cookie.
func (h *handler) signOut(c echo.Context) error {
	if err := h.Store.DeleteSession(ctx(c), sessionOf(c).IDHash); err != nil {
		return err
	}
	clearCookie(c)
	return c.Redirect(http.StatusSeeOther, "/sign-in")
}

func clearCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Scheme() == "https", MaxAge: -1})
}

// safeNext keeps a redirect after sign-in on this site: a path, never
// another host (//evil.example or https://…).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
