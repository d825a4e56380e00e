package api

import (
	"fmt"
	"net/http"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// SearchSettings are the workspace's search settings.
type SearchSettings struct {
	// The text search configuration the ideas' title, problem and proposal
	// and the searches of them (q with match=words) are stemmed in: a
	// Snowball language PostgreSQL ships, or simple (only lower-cases).
	Language string `json:"language" enums:"simple,arabic,armenian,basque,catalan,danish,dutch,english,finnish,french,german,greek,hindi,hungarian,indonesian,irish,italian,lithuanian,nepali,norwegian,portuguese,romanian,russian,serbian,spanish,swedish,tamil,turkish,yiddish" example:"english" binding:"required"`
	Version  int    `json:"version" example:"1" binding:"required"`
} // @name SearchSettings

// SearchSettingsUpdate is the body of PUT /search-settings. It may be the
// document GET /search-settings returned, changed: its version must then be
// If-Match's.
type SearchSettingsUpdate struct {
	Language *string `json:"language" binding:"required" enums:"simple,arabic,armenian,basque,catalan,danish,dutch,english,finnish,french,german,greek,hindi,hungarian,indonesian,irish,italian,lithuanian,nepali,norwegian,portuguese,romanian,russian,serbian,spanish,swedish,tamil,turkish,yiddish" example:"german"`
	Version  *int    `json:"version" example:"1" extensions:"x-nullable,x-omitempty"`
} // @name SearchSettingsUpdate

// getSearchSettings godoc
//
//	@Summary		The workspace's search language
//	@Description	The language the ideas' title, problem and proposal are stemmed in for the idea list's search (q with match=words): a workspace that never set it has english at version 1.
//	@ID				getSearchSettings
//	@Tags			ideas
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Success		200		{object}	SearchSettings
//	@Header			200		{string}	ETag				"Version, for If-Match"
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/search-settings [get]
func (s *Server) getSearchSettings(c echo.Context) error {
	set, version, err := s.store.GetSearchSettings(c.Request().Context(), principal(c).WorkspaceID)
	if err != nil {
		return err
	}
	setETag(c, version)
	return c.JSON(http.StatusOK, SearchSettings{Language: set.Language, Version: version})
}

// putSearchSettings godoc
//
//	@Summary		Change the workspace's search language
//	@Description	A change of language re-stems every idea of the workspace in the same transaction: it costs as much as updating each idea (every idea's row and index entries are rewritten), so expect seconds per 100,000 ideas, during which idea writes of the workspace wait. The body may be the document GET /search-settings returned, changed: its version must equal If-Match's, else 422 naming /version. A language PostgreSQL has no Snowball stemmer for is 422 naming /language with the allowed ones.
//	@ID				updateSearchSettings
//	@Tags			ideas
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			If-Match		header		string					true	"ETag of the settings the change is based on, as its ETag header gave it: a version number in double quotes"	extensions(x-example="1")
//	@Param			search-settings	body		SearchSettingsUpdate	true	"New settings"
//	@Success		200				{object}	SearchSettings
//	@Header			200				{string}	ETag				"The new version"
//	@Failure		400				{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; a malformed If-Match; or any query parameter (this operation takes none)"
//	@Failure		401				{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403				{object}	Problem				"Needs role admin"
//	@Failure		412				{object}	Problem				"If-Match names a version that is no longer current: read the resource again"
//	@Failure		413				{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"Invalid values; errors[] name each field (pointer)"
//	@Failure		428				{object}	Problem				"If-Match is missing"
//	@Failure		429				{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503				{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default			{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401				{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503				{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/search-settings [put]
func (s *Server) putSearchSettings(c echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in SearchSettingsUpdate
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	if in.Version != nil && *in.Version != version {
		return domain.Invalid(domain.FieldError{Pointer: "/version", Detail: fmt.Sprintf("is %d but If-Match names version %d; send both from the same GET", *in.Version, version)})
	}
	if err := requirePresent(presence{"/language", in.Language != nil}); err != nil {
		return err
	}
	set := domain.SearchSettings{Language: *in.Language}
	if err := set.Validate(); err != nil {
		return err
	}
	newVersion, err := s.store.UpdateSearchSettings(c.Request().Context(), principal(c).WorkspaceID, version, set)
	if err != nil {
		return err
	}
	setETag(c, newVersion)
	return c.JSON(http.StatusOK, SearchSettings{Language: set.Language, Version: newVersion})
}
