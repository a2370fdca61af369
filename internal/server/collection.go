package server

import (
	"math"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// Helpers shared by the hash, list, set and sorted-set families.

// lookupTypeRead returns key's entry for a reading command. A missing key
// gives (nil, true); a key of another type replies WRONGTYPE and gives
// (nil, false), so handlers write:
//
//	e, ok := x.lookupTypeRead(key, keyspace.TypeHash)
//	if !ok { return }
//	if e == nil { reply for a missing key }
func (x *Ctx) lookupTypeRead(key []byte, t keyspace.Type) (*keyspace.Entry, bool) {
	e := x.lookupRead(key)
	if e != nil && e.Type != t {
		x.Err(errWrongType)
		return nil, false
	}
	return e, true
}

// lookupTypeWrite is lookupTypeRead for writing commands (no hit/miss counting).
func (x *Ctx) lookupTypeWrite(key []byte, t keyspace.Type) (*keyspace.Entry, bool) {
	e := x.lookupWrite(key)
	if e != nil && e.Type != t {
		x.Err(errWrongType)
		return nil, false
	}
	return e, true
}

// addCollection stores a new collection value under key, which the caller
// knows is absent (or is replacing), and returns the stored entry.
func (x *Ctx) addCollection(key []byte, t keyspace.Type, obj any) *keyspace.Entry {
	return x.db.Set(key, keyspace.Entry{Type: t, Obj: obj, Access: x.newAccess()})
}

// deleteIfEmpty removes key when its collection has no elements left (a key
// never holds an empty collection), reporting a generic "del" event, and
// says whether it did.
func (x *Ctx) deleteIfEmpty(key []byte, length int) bool {
	if length > 0 {
		return false
	}
	x.db.Delete(key)
	x.changed(key, keyspace.NotifyGeneric, "del")
	return true
}

// parseRandomCount parses the count of SRANDMEMBER, HRANDFIELD and
// ZRANDMEMBER as Redis does: within ±(2^63-1), and when values come along
// (WITHVALUES/WITHSCORES) a negative count must leave room to double.
func (x *Ctx) parseRandomCount(arg []byte, withValues bool) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		x.Err(errNotInt)
		return 0, false
	}
	if n < -math.MaxInt64 {
		x.Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return 0, false
	}
	if withValues && n < -math.MaxInt64/2 {
		x.Err(errOutOfRange)
		return 0, false
	}
	return n, true
}
