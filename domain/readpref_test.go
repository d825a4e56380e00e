package domain

import (
	"context"
	"testing"
)

// A request reads from the server its first read chose, whatever the
// standby's state at its later reads, until the standby fails one.
func TestReplicaRouteKeepsItsFirstChoice(t *testing.T) {
	t.Parallel()
	for _, first := range []bool{true, false} {
		r := ReplicaReads(WithReplicaReads(context.Background(), 7))
		if r == nil || r.After != 7 {
			t.Fatalf("the opt-in is %+v, want one after 7", r)
		}
		if got := r.OnReplica(func() bool { return first }); got != first {
			t.Fatalf("first read: on the standby %v, want %v", got, first)
		}
		if got := r.OnReplica(func() bool { return !first }); got != first {
			t.Errorf("a later read moved to the standby=%v; want it to keep %v", got, first)
		}
		r.Leave()
		if r.OnReplica(func() bool { return true }) {
			t.Error("after Leave, a read went to the standby")
		}
	}
	if ReplicaReads(context.Background()) != nil {
		t.Error("a context without the opt-in has a route")
	}
}
