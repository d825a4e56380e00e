// Package web is the web workspace: server-rendered pages for CX teams and
// product owners, on the same use cases (domain) and store as the JSON API.
// Pages are html/template with embedded assets, and work without
// JavaScript: links and forms.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is everything the pages need from storage: what the API needs, and
// the sessions.
type Store interface {
	domain.KeyStore
	domain.JourneyStore
	domain.TouchpointStore
	domain.Transactor
	domain.IdeaStore
	domain.PilotStore
	domain.CatalogueStore
	domain.MeasurementStore
	domain.ReportStore
	domain.ValueReportStore
	domain.ContactReportStore
	domain.MoneyStore
	domain.SessionStore
}

// Deps are what the API gives the pages: its store and the parts of its
// HTTP policy the pages must share.
type Deps struct {
	Store Store
	// SignIn checks an API key as the API does for a bearer token, with
	// the same throttling of failed attempts per client address.
	SignIn func(c echo.Context, token string) (*domain.Principal, error)
	// StatusOf is the HTTP status the API answers an error with.
	StatusOf func(error) int
	Clock    func() time.Time
	Log      *slog.Logger
}

// Route is one page or form action and the least role it needs ("" for
// the public sign-in page and assets).
type Route struct {
	Method string
	Path   string
	Role   domain.Role
}

type handler struct {
	Deps
	pilots domain.PilotActions
	pages  map[string]*template.Template
	routes []Route
}

// SessionCookie is the name of the session cookie, which the API's chart
// routes accept too, so that <img src="….svg"> works in a page.
const SessionCookie = "cxb_session"

// csp lets a page load only its own styles, images (the charts) and forms:
// no inline script, no framing.
const csp = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Register adds the pages to e and answers their table.
func Register(e *echo.Echo, d Deps) []Route {
	h := &handler{Deps: d, pilots: domain.PilotActions{Store: d.Store}, pages: parsePages()}
	static, _ := fs.Sub(staticFS, "static")
	assets := echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	e.GET("/static/*", assets, pageHeaders)
	h.routes = append(h.routes, Route{http.MethodGet, "/static/*", ""})
	e.GET("/sign-in", h.signInPage, pageHeaders)
	e.POST("/sign-in", h.signIn, pageHeaders)
	h.routes = append(h.routes, Route{http.MethodGet, "/sign-in", ""}, Route{http.MethodPost, "/sign-in", ""})
	h.pageRoutes(e)
	return h.routes
}

// get and post register a page or a form action behind a session of at
// least role; a form action also needs the session's CSRF token.
func (h *handler) get(e *echo.Echo, path string, fn echo.HandlerFunc, role domain.Role) {
	e.GET(path, fn, pageHeaders, h.htmlErrors, h.session, requireRole(role))
	h.routes = append(h.routes, Route{http.MethodGet, path, role})
}

func (h *handler) post(e *echo.Echo, path string, fn echo.HandlerFunc, role domain.Role) {
	e.POST(path, fn, pageHeaders, h.htmlErrors, h.session, checkCSRF, requireRole(role))
	h.routes = append(h.routes, Route{http.MethodPost, path, role})
}

// pageHeaders sets the page's content security policy, replacing the
// API's (which allows nothing to load).
func pageHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentSecurityPolicy, csp)
		return next(c)
	}
}

const (
	principalKey = "web.principal"
	sessionKey   = "web.session"
)

// session resumes the browser's session; without one a page redirects to
// the sign-in page (coming back after it) and a form action is refused.
func (h *handler) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var token string
		if ck, err := c.Cookie(SessionCookie); err == nil {
			token = ck.Value
		}
		p, s, err := domain.ResumeSession(c.Request().Context(), h.Store, token, h.Clock())
		if domain.ErrorCodeOf(err) == domain.EUnauthorized {
			clearCookie(c)
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/sign-in?next="+url.QueryEscape(c.Request().URL.RequestURI()))
			}
		}
		if err != nil {
			return err
		}
		c.Set(principalKey, p)
		c.Set(sessionKey, s)
		return next(c)
	}
}

// checkCSRF refuses a form without the session's token: the cookie alone,
// which a page of another site can make the browser send, never writes.
func checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := sessionOf(c).CheckCSRF(c.FormValue("csrf")); err != nil {
			return err
		}
		return next(c)
	}
}

func requireRole(role domain.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p := principalOf(c); !p.Role.Allows(role) {
				return domain.Errorf(domain.EForbidden, "this needs the %s role; your key %q is a %s", role, p.KeyName, p.Role)
			}
			return next(c)
		}
	}
}

func principalOf(c echo.Context) *domain.Principal { return c.Get(principalKey).(*domain.Principal) }
func sessionOf(c echo.Context) *domain.WebSession  { return c.Get(sessionKey).(*domain.WebSession) }

// htmlErrors renders an error of the page, or of the middleware after it
// (no session, no CSRF token, too low a role), as a page.
func (h *handler) htmlErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			return h.renderError(c, err)
		}
		return nil
	}
}

// view is what every page template gets: the page's own data and what the
// layout shows (who is signed in, the CSRF token for forms, the section).
type view struct {
	Title   string
	Section string
	Me      *domain.Principal
	CSRF    string
	CanEdit bool
	Data    any
}

// render writes the page name with data.
func (h *handler) render(c echo.Context, status int, name, title string, data any) error {
	v := view{Title: title, Section: name, Data: data}
	if p, ok := c.Get(principalKey).(*domain.Principal); ok {
		v.Me, v.CSRF, v.CanEdit = p, sessionOf(c).CSRF, p.Role.Allows(domain.RoleEditor)
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// errorView is the error page's data.
type errorView struct {
	Status  int
	Message string
	Fields  []domain.FieldError
}

func (h *handler) renderError(c echo.Context, err error) error {
	status := h.StatusOf(err)
	msg := http.StatusText(status)
	var de *domain.Error
	if errors.As(err, &de) && status < http.StatusInternalServerError {
		msg = de.Message
	} else {
		h.Log.ErrorContext(c.Request().Context(), "page error", "path", c.Path(), "error", err.Error())
	}
	ev := errorView{Status: status, Message: msg}
	if de != nil {
		ev.Fields = de.Fields
	}
	return h.render(c, status, "error", http.StatusText(status), ev)
}

// parsePages parses each page template with the layout.
func parsePages() map[string]*template.Template {
	names, _ := fs.Glob(templateFS, "templates/*.html")
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return pages
}

// pathID reads the page's :id naming a kind of thing; one that is not an id
// is not found, as in the API.
func pathID(c echo.Context, kind string) (string, error) {
	id := strings.ToLower(c.Param("id"))
	if !domain.IsID(id) {
		return "", domain.Errorf(domain.ENotFound, "no %s %s in this workspace", kind, id)
	}
	return id, nil
}

// ctx is the request's context.
func ctx(c echo.Context) context.Context { return c.Request().Context() }
