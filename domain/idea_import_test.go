package domain

import (
	"strings"
	"testing"
)

func TestTouchpointIndexFind(t *testing.T) {
	const (
		queue = "0b8f4f4e-3c1a-4f59-9d7e-6a0f1c2b3d4e"
		desk1 = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
		desk2 = "7f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
		slash = "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
	)
	x := NewTouchpointIndex()
	x.Add(strings.ToUpper(queue), "Support call", "Phone  queue")
	x.Add(desk1, "Twins", "Desk")
	x.Add(desk2, "Twins", "Desk")
	x.Add(slash, "Web / app", "Log-in")
	for _, tc := range []struct{ ref, id, reason string }{
		{queue, queue, ""},
		{" " + strings.ToUpper(queue) + " ", queue, ""},
		{"Support call / Phone queue", queue, ""},
		{"support call/phone queue", queue, ""},
		{"  SUPPORT   CALL /PHONE QUEUE ", queue, ""},
		{"web/app/log-in", slash, ""},
		{desk1, desk1, ""},
		{"Twins / Desk", "", "names 2 touchpoints"},
		{"Support / Phone queue", "", "no touchpoint is named"},
		{"Phone queue", "", "no touchpoint is named"},
		{"1b8f4f4e-3c1a-4f59-9d7e-6a0f1c2b3d4e", "", "no touchpoint of this workspace has the id"},
	} {
		id, reason := x.Find(tc.ref)
		if id != tc.id || !strings.Contains(reason, tc.reason) || (tc.reason == "") != (reason == "") {
			t.Errorf("Find(%q) = %q, %q; want %q, %q", tc.ref, id, reason, tc.id, tc.reason)
		}
	}
	if got := TouchpointLabel("Support call", "Phone queue"); got != "Support call / Phone queue" {
		t.Errorf("TouchpointLabel = %q", got)
	}
}
