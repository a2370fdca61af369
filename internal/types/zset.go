package types

import (
	"encoding/binary"
	"io"
	"math"
	"sort"
)

// ZSet is a sorted set in one of Redis's two encodings: small sets are a
// slice sorted by (score, member) ("listpack"), large ones a skip list with
// spans plus a member-to-score table ("skiplist"), so ranks, rank ranges
// and score ranges cost O(log n). The conversion is one-way.
type ZSet struct {
	small []zentry
	sl    *skiplist
	dict  *Dict[float64]
}

type zentry struct {
	score  float64
	member string
}

// NewZSet returns an empty sorted set in the compact encoding.
func NewZSet() *ZSet { return &ZSet{} }

// Len returns the number of members.
func (z *ZSet) Len() int {
	if z.sl != nil {
		return z.sl.length
	}
	return len(z.small)
}

// Encoding is what OBJECT ENCODING reports.
func (z *ZSet) Encoding() string {
	if z.sl != nil {
		return "skiplist"
	}
	return "listpack"
}

// Score returns member's score.
func (z *ZSet) Score(member []byte) (float64, bool) {
	if z.sl != nil {
		p := z.dict.GetBytes(member)
		if p == nil {
			return 0, false
		}
		return *p, true
	}
	for _, e := range z.small {
		if e.member == string(member) {
			return e.score, true
		}
	}
	return 0, false
}

// Add sets member's score and reports whether the member is new. The set
// converts to the skip list past maxEntries members or for a member longer
// than maxValue bytes.
func (z *ZSet) Add(member []byte, score float64, maxEntries, maxValue int) bool {
	if z.sl != nil {
		if p := z.dict.GetBytes(member); p != nil {
			if *p != score {
				z.sl.updateScore(*p, z.dict.Key(p), score)
				*p = score
			}
			return false
		}
	} else if old, exists := z.Score(member); exists {
		if old == score {
			return false
		}
		z.removeScored(string(member), old)
		z.insert(string(member), score)
		return false
	}
	if z.sl == nil && (len(z.small)+1 > maxEntries || len(member) > maxValue) {
		z.convert()
	}
	z.insert(string(member), score)
	return true
}

func (z *ZSet) insert(member string, score float64) {
	if z.sl != nil {
		z.slInsert(member, score)
		return
	}
	i := sort.Search(len(z.small), func(i int) bool {
		return !before(z.small[i].score, z.small[i].member, score, member)
	})
	z.small = append(z.small, zentry{})
	copy(z.small[i+1:], z.small[i:])
	z.small[i] = zentry{score, member}
}

// slInsert adds an absent member to the skip list form. The skip list's
// member is the dict's copy of the key (stored inside the dict's node), so
// the member's bytes are held once.
func (z *ZSet) slInsert(member string, score float64) {
	p, _ := z.dict.Set(member, score)
	z.sl.insert(score, z.dict.Key(p))
}

func (z *ZSet) removeScored(member string, score float64) {
	if z.sl != nil {
		z.sl.delete(score, member)
		z.dict.Delete(member)
		return
	}
	for i, e := range z.small {
		if e.member == member {
			z.small = append(z.small[:i], z.small[i+1:]...)
			return
		}
	}
}

func (z *ZSet) convert() {
	z.sl = newSkiplist()
	z.dict = NewDict[float64]()
	for _, e := range z.small {
		z.slInsert(e.member, e.score)
	}
	z.small = nil
}

// Insert adds a member the caller knows is absent (see Add for limits).
func (z *ZSet) Insert(member []byte, score float64, maxEntries, maxValue int) {
	if z.sl == nil && (len(z.small)+1 > maxEntries || len(member) > maxValue) {
		z.convert()
	}
	z.insert(string(member), score)
}

// Update moves a member the caller knows has score old to score new.
func (z *ZSet) Update(member []byte, old, new float64) {
	if old == new {
		return
	}
	if z.sl != nil {
		// Move the node in place (no reallocation, no dict churn); the
		// dict lookup hits the node the caller's Score just read.
		p := z.dict.GetBytes(member)
		z.sl.updateScore(old, z.dict.Key(p), new)
		*p = new
		return
	}
	m := string(member)
	z.removeScored(m, old)
	z.insert(m, new)
}

// Remove deletes member and reports whether it was there.
func (z *ZSet) Remove(member []byte) bool {
	s, ok := z.Score(member)
	if !ok {
		return false
	}
	z.removeScored(string(member), s)
	return true
}

// CountBefore returns how many members satisfy less, a predicate that
// holds exactly for a prefix of the order (e.g. "score < min").
func (z *ZSet) CountBefore(less func(score float64, member string) bool) int {
	if z.sl != nil {
		return z.sl.countBefore(less)
	}
	return sort.Search(len(z.small), func(i int) bool { return !less(z.small[i].score, z.small[i].member) })
}

// Rank returns member's 0-based rank in ascending order.
func (z *ZSet) Rank(member []byte) (int, bool) {
	s, ok := z.Score(member)
	if !ok {
		return 0, false
	}
	m := string(member)
	return z.CountBefore(func(sc float64, mb string) bool { return before(sc, mb, s, m) }), true
}

// Iterate calls fn from 0-based rank r, ascending (or descending with
// rev, r then counting from the top), until fn returns false or the set ends.
func (z *ZSet) Iterate(r int, rev bool, fn func(member string, score float64) bool) {
	n := z.Len()
	if r < 0 || r >= n {
		return
	}
	if z.sl == nil {
		if rev {
			for i := n - 1 - r; i >= 0; i-- {
				if !fn(z.small[i].member, z.small[i].score) {
					return
				}
			}
			return
		}
		for i := r; i < n; i++ {
			if !fn(z.small[i].member, z.small[i].score) {
				return
			}
		}
		return
	}
	if rev {
		for x := z.sl.at(n - 1 - r); x != nil; x = x.backward {
			if !fn(x.member, x.score) {
				return
			}
		}
		return
	}
	for x := z.sl.at(r); x != nil; x = x.next() {
		if !fn(x.member, x.score) {
			return
		}
	}
}

// RemoveRank deletes the members of ascending ranks start..stop (valid,
// inclusive) and returns them.
func (z *ZSet) RemoveRank(start, stop int) []string {
	var out []string
	z.Iterate(start, false, func(m string, _ float64) bool {
		out = append(out, m)
		return len(out) < stop-start+1
	})
	for _, m := range out {
		z.Remove([]byte(m))
	}
	return out
}

// SortMembers returns the members in score order (for SORT).
func (z *ZSet) SortMembers() [][]byte {
	out := make([][]byte, 0, z.Len())
	z.Iterate(0, false, func(m string, _ float64) bool {
		out = append(out, []byte(m))
		return true
	})
	return out
}

// ForEach calls fn for every member in ascending order (the sorted-set
// side of set algebra over sets and sorted sets).
func (z *ZSet) ForEach(fn func(member []byte, score float64) bool) {
	z.Iterate(0, false, func(m string, s float64) bool { return fn([]byte(m), s) })
}

// Clone returns a deep copy.
func (z *ZSet) Clone() any {
	c := &ZSet{small: append([]zentry(nil), z.small...)}
	if z.sl != nil {
		c.sl = newSkiplist()
		c.dict = NewDict[float64]()
		z.Iterate(0, false, func(m string, s float64) bool {
			c.slInsert(m, s)
			return true
		})
	}
	return c
}

// MemoryUsage estimates the bytes the sorted set uses.
func (z *ZSet) MemoryUsage(samples int) int {
	if z.sl == nil {
		n := 48 + 24*cap(z.small)
		for _, e := range z.small {
			n += allocSize(len(e.member))
		}
		return n
	}
	n := 64 + z.dict.MemoryOverhead()
	if z.sl.length == 0 {
		return n
	}
	if samples <= 0 || samples > z.sl.length {
		samples = z.sl.length
	}
	sum, seen := 0, 0
	z.Iterate(0, false, func(m string, _ float64) bool {
		// node header, about 1.33 links of 16 bytes, the member
		sum += 64 + 22 + allocSize(len(m))
		seen++
		return seen < samples
	})
	return n + sum*z.sl.length/seen
}

// DigestValue writes the pairs in order (DEBUG DIGEST-VALUE).
func (z *ZSet) DigestValue(w io.Writer) {
	z.Iterate(0, false, func(m string, s float64) bool {
		b := binary.AppendUvarint(nil, uint64(len(m)))
		b = append(b, m...)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s))
		_, _ = w.Write(b)
		return true
	})
}

// SerializedLength estimates the RDB size.
func (z *ZSet) SerializedLength() int {
	n := 11
	z.Iterate(0, false, func(m string, _ float64) bool {
		n += len(m) + 10
		return true
	})
	return n
}

// HTStats describes the member table for DEBUG HTSTATS-KEY.
func (z *ZSet) HTStats() (buckets, elements int, rehashing, ok bool) {
	if z.dict == nil {
		return 0, 0, false, false
	}
	return z.dict.Buckets(), z.dict.Len(), z.dict.Rehashing(), true
}

// Scan visits members from cursor as SCAN does; the compact form is
// visited whole in one call (cursor 0 returned), as Redis does.
func (z *ZSet) Scan(cursor uint64, count int, fn func(member []byte, score float64)) uint64 {
	if z.sl == nil {
		for _, e := range z.small {
			fn([]byte(e.member), e.score)
		}
		return 0
	}
	return z.dict.ScanN(cursor, count, func(k string, s *float64) { fn([]byte(k), *s) })
}

// PrefetchMembers starts loading the table memory of up to
// PrefetchMax members in the large encoding (see Dict.Prefetch); the result
// is meaningless.
func (x *ZSet) PrefetchMembers(elems [][]byte) uintptr {
	if x.dict == nil {
		return 0
	}
	return x.dict.Prefetch(elems)
}
