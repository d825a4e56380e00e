package demo

import (
	"context"
	"fmt"
	"time"

	"cxbacklog/domain"
)

// reasonSpec is a contact reason with twelve months of contacts, oldest
// first, and the share of them resolved at the first contact.
type reasonSpec struct {
	key, name, touchpoint string
	avoidable             bool
	description           string
	contacts              [12]int
	resolvedShare         float64
}

// reasonSpecs are the contact centre's reasons. Invoice lines are the
// biggest avoidable reason, and jumped four months ago when the invoice
// was redesigned; nobody works on "why is my bill higher" or on the wait.
var reasonSpecs = []reasonSpec{
	{"invoice-line", "What does this line on my invoice mean?", "invoice", true,
		"Questions about a line or an abbreviation on the invoice.",
		[12]int{1800, 1750, 1820, 1780, 1760, 1800, 1790, 1810, 2900, 2650, 2400, 2300}, 0.82},
	{"bill-higher", "Why is my bill higher than last month?", "invoice", true,
		"The amount changed and the invoice does not say why.",
		[12]int{900, 880, 950, 920, 870, 900, 940, 910, 1150, 1100, 1050, 1000}, 0.74},
	{"no-invoice", "I did not receive my invoice", "invoice", true,
		"The paper invoice is late or lost in the post.",
		[12]int{420, 400, 450, 430, 410, 440, 430, 420, 410, 400, 390, 380}, 0.9},
	{"call-back", "Calling again about an unresolved question", "fcr", true,
		"A repeat contact: the first call did not settle it.",
		[12]int{700, 690, 720, 710, 680, 700, 690, 700, 760, 740, 720, 700}, 0.55},
	{"wait", "How long will I have to wait?", "queue", true,
		"Callers ring back to ask about their place in the queue.",
		[12]int{300, 280, 320, 310, 290, 300, 330, 350, 380, 360, 340, 330}, 0.95},
	{"payment-plan", "I want to pay in instalments", "conversation", false,
		"Value demand: a service customers want from us.",
		[12]int{250, 240, 260, 250, 245, 255, 250, 260, 270, 265, 260, 255}, 0.85},
	{"move", "I am moving house", "conversation", false,
		"Value demand: change the address and the contract.",
		[12]int{380, 360, 400, 420, 450, 480, 470, 430, 400, 380, 370, 360}, 0.88},
}

// reasonLinks tie ideas to the reasons they would remove.
var reasonLinks = map[string][]string{
	"plain-invoice":  {"invoice-line"},
	"e-invoice":      {"no-invoice", "invoice-line"},
	"knowledge-base": {"call-back"},
	"queue-announce": {"wait"}, // rejected: the wait is unaddressed demand
}

// feedbackSpec is a verbatim; days is how long before now it came in.
type feedbackSpec struct {
	key, touchpoint string
	source          domain.FeedbackSource
	text            string
	score           float64 // on 1..5; 0 for none
	days            int
}

var feedbackSpecs = []feedbackSpec{
	{"soup", "taste", domain.FeedbackSurvey, "The soup was lukewarm and the bread was stale. It used to be so good here.", 2, 12},
	{"salad", "taste", domain.FeedbackReview, "Salad leaves were limp and brown at the edges. Not what I expect for the price.", 2, 20},
	{"pasta", "taste", domain.FeedbackSurvey, "Pasta overcooked, sauce under-seasoned. Service was friendly though.", 3, 26},
	{"lukewarm", "taste", domain.FeedbackComplaint, "Second time this month my main course arrived lukewarm. I sent it back.", 1, 33},
	{"chef", "taste", domain.FeedbackSocial, "What happened to the lunch menu? Everything tastes like it was cooked an hour ago.", 0, 41},
	{"praise", "staff", domain.FeedbackReview, "Lovely staff, they remembered my usual order.", 5, 15},
	{"queue-long", "queue", domain.FeedbackSurvey, "Waited 14 minutes to speak to someone about a simple invoice question.", 1, 8},
	{"queue-hangup", "queue", domain.FeedbackComplaint, "I hung up twice because the queue never moved and nobody told me how long it would take.", 1, 18},
	{"queue-agent", "queue", domain.FeedbackAgentNote, "Caller angry about the wait before we even started; third attempt today.", 0, 22},
	{"invoice-abbrev", "invoice", domain.FeedbackSurvey, "What is 'NWK-ADJ' on my invoice? Nobody could explain it without putting me on hold.", 2, 10},
	{"invoice-new", "invoice", domain.FeedbackComplaint, "The new invoice layout is confusing, I cannot find what I owe.", 1, 95},
}

// feedbackLinks tie ideas to the verbatims that motivated them.
var feedbackLinks = map[string][]string{
	"tasting-review": {"soup", "pasta", "lukewarm", "chef"},
	"local-supplier": {"salad"},
	"callback":       {"queue-long", "queue-hangup"},
	"plain-invoice":  {"invoice-abbrev", "invoice-new"},
}

// contactReasons adds the reasons with twelve months of volumes (for the
// months before now's month) and the feedback, and links both to ideas.
func (d *loader) contactReasons(ctx context.Context) error {
	reasons := map[string]string{}
	thisMonth := time.Date(d.now.Year(), d.now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var volumes []domain.ContactVolume
	for _, rs := range reasonSpecs {
		r := &domain.ContactReason{WorkspaceID: d.ws, Name: rs.name, TouchpointID: d.touchpoints[rs.touchpoint],
			Avoidable: rs.avoidable, Description: rs.description}
		if err := r.Validate(); err != nil {
			return fmt.Errorf("contact reason %q: %w", rs.name, err)
		}
		if err := d.store.CreateContactReason(ctx, r); err != nil {
			return fmt.Errorf("contact reason %q: %w", rs.name, err)
		}
		reasons[rs.key] = r.ID
		for k, contacts := range rs.contacts {
			start := thisMonth.AddDate(0, k-len(rs.contacts), 0)
			v := domain.ContactVolume{WorkspaceID: d.ws, ReasonID: r.ID, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, -1),
				Contacts: contacts, ResolvedFirstContact: int(float64(contacts) * rs.resolvedShare)}
			if err := v.Validate(); err != nil {
				return fmt.Errorf("volume of %q: %w", rs.name, err)
			}
			volumes = append(volumes, v)
		}
	}
	if _, err := d.store.ImportContactVolumes(ctx, d.ws, volumes, false); err != nil {
		return fmt.Errorf("contact volumes: %w", err)
	}
	feedback := map[string]string{}
	for _, fs := range feedbackSpecs {
		f := &domain.Feedback{WorkspaceID: d.ws, TouchpointID: d.touchpoints[fs.touchpoint], Source: fs.source, Text: fs.text,
			ReceivedAt: d.now.AddDate(0, 0, -fs.days).Truncate(time.Hour)}
		if fs.score > 0 {
			score, lo, hi := fs.score, 1.0, 5.0
			f.Score, f.ScoreMin, f.ScoreMax = &score, &lo, &hi
		}
		if err := f.Validate(); err != nil {
			return fmt.Errorf("feedback %q: %w", fs.key, err)
		}
		if err := d.store.CreateFeedback(ctx, f); err != nil {
			return fmt.Errorf("feedback %q: %w", fs.key, err)
		}
		feedback[fs.key] = f.ID
	}
	return d.linkEvidence(ctx, reasons, feedback)
}

func (d *loader) linkEvidence(ctx context.Context, reasons, feedback map[string]string) error {
	for _, di := range ideaSpecs {
		var reasonIDs, feedbackIDs []string
		for _, key := range reasonLinks[di.key] {
			reasonIDs = append(reasonIDs, reasons[key])
		}
		for _, key := range feedbackLinks[di.key] {
			feedbackIDs = append(feedbackIDs, feedback[key])
		}
		if len(reasonIDs)+len(feedbackIDs) == 0 {
			continue
		}
		if _, err := d.store.LinkEvidence(ctx, d.ws, d.ideas[di.key].ID, reasonIDs, feedbackIDs, d.actor); err != nil {
			return fmt.Errorf("evidence of idea %q: %w", di.title, err)
		}
	}
	return nil
}
