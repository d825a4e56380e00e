package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"cxbacklog/api/web"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

const principalKey = "principal"

// authenticate resolves the request's credentials into a principal: the
// bearer key, or for a chart the session of the web workspace's page that
// shows it. Then the request spends its key's and its workspace's budgets.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		now := s.now()
		p, hash, err := s.credentials(c, now)
		if err != nil {
			return err
		}
		if err := s.budgets.take(p, hash, now); err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

// credentials is the principal of the bearer key, or, for a chart requested
// without one, of the web session in the cookie (an <img> sends no
// Authorization header); and the hash of the token used.
func (s *Server) credentials(c echo.Context, now time.Time) (*domain.Principal, []byte, error) {
	token := bearerToken(c)
	if ck, err := c.Cookie(web.SessionCookie); token == "" && isChart(c) && err == nil {
		p, _, err := domain.ResumeSession(c.Request().Context(), s.store, ck.Value, now)
		return p, domain.HashToken(ck.Value), err
	}
	p, err := s.checkKey(c, token, now)
	return p, domain.HashToken(token), err
}

// isChart tells a chart read (GET or HEAD of an .svg) from every other
// request, which only a bearer key may make.
func isChart(c echo.Context) bool {
	m := c.Request().Method
	return (m == http.MethodGet || m == http.MethodHead) && strings.HasSuffix(c.Path(), ".svg")
}

// checkKey resolves a key, for the API and the web workspace's sign-in
// alike. A client address that keeps failing, and a known key whose budget
// is spent, are refused before the key is looked up (see failureThrottle
// and budgets).
func (s *Server) checkKey(c echo.Context, token string, now time.Time) (*domain.Principal, error) {
	addr := c.RealIP()
	id, _ := domain.KeyIDFromToken(token)
	hash := domain.HashToken(token)
	if s.failures.blocked(addr, now) && !s.budgets.knows(id, hash, now) {
		return nil, domain.Errorf(eRateLimited, "too many failed authentications from this address; retry after the time in Retry-After")
	}
	if err := s.budgets.spent(id, hash, now); err != nil {
		return nil, err
	}
	p, err := s.principalOf(c.Request().Context(), token, now)
	if domain.ErrorCodeOf(err) == domain.EUnauthorized {
		s.failures.fail(addr, now)
	}
	return p, err
}

// bearerToken is the request's API key, or "" without one.
func bearerToken(c echo.Context) string {
	scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// principalOf resolves a bearer token: from the cache of keys verified in
// the last few seconds (keycache.go), else from the database.
func (s *Server) principalOf(ctx context.Context, token string, now time.Time) (*domain.Principal, error) {
	if token == "" {
		return nil, domain.Errorf(domain.EUnauthorized, "send an API key as Authorization: Bearer <key>")
	}
	hash := domain.HashToken(token)
	if e := s.keys.get(hash, now); e != nil {
		if e.claimTouch(now) {
			if err := s.store.TouchKey(ctx, e.principal.KeyID, now); err != nil {
				return nil, err
			}
		}
		p := e.principal
		return &p, nil
	}
	gen := s.keys.generation()
	var key *domain.APIKey
	if id, ok := domain.KeyIDFromToken(token); ok {
		var err error
		if key, err = s.store.GetKey(ctx, id); err != nil && domain.ErrorCodeOf(err) != domain.ENotFound {
			return nil, err
		}
	}
	p, err := domain.Authenticate(key, token, now) // a nil key (malformed or unknown) is refused here
	if err != nil {
		return nil, err
	}
	// Most requests come from a key used moments ago: no write for those.
	lastUsed := key.LastUsedAt
	if key.UseIsStale(now) {
		if err := s.store.TouchKey(ctx, p.KeyID, now); err != nil {
			return nil, err
		}
		lastUsed = &now
	}
	s.keys.put(hash, key, p, lastUsed, gen, now)
	return p, nil
}

// requireRole refuses keys whose role is below need.
func requireRole(need domain.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p := principal(c); !p.Role.Allows(need) {
				return domain.Errorf(domain.EForbidden, "this needs a key with role %s or higher; this key is %s", need, p.Role)
			}
			return next(c)
		}
	}
}

// principal is the caller, set by authenticate.
func principal(c echo.Context) *domain.Principal {
	p, _ := c.Get(principalKey).(*domain.Principal)
	if p == nil {
		return &domain.Principal{}
	}
	return p
}

// Me describes the key making the request.
type Me struct {
	WorkspaceID   string `json:"workspace_id" format:"uuid" binding:"required"`
	WorkspaceSlug string `json:"workspace_slug" example:"default" binding:"required"` // as given to keys create --workspace
	WorkspaceName string `json:"workspace_name" example:"default" binding:"required"`
	KeyID         string `json:"key_id" format:"uuid" binding:"required"`
	KeyName       string `json:"key_name" example:"ci" binding:"required"`
	Role          string `json:"role" enums:"viewer,editor,admin" binding:"required"`
} // @name Me

// me godoc
//
//	@Summary	Who am I: the calling key, its role and workspace (id, slug, name)
//	@ID			getMe
//	@Tags		api-keys
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Success	200		{object}	Me
//	@Failure	400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/me [get]
func (s *Server) me(c echo.Context) error {
	p := principal(c)
	ws, err := s.store.GetWorkspace(c.Request().Context(), p.WorkspaceID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Me{WorkspaceID: p.WorkspaceID, WorkspaceSlug: ws.Slug, WorkspaceName: ws.Name,
		KeyID: p.KeyID, KeyName: p.KeyName, Role: string(p.Role)})
}
