// Package demo fills a workspace with realistic sample data through the
// same store interfaces and use cases the API uses, so that every report and
// chart shows something on a first run.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"cxbacklog/domain"
)

// Store is what the demo needs of storage.
type Store interface {
	domain.Transactor
	domain.JourneyStore
	domain.TouchpointStore
	domain.IdeaStore
	domain.PilotStore
	domain.CatalogueStore
	domain.MeasurementStore
	domain.MoneyStore
	domain.ContactStore
	domain.FeedbackStore
	domain.EvidenceStore
}

// Workspace is the slug of the workspace `cxbacklog demo` fills.
const Workspace = "demo"

// ErrNotEmpty is Load's answer for a workspace that already has
// journeys: the demo loads only into an empty workspace, so running it twice
// never duplicates anything.
var ErrNotEmpty error = domain.Errorf(domain.EConflict,
	"the workspace already has journeys; the demo data loads only into an empty workspace")

// Load fills an empty workspace with a realistic dataset, so that every
// report and chart shows something on first run: a restaurant journey and a
// contact-centre journey with their touchpoints, ideas in all four quadrants
// and every status, the headset pilot completed with an adopt decision, a
// running pilot with live results, and six months of monthly touchpoint
// measurements (healthy, at risk and failing touchpoints, one never
// measured, one not measured recently, one with ideas but no measurement,
// and a failing one that no open idea targets), value drivers for the
// contact centre and the restaurant with business cases on a third of the
// ideas (the headset pilot's measured value included), and twelve months of
// contact reasons for the contact centre with customer feedback, linked to
// the ideas they motivate. Dates are relative to now;
// the figures are deterministic. Everything is loaded in one transaction:
// on error nothing is left behind. ErrNotEmpty when the workspace has
// journeys already.
func Load(ctx context.Context, store Store, workspaceID, actor string, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	return store.InTx(ctx, func(ctx context.Context) error {
		journeys, _, err := store.ListJourneys(ctx, workspaceID, domain.Page{Limit: 1})
		if err != nil {
			return err
		}
		if len(journeys) > 0 {
			return ErrNotEmpty
		}
		d := &loader{store: store, pilots: domain.PilotActions{Store: store}, ws: workspaceID, actor: actor, now: now,
			rng: rand.New(rand.NewPCG(20260901, 7)), touchpoints: map[string]string{}, ideas: map[string]*domain.Idea{},
			metrics: map[string]domain.CatalogueMetric{}, drivers: map[string]string{}}
		for _, step := range []func(context.Context) error{d.catalogue, d.journeys, d.valueDrivers, d.ideaBacklog, d.headsetPilot, d.queueScreenPilot, d.measurements, d.contactReasons} {
			if err := step(ctx); err != nil {
				return fmt.Errorf("load demo data: %w", err)
			}
		}
		return nil
	})
}

// Link is an example request against the demo workspace.
type Link struct {
	Title string
	Path  string // absolute path, ids filled in
	File  string // for charts, a file name to save the SVG as
}

// Links lists the reports and charts worth opening in a workspace
// loaded by Load, with the ids of its journeys, pilots, touchpoints and
// metrics filled in. Links whose objects are missing (the workspace held
// other data) are left out.
func Links(ctx context.Context, store Store, workspaceID string) ([]Link, error) {
	links := []Link{
		{"Blind spots: failing or unmeasured touchpoints nobody works on", "/api/v1/reports/blind-spots", ""},
		{"Coverage: measured, with ideas, with pilots (per owner and channel)", "/api/v1/reports/coverage", ""},
		{"Impact ledger: what completed pilots delivered", "/api/v1/reports/impact", ""},
		{"Value/effort matrix", "/api/v1/reports/matrix", ""},
		{"Value: what adopted ideas proved and what the open backlog is worth", "/api/v1/reports/value", ""},
		{"Backlog by net annual value", "/api/v1/ideas?sort=-expected_net_annual_value", ""},
		{"Why customers contacted us last month: top reasons, failure demand, unaddressed demand", "/api/v1/reports/contact-reasons", ""},
		{"Backlog by the contacts an idea addresses", "/api/v1/ideas?sort=-contacts_per_month", ""},
	}
	journeys, _, err := store.ListJourneys(ctx, workspaceID, domain.Page{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	var heatmaps []Link
	for _, j := range journeys {
		links = append(links, Link{"Heatmap: " + j.Name, "/api/v1/journeys/" + j.ID + "/heatmap", ""})
		heatmaps = append(heatmaps, Link{"Heatmap chart: " + j.Name, "/api/v1/journeys/" + j.ID + "/heatmap.svg", "heatmap-" + fileName(j.Name) + ".svg"})
	}
	pilots, _, err := store.ListPilots(ctx, workspaceID, domain.PilotFilter{}, domain.Page{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	var results []Link
	for _, p := range pilots {
		links = append(links, Link{fmt.Sprintf("Pilot results (%s): %s", p.Status, p.Title), "/api/v1/pilots/" + p.ID + "/results", ""})
		results = append(results, Link{"Forest plot: " + p.Title, "/api/v1/pilots/" + p.ID + "/results.svg", "results-" + fileName(p.Title) + ".svg"})
	}
	catalogue, err := store.ListCatalogueMetrics(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	var trends []Link
	q := "Taste of the food"
	tps, _, err := store.ListTouchpoints(ctx, workspaceID, domain.TouchpointFilter{Query: &q}, domain.Page{Limit: 1})
	if err != nil {
		return nil, err
	}
	for _, m := range catalogue {
		if m.Key == "csat" && len(tps) > 0 {
			links = append(links, Link{"Touchpoint health: " + tps[0].Name, "/api/v1/touchpoints/" + tps[0].ID + "/health", ""})
			trends = append(trends, Link{"Trend chart: " + tps[0].Name + " CSAT", "/api/v1/touchpoints/" + tps[0].ID + "/trend.svg?metric_id=" + m.ID, "trend-" + fileName(tps[0].Name) + ".svg"})
		}
	}
	links = append(links, Link{"Value/effort matrix chart", "/api/v1/reports/matrix.svg", "matrix.svg"},
		Link{"Value chart", "/api/v1/reports/value.svg", "value.svg"},
		Link{"Contact reasons Pareto chart", "/api/v1/reports/contact-reasons.svg", "contact-reasons.svg"})
	links = append(links, heatmaps...)
	links = append(links, results...)
	return append(links, trends...), nil
}

// fileName turns a title into a file name: lower-case letters and
// digits joined by hyphens.
func fileName(title string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}), "-")
}

// loader carries what one Load has created so far.
type loader struct {
	store       Store
	pilots      domain.PilotActions
	ws, actor   string
	now         time.Time
	rng         *rand.Rand
	metrics     map[string]domain.CatalogueMetric // by key
	touchpoints map[string]string                 // id by demo key
	ideas       map[string]*domain.Idea           // by demo key
	drivers     map[string]string                 // value driver id by demo key
}

func (d *loader) catalogue(ctx context.Context) error {
	metrics, err := d.store.ListCatalogueMetrics(ctx, d.ws)
	if err != nil {
		return err
	}
	for _, m := range metrics {
		d.metrics[m.Key] = m
	}
	for _, key := range []string{"csat", "nps", "fcr", "aht", "churn"} {
		if _, ok := d.metrics[key]; !ok {
			return fmt.Errorf("the workspace's catalogue has no %q metric", key)
		}
	}
	for _, m := range demoMetrics {
		m.WorkspaceID = d.ws
		if err := m.Validate(); err != nil {
			return fmt.Errorf("catalogue metric %q: %w", m.Key, err)
		}
		if err := d.store.CreateCatalogueMetric(ctx, &m); err != nil {
			return fmt.Errorf("catalogue metric %q: %w", m.Key, err)
		}
		d.metrics[m.Key] = m
	}
	return nil
}

// demoMetrics are added to the seeded catalogue: what the headset pilot and
// the restaurant's value drivers measure.
var demoMetrics = []domain.CatalogueMetric{
	{Key: "complaints_per_agent_week", Name: "Complaints per agent-week", Kind: domain.KindCount, Direction: domain.LowerIsBetter,
		Unit: "per agent-week", Description: "Complaints about a call, per agent and week on the phones."},
	{Key: "return_rate", Name: "Guests back within 30 days", Kind: domain.KindProportion, Direction: domain.HigherIsBetter,
		Unit: "share of guests", Target: ptr(0.4), Description: "Share of lunch guests who come back within 30 days (loyalty card and card-payment matches)."},
}

func ptr(x float64) *float64 { return &x }

// driverSpec is a value driver: what one unit of improvement of a metric at
// a touchpoint is worth.
type driverSpec struct {
	key, touchpoint, metric string
	unitValue, exposure     float64
	exposureUnit, note      string
}

var driverSpecs = []driverSpec{
	{"aht", "conversation", "aht", 0.015, 120000, "calls",
		"An agent costs 54 EUR an hour fully loaded: 0.015 EUR a second, on 120,000 calls a year."},
	{"fcr", "fcr", "fcr", 4.50, 120000, "calls",
		"A contact resolved first time avoids a repeat call of about 300 s at 0.015 EUR/s."},
	{"complaints", "conversation", "complaints_per_agent_week", 35, 2600, "agent-weeks",
		"Handling a complaint takes a team leader about 40 minutes; 50 agents × 52 weeks."},
	{"churn", "invoice", "churn", 480, 50000, "customers",
		"A customer is worth 480 EUR of margin a year; 50,000 customers get an invoice."},
	{"return", "taste", "return_rate", 14, 52000, "lunch guests",
		"A lunch guest who comes back brings about 14 EUR of margin; 52,000 lunch guests a year."},
}

func (d *loader) valueDrivers(ctx context.Context) error {
	for _, ds := range driverSpecs {
		v := &domain.ValueDriver{WorkspaceID: d.ws, TouchpointID: d.touchpoints[ds.touchpoint], MetricID: d.metrics[ds.metric].ID,
			UnitValue: ds.unitValue, ExposurePerYear: ds.exposure, ExposureUnit: ds.exposureUnit, Note: ds.note}
		if err := v.Validate(); err != nil {
			return fmt.Errorf("value driver %q: %w", ds.key, err)
		}
		if err := d.store.CreateValueDriver(ctx, v); err != nil {
			return fmt.Errorf("value driver %q: %w", ds.key, err)
		}
		d.drivers[ds.key] = v.ID
	}
	return nil
}

// businessCase is an idea's costs and the improvements it expects, by
// driver key.
type businessCase struct {
	oneOff, running *float64
	improvements    []expected
}

type expected struct {
	driver      string
	improvement float64
}

// businessCases cover a third of the ideas: the contact centre's with
// handle time, resolution and complaints; the invoice's with churn; the
// kitchen's with guests coming back; one with costs only; and a chatbot
// whose running cost eats its value.
var businessCases = map[string]businessCase{
	"headsets":        {ptr(18000), ptr(2400), []expected{{"aht", 20}, {"complaints", 0.05}}},
	"knowledge-base":  {ptr(45000), ptr(12000), []expected{{"fcr", 0.05}, {"aht", 15}}},
	"plain-invoice":   {ptr(25000), nil, []expected{{"churn", 0.002}}},
	"e-invoice":       {ptr(60000), ptr(8000), []expected{{"churn", 0.001}}},
	"tasting-review":  {nil, ptr(6500), []expected{{"return", 0.02}}},
	"local-supplier":  {nil, ptr(18000), []expected{{"return", 0.03}}},
	"rebuild-kitchen": {ptr(250000), nil, []expected{{"return", 0.01}}},
	"invoice-chatbot": {ptr(80000), ptr(20000), []expected{{"aht", 5}}},
	"callback":        {ptr(15000), ptr(3000), nil},
}

// money returns the business case inputs of idea key.
func (d *loader) money(key string) domain.BusinessCaseInputs {
	bc, ok := businessCases[key]
	if !ok {
		return domain.BusinessCaseInputs{}
	}
	in := domain.BusinessCaseInputs{OneOffCost: bc.oneOff, AnnualRunningCost: bc.running}
	for _, e := range bc.improvements {
		in.ExpectedImprovements = append(in.ExpectedImprovements, domain.ExpectedImprovement{ValueDriverID: d.drivers[e.driver], Improvement: e.improvement})
	}
	return in
}

type touchpointSpec struct {
	key, stage, name string
	channel          domain.Channel
	owner            string
	description      string
}

var journeySpecs = []struct {
	name, description string
	stages            []string
	touchpoints       []touchpointSpec
}{
	{
		name:        "Lunch at the restaurant",
		description: "A weekday lunch guest, from looking us up to paying the bill.",
		stages:      []string{"Discover", "Arrive", "Order", "Eat", "Pay"},
		touchpoints: []touchpointSpec{
			{"menu", "Discover", "Menu online", domain.ChannelWeb, "Marketing", "The lunch menu on the website, with prices and allergens."},
			{"location", "Discover", "Location & directions", domain.ChannelWeb, "Marketing", "How to find us: map, public transport, parking."},
			{"hours", "Discover", "Opening hours", domain.ChannelWeb, "Marketing", "Opening hours on the website and on map services."},
			{"entrance", "Arrive", "Entrance", domain.ChannelPhysicalEnvironment, "Facilities", "Door, signage and the first look inside."},
			{"greeting", "Arrive", "Greeting", domain.ChannelInPerson, "Front of house", "Being welcomed and seated."},
			{"ordering", "Order", "Ordering speed", domain.ChannelInPerson, "Front of house", "Time from sitting down to the order being taken."},
			{"taste", "Eat", "Taste of the food", domain.ChannelInPerson, "Kitchen", "Quality and taste of the lunch dishes."},
			{"staff", "Eat", "Staff friendliness", domain.ChannelInPerson, "Front of house", "How the waiting staff treat guests during the meal."},
			{"paying", "Pay", "Paying the bill", domain.ChannelInPerson, "PayFast", "Card terminals and payment service run by our partner PayFast."},
		},
	},
	{
		name:        "Calling about a bill",
		description: "A customer who does not understand an invoice and calls the contact centre.",
		stages:      []string{"Call", "Resolve", "After"},
		touchpoints: []touchpointSpec{
			{"queue", "Call", "Phone queue", domain.ChannelPhone, "Contact centre", "Waiting in the queue until an agent answers."},
			{"conversation", "Resolve", "Phone conversation", domain.ChannelPhone, "Contact centre", "The conversation with the agent."},
			{"fcr", "Resolve", "First-contact resolution", domain.ChannelPhone, "Contact centre", "Whether the question is settled in the first call."},
			{"invoice", "After", "Invoice", domain.ChannelMail, "Billing", "The paper invoice that prompted the call."},
		},
	},
}

func (d *loader) journeys(ctx context.Context) error {
	for _, dj := range journeySpecs {
		j := &domain.Journey{WorkspaceID: d.ws, Name: dj.name, Description: dj.description}
		for _, s := range dj.stages {
			j.Stages = append(j.Stages, domain.Stage{Name: s})
		}
		if err := j.Validate(); err != nil {
			return err
		}
		if err := d.store.CreateJourney(ctx, j); err != nil {
			return err
		}
		stageIDs := map[string]string{}
		for _, s := range j.Stages {
			stageIDs[s.Name] = s.ID
		}
		for _, dt := range dj.touchpoints {
			t := &domain.Touchpoint{WorkspaceID: d.ws, JourneyID: j.ID, StageID: stageIDs[dt.stage], Name: dt.name,
				Description: dt.description, Channel: dt.channel, Owner: dt.owner}
			if err := t.Validate(); err != nil {
				return err
			}
			if err := d.store.CreateTouchpoint(ctx, t); err != nil {
				return err
			}
			d.touchpoints[dt.key] = t.ID
		}
	}
	return nil
}

type ideaSpec struct {
	key                        string
	title, problem, proposal   string
	touchpoints                []string // demo keys
	impact, experience, effort int
	confidence                 float64
	owner                      string
	tags                       []string
	source                     domain.IdeaSource
	status                     domain.IdeaStatus // piloting ideas are moved by their pilot
}

// ideaSpecs cover the four quadrants (with the default scoring: value =
// mean of impact and experience, high from 3; effort low up to 2) and every
// status. Phone queue gets ideas, but none open: a failing blind spot.
// Greeting's only idea is parked: at risk with no open idea. Entrance has
// none and is never measured; Invoice has ideas but no measurement.
var ideaSpecs = []ideaSpec{
	// Quick wins.
	{"menu-photos", "Photos and allergens on the online menu",
		"Guests ask the waiting staff about allergens for almost every dish, and the online menu is a scanned PDF that does not work on phones.",
		"Publish the menu as a web page with a photo and the allergens of each dish, updated by the kitchen every Monday.",
		[]string{"menu"}, 4, 4, 2, 0.7, "Marketing", []string{"menu", "web", "allergens"}, domain.SourceCustomerFeedback, domain.StatusAdopted},
	{"tasting-review", "Weekly chef's tasting of the lunch menu",
		"Food satisfaction has dropped for four months in a row; reviews mention dishes that are lukewarm or under-seasoned since the new line cooks started.",
		"The head chef tastes every lunch dish before service on Mondays and Thursdays and signs off a checklist for temperature and seasoning.",
		[]string{"taste"}, 4, 5, 1, 0.6, "Kitchen", []string{"food quality", "kitchen"}, domain.SourceData, domain.StatusPlanned},
	{"map-pin", "Fix the map pin and add parking directions",
		"The map pin points to the back entrance of the building; guests walk around the block and arrive late for their table.",
		"Move the pin to the front door and add a short 'how to get here' section with the nearest tram stop and car park.",
		[]string{"location"}, 3, 3, 1, 0.8, "Marketing", []string{"web", "directions"}, domain.SourceCustomerFeedback, domain.StatusNew},
	{"holiday-hours", "Show holiday opening hours on the website",
		"On public holidays guests find the restaurant closed although the website says it is open.",
		"Add a holiday calendar to the opening hours page and a banner a week ahead of each closing day.",
		[]string{"hours"}, 3, 4, 1, 0.7, "Marketing", []string{"web", "opening hours"}, domain.SourceCustomerFeedback, domain.StatusUnderReview},
	{"greet-30s", "Greet every guest within 30 seconds at peak",
		"Between 12:15 and 13:00 guests stand at the door for minutes before anyone notices them.",
		"A host stand staffed from 12:00 to 13:30, with a tablet showing free tables.",
		[]string{"greeting"}, 3, 4, 2, 0.5, "Front of house", []string{"peak hours", "staffing"}, domain.SourceEmployee, domain.StatusParked},
	{"pay-at-table", "Pay at the table with a handheld terminal",
		"Guests in a hurry queue at the till to pay; at peak the queue blocks the entrance.",
		"PayFast handheld terminals for every waiter, so the bill is paid at the table in under a minute.",
		[]string{"paying"}, 4, 4, 2, 0.7, "PayFast", []string{"payment", "partner"}, domain.SourceCustomerFeedback, domain.StatusAdopted},
	{"plain-invoice", "Plain-language invoice with a summary box",
		"A third of the calls about bills are about what a line on the invoice means.",
		"Redesign the invoice with a summary box at the top (what you pay, when, why it changed) and plain words for every line.",
		[]string{"invoice"}, 4, 4, 2, 0.6, "Billing", []string{"invoice", "call deflection"}, domain.SourceData, domain.StatusPlanned},
	{"queue-announce", "Announce the expected wait in the phone queue",
		"Callers do not know whether to wait or hang up; many hang up and call again.",
		"Tell callers their position and the expected wait every minute.",
		[]string{"queue"}, 3, 4, 1, 0.5, "Contact centre", []string{"queue", "telephony"}, domain.SourceCustomerFeedback, domain.StatusRejected},
	// Big bets.
	{"headsets", "Headsets and sound barriers for agents",
		"Agents in the open-plan contact centre ask customers to repeat themselves; calls run long and customers get irritated.",
		"Noise-cancelling headsets and sound-absorbing barriers between desks, tested first with team B.",
		[]string{"conversation"}, 4, 4, 3, 0.5, "Contact centre", []string{"agents", "noise", "handle time"}, domain.SourceEmployee, domain.StatusPlanned},
	{"queue-screen", "Digital queue screen at the counter",
		"Guests who order at the counter do not know how long their turn will take and staff spend time answering 'how long?'.",
		"A screen at the counter showing order numbers and waiting times, fed by the till system.",
		[]string{"ordering"}, 4, 3, 3, 0.5, "Front of house", []string{"ordering", "wait time"}, domain.SourceResearch, domain.StatusPlanned},
	{"preorder", "Online pre-ordering for lunch",
		"Office workers have 45 minutes for lunch and spend 15 of them waiting to order and to be served.",
		"Order and pay online before 11:30, pick a time slot, and find the dish on the table when you arrive.",
		[]string{"menu", "ordering"}, 5, 4, 4, 0.4, "Marketing", []string{"ordering", "web", "office workers"}, domain.SourceResearch, domain.StatusUnderReview},
	{"local-supplier", "Switch to a local vegetable supplier",
		"Vegetables arrive two days old from the wholesaler; guests notice it in the salads.",
		"Daily deliveries from a farm cooperative 20 km away, with a seasonal lunch menu around them.",
		[]string{"taste"}, 4, 5, 3, 0.5, "Kitchen", []string{"food quality", "suppliers"}, domain.SourceEmployee, domain.StatusUnderReview},
	{"knowledge-base", "Agent knowledge base with billing answers",
		"Agents put callers on hold to ask a colleague about unusual invoice lines; one in four callers has to call back.",
		"A searchable knowledge base of invoice lines and tariff changes, maintained by Billing, opened from the agent desktop.",
		[]string{"conversation", "fcr"}, 5, 4, 4, 0.5, "Contact centre", []string{"agents", "resolution", "billing"}, domain.SourceData, domain.StatusPlanned},
	{"callback", "Offer a callback when the wait exceeds five minutes",
		"At month-end the phone queue is over ten minutes; callers give up and complain.",
		"Let callers leave their number and get a call back in their turn, with a time window by text message.",
		[]string{"queue"}, 4, 4, 4, 0.6, "Contact centre", []string{"queue", "telephony"}, domain.SourceCustomerFeedback, domain.StatusParked},
	{"e-invoice", "E-invoice with explanation links",
		"Paper invoices arrive a week after the period; by then the customer cannot remember what happened.",
		"Send the invoice by e-mail on the day, with a link behind every line explaining it.",
		[]string{"invoice"}, 3, 4, 3, 0.5, "Billing", []string{"invoice", "digital"}, domain.SourceResearch, domain.StatusNew},
	// Fill-ins.
	{"google-hours", "Sync opening hours to the Google business profile",
		"Google still shows last year's summer hours.",
		"Update the profile from the website's opening hours page whenever they change.",
		[]string{"hours"}, 2, 2, 1, 0.8, "Marketing", []string{"web", "opening hours"}, domain.SourceOther, domain.StatusNew},
	{"name-badges", "Name badges for front-of-house staff",
		"Guests want to thank or call a waiter but do not know their name.",
		"Name badges with first names for everyone on the floor.",
		[]string{"staff"}, 2, 3, 1, 0.6, "Front of house", []string{"staff"}, domain.SourceEmployee, domain.StatusNew},
	{"mints", "Mints with the bill",
		"A small gesture at the end of the meal.",
		"A mint with every bill.",
		[]string{"paying"}, 1, 3, 1, 0.5, "Front of house", []string{"delight"}, domain.SourceEmployee, domain.StatusNew},
	{"email-receipt", "Receipts by e-mail",
		"Business guests lose paper receipts and ask for copies by phone.",
		"PayFast terminals offer to e-mail the receipt.",
		[]string{"paying"}, 2, 2, 2, 0.6, "PayFast", []string{"payment", "partner"}, domain.SourceCustomerFeedback, domain.StatusUnderReview},
	{"hold-music", "Replace the hold music",
		"Callers say the hold music is grating.",
		"License a calmer playlist.",
		[]string{"queue"}, 1, 2, 1, 0.4, "Contact centre", []string{"queue"}, domain.SourceCustomerFeedback, domain.StatusRejected},
	{"table-numbers", "Table numbers visible from the counter",
		"Runners walk around with plates looking for the right table.",
		"Large table numbers on stands, visible from the pass.",
		[]string{"ordering"}, 2, 3, 1, 0.7, "Front of house", []string{"ordering", "service"}, domain.SourceEmployee, domain.StatusPlanned},
	// Money pits.
	{"rebuild-kitchen", "Rebuild the kitchen line",
		"The kitchen line was designed for dinner service and is slow at lunch.",
		"Tear out and rebuild the line with a dedicated lunch station.",
		[]string{"taste"}, 2, 3, 5, 0.3, "Kitchen", []string{"kitchen", "capex"}, domain.SourceEmployee, domain.StatusRejected},
	{"split-app", "Split the bill in our own app",
		"Groups of colleagues want to split the bill.",
		"Build a restaurant app in which each guest pays their own share.",
		[]string{"paying"}, 2, 2, 4, 0.3, "Marketing", []string{"payment", "app"}, domain.SourceOther, domain.StatusNew},
	{"invoice-chatbot", "Chatbot for invoice questions",
		"Calls about invoices keep the phone lines busy.",
		"A chatbot on the website that answers invoice questions.",
		[]string{"invoice", "conversation"}, 2, 1, 4, 0.3, "Billing", []string{"invoice", "chatbot"}, domain.SourceOther, domain.StatusParked},
	{"loyalty-app", "Loyalty app with lunch stamps",
		"Regulars get nothing for coming back.",
		"An app with a stamp card: the tenth lunch is free.",
		[]string{"menu"}, 2, 2, 5, 0.3, "Marketing", []string{"loyalty", "app"}, domain.SourceOther, domain.StatusUnderReview},
	{"new-website", "Redesign the website from scratch",
		"The website looks dated.",
		"A new website by an agency, with a new brand.",
		[]string{"menu", "location", "hours"}, 2, 3, 5, 0.3, "Marketing", []string{"web", "brand"}, domain.SourceOther, domain.StatusParked},
}

// paths are the moves that bring a new idea to a status.
var paths = map[domain.IdeaStatus][]domain.IdeaStatus{
	domain.StatusNew:         nil,
	domain.StatusUnderReview: {domain.StatusUnderReview},
	domain.StatusPlanned:     {domain.StatusUnderReview, domain.StatusPlanned},
	domain.StatusAdopted:     {domain.StatusUnderReview, domain.StatusPlanned, domain.StatusAdopted},
	domain.StatusRejected:    {domain.StatusUnderReview, domain.StatusRejected},
	domain.StatusParked:      {domain.StatusUnderReview, domain.StatusParked},
}

func (d *loader) ideaBacklog(ctx context.Context) error {
	for _, di := range ideaSpecs {
		i := &domain.Idea{WorkspaceID: d.ws, Title: di.title, Problem: di.problem, Proposal: di.proposal,
			Impact: di.impact, Experience: di.experience, Effort: di.effort, Confidence: di.confidence, Owner: di.owner,
			Tags: append([]string{}, di.tags...), Source: di.source, Status: domain.StatusNew, Money: d.money(di.key)}
		for _, key := range di.touchpoints {
			i.TouchpointIDs = append(i.TouchpointIDs, d.touchpoints[key])
		}
		if err := i.Validate(); err != nil {
			return fmt.Errorf("idea %q: %w", di.title, err)
		}
		if err := d.store.CreateIdea(ctx, i, d.actor); err != nil {
			return fmt.Errorf("idea %q: %w", di.title, err)
		}
		path, ok := paths[di.status]
		if !ok {
			return fmt.Errorf("idea %q: no path to status %s", di.title, di.status)
		}
		for _, to := range path {
			updated, err := d.store.UpdateIdea(ctx, d.ws, i.ID, i.Version, d.actor, func(i *domain.Idea) error { return i.MoveTo(to) })
			if err != nil {
				return fmt.Errorf("idea %q to %s: %w", di.title, to, err)
			}
			i = updated
		}
		d.ideas[di.key] = i
	}
	return nil
}

// metricSpec is a pilot metric with its samples: pilot before and after,
// control before and after (nil where absent).
type metricSpec struct {
	metric  domain.Metric
	catalog string // catalogue key to inherit from, if any
	samples [4]*domain.Sample
}

// pilot creates a pilot of idea key with its metrics and samples, and
// starts it at startedAt.
func (d *loader) pilot(ctx context.Context, key string, p *domain.Pilot, metrics []metricSpec, startedAt time.Time) error {
	p.WorkspaceID, p.IdeaID, p.Status = d.ws, d.ideas[key].ID, domain.PilotPlanned
	if p.ConfidenceLevel == 0 {
		p.ConfidenceLevel = domain.DefaultConfidenceLevel
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("pilot %q: %w", p.Title, err)
	}
	if err := d.pilots.Create(ctx, p); err != nil {
		return fmt.Errorf("pilot %q: %w", p.Title, err)
	}
	cells := [4]struct {
		g domain.Group
		p domain.Period
	}{{domain.GroupPilot, domain.PeriodBefore}, {domain.GroupPilot, domain.PeriodAfter}, {domain.GroupControl, domain.PeriodBefore}, {domain.GroupControl, domain.PeriodAfter}}
	for _, dm := range metrics {
		m := dm.metric
		m.WorkspaceID, m.PilotID = d.ws, p.ID
		if err := d.pilots.AddMetric(ctx, &m, d.metrics[dm.catalog].ID); err != nil {
			return fmt.Errorf("pilot %q metric %q: %w", p.Title, m.Name, err)
		}
		for n, s := range dm.samples {
			if s == nil {
				continue
			}
			s.Group, s.Period = cells[n].g, cells[n].p
			build := func(domain.MetricKind) (*domain.Sample, error) { return s, nil }
			if _, _, _, err := d.pilots.PutSample(ctx, d.ws, p.ID, m.ID, 0, build); err != nil {
				return fmt.Errorf("pilot %q metric %q sample %s %s: %w", p.Title, m.Name, s.Group, s.Period, err)
			}
		}
	}
	started, err := d.pilots.Start(ctx, d.ws, p.ID, 0, d.actor, startedAt)
	if err != nil {
		return fmt.Errorf("start pilot %q: %w", p.Title, err)
	}
	*p = *started
	return nil
}

func mean(n int, m, sd float64) *domain.Sample { return &domain.Sample{N: n, Mean: m, SD: sd} }
func share(n, successes int) *domain.Sample    { return &domain.Sample{N: n, Successes: successes} }
func events(e int, exposure float64) *domain.Sample {
	return &domain.Sample{Events: e, Exposure: exposure}
}

// day is midnight UTC of t's calendar day.
func day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// headsetPilot is the README's example: team B got headsets and sound
// barriers, team A is the control; completed with an adopt decision.
func (d *loader) headsetPilot(ctx context.Context) error {
	start := day(d.now.AddDate(0, -4, 0))
	end := start.AddDate(0, 0, 55)
	p := &domain.Pilot{Title: "Headsets for team B",
		Hypothesis: "Noise-cancelling headsets and sound barriers cut handle time by at least 20 seconds without hurting CSAT.",
		Scope:      "Team B (24 agents) got the headsets; team A (25 agents) is the control. Four weeks before and four weeks after the installation.",
		StartDate:  &start, EndDate: &end, Owner: "Contact centre"}
	metrics := []metricSpec{
		{metric: domain.Metric{Name: "Handle time", Primary: true}, catalog: "aht",
			samples: [4]*domain.Sample{mean(400, 320, 75), mean(410, 290, 70), mean(420, 318, 76), mean(415, 316, 74)}},
		{metric: domain.Metric{Name: "CSAT", Guardrail: true}, catalog: "csat",
			samples: [4]*domain.Sample{share(400, 300), share(410, 360), share(420, 315), share(415, 312)}},
		{metric: domain.Metric{Name: "Complaints"}, catalog: "complaints_per_agent_week",
			samples: [4]*domain.Sample{events(18, 96), events(7, 96), events(20, 100), events(19, 100)}},
	}
	if err := d.pilot(ctx, "headsets", p, metrics, start.Add(9*time.Hour)); err != nil {
		return err
	}
	completedAt := end.Add(3*24*time.Hour + 10*time.Hour)
	_, err := d.pilots.Complete(ctx, d.ws, p.ID, 0, d.actor, domain.DecisionAdopt, completedAt)
	if err != nil {
		return fmt.Errorf("complete pilot %q: %w", p.Title, err)
	}
	return nil
}

// queueScreenPilot is running, with samples in: its results are live.
func (d *loader) queueScreenPilot(ctx context.Context) error {
	start := day(d.now.AddDate(0, 0, -21))
	end := start.AddDate(0, 0, 42)
	p := &domain.Pilot{Title: "Queue screen at the Station Road counter",
		Hypothesis: "A screen with order numbers and waiting times cuts the time to order by 30 seconds and lifts CSAT.",
		Scope:      "Weekday lunch at Station Road; the Market Street restaurant, without a screen, is the control. Three weeks before and three weeks with the screen.",
		StartDate:  &start, EndDate: &end, Owner: "Front of house"}
	metrics := []metricSpec{
		{metric: domain.Metric{Name: "Time to order", Unit: "seconds", Kind: domain.KindMean, Direction: domain.LowerIsBetter, Primary: true},
			samples: [4]*domain.Sample{mean(180, 265, 90), mean(150, 228, 85), mean(170, 270, 92), mean(140, 262, 88)}},
		{metric: domain.Metric{Name: "CSAT", Guardrail: true}, catalog: "csat",
			samples: [4]*domain.Sample{share(190, 140), share(160, 128), share(200, 150), share(160, 118)}},
	}
	return d.pilot(ctx, "queue-screen", p, metrics, start.Add(11*time.Hour))
}

// series is six months of one touchpoint's metric, oldest first; NaN
// where the month was not measured. Values are in the metric's scale: a
// share for proportions, points for NPS, the mean for means.
type series struct {
	touchpoint, metric string
	values             [6]float64
	nLow, nHigh        int
	source             string
}

// notMeasured marks a month without a measurement.
var notMeasured = math.NaN()

// seriesList: Taste of the food and Phone queue are failing (the queue
// with no open idea), Greeting and First-contact resolution are at risk,
// Location & directions was last measured four months ago, Entrance and
// Invoice never; the rest are healthy.
var seriesList = []series{
	{"menu", "csat", [6]float64{0.84, 0.85, 0.86, 0.85, 0.87, 0.88}, 200, 300, "Website feedback widget"},
	{"location", "csat", [6]float64{0.86, 0.85, notMeasured, notMeasured, notMeasured, notMeasured}, 100, 150, "Website feedback widget"},
	{"hours", "csat", [6]float64{0.88, 0.89, 0.87, 0.88, 0.90, 0.89}, 120, 180, "Website feedback widget"},
	{"greeting", "csat", [6]float64{0.81, 0.80, 0.79, 0.79, 0.78, 0.78}, 280, 320, "Post-visit survey"},
	{"ordering", "csat", [6]float64{0.73, 0.72, 0.71, 0.72, 0.74, 0.775}, 350, 450, "Post-visit survey"},
	{"taste", "csat", [6]float64{0.82, 0.80, 0.77, 0.73, 0.69, 0.66}, 380, 450, "Post-visit survey"},
	{"taste", "nps", [6]float64{32, 28, 22, 15, 9, 4}, 250, 320, "Post-visit survey"},
	{"staff", "csat", [6]float64{0.89, 0.90, 0.91, 0.90, 0.91, 0.92}, 380, 450, "Post-visit survey"},
	{"staff", "nps", [6]float64{38, 40, 41, 39, 42, 44}, 250, 320, "Post-visit survey"},
	{"paying", "csat", [6]float64{0.76, 0.77, 0.78, 0.83, 0.85, 0.86}, 350, 450, "PayFast terminal survey"},
	{"queue", "csat", [6]float64{0.70, 0.68, 0.67, 0.65, 0.63, 0.61}, 450, 600, "IVR survey after the call"},
	{"conversation", "csat", [6]float64{0.77, 0.76, 0.78, 0.81, 0.83, 0.84}, 600, 800, "IVR survey after the call"},
	{"conversation", "aht", [6]float64{372, 368, 365, 341, 318, 305}, 600, 800, "Telephony platform report"},
	{"fcr", "fcr", [6]float64{0.69, 0.70, 0.70, 0.71, 0.71, 0.725}, 500, 650, "Repeat-call analysis"},
}

// measurements adds a measurement per touchpoint, metric and calendar month
// for the six months before now's month. Every month but the latest gets a
// little noise; the latest values are as designed, so the health of each
// touchpoint is what the dataset promises.
func (d *loader) measurements(ctx context.Context) error {
	thisMonth := time.Date(d.now.Year(), d.now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var ms []domain.Measurement
	for _, sr := range seriesList {
		cm := d.metrics[sr.metric]
		for k, v := range sr.values {
			if math.IsNaN(v) {
				continue
			}
			start := thisMonth.AddDate(0, k-len(sr.values), 0)
			n := sr.nLow + d.rng.IntN(sr.nHigh-sr.nLow+1)
			noise := d.rng.NormFloat64()
			if k == len(sr.values)-1 {
				noise = 0
			}
			m := domain.Measurement{WorkspaceID: d.ws, TouchpointID: d.touchpoints[sr.touchpoint], MetricID: cm.ID,
				PeriodStart: start, PeriodEnd: start.AddDate(0, 1, -1), Source: sr.source}
			switch cm.Kind {
			case domain.KindProportion:
				p := min(max(v+0.006*noise, 0), 1)
				m.Sample = domain.Sample{N: n, Successes: int(math.Round(p * float64(n)))}
			case domain.KindNPS:
				// A third passives; promoters and detractors split the rest to give the score.
				score := v + 1.5*noise
				passives := int(math.Round(float64(n) / 3))
				promoters := int(math.Round((float64(n-passives) + score/100*float64(n)) / 2))
				m.Sample = domain.Sample{Promoters: promoters, Passives: passives, Detractors: n - passives - promoters}
			case domain.KindMean:
				m.Sample = domain.Sample{N: n, Mean: math.Round((v+3*noise)*10) / 10, SD: math.Round(80 + 5*d.rng.NormFloat64())}
			default:
				return fmt.Errorf("no demo series for %s metrics", cm.Kind)
			}
			if err := m.Validate(cm.Kind); err != nil {
				return fmt.Errorf("measurement of %s on %s: %w", sr.metric, sr.touchpoint, err)
			}
			ms = append(ms, m)
		}
	}
	return d.store.AddMeasurements(ctx, ms)
}

// Summary says what Load loads, for the command's output.
func Summary() string {
	tps := 0
	for _, j := range journeySpecs {
		tps += len(j.touchpoints)
	}
	ms := 0
	for _, s := range seriesList {
		for _, v := range s.values {
			if !math.IsNaN(v) {
				ms++
			}
		}
	}
	names := make([]string, len(journeySpecs))
	for n, j := range journeySpecs {
		names[n] = "“" + j.name + "”"
	}
	return fmt.Sprintf("%d journeys (%s), %d touchpoints, %d ideas (%d with a business case), %d value drivers, 2 pilots (one completed, one running), %d monthly measurements, %d contact reasons with 12 months of volumes, %d feedback verbatims",
		len(journeySpecs), strings.Join(names, ", "), tps, len(ideaSpecs), len(businessCases), len(driverSpecs), ms, len(reasonSpecs), len(feedbackSpecs))
}
