package encoding

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// lpEntry is one decoded listpack entry, for comparisons.
type lpEntry struct {
	s     string
	n     int64
	isInt bool
}

func (e lpEntry) String() string {
	if e.isInt {
		return strconv.FormatInt(e.n, 10)
	}
	if len(e.s) > 20 {
		return strconv.Quote(e.s[:20]) + "...(" + strconv.Itoa(len(e.s)) + " bytes)"
	}
	return strconv.Quote(e.s)
}

func listpackEntries(t *testing.T, lp []byte) []lpEntry {
	t.Helper()
	var got []lpEntry
	err := ListpackEach(lp, func(s []byte, n int64, isInt bool) error {
		got = append(got, lpEntry{string(s), n, isInt})
		return nil
	})
	if err != nil {
		t.Fatalf("ListpackEach: %v", err)
	}
	return got
}

func TestListpackKnownBytes(t *testing.T) {
	b := NewListpackBuilder(0)
	b.Append([]byte("a"))
	b.Append([]byte("1"))
	b.AppendInt(-1)
	b.AppendInt(1000)
	lp := b.Bytes()
	want := []byte{
		23, 0, 0, 0, 4, 0, // total bytes, count
		0x81, 'a', 2, // 6-bit string
		0x01, 1, // 7-bit uint
		0xdf, 0xff, 2, // 13-bit int -1
		0xc3, 0xe8, 2, // 13-bit int 1000
		0xff,
	}
	binary.LittleEndian.PutUint32(want, uint32(len(want)))
	if !bytes.Equal(lp, want) {
		t.Fatalf("got  % x\nwant % x", lp, want)
	}
	if b.Len() != 4 {
		t.Fatalf("Len = %d, want 4", b.Len())
	}
}

func TestListpackIntEncodings(t *testing.T) {
	cases := []struct {
		n    int64
		size int // encoding + data bytes
	}{
		{0, 1}, {127, 1}, {128, 2}, {-1, 2}, {4095, 2}, {-4096, 2},
		{4096, 3}, {-4097, 3}, {32767, 3}, {-32768, 3},
		{32768, 4}, {-32769, 4}, {8388607, 4}, {-8388608, 4},
		{8388608, 5}, {-8388609, 5}, {math.MaxInt32, 5}, {math.MinInt32, 5},
		{math.MaxInt32 + 1, 9}, {math.MinInt32 - 1, 9}, {math.MaxInt64, 9}, {math.MinInt64, 9},
	}
	for _, c := range cases {
		b := NewListpackBuilder(16)
		b.AppendInt(c.n)
		lp := b.Bytes()
		if got := len(lp) - lpHeaderSize - 1 - 1; got != c.size {
			t.Errorf("AppendInt(%d): entry is %d bytes, want %d", c.n, got, c.size)
		}
		got := listpackEntries(t, lp)
		if len(got) != 1 || !got[0].isInt || got[0].n != c.n {
			t.Errorf("AppendInt(%d) decodes as %v", c.n, got)
		}
		// Append of the decimal text must give the same bytes.
		b2 := NewListpackBuilder(16)
		b2.Append([]byte(strconv.FormatInt(c.n, 10)))
		if lp2 := b2.Bytes(); !bytes.Equal(lp, lp2) {
			t.Errorf("Append(%q) = % x, AppendInt = % x", strconv.FormatInt(c.n, 10), lp2, lp)
		}
	}
}

func TestListpackStringsAndBacklens(t *testing.T) {
	// Lengths around every string-encoding and back-length boundary:
	// entry sizes 127/128, 16382/16383 (Redis uses 3 bytes from 16383).
	var vals [][]byte
	for _, l := range []int{0, 1, 62, 63, 64, 125, 126, 127, 4093, 4094, 4095, 4096, 16376, 16377, 16378, 16379, 70000} {
		vals = append(vals, bytes.Repeat([]byte{'x'}, l))
	}
	vals = append(vals, []byte("007"), []byte("+5"), []byte("-0"), []byte(" 1"),
		[]byte("123456789012345678901"), []byte("-9223372036854775809"), []byte("1.5"))
	b := NewListpackBuilder(0)
	for _, v := range vals {
		b.Append(v)
	}
	lp := b.Bytes()
	got := listpackEntries(t, lp)
	if len(got) != len(vals) {
		t.Fatalf("decoded %d entries, want %d", len(got), len(vals))
	}
	for i, v := range vals {
		if got[i].isInt || got[i].s != string(v) {
			t.Errorf("entry %d: got %v, want string %q", i, got[i], v)
		}
	}
	// Check the back-length sizes directly.
	for _, c := range []struct {
		l    uint64
		size int
	}{{1, 1}, {127, 1}, {128, 2}, {16382, 2}, {16383, 3}, {2097150, 3}, {2097151, 4}, {268435454, 4}, {268435455, 5}, {1<<32 - 1, 5}} {
		enc := appendBacklen(nil, c.l)
		if len(enc) != c.size {
			t.Errorf("backlen(%d) is %d bytes, want %d", c.l, len(enc), c.size)
		}
		if v, ok := readBacklen(enc); !ok || v != c.l {
			t.Errorf("readBacklen(backlen(%d)) = %d, %v", c.l, v, ok)
		}
	}
	// Spot-check the 2-byte form: 200 = 1<<7 | 72.
	if enc := appendBacklen(nil, 200); !bytes.Equal(enc, []byte{0x01, 0x80 | 72}) {
		t.Errorf("backlen(200) = % x", enc)
	}
}

func TestListpackCountOverflow(t *testing.T) {
	for _, n := range []int{65534, 65535, 70000} {
		b := NewListpackBuilder(n * 2)
		for i := range n {
			b.AppendInt(int64(i % 100))
		}
		lp := b.Bytes()
		wantHeader := min(n, 65535)
		if h := int(binary.LittleEndian.Uint16(lp[4:])); h != wantHeader {
			t.Errorf("%d entries: header count %d, want %d", n, h, wantHeader)
		}
		if got, err := ListpackLen(lp); err != nil || got != n {
			t.Errorf("%d entries: ListpackLen = %d, %v", n, got, err)
		}
	}
}

func TestListpackBuilderReset(t *testing.T) {
	b := NewListpackBuilder(0)
	b.Append([]byte("hello"))
	first := b.Bytes()
	keep := append([]byte(nil), first...)
	if again := b.Bytes(); !bytes.Equal(again, first) {
		t.Fatal("second Bytes call returned something else")
	}
	b.Reset()
	if b.Len() != 0 {
		t.Fatalf("Len after Reset = %d", b.Len())
	}
	b.Append([]byte("world, a longer value"))
	b.AppendInt(7)
	second := b.Bytes()
	if !bytes.Equal(first, keep) {
		t.Fatal("Reset reused the buffer returned by Bytes")
	}
	got := listpackEntries(t, second)
	if len(got) != 2 || got[0].s != "world, a longer value" || got[1].n != 7 {
		t.Fatalf("after Reset: %v", got)
	}
	empty := NewListpackBuilder(0).Bytes()
	if !bytes.Equal(empty, []byte{7, 0, 0, 0, 0, 0, 0xff}) {
		t.Fatalf("empty listpack = % x", empty)
	}
	if n, err := ListpackLen(empty); err != nil || n != 0 {
		t.Fatalf("ListpackLen(empty) = %d, %v", n, err)
	}
}

func TestListpackEachStopsOnCallbackError(t *testing.T) {
	b := NewListpackBuilder(0)
	for i := range 5 {
		b.AppendInt(int64(i))
	}
	stop := errors.New("stop")
	calls := 0
	err := ListpackEach(b.Bytes(), func([]byte, int64, bool) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Fatalf("err = %v after %d calls", err, calls)
	}
}

func TestListpackEachStringDoesNotAliasBeyondEntry(t *testing.T) {
	b := NewListpackBuilder(0)
	b.Append([]byte("abc"))
	b.Append([]byte("def"))
	lp := b.Bytes()
	keep := append([]byte(nil), lp...)
	_ = ListpackEach(lp, func(s []byte, _ int64, _ bool) error {
		_ = append(s, "XXXXXXXX"...)
		return nil
	})
	if !bytes.Equal(lp, keep) {
		t.Fatal("appending to an entry overwrote the listpack")
	}
}

func TestListpackCorrupt(t *testing.T) {
	valid := func() []byte {
		b := NewListpackBuilder(0)
		b.Append([]byte("hello"))
		b.AppendInt(300)
		b.Append([]byte(strings.Repeat("z", 100)))
		return append([]byte(nil), b.Bytes()...)
	}
	fix := func(lp []byte) []byte {
		binary.LittleEndian.PutUint32(lp, uint32(len(lp)))
		return lp
	}
	cases := map[string][]byte{
		"empty":             {},
		"too short":         {6, 0, 0, 0, 0, 0},
		"total too big":     func() []byte { lp := valid(); lp[0]++; return lp }(),
		"total too small":   func() []byte { lp := valid(); lp[0]--; return lp }(),
		"no terminator":     func() []byte { lp := valid(); lp[len(lp)-1] = 0; return lp }(),
		"count too high":    func() []byte { lp := valid(); lp[4] = 4; return lp }(),
		"count too low":     func() []byte { lp := valid(); lp[4] = 2; return lp }(),
		"bad backlen":       func() []byte { lp := valid(); lp[6+1+5]++; return lp }(),
		"backlen high bit":  func() []byte { lp := valid(); lp[6+1+5] |= 0x80; return lp }(),
		"bad encoding":      func() []byte { lp := valid(); lp[6] = 0xf5; return lp }(),
		"EOF inside":        func() []byte { lp := valid(); lp[6] = 0xff; return lp }(),
		"string overruns":   fix([]byte{0, 0, 0, 0, 1, 0, 0x85, 'a', 'b', 0xff}),
		"12-bit overruns":   fix([]byte{0, 0, 0, 0, 1, 0, 0xe0, 0xff}),
		"32-bit overruns":   fix([]byte{0, 0, 0, 0, 1, 0, 0xf0, 0xff, 0xff, 0xff, 0xff, 1, 0xff}),
		"int overruns":      fix([]byte{0, 0, 0, 0, 1, 0, 0xf4, 1, 2, 0xff}),
		"missing backlen":   fix([]byte{0, 0, 0, 0, 1, 0, 0x05, 0xff}),
		"truncated entries": func() []byte { lp := valid(); lp = append(lp[:12], 0xff); return fix(lp) }(),
	}
	for name, lp := range cases {
		err := ListpackEach(lp, func([]byte, int64, bool) error { return nil })
		if err == nil {
			t.Errorf("%s: ListpackEach accepted % x", name, lp)
		} else if !strings.HasPrefix(err.Error(), "listpack: ") {
			t.Errorf("%s: error %q lacks the listpack: prefix", name, err)
		}
	}
}
