package repository_test

import (
	"context"
	"testing"

	"cxbacklog/domain"
)

// A request whose client hung up is not a server fault: the store reports it
// as unavailable (logged as a warning), never as an internal error.
func TestCancelledRequestIsNotInternal(t *testing.T) {
	store := newStore(t)
	ws := newWorkspace(t, store, "acme")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := store.GetJourney(ctx, ws, domain.NewID())
	wantCode(t, "cancelled read", err, domain.EUnavailable)

	ctx, cancel = context.WithCancel(context.Background())
	err = store.InTx(ctx, func(ctx context.Context) error {
		cancel() // the client goes away mid-transaction
		_, _, err := store.ListJourneys(ctx, ws, domain.Page{})
		return err
	})
	wantCode(t, "cancelled transaction", err, domain.EUnavailable)
}
