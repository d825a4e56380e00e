package api

import (
	"fmt"
	"math"
	"net/url"
	"time"

	"cxbacklog/api/chart"
	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// The contact reasons report (issue 18): why customers contact us, biggest
// reason first, with the failure demand among them, its cost, and the
// avoidable reasons no open idea works on. The numbers are
// domain.NewContactReasonsReport's; this file reads the window and writes
// them out.

// maxReportYears bounds a report's window.
const maxReportYears = 3

// ReportWindow is a report's period: the days from and to, both included.
type ReportWindow struct {
	From string `json:"from" format:"date" example:"2026-10-01" binding:"required"`
	To   string `json:"to" format:"date" example:"2026-10-31" binding:"required"`
} // @name ReportWindow

// FirstContactResolution is the share of contacts resolved at the first
// contact, with its Wilson 95 % interval (R's prop.test(x, n, correct =
// FALSE)).
type FirstContactResolution struct {
	Rate   float64 `json:"rate" example:"0.68" binding:"required"`
	CILow  float64 `json:"ci_low" example:"0.6504" binding:"required"`
	CIHigh float64 `json:"ci_high" example:"0.7082" binding:"required"`
} // @name FirstContactResolution

// ContactVolumeChange compares a reason's contacts in the window with the
// previous window: the exact conditional Poisson test of the two counts over
// the windows' lengths in days (R's poisson.test(c(contacts, previous),
// c(days, previous_days))).
type ContactVolumeChange struct {
	PreviousContacts int      `json:"previous_contacts" example:"400" binding:"required"`
	RateRatio        *float64 `json:"rate_ratio" example:"1.25" extensions:"x-nullable"` // contacts a day ÷ previous contacts a day; null when previous_contacts is 0
	CILow            float64  `json:"ci_low" example:"1.094" binding:"required"`         // of the rate ratio, 95 %
	CIHigh           *float64 `json:"ci_high" example:"1.430" extensions:"x-nullable"`   // null when previous_contacts is 0 (no upper bound)
	PValue           float64  `json:"p_value" example:"0.000956" binding:"required"`
	// up or down when p < 0.05, else no_change (no difference the test can
	// tell from chance).
	Direction string `json:"direction" enums:"up,down,no_change" example:"up" binding:"required"`
} // @name ContactVolumeChange

// ContactReasonTouchpoint names the touchpoint a reason originates at.
type ContactReasonTouchpoint struct {
	ID   string `json:"id" format:"uuid" binding:"required"`
	Name string `json:"name" example:"Invoice" binding:"required"`
} // @name ContactReasonTouchpoint

// ContactReasonReportRow is one reason in the contact reasons report. fcr
// is null without contacts in the window; change is null when neither
// window has a contact.
type ContactReasonReportRow struct {
	ReasonID   string                  `json:"reason_id" format:"uuid" binding:"required"`
	Name       string                  `json:"name" example:"Where is my invoice?" binding:"required"`
	Touchpoint ContactReasonTouchpoint `json:"touchpoint" binding:"required"`
	Avoidable  bool                    `json:"avoidable" example:"true" binding:"required"` // failure demand: the contact should not have been needed
	Contacts   int                     `json:"contacts" example:"500" binding:"required"`   // in the window
	// Of all contacts in the window; 0 when there are none.
	Share float64 `json:"share" example:"0.5" binding:"required"`
	// Of this reason and every bigger one (the Pareto line).
	CumulativeShare      float64                 `json:"cumulative_share" example:"0.5" binding:"required"`
	ResolvedFirstContact int                     `json:"resolved_first_contact" example:"340" binding:"required"`
	FCR                  *FirstContactResolution `json:"fcr"`
	Change               *ContactVolumeChange    `json:"change"`
	// contacts × cost_per_contact; null when the workspace has no cost per contact.
	Cost      *float64 `json:"cost" example:"2250" extensions:"x-nullable"`
	OpenIdeas int      `json:"open_ideas" example:"2" binding:"required"` // open ideas (new, under review, planned, piloting) linked to the reason as evidence
} // @name ContactReasonReportRow

// ContactReportExplanation says how each number of the report is made.
type ContactReportExplanation struct {
	Window      string `json:"window" binding:"required"`
	Shares      string `json:"shares" binding:"required"`
	FCR         string `json:"fcr" binding:"required"`
	Change      string `json:"change" binding:"required"`
	Cost        string `json:"cost" binding:"required"`
	Unaddressed string `json:"unaddressed" binding:"required"`
} // @name ContactReportExplanation

// ContactReasonsReport is why customers contacted the organisation in a
// window: every reason by contacts, biggest first (the Pareto order).
// previous_window ends the day before window.from: as many calendar months
// when the window is whole months, else as many days;
// fcr is over all contacts, null without contacts.
type ContactReasonsReport struct {
	Window            ReportWindow `json:"window" binding:"required"`
	PreviousWindow    ReportWindow `json:"previous_window" binding:"required"`
	Contacts          int          `json:"contacts" example:"1000" binding:"required"`
	AvoidableContacts int          `json:"avoidable_contacts" example:"800" binding:"required"`
	// Failure demand: avoidable_contacts ÷ contacts; null without contacts.
	FailureDemandShare   *float64                `json:"failure_demand_share" example:"0.8" extensions:"x-nullable"`
	ResolvedFirstContact int                     `json:"resolved_first_contact" example:"680" binding:"required"`
	FCR                  *FirstContactResolution `json:"fcr"`
	Currency             string                  `json:"currency" example:"EUR" binding:"required"`
	CostPerContact       *float64                `json:"cost_per_contact" example:"4.5" extensions:"x-nullable"` // GET /economics; null when not set
	Cost                 *float64                `json:"cost" example:"4500" extensions:"x-nullable"`            // contacts × cost_per_contact
	AvoidableCost        *float64                `json:"avoidable_cost" example:"3600" extensions:"x-nullable"`  // avoidable_contacts × cost_per_contact
	// The reasons of the workspace by contacts, biggest first (ties by name): the first limit.
	Reasons       []ContactReasonReportRow `json:"reasons" binding:"required"`
	OtherReasons  int                      `json:"other_reasons" example:"0" binding:"required"`  // reasons beyond limit
	OtherContacts int                      `json:"other_contacts" example:"0" binding:"required"` // their contacts
	// Unaddressed demand: the avoidable reasons with contacts in the window
	// and no open idea linked to them, biggest first: the first limit.
	Unaddressed      []ContactReasonReportRow `json:"unaddressed" binding:"required"`
	OtherUnaddressed int                      `json:"other_unaddressed" example:"0" binding:"required"` // unaddressed reasons beyond limit
	Explanation      ContactReportExplanation `json:"explanation" binding:"required"`
	SVG              string                   `json:"svg" example:"/api/v1/reports/contact-reasons.svg?from=2026-10-01&to=2026-10-31" binding:"required"` // the Pareto chart of the same window
} // @name ContactReasonsReport

func windowOut(w domain.Window) ReportWindow {
	return ReportWindow{From: w.From.Format(dateLayout), To: w.To.Format(dateLayout)}
}

// finiteOrNil is x, or nil when it is not a finite number (JSON has none).
func finiteOrNil(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func fcrOut(rate *float64, ci *domain.Interval) *FirstContactResolution {
	if rate == nil || ci == nil {
		return nil
	}
	return &FirstContactResolution{Rate: *rate, CILow: ci.Low, CIHigh: ci.High}
}

func reasonRowOut(r *domain.ReasonRow) ContactReasonReportRow {
	out := ContactReasonReportRow{ReasonID: r.Reason.ID, Name: r.Reason.Name,
		Touchpoint: ContactReasonTouchpoint{ID: r.Reason.TouchpointID, Name: r.TouchpointName}, Avoidable: r.Reason.Avoidable,
		Contacts: r.Contacts, Share: r.Share, CumulativeShare: r.CumulativeShare, ResolvedFirstContact: r.Resolved,
		FCR: fcrOut(r.FCR, r.FCRCI), Cost: r.Cost, OpenIdeas: r.OpenIdeas}
	if c := r.Change; c != nil {
		out.Change = &ContactVolumeChange{PreviousContacts: c.Previous, RateRatio: finiteOrNil(c.RateRatio), CILow: c.CI.Low,
			CIHigh: finiteOrNil(c.CI.High), PValue: c.PValue, Direction: c.Direction}
	}
	return out
}

func reasonRowsOut(rows []domain.ReasonRow) []ContactReasonReportRow {
	out := make([]ContactReasonReportRow, len(rows))
	for n := range rows {
		out[n] = reasonRowOut(&rows[n])
	}
	return out
}

// reportWindow reads from and to (YYYY-MM-DD, both included): both or
// neither, to not before from, at most maxReportYears long. Without them the
// window is the last full calendar month before today.
func reportWindow(q *listQuery, now time.Time) domain.Window {
	w := domain.LastFullMonth(now)
	fromS, toS := q.one("from"), q.one("to")
	read := func(name, s string) *time.Time {
		if s == "" {
			return nil
		}
		t, err := time.Parse(dateLayout, s)
		switch {
		case err != nil:
			q.fail(name, "must be a date like 2026-10-01")
			return nil
		case !domain.ValidDate(t):
			q.fail(name, "%s", domain.DateRangeDetail)
			return nil
		}
		return &t
	}
	from, to := read("from", fromS), read("to", toS)
	switch {
	case fromS != "" && toS == "":
		q.fail("to", "is required with from: give both, or neither for the last full calendar month")
	case toS != "" && fromS == "":
		q.fail("from", "is required with to: give both, or neither for the last full calendar month")
	case from == nil || to == nil:
	case to.Before(*from):
		q.fail("to", "must not be before from (%s)", from.Format(dateLayout))
	case to.After(from.AddDate(maxReportYears, 0, -1)):
		q.fail("to", "makes a window longer than %d years: %s at the latest", maxReportYears, from.AddDate(maxReportYears, 0, -1).Format(dateLayout))
	default:
		w = domain.Window{From: *from, To: *to}
	}
	return w
}

// contactReport reads the window (and limit, when the route takes one)
// from the query and computes the report listing that many reasons.
func (s *Server) contactReport(c echo.Context, limit int, known ...string) (domain.ContactReasonsReport, error) {
	q := newQuery(c, append([]string{"from", "to"}, known...)...)
	w := reportWindow(q, s.clock())
	if len(known) > 0 {
		limit = q.count("limit", domain.DefaultReasonsListed, domain.MaxReasonsListed)
	}
	if err := q.err(); err != nil {
		return domain.ContactReasonsReport{}, err
	}
	return s.contactReportOf(c, w, limit)
}

// contactReportOf computes the report of window w listing limit reasons.
func (s *Server) contactReportOf(c echo.Context, w domain.Window, limit int) (domain.ContactReasonsReport, error) {
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	econ, _, err := s.store.GetEconomics(ctx, ws)
	if err != nil {
		return domain.ContactReasonsReport{}, err
	}
	counts, err := s.store.ContactReasonCounts(ctx, ws, w)
	if err != nil {
		return domain.ContactReasonsReport{}, err
	}
	return domain.NewContactReasonsReport(w, counts, econ.CostPerContact, econ.Currency, limit), nil
}

func contactReportExplanation(r *domain.ContactReasonsReport) ContactReportExplanation {
	days, prevDays := r.Window.Days(), r.PreviousWindow.Days()
	e := ContactReportExplanation{
		Window: fmt.Sprintf("%s to %s (%d days), against the previous window, %s to %s (as many calendar months when the window is whole months, "+
			"else as many days); a volume record counts in the window "+
			"its whole period falls in, so a record straddling a window's edge counts in neither; the records of every channel are added up",
			r.Window.From.Format(dateLayout), r.Window.To.Format(dateLayout), days,
			r.PreviousWindow.From.Format(dateLayout), r.PreviousWindow.To.Format(dateLayout)),
		Shares: "share = the reason's contacts ÷ all contacts in the window; cumulative_share adds the shares of the reasons listed before it " +
			"(biggest first); failure_demand_share = avoidable contacts ÷ all contacts",
		FCR: "first-contact resolution = resolved at the first contact ÷ contacts, with the Wilson score 95 % interval " +
			"(R's prop.test(resolved, contacts, correct = FALSE)); null without contacts",
		Change: fmt.Sprintf("the exact conditional Poisson test of the reason's contacts in the window against the previous window, "+
			"the windows' days being the exposures (R's poisson.test(c(contacts, previous_contacts), c(%d, %d))): the ratio of contacts "+
			"a day with its exact 95 %% interval and the two-sided p-value; direction up or down when p < 0.05, else no_change", days, prevDays),
		Unaddressed: "the avoidable reasons with contacts in the window and no open idea (new, under review, planned, piloting) " +
			"linked to them as evidence, biggest first",
	}
	if r.CostPerContact != nil {
		e.Cost = fmt.Sprintf("contacts × %s %s per contact (GET /economics)", domain.FormatMoney(*r.CostPerContact), r.Currency)
	} else {
		e.Cost = "no cost per contact is set: an admin sets cost_per_contact with PUT /economics"
	}
	return e
}

// contactReasonsSVG is the chart's address for window w.
func contactReasonsSVG(w domain.Window) string {
	v := url.Values{"from": {w.From.Format(dateLayout)}, "to": {w.To.Format(dateLayout)}}
	return "/api/v1/reports/contact-reasons.svg?" + v.Encode()
}

// contactReasons godoc
//
//	@Summary		Why customers contact us: the contact reasons report
//	@Description	The contact reasons of the workspace with their contacts in the window, biggest first (the first limit; the totals count every reason): its share of all contacts and the cumulative share (the Pareto line), first-contact resolution with its Wilson 95 % interval, the change against the previous window (as many calendar months when the window is whole months, else as many days; the exact conditional Poisson test of the two counts over the windows' days, as R's poisson.test, with a direction when p < 0.05), whether it is avoidable (failure demand), its cost (contacts × the workspace's cost_per_contact, when set) and the open ideas linked to it. Totals: contacts, failure demand share (avoidable ÷ all contacts), overall first-contact resolution, cost. unaddressed lists the avoidable reasons with contacts and no open idea linked. A volume record counts in the window its whole period falls in; channels are added up. Without from and to the window is the last full calendar month before today; give both or neither; to must not be before from; a window is at most 3 years.
//	@ID				getContactReasonsReport
//	@Tags			reports
//	@Param		If-None-Match	header	string	false	"The ETag of a report already held: 304 while it is still the current one"
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			from	query		string	false	"First day of the window, included (default: the first day of last month)"	format(date)	extensions(x-example=2026-10-01)
//	@Param			to		query		string	false	"Last day of the window, included (default: the last day of last month)"		format(date)	extensions(x-example=2026-10-31)
//	@Param			limit	query		int		false	"How many reasons (and unaddressed reasons) to list, biggest first (1–1000); the totals count every reason"	default(50)	extensions(x-example=10)
//	@Success		200		{object}	ContactReasonsReport
//	@Success		304	"Not modified: the report named in If-None-Match is current"
//	@Failure		400		{object}	Problem				"Bad request: a bad or unknown query parameter; from without to or to without from; to before from; a window longer than 3 years"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The report's strong validator, for If-None-Match; it changes with any write to the workspace's data the report depends on"
//	@Router			/api/v1/reports/contact-reasons [get]
func (s *Server) contactReasons(c echo.Context) error {
	r, err := s.contactReport(c, 0, "limit")
	if err != nil {
		return err
	}
	out := ContactReasonsReport{Window: windowOut(r.Window), PreviousWindow: windowOut(r.PreviousWindow), Contacts: r.Contacts,
		AvoidableContacts: r.AvoidableContacts, FailureDemandShare: r.FailureDemandShare, ResolvedFirstContact: r.Resolved,
		FCR: fcrOut(r.FCR, r.FCRCI), Currency: r.Currency, CostPerContact: r.CostPerContact, Cost: r.Cost, AvoidableCost: r.AvoidableCost,
		Reasons: reasonRowsOut(r.Reasons), OtherReasons: r.OtherReasons, OtherContacts: r.OtherContacts,
		Unaddressed: reasonRowsOut(r.Unaddressed), OtherUnaddressed: r.OtherUnaddressed, Explanation: contactReportExplanation(&r),
		SVG: contactReasonsSVG(r.Window)}
	return report(c, out)
}

// paretoChartReasons is how many reasons the Pareto chart draws.
const paretoChartReasons = 20

// contactReasonsChart godoc
//
//	@Summary		The contact reasons report as a Pareto chart (SVG)
//	@Description	Bars of contacts by reason, biggest first (avoidable reasons in their own colour), the cumulative share of all contacts as a line on a 0–100 % axis with the 80 % mark; the top 20 reasons drawn, the rest counted. The same window and parameters as GET /reports/contact-reasons.
//	@ID				getContactReasonsChart
//	@Tags			reports
//	@Produce		image/svg+xml,application/problem+json
//	@Security		BearerAuth
//	@Param			from	query		string	false	"First day of the window, included (default: the first day of last month)"	format(date)	extensions(x-example=2026-10-01)
//	@Param			to		query		string	false	"Last day of the window, included (default: the last day of last month)"		format(date)	extensions(x-example=2026-10-31)
//	@Param		If-None-Match	header	string	false	"The ETag of a drawing already held: 304 while it is still the current one"
//	@Success		200		{string}	string				"SVG"
//	@Success	304	"Not modified: the drawing named in If-None-Match is current"
//	@Failure		400		{object}	Problem				"Bad request: a bad or unknown query parameter; from without to or to without from; to before from; a window longer than 3 years"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header		200,304	{string}	ETag	"The drawing's strong validator, for If-None-Match; it changes with any write to the workspace's data the chart depends on"
//	@Router			/api/v1/reports/contact-reasons.svg [get]
func (s *Server) contactReasonsChart(c echo.Context) error {
	r, err := s.contactReport(c, paretoChartReasons)
	if err != nil {
		return err
	}
	bars := make([]chart.ParetoBar, 0, len(r.Reasons))
	more := r.OtherReasons
	for n := range r.Reasons {
		row := &r.Reasons[n]
		if row.Contacts == 0 {
			more += len(r.Reasons) - n // listed, but with nothing to draw
			break
		}
		bars = append(bars, chart.ParetoBar{Label: row.Reason.Name, Contacts: row.Contacts, CumulativeShare: row.CumulativeShare,
			Avoidable: row.Reason.Avoidable})
	}
	title := "Why customers contacted us, " + r.Window.From.Format(dateLayout) + " to " + r.Window.To.Format(dateLayout)
	subtitle := domain.FormatMoney(float64(r.Contacts)) + " contacts"
	if r.FailureDemandShare != nil {
		subtitle += fmt.Sprintf("; failure demand %.0f %%", 100**r.FailureDemandShare)
	}
	if r.AvoidableCost != nil {
		subtitle += "; avoidable contacts cost " + domain.FormatMoney(*r.AvoidableCost) + " " + r.Currency
	}
	b, err := chart.Pareto(title, subtitle, bars, more)
	return svg(c, b, err)
}
