package keyspace

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSnapshotPointInTime interleaves snapshot steps with random writes
// (overwrites, deletes, in-place changes after Preserve, new keys, renames,
// flushes of another database) while tables grow, shrink and rehash, and
// checks that what the snapshot saw (walked plus preserved) is exactly the
// dataset at its start, each key once, with its value at the start.
func TestSnapshotPointInTime(t *testing.T) {
	for seed := uint64(0); seed < 40; seed++ {
		rnd := rand.New(rand.NewPCG(seed, 7))
		ks := New(2)
		db := ks.DB(0)
		n := 500 + rnd.IntN(5000)
		for i := 0; i < n; i++ {
			db.Set([]byte(fmt.Sprint("k", i)), str(fmt.Sprint("v", i)))
		}
		// Start in the middle of a resize sometimes.
		for i := 0; i < rnd.IntN(3)*n/2; i++ {
			db.Set([]byte(fmt.Sprint("grow", i)), str("g"))
		}
		want := map[string]string{}
		db.Range(func(k string, e *Entry) bool { want[k] = string(e.Str); return true })

		seen := map[string]string{}
		record := func(k string, e *Entry) {
			if _, dup := seen[k]; dup {
				t.Fatalf("seed %d: %s written twice", seed, k)
			}
			seen[k] = string(e.Str)
		}
		snap := ks.BeginSnapshot(func(dbi int, k string, e *Entry) {
			if dbi == 0 {
				record(k, e)
			}
		})
		cursor := uint64(0)
		next := 0
		for {
			cursor = snap.Walk(0, cursor, 1+rnd.IntN(40), record)
			for w := rnd.IntN(60); w > 0; w-- {
				k := []byte(fmt.Sprint("k", rnd.IntN(n)))
				switch rnd.IntN(6) {
				case 0:
					db.Set(k, str("changed"))
				case 1:
					db.Delete(k)
				case 2:
					if e := db.Peek(k); e != nil {
						db.Preserve(k)
						e.Str = []byte("in-place")
					}
				case 3:
					db.Set([]byte(fmt.Sprint("new", next)), str("new"))
					next++
				case 4:
					if e := db.Peek(k); e != nil {
						db.Rename(k, []byte(fmt.Sprint("renamed", next)), *e)
						next++
					}
				case 5:
					db.RehashStep(1)
				}
			}
			if cursor == 0 {
				break
			}
		}
		snap.End()
		if len(seen) != len(want) {
			t.Errorf("seed %d: snapshot has %d keys, dataset had %d", seed, len(seen), len(want))
		}
		for k, v := range want {
			if got, ok := seen[k]; !ok {
				t.Errorf("seed %d: %s missing", seed, k)
			} else if got != v {
				t.Errorf("seed %d: %s = %q, want %q", seed, k, got, v)
			}
		}
	}
}
