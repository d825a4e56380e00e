package api

import (
	"context"
	"crypto/subtle"
	"net"
	"runtime"
	"sync"
	"time"

	"cxbacklog/domain"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// Limits are the budgets that keep one client, one workspace or one
// attacker from taking the service from the others. Each is per process: with
// several replicas behind a balancer, each replica grants the full budget.
// A zero rate or count disables that limit (make bench does).
type Limits struct {
	RatePerKey           float64 // sustained requests per second per API key
	BurstPerKey          int     // requests a key may send at once above the rate
	RatePerWorkspace     float64 // sustained requests per second of all a workspace's keys together
	BurstPerWorkspace    int
	InFlightPerWorkspace int     // requests of one workspace being served at once; more wait their turn
	AuthFailureRate      float64 // failed authentications per second per client address
	AuthFailureBurst     int
	ActiveKeys           int // active (unrevoked, unexpired) API keys per workspace
}

// DefaultLimits are the budgets the service runs with unless told otherwise.
// A workspace is served half the CPUs' worth of requests at once: with 4 on
// 2 cores, one workspace's heavy reports filled both cores and another
// workspace's p99 rose 5–7× (make soak).
var DefaultLimits = Limits{
	RatePerKey: 50, BurstPerKey: 100, RatePerWorkspace: 100, BurstPerWorkspace: 200,
	InFlightPerWorkspace: max(1, runtime.GOMAXPROCS(0)/2),
	AuthFailureRate:      1, AuthFailureBurst: 20, ActiveKeys: 100,
}

// inFlightWait is how long a request waits for its workspace's turn before
// it is answered 429: long enough to absorb a burst, short enough that a
// client flooding one workspace is told so.
const inFlightWait = 2 * time.Second

// budgets are the per-key and per-workspace token buckets: a workspace
// that minted many keys still has one budget. A key whose budget (or its
// workspace's) is spent is refused before it is looked up in the database
// when this process authenticated its very token recently: at thousands of
// refused requests a second, the look-ups alone took most of a core in make
// soak. Only the key's holder can be refused that way (the token's hash must
// match), and a revoked key is refused either way.
type budgets struct {
	key, ws           rate.Limit
	keyBurst, wsBurst int

	mu         sync.Mutex
	keys       map[string]*keyBudget // by key id
	workspaces map[string]*rate.Limiter
	swept      time.Time
}

// keyBudget is a key's bucket, the hash of the token that filled it, and
// its workspace's id.
type keyBudget struct {
	bucket    *rate.Limiter
	hash      []byte
	workspace string
	seen      time.Time
}

func newBudgets(l Limits) *budgets {
	return &budgets{key: rate.Limit(l.RatePerKey), ws: rate.Limit(l.RatePerWorkspace),
		keyBurst: max(l.BurstPerKey, 1), wsBurst: max(l.BurstPerWorkspace, 1),
		keys: map[string]*keyBudget{}, workspaces: map[string]*rate.Limiter{}}
}

// spent refuses, without a look-up, a token this process knows whose key or
// workspace has no budget left; nil otherwise.
func (b *budgets) spent(token string, now time.Time) error {
	id, ok := domain.KeyIDFromToken(token)
	if !ok {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.keys[id]
	if k == nil || subtle.ConstantTimeCompare(k.hash, domain.HashToken(token)) != 1 {
		return nil
	}
	if b.key > 0 && k.bucket.TokensAt(now) < 1 {
		return keyBudgetSpent
	}
	if w := b.workspaces[k.workspace]; b.ws > 0 && w != nil && w.TokensAt(now) < 1 {
		return workspaceBudgetSpent
	}
	return nil
}

// take spends one request of p's key and workspace budgets.
func (b *budgets) take(p *domain.Principal, token string, now time.Time) error {
	if b.key <= 0 && b.ws <= 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	k := b.keys[p.KeyID]
	if k == nil {
		k = &keyBudget{bucket: rate.NewLimiter(b.key, b.keyBurst), hash: domain.HashToken(token), workspace: p.WorkspaceID}
		b.keys[p.KeyID] = k
	}
	k.seen = now
	w := b.workspaces[p.WorkspaceID]
	if w == nil {
		w = rate.NewLimiter(b.ws, b.wsBurst)
		b.workspaces[p.WorkspaceID] = w
	}
	if b.key > 0 && !k.bucket.AllowN(now, 1) {
		return keyBudgetSpent
	}
	if b.ws > 0 && !w.AllowN(now, 1) {
		return workspaceBudgetSpent
	}
	return nil
}

// sweep forgets, once a minute, keys not seen for three minutes and
// workspaces whose bucket is full again.
func (b *budgets) sweep(now time.Time) {
	if now.Sub(b.swept) < time.Minute {
		return
	}
	b.swept = now
	for id, k := range b.keys {
		if now.Sub(k.seen) > 3*time.Minute {
			delete(b.keys, id)
		}
	}
	for id, w := range b.workspaces {
		if b.ws <= 0 || w.TokensAt(now) >= float64(b.wsBurst) {
			delete(b.workspaces, id)
		}
	}
}

var (
	keyBudgetSpent       = domain.Errorf(eRateLimited, "this API key sent too many requests; retry after the time in Retry-After")
	workspaceBudgetSpent = domain.Errorf(eRateLimited, "this workspace's keys together sent too many requests; retry after the time in Retry-After")
)

// workspaceTurns lets at most n requests of one workspace be served at once.
type workspaceTurns struct {
	n     int
	mu    sync.Mutex
	slots map[string]*turnSlots
}

type turnSlots struct {
	ch    chan struct{}
	users int // requests holding or waiting for a slot; the entry goes at 0
}

func newWorkspaceTurns(n int) *workspaceTurns {
	return &workspaceTurns{n: n, slots: map[string]*turnSlots{}}
}

func (w *workspaceTurns) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	if w.n <= 0 {
		return next
	}
	return func(c echo.Context) error {
		// Uploads are bounded by their own gate and last minutes; they must
		// not take the workspace's turns from its ordinary requests.
		if isUpload(c) {
			return next(c)
		}
		ws := principal(c).WorkspaceID
		if err := w.acquire(c.Request().Context(), ws); err != nil {
			return err
		}
		defer w.release(ws)
		return next(c)
	}
}

func (w *workspaceTurns) acquire(ctx context.Context, ws string) error {
	w.mu.Lock()
	s := w.slots[ws]
	if s == nil {
		s = &turnSlots{ch: make(chan struct{}, w.n)}
		w.slots[ws] = s
	}
	s.users++
	w.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, inFlightWait)
	defer cancel()
	select {
	case s.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		w.leave(ws, s)
		return domain.Errorf(eRateLimited, "this workspace has %d requests being served and more waiting; retry after the time in Retry-After", w.n)
	}
}

func (w *workspaceTurns) release(ws string) {
	w.mu.Lock()
	s := w.slots[ws]
	w.mu.Unlock()
	<-s.ch
	w.leave(ws, s)
}

func (w *workspaceTurns) leave(ws string, s *turnSlots) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s.users--; s.users == 0 {
		delete(w.slots, ws)
	}
}

// clientAddress is the client's address as the throttles see it: the
// connection's peer, or, from a trusted proxy, the address it forwarded.
// Echo's default would believe any client's X-Forwarded-For.
func clientAddress(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// failureThrottle counts failed authentications per client address. An
// address out of budget is refused before its key is looked up, so a flood
// of bad keys costs no database work; a key that authenticated recently
// still gets through from it, so a client sharing an address (a NAT, an
// office) with a failing one is not locked out.
type failureThrottle struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	addresses map[string]*rate.Limiter
	known     map[string]knownKey // by key id
	swept     time.Time
}

// knownKey is a key that authenticated recently: the hash of its token.
type knownKey struct {
	hash []byte
	at   time.Time
}

// knownKeyFor is how long a key that authenticated stays known.
const knownKeyFor = 10 * time.Minute

func newFailureThrottle(l Limits) *failureThrottle {
	return &failureThrottle{limit: rate.Limit(l.AuthFailureRate), burst: max(l.AuthFailureBurst, 1),
		addresses: map[string]*rate.Limiter{}, known: map[string]knownKey{}}
}

// blocked tells whether a request from addr with token is refused: addr has
// no failures left to spend and the token is not a recently good key.
func (f *failureThrottle) blocked(addr, token string, now time.Time) bool {
	if f.limit <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.addresses[addr]
	if l == nil || l.TokensAt(now) >= 1 {
		return false
	}
	id, _ := domain.KeyIDFromToken(token)
	k, ok := f.known[id]
	return !ok || now.Sub(k.at) > knownKeyFor || subtle.ConstantTimeCompare(k.hash, domain.HashToken(token)) != 1
}

// fail spends one of addr's failures.
func (f *failureThrottle) fail(addr string, now time.Time) {
	if f.limit <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweep(now)
	l := f.addresses[addr]
	if l == nil {
		l = rate.NewLimiter(f.limit, f.burst)
		f.addresses[addr] = l
	}
	l.AllowN(now, 1)
}

// succeed remembers a key that authenticated (refreshed at most once a
// minute), so that it still gets through once its address is out of budget,
// however soon after that happens. Only keys that exist get here, so the map
// holds at most the keys used in the last knownKeyFor.
func (f *failureThrottle) succeed(keyID, token string, now time.Time) {
	if f.limit <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, ok := f.known[keyID]; !ok || now.Sub(k.at) > time.Minute {
		f.sweep(now)
		f.known[keyID] = knownKey{hash: domain.HashToken(token), at: now}
	}
}

// sweep forgets, once a minute, the addresses whose budget has refilled and
// the keys not seen for knownKeyFor: the maps hold only what is recent.
func (f *failureThrottle) sweep(now time.Time) {
	if now.Sub(f.swept) < time.Minute {
		return
	}
	f.swept = now
	for addr, l := range f.addresses {
		if l.TokensAt(now) >= float64(f.burst) {
			delete(f.addresses, addr)
		}
	}
	for id, k := range f.known {
		if now.Sub(k.at) > knownKeyFor {
			delete(f.known, id)
		}
	}
}
