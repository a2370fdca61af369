package keyspace

// Dataset accounting. Each database keeps a running estimate of the bytes
// its entries hold (key, table node, value), changed where entries enter
// and leave: Set, remove (DEL, expiry, eviction, RENAME...), Flush, Swap
// and AddLoaded. The server adds the change since the last garbage
// collection to the heap's live bytes at that collection (maxmemory.go),
// so a deleted entry lowers used memory at once and garbage never counts.
//
// Strings are sized inline from their buffer; other values through the
// SizeFunc the server installs (the MEMORY USAGE estimate). A value that
// grows in place (HSET on an existing hash) is not seen until it is
// replaced or removed, except strings whose commands report it (Resized).

// SizeFunc estimates the bytes of a non-string value (an Entry's Obj). It
// takes the value rather than the entry so that sizing never makes an
// Entry escape to the heap.
type SizeFunc func(obj any) int

// SetSizer installs the estimate of non-string values. Call before serving.
func (ks *Keyspace) SetSizer(f SizeFunc) { ks.sizer = f }

const (
	// nodeBytes is a table node holding an Entry: the entry, the chain
	// pointer and the key's string header (types.Dict's node).
	nodeBytes = 80
	// expireNodeBytes is a node of the expires table (chain pointer and
	// key header; the key is stored again).
	expireNodeBytes = 24
)

// keyBytes is what a key of length n costs in a table, besides the node.
func keyBytes(n int) int64 { return int64(n+7) &^ 7 }

// valueBytes estimates the bytes of e's value.
func (ks *Keyspace) valueBytes(e *Entry) int64 {
	if e.Type == TypeString {
		return int64(cap(e.Str))
	}
	if ks.sizer != nil {
		return int64(ks.sizer(e.Obj))
	}
	return 0
}

// entryBytes estimates the bytes an entry under a key of length keyLen
// holds, including its expires node when it has a TTL.
func (ks *Keyspace) entryBytes(keyLen int, e *Entry) int64 {
	n := nodeBytes + keyBytes(keyLen) + ks.valueBytes(e)
	if e.Expire != 0 {
		n += expireNodeBytes + keyBytes(keyLen)
	}
	return n
}

// DatasetBytes returns the estimated bytes of every database's entries.
// The keyspace lock must be held.
func (ks *Keyspace) DatasetBytes() int64 {
	var n int64
	for _, db := range ks.dbs {
		n += db.mem
	}
	return n
}

// DatasetBytes returns the estimated bytes of the database's entries.
func (db *DB) DatasetBytes() int64 { return db.mem }

// Resized records that a command changed a string value in place (APPEND,
// SETRANGE, SET over an existing key...): oldCap is cap(e.Str) before.
func (db *DB) Resized(e *Entry, oldCap int) { db.mem += int64(cap(e.Str) - oldCap) }

// Replacing records that a command is about to replace e's value in place
// with a new string buffer; it calls Resized(e, 0) once the buffer is set.
func (db *DB) Replacing(e *Entry) { db.mem -= db.ks.valueBytes(e) }
