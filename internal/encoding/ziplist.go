package encoding

import (
	"encoding/binary"
	"fmt"
)

// Ziplist layout (Redis before 7, read only): <zlbytes: uint32 LE> <zltail:
// uint32 LE, offset of the last entry> <zllen: uint16 LE, 65535 = unknown>
// entries, and a 0xFF terminator. Each entry is <prevlen><encoding><data>:
// prevlen is the previous entry's total size, one byte when below 254,
// otherwise 0xFE and a uint32 LE (the 5-byte form may also hold a small
// value). Encodings (first byte):
//
//	00pppppp                    string of up to 63 bytes
//	01pppppp qqqqqqqq           string of up to 16383 bytes (length BE)
//	10000000 <4 bytes BE>       longer string
//	11000000 <2 bytes LE>       int16
//	11010000 <4 bytes LE>       int32
//	11100000 <8 bytes LE>       int64
//	11110000 <3 bytes LE>       int24
//	11111110 <1 byte>           int8
//	1111xxxx (0001..1101)       immediate 0..12 (xxxx-1)
const (
	zlHeaderSize = 10
	zlEnd        = 0xff
	zlBigPrevlen = 0xfe
	zlCountUnk   = 65535
)

// ZiplistEach calls fn for every entry of the ziplist zl, in order, after
// validating it like Redis does when loading a dump: zlbytes equals the
// buffer size, the terminator, zltail (it must point at the last entry),
// every entry's encoding and bounds, every prevlen field, and zllen unless it
// is 65535. For string entries s aliases zl (capacity ends with the string);
// for integer entries isInt is true and n holds the value. It stops at and
// returns the first error, including one returned by fn.
func ZiplistEach(zl []byte, fn func(s []byte, n int64, isInt bool) error) error {
	if len(zl) < zlHeaderSize+1 {
		return fmt.Errorf("ziplist: %d bytes is shorter than the header and terminator", len(zl))
	}
	if total := binary.LittleEndian.Uint32(zl); uint64(total) != uint64(len(zl)) {
		return fmt.Errorf("ziplist: header says %d bytes, have %d", total, len(zl))
	}
	end := len(zl) - 1
	if zl[end] != zlEnd {
		return fmt.Errorf("ziplist: last byte is %#x, not the 0xff terminator", zl[end])
	}
	tail := uint64(binary.LittleEndian.Uint32(zl[4:]))
	if tail > uint64(end) {
		return fmt.Errorf("ziplist: tail offset %d is beyond the terminator at %d", tail, end)
	}
	header := int(binary.LittleEndian.Uint16(zl[8:]))

	count := 0
	prevSize := 0
	last := -1
	off := zlHeaderSize
	for off < end {
		if zl[off] == zlEnd {
			return fmt.Errorf("ziplist: terminator at offset %d before the end of the buffer", off)
		}
		p := zl[off:end]
		// prevlen
		var prevlen uint64
		hdr := 1
		if p[0] < zlBigPrevlen {
			prevlen = uint64(p[0])
		} else {
			if len(p) < 5 {
				return fmt.Errorf("ziplist: prevlen of entry at offset %d overruns the buffer", off)
			}
			prevlen = uint64(binary.LittleEndian.Uint32(p[1:]))
			hdr = 5
		}
		if prevlen != uint64(prevSize) {
			return fmt.Errorf("ziplist: entry at offset %d says the previous entry is %d bytes, it is %d", off, prevlen, prevSize)
		}
		if hdr >= len(p) {
			return fmt.Errorf("ziplist: entry at offset %d overruns the buffer", off)
		}
		s, n, isInt, size, err := ziplistEntry(p[hdr:], off+hdr)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(s, n, isInt); err != nil {
				return err
			}
		}
		count++
		last = off
		prevSize = hdr + size
		off += prevSize
	}
	if last >= 0 && uint64(last) != tail {
		return fmt.Errorf("ziplist: tail offset %d, the last entry is at %d", tail, last)
	}
	if header != zlCountUnk && header != count {
		return fmt.Errorf("ziplist: header says %d entries, found %d", header, count)
	}
	return nil
}

// ziplistEntry decodes the encoding and data at the start of p (which ends
// before the terminator; off is p's offset in the ziplist, for messages)
// and returns the value and the size of encoding plus data.
func ziplistEntry(p []byte, off int) (s []byte, n int64, isInt bool, size int, err error) {
	c := p[0]
	var hdr int
	var l uint64
	switch c >> 6 {
	case 0:
		hdr, l = 1, uint64(c&0x3f)
	case 1:
		if len(p) < 2 {
			return nil, 0, false, 0, ziplistOverrun(off)
		}
		hdr, l = 2, uint64(c&0x3f)<<8|uint64(p[1])
	case 2:
		if c != 0x80 {
			return nil, 0, false, 0, fmt.Errorf("ziplist: entry at offset %d has invalid encoding byte %#x", off, c)
		}
		if len(p) < 5 {
			return nil, 0, false, 0, ziplistOverrun(off)
		}
		hdr, l = 5, uint64(binary.BigEndian.Uint32(p[1:]))
	default:
		return ziplistInt(p, off)
	}
	if l > uint64(len(p)-hdr) {
		return nil, 0, false, 0, ziplistOverrun(off)
	}
	e := hdr + int(l)
	return p[hdr:e:e], 0, false, e, nil
}

func ziplistOverrun(off int) error {
	return fmt.Errorf("ziplist: entry at offset %d overruns the buffer", off)
}

// ziplistInt decodes an integer entry (first byte 11xxxxxx).
func ziplistInt(p []byte, off int) (s []byte, n int64, isInt bool, size int, err error) {
	c := p[0]
	var width int
	switch {
	case c == 0xc0:
		width = 2
	case c == 0xd0:
		width = 4
	case c == 0xe0:
		width = 8
	case c == 0xf0:
		width = 3
	case c == 0xfe:
		width = 1
	case c >= 0xf1 && c <= 0xfd:
		return nil, int64(c&0x0f) - 1, true, 1, nil
	default:
		return nil, 0, false, 0, fmt.Errorf("ziplist: entry at offset %d has invalid encoding byte %#x", off, c)
	}
	if len(p) < 1+width {
		return nil, 0, false, 0, ziplistOverrun(off)
	}
	d := p[1 : 1+width]
	switch width {
	case 1:
		n = int64(int8(d[0]))
	case 2:
		n = int64(int16(binary.LittleEndian.Uint16(d)))
	case 3:
		n = int64(int32(uint32(d[0])<<8|uint32(d[1])<<16|uint32(d[2])<<24) >> 8)
	case 4:
		n = int64(int32(binary.LittleEndian.Uint32(d)))
	default:
		n = int64(binary.LittleEndian.Uint64(d))
	}
	return nil, n, true, 1 + width, nil
}
