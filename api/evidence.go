package api

import (
	"context"
	"net/http"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
)

// Evidence on ideas: the contact reasons and feedback items an idea stands
// on, linked and unlinked one request at a time.

// IdeaEvidence is what an idea can show for itself: how many feedback
// items and contact reasons are linked to it, and the contacts a month
// those reasons cause (the sum of their contacts_per_month), which
// sort=-contacts_per_month ranks the backlog by.
type IdeaEvidence struct {
	FeedbackCount    int     `json:"feedback_count" example:"12" binding:"required"`
	ContactReasons   int     `json:"contact_reasons" example:"2" binding:"required"`
	ContactsPerMonth float64 `json:"contacts_per_month" example:"1450" binding:"required"`
} // @name IdeaEvidence

// EvidenceLink is the body of POST /ideas/{id}/evidence: the contact
// reasons and feedback items to link, each of the idea's workspace. Both
// lists are required ([] for none); together they name at least one id.
type EvidenceLink struct {
	ContactReasonIDs *[]string `json:"contact_reason_ids" binding:"required,max=100,dive,uuid" format:"uuid"` // at most 100; [] for none
	FeedbackIDs      *[]string `json:"feedback_ids" binding:"required,max=100,dive,uuid" format:"uuid"`       // at most 100; [] for none
} // @name EvidenceLink

// EvidenceReason is a contact reason linked to an idea.
type EvidenceReason struct {
	ID               string    `json:"id" format:"uuid" binding:"required"` // the contact reason's
	Name             string    `json:"name" example:"Where is my invoice?" binding:"required"`
	TouchpointID     string    `json:"touchpoint_id" format:"uuid" binding:"required"` // where the failure originates
	Avoidable        bool      `json:"avoidable" example:"true" binding:"required"`    // failure demand: the contact should not have been needed
	ContactsPerMonth float64   `json:"contacts_per_month" example:"1200" binding:"required"`
	LinkedAt         time.Time `json:"linked_at" binding:"required"`
} // @name EvidenceReason

// EvidenceFeedback is a feedback item linked to an idea, its text whole.
type EvidenceFeedback struct {
	ID           string    `json:"id" format:"uuid" binding:"required"` // the feedback item's
	TouchpointID string    `json:"touchpoint_id" format:"uuid" binding:"required"`
	Source       string    `json:"source" enums:"survey,complaint,review,agent_note,social,other" example:"complaint" binding:"required"`
	Text         string    `json:"text" example:"I phoned three times to find out where my invoice went." binding:"required"`
	Score        *float64  `json:"score" example:"2" extensions:"x-nullable"`     // null without a score
	ScoreMin     *float64  `json:"score_min" example:"1" extensions:"x-nullable"` // the score's scale; null without a score
	ScoreMax     *float64  `json:"score_max" example:"5" extensions:"x-nullable"`
	ReceivedAt   time.Time `json:"received_at" binding:"required"`
	LinkedAt     time.Time `json:"linked_at" binding:"required"`
} // @name EvidenceFeedback

// Evidence is everything linked to an idea: its contact reasons by
// contacts a month (biggest first), its feedback items newest first, and
// the summary the idea shows as evidence.
type Evidence struct {
	ContactReasons []EvidenceReason   `json:"contact_reasons" binding:"required"`
	Feedback       []EvidenceFeedback `json:"feedback" binding:"required"`
	Summary        IdeaEvidence       `json:"summary" binding:"required"`
} // @name Evidence

func evidenceSummaryOut(e domain.IdeaEvidence) IdeaEvidence {
	return IdeaEvidence{FeedbackCount: e.FeedbackCount, ContactReasons: e.ContactReasons, ContactsPerMonth: e.ContactsPerMonth}
}

func evidenceOut(e *domain.Evidence) Evidence {
	out := Evidence{ContactReasons: make([]EvidenceReason, len(e.Reasons)), Feedback: make([]EvidenceFeedback, len(e.Feedback)),
		Summary: evidenceSummaryOut(e.Summary)}
	for n, r := range e.Reasons {
		out.ContactReasons[n] = EvidenceReason{ID: r.ReasonID, Name: r.Name, TouchpointID: r.TouchpointID, Avoidable: r.Avoidable,
			ContactsPerMonth: r.ContactsPerMonth, LinkedAt: r.LinkedAt.UTC()}
	}
	for n, f := range e.Feedback {
		out.Feedback[n] = EvidenceFeedback{ID: f.FeedbackID, TouchpointID: f.TouchpointID, Source: string(f.Source), Text: f.Text,
			Score: f.Score, ScoreMin: f.ScoreMin, ScoreMax: f.ScoreMax, ReceivedAt: f.ReceivedAt.UTC(), LinkedAt: f.LinkedAt.UTC()}
	}
	return out
}

// ideaEvidence godoc
//
//	@Summary		An idea's evidence: the contact reasons and feedback items linked to it
//	@Description	Contact reasons by contacts a month, biggest first; feedback items newest first, each text whole. summary is what the idea shows as evidence: the counts and the contacts a month the reasons cause together.
//	@ID				getIdeaEvidence
//	@Tags			ideas
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"Idea id"	format(uuid)
//	@Success		200		{object}	Evidence
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		404		{object}	Problem				"Unknown, or in another workspace"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/ideas/{id}/evidence [get]
func (s *Server) ideaEvidence(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	e, err := s.store.IdeaEvidence(c.Request().Context(), principal(c).WorkspaceID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, evidenceOut(e))
}

// linkEvidence godoc
//
//	@Summary		Link contact reasons and feedback items to an idea as its evidence
//	@Description	Both lists are required ([] for none) and together name at least one id, at most 100 of each; each must be a contact reason or feedback item of the idea's workspace, else 422 naming /contact_reason_ids/N or /feedback_ids/N (and nothing is linked). Linking one already linked changes nothing, so a retry is safe. The idea's contacts_per_month follows its reasons; each new link is recorded in the idea's history (field evidence) with the key's name; the idea's version does not change. Answers the idea's evidence.
//	@ID				linkIdeaEvidence
//	@Tags			ideas
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"Idea id"	format(uuid)
//	@Param			evidence	body		EvidenceLink	true	"What to link"
//	@Success		200			{object}	Evidence
//	@Failure		400			{object}	Problem				"Bad request: malformed JSON or an unknown or repeated field; or any query parameter (this operation takes none)"
//	@Failure		401			{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403			{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404			{object}	Problem				"Unknown idea, or in another workspace"
//	@Failure		413			{object}	Problem				"The body is larger than the limit (1 MB)"
//	@Failure		415			{object}	Problem				"The body is not application/json"
//	@Failure		422			{object}	Problem				"Invalid values; errors[] name each field (pointer): a list left out, no id at all, over 100 ids, or an id that is not a UUID or names nothing in the workspace"
//	@Failure		429			{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503			{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default		{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401			{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503			{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/ideas/{id}/evidence [post]
func (s *Server) linkEvidence(c echo.Context) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	var in EvidenceLink
	if err := bindCreate(c, &in); err != nil {
		return err
	}
	ctx, ws := c.Request().Context(), principal(c).WorkspaceID
	if in.ContactReasonIDs == nil || in.FeedbackIDs == nil {
		// An unknown idea answers 404 whatever the body.
		if _, err := s.store.IdeaEvidence(ctx, ws, id); err != nil {
			return err
		}
		return requirePresent(presence{"/contact_reason_ids", in.ContactReasonIDs != nil}, presence{"/feedback_ids", in.FeedbackIDs != nil})
	}
	e, err := s.store.LinkEvidence(ctx, ws, id, *in.ContactReasonIDs, *in.FeedbackIDs, principal(c).KeyName)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, evidenceOut(e))
}

// unlinkReason godoc
//
//	@Summary		Unlink a contact reason from an idea
//	@Description	The idea's contacts_per_month follows; the change is recorded in the idea's history (field evidence); the idea's version does not change.
//	@ID				unlinkIdeaContactReason
//	@Tags			ideas
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path	string	true	"Idea id"			format(uuid)
//	@Param			reason_id	path	string	true	"Contact reason id"	format(uuid)
//	@Success		204
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404		{object}	Problem				"Unknown idea, or in another workspace; or the reason is not linked to the idea"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/ideas/{id}/evidence/contact-reasons/{reason_id} [delete]
func (s *Server) unlinkReason(c echo.Context) error {
	return s.unlink(c, "reason_id", "contact reason", s.store.UnlinkContactReason)
}

// unlinkFeedback godoc
//
//	@Summary		Unlink a feedback item from an idea
//	@Description	The change is recorded in the idea's history (field evidence); the idea's version does not change.
//	@ID				unlinkIdeaFeedback
//	@Tags			ideas
//	@Produce		json,application/problem+json
//	@Security		BearerAuth
//	@Param			id			path	string	true	"Idea id"			format(uuid)
//	@Param			feedback_id	path	string	true	"Feedback item id"	format(uuid)
//	@Success		204
//	@Failure		400		{object}	Problem				"Bad request: any query parameter (this operation takes none)"
//	@Failure		401		{object}	Problem				"No API key, or an unknown, expired or revoked one"
//	@Failure		403		{object}	Problem				"Needs role editor (a viewer key cannot write)"
//	@Failure		404		{object}	Problem				"Unknown idea, or in another workspace; or the feedback item is not linked to the idea"
//	@Failure		429		{object}	Problem				"Too many requests: over the budget of this API key, of its workspace's keys together, or of failed authentications from this address, or the workspace has too many requests in flight; retry after Retry-After seconds"
//	@Failure		503		{object}	Problem				"The database is unavailable; retry after Retry-After seconds"
//	@Failure		default	{object}	Problem				"Any other error, e.g. 500 (an internal error: quote instance when reporting it)"
//	@Header			401		{string}	WWW-Authenticate	"The scheme to authenticate with: Bearer"
//	@Header			429		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Header			503		{integer}	Retry-After			"Seconds to wait before retrying"
//	@Router			/api/v1/ideas/{id}/evidence/feedback/{feedback_id} [delete]
func (s *Server) unlinkFeedback(c echo.Context) error {
	return s.unlink(c, "feedback_id", "feedback item", s.store.UnlinkFeedback)
}

// unlink removes the link to the item named by the path parameter param.
func (s *Server) unlink(c echo.Context, param, kind string, remove func(ctx context.Context, ws, ideaID, itemID, actor string) error) error {
	id, err := pathID(c, "idea")
	if err != nil {
		return err
	}
	item, err := pathParamID(c, param, kind)
	if err != nil {
		return err
	}
	if err := remove(c.Request().Context(), principal(c).WorkspaceID, id, item, principal(c).KeyName); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
