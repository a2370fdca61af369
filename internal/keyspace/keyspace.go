package keyspace

import (
	"math/rand/v2"
	"sync"
)

// Event classes for keyspace notifications (the letters of
// notify-keyspace-events). The change hook receives one of them per event.
const (
	NotifyGeneric = 1 << iota // g
	NotifyString              // $
	NotifyList                // l
	NotifySet                 // s
	NotifyHash                // h
	NotifyZSet                // z
	NotifyExpired             // x
	NotifyEvicted             // e
	NotifyStream              // t
	NotifyKeyMiss             // m
	NotifyLoaded              // (module only)
	NotifyModule              // d
	NotifyNew                 // n
)

// ChangeFunc is called, with the keyspace lock held, for every change a
// command makes to a key: the single place where notifications, WATCH,
// client tracking, blocked clients and propagation learn about writes.
type ChangeFunc func(db *DB, key []byte, class int, event string)

// Stats are the keyspace counters INFO reports.
type Stats struct {
	Hits, Misses          int64
	ExpiredKeys           int64
	ExpiredStalePerc      float64
	ExpiredTimeCapReached int64
	EvictedKeys           int64
}

// Keyspace is the set of databases of one server. A single mutex guards it;
// commands hold it for their whole execution (see docs/locking.md).
type Keyspace struct {
	mu    sync.Mutex
	dbs   []*DB
	hook  ChangeFunc
	rnd   *rand.Rand
	Stats Stats
	// Dirty counts changes since the last successful save.
	Dirty int64
	// ActiveExpire enables the active expiry cycle (DEBUG SET-ACTIVE-EXPIRE).
	ActiveExpire bool
	// expiryPaused, when set, reports that expired keys must be kept (they
	// read as missing but are not deleted): CLIENT PAUSE stops all writes.
	expiryPaused func() bool
	// snap is the running snapshot, if any; gen is the generation new
	// entries are stamped with (see snapshot.go).
	snap *Snapshot
	gen  uint8
	// lfu is the access-tracking mode (lfu.go).
	lfu lfuConfig
	// sizer estimates non-string values for the dataset accounting (mem.go).
	sizer SizeFunc
}

// New returns a keyspace with n empty databases.
func New(n int) *Keyspace {
	ks := &Keyspace{rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), ActiveExpire: true}
	ks.dbs = make([]*DB, n)
	for i := range ks.dbs {
		ks.dbs[i] = newDB(ks, i)
	}
	return ks
}

// Lock acquires the keyspace lock.
func (ks *Keyspace) Lock() { ks.mu.Lock() }

// Unlock releases the keyspace lock.
func (ks *Keyspace) Unlock() { ks.mu.Unlock() }

// SetHook installs the change hook. Call before serving.
func (ks *Keyspace) SetHook(f ChangeFunc) { ks.hook = f }

// SetExpiryPaused installs the function telling whether expiry deletions
// are suspended (CLIENT PAUSE). Call before serving. It is called with the
// keyspace lock held, so it must not take it.
func (ks *Keyspace) SetExpiryPaused(f func() bool) { ks.expiryPaused = f }

// ExpiryPaused reports whether expired keys are currently kept.
func (ks *Keyspace) ExpiryPaused() bool { return ks.expiryPaused != nil && ks.expiryPaused() }

// DB returns database i (0 <= i < Count()).
func (ks *Keyspace) DB(i int) *DB { return ks.dbs[i] }

// Count returns the number of databases.
func (ks *Keyspace) Count() int { return len(ks.dbs) }

// Swap exchanges the contents of databases a and b (SWAPDB).
func (ks *Keyspace) Swap(a, b int) {
	da, db := ks.dbs[a], ks.dbs[b]
	da.dict, db.dict = db.dict, da.dict
	da.expires, db.expires = db.expires, da.expires
	da.expireCursor, db.expireCursor = 0, 0
	da.mem, db.mem = db.mem, da.mem
}

// FlushAll empties every database and returns the number of keys removed.
func (ks *Keyspace) FlushAll() int {
	n := 0
	for _, db := range ks.dbs {
		n += db.Flush()
	}
	return n
}

// rand returns a uniform number in [0,n).
func (ks *Keyspace) rand(n uint64) uint64 { return ks.rnd.Uint64N(n) }

// NewDetached returns a set of empty databases, one per database of the
// keyspace, that belong to it (entries are sized and stamped as its own)
// but are not part of it: a full resynchronization loads the master's
// dataset into them while the current one is still served, and SwapIn
// exchanges them. Adding to them requires the keyspace lock like any
// database.
func (ks *Keyspace) NewDetached() []*DB {
	dbs := make([]*DB, len(ks.dbs))
	for i := range dbs {
		dbs[i] = newDB(ks, i)
	}
	return dbs
}

// SwapIn exchanges the contents of every database with the detached set
// (from NewDetached), which then holds the previous dataset. A running
// snapshot is unaffected: it walks the tables it captured, and entries
// added to the detached set were stamped with the current generation.
func (ks *Keyspace) SwapIn(detached []*DB) {
	for i, da := range ks.dbs {
		if i >= len(detached) {
			break
		}
		db := detached[i]
		da.dict, db.dict = db.dict, da.dict
		da.expires, db.expires = db.expires, da.expires
		da.expireCursor, db.expireCursor = 0, 0
		da.mem, db.mem = db.mem, da.mem
	}
}
