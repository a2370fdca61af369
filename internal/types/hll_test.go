package types

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// addAll adds elements to an HLL, failing the test on errors.
func addAll(t *testing.T, b []byte, sparseMax int, elems ...string) []byte {
	t.Helper()
	for _, e := range elems {
		var err error
		if b, _, err = HLLAdd(b, []byte(e), sparseMax); err != nil {
			t.Fatalf("add %q: %v", e, err)
		}
	}
	return b
}

// TestHLLMatchesRedisBytes checks values against bytes captured from
// redis-server 7.0.15: PFADD h a b c (sparse), and PFADD d 0..19999
// followed by PFCOUNT (dense, cached cardinality 19891).
func TestHLLMatchesRedisBytes(t *testing.T) {
	h := addAll(t, NewHLL(), 3000, "a", "b", "c")
	HLLInvalidateCache(h)
	if got, want := hex.EncodeToString(h), "48594c4c01000000000000000000008060f38050b1844bfb80425a"; got != want {
		t.Fatalf("sparse bytes\n got  %s\n want %s", got, want)
	}
	d := NewHLL()
	for i := 0; i < 20000; i++ {
		d = addAll(t, d, 3000, strconv.Itoa(i))
	}
	card, err := HLLCount(d)
	if err != nil || card != 19891 {
		t.Fatalf("count = %d, %v; want 19891", card, err)
	}
	HLLSetCachedCount(d, card)
	sum := sha256.Sum256(d)
	if got, want := hex.EncodeToString(sum[:]), "a6e72e9a6cbb19d903126e72ed8ced1a0777787e8c85898ea8d78eacf90980ab"; len(d) != HLLDenseSize || got != want {
		t.Fatalf("dense value: len %d sha256 %s, want %d %s", len(d), got, HLLDenseSize, want)
	}
}

func TestHLLNewAndDecode(t *testing.T) {
	h := NewHLL()
	if !IsHLL(h) || h[4] != HLLSparse || len(h) != 18 {
		t.Fatalf("new HLL %x", h)
	}
	if got := HLLDecode(h); got != "Z:16384" {
		t.Fatalf("decode %q", got)
	}
	if c, ok := HLLCachedCount(h); !ok || c != 0 {
		t.Fatalf("cache %d %v", c, ok)
	}
	if n, err := HLLCount(h); err != nil || n != 0 {
		t.Fatalf("count %d %v", n, err)
	}
	h, changed, err := HLLRaise(h, 100, 3, 3000)
	if err != nil || !changed {
		t.Fatal(changed, err)
	}
	if got := HLLDecode(h); got != "Z:100 v:3,1 Z:16283" {
		t.Fatalf("decode %q", got)
	}
	h, _, _ = HLLRaise(h, 101, 3, 3000)
	h, _, _ = HLLRaise(h, 0, 1, 3000)
	if got := HLLDecode(h); got != "v:1,1 Z:99 v:3,2 Z:16282" {
		t.Fatalf("decode %q", got)
	}
	if _, ok := HLLCachedCount(h); ok {
		t.Fatal("cache still valid after a change")
	}
}

func TestHLLIsHLL(t *testing.T) {
	d, _ := HLLToDense(NewHLL())
	for _, c := range []struct {
		v    []byte
		want bool
	}{
		{NewHLL(), true},
		{d, true},
		{d[:len(d)-1], false},
		{[]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false},
		{[]byte("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false},
		{[]byte("HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), false},
		{[]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), true}, // header only: decoding fails later
	} {
		if got := IsHLL(c.v); got != c.want {
			t.Errorf("IsHLL(%q) = %v", c.v[:min(len(c.v), 20)], got)
		}
	}
}

// TestHLLRegisters checks the 6-bit accessors against a byte array.
func TestHLLRegisters(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	regs := make([]byte, HLLDenseSize-HLLHeaderSize)
	var want [HLLRegisters]uint8
	for round := 0; round < 20; round++ {
		for i := range want {
			want[i] = uint8(r.IntN(64))
			HLLDenseSet(regs, i, want[i])
		}
		for i := range want {
			if got := HLLDenseGet(regs, i); got != want[i] {
				t.Fatalf("register %d = %d, want %d", i, got, want[i])
			}
		}
	}
}

// TestHLLSparseDenseAgree feeds the same elements to a sparse and a
// dense HLL and checks that converting the sparse one gives the same
// registers, and both estimate the same cardinality.
func TestHLLSparseDenseAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 10, 100, 1000, 5000} {
		sparse := NewHLL()
		dense, _ := HLLToDense(NewHLL())
		for i := 0; i < n; i++ {
			e := []byte(strconv.FormatUint(r.Uint64(), 36))
			var err error
			if sparse, _, err = HLLAdd(sparse, e, 1<<30); err != nil {
				t.Fatal(err)
			}
			dense, _, _ = HLLAdd(dense, e, 1<<30)
		}
		if sparse[4] != HLLSparse {
			t.Fatalf("n=%d: sparse value turned dense", n)
		}
		conv, err := HLLToDense(sparse)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(conv[HLLHeaderSize:], dense[HLLHeaderSize:]) {
			t.Fatalf("n=%d: registers differ after conversion", n)
		}
		sc, err1 := HLLCount(sparse)
		dc, err2 := HLLCount(dense)
		if err1 != nil || err2 != nil || sc != dc {
			t.Fatalf("n=%d: sparse %d (%v) dense %d (%v)", n, sc, err1, dc, err2)
		}
		var max [HLLRegisters]uint8
		if err := HLLMergeMax(&max, sparse); err != nil {
			t.Fatal(err)
		}
		if got := HLLCountRegisters(&max); got != dc {
			t.Fatalf("n=%d: merged count %d, want %d", n, got, dc)
		}
	}
}

// TestHLLPromotion checks the switch to dense at hll-sparse-max-bytes
// and for values a VAL opcode cannot hold.
func TestHLLPromotion(t *testing.T) {
	h := NewHLL()
	for i := 0; h[4] == HLLSparse; i++ {
		h = addAll(t, h, 200, strconv.Itoa(i))
		if h[4] == HLLSparse && len(h) > 200 {
			t.Fatalf("sparse value of %d bytes past the 200 limit", len(h))
		}
	}
	if len(h) != HLLDenseSize {
		t.Fatalf("dense size %d", len(h))
	}
	h, changed, err := HLLRaise(NewHLL(), 5, 33, 3000)
	if err != nil || !changed || h[4] != HLLDense || HLLDenseGet(h[HLLHeaderSize:], 5) != 33 {
		t.Fatalf("raise to 33: %v %v enc %d", changed, err, h[4])
	}
}

// TestHLLEstimate checks the estimate against exact counts, within 3%
// (the standard error is 0.81%).
func TestHLLEstimate(t *testing.T) {
	h := NewHLL()
	next := 0
	for _, n := range []int{10, 100, 1000, 10000, 100000, 1000000} {
		for ; next < n; next++ {
			h, _, _ = HLLAdd(h, []byte("element:"+strconv.Itoa(next)), 3000)
		}
		c, err := HLLCount(h)
		if err != nil {
			t.Fatal(err)
		}
		if diff := math.Abs(float64(c) - float64(n)); diff > 0.03*float64(n)+1 {
			t.Errorf("n=%d: estimate %d", n, c)
		}
	}
}

// TestHLLCorrupted checks that invalid sparse values are reported, never
// read or written out of bounds.
func TestHLLCorrupted(t *testing.T) {
	hdr := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	cat := func(parts ...[]byte) []byte { return bytes.Join(append([][]byte{hdr}, parts...), nil) }
	bad := [][]byte{
		cat(),                                      // no registers
		cat([]byte{0x7f, 0xff, 0x00}),              // one register too many
		cat([]byte{0x7f, 0xfe}),                    // one too few
		cat([]byte{0x7f, 0xff, 0xff}),              // a VAL past the end
		cat([]byte{0x7f}),                          // truncated XZERO
		cat(bytes.Repeat([]byte{0x7f, 0xff}, 300)), // runs far past the end
	}
	for _, b := range bad {
		if _, err := HLLCount(b); !errors.Is(err, ErrHLLInvalid) {
			t.Errorf("count %x: %v", b, err)
		}
		var max [HLLRegisters]uint8
		if err := HLLMergeMax(&max, b); !errors.Is(err, ErrHLLInvalid) {
			t.Errorf("merge %x: %v", b, err)
		}
		if _, err := HLLToDense(b); !errors.Is(err, ErrHLLInvalid) {
			t.Errorf("todense %x: %v", b, err)
		}
		_ = HLLDecode(b)
	}
	// Random damage: nothing may panic.
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 2000; round++ {
		h := NewHLL()
		for i := r.IntN(300); i > 0; i-- {
			h, _, _ = HLLAdd(h, []byte(strconv.Itoa(r.Int())), 3000)
		}
		for i := r.IntN(4); i >= 0; i-- {
			h[HLLHeaderSize+r.IntN(len(h)-HLLHeaderSize)] = byte(r.Uint32())
		}
		if r.IntN(5) == 0 {
			h = append(h, byte(r.Uint32()))
		}
		if h[4] != HLLSparse {
			continue
		}
		_, _ = HLLCount(h)
		_ = HLLDecode(h)
		var max [HLLRegisters]uint8
		_ = HLLMergeMax(&max, h)
		for i := 0; i < 20; i++ {
			var err error
			if h, _, err = HLLAdd(h, []byte(strconv.Itoa(r.Int())), 3000); err != nil {
				break
			}
		}
	}
}

func TestHLLSelfTest(t *testing.T) {
	if testing.Short() {
		t.Skip("ten million additions")
	}
	r := rand.New(rand.NewPCG(7, 8))
	if err := HLLSelfTest(r.Uint64, 3000); err != nil {
		t.Fatal(err)
	}
}

func TestHash64(t *testing.T) {
	// Every tail length, against the block path: hashes must differ and
	// be stable (values pinned by TestHLLMatchesRedisBytes).
	seen := map[uint64]bool{}
	for n := 0; n <= 17; n++ {
		h := Hash64(bytes.Repeat([]byte{'x'}, n), hllSeed)
		if seen[h] {
			t.Fatalf("collision at length %d", n)
		}
		seen[h] = true
	}
}
