package encoding

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func intsetValues(t *testing.T, b []byte) []int64 {
	t.Helper()
	var got []int64
	if err := IntsetEach(b, func(v int64) error { got = append(got, v); return nil }); err != nil {
		t.Fatalf("IntsetEach: %v", err)
	}
	return got
}

func TestIntsetEncode(t *testing.T) {
	cases := []struct {
		vals  []int64
		width int
	}{
		{[]int64{1, 2, 3}, 2},
		{[]int64{math.MinInt16, 0, math.MaxInt16}, 2},
		{[]int64{math.MinInt16 - 1, 0}, 4},
		{[]int64{0, math.MaxInt16 + 1}, 4},
		{[]int64{math.MinInt32, math.MaxInt32}, 4},
		{[]int64{math.MinInt32 - 1}, 8},
		{[]int64{-5, math.MaxInt32 + 1}, 8},
		{[]int64{math.MinInt64, -1, 0, math.MaxInt64}, 8},
	}
	for _, c := range cases {
		b := IntsetEncode(c.vals)
		if w := int(le32(b)); w != c.width {
			t.Errorf("%v: width %d, want %d", c.vals, w, c.width)
		}
		if len(b) != 8+c.width*len(c.vals) {
			t.Errorf("%v: %d bytes", c.vals, len(b))
		}
		if got := intsetValues(t, b); !slices.Equal(got, c.vals) {
			t.Errorf("%v: decoded %v", c.vals, got)
		}
	}
	want := []byte{2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0, 0, 0x0c, 0}
	if b := IntsetEncode([]int64{-1, 0, 12}); !bytes.Equal(b, want) {
		t.Errorf("IntsetEncode(-1, 0, 12) = % x, want % x", b, want)
	}
}

func TestIntsetCorrupt(t *testing.T) {
	good := IntsetEncode([]int64{1, 2, 3})
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := map[string][]byte{
		"short header":    good[:7],
		"bad encoding 3":  mod(func(b []byte) []byte { b[0] = 3; return b }),
		"bad encoding 0":  mod(func(b []byte) []byte { b[0] = 0; return b }),
		"length too big":  mod(func(b []byte) []byte { b[4] = 4; return b }),
		"length too low":  mod(func(b []byte) []byte { b[4] = 2; return b }),
		"huge length":     mod(func(b []byte) []byte { b[7] = 0x80; return b }),
		"trailing byte":   mod(func(b []byte) []byte { return append(b, 0) }),
		"duplicate":       IntsetEncode([]int64{1, 1}),
		"descending":      IntsetEncode([]int64{2, 1}),
		"empty":           IntsetEncode(nil),
		"descending wide": IntsetEncode([]int64{math.MaxInt64, math.MinInt64}),
	}
	for name, b := range cases {
		err := IntsetEach(b, func(int64) error { return nil })
		if err == nil {
			t.Errorf("%s: IntsetEach accepted % x", name, b)
		} else if !strings.HasPrefix(err.Error(), "intset: ") {
			t.Errorf("%s: error %q lacks the intset: prefix", name, err)
		}
	}
	stop := errors.New("stop")
	if err := IntsetEach(good, func(int64) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
