package types

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"
)

// refStream is the reference model: a plain sorted slice of entries.
type refStream struct{ entries []StreamEntry }

func (r *refStream) rangeOf(start, end StreamID, rev bool, count int) []StreamEntry {
	var out []StreamEntry
	for _, e := range r.entries {
		if !e.ID.Less(start) && !end.Less(e.ID) {
			out = append(out, e)
		}
	}
	if rev {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	if count > 0 && len(out) > count {
		out = out[:count]
	}
	return out
}

func (r *refStream) del(id StreamID) bool {
	for i, e := range r.entries {
		if e.ID == id {
			r.entries = append(r.entries[:i], r.entries[i+1:]...)
			return true
		}
	}
	return false
}

func collect(s *Stream, start, end StreamID, rev bool, count int) []StreamEntry {
	var out []StreamEntry
	s.Range(start, end, rev, func(id StreamID, f [][]byte) bool {
		cp := make([][]byte, len(f))
		for i := range f {
			cp[i] = append([]byte(nil), f[i]...)
		}
		out = append(out, StreamEntry{ID: id, Fields: cp})
		return count == 0 || len(out) < count
	})
	return out
}

func sameEntries(t *testing.T, what string, got, want []StreamEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID || len(got[i].Fields) != len(want[i].Fields) {
			t.Fatalf("%s: entry %d is %v (%d fields), want %v (%d fields)", what, i, got[i].ID, len(got[i].Fields), want[i].ID, len(want[i].Fields))
		}
		for j := range got[i].Fields {
			if !bytes.Equal(got[i].Fields[j], want[i].Fields[j]) {
				t.Fatalf("%s: entry %v field %d = %q, want %q", what, got[i].ID, j, got[i].Fields[j], want[i].Fields[j])
			}
		}
	}
}

func TestStreamModel(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewSource(seed))
		s := NewStream()
		ref := &refStream{}
		lim := NodeLimits{MaxEntries: 1 + rng.Intn(8), MaxBytes: 64 + rng.Intn(256)}
		var last StreamID
		randID := func() StreamID {
			if len(ref.entries) == 0 || rng.Intn(4) == 0 {
				return StreamID{uint64(rng.Intn(int(last.Ms) + 5)), uint64(rng.Intn(4))}
			}
			return ref.entries[rng.Intn(len(ref.entries))].ID
		}
		for op := 0; op < 3000; op++ {
			switch k := rng.Intn(10); {
			case k < 5:
				id := StreamID{last.Ms + uint64(rng.Intn(3)), 0}
				if id.Ms == last.Ms {
					id.Seq = last.Seq + 1 + uint64(rng.Intn(2))
				}
				n := 1 + rng.Intn(4)
				fixed := rng.Intn(2) == 0 // same names entry after entry: the shared-names form
				if fixed {
					n = 2
				}
				f := make([][]byte, 0, 2*n)
				for i := 0; i < n; i++ {
					name := []byte(fmt.Sprintf("f%d", rng.Intn(3)))
					if fixed {
						name = []byte(fmt.Sprintf("name%d", i))
					}
					f = append(f, name, bytes.Repeat([]byte{'v'}, rng.Intn(40)))
				}
				s.Append(id, f, lim)
				ref.entries = append(ref.entries, StreamEntry{ID: id, Fields: f})
				last = id
			case k < 7:
				id := randID()
				if got, want := s.Delete(id), ref.del(id); got != want {
					t.Fatalf("seed %d: Delete(%v) = %v, want %v", seed, id, got, want)
				}
			case k < 8:
				a := TrimArgs{Approx: false}
				if rng.Intn(2) == 0 {
					a.MaxLen = int64(rng.Intn(len(ref.entries) + 2))
					n := s.Trim(a)
					drop := len(ref.entries) - int(a.MaxLen)
					if drop < 0 {
						drop = 0
					}
					if int(n) != drop {
						t.Fatalf("seed %d: Trim MAXLEN %d removed %d, want %d", seed, a.MaxLen, n, drop)
					}
					ref.entries = ref.entries[drop:]
				} else {
					a.ByMinID, a.MinID = true, randID()
					n := s.Trim(a)
					i := sort.Search(len(ref.entries), func(i int) bool { return !ref.entries[i].ID.Less(a.MinID) })
					if int(n) != i {
						t.Fatalf("seed %d: Trim MINID %v removed %d, want %d", seed, a.MinID, n, i)
					}
					ref.entries = ref.entries[i:]
				}
			default:
				a, b := randID(), randID()
				if b.Less(a) {
					a, b = b, a
				}
				count := rng.Intn(5)
				rev := rng.Intn(2) == 0
				sameEntries(t, fmt.Sprintf("seed %d range %v..%v rev=%v count=%d", seed, a, b, rev, count),
					collect(s, a, b, rev, count), ref.rangeOf(a, b, rev, count))
			}
			if s.Len() != len(ref.entries) {
				t.Fatalf("seed %d op %d: Len %d, want %d", seed, op, s.Len(), len(ref.entries))
			}
		}
		sameEntries(t, "full", collect(s, StreamID{}, MaxStreamID, false, 0), ref.entries)
		sameEntries(t, "clone", collect(s.Clone().(*Stream), StreamID{}, MaxStreamID, false, 0), ref.entries)
		var fromNodes []StreamEntry
		s.Nodes(func(e []StreamEntry) { fromNodes = append(fromNodes, e...) })
		sameEntries(t, "nodes", fromNodes, ref.entries)
		if len(ref.entries) > 0 {
			if s.FirstID() != ref.entries[0].ID || s.LastLiveID() != ref.entries[len(ref.entries)-1].ID {
				t.Fatalf("seed %d: edges %v %v", seed, s.FirstID(), s.LastLiveID())
			}
		}
	}
}

func TestStreamSharedFieldNames(t *testing.T) {
	s := NewStream()
	for i := 1; i <= 50; i++ {
		s.Append(StreamID{uint64(i), 0}, [][]byte{[]byte("user"), []byte(fmt.Sprint(i)), []byte("n"), []byte("x")}, NodeLimits{MaxEntries: 100})
	}
	s.Delete(StreamID{1, 0}) // the entry holding the names goes; the names stay readable
	got := collect(s, StreamID{}, MaxStreamID, true, 0)
	if len(got) != 49 || string(got[48].Fields[0]) != "user" || string(got[48].Fields[1]) != "2" {
		t.Fatalf("got %d entries, last %q", len(got), got[len(got)-1].Fields)
	}
	// Field names are stored once: well under 2 names' worth per entry.
	if n := len(s.nodes[0].buf); n > 50*12 {
		t.Fatalf("node of %d bytes for 50 small entries", n)
	}
}

func TestStreamApproxTrimRemovesWholeNodes(t *testing.T) {
	s := NewStream()
	for i := 1; i <= 25; i++ {
		s.Append(StreamID{uint64(i), 0}, [][]byte{[]byte("a"), []byte("b")}, NodeLimits{MaxEntries: 10})
	}
	if n := s.Trim(TrimArgs{MaxLen: 12, Approx: true}); n != 10 || s.Len() != 15 {
		t.Fatalf("approx trim removed %d, len %d; want 10, 15", n, s.Len())
	}
	if n := s.Trim(TrimArgs{MaxLen: 12, Approx: true, Limit: 5}); n != 0 {
		t.Fatalf("limited approx trim removed %d", n)
	}
	if n := s.Trim(TrimArgs{MaxLen: 12}); n != 3 || s.FirstID() != (StreamID{14, 0}) {
		t.Fatalf("exact trim removed %d, first %v", n, s.FirstID())
	}
}

func TestStreamIDArithmetic(t *testing.T) {
	if _, ok := MaxStreamID.Next(); ok {
		t.Fatal("max ID has a successor")
	}
	if _, ok := (StreamID{}).Prev(); ok {
		t.Fatal("0-0 has a predecessor")
	}
	if n, _ := (StreamID{1, math.MaxUint64}).Next(); n != (StreamID{2, 0}) {
		t.Fatalf("Next carries into ms: %v", n)
	}
	if p, _ := (StreamID{2, 0}).Prev(); p != (StreamID{1, math.MaxUint64}) {
		t.Fatalf("Prev borrows from ms: %v", p)
	}
	if s := (StreamID{5, 7}).String(); s != "5-7" {
		t.Fatal(s)
	}
}

func TestStreamGroupPEL(t *testing.T) {
	s := NewStream()
	g := s.CreateGroup("g", StreamID{}, 0)
	if s.CreateGroup("g", StreamID{}, 0) != nil {
		t.Fatal("duplicate group created")
	}
	a := g.CreateConsumer("a", 1)
	b := g.CreateConsumer("b", 1)
	for i := 5; i >= 1; i-- {
		g.AddPending(StreamID{uint64(i), 0}, a, 10, 1)
	}
	if len(g.Pending()) != 5 || g.Pending()[0].ID != (StreamID{1, 0}) {
		t.Fatal("group PEL not sorted")
	}
	g.SetOwner(g.FindPending(StreamID{3, 0}), b)
	if len(a.Pending()) != 4 || len(b.Pending()) != 1 {
		t.Fatal("owner change not reflected in consumer PELs")
	}
	if !g.Ack(StreamID{3, 0}) || g.Ack(StreamID{3, 0}) || len(b.Pending()) != 0 {
		t.Fatal("ack")
	}
	if n := g.DeleteConsumer("a"); n != 4 || len(g.Pending()) != 0 {
		t.Fatalf("delete consumer: %d pending, group PEL %d", n, len(g.Pending()))
	}
	c := s.Clone().(*Stream)
	if c.Group("g") == nil || c.Group("g") == g {
		t.Fatal("clone shares groups")
	}
}

func TestStreamEntriesRead(t *testing.T) {
	s := NewStream()
	for i := 1; i <= 5; i++ {
		s.Append(StreamID{uint64(i), 0}, [][]byte{[]byte("f"), []byte("v")}, NodeLimits{})
	}
	if n := s.EntriesReadFor(StreamID{5, 0}); n != 5 {
		t.Fatalf("last: %d", n)
	}
	if n := s.EntriesReadFor(StreamID{1, 0}); n != 1 {
		t.Fatalf("first: %d", n)
	}
	if n := s.EntriesReadFor(StreamID{0, 5}); n != 0 {
		t.Fatalf("before first: %d", n)
	}
	if n := s.EntriesReadFor(StreamID{3, 0}); n != InvalidEntriesRead {
		t.Fatalf("middle: %d", n)
	}
	g := s.CreateGroup("g", StreamID{2, 0}, 2)
	if lag, ok := s.Lag(g); !ok || lag != 3 {
		t.Fatalf("lag %d %v", lag, ok)
	}
	s.Delete(StreamID{4, 0})
	s.MaxDeletedID = StreamID{4, 0}
	if _, ok := s.Lag(g); ok {
		t.Fatal("lag known across a tombstone")
	}
}
