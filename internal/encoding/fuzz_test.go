package encoding

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets feed arbitrary bytes to the readers, which must never
// panic and must agree with themselves (a walk that succeeds once succeeds
// again with the same result). Where a writer exists, accepted input is
// re-encoded and checked against the reader.

func FuzzLZFDecompress(f *testing.F) {
	for _, in := range [][]byte{
		nil,
		[]byte("hello hello hello hello"),
		bytes.Repeat([]byte{0}, 300),
		[]byte("abcabcabcabcxyzxyzxyz0123456789012345678901234567890123456789"),
	} {
		c := LZFCompress(in, len(in)+len(in)/32+1)
		f.Add(c, len(in))
	}
	f.Add([]byte{0, 'a', 0xe0, 3, 0}, 13)
	f.Add([]byte{0xff, 0xff, 0xff}, 100)
	f.Fuzz(func(t *testing.T, in []byte, outLen int) {
		// Keep allocations small: the caller bounds outLen in real use.
		if outLen > 1<<20 {
			outLen %= 1 << 20
		}
		out, err := LZFDecompress(in, outLen)
		if err != nil {
			return
		}
		if len(out) != outLen {
			t.Fatalf("LZFDecompress returned %d bytes, asked for %d", len(out), outLen)
		}
		c := LZFCompress(out, len(out)+len(out)/32+1)
		back, err := LZFDecompress(c, len(out))
		if err != nil || !bytes.Equal(back, out) {
			t.Fatalf("re-compression round trip failed: %v", err)
		}
	})
}

func FuzzListpackEach(f *testing.F) {
	b := NewListpackBuilder(0)
	f.Add(b.Bytes())
	b.Reset()
	for _, v := range []string{"a", "1", "-1", "1000", "40000", "9000000", "3000000000", "-9223372036854775808", "007", strings.Repeat("x", 64), strings.Repeat("y", 200)} {
		b.Append([]byte(v))
	}
	f.Add(b.Bytes())
	b.Reset()
	b.Append([]byte(strings.Repeat("L", 5000)))
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, lp []byte) {
		fuzzListpack(t, lp)
		// Random bytes rarely carry a matching total length and
		// terminator; patch them in so the entry walk gets exercised.
		if len(lp) >= lpHeaderSize+1 {
			fixed := append([]byte(nil), lp...)
			binary.LittleEndian.PutUint32(fixed, uint32(len(fixed)))
			fixed[len(fixed)-1] = lpEOF
			fuzzListpack(t, fixed)
		}
	})
}

func fuzzListpack(t *testing.T, lp []byte) {
	var entries []lpEntry
	err := ListpackEach(lp, func(s []byte, n int64, isInt bool) error {
		entries = append(entries, lpEntry{string(s), n, isInt})
		return nil
	})
	n, lenErr := ListpackLen(lp)
	if err != nil {
		// ListpackLen trusts a stated count, so it may succeed
		// where the full walk fails, but not the other way round.
		return
	}
	if lenErr != nil || n != len(entries) {
		t.Fatalf("ListpackEach found %d entries, ListpackLen = %d, %v", len(entries), n, lenErr)
	}
	// Rebuilding gives a listpack that walks to the same values
	// (strings that look like integers become integers).
	rb := NewListpackBuilder(len(lp))
	for _, e := range entries {
		if e.isInt {
			rb.AppendInt(e.n)
		} else {
			rb.Append([]byte(e.s))
		}
	}
	i := 0
	err = ListpackEach(rb.Bytes(), func(s []byte, n int64, isInt bool) error {
		e := entries[i]
		i++
		if isInt {
			if e.isInt && e.n == n || !e.isInt && e.s == strconv.FormatInt(n, 10) {
				return nil
			}
		} else if !e.isInt && e.s == string(s) {
			return nil
		}
		return fmt.Errorf("entry %d: rebuilt as %q/%d/%v from %v", i-1, s, n, isInt, e)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func FuzzIntsetEach(f *testing.F) {
	f.Add(IntsetEncode([]int64{1, 2, 3}))
	f.Add(IntsetEncode([]int64{-70000, 5, 70000}))
	f.Add(IntsetEncode([]int64{-1 << 40, 1 << 40}))
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var vals []int64
		if err := IntsetEach(b, func(v int64) error { vals = append(vals, v); return nil }); err != nil {
			return
		}
		// An accepted intset re-encodes to a valid intset with the same
		// values, no wider than the input.
		enc := IntsetEncode(vals)
		if len(enc) > len(b) {
			t.Fatalf("re-encoding grew %d bytes to %d", len(b), len(enc))
		}
		i := 0
		err := IntsetEach(enc, func(v int64) error {
			if v != vals[i] {
				return fmt.Errorf("value %d: %d, want %d", i, v, vals[i])
			}
			i++
			return nil
		})
		if err != nil || i != len(vals) {
			t.Fatalf("re-encoded intset: %v (%d of %d values)", err, i, len(vals))
		}
	})
}

func FuzzZiplistEach(f *testing.F) {
	f.Add([]byte{20, 0, 0, 0, 17, 0, 0, 0, 3, 0, 0x00, 0x02, 'a', 'b', 0x04, 0x01, 'c', 0x03, 0xf6, 0xff})
	f.Add([]byte{11, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0xff})
	f.Add(zlBuild(false, zlStr("hello"), zlInt(-2, 1), zlInt(300, 2), zlInt(-70000, 3), zlInt(1<<31-1, 4), zlInt(-1<<40, 8), zlStr(strings.Repeat("x", 300))))
	f.Add(zlBuild(true, zlStr("a"), zlInt(12, 0)))
	f.Fuzz(func(t *testing.T, zl []byte) {
		fuzzZiplist(t, zl)
		// Patch in a matching zlbytes and terminator so the entry walk
		// gets exercised.
		if len(zl) >= zlHeaderSize+1 {
			fixed := append([]byte(nil), zl...)
			binary.LittleEndian.PutUint32(fixed, uint32(len(fixed)))
			fixed[len(fixed)-1] = zlEnd
			fuzzZiplist(t, fixed)
		}
	})
}

func fuzzZiplist(t *testing.T, zl []byte) {
	var first []lpEntry
	err := ZiplistEach(zl, func(s []byte, n int64, isInt bool) error {
		first = append(first, lpEntry{string(s), n, isInt})
		return nil
	})
	if err != nil {
		return
	}
	// Converting an accepted ziplist to a listpack (what the RDB reader
	// does) gives a valid listpack with the same values.
	b := NewListpackBuilder(len(zl))
	for _, e := range first {
		if e.isInt {
			b.AppendInt(e.n)
		} else {
			b.Append([]byte(e.s))
		}
	}
	n, err := ListpackLen(b.Bytes())
	if err != nil || n != len(first) {
		t.Fatalf("converted listpack: %d entries, %v; want %d", n, err, len(first))
	}
}

func FuzzZipmapEach(f *testing.F) {
	f.Add([]byte("\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff"))
	f.Add([]byte("\xfe\x01k\xfe\x05\x00\x00\x00\x02hello\x00\x00\xff"))
	f.Add([]byte{0, 0xff})
	f.Fuzz(func(t *testing.T, zm []byte) {
		total := 0
		err := ZipmapEach(zm, func(k, v []byte) error {
			total += len(k) + len(v)
			if cap(k) != len(k) || cap(v) != len(v) {
				return fmt.Errorf("key or value capacity extends past its end")
			}
			return nil
		})
		if err == nil && total > len(zm) {
			t.Fatalf("pairs hold %d bytes, more than the %d-byte zipmap", total, len(zm))
		}
		if err != nil && strings.Contains(err.Error(), "capacity") {
			t.Fatal(err)
		}
	})
}
