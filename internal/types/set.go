package types

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
)

// Set is a set of byte strings in one of Redis 7.0's two encodings: while
// every member is an integer and the set is small, a sorted slice of int64
// ("intset": pointer-free, 8 bytes a member); otherwise a Dict
// ("hashtable"). The conversion is one-way.
type Set struct {
	ints []int64
	dict *Dict[struct{}]
}

// NewSet returns an empty set in the intset encoding.
func NewSet() *Set { return &Set{} }

// Len returns the number of members.
func (s *Set) Len() int {
	if s.dict != nil {
		return s.dict.Len()
	}
	return len(s.ints)
}

// Encoding is what OBJECT ENCODING reports.
func (s *Set) Encoding() string {
	if s.dict != nil {
		return "hashtable"
	}
	return "intset"
}

// parseSetInt reports whether m is an integer as Redis's intsets store
// them (string2ll rules: no leading zeros, spaces or '+').
func parseSetInt(m []byte) (int64, bool) {
	if len(m) == 0 || len(m) > 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(m), 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != string(m) {
		return 0, false
	}
	return n, true
}

func (s *Set) search(n int64) (int, bool) {
	i := sort.Search(len(s.ints), func(i int) bool { return s.ints[i] >= n })
	return i, i < len(s.ints) && s.ints[i] == n
}

// Add inserts m and reports whether it is new; the set converts to a table
// for a non-integer member or past maxIntset members.
func (s *Set) Add(m []byte, maxIntset int) bool {
	if s.dict == nil {
		if n, ok := parseSetInt(m); ok {
			i, found := s.search(n)
			if found {
				return false
			}
			if len(s.ints)+1 <= maxIntset {
				s.ints = append(s.ints, 0)
				copy(s.ints[i+1:], s.ints[i:])
				s.ints[i] = n
				return true
			}
		}
		s.convert()
	}
	_, added := s.dict.SetBytes(m, struct{}{})
	return added
}

func (s *Set) convert() {
	d := NewDict[struct{}]()
	var buf [20]byte
	for _, n := range s.ints {
		d.SetBytes(strconv.AppendInt(buf[:0], n, 10), struct{}{})
	}
	s.dict, s.ints = d, nil
}

// Remove deletes m and reports whether it was a member.
func (s *Set) Remove(m []byte) bool {
	if s.dict != nil {
		_, ok := s.dict.DeleteBytes(m)
		return ok
	}
	n, ok := parseSetInt(m)
	if !ok {
		return false
	}
	i, found := s.search(n)
	if !found {
		return false
	}
	s.ints = append(s.ints[:i], s.ints[i+1:]...)
	return true
}

// Contains reports whether m is a member.
func (s *Set) Contains(m []byte) bool {
	if s.dict != nil {
		return s.dict.GetBytes(m) != nil
	}
	n, ok := parseSetInt(m)
	if !ok {
		return false
	}
	_, found := s.search(n)
	return found
}

// ForEach calls fn for every member (intset: ascending) until it returns
// false. The slice is only valid during the call.
func (s *Set) ForEach(fn func(m []byte) bool) {
	if s.dict != nil {
		s.dict.Range(func(k string, _ *struct{}) bool { return fn([]byte(k)) })
		return
	}
	var buf [20]byte
	for _, n := range s.ints {
		if !fn(strconv.AppendInt(buf[:0], n, 10)) {
			return
		}
	}
}

// Members returns copies of every member in iteration order.
func (s *Set) Members() [][]byte {
	out := make([][]byte, 0, s.Len())
	s.ForEach(func(m []byte) bool {
		out = append(out, append([]byte(nil), m...))
		return true
	})
	return out
}

// SortMembers is Members, for SORT.
func (s *Set) SortMembers() [][]byte { return s.Members() }

// Random returns a random member (the set must not be empty).
func (s *Set) Random(r *rand.Rand) []byte {
	if s.dict != nil {
		k, _, _ := s.dict.RandomKey(func(n uint64) uint64 { return r.Uint64N(n) })
		return []byte(k)
	}
	return strconv.AppendInt(nil, s.ints[r.IntN(len(s.ints))], 10)
}

// Scan visits members from cursor as SCAN does; an intset is visited
// whole in one call (cursor 0 returned), as Redis does.
func (s *Set) Scan(cursor uint64, count int, fn func(m []byte)) uint64 {
	if s.dict == nil {
		s.ForEach(func(m []byte) bool { fn(m); return true })
		return 0
	}
	return s.dict.ScanN(cursor, count, func(k string, _ *struct{}) { fn([]byte(k)) })
}

// Clone returns a deep copy.
func (s *Set) Clone() any {
	c := &Set{ints: append([]int64(nil), s.ints...)}
	if s.dict != nil {
		c.dict = NewDict[struct{}]()
		s.dict.Range(func(k string, _ *struct{}) bool {
			c.dict.Set(k, struct{}{})
			return true
		})
	}
	return c
}

// MemoryUsage estimates the bytes the set uses.
func (s *Set) MemoryUsage(samples int) int {
	if s.dict == nil {
		return 40 + 8*cap(s.ints)
	}
	n := 40 + s.dict.MemoryOverhead()
	if s.dict.Len() == 0 {
		return n
	}
	if samples <= 0 || samples > s.dict.Len() {
		samples = s.dict.Len()
	}
	sum, seen := 0, 0
	s.dict.Range(func(k string, _ *struct{}) bool {
		sum += allocSize(len(k))
		seen++
		return seen < samples
	})
	return n + sum*s.dict.Len()/seen
}

// DigestValue writes the members sorted (DEBUG DIGEST-VALUE).
func (s *Set) DigestValue(w io.Writer) {
	ms := s.Members()
	sort.Slice(ms, func(i, j int) bool { return string(ms[i]) < string(ms[j]) })
	for _, m := range ms {
		_, _ = w.Write(binary.AppendUvarint(nil, uint64(len(m))))
		_, _ = w.Write(m)
	}
}

// SerializedLength estimates the RDB size.
func (s *Set) SerializedLength() int {
	if s.dict == nil {
		return 8 + 8*len(s.ints) + 2
	}
	n := 9
	s.ForEach(func(m []byte) bool { n += len(m) + 1; return true })
	return n
}

// HTStats describes the table for DEBUG HTSTATS-KEY.
func (s *Set) HTStats() (buckets, elements int, rehashing, ok bool) {
	if s.dict == nil {
		return 0, 0, false, false
	}
	return s.dict.Buckets(), s.dict.Len(), s.dict.Rehashing(), true
}

// PrefetchMembers starts loading the table memory of up to
// PrefetchMax members in the large encoding (see Dict.Prefetch); the result
// is meaningless.
func (x *Set) PrefetchMembers(elems [][]byte) uintptr {
	if x.dict == nil {
		return 0
	}
	return x.dict.Prefetch(elems)
}
