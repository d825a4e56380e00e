package api

import (
	"context"
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// APIKeyCreate is the body of POST /api-keys.
type APIKeyCreate struct {
	Name      string     `json:"name" binding:"required,max=100" example:"ci pipeline"`
	Role      string     `json:"role" binding:"required" enums:"viewer,editor,admin" example:"editor"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" extensions:"x-nullable,x-omitempty"` // optional; the key stops working then
} // @name APIKeyCreate

// APIKey describes a key. The secret is never shown here.
type APIKey struct {
	ID         string     `json:"id" format:"uuid" binding:"required"`
	Name       string     `json:"name" example:"ci pipeline" binding:"required"`
	Role       string     `json:"role" enums:"viewer,editor,admin" example:"editor" binding:"required"`
	CreatedAt  time.Time  `json:"created_at" binding:"required"`
	ExpiresAt  *time.Time `json:"expires_at" extensions:"x-nullable"`
	RevokedAt  *time.Time `json:"revoked_at" extensions:"x-nullable"`
	LastUsedAt *time.Time `json:"last_used_at" extensions:"x-nullable"` // updated at most once a minute
} // @name APIKey

// APIKeyCreated is the answer to a create: the key with its secret, shown
// this once.
type APIKeyCreated struct {
	APIKey
	Key string `json:"key" example:"cxb_0c3d6f1e9b7a4c2d8e5f6a7b8c9d0e1f_q7Vt..." binding:"required"` // send as Authorization: Bearer <key>
} // @name APIKeyCreated

// APIKeyList is one page of keys.
type APIKeyList struct {
	Items      []APIKey `json:"items" binding:"required"`
	NextCursor *string  `json:"next_cursor" extensions:"x-nullable"`
} // @name APIKeyList

func apiKeyOut(k *domain.APIKey) APIKey {
	return APIKey{ID: k.ID, Name: k.Name, Role: string(k.Role), CreatedAt: k.CreatedAt.UTC(),
		ExpiresAt: utc(k.ExpiresAt), RevokedAt: utc(k.RevokedAt), LastUsedAt: utc(k.LastUsedAt)}
}

// createKey godoc
//
//	@Summary		Create an API key in the caller's workspace
//	@Description	The response holds the secret `key`, shown this once; only its SHA-256 hash is stored. For that reason this POST takes no Idempotency-Key: a stored response would keep the secret.
//	@ID				createApiKey
//	@Tags			api-keys
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			key		body		APIKeyCreate	true	"The key"
//	@Success		201		{object}	APIKeyCreated
//	@Header			201		{string}	Location			"URL of the new key"
//	@Header			201		{string}	Cache-Control		"no-store: the body holds the key's secret, which no cache may keep"
//	@Failure		400		{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role admin"
//	@Failure		409		{object}	Problem				"The workspace has as many active keys as it may (100 by default)"
//	@Failure		413		{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415		{object}	Problem				"The body is not application/json"
//	@Failure		422		{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/api-keys [post]
func (s *Server) createKey(c echo.Context) error {
	var in APIKeyCreate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	id, token := domain.NewKeyToken()
	k := &domain.APIKey{ID: id, WorkspaceID: principal(c).WorkspaceID, Name: in.Name, Role: domain.Role(in.Role),
		SecretHash: domain.HashToken(token), ExpiresAt: in.ExpiresAt}
	if err := k.Validate(s.now()); err != nil {
		return err
	}
	err := s.store.InTx(c.Request().Context(), func(ctx context.Context) error {
		active, err := s.store.ActiveKeys(ctx, k.WorkspaceID, s.now())
		if err != nil {
			return err
		}
		if err := domain.CheckKeyQuota(active, s.cfg.ActiveKeys); err != nil {
			return err
		}
		return s.store.CreateKey(ctx, k)
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/api-keys/"+k.ID)
	return c.JSON(http.StatusCreated, APIKeyCreated{APIKey: apiKeyOut(k), Key: token})
}

// listKeys godoc
//
//	@Summary	List the workspace's API keys, oldest first (never their secrets)
//	@ID			listApiKeys
//	@Tags		api-keys
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		limit	query		int		false	"Page size, 1–100"					default(20)	extensions(x-example=10)
//	@Param		cursor	query		string	false	"next_cursor of the previous page"	extensions(x-example=eyJ0IjoiMjAyNi0xMC0wMVQwOTowMDowMFoiLCJpIjoiM2Y2YzJhOWUtOGIxZC00ZTdhLTljNTUtMWQyZTNmNGE1YjZjIn0)
//	@Success	200		{object}	APIKeyList
//	@Failure	400		{object}	Problem				"Bad request: a bad or unknown query parameter"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role admin"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/api-keys [get]
func (s *Server) listKeys(c echo.Context) error {
	q := newListQuery(c)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	keys, next, err := s.store.ListKeys(c.Request().Context(), principal(c).WorkspaceID, page)
	if err != nil {
		return err
	}
	out := APIKeyList{Items: make([]APIKey, len(keys)), NextCursor: encodeCursor(next)}
	for i := range keys {
		out.Items[i] = apiKeyOut(&keys[i])
	}
	return c.JSON(http.StatusOK, out)
}

// getKey godoc
//
//	@Summary	Get an API key (never its secret)
//	@ID			getApiKey
//	@Tags		api-keys
//	@Produce	json,application/problem+json
//	@Security	BearerAuth
//	@Param		id		path		string	true	"Key id"	format(uuid)
//	@Success	200		{object}	APIKey
//	@Failure	400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure	401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure	403		{object}	Problem				"Needs role admin"
//	@Failure	404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure	429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure	503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure	default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header		401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header		429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router		/api/v1/api-keys/{id} [get]
func (s *Server) getKey(c echo.Context) error {
	id, err := pathID(c, "API key")
	if err != nil {
		return err
	}
	k, err := s.store.GetKey(c.Request().Context(), id)
	// GetKey looks in every workspace (it serves authentication): a key of
	// another workspace gets the same answer as one that never existed.
	if domain.ErrorCodeOf(err) == domain.ENotFound || err == nil && k.WorkspaceID != principal(c).WorkspaceID {
		err = domain.Errorf(domain.ENotFound, "no API key %s in this workspace", id)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiKeyOut(k))
}

// revokeKey godoc
//
//	@Summary		Revoke an API key
//	@Description	Takes effect on the key's next request. Revoking a revoked key changes nothing and answers the same.
//	@ID				revokeApiKey
//	@Tags			api-keys
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"Key id"	format(uuid)
//	@Success		200		{object}	APIKey
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role admin"
//	@Failure		404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/api-keys/{id}/revoke [post]
func (s *Server) revokeKey(c echo.Context) error {
	id, err := pathID(c, "API key")
	if err != nil {
		return err
	}
	k, err := s.store.RevokeKey(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	s.keys.Revoked(k.ID) // at once here; other processes hear of it from the database
	return c.JSON(http.StatusOK, apiKeyOut(k))
}
