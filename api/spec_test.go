package api_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"cxbacklog/domain"
)

// TestSpecDocumentsEveryRoute walks the router's own route table, so a new
// route without a Swagger block fails here.
func TestSpecDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	raw, err := os.ReadFile("../docs/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]struct {
			Security  []map[string][]string `json:"security"`
			Responses map[string]any        `json:"responses"`
		} `json:"paths"`
		SecurityDefinitions map[string]any `json:"securityDefinitions"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.SecurityDefinitions["BearerAuth"] == nil {
		t.Fatal("no BearerAuth security definition")
	}
	param := regexp.MustCompile(`:(\w+)`)
	documented := 0
	for _, r := range e.srv.Routes() {
		if r.Path == "/swagger/*" || r.Path == "/metrics" {
			continue // the spec itself, and Prometheus' text format
		}
		path := param.ReplaceAllString(r.Path, "{$1}")
		op, ok := spec.Paths[path][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("%s %s is not in docs/swagger.json", r.Method, path)
			continue
		}
		documented++
		if r.Role == "" {
			continue
		}
		if len(op.Security) == 0 || op.Security[0]["BearerAuth"] == nil {
			t.Errorf("%s %s does not declare BearerAuth", r.Method, path)
		}
		for _, status := range []string{"401", "503"} {
			if op.Responses[status] == nil {
				t.Errorf("%s %s does not document %s", r.Method, path, status)
			}
		}
		if r.Role != "viewer" && op.Responses["403"] == nil {
			t.Errorf("%s %s needs role %s but does not document 403", r.Method, path, r.Role)
		}
	}
	if documented < 15 {
		t.Fatalf("only %d routes checked; the route table looks incomplete", documented)
	}
}

// The spec says what a 1, 3 and 5 mean on each scale an idea is scored on,
// in the words GET /scoring uses.
func TestSpecAnchorsTheScales(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../docs/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Definitions map[string]struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{"IdeaCreate", "IdeaPatch", "Idea"} {
		for _, a := range domain.Scales {
			desc := spec.Definitions[model].Properties[a.Scale].Description
			for _, anchor := range []string{a.Low, a.Mid, a.High} {
				if !strings.Contains(desc, anchor) {
					t.Errorf("%s.%s's description %q lacks %q", model, a.Scale, desc, anchor)
				}
			}
		}
	}
}
