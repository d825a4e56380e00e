package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
)

func TestSignInSessionCookieAndSignOut(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	anon := s.anonymous()
	if r := anon.get("/"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/sign-in?next=%2F" {
		t.Fatalf("anonymous backlog: %d to %q, want a redirect to sign in", r.StatusCode, r.Header.Get("Location"))
	}
	doc := anon.page("/sign-in", http.StatusOK)
	if doc.Find(`label[for=key]`).Length() != 1 || doc.Find(`input#key[type=password]`).Length() != 1 {
		t.Fatal("the sign-in form has no labelled key field")
	}
	bad := anon.parse(anon.post("/sign-in", url.Values{"key": {"cxb_nonsense"}}), http.StatusUnauthorized)
	if !strings.Contains(text(bad.Find("[role=alert]")), "not accepted") {
		t.Fatalf("a bad key's page says %q", text(bad.Find("[role=alert]")))
	}

	r := anon.post("/sign-in", url.Values{"key": {s.keys[domain.RoleEditor]}, "next": {"//evil.example/x"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("sign in with next=//evil.example: %d to %q, want / on this site", r.StatusCode, r.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == "cxb_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || len(cookie.Value) < 43 {
		t.Fatalf("session cookie = %+v; want HttpOnly, SameSite=Lax, 256 random bits", cookie)
	}
	var stored int
	if err := s.store.SQL().QueryRow("SELECT count(*) FROM web_sessions WHERE id_hash = $1", domain.HashToken(cookie.Value)).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("sessions stored by the cookie's hash: %d, %v", stored, err)
	}

	b := s.signIn(domain.RoleEditor)
	page := b.page("/", http.StatusOK)
	if got := text(page.Find(".who span")); !strings.Contains(got, "editor key") {
		t.Fatalf("signed in as %q", got)
	}
	if csp := b.get("/").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("page CSP = %q", csp)
	}
	if r := b.submit("/sign-out", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.StatusCode)
	}
	if r := b.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out the backlog answers %d, want a redirect to sign in", r.StatusCode)
	}
}

func TestSessionEndsWhenIdleOrRevoked(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.signIn(domain.RoleViewer)
	s.now = s.now.Add(domain.SessionIdle - time.Minute)
	b.page("/", http.StatusOK) // still alive, and touched
	s.now = s.now.Add(domain.SessionIdle - time.Minute)
	b.page("/", http.StatusOK) // alive: idle time counts from the last request
	s.now = s.now.Add(domain.SessionIdle + time.Second)
	if r := b.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after %v idle: %d, want a redirect to sign in", domain.SessionIdle, r.StatusCode)
	}

	b = s.signIn(domain.RoleAdmin)
	if _, err := s.store.SQL().ExecContext(context.Background(), "UPDATE api_keys SET revoked_at = now() WHERE secret_hash = $1",
		domain.HashToken(s.keys[domain.RoleAdmin])); err != nil {
		t.Fatal(err)
	}
	if r := b.get("/"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the key's revocation: %d, want a redirect to sign in", r.StatusCode)
	}
}

// The cookie alone never writes: a form without the session's token is
// refused and changes nothing.
func TestFormsNeedTheCSRFToken(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.signIn(domain.RoleAdmin)
	for name, token := range map[string]string{"none": "", "forged": "AAAA", "another session's": s.signIn(domain.RoleAdmin).csrf} {
		doc := b.parse(b.post("/sign-out", url.Values{"csrf": {token}}), http.StatusForbidden)
		if !strings.Contains(text(doc.Find("[role=alert]")), "security token") {
			t.Errorf("sign-out with %s token: the page says %q", name, text(doc.Find("[role=alert]")))
		}
	}
	b.page("/", http.StatusOK) // the session was not ended
}

// Charts accept the session, so a page's <img> works; other API routes do not.
func TestChartsAcceptTheSession(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.signIn(domain.RoleViewer)
	if r := b.get("/api/v1/reports/matrix.svg"); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("matrix chart with the session: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r := b.get("/api/v1/ideas"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("JSON API with only the session cookie: %d, want 401", r.StatusCode)
	}
	if r := s.anonymous().get("/api/v1/reports/matrix.svg"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("chart without a session: %d, want 401", r.StatusCode)
	}
}
