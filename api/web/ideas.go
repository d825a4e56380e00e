package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// The idea pages: one idea with its score explained, its status moves,
// history, pilots and touchpoints; the create and edit forms, and the edit
// conflict when someone else saved the idea in between.
func (h *handler) ideaRoutes(e *echo.Echo) {
	h.get(e, "/ideas/new", h.newIdea, domain.RoleEditor)
	h.post(e, "/ideas", h.createIdea, domain.RoleEditor)
	h.get(e, "/ideas/:id", h.idea, domain.RoleViewer)
	h.get(e, "/ideas/:id/edit", h.editIdea, domain.RoleEditor)
	h.post(e, "/ideas/:id", h.updateIdea, domain.RoleEditor)
	h.post(e, "/ideas/:id/status", h.moveIdea, domain.RoleEditor)
}

func init() {
	funcs["ideaTime"] = func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }
	funcs["ideaStamp"] = func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
}

// ideaScaleQuestions are what each scale asks, as the API documents it.
var ideaScaleQuestions = map[string]string{
	"impact":     "How much it moves a measured outcome",
	"experience": "How much customers feel it",
	"effort":     "What it takes to deliver",
}

// scaleMeaning says what value means on scale: the anchor of a 1, 3 or 5,
// or the two anchors a 2 or a 4 lies between.
func scaleMeaning(a domain.ScaleAnchors, value int) string {
	q := func(s string) string { return "“" + s + "”" }
	switch value {
	case 1:
		return a.Low
	case 2:
		return "between 1 " + q(a.Low) + " and 3 " + q(a.Mid)
	case 3:
		return a.Mid
	case 4:
		return "between 3 " + q(a.Mid) + " and 5 " + q(a.High)
	case 5:
		return a.High
	}
	return ""
}

// ideaScaleValue is one scale of an idea with what its value means.
type ideaScaleValue struct {
	Label, Question string
	Value           int
	Meaning         string
}

// ideaHistoryEntry is one change of the idea, in words.
type ideaHistoryEntry struct {
	At       time.Time
	Actor    string
	Field    string
	Old, New string
	Created  bool
}

// ideaView is the idea page's data.
type ideaView struct {
	Idea         *domain.Idea
	Why          string
	Scales       []ideaScaleValue
	Touchpoints  []domain.TouchpointRef
	Moves        []domain.IdeaStatus
	Pilots       []domain.Pilot
	History      []ideaHistoryEntry
	OlderHistory string
	Alert        string // why a status move was refused
	Money        *ideaMoney
}

// ideaMoney is the business case as the idea page shows it, in words.
type ideaMoney struct {
	Currency                    string
	Value, Running, Net, OneOff string
	Payback, ROI                string // "" when there is none
	Explanation                 string
	Realised, RealisedInterval  string // "" before a pilot got the idea adopted
	RealisedPilot               string
}

// moneyOf reads the idea's business case for the page; nil without one.
func moneyOf(i *domain.Idea) *ideaMoney {
	bc := i.BusinessCase
	if bc == nil {
		return nil
	}
	m := &ideaMoney{Currency: bc.Currency, Value: money(bc.ExpectedAnnualValue), Running: money(bc.AnnualRunningCost),
		Net: money(bc.ExpectedNetAnnualValue), OneOff: money(bc.OneOffCost), Explanation: bc.Explanation}
	if bc.PaybackMonths != nil {
		m.Payback = num(*bc.PaybackMonths) + " months"
	}
	if bc.FirstYearROI != nil {
		m.ROI = num(*bc.FirstYearROI*100) + " %"
	}
	if r := i.Realised; r != nil {
		m.Realised, m.RealisedInterval = valueText(r.AnnualValue, r.CI, bc.Currency)
		m.RealisedPilot = r.PilotID
	}
	return m
}

// idea is one idea's page.
func (h *handler) idea(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	var before int64
	if s := c.QueryParam("before"); s != "" {
		if before, err = strconv.ParseInt(s, 10, 64); err != nil || before < 1 {
			return domain.Errorf(domain.EMalformed, "the history link is broken; start from the newest change")
		}
	}
	v, err := h.ideaPage(c, id, before)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "idea", v.Idea.Title, v)
}

const ideaHistoryPageSize = 20

// ideaPage reads what the idea page shows: the idea, its history from
// before (0: the newest), its pilots and its touchpoints' names.
func (h *handler) ideaPage(c echo.Context, id string, before int64) (*ideaView, error) {
	ws := principalOf(c).WorkspaceID
	i, err := h.Store.GetIdea(ctx(c), ws, id)
	if err != nil {
		return nil, err
	}
	entries, next, err := h.Store.IdeaHistory(ctx(c), ws, id, before, ideaHistoryPageSize)
	if err != nil {
		return nil, err
	}
	_, _, names, err := h.catalogue(c)
	if err != nil {
		return nil, err
	}
	v := &ideaView{Idea: i, Why: i.WhyRanked(), Moves: i.Status.Moves(), Money: moneyOf(i)}
	values := map[string]int{"impact": i.Impact, "experience": i.Experience, "effort": i.Effort}
	for _, a := range domain.Scales {
		v.Scales = append(v.Scales, ideaScaleValue{Label: titleWords(a.Scale), Question: ideaScaleQuestions[a.Scale],
			Value: values[a.Scale], Meaning: scaleMeaning(a, values[a.Scale])})
	}
	for _, tp := range i.TouchpointIDs {
		v.Touchpoints = append(v.Touchpoints, domain.TouchpointRef{ID: tp, Name: nameOr(names, tp)})
	}
	for _, e := range entries {
		v.History = append(v.History, ideaHistoryEntry{At: e.ChangedAt, Actor: e.Actor, Field: ideaFieldLabel(e.Field),
			Old: historyValue(e.Field, e.Old, names), New: historyValue(e.Field, e.New, names), Created: e.Field == "created"})
	}
	if next != nil {
		v.OlderHistory = "/ideas/" + id + "?before=" + strconv.FormatInt(*next, 10) + "#history"
	}
	page := domain.Page{Limit: domain.MaxPageSize}
	for {
		ps, next, err := h.Store.ListPilots(ctx(c), ws, domain.PilotFilter{IdeaIDs: []string{id}}, page)
		if err != nil {
			return nil, err
		}
		v.Pilots = append(v.Pilots, ps...)
		if next == nil {
			break
		}
		page.After = next
	}
	return v, nil
}

func nameOr(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "touchpoint " + id // deleted since
}

// ideaFieldLabels name the fields of the idea's history and forms.
var ideaFieldLabels = map[string]string{
	"created": "Created", "title": "Title", "problem": "Problem", "proposal": "Proposal", "touchpoint_ids": "Touchpoints",
	"impact": "Impact", "experience": "Experience", "effort": "Effort", "confidence": "Confidence", "owner": "Owner",
	"tags": "Tags", "source": "Source", "status": "Status", "priority": "Priority",
	"one_off_cost": "One-off cost", "annual_running_cost": "Annual running cost",
	"expected_improvements": "Expected improvements", "realised_annual_value": "Realised annual value",
}

func ideaFieldLabel(field string) string {
	if l, ok := ideaFieldLabels[field]; ok {
		return l
	}
	return titleWords(field)
}

// historyValue shows a recorded value: touchpoints by name, statuses and
// sources in words.
func historyValue(field, value string, names map[string]string) string {
	switch {
	case value == "":
		return ""
	case field == "touchpoint_ids":
		ids := strings.Split(value, ", ")
		out := make([]string, len(ids))
		for n, id := range ids {
			out[n] = nameOr(names, id)
		}
		return strings.Join(out, ", ")
	case field == "status" || field == "source":
		return strings.ReplaceAll(value, "_", " ")
	}
	return value
}

// moveIdea moves the idea to the status of the form, at the version the
// page showed. A move the workflow refuses (409) or a stale page (412)
// shows the idea as it is now with the reason.
func (h *handler) moveIdea(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	to, ok := domain.ParseIdeaStatus(c.FormValue("to"))
	if !ok {
		return domain.Invalid(domain.FieldError{Parameter: "to", Detail: "must be one of new, under_review, planned, piloting, adopted, rejected, parked"})
	}
	p := principalOf(c)
	_, err = h.Store.UpdateIdea(ctx(c), p.WorkspaceID, id, version, p.KeyName, func(i *domain.Idea) error { return i.MoveTo(to) })
	var alert string
	switch domain.ErrorCodeOf(err) {
	case "":
		return c.Redirect(http.StatusSeeOther, "/ideas/"+id)
	case domain.EConflict:
		var de *domain.Error
		errors.As(err, &de)
		alert = "Not moved: " + de.Message + "."
	case domain.EPreconditionFailed:
		alert = "Not moved: someone changed this idea after you loaded the page. This is the idea as it is now; move it again if you still want to."
	default:
		return err
	}
	v, perr := h.ideaPage(c, id, 0)
	if perr != nil {
		return perr
	}
	v.Alert = alert
	return h.render(c, h.StatusOf(err), "idea", v.Idea.Title, v)
}

// formVersion is the version of the idea the form was based on.
func formVersion(c echo.Context) (int, error) {
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil || v < 1 {
		return 0, domain.Errorf(domain.EMalformed, "the form has no version of the idea; reload the page and try again")
	}
	return v, nil
}

// ideaForm is the idea form as typed, to fill it again.
type ideaForm struct {
	Title, Problem, Proposal   string
	TouchpointIDs              []string
	Impact, Experience, Effort string
	Confidence                 string
	Owner, Tags, Source        string
	Status                     string // not edited in the form: only to show someone else's move
}

// ideaFormOf is an idea as the form shows it.
func ideaFormOf(i *domain.Idea) ideaForm {
	return ideaForm{Title: i.Title, Problem: i.Problem, Proposal: i.Proposal, TouchpointIDs: slices.Clone(i.TouchpointIDs),
		Impact: strconv.Itoa(i.Impact), Experience: strconv.Itoa(i.Experience), Effort: strconv.Itoa(i.Effort),
		Confidence: strconv.FormatFloat(i.Confidence, 'f', -1, 64), Owner: i.Owner, Tags: strings.Join(i.Tags, ", "),
		Source: string(i.Source), Status: string(i.Status)}
}

// readIdeaForm reads the form's fields with the given name prefix ("" for
// the user's values, "base_" for those the edit started from). Browsers
// send line breaks as CRLF: they are read as the LF the API stores.
func readIdeaForm(form url.Values, prefix string) ideaForm {
	get := func(name string) string {
		return strings.ReplaceAll(form.Get(prefix+name), "\r\n", "\n")
	}
	return ideaForm{Title: get("title"), Problem: get("problem"), Proposal: get("proposal"),
		TouchpointIDs: slices.Clone(form[prefix+"touchpoint_ids"]), Impact: get("impact"), Experience: get("experience"),
		Effort: get("effort"), Confidence: strings.TrimSpace(get("confidence")), Owner: get("owner"), Tags: get("tags"),
		Source: get("source"), Status: get("status")}
}

// apply sets the form's values on i (all but the status). What cannot be
// read as a number becomes a value Validate refuses, so that the domain
// names every invalid field in its own words.
func (f ideaForm) apply(i *domain.Idea) {
	i.Title, i.Problem, i.Proposal, i.Owner = f.Title, f.Problem, f.Proposal, f.Owner
	i.TouchpointIDs = slices.Clone(f.TouchpointIDs)
	if i.TouchpointIDs == nil {
		i.TouchpointIDs = []string{}
	}
	i.Impact, i.Experience, i.Effort = scaleOf(f.Impact), scaleOf(f.Experience), scaleOf(f.Effort)
	i.Confidence = confidenceOf(f.Confidence)
	i.Tags = tagsOf(f.Tags)
	i.Source = domain.IdeaSource(f.Source)
}

func scaleOf(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

// confidenceOf reads a confidence: empty is the default (as the API's
// absent or null), a decimal comma is a decimal point, and what is not a
// number is NaN, which Validate refuses.
func confidenceOf(s string) float64 {
	if s == "" {
		return domain.DefaultConfidence
	}
	x, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		return math.NaN()
	}
	return x
}

// tagsOf splits comma-separated tags, leaving out empty ones.
func tagsOf(s string) []string {
	tags := []string{}
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// ideaFormFields are the form's fields in the order of the form: how to
// compare two forms' values of a field, show one, and take it from another
// form.
var ideaFormFields = []struct {
	key  string
	cmp  func(ideaForm) string
	show func(ideaForm, map[string]string) string
	take func(dst *ideaForm, src ideaForm)
}{
	{"title", func(f ideaForm) string { return f.Title }, nil, func(d *ideaForm, s ideaForm) { d.Title = s.Title }},
	{"problem", func(f ideaForm) string { return f.Problem }, nil, func(d *ideaForm, s ideaForm) { d.Problem = s.Problem }},
	{"proposal", func(f ideaForm) string { return f.Proposal }, nil, func(d *ideaForm, s ideaForm) { d.Proposal = s.Proposal }},
	{"touchpoint_ids", func(f ideaForm) string {
		ids := make([]string, len(f.TouchpointIDs))
		for n, id := range f.TouchpointIDs {
			ids[n] = strings.ToLower(id)
		}
		slices.Sort(ids)
		return strings.Join(ids, ",")
	}, func(f ideaForm, names map[string]string) string {
		out := make([]string, len(f.TouchpointIDs))
		for n, id := range f.TouchpointIDs {
			out[n] = nameOr(names, strings.ToLower(id))
		}
		slices.Sort(out)
		return strings.Join(out, ", ")
	}, func(d *ideaForm, s ideaForm) { d.TouchpointIDs = slices.Clone(s.TouchpointIDs) }},
	{"impact", func(f ideaForm) string { return strings.TrimSpace(f.Impact) }, nil, func(d *ideaForm, s ideaForm) { d.Impact = s.Impact }},
	{"experience", func(f ideaForm) string { return strings.TrimSpace(f.Experience) }, nil, func(d *ideaForm, s ideaForm) { d.Experience = s.Experience }},
	{"effort", func(f ideaForm) string { return strings.TrimSpace(f.Effort) }, nil, func(d *ideaForm, s ideaForm) { d.Effort = s.Effort }},
	{"confidence", func(f ideaForm) string {
		if x := confidenceOf(f.Confidence); x == x {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return f.Confidence
	}, nil, func(d *ideaForm, s ideaForm) { d.Confidence = s.Confidence }},
	{"owner", func(f ideaForm) string { return f.Owner }, nil, func(d *ideaForm, s ideaForm) { d.Owner = s.Owner }},
	{"tags", func(f ideaForm) string { return strings.Join(tagsOf(f.Tags), ", ") }, nil, func(d *ideaForm, s ideaForm) { d.Tags = s.Tags }},
	{"source", func(f ideaForm) string { return f.Source }, func(f ideaForm, _ map[string]string) string { return strings.ReplaceAll(f.Source, "_", " ") },
		func(d *ideaForm, s ideaForm) { d.Source = s.Source }},
	{"status", func(f ideaForm) string { return f.Status }, func(f ideaForm, _ map[string]string) string { return strings.ReplaceAll(f.Status, "_", " ") },
		func(*ideaForm, ideaForm) {}}, // moved with the status buttons, never by the form
}

// ideaScaleOption is one radio button of a scale.
type ideaScaleOption struct {
	ID, Value, Anchor string
	Checked           bool
}

// ideaScaleInput is one scale's radio group.
type ideaScaleInput struct {
	Name, Label, Question, Error string
	Options                      []ideaScaleOption
}

// ideaTouchpointGroup is one journey's touchpoints to choose from.
type ideaTouchpointGroup struct {
	Journey     string
	Touchpoints []domain.Touchpoint
}

// ideaFieldError is one line of the form's error summary.
type ideaFieldError struct{ Field, Label, Message string }

// ideaConflictRow is one field changed by someone else, by the user or
// by both since the version the user started from.
type ideaConflictRow struct {
	Label                   string
	Base, Theirs, Yours     string
	TheyChanged, YouChanged bool
	NotInForm               bool
}

// ideaConflict is what the edit conflict page shows above the form.
type ideaConflict struct {
	YourVersion, CurrentVersion int
	LastBy                      string
	LastAt                      time.Time
	Rows                        []ideaConflictRow
	Both                        bool // some field was changed by both
}

// ideaFormView is the data of the create and edit forms.
type ideaFormView struct {
	Action    string
	ID        string
	IdeaTitle string // the stored title, for the heading
	Version   int
	Form      ideaForm
	Base      *ideaForm // edit: the values the edit started from
	Errors    map[string]string
	Summary   []ideaFieldError
	Scales    []ideaScaleInput
	Groups    []ideaTouchpointGroup
	Sources   []domain.IdeaSource
	Conflict  *ideaConflict
}

// formView completes a form view: the choices, and the errors of err (an
// EInvalid) by field.
func (h *handler) formView(c echo.Context, v *ideaFormView, err error) error {
	journeys, tps, _, cerr := h.catalogue(c)
	if cerr != nil {
		return cerr
	}
	v.Sources = domain.IdeaSources
	byJourney := map[string][]domain.Touchpoint{}
	for _, tp := range tps {
		byJourney[tp.JourneyID] = append(byJourney[tp.JourneyID], tp)
	}
	for _, j := range journeys {
		if len(byJourney[j.ID]) > 0 {
			v.Groups = append(v.Groups, ideaTouchpointGroup{Journey: j.Name, Touchpoints: byJourney[j.ID]})
		}
	}
	v.Errors = map[string]string{}
	for _, fe := range domain.FieldsOf(err) {
		field, item, _ := strings.Cut(strings.TrimPrefix(fe.Pointer+fe.Parameter, "/"), "/")
		msg := fe.Detail
		if n, aerr := strconv.Atoi(item); aerr == nil && !strings.HasPrefix(fe.Detail, "no ") {
			msg = itemName(field, n, v.Form) + " " + fe.Detail
		}
		if _, ok := ideaFieldLabels[field]; !ok || field == "created" || field == "priority" {
			field = ""
		}
		if v.Errors[field] != "" {
			v.Errors[field] += "; "
		}
		v.Errors[field] += msg
		label := "Form"
		if field != "" {
			label = ideaFieldLabel(field)
		}
		v.Summary = append(v.Summary, ideaFieldError{Field: field, Label: label, Message: msg})
	}
	values := map[string]string{"impact": v.Form.Impact, "experience": v.Form.Experience, "effort": v.Form.Effort}
	for _, a := range domain.Scales {
		in := ideaScaleInput{Name: a.Scale, Label: titleWords(a.Scale), Question: ideaScaleQuestions[a.Scale], Error: v.Errors[a.Scale]}
		for n := 1; n <= 5; n++ {
			o := ideaScaleOption{ID: a.Scale + "-" + strconv.Itoa(n), Value: strconv.Itoa(n), Checked: strings.TrimSpace(values[a.Scale]) == strconv.Itoa(n)}
			if n%2 == 1 {
				o.Anchor = scaleMeaning(a, n)
			}
			in.Options = append(in.Options, o)
		}
		v.Scales = append(v.Scales, in)
	}
	return nil
}

// itemName names the n-th item of a list field in an error: a tag by its
// text. (A store's "no touchpoint … in this workspace" names itself.)
func itemName(field string, n int, f ideaForm) string {
	switch field {
	case "tags":
		if tags := tagsOf(f.Tags); n < len(tags) {
			return "tag “" + tags[n] + "”"
		}
	case "touchpoint_ids":
		return "a chosen touchpoint"
	}
	return "item " + strconv.Itoa(n+1)
}

// renderForm renders a form view with status, or the error of the choices.
func (h *handler) renderForm(c echo.Context, status int, title string, v *ideaFormView, err error) error {
	if ferr := h.formView(c, v, err); ferr != nil {
		return ferr
	}
	return h.render(c, status, "idea_form", title, v)
}

// newIdea is the empty create form.
func (h *handler) newIdea(c echo.Context) error {
	v := &ideaFormView{Action: "/ideas", Form: ideaForm{Confidence: strconv.FormatFloat(domain.DefaultConfidence, 'f', -1, 64)}}
	return h.renderForm(c, http.StatusOK, "New idea", v, nil)
}

// createIdea creates the idea as the API does: validated by the domain,
// scored by the store with the workspace's scoring, status new, the key's
// name in the history.
func (h *handler) createIdea(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return domain.Wrap(domain.EMalformed, err, "the form cannot be read")
	}
	f := readIdeaForm(form, "")
	p := principalOf(c)
	i := &domain.Idea{WorkspaceID: p.WorkspaceID, Status: domain.StatusNew}
	f.apply(i)
	err = i.Validate()
	if err == nil {
		err = h.Store.CreateIdea(ctx(c), i, p.KeyName)
	}
	if domain.ErrorCodeOf(err) == domain.EInvalid {
		return h.renderForm(c, http.StatusUnprocessableEntity, "New idea", &ideaFormView{Action: "/ideas", Form: f}, err)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ideas/"+i.ID)
}

// editIdea is the edit form of the idea as it is now.
func (h *handler) editIdea(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	i, err := h.Store.GetIdea(ctx(c), principalOf(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	f := ideaFormOf(i)
	v := &ideaFormView{Action: "/ideas/" + id, ID: id, IdeaTitle: i.Title, Version: i.Version, Form: f, Base: &f}
	return h.renderForm(c, http.StatusOK, "Edit "+i.Title, v, nil)
}

// updateIdea saves the edit at the version the form was based on, as the
// API's PATCH does. When someone else saved the idea in between, nothing
// is written: the conflict page shows both changes and offers the user's
// on top of the current version.
func (h *handler) updateIdea(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return domain.Wrap(domain.EMalformed, err, "the form cannot be read")
	}
	yours, base := readIdeaForm(form, ""), readIdeaForm(form, "base_")
	p := principalOf(c)
	_, err = h.Store.UpdateIdea(ctx(c), p.WorkspaceID, id, version, p.KeyName, func(i *domain.Idea) error {
		yours.apply(i)
		return i.Validate()
	})
	switch domain.ErrorCodeOf(err) {
	case "":
		return c.Redirect(http.StatusSeeOther, "/ideas/"+id)
	case domain.EInvalid:
		title := base.Title
		if title == "" {
			title = yours.Title
		}
		v := &ideaFormView{Action: "/ideas/" + id, ID: id, IdeaTitle: title, Version: version, Form: yours, Base: &base}
		return h.renderForm(c, http.StatusUnprocessableEntity, "Edit "+title, v, err)
	case domain.EPreconditionFailed:
		return h.editConflict(c, id, version, base, yours)
	}
	return err
}

// editConflict shows, field by field, what someone else changed since
// the version the user started from and what the user changed, with the
// form of the current version carrying the user's changes.
func (h *handler) editConflict(c echo.Context, id string, version int, base, yours ideaForm) error {
	ws := principalOf(c).WorkspaceID
	current, err := h.Store.GetIdea(ctx(c), ws, id)
	if err != nil {
		return err
	}
	theirs := ideaFormOf(current)
	_, _, names, err := h.catalogue(c)
	if err != nil {
		return err
	}
	conflict := &ideaConflict{YourVersion: version, CurrentVersion: current.Version}
	if last, _, err := h.Store.IdeaHistory(ctx(c), ws, id, 0, 1); err == nil && len(last) == 1 {
		conflict.LastBy, conflict.LastAt = last[0].Actor, last[0].ChangedAt
	}
	merged := theirs
	changedAny := false
	for _, fd := range ideaFormFields {
		show := fd.show
		if show == nil {
			show = func(f ideaForm, _ map[string]string) string { return fd.cmp(f) }
		}
		row := ideaConflictRow{Label: ideaFieldLabel(fd.key), Base: show(base, names), Theirs: show(theirs, names), Yours: show(yours, names),
			TheyChanged: fd.cmp(theirs) != fd.cmp(base), YouChanged: fd.key != "status" && fd.cmp(yours) != fd.cmp(base), NotInForm: fd.key == "status"}
		if row.YouChanged {
			fd.take(&merged, yours)
			changedAny = true
		}
		if row.TheyChanged && row.YouChanged {
			conflict.Both = true
		}
		if row.TheyChanged || row.YouChanged {
			conflict.Rows = append(conflict.Rows, row)
		}
	}
	if !changedAny {
		// Nothing of the user's to lose: the idea as it is now.
		return c.Redirect(http.StatusSeeOther, "/ideas/"+id)
	}
	v := &ideaFormView{Action: "/ideas/" + id, ID: id, IdeaTitle: current.Title, Version: current.Version, Form: merged, Base: &theirs, Conflict: conflict}
	return h.renderForm(c, http.StatusConflict, fmt.Sprintf("Edit conflict: %s", current.Title), v, nil)
}
