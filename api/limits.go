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

// budgets are the per-key and per-workspace token buckets (a workspace
// that minted many keys still has one budget), and the memory of the tokens
// this process authenticated recently, which two refusals use before any
// database look-up: a known token over budget is answered 429 (at thousands
// of refused requests a second, the look-ups alone took most of a core in
// make soak), and a known token still gets through from an address that
// failureThrottle refuses (a colleague behind the same NAT as a flood). Only
// the key's holder is recognised: the token's hash must match.
type budgets struct {
	key, ws           rate.Limit
	keyBurst, wsBurst int

	mu         sync.Mutex
	keys       map[string]*keyBudget // by key id
	workspaces map[string]*rate.Limiter
	swept      time.Time
}

// keyBudget is a key's bucket, the hash of the token it was last seen
// with, its workspace's id, and when.
type keyBudget struct {
	bucket    *rate.Limiter
	hash      []byte
	workspace string
	seen      time.Time
}

// knownKeyFor is how long a token that authenticated stays known.
const knownKeyFor = 10 * time.Minute

func newBudgets(l Limits) *budgets {
	return &budgets{key: rate.Limit(l.RatePerKey), ws: rate.Limit(l.RatePerWorkspace),
		keyBurst: max(l.BurstPerKey, 1), wsBurst: max(l.BurstPerWorkspace, 1),
		keys: map[string]*keyBudget{}, workspaces: map[string]*rate.Limiter{}}
}

// known is the entry of the token with key id and hash if this process
// authenticated it within knownKeyFor, else nil. b.mu must be held.
func (b *budgets) known(id string, hash []byte, now time.Time) *keyBudget {
	k := b.keys[id]
	if k == nil || now.Sub(k.seen) > knownKeyFor || subtle.ConstantTimeCompare(k.hash, hash) != 1 {
		return nil
	}
	return k
}

// knows tells whether the token with key id and hash authenticated here
// within knownKeyFor.
func (b *budgets) knows(id string, hash []byte, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.known(id, hash, now) != nil
}

// spent refuses, without a look-up, a known token whose key or workspace
// has no budget left; nil otherwise.
func (b *budgets) spent(id string, hash []byte, now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.known(id, hash, now)
	if k == nil {
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

// take remembers p's token (by hash) and spends one request of its key's
// and workspace's budgets.
func (b *budgets) take(p *domain.Principal, hash []byte, now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	k := b.keys[p.KeyID]
	if k == nil {
		k = &keyBudget{bucket: rate.NewLimiter(b.key, b.keyBurst), workspace: p.WorkspaceID}
		b.keys[p.KeyID] = k
	}
	k.hash, k.seen = hash, now
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

// sweep forgets, once a minute, keys not seen for knownKeyFor and
// workspaces whose bucket is full again: the maps hold only what is recent.
func (b *budgets) sweep(now time.Time) {
	if now.Sub(b.swept) < time.Minute {
		return
	}
	b.swept = now
	for id, k := range b.keys {
		if now.Sub(k.seen) > knownKeyFor {
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
// of bad keys costs no database work (budgets lets a known token through).
type failureThrottle struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	addresses map[string]*rate.Limiter
	swept     time.Time
}

func newFailureThrottle(l Limits) *failureThrottle {
	return &failureThrottle{limit: rate.Limit(l.AuthFailureRate), burst: max(l.AuthFailureBurst, 1), addresses: map[string]*rate.Limiter{}}
}

// blocked tells whether addr has no failures left to spend.
func (f *failureThrottle) blocked(addr string, now time.Time) bool {
	if f.limit <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.addresses[addr]
	return l != nil && l.TokensAt(now) < 1
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

// sweep forgets, once a minute, the addresses whose budget has refilled.
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
}
