package api

import (
	"bytes"
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"unicode/utf8"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// maxIdempotencyKeyLength bounds the Idempotency-Key header.
const maxIdempotencyKeyLength = 255

// replayedHeaders are the response headers stored with a first response.
var replayedHeaders = []string{echo.HeaderContentType, echo.HeaderLocation, "ETag"}

// idempotent makes a POST safe to retry with an Idempotency-Key. The handler
// runs inside one transaction with the key's record, and its response is held
// back until that transaction commits: a client never sees a 2xx for a change
// that was rolled back, and a retry gets the stored response instead of a
// second object.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Idempotency-Key")
		if key == "" {
			return next(c)
		}
		if len(key) > maxIdempotencyKeyLength {
			return &domain.Error{Code: domain.EMalformed, Message: "the Idempotency-Key header is too long",
				Fields: []domain.FieldError{{Parameter: "Idempotency-Key", Detail: "must be at most 255 characters"}}}
		}
		// HTTP allows any byte in a header; the key is stored as text.
		if !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
			return &domain.Error{Code: domain.EMalformed, Message: "the Idempotency-Key header is not valid text",
				Fields: []domain.FieldError{{Parameter: "Idempotency-Key", Detail: "must be valid UTF-8 without NUL"}}}
		}
		hash, err := bodyHash(c)
		if err != nil {
			return err
		}
		ws := principal(c).WorkspaceID

		var stored *domain.IdempotentResponse
		buf := newBufferedResponse()
		err = s.store.InTx(c.Request().Context(), func(ctx context.Context) error {
			prev, err := s.store.ClaimIdempotencyKey(ctx, ws, key)
			if err != nil {
				return err
			}
			if prev != nil {
				if subtle.ConstantTimeCompare(prev.RequestHash, hash) != 1 {
					return domain.Errorf(domain.EInvalid, "this Idempotency-Key was used for a different request; use a new key for a new request")
				}
				stored = prev
				return nil
			}
			stored, err = s.runBuffered(c, ctx, buf, next)
			if err != nil || stored.Status >= 300 {
				return err
			}
			stored.RequestHash = hash
			return s.store.SaveIdempotencyKey(ctx, ws, key, stored)
		})
		if err != nil {
			return err
		}
		return replay(c, stored, stored != buf.response)
	}
}

// runBuffered runs the handler with ctx and its response captured in buf.
func (s *Server) runBuffered(c echo.Context, ctx context.Context, buf *bufferedResponse, next echo.HandlerFunc) (*domain.IdempotentResponse, error) {
	res := c.Response()
	realWriter, realReq := res.Writer, c.Request()
	res.Writer = buf
	c.SetRequest(realReq.WithContext(ctx))
	err := next(c)
	res.Writer = realWriter
	c.SetRequest(realReq)
	// The handler's writes went to buf; the real response is still unwritten.
	res.Committed, res.Status, res.Size = false, 0, 0
	return buf.response, err
}

// replay writes a response captured or stored for an idempotent request.
func replay(c echo.Context, r *domain.IdempotentResponse, replayed bool) error {
	h := c.Response().Header()
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	if replayed {
		h.Set("Idempotent-Replayed", "true")
	}
	c.Response().WriteHeader(r.Status)
	_, err := c.Response().Write(r.Body)
	return err
}

// bodyHash is the request's hash: computed while spooling for an upload,
// else from the body, which is read into memory and put back for the
// handler (bodies other than uploads are at most BodyLimit).
func bodyHash(c echo.Context) ([]byte, error) {
	if sum, ok := c.Get(bodyHashKey).([]byte); ok {
		return sum, nil
	}
	body, err := readBody(c)
	if err != nil {
		return nil, err
	}
	c.Request().Body = http.NoBody
	if len(body) > 0 {
		c.Request().Body = readCloser{bytes.NewReader(body)}
	}
	h := newRequestHash(c)
	h.Write(body)
	return h.Sum(nil), nil
}

// bufferedResponse is an http.ResponseWriter that keeps the response.
type bufferedResponse struct {
	header   http.Header
	body     bytes.Buffer
	response *domain.IdempotentResponse
}

func newBufferedResponse() *bufferedResponse {
	return &bufferedResponse{header: http.Header{}, response: &domain.IdempotentResponse{Status: http.StatusOK, Headers: map[string]string{}}}
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) Write(p []byte) (int, error) {
	n, err := b.body.Write(p)
	b.response.Body = b.body.Bytes()
	return n, err
}

func (b *bufferedResponse) WriteHeader(status int) {
	b.response.Status = status
	for _, k := range replayedHeaders {
		if v := b.header.Get(k); v != "" {
			b.response.Headers[k] = v
		}
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
