package api

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"cxbacklog/domain"
)

// keyCache remembers, for a few seconds, the keys this process verified, so
// that most requests authenticate without a database round trip. The
// guarantees:
//
//   - only successful authentications are cached, by the hash of the whole
//     token: a wrong secret for a cached key id is a miss, checked against
//     the database and refused there;
//   - the key's expiry is checked against now on every hit;
//   - a revocation through this process evicts the key at once (revokeKey);
//     one through any other process reaches Revoked through the store's
//     LISTEN/NOTIFY watcher (RevokeKey notifies in its own transaction)
//     within milliseconds of its commit;
//   - while the watcher is not connected (not Live) nothing is served from
//     the cache or put into it, and every change of state empties it: a
//     revocation missed while disconnected cannot be served afterwards;
//   - an entry lives at most ttl, whatever happens: the hard bound.
//
// A lookup that read the database before an eviction must not put the key
// back afterwards: every eviction and change of state bumps gen, and put
// accepts only the generation read before the lookup began.
type keyCache struct {
	ttl     time.Duration
	max     int
	mu      sync.RWMutex
	live    bool
	gen     uint64
	entries map[string]*cachedKey // by token hash
}

// cachedKey is a verified key: who it is, until when it may be used, and
// when its use was last recorded (for TouchKey).
type cachedKey struct {
	principal domain.Principal
	expiresAt *time.Time
	until     time.Time    // cached until
	lastUsed  atomic.Int64 // last_used_at as recorded, Unix nanoseconds; 0 is never
}

// newKeyCache caches up to max keys for ttl each; a ttl of 0 turns it off.
func newKeyCache(ttl time.Duration, max int) *keyCache {
	return &keyCache{ttl: ttl, max: max, entries: map[string]*cachedKey{}}
}

// Live implements domain.KeyRevocationSink: the cache is used only while
// the watcher is connected, and starts empty each time.
func (c *keyCache) Live(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.gen++
	clear(c.entries)
}

// Revoked implements domain.KeyRevocationSink: forget the key.
func (c *keyCache) Revoked(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for hash, e := range c.entries {
		if e.principal.KeyID == keyID {
			delete(c.entries, hash)
		}
	}
}

// get is the verified key with this token hash, unless the entry is older
// than ttl or the key has expired at now. (There are entries only while the
// cache is live: put checks, and Live empties it.)
func (c *keyCache) get(hash []byte, now time.Time) *cachedKey {
	c.mu.RLock()
	e := c.entries[string(hash)]
	c.mu.RUnlock()
	if e == nil || !now.Before(e.until) || e.expiresAt != nil && !now.Before(*e.expiresAt) {
		return nil
	}
	return e
}

// generation is read before looking a key up in the database, and given
// to put.
func (c *keyCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches a key verified at now, unless something was evicted (or the
// watcher's state changed) since gen was read. A full cache first drops
// what is out of date, then, if it must, any entry.
func (c *keyCache) put(hash []byte, key *domain.APIKey, p *domain.Principal, lastUsed *time.Time, gen uint64, now time.Time) {
	if c.ttl <= 0 || c.max <= 0 {
		return
	}
	e := &cachedKey{principal: *p, expiresAt: key.ExpiresAt, until: now.Add(c.ttl)}
	if lastUsed != nil {
		e.lastUsed.Store(lastUsed.UnixNano())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if len(c.entries) >= c.max {
		for h, old := range c.entries {
			if !now.Before(old.until) {
				delete(c.entries, h)
			}
		}
	}
	for h := range c.entries {
		if len(c.entries) < c.max {
			break
		}
		delete(c.entries, h)
	}
	c.entries[string(hash)] = e
}

// claimTouch reports whether this request should record the key's use at
// now (domain.KeyTouchInterval passed since the last one recorded); of
// concurrent requests, one does.
func (e *cachedKey) claimTouch(now time.Time) bool {
	last := e.lastUsed.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < domain.KeyTouchInterval {
		return false
	}
	return e.lastUsed.CompareAndSwap(last, now.UnixNano())
}

// WatchKeys feeds the cache of verified keys with the revocations of every
// process on the database until ctx ends; without it running, the cache is
// never used. main runs it beside the server.
func (s *Server) WatchKeys(ctx context.Context) {
	if s.keys.ttl <= 0 {
		return
	}
	s.store.WatchKeyRevocations(ctx, s.keys)
}
