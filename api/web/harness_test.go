package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository"
	"cxbacklog/repository/pgtest"

	"github.com/PuerkitoBio/goquery"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// site is the whole server (API and pages) on a fresh database, with a
// workspace and a key of each role.
type site struct {
	t     *testing.T
	srv   *httptest.Server
	store *repository.Store
	wsID  string
	keys  map[domain.Role]string
	now   time.Time
}

func newSite(t *testing.T) *site {
	t.Helper()
	store, _ := pgtest.NewStore(t)
	s := &site{t: t, store: store, keys: map[domain.Role]string{}, now: time.Now().UTC()}
	cfg := api.DefaultConfig
	cfg.AuthFailureRate = 0
	cfg.Clock = func() time.Time { return s.now }
	s.srv = httptest.NewServer(api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg).Handler())
	t.Cleanup(s.srv.Close)
	var admin string
	s.wsID, admin = pgtest.Workspace(t, store, "acme", domain.RoleAdmin)
	s.keys[domain.RoleAdmin] = admin
	s.keys[domain.RoleEditor] = pgtest.Key(t, store, s.wsID, domain.RoleEditor)
	s.keys[domain.RoleViewer] = pgtest.Key(t, store, s.wsID, domain.RoleViewer)
	return s
}

// browser is a signed-in client: a cookie jar, no automatic redirects.
type browser struct {
	s      *site
	client *http.Client
	csrf   string
}

// signIn signs in with the key of role.
func (s *site) signIn(role domain.Role) *browser {
	s.t.Helper()
	b := s.anonymous()
	r := b.post("/sign-in", url.Values{"key": {s.keys[role]}, "next": {"/"}})
	if r.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("sign in as %s: status %d", role, r.StatusCode)
	}
	doc := b.page("/", http.StatusOK)
	b.csrf, _ = doc.Find(`form[action="/sign-out"] input[name=csrf]`).Attr("value")
	if b.csrf == "" {
		s.t.Fatal("no CSRF token in the signed-in page")
	}
	return b
}

// anonymous is a client without a session.
func (s *site) anonymous() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) *http.Response {
	b.s.t.Helper()
	r, err := b.client.Get(b.s.srv.URL + path)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return r
}

// page gets path, checks the status and parses the HTML.
func (b *browser) page(path string, status int) *goquery.Document {
	b.s.t.Helper()
	return b.parse(b.get(path), status)
}

func (b *browser) parse(r *http.Response, status int) *goquery.Document {
	b.s.t.Helper()
	defer r.Body.Close()
	if r.StatusCode != status {
		body, _ := io.ReadAll(r.Body)
		b.s.t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, body)
	}
	doc, err := goquery.NewDocumentFromReader(r.Body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return doc
}

// post sends a form as is (the caller adds csrf when it means to).
func (b *browser) post(path string, form url.Values) *http.Response {
	b.s.t.Helper()
	r, err := b.client.PostForm(b.s.srv.URL+path, form)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return r
}

// submit posts a form with the session's CSRF token.
func (b *browser) submit(path string, form url.Values) *http.Response {
	b.s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf)
	return b.post(path, form)
}

// text is the trimmed, space-collapsed text of the selection.
func text(sel *goquery.Selection) string { return strings.Join(strings.Fields(sel.Text()), " ") }
