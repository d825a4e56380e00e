package domain

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Evidence on ideas (issue 18): the contact reasons and feedback items an
// idea stands on. An idea shows a summary of it (IdeaEvidence); the
// backlog can be sorted by the contacts a month its reasons cause.

// MaxEvidenceLinks bounds the ids of each kind one request links.
const MaxEvidenceLinks = 100

// EvidenceReason is a contact reason linked to an idea.
type EvidenceReason struct {
	ReasonID         string
	Name             string
	TouchpointID     string
	Avoidable        bool
	ContactsPerMonth float64
	LinkedAt         time.Time
}

// EvidenceFeedback is a feedback item linked to an idea.
type EvidenceFeedback struct {
	FeedbackID         string
	TouchpointID       string
	Source             FeedbackSource
	Text               string // whole
	Score              *float64
	ScoreMin, ScoreMax *float64
	ReceivedAt         time.Time
	LinkedAt           time.Time
}

// Evidence is everything linked to one idea: its reasons by contacts a
// month (biggest first), its feedback newest first, and the summary the
// idea shows.
type Evidence struct {
	Reasons  []EvidenceReason
	Feedback []EvidenceFeedback
	Summary  IdeaEvidence
}

// ValidateEvidenceLinks checks the ids of one link request: at least one
// id in all, at most MaxEvidenceLinks of each kind, each a UUID. It
// returns them lower-cased and without repeats, in the order given; an
// error names /contact_reason_ids/N or /feedback_ids/N.
func ValidateEvidenceLinks(reasonIDs, feedbackIDs []string) (reasons, feedback []string, err error) {
	var fe fieldErrors
	if len(reasonIDs)+len(feedbackIDs) == 0 {
		const detail = "name at least one contact reason or feedback item to link (both lists are empty)"
		fe.add("/contact_reason_ids", detail)
		fe.add("/feedback_ids", detail)
	}
	reasons = evidenceIDs(&fe, "/contact_reason_ids", reasonIDs)
	feedback = evidenceIDs(&fe, "/feedback_ids", feedbackIDs)
	return reasons, feedback, fe.err()
}

func evidenceIDs(fe *fieldErrors, pointer string, ids []string) []string {
	if len(ids) > MaxEvidenceLinks {
		fe.add(pointer, "must hold at most %d ids; link more in several requests", MaxEvidenceLinks)
		return nil
	}
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for n, id := range ids {
		id = strings.ToLower(id)
		if !IsID(id) {
			fe.add(pointer+"/"+strconv.Itoa(n), "must be a UUID")
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// EvidenceField is the history field of evidence linked or unlinked.
const EvidenceField = "evidence"

// ReasonLinked is the history entry of a contact reason linked to an idea
// (linked true) or unlinked from it.
func ReasonLinked(name string, linked bool) Change {
	return evidenceChange("contact reason "+name, linked)
}

// FeedbackLinked is the history entry of a feedback item linked to an idea
// (linked true) or unlinked from it, named by its source, the day it was
// received and the start of its text.
func FeedbackLinked(source FeedbackSource, receivedAt time.Time, text string, linked bool) Change {
	return evidenceChange("feedback ("+string(source)+", "+receivedAt.UTC().Format(time.DateOnly)+") \""+excerpt(text, 80)+"\"", linked)
}

func evidenceChange(what string, linked bool) Change {
	if linked {
		return Change{Field: EvidenceField, Old: "", New: "linked " + what}
	}
	return Change{Field: EvidenceField, Old: "linked " + what, New: "unlinked " + what}
}

// excerpt is s on one line, cut to at most n characters with "…".
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// EvidenceStore links contact reasons and feedback items to ideas, in the
// idea's workspace. Every change of links keeps the idea's contacts a month
// current and is recorded in the idea's history (field "evidence"); it
// changes neither the idea's version nor its updated_at.
type EvidenceStore interface {
	// LinkEvidence links the reasons and feedback items (ValidateEvidenceLinks)
	// to the idea and returns its evidence. Linking one already linked does
	// nothing. ENotFound for the idea; EInvalid naming /contact_reason_ids/N or
	// /feedback_ids/N for an id not in the idea's workspace.
	LinkEvidence(ctx context.Context, workspaceID, ideaID string, reasonIDs, feedbackIDs []string, actor string) (*Evidence, error)
	// UnlinkContactReason and UnlinkFeedback remove one link. ENotFound for
	// the idea, or when the item is not linked to it.
	UnlinkContactReason(ctx context.Context, workspaceID, ideaID, reasonID, actor string) error
	UnlinkFeedback(ctx context.Context, workspaceID, ideaID, feedbackID, actor string) error
	// IdeaEvidence is the idea's evidence. ENotFound.
	IdeaEvidence(ctx context.Context, workspaceID, ideaID string) (*Evidence, error)
}
