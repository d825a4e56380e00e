package domain

import (
	"errors"
	"strings"
	"testing"
)

// pointers returns the field pointers of a validation error, in order.
func pointers(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != EInvalid {
		t.Fatalf("want an EInvalid *Error, got %v", err)
	}
	var ps []string
	for _, f := range e.Fields {
		ps = append(ps, f.Pointer)
	}
	return ps
}

func TestJourneyValidate(t *testing.T) {
	id := NewID()
	tests := []struct {
		name string
		j    Journey
		want []string
	}{
		{"valid", Journey{Name: "Lunch", Stages: []Stage{{Name: "arrive"}, {Name: "order"}}}, nil},
		{"keeps a given stage id", Journey{Name: "Lunch", Stages: []Stage{{ID: id, Name: "arrive"}}}, nil},
		{"empty name", Journey{Name: "  ", Stages: []Stage{{Name: "a"}}}, []string{"/name"}},
		{"long name", Journey{Name: strings.Repeat("é", 201), Stages: []Stage{{Name: "a"}}}, []string{"/name"}},
		{"no stages", Journey{Name: "x"}, []string{"/stages"}},
		{"too many stages", Journey{Name: "x", Stages: manyStages(51)}, []string{"/stages"}},
		{"stage without name", Journey{Name: "x", Stages: []Stage{{Name: "a"}, {Name: ""}}}, []string{"/stages/1/name"}},
		{"duplicate stage name", Journey{Name: "x", Stages: []Stage{{Name: "Pay"}, {Name: "pay "}}}, []string{"/stages/1/name"}},
		{"bad stage id", Journey{Name: "x", Stages: []Stage{{ID: "nope", Name: "a"}}}, []string{"/stages/0/id"}},
		{"duplicate stage id", Journey{Name: "x", Stages: []Stage{{ID: id, Name: "a"}, {ID: id, Name: "b"}}}, []string{"/stages/1/id"}},
		{"description too long", Journey{Name: "x", Description: strings.Repeat("d", MaxDescriptionLength+1), Stages: []Stage{{Name: "a"}}}, []string{"/description"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pointers(t, tt.j.Validate())
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("pointers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJourneyValidateAssignsStageIDs(t *testing.T) {
	j := Journey{Name: "Lunch", Stages: []Stage{{Name: "arrive"}, {Name: "order"}}}
	if err := j.Validate(); err != nil {
		t.Fatal(err)
	}
	if !IsID(j.Stages[0].ID) || !IsID(j.Stages[1].ID) || j.Stages[0].ID == j.Stages[1].ID {
		t.Fatalf("stage ids not assigned: %+v", j.Stages)
	}
	if !j.HasStage(strings.ToUpper(j.Stages[1].ID)) || j.HasStage(NewID()) {
		t.Fatal("HasStage does not match stage ids")
	}
}

func manyStages(n int) []Stage {
	s := make([]Stage, n)
	for i := range s {
		s[i] = Stage{Name: "stage " + NewID()}
	}
	return s
}

func TestTouchpointValidate(t *testing.T) {
	valid := func() Touchpoint {
		return Touchpoint{JourneyID: NewID(), StageID: NewID(), Name: "Phone queue", Channel: ChannelPhone}
	}
	tests := []struct {
		name   string
		change func(*Touchpoint)
		want   []string
	}{
		{"valid", func(*Touchpoint) {}, nil},
		{"every channel is accepted", func(tp *Touchpoint) { tp.Channel = ChannelPhysicalEnvironment }, nil},
		{"unknown channel", func(tp *Touchpoint) { tp.Channel = "fax" }, []string{"/channel"}},
		{"bad journey id", func(tp *Touchpoint) { tp.JourneyID = "1" }, []string{"/journey_id"}},
		{"bad stage id", func(tp *Touchpoint) { tp.StageID = "" }, []string{"/stage_id"}},
		{"empty name", func(tp *Touchpoint) { tp.Name = "" }, []string{"/name"}},
		{"long owner", func(tp *Touchpoint) { tp.Owner = strings.Repeat("o", MaxOwnerLength+1) }, []string{"/owner"}},
		{"several at once", func(tp *Touchpoint) { tp.Name = ""; tp.Channel = "" }, []string{"/name", "/channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := valid()
			tt.change(&tp)
			got := pointers(t, tp.Validate())
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("pointers = %v, want %v", got, tt.want)
			}
		})
	}
}
