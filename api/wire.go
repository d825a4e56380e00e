package api

import (
	"bytes"
	"encoding/json"
	"io"
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

// writeJSON writes v with the given status and media type, encoded as
// every body is (see jsonSerializer).
func writeJSON(c echo.Context, status int, mediaType string, v any) error {
	var body bytes.Buffer
	if err := encodeJSON(&body, v, ""); err != nil {
		return err
	}
	return c.Blob(status, mediaType, body.Bytes())
}

// jsonSerializer is Echo's, writing JSON as people read it: "<", ">" and
// "&" as themselves rather than \u003c (an API body is never HTML), and a
// final newline on every body, success or problem.
type jsonSerializer struct{ echo.DefaultJSONSerializer }

func (jsonSerializer) Serialize(c echo.Context, v any, indent string) error {
	return encodeJSON(c.Response(), v, indent)
}

func encodeJSON(w io.Writer, v any, indent string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(v)
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
