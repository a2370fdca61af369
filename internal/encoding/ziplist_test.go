package encoding

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// zlStr and zlInt return the encoding and data bytes of a ziplist entry,
// written from the format description (see ziplist.go): strings get the
// smallest length form, integers the form named by width (0 = immediate).
func zlStr(s string) []byte {
	switch l := len(s); {
	case l <= 63:
		return append([]byte{byte(l)}, s...)
	case l <= 16383:
		return append([]byte{0x40 | byte(l>>8), byte(l)}, s...)
	default:
		return append(binary.BigEndian.AppendUint32([]byte{0x80}, uint32(l)), s...)
	}
}

func zlInt(n int64, width int) []byte {
	switch width {
	case 0:
		return []byte{0xf1 + byte(n)}
	case 1:
		return []byte{0xfe, byte(n)}
	case 2:
		return binary.LittleEndian.AppendUint16([]byte{0xc0}, uint16(n))
	case 3:
		u := uint32(n)
		return []byte{0xf0, byte(u), byte(u >> 8), byte(u >> 16)}
	case 4:
		return binary.LittleEndian.AppendUint32([]byte{0xd0}, uint32(n))
	}
	return binary.LittleEndian.AppendUint64([]byte{0xe0}, uint64(n))
}

// zlBuild assembles a ziplist from entry bodies, computing prevlen fields
// (5-byte form when bigPrev or when needed), zltail, zllen and zlbytes.
func zlBuild(bigPrev bool, bodies ...[]byte) []byte {
	zl := make([]byte, zlHeaderSize)
	prev, tail := 0, zlHeaderSize
	for _, b := range bodies {
		tail = len(zl)
		start := len(zl)
		if prev < 254 && !bigPrev {
			zl = append(zl, byte(prev))
		} else {
			zl = binary.LittleEndian.AppendUint32(append(zl, 0xfe), uint32(prev))
		}
		zl = append(zl, b...)
		prev = len(zl) - start
	}
	zl = append(zl, 0xff)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(tail))
	binary.LittleEndian.PutUint16(zl[8:], uint16(min(len(bodies), 65535)))
	return zl
}

func ziplistEntries(t *testing.T, zl []byte) []lpEntry {
	t.Helper()
	var got []lpEntry
	if err := ZiplistEach(zl, func(s []byte, n int64, isInt bool) error {
		got = append(got, lpEntry{string(s), n, isInt})
		return nil
	}); err != nil {
		t.Fatalf("ZiplistEach: %v", err)
	}
	return got
}

func TestZiplistHandVector(t *testing.T) {
	// Two strings and an immediate integer, written out byte by byte:
	// zlbytes 20, zltail 17, zllen 3, "ab", "c", 5, end.
	zl := []byte{
		20, 0, 0, 0, 17, 0, 0, 0, 3, 0,
		0x00, 0x02, 'a', 'b',
		0x04, 0x01, 'c',
		0x03, 0xf6,
		0xff,
	}
	want := []lpEntry{{s: "ab"}, {s: "c"}, {n: 5, isInt: true}}
	if got := ziplistEntries(t, zl); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	empty := []byte{11, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0xff}
	if got := ziplistEntries(t, empty); len(got) != 0 {
		t.Fatalf("empty ziplist: %v", got)
	}
}

func TestZiplistEncodings(t *testing.T) {
	want := []lpEntry{
		{n: 0, isInt: true}, {n: 12, isInt: true}, {n: -128, isInt: true}, {n: 127, isInt: true},
		{n: math.MinInt16, isInt: true}, {n: math.MaxInt16, isInt: true},
		{n: -8388608, isInt: true}, {n: 8388607, isInt: true}, {n: -1, isInt: true},
		{n: math.MinInt32, isInt: true}, {n: math.MaxInt32, isInt: true},
		{n: math.MinInt64, isInt: true}, {n: math.MaxInt64, isInt: true},
		{s: ""}, {s: strings.Repeat("a", 63)}, {s: strings.Repeat("b", 64)},
		{s: strings.Repeat("c", 300)}, {s: strings.Repeat("d", 16383)}, {s: strings.Repeat("e", 16384)},
		{n: 7, isInt: true},
	}
	widths := []int{0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 8, 8}
	var bodies [][]byte
	for i, e := range want {
		switch {
		case !e.isInt:
			bodies = append(bodies, zlStr(e.s))
		case i < len(widths):
			bodies = append(bodies, zlInt(e.n, widths[i]))
		default:
			bodies = append(bodies, zlInt(e.n, 0))
		}
	}
	for _, bigPrev := range []bool{false, true} {
		if got := ziplistEntries(t, zlBuild(bigPrev, bodies...)); !slices.Equal(got, want) {
			t.Fatalf("bigPrev %v: got %v\nwant %v", bigPrev, got, want)
		}
	}
	// zllen 65535 means "count by walking".
	zl := zlBuild(false, bodies...)
	binary.LittleEndian.PutUint16(zl[8:], 65535)
	if got := ziplistEntries(t, zl); len(got) != len(want) {
		t.Fatalf("unknown count: %d entries", len(got))
	}
}

func TestZiplistCorrupt(t *testing.T) {
	good := func() []byte { return zlBuild(false, zlStr("hello"), zlInt(300, 2), zlStr(strings.Repeat("x", 300))) }
	mod := func(f func([]byte) []byte) []byte { return f(good()) }
	fix := func(zl []byte) []byte { binary.LittleEndian.PutUint32(zl, uint32(len(zl))); return zl }
	cases := map[string][]byte{
		"short":            {11, 0, 0, 0, 10, 0, 0, 0, 0, 0},
		"zlbytes":          mod(func(b []byte) []byte { b[0]++; return b }),
		"no terminator":    mod(func(b []byte) []byte { b[len(b)-1] = 0; return b }),
		"tail too far":     mod(func(b []byte) []byte { b[4] = 0xff; b[5] = 0xff; return b }),
		"tail not last":    mod(func(b []byte) []byte { b[4] = 10; b[5] = 0; return b }),
		"count too high":   mod(func(b []byte) []byte { b[8] = 4; return b }),
		"count too low":    mod(func(b []byte) []byte { b[8] = 2; return b }),
		"first prevlen":    mod(func(b []byte) []byte { b[10] = 1; return b }),
		"second prevlen":   mod(func(b []byte) []byte { b[10+7]++; return b }),
		"bad str encoding": mod(func(b []byte) []byte { b[11] = 0x81; return b }),
		"bad int encoding": mod(func(b []byte) []byte { b[18] = 0xc1; return b }),
		"end inside":       mod(func(b []byte) []byte { b[17] = 0xff; return b }),
		"string overruns":  fix([]byte{0, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0x05, 'a', 0xff}),
		"14-bit overruns":  fix([]byte{0, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0x40, 0xff}),
		"32-bit overruns":  fix([]byte{0, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff}),
		"int overruns":     fix([]byte{0, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0xe0, 1, 2, 0xff}),
		"big prevlen cut":  fix([]byte{0, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0xfe, 0, 0xff}),
		"entry is prevlen": fix([]byte{0, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0xff}),
	}
	for name, zl := range cases {
		err := ZiplistEach(zl, func([]byte, int64, bool) error { return nil })
		if err == nil {
			t.Errorf("%s: ZiplistEach accepted % x", name, zl)
		} else if !strings.HasPrefix(err.Error(), "ziplist: ") {
			t.Errorf("%s: error %q lacks the ziplist: prefix", name, err)
		}
	}
	stop := errors.New("stop")
	if err := ZiplistEach(good(), func([]byte, int64, bool) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}
