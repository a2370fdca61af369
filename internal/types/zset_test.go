package types

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

// TestZSetMatchesModel runs random adds, updates and removals against a
// sorted slice model in both encodings and checks order, ranks, scores and
// prefix counts.
func TestZSetMatchesModel(t *testing.T) {
	for _, maxEntries := range []int{1 << 30, 8} {
		r := rand.New(rand.NewPCG(1, uint64(maxEntries)))
		z := NewZSet()
		model := map[string]float64{}
		for step := 0; step < 5000; step++ {
			m := fmt.Sprintf("m%d", r.IntN(300))
			switch r.IntN(4) {
			case 0, 1:
				s := float64(r.IntN(50))
				if old, had := model[m]; had && r.IntN(2) == 0 {
					// The path ZADD takes for an existing member.
					z.Update([]byte(m), old, s)
					model[m] = s
					continue
				}
				_, had := model[m]
				if added := z.Add([]byte(m), s, maxEntries, 64); added == had {
					t.Fatalf("Add(%s) added=%v, model had=%v", m, added, had)
				}
				model[m] = s
			case 2:
				_, had := model[m]
				if z.Remove([]byte(m)) != had {
					t.Fatalf("Remove(%s) mismatch", m)
				}
				delete(model, m)
			case 3:
				if step%100 != 0 {
					continue
				}
				checkZSet(t, z, model)
			}
		}
		checkZSet(t, z, model)
		if maxEntries == 8 && z.Encoding() != "skiplist" {
			t.Fatal("never converted")
		}
	}
}

func checkZSet(t *testing.T, z *ZSet, model map[string]float64) {
	t.Helper()
	type pair struct {
		m string
		s float64
	}
	var want []pair
	for m, s := range model {
		want = append(want, pair{m, s})
	}
	sort.Slice(want, func(i, j int) bool { return before(want[i].s, want[i].m, want[j].s, want[j].m) })
	if z.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", z.Len(), len(want))
	}
	i := 0
	z.Iterate(0, false, func(m string, s float64) bool {
		if m != want[i].m || s != want[i].s {
			t.Fatalf("element %d = %s/%v, want %s/%v", i, m, s, want[i].m, want[i].s)
		}
		i++
		return true
	})
	for k, p := range want {
		if r, ok := z.Rank([]byte(p.m)); !ok || r != k {
			t.Fatalf("Rank(%s) = %d, %v; want %d", p.m, r, ok, k)
		}
		got := ""
		z.Iterate(len(want)-1-k, true, func(m string, _ float64) bool { got = m; return false })
		if got != p.m {
			t.Fatalf("reverse rank %d = %s, want %s", len(want)-1-k, got, p.m)
		}
	}
	for _, bound := range []float64{-1, 10, 25.5, 49, 100} {
		n := z.CountBefore(func(s float64, _ string) bool { return s < bound })
		c := 0
		for _, p := range want {
			if p.s < bound {
				c++
			}
		}
		if n != c {
			t.Fatalf("CountBefore(<%v) = %d, want %d", bound, n, c)
		}
	}
}
