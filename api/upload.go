package api

import (
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"math"
	"net/http"
	"os"
	"sync"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// bodyHashKey holds the request hash an upload computed while spooling, so
// the Idempotency-Key check need not read a 256 MB body into memory.
const bodyHashKey = "body_hash"

// uploadGate bounds the observation uploads in flight: overall and per
// workspace while their bodies arrive, and, much tighter, while they hold a
// database connection. Ordinary requests keep the rest of the pool.
type uploadGate struct {
	receiving chan struct{} // uploads in flight, receiving or storing
	storing   chan struct{} // uploads holding a database connection
	perWS     int

	mu       sync.Mutex
	inFlight map[string]int // by workspace
}

func newUploadGate(cfg Config) *uploadGate {
	return &uploadGate{
		receiving: make(chan struct{}, unlessZero(cfg.UploadsInFlight)),
		storing:   make(chan struct{}, unlessZero(cfg.UploadsStoring)),
		perWS:     unlessZero(cfg.UploadsPerWorkspace),
		inFlight:  map[string]int{},
	}
}

// unlessZero is n, or no limit for 0 (a channel of empty structs that large
// allocates nothing).
func unlessZero(n int) int {
	if n <= 0 {
		return math.MaxInt32
	}
	return n
}

// enter admits an upload of workspace ws, or says why not.
func (g *uploadGate) enter(ws string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inFlight[ws] >= g.perWS {
		return domain.Errorf(eRateLimited, "this workspace already has %d uploads in flight; retry when one has finished", g.perWS)
	}
	select {
	case g.receiving <- struct{}{}:
	default:
		return domain.Errorf(domain.EUnavailable, "the server is receiving as many uploads as it takes at once; retry shortly")
	}
	g.inFlight[ws]++
	return nil
}

func (g *uploadGate) leave(ws string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	<-g.receiving
	if g.inFlight[ws]--; g.inFlight[ws] == 0 {
		delete(g.inFlight, ws)
	}
}

// uploadMiddleware is what an observation upload passes through, in order:
// the gate's caps (before anything waits on the body); the connection's
// deadlines moved past the server's defaults, the bulk body limit and
// timeout, so that a large upload is not cut off half-way; the body spooled
// to a file; and the Idempotency-Key, whose transaction the COPY joins.
func (s *Server) uploadMiddleware() []echo.MiddlewareFunc {
	extendDeadlines := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			rc := http.NewResponseController(c.Response())
			deadline := time.Now().Add(s.cfg.BulkTimeout)
			_ = rc.SetReadDeadline(deadline) // unsupported by test recorders; the default then applies
			_ = rc.SetWriteDeadline(deadline)
			return next(c)
		}
	}
	return []echo.MiddlewareFunc{
		s.admitUpload,
		extendDeadlines,
		middleware.BodyLimit(s.cfg.BulkBodyLimit),
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: s.cfg.BulkTimeout}),
		s.spoolUpload,
		s.idempotent,
	}
}

// admitUpload lets an upload in within the gate's caps. It runs before the
// connection's deadlines are moved out for a long body, so a refusal is
// answered at once (the error handler closes an upload's connection rather
// than read the rest of its body).
func (s *Server) admitUpload(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ws := principal(c).WorkspaceID
		if err := s.uploads.enter(ws); err != nil {
			return err
		}
		defer s.uploads.leave(ws)
		return next(c)
	}
}

// spoolUpload receives an upload's whole body into a temporary file before
// anything touches the database: a client that sends slowly holds a file and
// a goroutine, never a connection of the pool. A client slower than
// MinUploadRate (after UploadGrace) is cut off with 408.
func (s *Server) spoolUpload(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := os.CreateTemp("", "cxbacklog-upload-*")
		if err != nil {
			return domain.Wrap(domain.EInternal, err, "internal error")
		}
		defer os.Remove(f.Name())
		defer f.Close()
		h := newRequestHash(c)
		if err := s.receive(c, io.MultiWriter(f, h)); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return domain.Wrap(domain.EInternal, err, "internal error")
		}
		c.Request().Body = f
		c.Set(bodyHashKey, h.Sum(nil))

		select {
		case s.uploads.storing <- struct{}{}:
		case <-c.Request().Context().Done():
			return domain.Errorf(domain.EUnavailable, "the server is storing as many uploads as it takes at once; retry shortly")
		}
		defer func() { <-s.uploads.storing }()
		return next(c)
	}
}

// receive copies the request body to w at no less than MinUploadRate on
// average once UploadGrace has passed: each read's deadline is the moment the
// bytes received so far would fall below that rate.
func (s *Server) receive(c echo.Context, w io.Writer) error {
	rc := http.NewResponseController(c.Response())
	body := c.Request().Body
	start, received := time.Now(), int64(0)
	buf := make([]byte, 64<<10)
	for {
		if s.cfg.MinUploadRate > 0 {
			due := time.Duration(float64(received) / float64(s.cfg.MinUploadRate) * float64(time.Second))
			_ = rc.SetReadDeadline(start.Add(s.cfg.UploadGrace + due)) // unsupported by test recorders
		}
		n, err := body.Read(buf)
		received += int64(n)
		if _, werr := w.Write(buf[:n]); werr != nil {
			return domain.Wrap(domain.EInternal, werr, "internal error")
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return receiveError(err, s.cfg)
		}
	}
}

// receiveError says why an upload's body could not be read.
func receiveError(err error, cfg Config) error {
	if isTooLarge(err) {
		return domain.Errorf(domain.ETooLarge, "the upload is larger than the limit of %s", cfg.BulkBodyLimit)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return domain.Errorf(eTimeout, "the upload arrived slower than %d bytes/s after the first %s; send it faster or in smaller parts",
			cfg.MinUploadRate, cfg.UploadGrace)
	}
	return domain.Wrap(domain.EMalformed, err, "the request body could not be read")
}

// newRequestHash starts the hash that identifies a request by method, path
// and body, so the same Idempotency-Key cannot be reused for a different
// request.
func newRequestHash(c echo.Context) hash.Hash {
	h := sha256.New()
	h.Write([]byte(c.Request().Method + " " + c.Request().URL.Path + "\n"))
	return h
}
