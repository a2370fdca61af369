package types

import (
	"hash/maphash"
	"math"
	"math/bits"
	"unsafe"
)

// Table sizing, in the spirit of Redis's dict: power-of-two bucket arrays,
// chaining, load factor 1, shrink below 10% fill.
const (
	// minBuckets is the size of the first bucket array and the floor for
	// shrinking.
	minBuckets = 4
	// shrinkPercent: a table whose fill (elements per bucket) drops below
	// this percentage is shrunk to the smallest power of two that holds the
	// elements.
	shrinkPercent = 10
	// emptyPerMove bounds the empty buckets one rehash move may skip, so a
	// rehash step on a sparse table costs O(1) rather than O(buckets).
	emptyPerMove = 10
	// fairSample is how many candidates RandomKey gathers before picking one.
	fairSample = 15
	// randomProbes bounds the random bucket probes RandomKey makes before
	// falling back to a linear walk (reached only on a pathologically sparse
	// table whose shrink is still pending).
	randomProbes = 64
)

// node is one element. Nodes are allocated once and never copied, so &val is
// stable for the element's lifetime.
type node[V any] struct {
	// val is the first field so that Key can recover the node from a *V with
	// a plain conversion, and so that a zero-size V (sets) needs no trailing
	// padding.
	val  V
	next *node[V]
	// key usually points into the same allocation (dict_node.go), so a
	// chain walk confirms a key without a second cache miss. The hash is
	// not cached: with the key in the node it would save little (a rehash
	// recomputes it) and cost 8 bytes per element, which Go's size classes
	// often round up to 16.
	key string
}

// table is one bucket array. len(b) is zero or a power of two.
type table[V any] struct {
	b    []*node[V]
	used int
}

// mask returns the bucket index mask of t.
func (t *table[V]) mask() uint64 { return uint64(len(t.b) - 1) }

// Dict is a chained hash table from string keys to values of type V with
// incremental rehashing and a stateless, resize-tolerant scan cursor (the
// guarantees of Redis's SCAN).
//
// While a resize is in progress the elements are split between t[0] (the old
// table, buckets below rehashIdx already migrated and empty) and t[1] (the new
// one, which receives every insertion). Each Get/Set/Ref/Delete migrates one
// bucket, and RehashStep lets a cron push the migration along.
//
// A Dict is not safe for concurrent use. Even Get and GetBytes may modify the
// table (they perform a rehash step), so readers need exclusive access too.
//
// The zero Dict is an empty table ready to use; NewDict is equivalent.
type Dict[V any] struct {
	t         [2]table[V]
	rehashIdx int // next t[0] bucket to migrate; meaningful only while t[1].b != nil
	// iters counts running Scan/ScanN/Range/Sample callbacks. While it is
	// non-zero no rehash step runs and no resize starts, so the tables the
	// iteration holds stay put; inserting (which could need a resize) panics.
	iters int
	seed  maphash.Seed
}

// NewDict returns an empty Dict with its own random hash seed, so that
// colliding keys cannot be precomputed (hash-flooding resistance). No bucket
// array is allocated until the first insertion.
func NewDict[V any]() *Dict[V] { return &Dict[V]{seed: maphash.MakeSeed()} }

// Len returns the number of elements.
func (d *Dict[V]) Len() int { return d.t[0].used + d.t[1].used }

// Rehashing reports whether an incremental resize is in progress.
func (d *Dict[V]) Rehashing() bool { return d.t[1].b != nil }

// Buckets returns the number of buckets (both tables while rehashing).
func (d *Dict[V]) Buckets() int { return len(d.t[0].b) + len(d.t[1].b) }

// step performs the one-bucket rehash step that every lookup and update pays
// while a resize is in progress (paused during iteration callbacks).
func (d *Dict[V]) step() {
	if d.t[1].b != nil && d.iters == 0 {
		d.rehash(1)
	}
}

// heads returns the chains that may hold an element of hash h: one per table.
func (d *Dict[V]) heads(h uint64) (a, b *node[V]) {
	i := h & d.t[0].mask()
	if d.t[1].b != nil {
		b = d.t[1].b[h&d.t[1].mask()]
		if i < uint64(d.rehashIdx) {
			return nil, b // already migrated: skip a likely cache miss
		}
	}
	return d.t[0].b[i], b
}

// PrefetchMax is the most keys Prefetch takes at once.
const PrefetchMax = 8

// Prefetch loads the bucket slots and first chain nodes of up to
// PrefetchMax keys, in two passes of independent loads, so that their
// cache misses overlap instead of each lookup waiting for its own in
// turn; the lookups that follow then find the memory in cache. It changes
// nothing; the returned value only keeps the loads from being optimised
// away.
func (d *Dict[V]) Prefetch(keys [][]byte) uintptr {
	if d.Len() == 0 {
		return 0
	}
	var heads [PrefetchMax]*node[V]
	keys = keys[:min(len(keys), PrefetchMax)]
	for i, k := range keys {
		heads[i], _ = d.heads(maphash.Bytes(d.seed, k))
	}
	var sink uintptr
	for _, n := range heads[:len(keys)] {
		if n != nil {
			sink += uintptr(len(n.key))
		}
	}
	return sink
}

// find returns the node of key (hash h) or nil.
func (d *Dict[V]) find(h uint64, key string) *node[V] {
	a, b := d.heads(h)
	for n := a; n != nil; n = n.next {
		if n.key == key {
			return n
		}
	}
	for n := b; n != nil; n = n.next {
		if n.key == key {
			return n
		}
	}
	return nil
}

// Get returns a pointer to the value of key, or nil if key is absent. The
// pointer stays valid (the value never moves) until key is deleted or the
// Dict is cleared.
func (d *Dict[V]) Get(key string) *V {
	if d.Len() == 0 {
		return nil
	}
	d.step()
	if n := d.find(maphash.String(d.seed, key), key); n != nil {
		return &n.val
	}
	return nil
}

// GetBytes is Get for a key held in a byte slice. It does not allocate:
// maphash.Bytes hashes exactly as maphash.String does, and string(key) in a
// comparison is not materialised by the compiler.
func (d *Dict[V]) GetBytes(key []byte) *V {
	if d.Len() == 0 {
		return nil
	}
	d.step()
	h := maphash.Bytes(d.seed, key)
	a, b := d.heads(h)
	for n := a; n != nil; n = n.next {
		if n.key == string(key) {
			return &n.val
		}
	}
	for n := b; n != nil; n = n.next {
		if n.key == string(key) {
			return &n.val
		}
	}
	return nil
}

// Set stores v under key, inserting or overwriting. It returns a pointer to
// the stored value and whether key was added. Inserting a new key allocates
// exactly one node (plus, occasionally, a new bucket array); see Ref for the
// key.
func (d *Dict[V]) Set(key string, v V) (p *V, added bool) {
	p, added = d.Ref(key)
	*p = v
	return p, added
}

// Ref returns a pointer to the value of key, inserting a zero V first if key
// is absent (added reports that), so callers can fill fields in place. A
// short key is copied into the new node; a long one is retained as given.
func (d *Dict[V]) Ref(key string) (p *V, added bool) {
	if d.t[0].b == nil {
		d.init()
	}
	d.step()
	h := maphash.String(d.seed, key)
	if n := d.find(h, key); n != nil {
		return &n.val, false
	}
	return &d.insert(h, newNode[V](key, true)).val, true
}

// RefBytes is Ref for a key held in a byte slice, which the Dict copies when
// it inserts (and does not retain); finding an existing key allocates nothing.
func (d *Dict[V]) RefBytes(key []byte) (p *V, added bool) {
	if d.t[0].b == nil {
		d.init()
	}
	d.step()
	h := maphash.Bytes(d.seed, key)
	// The string view does not escape: find compares, newNode copies.
	k := unsafe.String(unsafe.SliceData(key), len(key))
	if n := d.find(h, k); n != nil {
		return &n.val, false
	}
	return &d.insert(h, newNode[V](k, false)).val, true
}

// RefBytesSpare is RefBytes that, when it inserts, may also reserve spare
// bytes right after the key inside the new node, returned as room (length
// 0, capacity at least spare) for the caller to hold a small value in; room
// is nil when key was present or the reservation would cost memory.
func (d *Dict[V]) RefBytesSpare(key []byte, spare int) (p *V, added bool, room []byte) {
	if d.t[0].b == nil {
		d.init()
	}
	d.step()
	h := maphash.Bytes(d.seed, key)
	k := unsafe.String(unsafe.SliceData(key), len(key))
	if n := d.find(h, k); n != nil {
		return &n.val, false, nil
	}
	n, room := newNodeSpare[V](k, spare)
	return &d.insert(h, n).val, true, room
}

// SetBytes is Set for a key held in a byte slice (copied, not retained).
func (d *Dict[V]) SetBytes(key []byte, v V) (p *V, added bool) {
	p, added = d.RefBytes(key)
	*p = v
	return p, added
}

// init allocates the first bucket array (and the seed of a zero Dict).
func (d *Dict[V]) init() {
	if d.iters > 0 {
		panic("types: Dict modified during a Scan/Range/Sample callback")
	}
	if d.seed == (maphash.Seed{}) {
		d.seed = maphash.MakeSeed()
	}
	d.t[0] = table[V]{b: make([]*node[V], minBuckets)}
}

// insert adds a node for key, which must be absent, growing first if the
// table is full. While rehashing the node goes to the new table so the old
// one only ever empties.
func (d *Dict[V]) insert(h uint64, n *node[V]) *node[V] {
	if d.iters > 0 {
		panic("types: Dict insert during a Scan/Range/Sample callback")
	}
	if d.t[1].b == nil && d.t[0].used >= len(d.t[0].b) {
		// Load factor 1 reached: start growing. While a resize is already
		// in progress the new table absorbs the inserts and growth waits.
		d.resize(nextPow2(2 * d.t[0].used))
	}
	t := &d.t[0]
	if d.t[1].b != nil {
		t = &d.t[1]
	}
	i := h & t.mask()
	n.next = t.b[i]
	t.b[i] = n
	t.used++
	return n
}

// nextPow2 returns the smallest power of two >= n, at least minBuckets.
func nextPow2(n int) int {
	if n <= minBuckets {
		return minBuckets
	}
	return 1 << bits.Len64(uint64(n-1))
}

// resize starts an incremental migration to a table of size buckets (a power
// of two). The caller has checked that no resize is in progress.
func (d *Dict[V]) resize(size int) {
	if size == len(d.t[0].b) {
		return
	}
	d.t[1] = table[V]{b: make([]*node[V], size)}
	d.rehashIdx = 0
}

// Expand sizes the table for n elements in advance, as Redis does with the
// size hints of an RDB file: an empty table gets its final bucket array at
// once (no incremental rehash while it fills), a populated one starts a
// resize. It does nothing while a resize or an iteration is in progress, or
// when the table is already big enough.
func (d *Dict[V]) Expand(n int) {
	if d.t[1].b != nil || d.iters > 0 || n <= len(d.t[0].b) {
		return
	}
	size := nextPow2(n)
	if d.Len() == 0 {
		if d.seed == (maphash.Seed{}) {
			d.seed = maphash.MakeSeed()
		}
		d.t[0] = table[V]{b: make([]*node[V], size)}
		return
	}
	d.resize(size)
}

// maybeResize starts a resize the table needs but could not start earlier:
// a shrink after deletions (Redis does this from its cron and after
// HDEL/SREM), or a growth that was deferred while another resize ran.
func (d *Dict[V]) maybeResize() {
	if d.t[1].b != nil || d.iters > 0 || d.t[0].b == nil {
		return
	}
	used, size := d.t[0].used, len(d.t[0].b)
	switch {
	case used > size:
		d.resize(nextPow2(2 * used))
	case size > minBuckets && used*100 < size*shrinkPercent:
		d.resize(nextPow2(used))
	}
}

// rehash migrates up to n non-empty buckets from t[0] to t[1], skipping at
// most n*emptyPerMove empty ones, and reports whether migration remains.
// When t[0] empties the new table takes its place, and a further resize may
// start at once if the element count moved a lot meanwhile.
func (d *Dict[V]) rehash(n int) bool {
	if d.t[1].b == nil {
		return false
	}
	old, dst := d.t[0].b, d.t[1].b
	m := d.t[1].mask()
	empty := n * emptyPerMove
	for ; n > 0 && d.t[0].used > 0; n-- {
		// t[0].used > 0 guarantees a non-empty bucket at or after rehashIdx.
		for old[d.rehashIdx] == nil {
			d.rehashIdx++
			if empty--; empty <= 0 {
				return true
			}
		}
		for e := old[d.rehashIdx]; e != nil; {
			next := e.next
			j := maphash.String(d.seed, e.key) & m
			e.next = dst[j]
			dst[j] = e
			d.t[0].used--
			d.t[1].used++
			e = next
		}
		old[d.rehashIdx] = nil
		d.rehashIdx++
	}
	if d.t[0].used > 0 {
		return true
	}
	d.t[0], d.t[1] = d.t[1], table[V]{}
	d.rehashIdx = 0
	d.maybeResize()
	return d.t[1].b != nil
}

// RehashStep performs up to n bucket migrations of an in-progress resize, as
// the server cron's active rehashing does, and reports whether more remain.
// When no resize is running it first starts one the table still needs (a
// shrink deferred because the deletions happened during a resize or an
// iteration).
func (d *Dict[V]) RehashStep(n int) bool {
	if d.iters > 0 {
		return d.t[1].b != nil
	}
	d.maybeResize()
	if n <= 0 {
		return d.t[1].b != nil
	}
	return d.rehash(n)
}

// Delete removes key and returns its value; ok is false if key was absent.
func (d *Dict[V]) Delete(key string) (old V, ok bool) {
	if d.Len() == 0 {
		return old, false
	}
	d.step()
	return d.remove(maphash.String(d.seed, key), func(k string) bool { return k == key })
}

// DeleteBytes is Delete for a key held in a byte slice; it does not allocate.
func (d *Dict[V]) DeleteBytes(key []byte) (old V, ok bool) {
	if d.Len() == 0 {
		return old, false
	}
	d.step()
	return d.remove(maphash.Bytes(d.seed, key), func(k string) bool { return k == string(key) })
}

// remove unlinks the node of hash h whose key satisfies eq. eq is a closure
// so the string and []byte variants share the chain surgery; it is called
// only on a full hash match, i.e. about once per call.
func (d *Dict[V]) remove(h uint64, eq func(string) bool) (old V, ok bool) {
	for ti := range d.t {
		t := &d.t[ti]
		if t.b == nil {
			continue
		}
		i := h & t.mask()
		if ti == 0 && d.t[1].b != nil && i < uint64(d.rehashIdx) {
			continue // migrated bucket: empty
		}
		for link := &t.b[i]; *link != nil; link = &(*link).next {
			n := *link
			if !eq(n.key) {
				continue
			}
			*link = n.next
			// Drop the chain reference: a caller that kept &n.val must not
			// keep the rest of the chain alive. Range and Scan read next
			// before calling back, so deleting the current node is safe.
			n.next = nil
			t.used--
			d.maybeResize()
			return n.val, true
		}
	}
	return old, false
}

// Key returns the key of the element whose value p points to. p must be a
// pointer obtained from this Dict (Get, Set, Ref, Scan, ...) for an element
// that has not been deleted since; anything else is undefined behaviour.
// It costs a conversion: the value is the first field of its node.
func (d *Dict[V]) Key(p *V) string {
	return (*node[V])(unsafe.Pointer(p)).key
}

// Clear removes every element and releases the bucket arrays; the Dict
// returns to its initial, table-less state (the seed is kept).
func (d *Dict[V]) Clear() {
	if d.iters > 0 {
		panic("types: Dict cleared during a Scan/Range/Sample callback")
	}
	d.t = [2]table[V]{}
	d.rehashIdx = 0
}

// endIter closes a callback section opened by d.iters++ and starts any resize
// that deletions made by the callbacks call for.
func (d *Dict[V]) endIter() {
	d.iters--
	d.maybeResize()
}

// nextCursor advances cursor v over a table of index mask m: the masked bits
// are incremented as a number whose most significant bit is bit 0 (a
// reverse-binary increment). Setting the unmasked bits first makes the carry
// run straight into the masked ones.
//
// Why this survives resizes: read the cursor's bits from bit 0 upward as the
// digits of a binary fraction in [0,1). Bucket b of a 2^k-bucket table holds
// exactly the hashes whose fraction lies in [frac(b), frac(b)+2^-k), and the
// reverse increment moves the cursor to the end of that interval, so a scan
// sweeps [0,1) left to right and the cursor is the boundary of the part
// already swept. Growing splits intervals, so the boundary stays a boundary;
// shrinking merges them, and masking the cursor with the smaller mask rounds
// it down to the start of its merged interval, which is swept again
// (duplicates, never gaps). While rehashing, a small-table bucket and its
// expansions in the large table cover the same interval, so the two tables
// are swept together. The sweep ends when the cursor wraps to 0.
func nextCursor(v, m uint64) uint64 {
	v |= ^m
	v = bits.Reverse64(v)
	v++
	return bits.Reverse64(v)
}

// Scan visits the elements of one bucket of the cursor — while rehashing,
// the cursor's bucket in the smaller table and all of its expansions in the
// larger — and returns the next cursor, 0 when the iteration is complete.
// Start with cursor 0.
//
// A full iteration returns every element present for its whole duration at
// least once, however the table grows, shrinks or rehashes between calls;
// elements may be returned more than once, and elements added or removed
// meanwhile may or may not be returned.
//
// fn must not insert or delete keys (nor Clear); it may update *v in place
// and may call Get/GetBytes, which do no rehash work while fn runs.
// The pointer v is valid as documented for Get.
func (d *Dict[V]) Scan(cursor uint64, fn func(key string, v *V)) uint64 {
	if d.Len() == 0 {
		return 0
	}
	d.iters++
	defer d.endIter()
	small, large := &d.t[0], &d.t[1]
	if large.b == nil {
		m := small.mask()
		visitChain(small.b[cursor&m], fn)
		return nextCursor(cursor, m)
	}
	if len(small.b) > len(large.b) {
		small, large = large, small
	}
	ms, ml := small.mask(), large.mask()
	visitChain(small.b[cursor&ms], fn)
	// The larger table's buckets whose low bits equal cursor&ms are the
	// expansions of the small bucket: walk them all with the same
	// reverse increment until the extra bits wrap to zero, at which point
	// the carry has advanced the small-table part of the cursor.
	for {
		visitChain(large.b[cursor&ml], fn)
		cursor = nextCursor(cursor, ml)
		if cursor&(ms^ml) == 0 {
			return cursor
		}
	}
}

// visitChain calls fn on every node of the chain starting at n, reading each
// next link before the call.
func visitChain[V any](n *node[V], fn func(string, *V)) {
	for n != nil {
		next := n.next
		fn(n.key, &n.val)
		n = next
	}
}

// ScanN calls Scan repeatedly until at least minVisit elements were visited
// or the cursor returns to 0, and returns the cursor (SCAN ... COUNT).
// Like Redis it also stops after 10*minVisit Scan steps, so a sparse table
// cannot make one call walk O(buckets) empty buckets; it may then return
// fewer elements with a non-zero cursor. fn has Scan's restrictions.
func (d *Dict[V]) ScanN(cursor uint64, minVisit int, fn func(key string, v *V)) uint64 {
	if minVisit < 1 {
		minVisit = 1
	}
	steps := math.MaxInt
	if minVisit < math.MaxInt/10 {
		steps = 10 * minVisit
	}
	visited := 0
	count := func(k string, v *V) {
		visited++
		fn(k, v)
	}
	for {
		cursor = d.Scan(cursor, count)
		steps--
		if cursor == 0 || visited >= minVisit || steps <= 0 {
			return cursor
		}
	}
}

// Range calls fn for every element, each exactly once, until fn returns
// false. fn may update *v in place and may delete the element it was called
// for (its key), but must not insert, delete other keys, or Clear. Rehashing
// is paused for the duration; a shrink made necessary by fn's deletions
// starts when Range returns.
func (d *Dict[V]) Range(fn func(key string, v *V) bool) {
	if d.Len() == 0 {
		return
	}
	d.iters++
	defer d.endIter()
	for ti := range d.t {
		b := d.t[ti].b
		if ti == 0 && d.t[1].b != nil {
			b = b[d.rehashIdx:] // the rest is migrated, hence empty
		}
		for _, n := range b {
			for n != nil {
				next := n.next
				if !fn(n.key, &n.val) {
					return
				}
				n = next
			}
		}
	}
}

// Sample calls fn on up to n randomly chosen elements until fn returns false
// (for eviction and expiry sampling, like Redis's dictGetSomeKeys). It
// starts at a random bucket and takes whole runs of consecutive buckets,
// jumping to a new random bucket after a run of empty ones, within a bounded
// number of steps: it may return fewer than n elements (never more than
// Len, and at least one if the Dict is not empty, found as RandomKey's
// fallback does), and an element may repeat, though a single run never
// repeats one.
// When a chain holds more elements than are still wanted, a random cyclic
// window of it is taken so that chain tails are not disadvantaged.
//
// rnd(k) must return a uniform number in [0,k). fn has Range's rules: it may
// delete the element it was called for, but not insert or delete others.
func (d *Dict[V]) Sample(n int, rnd func(uint64) uint64, fn func(key string, v *V) bool) {
	if n <= 0 || d.Len() == 0 {
		return
	}
	if n > d.Len() {
		n = d.Len()
	}
	if d.iters == 0 {
		// Rehash work proportional to the sample, as Redis does.
		for i := 0; i < n && d.t[1].b != nil; i++ {
			d.rehash(1)
		}
	}
	d.iters++
	defer d.endIter()
	if d.sample(n, rnd, func(nd *node[V]) bool { return fn(nd.key, &nd.val) }) == 0 {
		nd := d.anyNode(rnd)
		fn(nd.key, &nd.val)
	}
}

// sample is Sample's walk, delivering nodes to visit. It returns the number
// of nodes delivered.
func (d *Dict[V]) sample(want int, rnd func(uint64) uint64, visit func(*node[V]) bool) int {
	t0, t1 := d.t[0].b, d.t[1].b
	rehashing := t1 != nil
	span := max(len(t0), len(t1)) // positions index both tables at once
	mask := uint64(span - 1)
	lo := uint64(0) // t[0] positions below lo are migrated (empty)
	if rehashing {
		lo = uint64(d.rehashIdx)
	}
	jumpAfter := max(5, want)
	got, empties := 0, 0
	pos := rnd(uint64(span))
	for steps := 10 * want; steps > 0 && got < want; steps-- {
		if rehashing && pos < lo && pos >= uint64(len(t1)) {
			// Shrinking: positions in [len(t1), lo) are empty in both
			// tables; go straight to the unmigrated part.
			pos = lo
		}
		found := false
		for ti, b := range [2][]*node[V]{t0, t1} {
			if pos >= uint64(len(b)) || (ti == 0 && pos < lo) || b[pos] == nil {
				continue
			}
			found = true
			k, more := takeChain(b, pos, want-got, rnd, visit)
			got += k
			if !more || got >= want {
				return got
			}
		}
		if found {
			empties = 0
		} else if empties++; empties >= jumpAfter {
			pos = rnd(uint64(span))
			empties = 0
			continue
		}
		pos = (pos + 1) & mask
	}
	return got
}

// takeChain delivers up to want nodes of the chain in bucket b[i]: all of
// them if the chain is no longer than want, otherwise a window of want
// consecutive nodes starting at a random offset and wrapping to the head, so
// that every node of the chain is equally likely to be taken. It returns the
// count delivered and false if visit asked to stop. visit may unlink the
// node it is given: next links are read first, and the wrapped part only
// reaches nodes before the window start, which are untouched.
func takeChain[V any](b []*node[V], i uint64, want int, rnd func(uint64) uint64, visit func(*node[V]) bool) (int, bool) {
	l := 0
	for n := b[i]; n != nil; n = n.next {
		l++
	}
	start := 0
	if l > want {
		start = int(rnd(uint64(l)))
	}
	n := b[i]
	for range start {
		n = n.next
	}
	got, take := 0, min(want, l)
	for got < take {
		if n == nil { // only when start > 0: wrap to the head
			n = b[i]
		}
		next := n.next
		got++
		if !visit(n) {
			return got, false
		}
		n = next
	}
	return got, true
}

// RandomKey returns a random element, or ok == false if the Dict is empty.
// Like Redis's dictGetFairRandomKey it samples a short run of consecutive
// buckets and picks uniformly among the elements found, which evens out the
// bias towards elements in short chains that picking a random bucket and
// then a random chain member would have. Expected cost is O(1) at any fill
// the resize policy allows; rnd(k) must return a uniform number in [0,k).
func (d *Dict[V]) RandomKey(rnd func(n uint64) uint64) (key string, v *V, ok bool) {
	if d.Len() == 0 {
		return "", nil, false
	}
	d.step()
	var cand [fairSample]*node[V]
	k := 0
	d.sample(min(fairSample, d.Len()), rnd, func(n *node[V]) bool {
		cand[k] = n
		k++
		return true
	})
	var n *node[V]
	if k > 0 {
		n = cand[rnd(uint64(k))]
	} else {
		n = d.anyNode(rnd)
	}
	return n.key, &n.val, true
}

// anyNode returns a random element of a non-empty Dict when sampling found
// none: a bucket drawn uniformly from all unmigrated buckets of both tables,
// then a uniform member of its chain. The random probes are bounded; after
// them a linear walk from a random bucket guarantees termination even on a
// nearly empty huge table (whose pending shrink makes that state transient).
func (d *Dict[V]) anyNode(rnd func(uint64) uint64) *node[V] {
	t0, t1 := d.t[0].b, d.t[1].b
	lo := 0
	if t1 != nil {
		lo = d.rehashIdx
	}
	total := uint64(len(t0) + len(t1) - lo)
	at := func(p uint64) *node[V] { // p indexes t0[lo:] followed by t1
		if p < uint64(len(t0)-lo) {
			return t0[lo+int(p)]
		}
		return t1[p-uint64(len(t0)-lo)]
	}
	var head *node[V]
	for range randomProbes {
		if head = at(rnd(total)); head != nil {
			break
		}
	}
	for p := rnd(total); head == nil; p = (p + 1) % total {
		head = at(p)
	}
	l := 0
	for n := head; n != nil; n = n.next {
		l++
	}
	for i := rnd(uint64(l)); i > 0; i-- {
		head = head.next
	}
	return head
}

// MemoryOverhead estimates the bytes the Dict itself uses: its header, the
// bucket arrays and the nodes (each holding the key's string header and V's
// inline bytes, rounded up to an approximation of Go's allocation size
// classes). The bytes of the keys' strings and whatever V points to are not
// included.
func (d *Dict[V]) MemoryOverhead() int {
	var n node[V]
	return int(unsafe.Sizeof(*d)) +
		d.Buckets()*int(unsafe.Sizeof(&n)) +
		d.Len()*allocSize(int(unsafe.Sizeof(n)))
}

// allocSize approximates the size class the Go allocator rounds an n-byte
// object up to (exact for the small sizes nodes usually have).
func allocSize(n int) int {
	roundUp := func(n, m int) int { return (n + m - 1) / m * m }
	switch {
	case n <= 32:
		return roundUp(n, 8)
	case n <= 48:
		return 48
	case n <= 256:
		return roundUp(n, 16)
	case n <= 512:
		return roundUp(n, 32)
	case n <= 1024:
		return roundUp(n, 64)
	case n <= 32<<10:
		return roundUp(n, 256)
	default:
		return roundUp(n, 8<<10)
	}
}
