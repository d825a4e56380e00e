package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"
)

func TestDuplicateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, pointer string // pointer "" when there is no duplicate
	}{
		{"top level", `{"role":"viewer","role":"admin"}`, "/role"},
		{"top level, apart", `{"role":"viewer","name":"k","expires_at":null,"role":"admin"}`, "/role"},
		{"escaped form of the key", `{"role":"viewer","rol\u0065":"admin"}`, "/role"},
		{"both escaped", `{"\u0072ole":1,"r\u006fle":2}`, "/role"},
		{"nested object", `{"a":1,"b":{"c":1,"c":2}}`, "/b/c"},
		{"in an array", `{"name":"J","stages":[{"name":"a"},{"name":"b","name":"c"}]}`, "/stages/1/name"},
		{"first element of an array", `{"stages":[{"name":"a","id":"x","name":"b"}]}`, "/stages/0/name"},
		{"after scalars in an array", `{"a":[1,"x",null,true,{"y":1,"y":2}]}`, "/a/4/y"},
		{"in nested arrays", `{"a":[[],[{"k":1},{"k":1,"k":2}]]}`, "/a/1/1/k"},
		{"in a top-level array", `[{"k":1},{"k":1,"k":2}]`, "/1/k"},
		{"after a nested object closes", `{"a":{"b":{"c":1}},"a":2}`, "/a"},
		{"after empty containers", `{"a":{},"b":[],"a":1}`, "/a"},
		{"key escaped in the pointer", `{"a/b~c":1,"a\/b~c":2}`, "/a~1b~0c"},
		{"empty key", `{"":1,"":2}`, "/"},
		{"white space", " {\n \"a\" : 1 ,\t\"a\" : 2 } ", "/a"},
		{"same key in sibling objects", `{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}`, ""},
		{"same key at two depths", `{"x":{"x":{"x":1}}}`, ""},
		{"values that look like keys", `{"a":"a","b":"a","c":["a","a"],"d":{"a":"b"}}`, ""},
		{"keys differing in case", `{"Role":1,"role":2}`, ""},
		{"keys differing in escapes that decode apart", `{"a\u0062":1,"ab ":2}`, ""},
		{"no objects", `[1,"a",[true]]`, ""},
		{"scalar", `"role"`, ""},
		{"empty object", `{}`, ""},
	}
	// Objects of more keys than duplicateKey compares one by one.
	many := func(n int, extra string) string {
		var b strings.Builder
		b.WriteString(`{`)
		for k := range n {
			fmt.Fprintf(&b, `"k%d":{"k%d":[{"k1":1}]},`, k, k)
		}
		return b.String() + extra + `}`
	}
	tests = append(tests, []struct{ name, body, pointer string }{
		{"many keys", many(40, `"end":1`), ""},
		{"many keys, the first repeated last", many(40, `"k0":1`), "/k0"},
		{"many keys, the last one compared one by one repeated", many(16, `"k15":1`), "/k15"},
		{"many keys, the one that starts the map repeated", many(17, `"k16":1`), "/k16"},
		{"many keys, one added to the map repeated", many(20, `"k19":1`), "/k19"},
		{"many keys, repeated in an inner object", many(20, `"x":{"a":1,"a":2}`), "/x/a"},
		{"many keys in an array", `[` + many(20, `"k19":1`) + `]`, "/0/k19"},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !json.Valid([]byte(tt.body)) {
				t.Fatalf("test body %s is not JSON", tt.body)
			}
			ptr, found := duplicateKey([]byte(tt.body))
			if found != (tt.pointer != "") || ptr != tt.pointer {
				t.Fatalf("duplicateKey(%s) = %q, %v; want %q", tt.body, ptr, found, tt.pointer)
			}
		})
	}
}

// TestDecodeStrictDuplicateKey checks the answer every JSON body gets for a
// repeated key: EMalformed (400) naming it, whatever the target type.
func TestDecodeStrictDuplicateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, pointer string
		dst                 any
	}{
		{"create", `{"name":"k","role":"viewer","role":"admin"}`, "/role", &APIKeyCreate{}},
		{"nested create", `{"name":"J","stages":[{"name":"a"},{"name":"b","name":"c"}]}`, "/stages/1/name", &JourneyCreate{}},
		{"merge patch", `{"name":"a","description":null,"name":"b"}`, "/name", &JourneyPatch{}},
		{"merge patch of null twice", `{"description":null,"description":null}`, "/description", &JourneyPatch{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := decodeStrict([]byte(tt.body), tt.dst)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EMalformed || len(de.Fields) != 1 || de.Fields[0].Pointer != tt.pointer {
				t.Fatalf("decodeStrict(%s) = %#v, want EMalformed naming %s", tt.body, err, tt.pointer)
			}
			if !strings.Contains(de.Fields[0].Detail, "more than once") {
				t.Fatalf("detail %q does not say the field is repeated", de.Fields[0].Detail)
			}
		})
	}
	// Without the repetition the same bodies decode.
	if err := decodeStrict([]byte(`{"name":"J","stages":[{"name":"a"},{"name":"b"}]}`), &JourneyCreate{}); err != nil {
		t.Fatalf("valid body: %v", err)
	}
}

// TestDuplicateKeyRefusedOverHTTP sends repeated keys to a create and a
// merge patch: 400 naming the key, and nothing written.
func TestDuplicateKeyRefusedOverHTTP(t *testing.T) {
	t.Parallel()
	store, _ := pgtest.NewStore(t)
	_, admin := pgtest.Workspace(t, store, "acme", domain.RoleAdmin)
	srv := New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), DefaultConfig)
	send := func(t *testing.T, method, path, body string, headers ...string) (int, Problem, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		var p Problem
		if rec.Code >= 400 {
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("%s %s: %d with Content-Type %q", method, path, rec.Code, ct)
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
		}
		return rec.Code, p, rec.Body.String()
	}
	count := func(t *testing.T, query string) int {
		t.Helper()
		var n int
		if err := store.SQL().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	wantRefused := func(t *testing.T, status int, p Problem, body, pointer string) {
		t.Helper()
		if status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Pointer != pointer {
			t.Fatalf("status %d, body %s; want 400 naming %s", status, body, pointer)
		}
	}

	t.Run("api key with two roles", func(t *testing.T) {
		keys := count(t, "SELECT count(*) FROM api_keys")
		for _, body := range []string{
			`{"name":"ci","role":"viewer","role":"admin"}`,
			`{"name":"ci","role":"admin","role":"viewer"}`,
			`{"name":"ci","role":"viewer","rol\u0065":"admin"}`,
		} {
			status, p, raw := send(t, http.MethodPost, "/api/v1/api-keys", body)
			wantRefused(t, status, p, raw, "/role")
		}
		if n := count(t, "SELECT count(*) FROM api_keys"); n != keys {
			t.Fatalf("refused creates left %d keys, had %d", n, keys)
		}
		// The same body without the repetition is taken.
		if status, _, raw := send(t, http.MethodPost, "/api/v1/api-keys", `{"name":"ci","role":"viewer"}`); status != http.StatusCreated {
			t.Fatalf("valid key: %d %s", status, raw)
		}
	})

	t.Run("journey", func(t *testing.T) {
		status, p, raw := send(t, http.MethodPost, "/api/v1/journeys", `{"name":"J","stages":[{"name":"a","name":"b"}]}`)
		wantRefused(t, status, p, raw, "/stages/0/name")
		if n := count(t, "SELECT count(*) FROM journeys"); n != 0 {
			t.Fatalf("refused create left %d journeys", n)
		}
		status, _, raw = send(t, http.MethodPost, "/api/v1/journeys", `{"name":"J","stages":[{"name":"a"}]}`)
		if status != http.StatusCreated {
			t.Fatalf("valid journey: %d %s", status, raw)
		}
		var j Journey
		if err := json.Unmarshal([]byte(raw), &j); err != nil {
			t.Fatal(err)
		}
		status, p, raw = send(t, http.MethodPatch, "/api/v1/journeys/"+j.ID, `{"name":"A","name":"B"}`,
			"If-Match", fmt.Sprintf(`"%d"`, j.Version), "Content-Type", "application/merge-patch+json")
		wantRefused(t, status, p, raw, "/name")
		if n := count(t, "SELECT count(*) FROM journeys WHERE name = 'J' AND version = 1"); n != 1 {
			t.Fatal("a refused patch changed the journey")
		}
	})
}

// BenchmarkDuplicateKey measures the pass on a 1 MiB body (the default body
// limit) of small objects, the worst shape for it, next to decodeStrict.
func BenchmarkDuplicateKey(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"name":"J","stages":[`)
	for n := 0; sb.Len() < 1<<20-100; n++ {
		if n > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"%08d-0000-4000-8000-000000000000","name":"Stage %d"}`, n, n)
	}
	sb.WriteString(`]}`)
	body := []byte(sb.String())
	b.Run("duplicateKey", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, found := duplicateKey(body); found {
				b.Fatal("duplicate")
			}
		}
	})
	b.Run("decodeStrict", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if err := decodeStrict(body, &JourneyCreate{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
