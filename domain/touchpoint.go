package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Channel is how the customer meets the organisation at a touchpoint.
type Channel string

// Channels, as catalogued in the design guide.
const (
	ChannelWeb                 Channel = "web"
	ChannelMobileApp           Channel = "mobile_app"
	ChannelPhone               Channel = "phone"
	ChannelEmail               Channel = "email"
	ChannelChat                Channel = "chat"
	ChannelInPerson            Channel = "in_person"
	ChannelSocial              Channel = "social"
	ChannelMail                Channel = "mail"
	ChannelSelfService         Channel = "self_service"
	ChannelPartner             Channel = "partner"
	ChannelPhysicalEnvironment Channel = "physical_environment"
)

// Channels lists every valid channel in a stable order.
var Channels = []Channel{
	ChannelWeb, ChannelMobileApp, ChannelPhone, ChannelEmail, ChannelChat, ChannelInPerson,
	ChannelSocial, ChannelMail, ChannelSelfService, ChannelPartner, ChannelPhysicalEnvironment,
}

// ParseChannel accepts exactly one of Channels.
func ParseChannel(s string) (Channel, bool) { return parseEnum(s, Channels) }

// parseEnum accepts exactly one of values.
func parseEnum[T ~string](s string, values []T) (T, bool) {
	if i := slices.Index(values, T(s)); i >= 0 {
		return values[i], true
	}
	return "", false
}

// Touchpoint is a moment where a customer meets the organisation, in one
// stage of one journey.
type Touchpoint struct {
	ID          string
	WorkspaceID string
	JourneyID   string
	StageID     string
	Name        string
	Description string
	Channel     Channel
	Owner       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
}

// MaxOwnerLength limits the owner (a team or partner name).
const MaxOwnerLength = 200

// Validate checks the touchpoint's own fields and lower-cases its ids. That its journey exists in the
// workspace and holds its stage is the store's to check (EInvalid naming the
// field), because only the database can say so atomically.
func (t *Touchpoint) Validate() error {
	var fe fieldErrors
	t.JourneyID, t.StageID = strings.ToLower(t.JourneyID), strings.ToLower(t.StageID)
	if !IsID(t.JourneyID) {
		fe.add("/journey_id", "must be a UUID")
	}
	if !IsID(t.StageID) {
		fe.add("/stage_id", "must be a UUID")
	}
	validateName(&fe, "/name", t.Name, MaxNameLength)
	validateText(&fe, "/description", t.Description, MaxDescriptionLength)
	if _, ok := ParseChannel(string(t.Channel)); !ok {
		fe.add("/channel", "must be one of %s", joinValues(Channels))
	}
	validateText(&fe, "/owner", t.Owner, MaxOwnerLength)
	return fe.err()
}

// TouchpointFilter narrows a touchpoint list. A filter of several values
// keeps a touchpoint matching any of them; an empty one does not filter.
type TouchpointFilter struct {
	IDs        []string
	JourneyIDs []string
	StageIDs   []string
	Channels   []Channel
	Owners     []string
	Query      *string // case-insensitive substring of name or description
}

// TouchpointStore keeps touchpoints, scoped to one workspace like JourneyStore.
type TouchpointStore interface {
	// CreateTouchpoint stores a validated touchpoint. EInvalid naming
	// /journey_id or /stage_id when the journey or stage does not exist.
	CreateTouchpoint(ctx context.Context, t *Touchpoint) error
	// GetTouchpoint returns one touchpoint. ENotFound.
	GetTouchpoint(ctx context.Context, workspaceID, id string) (*Touchpoint, error)
	// ListTouchpoints pages in creation order; the cursor is nil on the last page.
	ListTouchpoints(ctx context.Context, workspaceID string, f TouchpointFilter, page Page) ([]Touchpoint, *Cursor, error)
	// UpdateTouchpoint is load–change–save in one transaction at version.
	// ENotFound, EPreconditionFailed, EInvalid (journey or stage), errors of change.
	UpdateTouchpoint(ctx context.Context, workspaceID, id string, version int, change func(*Touchpoint) error) (*Touchpoint, error)
	// DeleteTouchpoint removes it at version. ENotFound, EPreconditionFailed.
	DeleteTouchpoint(ctx context.Context, workspaceID, id string, version int) error
}
