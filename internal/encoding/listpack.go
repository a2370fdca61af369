package encoding

import (
	"encoding/binary"
	"fmt"
)

// Listpack layout (Redis 7): a 6-byte header <total bytes: uint32 LE>
// <entry count: uint16 LE, 65535 = unknown>, the entries, and a 0xFF
// terminator. Each entry is <encoding+data><backlen>, where backlen is the
// size of <encoding+data> written so it can be read from right to left:
// 7 bits per byte, the byte nearest the entry's start holds the most
// significant bits and every other byte has its high bit set.
//
// Encodings (first byte):
//
//	0xxxxxxx                    7-bit unsigned integer
//	10xxxxxx                    string of up to 63 bytes
//	110xxxxx yyyyyyyy           13-bit signed integer
//	1110xxxx yyyyyyyy           string of up to 4095 bytes
//	11110000 <4 bytes LE>       string of up to 2^32-1 bytes
//	11110001 <2 bytes LE>       16-bit signed integer
//	11110010 <3 bytes LE>       24-bit signed integer
//	11110011 <4 bytes LE>       32-bit signed integer
//	11110100 <8 bytes LE>       64-bit signed integer
//	11111111                    end of listpack
const (
	lpHeaderSize   = 6
	lpCountUnknown = 65535
	lpEOF          = 0xff

	lpEnc7BitUint = 0x00
	lpEnc6BitStr  = 0x80
	lpEnc13BitInt = 0xc0
	lpEnc12BitStr = 0xe0
	lpEnc32BitStr = 0xf0
	lpEnc16BitInt = 0xf1
	lpEnc24BitInt = 0xf2
	lpEnc32BitInt = 0xf3
	lpEnc64BitInt = 0xf4

	lpMaxTotalBytes = 1<<32 - 1
)

// ListpackBuilder appends entries to a listpack and produces bytes identical
// to those Redis 7.0 builds by appending the same values in the same order.
// The zero value is not ready for use; call NewListpackBuilder.
type ListpackBuilder struct {
	buf   []byte
	count int
	done  bool
}

// NewListpackBuilder returns an empty builder whose buffer has room for
// sizeHint bytes of listpack (header and terminator included).
func NewListpackBuilder(sizeHint int) *ListpackBuilder {
	b := &ListpackBuilder{}
	b.buf = make([]byte, lpHeaderSize, max(sizeHint, lpHeaderSize+1))
	return b
}

// Reset empties the builder. The slice returned by a previous Bytes call is
// not reused.
func (b *ListpackBuilder) Reset() {
	if b.done {
		b.buf = make([]byte, lpHeaderSize, cap(b.buf))
	} else {
		b.buf = b.buf[:lpHeaderSize]
	}
	b.count = 0
	b.done = false
}

// Len returns the number of entries appended since the builder was created
// or last reset.
func (b *ListpackBuilder) Len() int { return b.count }

// Append adds v the way Redis's listpack insert does: as an integer when v is
// the canonical decimal text of an int64 (see ParseInt64Strict), otherwise
// as a string with the smallest string encoding.
func (b *ListpackBuilder) Append(v []byte) {
	if n, ok := ParseInt64Strict(v); ok {
		b.AppendInt(n)
		return
	}
	b.checkOpen()
	start := len(b.buf)
	switch l := len(v); {
	case l < 64:
		b.buf = append(b.buf, lpEnc6BitStr|byte(l))
	case l < 4096:
		b.buf = append(b.buf, lpEnc12BitStr|byte(l>>8), byte(l))
	default:
		if uint64(l) > lpMaxTotalBytes {
			panic("encoding: listpack string longer than 4 GiB")
		}
		b.buf = append(b.buf, lpEnc32BitStr)
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(l))
	}
	b.buf = append(b.buf, v...)
	b.finishEntry(start)
}

// AppendInt adds n with the smallest integer encoding that holds it.
func (b *ListpackBuilder) AppendInt(n int64) {
	b.checkOpen()
	start := len(b.buf)
	switch {
	case n >= 0 && n <= 127:
		b.buf = append(b.buf, byte(n))
	case n >= -4096 && n <= 4095:
		u := uint16(n) & 0x1fff
		b.buf = append(b.buf, lpEnc13BitInt|byte(u>>8), byte(u))
	case n >= -32768 && n <= 32767:
		b.buf = append(b.buf, lpEnc16BitInt)
		b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(n))
	case n >= -8388608 && n <= 8388607:
		u := uint32(n)
		b.buf = append(b.buf, lpEnc24BitInt, byte(u), byte(u>>8), byte(u>>16))
	case n >= -2147483648 && n <= 2147483647:
		b.buf = append(b.buf, lpEnc32BitInt)
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(n))
	default:
		b.buf = append(b.buf, lpEnc64BitInt)
		b.buf = binary.LittleEndian.AppendUint64(b.buf, uint64(n))
	}
	b.finishEntry(start)
}

func (b *ListpackBuilder) checkOpen() {
	if b.done {
		panic("encoding: ListpackBuilder used after Bytes without Reset")
	}
}

// finishEntry appends the back-length of the entry that starts at start.
func (b *ListpackBuilder) finishEntry(start int) {
	b.buf = appendBacklen(b.buf, uint64(len(b.buf)-start))
	b.count++
}

// backlenSize returns how many bytes Redis uses for the back-length of an
// entry of l bytes. The thresholds are Redis's own: 16383, 2097151 and
// 268435455 already take the next size up.
func backlenSize(l uint64) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// appendBacklen appends l as a back-length: most significant 7-bit group
// first without the high bit, every following group with it.
func appendBacklen(buf []byte, l uint64) []byte {
	n := backlenSize(l)
	for i := n - 1; i >= 0; i-- {
		g := byte(l>>(7*uint(i))) & 0x7f
		if i != n-1 {
			g |= 0x80
		}
		buf = append(buf, g)
	}
	return buf
}

// Bytes finishes the listpack and returns it: header, entries, terminator.
// The entry count is stored as 65535 ("unknown") when there are 65535
// entries or more, as Redis does. Call it once; call Reset before building
// another listpack. It panics if the listpack would exceed 4 GiB, which
// Redis cannot represent either.
func (b *ListpackBuilder) Bytes() []byte {
	if b.done {
		return b.buf
	}
	b.buf = append(b.buf, lpEOF)
	if uint64(len(b.buf)) > lpMaxTotalBytes {
		panic("encoding: listpack larger than 4 GiB")
	}
	binary.LittleEndian.PutUint32(b.buf[0:], uint32(len(b.buf)))
	binary.LittleEndian.PutUint16(b.buf[4:], uint16(min(b.count, lpCountUnknown)))
	b.done = true
	return b.buf
}

// listpackHeader checks the header and terminator of lp and returns the
// entry count it states.
func listpackHeader(lp []byte) (int, error) {
	if len(lp) < lpHeaderSize+1 {
		return 0, fmt.Errorf("listpack: %d bytes is shorter than the header and terminator", len(lp))
	}
	if total := binary.LittleEndian.Uint32(lp); uint64(total) != uint64(len(lp)) {
		return 0, fmt.Errorf("listpack: header says %d bytes, have %d", total, len(lp))
	}
	if lp[len(lp)-1] != lpEOF {
		return 0, fmt.Errorf("listpack: last byte is %#x, not the 0xff terminator", lp[len(lp)-1])
	}
	return int(binary.LittleEndian.Uint16(lp[4:])), nil
}

// ListpackEach calls fn for every entry of lp, in order, after validating
// it: the header's total length, each entry's encoding, bounds and
// back-length, the terminator and, unless it is 65535, the header's count.
// For string entries s aliases lp (its capacity ends with the string, so
// appending to it copies); for integer entries isInt is true and n holds the
// value. It stops at and returns the first error, including one
// returned by fn (entries before a corrupt one have already been passed to
// fn). It never panics and allocates nothing proportional to lp.
func ListpackEach(lp []byte, fn func(s []byte, n int64, isInt bool) error) error {
	_, err := listpackWalk(lp, fn)
	return err
}

// ListpackCheckHeader checks only what Redis checks of a listpack it
// loads without deep sanitization (sanitize-dump-payload no): the header's
// total length matches len(lp) and the last byte is the terminator. It
// returns the entry count the header states (65535 when unknown). Entries
// are not looked at: ListpackEach still validates each one.
func ListpackCheckHeader(lp []byte) (int, error) {
	return listpackHeader(lp)
}

// ListpackLen returns the number of entries in lp. When the header states
// the count it is returned after checking the header and terminator; when
// the header says 65535 (unknown) the listpack is walked and fully
// validated.
func ListpackLen(lp []byte) (int, error) {
	count, err := listpackHeader(lp)
	if err != nil {
		return 0, err
	}
	if count != lpCountUnknown {
		return count, nil
	}
	return listpackWalk(lp, nil)
}

// listpackWalk validates lp, calls fn (if not nil) for every entry and
// returns the number of entries.
func listpackWalk(lp []byte, fn func(s []byte, n int64, isInt bool) error) (int, error) {
	header, err := listpackHeader(lp)
	if err != nil {
		return 0, err
	}
	end := len(lp) - 1 // offset of the terminator
	count := 0
	off := lpHeaderSize
	for off < end {
		s, n, isInt, size, err := listpackEntry(lp[off:end], off)
		if err != nil {
			return count, err
		}
		bl := backlenSize(uint64(size))
		if size+bl > end-off {
			return count, fmt.Errorf("listpack: back-length of entry at offset %d overruns the buffer", off)
		}
		if got, ok := readBacklen(lp[off+size : off+size+bl]); !ok || got != uint64(size) {
			return count, fmt.Errorf("listpack: entry at offset %d has a corrupt back-length", off)
		}
		if fn != nil {
			if err := fn(s, n, isInt); err != nil {
				return count, err
			}
		}
		count++
		off += size + bl
	}
	if header != lpCountUnknown && header != count {
		return count, fmt.Errorf("listpack: header says %d entries, found %d", header, count)
	}
	return count, nil
}

// readBacklen decodes a back-length written by appendBacklen and reports
// whether b is exactly such an encoding.
func readBacklen(b []byte) (uint64, bool) {
	var v uint64
	for i, g := range b {
		if (g&0x80 != 0) != (i != 0) {
			return 0, false
		}
		v = v<<7 | uint64(g&0x7f)
	}
	return v, true
}

// listpackEntry decodes the entry at the start of p (which ends before the
// terminator; off is p's offset in the listpack, for messages) and returns
// its value and the size of its encoding and data, without the back-length.
func listpackEntry(p []byte, off int) (s []byte, n int64, isInt bool, size int, err error) {
	need := func(k int) error {
		if k > len(p) {
			return fmt.Errorf("listpack: entry at offset %d overruns the buffer", off)
		}
		return nil
	}
	c := p[0]
	switch {
	case c&0x80 == lpEnc7BitUint:
		return nil, int64(c), true, 1, nil
	case c&0xc0 == lpEnc6BitStr:
		l := int(c & 0x3f)
		if err := need(1 + l); err != nil {
			return nil, 0, false, 0, err
		}
		return p[1 : 1+l : 1+l], 0, false, 1 + l, nil
	case c&0xe0 == lpEnc13BitInt:
		if err := need(2); err != nil {
			return nil, 0, false, 0, err
		}
		u := uint16(c&0x1f)<<8 | uint16(p[1])
		return nil, int64(int16(u<<3) >> 3), true, 2, nil
	case c&0xf0 == lpEnc12BitStr:
		if err := need(2); err != nil {
			return nil, 0, false, 0, err
		}
		l := int(c&0x0f)<<8 | int(p[1])
		if err := need(2 + l); err != nil {
			return nil, 0, false, 0, err
		}
		return p[2 : 2+l : 2+l], 0, false, 2 + l, nil
	}
	switch c {
	case lpEnc32BitStr:
		if err := need(5); err != nil {
			return nil, 0, false, 0, err
		}
		l := uint64(binary.LittleEndian.Uint32(p[1:]))
		if l > uint64(len(p)-5) {
			return nil, 0, false, 0, fmt.Errorf("listpack: entry at offset %d overruns the buffer", off)
		}
		return p[5 : 5+l : 5+l], 0, false, 5 + int(l), nil
	case lpEnc16BitInt:
		if err := need(3); err != nil {
			return nil, 0, false, 0, err
		}
		return nil, int64(int16(binary.LittleEndian.Uint16(p[1:]))), true, 3, nil
	case lpEnc24BitInt:
		if err := need(4); err != nil {
			return nil, 0, false, 0, err
		}
		u := uint32(p[1]) | uint32(p[2])<<8 | uint32(p[3])<<16
		return nil, int64(int32(u<<8) >> 8), true, 4, nil
	case lpEnc32BitInt:
		if err := need(5); err != nil {
			return nil, 0, false, 0, err
		}
		return nil, int64(int32(binary.LittleEndian.Uint32(p[1:]))), true, 5, nil
	case lpEnc64BitInt:
		if err := need(9); err != nil {
			return nil, 0, false, 0, err
		}
		return nil, int64(binary.LittleEndian.Uint64(p[1:])), true, 9, nil
	}
	return nil, 0, false, 0, fmt.Errorf("listpack: entry at offset %d has invalid encoding byte %#x", off, c)
}
