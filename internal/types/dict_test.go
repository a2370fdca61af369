package types

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
)

// checkDict verifies the structural invariants of d: power-of-two tables,
// every node in the bucket its cached hash selects, cached hashes correct,
// migrated buckets empty, counts right, no duplicate keys, and (when no
// resize is running) the load policy: at most one element per bucket and at
// least 10% fill above the minimum size.
func checkDict[V any](t testing.TB, d *Dict[V]) {
	t.Helper()
	if d.iters != 0 {
		t.Fatalf("iters = %d outside any iteration", d.iters)
	}
	rehashing := d.t[1].b != nil
	keys := make(map[string]bool, d.Len())
	for ti := range d.t {
		tb := &d.t[ti]
		if tb.b == nil {
			if tb.used != 0 {
				t.Fatalf("table %d: no buckets but used = %d", ti, tb.used)
			}
			continue
		}
		size := len(tb.b)
		if size < minBuckets || size&(size-1) != 0 {
			t.Fatalf("table %d: size %d is not a power of two >= %d", ti, size, minBuckets)
		}
		n := 0
		for i, e := range tb.b {
			if ti == 0 && rehashing && i < d.rehashIdx && e != nil {
				t.Fatalf("migrated bucket %d of table 0 is not empty", i)
			}
			for ; e != nil; e = e.next {
				n++
				if h := maphash.String(d.seed, e.key); int(h&tb.mask()) != i {
					t.Fatalf("key %q in bucket %d of table %d, hash says %d", e.key, i, ti, h&tb.mask())
				}
				if keys[e.key] {
					t.Fatalf("key %q stored twice", e.key)
				}
				keys[e.key] = true
			}
		}
		if n != tb.used {
			t.Fatalf("table %d: used = %d, counted %d", ti, tb.used, n)
		}
	}
	if d.t[0].b == nil && rehashing {
		t.Fatalf("rehashing without a table 0")
	}
	if !rehashing && d.t[0].b != nil {
		used, size := d.t[0].used, len(d.t[0].b)
		if used > size {
			t.Fatalf("load factor above 1 while idle: %d elements in %d buckets", used, size)
		}
		if size > minBuckets && used*100 < size*shrinkPercent {
			t.Fatalf("table below 10%% fill while idle: %d elements in %d buckets", used, size)
		}
	}
}

// contents returns d's elements through Range.
func contents[V any](d *Dict[V]) map[string]V {
	m := make(map[string]V, d.Len())
	d.Range(func(k string, v *V) bool {
		m[k] = *v
		return true
	})
	return m
}

func sameContents(t testing.TB, d *Dict[int], model map[string]int) {
	t.Helper()
	if d.Len() != len(model) {
		t.Fatalf("Len = %d, model has %d", d.Len(), len(model))
	}
	got := contents(d)
	if len(got) != len(model) {
		t.Fatalf("Range visited %d keys, model has %d", len(got), len(model))
	}
	for k, v := range model {
		if gv, ok := got[k]; !ok || gv != v {
			t.Fatalf("key %q: Range saw (%d, %v), model has %d", k, gv, ok, v)
		}
	}
}

// TestDictModel runs random operation sequences against a Go map, in phases
// that alternately favour inserts and deletes so that the table grows and
// shrinks repeatedly, and checks that value pointers never move.
func TestDictModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		universe := []int{8, 100, 3000}[seed%3]
		d := NewDict[int]()
		model := map[string]int{}
		ptrs := map[string]*int{}
		for phase := 0; phase < 12; phase++ {
			insertBias := 80
			if phase%2 == 1 {
				insertBias = 15
			}
			for op := 0; op < 4000; op++ {
				k := "key:" + strconv.Itoa(r.IntN(universe))
				v := r.Int()
				switch x := r.IntN(100); {
				case x < insertBias/2:
					p, added := d.Set(k, v)
					_, had := model[k]
					if added == had {
						t.Fatalf("Set(%q) added = %v, model had it: %v", k, added, had)
					}
					if had && p != ptrs[k] {
						t.Fatalf("Set(%q) moved the value", k)
					}
					model[k], ptrs[k] = v, p
				case x < insertBias:
					p, added := d.Ref(k)
					old, had := model[k]
					if added == had {
						t.Fatalf("Ref(%q) added = %v, model had it: %v", k, added, had)
					}
					if had && (*p != old || p != ptrs[k]) {
						t.Fatalf("Ref(%q) = %d at %p, want %d at %p", k, *p, p, old, ptrs[k])
					}
					if !had && *p != 0 {
						t.Fatalf("Ref(%q) inserted %d, not zero", k, *p)
					}
					*p = v
					model[k], ptrs[k] = v, p
				case x < insertBias+(100-insertBias)/2:
					var old int
					var ok bool
					if r.IntN(2) == 0 {
						old, ok = d.Delete(k)
					} else {
						old, ok = d.DeleteBytes([]byte(k))
					}
					mv, had := model[k]
					if ok != had || old != mv {
						t.Fatalf("Delete(%q) = (%d, %v), model (%d, %v)", k, old, ok, mv, had)
					}
					delete(model, k)
					delete(ptrs, k)
				default:
					var p *int
					if r.IntN(2) == 0 {
						p = d.Get(k)
					} else {
						p = d.GetBytes([]byte(k))
					}
					mv, had := model[k]
					if (p != nil) != had || (had && (*p != mv || p != ptrs[k])) {
						t.Fatalf("Get(%q) = %p, model (%d, %v)", k, p, mv, had)
					}
				}
				if d.Len() != len(model) {
					t.Fatalf("Len = %d, model %d", d.Len(), len(model))
				}
				if r.IntN(50) == 0 {
					d.RehashStep(r.IntN(4))
				}
			}
			checkDict(t, d)
			sameContents(t, d, model)
			for k, p := range ptrs {
				if d.Key(p) != k {
					t.Fatalf("Key(ptr of %q) = %q", k, d.Key(p))
				}
			}
		}
		if seed%5 == 0 {
			d.Clear()
			clear(model)
			if d.Len() != 0 || d.Buckets() != 0 || d.Get("key:1") != nil {
				t.Fatalf("Clear left Len %d, Buckets %d", d.Len(), d.Buckets())
			}
			d.Set("again", 1)
			model["again"] = 1
			sameContents(t, d, model)
		}
	}
}

// scanRun performs one full SCAN iteration over a dict holding n keys that
// stay present throughout, while other keys are inserted and deleted between
// calls so that the table grows and shrinks through both resize directions,
// often with a rehash in progress at the time of a call. It reports how many
// calls found a grow and a shrink in progress.
func scanRun(t *testing.T, n int, seed uint64) (growing, shrinking int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	d := NewDict[int]()
	stay := make([]string, n)
	for i := range stay {
		stay[i] = "stay:" + strconv.Itoa(i)
		d.Set(stay[i], i)
	}
	seen := make([]bool, n)
	var others []string
	nextOther := 0
	// Oscillate the number of other keys between 0 and peak: a peak of 16x
	// the stable keys is enough for the drop back to zero to leave the table
	// below 10% fill, i.e. to force a shrink.
	peak := max(64, 16*n)
	// Big dicts take bigger SCAN COUNTs and bigger churn per call so that
	// the test stays within seconds while still going through a full grow
	// and shrink cycle during the iteration.
	countDiv, churnDiv := 50, 24
	if n > 10000 {
		peak, countDiv, churnDiv = 12*n, 20, 60
	}
	up := true
	calls := 0
	var cursor uint64
	for {
		if rh := d.t[1].b; rh != nil {
			if len(rh) > len(d.t[0].b) {
				growing++
			} else {
				shrinking++
			}
		}
		fn := func(k string, v *int) {
			if len(k) > 5 && k[:5] == "stay:" {
				if stay[*v] != k {
					t.Fatalf("key %q has value %d", k, *v)
				}
				seen[*v] = true
			}
			if d.Get(k) != v { // lookups are allowed inside the callback
				t.Fatalf("Get(%q) inside Scan callback disagrees", k)
			}
		}
		if r.IntN(2) == 0 {
			cursor = d.Scan(cursor, fn)
		} else {
			cursor = d.ScanN(cursor, 1+r.IntN(max(2, n/countDiv)), fn)
		}
		calls++
		if cursor == 0 {
			break
		}
		if calls > 200*(n+peak)+1000 {
			t.Fatalf("n=%d seed=%d: scan did not terminate after %d calls", n, seed, calls)
		}
		// Churn: move the number of other keys towards the current target.
		steps := 1 + r.IntN(max(2, peak/churnDiv))
		for range steps {
			if up {
				k := "other:" + strconv.Itoa(nextOther)
				nextOther++
				d.Set(k, -1)
				others = append(others, k)
				if len(others) >= peak {
					up = false
				}
			} else {
				if len(others) == 0 {
					up = true
					break
				}
				i := r.IntN(len(others))
				if _, ok := d.Delete(others[i]); !ok {
					t.Fatalf("other key %q vanished", others[i])
				}
				others[i] = others[len(others)-1]
				others = others[:len(others)-1]
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("n=%d seed=%d: key %q present throughout was never returned (%d calls)", n, seed, stay[i], calls)
		}
	}
	checkDict(t, d)
	return growing, shrinking
}

// TestDictScanGuarantee checks Redis's SCAN guarantee under heavy resizing.
func TestDictScanGuarantee(t *testing.T) {
	cases := []struct{ n, seeds int }{
		{0, 10}, {1, 50}, {2, 50}, {7, 50}, {100, 30}, {1000, 12}, {100000, 1},
	}
	if testing.Short() {
		cases = cases[:len(cases)-1]
	}
	for _, c := range cases {
		growing, shrinking := 0, 0
		for s := 1; s <= c.seeds; s++ {
			g, sh := scanRun(t, c.n, uint64(s))
			growing += g
			shrinking += sh
		}
		t.Logf("n=%d: %d calls during a grow, %d during a shrink", c.n, growing, shrinking)
		if c.n >= 100 && (growing == 0 || shrinking == 0) {
			t.Errorf("n=%d: the test did not exercise both rehash directions", c.n)
		}
	}
}

// TestDictScanResizePoints interrupts a scan after every possible number of
// calls with a burst of inserts (several grows) or deletes (a shrink), then
// leaves the resize at various stages of progress while the scan continues.
func TestDictScanResizePoints(t *testing.T) {
	const n, burst = 40, 1000
	for _, grow := range []bool{true, false} {
		for at := 0; ; at += 1 + at/16 { // every early point, then sparser
			completed := false
			for _, progress := range []int{0, 1, 3, 10, 1 << 20} {
				d := NewDict[int]()
				for i := range n {
					d.Set("stay:"+strconv.Itoa(i), i)
				}
				if !grow {
					for i := range burst {
						d.Set("x"+strconv.Itoa(i), -1)
					}
				}
				for d.RehashStep(100) {
				}
				seen := make([]bool, n)
				fn := func(_ string, v *int) {
					if *v >= 0 {
						seen[*v] = true
					}
				}
				var cursor uint64
				for c := 0; c <= at; c++ {
					if cursor = d.Scan(cursor, fn); cursor == 0 {
						break
					}
				}
				if cursor == 0 {
					completed = true
					break
				}
				for i := range burst {
					if grow {
						d.Set("x"+strconv.Itoa(i), -1)
					} else {
						d.Delete("x" + strconv.Itoa(i))
					}
				}
				d.RehashStep(progress)
				for cursor != 0 {
					cursor = d.Scan(cursor, fn)
					d.RehashStep(1)
				}
				for i, ok := range seen {
					if !ok {
						t.Fatalf("grow=%v at=%d progress=%d: key %d missed", grow, at, progress, i)
					}
				}
				checkDict(t, d)
			}
			if completed {
				break
			}
		}
	}
}

func TestDictScanEmpty(t *testing.T) {
	var d Dict[int]
	if c := d.Scan(0, func(string, *int) { t.Fatal("callback on empty dict") }); c != 0 {
		t.Fatalf("Scan on empty = %d", c)
	}
	if c := d.ScanN(12345, 10, func(string, *int) {}); c != 0 {
		t.Fatalf("ScanN on empty = %d", c)
	}
}

// TestDictPolicy checks the sizes Redis would pick: first table of 4, grow to
// the next power of two >= 2*used when full, shrink below 10% fill.
func TestDictPolicy(t *testing.T) {
	d := NewDict[int]()
	if d.Buckets() != 0 || d.MemoryOverhead() <= 0 {
		t.Fatalf("new dict: %d buckets, overhead %d", d.Buckets(), d.MemoryOverhead())
	}
	for i := range 4 {
		d.Set(strconv.Itoa(i), i)
	}
	if d.Buckets() != 4 || d.Rehashing() {
		t.Fatalf("4 keys: %d buckets, rehashing %v", d.Buckets(), d.Rehashing())
	}
	d.Set("4", 4)
	if !d.Rehashing() || len(d.t[1].b) != 8 {
		t.Fatalf("5th key: rehashing %v into %d buckets, want 8", d.Rehashing(), len(d.t[1].b))
	}
	for i := 5; i < 1000; i++ {
		d.Set(strconv.Itoa(i), i)
	}
	for d.RehashStep(1) {
	}
	if d.Buckets() != 1024 {
		t.Fatalf("1000 keys: %d buckets, want 1024", d.Buckets())
	}
	before := d.MemoryOverhead()
	for i := 50; i < 1000; i++ {
		d.Delete(strconv.Itoa(i))
	}
	for d.RehashStep(100) {
	}
	// The shrink started when 102 keys were left (< 10% of 1024), to the
	// smallest power of two holding them; 50 keys in 128 buckets is then
	// above 10% fill, so no further shrink.
	if d.Buckets() != 128 {
		t.Fatalf("50 keys: %d buckets, want 128", d.Buckets())
	}
	if after := d.MemoryOverhead(); after >= before {
		t.Fatalf("MemoryOverhead %d -> %d after deleting most keys", before, after)
	}
	for i := range 50 {
		d.Delete(strconv.Itoa(i))
	}
	for d.RehashStep(100) {
	}
	if d.Buckets() != minBuckets || d.Len() != 0 {
		t.Fatalf("empty: %d buckets, Len %d", d.Buckets(), d.Len())
	}
	checkDict(t, d)
}

// TestDictExpand checks size hints: an empty table takes its final size at
// once and fills without rehashing; a populated one starts a resize; a hint
// smaller than the table changes nothing.
func TestDictExpand(t *testing.T) {
	d := NewDict[int]()
	d.Expand(1000)
	if d.Buckets() != 1024 || d.Rehashing() {
		t.Fatalf("Expand(1000) on empty: %d buckets, rehashing %v", d.Buckets(), d.Rehashing())
	}
	for i := range 1000 {
		d.Set(strconv.Itoa(i), i)
		if d.Rehashing() {
			t.Fatalf("rehashing after %d inserts into a pre-sized table", i+1)
		}
	}
	d.Expand(10)
	if d.Buckets() != 1024 || d.Rehashing() {
		t.Fatalf("smaller hint: %d buckets, rehashing %v", d.Buckets(), d.Rehashing())
	}
	d.Expand(3000)
	if !d.Rehashing() || len(d.t[1].b) != 4096 {
		t.Fatalf("Expand(3000) on 1000 keys: rehashing %v into %d buckets", d.Rehashing(), len(d.t[1].b))
	}
	for d.RehashStep(100) {
	}
	for i := range 1000 {
		if p := d.Get(strconv.Itoa(i)); p == nil || *p != i {
			t.Fatalf("key %d lost across Expand", i)
		}
	}
	checkDict(t, d)
}

// TestDictRangeDeleteCurrent deletes the current key from inside Range,
// starting while a resize is in progress.
func TestDictRangeDeleteCurrent(t *testing.T) {
	d := NewDict[int]()
	const n = 10000
	for i := range n {
		d.Set(strconv.Itoa(i), i)
	}
	if !d.Rehashing() {
		// 10000 keys: the grow to 16384 started at key 8193 and cannot be done.
		t.Fatal("expected a rehash in progress")
	}
	visits := make([]int, n)
	d.Range(func(k string, v *int) bool {
		visits[*v]++
		if *v%20 != 0 {
			if old, ok := d.Delete(k); !ok || old != *v {
				t.Fatalf("Delete(%q) = %d, %v", k, old, ok)
			}
		} else {
			*v += n // update in place
		}
		return true
	})
	for i, c := range visits {
		if c != 1 {
			t.Fatalf("key %d visited %d times", i, c)
		}
	}
	if d.Len() != n/20 {
		t.Fatalf("Len = %d, want %d", d.Len(), n/20)
	}
	for i := range n {
		p := d.Get(strconv.Itoa(i))
		if (p != nil) != (i%20 == 0) || (p != nil && *p != i+n) {
			t.Fatalf("key %d after Range: %v", i, p)
		}
	}
	for d.RehashStep(100) {
	}
	checkDict(t, d) // the deferred shrink happened

	// Early stop.
	calls := 0
	d.Range(func(string, *int) bool { calls++; return calls < 3 })
	if calls != 3 {
		t.Fatalf("Range continued after false: %d calls", calls)
	}
}

func TestDictMutationInCallbackPanics(t *testing.T) {
	d := NewDict[int]()
	for i := range 100 {
		d.Set(strconv.Itoa(i), i)
	}
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Fatalf("%s did not panic", name)
			}
		}()
		f()
	}
	mustPanic("insert in Range", func() {
		d.Range(func(string, *int) bool { d.Set("new", 1); return true })
	})
	mustPanic("Clear in Scan", func() {
		for c := d.Scan(0, func(string, *int) { d.Clear() }); c != 0; {
			c = d.Scan(c, func(string, *int) { d.Clear() })
		}
	})
	if d.iters != 0 {
		t.Fatalf("iters = %d after panics", d.iters)
	}
	// Overwriting an existing key in place is fine.
	d.Range(func(k string, _ *int) bool { d.Set(k, 7); return true })
	checkDict(t, d)
}

// TestDictRandom checks that RandomKey and Sample return present elements
// and reach every element of a small dict, also on a very sparse table whose
// shrink is pending, and that Sample callbacks may delete the current key.
func TestDictRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rnd := r.Uint64N
	var empty Dict[int]
	if _, _, ok := empty.RandomKey(rnd); ok {
		t.Fatal("RandomKey on empty dict returned ok")
	}
	empty.Sample(5, rnd, func(string, *int) bool { t.Fatal("Sample on empty dict"); return true })

	cover := func(name string, d *Dict[int], keys []string) {
		t.Helper()
		want := map[string]bool{}
		for _, k := range keys {
			want[k] = true
		}
		hitsR, hitsS := map[string]int{}, map[string]int{}
		for range 200 * len(keys) {
			k, v, ok := d.RandomKey(rnd)
			if !ok || !want[k] || d.Get(k) != v {
				t.Fatalf("%s: RandomKey = %q, %v", name, k, ok)
			}
			hitsR[k]++
			got := 0
			d.Sample(3, rnd, func(k string, v *int) bool {
				got++
				if !want[k] || d.Get(k) != v {
					t.Fatalf("%s: Sample returned %q", name, k)
				}
				hitsS[k]++
				return true
			})
			if got > 3 {
				t.Fatalf("%s: Sample(3) returned %d", name, got)
			}
		}
		if len(hitsR) != len(keys) || len(hitsS) != len(keys) {
			t.Fatalf("%s: RandomKey reached %d, Sample %d of %d keys", name, len(hitsR), len(hitsS), len(keys))
		}
		lo, hi := 1<<30, 0
		for _, c := range hitsR {
			lo, hi = min(lo, c), max(hi, c)
		}
		t.Logf("%s: RandomKey hits per key in [%d, %d], mean %d", name, lo, hi, 200)
	}

	d := NewDict[int]()
	var keys []string
	for i := range 10 {
		keys = append(keys, "k"+strconv.Itoa(i))
		d.Set(keys[i], i)
	}
	cover("small", d, keys)

	d = NewDict[int]()
	for i := range 100 {
		d.Set("k"+strconv.Itoa(i), i)
	}
	for d.RehashStep(100) {
	}
	keys = keys[:0]
	for i := range 100 {
		keys = append(keys, "k"+strconv.Itoa(i))
	}
	cover("hundred", d, keys)

	// 5 keys left in 131072 buckets, shrink started but not advanced.
	d = NewDict[int]()
	const big = 100000
	for i := range big {
		d.Set("k"+strconv.Itoa(i), i)
	}
	for d.RehashStep(100) {
	}
	d.Range(func(k string, v *int) bool {
		if *v >= 5 {
			d.Delete(k)
		}
		return true
	})
	if !d.Rehashing() || len(d.t[0].b) != 131072 {
		t.Fatalf("expected a pending shrink of 131072 buckets, got %d, %v", len(d.t[0].b), d.Rehashing())
	}
	// On such a table the bounded sampling mostly fails and the fallback
	// (random probes, then a linear walk) answers: always an element, but
	// biased by the gaps between occupied buckets, so only validity is
	// checked here; coverage once the shrink is done.
	for range 1000 {
		k, v, ok := d.RandomKey(rnd)
		if !ok || d.Get(k) != v || *v >= 5 {
			t.Fatalf("sparse: RandomKey = %q, %v", k, ok)
		}
		got := 0
		d.Sample(3, rnd, func(k string, v *int) bool {
			got++
			if d.Get(k) != v || *v >= 5 {
				t.Fatalf("sparse: Sample returned %q", k)
			}
			return true
		})
		if got == 0 || got > 3 {
			t.Fatalf("sparse: Sample(3) returned %d elements", got)
		}
	}
	for d.RehashStep(100) {
	}
	cover("shrunk", d, keys[:5])

	// Expiry-style sampling: delete what is sampled.
	d = NewDict[int]()
	for i := range 1000 {
		d.Set("k"+strconv.Itoa(i), i)
	}
	for round := 0; d.Len() > 0; round++ {
		before, got := d.Len(), 0
		var deleted []string
		d.Sample(20, rnd, func(k string, _ *int) bool {
			got++
			if _, ok := d.Delete(k); !ok {
				t.Fatalf("sampled key %q not deletable (repeated within one call?)", k)
			}
			deleted = append(deleted, k)
			return true
		})
		if d.Len() != before-got {
			t.Fatalf("Len %d after deleting %d of %d", d.Len(), got, before)
		}
		for _, k := range deleted {
			if d.Get(k) != nil {
				t.Fatalf("deleted %q still present", k)
			}
		}
		if round > 100000 {
			t.Fatal("sampling never emptied the dict")
		}
	}
	checkDict(t, d)
}

// TestDictRandomFairness checks that RandomKey is not grossly biased.
func TestDictRandomFairness(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := NewDict[int]()
	const n, draws = 1000, 400000
	for i := range n {
		d.Set(strconv.Itoa(i), i)
	}
	hits := make([]int, n)
	for range draws {
		_, v, _ := d.RandomKey(r.Uint64N)
		hits[*v]++
	}
	sort.Ints(hits)
	mean := draws / n
	t.Logf("hits per key: min %d, median %d, max %d (mean %d)", hits[0], hits[n/2], hits[n-1], mean)
	// The sampled run spans a varying number of buckets (density varies
	// along the table), so per-key probabilities legitimately spread over
	// roughly [0.25, 2.7] x mean across seeds; only gross bias fails.
	if hits[0] < mean/8 || hits[n-1] > mean*8 {
		t.Fatalf("RandomKey distribution too skewed: min %d, max %d, mean %d", hits[0], hits[n-1], mean)
	}
}

func TestDictAllocations(t *testing.T) {
	d := NewDict[int]()
	keys := make([]string, 2000)
	bkeys := make([][]byte, len(keys))
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
		bkeys[i] = []byte(keys[i])
	}
	for _, k := range keys[:600] {
		d.Set(k, 1)
	}
	i := 0
	if a := testing.AllocsPerRun(1000, func() {
		// While rehashing too: the first calls run rehash steps.
		if d.GetBytes(bkeys[i%600]) == nil || d.GetBytes(bkeys[600+i%600]) != nil {
			t.Fatal("wrong GetBytes result")
		}
		i++
	}); a != 0 {
		t.Fatalf("GetBytes allocates %v times", a)
	}
	if a := testing.AllocsPerRun(100, func() { d.DeleteBytes(bkeys[1999]) }); a != 0 {
		t.Fatalf("DeleteBytes (miss) allocates %v times", a)
	}
	rnd := rand.New(rand.NewPCG(1, 1)).Uint64N
	if a := testing.AllocsPerRun(100, func() { d.RandomKey(rnd) }); a != 0 {
		t.Fatalf("RandomKey allocates %v times", a)
	}
	sum := 0
	visit := func(_ string, v *int) { sum += *v }
	var cursor uint64
	if a := testing.AllocsPerRun(100, func() {
		cursor = d.ScanN(cursor, 10, visit)
		cursor = d.Scan(cursor, visit)
		d.Range(func(_ string, v *int) bool { sum += *v; return true })
		d.Sample(5, rnd, func(_ string, v *int) bool { sum += *v; return true })
	}); a != 0 {
		t.Fatalf("Scan/ScanN/Range/Sample allocate %v times", a)
	}
	for d.RehashStep(100) {
	}
	// 600 keys in 1024 buckets: inserting up to 1024 keys never resizes.
	next := 600
	if a := testing.AllocsPerRun(400, func() {
		if _, added := d.Set(keys[next], 1); !added {
			t.Fatal("not added")
		}
		next++
	}); a != 1 {
		t.Fatalf("Set of a new key allocates %v times, want 1", a)
	}
}

func TestDictKeyAndZeroSizeValues(t *testing.T) {
	var d Dict[struct{}] // the zero value works
	for i := range 100 {
		k := strconv.Itoa(i)
		p, added := d.Set(k, struct{}{})
		if !added || d.Key(p) != k {
			t.Fatalf("Set(%q) = %v, Key %q", k, added, d.Key(p))
		}
	}
	for i := range 100 {
		k := strconv.Itoa(i)
		if p := d.Get(k); p == nil || d.Key(p) != k {
			t.Fatalf("Get(%q) = %p", k, p)
		}
	}
	checkDict(t, &d)
}

// FuzzDict interprets the input as a program of (opcode, key) byte pairs and
// checks every step against a Go map.
func FuzzDict(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 2, 1, 4, 2})
	f.Add([]byte("\x00a\x00b\x00c\x00d\x00e\x00f\x08\x00\x02a\x02b\x09\x00"))
	seq := make([]byte, 0, 600)
	for i := range 200 {
		seq = append(seq, 0, byte(i))
	}
	for i := range 190 {
		seq = append(seq, 2, byte(i))
	}
	f.Add(append(seq, 8, 0, 7, 0))
	f.Fuzz(fuzzBody)
}

// fuzzBody is FuzzDict's check of one program.
func fuzzBody(t *testing.T, prog []byte) {
	d := NewDict[int]()
	model := map[string]int{}
	rnd := rand.New(rand.NewPCG(uint64(len(prog)), 7)).Uint64N
	for i := 0; i+1 < len(prog); i += 2 {
		op, kb := prog[i]%12, prog[i+1]
		k := "k" + strconv.Itoa(int(kb))
		switch op {
		case 0:
			d.Set(k, i)
			model[k] = i
		case 1:
			p, added := d.Ref(k)
			if _, had := model[k]; had == added {
				t.Fatalf("Ref(%q) added=%v had=%v", k, added, had)
			}
			*p += i
			model[k] += i
		case 2, 3:
			var old int
			var ok bool
			if op == 2 {
				old, ok = d.Delete(k)
			} else {
				old, ok = d.DeleteBytes([]byte(k))
			}
			mv, had := model[k]
			if ok != had || old != mv {
				t.Fatalf("Delete(%q) = %d,%v; model %d,%v", k, old, ok, mv, had)
			}
			delete(model, k)
		case 4, 5:
			var p *int
			if op == 4 {
				p = d.Get(k)
			} else {
				p = d.GetBytes([]byte(k))
			}
			mv, had := model[k]
			if (p != nil) != had || (p != nil && *p != mv) {
				t.Fatalf("Get(%q) = %v; model %d,%v", k, p, mv, had)
			}
		case 6:
			d.RehashStep(int(kb % 8))
		case 7: // full scan, a few inserts between calls
			seen := map[string]bool{}
			present := make(map[string]bool, len(model))
			for mk := range model {
				present[mk] = true
			}
			var c uint64
			for j := 0; ; j++ {
				c = d.ScanN(c, int(kb%5), func(sk string, _ *int) { seen[sk] = true })
				if c == 0 {
					break
				}
				if j%3 == 0 {
					nk := "s" + strconv.Itoa(j)
					d.Set(nk, j)
					model[nk] = j
				}
			}
			for mk := range present {
				if !seen[mk] {
					t.Fatalf("scan missed %q", mk)
				}
			}
		case 8: // Range deleting keys selected by kb
			d.Range(func(rk string, v *int) bool {
				if (*v+int(kb))%3 == 0 {
					d.Delete(rk)
					delete(model, rk)
				}
				return true
			})
		case 9:
			if kb%16 == 0 {
				d.Clear()
				clear(model)
			}
		case 10:
			rk, v, ok := d.RandomKey(rnd)
			if mv, had := model[rk]; ok != (len(model) > 0) || (ok && (!had || *v != mv)) {
				t.Fatalf("RandomKey = %q,%v", rk, ok)
			}
		case 11:
			got := 0
			d.Sample(int(kb%20), rnd, func(sk string, v *int) bool {
				got++
				if mv, had := model[sk]; !had || *v != mv {
					t.Fatalf("Sample returned %q", sk)
				}
				return true
			})
			if got > int(kb%20) || got > len(model) {
				t.Fatalf("Sample(%d) returned %d of %d", kb%20, got, len(model))
			}
		}
		if d.Len() != len(model) {
			t.Fatalf("op %d: Len %d, model %d", i/2, d.Len(), len(model))
		}
	}
	checkDict(t, d)
	sameContents(t, d, model)
}

// Benchmarks. Keys are pre-built so the numbers measure the table only.

const benchKeys = 1 << 20

func benchKeySet() ([]string, [][]byte) {
	ks := make([]string, benchKeys)
	bs := make([][]byte, benchKeys)
	for i := range ks {
		ks[i] = "key:" + strconv.Itoa(i*7919)
		bs[i] = []byte(ks[i])
	}
	return ks, bs
}

// shuffled returns a random permutation of 0..n-1 so lookups hit the table
// in an order unrelated to insertion (realistic cache behaviour).
func shuffled(n int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	r := rand.New(rand.NewPCG(5, 5))
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// BenchmarkDictSet inserts new keys into a growing dict (rehash work
// included), starting over every 1M keys.
func BenchmarkDictSet(b *testing.B) {
	ks, _ := benchKeySet()
	d := NewDict[int64]()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i & (benchKeys - 1)
		if j == 0 && i > 0 {
			d = NewDict[int64]()
		}
		d.Set(ks[j], int64(i))
	}
}

// BenchmarkGoMapSet is BenchmarkDictSet for a Go map, for comparison.
func BenchmarkGoMapSet(b *testing.B) {
	ks, _ := benchKeySet()
	m := map[string]int64{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i & (benchKeys - 1)
		if j == 0 && i > 0 {
			m = map[string]int64{}
		}
		m[ks[j]] = int64(i)
	}
}

// BenchmarkDictGetBytes looks up random keys of a 1M-key dict.
func BenchmarkDictGetBytes(b *testing.B) {
	ks, bs := benchKeySet()
	d := NewDict[int64]()
	for i, k := range ks {
		d.Set(k, int64(i))
	}
	for d.RehashStep(1000) {
	}
	order := shuffled(benchKeys)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if d.GetBytes(bs[order[i&(benchKeys-1)]]) == nil {
			b.Fatal("miss")
		}
	}
}

// BenchmarkGoMapGet is BenchmarkDictGetBytes for a Go map (m[string(b)]
// does not allocate either).
func BenchmarkGoMapGet(b *testing.B) {
	ks, bs := benchKeySet()
	m := make(map[string]int64)
	for i, k := range ks {
		m[k] = int64(i)
	}
	order := shuffled(benchKeys)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := m[string(bs[order[i&(benchKeys-1)]])]; !ok {
			b.Fatal("miss")
		}
	}
}

// TestDictRefBytesCopiesKeys checks that keys inserted from byte slices are
// copied (inline for short keys, a clone for long ones), that finding an
// existing key through RefBytes allocates nothing, and that inserting a
// short key allocates exactly once (the node with the key inside it).
func TestDictRefBytesCopiesKeys(t *testing.T) {
	d := NewDict[[]byte]()
	for _, l := range []int{1, 7, 8, 9, 16, 20, 24, 40, 64, 100, 128, 129, 300} {
		k := bytes.Repeat([]byte{'k'}, l)
		k[0] = byte('a' + l%26)
		want := string(k)
		p, added := d.SetBytes(k, []byte("v"))
		if !added {
			t.Fatalf("len %d: not added", l)
		}
		for i := range k {
			k[i] = 'x' // the caller reuses its buffer
		}
		if got := d.Key(p); got != want {
			t.Fatalf("len %d: stored key %q changed with the caller's buffer", l, got)
		}
		if q := d.Get(want); q != p {
			t.Fatalf("len %d: Get finds %p, want %p", l, q, p)
		}
	}
	checkDict(t, d)
	existing := []byte("key:1")
	d.SetBytes(existing, nil)
	if a := testing.AllocsPerRun(100, func() { d.RefBytes(existing) }); a != 0 {
		t.Fatalf("RefBytes of an existing key allocates %v times", a)
	}
	for d.RehashStep(100) {
	}
	fresh := make([][]byte, 200)
	for i := range fresh {
		fresh[i] = []byte("field:" + strconv.Itoa(100000+i))
	}
	next := 0
	if a := testing.AllocsPerRun(100, func() {
		if _, added := d.RefBytes(fresh[next]); !added {
			t.Fatal("not added")
		}
		next++
	}); a != 1 { // AllocsPerRun floors: occasional bucket arrays do not count
		t.Fatalf("RefBytes of a new short key allocates %v times, want 1", a)
	}
}

// TestDictRefBytesSpare checks the inline value room: it follows the key in
// the node's one allocation, holds at least the bytes asked for, never
// overlaps the key, is offered only when it costs no memory, and is not
// offered for a key already present.
func TestDictRefBytesSpare(t *testing.T) {
	type entry struct { // the keyspace's Entry size: a slice and 32 bytes more
		str []byte
		_   [32]byte
	}
	d := NewDict[entry]()
	for _, c := range []struct{ key, spare int }{{1, 1}, {20, 2}, {16, 64}, {5, 100}, {20, 108}, {60, 80}, {20, 500}, {200, 4}} {
		k := bytes.Repeat([]byte{'k'}, c.key)
		k[0] = byte('A' + c.key%26)
		k[len(k)-1] = byte('a' + c.spare%26)
		val := bytes.Repeat([]byte{'v'}, c.spare)
		var p *entry
		var added bool
		var room []byte
		allocs := testing.AllocsPerRun(1, func() {
			d.Delete(string(k))
			p, added, room = d.RefBytesSpare(k, c.spare)
		})
		if !added {
			t.Fatalf("key %d spare %d: not added", c.key, c.spare)
		}
		if room == nil {
			// The keyspace's cases (a 20-byte key with a counter, a
			// 16-byte key with a 64-byte value) must get room.
			if c.key == 20 && c.spare == 2 || c.key == 16 && c.spare == 64 {
				t.Errorf("key %d spare %d: no room offered", c.key, c.spare)
			}
			continue
		}
		if c.key+c.spare > inlineCaps[len(inlineCaps)-1] {
			t.Fatalf("key %d spare %d: room offered past the largest shape", c.key, c.spare)
		}
		if allocs != 1 {
			t.Errorf("key %d spare %d: %v allocations, want 1 (node, key and room together)", c.key, c.spare, allocs)
		}
		if len(room) != 0 || cap(room) < c.spare {
			t.Fatalf("key %d spare %d: room len %d cap %d", c.key, c.spare, len(room), cap(room))
		}
		p.str = append(room, val...)
		if !bytes.Equal(p.str, val) || d.Key(p) != string(k) {
			t.Fatalf("key %d spare %d: key %q value %q after filling the room", c.key, c.spare, d.Key(p), p.str)
		}
		// Growing in place up to cap keeps the key intact.
		p.str = append(p.str, make([]byte, cap(p.str)-len(p.str))...)
		if d.Key(p) != string(k) {
			t.Fatalf("key %d spare %d: key clobbered by the value", c.key, c.spare)
		}
		if _, added, room := d.RefBytesSpare(k, c.spare); added || room != nil {
			t.Fatalf("key %d spare %d: present key re-added or given room", c.key, c.spare)
		}
	}
	checkDict(t, d)
}

// TestDictPrefetch: prefetching reads only, on an empty table, during a
// resize and with more keys than PrefetchMax, and changes nothing.
func TestDictPrefetch(t *testing.T) {
	d := NewDict[int]()
	if d.Prefetch([][]byte{[]byte("a")}) != 0 {
		t.Fatal("empty dict: prefetch touched a node")
	}
	var keys [][]byte
	for i := range 100 {
		k := []byte(strconv.Itoa(i))
		d.SetBytes(k, i)
		keys = append(keys, k)
	}
	if !d.Rehashing() {
		d.Expand(1000) // a resize in progress
	}
	before := d.Len()
	var sink uintptr
	for i := 0; i+3 <= len(keys); i++ {
		sink += d.Prefetch(keys[i : i+3])
	}
	sink += d.Prefetch(keys) // more than PrefetchMax: the first ones only
	if sink == 0 || d.Len() != before {
		t.Fatalf("sink %d, len %d -> %d", sink, before, d.Len())
	}
	checkDict(t, d)
}
