package repository_test

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain"
	"cxbacklog/repository"
)

// insertDriver stores a value driver for the catalogue metric metricKey at
// touchpoint tpID with SQL (the value-driver store is not the subject here)
// and returns its id.
func insertDriver(t *testing.T, store *repository.Store, ws, tpID, metricKey string, unitValue, exposure float64) string {
	t.Helper()
	id := domain.NewID()
	_, err := store.SQL().ExecContext(context.Background(), `INSERT INTO value_drivers
		(id, workspace_id, touchpoint_id, metric_id, unit_value, exposure_per_year, exposure_unit, note, created_at, updated_at, version)
		SELECT $1, $2, $3, m.id, $5, $6, 'calls', '', now(), now(), 1 FROM catalogue_metrics m WHERE m.workspace_id = $2 AND m.key = $4`,
		id, ws, tpID, metricKey, unitValue, exposure)
	if err != nil {
		t.Fatalf("insert driver %s: %v", metricKey, err)
	}
	return id
}

// moneyFixture is a workspace with two touchpoints: a and b; at a, drivers
// for handle time (0.015 × 120,000) and first-contact resolution (4.50 ×
// 120,000); at b, one for churn.
type moneyFixture struct {
	store            *repository.Store
	ws               string
	a, b             string // touchpoint ids
	aht, fcr, bChurn string // driver ids
}

func newMoneyFixture(t *testing.T) *moneyFixture {
	t.Helper()
	store := newStore(t)
	ws := newWorkspace(t, store, "money")
	j := createJourney(t, store, ws, "Support", "Call")
	f := &moneyFixture{store: store, ws: ws,
		a: createTouchpoint(t, store, j, 0, tp{name: "Phone"}).ID, b: createTouchpoint(t, store, j, 0, tp{name: "Chat"}).ID}
	f.aht = insertDriver(t, store, ws, f.a, "aht", 0.015, 120000)
	f.fcr = insertDriver(t, store, ws, f.a, "fcr", 4.5, 120000)
	f.bChurn = insertDriver(t, store, ws, f.b, "churn", 480, 50000)
	return f
}

// caseIdea is a valid idea at touchpoints with the worked example's case:
// one-off 20,000, running 6,000, handle time −23 s and first-contact
// resolution +0.04.
func (f *moneyFixture) caseIdea(title string, touchpoints ...string) *domain.Idea {
	i := newTestIdea(f.ws, title, touchpoints...)
	i.Money = domain.BusinessCaseInputs{OneOffCost: ptr(20000.0), AnnualRunningCost: ptr(6000.0),
		ExpectedImprovements: []domain.ExpectedImprovement{{ValueDriverID: f.aht, Improvement: 23}, {ValueDriverID: f.fcr, Improvement: 0.04}}}
	return i
}

func moneyNear(a, b float64) bool { return math.Abs(a-b) < 1e-6*math.Max(1, math.Abs(b)) }

// wantWorkedCase fails unless i carries the worked example's inputs and case.
func (f *moneyFixture) wantWorkedCase(t *testing.T, what string, i *domain.Idea) {
	t.Helper()
	wantImprovements := []domain.ExpectedImprovement{{ValueDriverID: f.aht, Improvement: 23}, {ValueDriverID: f.fcr, Improvement: 0.04}}
	if i.Money.OneOffCost == nil || *i.Money.OneOffCost != 20000 || i.Money.AnnualRunningCost == nil || *i.Money.AnnualRunningCost != 6000 ||
		!slices.Equal(i.Money.ExpectedImprovements, wantImprovements) {
		t.Fatalf("%s: inputs %+v", what, i.Money)
	}
	c := i.BusinessCase
	if c == nil {
		t.Fatalf("%s: no business case", what)
	}
	if !moneyNear(c.ExpectedAnnualValue, 63000) || !moneyNear(c.ExpectedNetAnnualValue, 57000) || c.PaybackMonths == nil ||
		!moneyNear(*c.PaybackMonths, 20000/(57000.0/12)) || c.FirstYearROI == nil || !moneyNear(*c.FirstYearROI, 37000.0/26000) ||
		c.Currency != "EUR" || c.Explanation == "" {
		t.Fatalf("%s: business case %+v", what, c)
	}
}

func TestIdeaBusinessCaseStoredAndRead(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	ctx := context.Background()
	i := storeIdea(t, f.store, f.caseIdea("Headsets", f.a))
	f.wantWorkedCase(t, "created", i)
	plain := storeIdea(t, f.store, newTestIdea(f.ws, "Plain", f.a))
	if plain.BusinessCase != nil || !plain.Money.Empty() {
		t.Fatalf("an idea without inputs has a case: %+v %+v", plain.Money, plain.BusinessCase)
	}
	f.wantWorkedCase(t, "GetIdea", getIdea(t, f.store, f.ws, i.ID))

	for _, sort := range []domain.IdeaSort{domain.SortPriorityDesc, domain.SortNetValueDesc} {
		for _, q := range []*string{nil, ptr("Headsets")} {
			ideas, _, err := f.store.ListIdeas(ctx, f.ws, domain.IdeaFilter{Sort: sort, Query: q}, nil, 10)
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for n := range ideas {
				switch ideas[n].ID {
				case i.ID:
					f.wantWorkedCase(t, "ListIdeas "+string(sort), &ideas[n])
					found++
				case plain.ID:
					if ideas[n].BusinessCase != nil || !ideas[n].Money.Empty() {
						t.Fatalf("listed plain idea has a case: %+v", ideas[n].Money)
					}
				}
			}
			if found != 1 {
				t.Fatalf("ListIdeas %s q=%v: the idea with a case is missing from %v", sort, q, ideaTitles(ideas))
			}
		}
	}
	ranked, err := f.store.RankedIdeas(ctx, f.ws, []domain.IdeaStatus{domain.StatusNew}, 10)
	if err != nil {
		t.Fatal(err)
	}
	for n := range ranked[domain.StatusNew] {
		if r := ranked[domain.StatusNew][n]; r.ID == i.ID {
			f.wantWorkedCase(t, "RankedIdeas", &r.Idea)
		}
	}

	// A change of the improvements replaces the rows and the case; clearing
	// everything removes the case.
	i, err = f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.Money.ExpectedImprovements = []domain.ExpectedImprovement{{ValueDriverID: f.fcr, Improvement: 0.1}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := getIdea(t, f.store, f.ws, i.ID)
	if !slices.Equal(got.Money.ExpectedImprovements, []domain.ExpectedImprovement{{ValueDriverID: f.fcr, Improvement: 0.1}}) ||
		got.BusinessCase == nil || !moneyNear(got.BusinessCase.ExpectedAnnualValue, 54000) || !moneyNear(i.BusinessCase.ExpectedAnnualValue, 54000) {
		t.Fatalf("after replacing the improvements: %+v %+v (returned %+v)", got.Money, got.BusinessCase, i.BusinessCase)
	}
	i, err = f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.Money = domain.BusinessCaseInputs{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got = getIdea(t, f.store, f.ws, i.ID)
	if i.BusinessCase != nil || got.BusinessCase != nil || !got.Money.Empty() {
		t.Fatalf("after clearing: %+v %+v", got.Money, got.BusinessCase)
	}
	if n := countSQL(t, f.store, "SELECT count(*) FROM idea_value_improvements WHERE idea_id = $1", i.ID); n != 0 {
		t.Fatalf("%d improvement rows left after clearing", n)
	}
	if n := countSQL(t, f.store, "SELECT count(*) FROM ideas WHERE id = $1 AND expected_net_annual_value IS NULL AND business_case IS NULL", i.ID); n != 1 {
		t.Fatal("derived columns left after clearing")
	}
}

func TestIdeaBusinessCaseDriversChecked(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	ctx := context.Background()
	other := newWorkspace(t, f.store, "other")
	oj := createJourney(t, f.store, other, "Other", "S")
	otherDriver := insertDriver(t, f.store, other, createTouchpoint(t, f.store, oj, 0, tp{name: "X"}).ID, "aht", 1, 1)
	const pointer = "/expected_improvements/1/value_driver_id"
	for _, c := range []struct {
		name   string
		driver string
	}{
		{"driver at an untargeted touchpoint", f.bChurn},
		{"unknown driver", domain.NewID()},
		{"driver of another workspace", otherDriver},
	} {
		i := f.caseIdea(c.name, f.a)
		i.Money.ExpectedImprovements[1].ValueDriverID = c.driver
		if err := i.Validate(); err != nil {
			t.Fatal(err)
		}
		wantField(t, c.name, f.store.CreateIdea(ctx, i, ideaActor), pointer)
	}
	if n := countSQL(t, f.store, "SELECT count(*) FROM ideas WHERE workspace_id = $1", f.ws); n != 0 {
		t.Fatalf("%d ideas stored by refused creates", n)
	}

	// Targeting both touchpoints makes the churn driver valid; removing b
	// from the touchpoints then is refused, naming the improvement.
	i := f.caseIdea("Both", f.a, f.b)
	i.Money.ExpectedImprovements = append(i.Money.ExpectedImprovements, domain.ExpectedImprovement{ValueDriverID: f.bChurn, Improvement: 0.001})
	storeIdea(t, f.store, i)
	if !moneyNear(i.BusinessCase.ExpectedAnnualValue, 63000+0.001*480*50000) {
		t.Fatalf("case with three drivers: %+v", i.BusinessCase)
	}
	_, err := f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.TouchpointIDs = []string{f.a}
		return nil
	})
	wantField(t, "removing the touchpoint of a driver", err, "/expected_improvements/2/value_driver_id")
	got := getIdea(t, f.store, f.ws, i.ID)
	if got.Version != i.Version || len(got.TouchpointIDs) != 2 || len(got.Money.ExpectedImprovements) != 3 {
		t.Fatalf("refused update changed the idea: %+v", got)
	}
	// Removing the improvement with the touchpoint is fine.
	_, err = f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.TouchpointIDs = []string{f.a}
		i.Money.ExpectedImprovements = i.Money.ExpectedImprovements[:2]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.wantWorkedCase(t, "after removing b", getIdea(t, f.store, f.ws, i.ID))
}

func TestIdeasSortedByNetValue(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	improve := func(seconds float64) []domain.ExpectedImprovement {
		return []domain.ExpectedImprovement{{ValueDriverID: f.aht, Improvement: seconds}}
	}
	// In creation order; the net value in the name.
	specs := []struct {
		title string
		money domain.BusinessCaseInputs
	}{
		{"none 1", domain.BusinessCaseInputs{}},
		{"18000 first", domain.BusinessCaseInputs{ExpectedImprovements: improve(10)}},
		{"-5000", domain.BusinessCaseInputs{AnnualRunningCost: ptr(5000.0)}},
		{"none 2", domain.BusinessCaseInputs{}},
		{"0 first", domain.BusinessCaseInputs{OneOffCost: ptr(100.0)}},
		{"18000 second", domain.BusinessCaseInputs{ExpectedImprovements: improve(10)}},
		{"0 second", domain.BusinessCaseInputs{AnnualRunningCost: ptr(0.0)}},
		{"35000", domain.BusinessCaseInputs{AnnualRunningCost: ptr(1000.0), ExpectedImprovements: improve(20)}},
		{"-0.5", domain.BusinessCaseInputs{AnnualRunningCost: ptr(0.5)}},
		{"none 3", domain.BusinessCaseInputs{}},
	}
	for _, s := range specs {
		i := newTestIdea(f.ws, "idea "+s.title, f.a)
		i.Money = s.money
		storeIdea(t, f.store, i)
		time.Sleep(time.Millisecond) // distinct created_at, so "creation order" is not left to the ids
	}
	want := []string{"35000", "18000 first", "18000 second", "0 first", "0 second", "-0.5", "-5000", "none 1", "none 2", "none 3"}
	for _, q := range []*string{nil, ptr("IDEA"), ptr("zzz-no-match")} {
		for _, limit := range []int{1, 2, 3, 4, 100} {
			got := pageIdeas(t, f.store, f.ws, domain.IdeaFilter{Sort: domain.SortNetValueDesc, Query: q}, limit)
			titles := make([]string, len(got))
			for n, i := range got {
				titles[n] = strings.TrimPrefix(i.Title, "idea ")
			}
			w := want
			if q != nil && *q == "zzz-no-match" {
				w = []string{}
			}
			if !slices.Equal(titles, w) {
				t.Fatalf("q=%q limit %d: order %q, want %q", *cmp.Or(q, new(string)), limit, titles, w)
			}
		}
	}
}

func TestIdeaRealisedValueRoundTrip(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	ctx := context.Background()
	i := storeIdea(t, f.store, f.caseIdea("Adopted", f.a))
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	realised := &domain.RealisedValue{AnnualValue: 52000, CI: domain.Interval{Low: 31000, High: 73000}, PilotID: domain.NewID(), At: at}
	i, err := f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		r := *realised
		i.Realised = &r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got *domain.Idea) {
		t.Helper()
		r := got.Realised
		if r == nil || r.AnnualValue != realised.AnnualValue || r.CI != realised.CI || r.PilotID != realised.PilotID || !r.At.Equal(at) {
			t.Fatalf("%s: realised %+v, want %+v", what, r, realised)
		}
		f.wantWorkedCase(t, what, got) // the case is untouched
	}
	check("GetIdea", getIdea(t, f.store, f.ws, i.ID))
	ideas, _, err := f.store.ListIdeas(ctx, f.ws, domain.IdeaFilter{}, nil, 10)
	if err != nil || len(ideas) != 1 {
		t.Fatalf("ListIdeas: %v %v", ideas, err)
	}
	check("ListIdeas", &ideas[0])
	h := ideaHistorySince(t, f.store, f.ws, i.ID, 0)
	if last := h[len(h)-1]; last.Field != "realised_annual_value" || last.New != "52,000 (31,000 to 73,000)" {
		t.Fatalf("history %+v", h)
	}

	// An unrelated change keeps it; clearing it clears every column.
	i, err = f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.Title = "Adopted (renamed)"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("after a rename", getIdea(t, f.store, f.ws, i.ID))
	if _, err = f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.Realised = nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := getIdea(t, f.store, f.ws, i.ID); got.Realised != nil {
		t.Fatalf("realised after clearing: %+v", got.Realised)
	}
	if n := countSQL(t, f.store, `SELECT count(*) FROM ideas WHERE id = $1 AND realised_annual_value IS NULL AND realised_ci_low IS NULL
		AND realised_ci_high IS NULL AND realised_pilot_id IS NULL AND realised_at IS NULL`, i.ID); n != 1 {
		t.Fatal("realised columns left after clearing")
	}
}

// A realised value without a pilot (loaded by SQL, as the benchmark seeds
// it) is kept through later changes of the idea instead of failing them.
func TestIdeaRealisedValueWithoutPilot(t *testing.T) {
	t.Parallel()
	f := newMoneyFixture(t)
	ctx := context.Background()
	i := storeIdea(t, f.store, f.caseIdea("Seeded", f.a))
	i, err := f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.Realised = &domain.RealisedValue{AnnualValue: 1000, CI: domain.Interval{Low: 500, High: 1500}, At: time.Now()}
		return nil
	})
	if err != nil {
		t.Fatalf("realised value without a pilot: %v", err)
	}
	i, err = f.store.UpdateIdea(ctx, f.ws, i.ID, i.Version, ideaActor, func(i *domain.Idea) error {
		i.Title = "Seeded, renamed"
		return nil
	})
	if err != nil || i.Realised == nil || i.Realised.PilotID != "" || i.Realised.AnnualValue != 1000 {
		t.Fatalf("rename: %+v, %v", i, err)
	}
}
