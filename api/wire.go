package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Writing answers: the helpers every resource's handlers share (their
// readers are in bind.go).

// created answers 201 with Location and ETag.
func created(c echo.Context, location string, version int, body any) error {
	c.Response().Header().Set(echo.HeaderLocation, location)
	setETag(c, version)
	return c.JSON(http.StatusCreated, body)
}

func setETag(c echo.Context, version int) {
	c.Response().Header().Set("ETag", `"`+strconv.Itoa(version)+`"`)
}

// writeJSON writes v with the given status and media type.
func writeJSON(c echo.Context, status int, mediaType string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, mediaType, body)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func dateOut(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(dateLayout)
	return &s
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
