package api_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cxbacklog/api"
	"cxbacklog/domain"
	"cxbacklog/repository/pgtest"
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

// openAPI is the part of docs/swagger.json the spec tests read.
type openAPI struct {
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Paths       map[string]map[string]*specOperation `json:"paths"`
	Definitions map[string]*specSchema               `json:"definitions"`
}

type specOperation struct {
	ID         string          `json:"operationId"`
	Tags       []string        `json:"tags"`
	Produces   []string        `json:"produces"`
	Security   json.RawMessage `json:"security"` // absent, [] or a list of schemes
	Parameters []struct {
		Name        string      `json:"name"`
		In          string      `json:"in"`
		Description string      `json:"description"`
		Example     any         `json:"x-example"`
		Schema      *specSchema `json:"schema"`
	} `json:"parameters"`
	Responses map[string]*struct {
		Schema  *specSchema               `json:"schema"`
		Headers map[string]map[string]any `json:"headers"`
	} `json:"responses"`
}

type specSchema struct {
	Ref                  string                 `json:"$ref"`
	Type                 string                 `json:"type"`
	Properties           map[string]*specSchema `json:"properties"`
	Required             []string               `json:"required"`
	Items                *specSchema            `json:"items"`
	Enum                 []any                  `json:"enum"`
	AdditionalProperties *specSchema            `json:"additionalProperties"`
	Nullable             bool                   `json:"x-nullable"`
	AllOf                []json.RawMessage      `json:"allOf"`
}

func readSpec(t *testing.T) *openAPI {
	t.Helper()
	raw, err := os.ReadFile("../docs/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec openAPI
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	return &spec
}

// authenticated says whether op declares BearerAuth; public says whether it
// says outright that it needs none (security: []).
func (op *specOperation) authenticated() bool {
	var sec []map[string][]string
	_ = json.Unmarshal(op.Security, &sec)
	return len(sec) == 1 && sec[0]["BearerAuth"] != nil
}

func (op *specOperation) public() bool { return strings.TrimSpace(string(op.Security)) == "[]" }

// What a generated client needs of every operation: a stable camelCase
// method name, a declared tag, problem+json among the media types it
// decodes, and every error a documented Problem with the headers it comes
// with.
func TestSpecOperationsServeGeneratedClients(t *testing.T) {
	t.Parallel()
	spec := readSpec(t)
	declared := map[string]bool{}
	for _, tag := range spec.Tags {
		if tag.Description == "" {
			t.Errorf("tag %s has no description", tag.Name)
		}
		declared[tag.Name] = true
	}
	used := map[string]bool{}
	ids := map[string]string{}
	camel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	n := 0
	for path, ops := range spec.Paths {
		for method, op := range ops {
			n++
			name := strings.ToUpper(method) + " " + path
			if !camel.MatchString(op.ID) {
				t.Errorf("%s: operationId %q is not camelCase", name, op.ID)
			} else if other, ok := ids[op.ID]; ok {
				t.Errorf("%s: operationId %q is also %s's", name, op.ID, other)
			}
			ids[op.ID] = name
			if len(op.Tags) != 1 {
				t.Errorf("%s: tags %q, want exactly one", name, op.Tags)
			}
			for _, tag := range op.Tags {
				used[tag] = true
				if !declared[tag] {
					t.Errorf("%s: tag %q is not in the top-level tags", name, tag)
				}
			}
			if !slices.Contains(op.Produces, "application/problem+json") {
				t.Errorf("%s: produces %q lacks application/problem+json, the media type of every error", name, op.Produces)
			}
			if !op.authenticated() && !op.public() {
				t.Errorf("%s: security is neither BearerAuth nor [] (public)", name)
			}
			for code, r := range op.Responses {
				if (code == "default" || code >= "400") && (r.Schema == nil || r.Schema.Ref != "#/definitions/Problem") {
					t.Errorf("%s: response %s is not a Problem", name, code)
				}
				if code == "201" && r.Headers["Location"] == nil {
					t.Errorf("%s: 201 does not document Location", name)
				}
			}
			if op.Responses["default"] == nil {
				t.Errorf("%s: no default response (a Problem for any other status)", name)
			}
			want := []string{"503"}
			if op.public() {
				want = nil
			}
			if op.authenticated() {
				want = []string{"400", "401", "429", "503"}
			}
			for _, code := range want {
				if op.Responses[code] == nil {
					t.Errorf("%s: does not document %s", name, code)
				}
			}
			for _, code := range []string{"429", "503"} {
				if r := op.Responses[code]; r != nil && r.Headers["Retry-After"] == nil {
					t.Errorf("%s: %s does not document Retry-After", name, code)
				}
			}
			for _, p := range op.Parameters {
				if d := strings.TrimSpace(p.Description); d == "" || strings.HasSuffix(d, `\`) || strings.HasSuffix(d, "e.g.") {
					t.Errorf("%s: parameter %s has a cut description %q", name, p.Name, p.Description)
				}
				if p.In == "query" && p.Example == nil {
					t.Errorf("%s: query parameter %s has no x-example", name, p.Name)
				}
			}
		}
	}
	for tag := range declared {
		if !used[tag] {
			t.Errorf("tag %s is declared but no operation has it", tag)
		}
	}
	if n < 60 {
		t.Fatalf("only %d operations checked", n)
	}
}

// Every model a response refers to says which fields are always there, and
// no property wraps a model in allOf (generated clients make an anonymous
// type of it). Every JSON body that creates or replaces something says
// which fields it needs, save SampleInput, whose fields depend on the
// metric's kind.
func TestSpecModelsListRequiredFields(t *testing.T) {
	t.Parallel()
	spec := readSpec(t)
	reached := map[string]bool{}
	var walk func(s *specSchema)
	walk = func(s *specSchema) {
		if s == nil {
			return
		}
		if name, ok := strings.CutPrefix(s.Ref, "#/definitions/"); ok {
			if reached[name] {
				return
			}
			reached[name] = true
			s = spec.Definitions[name]
			if s == nil {
				t.Errorf("%s is referred to but not defined", name)
				return
			}
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties)
	}
	bodies := map[string]bool{}
	for _, ops := range spec.Paths {
		for method, op := range ops {
			for _, r := range op.Responses {
				walk(r.Schema)
			}
			for _, p := range op.Parameters {
				if p.In == "body" && p.Schema != nil && (method == "post" || method == "put") {
					if name, ok := strings.CutPrefix(p.Schema.Ref, "#/definitions/"); ok {
						bodies[name] = true
					}
				}
			}
		}
	}
	if len(reached) < 40 {
		t.Fatalf("only %d response models reached", len(reached))
	}
	delete(bodies, "SampleInput")
	for name := range bodies {
		reached[name] = true
	}
	for name := range reached {
		d := spec.Definitions[name]
		if len(d.Required) == 0 {
			t.Errorf("%s lists no required fields", name)
		}
		for _, r := range d.Required {
			if d.Properties[r] == nil {
				t.Errorf("%s requires %s, which it does not have", name, r)
			} else if d.Properties[r].Nullable {
				t.Errorf("%s.%s is required and x-nullable: a nullable field is left out of required", name, r)
			}
		}
	}
	for name, d := range spec.Definitions {
		for prop, p := range d.Properties {
			if len(p.AllOf) > 0 {
				t.Errorf("%s.%s is an allOf; refer to the model directly", name, prop)
			}
		}
	}
}

// specCheck compares what the server answers with what the spec says of
// the operation: the status is documented, the media type declared, the
// body matches the response's schema (required fields present, null only
// where x-nullable, values in their enum, no undocumented field) and every
// header a client acts on is documented.
type specCheck struct {
	t    *testing.T
	spec *openAPI
	seen map[string]int // operations checked, by "METHOD template"
}

func (sc *specCheck) check(method, template, path string, r response) {
	t := sc.t
	t.Helper()
	name := method + " " + template
	sc.seen[name]++
	op := sc.spec.Paths[template][strings.ToLower(method)]
	if op == nil {
		t.Errorf("%s is not in the spec", name)
		return
	}
	code := strconv.Itoa(r.Status)
	doc := op.Responses[code]
	if doc == nil {
		t.Errorf("%s (%s) answered %d, which the spec does not document; body: %.300s", name, path, r.Status, r.Body)
		if doc = op.Responses["default"]; doc == nil {
			return
		}
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if len(r.Body) > 0 && !slices.Contains(op.Produces, mediaType) {
		t.Errorf("%s (%s) answered %d as %q, which is not in produces %q", name, path, r.Status, mediaType, op.Produces)
	}
	for _, h := range []string{"ETag", "Location", "Retry-After", "WWW-Authenticate", "Idempotent-Replayed"} {
		if r.Header.Get(h) != "" && doc.Headers[h] == nil {
			t.Errorf("%s (%s) answered %d with %s, which the spec does not document", name, path, r.Status, h)
		}
	}
	if doc.Schema == nil || doc.Schema.Type == "file" || doc.Schema.Type == "string" || mediaType != "application/json" && mediaType != "application/problem+json" {
		return
	}
	var body any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Errorf("%s (%s): %v", name, path, err)
		return
	}
	for _, problem := range sc.conforms(doc.Schema, body, "", false) {
		t.Errorf("%s (%s) %d: %s", name, path, r.Status, problem)
	}
}

// conforms lists where v departs from schema s; at names the place.
// nullable is the property's own x-nullable, or a model referred to by a
// property that is not required (a pointer in generated clients).
func (sc *specCheck) conforms(s *specSchema, v any, at string, nullable bool) []string {
	if name, ok := strings.CutPrefix(s.Ref, "#/definitions/"); ok {
		if s = sc.spec.Definitions[name]; s == nil {
			return []string{at + ": no definition " + name}
		}
	}
	if v == nil {
		if nullable || s.Nullable {
			return nil
		}
		return []string{at + " is null, but not x-nullable"}
	}
	var out []string
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		out = append(out, fmt.Sprintf("%s = %v is not one of %v", at, v, s.Enum))
	}
	switch s.Type {
	case "object", "":
		obj, ok := v.(map[string]any)
		if !ok {
			if s.Type == "" {
				return out // a schema that says nothing: anything goes
			}
			return append(out, fmt.Sprintf("%s = %v is not an object", at, v))
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				out = append(out, fmt.Sprintf("%s/%s is required but absent", at, r))
			}
		}
		for k, x := range obj {
			p := s.Properties[k]
			if p == nil {
				p = s.AdditionalProperties
			}
			if p == nil {
				out = append(out, fmt.Sprintf("%s/%s is not in the schema", at, k))
				continue
			}
			optionalModel := p.Ref != "" && !slices.Contains(s.Required, k)
			out = append(out, sc.conforms(p, x, at+"/"+k, p.Nullable || optionalModel)...)
		}
	case "array":
		items, ok := v.([]any)
		if !ok {
			return append(out, fmt.Sprintf("%s = %v is not an array", at, v))
		}
		for n, x := range items {
			out = append(out, sc.conforms(s.Items, x, fmt.Sprintf("%s/%d", at, n), false)...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			out = append(out, fmt.Sprintf("%s = %v is not a string", at, v))
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			out = append(out, fmt.Sprintf("%s = %v is not an integer", at, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			out = append(out, fmt.Sprintf("%s = %v is not a number", at, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf("%s = %v is not a boolean", at, v))
		}
	}
	return out
}

// unknownIDs says whether r refuses the request only because id parameters
// name nothing in the workspace: what the examples' made-up ids do.
func unknownIDs(t *testing.T, r response) bool {
	t.Helper()
	if r.Status != http.StatusBadRequest {
		return false
	}
	var p api.Problem
	r.json(t, &p)
	for _, f := range p.Errors {
		if !strings.HasSuffix(f.Parameter, "_id") {
			return false
		}
	}
	return len(p.Errors) > 0
}

// The spec describes what the server actually answers: every GET over the
// demo workspace, with and without its documented query examples, a
// sequence of writes (creates, a replayed create, a replaced sample) and
// errors (unknown ids, a bad key, an unknown query parameter), each
// checked against the operation's documented responses.
func TestSpecDescribesTheAnswers(t *testing.T) {
	t.Parallel()
	cfg := api.DefaultConfig
	cfg.RatePerKey, cfg.RatePerWorkspace, cfg.AuthFailureRate = 0, 0, 0 // hundreds of requests from one key
	e := newEnvConfig(t, cfg)
	wsID, _ := demoEnv(t, e)
	admin := pgtest.Key(t, e.store, wsID, domain.RoleAdmin)
	spec := readSpec(t)
	sc := &specCheck{t: t, spec: spec, seen: map[string]int{}}
	do := func(method, template, path, token string, body any, headers ...string) response {
		t.Helper()
		r := e.do(method, path, token, body, headers...)
		sc.check(method, template, path, r)
		return r
	}
	// The ids to try for each resource: everything the demo has, listed
	// by the resource's list operation.
	listed := map[string][]string{}
	ids := func(list string) []string {
		t.Helper()
		if out, ok := listed[list]; ok {
			return out
		}
		op := spec.Paths[list]["get"]
		if op == nil {
			t.Errorf("no GET %s to list ids from", list)
			return nil
		}
		query := url.Values{}
		for _, p := range op.Parameters {
			switch p.Name {
			case "limit":
				query.Set("limit", "100")
			case "status":
				if list == "/api/v1/ideas" {
					query.Set("status", "all") // else the open ones only
				}
			}
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		do(http.MethodGet, list, list+"?"+query.Encode(), admin, nil).want(t, http.StatusOK).json(t, &page)
		var out []string
		for _, it := range page.Items {
			out = append(out, it.ID)
		}
		listed[list] = out
		return out
	}
	const unknown = "00000000-0000-4000-8000-000000000000"
	expand := func(template string) []string {
		var out []string
		if list, _, ok := strings.Cut(template, "/{id}"); ok {
			for _, id := range append(ids(list), unknown) {
				p := strings.Replace(template, "{id}", id, 1)
				switch {
				case strings.Contains(p, "{measurement_id}"):
					var list api.MeasurementList
					e.do(http.MethodGet, "/api/v1/touchpoints/"+id+"/measurements?limit=3", admin, nil).json(t, &list)
					for _, m := range list.Items {
						out = append(out, strings.Replace(p, "{measurement_id}", m.ID, 1))
					}
					out = append(out, strings.Replace(p, "{measurement_id}", unknown, 1))
				case strings.Contains(p, "{metric_id}"):
					var list api.MetricList
					e.do(http.MethodGet, "/api/v1/pilots/"+id+"/metrics", admin, nil).json(t, &list)
					for _, m := range append(list.Items, api.Metric{ID: unknown}) {
						q := strings.Replace(p, "{metric_id}", m.ID, 1)
						for _, gp := range []string{"pilot/before", "pilot/after", "control/before", "control/after"} {
							out = append(out, strings.Replace(q, "{group}/{period}", gp, 1))
						}
					}
				default:
					out = append(out, p)
				}
			}
		}
		if !strings.Contains(template, "{") {
			out = append(out, template)
		}
		return slices.Compact(out)
	}
	for template, ops := range spec.Paths {
		op := ops["get"]
		if op == nil {
			continue
		}
		paths := expand(template)
		if len(paths) == 0 {
			t.Errorf("GET %s: no path to try", template)
		}
		var examples []string
		for _, p := range op.Parameters {
			if p.In == "query" && p.Example != nil {
				examples = append(examples, p.Name+"="+url.QueryEscape(fmt.Sprint(p.Example)))
			}
		}
		tried := false
		for n, path := range paths {
			r := do(http.MethodGet, template, path, admin, nil)
			if len(examples) > 0 && !tried && r.Status == http.StatusOK {
				// The examples on the first path the demo has: they are
				// accepted (made-up ids may name nothing here).
				tried = true
				withExamples := path + "?" + strings.Join(examples, "&")
				if r := do(http.MethodGet, template, withExamples, admin, nil); r.Status != http.StatusOK && !unknownIDs(t, r) {
					t.Errorf("GET %s with the documented examples: %d %s", withExamples, r.Status, r.Body)
				}
			}
			if n == 0 {
				do(http.MethodGet, template, path, "cxb_not_a_key", nil)
				do(http.MethodGet, template, path+"?no_such_parameter=1", admin, nil)
			}
		}
	}

	// Writes: every create answers 201 with the headers the spec names.
	editor := pgtest.Key(t, e.store, wsID, domain.RoleEditor)
	var j api.Journey
	in := api.JourneyCreate{Name: "Spec tour", Stages: []api.StageInput{{Name: "Arrive"}}}
	do(http.MethodPost, "/api/v1/journeys", "/api/v1/journeys", editor, in, "Idempotency-Key", "spec-tour").want(t, http.StatusCreated).json(t, &j)
	if r := do(http.MethodPost, "/api/v1/journeys", "/api/v1/journeys", editor, in, "Idempotency-Key", "spec-tour"); r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the replayed create says Idempotent-Replayed %q", r.Header.Get("Idempotent-Replayed"))
	}
	var tp api.Touchpoint
	do(http.MethodPost, "/api/v1/touchpoints", "/api/v1/touchpoints", editor,
		api.TouchpointCreate{JourneyID: j.ID, StageID: j.Stages[0].ID, Name: "Door", Channel: "physical_environment"}).want(t, http.StatusCreated).json(t, &tp)
	var idea api.Idea
	do(http.MethodPost, "/api/v1/ideas", "/api/v1/ideas", editor,
		api.IdeaCreate{Title: "Automatic door", TouchpointIDs: []string{tp.ID}, Impact: 3, Experience: 4, Effort: 2}).want(t, http.StatusCreated).json(t, &idea)
	do(http.MethodPatch, "/api/v1/ideas/{id}", "/api/v1/ideas/"+idea.ID, editor, map[string]any{"status": "under_review"}, "If-Match", `"1"`).want(t, http.StatusOK)
	do(http.MethodPatch, "/api/v1/ideas/{id}", "/api/v1/ideas/"+idea.ID, editor, map[string]any{"status": "adopted"}, "If-Match", `"2"`).want(t, http.StatusConflict)
	do(http.MethodPatch, "/api/v1/ideas/{id}", "/api/v1/ideas/"+idea.ID, editor, map[string]any{"title": "x"}, "If-Match", `"1"`).want(t, http.StatusPreconditionFailed)
	do(http.MethodPatch, "/api/v1/ideas/{id}", "/api/v1/ideas/"+idea.ID, editor, map[string]any{"title": "x"}).want(t, http.StatusPreconditionRequired)
	do(http.MethodPatch, "/api/v1/ideas/{id}", "/api/v1/ideas/"+idea.ID, e.viewer, map[string]any{"title": "x"}, "If-Match", `"2"`)
	do(http.MethodPost, "/api/v1/ideas", "/api/v1/ideas", editor, map[string]any{"title": ""}).want(t, http.StatusUnprocessableEntity)
	var metric api.CatalogueMetric
	do(http.MethodPost, "/api/v1/metrics", "/api/v1/metrics", editor,
		api.CatalogueMetricCreate{Key: "door_waits", Name: "Waits at the door", Kind: "count", Direction: "lower_is_better"}).want(t, http.StatusCreated).json(t, &metric)
	events, exposure := 3, 10.0
	do(http.MethodPost, "/api/v1/touchpoints/{id}/measurements", "/api/v1/touchpoints/"+tp.ID+"/measurements", editor,
		api.MeasurementInput{MetricID: metric.ID, PeriodStart: "2026-10-01", PeriodEnd: "2026-10-31", SampleInput: api.SampleInput{Events: &events, Exposure: &exposure}}).
		want(t, http.StatusCreated)
	var pilot api.Pilot
	do(http.MethodPost, "/api/v1/pilots", "/api/v1/pilots", editor,
		api.PilotCreate{IdeaID: idea.ID, Hypothesis: "Fewer waits"}).want(t, http.StatusCreated).json(t, &pilot)
	var pm api.Metric
	do(http.MethodPost, "/api/v1/pilots/{id}/metrics", "/api/v1/pilots/"+pilot.ID+"/metrics", editor,
		api.MetricCreate{MetricID: &metric.ID, Name: "Waits", Kind: "count", Direction: "lower_is_better", Primary: true}).want(t, http.StatusCreated).json(t, &pm)
	const sample = "/api/v1/pilots/{id}/metrics/{metric_id}/samples/{group}/{period}"
	at := "/api/v1/pilots/" + pilot.ID + "/metrics/" + pm.ID + "/samples/pilot/before"
	do(http.MethodPut, sample, at, editor, api.SampleInput{Events: &events, Exposure: &exposure}).want(t, http.StatusCreated)
	do(http.MethodPut, sample, at, editor, api.SampleInput{Events: &events, Exposure: &exposure}, "If-Match", `"1"`).want(t, http.StatusOK)
	do(http.MethodPost, "/api/v1/api-keys", "/api/v1/api-keys", admin, api.APIKeyCreate{Name: "spec", Role: "viewer"}).want(t, http.StatusCreated)
	do(http.MethodDelete, "/api/v1/ideas/{id}", "/api/v1/ideas/"+idea.ID, editor, nil, "If-Match", `"1"`).want(t, http.StatusPreconditionFailed)

	if len(sc.seen) < 45 {
		t.Errorf("only %d operations were exercised", len(sc.seen))
	}
}
