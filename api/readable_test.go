package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"cxbacklog/api"
	"cxbacklog/domain"
)

// Numbers and text as people read them: every JSON body ends with a
// newline and shows < > & as themselves.
func TestJSONBodiesReadAsWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	queue := e.touchpoint(j, "Phone queue & <IVR>", "phone", "Contact centre")
	bodies := map[string]response{
		"success": e.do(http.MethodGet, "/api/v1/touchpoints/"+queue.ID, e.viewer, nil).want(t, http.StatusOK),
		"problem": e.do(http.MethodPut, "/api/v1/scoring", e.admin, `{"weight_impact":1,"weight_experience":1,"value_threshold":2.5,"effort_threshold":9}`, "If-Match", `"1"`).
			want(t, http.StatusUnprocessableEntity),
	}
	for name, r := range bodies {
		if !bytes.HasSuffix(r.Body, []byte("}\n")) {
			t.Errorf("%s body does not end with a newline: %q", name, r.Body)
		}
		if bytes.Contains(r.Body, []byte(`\u003c`)) || bytes.Contains(r.Body, []byte(`\u0026`)) {
			t.Errorf("%s body escapes HTML characters: %s", name, r.Body)
		}
	}
	if !bytes.Contains(bodies["success"].Body, []byte("Phone queue & <IVR>")) {
		t.Errorf("touchpoint name not as written: %s", bodies["success"].Body)
	}
}

// The scales' anchors are in GET /scoring and in the spec; PUT /scoring
// takes back the document GET returned.
func TestScoringDocumentRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := e.do(http.MethodGet, "/api/v1/scoring", e.viewer, nil).want(t, http.StatusOK)
	var sc api.ScoringSettings
	got.json(t, &sc)
	if len(sc.Scales) != 3 {
		t.Fatalf("scales = %+v, want impact, experience and effort", sc.Scales)
	}
	for n, want := range domain.Scales {
		if a := sc.Scales[n]; a.Scale != want.Scale || a.Low != want.Low || a.Mid != want.Mid || a.High != want.High {
			t.Errorf("scale %d = %+v, want %+v", n, a, want)
		}
	}

	// The document as read, with one change, is accepted.
	doc := strings.Replace(string(got.Body), `"weight_impact":1`, `"weight_impact":2`, 1)
	var put api.ScoringSettings
	e.do(http.MethodPut, "/api/v1/scoring", e.admin, doc, "If-Match", got.Header.Get("ETag")).want(t, http.StatusOK).json(t, &put)
	if put.WeightImpact != 2 || put.Version != sc.Version+1 {
		t.Fatalf("after PUT of the GET document: %+v", put)
	}
	// Read-only parts that disagree are named, not ignored.
	for field, body := range map[string]string{
		"/version": strings.Replace(doc, `"version":1`, `"version":7`, 1),
		"/scales":  strings.Replace(doc, "few customers would notice", "nobody", 1),
	} {
		p := e.do(http.MethodPut, "/api/v1/scoring", e.admin, body, "If-Match", `"2"`).problem(t, http.StatusUnprocessableEntity)
		if !namesField(p, field) {
			t.Errorf("errors %+v do not name %s", p.Errors, field)
		}
	}
}

func TestIdeaScoreSaysWhyInWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.journey("Support", "Call")
	queue := e.touchpoint(j, "Phone queue", "phone", "Contact centre")
	quick := e.idea("Headsets", 4, 5, 2, 0.8, queue)
	pit := e.idea("Rebuild the IVR", 1, 2, 5, 0.3, queue)
	if !strings.HasPrefix(quick.Score.Summary, "Quick win: high value for little effort") {
		t.Errorf("quick win summary = %q", quick.Score.Summary)
	}
	if !strings.HasPrefix(pit.Score.Summary, "Money pit") || !strings.Contains(pit.Score.Summary, "Confidence is low (0.3)") {
		t.Errorf("money pit summary = %q", pit.Score.Summary)
	}
}

func TestMeNamesTheWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var me api.Me
	e.do(http.MethodGet, "/api/v1/me", e.viewer, nil).want(t, http.StatusOK).json(t, &me)
	if me.WorkspaceID != e.wsID || me.WorkspaceSlug == "" || me.WorkspaceName == "" {
		t.Fatalf("me = %+v, want the workspace's id, slug and name", me)
	}
}
