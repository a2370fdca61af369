package keyspace

import (
	"github.com/peregrinedb/peregrine/internal/types"
)

// DB is one numbered database.
type DB struct {
	ID           int
	ks           *Keyspace
	dict         *types.Dict[Entry]
	expires      *types.Dict[struct{}] // the keys that have a TTL, for active expiry
	expireCursor uint64
	mem          int64 // estimated bytes of the entries (mem.go)
}

func newDB(ks *Keyspace, id int) *DB {
	return &DB{ID: id, ks: ks, dict: types.NewDict[Entry](), expires: types.NewDict[struct{}]()}
}

// Len returns the number of keys, including expired keys not yet reclaimed.
func (db *DB) Len() int { return db.dict.Len() }

// ExpiresLen returns the number of keys with a TTL.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

// Keyspace returns the keyspace the database belongs to.
func (db *DB) Keyspace() *Keyspace { return db.ks }

// Peek returns the entry of key without expiring it or touching statistics.
func (db *DB) Peek(key []byte) *Entry { return db.dict.GetBytes(key) }

// Lookup returns the live entry of key, deleting it first if it has expired
// at now (ms), and records the access for LRU or LFU. It does not count hits or misses.
func (db *DB) Lookup(key []byte, now int64) *Entry {
	e := db.LookupNoTouch(key, now)
	if e != nil {
		if db.ks.lfu.on {
			db.ks.Touch(e, now)
		} else {
			e.Access = LRUClock(now)
		}
	}
	return e
}

// LookupNoTouch is Lookup without recording the access (OBJECT, TYPE...).
func (db *DB) LookupNoTouch(key []byte, now int64) *Entry {
	e := db.dict.GetBytes(key)
	if e == nil {
		return nil
	}
	if e.Expire != 0 && e.Expire <= now {
		if !db.ks.ExpiryPaused() {
			db.expire(key)
		}
		return nil
	}
	return e
}

// LookupRead is Lookup for commands that read the key: it counts a
// keyspace hit or miss.
func (db *DB) LookupRead(key []byte, now int64) *Entry {
	e := db.Lookup(key, now)
	if e == nil {
		db.ks.Stats.Misses++
	} else {
		db.ks.Stats.Hits++
	}
	return e
}

// expire removes an expired key and reports it.
func (db *DB) expire(key []byte) {
	db.remove(key)
	db.ks.Stats.ExpiredKeys++
	db.Changed(key, NotifyExpired, "expired")
}

// ExpireKey removes key as expired (counted in expired_keys, reported as
// "expired") even while expiry is paused: a writable replica expiring the
// keys its own clients wrote, which its master will never delete.
func (db *DB) ExpireKey(key []byte) { db.expire(key) }

// remove deletes key from both tables without reporting.
func (db *DB) remove(key []byte) bool {
	if db.ks.snap != nil {
		db.Preserve(key)
	}
	old, ok := db.dict.DeleteBytes(key)
	if ok {
		if old.Expire != 0 {
			db.expires.DeleteBytes(key)
		}
		db.mem -= db.ks.entryBytes(len(key), &old)
	}
	return ok
}

// Set stores e under key, replacing any previous value (and its TTL unless
// e carries one). In LFU mode a replaced value passes its access counter on
// to the new one, as Redis's overwrite does. It does not report the
// change: callers call Changed.
func (db *DB) Set(key []byte, e Entry) *Entry {
	p, added := db.dict.RefBytes(key)
	return db.store(key, p, added, e)
}

// SetString is Set for a string value copied from val (e.Str is ignored).
// A new key's short value is stored inside the key's own table node, so
// the key costs one allocation and reading the value touches no other
// memory; the bytes past len(val) up to cap stay free for in-place growth
// (INCR, APPEND, SETRANGE, overwrites of the same size).
func (db *DB) SetString(key, val []byte, e Entry) *Entry {
	p, added, room := db.dict.RefBytesSpare(key, len(val))
	if room != nil {
		e.Str = append(room, val...)
	} else {
		e.Str = append([]byte(nil), val...)
	}
	return db.store(key, p, added, e)
}

// store completes Set and SetString: p is key's slot, added whether the
// dict just created it.
func (db *DB) store(key []byte, p *Entry, added bool, e Entry) *Entry {
	if added {
		db.mem += db.ks.entryBytes(len(key), &e)
	} else {
		db.mem += db.ks.entryBytes(len(key), &e) - db.ks.entryBytes(len(key), p)
		if db.ks.snap != nil {
			db.ks.snap.preserve(db, string(key), p)
		}
		if db.ks.lfu.on {
			// Redis looks the key up for writing (an access) before
			// overwriting it.
			// The new value's field holds the current minutes (NewAccess).
			e.Access = db.ks.lfuIncr(p.Access, e.Access>>8&0xffff)
		}
	}
	if p.Expire != 0 && e.Expire == 0 {
		db.expires.DeleteBytes(key)
	} else if p.Expire == 0 && e.Expire != 0 {
		db.expires.SetBytes(key, struct{}{})
	}
	*p = e
	p.gen = db.ks.gen
	if added && db.ks.hook != nil {
		// Redis reports every key creation as a "new" event (class n).
		db.ks.hook(db, key, NotifyNew, "new")
	}
	return p
}

// Add stores e under key, which the caller knows is absent; it returns the stored entry.
func (db *DB) Add(key []byte, e Entry) *Entry { return db.Set(key, e) }

// Delete removes key. It returns false if the key did not exist.
// Callers report the change.
func (db *DB) Delete(key []byte) bool { return db.remove(key) }

// SetExpire sets the TTL of an existing key to the absolute time when (ms).
func (db *DB) SetExpire(key []byte, e *Entry, when int64) {
	if e.Expire == 0 {
		db.expires.SetBytes(key, struct{}{})
		db.mem += expireNodeBytes + keyBytes(len(key))
	}
	e.Expire = when
}

// Persist removes the TTL of key's entry e; it returns false if it had none.
func (db *DB) Persist(key []byte, e *Entry) bool {
	if e.Expire == 0 {
		return false
	}
	e.Expire = 0
	db.expires.DeleteBytes(key)
	db.mem -= expireNodeBytes + keyBytes(len(key))
	return true
}

// Changed reports a change to key through the keyspace's hook and counts it
// as a dirty change.
func (db *DB) Changed(key []byte, class int, event string) {
	db.ks.Dirty++
	if db.ks.hook != nil {
		db.ks.hook(db, key, class, event)
	}
}

// Flush removes every key and returns how many there were.
func (db *DB) Flush() int {
	n := db.dict.Len()
	db.dict = types.NewDict[Entry]()
	db.expires = types.NewDict[struct{}]()
	db.expireCursor = 0
	db.mem = 0
	return n
}

// Scan visits at least count keys from cursor (Redis SCAN semantics) and
// returns the next cursor. Expired keys are skipped (not deleted: fn may be
// collecting names while the table must not change).
func (db *DB) Scan(cursor uint64, count int, now int64, fn func(key string, e *Entry)) uint64 {
	return db.dict.ScanN(cursor, count, func(k string, e *Entry) {
		if e.Expire != 0 && e.Expire <= now {
			return
		}
		fn(k, e)
	})
}

// Range visits every key; fn returns false to stop. fn must not modify the DB.
func (db *DB) Range(fn func(key string, e *Entry) bool) { db.dict.Range(fn) }

// RandomKey returns a random live key, expiring the dead ones it meets.
func (db *DB) RandomKey(now int64) (string, bool) {
	for tries := 0; db.dict.Len() > 0; tries++ {
		k, e, ok := db.dict.RandomKey(db.ks.rand)
		if !ok {
			return "", false
		}
		if e.Expire != 0 && e.Expire <= now {
			if db.ks.ExpiryPaused() {
				if tries > 100 {
					return "", false // dead keys cannot be reclaimed now
				}
				continue
			}
			if tries > 100 && db.dict.Len() == db.expires.Len() {
				// Every key is volatile and we keep drawing dead ones: return
				// one anyway rather than loop, as Redis does.
				return k, true
			}
			db.expire([]byte(k))
			continue
		}
		return k, true
	}
	return "", false
}

// Rename moves the entry of src to dst, replacing dst. Both tables are updated.
func (db *DB) Rename(src, dst []byte, e Entry) {
	db.remove(src)
	db.remove(dst)
	db.Set(dst, e)
}

// RehashStep advances incremental rehashing of the db's tables.
func (db *DB) RehashStep(n int) {
	db.dict.RehashStep(n)
	db.expires.RehashStep(n)
}

// TableStats describes a database's hash tables (DEBUG HTSTATS, MEMORY STATS).
type TableStats struct {
	Keys, Buckets, Overhead          int
	Rehashing                        bool
	Expires, ExpiresBuckets, ExpOver int
}

// Tables reports the sizes and estimated overhead of the db's tables.
func (db *DB) Tables() TableStats {
	return TableStats{
		Keys: db.dict.Len(), Buckets: db.dict.Buckets(), Overhead: db.dict.MemoryOverhead(),
		Rehashing: db.dict.Rehashing(),
		Expires:   db.expires.Len(), ExpiresBuckets: db.expires.Buckets(), ExpOver: db.expires.MemoryOverhead(),
	}
}

// Prefetch starts loading the table memory of keys that commands about to
// run will look up (see types.Dict.Prefetch); the result is meaningless.
func (db *DB) Prefetch(keys [][]byte) uintptr { return db.dict.Prefetch(keys) }

// Expand sizes the database's tables for the given numbers of keys and keys
// with a TTL (an RDB file's size hints), so loading does not rehash.
func (db *DB) Expand(keys, expires int) {
	db.dict.Expand(keys)
	db.expires.Expand(expires)
}

// AddLoaded stores an entry read from a data file: like Set for an absent
// key, but without reporting a change (loading is not a write). If key is
// already present it changes nothing and reports false. With copyStr the
// string value in e.Str is borrowed memory: it is copied, into the key's
// node when short (as SetString stores it).
func (db *DB) AddLoaded(key []byte, e Entry, copyStr bool) bool {
	var p *Entry
	var added bool
	var room []byte
	if copyStr {
		p, added, room = db.dict.RefBytesSpare(key, len(e.Str))
	} else {
		p, added = db.dict.RefBytes(key)
	}
	if !added {
		return false
	}
	if copyStr {
		if room != nil {
			e.Str = append(room, e.Str...)
		} else {
			e.Str = append([]byte(nil), e.Str...)
		}
	}
	db.mem += db.ks.entryBytes(len(key), &e)
	*p = e
	p.gen = db.ks.gen
	if e.Expire != 0 {
		db.expires.SetBytes(key, struct{}{})
	}
	return true
}
