package api

import (
	"context"
	"testing"
	"time"

	"cxbacklog/domain"
)

// TestWorkspaceTurns: a workspace with all its turns taken waits, then is
// refused with 429, while another workspace is served at once; a released
// turn goes to the next request, and idle workspaces are forgotten.
func TestWorkspaceTurns(t *testing.T) {
	t.Parallel()
	w := newWorkspaceTurns(2)
	ctx := context.Background()
	for range 2 {
		if err := w.acquire(ctx, "busy"); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	err := w.acquire(ctx, "busy")
	if domain.ErrorCodeOf(err) != eRateLimited || time.Since(start) < inFlightWait {
		t.Fatalf("third request of a busy workspace: %v after %s; want rate_limited after %s", err, time.Since(start), inFlightWait)
	}
	if err := w.acquire(ctx, "quiet"); err != nil {
		t.Fatalf("another workspace waited: %v", err)
	}
	w.release("quiet")

	done := make(chan error)
	go func() { done <- w.acquire(ctx, "busy") }()
	time.Sleep(50 * time.Millisecond)
	w.release("busy")
	if err := <-done; err != nil {
		t.Fatalf("a waiting request did not get the released turn: %v", err)
	}
	w.release("busy")
	w.release("busy")
	if len(w.slots) != 0 {
		t.Fatalf("idle workspaces kept: %d", len(w.slots))
	}
}
