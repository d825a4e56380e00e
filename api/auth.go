package api

import (
	"net/http"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

const principalKey = "principal"

// authenticate resolves the bearer key into a principal for the request.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return domain.Errorf(domain.EUnauthorized, "send an API key as Authorization: Bearer <key>")
		}
		token = strings.TrimSpace(token)
		ctx := c.Request().Context()
		var key *domain.APIKey
		if id, ok := domain.KeyIDFromToken(token); ok {
			var err error
			if key, err = s.store.GetKey(ctx, id); err != nil && domain.ErrorCodeOf(err) != domain.ENotFound {
				return err
			}
		}
		now := s.now()
		p, err := domain.Authenticate(key, token, now) // a nil key (malformed or unknown) is refused here
		if err != nil {
			return err
		}
		// Most requests come from a key used moments ago: no write for those.
		if key.UseIsStale(now) {
			if err := s.store.TouchKey(ctx, p.KeyID, now); err != nil {
				return err
			}
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

// rateLimitPerKey gives every API key its own token bucket, so one noisy
// integration cannot starve the others.
func rateLimitPerKey(cfg Config) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(cfg.RatePerKey), Burst: cfg.BurstPerKey, ExpiresIn: 3 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return principal(c).KeyID, nil },
		DenyHandler: func(echo.Context, string, error) error {
			return domain.Errorf(domain.ERateLimited, "this API key sent too many requests; retry after the time in Retry-After")
		},
	})
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
	WorkspaceID string `json:"workspace_id" format:"uuid"`
	KeyID       string `json:"key_id" format:"uuid"`
	KeyName     string `json:"key_name" example:"ci"`
	Role        string `json:"role" enums:"viewer,editor,admin"`
} // @name Me

// me godoc
//
//	@Summary	Who am I: the calling key, its role and workspace
//	@Tags		api-keys
//	@Produce	json
//	@Security	BearerAuth
//	@Success	200	{object}	Me
//	@Failure	401	{object}	Problem
//	@Failure	503	{object}	Problem
//	@Router		/api/v1/me [get]
func (s *Server) me(c echo.Context) error {
	p := principal(c)
	return c.JSON(http.StatusOK, Me{WorkspaceID: p.WorkspaceID, KeyID: p.KeyID, KeyName: p.KeyName, Role: string(p.Role)})
}
