package types

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
)

// Hash is a field/value map in one of Redis's two encodings: small hashes
// live in one flat, pointer-free buffer of length-prefixed field/value
// pairs (Redis's "listpack"), large ones in a Dict ("hashtable"). The
// conversion is one-way, decided by the caller's limits. Fields may carry
// an expiry time (Redis 7.4 hash-field expiration).
type Hash struct {
	flat []byte // uvarint length + bytes, field then value, repeated
	n    int    // fields in flat
	dict *Dict[[]byte]
	// ttl maps fields to their expiry (unix ms); nil until one is set.
	ttl map[string]int64
}

// NewHash returns an empty hash in the compact encoding.
func NewHash() *Hash { return &Hash{} }

// Len returns the number of fields (including expired ones not yet reclaimed).
func (h *Hash) Len() int {
	if h.dict != nil {
		return h.dict.Len()
	}
	return h.n
}

// IsCompact reports whether the hash uses the flat encoding.
func (h *Hash) IsCompact() bool { return h.dict == nil }

// Encoding is what OBJECT ENCODING reports.
func (h *Hash) Encoding() string {
	switch {
	case h.dict != nil:
		return "hashtable"
	case len(h.ttl) > 0:
		return "listpackex"
	}
	return "listpack"
}

// readItem decodes the length-prefixed item at off: its bytes and the
// offset after it.
func readItem(b []byte, off int) ([]byte, int) {
	n, w := binary.Uvarint(b[off:])
	start := off + w
	return b[start : start+int(n)], start + int(n)
}

func appendItem(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// findFlat returns the offsets of field's pair (start of field, start of
// value, end of value), or -1.
func (h *Hash) findFlat(field []byte) (fs, vs, ve int) {
	off := 0
	for off < len(h.flat) {
		f, next := readItem(h.flat, off)
		_, end := readItem(h.flat, next)
		if string(f) == string(field) {
			return off, next, end
		}
		off = end
	}
	return -1, -1, -1
}

// Get returns the value of field.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if h.dict != nil {
		v := h.dict.GetBytes(field)
		if v == nil {
			return nil, false
		}
		return *v, true
	}
	_, vs, _ := h.findFlat(field)
	if vs < 0 {
		return nil, false
	}
	v, _ := readItem(h.flat, vs)
	return v, true
}

// Set stores value under field and reports whether the field is new. The
// hash converts to a table when it would exceed maxEntries fields or hold
// a field or value longer than maxValue bytes. Setting a field clears its
// expiry.
func (h *Hash) Set(field, value []byte, maxEntries, maxValue int) bool {
	if h.ttl != nil {
		delete(h.ttl, string(field))
	}
	if h.dict == nil && (len(field) > maxValue || len(value) > maxValue) {
		h.convert()
	}
	if h.dict != nil {
		_, added := h.dict.SetBytes(field, append([]byte(nil), value...))
		return added
	}
	fs, _, ve := h.findFlat(field)
	if fs >= 0 {
		h.replaceFlat(fs, ve, field, value)
		return false
	}
	if h.n+1 > maxEntries {
		h.convert()
		h.dict.SetBytes(field, append([]byte(nil), value...))
		return true
	}
	h.flat = appendItem(appendItem(h.flat, field), value)
	h.n++
	return true
}

// replaceFlat overwrites the pair at flat[fs:ve] with field/value, moving
// the pairs after it in place (no allocation unless the buffer must grow).
func (h *Hash) replaceFlat(fs, ve int, field, value []byte) {
	size := HashPairSize(field, value)
	tail := len(h.flat) - ve
	end := fs + size + tail
	if end > cap(h.flat) {
		h.flat = slices.Grow(h.flat, end-len(h.flat))
	}
	if end > len(h.flat) {
		h.flat = h.flat[:end]
	}
	copy(h.flat[fs+size:], h.flat[ve:ve+tail])
	h.flat = appendItem(appendItem(h.flat[:fs], field), value)[:end]
}

// HashPairSize returns the bytes a field/value pair takes in the compact
// encoding.
func HashPairSize(field, value []byte) int {
	return uvarintLen(len(field)) + len(field) + uvarintLen(len(value)) + len(value)
}

func uvarintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// Grow makes room for extra more bytes of pairs in a compact hash, so that
// an HSET of many fields grows the buffer once instead of field by field
// (each intermediate buffer would be garbage).
func (h *Hash) Grow(extra int) {
	if h.dict == nil {
		h.flat = slices.Grow(h.flat, extra)
	}
}

// convert moves the pairs into a table (one-way).
func (h *Hash) convert() {
	d := NewDict[[]byte]()
	h.forEachFlat(func(f, v []byte) bool {
		d.SetBytes(f, append([]byte(nil), v...))
		return true
	})
	h.dict, h.flat, h.n = d, nil, 0
}

func (h *Hash) forEachFlat(fn func(f, v []byte) bool) {
	off := 0
	for off < len(h.flat) {
		f, next := readItem(h.flat, off)
		v, end := readItem(h.flat, next)
		if !fn(f, v) {
			return
		}
		off = end
	}
}

// Delete removes field and reports whether it existed.
func (h *Hash) Delete(field []byte) bool {
	if h.ttl != nil {
		delete(h.ttl, string(field))
	}
	if h.dict != nil {
		_, ok := h.dict.DeleteBytes(field)
		return ok
	}
	fs, _, ve := h.findFlat(field)
	if fs < 0 {
		return false
	}
	h.flat = append(h.flat[:fs], h.flat[ve:]...)
	h.n--
	return true
}

// ForEach calls fn for every pair (compact: insertion order) until it
// returns false. The slices must not be kept or modified.
func (h *Hash) ForEach(fn func(field, value []byte) bool) {
	if h.dict != nil {
		h.dict.Range(func(k string, v *[]byte) bool { return fn([]byte(k), *v) })
		return
	}
	h.forEachFlat(fn)
}

// Scan visits pairs from cursor as SCAN does; the compact form is visited
// whole in one call (cursor 0 returned), as Redis does for listpacks.
func (h *Hash) Scan(cursor uint64, count int, fn func(field, value []byte)) uint64 {
	if h.dict == nil {
		h.forEachFlat(func(f, v []byte) bool { fn(f, v); return true })
		return 0
	}
	return h.dict.ScanN(cursor, count, func(k string, v *[]byte) { fn([]byte(k), *v) })
}

// Pairs returns the fields and values in iteration order.
func (h *Hash) Pairs() (fields, values [][]byte) {
	h.ForEach(func(f, v []byte) bool {
		fields = append(fields, f)
		values = append(values, v)
		return true
	})
	return
}

// RandomPairs returns count distinct random pairs (count < Len), picked
// uniformly.
func (h *Hash) RandomPairs(count int, r *rand.Rand) (fields, values [][]byte) {
	fs, vs := h.Pairs()
	idx := r.Perm(len(fs))[:count]
	sort.Ints(idx) // keep the hash's order among the picks, like Redis's listpack path
	for _, i := range idx {
		fields = append(fields, fs[i])
		values = append(values, vs[i])
	}
	return
}

// SetTTL sets field's expiry (unix ms); 0 removes it.
func (h *Hash) SetTTL(field []byte, at int64) {
	if at == 0 {
		delete(h.ttl, string(field))
		return
	}
	if h.ttl == nil {
		h.ttl = map[string]int64{}
	}
	h.ttl[string(field)] = at
}

// TTL returns field's expiry (unix ms), 0 if it has none.
func (h *Hash) TTL(field []byte) int64 { return h.ttl[string(field)] }

// HasTTLs reports whether any field has an expiry.
func (h *Hash) HasTTLs() bool { return len(h.ttl) > 0 }

// ExpireFields deletes the fields whose expiry is at or before now and
// returns how many it removed.
func (h *Hash) ExpireFields(now int64) int {
	n := 0
	for f, at := range h.ttl {
		if at <= now {
			h.Delete([]byte(f))
			n++
		}
	}
	return n
}

// MinTTL returns the earliest field expiry, 0 if none.
func (h *Hash) MinTTL() int64 {
	var m int64
	for _, at := range h.ttl {
		if m == 0 || at < m {
			m = at
		}
	}
	return m
}

// Clone returns a deep copy.
func (h *Hash) Clone() any {
	c := &Hash{n: h.n, flat: append([]byte(nil), h.flat...)}
	if h.dict != nil {
		c.dict = NewDict[[]byte]()
		h.dict.Range(func(k string, v *[]byte) bool {
			c.dict.Set(k, append([]byte(nil), *v...))
			return true
		})
	}
	if h.ttl != nil {
		c.ttl = make(map[string]int64, len(h.ttl))
		for k, v := range h.ttl {
			c.ttl[k] = v
		}
	}
	return c
}

// MemoryUsage estimates the bytes the hash uses.
func (h *Hash) MemoryUsage(samples int) int {
	n := 48 + len(h.ttl)*48
	if h.dict == nil {
		return n + cap(h.flat)
	}
	n += h.dict.MemoryOverhead()
	if h.dict.Len() == 0 {
		return n
	}
	if samples <= 0 || samples > h.dict.Len() {
		samples = h.dict.Len()
	}
	sum, seen := 0, 0
	h.dict.Range(func(k string, v *[]byte) bool {
		sum += allocSize(len(k)) + allocSize(cap(*v))
		seen++
		return seen < samples
	})
	return n + sum*h.dict.Len()/seen
}

// DigestValue writes the pairs sorted by field (DEBUG DIGEST-VALUE).
func (h *Hash) DigestValue(w io.Writer) {
	fs, vs := h.Pairs()
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return string(fs[idx[a]]) < string(fs[idx[b]]) })
	for _, i := range idx {
		_, _ = w.Write(appendItem(appendItem(nil, fs[i]), vs[i]))
	}
}

// SerializedLength estimates the RDB size.
func (h *Hash) SerializedLength() int {
	if h.dict == nil {
		return len(h.flat) + 11
	}
	n := 9
	h.ForEach(func(f, v []byte) bool { n += len(f) + len(v) + 2; return true })
	return n
}

// HTStats describes the table for DEBUG HTSTATS-KEY; ok is false for the
// compact encoding.
func (h *Hash) HTStats() (buckets, elements int, rehashing, ok bool) {
	if h.dict == nil {
		return 0, 0, false, false
	}
	return h.dict.Buckets(), h.dict.Len(), h.dict.Rehashing(), true
}

// PrefetchFields starts loading the table memory of up to
// PrefetchMax fields in the large encoding (see Dict.Prefetch); the result
// is meaningless.
func (x *Hash) PrefetchFields(elems [][]byte) uintptr {
	if x.dict == nil {
		return 0
	}
	return x.dict.Prefetch(elems)
}
