package domain

import (
	"context"
	"sync/atomic"
)

// WALPosition is a position in the primary database's write-ahead log (a
// PostgreSQL LSN as a number): a standby that has replayed up to it shows
// every write committed before it was taken.
type WALPosition uint64

type replicaReadsKey struct{}

// ReplicaRoute is one request's opt-in into replica reads: the position a
// standby must have replayed to answer them, and the server the request's
// first read went to, which its later reads keep. What one request reads
// then comes from one server: a chart's data version and its drawing
// agree, and no later statement sees older data than an earlier one.
type ReplicaRoute struct {
	After  WALPosition  // the caller's last write; 0 for none
	chosen atomic.Int32 // 0 not yet, 1 the standby, 2 the primary
}

// OnReplica tells whether the request reads from the standby: the first
// call decides with usable, later ones keep its answer.
func (r *ReplicaRoute) OnReplica(usable func() bool) bool {
	if c := r.chosen.Load(); c != 0 {
		return c == 1
	}
	choice := int32(2)
	if usable() {
		choice = 1
	}
	r.chosen.CompareAndSwap(0, choice)
	return r.chosen.Load() == 1
}

// Leave sends the request's later reads to the primary: the standby failed
// one.
func (r *ReplicaRoute) Leave() { r.chosen.Store(2) }

// WithReplicaReads opts the reads made with the returned context into a
// read replica: the store may answer them from a standby that has replayed
// the primary's log at least up to after (the caller's last write; 0 for
// none) and lags the primary by less than its bound. Without this opt-in
// every statement runs on the primary. Only a caller that writes nothing
// with the context may set it: a statement that writes still goes to the
// primary, but only after the standby refused it.
func WithReplicaReads(ctx context.Context, after WALPosition) context.Context {
	return context.WithValue(ctx, replicaReadsKey{}, &ReplicaRoute{After: after})
}

// ReplicaReads returns the opt-in of ctx, nil without one.
func ReplicaReads(ctx context.Context) *ReplicaRoute {
	r, _ := ctx.Value(replicaReadsKey{}).(*ReplicaRoute)
	return r
}
