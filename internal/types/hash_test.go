package types

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestHashMatchesModel drives a hash with random sets (values of lengths on
// both sides of the one-byte length prefix, so overwrites grow and shrink
// pairs in the middle of the compact buffer), deletes and multi-field
// reservations, in the compact form and across the conversion, and checks
// every field against a map.
func TestHashMatchesModel(t *testing.T) {
	for _, maxEntries := range []int{1 << 30, 20} {
		r := rand.New(rand.NewPCG(7, uint64(maxEntries)))
		h := NewHash()
		model := map[string][]byte{}
		for step := 0; step < 20000; step++ {
			f := []byte(fmt.Sprintf("f%d", r.IntN(40)))
			switch r.IntN(5) {
			case 0, 1, 2:
				v := bytes.Repeat([]byte{byte('a' + r.IntN(26))}, r.IntN(200))
				if h.IsCompact() && r.IntN(4) == 0 {
					h.Grow(HashPairSize(f, v))
				}
				_, had := model[string(f)]
				if added := h.Set(f, v, maxEntries, 1000); added == had {
					t.Fatalf("step %d: Set(%s) added=%v, model had=%v", step, f, added, had)
				}
				model[string(f)] = v
			case 3:
				_, had := model[string(f)]
				if h.Delete(f) != had {
					t.Fatalf("step %d: Delete(%s) mismatch", step, f)
				}
				delete(model, string(f))
			case 4:
				got, ok := h.Get(f)
				want, had := model[string(f)]
				if ok != had || !bytes.Equal(got, want) {
					t.Fatalf("step %d: Get(%s) = %q %v, want %q %v", step, f, got, ok, want, had)
				}
			}
		}
		if h.Len() != len(model) {
			t.Fatalf("Len = %d, want %d", h.Len(), len(model))
		}
		seen := 0
		h.ForEach(func(f, v []byte) bool {
			if want, ok := model[string(f)]; !ok || !bytes.Equal(v, want) {
				t.Fatalf("ForEach %s = %q, want %q", f, v, want)
			}
			seen++
			return true
		})
		if seen != len(model) {
			t.Fatalf("ForEach saw %d fields, want %d", seen, len(model))
		}
		if maxEntries == 20 && h.IsCompact() {
			t.Fatal("never converted")
		}
	}
}
