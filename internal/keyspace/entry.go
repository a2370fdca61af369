package keyspace

import "github.com/peregrinedb/peregrine/internal/encoding"

// Type is the Redis data type of a value.
type Type uint8

// The data types, in the order of Redis's OBJ_* constants.
const (
	TypeString Type = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeModule
	TypeStream
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "module", "stream"}

// String returns the name TYPE reports.
func (t Type) String() string { return typeNames[t] }

// ParseType maps a TYPE name (as SCAN TYPE takes it) to a Type.
func ParseType(name string) (Type, bool) {
	for i, n := range typeNames {
		if n == name {
			return Type(i), true
		}
	}
	return 0, false
}

// Encoding of a string value, as OBJECT ENCODING reports it.
const (
	EncRaw uint8 = iota
	EncInt
	EncEmbstr
)

// Entry is one key's value and metadata. Strings live in Str; collections in Obj.
type Entry struct {
	Str    []byte
	Obj    any
	Expire int64  // absolute unix time in ms; 0 means no TTL
	Access uint32 // LRU clock or LFU counter and time, 24 bits (lfu.go)
	Type   Type
	Enc    uint8
	// gen is the snapshot generation that has this entry's value: a
	// running snapshot writes (or preserves) entries whose gen differs
	// from its own, then stamps them. It fits in the struct's padding.
	gen uint8
}

// StringEncoding picks the encoding Redis would give a freshly stored string.
func StringEncoding(b []byte) uint8 {
	if len(b) <= 20 {
		if _, ok := ParseInt(b); ok {
			return EncInt
		}
	}
	if len(b) <= 44 {
		return EncEmbstr
	}
	return EncRaw
}

// ParseInt parses b as Redis's string2ll does: an optional '-', no '+', no
// leading zeros or spaces, within int64 (encoding.ParseInt64Strict, which
// the RDB and listpack encoders share).
func ParseInt(b []byte) (int64, bool) { return encoding.ParseInt64Strict(b) }
